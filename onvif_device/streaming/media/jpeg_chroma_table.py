"""Point a JPEG's chroma at quantization table 1, which RFC 2435 receivers assume.

FFmpeg's MJPEG encoder, and many MJPEG files, quantize all three components
with table 0. An RTP/JPEG receiver rebuilds the frame header with table 0 for
luma and table 1 for chroma, so such a frame cannot travel as is. Giving table
1 the values of table 0 and selecting it for chroma changes no pixel.
"""

from __future__ import annotations

_SOF0 = 0xC0
_DQT = 0xDB
_SOS = 0xDA
_STANDALONE = {0x01, 0xD8, *range(0xD0, 0xD8)}


def _segment(marker: int, body: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(body) + 2).to_bytes(2, "big") + body


def _tables(body: bytes, into: dict[int, bytes]) -> None:
    """Each table of a DQT body, with its precision/id byte, by id."""
    offset = 0
    while offset < len(body):
        size = 1 + (128 if body[offset] >> 4 else 64)
        into[body[offset] & 0x0F] = body[offset : offset + size]
        offset += size


def with_chroma_table(jpeg: bytes) -> bytes:
    """``jpeg`` with chroma on table 1; unchanged when it is already, or is not 3-component."""
    tables: dict[int, bytes] = {}
    offset = 2  # after SOI
    while offset + 4 <= len(jpeg) and jpeg[offset] == 0xFF:
        marker = jpeg[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker in _STANDALONE:
            offset += 2
            continue
        length = int.from_bytes(jpeg[offset + 2 : offset + 4], "big")
        body = jpeg[offset + 4 : offset + 2 + length]
        if marker == _DQT:
            _tables(body, tables)
        elif marker == _SOF0:
            return _select_table_1(jpeg, offset, body, tables)
        elif marker == _SOS:
            break
        offset += 2 + length
    return jpeg  # no baseline frame header: parse_jpeg will say why


def _select_table_1(jpeg: bytes, sof_at: int, body: bytes, tables: dict[int, bytes]) -> bytes:
    # SOF0 body: precision, height (2), width (2), count, then (id, sampling, table) per component.
    if len(body) != 15 or body[5] != 3 or (body[8], body[11], body[14]) != (0, 0, 0):
        return jpeg
    if 0 not in tables:
        return jpeg
    frame = bytearray(body)
    frame[11] = frame[14] = 1
    table_1 = b""
    if tables.get(1, b"")[1:] != tables[0][1:]:
        table_1 = _segment(_DQT, bytes((tables[0][0] | 1,)) + tables[0][1:])
    end = sof_at + 2 + len(body) + 2
    return jpeg[:sof_at] + table_1 + _segment(_SOF0, bytes(frame)) + jpeg[end:]
