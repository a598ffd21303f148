"""onvif-device: a virtual ONVIF IP camera."""

__version__ = "0.1.0"
