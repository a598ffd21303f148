"""The Imaging service's schema types in XML: ImagingSettings20 both ways, options, focus moves and status.

A SetImagingSettings request may name only the settings it changes, so
`parse_settings` starts from the current settings and overwrites what the
request carries.  Anything wrong inside ImagingSettings is ter:SettingsInvalid,
the spec's fault for "the requested settings are incorrect"; the ranges
themselves are the model's to check.
"""

from __future__ import annotations

import math
from typing import Any

from onvif_device.camera.errors import InvalidArgs, InvalidArgVal
from onvif_device.camera.imaging import (
    AbsoluteFocus,
    ContinuousFocus,
    FocusMove,
    FocusStatus,
    ImagingOptions,
    ImagingPreset,
    ImagingSettings,
    MoveOptions,
    RelativeFocus,
    Window,
)
from onvif_device.services import args
from onvif_device.services.media_types import float_range
from onvif_device.xml import Element, child, sub

# The schema's enumerations (tt:BacklightCompensationMode, tt:ExposureMode, ...).
ON_OFF = ("OFF", "ON")
AUTO_MANUAL = ("AUTO", "MANUAL")
PRIORITIES = ("LowNoise", "FrameRate")
IR_CUT_FILTER_MODES = ("ON", "OFF", "AUTO")
STABILIZATION_MODES = ("OFF", "ON", "AUTO", "Extended")
# ImagingSettings20 parts this camera does not have, under Extension/Extension(/Extension).
_UNSUPPORTED = {
    2: ("IrCutFilterAutoAdjustment",),
    3: ("ToneCompensation", "Defogging", "NoiseReduction"),
}


def number(value: float) -> str:
    return f"{value:g}"


# --- ImagingSettings20 ------------------------------------------------------------------------------


def settings(parent: Element, tag: str, s: ImagingSettings) -> Element:
    el = sub(parent, tag)
    blc = sub(el, "tt:BacklightCompensation")
    sub(blc, "tt:Mode", s.backlight_compensation.mode)
    sub(blc, "tt:Level", number(s.backlight_compensation.level))
    sub(el, "tt:Brightness", number(s.brightness))
    sub(el, "tt:ColorSaturation", number(s.color_saturation))
    sub(el, "tt:Contrast", number(s.contrast))
    e = s.exposure
    exposure = sub(el, "tt:Exposure")
    sub(exposure, "tt:Mode", e.mode)
    sub(exposure, "tt:Priority", e.priority)
    if e.window is not None:
        w = e.window
        sub(exposure, "tt:Window", bottom=number(w.bottom), top=number(w.top), right=number(w.right), left=number(w.left))
    for name in ("MinExposureTime", "MaxExposureTime", "MinGain", "MaxGain", "MinIris", "MaxIris", "ExposureTime", "Gain", "Iris"):
        sub(exposure, f"tt:{name}", number(getattr(e, _snake(name))))
    focus = sub(el, "tt:Focus")
    sub(focus, "tt:AutoFocusMode", s.focus.auto_focus_mode)
    sub(focus, "tt:DefaultSpeed", number(s.focus.default_speed))
    sub(focus, "tt:NearLimit", number(s.focus.near_limit))
    sub(focus, "tt:FarLimit", number(s.focus.far_limit))
    sub(el, "tt:IrCutFilter", s.ir_cut_filter)
    sub(el, "tt:Sharpness", number(s.sharpness))
    wdr = sub(el, "tt:WideDynamicRange")
    sub(wdr, "tt:Mode", s.wide_dynamic_range.mode)
    sub(wdr, "tt:Level", number(s.wide_dynamic_range.level))
    wb = sub(el, "tt:WhiteBalance")
    sub(wb, "tt:Mode", s.white_balance.mode)
    sub(wb, "tt:CrGain", number(s.white_balance.cr_gain))
    sub(wb, "tt:CbGain", number(s.white_balance.cb_gain))
    stabilization = sub(sub(el, "tt:Extension"), "tt:ImageStabilization")
    sub(stabilization, "tt:Mode", s.image_stabilization.mode)
    sub(stabilization, "tt:Level", number(s.image_stabilization.level))
    return el


def parse_settings(el: Element, current: ImagingSettings) -> ImagingSettings:
    """`current` with what the request's ImagingSettings element gives."""
    s = current.model_copy(deep=True)
    s.brightness = _float(el, "tt:Brightness", s.brightness, "Brightness")
    s.color_saturation = _float(el, "tt:ColorSaturation", s.color_saturation, "ColorSaturation")
    s.contrast = _float(el, "tt:Contrast", s.contrast, "Contrast")
    s.sharpness = _float(el, "tt:Sharpness", s.sharpness, "Sharpness")
    s.ir_cut_filter = _enum(el, "tt:IrCutFilter", IR_CUT_FILTER_MODES, s.ir_cut_filter, "IrCutFilter")
    if (blc := child(el, "tt:BacklightCompensation")) is not None:
        part = s.backlight_compensation
        part.mode = _enum(blc, "tt:Mode", ON_OFF, None, "BacklightCompensation/Mode")
        part.level = _float(blc, "tt:Level", part.level, "BacklightCompensation/Level")
    if (exposure := child(el, "tt:Exposure")) is not None:
        _parse_exposure(exposure, s)
    if (focus := child(el, "tt:Focus")) is not None:
        f = s.focus
        if (focus.get("AFMode") or "").strip():
            raise _invalid(f"Focus AFMode {focus.get('AFMode', '')[:40]!r} is not offered (GetOptions lists no AFModes)")
        f.auto_focus_mode = _enum(focus, "tt:AutoFocusMode", AUTO_MANUAL, None, "Focus/AutoFocusMode")
        f.default_speed = _float(focus, "tt:DefaultSpeed", f.default_speed, "Focus/DefaultSpeed")
        f.near_limit = _float(focus, "tt:NearLimit", f.near_limit, "Focus/NearLimit")
        f.far_limit = _float(focus, "tt:FarLimit", f.far_limit, "Focus/FarLimit")
    if (wdr := child(el, "tt:WideDynamicRange")) is not None:
        part = s.wide_dynamic_range
        part.mode = _enum(wdr, "tt:Mode", ON_OFF, None, "WideDynamicRange/Mode")
        part.level = _float(wdr, "tt:Level", part.level, "WideDynamicRange/Level")
    if (wb := child(el, "tt:WhiteBalance")) is not None:
        part = s.white_balance
        part.mode = _enum(wb, "tt:Mode", AUTO_MANUAL, None, "WhiteBalance/Mode")
        part.cr_gain = _float(wb, "tt:CrGain", part.cr_gain, "WhiteBalance/CrGain")
        part.cb_gain = _float(wb, "tt:CbGain", part.cb_gain, "WhiteBalance/CbGain")
    _parse_extensions(child(el, "tt:Extension"), s)
    return s


def _parse_exposure(el: Element, s: ImagingSettings) -> None:
    e = s.exposure
    e.mode = _enum(el, "tt:Mode", AUTO_MANUAL, None, "Exposure/Mode")
    e.priority = _enum(el, "tt:Priority", PRIORITIES, e.priority, "Exposure/Priority")
    if (window := child(el, "tt:Window")) is not None:
        sides = {}
        for side in ("bottom", "top", "right", "left"):
            text = window.get(side)
            if text is None:
                raise _invalid(f"Exposure/Window has no {side} attribute")
            sides[side] = _number(text, f"Exposure/Window {side}")
        e.window = Window(**sides)
    for name in ("MinExposureTime", "MaxExposureTime", "MinGain", "MaxGain", "MinIris", "MaxIris", "ExposureTime", "Gain", "Iris"):
        field = _snake(name)
        setattr(e, field, _float(el, f"tt:{name}", getattr(e, field), f"Exposure/{name}"))


def _parse_extensions(extension: Element | None, s: ImagingSettings) -> None:
    depth = 1
    while extension is not None:
        if depth == 1 and (stabilization := child(extension, "tt:ImageStabilization")) is not None:
            part = s.image_stabilization
            part.mode = _enum(stabilization, "tt:Mode", STABILIZATION_MODES, None, "ImageStabilization/Mode")
            part.level = _float(stabilization, "tt:Level", part.level, "ImageStabilization/Level")
        for name in _UNSUPPORTED.get(depth, ()):
            if child(extension, f"tt:{name}") is not None:
                raise _invalid(f"{name} is not supported by this camera (GetOptions does not offer it)")
        extension = child(extension, "tt:Extension")
        depth += 1


def _invalid(reason: str) -> InvalidArgVal:
    return InvalidArgVal("SettingsInvalid", reason)


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _invalid(f"{where} must be a number, not {text.strip()[:40]!r}") from None
    if not math.isfinite(value):
        raise _invalid(f"{where} must be a finite number, not {text.strip()[:40]!r}")
    return value


def _float(parent: Element, tag: str, default: float, where: str) -> float:
    text = args.optional_text(parent, tag)
    return default if text is None else _number(text, where)


def _enum(parent: Element, tag: str, allowed: tuple[str, ...], default: str | None, where: str) -> Any:
    text = args.optional_text(parent, tag)
    if text is None:
        if default is None:
            raise _invalid(f"{where} is missing")
        return default
    if text not in allowed:
        raise _invalid(f"{where} must be one of {', '.join(allowed)}, not {text[:40]!r}")
    return text


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


# --- options ----------------------------------------------------------------------------------------


def options(parent: Element, tag: str, o: ImagingOptions) -> Element:
    el = sub(parent, tag)
    blc = sub(el, "tt:BacklightCompensation")
    _modes(blc, "tt:Mode", o.backlight_modes)
    float_range(blc, "tt:Level", *o.backlight_level)
    float_range(el, "tt:Brightness", *o.brightness)
    float_range(el, "tt:ColorSaturation", *o.color_saturation)
    float_range(el, "tt:Contrast", *o.contrast)
    exposure = sub(el, "tt:Exposure")
    _modes(exposure, "tt:Mode", o.exposure_modes)
    _modes(exposure, "tt:Priority", o.exposure_priorities)
    for prefix in ("Min", "Max"):
        float_range(exposure, f"tt:{prefix}ExposureTime", *o.exposure_time)
    for prefix in ("Min", "Max"):
        float_range(exposure, f"tt:{prefix}Gain", *o.gain)
    for prefix in ("Min", "Max"):
        float_range(exposure, f"tt:{prefix}Iris", *o.iris)
    float_range(exposure, "tt:ExposureTime", *o.exposure_time)
    float_range(exposure, "tt:Gain", *o.gain)
    float_range(exposure, "tt:Iris", *o.iris)
    focus = sub(el, "tt:Focus")
    _modes(focus, "tt:AutoFocusModes", o.focus_modes)
    float_range(focus, "tt:DefaultSpeed", *o.focus_default_speed)
    float_range(focus, "tt:NearLimit", *o.focus_limit)
    float_range(focus, "tt:FarLimit", *o.focus_limit)
    _modes(el, "tt:IrCutFilterModes", o.ir_cut_filter_modes)
    float_range(el, "tt:Sharpness", *o.sharpness)
    wdr = sub(el, "tt:WideDynamicRange")
    _modes(wdr, "tt:Mode", o.wide_dynamic_range_modes)
    float_range(wdr, "tt:Level", *o.wide_dynamic_range_level)
    wb = sub(el, "tt:WhiteBalance")
    _modes(wb, "tt:Mode", o.white_balance_modes)
    float_range(wb, "tt:YrGain", *o.white_balance_gain)
    float_range(wb, "tt:YbGain", *o.white_balance_gain)
    stabilization = sub(sub(el, "tt:Extension"), "tt:ImageStabilization")
    _modes(stabilization, "tt:Mode", o.image_stabilization_modes)
    float_range(stabilization, "tt:Level", *o.image_stabilization_level)
    return el


def _modes(parent: Element, tag: str, modes: tuple[str, ...]) -> None:
    for mode in modes:
        sub(parent, tag, mode)


def move_options(parent: Element, tag: str, o: MoveOptions) -> Element:
    el = sub(parent, tag)
    absolute = sub(el, "tt:Absolute")
    float_range(absolute, "tt:Position", *o.position)
    float_range(absolute, "tt:Speed", *o.speed)
    relative = sub(el, "tt:Relative")
    float_range(relative, "tt:Distance", *o.distance)
    float_range(relative, "tt:Speed", *o.speed)
    float_range(sub(el, "tt:Continuous"), "tt:Speed", *o.continuous_speed)
    return el


# --- focus moves, status and presets -------------------------------------------------------------------


def parse_focus_move(el: Element) -> FocusMove:
    """tt:FocusMove: exactly one of Absolute, Relative and Continuous."""
    given = [name for name in ("Absolute", "Relative", "Continuous") if child(el, f"tt:{name}") is not None]
    if len(given) != 1:
        found = " and ".join(given) if given else "none"
        raise InvalidArgs(reason=f"Focus needs exactly one of Absolute, Relative and Continuous, got {found}")
    move = args.required(el, f"tt:{given[0]}")
    speed = args.optional_text(move, "tt:Speed")
    if given[0] == "Continuous":
        return ContinuousFocus(args.as_float(args.required_text(move, "tt:Speed"), "Continuous/Speed"))
    optional_speed = None if speed is None else args.as_float(speed, f"{given[0]}/Speed")
    if given[0] == "Absolute":
        return AbsoluteFocus(args.as_float(args.required_text(move, "tt:Position"), "Absolute/Position"), optional_speed)
    return RelativeFocus(args.as_float(args.required_text(move, "tt:Distance"), "Relative/Distance"), optional_speed)


def status(parent: Element, tag: str, s: FocusStatus) -> Element:
    el = sub(parent, tag)
    focus = sub(el, "tt:FocusStatus20")
    sub(focus, "tt:Position", number(s.position))
    sub(focus, "tt:MoveStatus", "MOVING" if s.moving else "IDLE")
    sub(focus, "tt:Error", s.error)
    return el


def preset(parent: Element, tag: str, p: ImagingPreset) -> Element:
    el = sub(parent, tag, token=p.token, type=p.type)
    sub(el, "timg:Name", p.name)
    return el
