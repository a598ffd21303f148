"""Multicast streaming scenarios, run inside a private network namespace (see tests/netns.py).

Run as a script: `python multicast_scenarios.py <name>`; exit status 0 means the
scenario held.  The link set-up is the WS-Discovery scenarios' own.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "discovery"))
from wsd_netns_scenarios import ADDRESS, set_up_network

from onvif_device.config import Config
from onvif_device.embed import ThreadedCamera
from onvif_device.streaming.rtp import RtpPacket


def camera():
    data = Config().model_dump()
    data["auth"]["enabled"] = False
    return ThreadedCamera(Config.model_validate(data), host="0.0.0.0", advertise_address=ADDRESS)


def group_of(cam, profile: str):
    media = cam.camera.media
    encoder = media.configuration("VideoEncoder", media.profile(profile).video_encoder)
    return encoder.multicast


def receiver(group: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("", port))
    membership = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton(ADDRESS))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
    sock.settimeout(0.5)
    return sock


def count_packets(sock: socket.socket, seconds: float) -> list[RtpPacket]:
    packets = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            packets.append(RtpPacket.parse(sock.recv(65536)))
        except TimeoutError:
            continue
    return packets


def scenario_start_stop_multicast_streaming() -> None:
    """StartMulticastStreaming sends to the configured group; Stop ends it."""
    with camera() as cam:
        group = group_of(cam, "Profile_2")
        sock = receiver(group.address, group.port)
        assert not count_packets(sock, 1.0), "packets before StartMulticastStreaming"
        cam.server.streaming._loop.call_soon_threadsafe(cam.camera.media.start_multicast, "Profile_2")
        packets = count_packets(sock, 3.0)
        assert len(packets) > 20, f"{len(packets)} packets in 3 s"
        assert {p.payload_type for p in packets} == {96}
        cam.server.streaming._loop.call_soon_threadsafe(cam.camera.media.stop_multicast, "Profile_2")
        time.sleep(2.5)  # the engine reconciles once a second
        sock.settimeout(0.2)
        while True:  # drain what was in flight
            try:
                sock.recv(65536)
            except TimeoutError:
                break
        assert not count_packets(sock, 1.5), "packets after StopMulticastStreaming"


def scenario_ffmpeg_plays_rtsp_multicast() -> None:
    """An RTSP client asking for multicast gets the group from the configuration and decodes it."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        print("ffmpeg missing: skipped")
        return
    with camera() as cam:
        group = group_of(cam, "Profile_2")
        url = f"rtsp://{ADDRESS}:{cam.rtsp_port}/stream/Profile_2/multicast"
        result = subprocess.run(
            [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-rtsp_transport", "udp_multicast", "-i", url,
             "-map", "0:v:0", "-frames:v", "20", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
            capture_output=True, timeout=60,
        )
        assert result.returncode == 0, result.stderr.decode()
        assert len(result.stdout) == 20 * 640 * 360, len(result.stdout)
        print(f"decoded 20 frames from {group.address}:{group.port}")


def main(name: str) -> None:
    print(f"namespace link: {set_up_network()}", flush=True)
    globals()[f"scenario_{name}"]()
    print(f"scenario {name}: ok", flush=True)
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1])
