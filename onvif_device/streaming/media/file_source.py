"""A video file played as a live source, looping forever.

``packets()`` hands the file's own access units to the payloaders (no
re-encoding) when its codec is the stream's; ``frames()`` decodes it to
pictures for an encoder when it is not. Both loop the file with timestamps that
keep increasing: each pass starts one frame after the previous pass's last
frame, and the first starts at 0 (90 kHz).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from av.video.reformatter import ColorRange

from .jpeg_chroma_table import with_chroma_table
from .nal_units import (
    DecoderConfig,
    decoder_config,
    with_parameter_sets,
    without_delimiters,
)
from .planes import Planes, planes_of
from .video_encoder import EncodedVideo

_CODECS = {"h264": "H264", "hevc": "H265", "mjpeg": "JPEG"}
_CLOCK_RATE = 90000


class MediaFileError(ValueError):
    """A file that cannot be played: unreadable, not media, or without video."""


@dataclass(frozen=True, slots=True)
class FileInfo:
    codec: str  # "H264", "H265", "JPEG", or FFmpeg's name for any other codec
    width: int
    height: int
    fps: float


class _Timeline:
    """Turns each pass's stream timestamps into one 90 kHz timeline that keeps rising."""

    def __init__(self, time_base: Fraction, fps: float) -> None:
        self._scale = time_base * _CLOCK_RATE
        self._frame = round(_CLOCK_RATE / fps)
        self._offset = 0  # where the current pass starts
        self._first: int | None = None  # the pass's first stream timestamp
        self._last = -self._frame  # the latest 90 kHz time handed out

    def new_pass(self) -> None:
        self._offset = self._last + self._frame
        self._first = None

    def at(self, stream_pts: int | None) -> int:
        if stream_pts is None:  # an untimed frame: one frame after the last
            self._last += self._frame
            return self._last
        if self._first is None:
            self._first = stream_pts
        pts = self._offset + round((stream_pts - self._first) * self._scale)
        self._last = max(self._last, pts)
        return pts


class FileSource:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._open_containers: set[av.container.InputContainer] = set()
        container, stream = self._open()
        try:
            context = stream.codec_context
            rate = stream.average_rate or stream.guessed_rate or stream.base_rate
            self.info = FileInfo(
                codec=_CODECS.get(context.name, context.name),
                width=context.width,
                height=context.height,
                fps=float(rate) if rate else 25.0,
            )
            self._time_base = stream.time_base or Fraction(1, _CLOCK_RATE)
            self._config = DecoderConfig((), None)
            if self.info.codec in ("H264", "H265"):
                self._config = decoder_config(self.info.codec, bytes(context.extradata or b""))
        except ValueError as error:
            raise MediaFileError(f"{self.path}: {error}") from None
        finally:
            self._close(container)

    @property
    def parameter_sets(self) -> tuple[bytes, ...]:
        """VPS (H.265), SPS and PPS from the file's header; empty when it has none there."""
        return self._config.parameter_sets

    def _open(self) -> tuple[av.container.InputContainer, av.video.stream.VideoStream]:
        try:
            container = av.open(str(self.path))
        except (OSError, av.FFmpegError) as error:
            raise MediaFileError(f"{self.path}: cannot open: {error}") from None
        if not container.streams.video:
            container.close()
            raise MediaFileError(f"{self.path}: no video stream")
        self._open_containers.add(container)
        return container, container.streams.video[0]

    def _close(self, container: av.container.InputContainer) -> None:
        self._open_containers.discard(container)
        container.close()

    def _passes(self) -> Iterator[tuple[av.container.InputContainer, av.video.stream.VideoStream]]:
        """The file opened afresh for each pass (seeking back is unreliable in TS)."""
        while True:
            container, stream = self._open()
            try:
                yield container, stream
            finally:
                self._close(container)

    def packets(self) -> Iterator[EncodedVideo]:
        """The file's access units, forever; H.264/H.265 key frames carry their parameter sets."""
        codec = self.info.codec
        if codec not in ("H264", "H265", "JPEG"):
            raise MediaFileError(
                f"{self.path}: {codec} cannot be streamed as is; decode it with frames()"
            )
        timeline = _Timeline(self._time_base, self.info.fps)
        for container, stream in self._passes():
            timeline.new_pass()
            sent = 0
            for packet in container.demux(stream):
                if packet.size == 0:  # the demuxer's end-of-stream marker
                    continue
                pts = timeline.at(packet.pts if packet.pts is not None else packet.dts)
                try:
                    unit = self._unit(bytes(packet), packet.is_keyframe, pts)
                except ValueError as error:  # a malformed length prefix or start code
                    raise MediaFileError(f"{self.path}: {error}") from None
                yield unit
                sent += 1
            if not sent:
                raise MediaFileError(f"{self.path}: no video packets")

    def _unit(self, data: bytes, keyframe: bool, pts: int) -> EncodedVideo:
        codec = self.info.codec
        if codec == "JPEG":
            return EncodedVideo(pts, True, (with_chroma_table(data),))
        units = without_delimiters(codec, self._config.units(data))
        if keyframe:
            return EncodedVideo(
                pts, True, with_parameter_sets(codec, units, self._config.parameter_sets)
            )
        return EncodedVideo(pts, False, tuple(units))

    def frames(
        self, width: int | None = None, height: int | None = None
    ) -> Iterator[tuple[Planes, int]]:
        """Decoded pictures, forever: yuv420p limited range, at ``width`` x ``height`` if given.

        The planes are views into the decoded frame, valid until the caller drops them.
        """
        if (width is None) != (height is None):
            raise ValueError("give both width and height, or neither")
        if (
            width is not None
            and height is not None
            and (width <= 0 or height <= 0 or width % 2 or height % 2)
        ):
            raise ValueError(f"target size must be positive and even, got {width}x{height}")
        timeline = _Timeline(self._time_base, self.info.fps)
        for container, stream in self._passes():
            timeline.new_pass()
            stream.thread_type = "AUTO"
            decoded = 0
            try:
                for frame in container.decode(stream):
                    pts = timeline.at(frame.pts)
                    yield planes_of(_yuv420p(frame, width, height)), pts
                    decoded += 1
            except av.FFmpegError as error:
                raise MediaFileError(f"{self.path}: cannot decode: {error}") from None
            if not decoded:
                raise MediaFileError(f"{self.path}: no video frames")

    def close(self) -> None:
        """Close the files that unfinished iterators hold open."""
        for container in list(self._open_containers):
            self._close(container)


def _yuv420p(frame: av.VideoFrame, width: int | None, height: int | None) -> av.VideoFrame:
    """The frame as limited-range yuv420p at the given size (itself when it already is)."""
    full_range = frame.format.name.startswith("yuvj") or frame.color_range == ColorRange.JPEG
    same_size = width is None or (frame.width, frame.height) == (width, height)
    if frame.format.name == "yuv420p" and not full_range and same_size:
        return frame
    return frame.reformat(
        width=width,
        height=height,
        format="yuv420p",
        src_color_range=ColorRange.JPEG if full_range else ColorRange.MPEG,
        dst_color_range=ColorRange.MPEG,
    )
