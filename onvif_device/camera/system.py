"""System log, access log and support information, with bounded memory."""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Callable


class Log:
    """A ring of timestamped lines; old lines fall off the front."""

    def __init__(self, clock: Callable[[], datetime], capacity: int = 1000) -> None:
        self._clock = clock
        self._lines: deque[str] = deque(maxlen=capacity)

    def add(self, message: str) -> None:
        stamp = self._clock().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self._lines.append(f"{stamp} {message}")

    def text(self) -> str:
        return "\n".join(self._lines) + ("\n" if self._lines else "")

    def __len__(self) -> int:
        return len(self._lines)
