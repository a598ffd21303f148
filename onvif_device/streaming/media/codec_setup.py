"""Opening a PyAV encoder for a stream's settings: which library, which options.

Every encoder is tuned for live streaming: libx264 and libx265 with preset
ultrafast and tune zerolatency (no B-frames, no lookahead, so each frame comes
out as soon as it goes in), scene-cut detection off so key frames come exactly
every ``gop`` frames, a closed GOP of IDR frames, and a forced key frame made
an IDR. The global-header flag puts the parameter sets in the extradata right
at open, before any frame, for the SDP.

Rate control follows ONVIF: with ``constant_bitrate`` the bitrate is the
target and the VBV cap (x264 pads nothing, so a still scene may fall short);
without it, ``quality`` picks a CRF and the bitrate only caps it. Either way
the VBV buffer holds one second, so any second-long window stays within about
twice the bitrate and longer ones approach it. MJPEG is quality-driven, as cameras do:
a fixed q-scale from ``quality``, the bitrate unused.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, cast

import av
from av.codec.context import Flags
from av.video.codeccontext import VideoCodecContext

from .planes import Conversion

if TYPE_CHECKING:
    from .video_encoder import VideoSettings

# ultrafast turns CABAC and the 8x8 transform off, and x264 writes the lowest
# profile its tools need, so Main and High need their tools back. x264 has no
# Extended profile: Extended is encoded as Baseline, which Extended decoders read.
_X264_PROFILES = {  # ONVIF profile: (x264 profile, x264 tools, what the stream says)
    "Baseline": ("baseline", "", "Baseline"),
    "Extended": ("baseline", "", "Baseline"),
    "Main": ("main", ":cabac=1", "Main"),
    "High": ("high", ":cabac=1:8x8dct=1", "High"),
}


@dataclass(frozen=True, slots=True)
class OpenedCodec:
    context: VideoCodecContext
    conversion: Conversion  # its value is the pixel format the codec takes
    profile: str | None  # the profile actually encoded: Main10 may have become Main


def crf(quality: float) -> float:
    """ONVIF quality 0..100 as a CRF from 40 (poor) to 18 (visually lossless)."""
    return round(40 - 0.22 * quality, 1)


def jpeg_qscale(quality: float) -> int:
    """ONVIF quality 0..100 as FFmpeg's MJPEG q-scale, 31 (coarsest) to 2 (finest)."""
    return round(31 - 0.29 * quality)


def _rate_options(settings: VideoSettings) -> dict[str, str]:
    bits = settings.bitrate_kbps * 1000
    if settings.constant_bitrate:
        return {"b": str(bits), "maxrate": str(bits), "bufsize": str(bits)}
    return {"crf": str(crf(settings.quality)), "maxrate": str(bits), "bufsize": str(bits)}


def _context(settings: VideoSettings, codec: str, conversion: Conversion) -> VideoCodecContext:
    context = cast(VideoCodecContext, av.CodecContext.create(codec, "w"))
    context.width, context.height = settings.width, settings.height
    context.pix_fmt = conversion.value
    rate = Fraction(settings.fps).limit_denominator(1001)
    context.framerate = rate
    context.time_base = 1 / rate  # frame pts are frame numbers
    context.gop_size = settings.gop
    context.max_b_frames = 0
    if codec != "mjpeg":
        context.flags |= Flags.global_header
    return context


def open_codec(settings: VideoSettings) -> OpenedCodec:
    if settings.codec == "H264":
        return _open_h264(settings)
    if settings.codec == "H265":
        return _open_h265(settings)
    return _open_mjpeg(settings)


def _open_h264(settings: VideoSettings) -> OpenedCodec:
    name, tools, encoded = _X264_PROFILES[settings.profile or "Main"]
    context = _context(settings, "libx264", Conversion.NONE)
    context.options = {
        "preset": "ultrafast",
        "tune": "zerolatency",
        "profile": name,
        "forced-idr": "1",
        "x264-params": "scenecut=0" + tools,
    } | _rate_options(settings)
    context.open()
    return OpenedCodec(context, Conversion.NONE, encoded)


def _open_h265(settings: VideoSettings) -> OpenedCodec:
    """Main10 if this libx265 has a 10-bit build, else Main (8-bit pictures lose nothing)."""
    params = "log-level=error:open-gop=0:scenecut=0"
    options = {
        "preset": "ultrafast",
        "tune": "zerolatency",
        "forced-idr": "1",
        "x265-params": params,
    }
    options |= _rate_options(settings)
    if settings.profile == "Main10":
        context = _context(settings, "libx265", Conversion.TEN_BIT)
        context.options = options | {"profile": "main10"}
        try:
            context.open()
            return OpenedCodec(context, Conversion.TEN_BIT, "Main10")
        except av.FFmpegError:
            pass  # an 8-bit-only libx265
    context = _context(settings, "libx265", Conversion.NONE)
    context.options = options | {"profile": "main"}
    context.open()
    return OpenedCodec(context, Conversion.NONE, "Main")


def _open_mjpeg(settings: VideoSettings) -> OpenedCodec:
    context = _context(settings, "mjpeg", Conversion.FULL_RANGE)
    qscale = str(jpeg_qscale(settings.quality))
    context.options = {
        "qmin": qscale,
        "qmax": qscale,
        "huffman": "default",  # the T.81 tables RFC 2435 receivers rebuild, not optimised ones
        "force_duplicated_matrix": "1",  # write a chroma table too (see jpeg_chroma_table)
    }
    context.open()
    return OpenedCodec(context, Conversion.FULL_RANGE, None)
