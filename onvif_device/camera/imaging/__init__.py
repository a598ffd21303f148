"""The imaging part of the camera model: picture settings, the focus lens, presets, and the look they give."""

from onvif_device.camera.imaging.model import (
    AbsoluteFocus,
    ContinuousFocus,
    FocusMove,
    FocusStatus,
    Imaging,
    RelativeFocus,
)
from onvif_device.camera.imaging.options import (
    IMAGING_OPTIONS,
    MOVE_OPTIONS,
    ImagingOptions,
    MoveOptions,
)
from onvif_device.camera.imaging.presets import PRESETS, ImagingPreset
from onvif_device.camera.imaging.state import (
    ImagingSettings,
    ImagingState,
    SourceImagingState,
    Window,
)

__all__ = [
    "IMAGING_OPTIONS",
    "MOVE_OPTIONS",
    "PRESETS",
    "AbsoluteFocus",
    "ContinuousFocus",
    "FocusMove",
    "FocusStatus",
    "Imaging",
    "ImagingOptions",
    "ImagingPreset",
    "ImagingSettings",
    "ImagingState",
    "MoveOptions",
    "RelativeFocus",
    "SourceImagingState",
    "Window",
]
