"""The imaging model: each video source's picture settings, its focus lens, and what they do to the picture.

Methods are named after the Imaging service's operations.  Settings are
checked against the options the camera reports (`options.py`) and saved at
once; ForcePersistence is deprecated in the spec and ignored: everything
persists.  Each sensor source has a focus lens, an `Axis` motor in lens
positions (`lens.py`): with AutoFocusMode AUTO the lens drives to where the
scene is sharp, as near to it as the Near/FarLimit allow; a Move switches
autofocus off, as the spec says, and Stop halts manual moves only.  The lens
position is saved whenever a move ends, as the PTZ head's is.

`look(source)` says what the settings do to the picture now (`video.look.Look`):
tone, colour, day/night and focus blur.  Image stabilization changes
nothing visible: the scene never shakes.

A source that plays a file has no sensor and no lens: every operation on it
answers ter:NoImagingForSource, and its look is the identity.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from onvif_device.camera.errors import ActionNotSupported, InvalidArgVal
from onvif_device.camera.imaging import lens
from onvif_device.camera.imaging.options import (
    IMAGING_OPTIONS,
    MOVE_OPTIONS,
    ImagingOptions,
    MoveOptions,
    Range,
)
from onvif_device.camera.imaging.presets import PRESETS, ImagingPreset
from onvif_device.camera.imaging.state import (
    Exposure,
    ImagingSettings,
    ImagingState,
    SourceImagingState,
)
from onvif_device.camera.media.hardware import Hardware
from onvif_device.camera.ptz.axes import Axis
from onvif_device.video.look import Look

# The scene is correctly exposed at 1/100 s with no gain and the iris wide open.
NOMINAL_EXPOSURE_TIME = 10000.0  # microseconds
DB_PER_STOP = 20 * math.log10(2)  # a doubling of signal amplitude
NIGHT_FROM_HOUR, DAY_FROM_HOUR = 19, 7  # IrCutFilter AUTO: night between these local hours
BRIGHTNESS_LEVELS = 60.0  # luma shift at brightness 0 or 100
SOFTEST_BLUR = 3.0 / 1080  # blur at sharpness 0, as a fraction of the height


@dataclass(frozen=True, slots=True)
class AbsoluteFocus:
    position: float
    speed: float | None = None


@dataclass(frozen=True, slots=True)
class RelativeFocus:
    distance: float
    speed: float | None = None


@dataclass(frozen=True, slots=True)
class ContinuousFocus:
    speed: float


FocusMove = AbsoluteFocus | RelativeFocus | ContinuousFocus


@dataclass(frozen=True, slots=True)
class FocusStatus:
    position: float
    moving: bool
    error: str = ""


class Imaging:
    def __init__(
        self,
        hardware: Hardware,
        state: ImagingState,
        *,
        now: Callable[[], float],
        local_now: Callable[[], datetime],
        on_change: Callable[[], None],
    ) -> None:
        self._hardware = hardware
        self._state = state
        self._now = now
        self._local_now = local_now
        self._on_change = on_change
        self._lenses: dict[str, Axis] = {}
        self._moving: set[str] = set()
        t = now()
        for source in hardware.video_sources:
            if source.file is not None:
                continue
            record = state.sources.setdefault(source.token, SourceImagingState())
            self._lenses[source.token] = focus = Axis(0.0, 1.0, lens.TOP_SPEED)
            focus.place(record.focus_position, t)
            self._autofocus(source.token, record.settings, t)

    # --- settings ------------------------------------------------------------------------------

    def settings(self, source: str) -> ImagingSettings:
        return self._record(source).settings.model_copy(deep=True)

    def set_settings(self, source: str, new: ImagingSettings, force_persistence: bool | None = None) -> None:
        """SetImagingSettings with every field given (the service merges a partial request first)."""
        record = self._record(source)
        check_settings(new, IMAGING_OPTIONS)
        t = self._now()
        if record.settings.focus.auto_focus_mode == "AUTO" and new.focus.auto_focus_mode == "MANUAL":
            self._lenses[source].stop(t)  # the autofocus lets go of the lens where it is
        # A new object, never a change in place: the encoder threads read the settings while we write.
        record.settings = settings = new.model_copy(deep=True)
        record.preset = _matching_preset(settings)
        self._autofocus(source, settings, t)
        self._on_change()

    def options(self, source: str) -> ImagingOptions:
        self._record(source)
        return IMAGING_OPTIONS

    # --- focus ---------------------------------------------------------------------------------

    def move_options(self, source: str) -> MoveOptions:
        self._record(source)
        return MOVE_OPTIONS

    def move(self, source: str, focus: FocusMove) -> None:
        """Move the focus lens; this turns autofocus off."""
        record = self._record(source)
        motor = self._lenses[source]
        options = MOVE_OPTIONS
        default = record.settings.focus.default_speed
        t = self._now()
        if isinstance(focus, AbsoluteFocus):
            _check(focus.position, options.position, "Absolute/Position")
            motor.go_to(focus.position, _speed(focus.speed, default, options.speed, "Absolute/Speed"), t)
        elif isinstance(focus, RelativeFocus):
            _check(focus.distance, options.distance, "Relative/Distance")
            speed = _speed(focus.speed, default, options.speed, "Relative/Speed")
            motor.go_to(motor.position(t) + focus.distance, speed, t)
        else:
            _check(focus.speed, options.continuous_speed, "Continuous/Speed")
            motor.drive(focus.speed, math.inf, t)  # until a stop or the end of the travel
        if record.settings.focus.auto_focus_mode == "AUTO":
            settings = record.settings.model_copy(deep=True)
            settings.focus.auto_focus_mode = "MANUAL"
            record.settings = settings
            self._on_change()
        self._moving.add(source)

    def stop(self, source: str) -> None:
        """Stop a manual focus move; autofocus carries on (the spec leaves it alone)."""
        record = self._record(source)
        if record.settings.focus.auto_focus_mode == "AUTO":
            return
        motor = self._lenses[source]
        t = self._now()
        if motor.moving(t):
            motor.stop(t)
            self._save_position(source, t)

    def status(self, source: str) -> FocusStatus:
        record = self._record(source)
        motor = self._lenses[source]
        t = self._now()
        focus = record.settings.focus
        error = ""
        if focus.auto_focus_mode == "AUTO" and not focus.near_limit <= lens.SCENE_METRES <= focus.far_limit:
            error = (
                f"autofocus cannot reach the scene {lens.SCENE_METRES:g} m away: "
                f"NearLimit {focus.near_limit:g} m and FarLimit {focus.far_limit:g} m exclude it"
            )
        return FocusStatus(motor.position(t), motor.moving(t), error)

    # --- presets -------------------------------------------------------------------------------

    def presets(self, source: str) -> tuple[ImagingPreset, ...]:
        self._record(source)
        return PRESETS

    def current_preset(self, source: str) -> ImagingPreset | None:
        """The preset last applied, while the settings still match it; None after other changes."""
        token = self._record(source).preset
        return next((p for p in PRESETS if p.token == token), None)

    def set_current_preset(self, source: str, token: str) -> None:
        record = self._record(source)
        preset = next((p for p in PRESETS if p.token == token), None)
        if preset is None:
            offered = ", ".join(p.token for p in PRESETS)
            raise InvalidArgVal(reason=f"no imaging preset {token[:64]!r}; this camera has {offered}")
        record.settings = preset.apply(record.settings)
        record.preset = preset.token
        self._on_change()

    # --- the picture ---------------------------------------------------------------------------

    def look(self, source: str) -> Look:
        """What the settings do to `source`'s picture now; the identity for unknown or file sources."""
        record = self._state.sources.get(source)
        motor = self._lenses.get(source)
        if record is None or motor is None:
            return Look()
        s = record.settings
        sharpness = s.sharpness - 50.0
        blur = lens.blur(motor.position(self._now()))
        if sharpness < 0:
            blur = max(blur, SOFTEST_BLUR * -sharpness / 50.0)
        white_balance = s.white_balance
        manual_white = white_balance.mode == "MANUAL"
        wdr = s.wide_dynamic_range
        backlight = s.backlight_compensation
        return Look(
            brightness=(s.brightness - 50.0) / 50.0 * BRIGHTNESS_LEVELS,
            contrast=3.0 ** ((s.contrast - 50.0) / 50.0),
            exposure=2.0 ** exposure_stops(s.exposure),
            shadows=backlight.level / 100.0 if backlight.mode == "ON" else 0.0,
            compress=wdr.level / 100.0 if wdr.mode == "ON" else 0.0,
            saturation=s.color_saturation / 50.0,
            monochrome=self._night_mode(s.ir_cut_filter),
            cb_shift=(white_balance.cb_gain - 50.0) / 2.0 if manual_white else 0.0,
            cr_shift=(white_balance.cr_gain - 50.0) / 2.0 if manual_white else 0.0,
            blur=blur,
            sharpen=max(sharpness, 0.0) / 50.0,
        )

    def _night_mode(self, ir_cut_filter: str) -> bool:
        """Is the IR cut filter out (a monochrome picture)?"""
        if ir_cut_filter != "AUTO":
            return ir_cut_filter == "OFF"
        hour = self._local_now().hour
        return hour >= NIGHT_FROM_HOUR or hour < DAY_FROM_HOUR

    # --- time passing --------------------------------------------------------------------------

    def tick(self) -> None:
        """Save where a lens stopped, once its move has ended."""
        t = self._now()
        for source in list(self._moving):
            if not self._lenses[source].moving(t):
                self._save_position(source, t)

    # --- inside --------------------------------------------------------------------------------

    def _record(self, source: str) -> SourceImagingState:
        found = self._hardware.video_source(source)
        if found is None:
            raise InvalidArgVal("NoSource", f"no video source {source[:64]!r}")
        if found.file is not None:
            raise ActionNotSupported(
                "NoImagingForSource", f"video source {source[:64]!r} plays a file: it has no sensor or lens to set"
            )
        return self._state.sources[source]

    def _autofocus(self, source: str, settings: ImagingSettings, t: float) -> None:
        """In AUTO, drive the lens as near to the in-focus position as the search limits allow."""
        motor = self._lenses[source]
        focus = settings.focus
        if focus.auto_focus_mode != "AUTO":
            return
        nearest, farthest = lens.position_for(focus.near_limit), lens.position_for(focus.far_limit)
        target = min(max(lens.IN_FOCUS, nearest), farthest)
        if abs(motor.position(t) - target) > 1e-9 or motor.moving(t):
            motor.go_to(target, lens.AUTOFOCUS_SPEED, t)
            self._moving.add(source)

    def _save_position(self, source: str, t: float) -> None:
        self._moving.discard(source)
        self._state.sources[source].focus_position = self._lenses[source].position(t)
        self._on_change()


def exposure_stops(exposure: Exposure) -> float:
    """How many stops over (positive) or under the correct exposure the picture is.

    MANUAL takes the fixed time, gain and iris; AUTO gets the exposure right
    unless its ranges cannot reach it, and then does the best they allow.
    """

    def stops(time: float, gain: float, iris: float) -> float:
        return math.log2(time / NOMINAL_EXPOSURE_TIME) + (gain - iris) / DB_PER_STOP

    e = exposure
    if e.mode == "MANUAL":
        return stops(e.exposure_time, e.gain, e.iris)
    darkest = stops(e.min_exposure_time, e.min_gain, e.max_iris)
    brightest = stops(e.max_exposure_time, e.max_gain, e.min_iris)
    return min(max(0.0, darkest), brightest)


def check_settings(settings: ImagingSettings, options: ImagingOptions) -> None:
    """Raise ter:SettingsInvalid naming the first value outside what `options` offer."""
    s, o = settings, options
    e, f = s.exposure, s.focus
    ranges: list[tuple[str, float, Range]] = [
        ("Brightness", s.brightness, o.brightness),
        ("ColorSaturation", s.color_saturation, o.color_saturation),
        ("Contrast", s.contrast, o.contrast),
        ("Sharpness", s.sharpness, o.sharpness),
        ("BacklightCompensation/Level", s.backlight_compensation.level, o.backlight_level),
        ("Exposure/MinExposureTime", e.min_exposure_time, o.exposure_time),
        ("Exposure/MaxExposureTime", e.max_exposure_time, o.exposure_time),
        ("Exposure/MinGain", e.min_gain, o.gain),
        ("Exposure/MaxGain", e.max_gain, o.gain),
        ("Exposure/MinIris", e.min_iris, o.iris),
        ("Exposure/MaxIris", e.max_iris, o.iris),
        ("Exposure/ExposureTime", e.exposure_time, o.exposure_time),
        ("Exposure/Gain", e.gain, o.gain),
        ("Exposure/Iris", e.iris, o.iris),
        ("Focus/DefaultSpeed", f.default_speed, o.focus_default_speed),
        ("Focus/NearLimit", f.near_limit, o.focus_limit),
        ("Focus/FarLimit", f.far_limit, o.focus_limit),
        ("WideDynamicRange/Level", s.wide_dynamic_range.level, o.wide_dynamic_range_level),
        ("WhiteBalance/CrGain", s.white_balance.cr_gain, o.white_balance_gain),
        ("WhiteBalance/CbGain", s.white_balance.cb_gain, o.white_balance_gain),
        ("ImageStabilization/Level", s.image_stabilization.level, o.image_stabilization_level),
    ]
    for name, value, (low, high) in ranges:
        if not low <= value <= high:  # NaN fails too
            raise InvalidArgVal("SettingsInvalid", f"{name} {value:g} is outside {low:g}..{high:g}")
    modes = [
        ("BacklightCompensation/Mode", s.backlight_compensation.mode, o.backlight_modes),
        ("Exposure/Mode", e.mode, o.exposure_modes),
        ("Exposure/Priority", e.priority, o.exposure_priorities),
        ("Focus/AutoFocusMode", f.auto_focus_mode, o.focus_modes),
        ("IrCutFilter", s.ir_cut_filter, o.ir_cut_filter_modes),
        ("WideDynamicRange/Mode", s.wide_dynamic_range.mode, o.wide_dynamic_range_modes),
        ("WhiteBalance/Mode", s.white_balance.mode, o.white_balance_modes),
        ("ImageStabilization/Mode", s.image_stabilization.mode, o.image_stabilization_modes),
    ]
    for name, mode, offered in modes:
        if mode not in offered:
            raise InvalidArgVal("SettingsInvalid", f"{name} {mode} is not offered; the camera has {', '.join(offered)}")
    for low_name, low, high_name, high in (
        ("MinExposureTime", e.min_exposure_time, "MaxExposureTime", e.max_exposure_time),
        ("MinGain", e.min_gain, "MaxGain", e.max_gain),
        ("MinIris", e.min_iris, "MaxIris", e.max_iris),
    ):
        if low > high:
            raise InvalidArgVal("SettingsInvalid", f"Exposure/{low_name} {low:g} is above {high_name} {high:g}")
    if f.near_limit > f.far_limit:
        raise InvalidArgVal("SettingsInvalid", f"Focus/NearLimit {f.near_limit:g} m is beyond FarLimit {f.far_limit:g} m")


def _matching_preset(settings: ImagingSettings) -> str | None:
    picture = settings.picture()
    return next((p.token for p in PRESETS if p.picture() == picture), None)


def _check(value: float, allowed: Range, name: str) -> None:
    low, high = allowed
    if not low <= value <= high:
        raise InvalidArgVal(reason=f"{name} {value:g} is outside {low:g}..{high:g} (GetMoveOptions)")


def _speed(given: float | None, default: float, allowed: Range, name: str) -> float:
    if given is None:
        return default
    _check(given, allowed, name)
    return given
