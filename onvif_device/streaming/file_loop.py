"""A profile's live media when its video source plays a file: the file, looped forever.

Theory of operation.  FileLoopSource is a LiveSource (the same worker thread,
schedules, audio and metadata tracks, and the same fan-out through Stream)
whose video track reads a file instead of drawing the test card.  The plan
picks one of two tracks:

- `_FilePackets` (passthrough: the file's codec and size are the encoder
  configuration's): the file's access units are repacketized as they are.
  The schedule ticks at the file's frame rate and each tick sends every unit
  whose presentation time has come, stamped with that time; FileSource's
  timeline keeps rising across loops, so RTP timestamps do too.  A late tick
  sends its units in a bunch rather than dropping any: a lost unit would
  break decoding until the next key frame.  New viewers start at the file's
  latest key frame (the stream keeps the frames since it); a requested key
  frame (SetSynchronizationPoint) waits for the file's next one.  Bitrate,
  GOP and quality are the file's own.
- `_FileFrames` (any other codec or size): the file is decoded at the
  encoder's size and each tick encodes the latest picture due by then
  (repeating or skipping pictures when the rates differ) with the profile's
  encoder settings, as the test card is.

The file has no OSD or privacy masks burnt in, and the metadata track reports
no analytics objects: the test card's scene objects are not in the picture.
"""

from __future__ import annotations

import logging
from pathlib import Path

from onvif_device.streaming.media import FileSource, VideoEncoder, VideoSettings
from onvif_device.streaming.media.planes import Planes
from onvif_device.streaming.plan import VIDEO, StreamPlan
from onvif_device.streaming.source import LiveSource
from onvif_device.streaming.track import TrackSender

log = logging.getLogger("onvif_device.streaming")

CLOCK_RATE = 90000  # FileSource's timeline, and every video RTP clock


def file_parameter_sets(path: Path) -> tuple[bytes, ...]:
    """The file's VPS/SPS/PPS for the SDP: from its header, else from its first key frame (MPEG-TS)."""
    source = FileSource(path)
    try:
        return source.parameter_sets or next(source.packets()).units
    finally:
        source.close()


def _no_scene(width: int, height: int, title: str) -> None:
    return None  # no test card renderer: the metadata track finds no scene objects


class FileLoopSource(LiveSource):
    def __init__(self, plan: StreamPlan, senders: dict[str, TrackSender], **kwargs) -> None:
        if plan.file is None:
            raise ValueError(f"profile {plan.profile_token!r} does not play a file")
        super().__init__(plan, senders, renderer_for=_no_scene, **kwargs)

    def _video_track(self, settings: VideoSettings, encoder: VideoEncoder | None) -> _FilePackets | _FileFrames:
        file = self.plan.file
        assert file is not None
        if file.passthrough:
            if encoder is not None:
                encoder.close()
            return _FilePackets(self, settings, file.path)
        return _FileFrames(self, settings, encoder, file.path)


class _FilePackets:
    """The file's own access units, paced by their presentation times."""

    def __init__(self, source: LiveSource, settings: VideoSettings, path: Path) -> None:
        self.source = source
        self.settings = settings
        self.path = path
        self.sender = source.senders[VIDEO]
        self.file = FileSource(path)
        self.fps = min(max(self.file.info.fps, 1.0), 240.0)
        self._slack = round(CLOCK_RATE / self.fps / 2)  # container times are rounded to 90 kHz
        self._units = self.file.packets()
        self._next = next(self._units)
        self._fallback: _FileFrames | None = None
        self._origin = self.sender.clock.rtp(source.start_time)  # the RTP time of the file's time 0

    def reconfigure(self, settings: VideoSettings) -> None:
        self.settings = settings  # the plan keeps passthrough, so only rates and quality changed
        if self._fallback is not None:
            self._fallback.reconfigure(settings)

    def make(self, due: float, number: int) -> None:
        if self._fallback is not None:
            self._fallback.make(due, number)
            return
        source = self.source
        source.keyframe_requested()  # nothing to force: the file's next key frame comes in its GOP
        now = round((due - source.start_time) * CLOCK_RATE) + self._slack
        jpeg = self.settings.codec == "JPEG"
        while self._next.pts <= now:
            unit = self._next
            try:
                # Integer ticks from the source's start: through float seconds the spacing
                # of the file's frames could come out one tick off (3599, 3601).
                frame = self.sender.frame_at(
                    unit.units[0] if jpeg else unit.units,
                    (self._origin + unit.pts) & 0xFFFF_FFFF,
                    keyframe=unit.keyframe,
                )
            except ValueError as error:
                # RFC 2435 carries baseline JPEG only; re-encode what it cannot carry.
                log.warning("%s: cannot send a frame as it is (%s); re-encoding the file", self.path, error)
                self._fallback = _FileFrames(source, self.settings, None, self.path, offset=unit.pts)
                self._fallback.make(due, number)
                return
            source.send_video(frame)
            self._next = next(self._units)

    def close(self) -> None:
        self.file.close()
        if self._fallback is not None:
            self._fallback.close()


class _FileFrames:
    """The file's pictures, re-encoded with the profile's encoder settings."""

    def __init__(
        self,
        source: LiveSource,
        settings: VideoSettings,
        encoder: VideoEncoder | None,
        path: Path,
        *,
        offset: int = 0,
    ) -> None:
        self.source = source
        self.settings = settings
        self.encoder = encoder or VideoEncoder(settings)
        self.sender = source.senders[VIDEO]
        self.file = FileSource(path)
        self._play_from(offset)

    @property
    def fps(self) -> float:
        return self.settings.fps

    def _play_from(self, offset: int) -> None:
        """Decode from the file's start at the current size, its times counted from `offset`."""
        self._frames = self.file.frames(self.settings.width, self.settings.height)
        self._offset = offset
        self._current = self._pull()
        self._upcoming = self._pull()

    def _pull(self) -> tuple[Planes, int]:
        planes, pts = next(self._frames)
        return planes, pts + self._offset

    def reconfigure(self, settings: VideoSettings) -> None:
        resized = (settings.width, settings.height) != (self.settings.width, self.settings.height)
        self.encoder.close()
        self.settings = settings
        self.encoder = VideoEncoder(settings)  # starts on a key frame carrying the new parameter sets
        if resized:  # the decoder scales as it goes: the clip restarts at the new size, its time goes on
            self._frames.close()
            self._play_from(self._current[1])

    def make(self, due: float, number: int) -> None:
        source = self.source
        if source.keyframe_requested():
            self.encoder.request_keyframe()
        now = round((due - source.start_time) * CLOCK_RATE)
        while self._upcoming[1] <= now:
            self._current, self._upcoming = self._upcoming, self._pull()
        jpeg = self.settings.codec == "JPEG"
        for encoded in self.encoder.encode(self._current[0], self.sender.clock.rtp(due)):
            unit = encoded.units[0] if jpeg else encoded.units
            source.send_video(self.sender.frame(unit, due, keyframe=encoded.keyframe))

    def close(self) -> None:
        self.encoder.close()
        self.file.close()
