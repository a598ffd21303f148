"""Encoding pictures for a video stream: settings in, access units for the payloaders out.

One ``VideoEncoder`` per stream, used from one worker thread: it is not
thread-safe, but PyAV releases the GIL while the codec works, so encoding runs
beside the event loop. Frames come out in order with no delay (one picture in,
one access unit out), each stamped with the caller's presentation time.
H.264/H.265 access units are bare NAL units, key frames preceded by their
parameter sets; JPEG frames are whole baseline files RFC 2435 can carry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import av
import numpy as np
from av.video.codeccontext import VideoCodecContext

from onvif_device.streaming.rtp import split_annexb

from .codec_setup import open_codec
from .jpeg_chroma_table import with_chroma_table
from .nal_units import parameter_sets, with_parameter_sets
from .planes import check_planes, frame_from_planes

_PROFILES: dict[str, tuple[str, ...]] = {
    "H264": ("Baseline", "Main", "Extended", "High"),
    "H265": ("Main", "Main10"),
    "JPEG": (),
}


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class VideoSettings:
    """What a stream's encoder produces (from the profile's video encoder configuration).

    ``profile`` is None for the codec's default (Main) and always None for JPEG.
    H.264 "Extended" is encoded as Baseline (libx264 has no Extended), and
    H.265 "Main10" as Main when libx265 lacks a 10-bit build. ``quality``
    (ONVIF, 0..100) sets the JPEG q-scale, and the CRF of variable-bitrate
    H.264/H.265, where ``bitrate_kbps`` is then only a cap.
    """

    codec: str
    width: int
    height: int
    fps: float
    bitrate_kbps: int
    gop: int
    profile: str | None = None
    quality: float = 50.0
    constant_bitrate: bool = False

    def __post_init__(self) -> None:
        if self.codec not in _PROFILES:
            raise ValueError(f"codec must be H264, H265 or JPEG, got {self.codec!r}")
        for name in ("width", "height"):
            value = getattr(self, name)
            if not _whole(value) or value <= 0 or value % 2:
                raise ValueError(f"{name} must be a positive even number, got {value!r}")
        if (
            isinstance(self.fps, bool)
            or not isinstance(self.fps, int | float)
            or not 0 < self.fps <= 240
        ):
            raise ValueError(f"fps must be above 0 and at most 240, got {self.fps!r}")
        if not _whole(self.bitrate_kbps) or self.bitrate_kbps <= 0:
            raise ValueError(f"bitrate_kbps must be a positive integer, got {self.bitrate_kbps!r}")
        if not _whole(self.gop) or self.gop <= 0:
            raise ValueError(f"gop must be a positive integer, got {self.gop!r}")
        if self.profile is not None and self.profile not in _PROFILES[self.codec]:
            allowed = ", ".join(_PROFILES[self.codec]) or "none"
            raise ValueError(f"profile {self.profile!r} is not one of {self.codec}'s ({allowed})")
        if (
            isinstance(self.quality, bool)
            or not isinstance(self.quality, int | float)
            or not 0 <= self.quality <= 100
        ):
            raise ValueError(f"quality must be within 0..100, got {self.quality!r}")


@dataclass(frozen=True, slots=True)
class EncodedVideo:
    """One access unit: H.264/H.265 NAL units without start codes, or one JPEG file."""

    pts: int  # 90 kHz presentation time, as the caller gave it
    keyframe: bool
    units: tuple[bytes, ...]


class VideoEncoder:
    """Encodes yuv420p pictures (three uint8 planes, BT.601 limited range)."""

    def __init__(self, settings: VideoSettings) -> None:
        self.settings = settings
        opened = open_codec(settings)
        self._context: VideoCodecContext | None = opened.context
        self._conversion = opened.conversion
        self.profile = opened.profile  # what is encoded, which may differ from the request
        self._parameter_sets: tuple[bytes, ...] = ()
        if settings.codec != "JPEG":
            self._parameter_sets = parameter_sets(
                settings.codec, split_annexb(opened.context.extradata or b"")
            )
        self._next_index = 0
        self._pts_by_index: dict[int, int] = {}  # frames inside the encoder
        self._keyframe_requested = False

    @property
    def parameter_sets(self) -> tuple[bytes, ...]:
        """VPS (H.265), SPS and PPS, known from construction on; empty for JPEG."""
        return self._parameter_sets

    def request_keyframe(self) -> None:
        """Make the next picture an IDR frame (SetSynchronizationPoint, a new viewer)."""
        self._keyframe_requested = True

    def encode(self, planes: Sequence[np.ndarray], pts: int) -> list[EncodedVideo]:
        context = self._context
        if context is None:
            raise RuntimeError("video encoder is closed")
        settings = self.settings
        check_planes(planes, settings.width, settings.height)
        frame = frame_from_planes(planes, settings.width, settings.height, self._conversion)
        # The codec sees frame numbers, which its rate control expects to be regular;
        # the caller's timestamps wait here until their frame comes out.
        frame.pts = self._next_index
        self._pts_by_index[self._next_index] = pts
        self._next_index += 1
        if self._keyframe_requested:
            frame.pict_type = av.video.frame.PictureType.I
            self._keyframe_requested = False
        return [self._encoded(packet) for packet in context.encode(frame)]

    def _encoded(self, packet: av.Packet[Any]) -> EncodedVideo:
        # Frames leave in order: an unstamped packet is the oldest frame inside.
        index = packet.pts if packet.pts is not None else min(self._pts_by_index)
        pts = self._pts_by_index.pop(index)
        data = bytes(packet)
        codec = self.settings.codec
        if codec == "JPEG":
            return EncodedVideo(pts, True, (with_chroma_table(data),))
        units: Sequence[bytes] = split_annexb(data)
        if packet.is_keyframe:
            units = with_parameter_sets(codec, units, self._parameter_sets)
        return EncodedVideo(pts, packet.is_keyframe, tuple(units))

    def close(self) -> None:
        """Free the codec; frames still inside it are dropped (a live stream needs no flush)."""
        self._context = None
        self._pts_by_index.clear()
