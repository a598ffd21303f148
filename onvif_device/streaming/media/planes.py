"""Pictures as three NumPy planes, and their trips into and out of PyAV frames.

A picture is Y (H x W), U and V (H/2 x W/2), 8-bit, BT.601 limited range
(luma 16..235, chroma 16..240): what H.264 and H.265 streams carry unless they
signal otherwise, and what PyAV decodes them to. JPEG is full range (0..255),
so pictures bound for it are stretched on the way in (``FULL_RANGE``).

PyAV frames may pad each row (``line_size`` > width), so a plane is copied
row-wise into, and viewed row-wise out of, the frame's own buffer: one copy in,
none out.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

import av
import numpy as np

Planes = tuple[np.ndarray, np.ndarray, np.ndarray]


def _stretch(low: int, high: int) -> np.ndarray:
    """A lookup table mapping ``low..high`` onto 0..255, clipping outside."""
    values = (np.arange(256) - low) * 255 / (high - low)
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


class Conversion(Enum):
    """How an 8-bit limited-range plane becomes the encoder's sample."""

    NONE = "none"
    FULL_RANGE = "full range"  # for JPEG (yuvj420p)
    TEN_BIT = "10-bit"  # for H.265 Main10 (yuv420p10le): same range, two more bits


_FULL_RANGE_TABLES = (_stretch(16, 235), _stretch(16, 240), _stretch(16, 240))


def check_planes(planes: Sequence[np.ndarray], width: int, height: int) -> None:
    """Raise ValueError naming the first plane whose shape or type is not 4:2:0 at this size."""
    if len(planes) != 3:
        raise ValueError(f"expected 3 planes (Y, U, V), got {len(planes)}")
    expected = ((height, width), (height // 2, width // 2), (height // 2, width // 2))
    for name, plane, shape in zip("YUV", planes, expected):
        if plane.dtype != np.uint8 or plane.shape != shape:
            raise ValueError(
                f"plane {name} must be uint8 {shape[0]}x{shape[1]},"
                f" got {plane.dtype} {'x'.join(map(str, plane.shape))}"
            )


def _rows(plane: av.video.plane.VideoPlane, dtype: type) -> np.ndarray:
    """The plane's visible samples as a (height, width) view of the frame's buffer."""
    itemsize = np.dtype(dtype).itemsize
    buffer = np.frombuffer(plane, dtype)
    return buffer.reshape(plane.height, plane.line_size // itemsize)[:, : plane.width]


def frame_from_planes(
    planes: Sequence[np.ndarray], width: int, height: int, pix_fmt: str, conversion: Conversion
) -> av.VideoFrame:
    """A new frame holding a copy of ``planes``, converted for the encoder."""
    frame = av.VideoFrame(width, height, pix_fmt)
    for index, (source, target) in enumerate(zip(planes, frame.planes)):
        if conversion is Conversion.TEN_BIT:
            np.left_shift(source, 2, out=_rows(target, np.uint16), dtype=np.uint16)
        elif conversion is Conversion.FULL_RANGE:
            np.take(_FULL_RANGE_TABLES[index], source, out=_rows(target, np.uint8), mode="clip")
        else:
            _rows(target, np.uint8)[:] = source
    return frame


def planes_of(frame: av.VideoFrame) -> Planes:
    """Views of a yuv420p frame's planes; they keep the frame's buffers alive."""
    if frame.format.name != "yuv420p":
        raise ValueError(f"expected a yuv420p frame, got {frame.format.name}")
    y, u, v = (_rows(plane, np.uint8) for plane in frame.planes)
    return y, u, v
