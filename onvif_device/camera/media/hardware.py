"""What the simulated camera is built with: video sources and their modes, audio in and out.

Sources come from the configuration and are not client-settable, so they
are derived on every start rather than saved; only the chosen mode is state.
A source that plays a file has one mode, the file's own size and frame rate,
read from the file at start: a file that cannot be played stops the start
with a ConfigError naming it and the reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from onvif_device.config import ConfigError, MediaConfig


@dataclass(frozen=True, slots=True)
class VideoSourceMode:
    token: str
    width: int
    height: int
    max_framerate: float
    description: str


@dataclass(frozen=True, slots=True)
class VideoFile:
    """A clip a video source plays in a loop instead of the test card."""

    path: Path  # absolute
    codec: str  # "H264", "H265", "JPEG", or FFmpeg's name for another codec
    width: int
    height: int
    fps: float


@dataclass(frozen=True, slots=True)
class VideoSource:
    token: str
    modes: tuple[VideoSourceMode, ...]
    file: VideoFile | None = None

    def mode(self, token: str) -> VideoSourceMode | None:
        return next((m for m in self.modes if m.token == token), None)


@dataclass(frozen=True, slots=True)
class AudioSource:
    token: str
    channels: int = 1


@dataclass(frozen=True, slots=True)
class AudioOutput:
    token: str


@dataclass(frozen=True, slots=True)
class Hardware:
    video_sources: tuple[VideoSource, ...]
    audio_sources: tuple[AudioSource, ...]
    audio_outputs: tuple[AudioOutput, ...]

    def video_source(self, token: str) -> VideoSource | None:
        return next((s for s in self.video_sources if s.token == token), None)


def build_hardware(config: MediaConfig) -> Hardware:
    sources = []
    for n, src in enumerate(config.video_sources, start=1):
        if src.file is not None:
            file = _video_file(src.file, f"media.video_sources.{n - 1}.file")
            # Encoders need even sizes; a file of odd size is re-encoded at the even size below it.
            width, height = file.width - file.width % 2, file.height - file.height % 2
            mode = VideoSourceMode(f"VideoSourceMode_{n}_1", width, height, min(max(file.fps, 1.0), 60.0), "looped file")
            sources.append(VideoSource(f"VideoSource_{n}", (mode,), file))
            continue
        modes = [VideoSourceMode(f"VideoSourceMode_{n}_1", src.width, src.height, src.framerate, "native")]
        # A sensor that reads out full resolution at 25 fps can do 720p at twice the rate.
        if src.width * src.height > 1280 * 720:
            fast = min(src.framerate * 2, 60.0)
            modes.append(VideoSourceMode(f"VideoSourceMode_{n}_2", 1280, 720, fast, "720p high frame rate"))
        sources.append(VideoSource(f"VideoSource_{n}", tuple(modes)))
    audio_in = (AudioSource("AudioSource_1"),) if config.audio else ()
    audio_out = (AudioOutput("AudioOutput_1"),) if config.audio else ()
    return Hardware(tuple(sources), audio_in, audio_out)


def _video_file(configured: Path, setting: str) -> VideoFile:
    # The media layer is imported here, not at the top: cameras without files never load PyAV.
    from onvif_device.streaming.media import MediaFileError
    from onvif_device.streaming.media.clip import check_clip

    path = Path(os.path.abspath(configured.expanduser()))
    try:
        info = check_clip(path)
    except MediaFileError as error:
        relative = "" if configured.is_absolute() else f" (relative to the working directory {Path.cwd()})"
        raise ConfigError(f"{setting}: {error}{relative}") from None
    if info.width < 2 or info.height < 2:
        raise ConfigError(f"{setting}: {path}: a {info.width}x{info.height} picture is too small to stream")
    return VideoFile(path, info.codec, info.width, info.height, round(info.fps, 3))
