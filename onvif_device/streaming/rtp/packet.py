"""RTP data packets (RFC 3550 section 5.1): parse and serialise, nothing else.

A packet is a frozen value that validates its fields when built, so anything
that exists can be serialised. ``parse`` raises ``ValueError`` saying exactly
what is wrong with the bytes it was given.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

RTP_VERSION = 2
FIXED_HEADER_SIZE = 12
MAX_CSRC_COUNT = 15

_FIXED = struct.Struct("!BBHII")
_EXTENSION_HEADER = struct.Struct("!HH")


def _check_range(name: str, value: int, bits: int) -> None:
    if not 0 <= value < 1 << bits:
        raise ValueError(f"{name} must fit in {bits} bits, got {value}")


@dataclass(frozen=True, slots=True)
class HeaderExtension:
    """The RFC 3550 header extension: a 16-bit profile word and whole 32-bit words of data."""

    profile: int
    data: bytes = b""

    def __post_init__(self) -> None:
        _check_range("extension profile", self.profile, 16)
        if len(self.data) % 4:
            raise ValueError(
                f"extension data must be whole 32-bit words, got {len(self.data)} bytes"
            )
        if len(self.data) // 4 > 0xFFFF:
            raise ValueError(f"extension data too long: {len(self.data) // 4} words, at most 65535")

    @property
    def size(self) -> int:
        """Bytes the extension takes on the wire, its 4-byte header included."""
        return _EXTENSION_HEADER.size + len(self.data)

    def serialize(self) -> bytes:
        return _EXTENSION_HEADER.pack(self.profile, len(self.data) // 4) + self.data


@dataclass(frozen=True, slots=True)
class RtpPacket:
    """One RTP packet.

    ``padding`` is the number of padding bytes, the count byte included (0 means
    no padding). Padding bytes are written as zeros, so ``bytes(parse(data))``
    equals ``data`` whenever the sender padded with zeros, which RFC 3550 senders do.
    """

    payload_type: int
    sequence_number: int
    timestamp: int
    ssrc: int
    payload: bytes = b""
    marker: bool = False
    csrcs: tuple[int, ...] = ()
    extension: HeaderExtension | None = None
    padding: int = 0

    def __post_init__(self) -> None:
        _check_range("payload type", self.payload_type, 7)
        _check_range("sequence number", self.sequence_number, 16)
        _check_range("timestamp", self.timestamp, 32)
        _check_range("SSRC", self.ssrc, 32)
        if len(self.csrcs) > MAX_CSRC_COUNT:
            raise ValueError(f"at most {MAX_CSRC_COUNT} CSRCs, got {len(self.csrcs)}")
        for csrc in self.csrcs:
            _check_range("CSRC", csrc, 32)
        _check_range("padding", self.padding, 8)

    @property
    def header_size(self) -> int:
        """Bytes before the payload: fixed header, CSRC list and extension."""
        extension = self.extension.size if self.extension is not None else 0
        return FIXED_HEADER_SIZE + 4 * len(self.csrcs) + extension

    def serialize(self) -> bytes:
        first = (
            RTP_VERSION << 6
            | (0x20 if self.padding else 0)
            | (0x10 if self.extension is not None else 0)
            | len(self.csrcs)
        )
        second = (0x80 if self.marker else 0) | self.payload_type
        parts = [_FIXED.pack(first, second, self.sequence_number, self.timestamp, self.ssrc)]
        if self.csrcs:
            parts.append(struct.pack(f"!{len(self.csrcs)}I", *self.csrcs))
        if self.extension is not None:
            parts.append(self.extension.serialize())
        parts.append(self.payload)
        if self.padding:
            parts.append(bytes(self.padding - 1) + bytes((self.padding,)))
        return b"".join(parts)

    def __bytes__(self) -> bytes:
        return self.serialize()

    @classmethod
    def parse(cls, data: bytes) -> RtpPacket:
        if len(data) < FIXED_HEADER_SIZE:
            raise ValueError(
                f"RTP packet too short: {len(data)} bytes,"
                f" the fixed header needs {FIXED_HEADER_SIZE}"
            )
        first, second, sequence_number, timestamp, ssrc = _FIXED.unpack_from(data)
        version = first >> 6
        if version != RTP_VERSION:
            raise ValueError(f"RTP version must be {RTP_VERSION}, got {version}")
        csrc_count = first & 0x0F
        offset = FIXED_HEADER_SIZE
        end = offset + 4 * csrc_count
        if end > len(data):
            raise ValueError(
                f"RTP packet truncated: {csrc_count} CSRCs need {4 * csrc_count} bytes,"
                f" {len(data) - offset} left"
            )
        csrcs = struct.unpack_from(f"!{csrc_count}I", data, offset)
        offset = end

        extension = None
        if first & 0x10:
            if offset + _EXTENSION_HEADER.size > len(data):
                raise ValueError(
                    f"RTP packet truncated: the header extension needs 4 bytes,"
                    f" {len(data) - offset} left"
                )
            profile, words = _EXTENSION_HEADER.unpack_from(data, offset)
            offset += _EXTENSION_HEADER.size
            if offset + 4 * words > len(data):
                raise ValueError(
                    f"RTP packet truncated: the header extension declares {words} words"
                    f" ({4 * words} bytes), {len(data) - offset} left"
                )
            extension = HeaderExtension(profile, bytes(data[offset : offset + 4 * words]))
            offset += 4 * words

        payload_end = len(data)
        padding = 0
        if first & 0x20:
            padding = data[-1]
            if padding == 0:
                raise ValueError("RTP padding count is 0, it must count at least itself")
            if padding > len(data) - offset:
                raise ValueError(
                    f"RTP padding count {padding} exceeds the {len(data) - offset} bytes"
                    " after the header"
                )
            payload_end -= padding

        return cls(
            payload_type=second & 0x7F,
            sequence_number=sequence_number,
            timestamp=timestamp,
            ssrc=ssrc,
            payload=bytes(data[offset:payload_end]),
            marker=bool(second & 0x80),
            csrcs=csrcs,
            extension=extension,
            padding=padding,
        )
