"""Media service, ver10 (media.wsdl): XML in, media model calls, XML out.

The configuration operations come in families (Add/Remove/Get/GetCompatible/
Set/Options per configuration type), so they are registered from one table
rather than written out nine times.  Media2 shows the same profiles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from onvif_device.camera.errors import InvalidArgVal
from onvif_device.camera.media import Media, options
from onvif_device.camera.media.state import (
    AnalyticsConfigurationState,
    AudioEncoderConfigurationState,
    PTZConfigurationState,
    VideoEncoderConfigurationState,
)
from onvif_device.services import args, imaging_types, ptz_types
from onvif_device.services import media_types as mt
from onvif_device.services.media_streams import snapshot_uri, stream_uri
from onvif_device.services.registry import ServiceInfo, register
from onvif_device.soap.access import AccessClass as A
from onvif_device.soap.operations import Context, OperationTable
from onvif_device.xml import Element, child, element, sub

ops = OperationTable("trt")

# Media1 can express only these encodings; an H.265 configuration exists in Media2 alone.
VER10_VIDEO_ENCODINGS = ("JPEG", "H264")
VER10_AUDIO_ENCODINGS = ("G711", "AAC")


def media_capabilities(ctx: Context) -> Element:
    caps = element("trt:Capabilities")
    for name, value in (
        ("SnapshotUri", True),
        ("Rotation", True),
        ("VideoSourceMode", True),
        ("OSD", True),
        ("TemporaryOSDText", False),
        ("EXICompression", False),
    ):
        caps.set(name, "true" if value else "false")
    sub(caps, "trt:ProfileCapabilities", MaximumNumberOfProfiles=str(ctx.camera.media.max_profiles))
    sub(
        caps,
        "trt:StreamingCapabilities",
        RTPMulticast="true",
        RTP_TCP="false",
        RTP_RTSP_TCP="true",
        NonAggregateControl="false",
        NoRTSPStreaming="false",
    )
    return caps


def legacy_media_capabilities(parent: Element, ctx: Context) -> None:
    """tt:Media of the Device service's GetCapabilities."""
    media = sub(parent, "tt:Media")
    sub(media, "tt:XAddr", SERVICE.xaddr(ctx.base_url))
    streaming = sub(media, "tt:StreamingCapabilities")
    sub(streaming, "tt:RTPMulticast", True)
    sub(streaming, "tt:RTP_TCP", False)
    sub(streaming, "tt:RTP_RTSP_TCP", True)
    extension = sub(media, "tt:Extension")
    profiles = sub(extension, "tt:ProfileCapabilities")
    sub(profiles, "tt:MaximumNumberOfProfiles", ctx.camera.media.max_profiles)


@ops("GetServiceCapabilities", A.PRE_AUTH)
def get_service_capabilities(ctx: Context, request: Element) -> Element:
    response = element("trt:GetServiceCapabilitiesResponse")
    response.append(media_capabilities(ctx))
    return response


# --- sources --------------------------------------------------------------------------


@ops("GetVideoSources", A.READ_MEDIA)
def get_video_sources(ctx: Context, request: Element) -> Element:
    media = ctx.camera.media
    response = element("trt:GetVideoSourcesResponse")
    for source in media.hardware.video_sources:
        el = mt.video_source(response, "trt:VideoSources", media, source.token)
        if source.file is None:  # a sensor: NVRs read its imaging settings here (ImagingSettings20)
            imaging_types.settings(sub(el, "tt:Extension"), "tt:Imaging", ctx.camera.imaging.settings(source.token))
    return response


@ops("GetAudioSources", A.READ_MEDIA)
def get_audio_sources(ctx: Context, request: Element) -> Element:
    response = element("trt:GetAudioSourcesResponse")
    for source in ctx.camera.media.hardware.audio_sources:
        mt.audio_source(response, "trt:AudioSources", source.token, source.channels)
    return response


@ops("GetAudioOutputs", A.READ_MEDIA)
def get_audio_outputs(ctx: Context, request: Element) -> Element:
    response = element("trt:GetAudioOutputsResponse")
    for output in ctx.camera.media.hardware.audio_outputs:
        sub(response, "trt:AudioOutputs", token=output.token)
    return response


@ops("GetVideoSourceModes", A.READ_SYSTEM)
def get_video_source_modes(ctx: Context, request: Element) -> Element:
    response = element("trt:GetVideoSourceModesResponse")
    source = args.required_text(request, "trt:VideoSourceToken")
    mt.video_source_modes(response, "trt", ctx.camera.media, source, " ".join(VER10_VIDEO_ENCODINGS))
    return response


@ops("SetVideoSourceMode", A.WRITE_SYSTEM)
def set_video_source_mode(ctx: Context, request: Element) -> Element:
    reboot = ctx.camera.media.set_video_source_mode(
        args.required_text(request, "trt:VideoSourceToken"), args.required_text(request, "trt:VideoSourceModeToken")
    )
    response = element("trt:SetVideoSourceModeResponse")
    sub(response, "trt:Reboot", reboot)
    return response


# --- profiles ------------------------------------------------------------------------


def profile_element(parent: Element, tag: str, media: Media, token: str) -> Element:
    profile = media.profile(token)
    el = sub(parent, tag, token=profile.token, fixed="true" if profile.fixed else "false")
    sub(el, "tt:Name", profile.name)
    for family in FAMILIES:
        if family.in_profile is None:
            continue
        cfg = media.in_profile(family.kind, profile)
        if cfg is not None and family.shown(cfg):
            family.build(el, family.in_profile, cfg, media.use_count(family.kind, cfg.token))
    outputs = [
        (f, cfg)
        for f in (AUDIO_OUTPUT, AUDIO_DECODER)
        if (cfg := media.in_profile(f.kind, profile)) is not None
    ]
    if outputs:
        extension = sub(el, "tt:Extension")
        for family, cfg in outputs:
            family.build(extension, f"tt:{family.name}Configuration", cfg, media.use_count(family.kind, cfg.token))
    return el


@ops("GetProfiles", A.READ_MEDIA)
def get_profiles(ctx: Context, request: Element) -> Element:
    media = ctx.camera.media
    response = element("trt:GetProfilesResponse")
    for profile in media.state.profiles:
        profile_element(response, "trt:Profiles", media, profile.token)
    return response


@ops("GetProfile", A.READ_MEDIA)
def get_profile(ctx: Context, request: Element) -> Element:
    response = element("trt:GetProfileResponse")
    profile_element(response, "trt:Profile", ctx.camera.media, args.required_text(request, "trt:ProfileToken"))
    return response


@ops("CreateProfile", A.ACTUATE)
def create_profile(ctx: Context, request: Element) -> Element:
    media = ctx.camera.media
    profile = media.create_profile(args.required_text(request, "trt:Name"), args.optional_text(request, "trt:Token"))
    response = element("trt:CreateProfileResponse")
    profile_element(response, "trt:Profile", media, profile.token)
    return response


@ops("DeleteProfile", A.ACTUATE)
def delete_profile(ctx: Context, request: Element) -> Element:
    ctx.camera.media.delete_profile(args.required_text(request, "trt:ProfileToken"))
    return element("trt:DeleteProfileResponse")


# --- streams -------------------------------------------------------------------------


@ops("GetStreamUri", A.READ_MEDIA)
def get_stream_uri(ctx: Context, request: Element) -> Element:
    setup = args.required(request, "trt:StreamSetup")
    stream = args.required_text(setup, "tt:Stream")
    if stream not in ("RTP-Unicast", "RTP-Multicast"):
        raise InvalidArgVal("InvalidStreamSetup", f"Stream {stream[:40]!r} is neither RTP-Unicast nor RTP-Multicast")
    protocol = args.required_text(args.required(setup, "tt:Transport"), "tt:Protocol")
    if protocol not in ("UDP", "TCP", "RTSP", "HTTP"):
        raise InvalidArgVal("InvalidStreamSetup", f"Transport Protocol {protocol[:40]!r} is not UDP, TCP, RTSP or HTTP")
    if stream == "RTP-Multicast" and protocol not in ("UDP", "RTSP"):
        raise InvalidArgVal("InvalidStreamSetup", "RTP-Multicast is set up over RTSP (Protocol UDP or RTSP)")
    token = args.required_text(request, "trt:ProfileToken")
    uri = stream_uri(ctx, token, multicast=stream == "RTP-Multicast", over_http=protocol == "HTTP")
    return _media_uri("trt:GetStreamUriResponse", uri)


@ops("GetSnapshotUri", A.READ_MEDIA)
def get_snapshot_uri(ctx: Context, request: Element) -> Element:
    uri = snapshot_uri(ctx, args.required_text(request, "trt:ProfileToken"))
    return _media_uri("trt:GetSnapshotUriResponse", uri)


def _media_uri(tag: str, uri: str) -> Element:
    response = element(tag)
    media_uri = sub(response, "trt:MediaUri")
    sub(media_uri, "tt:Uri", uri)
    sub(media_uri, "tt:InvalidAfterConnect", False)
    sub(media_uri, "tt:InvalidAfterReboot", False)
    sub(media_uri, "tt:Timeout", "PT0S")
    return response


@ops("StartMulticastStreaming", A.ACTUATE)
def start_multicast_streaming(ctx: Context, request: Element) -> Element:
    ctx.camera.media.start_multicast(args.required_text(request, "trt:ProfileToken"))
    return element("trt:StartMulticastStreamingResponse")


@ops("StopMulticastStreaming", A.ACTUATE)
def stop_multicast_streaming(ctx: Context, request: Element) -> Element:
    ctx.camera.media.stop_multicast(args.required_text(request, "trt:ProfileToken"))
    return element("trt:StopMulticastStreamingResponse")


@ops("SetSynchronizationPoint", A.ACTUATE)
def set_synchronization_point(ctx: Context, request: Element) -> Element:
    ctx.camera.media.request_sync_point(args.required_text(request, "trt:ProfileToken"))
    return element("trt:SetSynchronizationPointResponse")


@ops("GetGuaranteedNumberOfVideoEncoderInstances", A.READ_MEDIA)
def get_guaranteed_encoder_instances(ctx: Context, request: Element) -> Element:
    counts = ctx.camera.media.encoder_instances(args.required_text(request, "trt:ConfigurationToken"))
    response = element("trt:GetGuaranteedNumberOfVideoEncoderInstancesResponse")
    sub(response, "trt:TotalNumber", counts["total"])
    sub(response, "trt:JPEG", counts["JPEG"])
    sub(response, "trt:H264", counts["H264"])
    return response


# --- OSD -------------------------------------------------------------------------------


@ops("GetOSDs", A.READ_MEDIA)
def get_osds(ctx: Context, request: Element) -> Element:
    response = element("trt:GetOSDsResponse")
    media = ctx.camera.media
    token = args.optional_text(request, "trt:ConfigurationToken")
    for osd in media.overlays.osds(media.video_source_configuration_for(token).token if token else None):
        mt.osd(response, "trt:OSDs", osd)
    return response


@ops("GetOSD", A.READ_MEDIA)
def get_osd(ctx: Context, request: Element) -> Element:
    response = element("trt:GetOSDResponse")
    mt.osd(response, "trt:OSD", ctx.camera.media.overlays.osd(args.required_text(request, "trt:OSDToken")))
    return response


@ops("GetOSDOptions", A.READ_MEDIA)
def get_osd_options(ctx: Context, request: Element) -> Element:
    token = args.optional_text(request, "trt:ConfigurationToken")
    if token:
        ctx.camera.media.video_source_configuration_for(token)
    response = element("trt:GetOSDOptionsResponse")
    mt.osd_options(response, "trt:OSDOptions")
    return response


@ops("CreateOSD", A.ACTUATE)
def create_osd(ctx: Context, request: Element) -> Element:
    osd = mt.parse_osd(args.required(request, "trt:OSD"), token="new")
    response = element("trt:CreateOSDResponse")
    sub(response, "trt:OSDToken", ctx.camera.media.overlays.create_osd(osd))
    return response


@ops("SetOSD", A.ACTUATE)
def set_osd(ctx: Context, request: Element) -> Element:
    el = args.required(request, "trt:OSD")
    ctx.camera.media.overlays.set_osd(mt.parse_osd(el, token=el.get("token", "")))
    return element("trt:SetOSDResponse")


@ops("DeleteOSD", A.ACTUATE)
def delete_osd(ctx: Context, request: Element) -> Element:
    ctx.camera.media.overlays.delete_osd(args.required_text(request, "trt:OSDToken"))
    return element("trt:DeleteOSDResponse")


# --- the configuration families ------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    name: str  # as in the operation names: "VideoEncoder" for AddVideoEncoderConfiguration
    kind: str  # the model's configuration kind
    build: Callable[[Element, str, Any, int], Element]
    parse: Callable[[Element, Any], Any] | None  # None: no Set operation in ver10
    build_options: mt.OptionsAnswer | None
    in_profile: str | None  # the tt:Profile child; None for those in tt:Profile's Extension
    shown: Callable[[Any], bool] = lambda cfg: True
    listed: bool = True  # has Get…Configurations (PTZ's live in the PTZ service)


def _video_encoder(parent: Element, tag: str, cfg: VideoEncoderConfigurationState, use_count: int) -> Element:
    el = mt.entity(parent, tag, cfg, use_count)
    el.set("GuaranteedFrameRate", "true" if cfg.guaranteed_frame_rate else "false")
    sub(el, "tt:Encoding", cfg.encoding)
    resolution = sub(el, "tt:Resolution")
    sub(resolution, "tt:Width", cfg.width)
    sub(resolution, "tt:Height", cfg.height)
    sub(el, "tt:Quality", float(cfg.quality))
    rate = sub(el, "tt:RateControl")
    sub(rate, "tt:FrameRateLimit", max(1, round(cfg.frame_rate)))
    sub(rate, "tt:EncodingInterval", cfg.encoding_interval)
    sub(rate, "tt:BitrateLimit", cfg.bitrate)
    if cfg.encoding == "H264":
        h264 = sub(el, "tt:H264")
        sub(h264, "tt:GovLength", cfg.gov_length)
        sub(h264, "tt:H264Profile", cfg.profile)
    mt.multicast(el, cfg.multicast)
    sub(el, "tt:SessionTimeout", mt.duration(cfg.session_timeout))
    return el


def _parse_video_encoder(el: Element, current: VideoEncoderConfigurationState) -> VideoEncoderConfigurationState:
    encoding = args.required_text(el, "tt:Encoding")
    if encoding not in VER10_VIDEO_ENCODINGS:
        raise InvalidArgVal("ConfigModify", f"Encoding {encoding[:20]!r} is not offered (JPEG or H264)")
    resolution = args.required(el, "tt:Resolution")
    changes: dict[str, Any] = dict(
        name=mt.parse_name(el, current.name),
        encoding=encoding,
        width=args.required_int(resolution, "tt:Width"),
        height=args.required_int(resolution, "tt:Height"),
        quality=args.as_float(args.required_text(el, "tt:Quality"), "Quality"),
        multicast=mt.parse_multicast(child(el, "tt:Multicast"), current.multicast),
        session_timeout=args.duration_seconds(args.required_text(el, "tt:SessionTimeout"), "SessionTimeout"),
    )
    rate = child(el, "tt:RateControl")
    if rate is not None:
        changes["frame_rate"] = float(args.required_int(rate, "tt:FrameRateLimit"))
        changes["encoding_interval"] = args.required_int(rate, "tt:EncodingInterval")
        changes["bitrate"] = args.required_int(rate, "tt:BitrateLimit")
    guaranteed = el.get("GuaranteedFrameRate")
    if guaranteed is not None:
        changes["guaranteed_frame_rate"] = args.as_bool(guaranteed, "GuaranteedFrameRate")
    if encoding == "H264":
        h264 = child(el, "tt:H264")
        if h264 is not None:
            changes["gov_length"] = args.required_int(h264, "tt:GovLength")
            changes["profile"] = args.required_text(h264, "tt:H264Profile")
        elif current.encoding != "H264":
            changes["profile"] = "Main"
    else:
        changes["profile"] = ""
    return mt._replace(current, **changes)


def _video_encoder_options(parent: Element, ctx: Context, config: str | None, profile: str | None) -> None:
    media = ctx.camera.media
    if config:
        media.configuration("VideoEncoder", config)
    mode = media.encoder_mode(config, profile)
    el = sub(parent, "trt:Options", GuaranteedFrameRateSupported="false")
    mt.int_range(el, "tt:QualityRange", *options.QUALITY)

    def jpeg(tag: str, bitrate: bool) -> None:
        j = sub(el if not bitrate else extension, tag)
        mt.resolutions(j, "tt:ResolutionsAvailable", mode)
        mt.int_range(j, "tt:FrameRateRange", 1, mode.max_framerate)
        mt.int_range(j, "tt:EncodingIntervalRange", *options.ENCODING_INTERVAL)
        if bitrate:
            mt.int_range(j, "tt:BitrateRange", *options.BITRATE)

    def h264(tag: str, bitrate: bool) -> None:
        h = sub(el if not bitrate else extension, tag)
        mt.resolutions(h, "tt:ResolutionsAvailable", mode)
        mt.int_range(h, "tt:GovLengthRange", *options.GOV_LENGTH)
        mt.int_range(h, "tt:FrameRateRange", 1, mode.max_framerate)
        mt.int_range(h, "tt:EncodingIntervalRange", *options.ENCODING_INTERVAL)
        for p in options.H264_PROFILES:
            sub(h, "tt:H264ProfilesSupported", p)
        if bitrate:
            mt.int_range(h, "tt:BitrateRange", *options.BITRATE)

    jpeg("tt:JPEG", False)
    h264("tt:H264", False)
    extension = sub(el, "tt:Extension")
    jpeg("tt:JPEG", True)
    h264("tt:H264", True)


def _audio_encoder(parent: Element, tag: str, cfg: AudioEncoderConfigurationState, use_count: int) -> Element:
    el = mt.entity(parent, tag, cfg, use_count)
    sub(el, "tt:Encoding", cfg.encoding)
    sub(el, "tt:Bitrate", cfg.bitrate)
    sub(el, "tt:SampleRate", cfg.sample_rate)
    mt.multicast(el, cfg.multicast)
    sub(el, "tt:SessionTimeout", mt.duration(cfg.session_timeout))
    return el


def _parse_audio_encoder(el: Element, current: AudioEncoderConfigurationState) -> AudioEncoderConfigurationState:
    encoding = args.required_text(el, "tt:Encoding")
    if encoding not in VER10_AUDIO_ENCODINGS:
        raise InvalidArgVal("ConfigModify", f"audio Encoding {encoding[:20]!r} is not offered (G711 or AAC)")
    return mt._replace(
        current,
        name=mt.parse_name(el, current.name),
        encoding=encoding,
        bitrate=args.required_int(el, "tt:Bitrate"),
        sample_rate=args.required_int(el, "tt:SampleRate"),
        multicast=mt.parse_multicast(child(el, "tt:Multicast"), current.multicast),
        session_timeout=args.duration_seconds(args.required_text(el, "tt:SessionTimeout"), "SessionTimeout"),
    )


def _audio_encoder_options(parent: Element, ctx: Context, config: str | None, profile: str | None) -> None:
    el = sub(parent, "trt:Options")
    for codec in options.AUDIO_ENCODERS:
        mt.audio_codec_option(el, "tt:Options", codec.encoding, codec)


def _audio_decoder_options(parent: Element, ctx: Context, config: str | None, profile: str | None) -> None:
    el = sub(parent, "trt:Options")
    g711 = sub(el, "tt:G711DecOptions")
    codec = options.AUDIO_DECODERS[0]
    mt.int_items(g711, "tt:Bitrate", codec.bitrates)
    mt.int_items(g711, "tt:SampleRateRange", codec.sample_rates)


def _ptz(parent: Element, tag: str, cfg: PTZConfigurationState, use_count: int) -> Element:
    # The one tt:PTZConfiguration builder, shared with the PTZ service.
    return ptz_types.configuration(parent, tag, cfg, use_count)


def _analytics(parent: Element, tag: str, cfg: AnalyticsConfigurationState, use_count: int) -> Element:
    el = mt.entity(parent, tag, cfg, use_count)
    sub(el, "tt:AnalyticsEngineConfiguration")
    sub(el, "tt:RuleEngineConfiguration")
    return el


def _parse_analytics(el: Element, current: AnalyticsConfigurationState) -> AnalyticsConfigurationState:
    return mt._replace(current, name=mt.parse_name(el, current.name))


def _is_ver10_video(cfg: VideoEncoderConfigurationState) -> bool:
    return cfg.encoding in VER10_VIDEO_ENCODINGS


VIDEO_SOURCE = Family(
    "VideoSource", "VideoSource", mt.video_source_configuration, mt.parse_video_source_configuration,
    mt.options_answer("trt:Options", mt.video_source_configuration_options), "tt:VideoSourceConfiguration",
)  # fmt: skip
AUDIO_SOURCE = Family(
    "AudioSource", "AudioSource", mt.audio_source_configuration, mt.parse_audio_source_configuration,
    mt.options_answer("trt:Options", mt.audio_source_configuration_options), "tt:AudioSourceConfiguration",
)  # fmt: skip
VIDEO_ENCODER = Family(
    "VideoEncoder", "VideoEncoder", _video_encoder, _parse_video_encoder, _video_encoder_options,
    "tt:VideoEncoderConfiguration", shown=_is_ver10_video,
)  # fmt: skip
AUDIO_ENCODER = Family(
    "AudioEncoder", "AudioEncoder", _audio_encoder, _parse_audio_encoder, _audio_encoder_options,
    "tt:AudioEncoderConfiguration",
)  # fmt: skip
ANALYTICS = Family(
    "VideoAnalytics", "Analytics", _analytics, _parse_analytics, None, "tt:VideoAnalyticsConfiguration"
)
PTZ = Family("PTZ", "PTZ", _ptz, None, None, "tt:PTZConfiguration", listed=False)
METADATA = Family(
    "Metadata", "Metadata", mt.metadata_configuration, mt.parse_metadata_configuration,
    mt.options_answer("trt:Options", mt.metadata_configuration_options), "tt:MetadataConfiguration",
)  # fmt: skip
AUDIO_OUTPUT = Family(
    "AudioOutput", "AudioOutput", mt.audio_output_configuration, mt.parse_audio_output_configuration,
    mt.options_answer("trt:Options", mt.audio_output_configuration_options), None,
)  # fmt: skip
AUDIO_DECODER = Family(
    "AudioDecoder", "AudioDecoder", mt.audio_decoder_configuration, mt.parse_audio_decoder_configuration,
    _audio_decoder_options, None,
)  # fmt: skip
FAMILIES = (VIDEO_SOURCE, AUDIO_SOURCE, VIDEO_ENCODER, AUDIO_ENCODER, ANALYTICS, PTZ, METADATA, AUDIO_OUTPUT, AUDIO_DECODER)


def _register(family: Family) -> None:
    name, kind = family.name, family.kind

    def visible(media: Media, token: str) -> Any:
        cfg = media.configuration(kind, token)
        if not family.shown(cfg):
            raise InvalidArgVal("NoConfig", f"{token} is a Media2-only configuration ({cfg.encoding})")
        return cfg

    @ops(f"Add{name}Configuration", A.ACTUATE)
    def add(ctx: Context, request: Element) -> Element:
        media = ctx.camera.media
        token = args.required_text(request, "trt:ConfigurationToken")
        visible(media, token)
        media.update_profile(args.required_text(request, "trt:ProfileToken"), add={kind: token})
        return element(f"trt:Add{name}ConfigurationResponse")

    @ops(f"Remove{name}Configuration", A.ACTUATE)
    def remove(ctx: Context, request: Element) -> Element:
        ctx.camera.media.update_profile(args.required_text(request, "trt:ProfileToken"), remove=[kind])
        return element(f"trt:Remove{name}ConfigurationResponse")

    if not family.listed:
        return

    @ops(f"Get{name}Configurations", A.READ_MEDIA)
    def get_all(ctx: Context, request: Element) -> Element:
        media = ctx.camera.media
        response = element(f"trt:Get{name}ConfigurationsResponse")
        for cfg in media.configurations(kind):
            if family.shown(cfg):
                family.build(response, "trt:Configurations", cfg, media.use_count(kind, cfg.token))
        return response

    @ops(f"Get{name}Configuration", A.READ_MEDIA)
    def get_one(ctx: Context, request: Element) -> Element:
        media = ctx.camera.media
        cfg = visible(media, args.required_text(request, "trt:ConfigurationToken"))
        response = element(f"trt:Get{name}ConfigurationResponse")
        family.build(response, "trt:Configuration", cfg, media.use_count(kind, cfg.token))
        return response

    @ops(f"GetCompatible{name}Configurations", A.READ_MEDIA)
    def get_compatible(ctx: Context, request: Element) -> Element:
        media = ctx.camera.media
        response = element(f"trt:GetCompatible{name}ConfigurationsResponse")
        for cfg in media.compatible(kind, args.required_text(request, "trt:ProfileToken")):
            if family.shown(cfg):
                family.build(response, "trt:Configurations", cfg, media.use_count(kind, cfg.token))
        return response

    if family.parse is not None:
        parse = family.parse

        @ops(f"Set{name}Configuration", A.ACTUATE)
        def set_one(ctx: Context, request: Element) -> Element:
            media = ctx.camera.media
            el = args.required(request, "trt:Configuration")
            current = visible(media, el.get("token", ""))
            media.set_configuration(kind, parse(el, current))
            return element(f"trt:Set{name}ConfigurationResponse")

    if family.build_options is not None:
        build_options = family.build_options

        @ops(f"Get{name}ConfigurationOptions", A.READ_MEDIA)
        def get_options(ctx: Context, request: Element) -> Element:
            config = args.optional_text(request, "trt:ConfigurationToken")
            profile = args.optional_text(request, "trt:ProfileToken")
            if config:
                visible(ctx.camera.media, config)
            if profile:
                ctx.camera.media.profile(profile)
            response = element(f"trt:Get{name}ConfigurationOptionsResponse")
            build_options(response, ctx, config or None, profile or None)
            return response


for _family in FAMILIES:
    _register(_family)


SERVICE = register(
    ServiceInfo(
        "media", "/onvif/media_service", (26, 6), ops, media_capabilities, legacy=legacy_media_capabilities
    )
)
