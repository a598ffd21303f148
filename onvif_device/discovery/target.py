"""One device the responder speaks for: what it announces, and its AppSequence.

A `Target` reads its endpoint, scopes, XAddrs and discovery mode through
callables, so the same responder serves a `Camera` (see `camera_target`),
a test double, or a fleet of either.  XAddrs depend on the link: `xaddrs(via)`
gives the URLs a client that reached us by `via` can use (None: the
advertise address), and `device_for(via)` the `Device` to announce there.

What must outlive the process goes through `recall`/`remember` as a
`Remembered`: WS-Discovery wants InstanceId to grow across reboots, and
MetadataVersion to grow whenever the metadata changes, restarts included.
`refresh(vias)` re-reads scopes and XAddrs on every link and bumps
MetadataVersion when their digest differs from the one remembered.
"""

from __future__ import annotations

import hashlib
import json
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from onvif_device.discovery.interfaces import Interface, Via
from onvif_device.discovery.model import Device
from onvif_device.discovery.sequence import AppSequence

if TYPE_CHECKING:
    from onvif_device.camera import Camera

XAddrs = Callable[[Via | None], Sequence[str]]


@dataclass(frozen=True, slots=True)
class Remembered:
    """What a target keeps across restarts; `metadata` is the digest MetadataVersion describes."""

    instance_id: int = 0
    metadata_version: int = 0
    metadata: str = ""


class Target:
    """A device as WS-Discovery sees it: scopes and XAddrs per link, plus run state.

    `online` is True between `Responder.add` and `Responder.remove`;
    `announced` is True while the last multicast for it was a Hello, so the
    responder knows when a Bye is owed.  `begin()` starts a new run with a
    larger InstanceId, as a rebooted device must.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        scopes: Callable[[], Sequence[str]],
        xaddrs: XAddrs,
        discoverable: Callable[[], bool] = lambda: True,
        clock: Callable[[], float] = time.time,
        recall: Callable[[], Remembered | None] = lambda: None,
        remember: Callable[[Remembered], None] = lambda _: None,
    ) -> None:
        self.endpoint = endpoint
        self._scopes = scopes
        self._xaddrs = xaddrs
        self._discoverable = discoverable
        self._clock = clock
        self._remember = remember
        self.memory = recall() or Remembered()
        self.sequence = AppSequence(self.memory.instance_id, clock=clock)  # begin() picks the next run's
        self.device = self._device(None, max(self.memory.metadata_version, 1))
        self.online = False
        self.announced = False

    @property
    def discoverable(self) -> bool:
        return self._discoverable()

    def begin(self) -> None:
        """A new run: InstanceId grows, even when two runs start in the same second or the clock stepped back."""
        instance_id = max(int(self._clock()), self.sequence.instance_id + 1, self.memory.instance_id + 1)
        self.sequence = AppSequence(instance_id, clock=self._clock)
        self._keep(instance_id=instance_id)

    def refresh(self, vias: Sequence[Via | None] = (None,)) -> bool:
        """Re-read scopes and XAddrs on `vias`; True (and MetadataVersion + 1) if they changed."""
        scopes = tuple(self._scopes())
        links = [tuple(self._xaddrs(via)) for via in vias]
        digest = hashlib.sha256(json.dumps([scopes, sorted(set(links))]).encode()).hexdigest()[:32]
        changed = digest != self.memory.metadata
        version = self.memory.metadata_version + 1 if changed else max(self.memory.metadata_version, 1)
        self.device = self._device(None, version, scopes)
        if changed:
            self._keep(metadata_version=version, metadata=digest)
        return changed

    def device_for(self, via: Via | None) -> Device | None:
        """What to announce over `via`, or None when no XAddr can be reached from there."""
        if via is None or via.interface is None:
            return self.device
        xaddrs = tuple(self._xaddrs(via))
        if not xaddrs:
            return None
        if xaddrs == self.device.xaddrs:
            return self.device
        d = self.device
        return Device(d.endpoint, d.scopes, xaddrs, metadata_version=d.metadata_version, types=d.types)

    def _device(self, via: Via | None, version: int, scopes: Sequence[str] | None = None) -> Device:
        scopes = tuple(self._scopes()) if scopes is None else scopes
        return Device(self.endpoint, scopes, tuple(self._xaddrs(via)), metadata_version=version)

    def _keep(self, **changes: int | str) -> None:
        self.memory = replace(self.memory, **changes)
        self._remember(self.memory)

    def __repr__(self) -> str:
        return f"Target({self.endpoint!r}, online={self.online}, announced={self.announced})"


@dataclass(frozen=True, slots=True)
class HttpListener:
    """Where a camera's HTTP server listens, so every link gets XAddrs it can reach.

    With a specific bind address, or an advertise address the user set (a
    NAT, a name), that one address serves everywhere.  Bound to a wildcard,
    the camera answers on each link with that link's own address: a camera on
    two networks must never hand one network the other's address.  A link
    where the server cannot be reached (IPv6 only, the server IPv4 only) gets
    no XAddrs at all, so the camera stays silent there.
    """

    advertise: str
    port: int
    path: str = "/onvif/device_service"
    per_link: bool = False  # bound to a wildcard and no advertise address configured
    ipv4: bool = True  # the server accepts IPv4 connections
    ipv6: bool = False  # ... and IPv6 ones

    @classmethod
    def serving(cls, host: str, port: int, advertise: str, *, configured: bool = False) -> HttpListener:
        """The listener `netaddr.listen_tcp(host, port)` makes; `configured`: the user set `advertise`."""
        per_link = host in ("", "0.0.0.0", "::") and not configured
        if ":" in host:
            return cls(advertise, port, per_link=per_link, ipv4=host == "::" and _dual_stack(), ipv6=True)
        return cls(advertise, port, per_link=per_link)

    def xaddrs(self, via: Via | None) -> tuple[str, ...]:
        if not self.per_link or via is None or via.interface is None:
            return (self._url(self.advertise),)
        interface = via.interface
        urls = []
        if via.ipv6 and self.ipv6 and interface.routable_ipv6:
            urls.append(self._url(str(interface.routable_ipv6[0].ip)))
        # An IPv6 client on a dual-stack link can still take the IPv4 address.
        if self.ipv4 and interface.ipv4:
            urls.append(self._url(str(interface.ipv4[0].ip)))
        return tuple(urls)

    def addresses(self, interfaces: Sequence[Interface]) -> list[str]:
        """Every address a client can reach the server on: each link's own, or the one advertised."""
        if not self.per_link:
            return [self.advertise]
        found = [str(a.ip) for i in interfaces for a in i.ipv4 if self.ipv4]
        found += [str(a.ip) for i in interfaces for a in i.routable_ipv6 if self.ipv6]
        return found or [self.advertise]

    def _url(self, address: str) -> str:
        host = f"[{address}]" if ":" in address and not address.startswith("[") else address
        return f"http://{host}:{self.port}{self.path}"


def _dual_stack() -> bool:
    """Does an IPv6 wildcard socket also accept IPv4 here (IPV6_V6ONLY off by default)?"""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            return not sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY)
    except OSError:
        return False


def camera_target(camera: Camera, xaddrs: XAddrs) -> Target:
    """The `Target` of a camera: its EndpointReference, GetScopes list and DiscoveryMode.

    InstanceId and MetadataVersion live in the camera's state file.  The
    target's copy wins while the process runs: a factory reset empties the
    state, and the next thing remembered puts them back.
    """

    def recall() -> Remembered:
        saved = camera.state.discovery
        return Remembered(saved.instance_id, saved.metadata_version, saved.metadata)

    def remember(memory: Remembered) -> None:
        saved = camera.state.discovery
        saved.instance_id, saved.metadata_version, saved.metadata = (
            memory.instance_id, memory.metadata_version, memory.metadata)
        camera._changed("discovery")  # saves the state file; the camera has no public save

    return Target(
        camera.identity.endpoint_reference,
        # Lambdas, not bound methods: a factory reset replaces camera.scopes and camera.network.
        scopes=lambda: camera.scopes.all(),
        xaddrs=xaddrs,
        discoverable=lambda: camera.network.state.discoverable,
        recall=recall,
        remember=remember,
    )
