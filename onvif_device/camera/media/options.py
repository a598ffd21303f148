"""What the simulated encoders accept: one table for validation and for the *Options answers.

Every Get…ConfigurationOptions response is generated from these values and
every Set…Configuration is checked against them, so a client can never be
offered a value the camera then refuses, or set one it was not offered.
"""

from __future__ import annotations

from dataclasses import dataclass

from onvif_device.camera.media.hardware import VideoSourceMode

# 16:9 and 4:3 ladders; a mode offers the steps that fit inside it, plus its own size.
_LADDER = (
    (3840, 2160), (2560, 1440), (1920, 1080), (1600, 1200), (1280, 960), (1280, 720),
    (1024, 768), (960, 540), (800, 600), (704, 576), (640, 480), (640, 360), (352, 288),
    (320, 240), (320, 180), (176, 144),
)  # fmt: skip

QUALITY = (0.0, 100.0)
BITRATE = (32, 16384)  # kbit/s
GOV_LENGTH = (1, 300)
ENCODING_INTERVAL = (1, 10)
SESSION_TIMEOUT = (10, 3600)  # seconds
H264_PROFILES = ("Baseline", "Main", "High")
H265_PROFILES = ("Main",)
MULTICAST_TTL = (1, 255)

# How many streams the simulated encoder runs at once per video source, by codec.
ENCODER_INSTANCES = {"total": 6, "H264": 4, "H265": 2, "JPEG": 2}


@dataclass(frozen=True, slots=True)
class AudioCodecOptions:
    encoding: str
    bitrates: tuple[int, ...]  # kbit/s
    sample_rates: tuple[int, ...]  # kHz


AUDIO_ENCODERS = (
    AudioCodecOptions("G711", (64,), (8,)),
    AudioCodecOptions("AAC", (32, 48, 64, 96, 128), (16, 32, 48)),
)
AUDIO_DECODERS = (AudioCodecOptions("G711", (64,), (8,)),)
OUTPUT_LEVEL = (0, 100)
SEND_PRIMACY = (
    "www.onvif.org/ver20/HalfDuplex/Server",
    "www.onvif.org/ver20/HalfDuplex/Client",
    "www.onvif.org/ver20/HalfDuplex/Auto",
)

ROTATE_MODES = ("OFF", "ON", "AUTO")
ROTATE_DEGREES = (0, 90, 180, 270)

OSD_POSITIONS = ("UpperLeft", "UpperRight", "LowerLeft", "LowerRight", "Custom")
OSD_TEXT_TYPES = ("Plain", "Date", "Time", "DateAndTime")
OSD_DATE_FORMATS = ("M/d/yyyy", "MM/dd/yyyy", "dd/MM/yyyy", "yyyy/MM/dd", "yyyy-MM-dd", "dddd, MMMM dd, yyyy")
OSD_TIME_FORMATS = ("h:mm:ss tt", "hh:mm:ss tt", "H:mm:ss", "HH:mm:ss")
OSD_FONT_SIZE = (8, 96)
OSD_PLAIN_TEXT_LENGTH = 64
MAX_OSDS = {"total": 6, "PlainText": 4, "DateAndTime": 2, "Date": 2, "Time": 2}

MASK_TYPES = ("Color", "Pixelated", "Blurred")
MASK_COLOR_RANGE = ((16.0, 235.0), (16.0, 240.0), (16.0, 240.0))  # Y, Cb, Cr (studio swing)
MAX_MASKS = 4
MAX_MASK_POINTS = 8


def resolutions(mode: VideoSourceMode) -> list[tuple[int, int]]:
    """Encoder resolutions for a source running in `mode`, largest first."""
    sizes = {(w, h) for w, h in _LADDER if w <= mode.width and h <= mode.height}
    sizes.add((mode.width, mode.height))
    return sorted(sizes, key=lambda s: (s[0] * s[1], s[0]), reverse=True)


def frame_rates(mode: VideoSourceMode) -> list[float]:
    """The discrete rates Media2 lists (Media1 states the range 1..max)."""
    top = mode.max_framerate
    rates = {top, top / 2, top / 5, 30.0, 25.0, 20.0, 15.0, 12.5, 10.0, 8.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0}
    return sorted((r for r in rates if 1.0 <= r <= top), reverse=True)


def video_profiles(encoding: str) -> tuple[str, ...]:
    return {"H264": H264_PROFILES, "H265": H265_PROFILES}.get(encoding, ())


def audio_encoder(encoding: str) -> AudioCodecOptions | None:
    return next((o for o in AUDIO_ENCODERS if o.encoding == encoding), None)
