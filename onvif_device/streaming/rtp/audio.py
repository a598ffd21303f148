"""Audio over RTP: G.711 mu-law (PCMU, RFC 3551) and AAC (RFC 3640, AAC-hbr).

PCMU packets never carry the marker bit (sent without silence suppression,
RFC 3551 section 4.1); AAC packets carry it whenever they end an access unit
(RFC 3640 section 3.2.1), which is every packet but the leading fragments of
an AU too large for one packet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from .g711 import decode_ulaw, encode_ulaw  # re-exported: PCMU sources need them
from .packet import RtpPacket
from .payloader import Payloader, chunks

__all__ = [
    "AacFormat",
    "AacPayloader",
    "PcmuFormat",
    "PcmuPayloader",
    "aac_payloads",
    "audio_specific_config",
    "decode_ulaw",
    "encode_ulaw",
]

PCMU_PAYLOAD_TYPE = 0
PCMU_CLOCK_RATE = 8000


@dataclass(frozen=True, slots=True)
class PcmuFormat:
    """G.711 mu-law, 8 kHz mono, static payload type 0."""

    payload_type: int = PCMU_PAYLOAD_TYPE

    media: ClassVar[str] = "audio"
    clock_rate: ClassVar[int] = PCMU_CLOCK_RATE
    encoding_name: ClassVar[str] = "PCMU"

    def rtpmap(self) -> str:
        return f"{self.encoding_name}/{self.clock_rate}"

    def fmtp(self) -> str | None:
        return None


class PcmuPayloader(Payloader[bytes]):
    """Packetizes mu-law samples (one byte each, see ``encode_ulaw``).

    A chunk longer than the payload limit is split; each packet's timestamp is
    that of its first sample, as RFC 3551 requires for audio.
    """

    codec = "PCMU"
    min_payload_size = 1

    def payloads(self, unit: bytes) -> list[bytes]:
        if not unit:
            raise ValueError("no samples to send")
        return chunks(unit, self.config.max_payload_size)

    def packetize(self, unit: bytes, timestamp: int) -> list[RtpPacket]:
        # One sample per byte at 8 kHz: a packet's timestamp advances by its offset.
        step = self.config.max_payload_size
        return [
            self._sequencer.packet(payload, timestamp + index * step)
            for index, payload in enumerate(self.payloads(unit))
        ]


# ISO/IEC 14496-3 samplingFrequencyIndex values 0..12.
_SAMPLING_FREQUENCIES = (
    96000,
    88200,
    64000,
    48000,
    44100,
    32000,
    24000,
    22050,
    16000,
    12000,
    11025,
    8000,
    7350,
)
AAC_LC = 2  # audioObjectType of AAC Low Complexity


def _channel_configuration(channels: int) -> int:
    if 1 <= channels <= 6:
        return channels
    if channels == 8:
        return 7  # 7.1
    raise ValueError(f"{channels} channels have no AAC channel configuration; use 1..6 or 8")


def audio_specific_config(sample_rate: int, channels: int, object_type: int = AAC_LC) -> bytes:
    """The AudioSpecificConfig (ISO/IEC 14496-3) of a plain AAC stream.

    objectType (5 bits), samplingFrequencyIndex (4, or 15 then the rate in
    24 bits), channelConfiguration (4), then the GASpecificConfig flags
    (1024-sample frames, no core coder, no extension), all zero.
    """
    if not 1 <= object_type <= 30:
        raise ValueError(f"audio object type must be 1..30, got {object_type}")
    if not 0 < sample_rate < 1 << 24:
        raise ValueError(f"sample rate must be 1..16777215 Hz, got {sample_rate}")
    bits = object_type
    width = 5
    if sample_rate in _SAMPLING_FREQUENCIES:
        bits = bits << 4 | _SAMPLING_FREQUENCIES.index(sample_rate)
        width += 4
    else:
        bits = (bits << 4 | 0xF) << 24 | sample_rate
        width += 28
    bits = (bits << 4 | _channel_configuration(channels)) << 3
    width += 7
    padding = -width % 8
    return (bits << padding).to_bytes((width + padding) // 8, "big")


@dataclass(frozen=True, slots=True)
class AacFormat:
    """AAC as mpeg4-generic (RFC 3640) in AAC-hbr mode; the RTP clock is the sample rate."""

    payload_type: int
    sample_rate: int
    channels: int
    config: bytes = field(default=b"")  # AudioSpecificConfig; built from rate and channels if empty

    media: ClassVar[str] = "audio"
    encoding_name: ClassVar[str] = "MPEG4-GENERIC"

    def __post_init__(self) -> None:
        if not 96 <= self.payload_type <= 127:
            raise ValueError(f"AAC needs a dynamic payload type (96..127), got {self.payload_type}")
        if self.sample_rate <= 0 or self.channels <= 0:
            raise ValueError(
                "AAC needs a positive rate and channel count,"
                f" got {self.sample_rate} Hz, {self.channels} channels"
            )
        if not self.config:
            # A derived field: the frozen dataclass allows it only through object.__setattr__.
            object.__setattr__(
                self, "config", audio_specific_config(self.sample_rate, self.channels)
            )

    @property
    def clock_rate(self) -> int:
        return self.sample_rate

    def rtpmap(self) -> str:
        return f"{self.encoding_name}/{self.sample_rate}/{self.channels}"

    def fmtp(self) -> str:
        return (
            "streamtype=5; profile-level-id=1; mode=AAC-hbr;"
            f" config={self.config.hex()}; sizelength=13; indexlength=3; indexdeltalength=3"
        )


_MAX_AU_SIZE = (1 << 13) - 1  # AU-size has 13 bits in AAC-hbr
_AU_PREFIX_SIZE = 4  # AU-headers-length (2) + one AU-header (2)


def aac_payloads(access_unit: bytes, max_payload_size: int) -> list[bytes]:
    """One AU per packet, or fragments of it when it does not fit.

    Every fragment repeats the AU-header with the size of the whole AU, as
    RFC 3640 section 3.2.3 asks.
    """
    if not access_unit:
        raise ValueError("AAC access unit is empty")
    if len(access_unit) > _MAX_AU_SIZE:
        raise ValueError(
            f"AAC access unit of {len(access_unit)} bytes exceeds the {_MAX_AU_SIZE} bytes"
            " a 13-bit AU-size can describe"
        )
    # AU-headers-length counts bits: one 16-bit header. AU-index is 0 (3 bits).
    prefix = (16).to_bytes(2, "big") + (len(access_unit) << 3).to_bytes(2, "big")
    return [prefix + chunk for chunk in chunks(access_unit, max_payload_size - _AU_PREFIX_SIZE)]


class AacPayloader(Payloader[bytes]):
    """Packetizes raw AAC access units (no ADTS header), one per call."""

    codec = "AAC"
    min_payload_size = _AU_PREFIX_SIZE + 1

    def payloads(self, unit: bytes) -> list[bytes]:
        return aac_payloads(unit, self.config.max_payload_size)
