"""The PTZ head of the camera model: kinematics, spaces, presets, home and preset tours."""

from onvif_device.camera.ptz.head import (
    AUXILIARY_COMMANDS,
    NODE_TOKEN,
    PtzHead,
    Speed,
    Status,
    View,
)
from onvif_device.camera.ptz.spaces import Space, Spaces
from onvif_device.camera.ptz.state import (
    Position,
    PresetState,
    PtzState,
    TourSpotState,
    TourState,
)

__all__ = [
    "AUXILIARY_COMMANDS",
    "NODE_TOKEN",
    "Position",
    "PresetState",
    "PtzHead",
    "PtzState",
    "Space",
    "Spaces",
    "Speed",
    "Status",
    "TourSpotState",
    "TourState",
    "View",
]
