"""Test pictures and decoders for the media tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import av
import numpy as np

from onvif_device.streaming.rtp import join_annexb

DECODERS = {"H264": "h264", "H265": "hevc", "JPEG": "mjpeg"}


def picture(width: int, height: int, index: int = 0, noise: int = 0) -> tuple[np.ndarray, ...]:
    """A drifting gradient with a bright box, limited range, optionally grainy."""
    columns = np.arange(width)[None, :]
    rows = np.arange(height)[:, None]
    y = 16 + (columns + rows + 7 * index) % 220
    box = (13 * index) % max(1, width - height // 4)
    y[height // 3 : height // 3 + height // 4, box : box + height // 4] = 235
    if noise:
        grain = np.random.default_rng(index).integers(-noise, noise + 1, y.shape)
        y = np.clip(y + grain, 16, 235)
    u = np.full((height // 2, width // 2), 100, np.uint8)
    v = np.repeat((150 + np.arange(width // 2) // 16)[None, :], height // 2, axis=0)
    return y.astype(np.uint8), u, v.astype(np.uint8)


def luma(frame: av.VideoFrame) -> np.ndarray:
    """A decoded frame's Y plane as 8-bit limited range, whatever its format."""
    if frame.format.name == "yuv420p10le":
        return (frame.to_ndarray(format="yuv420p10le")[: frame.height] >> 2).astype(np.uint8)
    if frame.format.name == "yuvj420p":  # full range back to limited, for comparison
        full = frame.to_ndarray()[: frame.height].astype(np.float64)
        return np.rint(16 + full * 219 / 255).astype(np.uint8)
    return frame.to_ndarray()[: frame.height]


def decode(codec: str, access_units: Iterable[Sequence[bytes]]) -> list[av.VideoFrame]:
    """Decode access units (bare NAL units, or one JPEG) strictly: any bitstream error raises."""
    context = av.CodecContext.create(DECODERS[codec], "r")
    context.options = {"err_detect": "explode"}
    frames = []
    for units in access_units:
        data = units[0] if codec == "JPEG" else join_annexb(list(units))
        frames += context.decode(av.Packet(data))
    frames += context.decode(None)
    assert not any(frame.is_corrupt for frame in frames)
    return frames
