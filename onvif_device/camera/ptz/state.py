"""What the PTZ head keeps across restarts: presets, home, preset tours and where it stands.

Positions are in the generic spaces (pan and tilt -1..1, zoom 0..1) of the
head itself, before any configuration's Reverse or EFlip mirrors them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Position(_Model):
    pan: float = Field(0.0, ge=-1, le=1)
    tilt: float = Field(0.0, ge=-1, le=1)
    zoom: float = Field(0.0, ge=0, le=1)


class PresetState(_Model):
    token: str
    name: str
    position: Position


class TourSpotState(_Model):
    """One stop of a tour: a preset, the home position or a position, and how long to stay."""

    preset_token: str | None = None
    home: bool = False
    position: Position | None = None
    pan_tilt_speed: tuple[float, float] | None = None  # generic; None: the configuration's default
    zoom_speed: float | None = None
    stay_seconds: float = Field(0.0, ge=0)


class TourState(_Model):
    token: str
    name: str = ""
    auto_start: bool = False
    recurring_time: int | None = Field(None, ge=1)  # rounds to run; None with no duration: forever
    recurring_seconds: float | None = Field(None, gt=0)
    direction: Literal["Forward", "Backward"] = "Forward"
    random_order: bool = False
    spots: list[TourSpotState] = []


class PtzState(_Model):
    presets: list[PresetState] = []
    home: Position | None = None  # None: the factory home, the centre at the widest zoom
    tours: list[TourState] = []
    position: Position = Position()  # where the head stood after its last move
