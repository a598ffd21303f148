"""The RTSP server on the wire: methods, SDP, statuses, sessions, and clean-up.

A bare socket (tests/streaming/rtsp_wire.py) shows the exact statuses and
headers; real clients are in test_rtsp_clients.py.
"""

from __future__ import annotations

import base64
import itertools
import threading
import time

import pytest

from onvif_device.config import Config
from onvif_device.embed import ThreadedCamera
from onvif_device.streaming.rtp import RtpPacket, SenderReport, parse_compound
from onvif_device.streaming.rtp.h264 import nal_unit_type

from .rtsp_wire import Wire

pytestmark = pytest.mark.timeout(120)


def _config(**overrides) -> Config:
    data = Config().model_dump()
    data["auth"]["enabled"] = False
    for section, values in overrides.items():
        data[section].update(values)
    return Config.model_validate(data)


@pytest.fixture(scope="module")
def camera():
    with ThreadedCamera(_config()) as cam:
        yield cam


@pytest.fixture
def wire(camera):
    with Wire(camera.host, camera.rtsp_port) as conversation:
        yield conversation


def url(camera, profile: str = "Profile_1") -> str:
    return camera.stream_url(profile)


def sdp_media(body: bytes) -> dict[str, list[str]]:
    """m= sections by media type, each with its lines."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in body.decode().splitlines():
        if line.startswith("m="):
            current = sections.setdefault(line[2:].split()[0], [])
        if current is not None:
            current.append(line)
    return sections


def control_of(lines: list[str]) -> str:
    return next(line.split(":", 1)[1] for line in lines if line.startswith("a=control:"))


# --- OPTIONS and DESCRIBE ---------------------------------------------------------------------


def test_options_lists_every_method(camera, wire):
    reply = wire.request("OPTIONS", url(camera))
    assert reply.status == 200
    public = {m.strip() for m in reply.headers["public"].split(",")}
    assert public == {"OPTIONS", "DESCRIBE", "SETUP", "PLAY", "PAUSE", "TEARDOWN", "GET_PARAMETER", "SET_PARAMETER"}
    assert reply.headers["cseq"] == "1"


def test_describe_h264_profile_has_video_audio_and_metadata(camera, wire):
    reply = wire.request("DESCRIBE", url(camera), {"Accept": "application/sdp"})
    assert reply.status == 200, reply.body
    assert reply.headers["content-type"] == "application/sdp"
    assert reply.headers["content-base"] == url(camera) + "/"
    media = sdp_media(reply.body)
    assert set(media) == {"video", "audio", "application"}
    video = "\n".join(media["video"])
    assert "a=rtpmap:96 H264/90000" in video
    assert "profile-level-id=64" in video  # High profile, as Profile_1's encoder says
    assert "sprop-parameter-sets=" in video
    sets = video.split("sprop-parameter-sets=")[1].split(";")[0].strip().split(",")
    assert [nal_unit_type(base64.b64decode(s)) for s in sets] == [7, 8]
    assert "a=rtpmap:0 PCMU/8000" in "\n".join(media["audio"])
    assert "a=rtpmap:107 vnd.onvif.metadata/90000" in "\n".join(media["application"])
    for lines in media.values():
        assert control_of(lines).startswith(url(camera) + "/")
        assert "a=recvonly" in lines


def test_describe_jpeg_profile_uses_payload_type_26(camera, wire):
    reply = wire.request("DESCRIBE", url(camera, "Profile_3"))
    assert reply.status == 200
    video = sdp_media(reply.body)["video"]
    assert video[0] == "m=video 0 RTP/AVP 26"
    assert "a=rtpmap:26 JPEG/90000" in video
    assert "a=x-dimensions:1280,720" in video


def test_describe_h265_profile_carries_vps_sps_pps(camera, wire):
    media = camera.camera.media
    media.create_profile("H265 test", token="H265Test")
    media.update_profile("H265Test", add={"VideoSource": "VideoSourceConfig_1", "VideoEncoder": "VideoEncoder_4"})
    try:
        reply = wire.request("DESCRIBE", url(camera, "H265Test"))
        assert reply.status == 200, reply.body
        video = "\n".join(sdp_media(reply.body)["video"])
        assert "H265/90000" in video
        for name in ("sprop-vps=", "sprop-sps=", "sprop-pps="):
            assert name in video
    finally:
        media.delete_profile("H265Test")


def test_describe_with_backchannel_adds_a_sendonly_section(camera, wire):
    reply = wire.request("DESCRIBE", url(camera), {"Require": "www.onvif.org/ver20/backchannel"})
    assert reply.status == 200
    audio_sections = [s for s in reply.body.decode().split("m=")[1:] if s.startswith("audio")]
    assert len(audio_sections) == 2
    back = audio_sections[1]
    assert "a=sendonly" in back
    assert "a=control:" + url(camera) + "/audioback" in back


def test_unknown_require_tag_is_551(camera, wire):
    reply = wire.request("DESCRIBE", url(camera), {"Require": "com.example.teleport"})
    assert reply.status == 551
    assert reply.headers["unsupported"] == "com.example.teleport"


# --- errors -----------------------------------------------------------------------------------


def test_unknown_stream_is_404(camera, wire):
    reply = wire.request("DESCRIBE", url(camera, "NoSuchProfile"))
    assert reply.status == 404
    assert b"NoSuchProfile" in reply.body


def test_path_outside_streams_is_404(camera, wire):
    reply = wire.request("DESCRIBE", f"rtsp://{camera.host}:{camera.rtsp_port}/live.sdp")
    assert reply.status == 404


def test_unsupported_transport_is_461(camera, wire):
    reply = wire.request("SETUP", url(camera) + "/video", {"Transport": "RTP/SAVP;unicast;client_port=5000-5001"})
    assert reply.status == 461
    assert b"RTP/SAVP" in reply.body


def test_unparseable_transport_is_400(camera, wire):
    reply = wire.request("SETUP", url(camera) + "/video", {"Transport": "RTP/AVP;unicast;client_port=70000-70001"})
    assert reply.status == 400


def test_unknown_session_is_454(camera, wire):
    reply = wire.request("PLAY", url(camera), {"Session": "DEADBEEF"})
    assert reply.status == 454
    assert b"DEADBEEF" in reply.body


def test_adding_a_track_while_playing_is_455(camera, wire):
    setup = wire.request("SETUP", url(camera) + "/video", {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"})
    session = setup.headers["session"].split(";")[0]
    assert wire.request("PLAY", url(camera), {"Session": session}).status == 200
    reply = wire.request("SETUP", url(camera) + "/audio", {"Transport": "RTP/AVP/TCP;unicast;interleaved=2-3", "Session": session})
    assert reply.status == 455
    assert "allow" in reply.headers


def test_malformed_request_is_400_and_closes(camera, wire):
    wire.send_raw(b"DESCRIBE\r\n\r\n")
    reply = wire.reply()
    assert reply.status == 400
    with pytest.raises(ConnectionError):
        wire.request("OPTIONS", url(camera))


def test_http_request_on_the_rtsp_port_is_400_naming_http(camera, wire):
    wire.send_raw(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    reply = wire.reply()
    assert reply.status == 400
    assert b"HTTP" in reply.body


def test_oversized_headers_are_cut_off(camera, wire):
    wire.send_raw(b"OPTIONS " + url(camera).encode() + b" RTSP/1.0\r\nCSeq: 1\r\nX-Junk: " + b"a" * 20000)
    reply = wire.reply()
    assert reply.status in (400, 413)


def test_unimplemented_method_is_501(camera, wire):
    reply = wire.request("RECORD", url(camera))
    assert reply.status == 501


def test_too_many_sessions_is_453():
    with ThreadedCamera(_config(server={"rtsp_max_sessions": 1})) as cam:
        with Wire(cam.host, cam.rtsp_port) as wire:
            first = wire.request("SETUP", cam.stream_url() + "/video", {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"})
            assert first.status == 200
            with Wire(cam.host, cam.rtsp_port) as other:
                second = other.request("SETUP", cam.stream_url() + "/video", {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"})
                assert second.status == 453


def test_digest_authentication_like_soap():
    data = Config().model_dump()
    config = Config.model_validate(data)
    with ThreadedCamera(config) as cam:
        with Wire(cam.host, cam.rtsp_port) as wire:
            assert wire.request("OPTIONS", cam.stream_url()).status == 200  # OPTIONS needs no credentials
            reply = wire.request("DESCRIBE", cam.stream_url())
            assert reply.status == 401
            challenges = [v for k, v in reply.all_headers if k.lower() == "www-authenticate"]
            assert challenges and all(c.startswith("Digest ") for c in challenges)
            authorization = _digest_answer(challenges[-1], "DESCRIBE", cam.stream_url(), cam.username, cam.password)
            ok = wire.request("DESCRIBE", cam.stream_url(), {"Authorization": authorization})
            assert ok.status == 200, ok.body
            wrong = _digest_answer(challenges[-1], "DESCRIBE", cam.stream_url(), cam.username, "wrong")
            assert wire.request("DESCRIBE", cam.stream_url(), {"Authorization": wrong}).status == 401


_nonce_count = itertools.count(1)


def _digest_answer(challenge: str, method: str, uri: str, user: str, password: str) -> str:
    import hashlib
    import re

    fields = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge))
    algorithm = fields.get("algorithm", "MD5")
    digest = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}[algorithm.replace("-sess", "")]

    def h(text: str) -> str:
        return digest(text.encode()).hexdigest()

    ha1 = h(f"{user}:{fields['realm']}:{password}")
    ha2 = h(f"{method}:{uri}")
    cnonce, nc = "0a4f113b", f"{next(_nonce_count):08x}"  # strictly rising, as the server demands
    if "qop" in fields:
        response = h(f"{ha1}:{fields['nonce']}:{nc}:{cnonce}:auth:{ha2}")
        extra = f', qop=auth, nc={nc}, cnonce="{cnonce}"'
    else:
        response = h(f"{ha1}:{fields['nonce']}:{ha2}")
        extra = ""
    return (
        f'Digest username="{user}", realm="{fields["realm"]}", nonce="{fields["nonce"]}", uri="{uri}",'
        f' response="{response}", algorithm={algorithm}{extra}'
    )


# --- playing over interleaved TCP --------------------------------------------------------------


def _play_tcp(camera, wire, profile="Profile_1", tracks=("video",)):
    session = None
    for index, track in enumerate(tracks):
        headers = {"Transport": f"RTP/AVP/TCP;unicast;interleaved={2 * index}-{2 * index + 1}"}
        if session:
            headers["Session"] = session
        reply = wire.request("SETUP", f"{url(camera, profile)}/{track}", headers)
        assert reply.status == 200, reply.body
        assert f"interleaved={2 * index}-{2 * index + 1}" in reply.headers["transport"]
        session = reply.headers["session"].split(";")[0]
        assert "timeout=60" in reply.headers["session"]
    play = wire.request("PLAY", url(camera, profile), {"Session": session, "Range": "npt=0.000-"})
    assert play.status == 200, play.body
    return session, play


def test_play_starts_on_a_key_frame_with_rtp_info(camera, wire):
    session, play = _play_tcp(camera, wire)
    info = play.headers["rtp-info"]
    assert info.startswith(f"url={url(camera)}/video;seq=")
    seq = int(info.split("seq=")[1].split(";")[0])
    rtptime = int(info.split("rtptime=")[1].split(",")[0])
    packets = []
    reports = []
    for channel, data in wire.read_frames(60):
        if channel == 0:
            packets.append(RtpPacket.parse(data))
        else:
            reports.extend(parse_compound(data))
    assert packets[0].sequence_number == seq
    assert packets[0].timestamp == rtptime
    # The first access unit is an IDR with its parameter sets in band.
    first_types = {p.payload[0] & 0x1F for p in packets if p.timestamp == rtptime}
    assert 7 in first_types or 24 in first_types  # SPS alone or in a STAP-A
    # Consecutive sequence numbers, marker on the last packet of each frame, non-decreasing time.
    for a, b in zip(packets, packets[1:]):
        assert b.sequence_number == (a.sequence_number + 1) & 0xFFFF
        if b.timestamp != a.timestamp:
            assert a.marker
    assert any(isinstance(r, SenderReport) for r in reports)
    assert wire.request("TEARDOWN", url(camera), {"Session": session}).status == 200


def test_pause_stops_and_play_resumes(camera, wire):
    session, _ = _play_tcp(camera, wire)
    wire.read_frames(5)
    assert wire.request("PAUSE", url(camera), {"Session": session}).status == 200
    engine = camera.server.streaming
    assert engine.sessions[session].state == "Ready"
    wire.frames.clear()
    assert wire.request("PLAY", url(camera), {"Session": session}).status == 200
    assert len(wire.read_frames(5)) == 5
    wire.request("TEARDOWN", url(camera), {"Session": session})


def test_keep_alive_methods_answer_with_the_session(camera, wire):
    session, _ = _play_tcp(camera, wire)
    for method in ("GET_PARAMETER", "SET_PARAMETER", "OPTIONS"):
        reply = wire.request(method, url(camera), {"Session": session})
        assert reply.status == 200
    wire.request("TEARDOWN", url(camera), {"Session": session})


def test_every_track_plays_on_one_connection(camera, wire):
    session, play = _play_tcp(camera, wire, tracks=("video", "audio", "metadata"))
    assert play.headers["rtp-info"].count("url=") == 3
    channels = {channel for channel, _ in wire.read_frames(200)}
    assert {0, 2, 4} <= channels
    wire.request("TEARDOWN", url(camera), {"Session": session})


def test_metadata_documents_are_onvif_metadata_streams(camera, wire, onvif_schemas):
    session, _ = _play_tcp(camera, wire, tracks=("metadata",))
    payload = b""
    while True:
        channel, data = wire.read_frames(1)[0]
        if channel != 0:
            continue
        packet = RtpPacket.parse(data)
        payload += packet.payload
        if packet.marker:
            break
    from lxml import etree

    document = etree.fromstring(payload)
    assert document.tag == "{http://www.onvif.org/ver10/schema}MetadataStream"
    onvif_schemas.validate_element(document)
    wire.request("TEARDOWN", url(camera), {"Session": session})


def _metadata_documents(wire, count: int):
    """The next `count` metadata documents on interleaved channel 0, parsed."""
    from lxml import etree

    documents, payload = [], b""
    while len(documents) < count:
        channel, data = wire.read_frames(1)[0]
        if channel != 0:
            continue
        packet = RtpPacket.parse(data)
        payload += packet.payload
        if packet.marker:
            documents.append(etree.fromstring(payload))
            payload = b""
    return documents


def _motion_states(document) -> list[str]:
    ns = {"tt": "http://www.onvif.org/ver10/schema", "wsnt": "http://docs.oasis-open.org/wsn/b-2"}
    states = []
    for holder in document.iterfind("tt:Event/wsnt:NotificationMessage", ns):
        if holder.findtext("wsnt:Topic", namespaces=ns).endswith("VideoSource/MotionAlarm"):
            message = holder.find("wsnt:Message/tt:Message", ns)
            state = message.find("tt:Data/tt:SimpleItem", ns).get("Value")
            states.append(f"{message.get('PropertyOperation')}:{state}")
    return states


def test_metadata_stream_carries_the_events(camera, wire, onvif_schemas):
    import httpx

    control = f"http://127.0.0.1:{camera.port}/emulator/motion"
    auth = httpx.DigestAuth(camera.username, camera.password)
    assert httpx.post(control, json={"state": False}, auth=auth).status_code == 200  # whatever the schedule says
    try:
        session, _ = _play_tcp(camera, wire, tracks=("metadata",))
        first = _metadata_documents(wire, 1)[0]
        onvif_schemas.validate_element(first)
        assert _motion_states(first) == ["Initialized:false"]  # the state of every property first
        assert httpx.post(control, json={"state": True}, auth=auth).status_code == 200
        for _ in range(10):  # documents on the one-second schedule may come first
            document = _metadata_documents(wire, 1)[0]
            if states := _motion_states(document):
                break
        else:
            pytest.fail("no motion event in the metadata stream")
        onvif_schemas.validate_element(document)
        assert states == ["Changed:true"]
    finally:
        httpx.post(control, json={"state": None}, auth=auth)
    wire.request("TEARDOWN", url(camera), {"Session": session})


def test_set_synchronization_point_forces_a_key_frame(camera, wire):
    session, _ = _play_tcp(camera, wire)
    wire.read_frames(40)  # past the first GOP's start
    camera.camera.media.request_sync_point("Profile_1")
    for _ in range(400):
        channel, data = wire.read_frames(1)[0]
        if channel == 0 and _is_idr_start(RtpPacket.parse(data).payload):
            break
    else:
        pytest.fail("no key frame after SetSynchronizationPoint")
    wire.request("TEARDOWN", url(camera), {"Session": session})


def _is_idr_start(payload: bytes) -> bool:
    kind = payload[0] & 0x1F
    if kind in (5, 7):
        return True
    if kind == 24:  # STAP-A: the first aggregated unit
        return payload[3] & 0x1F in (5, 7)
    if kind == 28:  # FU-A start
        return bool(payload[1] & 0x80) and payload[1] & 0x1F == 5
    return False


def test_connect_disconnect_cycles_leak_nothing(camera):
    engine = camera.server.streaming
    threads_before = _own_threads()
    for _ in range(30):
        with Wire(camera.host, camera.rtsp_port) as wire:
            _play_tcp(camera, wire)
            wire.read_frames(3)
    # The server notices the closed sockets on its own loop; give it a moment.
    settled = wait_until(lambda: not engine.sessions and not engine.connections and not engine.streams)
    assert settled, (engine.sessions, engine.connections, engine.streams)
    # Every stream's source thread has ended; the loop's executor may have grown its (bounded) pool.
    assert wait_until(lambda: not [t for t in threading.enumerate() if t.name.startswith("stream ")])
    assert _own_threads() <= threads_before


def _own_threads() -> int:
    """Threads other than the event loop's executor workers, which it keeps and reuses."""
    return sum(1 for thread in threading.enumerate() if not thread.name.startswith("asyncio_"))


def wait_until(condition, seconds: float = 10.0) -> bool:
    """Poll `condition` (the camera's loop runs in its own thread) until true or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())
