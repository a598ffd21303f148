"""The WS-Discovery target service: one UDP endpoint answering for a set of devices.

Theory of operation: `udp.open_responder` gives a `Responder` a transport on
udp/3702, joined to 239.255.255.250 and FF02::C on the chosen interfaces, that
tells it where each datagram came in (`Arrival`: the interface and family, and
whether it was sent to the group or to us).  Every datagram goes through the
same gate, cheapest check first, and each refusal is counted in `counters`:

1. size (`oversized`), then `parse_message` (`malformed`, or `not_requests` for
   the Hello/Bye/Matches of other devices, which are normal traffic);
2. `DuplicateFilter` on the MessageID (`duplicates`): clients repeat every
   message, and one request gets one answer;
3. a Probe asks every online, discoverable `Target` whether it matches; a
   Resolve picks the target with that endpoint.  A Probe with a MatchBy rule
   we lack gets the d:MatchingRuleNotSupported fault if it was unicast, and
   silence if it was multicast (ONVIF Core: faults to a group make storms);
4. each reply takes a token from the `TokenBucket` (`rate_limited` when none is
   left) and is sent unicast to the datagram's source, with the XAddrs of the
   link it came in on (`unreachable` when the device has none there): after a
   random delay in [0, APP_MAX_DELAY] for a multicast request (WS-Discovery's
   reply window; inject `delay=lambda: 0` to answer at once), at once for a
   unicast one.  The message is built when first sent, so MessageNumbers follow
   the order on the wire and a device that went away meanwhile sends nothing.

Every message then follows SOAP-over-UDP retransmission (`Retransmission`):
the same bytes again after growing intervals.  A newer announcement for a
target cancels the repeats of its older one, so a late Bye copy never lands
after the Hello of a reboot; a Bye also cancels the target's pending replies.
`close()` sends the copies still owed at once, then closes the socket.

Announcements: `add` sends Hello, `remove` sends Bye, `refresh` (after a change
to scopes, XAddrs or discovery mode) sends Hello with the next MetadataVersion,
or Bye/Hello when the device leaves or re-enters discoverable mode.  Each goes
to every group the transport joined, with the XAddrs of that link.  ONVIF Core
says a device in non-discoverable mode neither listens to nor sends WS-Discovery
messages, so a NonDiscoverable target answers no Probe or Resolve at all,
multicast or unicast, and sends no Hello; it says Bye once, as it leaves.
Nothing is sent while there is no transport (the bind failed): the state is kept.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Protocol

from onvif_device.discovery import build
from onvif_device.discovery.errors import (
    DiscoveryError,
    MatchingRuleNotSupported,
    NotARequest,
)
from onvif_device.discovery.interfaces import Via
from onvif_device.discovery.limits import DuplicateFilter, TokenBucket
from onvif_device.discovery.messages import MAX_DATAGRAM_BYTES, parse_message
from onvif_device.discovery.model import Device, Probe, Resolve
from onvif_device.discovery.retransmit import Retransmission
from onvif_device.discovery.scopes import matches
from onvif_device.discovery.target import Target

log = logging.getLogger("onvif_device.discovery")

MULTICAST_GROUP: Final = "239.255.255.250"
MULTICAST_GROUP_V6: Final = "ff02::c"
PORT: Final = 3702
# WS-Discovery 2005/04: a target service answers a multicast Probe or Resolve
# after a random delay of up to APP_MAX_DELAY, so a whole site does not reply at once.
APP_MAX_DELAY: Final = 0.5
SOAP_OVER_UDP: Final = Retransmission()

Address = tuple[Any, ...]
Schedule = Callable[[float, Callable[[], None]], object]


def random_delay() -> float:
    return random.uniform(0.0, APP_MAX_DELAY)


class Transport(Protocol):
    """What the responder sends through; `udp.DiscoveryTransport` is the real one."""

    def sendto(self, data: bytes, addr: Address, via: Via | None = None) -> None: ...

    def routes(self) -> Sequence[tuple[Via | None, Address]]:
        """Every (link, group address) a multicast announcement goes to."""
        ...

    def is_closing(self) -> bool: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Arrival:
    """Where a datagram came in: its link, and whether it was sent to the group (or to us)."""

    via: Via | None = None
    multicast: bool = True


@dataclass
class Counters:
    """What the endpoint did with the traffic it saw, for logs, metrics and tests."""

    received: int = 0
    oversized: int = 0
    malformed: int = 0
    not_requests: int = 0
    duplicates: int = 0
    unsupported_rule: int = 0
    probes: int = 0
    resolves: int = 0
    probe_matches: int = 0
    resolve_matches: int = 0
    faults: int = 0
    unreachable: int = 0
    rate_limited: int = 0
    hellos: int = 0
    byes: int = 0
    repeats: int = 0
    send_errors: int = 0

    @property
    def dropped(self) -> int:
        """Datagrams refused as hostile or broken (not counting other devices' traffic)."""
        return self.oversized + self.malformed

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(eq=False)
class _Copies:
    """The repeats still owed for one message."""

    data: bytes
    addr: Address
    via: Via | None
    intervals: list[float]  # the waits before the repeats not sent yet
    cancelled: bool = False


@dataclass
class _Owed:
    """A target's messages whose repeats are pending, by what may cancel them."""

    announcement: list[_Copies] = field(default_factory=list)
    replies: list[_Copies] = field(default_factory=list)


class Responder:
    """Answers Probe and Resolve for its targets and announces them; see the module doc."""

    def __init__(
        self,
        *,
        delay: Callable[[], float] = random_delay,
        retransmission: Retransmission = SOAP_OVER_UDP,
        rate: float = 200.0,
        burst: float = 400.0,
        duplicates: int = 1024,
        schedule: Schedule | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.targets: dict[str, Target] = {}
        self.counters = Counters()
        self._delay = delay
        self._retransmission = retransmission
        self._bucket = TokenBucket(rate, burst) if clock is None else TokenBucket(rate, burst, clock=clock)
        self._seen = DuplicateFilter(duplicates)
        self._schedule = schedule
        self._owed: dict[Target | None, _Owed] = {}
        self.transport: Transport | None = None

    # --- the transport ----------------------------------------------------------------

    def connection_made(self, transport: Transport) -> None:
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def error_received(self, exc: Exception) -> None:
        # An ICMP error for an earlier reply (a client that left): nothing to do.
        self.counters.send_errors += 1
        log.debug("discovery socket error: %s", exc)

    def links_changed(self) -> None:
        """The transport joined or left links: announce every target again where it changed."""
        for target in list(self.targets.values()):
            self.refresh(target)

    def datagram_received(self, data: bytes, addr: Address, arrival: Arrival | None = None) -> None:
        self.counters.received += 1
        if len(data) > MAX_DATAGRAM_BYTES:
            self.counters.oversized += 1
            return
        try:
            request = parse_message(data)
        except NotARequest:
            self.counters.not_requests += 1
            return
        except DiscoveryError as exc:
            self.counters.malformed += 1
            log.debug("dropped a datagram from %s: %s", addr[0], exc)
            return
        if self._seen.is_duplicate(request.message_id):
            self.counters.duplicates += 1
            return
        arrival = arrival or Arrival()
        if isinstance(request, Probe):
            self.counters.probes += 1
            self._answer_probe(request, addr, arrival)
        else:
            self.counters.resolves += 1
            self._answer_resolve(request, addr, arrival)

    # --- the set of devices ----------------------------------------------------------

    def add(self, target: Target) -> None:
        """Start answering for `target` (a new run: new InstanceId) and say Hello."""
        if target.endpoint in self.targets and self.targets[target.endpoint] is not target:
            raise ValueError(f"another device already uses endpoint {target.endpoint}")
        self.targets[target.endpoint] = target
        target.begin()
        target.refresh(self._vias())
        target.online = True
        if target.discoverable:
            self._hello(target)

    def remove(self, target: Target) -> None:
        """Say Bye for `target` (if it was announced) and stop answering for it."""
        if self.targets.get(target.endpoint) is target:
            del self.targets[target.endpoint]
        target.online = False
        if target.announced:
            self._bye(target)
        else:
            self._cancel(target, replies=True)

    def refresh(self, target: Target) -> None:
        """After a change to the device: Hello with a new MetadataVersion, or Bye/Hello on a mode change."""
        if not target.online:
            return
        changed = target.refresh(self._vias())
        if not target.discoverable:
            if target.announced:
                self._bye(target)
        elif changed or not target.announced:
            self._hello(target)

    def close(self) -> None:
        """Bye for every target, every copy still owed at once, then close the socket."""
        for target in list(self.targets.values()):
            self.remove(target)
        for owed in self._owed.values():
            for copies in owed.announcement + owed.replies:
                for _ in copies.intervals:
                    self._repeat(copies)
                copies.cancelled = True  # its timer is still set
        self._owed.clear()
        if self.transport is not None:
            self.transport.close()
            self.transport = None

    # --- replies -------------------------------------------------------------------

    def _answer_probe(self, probe: Probe, addr: Address, arrival: Arrival) -> None:
        answering = self._answering()
        for target in answering:
            try:
                if not matches(probe, target.device):
                    continue
            except MatchingRuleNotSupported as error:
                # Every target gives the same verdict, so one fault answers for all of them.
                self.counters.unsupported_rule += 1
                if not arrival.multicast:
                    self._fault(error, probe, addr, arrival)
                return
            self._reply_later(target, addr, arrival, "probe_matches", lambda t, d: build.probe_matches(
                d, relates_to=probe.message_id, app_sequence=t.sequence, to=probe.reply_to))

    def _answer_resolve(self, resolve: Resolve, addr: Address, arrival: Arrival) -> None:
        target = self.targets.get(resolve.endpoint)
        if target is None or target not in self._answering():
            return
        self._reply_later(target, addr, arrival, "resolve_matches", lambda t, d: build.resolve_matches(
            d, relates_to=resolve.message_id, app_sequence=t.sequence, to=resolve.reply_to))

    def _fault(self, error: MatchingRuleNotSupported, probe: Probe, addr: Address, arrival: Arrival) -> None:
        if not self._bucket.allow():
            self.counters.rate_limited += 1
            return
        data = build.matching_rule_not_supported(error, relates_to=probe.message_id, to=probe.reply_to)
        if self._transmit(None, data, addr, arrival.via, multicast=False):
            self.counters.faults += 1

    def _answering(self) -> list[Target]:
        return [t for t in self.targets.values() if t.online and t.discoverable]

    def _reply_later(
        self, target: Target, addr: Address, arrival: Arrival, kind: str, make: Callable[[Target, Device], bytes]
    ) -> None:
        """Send `make(target, device)` to `addr` after the reply delay; `kind` names the counter."""
        if target.device_for(arrival.via) is None:
            self.counters.unreachable += 1
            return
        if not self._bucket.allow():
            self.counters.rate_limited += 1
            return

        def send() -> None:
            device = target.device_for(arrival.via)
            if not (target.online and target.discoverable) or device is None:
                return
            if self._transmit(target, make(target, device), addr, arrival.via, multicast=False):
                setattr(self.counters, kind, getattr(self.counters, kind) + 1)

        if arrival.multicast:
            self._later(self._delay(), send)
        else:
            send()

    def _later(self, delay: float, callback: Callable[[], None]) -> None:
        if self._schedule is not None:
            self._schedule(delay, callback)
        else:
            asyncio.get_running_loop().call_later(delay, callback)

    # --- announcements ----------------------------------------------------------------

    def _hello(self, target: Target) -> None:
        self._cancel(target)
        # One message per distinct content: links that get the same XAddrs share its MessageID.
        messages: dict[Device, bytes] = {}
        for via, group in self._routes():
            device = target.device_for(via)
            if device is None:
                continue
            if device not in messages:
                messages[device] = build.hello(device, target.sequence)
                self.counters.hellos += 1
            self._transmit(target, messages[device], group, via, multicast=True, announcement=True)
        target.announced = True

    def _bye(self, target: Target) -> None:
        self._cancel(target, replies=True)
        routes = self._routes()
        if routes:
            message = build.bye(target.device, target.sequence)
            self.counters.byes += 1
            for via, group in routes:
                self._transmit(target, message, group, via, multicast=True, announcement=True)
        target.announced = False

    def _routes(self) -> Sequence[tuple[Via | None, Address]]:
        return self.transport.routes() if self.transport is not None else ()

    def _vias(self) -> list[Via | None]:
        return [None, *(via for via, _ in self._routes() if via is not None)]

    # --- sending, with SOAP-over-UDP repeats ----------------------------------------------

    def _transmit(
        self, owner: Target | None, data: bytes, addr: Address, via: Via | None, *, multicast: bool,
        announcement: bool = False,
    ) -> bool:
        """Send `data` now and schedule its repeats; False if the first copy could not go."""
        if not self._send(data, addr, via):
            return False
        copies = _Copies(data, addr, via, list(self._retransmission.intervals(multicast)))
        owed = self._owed.setdefault(owner, _Owed())
        (owed.announcement if announcement else owed.replies).append(copies)
        self._next(copies, owner)
        return True

    def _next(self, copies: _Copies, owner: Target | None) -> None:
        if not copies.intervals:
            self._forget(copies, owner)
            return

        def repeat() -> None:
            if not copies.cancelled:
                copies.intervals.pop(0)
                self._repeat(copies)
                self._next(copies, owner)

        self._later(copies.intervals[0], repeat)

    def _repeat(self, copies: _Copies) -> None:
        if self._send(copies.data, copies.addr, copies.via):
            self.counters.repeats += 1

    def _forget(self, copies: _Copies, owner: Target | None) -> None:
        owed = self._owed.get(owner)
        if owed is None:
            return
        for pending in (owed.announcement, owed.replies):
            if copies in pending:
                pending.remove(copies)
        if not owed.announcement and not owed.replies:
            del self._owed[owner]

    def _cancel(self, target: Target, *, replies: bool = False) -> None:
        """Stop the repeats of `target`'s last announcement (and of its replies)."""
        owed = self._owed.get(target)
        if owed is None:
            return
        for copies in owed.announcement + (owed.replies if replies else []):
            copies.cancelled = True
        owed.announcement.clear()
        if replies:
            owed.replies.clear()
        if not owed.replies:
            del self._owed[target]

    def _send(self, data: bytes, addr: Address, via: Via | None) -> bool:
        if self.transport is None or self.transport.is_closing():
            return False
        try:
            self.transport.sendto(data, addr, via)
        except OSError as exc:
            self.counters.send_errors += 1
            log.debug("discovery send to %s failed: %s", addr[0], exc)
            return False
        return True
