"""Motion in the scene: when it happens, and the events it raises.

A fresh camera shows motion on a schedule, so a demo or a client under test
sees events without being told to: every `every` seconds an intruder crosses
each view for `seconds`.  The control API can force motion on or off, for a
while or until released, which takes precedence over the schedule.

Each transition raises the two motion topics clients subscribe to:
tns1:VideoSource/MotionAlarm for the video source and the cell motion
detector rule of the analytics configuration on that source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from onvif_device.camera.events.bus import EventBus
from onvif_device.camera.events.topics import CELL_MOTION, MOTION_ALARM

MOTION_RULE = "MyMotionDetectorRule"


@dataclass(frozen=True, slots=True)
class Detector:
    """Where motion in one video source is reported from."""

    video_source: str  # VideoSource_1
    configuration: str  # the VideoSourceConfiguration on it
    analytics: str  # the analytics configuration running the cell motion rule


@dataclass(slots=True)
class _Override:
    active: bool
    until: float | None  # host time; None holds until released


class SceneMotion:
    def __init__(
        self,
        bus: EventBus,
        detectors: Callable[[], list[Detector]],
        *,
        every: float,
        seconds: float,
        now: Callable[[], float],
    ) -> None:
        self._bus = bus
        self._detectors = detectors
        self.every = every
        self.seconds = min(seconds, every) if every else seconds
        self._now = now
        self._epoch = now()
        self._overrides: dict[str, _Override] = {}
        self._reported: dict[Detector, bool] = {}  # what the scene last said for each detector
        self.tick()  # every motion property exists from the start, as "false"

    def force(self, video_source: str, active: bool | None, seconds: float | None = None) -> None:
        """Motion on or off in one view, for `seconds` or until released; None releases it now."""
        if active is None:
            self._overrides.pop(video_source, None)
        else:
            until = None if seconds is None else self._now() + seconds
            self._overrides[video_source] = _Override(active, until)
        self.tick()

    def progress(self, video_source: str, at: float | None = None) -> float | None:
        """How far through the current motion the intruder is (0 to 1), or None without motion.

        Forced motion without an end repeats the crossing every `seconds`."""
        at = self._now() if at is None else at
        override = self._overrides.get(video_source)
        if override is not None and (override.until is None or at < override.until):
            return (at % self.seconds) / self.seconds if override.active else None
        if not self.every:
            return None
        phase = (at - self._epoch) % self.every
        start = self.every - self.seconds  # the first crossing comes one quiet spell after start-up
        return (phase - start) / self.seconds if phase >= start else None

    def active(self, video_source: str, at: float | None = None) -> bool:
        return self.progress(video_source, at) is not None

    def tick(self) -> None:
        """Publish each view's motion state when the scene changes it.

        Only changes are published: the server ticks ten times a second, and a state
        raised by hand (the control API) stands until the scene itself moves on."""
        at = self._now()
        for source, override in list(self._overrides.items()):
            if override.until is not None and at >= override.until:
                del self._overrides[source]
        for detector in self._detectors():
            state = self.active(detector.video_source, at)
            if self._reported.get(detector) == state:
                continue
            self._reported[detector] = state
            self._bus.publish(MOTION_ALARM.path, source={"Source": detector.video_source}, data={"State": state})
            self._bus.publish(
                CELL_MOTION.path,
                source={
                    "VideoSourceConfigurationToken": detector.configuration,
                    "VideoAnalyticsConfigurationToken": detector.analytics,
                    "Rule": MOTION_RULE,
                },
                data={"IsMotion": state},
            )
