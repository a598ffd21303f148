"""Milliseconds per YUV frame from SceneRenderer, the picture of every RTSP stream.

    python benchmarks/scene_render.py [--frames 200]

Renders consecutive frames 40 ms apart (25 fps) with one OSD line and one
privacy mask (Color, a quarter of the picture) at 1080p, 720p and 360p, at
zoom 0 (a crop of the panorama), zoom 0.5 (a bilinear resize by swscale) and
turned over by EFlip, then at zoom 0 with the looks imaging settings give
(tone and colour, night, defocus, sharpening), and prints the median and the
best per frame, and the frames per second the median allows on one core.
Building a size's panorama happens in the SceneRenderer constructor and is
timed separately.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from onvif_device.video import MaskSpec, SceneRenderer
from onvif_device.video.look import Look

SIZES = [("1080p", 1920, 1080), ("720p", 1280, 720), ("360p", 640, 360)]
VIEWS = [
    ("zoom 0", {"pan": 0.3, "tilt": 0.1}),
    ("zoom 0.5", {"pan": -0.4, "tilt": -0.2, "zoom": 0.5}),
    ("flipped", {"pan": 0.3, "tilt": 0.1, "flipped": True}),
    ("tone", {"pan": 0.3, "look": Look(brightness=20.0, contrast=1.3, saturation=0.6)}),
    ("night", {"pan": 0.3, "look": Look(monochrome=True)}),
    ("defocus", {"pan": 0.3, "look": Look(blur=0.02)}),
    ("sharpen", {"pan": 0.3, "look": Look(sharpen=1.0)}),
]
START = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
OVERLAY = ["Entrance 2024-01-01 13:00:00"]


def quarter_mask(width: int, height: int) -> MaskSpec:
    """A colour mask over the lower right quarter of the picture."""
    w, h = width / 2, height / 2
    return MaskSpec("Color", ((w, h), (width, h), (width, height), (w, height)), (0, 0, 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    args = parser.parse_args()

    for name, width, height in SIZES:
        began = time.perf_counter()
        renderer = SceneRenderer(width, height, "Bench camera")
        print(f"{name} {width}x{height}: SceneRenderer() {(time.perf_counter() - began) * 1000:.0f} ms")
        masks = [quarter_mask(width, height)]
        for label, ptz in VIEWS:
            times = []
            for i in range(args.frames):
                began = time.perf_counter()
                renderer.render(START + timedelta(milliseconds=40 * i), i, overlay=OVERLAY, masks=masks, **ptz)
                times.append((time.perf_counter() - began) * 1000)
            median = statistics.median(times)
            print(f"  {label:8} median {median:5.2f} ms   best {min(times):5.2f} ms   {1000 / median:5.0f} frames/s")


if __name__ == "__main__":
    main()
