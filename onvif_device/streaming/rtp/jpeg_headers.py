"""The RFC 2435 sub-headers that open every RTP/JPEG payload.

Layout of a payload: main JPEG header (8 bytes), a restart marker header
(4 bytes) when the type is 64..127, a quantization table header when Q is
128..255 and the fragment offset is 0, then entropy-coded scan data.
Each header is a frozen value with ``marshal()`` and ``unmarshal(data)``;
``unmarshal`` returns the header and the number of bytes it took.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar

RESTART_TYPE_FLAG = 64  # types 64..127 are types 0..63 with a restart marker header
DYNAMIC_TABLES_Q = 255  # Q >= 128: tables in-band; 255: they may change every frame
UNKNOWN_RESTART_COUNT = 0x3FFF  # with F = L = 1: intervals not aligned to packets


def _check(name: str, value: int, bits: int) -> None:
    if not 0 <= value < 1 << bits:
        raise ValueError(f"{name} must fit in {bits} bits, got {value}")


@dataclass(frozen=True, slots=True)
class JpegHeader:
    """The main JPEG header (RFC 2435 section 3.1); sizes count 8-pixel blocks."""

    type_specific: int
    fragment_offset: int
    type: int
    quality: int
    width_blocks: int
    height_blocks: int

    SIZE: ClassVar[int] = 8
    _STRUCT: ClassVar[struct.Struct] = struct.Struct("!I4B")

    def __post_init__(self) -> None:
        _check("type-specific", self.type_specific, 8)
        _check("fragment offset", self.fragment_offset, 24)
        _check("type", self.type, 8)
        _check("Q", self.quality, 8)
        _check("width", self.width_blocks, 8)
        _check("height", self.height_blocks, 8)

    @property
    def has_restart_header(self) -> bool:
        return RESTART_TYPE_FLAG <= self.type <= 127

    @property
    def has_quantization_header(self) -> bool:
        return self.fragment_offset == 0 and self.quality >= 128

    def marshal(self) -> bytes:
        return self._STRUCT.pack(
            self.type_specific << 24 | self.fragment_offset,
            self.type,
            self.quality,
            self.width_blocks,
            self.height_blocks,
        )

    @classmethod
    def unmarshal(cls, data: bytes) -> tuple[JpegHeader, int]:
        if len(data) < cls.SIZE:
            raise ValueError(f"JPEG header needs {cls.SIZE} bytes, got {len(data)}")
        first, kind, quality, width, height = cls._STRUCT.unpack_from(data)
        return cls(first >> 24, first & 0xFFFFFF, kind, quality, width, height), cls.SIZE


@dataclass(frozen=True, slots=True)
class RestartHeader:
    """The restart marker header (RFC 2435 section 3.1.7)."""

    interval: int
    first: bool = True
    last: bool = True
    count: int = UNKNOWN_RESTART_COUNT

    SIZE: ClassVar[int] = 4

    def __post_init__(self) -> None:
        _check("restart interval", self.interval, 16)
        _check("restart count", self.count, 14)

    def marshal(self) -> bytes:
        flags = (0x8000 if self.first else 0) | (0x4000 if self.last else 0)
        return struct.pack("!HH", self.interval, flags | self.count)

    @classmethod
    def unmarshal(cls, data: bytes) -> tuple[RestartHeader, int]:
        if len(data) < cls.SIZE:
            raise ValueError(f"restart marker header needs {cls.SIZE} bytes, got {len(data)}")
        interval, word = struct.unpack_from("!HH", data)
        return cls(interval, bool(word & 0x8000), bool(word & 0x4000), word & 0x3FFF), cls.SIZE


@dataclass(frozen=True, slots=True)
class QuantizationTableHeader:
    """The in-band quantization tables (RFC 2435 section 3.1.8).

    ``precision`` has bit i set when table i holds 16-bit values (128 bytes);
    ``tables`` are the tables concatenated in zig-zag order, as in a DQT.
    """

    precision: int
    tables: bytes
    mbz: int = 0

    HEADER_SIZE: ClassVar[int] = 4

    def __post_init__(self) -> None:
        _check("precision", self.precision, 8)
        _check("MBZ", self.mbz, 8)
        _check("quantization table length", len(self.tables), 16)

    @property
    def size(self) -> int:
        return self.HEADER_SIZE + len(self.tables)

    def marshal(self) -> bytes:
        return struct.pack("!BBH", self.mbz, self.precision, len(self.tables)) + self.tables

    @classmethod
    def unmarshal(cls, data: bytes) -> tuple[QuantizationTableHeader, int]:
        if len(data) < cls.HEADER_SIZE:
            raise ValueError(
                f"quantization table header needs {cls.HEADER_SIZE} bytes, got {len(data)}"
            )
        mbz, precision, length = struct.unpack_from("!BBH", data)
        end = cls.HEADER_SIZE + length
        if end > len(data):
            raise ValueError(
                f"quantization table header declares {length} bytes of tables,"
                f" {len(data) - cls.HEADER_SIZE} left"
            )
        return cls(precision, bytes(data[cls.HEADER_SIZE : end]), mbz), end

    def split(self, count: int = 2) -> list[bytes]:
        """The first ``count`` tables, each 64 or 128 bytes as ``precision`` says."""
        result = []
        offset = 0
        for index in range(count):
            size = 128 if self.precision >> index & 1 else 64
            if offset + size > len(self.tables):
                raise ValueError(
                    f"quantization table {index} missing: {len(self.tables)} bytes of tables"
                )
            result.append(self.tables[offset : offset + size])
            offset += size
        return result
