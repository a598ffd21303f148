"""The synthetic picture: sizes, motion, PTZ, burnt-in text and RTP-ready JPEG."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat

from onvif_device.streaming.rtp.jpeg_markers import parse_jpeg
from onvif_device.video import TestCard, encode_jpeg

WHEN = datetime(2024, 5, 6, 7, 8, 9, 123000)


def differs(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a, b).getbbox() is not None


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def above_caption(card: TestCard, frame: Image.Image) -> Image.Image:
    """The part of the frame showing the scene, above the title and clock."""
    return frame.crop((0, 0, card.width, card._band_top))


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (176, 144),
        (320, 240),
        (640, 360),
        (1280, 720),
        (1920, 1080),
        (2592, 1944),
        (1, 1),
        (1, 8192),
        (8192, 1),
        (7, 5),
    ],
)
def test_frames_have_the_requested_size_and_are_rgb(width: int, height: int) -> None:
    card = TestCard(width, height, "Size test")
    views: list[dict[str, Any]] = [
        {},
        {"pan": -1.0, "tilt": 1.0},
        {"pan": 1.0, "tilt": -1.0, "zoom": 7.5},
    ]
    for ptz in views:
        frame = card.render(WHEN, **ptz)
        assert frame.size == (width, height)
        assert frame.mode == "RGB"


def test_same_inputs_give_the_same_frame() -> None:
    # Snapshots and streams rely on this to show the same picture at the same moment.
    a = TestCard(640, 360, "Cam").render(WHEN, pan=0.2, zoom=1.5, overlay=["x"])
    b = TestCard(640, 360, "Cam").render(WHEN, pan=0.2, zoom=1.5, overlay=["x"])
    assert not differs(a, b)


def test_frames_are_new_images() -> None:
    card = TestCard(320, 180, "Cam")
    frame = card.render(WHEN)
    frame.paste((0, 0, 0), (0, 0, 320, 180))
    assert differs(card.render(WHEN), frame)


def test_time_moves_the_picture_not_only_the_clock() -> None:
    card = TestCard(640, 360, "Cam")
    now = card.render(WHEN)
    for later in (WHEN + timedelta(milliseconds=40), WHEN + timedelta(seconds=1)):
        assert differs(above_caption(card, now), above_caption(card, card.render(later)))


def test_pan_tilt_and_zoom_change_the_view() -> None:
    card = TestCard(640, 360, "Cam")
    home = card.render(WHEN)
    left, right = card.render(WHEN, pan=-1.0), card.render(WHEN, pan=1.0)
    up, down = card.render(WHEN, tilt=1.0), card.render(WHEN, tilt=-1.0)
    zoomed = card.render(WHEN, zoom=2.0)
    views = [home, left, right, up, down, zoomed]
    for i, a in enumerate(views):
        for b in views[i + 1 :]:
            # Clearly different, not just a few pixels.
            assert mean_difference(above_caption(card, a), above_caption(card, b)) > 5


def test_small_pan_steps_move_the_picture() -> None:
    card = TestCard(640, 360, "Cam")
    assert differs(card.render(WHEN, pan=0.0), card.render(WHEN, pan=0.01))
    assert differs(card.render(WHEN, tilt=0.0), card.render(WHEN, tilt=0.01))
    assert differs(card.render(WHEN, zoom=1.0), card.render(WHEN, zoom=1.05))


@pytest.mark.parametrize(
    "ptz", [{}, {"pan": -0.6, "tilt": 0.4}, {"pan": 0.5, "tilt": -1.0, "zoom": 3.0}]
)
def test_every_size_of_one_aspect_shows_the_same_picture(ptz: dict[str, Any]) -> None:
    # The main stream, the sub stream and the snapshot must agree.
    small = TestCard(640, 360, "Cam").render(WHEN, **ptz)
    large = TestCard(1920, 1080, "Cam").render(WHEN, **ptz)
    thumb = (64, 36)
    assert (
        mean_difference(
            small.resize(thumb, Image.Resampling.BOX), large.resize(thumb, Image.Resampling.BOX)
        )
        < 10
    )


def test_title_and_clock_are_drawn() -> None:
    card = TestCard(640, 360, "Front door")
    frame = card.render(WHEN)
    line = card._line
    title = frame.crop((0, card._band_top, 320, card._band_top + line + card._pad))
    clock = frame.crop((0, card._band_top + line + card._pad, 320, card.height))
    for region in (title, clock):
        darkest, brightest = region.convert("L").getextrema()
        assert isinstance(darkest, int) and isinstance(brightest, int)
        assert darkest < 40 and brightest > 200


def test_title_and_clock_text_change_their_region() -> None:
    base = TestCard(640, 360, "Front door")
    other = TestCard(640, 360, "Back door")
    band = (0, base._band_top, 640, 360)
    assert differs(base.render(WHEN).crop(band), other.render(WHEN).crop(band))
    later = WHEN + timedelta(milliseconds=1)
    assert differs(base.render(WHEN).crop(band), base.render(later).crop(band))


def test_overlay_lines_are_drawn_top_left() -> None:
    card = TestCard(640, 360, "Cam")
    plain = card.render(WHEN)
    with_osd = card.render(WHEN, overlay=["Zone A", "Motion"])
    changed = ImageChops.difference(plain, with_osd).getbbox()
    assert changed is not None
    left, top, right, bottom = changed
    assert left < 20 and top < 20 and right < 320 and bottom < 180


def test_title_whitespace_cannot_break_the_caption() -> None:
    card = TestCard(320, 180, "Front\n door\t")
    assert card.title == "Front door"
    assert card.render(WHEN).size == (320, 180)


@pytest.mark.parametrize("value", [0, -1, -640, 8193, 100_000, 1.5, "640", None, True])
def test_invalid_sizes_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match=r"^width must be an integer from 1 to 8192 pixels, got "):
        TestCard(value, 360, "Cam")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^height must be an integer from 1 to 8192 pixels, got "):
        TestCard(640, value, "Cam")  # type: ignore[arg-type]


def test_invalid_title_is_refused() -> None:
    with pytest.raises(ValueError, match="title must be a string"):
        TestCard(640, 360, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ptz", "message"),
    [
        ({"pan": -1.01}, "pan must be from -1 to 1, got -1.01"),
        ({"pan": float("nan")}, "pan must be from -1 to 1, got nan"),
        ({"tilt": 2.0}, "tilt must be from -1 to 1, got 2.0"),
        ({"zoom": 0.5}, "zoom must be a finite number >= 1, got 0.5"),
        ({"zoom": float("inf")}, "zoom must be a finite number >= 1, got inf"),
        ({"zoom": float("nan")}, "zoom must be a finite number >= 1, got nan"),
    ],
)
def test_invalid_ptz_is_refused(ptz: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        TestCard(320, 180, "Cam").render(WHEN, **ptz)
    assert str(caught.value) == message


# --- JPEG --------------------------------------------------------------------------------------


def segment_markers(jpeg: bytes) -> list[int]:
    """The marker of every segment up to the scan (the scan's bytes may contain anything)."""
    markers, offset = [], 2
    assert jpeg[:2] == b"\xff\xd8"
    while True:
        assert jpeg[offset] == 0xFF
        marker = jpeg[offset + 1]
        markers.append(marker)
        if marker == 0xDA:
            return markers
        offset += 2 + int.from_bytes(jpeg[offset + 2 : offset + 4], "big")


@pytest.mark.parametrize(
    ("width", "height"), [(176, 144), (640, 360), (1920, 1080), (2592, 1944), (7, 5)]
)
def test_jpeg_is_baseline_420_at_the_frame_size(width: int, height: int) -> None:
    jpeg = encode_jpeg(TestCard(width, height, "Cam").render(WHEN), 80)
    decoded = Image.open(io.BytesIO(jpeg))
    assert decoded.format == "JPEG"
    assert decoded.size == (width, height)
    assert decoded.mode == "RGB"
    decoded.load()
    markers = segment_markers(jpeg)
    assert 0xC0 in markers  # SOF0, baseline
    assert 0xC2 not in markers  # SOF2, progressive
    assert 0xDD not in markers  # no restart interval
    assert jpeg.endswith(b"\xff\xd9")
    # The RTP/JPEG payloader accepts it as RFC 2435 type 1 (4:2:0).
    assert parse_jpeg(jpeg).rtp_type == 1


def test_jpeg_quality_changes_the_size() -> None:
    frame = TestCard(640, 360, "Cam").render(WHEN)
    assert len(encode_jpeg(frame, 30)) < len(encode_jpeg(frame, 90))


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "CMYK"])
def test_jpeg_of_other_modes_is_colour_baseline(mode: str) -> None:
    image = TestCard(64, 48, "Cam").render(WHEN).convert(mode)
    assert parse_jpeg(encode_jpeg(image, 75)).rtp_type == 1


@pytest.mark.parametrize("quality", [0, 101, -5, 50.0, True])
def test_jpeg_quality_out_of_range_is_refused(quality: object) -> None:
    with pytest.raises(ValueError, match=r"^JPEG quality must be an integer from 1 to 100, got "):
        encode_jpeg(Image.new("RGB", (16, 16)), quality)  # type: ignore[arg-type]
