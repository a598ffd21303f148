"""The stream picture in YUV: sizes, PTZ, motion, burnt-in text, privacy masks, and the test card's look."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageStat

from onvif_device.video import (
    MAX_ZOOM,
    MaskSpec,
    SceneRenderer,
    Stamp,
    TestCard,
    YuvFrame,
    read_stamp,
    rgb_to_ycbcr,
    zoom_factor,
)
from onvif_device.video.scene import BALL_RGB, INTRUDER_RGB
from onvif_device.video.stamp import ROWS, stamp_box

# Noon UTC: the bouncing box (4 s and 3 s round trips) starts a cycle in its top-left
# corner, and the ball (5 s) is just off the left edge.
T0 = datetime(2024, 5, 6, 12, 0, 0, tzinfo=UTC)
W, H = 640, 360


@pytest.fixture(scope="module")
def renderer() -> SceneRenderer:
    return SceneRenderer(W, H, "Front door")


def scene_rows(frame: YuvFrame, renderer: SceneRenderer) -> np.ndarray:
    """Luma between the stamp and the caption: the panorama, where PTZ shows."""
    stamp_bottom = ROWS * (stamp_box(frame.width, frame.height) or (0, 0, 0))[2]
    return frame.y[stamp_bottom : renderer._band_top].astype(float)


def mean_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(float) - b.astype(float)).mean())


def changed_box(a: YuvFrame, b: YuvFrame) -> tuple[int, int, int, int] | None:
    """Left, top, right, bottom (exclusive) of the luma pixels that differ."""
    where = np.argwhere(a.y != b.y)
    if where.size == 0:
        return None
    return int(where[:, 1].min()), int(where[:, 0].min()), int(where[:, 1].max()) + 1, int(where[:, 0].max()) + 1


def same(a: YuvFrame, b: YuvFrame) -> bool:
    return all(np.array_equal(p, q) for p, q in zip(a.planes, b.planes))


# --- sizes and arguments -------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "height"), [(16, 16), (176, 144), (320, 180), (640, 480), (1920, 1080), (3840, 2160)])
def test_frames_have_the_requested_size_and_carry_the_stamp(width: int, height: int) -> None:
    renderer = SceneRenderer(width, height, "Size test")
    for ptz in ({}, {"pan": -1.0, "tilt": 1.0}, {"pan": 1.0, "tilt": -1.0, "zoom": 1.0}):
        frame = renderer.render(T0, 17, overlay=["OSD"], **ptz)
        assert (frame.width, frame.height) == (width, height)
        assert [p.shape for p in frame.planes] == [(height, width), (height // 2, width // 2), (height // 2, width // 2)]
        assert all(p.dtype == np.uint8 for p in frame.planes)
        expected = Stamp(17, T0.timestamp()) if stamp_box(width, height) else None
        assert read_stamp(frame.y) == expected


@pytest.mark.parametrize(("width", "height", "value"), [(641, 360, 641), (640, 359, 359)])
def test_odd_sizes_are_refused(width: int, height: int, value: int) -> None:
    with pytest.raises(ValueError, match=rf"must be an even number of pixels .*, got {value}$"):
        SceneRenderer(width, height, "Cam")


def test_sizes_and_titles_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match=r"^width must be an integer from 1 to 8192 pixels, got 8194$"):
        SceneRenderer(8194, 360, "Cam")
    with pytest.raises(ValueError, match=r"^title must be a string, got None$"):
        SceneRenderer(640, 360, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("when", "frame_number", "options", "message"),
    [
        (T0.replace(tzinfo=None), 1, {}, "when must be a timezone-aware datetime, got datetime.datetime(2024, 5, 6, 12, 0)"),
        (T0, -1, {}, "frame_number must be an integer from 0 to 2**32 - 1, got -1"),
        (T0, 1, {"zoom": 1.5}, "zoom must be from 0 to 1, got 1.5"),
        (T0, 1, {"zoom": float("nan")}, "zoom must be from 0 to 1, got nan"),
        (T0, 1, {"pan": -1.01}, "pan must be from -1 to 1, got -1.01"),
        (T0, 1, {"tilt": 2.0}, "tilt must be from -1 to 1, got 2.0"),
    ],
)
def test_invalid_arguments_are_refused(renderer: SceneRenderer, when: datetime, frame_number: int, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        renderer.render(when, frame_number, **options)
    assert str(caught.value) == message


def test_one_string_is_not_a_list_of_overlay_lines(renderer: SceneRenderer) -> None:
    with pytest.raises(TypeError, match="^overlay must be a sequence of lines, not one string$"):
        renderer.render(T0, 1, overlay="one line")


def test_zoom_factor_maps_onvif_zoom_to_magnification() -> None:
    assert [zoom_factor(z) for z in (0.0, 0.5, 1.0)] == [1.0, (1 + MAX_ZOOM) / 2, MAX_ZOOM]


# --- determinism and ownership ------------------------------------------------------------------


def test_same_inputs_give_the_same_frame(renderer: SceneRenderer) -> None:
    # Streams and snapshots rely on this to show the same picture at the same moment.
    other = SceneRenderer(W, H, "Front door")
    options: dict[str, Any] = {"pan": 0.2, "zoom": 0.3, "overlay": ["x"]}
    assert same(renderer.render(T0, 5, **options), other.render(T0, 5, **options))


@pytest.mark.parametrize("zoom", [0.0, 0.5])
def test_each_frame_owns_its_planes(renderer: SceneRenderer, zoom: float) -> None:
    first = renderer.render(T0, 1, zoom=zoom)
    kept = [p.copy() for p in first.planes]
    second = renderer.render(T0 + timedelta(seconds=1), 2, zoom=zoom)
    second.y[:] = 0  # an encoder or a test may scribble on a frame it was handed
    assert all(np.array_equal(p, q) for p, q in zip(first.planes, kept))
    assert not any(np.shares_memory(p, q) for p in first.planes for q in second.planes)
    assert all(p.flags.writeable for p in first.planes)
    assert same(renderer.render(T0, 1, zoom=zoom), first)


def test_threads_may_share_one_renderer(renderer: SceneRenderer) -> None:
    jobs = [(T0 + timedelta(milliseconds=40 * i), i, {"zoom": (i % 3) / 3, "pan": i / 20}) for i in range(12)]
    alone = [renderer.render(when, n, **ptz) for when, n, ptz in jobs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda job: renderer.render(job[0], job[1], **job[2]), jobs))
    assert all(same(a, b) for a, b in zip(alone, together))


# --- PTZ ---------------------------------------------------------------------------------------------


def test_pan_tilt_and_zoom_change_the_view(renderer: SceneRenderer) -> None:
    views = [
        renderer.render(T0, 1, **ptz)
        for ptz in ({}, {"pan": -1.0}, {"pan": 1.0}, {"tilt": 1.0}, {"tilt": -1.0}, {"zoom": 0.5})
    ]
    for i, a in enumerate(views):
        for b in views[i + 1 :]:
            # Clearly different, not just a few pixels.
            assert mean_difference(scene_rows(a, renderer), scene_rows(b, renderer)) > 5


def test_small_pan_steps_move_the_picture(renderer: SceneRenderer) -> None:
    home = renderer.render(T0, 1)
    assert mean_difference(scene_rows(home, renderer), scene_rows(renderer.render(T0, 1, pan=0.01), renderer)) > 1
    assert mean_difference(scene_rows(home, renderer), scene_rows(renderer.render(T0, 1, tilt=0.02), renderer)) > 1


def magenta_run(frame: YuvFrame) -> int:
    """Width in pixels of the magenta colour bar, along the middle row."""
    row = frame.height // 4  # chroma row of the middle luma row
    magenta = (frame.u[row].astype(int) > 160) & (frame.v[row].astype(int) > 160)
    longest = run = 0
    for hit in magenta:
        run = run + 1 if hit else 0
        longest = max(longest, run)
    return 2 * longest


def test_zoom_magnifies_the_scene(renderer: SceneRenderer) -> None:
    wide = magenta_run(renderer.render(T0, 1))
    near = magenta_run(renderer.render(T0, 1, zoom=0.5))
    assert wide > 40
    assert near / wide == pytest.approx(zoom_factor(0.5), rel=0.08)


# --- motion ----------------------------------------------------------------------------------------


def ball_centre(frame: YuvFrame) -> tuple[float, float]:
    """Centroid of the chroma samples with the ball's colour."""
    _, u, v = rgb_to_ycbcr(BALL_RGB)
    hits = np.argwhere((np.abs(frame.u.astype(int) - u) <= 2) & (np.abs(frame.v.astype(int) - v) <= 2))
    assert len(hits) > 20, "no ball in the picture"
    row, column = hits.mean(axis=0)
    return 2 * float(column), 2 * float(row)


def test_ball_rolls_across_the_picture(renderer: SceneRenderer) -> None:
    x1, y1 = ball_centre(renderer.render(T0 + timedelta(seconds=1), 1))
    x2, y2 = ball_centre(renderer.render(T0 + timedelta(seconds=2), 2))
    step = (W + renderer._ball.size) / 5  # one fifth of its journey per second
    assert x2 - x1 == pytest.approx(step, abs=3)
    assert y1 == pytest.approx(y2, abs=1)


def test_ball_moves_with_the_time_not_the_frame_number(renderer: SceneRenderer) -> None:
    when = T0 + timedelta(seconds=1)
    assert ball_centre(renderer.render(when, 1)) == ball_centre(renderer.render(when, 99))


def test_bouncing_box_moves(renderer: SceneRenderer) -> None:
    side = H // 8
    corner = (slice(6, side - 6), slice(6, side - 6))  # inside the box's black border

    def corner_is_white(frame: YuvFrame) -> bool:
        return bool((frame.y[corner] == 235).all())

    assert corner_is_white(renderer.render(T0, 1))
    later = renderer.render(T0 + timedelta(seconds=1), 2)
    assert not corner_is_white(later)
    # A second later it is half way across (4 s round trip) and two thirds down (3 s).
    x, y = (W - side) // 2, 2 * (renderer._band_top - side) // 3
    assert (later.y[y + 8 : y + side - 8, x + 8 : x + side - 8] == 235).all()


INTRUDER_YUV = rgb_to_ycbcr(INTRUDER_RGB)


def intruder_pixels(frame: YuvFrame) -> np.ndarray:
    """(row, column) of the luma pixels whose chroma is the intruder's green."""
    green = (np.abs(frame.u.astype(int) - INTRUDER_YUV[1]) <= 2) & (np.abs(frame.v.astype(int) - INTRUDER_YUV[2]) <= 2)
    return np.argwhere(green) * 2


def test_the_intruder_walks_across_only_while_there_is_motion(renderer: SceneRenderer) -> None:
    assert intruder_pixels(renderer.render(T0, 1)).size == 0
    start = intruder_pixels(renderer.render(T0, 1, intruder=0.0))
    middle = intruder_pixels(renderer.render(T0, 1, intruder=0.5))
    assert start.size and middle.size
    assert start[:, 1].max() < W / 4 < middle[:, 1].min()  # it walked right
    assert middle[:, 0].max() < renderer._band_top <= middle[:, 0].max() + 2  # feet on the caption band


def test_objects_match_what_is_drawn(renderer: SceneRenderer) -> None:
    when = T0 + timedelta(seconds=2.5)  # the ball half way across
    quiet = renderer.objects(when)
    assert [o.object_id for o in quiet] == [1, 2] and all(o.kind == "Other" for o in quiet)
    ball = quiet[0]
    assert -1 <= ball.left < ball.right <= 1 and 1 >= ball.top > ball.bottom >= -1
    x, _ = ball_centre(renderer.render(when, 1))
    assert (ball.left + ball.right) / 2 == pytest.approx(2 * x / W - 1, abs=0.02)

    person = renderer.objects(when, intruder=0.5)[-1]
    assert person.kind == "Human" and person.object_id == 3
    pixels = intruder_pixels(renderer.render(when, 1, intruder=0.5))
    assert 2 * pixels[:, 1].min() / W - 1 == pytest.approx(person.left, abs=0.02)
    assert 1 - 2 * pixels[:, 0].min() / H == pytest.approx(person.top, abs=0.02)


def test_the_ball_outside_the_view_is_no_object(renderer: SceneRenderer) -> None:
    assert [o.object_id for o in renderer.objects(T0)] == [2]  # at noon the ball is just off the left edge


def test_time_moves_the_picture_not_only_the_clock(renderer: SceneRenderer) -> None:
    now = renderer.render(T0 + timedelta(seconds=1), 1)
    later = renderer.render(T0 + timedelta(seconds=1, milliseconds=40), 1)
    assert mean_difference(scene_rows(now, renderer), scene_rows(later, renderer)) > 0.1


# --- text ----------------------------------------------------------------------------------------------


def test_clock_and_counter_change_only_the_caption_and_the_stamp(renderer: SceneRenderer) -> None:
    base = renderer.render(T0, 1)
    stamp_left, _, block = stamp_box(W, H) or (0, 0, 0)
    caption = (slice(renderer._band_top, H), slice(0, W))
    stamp_area = (slice(0, ROWS * block), slice(stamp_left, W))
    for other in (renderer.render(T0 + timedelta(milliseconds=1), 1), renderer.render(T0, 2)):
        assert not np.array_equal(base.y[caption], other.y[caption])
        assert not np.array_equal(base.y[stamp_area], other.y[stamp_area])
        outside = other.y.copy()
        outside[caption] = base.y[caption]
        outside[stamp_area] = base.y[stamp_area]
        assert np.array_equal(outside, base.y)


def test_caption_text_is_white_on_a_dark_band_with_neutral_chroma(renderer: SceneRenderer) -> None:
    frame = renderer.render(T0, 1, pan=0.7)
    band = frame.y[renderer._band_top :]
    assert band.min() <= 40 and band.max() >= 220
    assert set(np.unique(frame.u[renderer._band_top // 2 :])) == {128}
    assert set(np.unique(frame.v[renderer._band_top // 2 :])) == {128}


def test_titles_differ_in_the_caption(renderer: SceneRenderer) -> None:
    other = SceneRenderer(W, H, "Back door").render(T0, 1)
    assert changed_box(renderer.render(T0, 1), other) is not None
    _, top, _, _ = changed_box(renderer.render(T0, 1), other) or (0, 0, 0, 0)
    assert top >= renderer._band_top


def test_overlay_lines_are_drawn_top_left(renderer: SceneRenderer) -> None:
    plain = renderer.render(T0, 1)
    with_osd = renderer.render(T0, 1, overlay=["Zone A", "", "Motion"])
    left, top, right, bottom = changed_box(plain, with_osd) or (0, 0, 0, 0)
    assert left < 20 and top < 20 and right < W // 3 and bottom < H // 3
    assert bottom > 2 * renderer._line  # the empty line kept its place
    first_box = (slice(top // 2, (top + renderer._line) // 2), slice(left // 2, (left + 40) // 2))
    assert set(np.unique(with_osd.u[first_box])) == {128}  # text sits on grey, whatever the scene's colour
    different = renderer.render(T0, 1, overlay=["Zone B", "", "Motion"])
    assert changed_box(with_osd, different) is not None


def test_overlay_lines_stop_above_the_caption(renderer: SceneRenderer) -> None:
    frame = renderer.render(T0, 1, overlay=[f"Line {i}" for i in range(40)])
    plain = renderer.render(T0, 1)
    caption = (slice(renderer._band_top, H), slice(0, W))
    assert np.array_equal(frame.y[caption], plain.y[caption])


# --- privacy masks ---------------------------------------------------------------------------------


def rectangle(left: float, top: float, right: float, bottom: float) -> tuple[tuple[float, float], ...]:
    return ((left, top), (right, top), (right, bottom), (left, bottom))


def outside_unchanged(a: YuvFrame, b: YuvFrame, box: tuple[int, int, int, int], margin: int = 2) -> bool:
    """Luma and chroma agree everywhere outside ``box`` grown by ``margin``."""
    left, top, right, bottom = box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin
    for p, q, scale in ((a.y, b.y, 1), (a.u, b.u, 2), (a.v, b.v, 2)):
        keep = np.ones(p.shape, bool)
        keep[max(0, top // scale) : bottom // scale + 1, max(0, left // scale) : right // scale + 1] = False
        if not np.array_equal(p[keep], q[keep]):
            return False
    return True


@pytest.mark.parametrize("rgb", [(255, 0, 0), (0, 0, 0), (20, 200, 90)])
def test_a_color_mask_paints_its_polygon_in_its_colour(renderer: SceneRenderer, rgb: tuple[int, int, int]) -> None:
    box = (100, 80, 300, 200)
    plain = renderer.render(T0, 1)
    masked = renderer.render(T0, 1, masks=[MaskSpec("Color", rectangle(*box), rgb)])
    y, u, v = rgb_to_ycbcr(rgb)
    inside = (slice(box[1] + 2, box[3] - 2), slice(box[0] + 2, box[2] - 2))
    assert (masked.y[inside] == y).all()
    chroma_inside = (slice(box[1] // 2 + 1, box[3] // 2 - 1), slice(box[0] // 2 + 1, box[2] // 2 - 1))
    assert (masked.u[chroma_inside] == u).all() and (masked.v[chroma_inside] == v).all()
    assert outside_unchanged(plain, masked, box)
    # Seen as RGB, as a snapshot shows it, the area is the mask colour.
    mean = ImageStat.Stat(masked.to_image().crop((box[0] + 4, box[1] + 4, box[2] - 4, box[3] - 4))).mean
    assert all(abs(m - c) <= 3 for m, c in zip(mean, rgb))


def test_a_mask_follows_its_polygon_not_its_bounding_box(renderer: SceneRenderer) -> None:
    triangle = ((100.0, 100.0), (300.0, 100.0), (100.0, 300.0))
    plain = renderer.render(T0, 1)
    masked = renderer.render(T0, 1, masks=[MaskSpec("Color", triangle, (255, 0, 0))])
    assert masked.y[120, 120] == 81  # inside, near the right angle
    assert np.array_equal(masked.y[260:300, 260:300], plain.y[260:300, 260:300])  # the box's empty corner


@pytest.mark.parametrize("kind", ["Pixelated", "Blurred"])
def test_pixelated_and_blurred_masks_hide_detail_only_inside(renderer: SceneRenderer, kind: str) -> None:
    # The upper left quarter, where the OSD line and grid lines are.
    box = (0, 0, W // 2, H // 2)
    plain = renderer.render(T0, 1, overlay=["Zone A"])
    masked = renderer.render(T0, 1, overlay=["Zone A"], masks=[MaskSpec(kind, rectangle(*box), (0, 0, 0))])

    def detail(frame: YuvFrame) -> float:
        inside = frame.y[4 : box[3] - 4, 4 : box[2] - 4].astype(float)
        return float(np.abs(np.diff(inside, axis=0)).mean() + np.abs(np.diff(inside, axis=1)).mean())

    assert detail(masked) < detail(plain) / 2
    assert outside_unchanged(plain, masked, box)


def test_pixelated_blocks_are_uniform(renderer: SceneRenderer) -> None:
    masked = renderer.render(T0, 1, pan=0.3, masks=[MaskSpec("Pixelated", rectangle(96, 96, 288, 240), (0, 0, 0))])
    block = max(4, 2 * round(min(W, H) / 30 / 2))  # 12 at 640x360
    region = masked.y[96:240, 96:288]
    blocks = region.reshape(region.shape[0] // block, block, region.shape[1] // block, block)
    assert (blocks.max(axis=(1, 3)) == blocks.min(axis=(1, 3))).all()
    assert len(np.unique(blocks.max(axis=(1, 3)))) > 5  # still a picture, not one colour


def test_masks_hide_the_text_under_them(renderer: SceneRenderer) -> None:
    cover_all = MaskSpec("Color", rectangle(0, 0, W, H), (0, 0, 255))
    frame = renderer.render(T0, 1, overlay=["Secret"], masks=[cover_all])
    stamp_left = (stamp_box(W, H) or (0, 0, 0))[0]
    # Caption, OSD, ball and box are gone: one colour everywhere but the stamp.
    assert set(np.unique(frame.y[:, :stamp_left])) == {rgb_to_ycbcr((0, 0, 255))[0]}
    assert set(np.unique(frame.y[H // 2 :])) == {rgb_to_ycbcr((0, 0, 255))[0]}


def test_the_stamp_is_written_over_masks(renderer: SceneRenderer) -> None:
    cover_all = MaskSpec("Blurred", rectangle(0, 0, W, H), (0, 0, 0))
    assert read_stamp(renderer.render(T0, 77, masks=[cover_all]).y) == Stamp(77, T0.timestamp())


@pytest.mark.parametrize(
    "polygon",
    [
        rectangle(-50, -50, 60, 40),  # past the top-left corner
        rectangle(600, 300, 700, 400),  # past the bottom-right corner
        rectangle(700, 10, 800, 50),  # wholly outside
        (),  # no points
    ],
)
def test_masks_at_or_past_the_edges(renderer: SceneRenderer, polygon: tuple[tuple[float, float], ...]) -> None:
    plain = renderer.render(T0, 1)
    for kind in ("Color", "Pixelated", "Blurred"):
        masked = renderer.render(T0, 1, masks=[MaskSpec(kind, polygon, (0, 0, 0))])
        visible = [(max(0, x), max(0, y)) for x, y in polygon if x < W and y < H]
        if not visible:
            assert same(plain, masked)
        else:
            assert not same(plain, masked)


# --- the same picture as the test card --------------------------------------------------------------


def bar_means(image: Image.Image, height: int) -> list[tuple[float, ...]]:
    """Mean RGB of the middle of each colour bar at home position (640x360, zoom 1)."""
    width = 1.1 / 7 * height  # a bar is 1.1/7 units wide, a unit being the view's height
    left = image.width / 2 - 3.5 * width
    rows = (round(0.35 * height), round(0.6 * height))
    return [
        tuple(ImageStat.Stat(image.crop((round(left + (i + 0.2) * width), rows[0], round(left + (i + 0.8) * width), rows[1]))).mean)
        for i in range(7)
    ]


def test_colour_bars_match_the_test_card(renderer: SceneRenderer) -> None:
    stream = bar_means(renderer.render(T0, 1).to_image(), H)
    card = bar_means(TestCard(W, H, "Front door").render(T0), H)
    for ours, theirs in zip(stream, card):
        assert max(abs(a - b) for a, b in zip(ours, theirs)) < 4


@pytest.mark.parametrize("ptz", [{"pan": -0.6, "tilt": 0.4}, {"pan": 0.5, "tilt": -1.0, "zoom": 0.5}, {"pan": 0.1, "zoom": 1.0}])
def test_pan_tilt_and_zoom_show_what_the_test_card_shows(renderer: SceneRenderer, ptz: dict[str, Any]) -> None:
    card_ptz = {**ptz, "zoom": zoom_factor(ptz.get("zoom", 0.0))}
    stream = renderer.render(T0, 1, **ptz).to_image()
    card = TestCard(W, H, "Front door").render(T0, **card_ptz)
    # Between the moving things at the top and the captions at the bottom.
    middle = (0, H // 4, W, 3 * H // 4)
    thumb = (64, 18)
    a = stream.crop(middle).resize(thumb, Image.Resampling.BOX)
    b = card.crop(middle).resize(thumb, Image.Resampling.BOX)
    assert sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3 < 6
