"""Test-side depayloaders: rebuild what the payloaders sent, checking as they go.

Each ``push(packet)`` returns the reassembled unit when a packet completes it
and None while more packets are needed (gortsplib's ErrMorePacketsNeeded).
They are strict where a real receiver would be lenient: any gap in sequence
numbers, timestamp change inside a unit, or malformed header fails the test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from onvif_device.streaming.rtp.jpeg_extension import jpeg_extension_payload
from onvif_device.streaming.rtp.jpeg_headers import (
    RESTART_TYPE_FLAG,
    JpegHeader,
    QuantizationTableHeader,
    RestartHeader,
)
from onvif_device.streaming.rtp.jpeg_markers import (
    DHT,
    DQT,
    DRI,
    SOF0,
    SOS,
    marker_segments,
)
from onvif_device.streaming.rtp.jpeg_tables import STANDARD_HUFFMAN_SEGMENT
from onvif_device.streaming.rtp.packet import RtpPacket


class DepayloadError(AssertionError):
    pass


Unit = TypeVar("Unit", covariant=True)


@dataclass
class _Continuity:
    """Sequence numbers must be consecutive, timestamps constant within a unit."""

    expected_sequence: int | None = None
    unit_timestamp: int | None = None

    def check(self, packet: RtpPacket) -> None:
        if self.expected_sequence is not None and packet.sequence_number != self.expected_sequence:
            raise DepayloadError(
                f"sequence gap: expected {self.expected_sequence}, got {packet.sequence_number}"
            )
        self.expected_sequence = (packet.sequence_number + 1) & 0xFFFF
        if self.unit_timestamp is not None and packet.timestamp != self.unit_timestamp:
            raise DepayloadError(
                f"timestamp changed inside a unit: {self.unit_timestamp} then {packet.timestamp}"
            )
        self.unit_timestamp = None if packet.marker else packet.timestamp


@dataclass
class H264Depayloader:
    continuity: _Continuity = field(default_factory=_Continuity)
    units: list[bytes] = field(default_factory=list)
    fragment: bytearray | None = None

    def push(self, packet: RtpPacket) -> list[bytes] | None:
        self.continuity.check(packet)
        payload = packet.payload
        if not payload:
            raise DepayloadError("empty H.264 payload")
        kind = payload[0] & 0x1F
        if kind == 24:  # STAP-A
            offset = 1
            while offset < len(payload):
                size = int.from_bytes(payload[offset : offset + 2], "big")
                if size == 0 or offset + 2 + size > len(payload):
                    raise DepayloadError(f"bad STAP-A unit size {size} at {offset}")
                self.units.append(payload[offset + 2 : offset + 2 + size])
                offset += 2 + size
        elif kind == 28:  # FU-A
            start, end, unit_type = payload[1] & 0x80, payload[1] & 0x40, payload[1] & 0x1F
            if start:
                if self.fragment is not None:
                    raise DepayloadError("FU-A start while a fragment is open")
                self.fragment = bytearray(((payload[0] & 0xE0) | unit_type,))
            elif self.fragment is None:
                raise DepayloadError("FU-A continuation without a start")
            self.fragment += payload[2:]
            if end:
                self.units.append(bytes(self.fragment))
                self.fragment = None
        elif 1 <= kind <= 23:
            self.units.append(payload)
        else:
            raise DepayloadError(f"unexpected H.264 payload type {kind}")
        if not packet.marker:
            return None
        if self.fragment is not None:
            raise DepayloadError("marker inside an unfinished FU-A")
        units, self.units = self.units, []
        return units


@dataclass
class H265Depayloader:
    continuity: _Continuity = field(default_factory=_Continuity)
    units: list[bytes] = field(default_factory=list)
    fragment: bytearray | None = None

    def push(self, packet: RtpPacket) -> list[bytes] | None:
        self.continuity.check(packet)
        payload = packet.payload
        if len(payload) < 2:
            raise DepayloadError("H.265 payload shorter than its header")
        kind = (payload[0] >> 1) & 0x3F
        if kind == 48:  # AP
            offset = 2
            while offset < len(payload):
                size = int.from_bytes(payload[offset : offset + 2], "big")
                if size < 2 or offset + 2 + size > len(payload):
                    raise DepayloadError(f"bad AP unit size {size} at {offset}")
                self.units.append(payload[offset + 2 : offset + 2 + size])
                offset += 2 + size
        elif kind == 49:  # FU
            fu = payload[2]
            start, end, unit_type = fu & 0x80, fu & 0x40, fu & 0x3F
            if start:
                if self.fragment is not None:
                    raise DepayloadError("FU start while a fragment is open")
                header = (payload[0] << 8 | payload[1]) & ~(0x3F << 9) | unit_type << 9
                self.fragment = bytearray(header.to_bytes(2, "big"))
            elif self.fragment is None:
                raise DepayloadError("FU continuation without a start")
            self.fragment += payload[3:]
            if end:
                self.units.append(bytes(self.fragment))
                self.fragment = None
        elif kind < 48:
            self.units.append(payload)
        else:
            raise DepayloadError(f"unexpected H.265 payload type {kind}")
        if not packet.marker:
            return None
        if self.fragment is not None:
            raise DepayloadError("marker inside an unfinished FU")
        units, self.units = self.units, []
        return units


@dataclass
class MetadataDepayloader:
    continuity: _Continuity = field(default_factory=_Continuity)
    document: bytearray = field(default_factory=bytearray)

    def push(self, packet: RtpPacket) -> bytes | None:
        self.continuity.check(packet)
        self.document += packet.payload
        if not packet.marker:
            return None
        document, self.document = bytes(self.document), bytearray()
        return document


@dataclass
class PcmuDepayloader:
    """Returns each packet's samples; checks that timestamps advance by the sample count."""

    continuity: _Continuity = field(default_factory=_Continuity)
    next_timestamp: int | None = None

    def push(self, packet: RtpPacket) -> bytes:
        if packet.marker:
            raise DepayloadError("PCMU packet with the marker bit")
        self.continuity.check(packet)
        self.continuity.unit_timestamp = None  # every packet is its own unit
        if self.next_timestamp is not None and packet.timestamp != self.next_timestamp:
            raise DepayloadError(f"timestamp {packet.timestamp}, expected {self.next_timestamp}")
        self.next_timestamp = (packet.timestamp + len(packet.payload)) & 0xFFFF_FFFF
        return packet.payload


@dataclass
class AacDepayloader:
    continuity: _Continuity = field(default_factory=_Continuity)
    fragment: bytearray | None = None
    size: int = 0

    def push(self, packet: RtpPacket) -> bytes | None:
        self.continuity.check(packet)
        payload = packet.payload
        headers_bits = int.from_bytes(payload[:2], "big")
        if headers_bits != 16:
            raise DepayloadError(f"expected one 16-bit AU-header, got {headers_bits} bits")
        header = int.from_bytes(payload[2:4], "big")
        size, index = header >> 3, header & 0x07
        if index != 0:
            raise DepayloadError(f"AU-index {index}, expected 0")
        if self.fragment is None:
            self.fragment, self.size = bytearray(), size
        elif size != self.size:
            raise DepayloadError(f"AU-size changed between fragments: {self.size} then {size}")
        self.fragment += payload[4:]
        if not packet.marker:
            return None
        unit, self.fragment = bytes(self.fragment), None
        if len(unit) != self.size:
            raise DepayloadError(f"AU of {len(unit)} bytes, header said {self.size}")
        return unit


def _segment(marker: int, body: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(body) + 2).to_bytes(2, "big") + body


def rfc2435_quantization(tables: QuantizationTableHeader) -> bytes:
    luma, chroma = tables.split(2)
    return _segment(DQT, bytes((0x10 if len(luma) == 128 else 0x00,)) + luma) + _segment(
        DQT, bytes((0x11 if len(chroma) == 128 else 0x01,)) + chroma
    )


def rfc2435_frame(rtp_type: int, width: int, height: int) -> bytes:
    """SOF0 as RFC 2435 Appendix B builds it: components 0, 1, 2."""
    luma_sampling = 0x21 if rtp_type & 0x3F == 0 else 0x22
    body = bytes((8,)) + height.to_bytes(2, "big") + width.to_bytes(2, "big") + bytes((3,))
    body += bytes((0, luma_sampling, 0, 1, 0x11, 1, 2, 0x11, 1))
    return _segment(SOF0, body)


def rfc2435_scan_header() -> bytes:
    return _segment(SOS, bytes((3, 0, 0x00, 1, 0x11, 2, 0x11, 0, 63, 0)))


def rfc2435_restart(interval: int) -> bytes:
    return _segment(DRI, interval.to_bytes(2, "big"))


@dataclass
class JpegDepayloader:
    """Rebuilds a decodable JPEG file per frame: plain RFC 2435 or with the ONVIF extension.

    The ONVIF rules, in the order they build the file: SOI; tables pre-set from
    the RTP/JPEG header (DQT from the in-band tables, Huffman tables from the
    previous frame or the T.81 ones for the first); the extension's segments,
    which override them; DRI, SOF and SOS derived from the RTP/JPEG header
    when the extension lacks them (an SOS in the extension stays last); scan
    data; EOI.
    """

    continuity: _Continuity = field(default_factory=_Continuity)
    huffman: bytes = STANDARD_HUFFMAN_SEGMENT
    previous_frame_segment: bytes | None = None
    first: JpegHeader | None = None
    restart: RestartHeader | None = None
    tables: QuantizationTableHeader | None = None
    extension: bytearray | None = None
    scan: bytearray = field(default_factory=bytearray)
    extension_packets: int = 0

    def push(self, packet: RtpPacket) -> bytes | None:
        self.continuity.check(packet)
        payload = packet.payload
        header, offset = JpegHeader.unmarshal(payload)
        restart = None
        if header.has_restart_header:
            restart, size = RestartHeader.unmarshal(payload[offset:])
            offset += size
        if header.fragment_offset != len(self.scan):
            raise DepayloadError(
                f"fragment offset {header.fragment_offset}, expected {len(self.scan)}"
            )
        found = jpeg_extension_payload(packet.extension)
        if self.first is None:
            if header.fragment_offset != 0:
                raise DepayloadError("frame starts with a non-zero fragment offset")
            self.first, self.restart = header, restart
            if header.has_quantization_header:
                self.tables, size = QuantizationTableHeader.unmarshal(payload[offset:])
                offset += size
            if found is not None:
                start_code, data = found
                if start_code != 0xFFD8:
                    raise DepayloadError(f"first packet's extension starts 0x{start_code:04X}")
                self.extension = bytearray(data)
                self.extension_packets += 1
        else:
            if (header.type, header.quality) != (self.first.type, self.first.quality):
                raise DepayloadError("type or Q changed inside a frame")
            if found is not None:
                start_code, data = found
                if start_code != 0xFFFF:
                    raise DepayloadError(f"later packet's extension starts 0x{start_code:04X}")
                self.extension_packets += 1
                if self.extension is not None and not self.scan:
                    self.extension += data  # still the initial header sequence
                else:
                    self.scan += data
        self.scan += payload[offset:]
        if not packet.marker:
            return None
        jpeg = self._assemble()
        self.first = self.restart = self.tables = None
        self.extension = None
        self.scan = bytearray()
        return jpeg

    def _assemble(self) -> bytes:
        assert self.first is not None
        header = self.first
        if header.quality < 128:
            raise DepayloadError("only in-band tables (Q >= 128) are supported here")
        if self.tables is None:
            raise DepayloadError("first packet lacks the quantization table header")
        width, height = header.width_blocks * 8, header.height_blocks * 8
        derived_restart = (
            rfc2435_restart(self.restart.interval)
            if header.type & RESTART_TYPE_FLAG and self.restart is not None
            else b""
        )
        if self.extension is None:
            frame = rfc2435_frame(header.type, width, height)
            self.previous_frame_segment = frame
            return (
                b"\xff\xd8"
                + rfc2435_quantization(self.tables)
                + derived_restart
                + frame
                + STANDARD_HUFFMAN_SEGMENT
                + rfc2435_scan_header()
                + bytes(self.scan)
                + b"\xff\xd9"
            )

        segments = marker_segments(bytes(self.extension))
        present = {marker for marker, _ in segments}
        headers = b"".join(s for marker, s in segments if marker != SOS)
        scan_header = next((s for marker, s in segments if marker == SOS), rfc2435_scan_header())
        if DRI in present:
            derived_restart = b""
        frame = b""
        if SOF0 not in present:
            if width == 0 and height == 0:
                if self.previous_frame_segment is None:
                    raise DepayloadError("size 0x0 and no SOF in the first frame")
                frame = self.previous_frame_segment
            else:
                frame = rfc2435_frame(header.type, width, height)
        self.previous_frame_segment = frame or next(s for m, s in segments if m == SOF0)
        jpeg = (
            b"\xff\xd8"
            + rfc2435_quantization(self.tables)
            + self.huffman
            + headers
            + derived_restart
            + frame
            + scan_header
            + bytes(self.scan)
            + b"\xff\xd9"
        )
        if DHT in present:
            self.huffman = b"".join(s for marker, s in segments if marker == DHT)
        return jpeg


class Depayloader(Protocol[Unit]):
    def push(self, packet: RtpPacket) -> Unit | None: ...


def depayload_all(depayloader: Depayloader[Unit], packets: list[RtpPacket]) -> list[Unit]:
    """Every unit completed while pushing ``packets``, each sent through bytes and parse."""
    units = []
    for packet in packets:
        unit = depayloader.push(RtpPacket.parse(bytes(packet)))
        if unit is not None:
            units.append(unit)
    return units
