"""What a profile streams, read from the media model: its tracks and their settings.

A plan is a frozen snapshot.  The engine compares the plan of a live stream
with a fresh one after every media change, so an encoder change reaches the
viewers while they watch; DESCRIBE builds its SDP from the plan.  A video
source that plays a file gives the plan a FilePlan, which also says whether
the file's own access units can go out as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from onvif_device.camera import Camera
from onvif_device.camera.errors import OnvifError
from onvif_device.camera.media.state import Multicast
from onvif_device.streaming.media import AudioSettings, VideoSettings

VIDEO, AUDIO, METADATA, BACKCHANNEL = "video", "audio", "metadata", "audioback"


@dataclass(frozen=True, slots=True)
class MetadataSettings:
    ptz_status: bool
    ptz_position: bool
    analytics: bool
    events: bool
    event_filter: str = ""  # a ConcreteSet topic expression; empty: every event
    interval: float = 1.0  # seconds between documents when nothing else happens


@dataclass(frozen=True, slots=True)
class FilePlan:
    """The file a profile's video source loops, and how it reaches the viewers."""

    path: Path
    # The file's codec and size are the encoder configuration's and its frame rate is within the
    # limit: its access units are repacketized as they are.  Otherwise it is decoded and re-encoded.
    passthrough: bool


@dataclass(frozen=True, slots=True)
class StreamPlan:
    profile_token: str
    video: VideoSettings | None
    audio: AudioSettings | None
    metadata: MetadataSettings | None
    backchannel: bool  # the profile has an audio output and decoder: clients may send audio
    multicast: dict[str, Multicast]  # track -> group, from each encoder's configuration
    session_timeout: int  # seconds, from the video encoder (else 60)
    file: FilePlan | None = None  # the video comes from a file, not the test card

    @property
    def tracks(self) -> list[str]:
        """The tracks the camera sends, in SDP order."""
        names = []
        if self.video is not None:
            names.append(VIDEO)
        if self.audio is not None:
            names.append(AUDIO)
        if self.metadata is not None:
            names.append(METADATA)
        return names


class NoStream(Exception):
    """The profile does not exist or has nothing to stream (RTSP 404)."""


def stream_plan(camera: Camera, profile_token: str) -> StreamPlan:
    media = camera.media
    try:
        profile = media.profile(profile_token)
    except OnvifError:
        raise NoStream(f"no media profile with token {profile_token!r}") from None
    multicast: dict[str, Multicast] = {}
    video = audio = metadata = None
    file = None
    timeout = 60
    if profile.video_source is not None and profile.video_encoder is not None:
        encoder = media.configuration("VideoEncoder", profile.video_encoder)
        video = VideoSettings(
            codec=encoder.encoding,
            width=encoder.width,
            height=encoder.height,
            fps=encoder.frame_rate / max(1, encoder.encoding_interval),
            bitrate_kbps=encoder.bitrate,
            gop=encoder.gov_length,
            profile=encoder.profile or None,
            quality=encoder.quality,
            constant_bitrate=encoder.constant_bitrate,
        )
        multicast[VIDEO] = encoder.multicast
        timeout = encoder.session_timeout
        file = _file_plan(camera, profile.video_source, video)
    if profile.audio_source is not None and profile.audio_encoder is not None:
        encoder = media.configuration("AudioEncoder", profile.audio_encoder)
        g711 = encoder.encoding == "G711"
        audio = AudioSettings(
            codec="PCMU" if g711 else "AAC",
            sample_rate=8000 if g711 else encoder.sample_rate * 1000,
            bitrate_kbps=encoder.bitrate,
        )
        multicast[AUDIO] = encoder.multicast
    if profile.metadata is not None:
        config = media.configuration("Metadata", profile.metadata)
        metadata = MetadataSettings(
            ptz_status=config.ptz_status and profile.ptz is not None,
            ptz_position=config.ptz_position and profile.ptz is not None,
            analytics=config.analytics,
            events=config.events,
            event_filter=config.event_filter,
        )
        multicast[METADATA] = config.multicast
    if video is None and audio is None and metadata is None:
        raise NoStream(f"profile {profile.token!r} has no video, audio or metadata configuration to stream")
    return StreamPlan(
        profile_token=profile.token,
        video=video,
        audio=audio,
        metadata=metadata,
        backchannel=profile.audio_output is not None and profile.audio_decoder is not None,
        multicast=multicast,
        session_timeout=timeout,
        file=file,
    )


def _file_plan(camera: Camera, source_configuration: str, video: VideoSettings) -> FilePlan | None:
    media = camera.media
    source = media.hardware.video_source(media.configuration("VideoSource", source_configuration).source_token)
    clip = source.file if source is not None else None
    if clip is None:
        return None
    passthrough = (
        video.codec == clip.codec
        and (video.width, video.height) == (clip.width, clip.height)
        and video.fps >= clip.fps - 0.01  # a limit a rounding hair below the file's rate still fits
    )
    return FilePlan(clip.path, passthrough)
