"""A clock tests set by hand, for models that take `now` (host seconds): nothing moves unless told."""

from __future__ import annotations

START = 1_700_000_000.0  # a realistic epoch, so float rounding at real timestamps shows up


class FakeClock:
    def __init__(self, start: float = START) -> None:
        self.start = self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds

    def at(self, seconds: float) -> None:
        """Set the clock `seconds` after the start (no float drift from many small steps)."""
        self.t = self.start + seconds
