"""The imaging presets the camera ships: fixed picture settings for common scenes.

A preset sets everything but focus (the lens is the autofocus's business),
starting from the factory picture.  The presets cannot be changed, so the
camera does not claim AdaptablePreset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from onvif_device.camera.imaging.state import ImagingSettings


@dataclass(frozen=True, slots=True)
class ImagingPreset:
    token: str
    name: str
    type: str  # a timg:ImagingPresetType
    changes: dict = field(default_factory=dict)  # over the factory picture, as ImagingSettings fields

    def picture(self) -> dict:
        """The settings this preset applies (all but focus), as `ImagingSettings.picture()` gives them."""
        settings = ImagingSettings.model_validate(_merge(ImagingSettings().model_dump(), self.changes))
        return settings.picture()

    def apply(self, current: ImagingSettings) -> ImagingSettings:
        """`current` with this preset's picture; focus unchanged."""
        return ImagingSettings.model_validate({**self.picture(), "focus": current.focus.model_dump()})


PRESETS = (
    ImagingPreset("Standard", "Standard", "Custom"),  # the factory settings
    ImagingPreset("Indoor", "Indoor", "Indoor", {"brightness": 55.0, "contrast": 45.0}),
    ImagingPreset(
        "Outdoor",
        "Outdoor",
        "ClearWeather",
        {"contrast": 55.0, "color_saturation": 55.0, "wide_dynamic_range": {"mode": "ON", "level": 30.0}},
    ),
    ImagingPreset(
        "Backlight",
        "Backlight",
        "WDR",
        {
            "wide_dynamic_range": {"mode": "ON", "level": 70.0},
            "backlight_compensation": {"mode": "ON", "level": 50.0},
        },
    ),
    ImagingPreset(
        "Night",
        "Night",
        "Night",
        {
            "brightness": 55.0,
            "ir_cut_filter": "OFF",
            "exposure": {"priority": "LowNoise", "max_gain": 48.0},
        },
    ),
    ImagingPreset("Vivid", "Vivid", "Custom", {"color_saturation": 70.0, "contrast": 60.0, "sharpness": 65.0}),
)


def _merge(base: dict, changes: dict) -> dict:
    merged = dict(base)
    for key, value in changes.items():
        merged[key] = _merge(base[key], value) if isinstance(value, dict) else value
    return merged
