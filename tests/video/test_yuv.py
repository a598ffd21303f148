"""YUV 4:2:0 frames: shapes, sizes, and BT.601 limited-range colours as ffmpeg reads them."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from onvif_device.video import YuvFrame, rgb_to_ycbcr, rgb_to_yuv

# BT.601 limited range: the values every video tool lists for 100% colours.
REFERENCE = [
    ((0, 0, 0), (16, 128, 128)),
    ((255, 255, 255), (235, 128, 128)),
    ((255, 0, 0), (81, 90, 240)),
    ((0, 255, 0), (145, 54, 34)),
    ((0, 0, 255), (41, 240, 110)),
    ((255, 255, 0), (210, 16, 146)),
    ((0, 255, 255), (170, 166, 16)),
    ((255, 0, 255), (106, 202, 222)),
]


def reference_rgb(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The textbook BT.601 limited-range inverse, with each chroma sample over its 2x2 block."""
    u_full = np.repeat(np.repeat(u.astype(np.float64), 2, 0), 2, 1) - 128
    v_full = np.repeat(np.repeat(v.astype(np.float64), 2, 0), 2, 1) - 128
    luma = (y.astype(np.float64) - 16) * 255 / 219
    rgb = np.stack(
        [
            luma + 1.402 * 255 / 224 * v_full,
            luma - (0.114 * 1.772 * u_full + 0.299 * 1.402 * v_full) / 0.587 * 255 / 224,
            luma + 1.772 * 255 / 224 * u_full,
        ],
        axis=-1,
    )
    return np.clip(np.rint(rgb), 0, 255)


@pytest.mark.parametrize(("width", "height"), [(2, 2), (176, 144), (640, 360), (1920, 1080), (3840, 2160)])
def test_planes_have_420_shapes_and_uint8(width: int, height: int) -> None:
    frame = YuvFrame.blank(width, height)
    y, u, v = frame.planes
    assert (y.shape, u.shape, v.shape) == ((height, width), (height // 2, width // 2), (height // 2, width // 2))
    assert {p.dtype for p in frame.planes} == {np.dtype(np.uint8)}
    assert (y.min(), u.min(), v.max()) == (16, 128, 128)  # black


@pytest.mark.parametrize(("width", "height", "name", "value"), [(641, 360, "width", 641), (640, 361, "height", 361), (0, 2, "width", 0)])
def test_odd_or_empty_sizes_are_refused_naming_the_value(width: int, height: int, name: str, value: int) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must be an even number of pixels .*, got {value}$"):
        YuvFrame.blank(width, height)
    with pytest.raises(ValueError, match=rf"got {value}$"):
        rgb_to_yuv(np.zeros((height, width, 3), np.uint8))


def test_planes_of_the_wrong_shape_or_type_are_refused() -> None:
    y = np.zeros((4, 4), np.uint8)
    with pytest.raises(ValueError, match=r"^plane u must be uint8 \(2, 2\) for 4x4, got uint8 \(4, 4\)$"):
        YuvFrame(4, 4, y, y, y)
    half = np.zeros((2, 2), np.uint8)
    with pytest.raises(ValueError, match=r"^plane y must be uint8 \(4, 4\) for 4x4, got float64 \(4, 4\)$"):
        YuvFrame(4, 4, np.zeros((4, 4)), half, half)


@pytest.mark.parametrize(("rgb", "ycbcr"), REFERENCE)
def test_rgb_to_ycbcr_gives_bt601_limited_range(rgb: tuple[int, int, int], ycbcr: tuple[int, int, int]) -> None:
    assert rgb_to_ycbcr(rgb) == ycbcr


def test_rgb_to_yuv_averages_chroma_over_2x2_blocks() -> None:
    rgb = np.zeros((2, 4, 3), np.uint8)
    rgb[:, :2] = (255, 0, 0)  # left block red
    rgb[0, 2:] = (0, 0, 255)  # right block half blue, half black
    y, u, v = rgb_to_yuv(rgb)
    assert y.tolist() == [[81, 81, 41, 41], [81, 81, 16, 16]]
    assert (u[0, 0], v[0, 0]) == (90, 240)
    assert (u[0, 1], v[0, 1]) == (184, 119)  # the mean of blue's and black's chroma


def colour_bars(width: int = 64, height: int = 16) -> Image.Image:
    """The reference colours as vertical bars, each 8 pixels (whole chroma samples) wide."""
    rgb = np.zeros((height, width, 3), np.uint8)
    for i, (colour, _) in enumerate(REFERENCE):
        rgb[:, 8 * i : 8 * (i + 1)] = colour
    return Image.fromarray(rgb)


def test_from_image_and_to_image_round_trip_colours() -> None:
    bars = colour_bars()
    frame = YuvFrame.from_image(bars)
    for i, (_, ycbcr) in enumerate(REFERENCE):
        assert (frame.y[0, 8 * i], frame.u[0, 4 * i], frame.v[0, 4 * i]) == ycbcr
    back = np.asarray(frame.to_image()).astype(int)
    # Within 3 levels, except where swscale blends chroma across a bar edge.
    inner = np.concatenate([np.arange(8 * i + 2, 8 * i + 6) for i in range(len(REFERENCE))])
    assert np.abs(back[:, inner] - np.asarray(bars).astype(int)[:, inner]).max() <= 3


def test_to_image_reads_planes_as_bt601_limited_range_like_ffmpeg() -> None:
    rng = np.random.default_rng(7)
    # Smooth chroma (constant 4x4 blocks), so swscale's chroma filter and the
    # reference's 2x2 replication agree away from block edges.
    y = rng.integers(16, 236, (32, 32), dtype=np.uint8)
    u = np.kron(rng.integers(16, 241, (4, 4)), np.ones((4, 4))).astype(np.uint8)
    v = np.kron(rng.integers(16, 241, (4, 4)), np.ones((4, 4))).astype(np.uint8)
    image = YuvFrame(32, 32, y, u, v).to_image()
    assert image.mode == "RGB" and image.size == (32, 32)
    expected = reference_rgb(y, u, v)
    centres = np.concatenate([np.arange(8 * i + 2, 8 * i + 6) for i in range(4)])
    difference = np.abs(np.asarray(image).astype(float) - expected)[np.ix_(centres, centres)]
    assert difference.max() <= 3


def test_to_video_frame_copies_the_planes_into_a_yuv420p_frame() -> None:
    frame = YuvFrame.from_image(colour_bars())
    video = frame.to_video_frame()
    assert (video.format.name, video.width, video.height) == ("yuv420p", 64, 16)
    rebuilt = video.to_ndarray()  # Y rows, then U and V packed as in the yuv420p layout
    assert np.array_equal(rebuilt[:16], frame.y)
    assert np.array_equal(rebuilt[16:].reshape(-1)[: 32 * 8].reshape(8, 32), frame.u)
    frame.y[:] = 0
    assert video.to_ndarray()[0, 0] != 0  # a copy: drawing on the frame afterwards leaves it alone
