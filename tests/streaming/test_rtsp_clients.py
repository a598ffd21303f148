"""Real clients play the camera's streams: ffmpeg, PyAV (libavformat), aiortsp, a WebSocket client.

Each decodes frames with no decoder errors; the stamp burnt into every
picture proves order and no loss over TCP.  Authentication is on, so the
clients also do Digest against the camera's users, as against a real camera.
"""

from __future__ import annotations

import shutil
import subprocess
from urllib.parse import quote

import av
import numpy as np
import pytest

from onvif_device.camera.media import uris
from onvif_device.embed import ThreadedCamera
from onvif_device.streaming.rtp import RtpPacket
from onvif_device.video import read_stamp

from .rtsp_wire import Wire
from .test_rtsp_server import _config, _digest_answer

pytestmark = pytest.mark.timeout(180)

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def camera():
    data = _config().model_dump()
    data["auth"]["enabled"] = True
    from onvif_device.config import Config

    with ThreadedCamera(Config.model_validate(data)) as cam:
        media = cam.camera.media
        media.create_profile("H265 stream", token="H265Stream")
        media.update_profile("H265Stream", add={"VideoSource": "VideoSourceConfig_1", "VideoEncoder": "VideoEncoder_4"})
        # libx265 cannot encode 1080p25 in real time on two cores next to a decoder: test a size it can.
        h265 = media.configuration("VideoEncoder", "VideoEncoder_4")
        media.set_configuration("VideoEncoder", h265.model_copy(update={"width": 640, "height": 360}))
        yield cam


def authed(camera, url: str) -> str:
    credentials = f"{quote(camera.username, safe='')}:{quote(camera.password, safe='')}@"
    return url.replace("rtsp://", "rtsp://" + credentials, 1)


def rtsp_url(camera, profile: str, *, http_port: bool = False) -> str:
    url = camera.stream_url(profile)
    if http_port:  # RTSP over HTTP runs on the web service port, as the Media specs say
        url = url.replace(f":{camera.rtsp_port}/", f":{camera.port}/")
    return authed(camera, url)


def ffmpeg_gray_frames(url: str, transport: str, count: int, size: tuple[int, int]) -> list[np.ndarray]:
    """`count` decoded frames as luma arrays; fails on any decoder or protocol error."""
    result = subprocess.run(
        [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-rtsp_transport", transport, "-i", url,
         "-map", "0:v:0", "-fps_mode", "passthrough", "-frames:v", str(count), "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr.decode().strip() == "", result.stderr.decode()
    width, height = size
    frame_bytes = width * height
    assert len(result.stdout) == count * frame_bytes, f"{len(result.stdout)} bytes for {count} frames of {size}"
    return [
        np.frombuffer(result.stdout[i * frame_bytes : (i + 1) * frame_bytes], np.uint8).reshape(height, width)
        for i in range(count)
    ]


def assert_consecutive(frames: list[np.ndarray]) -> None:
    stamps = [read_stamp(frame) for frame in frames]
    numbers = [s.frame_number for s in stamps if s is not None]
    assert len(numbers) >= len(frames) - 1, f"unreadable stamps: {stamps}"
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), numbers


@needs_ffmpeg
@pytest.mark.parametrize(
    ("profile", "size"),
    [("Profile_1", (1920, 1080)), ("Profile_2", (640, 360)), ("Profile_3", (1280, 720)), ("H265Stream", (640, 360))],
)
def test_ffmpeg_decodes_every_codec_over_tcp_without_loss(camera, profile, size):
    frames = ffmpeg_gray_frames(rtsp_url(camera, profile), "tcp", 30, size)
    assert_consecutive(frames)


@needs_ffmpeg
@pytest.mark.parametrize("profile", ["Profile_2", "Profile_3"])
def test_ffmpeg_decodes_over_udp(camera, profile):
    size = (640, 360) if profile == "Profile_2" else (1280, 720)
    frames = ffmpeg_gray_frames(rtsp_url(camera, profile), "udp", 20, size)
    assert all(read_stamp(f) is not None for f in frames[-5:])


@needs_ffmpeg
@pytest.mark.parametrize("profile", ["Profile_2", "Profile_3"])
def test_ffmpeg_decodes_over_the_http_tunnel(camera, profile):
    size = (640, 360) if profile == "Profile_2" else (1280, 720)
    frames = ffmpeg_gray_frames(rtsp_url(camera, profile, http_port=True), "http", 20, size)
    assert_consecutive(frames)


@needs_ffmpeg
def test_ffmpeg_reads_audio(camera):
    result = subprocess.run(
        [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-rtsp_transport", "tcp", "-i",
         rtsp_url(camera, "Profile_1"), "-map", "0:a:0", "-t", "1", "-f", "s16le", "-ac", "1", "-ar", "8000", "-"],
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode()
    samples = np.frombuffer(result.stdout, np.int16)
    assert len(samples) >= 7000  # about a second of 8 kHz audio
    assert np.abs(samples).max() > 500  # the tone is there, not silence


def test_pyav_decodes_with_stamps_in_order_and_fresh(camera):
    container = av.open(rtsp_url(camera, "Profile_2"), options={"rtsp_transport": "tcp"}, timeout=20)
    try:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        numbers = []
        for frame in container.decode(stream):
            stamp = read_stamp(frame.to_ndarray(format="gray"))
            assert stamp is not None
            numbers.append(stamp.frame_number)
            if len(numbers) == 25:
                break
    finally:
        container.close()
    assert numbers == list(range(numbers[0], numbers[0] + 25))


async def test_aiortsp_receives_rtp_over_udp_and_tcp(camera):
    from aiortsp.rtsp.reader import RTSPReader

    for scheme in ("rtsp", "rtspt"):
        url = rtsp_url(camera, "Profile_2").replace("rtsp://", f"{scheme}://", 1)
        packets = []
        async with RTSPReader(url, timeout=10) as reader:
            async for packet in reader.iter_packets():
                packets.append(packet)
                if len(packets) >= 50:
                    break
        assert len(packets) == 50, scheme
        assert {p.pt for p in packets} == {96}
        sequences = [p.seq for p in packets]
        assert sequences == [(sequences[0] + i) & 0xFFFF for i in range(50)]


def test_rtsp_over_websocket(camera):
    from websockets.sync.client import connect

    ws_url = f"ws://{camera.host}:{camera.port}{uris.WEBSOCKET_PATH}"  # Media2 advertises "ws:" + this path
    with connect(ws_url, subprotocols=["rtsp.onvif.org"], open_timeout=10) as ws:
        assert ws.subprotocol == "rtsp.onvif.org"
        wire = Wire(send=ws.send, recv=lambda: ws.recv(timeout=10), close=ws.close)
        url = camera.stream_url("Profile_2")
        challenge = wire.request("DESCRIBE", url)
        assert challenge.status == 401
        realm = [v for k, v in challenge.all_headers if k.lower() == "www-authenticate"][-1]

        def auth(method, uri=url):
            return {"Authorization": _digest_answer(realm, method, uri, camera.username, camera.password)}

        describe = wire.request("DESCRIBE", url, auth("DESCRIBE"))
        assert describe.status == 200
        setup = wire.request("SETUP", url + "/video", {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1", **auth("SETUP", url + "/video")})
        assert setup.status == 200, setup.body
        session = setup.headers["session"].split(";")[0]
        assert wire.request("PLAY", url, {"Session": session, **auth("PLAY")}).status == 200
        video = [RtpPacket.parse(data) for channel, data in wire.read_frames(40) if channel == 0]
        assert video and all(p.payload_type == 96 for p in video)
        assert wire.request("TEARDOWN", url, {"Session": session, **auth("TEARDOWN")}).status == 200
