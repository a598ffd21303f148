"""What H.264 (RFC 6184) and H.265 (RFC 7798) packetization share.

Both send an access unit as single NAL unit packets, aggregate runs of small
units into one packet (STAP-A, AP: a codec header, then each unit behind its
2-byte size) and cut units above the payload limit into fragmentation units
(FU-A, FU: a codec payload header, an FU header with start and end bits and
the unit type, then a piece of the unit's body). The codecs differ only in
their headers and in which NAL unit types they refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .payloader import chunks

_SIZE_FIELD = 2  # each aggregated unit is preceded by its size in 2 bytes


def aggregate(header: bytes, units: Sequence[bytes]) -> bytes:
    """An aggregation packet's payload: ``header``, then each unit behind its size."""
    parts = [header]
    for unit in units:
        parts.append(len(unit).to_bytes(_SIZE_FIELD, "big"))
        parts.append(unit)
    return b"".join(parts)


def fragment(payload_header: bytes, unit_type: int, body: bytes, step: int) -> list[bytes]:
    """A unit's fragmentation units: ``step`` bytes of ``body`` behind the two headers."""
    pieces = chunks(body, step)
    fragments = []
    for index, piece in enumerate(pieces):
        start_bit = 0x80 if index == 0 else 0
        end_bit = 0x40 if index == len(pieces) - 1 else 0
        fu_header = bytes((start_bit | end_bit | unit_type,))
        fragments.append(payload_header + fu_header + piece)
    return fragments


def access_unit_payloads(
    units: Sequence[bytes],
    max_payload_size: int,
    *,
    check: Callable[[int, bytes], None],
    aggregation: Callable[[Sequence[bytes]], bytes],
    aggregation_header_size: int,
    fragments: Callable[[bytes, int], list[bytes]],
) -> list[bytes]:
    """The RTP payloads carrying one access unit, in order.

    ``check(index, unit)`` raises on a unit the codec refuses; ``aggregation``
    builds one packet from several small units and ``fragments`` cuts a unit
    larger than ``max_payload_size``.
    """
    if not units:
        raise ValueError("access unit has no NAL units")
    payloads: list[bytes] = []
    batch: list[bytes] = []  # small units waiting to share an aggregation packet
    batch_size = aggregation_header_size  # size of the aggregation packet the batch would make

    def flush() -> None:
        nonlocal batch_size
        if len(batch) == 1:
            payloads.append(batch[0])  # a lone unit goes out as a single NAL unit packet
        elif batch:
            payloads.append(aggregation(batch))
        batch.clear()
        batch_size = aggregation_header_size

    for index, unit in enumerate(units):
        check(index, unit)
        if len(unit) > max_payload_size:
            flush()
            payloads.extend(fragments(unit, max_payload_size))
            continue
        if batch and batch_size + _SIZE_FIELD + len(unit) > max_payload_size:
            flush()
        batch.append(unit)
        batch_size += _SIZE_FIELD + len(unit)
    flush()
    return payloads
