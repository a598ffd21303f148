"""What the imaging service keeps across restarts: each video source's settings and its focus lens.

The records mirror tt:ImagingSettings20 field by field.  Numbers are checked
against the camera's options by the model (`model.py`), which answers a
client with the range it broke; the enumerations are checked here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from onvif_device.camera.imaging.lens import IN_FOCUS

OnOff = Literal["OFF", "ON"]
AutoManual = Literal["AUTO", "MANUAL"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class BacklightCompensation(_Model):
    mode: OnOff = "OFF"
    level: float = 50.0


class Window(_Model):
    """tt:Rectangle, the exposure window, kept as the client gave it."""

    bottom: float
    top: float
    right: float
    left: float


class Exposure(_Model):
    mode: AutoManual = "AUTO"
    priority: Literal["LowNoise", "FrameRate"] = "FrameRate"
    window: Window | None = None
    min_exposure_time: float = 10.0  # microseconds: 1/100000 s
    max_exposure_time: float = 40000.0  # 1/25 s, one frame
    min_gain: float = 0.0  # dB
    max_gain: float = 36.0
    min_iris: float = 0.0  # dB of attenuation; 0 is the iris wide open
    max_iris: float = 21.0
    exposure_time: float = 10000.0  # the manual values: 1/100 s, no gain, iris open
    gain: float = 0.0
    iris: float = 0.0


class Focus(_Model):
    auto_focus_mode: AutoManual = "AUTO"
    default_speed: float = 0.5  # of the lens motor's top speed
    near_limit: float = 0.5  # metres: how near and how far autofocus searches
    far_limit: float = 1000.0


class WideDynamicRange(_Model):
    mode: OnOff = "OFF"
    level: float = 50.0


class WhiteBalance(_Model):
    mode: AutoManual = "AUTO"
    cr_gain: float = 50.0  # 50 is neutral; only a MANUAL mode applies them
    cb_gain: float = 50.0


class ImageStabilization(_Model):
    mode: Literal["OFF", "ON", "AUTO", "Extended"] = "OFF"
    level: float = 50.0


class ImagingSettings(_Model):
    """One video source's tt:ImagingSettings20."""

    brightness: float = 50.0
    color_saturation: float = 50.0
    contrast: float = 50.0
    sharpness: float = 50.0
    backlight_compensation: BacklightCompensation = BacklightCompensation()
    exposure: Exposure = Exposure()
    focus: Focus = Focus()
    # ON (day, colour) rather than AUTO out of the box, so the picture does not turn
    # grey at 19:00 under a client that never asked for day/night switching.
    ir_cut_filter: Literal["ON", "OFF", "AUTO"] = "ON"
    wide_dynamic_range: WideDynamicRange = WideDynamicRange()
    white_balance: WhiteBalance = WhiteBalance()
    image_stabilization: ImageStabilization = ImageStabilization()

    def picture(self) -> dict:
        """Everything but focus: what an imaging preset sets and compares."""
        return self.model_dump(exclude={"focus"})


class SourceImagingState(_Model):
    settings: ImagingSettings = ImagingSettings()
    focus_position: float = Field(IN_FOCUS, ge=0.0, le=1.0)  # the lens, where it stood after its last move
    preset: str | None = "Standard"  # the imaging preset last applied, while the settings still match it


class ImagingState(_Model):
    sources: dict[str, SourceImagingState] = {}  # by video source token; filled in at start
