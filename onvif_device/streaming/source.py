"""A profile's live media, made in a worker thread: render, encode, packetize, hand over.

Theory of operation.  Each track has a schedule of due times derived from
the stream's start on the monotonic clock (video every 1/fps, audio every
chunk, metadata every interval).  The worker sleeps until the earliest due
time, makes that unit, stamps it with the RTP time of its *scheduled*
instant (so the cadence is exact however late the thread woke), and hands
the frame to `deliver`, which the engine points at the event loop.  When the
thread falls more than two frames behind (a slow machine) it drops the late
frames instead of bunching them.

Settings changes arrive through `update` and are applied between frames, so
a bitrate, frame rate or size change reaches the viewers without a
reconnect; SetSynchronizationPoint and new viewers ask for a key frame.

What the video track shows is the one thing a subclass changes
(`_video_track`): file_loop.FileLoopSource plays a file through the same
thread, schedules, audio and metadata.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from onvif_device.camera.events import Message
from onvif_device.events.notification import build_notification_message
from onvif_device.snapshot import MaskSpec
from onvif_device.streaming.media import (
    AudioEncoder,
    ToneSource,
    VideoEncoder,
    VideoSettings,
)
from onvif_device.streaming.metadata_document import PtzReading, metadata_document
from onvif_device.streaming.plan import AUDIO, METADATA, VIDEO, StreamPlan
from onvif_device.streaming.track import OutFrame, TrackSender
from onvif_device.video.look import Look

log = logging.getLogger("onvif_device.streaming")

MAX_LAG_FRAMES = 2
EVENT_BACKLOG = 1000  # bus messages waiting for the metadata track; the oldest go first


@dataclass(frozen=True, slots=True)
class Picture:
    """What the camera shows at one moment, read from the camera model."""

    width: int
    height: int
    title: str
    overlay: tuple[str, ...] = ()
    masks: tuple[MaskSpec, ...] = ()
    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 0.0
    flipped: bool = False
    look: Look = Look()
    ptz: PtzReading | None = None
    intruder: float | None = None  # the scripted motion's intruder, 0 to 1 across the view, or None


@dataclass(slots=True)
class _Schedule:
    interval: float
    due: float
    count: int = 0
    dropped: int = 0

    def advance(self, now: float, start: float) -> None:
        self.count += 1
        self.due = start + self.count * self.interval
        if now - self.due > MAX_LAG_FRAMES * self.interval:
            skipped = int((now - self.due) / self.interval)
            self.count += skipped
            self.dropped += skipped
            self.due = start + self.count * self.interval


@dataclass
class SourceStats:
    video_frames: int = 0
    dropped_frames: int = 0
    audio_chunks: int = 0
    metadata_documents: int = 0
    errors: list[str] = field(default_factory=list)


class LiveSource:
    def __init__(
        self,
        plan: StreamPlan,
        senders: dict[str, TrackSender],
        *,
        picture: Callable[[], Picture],
        renderer_for: Callable[[int, int, str], object],
        deliver: Callable[[OutFrame], None],
        wall_clock: Callable[[], datetime],
        start: float,
        on_failure: Callable[[str], None] = lambda reason: None,
        video_encoder: VideoEncoder | None = None,
    ) -> None:
        self.plan = plan
        self.senders = senders
        self._picture = picture
        self._renderer_for = renderer_for
        self._deliver = deliver
        self._wall_clock = wall_clock
        self._on_failure = on_failure
        self._video_encoder = video_encoder  # opened ahead by the engine, or None: open one here
        self.start_time = start
        self.stats = SourceStats()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._keyframe = threading.Event()
        self._pending_plan: StreamPlan | None = None
        # Bus messages for the metadata track, from the event loop; bounded so a stalled worker cannot grow it.
        self._events: deque[Message] = deque(maxlen=EVENT_BACKLOG)
        self._thread = threading.Thread(target=self._run, name=f"stream {plan.profile_token}", daemon=True)

    # --- control, from the event loop -----------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def request_keyframe(self) -> None:
        self._keyframe.set()

    def update(self, plan: StreamPlan) -> None:
        self._pending_plan = plan
        self._wake.set()

    def offer_event(self, message: Message) -> None:
        """Send `message` in the metadata stream at once, as its own document."""
        self._events.append(message)
        self._wake.set()

    # --- for the video track, in the worker -----------------------------------------------

    def keyframe_requested(self) -> bool:
        """Whether a key frame was asked for since the last call."""
        if not self._keyframe.is_set():
            return False
        self._keyframe.clear()
        return True

    def send_video(self, frame: OutFrame) -> None:
        self._deliver(frame)
        self.stats.video_frames += 1

    def _video_track(self, settings: VideoSettings, encoder: VideoEncoder | None) -> _VideoTrack:
        return _VideoTrack(self, settings, encoder)

    # --- the worker -----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._loop()
        except Exception as exc:  # a crashed source must end its viewers' sessions, not hang them
            log.exception("stream of profile %r failed", self.plan.profile_token)
            self.stats.errors.append(str(exc))
            self._on_failure(f"the stream source failed: {exc}")

    def _loop(self) -> None:
        start = self.start_time
        video = self._video_track(self.plan.video, self._video_encoder) if self.plan.video is not None else None
        audio = _AudioTrack(self) if self.plan.audio is not None else None
        meta_interval = self.plan.metadata.interval if self.plan.metadata is not None else None
        schedules: dict[str, _Schedule] = {}
        if video is not None:
            schedules[VIDEO] = _Schedule(1 / video.fps, start)
        if audio is not None:
            schedules[AUDIO] = _Schedule(audio.chunk_seconds, start)
        if meta_interval is not None:
            schedules[METADATA] = _Schedule(meta_interval, start)
        try:
            while not self._stop.is_set():
                if self._pending_plan is not None:
                    plan, self._pending_plan = self._pending_plan, None
                    if video is not None and plan.video is not None and plan.video != video.settings:
                        video.reconfigure(plan.video)
                        schedules[VIDEO].interval = 1 / video.fps
                        schedules[VIDEO].count = round((time.monotonic() - start) * video.fps)
                    self.plan = plan
                if self._events and METADATA in schedules:
                    self._event_document()
                    continue
                track, schedule = min(schedules.items(), key=lambda item: item[1].due)
                delay = schedule.due - time.monotonic()
                if delay > 0:
                    self._wake.wait(delay)
                    self._wake.clear()
                    continue  # re-check stop, updates and the earliest due time
                if track == VIDEO:
                    video.make(schedule.due, schedule.count)
                elif track == AUDIO:
                    audio.make(schedule.due)
                else:
                    self._metadata(schedule.due)
                schedule.advance(time.monotonic(), start)
                self.stats.dropped_frames = schedules[VIDEO].dropped if VIDEO in schedules else 0
        finally:
            if video is not None:
                video.close()

    def _event_document(self) -> None:
        now = time.monotonic()
        events = []
        while self._events:
            events.append(build_notification_message(self._events.popleft()))
        document = metadata_document(self.wall_time(now), events=events)
        self._deliver(self.senders[METADATA].frame(document, now))
        self.stats.metadata_documents += 1

    def wall_time(self, monotonic: float) -> datetime:
        """The camera's wall time at a monotonic instant (the clock may be skewed on purpose)."""
        return self._wall_clock() - timedelta(seconds=time.monotonic() - monotonic)

    def _metadata(self, due: float) -> None:
        settings = self.plan.metadata
        picture = self._picture()
        renderer = self._renderer_for(picture.width, picture.height, picture.title) if self.plan.video else None
        when = self.wall_time(due)
        objects = None
        if settings.analytics:
            objects_at = getattr(renderer, "objects", None)
            objects = objects_at(when, intruder=picture.intruder) if objects_at else []
        document = metadata_document(
            when,
            objects=objects,
            ptz=picture.ptz if settings.ptz_status or settings.ptz_position else None,
            ptz_position=settings.ptz_position,
        )
        self._deliver(self.senders[METADATA].frame(document, due))
        self.stats.metadata_documents += 1


class _VideoTrack:
    """The test card's scene, rendered and encoded.

    A video track makes the frame due at each tick of a schedule of `fps` ticks a second.
    """

    def __init__(self, source: LiveSource, settings: VideoSettings, encoder: VideoEncoder | None) -> None:
        self.source = source
        self.settings = settings
        self.encoder = encoder or VideoEncoder(settings)
        self.sender = source.senders[VIDEO]

    @property
    def fps(self) -> float:
        return self.settings.fps

    def reconfigure(self, settings: VideoSettings) -> None:
        self.encoder.close()
        self.settings = settings
        self.encoder = VideoEncoder(settings)  # starts on a key frame carrying the new parameter sets

    def make(self, due: float, number: int) -> None:
        source = self.source
        if source.keyframe_requested():
            self.encoder.request_keyframe()
        picture = source._picture()
        settings = self.settings
        renderer = source._renderer_for(settings.width, settings.height, picture.title)
        when = source.wall_time(due)
        frame = renderer.render(  # type: ignore[attr-defined]
            when,
            number,
            pan=picture.pan,
            tilt=picture.tilt,
            zoom=picture.zoom,
            flipped=picture.flipped,
            look=picture.look,
            overlay=picture.overlay,
            masks=picture.masks,
            intruder=picture.intruder,
        )
        pts = self.sender.clock.rtp(due)
        for encoded in self.encoder.encode(frame.planes, pts):
            unit = encoded.units[0] if settings.codec == "JPEG" else encoded.units
            source.send_video(self.sender.frame(unit, due, keyframe=encoded.keyframe))

    def close(self) -> None:
        self.encoder.close()


class _AudioTrack:
    """A tone with a beep each second, encoded as the profile's audio encoder says."""

    def __init__(self, source: LiveSource) -> None:
        self.source = source
        settings = source.plan.audio
        self.rate = settings.sample_rate
        self.encoder = AudioEncoder(settings)
        self.tone = ToneSource(sample_rate=self.rate)
        self.chunk = 160 if settings.codec == "PCMU" else 1024  # 20 ms of G.711; one AAC frame
        self.chunk_seconds = self.chunk / self.rate
        self.sender = source.senders[AUDIO]

    def make(self, due: float) -> None:
        start = self.source.start_time
        for encoded in self.encoder.encode(self.tone.read(self.chunk)):
            self.source._deliver(self.sender.frame(encoded.data, start + encoded.timestamp / self.rate))
            self.source.stats.audio_chunks += 1
