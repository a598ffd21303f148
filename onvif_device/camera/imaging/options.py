"""What the camera's sensor and lens offer: the ranges GetOptions and GetMoveOptions report.

The figures are those of a typical 1080p, 25 fps surveillance sensor:
exposure from 10 us to one frame time, up to 48 dB of gain, an iris of about
seven stops, and the 0..100 picture controls most vendors show.  Every value
SetImagingSettings takes is checked against these, so what GetOptions says
is exactly what the camera accepts.
"""

from __future__ import annotations

from dataclasses import dataclass

Range = tuple[float, float]
PERCENT: Range = (0.0, 100.0)


@dataclass(frozen=True, slots=True)
class ImagingOptions:
    """tt:ImagingOptions20, as this camera fills it."""

    brightness: Range = PERCENT
    color_saturation: Range = PERCENT
    contrast: Range = PERCENT
    sharpness: Range = PERCENT
    backlight_modes: tuple[str, ...] = ("OFF", "ON")
    backlight_level: Range = PERCENT
    exposure_modes: tuple[str, ...] = ("AUTO", "MANUAL")
    exposure_priorities: tuple[str, ...] = ("LowNoise", "FrameRate")
    exposure_time: Range = (10.0, 40000.0)  # microseconds; also the auto mode's Min/MaxExposureTime
    gain: Range = (0.0, 48.0)  # dB
    iris: Range = (0.0, 21.0)  # dB of attenuation, 0 wide open
    focus_modes: tuple[str, ...] = ("AUTO", "MANUAL")
    focus_default_speed: Range = (0.1, 1.0)
    focus_limit: Range = (0.5, 1000.0)  # metres, for NearLimit and FarLimit
    ir_cut_filter_modes: tuple[str, ...] = ("ON", "OFF", "AUTO")
    wide_dynamic_range_modes: tuple[str, ...] = ("OFF", "ON")
    wide_dynamic_range_level: Range = PERCENT
    white_balance_modes: tuple[str, ...] = ("AUTO", "MANUAL")
    white_balance_gain: Range = PERCENT  # CrGain and CbGain (YrGain and YbGain in the options)
    image_stabilization_modes: tuple[str, ...] = ("OFF", "ON", "AUTO")
    image_stabilization_level: Range = PERCENT


@dataclass(frozen=True, slots=True)
class MoveOptions:
    """tt:MoveOptions20: the focus lens takes absolute, relative and continuous moves."""

    position: Range = (0.0, 1.0)
    distance: Range = (-1.0, 1.0)
    speed: Range = (0.1, 1.0)  # absolute and relative moves
    continuous_speed: Range = (-1.0, 1.0)


IMAGING_OPTIONS = ImagingOptions()
MOVE_OPTIONS = MoveOptions()
