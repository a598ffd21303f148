"""H.264/H.265 access units as bare NAL units, the shape the RTP payloaders take.

Encoders and containers store NAL units two ways: Annex-B (start codes; libx264
and libx265 output, MPEG-TS) and length-prefixed (MP4, Matroska), where the
stream's decoder configuration record (avcC, hvcC) holds the parameter sets and
the size of each unit's length field. Both become lists of bare units here, and
every key frame leaves with its parameter sets in front, so a client joining
mid-stream can start decoding at any key frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from onvif_device.streaming.rtp import split_annexb

# NAL unit types: parameter sets in the order they must precede a key frame, and
# access unit delimiters, which RTP does not need (the marker bit ends an access unit).
_PARAMETER_SET_TYPES = {"H264": (7, 8), "H265": (32, 33, 34)}
_DELIMITER_TYPE = {"H264": 9, "H265": 35}


def nal_unit_type(codec: str, unit: bytes) -> int:
    return unit[0] & 0x1F if codec == "H264" else (unit[0] >> 1) & 0x3F


def parameter_sets(codec: str, units: Sequence[bytes]) -> tuple[bytes, ...]:
    """The first VPS (H.265), SPS and PPS among ``units``, in that order; no SEI or slices."""
    found: dict[int, bytes] = {}
    for unit in units:
        found.setdefault(nal_unit_type(codec, unit), unit)
    return tuple(found[t] for t in _PARAMETER_SET_TYPES[codec] if t in found)


def with_parameter_sets(
    codec: str, units: Sequence[bytes], sets: Sequence[bytes]
) -> tuple[bytes, ...]:
    """A key frame's units with ``sets`` in front, unless it already carries each kind."""
    carried = {nal_unit_type(codec, unit) for unit in units}
    if {nal_unit_type(codec, s) for s in sets} <= carried:
        return tuple(units)
    return (*sets, *units)


def without_delimiters(codec: str, units: Sequence[bytes]) -> list[bytes]:
    delimiter = _DELIMITER_TYPE[codec]
    return [unit for unit in units if nal_unit_type(codec, unit) != delimiter]


def split_length_prefixed(data: bytes, length_size: int) -> list[bytes]:
    """The units of an MP4-style sample, each behind a big-endian length of ``length_size``."""
    units = []
    offset = 0
    while offset < len(data):
        end = offset + length_size
        if end > len(data):
            raise ValueError(f"NAL unit length field truncated at byte {offset}")
        size = int.from_bytes(data[offset:end], "big")
        if end + size > len(data):
            raise ValueError(
                f"NAL unit at byte {offset} declares {size} bytes, {len(data) - end} left"
            )
        if size:
            units.append(data[end : end + size])
        offset = end + size
    return units


@dataclass(frozen=True, slots=True)
class DecoderConfig:
    """What a stream's extradata says: its parameter sets and how its packets are framed."""

    parameter_sets: tuple[bytes, ...]
    length_size: int | None  # bytes of each unit's length prefix; None for Annex-B packets

    def units(self, packet: bytes) -> list[bytes]:
        if self.length_size is None:
            return split_annexb(packet)
        return split_length_prefixed(packet, self.length_size)


def decoder_config(codec: str, extradata: bytes) -> DecoderConfig:
    """Read extradata: avcC/hvcC (MP4, Matroska), Annex-B units (TS, encoders) or nothing."""
    if not extradata:
        return DecoderConfig((), None)
    if extradata.startswith((b"\x00\x00\x01", b"\x00\x00\x00\x01")):
        return DecoderConfig(parameter_sets(codec, split_annexb(extradata)), None)
    if extradata[0] != 1:
        raise ValueError(f"unknown {codec} decoder configuration version {extradata[0]}")
    if codec == "H264":
        units, length_size = _avcc(extradata)
    else:
        units, length_size = _hvcc(extradata)
    return DecoderConfig(parameter_sets(codec, units), length_size)


def _counted_units(record: bytes, offset: int, count: int) -> tuple[list[bytes], int]:
    """``count`` units, each behind a 16-bit length, starting at ``offset``."""
    units = []
    for _ in range(count):
        size = int.from_bytes(record[offset : offset + 2], "big")
        unit = record[offset + 2 : offset + 2 + size]
        if len(unit) != size or size == 0:
            raise ValueError(f"decoder configuration record truncated at byte {offset}")
        units.append(unit)
        offset += 2 + size
    return units, offset


def _avcc(record: bytes) -> tuple[list[bytes], int]:
    # ISO/IEC 14496-15 5.3.3.1: version, profile, compatibility, level,
    # 6 bits reserved + lengthSizeMinusOne, 3 bits reserved + SPS count.
    if len(record) < 7:
        raise ValueError(f"avcC record of {len(record)} bytes is too short")
    length_size = (record[4] & 0x03) + 1
    sps, offset = _counted_units(record, 6, record[5] & 0x1F)
    if offset >= len(record):
        raise ValueError("avcC record ends before its PPS count")
    pps, _ = _counted_units(record, offset + 1, record[offset])
    return sps + pps, length_size


def _hvcc(record: bytes) -> tuple[list[bytes], int]:
    # ISO/IEC 14496-15 8.3.3.1: 21 bytes of profile/level fields, then
    # 6 bits reserved + lengthSizeMinusOne, then arrays of units by type.
    if len(record) < 23:
        raise ValueError(f"hvcC record of {len(record)} bytes is too short")
    length_size = (record[21] & 0x03) + 1
    units: list[bytes] = []
    offset = 23
    for _ in range(record[22]):
        if offset + 3 > len(record):
            raise ValueError(f"hvcC record truncated at byte {offset}")
        found, offset = _counted_units(
            record, offset + 3, int.from_bytes(record[offset + 1 : offset + 3], "big")
        )
        units += found
    return units, length_size
