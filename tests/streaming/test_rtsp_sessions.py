"""Sessions over time: configuration changes on a live stream, the back channel, slow and silent clients."""

from __future__ import annotations

import math
import socket
import struct
import time

import av
import pytest

from onvif_device.embed import ThreadedCamera
from onvif_device.streaming.rtp import RtpPacket, encode_ulaw

from .depayload import H264Depayloader
from .rtsp_wire import Wire
from .test_rtsp_server import _config, _play_tcp, url, wait_until

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def camera():
    with ThreadedCamera(_config()) as cam:
        yield cam


def on_loop(camera, action, *args):
    """Run a model change on the camera's event loop, as a SOAP request would."""
    import asyncio

    async def run():
        return action(*args)

    return asyncio.run_coroutine_threadsafe(run(), camera.server.streaming._loop).result(10)


def decoded_sizes(wire: Wire, frames: int) -> list[tuple[int, int]]:
    """Depayload and decode `frames` H.264 frames from channel 0; their sizes in order."""
    depayloader, decoder, sizes = H264Depayloader(), av.CodecContext.create("h264", "r"), []
    while len(sizes) < frames:
        channel, data = wire.read_frames(1)[0]
        if channel != 0:
            continue
        units = depayloader.push(RtpPacket.parse(data))
        if units is None:
            continue
        stream = b"".join(b"\x00\x00\x00\x01" + unit for unit in units)
        for frame in decoder.decode(av.Packet(stream)):
            sizes.append((frame.width, frame.height))
    return sizes


def test_an_encoder_change_reaches_the_live_stream(camera):
    with Wire(camera.host, camera.rtsp_port) as wire:
        session, _ = _play_tcp(camera, wire, "Profile_2")
        assert set(decoded_sizes(wire, 10)) == {(640, 360)}
        media = camera.camera.media
        encoder = media.configuration("VideoEncoder", media.profile("Profile_2").video_encoder)
        on_loop(camera, media.set_configuration, "VideoEncoder", encoder.model_copy(update={"width": 320, "height": 180}))
        sizes = decoded_sizes(wire, 60)
        assert sizes[-1] == (320, 180), sizes  # same session, same connection, new size in band
        assert session in camera.server.streaming.sessions


def test_a_codec_change_ends_the_session(camera):
    with Wire(camera.host, camera.rtsp_port) as wire:
        session, _ = _play_tcp(camera, wire, "Profile_2")
        wire.read_frames(5)
        media = camera.camera.media
        encoder = media.configuration("VideoEncoder", media.profile("Profile_2").video_encoder)
        jpeg = encoder.model_copy(update={"encoding": "JPEG", "profile": ""})
        on_loop(camera, media.set_configuration, "VideoEncoder", jpeg)
        with pytest.raises(ConnectionError):  # the SDP no longer holds: the camera hangs up
            while True:
                wire.read_frames(1)
        assert session not in camera.server.streaming.sessions


def test_backchannel_audio_is_received_and_decoded(camera):
    require = {"Require": "www.onvif.org/ver20/backchannel"}
    with Wire(camera.host, camera.rtsp_port) as wire:
        assert wire.request("DESCRIBE", url(camera), require).status == 200
        setup = wire.request("SETUP", url(camera) + "/audioback", {**require, "Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"})
        assert setup.status == 200, setup.body
        session = setup.headers["session"].split(";")[0]
        assert wire.request("PLAY", url(camera), {**require, "Session": session}).status == 200
        tone = [round(8000 * math.sin(2 * math.pi * 440 * n / 8000)) for n in range(160 * 25)]
        pcm = struct.pack(f"<{len(tone)}h", *tone)
        for index in range(25):
            packet = RtpPacket(0, index, index * 160, 0x1234, encode_ulaw(pcm[index * 320 : (index + 1) * 320]))
            data = packet.serialize()
            wire.send_raw(b"$" + bytes([0]) + len(data).to_bytes(2, "big") + data)
        engine = camera.server.streaming
        assert on_loop(camera, lambda: None) is None  # let the loop read what we sent
        assert wait_until(lambda: engine.backchannel_audio.get(session) and engine.backchannel_audio[session].samples >= 4000)
        received = engine.backchannel_audio[session].pcm
        samples = struct.unpack(f"<{len(received) // 2}h", received)
        # mu-law keeps the tone within a few percent
        assert max(abs(a - b) for a, b in zip(samples, tone)) < 8000 * 0.05


def test_a_client_that_stops_reading_is_cut_off_and_others_play_on(camera):
    engine = camera.server.streaming
    stalled = socket.create_connection((camera.host, camera.rtsp_port))
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled_wire = Wire(send=stalled.sendall, recv=lambda: stalled.recv(65536), close=stalled.close)
    # The JPEG stream (about 1 MB/s) fills the kernel's and the server's buffers within seconds.
    stalled_session, _ = _play_tcp(camera, stalled_wire, "Profile_3")
    with Wire(camera.host, camera.rtsp_port) as healthy:
        session, _ = _play_tcp(camera, healthy, "Profile_3")
        started = time.monotonic()
        # The healthy client keeps receiving while the stalled one's buffer fills and it is cut off.
        while stalled_session in engine.sessions and time.monotonic() - started < 40:
            healthy.read_frames(20)
        assert stalled_session not in engine.sessions
        assert len(healthy.read_frames(20)) == 20
        assert engine.sessions[session].skipped_frames == 0
    stalled.close()


def test_a_silent_udp_session_is_reaped(camera):
    media = camera.camera.media
    encoder = media.configuration("VideoEncoder", media.profile("Profile_2").video_encoder)
    on_loop(camera, media.set_configuration, "VideoEncoder", encoder.model_copy(update={"session_timeout": 10}))
    engine = camera.server.streaming
    with Wire(camera.host, camera.rtsp_port) as wire:
        setup = wire.request("SETUP", url(camera, "Profile_2") + "/video", {"Transport": "RTP/AVP;unicast;client_port=40000-40001"})
        assert setup.status == 200, setup.body
        assert "timeout=10" in setup.headers["session"]
        assert "server_port=" in setup.headers["transport"]
        session = setup.headers["session"].split(";")[0]
        assert wire.request("PLAY", url(camera, "Profile_2"), {"Session": session}).status == 200
        # Keep-alives hold it ...
        for _ in range(4):
            time.sleep(4)
            assert wire.request("GET_PARAMETER", url(camera, "Profile_2"), {"Session": session}).status == 200
        assert session in engine.sessions
        # ... silence ends it, and its stream stops with it.
        assert wait_until(lambda: session not in engine.sessions, 15)
        assert wait_until(lambda: "Profile_2" not in engine.streams, 2)
