"""What encoding a live stream costs: frames per second and ms per frame, per codec and size.

    python benchmarks/encode_cost.py [--frames 100] [--repeat 3] [--grain 0]

Feeds NumPy yuv420p pictures (a drifting gradient with a moving box, like the
test card's smooth scene; ``--grain N`` adds +-N of noise, the worst case for
the H.264/H.265 encoders; rendered before timing) to ``VideoEncoder`` as the streaming engine does: libx264 ultrafast +
zerolatency, libx265 ultrafast + zerolatency, FFmpeg's MJPEG. Each case runs
``--repeat`` times; the median run is printed with the best, plus the share of
one core a 25 fps stream takes (ms per frame x 25 / 1000). The encoders run
threads of their own, so the CPU time they burn per frame, all threads added
up (``process_time``), is printed too: that is what limits streams per machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from onvif_device.streaming.media import VideoEncoder, VideoSettings

SIZES = [("720p", 1280, 720, 4000), ("1080p", 1920, 1080, 8000)]
CODECS = [("libx264", "H264", "Main"), ("libx265", "H265", "Main"), ("mjpeg", "JPEG", None)]
LIVE_FPS = 25


def pictures(width: int, height: int, count: int, grain: int) -> list[tuple[np.ndarray, ...]]:
    """``count`` distinct pictures, so the encoders cannot coast on repeats."""
    rng = np.random.default_rng(0)
    base = (np.arange(width)[None, :] + np.arange(height)[:, None]) % 220 + 16
    side = height // 5
    result = []
    for index in range(count):
        y = np.roll(base, 4 * index, axis=1)
        x = (16 * index) % (width - side)
        y[height // 2 - side // 2 : height // 2 + side // 2, x : x + side] = 235
        if grain:
            y = y + rng.integers(-grain, grain + 1, (height, width))
        u = np.full((height // 2, width // 2), 110, np.uint8)
        v = np.full((height // 2, width // 2), 150, np.uint8)
        result.append((np.clip(y, 16, 235).astype(np.uint8), u, v))
    return result


def run(settings: VideoSettings, frames: list[tuple[np.ndarray, ...]]) -> tuple[float, float]:
    """Wall and CPU seconds to encode ``frames`` (opening the encoder not included)."""
    encoder = VideoEncoder(settings)
    began, began_cpu = time.perf_counter(), time.process_time()
    for index, planes in enumerate(frames):
        encoder.encode(planes, index * 3600)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    encoder.close()
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--grain", type=int, default=0, help="noise amplitude (0..50)")
    args = parser.parse_args()

    print(
        f"{'case':16} {'fps (median)':>12} {'fps (best)':>10} {'ms/frame':>9}"
        f" {'core @25fps':>11} {'CPU ms/frame':>12}"
    )
    for size, width, height, kbps in SIZES:
        frames = pictures(width, height, args.frames, args.grain)
        for label, codec, profile in CODECS:
            settings = VideoSettings(
                codec=codec,
                width=width,
                height=height,
                fps=LIVE_FPS,
                bitrate_kbps=kbps,
                gop=50,
                profile=profile,
                quality=70,
                constant_bitrate=True,
            )
            runs = sorted(run(settings, frames) for _ in range(args.repeat))
            median, cpu = runs[len(runs) // 2]
            per_frame = median / args.frames * 1000
            print(
                f"{label + ' ' + size:16} {args.frames / median:12.0f}"
                f" {args.frames / runs[0][0]:10.0f} {per_frame:9.2f}"
                f" {per_frame * LIVE_FPS / 1000:11.0%} {cpu / args.frames * 1000:12.2f}"
            )


if __name__ == "__main__":
    main()
