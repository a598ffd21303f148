"""Which address to advertise in XAddrs and stream URIs."""

from __future__ import annotations

import ipaddress
import socket


def primary_ipv4() -> str | None:
    """The host's primary non-loopback IPv4 address, or None if it has none.

    Connecting a UDP socket sends nothing; it only asks the kernel which
    source address it would route from.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never answers, only routed
            address = probe.getsockname()[0]
        except OSError:
            address = None
    if address and not ipaddress.ip_address(address).is_loopback:
        return address
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return None
    for *_, sockaddr in infos:
        if not ipaddress.ip_address(sockaddr[0]).is_loopback:
            return sockaddr[0]
    return None


def advertise_address(bind_host: str, configured: str) -> str:
    """The configured address; else the bind address if specific; else the primary IPv4.

    Loopback is advertised only when the camera is bound there, because a
    client elsewhere could never reach it.
    """
    if configured:
        return configured
    if bind_host not in ("", "0.0.0.0", "::"):
        return bind_host
    return primary_ipv4() or "127.0.0.1"


def url_host(address: str) -> str:
    """An address as it goes into a URL: IPv6 literals in brackets."""
    return f"[{address}]" if ":" in address and not address.startswith("[") else address


def listen_tcp(host: str, port: int, what: str = "") -> socket.socket:
    """A non-blocking listening TCP socket on host:port (0: any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the
    # listener says TCP, and without it Nagle plus delayed ACK adds 40 ms per keep-alive reply.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"cannot listen{what} on {host}:{port}: {exc.strerror}") from None
    sock.listen(1024)
    sock.setblocking(False)
    return sock
