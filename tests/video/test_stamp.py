"""The machine-readable stamp: raw round trips, damage, and survival through real lossy codecs."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import av
import numpy as np
import pytest
from PIL import Image

from onvif_device.video import (
    SceneRenderer,
    Stamp,
    YuvFrame,
    encode_jpeg,
    read_stamp,
    write_stamp,
)
from onvif_device.video.stamp import COLUMNS, ROWS, block_size, stamp_box
from onvif_device.video.yuv import plane_view

START = datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)
SIZES = [(176, 144), (320, 180), (640, 360), (1280, 720), (1920, 1080), (3840, 2160)]


def noise_frame(width: int, height: int, seed: int = 1) -> YuvFrame:
    rng = np.random.default_rng(seed)
    return YuvFrame(
        width,
        height,
        rng.integers(16, 236, (height, width), dtype=np.uint8),
        rng.integers(16, 241, (height // 2, width // 2), dtype=np.uint8),
        rng.integers(16, 241, (height // 2, width // 2), dtype=np.uint8),
    )


# --- raw ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_round_trip_on_any_picture(width: int, height: int) -> None:
    frame = noise_frame(width, height)
    write_stamp(frame, 123_456, 1714979289.123)
    assert read_stamp(frame.y) == Stamp(123_456, 1714979289.123)


@pytest.mark.parametrize(
    ("frame_number", "capture_time"),
    [(0, 0.0), (2**32 - 1, 2**44 / 1000 - 0.001), (7, 1714979289.0), (1, 1714979289.999)],
)
def test_extreme_values_round_trip(frame_number: int, capture_time: float) -> None:
    frame = noise_frame(320, 180)
    write_stamp(frame, frame_number, capture_time)
    stamp = read_stamp(frame.y)
    assert stamp is not None
    assert stamp.frame_number == frame_number
    assert stamp.capture_time == pytest.approx(capture_time, abs=1e-6)


def test_capture_time_keeps_the_millisecond() -> None:
    frame = noise_frame(320, 180)
    write_stamp(frame, 1, 1714979289.1236)
    assert read_stamp(frame.y) == Stamp(1, 1714979289.124)


@pytest.mark.parametrize(("width", "height", "block"), [(176, 144, 8), (640, 360, 8), (1280, 720, 16), (1920, 1080, 16), (3840, 2160, 32)])
def test_blocks_grow_with_the_frame_and_sit_on_their_own_grid(width: int, height: int, block: int) -> None:
    assert block_size(width, height) == block
    box = stamp_box(width, height)
    assert box is not None
    left, top, size = box
    assert size == block and left % block == 0 and top % block == 0
    assert left + COLUMNS * block <= width and top + ROWS * block <= height
    frame = noise_frame(width, height)
    write_stamp(frame, 5, 6.0)
    # Only the stamp's rectangle changed, to pure black and white with neutral chroma.
    changed = np.argwhere(frame.y != noise_frame(width, height).y)
    assert changed[:, 1].min() >= left and changed[:, 0].max() < top + ROWS * block
    stamp = frame.y[top : top + ROWS * block, left : left + COLUMNS * block]
    assert set(np.unique(stamp)) == {16, 235}
    assert set(np.unique(frame.u[: ROWS * block // 2, left // 2 : (left + COLUMNS * block) // 2])) == {128}


def test_no_stamp_reads_none() -> None:
    assert read_stamp(YuvFrame.blank(640, 360).y) is None
    assert read_stamp(noise_frame(640, 360).y) is None
    assert read_stamp(np.zeros((640,), np.uint8)) is None


def test_frames_too_small_for_a_stamp() -> None:
    frame = YuvFrame.blank(120, 40)
    with pytest.raises(ValueError, match="^a 120x40 frame is too small for the stamp$"):
        write_stamp(frame, 1, 1.0)
    assert read_stamp(frame.y) is None


@pytest.mark.parametrize("frame_number", [-1, 2**32, 1.0, True, None])
def test_frame_numbers_the_stamp_cannot_hold_are_refused(frame_number: object) -> None:
    with pytest.raises(ValueError, match=r"^frame_number must be an integer from 0 to 2\*\*32 - 1, got "):
        write_stamp(noise_frame(320, 180), frame_number, 1.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("capture_time", [-0.01, float("nan"), float("inf"), 2.0**44])
def test_capture_times_the_stamp_cannot_hold_are_refused(capture_time: float) -> None:
    with pytest.raises(ValueError, match=r"^capture_time must be Unix seconds from 0 to year 2527, got "):
        write_stamp(noise_frame(320, 180), 1, capture_time)


def stamped(width: int = 640, height: int = 360) -> tuple[YuvFrame, int]:
    frame = noise_frame(width, height)
    write_stamp(frame, 987_654, 1714979289.123)
    return frame, block_size(width, height)


def test_any_single_flipped_block_reads_none_not_a_wrong_number() -> None:
    frame, block = stamped()
    left, top, _ = stamp_box(640, 360) or (0, 0, 0)
    for row in range(ROWS):
        for column in range(COLUMNS):
            damaged = frame.y.copy()
            cell = damaged[top + row * block : top + (row + 1) * block, left + column * block : left + (column + 1) * block]
            cell[:] = 251 - cell  # 16 <-> 235
            assert read_stamp(damaged) is None, (row, column)


def test_a_grey_smudge_reads_none() -> None:
    frame, block = stamped()
    left, top, _ = stamp_box(640, 360) or (0, 0, 0)
    damaged = frame.y.copy()
    damaged[top + 2 * block : top + 3 * block, left + 5 * block : left + 9 * block] = 128
    assert read_stamp(damaged) is None


def test_random_damage_never_reads_a_wrong_number() -> None:
    frame, block = stamped()
    left, top, _ = stamp_box(640, 360) or (0, 0, 0)
    rng = np.random.default_rng(3)
    outcomes = set()
    for _ in range(300):
        damaged = frame.y.copy()
        for _ in range(rng.integers(2, 6)):
            row, column = rng.integers(0, ROWS), rng.integers(0, COLUMNS)
            damaged[top + row * block : top + (row + 1) * block, left + column * block : left + (column + 1) * block] = rng.choice([16, 235])
        stamp = read_stamp(damaged)
        outcomes.add(stamp)
        assert stamp in (None, Stamp(987_654, 1714979289.123))
    assert None in outcomes  # the damage did hit


# --- through lossy codecs ------------------------------------------------------------------------


def encode_and_decode(width: int, height: int, encoder: str, decoder: str, options: dict[str, str], frames: int = 25) -> tuple[list[Stamp | None], list[Stamp], int]:
    """Render moving, panning frames, code them at 500 kbit/s, and read every decoded frame's stamp."""
    renderer = SceneRenderer(width, height, "Codec test")
    coder = av.CodecContext.create(encoder, "w")
    coder.width, coder.height, coder.pix_fmt = width, height, "yuv420p"
    coder.time_base, coder.framerate = Fraction(1, 25), Fraction(25)
    coder.bit_rate = 500_000
    coder.options = options
    reader = av.CodecContext.create(decoder, "r")
    sent, read, size = [], [], 0

    def decode(packets: list[av.Packet]) -> None:
        nonlocal size
        for packet in packets:
            size += packet.size
            read.extend(read_stamp(plane_view(f.planes[0])) for f in reader.decode(packet))

    for i in range(frames):
        when = START + timedelta(milliseconds=40 * i)
        frame = renderer.render(when, 1000 + i, pan=-0.3 + 0.02 * i, zoom=0.2, overlay=["Zone A"])
        sent.append(Stamp(1000 + i, round(when.timestamp(), 3)))
        video = frame.to_video_frame()
        video.pts = i
        decode(coder.encode(video))
    decode(coder.encode(None))
    read.extend(read_stamp(plane_view(f.planes[0])) for f in reader.decode(None))
    return read, sent, size


H264_SETTINGS = {
    "ultrafast, zerolatency": {"preset": "ultrafast", "tune": "zerolatency"},
    "medium": {"preset": "medium"},
}


@pytest.mark.parametrize(("width", "height"), [(320, 180), (640, 360), (1920, 1080)])
@pytest.mark.parametrize("settings", list(H264_SETTINGS))
def test_stamp_survives_h264_at_500_kbits(width: int, height: int, settings: str) -> None:
    read, sent, size = encode_and_decode(width, height, "libx264", "h264", H264_SETTINGS[settings])
    assert size * 8 / 1.0 < 1_000_000  # a second of video really was coded tightly (x264 may overshoot early)
    assert read == sent


def test_stamp_survives_h265_at_500_kbits() -> None:
    read, sent, _ = encode_and_decode(640, 360, "libx265", "hevc", {"preset": "ultrafast", "x265-params": "log-level=error"}, frames=10)
    assert read == sent


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_stamp_survives_jpeg_at_quality_50(width: int, height: int) -> None:
    frame = SceneRenderer(width, height, "JPEG test").render(START, 4242, pan=0.4, zoom=0.3, overlay=["Zone A"])
    jpeg = encode_jpeg(frame.to_image(), 50)
    decoded = YuvFrame.from_image(Image.open(io.BytesIO(jpeg)))
    assert read_stamp(decoded.y) == Stamp(4242, round(START.timestamp(), 3))
