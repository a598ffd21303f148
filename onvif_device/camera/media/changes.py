"""What the media model announces after each change (the events service publishes these)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class MediaChange:
    what: Literal["Profile", "Configuration", "OSD", "Mask", "VideoSourceMode"]
    token: str
    action: Literal["Created", "Changed", "Deleted"]
    kind: str | None = None  # the configuration kind, for "Configuration"
