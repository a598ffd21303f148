"""Media2 service, ver20 (media2.wsdl): the same profiles as Media, seen the Media2 way.

Media2 lists configurations by type with optional token filters, edits
profiles in batches (AddConfiguration/RemoveConfiguration), names codecs by
their MIME names and adds privacy masks.  Everything lands in the one
media model, so a change here shows in Media at once and the other way round.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable

from onvif_device.camera.errors import InvalidArgVal
from onvif_device.camera.media import KINDS, Media, options, uris
from onvif_device.camera.media.state import (
    AudioEncoderConfigurationState,
    MaskState,
    Point,
    VideoEncoderConfigurationState,
)
from onvif_device.services import args, media as media1, media_types as mt
from onvif_device.services.media_streams import snapshot_uri, stream_uri
from onvif_device.services.registry import ServiceInfo, register
from onvif_device.soap.access import AccessClass as A
from onvif_device.soap.operations import Context, Handler, HandlerResult, OperationTable
from onvif_device.xml import Element, child, children, element, sub

ops = OperationTable("tr2")

# Media2 names audio codecs by their RTP MIME names; the model uses G711 / AAC.
AUDIO_MIME = {"G711": "PCMU", "AAC": "mpeg4-generic"}
AUDIO_FROM_MIME = {"PCMU": "G711", "mpeg4-generic": "AAC", "MP4A-LATM": "AAC"}
VIDEO_ENCODINGS = ("H264", "H265", "JPEG")
YCBCR = "http://www.onvif.org/ver10/colorspace/YCbCr"
BLACK = (16.0, 128.0, 128.0)  # Y, Cb, Cr
# GetStreamUri protocols this camera serves, and what each asks for.
PROTOCOLS = {
    "RtspUnicast": {},
    "RTSP": {},
    "RtspMulticast": {"multicast": True},
    "RtspOverHttp": {"over_http": True},
}


def media2_capabilities(ctx: Context) -> Element:
    caps = element("tr2:Capabilities")
    for name, value in (
        ("SnapshotUri", True),
        ("Rotation", True),
        ("VideoSourceMode", True),
        ("OSD", True),
        ("TemporaryOSDText", False),
        ("Mask", True),
        ("SourceMask", False),
    ):
        caps.set(name, "true" if value else "false")
    supported = " ".join(k for k in KINDS if ctx.camera.media.configurations(k))
    sub(
        caps,
        "tr2:ProfileCapabilities",
        MaximumNumberOfProfiles=str(ctx.camera.media.max_profiles),
        ConfigurationsSupported=supported,
    )
    sub(
        caps,
        "tr2:StreamingCapabilities",
        RTSPStreaming="true",
        RTPMulticast="true",
        RTP_RTSP_TCP="true",
        NonAggregateControl="false",
        # Path-only, as the Streaming spec requires: the client keeps the host it used.
        RTSPWebSocketUri="ws:" + uris.WEBSOCKET_PATH,
        AutoStartMulticast="true",
    )
    return caps


@ops("GetServiceCapabilities", A.PRE_AUTH)
def get_service_capabilities(ctx: Context, request: Element) -> Element:
    response = element("tr2:GetServiceCapabilitiesResponse")
    response.append(media2_capabilities(ctx))
    return response


# --- profiles -------------------------------------------------------------------------


def _profile(parent: Element, media: Media, token: str, types: set[str]) -> None:
    profile = media.profile(token)
    el = sub(parent, "tr2:Profiles", token=profile.token, fixed="true" if profile.fixed else "false")
    sub(el, "tr2:Name", profile.name)
    if not types:
        return  # no Type asked for: names only, as the spec says
    configurations = sub(el, "tr2:Configurations")
    for family in FAMILIES:  # ConfigurationSet order
        if "All" not in types and family.kind not in types:
            continue
        cfg = media.in_profile(family.kind, profile)
        if cfg is not None:
            family.build(configurations, f"tr2:{family.kind}", cfg, media.use_count(family.kind, cfg.token))


@ops("GetProfiles", A.READ_MEDIA)
def get_profiles(ctx: Context, request: Element) -> Element:
    media = ctx.camera.media
    token = args.optional_text(request, "tr2:Token")
    types = set(args.all_text(request, "tr2:Type"))
    tokens = [media.profile(token).token] if token else [p.token for p in media.state.profiles]
    response = element("tr2:GetProfilesResponse")
    for t in tokens:
        _profile(response, media, t, types)
    return response


def _configuration_refs(request: Element, *, need_token: bool) -> tuple[dict[str, str], list[str]]:
    """tr2:Configuration entries as ({kind: token}, [kinds]); Type All is skipped where it means nothing."""
    add: dict[str, str] = {}
    kinds: list[str] = []
    for ref in children(request, "tr2:Configuration"):
        kind = args.required_text(ref, "tr2:Type")
        token = args.optional_text(ref, "tr2:Token")
        if kind == "All":
            kinds.extend(KINDS)
            continue
        if kind not in KINDS:
            raise InvalidArgVal("NoConfig", f"configuration Type {kind[:40]!r} is not one this camera has")
        kinds.append(kind)
        if need_token:
            if not token:
                raise InvalidArgVal("NoConfig", f"the {kind} configuration to add needs a Token")
            add[kind] = token
    return add, kinds


@ops("CreateProfile", A.ACTUATE)
def create_profile(ctx: Context, request: Element) -> Element:
    media = ctx.camera.media
    add, _ = _configuration_refs(request, need_token=True)
    for kind, token in add.items():
        media.configuration(kind, token)  # NoConfig before anything is created
    profile = media.create_profile(args.required_text(request, "tr2:Name"))
    if add:
        try:
            media.update_profile(profile.token, add=add)
        except Exception:
            media.delete_profile(profile.token)  # all or nothing
            raise
    response = element("tr2:CreateProfileResponse")
    sub(response, "tr2:Token", profile.token)
    return response


@ops("AddConfiguration", A.ACTUATE)
def add_configuration(ctx: Context, request: Element) -> Element:
    add, _ = _configuration_refs(request, need_token=True)
    ctx.camera.media.update_profile(
        args.required_text(request, "tr2:ProfileToken"), add=add, name=args.optional_text(request, "tr2:Name")
    )
    return element("tr2:AddConfigurationResponse")


@ops("RemoveConfiguration", A.ACTUATE)
def remove_configuration(ctx: Context, request: Element) -> Element:
    args.required(request, "tr2:Configuration")
    _, kinds = _configuration_refs(request, need_token=False)
    ctx.camera.media.update_profile(args.required_text(request, "tr2:ProfileToken"), remove=kinds)
    return element("tr2:RemoveConfigurationResponse")


@ops("DeleteProfile", A.ACTUATE)
def delete_profile(ctx: Context, request: Element) -> Element:
    ctx.camera.media.delete_profile(args.required_text(request, "tr2:Token"))
    return element("tr2:DeleteProfileResponse")


# --- streams ------------------------------------------------------------------------------


@ops("GetStreamUri", A.READ_MEDIA)
def get_stream_uri(ctx: Context, request: Element) -> Element:
    protocol = args.required_text(request, "tr2:Protocol")
    if protocol not in PROTOCOLS:
        raise InvalidArgVal(
            "InvalidStreamSetup", f"Protocol {protocol[:40]!r} is not served; use one of {', '.join(PROTOCOLS)}"
        )
    uri = stream_uri(ctx, args.required_text(request, "tr2:ProfileToken"), **PROTOCOLS[protocol])
    response = element("tr2:GetStreamUriResponse")
    sub(response, "tr2:Uri", uri)
    return response


@ops("GetSnapshotUri", A.READ_MEDIA)
def get_snapshot_uri(ctx: Context, request: Element) -> Element:
    response = element("tr2:GetSnapshotUriResponse")
    sub(response, "tr2:Uri", snapshot_uri(ctx, args.required_text(request, "tr2:ProfileToken")))
    return response


@ops("StartMulticastStreaming", A.ACTUATE)
def start_multicast_streaming(ctx: Context, request: Element) -> Element:
    ctx.camera.media.start_multicast(args.required_text(request, "tr2:ProfileToken"))
    return element("tr2:StartMulticastStreamingResponse")


@ops("StopMulticastStreaming", A.ACTUATE)
def stop_multicast_streaming(ctx: Context, request: Element) -> Element:
    ctx.camera.media.stop_multicast(args.required_text(request, "tr2:ProfileToken"))
    return element("tr2:StopMulticastStreamingResponse")


@ops("SetSynchronizationPoint", A.ACTUATE)
def set_synchronization_point(ctx: Context, request: Element) -> Element:
    ctx.camera.media.request_sync_point(args.required_text(request, "tr2:ProfileToken"))
    return element("tr2:SetSynchronizationPointResponse")


@ops("GetVideoEncoderInstances", A.READ_MEDIA)
def get_video_encoder_instances(ctx: Context, request: Element) -> Element:
    counts = ctx.camera.media.encoder_instances(args.required_text(request, "tr2:ConfigurationToken"))
    response = element("tr2:GetVideoEncoderInstancesResponse")
    info = sub(response, "tr2:Info")
    for encoding in VIDEO_ENCODINGS:
        codec = sub(info, "tr2:Codec")
        sub(codec, "tr2:Encoding", encoding)
        sub(codec, "tr2:Number", counts[encoding])
    sub(info, "tr2:Total", counts["total"])
    return response


# --- video source modes ---------------------------------------------------------------------


@ops("GetVideoSourceModes", A.READ_SYSTEM)
def get_video_source_modes(ctx: Context, request: Element) -> Element:
    response = element("tr2:GetVideoSourceModesResponse")
    source = args.required_text(request, "tr2:VideoSourceToken")
    mt.video_source_modes(response, "tr2", ctx.camera.media, source, " ".join(VIDEO_ENCODINGS))
    return response


@ops("SetVideoSourceMode", A.WRITE_SYSTEM)
def set_video_source_mode(ctx: Context, request: Element) -> Element:
    reboot = ctx.camera.media.set_video_source_mode(
        args.required_text(request, "tr2:VideoSourceToken"), args.required_text(request, "tr2:VideoSourceModeToken")
    )
    response = element("tr2:SetVideoSourceModeResponse")
    sub(response, "tr2:Reboot", reboot)
    return response


# --- OSD ------------------------------------------------------------------------------------


def _refused_by_receiver(handler: Handler) -> Handler:
    """Media2 gives a refused OSD or mask (ConfigModify, InvalidPolygon) env:Receiver, unlike Media1."""

    @functools.wraps(handler)
    def answer(ctx: Context, request: Element) -> HandlerResult:
        try:
            return handler(ctx, request)
        except InvalidArgVal as exc:
            if exc.detail in ("ConfigModify", "InvalidPolygon"):
                exc.receiver = True
            raise

    return answer


@ops("GetOSDs", A.READ_MEDIA)
def get_osds(ctx: Context, request: Element) -> Element:
    media = ctx.camera.media
    token = args.optional_text(request, "tr2:OSDToken")
    configuration = args.optional_text(request, "tr2:ConfigurationToken")
    if configuration:
        configuration = media.video_source_configuration_for(configuration).token
    found = [media.overlays.osd(token)] if token else media.overlays.osds(configuration)
    if token and configuration:
        found = [osd for osd in found if osd.configuration_token == configuration]
    response = element("tr2:GetOSDsResponse")
    for osd in found:
        mt.osd(response, "tr2:OSDs", osd)
    return response


@ops("GetOSDOptions", A.READ_MEDIA)
def get_osd_options(ctx: Context, request: Element) -> Element:
    ctx.camera.media.video_source_configuration_for(args.required_text(request, "tr2:ConfigurationToken"))
    response = element("tr2:GetOSDOptionsResponse")
    mt.osd_options(response, "tr2:OSDOptions")
    return response


@ops("CreateOSD", A.ACTUATE)
@_refused_by_receiver
def create_osd(ctx: Context, request: Element) -> Element:
    osd = mt.parse_osd(args.required(request, "tr2:OSD"), token="new")
    response = element("tr2:CreateOSDResponse")
    sub(response, "tr2:OSDToken", ctx.camera.media.overlays.create_osd(osd))
    return response


@ops("SetOSD", A.ACTUATE)
@_refused_by_receiver
def set_osd(ctx: Context, request: Element) -> Element:
    el = args.required(request, "tr2:OSD")
    ctx.camera.media.overlays.set_osd(mt.parse_osd(el, token=el.get("token", "")))
    return element("tr2:SetOSDResponse")


@ops("DeleteOSD", A.ACTUATE)
def delete_osd(ctx: Context, request: Element) -> Element:
    ctx.camera.media.overlays.delete_osd(args.required_text(request, "tr2:OSDToken"))
    return element("tr2:DeleteOSDResponse")


# --- privacy masks -----------------------------------------------------------------------------


def _mask(parent: Element, mask: MaskState) -> None:
    el = sub(parent, "tr2:Masks", token=mask.token)
    sub(el, "tr2:ConfigurationToken", mask.configuration_token)
    polygon = sub(el, "tr2:Polygon")
    for p in mask.points:
        sub(polygon, "tt:Point", x=str(p.x), y=str(p.y))
    sub(el, "tr2:Type", mask.kind)
    if mask.color is not None:
        y, cb, cr = mask.color
        sub(el, "tr2:Color", X=str(y), Y=str(cb), Z=str(cr), Colorspace=YCBCR)
    sub(el, "tr2:Enabled", mask.enabled)


def _parse_mask(el: Element, token: str) -> MaskState:
    points = []
    for point in children(args.required(el, "tr2:Polygon"), "tt:Point"):
        x = args.as_float(point.get("x", ""), "Point x")
        y = args.as_float(point.get("y", ""), "Point y")
        if not (-1 <= x <= 1 and -1 <= y <= 1):
            raise InvalidArgVal("InvalidPolygon", f"point {x:g},{y:g} lies outside the normalized -1..1 frame")
        points.append(Point(x=x, y=y))
    if not 3 <= len(points) <= options.MAX_MASK_POINTS:
        limit = options.MAX_MASK_POINTS
        raise InvalidArgVal("InvalidPolygon", f"a mask polygon has 3 to {limit} points, not {len(points)}")
    color = None
    color_el = child(el, "tr2:Color")
    if color_el is not None:
        if color_el.get("Colorspace", YCBCR) != YCBCR:
            raise InvalidArgVal("ConfigModify", "mask colours are given in the YCbCr colour space")
        color = tuple(args.as_float(color_el.get(axis, ""), f"Color {axis}") for axis in "XYZ")
        for value, (low, high) in zip(color, options.MASK_COLOR_RANGE):
            if not low <= value <= high:
                raise InvalidArgVal("ConfigModify", f"Color component {value:g} is outside {low:g}..{high:g}")
    kind = args.required_text(el, "tr2:Type")
    if color is None and kind == "Color":
        color = BLACK
    if kind not in options.MASK_TYPES:
        raise InvalidArgVal("ConfigModify", f"mask Type {kind[:40]!r} is not one of {', '.join(options.MASK_TYPES)}")
    return MaskState(
        token=token,
        configuration_token=args.required_text(el, "tr2:ConfigurationToken"),
        points=points,
        kind=kind,
        color=color,
        enabled=args.required_bool(el, "tr2:Enabled"),
    )


@ops("GetMasks", A.READ_MEDIA)
def get_masks(ctx: Context, request: Element) -> Element:
    masks = ctx.camera.media.overlays.masks(
        args.optional_text(request, "tr2:Token"), args.optional_text(request, "tr2:ConfigurationToken")
    )
    response = element("tr2:GetMasksResponse")
    for mask in masks:
        _mask(response, mask)
    return response


@ops("GetMaskOptions", A.READ_MEDIA)
def get_mask_options(ctx: Context, request: Element) -> Element:
    ctx.camera.media.configuration("VideoSource", args.required_text(request, "tr2:ConfigurationToken"))
    response = element("tr2:GetMaskOptionsResponse")
    el = sub(response, "tr2:Options", RectangleOnly="false", SingleColorOnly="false")
    sub(el, "tr2:MaxMasks", options.MAX_MASKS)
    sub(el, "tr2:MaxPoints", options.MAX_MASK_POINTS)
    for kind in options.MASK_TYPES:
        sub(el, "tr2:Types", kind)
    color = sub(el, "tr2:Color")
    space = sub(color, "tt:ColorspaceRange")
    for axis, (low, high) in zip("XYZ", options.MASK_COLOR_RANGE):
        mt.float_range(space, f"tt:{axis}", low, high)
    sub(space, "tt:Colorspace", YCBCR)
    return response


@ops("CreateMask", A.ACTUATE)
@_refused_by_receiver
def create_mask(ctx: Context, request: Element) -> Element:
    mask = _parse_mask(args.required(request, "tr2:Mask"), token="new")
    response = element("tr2:CreateMaskResponse")
    sub(response, "tr2:Token", ctx.camera.media.overlays.create_mask(mask))
    return response


@ops("SetMask", A.ACTUATE)
@_refused_by_receiver
def set_mask(ctx: Context, request: Element) -> Element:
    el = args.required(request, "tr2:Mask")
    ctx.camera.media.overlays.set_mask(_parse_mask(el, token=el.get("token", "")))
    return element("tr2:SetMaskResponse")


@ops("DeleteMask", A.ACTUATE)
def delete_mask(ctx: Context, request: Element) -> Element:
    ctx.camera.media.overlays.delete_mask(args.required_text(request, "tr2:Token"))
    return element("tr2:DeleteMaskResponse")


# --- configurations ---------------------------------------------------------------------------


def _video_encoder(parent: Element, tag: str, cfg: VideoEncoderConfigurationState, use_count: int) -> Element:
    el = mt.entity(parent, tag, cfg, use_count)
    if cfg.encoding != "JPEG":
        el.set("GovLength", str(cfg.gov_length))
        el.set("Profile", cfg.profile)
    el.set("GuaranteedFrameRate", "true" if cfg.guaranteed_frame_rate else "false")
    sub(el, "tt:Encoding", cfg.encoding)
    resolution = sub(el, "tt:Resolution")
    sub(resolution, "tt:Width", cfg.width)
    sub(resolution, "tt:Height", cfg.height)
    rate = sub(el, "tt:RateControl", ConstantBitRate="true" if cfg.constant_bitrate else "false")
    sub(rate, "tt:FrameRateLimit", float(cfg.frame_rate))
    sub(rate, "tt:BitrateLimit", cfg.bitrate)
    mt.multicast(el, cfg.multicast)
    sub(el, "tt:Quality", float(cfg.quality))
    return el


def _parse_video_encoder(el: Element, current: VideoEncoderConfigurationState) -> VideoEncoderConfigurationState:
    encoding = args.required_text(el, "tt:Encoding")
    if encoding not in VIDEO_ENCODINGS:
        raise InvalidArgVal("ConfigModify", f"Encoding {encoding[:20]!r} is not offered ({', '.join(VIDEO_ENCODINGS)})")
    resolution = args.required(el, "tt:Resolution")
    changes: dict[str, Any] = {
        "name": mt.parse_name(el, current.name),
        "encoding": encoding,
        "width": args.required_int(resolution, "tt:Width"),
        "height": args.required_int(resolution, "tt:Height"),
        "quality": args.as_float(args.required_text(el, "tt:Quality"), "Quality"),
        "multicast": mt.parse_multicast(child(el, "tt:Multicast"), current.multicast),
    }
    rate = child(el, "tt:RateControl")
    if rate is not None:
        changes["frame_rate"] = args.as_float(args.required_text(rate, "tt:FrameRateLimit"), "FrameRateLimit")
        changes["bitrate"] = args.required_int(rate, "tt:BitrateLimit")
        cbr = rate.get("ConstantBitRate")
        if cbr is not None:
            changes["constant_bitrate"] = args.as_bool(cbr, "ConstantBitRate")
    guaranteed = el.get("GuaranteedFrameRate")
    if guaranteed is not None:
        changes["guaranteed_frame_rate"] = args.as_bool(guaranteed, "GuaranteedFrameRate")
    if encoding == "JPEG":
        changes["profile"] = ""
    else:
        gov = el.get("GovLength")
        if gov is not None:
            changes["gov_length"] = args.as_int(gov, "GovLength")
        elif current.encoding == "JPEG":
            changes["gov_length"] = max(1, int(changes.get("frame_rate", current.frame_rate) * 2))
        profile = el.get("Profile")
        keep = current.profile if current.encoding == encoding else options.video_profiles(encoding)[-1]
        changes["profile"] = profile if profile is not None else keep
    return mt._replace(current, **changes)


def _video_encoder_options(parent: Element, ctx: Context, config: str | None, profile: str | None) -> None:
    mode = ctx.camera.media.encoder_mode(config, profile)
    rates = " ".join(f"{r:g}" for r in options.frame_rates(mode))
    for encoding in VIDEO_ENCODINGS:
        el = sub(parent, "tr2:Options", FrameRatesSupported=rates, ConstantBitRateSupported="true")
        if encoding != "JPEG":
            el.set("GovLengthRange", " ".join(map(str, options.GOV_LENGTH)))
            el.set("ProfilesSupported", " ".join(options.video_profiles(encoding)))
        el.set("GuaranteedFrameRateSupported", "false")
        sub(el, "tt:Encoding", encoding)
        mt.float_range(el, "tt:QualityRange", *options.QUALITY)
        mt.resolutions(el, "tt:ResolutionsAvailable", mode)
        mt.int_range(el, "tt:BitrateRange", *options.BITRATE)


def _audio_encoder(parent: Element, tag: str, cfg: AudioEncoderConfigurationState, use_count: int) -> Element:
    el = mt.entity(parent, tag, cfg, use_count)
    sub(el, "tt:Encoding", AUDIO_MIME[cfg.encoding])
    mt.multicast(el, cfg.multicast)
    sub(el, "tt:Bitrate", cfg.bitrate)
    sub(el, "tt:SampleRate", cfg.sample_rate)
    return el


def _parse_audio_encoder(el: Element, current: AudioEncoderConfigurationState) -> AudioEncoderConfigurationState:
    mime = args.required_text(el, "tt:Encoding")
    if mime not in AUDIO_FROM_MIME:
        raise InvalidArgVal("ConfigModify", f"audio Encoding {mime[:20]!r} is not offered (PCMU or mpeg4-generic)")
    return mt._replace(
        current,
        name=mt.parse_name(el, current.name),
        encoding=AUDIO_FROM_MIME[mime],
        multicast=mt.parse_multicast(child(el, "tt:Multicast"), current.multicast),
        bitrate=args.required_int(el, "tt:Bitrate"),
        sample_rate=args.required_int(el, "tt:SampleRate"),
    )


def _audio_options(codecs: tuple[options.AudioCodecOptions, ...]) -> mt.OptionsAnswer:
    def answer(parent: Element, ctx: Context, config: str | None, profile: str | None) -> None:
        for codec in codecs:
            mt.audio_codec_option(parent, "tr2:Options", AUDIO_MIME[codec.encoding], codec)

    return answer


@dataclass(frozen=True)
class Family:
    kind: str  # the model kind, also the tr2:ConfigurationSet child and the operation infix
    build: Callable[[Element, str, Any, int], Element]
    parse: Callable[[Element, Any], Any] | None
    build_options: mt.OptionsAnswer | None
    listed: bool = True  # PTZ configurations are listed by the PTZ service


def _metadata(parent: Element, tag: str, cfg: Any, use_count: int) -> Element:
    return mt.metadata_configuration(parent, tag, cfg, use_count, media2=True)


FAMILIES = (
    Family(
        "VideoSource",
        mt.video_source_configuration,
        mt.parse_video_source_configuration,
        mt.options_answer("tr2:Options", mt.video_source_configuration_options),
    ),
    Family(
        "AudioSource",
        mt.audio_source_configuration,
        mt.parse_audio_source_configuration,
        mt.options_answer("tr2:Options", mt.audio_source_configuration_options),
    ),
    Family("VideoEncoder", _video_encoder, _parse_video_encoder, _video_encoder_options),
    Family("AudioEncoder", _audio_encoder, _parse_audio_encoder, _audio_options(options.AUDIO_ENCODERS)),
    Family("Analytics", media1.ANALYTICS.build, None, None),
    Family("PTZ", media1.PTZ.build, None, None, listed=False),
    Family(
        "Metadata",
        _metadata,
        mt.parse_metadata_configuration,
        mt.options_answer("tr2:Options", mt.metadata_configuration_options),
    ),
    Family(
        "AudioOutput",
        mt.audio_output_configuration,
        mt.parse_audio_output_configuration,
        mt.options_answer("tr2:Options", mt.audio_output_configuration_options),
    ),
    Family(
        "AudioDecoder",
        mt.audio_decoder_configuration,
        mt.parse_audio_decoder_configuration,
        _audio_options(options.AUDIO_DECODERS),
    ),
)


def _register(family: Family) -> None:
    kind = family.kind

    @ops(f"Get{kind}Configurations", A.READ_MEDIA)
    def get_all(ctx: Context, request: Element) -> Element:
        media = ctx.camera.media
        token = args.optional_text(request, "tr2:ConfigurationToken")
        profile = args.optional_text(request, "tr2:ProfileToken")
        if token and profile:
            cfg = media.configuration(kind, token)
            if cfg not in media.compatible(kind, profile):
                raise InvalidArgVal("NoConfig", f"{token} cannot be used in profile {profile}")
            found = [cfg]
        elif token:
            found = [media.configuration(kind, token)]
        elif profile:
            found = media.compatible(kind, profile)  # a ProfileToken alone asks what fits it
        else:
            found = media.configurations(kind)
        response = element(f"tr2:Get{kind}ConfigurationsResponse")
        for cfg in found:
            family.build(response, "tr2:Configurations", cfg, media.use_count(kind, cfg.token))
        return response

    if family.parse is not None:
        parse = family.parse

        @ops(f"Set{kind}Configuration", A.ACTUATE)
        def set_one(ctx: Context, request: Element) -> Element:
            media = ctx.camera.media
            el = args.required(request, "tr2:Configuration")
            current = media.configuration(kind, el.get("token", ""))
            media.set_configuration(kind, parse(el, current))
            return element(f"tr2:Set{kind}ConfigurationResponse")

    if family.build_options is not None:
        build_options = family.build_options

        @ops(f"Get{kind}ConfigurationOptions", A.READ_MEDIA)
        def get_options(ctx: Context, request: Element) -> Element:
            media = ctx.camera.media
            config = args.optional_text(request, "tr2:ConfigurationToken") or None
            profile = args.optional_text(request, "tr2:ProfileToken") or None
            cfg = media.configuration(kind, config) if config else None
            if profile:
                media.profile(profile)
                if cfg is not None and cfg not in media.compatible(kind, profile):
                    raise InvalidArgVal("IncompatibleConfiguration", f"{config} cannot be used in profile {profile}")
            response = element(f"tr2:Get{kind}ConfigurationOptionsResponse")
            build_options(response, ctx, config, profile)
            return response


for _family in FAMILIES:
    if _family.listed:
        _register(_family)


SERVICE = register(ServiceInfo("media2", "/onvif/media2_service", (26, 6), ops, media2_capabilities))
