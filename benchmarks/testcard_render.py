"""Milliseconds per test-card frame, and per JPEG encode of it.

    python benchmarks/testcard_render.py [--frames 100]

Renders consecutive frames 40 ms apart (25 fps, two OSD lines) at 5 MP,
1080p, 720p and 360p, once looking straight at the scene (zoom 1: a crop,
except at 5 MP, which is upscaled) and once zoomed in (a bilinear resize),
and prints the median and the worst.  Building a size's panorama happens in
the TestCard constructor and is timed separately.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from onvif_device.video import TestCard, encode_jpeg  # noqa: E402

SIZES = [("5MP", 2592, 1944), ("1080p", 1920, 1080), ("720p", 1280, 720), ("360p", 640, 360)]
VIEWS = [
    ("zoom 1", {"pan": 0.3, "tilt": 0.1}),
    ("zoom 2.5", {"pan": -0.4, "tilt": -0.2, "zoom": 2.5}),
]
START = datetime(2024, 1, 1, 12, 0, 0)
OVERLAY = ["Entrance", "Motion: none"]


def summary(milliseconds: list[float]) -> str:
    return f"{statistics.median(milliseconds):6.2f} ms (worst {max(milliseconds):6.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100)
    args = parser.parse_args()

    for name, width, height in SIZES:
        began = time.perf_counter()
        card = TestCard(width, height, "Bench camera")
        print(f"{name} {width}x{height}: TestCard() {(time.perf_counter() - began) * 1000:.0f} ms")
        for label, ptz in VIEWS:
            renders, encodes = [], []
            for i in range(args.frames):
                began = time.perf_counter()
                frame = card.render(START + timedelta(milliseconds=40 * i), overlay=OVERLAY, **ptz)
                rendered = time.perf_counter()
                encode_jpeg(frame, 80)
                renders.append((rendered - began) * 1000)
                encodes.append((time.perf_counter() - rendered) * 1000)
            print(f"  {label:8} render {summary(renders)}   jpeg q80 {summary(encodes)}")


if __name__ == "__main__":
    main()
