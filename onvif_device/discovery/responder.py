"""The WS-Discovery target service: one UDP endpoint answering for a set of devices.

Theory of operation: `Responder` is an asyncio `DatagramProtocol`; `udp.open_responder`
gives it a socket on udp/3702 joined to 239.255.255.250.  Every datagram goes
through the same gate, cheapest check first, and each refusal is counted in
`counters`:

1. size (`oversized`), then `parse_message` (`malformed`, or `not_requests` for
   the Hello/Bye/Matches of other devices, which are normal traffic);
2. `DuplicateFilter` on the MessageID (`duplicates`): clients repeat every
   message, and one request gets one answer;
3. a Probe asks every online, discoverable `Target` whether it matches; a
   Resolve picks the target with that endpoint;
4. each reply takes a token from the `TokenBucket` (`rate_limited` when none is
   left) and is sent, unicast to the datagram's source, after its own random
   delay in [0, APP_MAX_DELAY] (WS-Discovery's multicast reply window; inject
   `delay=lambda: 0` to answer at once).  The message is built when it is sent,
   so MessageNumbers follow the order on the wire and a device that went away
   meanwhile sends nothing.

Announcements: `add` sends Hello, `remove` sends Bye, `refresh` (after a change
to scopes, XAddrs or discovery mode) sends Hello with the next MetadataVersion,
or Bye/Hello when the device leaves or re-enters discoverable mode.  ONVIF Core
says a device in non-discoverable mode neither listens to nor sends WS-Discovery
messages, so a NonDiscoverable target answers no Probe or Resolve at all,
multicast or unicast, and sends no Hello; it says Bye once, as it leaves.
Nothing is sent while there is no transport (the bind failed): the state is kept.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Final

from onvif_device.discovery import build
from onvif_device.discovery.errors import DiscoveryError, MatchingRuleNotSupported, NotARequest
from onvif_device.discovery.limits import DuplicateFilter, TokenBucket
from onvif_device.discovery.messages import MAX_DATAGRAM_BYTES, parse_message
from onvif_device.discovery.model import Probe, Resolve
from onvif_device.discovery.scopes import matches
from onvif_device.discovery.target import Target

log = logging.getLogger("onvif_device.discovery")

MULTICAST_GROUP: Final = "239.255.255.250"
PORT: Final = 3702
# WS-Discovery 2005/04: a target service answers a multicast Probe or Resolve
# after a random delay of up to APP_MAX_DELAY, so a whole site does not reply at once.
APP_MAX_DELAY: Final = 0.5

Address = tuple[Any, ...]
Schedule = Callable[[float, Callable[[], None]], object]


def random_delay() -> float:
    return random.uniform(0.0, APP_MAX_DELAY)


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
    rate_limited: int = 0
    hellos: int = 0
    byes: int = 0
    send_errors: int = 0

    @property
    def dropped(self) -> int:
        """Datagrams refused as hostile or broken (not counting other devices' traffic)."""
        return self.oversized + self.malformed

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class Responder(asyncio.DatagramProtocol):
    """Answers Probe and Resolve for its targets and announces them; see the module doc."""

    def __init__(
        self,
        *,
        delay: Callable[[], float] = random_delay,
        rate: float = 200.0,
        burst: float = 400.0,
        duplicates: int = 1024,
        schedule: Schedule | None = None,
        clock: Callable[[], float] | None = None,
        multicast: Address = (MULTICAST_GROUP, PORT),
    ) -> None:
        self.targets: dict[str, Target] = {}
        self.counters = Counters()
        self._delay = delay
        self._bucket = TokenBucket(rate, burst) if clock is None else TokenBucket(rate, burst, clock=clock)
        self._seen = DuplicateFilter(duplicates)
        self._schedule = schedule
        self._multicast = multicast
        self.transport: asyncio.DatagramTransport | None = None

    # --- asyncio.DatagramProtocol ------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def error_received(self, exc: Exception) -> None:
        # An ICMP error for an earlier reply (a client that left): nothing to do.
        self.counters.send_errors += 1
        log.debug("discovery socket error: %s", exc)

    def datagram_received(self, data: bytes, addr: Address) -> None:
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
        if isinstance(request, Probe):
            self.counters.probes += 1
            self._answer_probe(request, addr)
        else:
            self.counters.resolves += 1
            self._answer_resolve(request, addr)

    # --- the set of devices ----------------------------------------------------------

    def add(self, target: Target) -> None:
        """Start answering for `target` (a new run: new InstanceId) and say Hello."""
        if target.endpoint in self.targets and self.targets[target.endpoint] is not target:
            raise ValueError(f"another device already uses endpoint {target.endpoint}")
        self.targets[target.endpoint] = target
        target.begin()
        target.refresh()
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

    def refresh(self, target: Target) -> None:
        """After a change to the device: Hello with a new MetadataVersion, or Bye/Hello on a mode change."""
        if not target.online:
            return
        changed = target.refresh()
        if not target.discoverable:
            if target.announced:
                self._bye(target)
        elif changed or not target.announced:
            self._hello(target)

    def close(self) -> None:
        """Bye for every target, then close the socket."""
        for target in list(self.targets.values()):
            self.remove(target)
        if self.transport is not None:
            self.transport.close()
            self.transport = None

    # --- replies -------------------------------------------------------------------

    def _answer_probe(self, probe: Probe, addr: Address) -> None:
        for target in self._answering():
            try:
                if not matches(probe, target.device):
                    continue
            except MatchingRuleNotSupported:
                # Every target gives the same verdict; a fault is allowed only for
                # unicast, and a storm of faults is worse than silence.
                self.counters.unsupported_rule += 1
                return
            self._reply_later(target, addr, "probe_matches", lambda t: build.probe_matches(
                t.device, relates_to=probe.message_id, app_sequence=t.sequence, to=probe.reply_to))

    def _answer_resolve(self, resolve: Resolve, addr: Address) -> None:
        target = self.targets.get(resolve.endpoint)
        if target is None or target not in self._answering():
            return
        self._reply_later(target, addr, "resolve_matches", lambda t: build.resolve_matches(
            t.device, relates_to=resolve.message_id, app_sequence=t.sequence, to=resolve.reply_to))

    def _answering(self) -> list[Target]:
        return [t for t in self.targets.values() if t.online and t.discoverable]

    def _reply_later(self, target: Target, addr: Address, kind: str, make: Callable[[Target], bytes]) -> None:
        """Send `make(target)` to `addr` after a random delay; `kind` names the counter."""
        if not self._bucket.allow():
            self.counters.rate_limited += 1
            return

        def send() -> None:
            if not (target.online and target.discoverable):
                return
            if self._send(make(target), addr):
                setattr(self.counters, kind, getattr(self.counters, kind) + 1)

        self._later(self._delay(), send)

    def _later(self, delay: float, callback: Callable[[], None]) -> None:
        if self._schedule is not None:
            self._schedule(delay, callback)
        else:
            asyncio.get_running_loop().call_later(delay, callback)

    # --- announcements ----------------------------------------------------------------

    def _hello(self, target: Target) -> None:
        if self._send(build.hello(target.device, target.sequence), self._multicast):
            self.counters.hellos += 1
        target.announced = True

    def _bye(self, target: Target) -> None:
        if self._send(build.bye(target.device, target.sequence), self._multicast):
            self.counters.byes += 1
        target.announced = False

    def _send(self, data: bytes, addr: Address) -> bool:
        if self.transport is None or self.transport.is_closing():
            return False
        try:
            self.transport.sendto(data, addr)
        except OSError as exc:
            self.counters.send_errors += 1
            log.debug("discovery send to %s failed: %s", addr[0], exc)
            return False
        return True
