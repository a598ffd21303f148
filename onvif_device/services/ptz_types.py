"""The tt: PTZ types: spaces, nodes, configurations, positions, presets and tours <-> XML.

Values cross in both directions through the head's `Spaces`.  Coming in,
every vector is read in the space it names (or the configuration's default
for its kind) and handed to `Spaces.to_generic`, which refuses what the space
cannot hold with the fault the PTZ spec names for that kind of value.  Going
out, positions are written in the asking configuration's frame (Reverse and
EFlip applied) and default absolute spaces, as the spec asks of GetStatus;
speeds and limits in the generic spaces.

The ranges this camera offers for timeouts and tours (`TIMEOUTS`, ...) are
what GetConfigurationOptions and GetPresetTourOptions report and what the
readers hold requests to.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

from onvif_device.camera.errors import InvalidArgs, InvalidArgVal
from onvif_device.camera.media.state import PTZConfigurationState
from onvif_device.camera.ptz import (
    AUXILIARY_COMMANDS,
    Position,
    PtzHead,
    Space,
    Spaces,
    Speed,
    Status,
)
from onvif_device.camera.ptz import spaces as sp
from onvif_device.camera.ptz.state import PresetState, TourSpotState, TourState
from onvif_device.events.times import message_time_text, parse_duration
from onvif_device.services import args
from onvif_device.services import media_types as mt
from onvif_device.xml import Element, child, children, sub

# What the options offer, in seconds unless named otherwise.
TIMEOUTS = (0.1, 600.0)  # ContinuousMove's Timeout and a configuration's DefaultPTZTimeout
EFLIP_MODES = ("OFF", "ON")
REVERSE_MODES = ("OFF", "ON")
RECURRING_TIMES = (1, 1000)  # rounds of a preset tour
RECURRING_DURATIONS = (1.0, 86400.0)
STAY_TIMES = (0.0, 3600.0)
DIRECTIONS = ("Forward", "Backward")
TOUR_OPERATIONS = ("Start", "Stop", "Pause")  # what the node lists; "Extended" is refused
MAX_NAME = 64  # tt:Name

GENERIC_PAN_TILT_SPEED = sp.PAN_TILT + "GenericSpeedSpace"
GENERIC_ZOOM_SPEED = sp.ZOOM + "ZoomGenericSpeedSpace"

# tt:PTZConfiguration's default space elements (schema order) and the state fields behind them.
DEFAULT_SPACES = (
    ("DefaultAbsolutePantTiltPositionSpace", "default_absolute_pan_tilt_space", sp.ABSOLUTE_PAN_TILT),  # sic
    ("DefaultAbsoluteZoomPositionSpace", "default_absolute_zoom_space", sp.ABSOLUTE_ZOOM),
    ("DefaultRelativePanTiltTranslationSpace", "default_relative_pan_tilt_space", sp.RELATIVE_PAN_TILT),
    ("DefaultRelativeZoomTranslationSpace", "default_relative_zoom_space", sp.RELATIVE_ZOOM),
    ("DefaultContinuousPanTiltVelocitySpace", "default_continuous_pan_tilt_space", sp.CONTINUOUS_PAN_TILT),
    ("DefaultContinuousZoomVelocitySpace", "default_continuous_zoom_space", sp.CONTINUOUS_ZOOM),
)


# --- small pieces ------------------------------------------------------------------------


def number(value: float) -> str:
    """An xs:float: the shortest text that reads back exactly; INF for the unbounded."""
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    return repr(float(value))


def float_range(parent: Element, tag: str, low: float, high: float) -> Element:
    el = sub(parent, tag)
    sub(el, "tt:Min", number(low))
    sub(el, "tt:Max", number(high))
    return el


def duration_range(parent: Element, tag: str, low: float, high: float) -> Element:
    el = sub(parent, tag)
    sub(el, "tt:Min", mt.duration(low))
    sub(el, "tt:Max", mt.duration(high))
    return el


def read_duration(text: str, tag: str, allowed: tuple[float, float], detail: str) -> float:
    """An xs:duration in seconds, fractions kept (PT0.5S); outside `allowed` is ter:`detail`."""
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise InvalidArgVal(reason=f"{tag}: {exc}") from None
    low, high = allowed
    if not low <= seconds <= high:
        raise InvalidArgVal(
            detail, f"{tag} {text.strip()[:40]} is outside {mt.duration(low)} to {mt.duration(high)}"
        )
    return seconds


def _particulars(exc: InvalidArgVal) -> str:
    """The reason of a fault without the normative title in front."""
    return exc.reason.removeprefix(f"{exc.title}: ")


@contextmanager
def refaulted(detail: str, what: str, keep: tuple[str, ...] = ()) -> Iterator[None]:
    """Report the InvalidArgVal faults raised inside as ter:`detail` (those in `keep` pass as they are)."""
    try:
        yield
    except InvalidArgVal as exc:
        if exc.detail in keep:
            raise
        raise InvalidArgVal(detail, f"{what}: {_particulars(exc)}") from None


# --- spaces and nodes ------------------------------------------------------------------------


def space_description(parent: Element, tag: str, space: Space) -> Element:
    """tt:Space2DDescription, or tt:Space1DDescription for a space without a y axis."""
    el = sub(parent, tag)
    sub(el, "tt:URI", space.uri)
    float_range(el, "tt:XRange", space.x.min, space.x.max)
    if space.y is not None:
        float_range(el, "tt:YRange", space.y.min, space.y.max)
    return el


def ptz_spaces(parent: Element, tag: str, spaces: Spaces) -> Element:
    """tt:PTZSpaces: every space of the node, by kind in schema order, the generic one first."""
    el = sub(parent, tag)
    for kind in sp.KINDS:
        for space in spaces.of_kind(kind):
            space_description(el, f"tt:{kind}", space)
    return el


def node(parent: Element, tag: str, head: PtzHead) -> Element:
    el = sub(parent, tag, token=head.token, FixedHomePosition="false", GeoMove="false")
    sub(el, "tt:Name", head.name)
    ptz_spaces(el, "tt:SupportedPTZSpaces", head.spaces)
    sub(el, "tt:MaximumNumberOfPresets", head.max_presets)
    sub(el, "tt:HomeSupported", True)
    for command in AUXILIARY_COMMANDS:
        sub(el, "tt:AuxiliaryCommands", command)
    tours = sub(sub(el, "tt:Extension"), "tt:SupportedPresetTour")
    sub(tours, "tt:MaximumNumberOfPresetTours", head.tours.max_tours)
    for operation in TOUR_OPERATIONS:
        sub(tours, "tt:PTZPresetTourOperation", operation)
    return el


# --- configurations ---------------------------------------------------------------------------


def configuration(parent: Element, tag: str, cfg: PTZConfigurationState, use_count: int) -> Element:
    """tt:PTZConfiguration, for the PTZ service and for both Media services' profiles."""
    el = mt.entity(parent, tag, cfg, use_count)
    sub(el, "tt:NodeToken", cfg.node_token)
    for element_name, field, _ in DEFAULT_SPACES:
        sub(el, f"tt:{element_name}", getattr(cfg, field))
    speed = sub(el, "tt:DefaultPTZSpeed")
    pan, tilt = cfg.default_pan_tilt_speed
    sub(speed, "tt:PanTilt", x=number(pan), y=number(tilt), space=GENERIC_PAN_TILT_SPEED)
    sub(speed, "tt:Zoom", x=number(cfg.default_zoom_speed), space=GENERIC_ZOOM_SPEED)
    sub(el, "tt:DefaultPTZTimeout", mt.duration(cfg.default_timeout))
    pan_tilt = sub(sub(el, "tt:PanTiltLimits"), "tt:Range")
    sub(pan_tilt, "tt:URI", sp.GENERIC_POSITION_PAN_TILT)
    float_range(pan_tilt, "tt:XRange", *cfg.pan_limits)
    float_range(pan_tilt, "tt:YRange", *cfg.tilt_limits)
    zoom = sub(sub(el, "tt:ZoomLimits"), "tt:Range")
    sub(zoom, "tt:URI", sp.GENERIC_POSITION_ZOOM)
    float_range(zoom, "tt:XRange", *cfg.zoom_limits)
    direction = sub(sub(el, "tt:Extension"), "tt:PTControlDirection")
    sub(sub(direction, "tt:EFlip"), "tt:Mode", cfg.eflip)
    sub(sub(direction, "tt:Reverse"), "tt:Mode", cfg.reverse)
    return el


def configuration_options(parent: Element, tag: str, spaces: Spaces) -> Element:
    el = sub(parent, tag)
    ptz_spaces(el, "tt:Spaces", spaces)
    duration_range(el, "tt:PTZTimeout", *TIMEOUTS)
    direction = sub(el, "tt:PTControlDirection")
    for name, modes in (("EFlip", EFLIP_MODES), ("Reverse", REVERSE_MODES)):
        options = sub(direction, f"tt:{name}")
        for mode in modes:
            sub(options, "tt:Mode", mode)
    return el


def read_configuration(el: Element, current: PTZConfigurationState, spaces: Spaces) -> PTZConfigurationState:
    """SetConfiguration's tt:PTZConfiguration over `current`; anything the node cannot take is ter:ConfigModify."""
    node_token = args.optional_text(el, "tt:NodeToken")
    if node_token is not None and node_token != current.node_token:
        raise InvalidArgVal(
            "ConfigModify", f"NodeToken of {current.token} is {current.node_token}; a client cannot change it"
        )
    changes: dict[str, object] = {"name": mt.parse_name(el, current.name)}
    for element_name, field, kind in DEFAULT_SPACES:
        uri = args.optional_text(el, f"tt:{element_name}")
        if uri is not None:
            with refaulted("ConfigModify", element_name):
                changes[field] = spaces.find(kind, uri).uri
    speed_el = child(el, "tt:DefaultPTZSpeed")
    if speed_el is not None:
        with refaulted("ConfigModify", "DefaultPTZSpeed"):
            speed = read_speed(speed_el, spaces)
        if speed.pan is not None:
            changes["default_pan_tilt_speed"] = (speed.pan, speed.tilt)
        if speed.zoom is not None:
            changes["default_zoom_speed"] = speed.zoom
    timeout = args.optional_text(el, "tt:DefaultPTZTimeout")
    if timeout is not None:
        changes["default_timeout"] = read_duration(timeout, "DefaultPTZTimeout", TIMEOUTS, "ConfigModify")
    limits = child(el, "tt:PanTiltLimits")
    if limits is not None:
        changes["pan_limits"], changes["tilt_limits"] = _limits(args.required(limits, "tt:Range"), spaces, True)
    limits = child(el, "tt:ZoomLimits")
    if limits is not None:
        (changes["zoom_limits"],) = _limits(args.required(limits, "tt:Range"), spaces, False)
    extension = child(el, "tt:Extension")
    direction = None if extension is None else child(extension, "tt:PTControlDirection")
    if direction is not None:
        for name, field, modes in (("EFlip", "eflip", EFLIP_MODES), ("Reverse", "reverse", REVERSE_MODES)):
            mode_el = child(direction, f"tt:{name}")
            if mode_el is not None:
                mode = args.required_text(mode_el, "tt:Mode")
                if mode not in modes:
                    offered = ", ".join(modes)
                    raise InvalidArgVal("ConfigModify", f"{name} Mode {mode[:20]!r} is not offered ({offered})")
                changes[field] = mode
    return mt._replace(current, **changes)


def _limits(range_el: Element, spaces: Spaces, pan_tilt: bool) -> list[tuple[float, float]]:
    """A limits tt:Range, in any absolute position space, as generic (low, high) per axis.

    -INF/+INF switch a limit off, as the spec says: the axis keeps its whole range."""
    kind = sp.ABSOLUTE_PAN_TILT if pan_tilt else sp.ABSOLUTE_ZOOM
    with refaulted("ConfigModify", "limits"):
        space = spaces.find(kind, args.required_text(range_el, "tt:URI"))
    axes = [("XRange", space.x)] + ([("YRange", space.y)] if pan_tilt and space.y is not None else [])
    lows, highs = [], []
    for tag, whole in axes:
        el = args.required(range_el, f"tt:{tag}")
        low, high = (_limit(args.required_text(el, f"tt:{end}"), f"{tag} {end}", whole) for end in ("Min", "Max"))
        if low > high:
            raise InvalidArgVal("ConfigModify", f"limits {tag} Min {low:g} is above Max {high:g}")
        lows.append(low)
        highs.append(high)
    with refaulted("ConfigModify", "limits"):
        generic_low = spaces.to_generic(kind, space.uri, *lows)
        generic_high = spaces.to_generic(kind, space.uri, *highs)
    if pan_tilt:
        return [(generic_low[0], generic_high[0]), (generic_low[1], generic_high[1])]
    return [(generic_low, generic_high)]


def _limit(text: str, what: str, whole: sp.Range) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InvalidArgVal("ConfigModify", f"limits {what} {text[:40]!r} is not a number") from None
    if math.isnan(value):
        raise InvalidArgVal("ConfigModify", f"limits {what} is NaN")
    return whole.clamp(value) if math.isinf(value) else value


# --- vectors, speeds and status ----------------------------------------------------------------


def _coordinate(el: Element, name: str) -> float:
    text = el.get(name)
    if text is None:
        raise InvalidArgs(reason=f"{_local(el)} is missing its {name} attribute")
    try:
        return float(text)  # INF and NaN read; the space refuses them with the fault for its kind
    except ValueError:
        raise InvalidArgVal(reason=f"{_local(el)} {name}={text[:40]!r} is not a number") from None


def _local(el: Element) -> str:
    return el.tag.rpartition("}")[2]


def read_vector(
    el: Element | None,
    spaces: Spaces,
    kinds: tuple[str, str],
    defaults: tuple[str | None, str | None] = (None, None),
    *,
    zoom_now: float = 0.0,
) -> tuple[tuple[float, float] | None, float | None]:
    """A tt:PTZVector or tt:PTZSpeed as generic (pan, tilt) and zoom; a part left out is None.

    `kinds` are the pan/tilt and zoom space kinds the request's vector belongs to; a
    vector without a `space` attribute is in `defaults` (None: the generic space)."""
    if el is None:
        return None, None
    pan_tilt: tuple[float, float] | None = None
    zoom: float | None = None
    pan_tilt_el = child(el, "tt:PanTilt")
    if pan_tilt_el is not None:
        x, y = _coordinate(pan_tilt_el, "x"), _coordinate(pan_tilt_el, "y")
        uri = pan_tilt_el.get("space") or defaults[0]
        pan_tilt = spaces.to_generic(kinds[0], uri, x, y, zoom=zoom_now)
    zoom_el = child(el, "tt:Zoom")
    if zoom_el is not None:
        zoom = spaces.to_generic(kinds[1], zoom_el.get("space") or defaults[1], _coordinate(zoom_el, "x"))
    return pan_tilt, zoom


def read_speed(el: Element | None, spaces: Spaces) -> Speed:
    """A tt:PTZSpeed given as the Speed of a move: generic speeds (None where left out)."""
    pan_tilt, zoom = read_vector(el, spaces, (sp.PAN_TILT_SPEED, sp.ZOOM_SPEED))
    pan, tilt = pan_tilt if pan_tilt is not None else (None, None)
    return Speed(pan, tilt, zoom)


def position(parent: Element, tag: str, spaces: Spaces, cfg: PTZConfigurationState, where: Position) -> Element:
    """tt:PTZVector of a position already in `cfg`'s frame, in its default absolute spaces."""
    el = sub(parent, tag)
    pan_tilt_space = spaces.find(sp.ABSOLUTE_PAN_TILT, cfg.default_absolute_pan_tilt_space)
    x, y = spaces.from_generic(sp.ABSOLUTE_PAN_TILT, pan_tilt_space.uri, where.pan, where.tilt)
    sub(el, "tt:PanTilt", x=number(x), y=number(y), space=pan_tilt_space.uri)
    zoom_space = spaces.find(sp.ABSOLUTE_ZOOM, cfg.default_absolute_zoom_space)
    z = spaces.from_generic(sp.ABSOLUTE_ZOOM, zoom_space.uri, where.zoom)
    sub(el, "tt:Zoom", x=number(z), space=zoom_space.uri)
    return el


def status(parent: Element, tag: str, spaces: Spaces, cfg: PTZConfigurationState, now: Status) -> Element:
    el = sub(parent, tag)
    position(el, "tt:Position", spaces, cfg, Position(pan=now.pan, tilt=now.tilt, zoom=now.zoom))
    move = sub(el, "tt:MoveStatus")
    # A failed unit is in no known state: the spec reserves UNKNOWN for that, with Error saying why.
    sub(move, "tt:PanTilt", "UNKNOWN" if now.error else "MOVING" if now.pan_tilt_moving else "IDLE")
    sub(move, "tt:Zoom", "UNKNOWN" if now.error else "MOVING" if now.zoom_moving else "IDLE")
    if now.error:
        sub(el, "tt:Error", now.error)
    sub(el, "tt:UtcTime", message_time_text(now.utc))
    return el


# --- presets and tours --------------------------------------------------------------------------


def preset(parent: Element, tag: str, head: PtzHead, cfg: PTZConfigurationState, saved: PresetState) -> Element:
    el = sub(parent, tag, token=saved.token)
    sub(el, "tt:Name", saved.name)
    position(el, "tt:PTZPosition", head.spaces, cfg, head.in_configuration_frame(cfg, saved.position))
    return el


def tour(parent: Element, tag: str, head: PtzHead, cfg: PTZConfigurationState, saved: TourState) -> Element:
    el = sub(parent, tag, token=saved.token)
    if saved.name:
        sub(el, "tt:Name", saved.name)
    state, spot = head.tours.status(saved.token)
    status_el = sub(el, "tt:Status")
    sub(status_el, "tt:State", state)
    if spot is not None:
        tour_spot(status_el, "tt:CurrentTourSpot", head, cfg, spot)
    sub(el, "tt:AutoStart", saved.auto_start)
    condition = sub(el, "tt:StartingCondition", RandomPresetOrder="true" if saved.random_order else "false")
    if saved.recurring_time is not None:
        sub(condition, "tt:RecurringTime", saved.recurring_time)
    if saved.recurring_seconds is not None:
        sub(condition, "tt:RecurringDuration", mt.duration(saved.recurring_seconds))
    sub(condition, "tt:Direction", saved.direction)
    for spot in saved.spots:
        tour_spot(el, "tt:TourSpot", head, cfg, spot)
    return el


def tour_spot(parent: Element, tag: str, head: PtzHead, cfg: PTZConfigurationState, spot: TourSpotState) -> Element:
    el = sub(parent, tag)
    detail = sub(el, "tt:PresetDetail")
    if spot.preset_token is not None:
        sub(detail, "tt:PresetToken", spot.preset_token)
    elif spot.home:
        sub(detail, "tt:Home", True)
    elif spot.position is not None:
        position(detail, "tt:PTZPosition", head.spaces, cfg, head.in_configuration_frame(cfg, spot.position))
    if spot.pan_tilt_speed is not None or spot.zoom_speed is not None:
        speed = sub(el, "tt:Speed")
        if spot.pan_tilt_speed is not None:
            pan, tilt = spot.pan_tilt_speed
            sub(speed, "tt:PanTilt", x=number(pan), y=number(tilt), space=GENERIC_PAN_TILT_SPEED)
        if spot.zoom_speed is not None:
            sub(speed, "tt:Zoom", x=number(spot.zoom_speed), space=GENERIC_ZOOM_SPEED)
    sub(el, "tt:StayTime", mt.duration(spot.stay_seconds))
    return el


def tour_options(parent: Element, tag: str, head: PtzHead) -> Element:
    el = sub(parent, tag)
    sub(el, "tt:AutoStart", True)
    condition = sub(el, "tt:StartingCondition")
    mt.int_range(condition, "tt:RecurringTime", *RECURRING_TIMES)
    duration_range(condition, "tt:RecurringDuration", *RECURRING_DURATIONS)
    for direction in DIRECTIONS:
        sub(condition, "tt:Direction", direction)
    spot = sub(el, "tt:TourSpot")
    detail = sub(spot, "tt:PresetDetail")
    for saved in head.presets():
        sub(detail, "tt:PresetToken", saved.token)
    sub(detail, "tt:Home", True)
    space_description(detail, "tt:PanTiltPositionSpace", head.spaces.generic(sp.ABSOLUTE_PAN_TILT))
    space_description(detail, "tt:ZoomPositionSpace", head.spaces.generic(sp.ABSOLUTE_ZOOM))
    duration_range(spot, "tt:StayTime", *STAY_TIMES)
    return el


def _invalid_tour(reason: str) -> InvalidArgVal:
    return InvalidArgVal("InvalidPresetTour", reason)


def read_tour(el: Element, head: PtzHead, cfg: PTZConfigurationState) -> TourState:
    """ModifyPresetTour's tt:PresetTour (its Status is ignored, as the spec says)."""
    token = (el.get("token") or "").strip()
    if not token:
        raise InvalidArgVal("NoToken", "the PresetTour has no token attribute naming the tour to modify")
    name = args.optional_text(el, "tt:Name") or ""
    if len(name) > MAX_NAME:
        raise _invalid_tour(f"a preset tour Name is at most {MAX_NAME} characters")
    condition = args.required(el, "tt:StartingCondition")
    rounds = args.optional_text(condition, "tt:RecurringTime")
    recurring_time = None if rounds is None else args.as_int(rounds, "RecurringTime")
    low, high = RECURRING_TIMES
    if recurring_time is not None and not low <= recurring_time <= high:
        raise _invalid_tour(f"RecurringTime {recurring_time} is outside {low} to {high}")
    span = args.optional_text(condition, "tt:RecurringDuration")
    recurring = None
    if span is not None:
        recurring = read_duration(span, "RecurringDuration", RECURRING_DURATIONS, "InvalidPresetTour")
    direction = args.optional_text(condition, "tt:Direction") or "Forward"
    if direction not in DIRECTIONS:
        raise _invalid_tour(f"Direction {direction[:20]!r} is not offered ({', '.join(DIRECTIONS)})")
    random_order = condition.get("RandomPresetOrder")
    return TourState(
        token=token,
        name=name,
        auto_start=args.required_bool(el, "tt:AutoStart"),
        recurring_time=recurring_time,
        recurring_seconds=recurring,
        direction=direction,  # type: ignore[arg-type]
        random_order=False if random_order is None else args.as_bool(random_order, "RandomPresetOrder"),
        spots=[_read_spot(spot, head, cfg) for spot in children(el, "tt:TourSpot")],
    )


def _read_spot(el: Element, head: PtzHead, cfg: PTZConfigurationState) -> TourSpotState:
    detail = args.required(el, "tt:PresetDetail")
    preset_token = args.optional_text(detail, "tt:PresetToken")
    home = args.optional_text(detail, "tt:Home")
    position_el = child(detail, "tt:PTZPosition")
    if sum(part is not None for part in (preset_token, home, position_el)) != 1:
        raise _invalid_tour("a TourSpot's PresetDetail names exactly one of PresetToken, Home and PTZPosition")
    if home is not None and not args.as_bool(home, "Home"):
        raise _invalid_tour("a TourSpot's Home can only be true")
    where = None
    if position_el is not None:
        defaults = (cfg.default_absolute_pan_tilt_space, cfg.default_absolute_zoom_space)
        with refaulted("InvalidPresetTour", "TourSpot PTZPosition", keep=("SpaceNotSupported",)):
            pan_tilt, zoom = read_vector(position_el, head.spaces, (sp.ABSOLUTE_PAN_TILT, sp.ABSOLUTE_ZOOM), defaults)
        # An axis left out stays where the head is now.
        now = head.in_configuration_frame(cfg, head.position())
        pan, tilt = pan_tilt if pan_tilt is not None else (now.pan, now.tilt)
        seen = Position(pan=pan, tilt=tilt, zoom=now.zoom if zoom is None else zoom)
        where = head.in_configuration_frame(cfg, seen)  # the mirror brings it into the head's frame
    with refaulted("InvalidPresetTour", "TourSpot Speed", keep=("SpaceNotSupported",)):
        speed = read_speed(child(el, "tt:Speed"), head.spaces)
    stay = args.optional_text(el, "tt:StayTime")
    return TourSpotState(
        preset_token=preset_token,
        home=home is not None,
        position=where,
        pan_tilt_speed=None if speed.pan is None or speed.tilt is None else (speed.pan, speed.tilt),
        zoom_speed=speed.zoom,
        stay_seconds=0.0 if stay is None else read_duration(stay, "StayTime", STAY_TIMES, "InvalidPresetTour"),
    )
