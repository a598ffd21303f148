"""RTCP packets (RFC 3550 section 6): SR, RR, SDES, BYE, and NTP time helpers.

A server sends SR + SDES(CNAME) compounds so clients can map RTP time to wall
clock (ONVIF clients rely on that to line up video, audio and metadata), and
reads the clients' RR + SDES compounds as keep-alives. ``parse_compound`` splits
a compound datagram; packet types this module does not model (APP, feedback
such as PLI) come back as ``UnknownRtcp`` so the caller can still look at them.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import ClassVar

RTCP_VERSION = 2
NTP_UNIX_OFFSET = 2_208_988_800  # seconds from 1900-01-01 (NTP era 0) to 1970-01-01

_HEADER = struct.Struct("!BBH")
_REPORT_BLOCK = struct.Struct("!IIIIII")
_SENDER_INFO = struct.Struct("!IQIII")


def ntp_timestamp(unix_time: float) -> int:
    """A 64-bit NTP timestamp (32.32 fixed point) for a wall-clock time in Unix seconds."""
    seconds = math.floor(unix_time)
    fraction = round((unix_time - seconds) * (1 << 32))
    # Masking wraps into the next NTP era (2036) the way 64-bit NTP timestamps do.
    return (((seconds + NTP_UNIX_OFFSET) << 32) + fraction) & 0xFFFF_FFFF_FFFF_FFFF


def ntp_to_unix(ntp: int) -> float:
    """Inverse of ``ntp_timestamp`` within NTP era 0 (until 2036)."""
    return (ntp >> 32) - NTP_UNIX_OFFSET + (ntp & 0xFFFF_FFFF) / (1 << 32)


def ntp_middle32(ntp: int) -> int:
    """The middle 32 bits of an NTP timestamp: the LSR value a receiver echoes back."""
    return (ntp >> 16) & 0xFFFF_FFFF


def _check_range(name: str, value: int, bits: int) -> None:
    if not 0 <= value < 1 << bits:
        raise ValueError(f"{name} must fit in {bits} bits, got {value}")


def _header(count: int, packet_type: int, body: bytes) -> bytes:
    # Length counts 32-bit words minus one, the header word included.
    return _HEADER.pack(RTCP_VERSION << 6 | count, packet_type, len(body) // 4) + body


def _pad4(data: bytes) -> bytes:
    return data + bytes(-len(data) % 4)


@dataclass(frozen=True, slots=True)
class ReportBlock:
    """Reception statistics about one source (RFC 3550 section 6.4.1)."""

    ssrc: int
    fraction_lost: int = 0  # fixed point, lost/expected * 256
    packets_lost: int = 0  # cumulative, signed: duplicates can make it negative
    highest_sequence: int = 0  # extended: cycles << 16 | last sequence number
    jitter: int = 0
    last_sr: int = 0  # middle 32 bits of the last SR's NTP timestamp
    delay_since_last_sr: int = 0  # units of 1/65536 s

    SIZE: ClassVar[int] = 24

    def __post_init__(self) -> None:
        _check_range("SSRC", self.ssrc, 32)
        _check_range("fraction lost", self.fraction_lost, 8)
        if not -(1 << 23) <= self.packets_lost < 1 << 23:
            raise ValueError(f"packets lost must fit in 24 signed bits, got {self.packets_lost}")
        _check_range("highest sequence", self.highest_sequence, 32)
        _check_range("jitter", self.jitter, 32)
        _check_range("LSR", self.last_sr, 32)
        _check_range("DLSR", self.delay_since_last_sr, 32)

    def serialize(self) -> bytes:
        lost = self.packets_lost & 0xFFFFFF
        return _REPORT_BLOCK.pack(
            self.ssrc,
            self.fraction_lost << 24 | lost,
            self.highest_sequence,
            self.jitter,
            self.last_sr,
            self.delay_since_last_sr,
        )

    @classmethod
    def parse(cls, data: bytes, offset: int = 0) -> ReportBlock:
        ssrc, lost_word, highest, jitter, lsr, dlsr = _REPORT_BLOCK.unpack_from(data, offset)
        lost = lost_word & 0xFFFFFF
        if lost & 0x800000:
            lost -= 1 << 24
        return cls(ssrc, lost_word >> 24, lost, highest, jitter, lsr, dlsr)


def _parse_blocks(body: bytes, offset: int, count: int, what: str) -> tuple[ReportBlock, ...]:
    needed = offset + count * ReportBlock.SIZE
    if needed > len(body):
        raise ValueError(
            f"{what} truncated: {count} report blocks need {needed} bytes, body has {len(body)}"
        )
    return tuple(ReportBlock.parse(body, offset + i * ReportBlock.SIZE) for i in range(count))


@dataclass(frozen=True, slots=True)
class SenderReport:
    """SR (PT 200): maps this source's RTP clock to wall clock, plus what it has sent."""

    ssrc: int
    ntp_timestamp: int
    rtp_timestamp: int
    packet_count: int
    octet_count: int
    reports: tuple[ReportBlock, ...] = ()
    profile_extension: bytes = b""

    PACKET_TYPE: ClassVar[int] = 200

    def __post_init__(self) -> None:
        _check_range("SSRC", self.ssrc, 32)
        _check_range("NTP timestamp", self.ntp_timestamp, 64)
        _check_range("RTP timestamp", self.rtp_timestamp, 32)
        _check_range("packet count", self.packet_count, 32)
        _check_range("octet count", self.octet_count, 32)
        if len(self.reports) > 31:
            raise ValueError(f"at most 31 report blocks, got {len(self.reports)}")
        if len(self.profile_extension) % 4:
            raise ValueError("profile extension must be whole 32-bit words")

    def serialize(self) -> bytes:
        body = _SENDER_INFO.pack(
            self.ssrc, self.ntp_timestamp, self.rtp_timestamp, self.packet_count, self.octet_count
        )
        body += b"".join(block.serialize() for block in self.reports) + self.profile_extension
        return _header(len(self.reports), self.PACKET_TYPE, body)

    def __bytes__(self) -> bytes:
        return self.serialize()

    @classmethod
    def parse(cls, data: bytes) -> SenderReport:
        count, body = _single(data, cls.PACKET_TYPE, "SR")
        return cls._from_body(count, body)

    @classmethod
    def _from_body(cls, count: int, body: bytes) -> SenderReport:
        if len(body) < _SENDER_INFO.size:
            raise ValueError(
                f"SR truncated: sender info needs {_SENDER_INFO.size} bytes, body has {len(body)}"
            )
        ssrc, ntp, rtp, packets, octets = _SENDER_INFO.unpack_from(body)
        reports = _parse_blocks(body, _SENDER_INFO.size, count, "SR")
        extension = body[_SENDER_INFO.size + count * ReportBlock.SIZE :]
        return cls(ssrc, ntp, rtp, packets, octets, reports, extension)


@dataclass(frozen=True, slots=True)
class ReceiverReport:
    """RR (PT 201): reception statistics from a receiver that sends no media."""

    ssrc: int
    reports: tuple[ReportBlock, ...] = ()
    profile_extension: bytes = b""

    PACKET_TYPE: ClassVar[int] = 201

    def __post_init__(self) -> None:
        _check_range("SSRC", self.ssrc, 32)
        if len(self.reports) > 31:
            raise ValueError(f"at most 31 report blocks, got {len(self.reports)}")
        if len(self.profile_extension) % 4:
            raise ValueError("profile extension must be whole 32-bit words")

    def serialize(self) -> bytes:
        body = struct.pack("!I", self.ssrc)
        body += b"".join(block.serialize() for block in self.reports) + self.profile_extension
        return _header(len(self.reports), self.PACKET_TYPE, body)

    def __bytes__(self) -> bytes:
        return self.serialize()

    @classmethod
    def parse(cls, data: bytes) -> ReceiverReport:
        count, body = _single(data, cls.PACKET_TYPE, "RR")
        return cls._from_body(count, body)

    @classmethod
    def _from_body(cls, count: int, body: bytes) -> ReceiverReport:
        if len(body) < 4:
            raise ValueError(f"RR truncated: the SSRC needs 4 bytes, body has {len(body)}")
        (ssrc,) = struct.unpack_from("!I", body)
        reports = _parse_blocks(body, 4, count, "RR")
        return cls(ssrc, reports, body[4 + count * ReportBlock.SIZE :])


SDES_CNAME = 1


@dataclass(frozen=True, slots=True)
class SdesChunk:
    """The items describing one source; item type 1 is the CNAME every compound must carry."""

    ssrc: int
    items: tuple[tuple[int, bytes], ...]

    def __post_init__(self) -> None:
        _check_range("SSRC", self.ssrc, 32)
        for item_type, text in self.items:
            if not 1 <= item_type <= 255:
                raise ValueError(f"SDES item type must be 1..255, got {item_type}")
            if len(text) > 255:
                raise ValueError(f"SDES item text at most 255 bytes, got {len(text)}")

    def serialize(self) -> bytes:
        data = struct.pack("!I", self.ssrc)
        data += b"".join(bytes((kind, len(text))) + text for kind, text in self.items)
        # The item list ends with a zero byte, then zeros up to a word boundary.
        return data + bytes(4 - len(data) % 4)


@dataclass(frozen=True, slots=True)
class SourceDescription:
    """SDES (PT 202)."""

    chunks: tuple[SdesChunk, ...]

    PACKET_TYPE: ClassVar[int] = 202

    def __post_init__(self) -> None:
        if len(self.chunks) > 31:
            raise ValueError(f"at most 31 SDES chunks, got {len(self.chunks)}")

    @classmethod
    def cname(cls, ssrc: int, cname: str) -> SourceDescription:
        return cls((SdesChunk(ssrc, ((SDES_CNAME, cname.encode()),)),))

    def serialize(self) -> bytes:
        body = b"".join(chunk.serialize() for chunk in self.chunks)
        return _header(len(self.chunks), self.PACKET_TYPE, body)

    def __bytes__(self) -> bytes:
        return self.serialize()

    @classmethod
    def parse(cls, data: bytes) -> SourceDescription:
        count, body = _single(data, cls.PACKET_TYPE, "SDES")
        return cls._from_body(count, body)

    @classmethod
    def _from_body(cls, count: int, body: bytes) -> SourceDescription:
        chunks = []
        offset = 0
        for _ in range(count):
            if offset + 4 > len(body):
                raise ValueError(f"SDES truncated: chunk at byte {offset} has no SSRC")
            (ssrc,) = struct.unpack_from("!I", body, offset)
            offset += 4
            items = []
            while True:
                if offset >= len(body):
                    raise ValueError("SDES truncated: item list has no terminating zero byte")
                kind = body[offset]
                if kind == 0:
                    offset = (offset + 4) & ~3  # skip the terminator and the word padding
                    break
                if offset + 2 > len(body) or offset + 2 + body[offset + 1] > len(body):
                    raise ValueError(f"SDES truncated: item at byte {offset} runs past the packet")
                length = body[offset + 1]
                items.append((kind, bytes(body[offset + 2 : offset + 2 + length])))
                offset += 2 + length
            chunks.append(SdesChunk(ssrc, tuple(items)))
        return cls(tuple(chunks))


@dataclass(frozen=True, slots=True)
class Goodbye:
    """BYE (PT 203): the listed sources leave the session."""

    ssrcs: tuple[int, ...]
    reason: bytes = b""

    PACKET_TYPE: ClassVar[int] = 203

    def __post_init__(self) -> None:
        if len(self.ssrcs) > 31:
            raise ValueError(f"at most 31 SSRCs, got {len(self.ssrcs)}")
        for ssrc in self.ssrcs:
            _check_range("SSRC", ssrc, 32)
        if len(self.reason) > 255:
            raise ValueError(f"BYE reason at most 255 bytes, got {len(self.reason)}")

    def serialize(self) -> bytes:
        body = struct.pack(f"!{len(self.ssrcs)}I", *self.ssrcs)
        if self.reason:
            body += _pad4(bytes((len(self.reason),)) + self.reason)
        return _header(len(self.ssrcs), self.PACKET_TYPE, body)

    def __bytes__(self) -> bytes:
        return self.serialize()

    @classmethod
    def parse(cls, data: bytes) -> Goodbye:
        count, body = _single(data, cls.PACKET_TYPE, "BYE")
        return cls._from_body(count, body)

    @classmethod
    def _from_body(cls, count: int, body: bytes) -> Goodbye:
        if 4 * count > len(body):
            raise ValueError(f"BYE truncated: {count} SSRCs need {4 * count} bytes")
        ssrcs = struct.unpack_from(f"!{count}I", body)
        reason = b""
        if len(body) > 4 * count:
            length = body[4 * count]
            if 4 * count + 1 + length > len(body):
                raise ValueError(f"BYE truncated: reason of {length} bytes runs past the packet")
            reason = bytes(body[4 * count + 1 : 4 * count + 1 + length])
        return cls(ssrcs, reason)


@dataclass(frozen=True, slots=True)
class UnknownRtcp:
    """Any other RTCP packet, kept raw (APP, RTPFB, PSFB such as PLI, XR...)."""

    packet_type: int
    count: int
    body: bytes

    def serialize(self) -> bytes:
        return _header(self.count, self.packet_type, self.body)

    def __bytes__(self) -> bytes:
        return self.serialize()


RtcpPacket = SenderReport | ReceiverReport | SourceDescription | Goodbye | UnknownRtcp

_KNOWN: dict[
    int, type[SenderReport | ReceiverReport | SourceDescription | Goodbye]
] = {
    SenderReport.PACKET_TYPE: SenderReport,
    ReceiverReport.PACKET_TYPE: ReceiverReport,
    SourceDescription.PACKET_TYPE: SourceDescription,
    Goodbye.PACKET_TYPE: Goodbye,
}


def _split(data: bytes) -> list[tuple[int, int, bytes]]:
    """(packet type, count, body without padding) for each packet of a compound."""
    packets = []
    offset = 0
    if not data:
        raise ValueError("RTCP packet empty")
    while offset < len(data):
        if len(data) - offset < _HEADER.size:
            raise ValueError(
                f"RTCP packet truncated: header at byte {offset} needs 4 bytes,"
                f" {len(data) - offset} left"
            )
        first, packet_type, words = _HEADER.unpack_from(data, offset)
        version = first >> 6
        if version != RTCP_VERSION:
            raise ValueError(f"RTCP version must be {RTCP_VERSION}, got {version} at byte {offset}")
        end = offset + 4 * (words + 1)
        if end > len(data):
            raise ValueError(
                f"RTCP packet truncated: type {packet_type} at byte {offset} declares"
                f" {4 * (words + 1)} bytes, {len(data) - offset} left"
            )
        body_end = end
        if first & 0x20:
            padding = data[end - 1]
            if padding == 0 or padding > end - offset - _HEADER.size:
                raise ValueError(f"RTCP padding count {padding} invalid at byte {offset}")
            body_end -= padding
        packets.append((packet_type, first & 0x1F, bytes(data[offset + _HEADER.size : body_end])))
        offset = end
    return packets


def _single(data: bytes, packet_type: int, name: str) -> tuple[int, bytes]:
    packets = _split(data)
    if len(packets) != 1:
        raise ValueError(f"expected one RTCP packet, got a compound of {len(packets)}")
    found, count, body = packets[0]
    if found != packet_type:
        raise ValueError(f"expected RTCP {name} (type {packet_type}), got type {found}")
    return count, body


def parse_compound(data: bytes) -> list[RtcpPacket]:
    """Every packet in a compound RTCP datagram, in order."""
    result: list[RtcpPacket] = []
    for packet_type, count, body in _split(data):
        known = _KNOWN.get(packet_type)
        if known is None:
            result.append(UnknownRtcp(packet_type, count, body))
        else:
            result.append(known._from_body(count, body))
    return result
