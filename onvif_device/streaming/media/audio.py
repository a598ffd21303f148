"""The camera's sound: a synthetic source, its encoders, and the back channel's sink.

Audio moves as signed 16-bit little-endian PCM (interleaved when stereo).
PCMU leaves in 20 ms packets, AAC in access units of 1024 samples without
ADTS headers; timestamps count samples at the stream's rate. One encoder per
stream, used from one thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
from av.audio.codeccontext import AudioCodecContext

from onvif_device.streaming.rtp import audio_specific_config, decode_ulaw, encode_ulaw

_PCMU_RATE = 8000
_PCMU_PACKET_SAMPLES = 160  # 20 ms, the RFC 3551 default packet time
_AAC_FRAME_SAMPLES = 1024
# The rates an AAC AudioSpecificConfig names by index, which FFmpeg's encoder accepts.
_AAC_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000)


class ToneSource:
    """A quiet 440 Hz tone with a 1 kHz beep for the first 100 ms of every second.

    Mono PCM; the waveform is a function of the absolute sample number, so
    chunks of any size join without a click.
    """

    TONE_HZ, TONE_LEVEL = 440, 0.03  # about -30 dBFS
    BEEP_HZ, BEEP_LEVEL, BEEP_SECONDS = 1000, 0.3, 0.1

    def __init__(self, sample_rate: int = _PCMU_RATE) -> None:
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {sample_rate}")
        self.sample_rate = sample_rate
        self.position = 0  # samples produced so far

    def read(self, samples: int) -> bytes:
        if samples < 0:
            raise ValueError(f"cannot read {samples} samples")
        rate = self.sample_rate
        n = np.arange(self.position, self.position + samples, dtype=np.int64) % rate
        self.position += samples
        # Whole-hertz frequencies repeat every second, so n modulo the rate keeps the phase exact.
        wave = self.TONE_LEVEL * np.sin(2 * np.pi * (n * self.TONE_HZ % rate) / rate)
        beeping = n < self.BEEP_SECONDS * rate
        wave[beeping] += self.BEEP_LEVEL * np.sin(
            2 * np.pi * (n[beeping] * self.BEEP_HZ % rate) / rate
        )
        return np.rint(wave * 32767).astype("<i2").tobytes()


@dataclass(frozen=True, slots=True)
class AudioSettings:
    """A stream's audio: PCMU is G.711 mu-law at 8 kHz mono; AAC is AAC-LC."""

    codec: str
    sample_rate: int
    bitrate_kbps: int
    channels: int = 1

    def __post_init__(self) -> None:
        if self.codec not in ("PCMU", "AAC"):
            raise ValueError(f"codec must be PCMU or AAC, got {self.codec!r}")
        if self.codec == "PCMU" and (self.sample_rate, self.channels) != (_PCMU_RATE, 1):
            raise ValueError(
                "PCMU is 8000 Hz mono, got"
                f" sample_rate {self.sample_rate}, channels {self.channels}"
            )
        if self.codec == "AAC" and self.sample_rate not in _AAC_RATES:
            raise ValueError(f"sample_rate {self.sample_rate} is not an AAC rate ({_AAC_RATES})")
        if not 1 <= self.channels <= 2:
            raise ValueError(f"channels must be 1 or 2, got {self.channels}")
        if self.bitrate_kbps <= 0:
            raise ValueError(f"bitrate_kbps must be positive, got {self.bitrate_kbps}")


@dataclass(frozen=True, slots=True)
class EncodedAudio:
    """One packet's worth: mu-law bytes, or one raw AAC access unit.

    ``timestamp`` is the first sample's number at the stream's rate. AAC's first
    unit holds the encoder's 1024 priming samples and is stamped -1024.
    """

    timestamp: int
    data: bytes


class AudioEncoder:
    def __init__(self, settings: AudioSettings) -> None:
        self.settings = settings
        self._pending = bytearray()  # PCM not yet a whole packet
        self._position = 0  # samples taken from _pending so far
        self._bytes_per_sample = 2 * settings.channels
        self._aac: AudioCodecContext | None = None
        self._aac_timestamp = -_AAC_FRAME_SAMPLES  # FFmpeg's encoder delay: one frame
        if settings.codec == "AAC":
            self._aac = _open_aac(settings)

    @property
    def packet_samples(self) -> int:
        """Samples per unit: 160 (20 ms) for PCMU, 1024 for AAC."""
        return _AAC_FRAME_SAMPLES if self._aac is not None else _PCMU_PACKET_SAMPLES

    @property
    def audio_specific_config(self) -> bytes | None:
        """The AAC AudioSpecificConfig for the SDP's config=; None for PCMU."""
        if self.settings.codec != "AAC":
            return None
        return audio_specific_config(self.settings.sample_rate, self.settings.channels)

    def encode(self, pcm: bytes) -> list[EncodedAudio]:
        """Units completed by ``pcm``; a partial packet waits for the next call."""
        if len(pcm) % self._bytes_per_sample:
            raise ValueError(
                f"PCM of {len(pcm)} bytes is not whole"
                f" {self.settings.channels}-channel 16-bit samples"
            )
        self._pending += pcm
        chunk = self.packet_samples * self._bytes_per_sample
        units = []
        while len(self._pending) >= chunk:
            samples = bytes(self._pending[:chunk])
            del self._pending[:chunk]
            if self._aac is None:
                units.append(EncodedAudio(self._position, encode_ulaw(samples)))
            else:
                units += self._encode_aac(self._aac, samples)
            self._position += self.packet_samples
        return units

    def _encode_aac(self, context: AudioCodecContext, pcm: bytes) -> list[EncodedAudio]:
        channels = self.settings.channels
        # FFmpeg's AAC encoder takes planar float samples.
        planar = np.frombuffer(pcm, "<i2").reshape(-1, channels).T.astype(np.float32) / 32768
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(planar),
            format="fltp",
            layout="mono" if channels == 1 else "stereo",
        )
        frame.sample_rate = self.settings.sample_rate
        frame.pts = self._position
        units = []
        for packet in context.encode(frame):
            # Units leave in order, one per 1024 samples, the first holding the priming.
            units.append(EncodedAudio(self._aac_timestamp, bytes(packet)))
            self._aac_timestamp += _AAC_FRAME_SAMPLES
        return units

    def close(self) -> None:
        self._aac = None
        self._pending.clear()


def _open_aac(settings: AudioSettings) -> AudioCodecContext:
    context = av.CodecContext.create("aac", "w")
    context.sample_rate = settings.sample_rate
    context.layout = "mono" if settings.channels == 1 else "stereo"
    context.format = "fltp"
    context.time_base = Fraction(1, settings.sample_rate)
    # FFmpeg clamps (and logs) requests above 6144 bits per channel per frame.
    ceiling = 6144 * settings.channels * settings.sample_rate // _AAC_FRAME_SAMPLES
    context.bit_rate = min(settings.bitrate_kbps * 1000, ceiling)
    context.open()
    expected = audio_specific_config(settings.sample_rate, settings.channels)
    # FFmpeg appends an explicit "no SBR" extension; the plain config describes the same stream.
    if not bytes(context.extradata or b"").startswith(expected):
        raise RuntimeError(
            f"AAC encoder's AudioSpecificConfig {bytes(context.extradata or b'').hex()}"
            f" does not start with the expected {expected.hex()}"
        )
    return context


class BackchannelSink:
    """Collects what a client says on the audio back channel, as 8 kHz PCM.

    Keeps the last ``max_seconds`` (60 by default) so a long session cannot
    grow without bound; ``received_samples`` counts everything ever fed.
    """

    def __init__(self, max_seconds: float = 60.0, sample_rate: int = _PCMU_RATE) -> None:
        if max_seconds <= 0:
            raise ValueError(f"max_seconds must be positive, got {max_seconds}")
        self.sample_rate = sample_rate
        self.max_samples = int(max_seconds * sample_rate)
        self.received_samples = 0
        self._pcm = bytearray()

    def feed(self, payload: bytes) -> None:
        """Take one PCMU RTP payload (mu-law bytes, one per sample)."""
        self._pcm += decode_ulaw(payload)
        self.received_samples += len(payload)
        excess = len(self._pcm) - 2 * self.max_samples
        if excess > 0:
            del self._pcm[:excess]

    @property
    def pcm(self) -> bytes:
        return bytes(self._pcm)

    @property
    def samples(self) -> int:
        return len(self._pcm) // 2
