"""The coordinate spaces the head understands, and their translation to generic coordinates.

Each kind of coordinate a client sends (an absolute position, a relative
translation, a continuous velocity, a speed) can be given in any space the
node lists for that kind; the first of each list is ONVIF's generic space,
which the model works in.  `Spaces.to_generic` turns a client's value into
generic terms and refuses values outside the space's range with the fault
the PTZ spec names for that kind of coordinate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from onvif_device.camera.errors import InvalidArgVal
from onvif_device.camera.ptz import geometry as geo

PAN_TILT = "http://www.onvif.org/ver10/tptz/PanTiltSpaces/"
ZOOM = "http://www.onvif.org/ver10/tptz/ZoomSpaces/"

# The kinds, named as the node's SupportedPTZSpaces elements are.
ABSOLUTE_PAN_TILT = "AbsolutePanTiltPositionSpace"
ABSOLUTE_ZOOM = "AbsoluteZoomPositionSpace"
RELATIVE_PAN_TILT = "RelativePanTiltTranslationSpace"
RELATIVE_ZOOM = "RelativeZoomTranslationSpace"
CONTINUOUS_PAN_TILT = "ContinuousPanTiltVelocitySpace"
CONTINUOUS_ZOOM = "ContinuousZoomVelocitySpace"
PAN_TILT_SPEED = "PanTiltSpeedSpace"
ZOOM_SPEED = "ZoomSpeedSpace"
KINDS = (
    ABSOLUTE_PAN_TILT,
    ABSOLUTE_ZOOM,
    RELATIVE_PAN_TILT,
    RELATIVE_ZOOM,
    CONTINUOUS_PAN_TILT,
    CONTINUOUS_ZOOM,
    PAN_TILT_SPEED,
    ZOOM_SPEED,
)

# The fault detail for a value out of its space's range, by kind.
_OUT_OF_RANGE = {
    ABSOLUTE_PAN_TILT: "InvalidPosition",
    ABSOLUTE_ZOOM: "InvalidPosition",
    RELATIVE_PAN_TILT: "InvalidTranslation",
    RELATIVE_ZOOM: "InvalidTranslation",
    CONTINUOUS_PAN_TILT: "InvalidVelocity",
    CONTINUOUS_ZOOM: "InvalidVelocity",
    PAN_TILT_SPEED: "InvalidSpeed",
    ZOOM_SPEED: "InvalidSpeed",
}

FOV_TRANSLATION = PAN_TILT + "TranslationSpaceFov"
GENERIC_POSITION_PAN_TILT = PAN_TILT + "PositionGenericSpace"
GENERIC_POSITION_ZOOM = ZOOM + "PositionGenericSpace"


@dataclass(frozen=True, slots=True)
class Range:
    min: float
    max: float

    def __contains__(self, value: float) -> bool:
        # A hair of slack: clients send back the limits they were given after a float round trip.
        slack = 1e-6 * max(1.0, abs(self.min), abs(self.max))
        return self.min - slack <= value <= self.max + slack

    def clamp(self, value: float) -> float:
        return min(max(value, self.min), self.max)


@dataclass(frozen=True, slots=True)
class Space:
    kind: str
    uri: str
    x: Range
    y: Range | None = None  # None for the one-dimensional descriptions: zoom spaces and speed spaces

    @property
    def is_pan_tilt(self) -> bool:
        return "PanTilt" in self.kind


class Spaces:
    """The spaces of a head with the given top speeds (generic units per second)."""

    def __init__(self, pan_speed: float, tilt_speed: float, zoom_speed: float) -> None:
        self.pan_speed, self.tilt_speed, self.zoom_speed = pan_speed, tilt_speed, zoom_speed
        pan_deg_s = geo.pan_degrees(pan_speed)
        tilt_deg_s = geo.tilt_degrees(tilt_speed)
        mm_s = zoom_speed * (geo.FOCAL_TELE_MM - geo.FOCAL_WIDE_MM)
        mm_span = geo.FOCAL_TELE_MM - geo.FOCAL_WIDE_MM
        pan, tilt = geo.PAN_DEGREES, geo.TILT_DEGREES
        unit, both = Range(-1.0, 1.0), Range(0.0, 1.0)
        listed = [
            Space(ABSOLUTE_PAN_TILT, GENERIC_POSITION_PAN_TILT, unit, unit),
            Space(ABSOLUTE_PAN_TILT, PAN_TILT + "SphericalPositionSpaceDegrees", Range(-pan, pan), Range(-tilt, tilt)),
            Space(ABSOLUTE_ZOOM, GENERIC_POSITION_ZOOM, both),
            Space(ABSOLUTE_ZOOM, ZOOM + "PositionSpaceMillimeter", Range(geo.FOCAL_WIDE_MM, geo.FOCAL_TELE_MM)),
            Space(RELATIVE_PAN_TILT, PAN_TILT + "TranslationGenericSpace", unit, unit),
            Space(RELATIVE_PAN_TILT, FOV_TRANSLATION, unit, unit),
            Space(
                RELATIVE_PAN_TILT,
                PAN_TILT + "SphericalTranslationSpaceDegrees",
                Range(-2 * pan, 2 * pan),
                Range(-2 * tilt, 2 * tilt),
            ),
            Space(RELATIVE_ZOOM, ZOOM + "TranslationGenericSpace", unit),
            Space(RELATIVE_ZOOM, ZOOM + "TranslationSpaceMillimeter", Range(-mm_span, mm_span)),
            Space(CONTINUOUS_PAN_TILT, PAN_TILT + "VelocityGenericSpace", unit, unit),
            Space(
                CONTINUOUS_PAN_TILT,
                PAN_TILT + "VelocitySpaceDegrees",
                Range(-pan_deg_s, pan_deg_s),
                Range(-tilt_deg_s, tilt_deg_s),
            ),
            Space(CONTINUOUS_ZOOM, ZOOM + "VelocityGenericSpace", unit),
            Space(CONTINUOUS_ZOOM, ZOOM + "VelocitySpaceMillimeter", Range(-mm_s, mm_s)),
            Space(PAN_TILT_SPEED, PAN_TILT + "GenericSpeedSpace", both),
            # x is the pan speed and y the tilt speed; each axis stops at its own top speed.
            Space(PAN_TILT_SPEED, PAN_TILT + "SpeedSpaceDegrees", Range(0.0, max(pan_deg_s, tilt_deg_s))),
            Space(ZOOM_SPEED, ZOOM + "ZoomGenericSpeedSpace", both),
            Space(ZOOM_SPEED, ZOOM + "SpeedSpaceMillimeter", Range(0.0, mm_s)),
        ]
        self._by_kind: dict[str, list[Space]] = {kind: [] for kind in KINDS}
        for space in listed:
            self._by_kind[space.kind].append(space)

    def of_kind(self, kind: str) -> list[Space]:
        """The node's spaces of one kind, the generic one first."""
        return list(self._by_kind[kind])

    def generic(self, kind: str) -> Space:
        return self._by_kind[kind][0]

    def find(self, kind: str, uri: str | None) -> Space:
        """The space named `uri` (None: the generic one); ter:SpaceNotSupported if this node has none."""
        if uri is None:
            return self.generic(kind)
        for space in self._by_kind[kind]:
            if space.uri == uri.strip():
                return space
        offered = ", ".join(s.uri for s in self._by_kind[kind])
        raise InvalidArgVal("SpaceNotSupported", f"{kind} {uri[:120]!r} is not supported; this node offers {offered}")

    def to_generic(self, kind: str, uri: str | None, x: float, y: float | None = None, *, zoom: float = 0.0):
        """The value (x, y) of space `uri` as generic coordinates: a float for zoom kinds, a pair for pan/tilt.

        `zoom` is the lens's position now, which the FOV translation space depends on."""
        space = self.find(kind, uri)
        # A pan/tilt speed space is one-dimensional, yet tt:PTZSpeed carries x and y: both must fit it.
        y_limits = space.x if space.kind == PAN_TILT_SPEED else space.y
        for axis, value, limits in (("x", x, space.x), ("y", y, y_limits)):
            if limits is None:
                continue
            if value is None or not math.isfinite(value) or value not in limits:
                raise InvalidArgVal(
                    _OUT_OF_RANGE[kind],
                    f"{axis}={value} is outside {space.uri} ({limits.min:g} to {limits.max:g})",
                )
        name = space.uri.rsplit("/", 1)[1]
        if space.is_pan_tilt:
            assert y is not None
            return self._pan_tilt(name, x, y, zoom)
        return self._zoom(name, x)

    def from_generic(self, kind: str, uri: str | None, x: float, y: float | None = None):
        """A generic absolute position as coordinates of position space `uri` (the inverse of
        `to_generic` for the absolute kinds): what GetStatus and GetPresets report in."""
        space = self.find(kind, uri)
        name = space.uri.rsplit("/", 1)[1]
        if space.is_pan_tilt:
            assert y is not None
            if name == "SphericalPositionSpaceDegrees":
                return geo.pan_degrees(x), geo.tilt_degrees(y)
            return x, y
        return geo.focal_mm(x) if name == "PositionSpaceMillimeter" else x

    def _pan_tilt(self, name: str, x: float, y: float, zoom: float) -> tuple[float, float]:
        if name in ("SphericalPositionSpaceDegrees", "SphericalTranslationSpaceDegrees"):
            return geo.pan_of_degrees(x), geo.tilt_of_degrees(y)
        if name == "TranslationSpaceFov":
            return geo.fov_translation(x, y, zoom)
        if name == "VelocitySpaceDegrees":
            return min(1.0, geo.pan_of_degrees(x) / self.pan_speed), min(1.0, geo.tilt_of_degrees(y) / self.tilt_speed)
        if name == "SpeedSpaceDegrees":
            return min(1.0, geo.pan_of_degrees(x) / self.pan_speed), min(1.0, geo.tilt_of_degrees(y) / self.tilt_speed)
        return x, y  # the generic spaces

    def _zoom(self, name: str, x: float) -> float:
        mm_span = geo.FOCAL_TELE_MM - geo.FOCAL_WIDE_MM
        if name == "PositionSpaceMillimeter":
            return geo.zoom_of_focal_mm(x)
        if name == "TranslationSpaceMillimeter":
            return x / mm_span
        if name in ("VelocitySpaceMillimeter", "SpeedSpaceMillimeter"):
            return x / (self.zoom_speed * mm_span)
        return x
