"""apply_look on real frames: each setting moves the picture's statistics the way a camera's would."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from onvif_device.video.look import Look, apply_look
from onvif_device.video.scene import SceneRenderer
from onvif_device.video.yuv import YuvFrame

WHEN = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def renderer() -> SceneRenderer:
    return SceneRenderer(640, 360, "look test")


@pytest.fixture
def scene(renderer) -> YuvFrame:
    """A fresh frame of the test card scene, with colours, edges and text."""
    return renderer.render(WHEN, 1)


def looked(frame: YuvFrame, look: Look) -> YuvFrame:
    copy = YuvFrame(frame.width, frame.height, frame.y.copy(), frame.u.copy(), frame.v.copy())
    return apply_look(copy, look)


def edge_energy(plane: np.ndarray) -> float:
    """Mean absolute difference between neighbours: high for sharp pictures, low for blurred ones."""
    p = plane.astype(np.int16)
    return float(np.abs(np.diff(p, axis=1)).mean() + np.abs(np.diff(p, axis=0)).mean())


def chroma_spread(frame: YuvFrame) -> float:
    return float(np.abs(frame.u.astype(np.int16) - 128).mean() + np.abs(frame.v.astype(np.int16) - 128).mean())


def test_identity_leaves_every_byte_and_returns_the_same_frame(scene):
    before = [p.copy() for p in scene.planes]
    assert Look().is_identity
    assert apply_look(scene, Look()) is scene
    for plane, original in zip(scene.planes, before):
        assert np.array_equal(plane, original)


def test_a_look_changes_the_planes_in_place(scene):
    y = scene.y
    assert apply_look(scene, Look(brightness=30)) is scene
    assert scene.y is y


def test_brightness_raises_and_lowers_mean_luma(scene):
    means = [float(looked(scene, Look(brightness=b)).y.mean()) for b in (-60, -20, 0, 20, 60)]
    assert means == sorted(means)
    assert means[-1] - means[0] > 60  # about +-60 levels, less what clipping at 16 and 235 eats


def test_contrast_widens_the_spread_of_luma(scene):
    spreads = [float(looked(scene, Look(contrast=c)).y.std()) for c in (1 / 3, 0.7, 1.0, 1.5, 3.0)]
    assert spreads == sorted(spreads)
    assert spreads[0] < 0.5 * spreads[2]


def test_exposure_scales_the_light_above_black(scene):
    dark = looked(scene, Look(exposure=0.1)).y
    bright = looked(scene, Look(exposure=8.0)).y
    assert float(dark.mean()) < float(scene.y.mean()) < float(bright.mean())
    assert float(dark.mean()) < 40
    assert float((bright == 235).mean()) > 0.5  # most of it burnt out


def test_backlight_compensation_and_wdr_lift_the_shadows(scene):
    dark = scene.y < 60
    assert dark.any()
    for look in (Look(shadows=1.0), Look(compress=1.0)):
        assert float(looked(scene, look).y[dark].mean()) > float(scene.y[dark].mean()) + 5


def test_wdr_pulls_the_highlights_down(scene):
    bright = (scene.y > 180) & (scene.y < 235)
    assert bright.any()
    assert float(looked(scene, Look(compress=1.0)).y[bright].mean()) < float(scene.y[bright].mean()) - 5


def test_saturation_scales_chroma_around_neutral_and_zero_is_grey(scene):
    spreads = [chroma_spread(looked(scene, Look(saturation=s))) for s in (0.0, 0.5, 1.0, 2.0)]
    assert spreads[0] == 0.0
    assert spreads == sorted(spreads)
    grey = looked(scene, Look(saturation=0.0))
    assert np.array_equal(grey.y, scene.y)


def test_monochrome_is_neutral_chroma_everywhere(scene):
    night = looked(scene, Look(monochrome=True, saturation=2.0, cr_shift=20))
    assert (night.u == 128).all() and (night.v == 128).all()
    assert np.array_equal(night.y, scene.y)


def test_white_balance_shifts_u_and_v(scene):
    warm = looked(scene, Look(cr_shift=20, cb_shift=-20))
    assert float(warm.v.mean()) > float(scene.v.mean()) + 15
    assert float(warm.u.mean()) < float(scene.u.mean()) - 15


def test_blur_lowers_edge_energy_more_the_larger_it_is(scene):
    energies = [edge_energy(looked(scene, Look(blur=b)).y) for b in (0.0, 0.005, 0.01, 0.02)]
    assert energies == sorted(energies, reverse=True)
    assert energies[-1] < 0.5 * energies[0]
    blurred = looked(scene, Look(blur=0.02))
    assert edge_energy(blurred.u) < edge_energy(scene.u)
    # A blur moves detail around, not light: the picture stays as bright overall.
    assert abs(float(blurred.y.mean()) - float(scene.y.mean())) < 2


def test_a_blur_too_small_to_see_changes_nothing(scene):
    assert np.array_equal(looked(scene, Look(blur=1.0 / 360)).y, scene.y)


def test_sharpen_raises_edge_energy(scene):
    assert edge_energy(looked(scene, Look(sharpen=1.0)).y) > 1.1 * edge_energy(scene.y)


def test_values_stay_in_limited_range(scene):
    for look in (Look(brightness=60, contrast=3.0, exposure=8), Look(brightness=-60, exposure=0.01), Look(sharpen=1)):
        y = looked(scene, look).y
        assert int(y.min()) >= 16 and int(y.max()) <= 235
    u = looked(scene, Look(saturation=2.0, cb_shift=60)).u
    assert int(u.min()) >= 16 and int(u.max()) <= 240


def test_read_only_planes_are_copied_not_written(scene):
    for plane in scene.planes:
        plane.flags.writeable = False
    original = scene.y.copy()
    result = apply_look(scene, Look(brightness=40))
    assert result is not scene
    assert np.array_equal(scene.y, original)
    assert float(result.y.mean()) > float(original.mean())


def test_full_hd_frames_work_with_odd_shrink_factors():
    frame = SceneRenderer(1920, 1080, "hd").render(WHEN, 2)
    before = edge_energy(frame.y)
    apply_look(frame, Look(blur=0.0123, sharpen=0.3, brightness=5))
    assert (frame.width, frame.height, frame.y.shape, frame.u.shape) == (1920, 1080, (1080, 1920), (540, 960))
    assert edge_energy(frame.y) < before
