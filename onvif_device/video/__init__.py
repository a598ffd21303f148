"""The camera's picture: a synthetic test card, shared by snapshots and streams.

``SceneRenderer`` draws it in YUV 4:2:0 for encoders (and snapshots, through
``YuvFrame.to_image``); ``TestCard`` draws the same scene with Pillow in RGB.
"""

from .jpeg import encode_jpeg
from .scene import MAX_ZOOM, MaskSpec, SceneRenderer, paint_mask, zoom_factor
from .stamp import Stamp, read_stamp, write_stamp
from .testcard import TestCard
from .yuv import YuvFrame, rgb_to_ycbcr, rgb_to_yuv

__all__ = [
    "MAX_ZOOM",
    "MaskSpec",
    "SceneRenderer",
    "Stamp",
    "TestCard",
    "YuvFrame",
    "encode_jpeg",
    "paint_mask",
    "read_stamp",
    "rgb_to_ycbcr",
    "rgb_to_yuv",
    "write_stamp",
    "zoom_factor",
]
