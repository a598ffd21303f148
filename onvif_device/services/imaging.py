"""Imaging service (imaging.wsdl, ver20): picture settings, the focus lens and imaging presets.

The camera model's `imaging` holds the settings of each video source and
moves its focus lens; this module reads requests and writes answers.  Every
operation of the WSDL is served.  What the settings do to the picture is the
model's `look`, which the renderer applies to every frame.
"""

from __future__ import annotations

from onvif_device.camera.imaging import PRESETS
from onvif_device.services import args
from onvif_device.services import imaging_types as it
from onvif_device.services.registry import ServiceInfo, register
from onvif_device.soap.access import AccessClass as A
from onvif_device.soap.operations import Context, OperationTable
from onvif_device.xml import Element, element, sub

ops = OperationTable("timg")

# The Imaging specification release these answers follow.
IMAGING_VERSION = (22, 6)


def imaging_capabilities(ctx: Context) -> Element:
    caps = element("timg:Capabilities")
    caps.set("ImageStabilization", "true")
    caps.set("Presets", "true" if PRESETS else "false")
    caps.set("AdaptablePreset", "false")  # the presets are fixed; SetImagingSettings leaves them alone
    return caps


def legacy_imaging_capabilities(parent: Element, ctx: Context) -> None:
    """tt:Imaging of the Device service's legacy GetCapabilities."""
    sub(sub(parent, "tt:Imaging"), "tt:XAddr", SERVICE.xaddr(ctx.base_url))


SERVICE = register(
    ServiceInfo(
        "imaging",
        "/onvif/imaging_service",
        IMAGING_VERSION,
        ops,
        imaging_capabilities,
        legacy=legacy_imaging_capabilities,
    )
)


def _source(request: Element) -> str:
    return args.required_text(request, "timg:VideoSourceToken")


@ops("GetServiceCapabilities", A.PRE_AUTH)
def get_service_capabilities(ctx: Context, request: Element) -> Element:
    response = element("timg:GetServiceCapabilitiesResponse")
    response.append(imaging_capabilities(ctx))
    return response


# --- settings -------------------------------------------------------------------------------------


@ops("GetImagingSettings", A.READ_MEDIA)
def get_imaging_settings(ctx: Context, request: Element) -> Element:
    settings = ctx.camera.imaging.settings(_source(request))
    response = element("timg:GetImagingSettingsResponse")
    it.settings(response, "timg:ImagingSettings", settings)
    return response


@ops("SetImagingSettings", A.ACTUATE)
def set_imaging_settings(ctx: Context, request: Element) -> Element:
    imaging = ctx.camera.imaging
    source = _source(request)
    current = imaging.settings(source)  # ter:NoSource before the settings are read
    new = it.parse_settings(args.required(request, "timg:ImagingSettings"), current)
    imaging.set_settings(source, new, args.optional_bool(request, "timg:ForcePersistence"))
    return element("timg:SetImagingSettingsResponse")


@ops("GetOptions", A.READ_MEDIA)
def get_options(ctx: Context, request: Element) -> Element:
    response = element("timg:GetOptionsResponse")
    it.options(response, "timg:ImagingOptions", ctx.camera.imaging.options(_source(request)))
    return response


# --- focus ----------------------------------------------------------------------------------------


@ops("GetMoveOptions", A.READ_MEDIA)
def get_move_options(ctx: Context, request: Element) -> Element:
    response = element("timg:GetMoveOptionsResponse")
    it.move_options(response, "timg:MoveOptions", ctx.camera.imaging.move_options(_source(request)))
    return response


@ops("Move", A.ACTUATE)
def move(ctx: Context, request: Element) -> Element:
    source = _source(request)
    ctx.camera.imaging.move_options(source)  # ter:NoSource before the move is read
    ctx.camera.imaging.move(source, it.parse_focus_move(args.required(request, "timg:Focus")))
    return element("timg:MoveResponse")


@ops("Stop", A.ACTUATE)
def stop(ctx: Context, request: Element) -> Element:
    ctx.camera.imaging.stop(_source(request))
    return element("timg:StopResponse")


@ops("GetStatus", A.READ_MEDIA)
def get_status(ctx: Context, request: Element) -> Element:
    response = element("timg:GetStatusResponse")
    it.status(response, "timg:Status", ctx.camera.imaging.status(_source(request)))
    return response


# --- presets --------------------------------------------------------------------------------------


@ops("GetPresets", A.READ_MEDIA)
def get_presets(ctx: Context, request: Element) -> Element:
    response = element("timg:GetPresetsResponse")
    for preset in ctx.camera.imaging.presets(_source(request)):
        it.preset(response, "timg:Preset", preset)
    return response


@ops("GetCurrentPreset", A.READ_MEDIA)
def get_current_preset(ctx: Context, request: Element) -> Element:
    response = element("timg:GetCurrentPresetResponse")
    preset = ctx.camera.imaging.current_preset(_source(request))
    if preset is not None:
        it.preset(response, "timg:Preset", preset)
    return response


@ops("SetCurrentPreset", A.ACTUATE)
def set_current_preset(ctx: Context, request: Element) -> Element:
    token = args.required_text(request, "timg:PresetToken")
    ctx.camera.imaging.set_current_preset(_source(request), token)
    return element("timg:SetCurrentPresetResponse")
