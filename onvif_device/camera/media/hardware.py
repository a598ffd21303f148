"""What the simulated camera is built with: video sources and their modes, audio in and out.

Sources come from the configuration and are not client-settable, so they
are derived on every start rather than saved; only the chosen mode is state.
"""

from __future__ import annotations

from dataclasses import dataclass

from onvif_device.config import MediaConfig


@dataclass(frozen=True, slots=True)
class VideoSourceMode:
    token: str
    width: int
    height: int
    max_framerate: float
    description: str


@dataclass(frozen=True, slots=True)
class VideoSource:
    token: str
    modes: tuple[VideoSourceMode, ...]

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
        modes = [VideoSourceMode(f"VideoSourceMode_{n}_1", src.width, src.height, src.framerate, "native")]
        # A sensor that reads out full resolution at 25 fps can do 720p at twice the rate.
        if src.width * src.height > 1280 * 720:
            fast = min(src.framerate * 2, 60.0)
            modes.append(VideoSourceMode(f"VideoSourceMode_{n}_2", 1280, 720, fast, "720p high frame rate"))
        sources.append(VideoSource(f"VideoSource_{n}", tuple(modes)))
    audio_in = (AudioSource("AudioSource_1"),) if config.audio else ()
    audio_out = (AudioOutput("AudioOutput_1"),) if config.audio else ()
    return Hardware(tuple(sources), audio_in, audio_out)
