"""What the imaging settings do to a picture: a `Look`, applied to YUV planes after the scene is drawn.

Theory of operation.  A look is a handful of numbers the camera model
derives from its imaging settings (brightness, contrast, exposure, day/night,
white balance, focus); `apply_look` turns them into cheap array operations,
so a 1080p stream at 25 fps pays a few milliseconds per frame, and nothing
at all for the identity look, which is what a camera at its factory settings
shows:

- the tone settings become one 256-entry table for luma (built once per
  distinct look and cached), applied with `np.take`: exposure scales the
  light above black, backlight compensation and wide dynamic range bend the
  tone curve, contrast stretches around mid-grey, brightness shifts;
- colour becomes a table for each chroma plane: saturation scales U and V
  around neutral (128), white balance shifts them, and a monochrome picture
  (the IR cut filter out, at night) is neutral chroma throughout;
- defocus blurs all three planes by shrinking them (an area average) and
  scaling them back up bilinearly in swscale, which costs the same for any
  radius; a light unsharp mask on luma sharpens, with the same blur as base.

Values stay inside the limited range (Y 16..235, U and V 16..240).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from .yuv import Plane, YuvFrame, plane_view

_LUMA_LOW, _LUMA_HIGH = 16, 235
_CHROMA_LOW, _CHROMA_HIGH = 16, 240
_NEUTRAL = 128
_MIN_BLUR_PIXELS = 1.25  # a shrink by less than this changes nothing visible
_SHARPEN_PIXELS = 2.0  # the unsharp mask's blur, in pixels of the frame


@dataclass(frozen=True, slots=True)
class Look:
    """How the picture differs from the scene; `Look()` changes nothing.

    brightness: luma offset in levels (about -60..60).
    contrast: gain around mid-grey (1 = none).
    exposure: gain on the light above black, as the sensor sees it (1 = correctly exposed).
    shadows: 0..1, lifts dark tones (backlight compensation).
    compress: 0..1, pulls dark and bright tones towards the middle (wide dynamic range).
    saturation: chroma gain around neutral (1 = none, 0 = grey).
    monochrome: no colour at all (night mode).
    cb_shift, cr_shift: U and V offsets in levels (manual white balance).
    blur: defocus, the blur's size as a fraction of the picture height (0 = sharp).
    sharpen: unsharp-mask amount on luma (0 = none, 1 = strong).
    """

    brightness: float = 0.0
    contrast: float = 1.0
    exposure: float = 1.0
    shadows: float = 0.0
    compress: float = 0.0
    saturation: float = 1.0
    monochrome: bool = False
    cb_shift: float = 0.0
    cr_shift: float = 0.0
    blur: float = 0.0
    sharpen: float = 0.0

    @property
    def is_identity(self) -> bool:
        return self == _IDENTITY

    @property
    def changes_tone(self) -> bool:
        return (self.brightness, self.contrast, self.exposure, self.shadows, self.compress) != (0.0, 1.0, 1.0, 0.0, 0.0)

    @property
    def changes_colour(self) -> bool:
        return self.monochrome or (self.saturation, self.cb_shift, self.cr_shift) != (1.0, 0.0, 0.0)


_IDENTITY = Look()


def apply_look(frame: YuvFrame, look: Look) -> YuvFrame:
    """``frame`` with ``look`` applied: the same frame, changed in place, when its planes are writable.

    A frame with a read-only plane (a view of a cached picture) is left alone and a
    changed copy returned, so callers should use the result.
    """
    if look.is_identity:
        return frame
    if not all(plane.flags.writeable for plane in frame.planes):
        frame = YuvFrame(frame.width, frame.height, *(plane.copy() for plane in frame.planes))
    pixels = look.blur * frame.height
    if pixels >= _MIN_BLUR_PIXELS:
        _defocus(frame, pixels)
    if look.sharpen > 0.0:
        _sharpen(frame.y, look.sharpen)
    if look.changes_tone:
        _map(frame.y, _luma_table(look.exposure, look.shadows, look.compress, look.contrast, look.brightness))
    if look.monochrome:
        frame.u.fill(_NEUTRAL)
        frame.v.fill(_NEUTRAL)
    elif look.changes_colour:
        _map(frame.u, _chroma_table(look.saturation, look.cb_shift))
        _map(frame.v, _chroma_table(look.saturation, look.cr_shift))
    return frame


def tone(look: Look, level: int) -> int:
    """The luma level `level` (16..235) comes out as under `look`'s tone settings."""
    if not look.changes_tone:
        return level
    return int(_luma_table(look.exposure, look.shadows, look.compress, look.contrast, look.brightness)[level])


def _map(plane: Plane, table: np.ndarray) -> None:
    # np.take into a new array and a copy back: faster than take(out=) on the same array or fancy indexing.
    np.copyto(plane, np.take(table, plane))


@lru_cache(maxsize=64)
def _luma_table(exposure: float, shadows: float, compress: float, contrast: float, brightness: float) -> np.ndarray:
    span = _LUMA_HIGH - _LUMA_LOW
    level = np.clip((np.arange(256, dtype=np.float64) - _LUMA_LOW) / span, 0.0, None)
    level = np.clip(level * exposure, 0.0, 1.0)  # the sensor saturates
    if shadows > 0.0:
        level = level ** (1.0 / (1.0 + 1.5 * shadows))
    if compress > 0.0:
        # Dark tones up, bright ones down, black, mid-grey and white kept: monotonic while the
        # amplitude stays under 1/(2 pi).
        level = level + 0.12 * compress * np.sin(2.0 * np.pi * level)
    level = 0.5 + (level - 0.5) * contrast
    values = _LUMA_LOW + level * span + brightness
    table: np.ndarray = np.clip(np.rint(values), _LUMA_LOW, _LUMA_HIGH).astype(np.uint8)
    table.flags.writeable = False
    return table


@lru_cache(maxsize=64)
def _chroma_table(saturation: float, shift: float) -> np.ndarray:
    values = _NEUTRAL + (np.arange(256, dtype=np.float64) - _NEUTRAL) * saturation + shift
    table: np.ndarray = np.clip(np.rint(values), _CHROMA_LOW, _CHROMA_HIGH).astype(np.uint8)
    table.flags.writeable = False
    return table


# --- blur and sharpen, with swscale ---------------------------------------------------------

# Reformatters keep their swscale context (costly to set up) but must not be shared by threads;
# one for shrinking and one for growing, so neither is rebuilt on every call.
_per_thread = threading.local()


def _reformatters() -> tuple[VideoReformatter, VideoReformatter]:
    pair = getattr(_per_thread, "pair", None)
    if pair is None:
        pair = _per_thread.pair = (VideoReformatter(), VideoReformatter())
    return pair


def _shrunk_size(width: int, height: int, factor: float) -> tuple[int, int]:
    return max(2, int(width / factor) // 2 * 2), max(2, int(height / factor) // 2 * 2)


def _soften(source: av.VideoFrame, factor: float) -> av.VideoFrame:
    shrink, grow = _reformatters()
    width, height = _shrunk_size(source.width, source.height, factor)
    small = shrink.reformat(source, width=width, height=height, interpolation="AREA")
    return grow.reformat(small, width=source.width, height=source.height, interpolation="BILINEAR")


def _defocus(frame: YuvFrame, pixels: float) -> None:
    """Blur all three planes by about ``pixels`` (the shrink factor)."""
    soft = _soften(frame.to_video_frame(), min(pixels, frame.height / 4))
    for plane, target in zip(soft.planes, frame.planes):
        np.copyto(target, plane_view(plane))


def _sharpen(luma: Plane, amount: float) -> None:
    """Unsharp mask: add back ``amount`` times the difference from a blurred copy."""
    source = av.VideoFrame.from_ndarray(np.ascontiguousarray(luma), format="gray")
    base = plane_view(_soften(source, _SHARPEN_PIXELS).planes[0])
    detail = luma.astype(np.int16)
    detail -= base
    weight = round(amount * 16)
    detail *= weight
    detail >>= 4  # fixed point: numpy's int16 arithmetic is several times faster than float
    detail += luma
    np.clip(detail, _LUMA_LOW, _LUMA_HIGH, out=detail)
    np.copyto(luma, detail, casting="unsafe")
