"""Annex-B byte streams (H.264 Annex B, H.265 Annex B): split into NAL units.

Encoders such as libx264 and PyAV emit access units as start-code-prefixed
byte streams; RTP carries bare NAL units.
"""

from __future__ import annotations

_START_CODE = b"\x00\x00\x01"


def split_annexb(stream: bytes) -> list[bytes]:
    """The NAL units of an Annex-B stream, start codes and trailing zero bytes removed.

    A NAL unit ends where the next ``00 00 01`` begins; the zero bytes before it
    (the fourth byte of a long start code, ``trailing_zero_8bits``) are not part
    of the unit, which by construction never ends in a zero byte. Empty units
    between adjacent start codes are skipped.
    """
    first = stream.find(_START_CODE)
    if first < 0 or stream[:first].count(0) != first:
        raise ValueError("Annex-B stream must begin with a start code (00 00 01 or 00 00 00 01)")
    units = []
    start = first + len(_START_CODE)
    while True:
        following = stream.find(_START_CODE, start)
        end = len(stream) if following < 0 else following
        unit = stream[start:end].rstrip(b"\x00")
        if unit:
            units.append(unit)
        if following < 0:
            return units
        start = following + len(_START_CODE)


def join_annexb(units: list[bytes]) -> bytes:
    """An Annex-B stream of the given NAL units, each behind a 4-byte start code."""
    return b"".join(b"\x00\x00\x00\x01" + unit for unit in units)
