"""The tt: media types both Media services share: model records <-> XML.

Media (ver10) and Media2 (ver20) use the same schema types for sources,
audio, metadata and OSDs; only the encoder configurations differ (the
versions' own modules build those).  Builders take the element to fill so
one function serves a GetX response and a profile listing alike.
"""

from __future__ import annotations

from typing import Any, Callable

from onvif_device.camera.errors import InvalidArgVal
from onvif_device.camera.media import Media, options
from onvif_device.camera.media.hardware import VideoSourceMode
from onvif_device.camera.media.state import (
    AudioDecoderConfigurationState,
    AudioOutputConfigurationState,
    AudioSourceConfigurationState,
    Bounds,
    MetadataConfigurationState,
    Multicast,
    OSDState,
    VideoSourceConfigurationState,
)
from onvif_device.services import args
from onvif_device.soap.operations import Context
from onvif_device.xml import Element, child, sub

# --- shared pieces -----------------------------------------------------------------


def entity(parent: Element, tag: str, cfg: Any, use_count: int) -> Element:
    """tt:ConfigurationEntity: token attribute, Name, UseCount."""
    el = sub(parent, tag, token=cfg.token)
    sub(el, "tt:Name", cfg.name)
    sub(el, "tt:UseCount", use_count)
    return el


def multicast(parent: Element, m: Multicast, tag: str = "tt:Multicast") -> Element:
    el = sub(parent, tag)
    address = sub(el, "tt:Address")
    ipv6 = ":" in m.address
    sub(address, "tt:Type", "IPv6" if ipv6 else "IPv4")
    sub(address, "tt:IPv6Address" if ipv6 else "tt:IPv4Address", m.address)
    sub(el, "tt:Port", m.port)
    sub(el, "tt:TTL", m.ttl)
    sub(el, "tt:AutoStart", m.auto_start)
    return el


def parse_multicast(el: Element | None, current: Multicast) -> Multicast:
    if el is None:
        return current
    address_el = args.required(el, "tt:Address")
    kind = args.one_of(args.required_text(address_el, "tt:Type"), ("IPv4", "IPv6"), "Multicast Address Type")
    address = args.required_text(address_el, f"tt:{kind}Address")
    port = args.required_int(el, "tt:Port")
    ttl = args.required_int(el, "tt:TTL")
    if not 0 <= port <= 65535:
        raise InvalidArgVal("ConfigModify", f"Multicast Port {port} is not a port number")
    if not 0 <= ttl <= 255:
        raise InvalidArgVal("ConfigModify", f"Multicast TTL {ttl} is outside 0..255")
    return Multicast(address=address, port=port, ttl=max(ttl, 1), auto_start=args.required_bool(el, "tt:AutoStart"))


def duration(seconds: float) -> str:
    """Seconds as xs:duration, whole or to the millisecond, never with an exponent: PT60S, PT0.5S."""
    digits = f"{seconds:.3f}".rstrip("0").rstrip(".")
    return f"PT{digits or '0'}S"


def int_range(parent: Element, tag: str, low: float, high: float) -> Element:
    el = sub(parent, tag)
    sub(el, "tt:Min", int(low))
    sub(el, "tt:Max", int(high))
    return el


def float_range(parent: Element, tag: str, low: float, high: float) -> Element:
    el = sub(parent, tag)
    sub(el, "tt:Min", float(low))
    sub(el, "tt:Max", float(high))
    return el


def resolutions(parent: Element, tag: str, mode: VideoSourceMode) -> None:
    for width, height in options.resolutions(mode):
        el = sub(parent, tag)
        sub(el, "tt:Width", width)
        sub(el, "tt:Height", height)


def int_items(parent: Element, tag: str, values: tuple[int, ...]) -> Element:
    """tt:IntItems: one tt:Items per value."""
    el = sub(parent, tag)
    for value in values:
        sub(el, "tt:Items", value)
    return el


def audio_codec_option(parent: Element, tag: str, encoding: str, codec: options.AudioCodecOptions) -> Element:
    """One codec's Encoding, BitrateList and SampleRateList (Media1 and Media2 spell the encoding differently)."""
    el = sub(parent, tag)
    sub(el, "tt:Encoding", encoding)
    int_items(el, "tt:BitrateList", codec.bitrates)
    int_items(el, "tt:SampleRateList", codec.sample_rates)
    return el


def parse_name(el: Element, current: str) -> str:
    name = args.optional_text(el, "tt:Name")
    return current if name is None else name


# The shape of every Get…ConfigurationOptions answer: (response, ctx, ConfigurationToken, ProfileToken).
OptionsAnswer = Callable[[Element, Context, str | None, str | None], None]


def options_answer(tag: str, build: Callable[[Element, str, Media, str | None], Element]) -> OptionsAnswer:
    """An options answer from a builder that needs only the model and the configuration token."""

    def answer(parent: Element, ctx: Context, config: str | None, profile: str | None) -> None:
        build(parent, tag, ctx.camera.media, config)

    return answer


# --- hardware ----------------------------------------------------------------------


def video_source(parent: Element, tag: str, media: Media, token: str) -> Element:
    mode = media.current_mode(token)
    el = sub(parent, tag, token=token)
    sub(el, "tt:Framerate", float(mode.max_framerate))
    resolution = sub(el, "tt:Resolution")
    sub(resolution, "tt:Width", mode.width)
    sub(resolution, "tt:Height", mode.height)
    return el


def audio_source(parent: Element, tag: str, token: str, channels: int) -> Element:
    el = sub(parent, tag, token=token)
    sub(el, "tt:Channels", channels)
    return el


def video_source_modes(parent: Element, prefix: str, media: Media, source_token: str, encodings: str) -> None:
    """<prefix>:VideoSourceModes for every mode of a source; trt and tr2 differ only in the prefix."""
    source = media.video_source(source_token)
    current = media.current_mode(source.token)
    for mode in source.modes:
        enabled = "true" if mode == current else "false"
        el = sub(parent, f"{prefix}:VideoSourceModes", token=mode.token, Enabled=enabled)
        sub(el, f"{prefix}:MaxFramerate", float(mode.max_framerate))
        resolution = sub(el, f"{prefix}:MaxResolution")
        sub(resolution, "tt:Width", mode.width)
        sub(resolution, "tt:Height", mode.height)
        sub(el, f"{prefix}:Encodings", encodings)
        sub(el, f"{prefix}:Reboot", False)
        sub(el, f"{prefix}:Description", mode.description)


# --- video source configuration ------------------------------------------------------


def video_source_configuration(parent: Element, tag: str, cfg: VideoSourceConfigurationState, use_count: int) -> Element:
    el = entity(parent, tag, cfg, use_count)
    sub(el, "tt:SourceToken", cfg.source_token)
    b = cfg.bounds
    sub(el, "tt:Bounds", x=str(b.x), y=str(b.y), width=str(b.width), height=str(b.height))
    extension = sub(el, "tt:Extension")
    rotate = sub(extension, "tt:Rotate")
    sub(rotate, "tt:Mode", cfg.rotate)
    if cfg.rotate_degree is not None:
        sub(rotate, "tt:Degree", cfg.rotate_degree)
    return el


def parse_video_source_configuration(el: Element, current: VideoSourceConfigurationState) -> VideoSourceConfigurationState:
    bounds_el = args.required(el, "tt:Bounds")
    values = {}
    for field in ("x", "y", "width", "height"):
        raw = bounds_el.get(field)
        if raw is None:
            raise InvalidArgVal("ConfigModify", f"Bounds is missing the {field} attribute")
        values[field] = args.as_int(raw, f"Bounds {field}")
    rotate_mode, degree = current.rotate, current.rotate_degree
    rotate = el.find("tt:Extension/tt:Rotate", {"tt": "http://www.onvif.org/ver10/schema"})
    if rotate is not None:
        rotate_mode = args.required_text(rotate, "tt:Mode")
        raw_degree = args.optional_text(rotate, "tt:Degree")
        degree = None if raw_degree is None else args.as_int(raw_degree, "Rotate Degree")
    return _replace(
        current,
        name=parse_name(el, current.name),
        source_token=args.required_text(el, "tt:SourceToken"),
        bounds=Bounds(**values),
        rotate=rotate_mode,
        rotate_degree=degree,
    )


def video_source_configuration_options(parent: Element, tag: str, media: Media, config: str | None) -> Element:
    """Bounds and sources for one configuration (its own source) or for any (every source)."""
    if config:
        sources = [media.configuration("VideoSource", config).source_token]
    else:
        sources = [s.token for s in media.hardware.video_sources]
    el = sub(parent, tag, MaximumNumberOfProfiles=str(media.max_profiles))
    mode = media.current_mode(sources[0])
    ranges = sub(el, "tt:BoundsRange")
    int_range(ranges, "tt:XRange", 0, mode.width - 16)
    int_range(ranges, "tt:YRange", 0, mode.height - 16)
    int_range(ranges, "tt:WidthRange", 16, mode.width)
    int_range(ranges, "tt:HeightRange", 16, mode.height)
    for token in sources:
        sub(el, "tt:VideoSourceTokensAvailable", token)
    extension = sub(el, "tt:Extension")
    rotate = sub(extension, "tt:Rotate")
    for m in options.ROTATE_MODES:
        sub(rotate, "tt:Mode", m)
    degrees = sub(rotate, "tt:DegreeList")
    for d in options.ROTATE_DEGREES:
        sub(degrees, "tt:Items", d)
    return el


# --- audio ---------------------------------------------------------------------------


def audio_source_configuration(parent: Element, tag: str, cfg: AudioSourceConfigurationState, use_count: int) -> Element:
    el = entity(parent, tag, cfg, use_count)
    sub(el, "tt:SourceToken", cfg.source_token)
    return el


def parse_audio_source_configuration(el: Element, current: AudioSourceConfigurationState) -> AudioSourceConfigurationState:
    return _replace(current, name=parse_name(el, current.name), source_token=args.required_text(el, "tt:SourceToken"))


def audio_source_configuration_options(parent: Element, tag: str, media: Media, config: str | None) -> Element:
    el = sub(parent, tag)
    for source in media.hardware.audio_sources:
        sub(el, "tt:InputTokensAvailable", source.token)
    return el


def audio_output_configuration(parent: Element, tag: str, cfg: AudioOutputConfigurationState, use_count: int) -> Element:
    el = entity(parent, tag, cfg, use_count)
    sub(el, "tt:OutputToken", cfg.output_token)
    sub(el, "tt:SendPrimacy", cfg.send_primacy)
    sub(el, "tt:OutputLevel", cfg.output_level)
    return el


def parse_audio_output_configuration(el: Element, current: AudioOutputConfigurationState) -> AudioOutputConfigurationState:
    primacy = args.optional_text(el, "tt:SendPrimacy")
    return _replace(
        current,
        name=parse_name(el, current.name),
        output_token=args.required_text(el, "tt:OutputToken"),
        send_primacy=current.send_primacy if primacy is None else primacy,
        output_level=args.required_int(el, "tt:OutputLevel"),
    )


def audio_output_configuration_options(parent: Element, tag: str, media: Media, config: str | None) -> Element:
    el = sub(parent, tag)
    for output in media.hardware.audio_outputs:
        sub(el, "tt:OutputTokensAvailable", output.token)
    for primacy in options.SEND_PRIMACY:
        sub(el, "tt:SendPrimacyOptions", primacy)
    int_range(el, "tt:OutputLevelRange", *options.OUTPUT_LEVEL)
    return el


def audio_decoder_configuration(parent: Element, tag: str, cfg: AudioDecoderConfigurationState, use_count: int) -> Element:
    return entity(parent, tag, cfg, use_count)


def parse_audio_decoder_configuration(el: Element, current: AudioDecoderConfigurationState) -> AudioDecoderConfigurationState:
    return _replace(current, name=parse_name(el, current.name))


# --- metadata --------------------------------------------------------------------------


def metadata_configuration(
    parent: Element, tag: str, cfg: MetadataConfigurationState, use_count: int, *, media2: bool = False
) -> Element:
    el = entity(parent, tag, cfg, use_count)
    if media2:
        el.set("CompressionType", "None")
        el.set("GeoLocation", "false")
    if cfg.ptz_status or cfg.ptz_position:
        ptz = sub(el, "tt:PTZStatus")
        sub(ptz, "tt:Status", cfg.ptz_status)
        sub(ptz, "tt:Position", cfg.ptz_position)
    if cfg.events:
        events = sub(el, "tt:Events")
        if cfg.event_filter:
            topic = sub(sub(events, "tt:Filter"), "wsnt:TopicExpression", cfg.event_filter)
            topic.set("Dialect", "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet")
    sub(el, "tt:Analytics", cfg.analytics)
    multicast(el, cfg.multicast)
    sub(el, "tt:SessionTimeout", duration(cfg.session_timeout))
    return el


def parse_metadata_configuration(el: Element, current: MetadataConfigurationState) -> MetadataConfigurationState:
    ptz = child(el, "tt:PTZStatus")
    events = child(el, "tt:Events")
    event_filter = ""
    if events is not None:
        topic = events.find("{http://www.onvif.org/ver10/schema}Filter/{http://docs.oasis-open.org/wsn/b-2}TopicExpression")
        event_filter = "" if topic is None else (topic.text or "").strip()
    if el.get("GeoLocation") in ("true", "1"):
        raise InvalidArgVal("ConfigModify", "GeoLocation is not supported (the options say GeoLocation false)")
    compression = el.get("CompressionType")
    if compression not in (None, "None"):
        raise InvalidArgVal("ConfigModify", f"CompressionType {compression[:20]!r} is not supported (only None)")
    analytics = args.optional_bool(el, "tt:Analytics")
    timeout = args.optional_text(el, "tt:SessionTimeout")
    return _replace(
        current,
        name=parse_name(el, current.name),
        ptz_status=False if ptz is None else args.required_bool(ptz, "tt:Status"),
        ptz_position=False if ptz is None else args.required_bool(ptz, "tt:Position"),
        events=events is not None,
        event_filter=event_filter,
        analytics=bool(analytics),
        multicast=parse_multicast(child(el, "tt:Multicast"), current.multicast),
        session_timeout=current.session_timeout if timeout is None else args.duration_seconds(timeout, "SessionTimeout"),
    )


def metadata_configuration_options(parent: Element, tag: str, media: Media, config: str | None) -> Element:
    el = sub(parent, tag, GeoLocation="false")
    ptz = sub(el, "tt:PTZStatusFilterOptions")
    sub(ptz, "tt:PanTiltStatusSupported", True)
    sub(ptz, "tt:ZoomStatusSupported", True)
    sub(ptz, "tt:PanTiltPositionSupported", True)
    sub(ptz, "tt:ZoomPositionSupported", True)
    return el


# --- OSD ---------------------------------------------------------------------------------


def osd(parent: Element, tag: str, o: OSDState) -> Element:
    el = sub(parent, tag, token=o.token)
    sub(el, "tt:VideoSourceConfigurationToken", o.configuration_token)
    sub(el, "tt:Type", o.kind)
    position = sub(el, "tt:Position")
    sub(position, "tt:Type", o.position)
    if o.position == "Custom":
        sub(position, "tt:Pos", x=str(o.x), y=str(o.y))
    text = sub(el, "tt:TextString")
    sub(text, "tt:Type", o.text_type)
    if o.text_type in ("Date", "DateAndTime"):
        sub(text, "tt:DateFormat", o.date_format)
    if o.text_type in ("Time", "DateAndTime"):
        sub(text, "tt:TimeFormat", o.time_format)
    sub(text, "tt:FontSize", o.font_size)
    if o.text_type == "Plain":
        sub(text, "tt:PlainText", o.plain_text)
    return el


def parse_osd(el: Element, token: str) -> OSDState:
    position = args.required(el, "tt:Position")
    pos = child(position, "tt:Pos")
    x = y = None
    if pos is not None:
        x = args.as_float(pos.get("x", ""), "Pos x")
        y = args.as_float(pos.get("y", ""), "Pos y")
    kind = args.one_of(args.required_text(el, "tt:Type"), ("Text", "Image", "Extended"), "OSD Type")
    fields: dict[str, Any] = dict(
        token=token,
        configuration_token=args.required_text(el, "tt:VideoSourceConfigurationToken"),
        kind="Text" if kind == "Text" else "Image",
        position=_osd_choice(args.required_text(position, "tt:Type"), options.OSD_POSITIONS, "Position Type"),
        x=x,
        y=y,
    )
    text = child(el, "tt:TextString")
    if fields["kind"] == "Text":
        if text is None:
            raise InvalidArgVal("ConfigModify", "a Text OSD needs a TextString")
        fields["text_type"] = _osd_choice(args.required_text(text, "tt:Type"), options.OSD_TEXT_TYPES, "TextString Type")
        for tag, field in (("tt:DateFormat", "date_format"), ("tt:TimeFormat", "time_format"), ("tt:PlainText", "plain_text")):
            value = args.optional_text(text, tag)
            if value is not None:
                fields[field] = value
        size = args.optional_text(text, "tt:FontSize")
        if size is not None:
            fields["font_size"] = args.as_int(size, "FontSize")
    return OSDState(**fields)


def _osd_choice(value: str, allowed: tuple[str, ...], field: str) -> str:
    if value not in allowed:
        raise InvalidArgVal("ConfigModify", f"{field} {value[:40]!r} is not one of {', '.join(allowed)}")
    return value


def osd_options(parent: Element, tag: str) -> Element:
    el = sub(parent, tag)
    limits = options.MAX_OSDS
    sub(
        el,
        "tt:MaximumNumberOfOSDs",
        Total=str(limits["total"]),
        Image="0",
        PlainText=str(limits["PlainText"]),
        Date=str(limits["Date"]),
        Time=str(limits["Time"]),
        DateAndTime=str(limits["DateAndTime"]),
    )
    sub(el, "tt:Type", "Text")
    for position in options.OSD_POSITIONS:
        sub(el, "tt:PositionOption", position)
    text = sub(el, "tt:TextOption")
    for kind in options.OSD_TEXT_TYPES:
        sub(text, "tt:Type", kind)
    int_range(text, "tt:FontSizeRange", *options.OSD_FONT_SIZE)
    for fmt in options.OSD_DATE_FORMATS:
        sub(text, "tt:DateFormat", fmt)
    for fmt in options.OSD_TIME_FORMATS:
        sub(text, "tt:TimeFormat", fmt)
    return el


def _replace(record: Any, **changes: Any) -> Any:
    """A copy with `changes`, validated (model_copy alone skips validation)."""
    try:
        return type(record).model_validate({**record.model_dump(), **changes})
    except ValueError as exc:
        first = exc.errors()[0] if hasattr(exc, "errors") else {"loc": (), "msg": str(exc)}
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidArgVal("ConfigModify", f"{where}: {first['msg']}") from None
