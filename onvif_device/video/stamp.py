"""A machine-readable stamp in the picture: frame number and capture time, read back after coding.

Theory of operation.  96 bits sit in a grid of ``ROWS`` x ``COLUMNS`` square
blocks in the top-right corner of the luma plane, one bit per block, black
(16) for 0 and white (235) for 1, with neutral chroma under them:

    4-bit magic | 32-bit frame number | 44-bit capture time in ms | 16-bit CRC

(44 bits of milliseconds last until the year 2527.)  Blocks are 8, 16 or 32
pixels as the frame's short side grows, and start on multiples of their own
size, so each lies inside whole 8x8 JPEG and 16x16 H.264 blocks: lossy coding
blurs the edges between blocks but keeps each block's mean.  The reader takes
the mean of each block's central half, away from the deblocked edges, and
gives up (None) when any block is too grey to call, the magic is wrong or the
CRC fails, so a damaged stamp never reads as a wrong number.

The top-right corner keeps clear of the caption at the bottom and the OSD
lines at the top left; the layout is a function of the frame size alone, so
the reader needs nothing but the decoded luma plane.
"""

from __future__ import annotations

import binascii
import math
from dataclasses import dataclass

import numpy as np

from .yuv import Plane, YuvFrame

ROWS, COLUMNS = 6, 16
MAGIC = 0b1011
BLACK, WHITE = 16, 235
# A block mean this close to mid-grey is no bit: coding damaged it (or there is no stamp).
_UNSURE = 0.25 * (WHITE - BLACK)

_FRAME_BITS, _TIME_BITS, _CRC_BITS = 32, 44, 16


@dataclass(frozen=True, slots=True)
class Stamp:
    frame_number: int
    capture_time: float  # Unix seconds, to the millisecond


def block_size(width: int, height: int) -> int:
    """Pixels per block side: bigger blocks for bigger frames, so the stamp stays readable."""
    short = min(width, height)
    return 8 if short < 720 else 16 if short < 1440 else 32


def stamp_box(width: int, height: int) -> tuple[int, int, int] | None:
    """Left, top and block size of the stamp in a frame of this size; None when it does not fit."""
    block = block_size(width, height)
    columns_free = width // block - COLUMNS
    if columns_free < 0 or height < ROWS * block:
        return None
    return columns_free * block, 0, block


def check_frame_number(frame_number: object) -> None:
    """Refuse what the stamp's 32 bits cannot hold (at 30 frames/s, 4.5 years of frames)."""
    if isinstance(frame_number, bool) or not isinstance(frame_number, int) or not 0 <= frame_number < 2**_FRAME_BITS:
        raise ValueError(f"frame_number must be an integer from 0 to 2**{_FRAME_BITS} - 1, got {frame_number!r}")


def write_stamp(frame: YuvFrame, frame_number: int, capture_time: float) -> None:
    """Burn the stamp into ``frame``'s planes, in place; ValueError when it cannot hold the values."""
    check_frame_number(frame_number)
    milliseconds = round(capture_time * 1000) if math.isfinite(capture_time) else -1
    if not 0 <= milliseconds < 2**_TIME_BITS:
        raise ValueError(f"capture_time must be Unix seconds from 0 to year 2527, got {capture_time!r}")
    box = stamp_box(frame.width, frame.height)
    if box is None:
        raise ValueError(f"a {frame.width}x{frame.height} frame is too small for the stamp")
    left, top, block = box

    payload = (MAGIC << (_FRAME_BITS + _TIME_BITS)) | (frame_number << _TIME_BITS) | milliseconds
    word = (payload << _CRC_BITS) | _crc(payload)
    bits = np.array([(word >> (ROWS * COLUMNS - 1 - i)) & 1 for i in range(ROWS * COLUMNS)], np.uint8)
    levels = np.where(bits.reshape(ROWS, COLUMNS) == 1, WHITE, BLACK).astype(np.uint8)
    frame.y[top : top + ROWS * block, left : left + COLUMNS * block] = np.kron(
        levels, np.ones((block, block), np.uint8)
    )
    half = block // 2
    for chroma in (frame.u, frame.v):
        chroma[top // 2 : top // 2 + ROWS * half, left // 2 : left // 2 + COLUMNS * half] = 128


def read_stamp(y: Plane) -> Stamp | None:
    """The stamp in a (decoded) luma plane, or None when there is none or it is damaged."""
    if y.ndim != 2:
        return None
    height, width = y.shape
    box = stamp_box(width, height)
    if box is None:
        return None
    left, top, block = box
    grid = y[top : top + ROWS * block, left : left + COLUMNS * block].reshape(ROWS, block, COLUMNS, block)
    inner = slice(block // 4, block - block // 4)
    means = grid[:, inner, :, inner].mean(axis=(1, 3), dtype=np.float64)
    middle = (WHITE + BLACK) / 2
    if np.any(np.abs(means - middle) < _UNSURE):
        return None
    word = 0
    for bit in (means.ravel() > middle):
        word = (word << 1) | int(bit)
    payload, crc = word >> _CRC_BITS, word & (2**_CRC_BITS - 1)
    if payload >> (_FRAME_BITS + _TIME_BITS) != MAGIC or _crc(payload) != crc:
        return None
    frame_number = (payload >> _TIME_BITS) & (2**_FRAME_BITS - 1)
    milliseconds = payload & (2**_TIME_BITS - 1)
    return Stamp(frame_number, milliseconds / 1000)


def _crc(payload: int) -> int:
    """CRC-16/CCITT of the 80-bit payload: any 1- to 3-bit error and any burst up to 16 bits is caught."""
    return binascii.crc_hqx(payload.to_bytes(10, "big"), 0xFFFF)
