"""PTZ service (ptz.wsdl, ver20): the camera's pan/tilt head and zoom lens.

A request names a media profile; the profile's PTZ configuration says how
the client drives the one node, `camera.ptz` (default spaces and speeds,
timeout, limits, Reverse and EFlip).  Moves, presets, the home position,
auxiliary commands and preset tours go to that head; its `Spaces` turn every
coordinate into generic units and refuse what a space cannot hold.  PTZ
configurations themselves are media-model records, so Media and Media2
profiles show the same tt:PTZConfiguration this service lists and sets.

A fixed camera (`camera.ptz is None`) has no node: GetNodes is empty, and an
operation on a node, configuration or profile answers as for one that does
not exist.  GeoMove and MoveAndStartTracking are not registered, so they
answer ter:ActionNotSupported; the node says GeoMove="false".
"""

from __future__ import annotations

from onvif_device.camera.errors import InvalidArgVal
from onvif_device.camera.media.state import PTZConfigurationState
from onvif_device.camera.ptz import PtzHead
from onvif_device.camera.ptz import spaces as sp
from onvif_device.services import args
from onvif_device.services import ptz_types as pt
from onvif_device.services.registry import ServiceInfo, register
from onvif_device.soap.access import AccessClass as A
from onvif_device.soap.operations import Context, OperationTable
from onvif_device.xml import Element, child, element, sub

ops = OperationTable("tptz")

# The PTZ specification release these answers follow.
PTZ_VERSION = (26, 6)


def ptz_capabilities(ctx: Context) -> Element:
    caps = element("tptz:Capabilities")
    for name in ("EFlip", "Reverse", "GetCompatibleConfigurations", "MoveStatus", "StatusPosition"):
        caps.set(name, "true")
    return caps


def legacy_ptz_capabilities(parent: Element, ctx: Context) -> None:
    """tt:PTZ of the legacy GetCapabilities."""
    sub(sub(parent, "tt:PTZ"), "tt:XAddr", SERVICE.xaddr(ctx.base_url))


SERVICE = register(
    ServiceInfo(
        "ptz",
        "/onvif/ptz_service",
        PTZ_VERSION,
        ops,
        ptz_capabilities,
        legacy=legacy_ptz_capabilities,
        offered=lambda ctx: ctx.camera.ptz is not None,  # a fixed camera announces no PTZ service
    )
)


@ops("GetServiceCapabilities", A.PRE_AUTH)
def get_service_capabilities(ctx: Context, request: Element) -> Element:
    response = element("tptz:GetServiceCapabilitiesResponse")
    response.append(ptz_capabilities(ctx))
    return response


# --- what a request drives --------------------------------------------------------------------


def _driven(ctx: Context, request: Element) -> tuple[PtzHead, PTZConfigurationState, str]:
    """The head, the configuration and the profile token the request's ProfileToken names.

    ter:NoProfile for an unknown profile, ter:NoPTZProfile for one without a PTZ configuration."""
    media = ctx.camera.media
    profile = media.profile(args.required_text(request, "tptz:ProfileToken"))
    head = ctx.camera.ptz
    if profile.ptz is None or head is None:
        raise InvalidArgVal("NoPTZProfile", f"profile {profile.token} has no PTZ configuration")
    return head, media.configuration("PTZ", profile.ptz), profile.token


def _configured(ctx: Context, token: str) -> tuple[PtzHead, PTZConfigurationState]:
    head = ctx.camera.ptz
    if head is None:
        raise InvalidArgVal("NoConfig", f"this camera has no PTZ node, so no PTZ configuration {token[:64]!r}")
    return head, ctx.camera.media.configuration("PTZ", token)


def _configurations(ctx: Context) -> list[PTZConfigurationState]:
    return [] if ctx.camera.ptz is None else ctx.camera.media.configurations("PTZ")


def _configuration_list(ctx: Context, name: str, listed: list[PTZConfigurationState]) -> Element:
    media = ctx.camera.media
    response = element(f"tptz:{name}Response")
    for cfg in listed:
        pt.configuration(response, "tptz:PTZConfiguration", cfg, media.use_count("PTZ", cfg.token))
    return response


# --- nodes and configurations -----------------------------------------------------------------


@ops("GetNodes", A.READ_MEDIA)
def get_nodes(ctx: Context, request: Element) -> Element:
    response = element("tptz:GetNodesResponse")
    if ctx.camera.ptz is not None:
        pt.node(response, "tptz:PTZNode", ctx.camera.ptz)
    return response


@ops("GetNode", A.READ_MEDIA)
def get_node(ctx: Context, request: Element) -> Element:
    token = args.required_text(request, "tptz:NodeToken")
    head = ctx.camera.ptz
    if head is None or token != head.token:
        raise InvalidArgVal("NoEntity", f"no PTZ node with token {token[:64]!r}")
    response = element("tptz:GetNodeResponse")
    pt.node(response, "tptz:PTZNode", head)
    return response


@ops("GetConfigurations", A.READ_MEDIA)
def get_configurations(ctx: Context, request: Element) -> Element:
    return _configuration_list(ctx, "GetConfigurations", _configurations(ctx))


@ops("GetConfiguration", A.READ_MEDIA)
def get_configuration(ctx: Context, request: Element) -> Element:
    _, cfg = _configured(ctx, args.required_text(request, "tptz:PTZConfigurationToken"))
    response = element("tptz:GetConfigurationResponse")
    pt.configuration(response, "tptz:PTZConfiguration", cfg, ctx.camera.media.use_count("PTZ", cfg.token))
    return response


@ops("GetConfigurationOptions", A.READ_MEDIA)
def get_configuration_options(ctx: Context, request: Element) -> Element:
    head, _ = _configured(ctx, args.required_text(request, "tptz:ConfigurationToken"))
    response = element("tptz:GetConfigurationOptionsResponse")
    pt.configuration_options(response, "tptz:PTZConfigurationOptions", head.spaces)
    return response


@ops("SetConfiguration", A.ACTUATE)
def set_configuration(ctx: Context, request: Element) -> Element:
    el = args.required(request, "tptz:PTZConfiguration")
    head, current = _configured(ctx, el.get("token", ""))
    # ForcePersistence is deprecated; every change persists.
    args.optional_bool(request, "tptz:ForcePersistence")
    ctx.camera.media.set_configuration("PTZ", pt.read_configuration(el, current, head.spaces))
    return element("tptz:SetConfigurationResponse")


@ops("GetCompatibleConfigurations", A.READ_MEDIA)
def get_compatible_configurations(ctx: Context, request: Element) -> Element:
    profile = args.required_text(request, "tptz:ProfileToken")
    compatible = ctx.camera.media.compatible("PTZ", profile)  # ter:NoProfile for an unknown one
    return _configuration_list(ctx, "GetCompatibleConfigurations", compatible if ctx.camera.ptz else [])


# --- moving --------------------------------------------------------------------------------------


@ops("AbsoluteMove", A.ACTUATE)
def absolute_move(ctx: Context, request: Element) -> Element:
    head, cfg, _ = _driven(ctx, request)
    pan_tilt, zoom = pt.read_vector(
        args.required(request, "tptz:Position"),
        head.spaces,
        (sp.ABSOLUTE_PAN_TILT, sp.ABSOLUTE_ZOOM),
        (cfg.default_absolute_pan_tilt_space, cfg.default_absolute_zoom_space),
    )
    speed = pt.read_speed(child(request, "tptz:Speed"), head.spaces)
    if pan_tilt is not None or zoom is not None:  # an axis left out keeps what it was doing
        head.absolute_move(cfg, pan_tilt, zoom, speed)
    return element("tptz:AbsoluteMoveResponse")


@ops("RelativeMove", A.ACTUATE)
def relative_move(ctx: Context, request: Element) -> Element:
    head, cfg, _ = _driven(ctx, request)
    pan_tilt, zoom = pt.read_vector(
        args.required(request, "tptz:Translation"),
        head.spaces,
        (sp.RELATIVE_PAN_TILT, sp.RELATIVE_ZOOM),
        (cfg.default_relative_pan_tilt_space, cfg.default_relative_zoom_space),
        zoom_now=head.current_zoom(),  # the FOV space's scale
    )
    speed = pt.read_speed(child(request, "tptz:Speed"), head.spaces)
    if pan_tilt is not None or zoom is not None:
        head.relative_move(cfg, pan_tilt, zoom, speed)
    return element("tptz:RelativeMoveResponse")


@ops("ContinuousMove", A.ACTUATE)
def continuous_move(ctx: Context, request: Element) -> Element:
    head, cfg, _ = _driven(ctx, request)
    pan_tilt, zoom = pt.read_vector(
        args.required(request, "tptz:Velocity"),
        head.spaces,
        (sp.CONTINUOUS_PAN_TILT, sp.CONTINUOUS_ZOOM),
        (cfg.default_continuous_pan_tilt_space, cfg.default_continuous_zoom_space),
    )
    text = args.optional_text(request, "tptz:Timeout")
    timeout = None if text is None else pt.read_duration(text, "Timeout", pt.TIMEOUTS, "TimeoutNotSupported")
    if pan_tilt is not None or zoom is not None:
        head.continuous_move(cfg, pan_tilt, zoom, timeout)
    return element("tptz:ContinuousMoveResponse")


@ops("Stop", A.ACTUATE)
def stop(ctx: Context, request: Element) -> Element:
    head, _, _ = _driven(ctx, request)
    pan_tilt = args.optional_bool(request, "tptz:PanTilt")
    zoom = args.optional_bool(request, "tptz:Zoom")
    pan_tilt, zoom = pan_tilt is not False, zoom is not False  # each defaults to true
    if pan_tilt or zoom:
        head.stop(pan_tilt, zoom)
    return element("tptz:StopResponse")


@ops("GetStatus", A.READ_MEDIA)
def get_status(ctx: Context, request: Element) -> Element:
    head, cfg, _ = _driven(ctx, request)
    response = element("tptz:GetStatusResponse")
    pt.status(response, "tptz:PTZStatus", head.spaces, cfg, head.status(cfg))
    return response


# --- presets, home and auxiliary commands ------------------------------------------------------------


@ops("GetPresets", A.READ_MEDIA)
def get_presets(ctx: Context, request: Element) -> Element:
    head, cfg, _ = _driven(ctx, request)
    response = element("tptz:GetPresetsResponse")
    for saved in head.presets():
        pt.preset(response, "tptz:Preset", head, cfg, saved)
    return response


@ops("SetPreset", A.ACTUATE)
def set_preset(ctx: Context, request: Element) -> Element:
    head, _, _ = _driven(ctx, request)
    name = args.optional_text(request, "tptz:PresetName")  # an empty one counts as none given
    token = head.set_preset(name or None, args.optional_text(request, "tptz:PresetToken") or None)
    response = element("tptz:SetPresetResponse")
    sub(response, "tptz:PresetToken", token)
    return response


@ops("RemovePreset", A.ACTUATE)
def remove_preset(ctx: Context, request: Element) -> Element:
    head, _, _ = _driven(ctx, request)
    head.remove_preset(args.required_text(request, "tptz:PresetToken"))
    return element("tptz:RemovePresetResponse")


@ops("GotoPreset", A.ACTUATE)
def goto_preset(ctx: Context, request: Element) -> Element:
    head, cfg, _ = _driven(ctx, request)
    token = args.required_text(request, "tptz:PresetToken")
    speed = pt.read_speed(child(request, "tptz:Speed"), head.spaces)
    head.goto_preset(cfg, token, speed)
    return element("tptz:GotoPresetResponse")


@ops("GotoHomePosition", A.ACTUATE)
def goto_home_position(ctx: Context, request: Element) -> Element:
    head, cfg, _ = _driven(ctx, request)
    head.goto_home(cfg, pt.read_speed(child(request, "tptz:Speed"), head.spaces))
    return element("tptz:GotoHomePositionResponse")


@ops("SetHomePosition", A.ACTUATE)
def set_home_position(ctx: Context, request: Element) -> Element:
    head, _, _ = _driven(ctx, request)
    head.set_home()
    return element("tptz:SetHomePositionResponse")


@ops("SendAuxiliaryCommand", A.ACTUATE)
def send_auxiliary_command(ctx: Context, request: Element) -> Element:
    head, _, _ = _driven(ctx, request)
    answer = head.send_auxiliary_command(args.required_text(request, "tptz:AuxiliaryData"))
    response = element("tptz:SendAuxiliaryCommandResponse")
    sub(response, "tptz:AuxiliaryResponse", answer)
    return response


# --- preset tours -------------------------------------------------------------------------------


@ops("GetPresetTours", A.READ_MEDIA)
def get_preset_tours(ctx: Context, request: Element) -> Element:
    head, cfg, _ = _driven(ctx, request)
    response = element("tptz:GetPresetToursResponse")
    for saved in head.tours.all():
        pt.tour(response, "tptz:PresetTour", head, cfg, saved)
    return response


@ops("GetPresetTour", A.READ_MEDIA)
def get_preset_tour(ctx: Context, request: Element) -> Element:
    head, cfg, _ = _driven(ctx, request)
    saved = head.tours.get(args.required_text(request, "tptz:PresetTourToken"))
    response = element("tptz:GetPresetTourResponse")
    pt.tour(response, "tptz:PresetTour", head, cfg, saved)
    return response


@ops("GetPresetTourOptions", A.READ_MEDIA)
def get_preset_tour_options(ctx: Context, request: Element) -> Element:
    head, _, _ = _driven(ctx, request)
    token = args.optional_text(request, "tptz:PresetTourToken")
    if token:
        head.tours.get(token)  # ter:NoToken for an unknown tour
    response = element("tptz:GetPresetTourOptionsResponse")
    pt.tour_options(response, "tptz:Options", head)
    return response


@ops("CreatePresetTour", A.ACTUATE)
def create_preset_tour(ctx: Context, request: Element) -> Element:
    head, _, profile = _driven(ctx, request)
    response = element("tptz:CreatePresetTourResponse")
    sub(response, "tptz:PresetTourToken", head.tours.create(profile))
    return response


@ops("ModifyPresetTour", A.ACTUATE)
def modify_preset_tour(ctx: Context, request: Element) -> Element:
    head, cfg, profile = _driven(ctx, request)
    tour = pt.read_tour(args.required(request, "tptz:PresetTour"), head, cfg)
    head.tours.modify(profile, tour)
    return element("tptz:ModifyPresetTourResponse")


@ops("OperatePresetTour", A.ACTUATE)
def operate_preset_tour(ctx: Context, request: Element) -> Element:
    head, cfg, profile = _driven(ctx, request)
    token = args.required_text(request, "tptz:PresetTourToken")
    operation = args.one_of(
        args.required_text(request, "tptz:Operation"), (*pt.TOUR_OPERATIONS, "Extended"), "Operation"
    )
    head.tours.operate(cfg, profile, token, operation)
    return element("tptz:OperatePresetTourResponse")


@ops("RemovePresetTour", A.ACTUATE)
def remove_preset_tour(ctx: Context, request: Element) -> Element:
    head, _, profile = _driven(ctx, request)
    head.tours.remove(profile, args.required_text(request, "tptz:PresetTourToken"))
    return element("tptz:RemovePresetTourResponse")
