"""The PTZ head: one node that pans, tilts and zooms the first video source.

The head holds three `Axis` motors in generic coordinates of its own.  A PTZ
configuration decides how a client's coordinates map onto them: Reverse and
EFlip mirror pan and tilt, and the configuration's limits bound the moves
made through it.  Every operation takes the configuration the client's
profile holds, already resolved by the service, and values already turned
into generic units (`Spaces.to_generic`).

Presets, the home position and tours are saved through `on_change`; so is
where the head stands, whenever a move ends (not while it moves, which
would write the state file ten times a second).  `tick` lets time act:
preset arrivals raise their events, tours advance, finished moves are saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from onvif_device.camera.errors import ActionFailed, InvalidArgVal
from onvif_device.camera.events.bus import EventBus
from onvif_device.camera.events.topics import (
    PTZ_PRESET_ABORTED,
    PTZ_PRESET_INVOKED,
    PTZ_PRESET_LEFT,
    PTZ_PRESET_REACHED,
    Topic,
)
from onvif_device.camera.media.state import PTZConfigurationState
from onvif_device.camera.ptz import geometry as geo
from onvif_device.camera.ptz.axes import Axis
from onvif_device.camera.ptz.spaces import Spaces
from onvif_device.camera.ptz.state import Position, PresetState, PtzState, TourSpotState
from onvif_device.camera.ptz.tours import Tours
from onvif_device.config import PtzConfig

NODE_TOKEN = "PTZNode_1"
NODE_NAME = "Pan/tilt head and zoom lens"
MAX_PRESET_NAME = 64  # tt:Name
AUXILIARY_COMMANDS = ("tt:Wiper|On", "tt:Wiper|Off", "tt:Washer|On", "tt:Washer|Off", "tt:IRLamp|On", "tt:IRLamp|Off")
_ARRIVED = 1e-6  # generic units: a preset is reached when every axis is this close


@dataclass(frozen=True, slots=True)
class Speed:
    """Generic speeds, 0..1 of each axis's top speed; None takes the configuration's default."""

    pan: float | None = None
    tilt: float | None = None
    zoom: float | None = None


@dataclass(frozen=True, slots=True)
class Status:
    pan: float  # in the asking configuration's frame (Reverse/EFlip applied)
    tilt: float
    zoom: float
    pan_tilt_moving: bool
    zoom_moving: bool
    utc: datetime
    error: str | None = None


@dataclass(frozen=True, slots=True)
class View:
    """What the lens looks at now, in the head's own frame, for the renderer."""

    pan: float
    tilt: float
    zoom: float
    moving: bool
    flipped: bool  # EFlip turns the picture upside down


@dataclass(slots=True)
class _PresetMove:
    configuration: str
    preset: PresetState
    reached: bool = False


class PtzHead:
    def __init__(
        self,
        config: PtzConfig,
        state: PtzState,
        video_source: str,
        bus: EventBus,
        *,
        utc_now: Callable[[], datetime],
        now: Callable[[], float],
        on_change: Callable[[], None],
    ) -> None:
        self.token = NODE_TOKEN
        self.name = NODE_NAME
        self.video_source = video_source
        self.max_presets = config.max_presets
        self._state = state
        self.bus = bus
        self._utc_now = utc_now
        self._now = now
        self._on_change = on_change
        # Top speeds in generic units per second.
        pan_speed = config.pan_speed_degrees / geo.PAN_DEGREES
        tilt_speed = config.tilt_speed_degrees / geo.TILT_DEGREES
        zoom_speed = 1.0 / config.zoom_seconds
        self.spaces = Spaces(pan_speed, tilt_speed, zoom_speed)
        t = now()
        self.pan = Axis(-1.0, 1.0, pan_speed)
        self.tilt = Axis(-1.0, 1.0, tilt_speed)
        self.zoom = Axis(0.0, 1.0, zoom_speed)
        where = state.position
        self.pan.place(where.pan, t)
        self.tilt.place(where.tilt, t)
        self.zoom.place(where.zoom, t)
        self._was_moving = False
        self._preset_move: _PresetMove | None = None
        self._eflip = False  # the last configuration used turned the picture over
        self.auxiliary: dict[str, str] = {}  # "tt:Wiper" -> "On", the last command per device
        self.error: str | None = None  # a fault scripted through the control API: the head will not move
        self.tours = Tours(self, state, max_tours=config.max_preset_tours, now=now, on_change=on_change)

    # --- reading ------------------------------------------------------------------------

    def position(self) -> Position:
        """Where the head is now, in its own frame."""
        t = self._now()
        return Position(pan=self.pan.position(t), tilt=self.tilt.position(t), zoom=self.zoom.position(t))

    def moving(self) -> tuple[bool, bool]:
        """(pan/tilt moving, zoom moving) now."""
        t = self._now()
        return self.pan.moving(t) or self.tilt.moving(t), self.zoom.moving(t)

    def status(self, cfg: PTZConfigurationState) -> Status:
        where = self.in_configuration_frame(cfg, self.position())
        pan_tilt, zoom = self.moving()
        return Status(
            pan=where.pan,
            tilt=where.tilt,
            zoom=where.zoom,
            pan_tilt_moving=pan_tilt,
            zoom_moving=zoom,
            utc=self._utc_now(),
            error=self.error,
        )

    def in_configuration_frame(self, cfg: PTZConfigurationState, where: Position) -> Position:
        """A position of the head's own frame as a client of `cfg` sees it (Reverse/EFlip mirror
        pan and tilt).  The mirror is its own inverse: this also brings a client's position home."""
        sign = _sign(cfg)
        return Position(pan=sign * where.pan, tilt=sign * where.tilt, zoom=where.zoom)

    def view(self) -> View:
        where = self.position()
        pan_tilt, zoom = self.moving()
        return View(where.pan, where.tilt, where.zoom, pan_tilt or zoom, self._eflip)

    def current_zoom(self) -> float:
        return self.zoom.position(self._now())

    def place(self, where: Position) -> None:
        """Put the head at `where` (its own frame) at once, as a test fixture sets the scene."""
        self._manual_move()
        t = self._now()
        self.pan.place(where.pan, t)
        self.tilt.place(where.tilt, t)
        self.zoom.place(where.zoom, t)
        self._save_position()

    # --- failing ------------------------------------------------------------------------

    def set_error(self, error: str | None) -> None:
        """Make the head fail as a jammed motor does (it stops; GetStatus says why), or recover (None)."""
        self.error = error or None
        if self.error is not None:
            self.stop()

    def check_working(self) -> None:
        if self.error is not None:
            raise ActionFailed(None, f"the PTZ unit has failed and cannot move: {self.error}")

    # --- moving -------------------------------------------------------------------------

    def absolute_move(
        self,
        cfg: PTZConfigurationState,
        pan_tilt: tuple[float, float] | None,
        zoom: float | None,
        speed: Speed = Speed(),
    ) -> None:
        """Go to a position given in the configuration's frame; it must lie within the limits."""
        self.check_working()
        if pan_tilt is not None:
            _check_within(cfg, pan_tilt, None)
        if zoom is not None:
            _check_within(cfg, None, zoom)
        self._manual_move()
        self._drive_to(cfg, pan_tilt, zoom, speed)

    def relative_move(
        self,
        cfg: PTZConfigurationState,
        pan_tilt: tuple[float, float] | None,
        zoom: float | None,
        speed: Speed = Speed(),
    ) -> None:
        """Move by a generic translation from where the head is; the limits stop it short."""
        self.check_working()
        self._manual_move()
        sign = _sign(cfg)
        where = self.position()
        target_pt = None
        if pan_tilt is not None:
            target_pt = (sign * where.pan + pan_tilt[0], sign * where.tilt + pan_tilt[1])
        target_zoom = None if zoom is None else where.zoom + zoom
        self._drive_to(cfg, target_pt, target_zoom, speed)

    def continuous_move(
        self,
        cfg: PTZConfigurationState,
        pan_tilt: tuple[float, float] | None,
        zoom: float | None,
        timeout: float | None = None,
    ) -> None:
        """Move at generic velocities until `timeout` seconds (default: the configuration's), a limit or Stop."""
        self.check_working()
        self._manual_move()
        t = self._now()
        seconds = cfg.default_timeout if timeout is None else timeout
        self._apply_limits(cfg, t)
        if pan_tilt is not None:
            sign = _sign(cfg)
            self.pan.drive(sign * pan_tilt[0], seconds, t)
            self.tilt.drive(sign * pan_tilt[1], seconds, t)
        if zoom is not None:
            self.zoom.drive(zoom, seconds, t)
        self._moved(cfg)

    def stop(self, pan_tilt: bool = True, zoom: bool = True) -> None:
        t = self._now()
        if pan_tilt:
            self.pan.stop(t)
            self.tilt.stop(t)
        if zoom:
            self.zoom.stop(t)
        if self._preset_move is not None and not self._preset_move.reached:
            self._abort_preset_move()  # a reached preset is not left by stopping there; the next move leaves it
        self.tours.interrupted()
        self._save_position()

    # --- presets and home ---------------------------------------------------------------------

    def presets(self) -> list[PresetState]:
        return list(self._state.presets)

    def preset(self, token: str) -> PresetState:
        for preset in self._state.presets:
            if preset.token == token:
                return preset
        raise InvalidArgVal("NoToken", f"no preset with token {token[:64]!r}")

    def set_preset(self, name: str | None, token: str | None) -> str:
        """Save the current position as a new preset, or over preset `token`; returns its token."""
        if any(self.moving()):
            raise ActionFailed("MovingPTZ", "the head is moving; presets are set while it stands still")
        if name is not None and not 0 < len(name) <= MAX_PRESET_NAME:
            raise InvalidArgVal("InvalidPresetName", f"a preset name is 1 to {MAX_PRESET_NAME} characters")
        existing = self.preset(token) if token else None
        if name is not None and any(p.name == name and p is not existing for p in self._state.presets):
            raise InvalidArgVal("PresetExist", f"a preset named {name!r} already exists")
        where = self.position()
        if existing is not None:
            existing.position = where
            if name is not None:
                existing.name = name
        else:
            if len(self._state.presets) >= self.max_presets:
                raise ActionFailed("TooManyPresets", f"this node holds at most {self.max_presets} presets")
            token = self._new_preset_token()
            self._state.presets = [*self._state.presets, PresetState(token=token, name=name or token, position=where)]
        self._on_change()
        return token  # type: ignore[return-value]

    def remove_preset(self, token: str) -> None:
        preset = self.preset(token)
        self.tours.preset_removed(token)
        self._state.presets = [p for p in self._state.presets if p is not preset]
        if self._preset_move is not None and self._preset_move.preset is preset:
            self._preset_move = None
        self._on_change()

    def goto_preset(self, cfg: PTZConfigurationState, token: str, speed: Speed = Speed()) -> None:
        self.check_working()
        preset = self.preset(token)
        self._manual_move()
        self._goto(cfg, preset.position, speed)
        self._preset_move = _PresetMove(cfg.token, preset)
        self._publish(PTZ_PRESET_INVOKED, cfg.token, preset)
        self.tick()  # a preset already reached (or zero distance) reports at once

    def home(self) -> Position:
        return self._state.home or Position()

    def goto_home(self, cfg: PTZConfigurationState, speed: Speed = Speed()) -> None:
        self.check_working()
        self._manual_move()
        self._goto(cfg, self.home(), speed)

    def set_home(self) -> None:
        if any(self.moving()):
            raise ActionFailed("MovingPTZ", "the head is moving; the home position is set while it stands still")
        self._state.home = self.position()
        self._on_change()

    # --- auxiliary commands ------------------------------------------------------------------

    def send_auxiliary_command(self, command: str) -> str:
        """Switch a wiper, washer or IR lamp; the answer repeats the command, as cameras do."""
        if command not in AUXILIARY_COMMANDS:
            raise InvalidArgVal(
                None, f"auxiliary command {command[:64]!r} is not one of {', '.join(AUXILIARY_COMMANDS)}"
            )
        device, _, state = command.partition("|")
        self.auxiliary[device] = state
        return command

    # --- what tours do ------------------------------------------------------------------------

    def interrupt_for_tour(self) -> None:
        """A tour takes over: a preset move under way ends as a manual move would end it."""
        self._abort_preset_move()

    def tour_goto(self, cfg: PTZConfigurationState, spot: TourSpotState) -> None:
        if spot.home:
            target = self.home()
        elif spot.preset_token is not None:
            target = self.preset(spot.preset_token).position
        else:
            assert spot.position is not None
            target = spot.position
        pan, tilt = spot.pan_tilt_speed or (None, None)
        self._abort_preset_move()
        self._goto(cfg, target, Speed(pan, tilt, spot.zoom_speed))

    def halt(self) -> None:
        """Stop every axis where it is, leaving tours be (a paused tour)."""
        t = self._now()
        for axis in (self.pan, self.tilt, self.zoom):
            axis.stop(t)
        self._save_position()

    # --- time ------------------------------------------------------------------------------

    def tick(self) -> None:
        """Raise preset arrivals, advance tours and save the position once a move has ended."""
        pan_tilt, zoom = self.moving()
        moving = pan_tilt or zoom
        move = self._preset_move
        if move is not None and not move.reached and not moving:
            if _close(self.position(), move.preset.position):
                move.reached = True
                self._publish(PTZ_PRESET_REACHED, move.configuration, move.preset)
            else:  # stopped short: a limit of the configuration held it back
                self._publish(PTZ_PRESET_ABORTED, move.configuration, move.preset)
                self._preset_move = None
        self.tours.tick(moving)
        if self._was_moving and not moving:
            self._save_position()
        self._was_moving = moving

    # --- inside -----------------------------------------------------------------------------

    def _goto(self, cfg: PTZConfigurationState, target: Position, speed: Speed) -> None:
        """Drive to a position in the head's own frame (presets, home, tour spots)."""
        sign = _sign(cfg)
        self._drive_to(cfg, (sign * target.pan, sign * target.tilt), target.zoom, speed)

    def _drive_to(
        self,
        cfg: PTZConfigurationState,
        pan_tilt: tuple[float, float] | None,
        zoom: float | None,
        speed: Speed,
    ) -> None:
        t = self._now()
        self._apply_limits(cfg, t)
        default_pan, default_tilt = cfg.default_pan_tilt_speed
        if pan_tilt is not None:
            sign = _sign(cfg)
            self.pan.go_to(sign * pan_tilt[0], _pick(speed.pan, default_pan), t)
            self.tilt.go_to(sign * pan_tilt[1], _pick(speed.tilt, default_tilt), t)
        if zoom is not None:
            self.zoom.go_to(zoom, _pick(speed.zoom, cfg.default_zoom_speed), t)
        self._moved(cfg)

    def _apply_limits(self, cfg: PTZConfigurationState, t: float) -> None:
        """The configuration's limits, in the head's frame; a mirrored frame mirrors them too."""
        sign = _sign(cfg)
        for axis, (low, high) in ((self.pan, cfg.pan_limits), (self.tilt, cfg.tilt_limits)):
            low, high = sorted((sign * low, sign * high))
            if (axis.low, axis.high) != (low, high):
                axis.limit(low, high, t)
        if (self.zoom.low, self.zoom.high) != cfg.zoom_limits:
            self.zoom.limit(*cfg.zoom_limits, t)

    def _moved(self, cfg: PTZConfigurationState) -> None:
        self._eflip = cfg.eflip == "ON"
        self._was_moving = self._was_moving or any(self.moving())

    def _manual_move(self) -> None:
        """A new move: a preset move under way is aborted, a reached preset is left, a tour stops."""
        self._abort_preset_move()
        self.tours.interrupted()

    def _abort_preset_move(self) -> None:
        move, self._preset_move = self._preset_move, None
        if move is None:
            return
        topic = PTZ_PRESET_LEFT if move.reached else PTZ_PRESET_ABORTED
        self._publish(topic, move.configuration, move.preset)

    def _publish(self, topic: Topic, configuration: str, preset: PresetState) -> None:
        self.bus.publish(
            topic.path,
            source={"PTZConfigurationToken": configuration},
            data={"PresetToken": preset.token, "PresetName": preset.name},
        )

    def _save_position(self) -> None:
        where = self.position()
        if where != self._state.position:
            self._state.position = where
            self._on_change()

    def _new_preset_token(self) -> str:
        taken = {p.token for p in self._state.presets}
        # n presets leave at least one of the numbers 1..n+1 free.
        return next(f"Preset_{n}" for n in range(1, len(taken) + 2) if f"Preset_{n}" not in taken)


def _sign(cfg: PTZConfigurationState) -> float:
    """-1 when the configuration mirrors pan and tilt: Reverse ON, or EFlip ON (not both)."""
    return -1.0 if (cfg.reverse == "ON") != (cfg.eflip == "ON") else 1.0


def _pick(value: float | None, default: float) -> float:
    return default if value is None else value


def _check_within(cfg: PTZConfigurationState, pan_tilt: tuple[float, float] | None, zoom: float | None) -> None:
    slack = 1e-6
    checks = []
    if pan_tilt is not None:
        checks += [("pan", pan_tilt[0], cfg.pan_limits), ("tilt", pan_tilt[1], cfg.tilt_limits)]
    if zoom is not None:
        checks.append(("zoom", zoom, cfg.zoom_limits))
    for name, value, (low, high) in checks:
        if not low - slack <= value <= high + slack:
            raise InvalidArgVal(
                "InvalidPosition", f"{name} {value:g} is outside the limits of {cfg.token} ({low:g} to {high:g})"
            )


def _close(a: Position, b: Position) -> bool:
    return abs(a.pan - b.pan) < _ARRIVED and abs(a.tilt - b.tilt) < _ARRIVED and abs(a.zoom - b.zoom) < _ARRIVED
