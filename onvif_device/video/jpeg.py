"""JPEG encoding for snapshots and RTP/JPEG streams.

RFC 2435 can carry only baseline (SOF0) JPEGs with 2x1 or 2x2 luma sampling
and, without the ONVIF header extension, the standard Huffman tables, so this
encoder fixes those choices instead of leaving them to Pillow's defaults:
4:2:0, not progressive, and ``optimize=False`` (optimized Huffman tables
would differ from the standard ones an RTP receiver rebuilds).
"""

from __future__ import annotations

import io

from PIL import Image


def encode_jpeg(image: Image.Image, quality: int) -> bytes:
    """``image`` as a baseline 4:2:0 JPEG at ``quality`` (1 to 100)."""
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality must be an integer from 1 to 100, got {quality!r}")
    if image.mode != "RGB":
        image = image.convert(
            "RGB"
        )  # greyscale or CMYK JPEGs are not RTP-able; alpha is not JPEG-able
    out = io.BytesIO()
    image.save(
        out, format="JPEG", quality=quality, subsampling="4:2:0", optimize=False, progressive=False
    )
    return out.getvalue()
