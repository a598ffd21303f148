"""The sockets under the responder: udp/3702, joined to the WS-Discovery groups.

One socket per family, each bound to the wildcard address so it hears both
the group and Probes sent straight to the device, with SO_REUSEADDR and
SO_REUSEPORT so other discovery software (and other onvif-device processes)
can share the port: each of them gets every multicast datagram, while a
unicast datagram reaches one of them only.

Which links: bound to a wildcard (0.0.0.0, ::), every interface that is up
and can multicast, rescanned every `rescan_seconds` so a link that comes later
is joined and announced; bound to one address, the interface holding it.  The
IPv4 socket joins 239.255.255.250 where the interface has an IPv4 address,
the IPv6 one FF02::C where it has any IPv6 address.  Where no interface
qualifies, the kernel's default-route interface is used, as before.

The sockets ask for IP_PKTINFO / IPV6_RECVPKTINFO, so every datagram arrives
with its interface and its destination address: the responder answers with
the XAddrs of that link, and can tell a unicast Probe (which may get a fault)
from a multicast one.  Multicast goes out on each joined link in turn (the
interface named in the packet info of `sendmsg`), with TTL 1 as WS-Discovery
asks; unicast replies follow the routing table.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import struct
import sys
from collections.abc import Sequence
from typing import Final

from onvif_device.discovery.interfaces import (
    Interface,
    Via,
    host_interfaces,
    interface_holding,
)
from onvif_device.discovery.messages import MAX_DATAGRAM_BYTES
from onvif_device.discovery.responder import (
    MULTICAST_GROUP,
    MULTICAST_GROUP_V6,
    PORT,
    Address,
    Arrival,
    Responder,
)

log = logging.getLogger("onvif_device.discovery")

# Python 3.11 names neither on Linux; the values are the kernel's (linux/in.h).
_IP_PKTINFO: Final = getattr(socket, "IP_PKTINFO", 8)
_IP_MULTICAST_ALL: Final = getattr(socket, "IP_MULTICAST_ALL", 49)
_IPV6_MULTICAST_ALL: Final = 29
_CMSG_SPACE: Final = socket.CMSG_SPACE(32)
_READS_PER_WAKEUP: Final = 64
_RECEIVE_BUFFER: Final = 1024 * 1024  # the kernel caps it at net.core.rmem_max
_WILDCARDS: Final = ("", "0.0.0.0", "::")
_DEFAULT: Final = Interface(0, "")  # the kernel's choice: the default-route interface


class DiscoveryTransport:
    """The sockets of one responder; it calls the responder's `datagram_received` with an `Arrival`."""

    def __init__(
        self, responder: Responder, host: str, advertise: str, port: int = PORT, rescan_seconds: float = 10.0
    ) -> None:
        self._responder = responder
        self._host = host
        self._advertise = advertise
        self._port = port
        self._rescan_seconds = rescan_seconds
        self._sockets: dict[int, socket.socket] = {}
        self._joined: dict[int, dict[int, Interface]] = {}  # family -> index -> interface (0: default)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._failed: set[tuple[int, int]] = set()
        self._closing = False

    # --- setting up -------------------------------------------------------------------

    def open(self) -> None:
        """Bind and join; OSError saying what failed when no group could be joined at all.

        A family that binds but has no link yet keeps its socket: it still hears
        unicast Probes, and a rescan joins the links that come later.
        """
        links = self._links()
        failures = []
        for family in _families(self._host):
            try:
                self._sockets[family] = _bound_socket(family, self._port)
            except OSError as exc:
                failures.append(exc)
                continue
            self._joined[family] = {}
            self._sync(family, links)
        if not any(self._joined.values()):
            for sock in self._sockets.values():
                sock.close()
            self._sockets.clear()
            raise failures[0] if failures else OSError(
                f"WS-Discovery: cannot join {MULTICAST_GROUP} on {self._host or 'any interface'}")
        for failure in failures:
            log.info("%s", failure)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        for sock in self._sockets.values():
            loop.add_reader(sock.fileno(), self._read, sock)
        if self._host in _WILDCARDS and self._rescan_seconds > 0:
            self._timer = loop.call_later(self._rescan_seconds, self._rescan)

    def _links(self) -> list[Interface]:
        if self._host in _WILDCARDS:
            found = host_interfaces()
            if found:
                return found
            holding = interface_holding(self._advertise) if self._advertise else None
            return [holding] if holding else []
        holding = interface_holding(self._host)
        return [holding] if holding else []

    def _sync(self, family: int, links: Sequence[Interface]) -> bool:
        """Leave the links gone, join the new ones (or the default one when none); True if any changed."""
        sock, joined = self._sockets[family], self._joined[family]
        wanted = {i.index: i for i in links if (i.ipv4 if family == socket.AF_INET else i.ipv6)}
        if not wanted and family == socket.AF_INET:
            wanted = {0: _DEFAULT}  # IPv6 has no default-route fallback: no IPv6 link, no FF02::C
        changed = False
        for index in [index for index in joined if index not in wanted]:
            with contextlib.suppress(OSError):  # the interface may be gone already
                sock.setsockopt(*_membership(family, index, join=False))
            del joined[index]
            changed = True
        for index, interface in wanted.items():
            if index in joined:
                changed |= joined[index] != interface
                joined[index] = interface
                continue
            try:
                sock.setsockopt(*_membership(family, index, join=True))
            except OSError as exc:
                if (family, index) not in self._failed:
                    self._failed.add((family, index))
                    log.warning("WS-Discovery: cannot join %s on %s: %s", _group(family),
                                interface.name or "the default interface", exc.strerror)
                continue
            joined[index] = interface
            changed = True
        return changed

    def _rescan(self) -> None:
        """Follow the host's links; announce again when they changed."""
        self._timer = None
        if self._closing:
            return
        try:
            links = self._links()
        except OSError as exc:
            log.debug("WS-Discovery: cannot list interfaces: %s", exc)
        else:
            changed = [self._sync(family, links) for family in list(self._joined)]
            if any(changed):
                self._responder.links_changed()
        if self._loop is not None:
            self._timer = self._loop.call_later(self._rescan_seconds, self._rescan)

    # --- receiving ----------------------------------------------------------------------

    def _read(self, sock: socket.socket) -> None:
        for _ in range(_READS_PER_WAKEUP):
            try:
                data, ancillary, _flags, addr = sock.recvmsg(MAX_DATAGRAM_BYTES + 1, _CMSG_SPACE)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                self._responder.error_received(exc)
                return
            self._responder.datagram_received(data, addr, self._arrival(sock.family, ancillary, addr))

    def _arrival(self, family: int, ancillary: list[tuple[int, int, bytes]], addr: Address) -> Arrival:
        index, destination = 0, ""
        for level, kind, value in ancillary:
            if level == socket.IPPROTO_IP and kind == _IP_PKTINFO and len(value) >= 12:
                index, _, header_destination = struct.unpack_from("i4s4s", value)
                destination = socket.inet_ntop(socket.AF_INET, header_destination)
            elif level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO and len(value) >= 20:
                raw, index = struct.unpack_from("16si", value)
                destination = socket.inet_ntop(socket.AF_INET6, raw)
        joined = self._joined.get(family, {})
        interface = joined.get(index) or next((i for i in joined.values() if i.index and i.on_link(addr[0])), None)
        multicast = not destination or ipaddress.ip_address(destination).is_multicast
        return Arrival(Via(interface, family), multicast)

    # --- sending ------------------------------------------------------------------------

    def sendto(self, data: bytes, addr: Address, via: Via | None = None) -> None:
        family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        sock = self._sockets.get(family)
        if sock is None:
            raise OSError(f"no {_name(family)} socket for {addr[0]}")
        ancillary = []
        if via is not None and via.interface is not None and via.interface.index and ipaddress.ip_address(
            addr[0].split("%")[0]
        ).is_multicast:
            # Pick the link for this copy of a multicast message; unicast follows the routes.
            index = via.interface.index
            if family == socket.AF_INET:
                ancillary.append((socket.IPPROTO_IP, _IP_PKTINFO, struct.pack("i4s4s", index, bytes(4), bytes(4))))
            else:
                ancillary.append((socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, struct.pack("16si", bytes(16), index)))
        sock.sendmsg([data], ancillary, 0, addr)

    def routes(self) -> list[tuple[Via | None, Address]]:
        routes: list[tuple[Via | None, Address]] = []
        for family, joined in self._joined.items():
            for index, interface in sorted(joined.items()):
                if family == socket.AF_INET:
                    routes.append((Via(interface if index else None, family), (MULTICAST_GROUP, self._port)))
                else:
                    routes.append((Via(interface if index else None, family),
                                   (MULTICAST_GROUP_V6, self._port, 0, index)))
        return routes

    @property
    def interfaces(self) -> dict[int, list[str]]:
        """Family -> names of the joined interfaces ("" for the kernel's default), for logs and tests."""
        return {family: [i.name for i in joined.values()] for family, joined in self._joined.items()}

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        if self._timer is not None:
            self._timer.cancel()
        for sock in self._sockets.values():
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(sock.fileno())
            sock.close()
        self._responder.connection_lost(None)


async def open_responder(
    responder: Responder, host: str = "", *, advertise: str = "", port: int = PORT, rescan_seconds: float = 10.0
) -> DiscoveryTransport:
    """Connect `responder` to fresh discovery sockets for `host` (the camera's bind address)."""
    transport = DiscoveryTransport(responder, host, advertise, port, rescan_seconds)
    transport.open()
    transport.start(asyncio.get_running_loop())
    responder.connection_made(transport)
    return transport


def _families(host: str) -> list[int]:
    if host in _WILDCARDS:
        return [socket.AF_INET, socket.AF_INET6] if socket.has_ipv6 else [socket.AF_INET]
    return [socket.AF_INET6 if ":" in host else socket.AF_INET]


def _bound_socket(family: int, port: int) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    step = f"bind udp/{port} ({_name(family)})"
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Room for a burst: a hundred cameras' Hellos come back over the multicast loop at once.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECEIVE_BUFFER)
        if hasattr(socket, "SO_REUSEPORT"):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(("::", port))
            step = "ask for IPV6_PKTINFO"
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 1)
        else:
            sock.bind(("", port))
            step = "ask for IP_PKTINFO"
            sock.setsockopt(socket.IPPROTO_IP, _IP_PKTINFO, 1)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"WS-Discovery: cannot {step}: {exc.strerror}") from None
    if sys.platform == "linux":
        # Only the groups this socket joined, not every group any socket on the host joined.
        level, option = (
            (socket.IPPROTO_IPV6, _IPV6_MULTICAST_ALL) if family == socket.AF_INET6
            else (socket.IPPROTO_IP, _IP_MULTICAST_ALL)
        )
        try:
            sock.setsockopt(level, option, 0)
        except OSError:
            pass  # older kernels (IPv6 before 4.20): more traffic, still answered right
    sock.setblocking(False)
    return sock


def _membership(family: int, index: int, *, join: bool) -> tuple[int, int, bytes]:
    if family == socket.AF_INET:
        # struct ip_mreqn: group, local address (any), interface index (0: the kernel's choice).
        mreqn = socket.inet_aton(MULTICAST_GROUP) + bytes(4) + struct.pack("i", index)
        return socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP if join else socket.IP_DROP_MEMBERSHIP, mreqn
    mreq = socket.inet_pton(socket.AF_INET6, MULTICAST_GROUP_V6) + struct.pack("I", index)
    return socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP if join else socket.IPV6_LEAVE_GROUP, mreq


def _group(family: int) -> str:
    return MULTICAST_GROUP if family == socket.AF_INET else MULTICAST_GROUP_V6


def _name(family: int) -> str:
    return "IPv4" if family == socket.AF_INET else "IPv6"
