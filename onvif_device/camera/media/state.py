"""The persistent part of the media model: profiles and configurations.

Media (ver10) and Media2 (ver20) both read and write these records, so a
change through one service is what the other shows.  Values are kept in
the camera's own terms (encoding "H264", bitrate in kbit/s, timeouts in
seconds); the services translate them to each version's XML.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

VideoEncoding = Literal["H264", "H265", "JPEG"]
AudioEncoding = Literal["G711", "AAC"]
RotateMode = Literal["OFF", "ON", "AUTO"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Multicast(_Record):
    address: str  # IPv4 group
    port: int = Field(ge=0, le=65535)
    ttl: int = Field(1, ge=1, le=255)
    auto_start: bool = False


class Bounds(_Record):
    x: int = 0
    y: int = 0
    width: int
    height: int


class VideoSourceConfigurationState(_Record):
    token: str
    name: str
    source_token: str
    bounds: Bounds
    rotate: RotateMode = "OFF"
    rotate_degree: int | None = None  # only with rotate ON


class VideoEncoderConfigurationState(_Record):
    token: str
    name: str
    encoding: VideoEncoding
    width: int
    height: int
    quality: float
    frame_rate: float  # frames per second the encoder is limited to
    encoding_interval: int = 1
    bitrate: int  # kbit/s
    constant_bitrate: bool = False
    gov_length: int
    profile: str = ""  # "Main", "High", "Baseline" for H.264; "Main" for H.265; empty for JPEG
    guaranteed_frame_rate: bool = False
    multicast: Multicast
    session_timeout: int = 60  # seconds


class AudioSourceConfigurationState(_Record):
    token: str
    name: str
    source_token: str


class AudioEncoderConfigurationState(_Record):
    token: str
    name: str
    encoding: AudioEncoding
    bitrate: int  # kbit/s
    sample_rate: int  # kHz
    multicast: Multicast
    session_timeout: int = 60


class AudioOutputConfigurationState(_Record):
    token: str
    name: str
    output_token: str
    send_primacy: str = "www.onvif.org/ver20/HalfDuplex/Auto"
    output_level: int = 50


class AudioDecoderConfigurationState(_Record):
    token: str
    name: str


class MetadataConfigurationState(_Record):
    token: str
    name: str
    ptz_status: bool = False
    ptz_position: bool = False
    events: bool = True
    event_filter: str = ""  # a topic expression; empty: all events
    analytics: bool = True
    geo_location: bool = False
    multicast: Multicast
    session_timeout: int = 60


_PAN_TILT_SPACES = "http://www.onvif.org/ver10/tptz/PanTiltSpaces/"
_ZOOM_SPACES = "http://www.onvif.org/ver10/tptz/ZoomSpaces/"


class PTZConfigurationState(_Record):
    """How a profile drives the PTZ node: default spaces, speeds and timeout, limits, control direction.

    Spaces are URIs; speeds and limits are in ONVIF's generic spaces (pan and tilt -1..1, zoom 0..1)."""

    token: str
    name: str
    node_token: str
    default_timeout: float = Field(5.0, gt=0)  # seconds, for ContinuousMove without a timeout
    default_absolute_pan_tilt_space: str = _PAN_TILT_SPACES + "PositionGenericSpace"
    default_absolute_zoom_space: str = _ZOOM_SPACES + "PositionGenericSpace"
    default_relative_pan_tilt_space: str = _PAN_TILT_SPACES + "TranslationGenericSpace"
    default_relative_zoom_space: str = _ZOOM_SPACES + "TranslationGenericSpace"
    default_continuous_pan_tilt_space: str = _PAN_TILT_SPACES + "VelocityGenericSpace"
    default_continuous_zoom_space: str = _ZOOM_SPACES + "VelocityGenericSpace"
    default_pan_tilt_speed: tuple[float, float] = (1.0, 1.0)
    default_zoom_speed: float = Field(1.0, ge=0, le=1)
    pan_limits: tuple[float, float] = (-1.0, 1.0)
    tilt_limits: tuple[float, float] = (-1.0, 1.0)
    zoom_limits: tuple[float, float] = (0.0, 1.0)
    eflip: Literal["OFF", "ON", "Extended"] = "OFF"
    reverse: Literal["OFF", "ON", "AUTO"] = "OFF"


class AnalyticsConfigurationState(_Record):
    token: str
    name: str
    source_configuration_token: str


class OSDState(_Record):
    token: str
    configuration_token: str  # the video source configuration it is drawn on
    kind: Literal["Text", "Image"] = "Text"
    position: Literal["UpperLeft", "UpperRight", "LowerLeft", "LowerRight", "Custom"] = "UpperLeft"
    x: float | None = None  # normalized, with position Custom
    y: float | None = None
    text_type: Literal["Plain", "Date", "Time", "DateAndTime"] = "Plain"
    plain_text: str = ""
    date_format: str = "yyyy-MM-dd"
    time_format: str = "HH:mm:ss"
    font_size: int = 24
    image_path: str = ""


class Point(_Record):
    x: float = Field(ge=-1.0, le=1.0)
    y: float = Field(ge=-1.0, le=1.0)


class MaskState(_Record):
    token: str
    configuration_token: str
    points: list[Point]
    kind: Literal["Color", "Pixelated", "Blurred"] = "Color"
    color: tuple[float, float, float] | None = (16.0, 128.0, 128.0)  # YCbCr
    enabled: bool = True


class ProfileState(_Record):
    token: str
    name: str
    fixed: bool = False
    video_source: str | None = None  # configuration tokens
    video_encoder: str | None = None
    audio_source: str | None = None
    audio_encoder: str | None = None
    ptz: str | None = None
    analytics: str | None = None
    metadata: str | None = None
    audio_output: str | None = None
    audio_decoder: str | None = None


class SourceModeState(_Record):
    """Which mode each video source runs in (sources themselves come from the configuration)."""

    source_token: str
    mode_token: str


class MediaState(_Record):
    profiles: list[ProfileState] = []
    video_sources: list[VideoSourceConfigurationState] = []
    video_encoders: list[VideoEncoderConfigurationState] = []
    audio_sources: list[AudioSourceConfigurationState] = []
    audio_encoders: list[AudioEncoderConfigurationState] = []
    audio_outputs: list[AudioOutputConfigurationState] = []
    audio_decoders: list[AudioDecoderConfigurationState] = []
    metadata: list[MetadataConfigurationState] = []
    ptz: list[PTZConfigurationState] = []
    analytics: list[AnalyticsConfigurationState] = []
    osds: list[OSDState] = []
    masks: list[MaskState] = []
    source_modes: list[SourceModeState] = []
    next_id: int = 1  # for tokens of profiles, OSDs and masks the camera names itself
