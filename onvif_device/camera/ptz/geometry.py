"""The head's geometry: how generic PTZ coordinates relate to degrees, millimetres and the picture.

The model moves in ONVIF's generic spaces: pan and tilt from -1 to 1, zoom
from 0 (wide) to 1 (tele).  The renderer draws the view those coordinates
select on a flat panorama (`video.testcard.window`), so the head's angles are
calibrated from the same geometry: one panorama unit spans `DEGREES_PER_UNIT`
degrees in both directions, and the widest field of view is 60 degrees across
a 16:9 frame.  That gives a head that pans +-60 and tilts +-8.4 degrees: a
small range, but one where a move of N degrees shifts the picture by exactly
N degrees' worth of pixels, which is what the degree and FOV spaces promise.

Zoom is a linear magnification from 1 to `MAX_ZOOM`, as the renderer crops;
the focal length grows with it from `FOCAL_WIDE_MM`.
"""

from __future__ import annotations

from onvif_device.video.scene import MAX_ZOOM
from onvif_device.video.testcard import REF_ASPECT, SCENE_H, SCENE_W

WIDE_HFOV_DEGREES = 60.0
DEGREES_PER_UNIT = WIDE_HFOV_DEGREES / REF_ASPECT
# How far the view's centre travels, in panorama units, from generic 0 to generic 1.
_PAN_UNITS = (SCENE_W - REF_ASPECT) / 2
_TILT_UNITS = (SCENE_H - 1.0) / 2
PAN_DEGREES = DEGREES_PER_UNIT * _PAN_UNITS  # generic pan 1 is this many degrees right of centre
TILT_DEGREES = DEGREES_PER_UNIT * _TILT_UNITS
FOCAL_WIDE_MM = 4.7
FOCAL_TELE_MM = FOCAL_WIDE_MM * MAX_ZOOM


def magnification(zoom: float) -> float:
    """Generic zoom (0..1) as the lens's magnification (1..MAX_ZOOM)."""
    return 1.0 + zoom * (MAX_ZOOM - 1.0)


def zoom_of_magnification(value: float) -> float:
    return (value - 1.0) / (MAX_ZOOM - 1.0)


def pan_degrees(pan: float) -> float:
    return pan * PAN_DEGREES


def tilt_degrees(tilt: float) -> float:
    return tilt * TILT_DEGREES


def pan_of_degrees(degrees: float) -> float:
    return degrees / PAN_DEGREES


def tilt_of_degrees(degrees: float) -> float:
    return degrees / TILT_DEGREES


def focal_mm(zoom: float) -> float:
    return FOCAL_WIDE_MM * magnification(zoom)


def zoom_of_focal_mm(mm: float) -> float:
    return zoom_of_magnification(mm / FOCAL_WIDE_MM)


def field_of_view_degrees(zoom: float) -> tuple[float, float]:
    """Horizontal and vertical field of view of the 16:9 reference frame at `zoom`."""
    m = magnification(zoom)
    return WIDE_HFOV_DEGREES / m, DEGREES_PER_UNIT / m


def fov_translation(x: float, y: float, zoom: float) -> tuple[float, float]:
    """A move in the FOV translation space as a generic pan/tilt delta.

    (1, 1) is the upper right corner of the picture, so x = 1 brings what is at
    the right edge to the centre: half the field of view.
    """
    hfov, vfov = field_of_view_degrees(zoom)
    return pan_of_degrees(x * hfov / 2), tilt_of_degrees(y * vfov / 2)
