"""One motor axis (pan, tilt or zoom) as a closed-form motion: where it is at any instant.

A move is a start position, a start time, a constant velocity and an end
time; the position at `t` is the start plus the velocity times the time
elapsed, stopped at the end time and at the axis's limits.  Asking where the
axis is costs nothing and is exact at any instant, so a 30 fps stream, a
GetStatus and the 0.1 s tick all agree without the model being stepped.
Acceleration is left out: real heads ramp in tens of milliseconds, far below
what a client can observe through a stream.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_EPSILON = 1e-9


@dataclass(slots=True)
class Axis:
    low: float
    high: float
    top_speed: float  # units per second at speed 1
    _start: float = 0.0
    _t0: float = 0.0
    _velocity: float = 0.0
    _until: float = 0.0
    _target: float | None = None  # where a go_to ends, exactly: t0 + distance/rate rounds at epoch scale

    def position(self, now: float) -> float:
        if self._target is not None and now >= self._until:
            return self._target
        elapsed = max(0.0, min(now, self._until) - self._t0)
        return min(max(self._start + self._velocity * elapsed, self.low), self.high)

    def moving(self, now: float) -> bool:
        """True while the axis still changes position: before the end time and not pinned at a limit."""
        if now >= self._until or self._velocity == 0.0:
            return False
        here = self.position(now)
        pinned = (self._velocity > 0 and here >= self.high - _EPSILON) or (
            self._velocity < 0 and here <= self.low + _EPSILON
        )
        return not pinned

    def arrival(self, now: float) -> float:
        """When the current move stops changing the position (now, when idle)."""
        if not self.moving(now):
            return now
        limit = self.high if self._velocity > 0 else self.low
        at_limit = self._t0 + (limit - self._start) / self._velocity
        return min(self._until, at_limit)

    def place(self, value: float, now: float) -> None:
        """Put the axis at `value` at once (a restart restores where the head was)."""
        self._start, self._t0, self._velocity, self._until = min(max(value, self.low), self.high), now, 0.0, now
        self._target = None

    def go_to(self, target: float, speed: float, now: float) -> None:
        """Move to `target` (clamped to the limits) at `speed` (0..1 of the top speed)."""
        here = self.position(now)
        target = min(max(target, self.low), self.high)
        rate = max(speed, 0.0) * self.top_speed
        if rate <= 0.0 or abs(target - here) < _EPSILON:
            self.place(target if rate > 0.0 else here, now)
            return
        self._start, self._t0 = here, now
        self._velocity = math.copysign(rate, target - here)
        self._until = now + abs(target - here) / rate
        self._target = target

    def drive(self, velocity: float, seconds: float, now: float) -> None:
        """Move at `velocity` (-1..1 of the top speed) for `seconds`, or until a limit."""
        self._start, self._t0, self._target = self.position(now), now, None
        self._velocity = velocity * self.top_speed
        self._until = now + max(seconds, 0.0) if velocity else now

    def stop(self, now: float) -> None:
        self.place(self.position(now), now)

    def limit(self, low: float, high: float, now: float) -> None:
        """New limits (a configuration change); the axis stops, inside them."""
        here = self.position(now)
        self.low, self.high = low, high
        self.place(here, now)
