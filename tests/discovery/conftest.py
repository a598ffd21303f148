"""Fixtures for the discovery tests: captured probes and one virtual device."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from onvif_device.discovery import AppSequence, Device

CAPTURES = Path(__file__).parent / "captures"

CAMERA_ENDPOINT = "urn:uuid:6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
CAMERA_SCOPES = (
    "onvif://www.onvif.org/type/video_encoder",
    "onvif://www.onvif.org/type/Network_Video_Transmitter",
    "onvif://www.onvif.org/Profile/Streaming",
    "onvif://www.onvif.org/Profile/T",
    "onvif://www.onvif.org/hardware/VirtualCam-1",
    "onvif://www.onvif.org/name/Virtual%20Camera",
    "onvif://www.onvif.org/location/country/japan",
)
CAMERA_XADDRS = ("http://192.0.2.10:8000/onvif/device_service",)


@pytest.fixture
def capture() -> Callable[[str], bytes]:
    """The bytes of a file in captures/, by name."""
    return lambda name: (CAPTURES / name).read_bytes()


@pytest.fixture
def device() -> Device:
    return Device(CAMERA_ENDPOINT, CAMERA_SCOPES, CAMERA_XADDRS, metadata_version=3)


@pytest.fixture
def sequence() -> AppSequence:
    return AppSequence(instance_id=1700000000)
