"""Tampering alarms from the picture itself: too blurry, too dark, too bright (Imaging spec).

What the imaging settings do to a source's picture (its `Look`) decides the
three properties: a lens far out of focus blurs it, and a tone curve that
takes the scene's mid-grey near black or white darkens or blinds it.  They
change only when a setting or the focus lens does, so each tick republishes
the same states, which the bus drops.  Darkness and glare are judged on a
scene with every luma level equally common: its average after the tone
curve, which only exposure (time, gain, iris) can push to either end, as a
covered lens or a light shone into it would.
"""

from __future__ import annotations

from collections.abc import Callable

from onvif_device.camera.events.bus import EventBus
from onvif_device.camera.events.topics import (
    IMAGE_TOO_BLURRY,
    IMAGE_TOO_BRIGHT,
    IMAGE_TOO_DARK,
)
from onvif_device.video.look import Look, tone

BLURRY_FROM = 0.005  # blur as a fraction of the picture height: 5 pixels at 1080p washes out the text
_LEVELS = range(16, 236, 4)  # the luma levels of the judged scene
DARK_BELOW, BRIGHT_ABOVE = 40, 215  # average luma of a mostly black or mostly white picture


class ImageQuality:
    def __init__(self, bus: EventBus, look: Callable[[str], Look], sources: Callable[[], list[str]]) -> None:
        self._bus = bus
        self._look = look
        self._sources = sources
        self.tick()  # the properties exist from the start

    def tick(self) -> None:
        for source in self._sources():
            look = self._look(source)
            grey = sum(tone(look, level) for level in _LEVELS) / len(_LEVELS)
            states = (
                (IMAGE_TOO_BLURRY, look.blur >= BLURRY_FROM),
                (IMAGE_TOO_DARK, grey < DARK_BELOW),
                (IMAGE_TOO_BRIGHT, grey > BRIGHT_ABOVE),
            )
            for topic, state in states:
                self._bus.publish(topic.path, source={"Source": source}, data={"State": state})
