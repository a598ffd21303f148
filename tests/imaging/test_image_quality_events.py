"""Tampering alarms raised from the imaging settings: ImageTooBlurry, ImageTooDark, ImageTooBright.

No sockets: a camera model on a fake clock, its bus's property states read
after each tick, as a subscriber would see them.
"""

from __future__ import annotations

from fakeclock import FakeClock

from onvif_device.camera.camera import Camera
from onvif_device.camera.events.topics import (
    IMAGE_TOO_BLURRY,
    IMAGE_TOO_BRIGHT,
    IMAGE_TOO_DARK,
)
from onvif_device.camera.imaging.model import AbsoluteFocus
from onvif_device.config import Config

SOURCE = "VideoSource_1"


def states(camera: Camera) -> dict[str, str | None]:
    found = {}
    for topic in (IMAGE_TOO_BLURRY, IMAGE_TOO_DARK, IMAGE_TOO_BRIGHT):
        message = camera.events.state(topic.path, Source=SOURCE)
        found[topic.path.split("/")[1]] = message.data_value("State") if message else None
    return found


def test_a_camera_at_factory_settings_reports_a_good_picture():
    camera = Camera(Config(), seed="quality", now=FakeClock())
    assert states(camera) == {"ImageTooBlurry": "false", "ImageTooDark": "false", "ImageTooBright": "false"}


def test_a_lens_moved_out_of_focus_raises_too_blurry_until_autofocus_brings_it_back():
    clock = FakeClock()
    camera = Camera(Config(), seed="quality", now=clock)
    camera.imaging.move(SOURCE, AbsoluteFocus(position=0.0))
    clock.t += 30.0
    camera.tick()
    assert states(camera)["ImageTooBlurry"] == "true"
    settings = camera.imaging.settings(SOURCE)
    settings.focus.auto_focus_mode = "AUTO"
    camera.imaging.set_settings(SOURCE, settings)
    clock.t += 30.0
    camera.tick()
    assert states(camera)["ImageTooBlurry"] == "false"


def test_brightness_alone_blinds_nothing_but_exposure_does():
    clock = FakeClock()
    camera = Camera(Config(), seed="quality", now=clock)
    settings = camera.imaging.settings(SOURCE)
    settings.brightness, settings.contrast = 0.0, 0.0
    camera.imaging.set_settings(SOURCE, settings)
    camera.tick()
    assert states(camera) == {"ImageTooBlurry": "false", "ImageTooDark": "false", "ImageTooBright": "false"}
    settings.brightness, settings.contrast = 50.0, 50.0
    settings.exposure.mode, settings.exposure.exposure_time, settings.exposure.gain = "MANUAL", 100.0, 0.0
    camera.imaging.set_settings(SOURCE, settings)
    camera.tick()
    assert states(camera) == {"ImageTooBlurry": "false", "ImageTooDark": "true", "ImageTooBright": "false"}
    settings.exposure.exposure_time, settings.exposure.gain = 40_000.0, 12.0
    camera.imaging.set_settings(SOURCE, settings)
    camera.tick()
    assert states(camera) == {"ImageTooBlurry": "false", "ImageTooDark": "false", "ImageTooBright": "true"}
