"""The camera's UDP side: one RTP/RTCP socket pair for unicast, one sender per multicast group.

RTP goes out from the even port and RTCP from the odd one next to it
(RFC 3550 11), the pair the SETUP reply names as server_port.  What comes
back is receiver reports (keep-alives for UDP sessions) and back-channel
audio; the engine is told who sent it.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Callable

from onvif_device.streaming.track import OutFrame

Receiver = Callable[[bytes, tuple[str, int]], None]


class _Endpoint(asyncio.DatagramProtocol):
    def __init__(self, on_datagram: Receiver) -> None:
        self.on_datagram = on_datagram
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:  # type: ignore[override]
        self.on_datagram(data, (addr[0], addr[1]))

    def error_received(self, exc: Exception) -> None:
        pass  # an ICMP port unreachable from a client that left: the reaper ends its session

    def sendto(self, data: bytes, address: tuple[str, int]) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(data, address)


class UdpPair:
    """RTP on an even port, RTCP on the next one."""

    def __init__(self, rtp: _Endpoint, rtcp: _Endpoint, ports: tuple[int, int]) -> None:
        self.rtp = rtp
        self.rtcp = rtcp
        self.ports = ports

    @classmethod
    async def open(cls, host: str, on_rtp: Receiver, on_rtcp: Receiver, attempts: int = 50) -> UdpPair:
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        for _ in range(attempts):
            rtp_sock = socket.socket(family, socket.SOCK_DGRAM)
            rtp_sock.bind((host, 0))
            port = rtp_sock.getsockname()[1]
            if port % 2:
                rtp_sock.close()
                continue
            rtcp_sock = socket.socket(family, socket.SOCK_DGRAM)
            try:
                rtcp_sock.bind((host, port + 1))
            except OSError:
                rtp_sock.close()
                rtcp_sock.close()
                continue
            for sock in (rtp_sock, rtcp_sock):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
            _, rtp = await loop.create_datagram_endpoint(lambda: _Endpoint(on_rtp), sock=rtp_sock)
            _, rtcp = await loop.create_datagram_endpoint(lambda: _Endpoint(on_rtcp), sock=rtcp_sock)
            return cls(rtp, rtcp, (port, port + 1))
        raise OSError(f"no free even/odd UDP port pair on {host} after {attempts} tries")

    def close(self) -> None:
        for endpoint in (self.rtp, self.rtcp):
            if endpoint.transport is not None:
                endpoint.transport.close()


class MulticastSender:
    """A viewer that sends a profile's stream to its multicast groups, once for every receiver."""

    def __init__(self, profile_token: str, groups: dict[str, tuple[str, int, int]], interface: str | None) -> None:
        self.profile_token = profile_token
        self.groups = groups  # track -> (group, port, TTL)
        self.receivers: set[object] = set()  # RTSP sessions playing it, or "soap" for StartMulticastStreaming
        self._sockets: dict[str, socket.socket] = {}
        for track, (group, _, ttl) in groups.items():
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, struct.pack("B", ttl))
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)  # receivers on this host hear it too
            if interface and interface not in ("0.0.0.0", "::"):
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface))
            sock.setblocking(False)
            self._sockets[track] = sock
        self.sent = 0
        self.errors = 0

    def _send(self, track: str, data: bytes, rtcp: bool) -> None:
        sock = self._sockets.get(track)
        if sock is None:
            return
        group, port, _ = self.groups[track]
        try:
            sock.sendto(data, (group, port + 1 if rtcp else port))
            self.sent += 1
        except OSError:  # no route for multicast, a full buffer: count it, keep going
            self.errors += 1

    def send(self, frame: OutFrame) -> None:
        for packet in frame.packets:
            self._send(frame.track, packet, rtcp=False)

    def send_rtcp(self, track: str, data: bytes) -> None:
        self._send(track, data, rtcp=True)

    def stream_ended(self, reason: str) -> None:
        self.receivers.clear()

    def close(self) -> None:
        for sock in self._sockets.values():
            sock.close()

