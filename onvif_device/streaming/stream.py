"""One profile's live stream on the event loop: encode once, fan out to every viewer.

The source runs on the first viewer and stops after the last leaves.  The
video frames since the last key frame are kept, so a viewer who joins a
running stream gets a decodable picture at once instead of waiting up to a
GOP; RTP-Info tells it the sequence number and timestamp it starts from.
Viewers that cannot keep up are the session layer's business (they drop
frames until the next key frame, or are cut off); the stream never waits.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Protocol

from onvif_device.streaming.plan import AUDIO, METADATA, VIDEO, StreamPlan
from onvif_device.streaming.rtp import (
    AacFormat,
    AacPayloader,
    H264Format,
    H264Payloader,
    H265Format,
    H265Payloader,
    JpegFormat,
    JpegPayloader,
    MetadataFormat,
    MetadataPayloader,
    PayloaderConfig,
    PcmuFormat,
    PcmuPayloader,
    RtpFormat,
)
from onvif_device.streaming.source import LiveSource
from onvif_device.streaming.track import OutFrame, RtpClock, TrackSender

log = logging.getLogger("onvif_device.streaming")

VIDEO_PT, AAC_PT, METADATA_PT = 96, 97, 107


class Viewer(Protocol):
    """Something that receives a stream's frames: an RTSP session or a multicast sender."""

    def send(self, frame: OutFrame) -> None: ...

    def send_rtcp(self, track: str, data: bytes) -> None: ...

    def stream_ended(self, reason: str) -> None: ...


def track_formats(plan: StreamPlan, parameter_sets: tuple[bytes, ...] = ()) -> dict[str, RtpFormat]:
    """The RTP format of each track the plan sends; parameter sets fill the video fmtp."""
    formats: dict[str, RtpFormat] = {}
    if plan.video is not None:
        match plan.video.codec:
            case "H264":
                formats[VIDEO] = H264Format.from_access_unit(VIDEO_PT, parameter_sets)
            case "H265":
                formats[VIDEO] = H265Format.from_access_unit(VIDEO_PT, parameter_sets)
            case _:
                formats[VIDEO] = JpegFormat(width=plan.video.width, height=plan.video.height)
    if plan.audio is not None:
        if plan.audio.codec == "PCMU":
            formats[AUDIO] = PcmuFormat()
        else:
            formats[AUDIO] = AacFormat(AAC_PT, plan.audio.sample_rate, plan.audio.channels)
    if plan.metadata is not None:
        formats[METADATA] = MetadataFormat(METADATA_PT)
    return formats


_PAYLOADERS = {
    H264Format: H264Payloader,
    H265Format: H265Payloader,
    JpegFormat: JpegPayloader,
    PcmuFormat: PcmuPayloader,
    AacFormat: AacPayloader,
    MetadataFormat: MetadataPayloader,
}


class Stream:
    def __init__(
        self,
        plan: StreamPlan,
        formats: dict[str, RtpFormat],
        *,
        make_source: Callable[[Stream], LiveSource],
        on_idle: Callable[[Stream], None],
        cname: str,
        rng: random.Random | None = None,
    ) -> None:
        self.plan = plan
        self.formats = formats
        self._make_source = make_source
        self._on_idle = on_idle
        rng = rng or random.Random()
        start = time.monotonic()
        self.start_time = start
        wall = time.time()
        self.senders = {
            name: TrackSender(
                name,
                fmt,
                _PAYLOADERS[type(fmt)](PayloaderConfig(fmt.payload_type), rng=rng),
                RtpClock(fmt.clock_rate, start, wall, rng),
                cname,
            )
            for name, fmt in formats.items()
        }
        self.viewers: list[Viewer] = []
        self.gop: list[OutFrame] = []
        self.source: LiveSource | None = None
        self.source_start: float | None = None  # monotonic instant the running source counts from
        self.warm_encoder = None  # opened before PLAY's reply, handed to the next source
        self.warming = None  # the future that opens it, shared by concurrent PLAYs
        self.ended: str | None = None
        # What the next frame each viewer would receive starts with: RTP-Info for a new viewer.
        self._next_sequence = {name: s.payloader.next_sequence_number for name, s in self.senders.items()}
        self._next_timestamp = {name: s.clock.base for name, s in self.senders.items()}

    # --- viewers --------------------------------------------------------------------------

    def starting_points(self) -> dict[str, tuple[int, int]]:
        """Per track, the (sequence, timestamp) a viewer attached now starts at: RTP-Info."""
        if self.source is None:
            # The source starts with this viewer: its first frames are stamped from this instant.
            self.source_start = time.monotonic()
            self._next_timestamp = {name: s.clock.rtp(self.source_start) for name, s in self.senders.items()}
        starts = {name: (self._next_sequence[name], self._next_timestamp[name]) for name in self.senders}
        if self.gop:
            first = self.gop[0]
            starts[VIDEO] = (first.first_sequence, first.timestamp)
        return starts

    def attach(self, viewer: Viewer) -> None:
        """Start sending to `viewer`: sender reports, the frames since the last key frame, then live."""
        if self.ended is not None:
            raise RuntimeError(self.ended)
        self.viewers.append(viewer)
        if self.source is None:
            if self.source_start is None:
                self.source_start = time.monotonic()
            self.source = self._make_source(self)
            self.source.start()
        now = time.monotonic()
        for track, sender in self.senders.items():
            # An early SR lets the client map RTP time to wall clock before the first frame.
            viewer.send_rtcp(track, sender.sender_report(now))
        for frame in self.gop:
            viewer.send(frame)

    def detach(self, viewer: Viewer) -> None:
        if viewer in self.viewers:
            self.viewers.remove(viewer)
        if not self.viewers:
            self.stop_source()
            self._on_idle(self)  # the next viewer gets a fresh stream, with the plan of its time

    def stop_source(self) -> None:
        if self.source is not None:
            self.source.stop()
            self.source = None
        self.source_start = None
        self.gop.clear()
        if self.warm_encoder is not None:
            self.warm_encoder.close()
            self.warm_encoder = None
        self.warming = None

    def end(self, reason: str) -> None:
        """The stream cannot go on (its profile changed codec or went away)."""
        self.ended = reason
        self.stop_source()
        viewers, self.viewers = self.viewers, []
        for viewer in viewers:
            viewer.stream_ended(reason)
        self._on_idle(self)

    # --- frames, on the event loop --------------------------------------------------------

    def deliver(self, frame: OutFrame) -> None:
        if self.source is None:
            return  # stopped while this frame was on its way
        if frame.track == VIDEO:
            if frame.keyframe:
                self.gop.clear()
            self.gop.append(frame)
        self._next_sequence[frame.track] = frame.next_sequence
        self._next_timestamp[frame.track] = frame.timestamp
        for viewer in self.viewers:
            viewer.send(frame)

    def send_reports(self) -> None:
        """RTCP sender reports to every viewer (the engine calls this every few seconds)."""
        if not self.viewers:
            return
        now = time.monotonic()
        for track, sender in self.senders.items():
            report = sender.sender_report(now)
            for viewer in self.viewers:
                viewer.send_rtcp(track, report)

    def request_keyframe(self) -> None:
        if self.source is not None:
            self.source.request_keyframe()
