"""Bounds on how much work the network can make the discovery endpoint do.

Pure: no sockets, and the clock is injected, so a flood can be replayed in a
test in microseconds.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable


class DuplicateFilter:
    """Remembers the last `capacity` keys (MessageIDs) it was shown.

    Senders repeat every UDP message (SOAP-over-UDP retransmission), and a
    host on two interfaces hears each copy twice; one Probe must get one
    answer.  The memory is bounded, so a flood of fresh IDs evicts the
    oldest instead of growing without end.
    """

    def __init__(self, capacity: int = 1024) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._seen: OrderedDict[Hashable, None] = OrderedDict()

    def is_duplicate(self, key: Hashable) -> bool:
        """True if `key` was shown before (and is still remembered); remembers it."""
        if key in self._seen:
            self._seen.move_to_end(key)
            return True
        self._seen[key] = None
        if len(self._seen) > self.capacity:
            self._seen.popitem(last=False)
        return False

    def __len__(self) -> int:
        return len(self._seen)


class TokenBucket:
    """Allows `rate` events a second on average, in bursts of up to `burst`.

    The endpoint asks before every reply, so no flood of probes (nor probes
    with a spoofed source, aimed at a victim) gets more than that out of it.
    """

    def __init__(self, rate: float, burst: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()

    def allow(self, cost: float = 1.0) -> bool:
        """Take `cost` tokens if there are that many; False (and take none) otherwise."""
        self._refill()
        if self._tokens >= cost:
            self._tokens -= cost
            return True
        return False

    @property
    def tokens(self) -> float:
        self._refill()
        return self._tokens

    def _refill(self) -> None:
        now = self._clock()
        # Only forward time counts: a clock that steps back must neither burn
        # tokens now nor mint them twice when it catches up again.
        if now > self._stamp:
            self._tokens = min(float(self.burst), self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
