"""Pictures as three NumPy planes, and their trips into and out of PyAV frames.

A picture is Y (H x W), U and V (H/2 x W/2), 8-bit, BT.601 limited range
(luma 16..235, chroma 16..240): what H.264 and H.265 streams carry unless they
signal otherwise, and what PyAV decodes them to. JPEG is full range (0..255),
so pictures bound for it are stretched on the way in (``Conversion.FULL_RANGE``).

PyAV frames may pad each row (``line_size`` > width), so a plane is copied
row-wise into, and viewed row-wise out of, the frame's own buffer: one copy in
(plus swscale's range stretch for JPEG), none out.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

import av
import numpy as np
from av.video.reformatter import ColorRange

Planes = tuple[np.ndarray, np.ndarray, np.ndarray]


class Conversion(Enum):
    """How an 8-bit limited-range picture becomes the encoder's input; the value is its format."""

    NONE = "yuv420p"
    FULL_RANGE = "yuvj420p"  # for JPEG: 16..235 stretched to 0..255
    TEN_BIT = "yuv420p10le"  # for H.265 Main10: the same range, two more bits


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
    buffer: np.ndarray = np.frombuffer(memoryview(plane), dtype)
    return buffer.reshape(plane.height, plane.line_size // itemsize)[:, : plane.width]


def frame_from_planes(
    planes: Sequence[np.ndarray], width: int, height: int, conversion: Conversion
) -> av.VideoFrame:
    """A new frame holding a copy of ``planes``, converted for the encoder."""
    if conversion is Conversion.TEN_BIT:
        frame = av.VideoFrame(width, height, conversion.value)
        for source, target in zip(planes, frame.planes):
            np.left_shift(source, 2, out=_rows(target, np.uint16), dtype=np.uint16)
        return frame
    frame = av.VideoFrame(width, height, "yuv420p")
    for source, target in zip(planes, frame.planes):
        _rows(target, np.uint8)[:] = source
    if conversion is Conversion.FULL_RANGE:
        # swscale stretches the range with SIMD, in half the time of a NumPy table lookup.
        return frame.reformat(
            format=conversion.value,
            src_color_range=ColorRange.MPEG,
            dst_color_range=ColorRange.JPEG,
        )
    return frame


def planes_of(frame: av.VideoFrame) -> Planes:
    """Views of a yuv420p frame's planes; they keep the frame's buffers alive."""
    if frame.format.name != "yuv420p":
        raise ValueError(f"expected a yuv420p frame, got {frame.format.name}")
    y, u, v = (_rows(plane, np.uint8) for plane in frame.planes)
    return y, u, v
