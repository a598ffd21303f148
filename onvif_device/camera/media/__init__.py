"""The camera's media model: sources, profiles, configurations, overlays."""

from onvif_device.camera.media.changes import MediaChange
from onvif_device.camera.media.defaults import factory_media
from onvif_device.camera.media.hardware import Hardware, build_hardware
from onvif_device.camera.media.model import KINDS, Media, kind_of
from onvif_device.camera.media.state import MediaState

__all__ = ["KINDS", "Hardware", "Media", "MediaChange", "MediaState", "build_hardware", "factory_media", "kind_of"]
