"""The network interfaces discovery runs on, and which way a message goes.

`Interface` is a value: index, name and addresses (with their prefixes, so
a sender can be placed on a link).  `Via` names the interface and address
family a datagram came in on or goes out by; the responder keys everything
that depends on the link (the XAddrs a client there can reach) on it.
`host_interfaces()` reads the host's interfaces; it is the only function
here that touches the system.
"""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct
from dataclasses import dataclass
from typing import Final, TypeAlias

import ifaddr

Address: TypeAlias = ipaddress.IPv4Interface | ipaddress.IPv6Interface

_SIOCGIFFLAGS: Final = 0x8913
_IFF_UP: Final = 0x1
_IFF_LOOPBACK: Final = 0x8
_IFF_MULTICAST: Final = 0x1000


@dataclass(frozen=True, slots=True)
class Interface:
    """One network interface: kernel index, name, and its addresses with prefixes."""

    index: int
    name: str
    addresses: tuple[Address, ...] = ()

    @property
    def ipv4(self) -> tuple[ipaddress.IPv4Interface, ...]:
        return tuple(a for a in self.addresses if isinstance(a, ipaddress.IPv4Interface))

    @property
    def ipv6(self) -> tuple[ipaddress.IPv6Interface, ...]:
        """Every IPv6 address, link-local included: any one lets the interface join FF02::C."""
        return tuple(a for a in self.addresses if isinstance(a, ipaddress.IPv6Interface))

    @property
    def routable_ipv6(self) -> tuple[ipaddress.IPv6Interface, ...]:
        """IPv6 addresses a URL can carry: a link-local one would need a zone index clients cannot use."""
        return tuple(a for a in self.ipv6 if not a.ip.is_link_local)

    def holds(self, address: str) -> bool:
        ip = _ip(address)
        return ip is not None and any(a.ip == ip for a in self.addresses)

    def on_link(self, address: str) -> bool:
        """`address` is in one of this interface's subnets (a neighbour could have sent from it)."""
        ip = _ip(address)
        return ip is not None and any(ip in a.network for a in self.addresses if a.version == ip.version)


@dataclass(frozen=True, slots=True)
class Via:
    """The interface (None: the kernel's choice) and the family of a datagram."""

    interface: Interface | None
    family: int = socket.AF_INET

    @property
    def ipv6(self) -> bool:
        return self.family == socket.AF_INET6


def host_interfaces(*, loopback: bool = False) -> list[Interface]:
    """The interfaces that are up and can do multicast, loopback only when asked; by index."""
    found = []
    for adapter in ifaddr.get_adapters():
        addresses = tuple(a for a in (_address(ip.ip, ip.network_prefix) for ip in adapter.ips) if a is not None)
        flags = _flags(adapter.name)
        if flags is None:  # no ioctl: judge by the addresses
            flags = _IFF_UP | _IFF_MULTICAST | (_IFF_LOOPBACK if all(a.is_loopback for a in addresses) else 0)
        is_loopback = bool(flags & _IFF_LOOPBACK)
        # Loopback carries multicast without the flag saying so.
        usable = flags & _IFF_UP and (flags & _IFF_MULTICAST or is_loopback)
        index = adapter.index or _index(adapter.name)
        if usable and index and (loopback or not is_loopback):
            found.append(Interface(index, adapter.name, addresses))
    return sorted(found, key=lambda i: i.index)


def interface_holding(address: str, interfaces: list[Interface] | None = None) -> Interface | None:
    """The interface that has `address`, up or not, loopback included."""
    candidates = interfaces if interfaces is not None else host_interfaces(loopback=True)
    return next((i for i in candidates if i.holds(address)), None)


def _address(ip: str | tuple[str, int, int], prefix: int) -> Address | None:
    text = ip if isinstance(ip, str) else ip[0]
    try:
        return ipaddress.ip_interface(f"{text.split('%')[0]}/{prefix}")
    except ValueError:
        return None


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.split("%")[0].strip("[]"))
    except ValueError:
        return None


def _flags(name: str) -> int | None:
    """SIOCGIFFLAGS, asked of a socket so it answers for this process's network namespace."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            raw = fcntl.ioctl(sock, _SIOCGIFFLAGS, struct.pack("16sH14x", name.encode()[:15], 0))
    except OSError:
        return None
    return int(struct.unpack_from("16sH", raw)[1])


def _index(name: str) -> int:
    try:
        return socket.if_nametoindex(name)
    except OSError:
        return 0
