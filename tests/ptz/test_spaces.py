"""The head's coordinate spaces (camera/ptz/spaces.py): every space of every kind, and the faults.

The figures follow geometry.py: the head pans +-60 and tilts +-8.4375 degrees, the
widest horizontal field of view is 60 degrees (33.75 vertically, 16:9), zoom is a
1x..4x magnification with the focal length from 4.7 to 18.8 mm.  The top speeds
below are the factory ones: 60 degrees/s pan (1 generic unit/s), 30 degrees/s tilt,
2 s from wide to tele (0.5 generic units/s, 7.05 mm/s).
"""

from __future__ import annotations

import math

import pytest

from onvif_device.camera.camera import Camera
from onvif_device.camera.errors import InvalidArgVal
from onvif_device.camera.ptz import geometry as geo
from onvif_device.camera.ptz import spaces as sp
from onvif_device.config import Config

PT = sp.PAN_TILT
Z = sp.ZOOM
PAN_SPEED = 1.0  # generic units per second
TILT_SPEED = 30.0 / 8.4375
ZOOM_SPEED = 0.5


@pytest.fixture
def spaces() -> sp.Spaces:
    return sp.Spaces(PAN_SPEED, TILT_SPEED, ZOOM_SPEED)


def test_the_geometry_the_figures_below_rest_on():
    assert geo.PAN_DEGREES == pytest.approx(60.0)
    assert geo.TILT_DEGREES == pytest.approx(8.4375)
    assert (geo.FOCAL_WIDE_MM, geo.FOCAL_TELE_MM) == pytest.approx((4.7, 18.8))
    assert geo.field_of_view_degrees(0.0) == pytest.approx((60.0, 33.75))
    assert geo.field_of_view_degrees(1.0) == pytest.approx((15.0, 8.4375))


@pytest.mark.parametrize(
    ("kind", "uris"),
    [
        (sp.ABSOLUTE_PAN_TILT, ["PositionGenericSpace", "SphericalPositionSpaceDegrees"]),
        (sp.ABSOLUTE_ZOOM, ["PositionGenericSpace", "PositionSpaceMillimeter"]),
        (
            sp.RELATIVE_PAN_TILT,
            ["TranslationGenericSpace", "TranslationSpaceFov", "SphericalTranslationSpaceDegrees"],
        ),
        (sp.RELATIVE_ZOOM, ["TranslationGenericSpace", "TranslationSpaceMillimeter"]),
        (sp.CONTINUOUS_PAN_TILT, ["VelocityGenericSpace", "VelocitySpaceDegrees"]),
        (sp.CONTINUOUS_ZOOM, ["VelocityGenericSpace", "VelocitySpaceMillimeter"]),
        (sp.PAN_TILT_SPEED, ["GenericSpeedSpace", "SpeedSpaceDegrees"]),
        (sp.ZOOM_SPEED, ["ZoomGenericSpeedSpace", "SpeedSpaceMillimeter"]),
    ],
)
def test_each_kind_lists_its_spaces_generic_first(spaces, kind, uris):
    listed = spaces.of_kind(kind)
    prefix = PT if "PanTilt" in kind else Z
    assert [s.uri for s in listed] == [prefix + u for u in uris]
    assert spaces.generic(kind) is listed[0]
    assert spaces.find(kind, None) is listed[0]
    assert all(s.kind == kind for s in listed)
    one_dimensional = "Zoom" in kind or "Speed" in kind
    assert all((s.y is None) == one_dimensional for s in listed)


@pytest.mark.parametrize(
    ("kind", "uri", "value", "expected"),
    [
        # Generic spaces pass values through.
        (sp.ABSOLUTE_PAN_TILT, PT + "PositionGenericSpace", (0.3, -0.7), (0.3, -0.7)),
        (sp.RELATIVE_PAN_TILT, PT + "TranslationGenericSpace", (-1.0, 1.0), (-1.0, 1.0)),
        (sp.CONTINUOUS_PAN_TILT, PT + "VelocityGenericSpace", (0.5, -0.25), (0.5, -0.25)),
        (sp.PAN_TILT_SPEED, PT + "GenericSpeedSpace", (0.2, 0.9), (0.2, 0.9)),
        (sp.ABSOLUTE_PAN_TILT, None, (0.1, 0.2), (0.1, 0.2)),  # no space: the generic one
        # Degrees: pan +-60, tilt +-8.4375.
        (sp.ABSOLUTE_PAN_TILT, PT + "SphericalPositionSpaceDegrees", (30.0, -4.21875), (0.5, -0.5)),
        (sp.ABSOLUTE_PAN_TILT, PT + "SphericalPositionSpaceDegrees", (-60.0, 8.4375), (-1.0, 1.0)),
        (sp.RELATIVE_PAN_TILT, PT + "SphericalTranslationSpaceDegrees", (-90.0, 16.875), (-1.5, 2.0)),
        (sp.RELATIVE_PAN_TILT, PT + "SphericalTranslationSpaceDegrees", (6.0, 0.84375), (0.1, 0.1)),
        # Velocities in degrees/s against the top speeds (60 pan, 30 tilt).
        (sp.CONTINUOUS_PAN_TILT, PT + "VelocitySpaceDegrees", (30.0, -15.0), (0.5, -0.5)),
        (sp.CONTINUOUS_PAN_TILT, PT + "VelocitySpaceDegrees", (-60.0, 30.0), (-1.0, 1.0)),
        # Speeds in degrees/s: x pans, y tilts, each capped at its axis's top speed.
        (sp.PAN_TILT_SPEED, PT + "SpeedSpaceDegrees", (30.0, 15.0), (0.5, 0.5)),
        (sp.PAN_TILT_SPEED, PT + "SpeedSpaceDegrees", (60.0, 30.0), (1.0, 1.0)),
        (sp.PAN_TILT_SPEED, PT + "SpeedSpaceDegrees", (6.0, 60.0), (0.1, 1.0)),
    ],
)
def test_pan_tilt_spaces_convert_to_generic(spaces, kind, uri, value, expected):
    assert spaces.to_generic(kind, uri, *value) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("kind", "uri", "value", "expected"),
    [
        (sp.ABSOLUTE_ZOOM, Z + "PositionGenericSpace", 0.4, 0.4),
        (sp.ABSOLUTE_ZOOM, None, 1.0, 1.0),
        (sp.RELATIVE_ZOOM, Z + "TranslationGenericSpace", -0.5, -0.5),
        (sp.CONTINUOUS_ZOOM, Z + "VelocityGenericSpace", -1.0, -1.0),
        (sp.ZOOM_SPEED, Z + "ZoomGenericSpeedSpace", 0.3, 0.3),
        # Millimetres: f = 4.7 mm x magnification, magnification 1 + 3 x zoom.
        (sp.ABSOLUTE_ZOOM, Z + "PositionSpaceMillimeter", 4.7, 0.0),
        (sp.ABSOLUTE_ZOOM, Z + "PositionSpaceMillimeter", 11.75, 0.5),
        (sp.ABSOLUTE_ZOOM, Z + "PositionSpaceMillimeter", 18.8, 1.0),
        (sp.RELATIVE_ZOOM, Z + "TranslationSpaceMillimeter", 7.05, 0.5),
        (sp.RELATIVE_ZOOM, Z + "TranslationSpaceMillimeter", -14.1, -1.0),
        # 7.05 mm/s is the top zoom speed.
        (sp.CONTINUOUS_ZOOM, Z + "VelocitySpaceMillimeter", 3.525, 0.5),
        (sp.CONTINUOUS_ZOOM, Z + "VelocitySpaceMillimeter", -7.05, -1.0),
        (sp.ZOOM_SPEED, Z + "SpeedSpaceMillimeter", 7.05, 1.0),
        (sp.ZOOM_SPEED, Z + "SpeedSpaceMillimeter", 1.41, 0.2),
    ],
)
def test_zoom_spaces_convert_to_generic(spaces, kind, uri, value, expected):
    assert spaces.to_generic(kind, uri, value) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("zoom", "value", "expected_degrees"),
    [
        (0.0, (1.0, 0.0), (30.0, 0.0)),  # x = 1: half the 60 degree field of view
        (0.0, (-0.5, 0.0), (-15.0, 0.0)),
        (0.0, (0.0, 1.0), (0.0, 16.875)),  # y = 1: half the 33.75 degree vertical field
        (1.0 / 3.0, (1.0, -1.0), (15.0, -8.4375)),  # 2x: a 30 x 16.875 degree field
        (1.0, (1.0, 1.0), (7.5, 4.21875)),  # 4x: 15 x 8.4375
    ],
)
def test_fov_translation_moves_by_half_the_field_of_view_at_the_current_zoom(spaces, zoom, value, expected_degrees):
    pan, tilt = spaces.to_generic(sp.RELATIVE_PAN_TILT, sp.FOV_TRANSLATION, *value, zoom=zoom)
    assert (geo.pan_degrees(pan), geo.tilt_degrees(tilt)) == pytest.approx(expected_degrees)


def test_fov_translation_x_one_is_half_the_horizontal_field_of_view_in_generic_units(spaces):
    # 30 degrees of a 60 degree pan range is half of generic pan's unit.
    assert spaces.to_generic(sp.RELATIVE_PAN_TILT, sp.FOV_TRANSLATION, 1.0, 0.0) == pytest.approx((0.5, 0.0))
    hfov, _ = geo.field_of_view_degrees(0.6)
    pan, _ = spaces.to_generic(sp.RELATIVE_PAN_TILT, sp.FOV_TRANSLATION, 1.0, 0.0, zoom=0.6)
    assert pan == pytest.approx(hfov / 2 / 60.0)


@pytest.mark.parametrize(
    ("kind", "uri", "generic", "expected"),
    [
        (sp.ABSOLUTE_PAN_TILT, None, (0.3, -0.7), (0.3, -0.7)),
        (sp.ABSOLUTE_PAN_TILT, PT + "SphericalPositionSpaceDegrees", (0.5, -0.5), (30.0, -4.21875)),
        (sp.ABSOLUTE_PAN_TILT, PT + "SphericalPositionSpaceDegrees", (-1.0, 1.0), (-60.0, 8.4375)),
        (sp.ABSOLUTE_ZOOM, None, (0.4,), 0.4),
        (sp.ABSOLUTE_ZOOM, Z + "PositionSpaceMillimeter", (0.0,), 4.7),
        (sp.ABSOLUTE_ZOOM, Z + "PositionSpaceMillimeter", (0.5,), 11.75),
        (sp.ABSOLUTE_ZOOM, Z + "PositionSpaceMillimeter", (1.0,), 18.8),
    ],
)
def test_from_generic_reports_a_position_in_a_space_and_inverts_to_generic(spaces, kind, uri, generic, expected):
    reported = spaces.from_generic(kind, uri, *generic)
    assert reported == pytest.approx(expected)
    again = spaces.to_generic(kind, uri, *(reported if isinstance(reported, tuple) else (reported,)))
    assert again == pytest.approx(generic if len(generic) == 2 else generic[0])


@pytest.mark.parametrize(
    ("kind", "uri", "value", "detail"),
    [
        (sp.ABSOLUTE_PAN_TILT, None, (1.5, 0.0), "InvalidPosition"),
        (sp.ABSOLUTE_PAN_TILT, PT + "PositionGenericSpace", (0.0, -1.01), "InvalidPosition"),
        (sp.ABSOLUTE_PAN_TILT, PT + "SphericalPositionSpaceDegrees", (61.0, 0.0), "InvalidPosition"),
        (sp.ABSOLUTE_PAN_TILT, PT + "SphericalPositionSpaceDegrees", (0.0, 9.0), "InvalidPosition"),
        (sp.ABSOLUTE_ZOOM, None, (-0.1,), "InvalidPosition"),
        (sp.ABSOLUTE_ZOOM, Z + "PositionSpaceMillimeter", (4.0,), "InvalidPosition"),
        (sp.ABSOLUTE_ZOOM, Z + "PositionSpaceMillimeter", (19.0,), "InvalidPosition"),
        (sp.RELATIVE_PAN_TILT, None, (2.0, 0.0), "InvalidTranslation"),
        (sp.RELATIVE_PAN_TILT, sp.FOV_TRANSLATION, (0.0, -1.5), "InvalidTranslation"),
        (sp.RELATIVE_PAN_TILT, PT + "SphericalTranslationSpaceDegrees", (121.0, 0.0), "InvalidTranslation"),
        (sp.RELATIVE_ZOOM, None, (1.2,), "InvalidTranslation"),
        (sp.RELATIVE_ZOOM, Z + "TranslationSpaceMillimeter", (-15.0,), "InvalidTranslation"),
        (sp.CONTINUOUS_PAN_TILT, None, (0.0, 1.1), "InvalidVelocity"),
        (sp.CONTINUOUS_PAN_TILT, PT + "VelocitySpaceDegrees", (61.0, 0.0), "InvalidVelocity"),
        (sp.CONTINUOUS_PAN_TILT, PT + "VelocitySpaceDegrees", (0.0, -31.0), "InvalidVelocity"),
        (sp.CONTINUOUS_ZOOM, None, (-1.5,), "InvalidVelocity"),
        (sp.CONTINUOUS_ZOOM, Z + "VelocitySpaceMillimeter", (7.2,), "InvalidVelocity"),
        (sp.PAN_TILT_SPEED, None, (-0.1, 0.5), "InvalidSpeed"),
        (sp.PAN_TILT_SPEED, None, (0.5, 1.5), "InvalidSpeed"),  # y must fit the one-dimensional range too
        (sp.PAN_TILT_SPEED, PT + "SpeedSpaceDegrees", (61.0, 0.0), "InvalidSpeed"),
        (sp.ZOOM_SPEED, None, (1.1,), "InvalidSpeed"),
        (sp.ZOOM_SPEED, Z + "SpeedSpaceMillimeter", (-1.0,), "InvalidSpeed"),
    ],
)
def test_values_outside_a_space_give_the_kinds_fault(spaces, kind, uri, value, detail):
    with pytest.raises(InvalidArgVal) as error:
        spaces.to_generic(kind, uri, *value)
    assert error.value.code == "Sender"
    assert error.value.subcodes == ("InvalidArgVal", detail)
    shown_uri = uri or spaces.generic(kind).uri
    assert shown_uri in error.value.reason


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize(
    ("kind", "detail"),
    [
        (sp.ABSOLUTE_PAN_TILT, "InvalidPosition"),
        (sp.RELATIVE_PAN_TILT, "InvalidTranslation"),
        (sp.CONTINUOUS_PAN_TILT, "InvalidVelocity"),
        (sp.PAN_TILT_SPEED, "InvalidSpeed"),
    ],
)
def test_nan_and_infinity_are_refused_on_either_axis(spaces, kind, detail, bad):
    for value in ((bad, 0.0), (0.0, bad)):
        with pytest.raises(InvalidArgVal) as error:
            spaces.to_generic(kind, None, *value)
        assert error.value.subcodes == ("InvalidArgVal", detail)


@pytest.mark.parametrize(
    ("kind", "detail"),
    [
        (sp.ABSOLUTE_ZOOM, "InvalidPosition"),
        (sp.RELATIVE_ZOOM, "InvalidTranslation"),
        (sp.CONTINUOUS_ZOOM, "InvalidVelocity"),
        (sp.ZOOM_SPEED, "InvalidSpeed"),
    ],
)
def test_nan_and_infinity_are_refused_for_zoom(spaces, kind, detail):
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(InvalidArgVal) as error:
            spaces.to_generic(kind, None, bad)
        assert error.value.subcodes == ("InvalidArgVal", detail)


def test_a_pan_tilt_value_without_y_is_refused(spaces):
    with pytest.raises(InvalidArgVal) as error:
        spaces.to_generic(sp.ABSOLUTE_PAN_TILT, None, 0.5)
    assert error.value.subcodes == ("InvalidArgVal", "InvalidPosition")


def test_the_limits_themselves_are_accepted_after_a_float_round_trip(spaces):
    assert spaces.to_generic(sp.ABSOLUTE_PAN_TILT, None, 1.0000001, -1.0000001) == pytest.approx((1.0, -1.0))
    mm = float(f"{geo.FOCAL_TELE_MM:.7g}")
    assert spaces.to_generic(sp.ABSOLUTE_ZOOM, Z + "PositionSpaceMillimeter", mm) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("kind", "uri"),
    [
        (sp.ABSOLUTE_PAN_TILT, "http://example.com/NoSuchSpace"),
        (sp.ABSOLUTE_PAN_TILT, Z + "PositionGenericSpace"),  # a zoom space for pan/tilt
        (sp.RELATIVE_PAN_TILT, PT + "PositionGenericSpace"),  # a position space for a translation
        (sp.CONTINUOUS_ZOOM, Z + "TranslationGenericSpace"),
        (sp.ZOOM_SPEED, ""),
    ],
)
def test_an_unknown_space_uri_is_space_not_supported(spaces, kind, uri):
    with pytest.raises(InvalidArgVal) as error:
        spaces.to_generic(kind, uri, 0.0, 0.0)
    assert error.value.subcodes == ("InvalidArgVal", "SpaceNotSupported")
    # The reason names what the node does offer.
    assert spaces.generic(kind).uri in error.value.reason


def test_surrounding_whitespace_in_a_uri_is_ignored(spaces):
    uri = f"  {PT}SphericalPositionSpaceDegrees\n"
    assert spaces.to_generic(sp.ABSOLUTE_PAN_TILT, uri, 30.0, 0.0) == pytest.approx((0.5, 0.0))


def test_the_ranges_follow_the_configured_top_speeds():
    config = Config(ptz={"pan_speed_degrees": 90.0, "tilt_speed_degrees": 45.0, "zoom_seconds": 4.0})
    spaces = Camera(config, seed="spaces").ptz.spaces
    (degrees,) = [s for s in spaces.of_kind(sp.CONTINUOUS_PAN_TILT) if s.uri.endswith("VelocitySpaceDegrees")]
    assert (degrees.x.min, degrees.x.max) == pytest.approx((-90.0, 90.0))
    assert (degrees.y.min, degrees.y.max) == pytest.approx((-45.0, 45.0))
    (mm,) = [s for s in spaces.of_kind(sp.CONTINUOUS_ZOOM) if s.uri.endswith("Millimeter")]
    assert mm.x.max == pytest.approx(14.1 / 4.0)  # 4 s across the 14.1 mm range
    assert spaces.to_generic(sp.CONTINUOUS_PAN_TILT, degrees.uri, 45.0, 45.0) == pytest.approx((0.5, 1.0))
    assert spaces.to_generic(sp.ZOOM_SPEED, Z + "SpeedSpaceMillimeter", 14.1 / 8) == pytest.approx(0.5)
