"""Reading a baseline JPEG into what RFC 2435 transmits.

RFC 2435 carries only the entropy-coded scan plus a few header fields, and a
receiver rebuilds the rest from fixed rules: three YCbCr components, luma
sampled 2x1 (type 0) or 2x2 (type 1), quantization tables 0 and 1, one
interleaved scan with Huffman tables 0 (luma) and 1 (chroma). ``parse_jpeg``
checks a JPEG against those rules and raises ``ValueError`` naming the first
thing that does not fit, so the caller learns why (progressive, 12-bit,
4:4:4, greyscale...).
"""

from __future__ import annotations

from dataclasses import dataclass

from .jpeg_tables import STANDARD_HUFFMAN_TABLES

SOF0 = 0xC0
DHT = 0xC4
DAC = 0xCC  # arithmetic-coding conditioning
SOI = 0xD8
EOI = 0xD9
SOS = 0xDA
DQT = 0xDB
DNL = 0xDC
DRI = 0xDD
APP14 = 0xEE

_RST = range(0xD0, 0xD8)
_STANDALONE = {0x01, *_RST}

# Frame types that are not baseline, named for the error message.
_OTHER_FRAMES = {
    0xC1: "extended sequential",
    0xC2: "progressive",
    0xC3: "lossless",
    0xC5: "differential sequential",
    0xC6: "differential progressive",
    0xC7: "differential lossless",
    0xC9: "arithmetic-coded sequential",
    0xCA: "arithmetic-coded progressive",
    0xCB: "arithmetic-coded lossless",
    0xCD: "differential arithmetic-coded sequential",
    0xCE: "differential arithmetic-coded progressive",
    0xCF: "differential arithmetic-coded lossless",
}

# Luma sampling factors (h, v) -> RFC 2435 type; chroma is always 1x1.
_TYPES = {(2, 1): 0, (2, 2): 1}


@dataclass(frozen=True, slots=True)
class JpegImage:
    """A baseline JPEG taken apart for RTP.

    The ``*_segment(s)`` fields hold the original marker segments, marker bytes
    included, for the ONVIF header extension; ``scan`` is the entropy-coded data
    between the SOS segment and the EOI marker.
    """

    width: int
    height: int
    rtp_type: int  # 0 for 4:2:2, 1 for 4:2:0; the restart flag (64) is added by the payloader
    luma_table: bytes  # quantization table 0 in zig-zag order: 64 bytes, or 128 if 16-bit
    chroma_table: bytes  # quantization table 1
    restart_interval: int  # MCUs per restart interval, 0 without DRI
    standard_huffman: bool  # every table the scan uses is the T.81 Annex K one
    frame_segment: bytes  # SOF0
    quantization_segments: bytes  # every DQT, in file order
    huffman_segments: bytes  # every DHT, in file order; empty for "abbreviated" MJPEG
    restart_segment: bytes  # DRI, or empty
    scan_segment: bytes  # SOS
    scan: bytes


@dataclass(frozen=True, slots=True)
class _Component:
    ident: int
    horizontal: int
    vertical: int
    table: int


def _segment_at(data: bytes, offset: int, marker: int) -> tuple[bytes, int]:
    """The body of the segment whose length field is at ``offset``, and the offset after it."""
    if offset + 2 > len(data):
        raise ValueError(
            f"JPEG truncated: marker 0x{marker:02X} at byte {offset - 2} has no length"
        )
    length = int.from_bytes(data[offset : offset + 2], "big")
    if length < 2 or offset + length > len(data):
        raise ValueError(
            f"JPEG truncated: marker 0x{marker:02X} at byte {offset - 2} declares {length} bytes,"
            f" {len(data) - offset} left"
        )
    return data[offset + 2 : offset + length], offset + length


def _frame(marker: int, body: bytes) -> tuple[int, int, int, list[_Component]]:
    if len(body) < 6:
        raise ValueError("JPEG frame header too short")
    precision = body[0]
    if precision != 8:
        raise ValueError(
            f"{precision}-bit sample precision is not supported:"
            " RFC 2435 carries 8-bit baseline JPEG"
        )
    if marker != SOF0:
        kind = _OTHER_FRAMES.get(marker, "unknown")
        raise ValueError(
            f"{kind} JPEG (SOF{marker - SOF0}) is not supported:"
            " RFC 2435 carries baseline JPEG (SOF0)"
        )
    height = int.from_bytes(body[1:3], "big")
    width = int.from_bytes(body[3:5], "big")
    count = body[5]
    if len(body) != 6 + 3 * count:
        raise ValueError(f"JPEG frame header length does not match its {count} components")
    if width == 0 or height == 0:
        raise ValueError(f"JPEG size {width}x{height} is not supported (height set later by DNL?)")
    components = [
        _Component(body[i], body[i + 1] >> 4, body[i + 1] & 0x0F, body[i + 2])
        for i in range(6, len(body), 3)
    ]
    if count != 3:
        kind = "greyscale JPEG (1 component)" if count == 1 else f"JPEG with {count} components"
        raise ValueError(f"{kind} is not supported: RFC 2435 needs 3 components (YCbCr)")
    luma, blue, red = components
    rtp_type = _TYPES.get((luma.horizontal, luma.vertical))
    chroma_sampling = {(c.horizontal, c.vertical) for c in (blue, red)}
    if rtp_type is None or chroma_sampling != {(1, 1)}:
        sampling = ",".join(f"{c.horizontal}x{c.vertical}" for c in components)
        raise ValueError(
            f"sampling factors {sampling} are not supported: RFC 2435 needs 2x1,1x1,1x1 (4:2:2)"
            " or 2x2,1x1,1x1 (4:2:0)"
        )
    if (luma.table, blue.table, red.table) != (0, 1, 1):
        raise ValueError(
            "quantization table selectors must be 0 for luma and 1 for chroma, as RFC 2435 rebuilds"
            f" them; got {luma.table},{blue.table},{red.table}"
        )
    return width, height, rtp_type, components


def _quantization_tables(body: bytes, tables: dict[int, bytes]) -> None:
    offset = 0
    while offset < len(body):
        precision, table_id = body[offset] >> 4, body[offset] & 0x0F
        size = 128 if precision else 64
        if offset + 1 + size > len(body):
            raise ValueError(f"JPEG DQT truncated: table {table_id} needs {size} bytes")
        tables[table_id] = body[offset + 1 : offset + 1 + size]
        offset += 1 + size


def _huffman_tables(body: bytes, tables: dict[tuple[int, int], tuple[bytes, bytes]]) -> None:
    offset = 0
    while offset < len(body):
        if offset + 17 > len(body):
            raise ValueError("JPEG DHT truncated: a table needs 17 bytes of header")
        table_class, table_id = body[offset] >> 4, body[offset] & 0x0F
        counts = body[offset + 1 : offset + 17]
        end = offset + 17 + sum(counts)
        if end > len(body):
            raise ValueError(
                f"JPEG DHT truncated: table {table_class}/{table_id} runs past its segment"
            )
        tables[(table_class, table_id)] = (counts, body[offset + 17 : end])
        offset = end


def _check_scan_header(body: bytes, components: list[_Component]) -> None:
    count = body[0] if body else 0
    if count != 3:
        raise ValueError(
            f"a scan of {count} component(s) is not supported: RFC 2435 needs one interleaved scan"
            " of all 3"
        )
    if len(body) != 4 + 2 * count:
        raise ValueError("JPEG scan header length does not match its 3 components")
    idents = [body[1 + 2 * i] for i in range(3)]
    if idents != [c.ident for c in components]:
        raise ValueError("scan components are not in frame order")
    selectors = [body[2 + 2 * i] for i in range(3)]
    if selectors != [0x00, 0x11, 0x11]:
        raise ValueError(
            "Huffman table selectors must be 0 for luma and 1 for chroma, as RFC 2435 rebuilds"
            f" them; got {','.join(f'{s:02x}' for s in selectors)}"
        )
    if tuple(body[-3:]) != (0, 63, 0):
        raise ValueError("scan is not a baseline sequential scan (Ss=0, Se=63, Ah=Al=0)")


def _scan_end(data: bytes, start: int) -> tuple[int, int]:
    """Where the entropy-coded data starting at ``start`` ends, and the marker ending it."""
    offset = start
    while True:
        found = data.find(b"\xff", offset)
        if found < 0 or found + 1 >= len(data):
            raise ValueError("JPEG truncated: scan data not terminated by EOI")
        after = found + 1
        while after < len(data) and data[after] == 0xFF:  # fill bytes before a marker
            after += 1
        if after == len(data):
            raise ValueError("JPEG truncated: scan data not terminated by EOI")
        code = data[after]
        # 0xFF00 is a stuffed 0xFF data byte; RSTn markers belong to the scan.
        if (code == 0x00 and after == found + 1) or code in _RST:
            offset = after + 1
            continue
        return found, code


def parse_jpeg(data: bytes) -> JpegImage:
    """Take a baseline JFIF/JPEG apart.

    Raises ``ValueError`` saying why RFC 2435 cannot carry the image.
    """
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG: it does not start with an SOI marker (FF D8)")
    quantization: dict[int, bytes] = {}
    huffman: dict[tuple[int, int], tuple[bytes, bytes]] = {}
    dqt_segments: list[bytes] = []
    dht_segments: list[bytes] = []
    frame: tuple[int, int, int, list[_Component]] | None = None
    frame_segment = restart_segment = b""
    restart_interval = 0
    offset = 2
    while True:
        if offset >= len(data):
            raise ValueError("JPEG truncated: no scan (SOS) found")
        if data[offset] != 0xFF:
            raise ValueError(
                f"JPEG corrupt: expected a marker at byte {offset}, found 0x{data[offset]:02X}"
            )
        while offset < len(data) and data[offset] == 0xFF:  # a marker may follow fill bytes
            offset += 1
        if offset >= len(data):
            raise ValueError("JPEG truncated: no scan (SOS) found")
        marker = data[offset]
        marker_at = offset - 1
        offset += 1
        if marker in _STANDALONE:
            continue
        if marker == EOI:
            raise ValueError("JPEG has no scan: EOI before any SOS")
        body, offset = _segment_at(data, offset, marker)
        segment = data[marker_at:offset]
        if marker == SOF0 or marker in _OTHER_FRAMES:
            if frame is not None:
                raise ValueError("JPEG has more than one frame header")
            frame = _frame(marker, body)
            frame_segment = segment
        elif marker == DAC:
            raise ValueError(
                "arithmetic coding (DAC marker) is not supported: RFC 2435 needs Huffman coding"
            )
        elif marker == DQT:
            _quantization_tables(body, quantization)
            dqt_segments.append(segment)
        elif marker == DHT:
            _huffman_tables(body, huffman)
            dht_segments.append(segment)
        elif marker == DRI:
            if len(body) != 2:
                raise ValueError(f"JPEG DRI segment must hold 2 bytes, got {len(body)}")
            restart_interval = int.from_bytes(body, "big")
            restart_segment = segment if restart_interval else b""
        elif marker == APP14 and body[:5] == b"Adobe" and len(body) >= 12 and body[11] == 0:
            raise ValueError(
                "RGB colour space (Adobe transform 0) is not supported: RFC 2435 needs YCbCr"
            )
        elif marker == SOS:
            break
        # APPn, COM and other segments carry nothing RTP needs.

    if frame is None:
        raise ValueError("JPEG has no frame header (SOF) before its scan")
    width, height, rtp_type, components = frame
    _check_scan_header(body, components)
    for table_id in (0, 1):
        if table_id not in quantization:
            raise ValueError(f"JPEG does not define quantization table {table_id}")
    scan_end, end_marker = _scan_end(data, offset)
    if end_marker != EOI:
        raise ValueError(
            f"marker 0x{end_marker:02X} after the first scan: RFC 2435 carries a single scan"
            " followed by EOI"
        )
    standard = all(
        huffman.get(key, table) == table for key, table in STANDARD_HUFFMAN_TABLES.items()
    )
    return JpegImage(
        width=width,
        height=height,
        rtp_type=rtp_type,
        luma_table=quantization[0],
        chroma_table=quantization[1],
        restart_interval=restart_interval,
        standard_huffman=standard,
        frame_segment=frame_segment,
        quantization_segments=b"".join(dqt_segments),
        huffman_segments=b"".join(dht_segments),
        restart_segment=restart_segment,
        scan_segment=segment,
        scan=data[offset:scan_end],
    )


def marker_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, segment bytes) for each segment of a header sequence, skipping fill bytes.

    For reading back an ONVIF extension payload; stops at the end of ``data``
    and does not enter entropy-coded data.
    """
    result = []
    offset = 0
    while offset < len(data):
        if data[offset] != 0xFF:
            raise ValueError(f"expected a marker at byte {offset}, found 0x{data[offset]:02X}")
        while offset < len(data) and data[offset] == 0xFF:
            offset += 1
        if offset == len(data):
            break  # trailing fill bytes
        marker = data[offset]
        start = offset - 1
        offset += 1
        if marker in _STANDALONE or marker in (SOI, EOI):
            result.append((marker, data[start:offset]))
            continue
        _, offset = _segment_at(data, offset, marker)
        result.append((marker, data[start:offset]))
    return result
