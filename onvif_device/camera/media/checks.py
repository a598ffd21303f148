"""Checks a changed configuration must pass before the camera takes it.

Each raises `ConfigModify` naming the field and what would be accepted, so
the client learns from the fault what the options response already said.
"""

from __future__ import annotations

import ipaddress
from typing import Sequence

from onvif_device.camera.errors import InvalidArgVal
from onvif_device.camera.media import options
from onvif_device.camera.media.hardware import Hardware, VideoSourceMode
from onvif_device.camera.media.state import (
    AudioDecoderConfigurationState,
    AudioEncoderConfigurationState,
    AudioOutputConfigurationState,
    AudioSourceConfigurationState,
    MetadataConfigurationState,
    Multicast,
    VideoEncoderConfigurationState,
    VideoSourceConfigurationState,
)

MAX_NAME = 64


def config_modify(reason: str) -> InvalidArgVal:
    return InvalidArgVal("ConfigModify", reason)


def check_name(name: str) -> None:
    if not name or len(name) > MAX_NAME:
        raise config_modify(f"Name must be 1 to {MAX_NAME} characters")


def check_range(value: float, bounds: tuple[float, float], field: str) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise config_modify(f"{field} {value:g} is outside {low:g}..{high:g}")


def check_choice(value: object, allowed: Sequence[object], field: str) -> None:
    if value not in allowed:
        raise config_modify(f"{field} {value!r} is not one of {', '.join(map(str, allowed))}")


def check_multicast(m: Multicast) -> None:
    try:
        address = ipaddress.ip_address(m.address)
    except ValueError:
        raise config_modify(f"Multicast address {m.address[:64]!r} is not an IP address") from None
    if not (address.is_multicast or address.is_unspecified):
        raise config_modify(f"Multicast address {m.address} is not a multicast group")
    if m.port % 2:
        raise config_modify(f"Multicast port {m.port} must be even (RTP uses the even port, RTCP the next)")
    check_range(m.ttl, options.MULTICAST_TTL, "Multicast TTL")


def check_video_source(cfg: VideoSourceConfigurationState, hardware: Hardware, mode: VideoSourceMode | None) -> None:
    check_name(cfg.name)
    if mode is None:
        raise config_modify(f"SourceToken {cfg.source_token[:64]!r} is not a video source of this camera")
    b = cfg.bounds
    if b.width < 16 or b.height < 16 or b.x < 0 or b.y < 0:
        raise config_modify("Bounds need x, y >= 0 and a size of at least 16x16")
    if b.x + b.width > mode.width or b.y + b.height > mode.height:
        raise config_modify(f"Bounds {b.x},{b.y} {b.width}x{b.height} exceed the source's {mode.width}x{mode.height}")
    check_choice(cfg.rotate, options.ROTATE_MODES, "Rotate Mode")
    if cfg.rotate_degree is not None:
        check_choice(cfg.rotate_degree, options.ROTATE_DEGREES, "Rotate Degree")


def check_video_encoder(cfg: VideoEncoderConfigurationState, mode: VideoSourceMode) -> None:
    check_name(cfg.name)
    sizes = options.resolutions(mode)
    if (cfg.width, cfg.height) not in sizes:
        offered = ", ".join(f"{w}x{h}" for w, h in sizes)
        raise config_modify(f"Resolution {cfg.width}x{cfg.height} is not offered ({offered})")
    check_range(cfg.quality, options.QUALITY, "Quality")
    check_range(cfg.frame_rate, (1.0, mode.max_framerate), "FrameRateLimit")
    check_range(cfg.encoding_interval, options.ENCODING_INTERVAL, "EncodingInterval")
    check_range(cfg.bitrate, options.BITRATE, "BitrateLimit")
    if cfg.encoding == "JPEG":
        if cfg.profile:
            raise config_modify("JPEG has no encoder profile")
    else:
        check_range(cfg.gov_length, options.GOV_LENGTH, "GovLength")
        check_choice(cfg.profile, options.video_profiles(cfg.encoding), f"{cfg.encoding} profile")
    if cfg.guaranteed_frame_rate:
        raise config_modify("GuaranteedFrameRate is not supported by this encoder")
    check_multicast(cfg.multicast)
    check_range(cfg.session_timeout, options.SESSION_TIMEOUT, "SessionTimeout (seconds)")


def check_audio_source(cfg: AudioSourceConfigurationState, hardware: Hardware) -> None:
    check_name(cfg.name)
    check_choice(cfg.source_token, [s.token for s in hardware.audio_sources], "SourceToken")


def check_audio_encoder(cfg: AudioEncoderConfigurationState) -> None:
    check_name(cfg.name)
    codec = options.audio_encoder(cfg.encoding)
    if codec is None:
        raise config_modify(f"audio encoding {cfg.encoding} is not supported")
    check_choice(cfg.bitrate, codec.bitrates, f"{cfg.encoding} Bitrate (kbit/s)")
    check_choice(cfg.sample_rate, codec.sample_rates, f"{cfg.encoding} SampleRate (kHz)")
    check_multicast(cfg.multicast)
    check_range(cfg.session_timeout, options.SESSION_TIMEOUT, "SessionTimeout (seconds)")


def check_audio_output(cfg: AudioOutputConfigurationState, hardware: Hardware) -> None:
    check_name(cfg.name)
    check_choice(cfg.output_token, [o.token for o in hardware.audio_outputs], "OutputToken")
    check_choice(cfg.send_primacy, options.SEND_PRIMACY, "SendPrimacy")
    check_range(cfg.output_level, options.OUTPUT_LEVEL, "OutputLevel")


def check_audio_decoder(cfg: AudioDecoderConfigurationState) -> None:
    check_name(cfg.name)


def check_metadata(cfg: MetadataConfigurationState) -> None:
    check_name(cfg.name)
    if len(cfg.event_filter) > 1024:
        raise config_modify("the event filter is longer than 1024 characters")
    check_multicast(cfg.multicast)
    check_range(cfg.session_timeout, options.SESSION_TIMEOUT, "SessionTimeout (seconds)")
