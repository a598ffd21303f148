"""The simulated camera: state and behaviour, no XML, no sockets."""

from onvif_device.camera.camera import Camera
from onvif_device.camera.errors import OnvifError

__all__ = ["Camera", "OnvifError"]
