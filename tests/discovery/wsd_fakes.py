"""Test doubles for the responder: a transport that records, a scheduler you run by hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from onvif_device.discovery.interfaces import Via
from onvif_device.discovery.responder import MULTICAST_GROUP, PORT
from onvif_device.discovery.target import Target

MULTICAST = (MULTICAST_GROUP, PORT)
CLIENT = ("192.0.2.50", 51234)


class FakeTransport:
    """Records every sendto(); no socket.  `links` are the (via, group) pairs announcements go to."""

    def __init__(self, links: list[tuple[Via | None, tuple[Any, ...]]] | None = None) -> None:
        self.sent: list[tuple[bytes, tuple[Any, ...]]] = []
        self.vias: list[Via | None] = []
        self.links = links if links is not None else [(None, MULTICAST)]
        self.closed = False

    def sendto(self, data: bytes, addr: tuple[Any, ...], via: Via | None = None) -> None:
        self.sent.append((data, addr))
        self.vias.append(via)

    def routes(self) -> list[tuple[Via | None, tuple[Any, ...]]]:
        return self.links

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def messages(self) -> list[Message]:
        return [Message.read(data, addr) for data, addr in self.sent]

    def take(self) -> list[Message]:
        out = self.messages()
        self.sent.clear()
        self.vias.clear()
        return out


@dataclass
class FakeScheduler:
    """Stands in for loop.call_later: keeps (delay, callback) until run()."""

    pending: list[tuple[float, Callable[[], None]]] = field(default_factory=list)

    def __call__(self, delay: float, callback: Callable[[], None]) -> None:
        self.pending.append((delay, callback))

    def run(self) -> list[float]:
        """Run everything scheduled, shortest delay first; the delays it ran."""
        ran = sorted(self.pending, key=lambda item: item[0])
        self.pending.clear()
        for _, callback in ran:
            callback()
        return [delay for delay, _ in ran]


@dataclass
class Message:
    """What a test wants to know about one datagram the responder sent."""

    kind: str  # Hello, Bye, ProbeMatches, ResolveMatches, Fault
    addr: tuple[Any, ...]
    message_id: str | None
    relates_to: str | None
    to: str | None
    endpoints: list[str]
    scopes: list[str]
    xaddrs: list[str]
    metadata_version: int | None
    detail: list[str]  # a fault's d:SupportedMatchingRules
    instance_id: int
    message_number: int

    @classmethod
    def read(cls, data: bytes, addr: tuple[Any, ...]) -> Message:
        root = etree.fromstring(data)
        body = root.find("{*}Body")
        assert body is not None
        operation = body[0]
        sequence = root.find("{*}Header/{*}AppSequence")
        sequence = etree.Element("none") if sequence is None else sequence  # a fault has none

        def texts(path: str) -> list[str]:
            return [e.text or "" for e in operation.iterfind(path)]

        def header(name: str) -> str | None:
            found = root.find(f"{{*}}Header/{{*}}{name}")
            return None if found is None else found.text

        version = texts(".//{*}MetadataVersion")
        return cls(
            kind=etree.QName(operation).localname,
            addr=addr,
            message_id=header("MessageID"),
            relates_to=header("RelatesTo"),
            to=header("To"),
            endpoints=texts(".//{*}EndpointReference/{*}Address"),
            scopes=" ".join(texts(".//{*}Scopes")).split(),
            xaddrs=" ".join(texts(".//{*}XAddrs")).split(),
            metadata_version=int(version[0]) if version else None,
            detail=" ".join(texts(".//{*}SupportedMatchingRules")).split(),
            instance_id=int(sequence.get("InstanceId", "-1")),
            message_number=int(sequence.get("MessageNumber", "-1")),
        )


class Switchable:
    """A target's mutable facts: scopes, XAddrs and discovery mode, changed by the test."""

    def __init__(self, endpoint: str, scopes: tuple[str, ...], xaddrs: tuple[str, ...]) -> None:
        self.scopes = list(scopes)
        self.xaddrs = list(xaddrs)
        self.discoverable = True
        self.now = 1_700_000_000.0
        self.target = Target(
            endpoint,
            scopes=lambda: self.scopes,
            xaddrs=lambda via: self.xaddrs,
            discoverable=lambda: self.discoverable,
            clock=lambda: self.now,
        )
