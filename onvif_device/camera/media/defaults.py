"""The media set-up a new camera (or a factory reset) starts from.

Per video source: a main H.264 profile at the source's full size and a sub
H.264 profile at 640x360; the first source also gets a JPEG profile.  An
H.265 encoder configuration is ready for clients to attach.  Profiles made
here are fixed: clients may change their configurations but not delete them.
"""

from __future__ import annotations

from onvif_device.camera.media.hardware import Hardware, VideoSourceMode
from onvif_device.camera.media.options import resolutions
from onvif_device.camera.media.state import (
    AnalyticsConfigurationState,
    AudioDecoderConfigurationState,
    AudioEncoderConfigurationState,
    AudioOutputConfigurationState,
    AudioSourceConfigurationState,
    Bounds,
    MediaState,
    MetadataConfigurationState,
    Multicast,
    OSDState,
    ProfileState,
    PTZConfigurationState,
    SourceModeState,
    VideoEncoderConfigurationState,
    VideoSourceConfigurationState,
)


class _Groups:
    """Distinct multicast groups per configuration, distinct per camera (from its MAC)."""

    def __init__(self, mac_address: str) -> None:
        octets = [int(part, 16) for part in mac_address.split(":")]
        self._prefix = f"239.{octets[4] or 1}.{octets[5]}"
        self._next = 1

    def __call__(self) -> Multicast:
        n, self._next = self._next, self._next + 1
        return Multicast(address=f"{self._prefix}.{n}", port=50000 + 2 * n)


def factory_media(hardware: Hardware, mac_address: str, camera_name: str, *, ptz: bool = True) -> MediaState:
    """The set-up a new camera ships with; `ptz`: the first video source has a PTZ head."""
    group = _Groups(mac_address)
    state = MediaState()
    state.source_modes = [SourceModeState(source_token=s.token, mode_token=s.modes[0].token) for s in hardware.video_sources]
    audio = bool(hardware.audio_sources)
    if audio:
        state.audio_sources = [AudioSourceConfigurationState(token="AudioSourceConfig_1", name="Microphone", source_token="AudioSource_1")]
        state.audio_encoders = [
            AudioEncoderConfigurationState(token="AudioEncoder_1", name="G.711", encoding="G711", bitrate=64, sample_rate=8, multicast=group()),
            AudioEncoderConfigurationState(token="AudioEncoder_2", name="AAC", encoding="AAC", bitrate=64, sample_rate=16, multicast=group()),
        ]
        state.audio_outputs = [AudioOutputConfigurationState(token="AudioOutputConfig_1", name="Speaker", output_token="AudioOutput_1")]
        state.audio_decoders = [AudioDecoderConfigurationState(token="AudioDecoderConfig_1", name="G.711 back channel")]
    state.metadata = [MetadataConfigurationState(token="MetadataConfig_1", name="Events and analytics", multicast=group())]
    if ptz:
        state.ptz = [PTZConfigurationState(token="PTZConfig_1", name="PTZ", node_token="PTZNode_1")]

    encoder_count = 0

    def encoder(name: str, encoding: str, size: tuple[int, int], fps: float, bitrate: int, profile: str) -> str:
        nonlocal encoder_count
        encoder_count += 1
        token = f"VideoEncoder_{encoder_count}"
        state.video_encoders.append(
            VideoEncoderConfigurationState(
                token=token, name=name, encoding=encoding, width=size[0], height=size[1],
                quality=70.0 if encoding == "JPEG" else 50.0, frame_rate=fps, bitrate=bitrate,
                gov_length=int(fps * 2) if encoding != "JPEG" else 1, profile=profile, multicast=group(),
            )
        )  # fmt: skip
        return token

    profile_count = 0

    def profile(name: str, vsc: str, vec: str, *, main: bool) -> None:
        nonlocal profile_count
        profile_count += 1
        state.profiles.append(
            ProfileState(
                token=f"Profile_{profile_count}", name=name, fixed=True, video_source=vsc, video_encoder=vec,
                audio_source="AudioSourceConfig_1" if audio and main else None,
                audio_encoder=("AudioEncoder_1" if main else None) if audio else None,
                audio_output="AudioOutputConfig_1" if audio and main else None,
                audio_decoder="AudioDecoderConfig_1" if audio and main else None,
                metadata="MetadataConfig_1" if main else None,
                ptz="PTZConfig_1" if ptz and vsc == "VideoSourceConfig_1" else None,
            )
        )  # fmt: skip

    for n, source in enumerate(hardware.video_sources, start=1):
        mode = source.modes[0]
        vsc = f"VideoSourceConfig_{n}"
        state.video_sources.append(
            VideoSourceConfigurationState(
                token=vsc, name=f"Video source {n}", source_token=source.token,
                bounds=Bounds(width=mode.width, height=mode.height),
            )
        )  # fmt: skip
        state.analytics.append(
            AnalyticsConfigurationState(token=f"AnalyticsConfig_{n}", name=f"Analytics {n}", source_configuration_token=vsc)
        )
        fps = mode.max_framerate
        suffix = "" if n == 1 else f" {n}"
        main = encoder(f"Main stream{suffix}", "H264", (mode.width, mode.height), fps, 4096, "High")
        sub = encoder(f"Sub stream{suffix}", "H264", _smaller(mode, 640), fps, 512, "Main")
        profile(f"MainStream{suffix}", vsc, main, main=True)
        profile(f"SubStream{suffix}", vsc, sub, main=False)
        if n == 1:
            jpeg = encoder("JPEG", "JPEG", _smaller(mode, 1280), min(fps, 10.0), 2048, "")
            profile("JPEG", vsc, jpeg, main=False)
            encoder("H.265", "H265", (mode.width, mode.height), fps, 2048, "Main")
        state.osds += [
            OSDState(token=f"OSD_{n}_1", configuration_token=vsc, position="UpperLeft", text_type="DateAndTime"),
            OSDState(token=f"OSD_{n}_2", configuration_token=vsc, position="LowerLeft", plain_text=camera_name + suffix),
        ]
    return state


def _smaller(mode: VideoSourceMode, width: int) -> tuple[int, int]:
    """The largest offered size at most `width` wide, keeping the source's aspect ratio if it can."""
    sizes = resolutions(mode)
    aspect = mode.width / mode.height
    fitting = [s for s in sizes if s[0] <= width] or sizes[-1:]
    same_aspect = [s for s in fitting if abs(s[0] / s[1] - aspect) < 0.02]
    return (same_aspect or fitting)[0]
