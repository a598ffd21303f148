"""SOAP-over-UDP retransmission: every message goes out more than once, as the same bytes.

UDP loses datagrams, so SOAP-over-UDP (the 2004 submission WS-Discovery
2005/04 builds on) sends each message, then repeats it after a random
interval T in [UDP_MIN_DELAY, UDP_MAX_DELAY], doubling T after each repeat
up to UDP_UPPER_DELAY: MULTICAST_UDP_REPEAT repeats for a multicast message
(Hello, Bye), UNICAST_UDP_REPEAT for a unicast one (ProbeMatches,
ResolveMatches, a fault).  Repeats carry the same MessageID, which is how
receivers drop them.  Pure: the caller schedules and sends.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final

MULTICAST_UDP_REPEAT: Final = 4
UNICAST_UDP_REPEAT: Final = 2
UDP_MIN_DELAY: Final = 0.050
UDP_MAX_DELAY: Final = 0.250
UDP_UPPER_DELAY: Final = 0.500


@dataclass(frozen=True, slots=True)
class Retransmission:
    """How many repeats, and the interval schedule; `Retransmission.none()` sends each message once."""

    multicast_repeat: int = MULTICAST_UDP_REPEAT
    unicast_repeat: int = UNICAST_UDP_REPEAT
    min_delay: float = UDP_MIN_DELAY
    max_delay: float = UDP_MAX_DELAY
    upper_delay: float = UDP_UPPER_DELAY

    def __post_init__(self) -> None:
        if self.multicast_repeat < 0 or self.unicast_repeat < 0:
            raise ValueError("repeat counts cannot be negative")
        if not 0 <= self.min_delay <= self.max_delay <= self.upper_delay:
            raise ValueError("need 0 <= min_delay <= max_delay <= upper_delay")

    @classmethod
    def none(cls) -> Retransmission:
        return cls(0, 0)

    @classmethod
    def immediate(cls) -> Retransmission:
        """The spec's repeat counts with no waiting between copies (benchmarks, CI)."""
        return cls(min_delay=0.0, max_delay=0.0, upper_delay=0.0)

    def intervals(self, multicast: bool, uniform: Callable[[float, float], float] = random.uniform
                  ) -> Iterator[float]:
        """The wait before each repeat, in seconds: T, 2T, 4T... capped at upper_delay."""
        interval = uniform(self.min_delay, self.max_delay)
        for _ in range(self.multicast_repeat if multicast else self.unicast_repeat):
            yield interval
            interval = min(interval * 2, self.upper_delay)
