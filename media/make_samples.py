"""Generate the sample clips the project ships (a moving gradient and a box, no sound).

    python media/make_samples.py [output directory, default: this folder]

Every clip is 640x360 at 25 fps with a key frame every 25 frames and no
B-frames, like a camera's stream. Fixed settings and bit-exact muxing make a
rerun write the same files.
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

WIDTH, HEIGHT, FPS, GOP = 640, 360, 25, 25

# name, container format, encoder, pixel format, seconds, encoder options
CLIPS = [
    (
        "sample-h264.mp4",
        "mp4",
        "libx264",
        "yuv420p",
        4,
        {"preset": "veryfast", "crf": "30", "profile": "main"},
    ),
    (
        "sample-h264.ts",
        "mpegts",
        "libx264",
        "yuv420p",
        4,
        {"preset": "veryfast", "crf": "30", "profile": "main"},
    ),
    (
        "sample-h265.mkv",
        "matroska",
        "libx265",
        "yuv420p",
        4,
        {"preset": "veryfast", "crf": "32", "x265-params": "log-level=error:open-gop=0:bframes=0"},
    ),
    (
        "sample-mjpeg.mkv",
        "matroska",
        "mjpeg",
        "yuvj420p",
        1,
        {"qmin": "16", "qmax": "16", "huffman": "default"},
    ),
]


def picture(index: int, full_range: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frame ``index``: a drifting diagonal gradient with a white box crossing it."""
    rows = np.arange(HEIGHT)[:, None]
    columns = np.arange(WIDTH)[None, :]
    luma = ((columns + rows // 2 + 4 * index) % 256) * (219 / 255) + 16
    box_x = (12 * index) % (WIDTH - 80)
    box_y = HEIGHT // 2 - 40 + int(60 * np.sin(index / 8))
    luma[box_y : box_y + 80, box_x : box_x + 80] = 235
    chroma_rows = np.arange(HEIGHT // 2)[:, None]
    chroma_columns = np.arange(WIDTH // 2)[None, :]
    u = np.broadcast_to(
        128 + 60 * np.sin(chroma_columns / 40 + index / 10), (HEIGHT // 2, WIDTH // 2)
    )
    v = np.broadcast_to(128 + 60 * np.cos(chroma_rows / 30 - index / 12), (HEIGHT // 2, WIDTH // 2))
    planes = [luma, u, v]
    if full_range:  # JPEG (yuvj420p) spans 0..255
        planes = [(luma - 16) * 255 / 219, (u - 128) * 255 / 224 + 128, (v - 128) * 255 / 224 + 128]
    y, u, v = (np.clip(np.rint(p), 0, 255).astype(np.uint8) for p in planes)
    return y, u, v


def write_clip(
    path: Path, container_format: str, codec: str, pix_fmt: str, seconds: int, options: dict
) -> None:
    # bitexact: no random Matroska segment UID, so a rerun writes the same bytes.
    with av.open(
        str(path), "w", format=container_format, options={"fflags": "bitexact"}
    ) as container:
        stream = container.add_stream(codec, rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, pix_fmt
        stream.time_base = Fraction(1, FPS)
        stream.codec_context.gop_size = GOP
        stream.codec_context.max_b_frames = 0
        stream.codec_context.options = options
        for index in range(seconds * FPS):
            frame = av.VideoFrame(WIDTH, HEIGHT, pix_fmt)
            for plane, values in zip(frame.planes, picture(index, pix_fmt.startswith("yuvj"))):
                rows, columns = values.shape
                np.frombuffer(plane, np.uint8).reshape(rows, plane.line_size)[:, :columns] = values
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    for name, container_format, codec, pix_fmt, seconds, options in CLIPS:
        path = folder / name
        write_clip(path, container_format, codec, pix_fmt, seconds, options)
        print(f"{path}: {path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
