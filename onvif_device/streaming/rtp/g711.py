"""G.711 mu-law (PCMU) conversion, table-driven and without NumPy.

The encoder keeps the top 14 bits of each 16-bit sample, adds the mu-law bias,
and writes sign, 3-bit segment (exponent) and 4-bit mantissa, all bits
inverted; this is the classic reference conversion, bit-exact with Python's
former ``audioop.lin2ulaw``. Both directions use tables built once at import.
"""

from __future__ import annotations

import struct

_BIAS = 0x21  # the mu-law bias (0x84) scaled to 14 bits
_CLIP = 8159  # magnitudes are clipped here; after the bias they land past the top segment
_SEGMENT_ENDS = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)


def _encode_14bit(value: int) -> int:
    mask = 0x7F if value < 0 else 0xFF  # mu-law sends every bit inverted, sign bit 1 = positive
    magnitude = min(abs(value), _CLIP) + _BIAS
    segment = next((i for i, end in enumerate(_SEGMENT_ENDS) if magnitude <= end), None)
    if segment is None:  # clipped: the loudest code of this sign
        return 0x7F ^ mask
    return ((segment << 4) | ((magnitude >> (segment + 1)) & 0x0F)) ^ mask


def _decode(code: int) -> int:
    code = ~code & 0xFF
    magnitude = (((code & 0x0F) << 3) + 0x84) << ((code & 0x70) >> 4)
    return 0x84 - magnitude if code & 0x80 else magnitude - 0x84


# Indexed by the top 14 bits of a sample as an unsigned number (two's complement).
_ENCODE = bytes(_encode_14bit(i - 0x4000 if i & 0x2000 else i) for i in range(0x4000))
_DECODE = tuple(_decode(code) for code in range(256))


def encode_ulaw(pcm: bytes) -> bytes:
    """mu-law bytes for signed 16-bit little-endian PCM (one byte per sample)."""
    if len(pcm) % 2:
        raise ValueError(f"16-bit PCM must have an even number of bytes, got {len(pcm)}")
    table = _ENCODE
    return bytes(table[(sample >> 2) & 0x3FFF] for sample in _unpack(pcm))


def decode_ulaw(ulaw: bytes) -> bytes:
    """Signed 16-bit little-endian PCM for mu-law bytes (the back channel's direction)."""
    return struct.pack(f"<{len(ulaw)}h", *(_DECODE[code] for code in ulaw))


def _unpack(pcm: bytes) -> tuple[int, ...]:
    return struct.unpack(f"<{len(pcm) // 2}h", pcm)
