"""The socket under the responder: udp/3702, joined to the WS-Discovery group.

The socket binds the wildcard address, so it hears both the multicast group
and Probes sent straight to the device's own address, and sets SO_REUSEADDR
and SO_REUSEPORT so other discovery software (and other onvif-device
processes) can share the port: every one of them gets each multicast
datagram, while a unicast datagram reaches one of them only.  It joins
239.255.255.250 on the interface that holds `interface` (an IPv4 address;
empty or not an IPv4 literal lets the kernel pick the default-route
interface) and sends its multicast there, with TTL 1 as WS-Discovery asks.
IPv6 (FF02::C) is not served yet.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

from onvif_device.discovery.responder import MULTICAST_GROUP, PORT, Responder


def discovery_socket(interface: str = "", port: int = PORT, group: str = MULTICAST_GROUP) -> socket.socket:
    """A bound, non-blocking UDP socket that has joined `group`; OSError saying what failed."""
    local = _ipv4(interface)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    step = f"bind udp/{port}"
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if hasattr(socket, "SO_REUSEPORT"):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(("", port))
        step = f"join {group} on {local}"
        membership = socket.inet_aton(group) + socket.inet_aton(local)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
        step = f"send multicast from {local}"
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(local))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"WS-Discovery: cannot {step}: {exc.strerror}") from None
    sock.setblocking(False)
    return sock


async def open_responder(responder: Responder, interface: str = "", port: int = PORT) -> asyncio.DatagramTransport:
    """Connect `responder` to a fresh discovery socket on the running loop."""
    sock = discovery_socket(interface, port)
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: responder, sock=sock)
    return transport


def _ipv4(address: str) -> str:
    try:
        return str(ipaddress.IPv4Address(address))
    except ValueError:
        return "0.0.0.0"
