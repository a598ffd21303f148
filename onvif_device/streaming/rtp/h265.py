"""H.265 over RTP (RFC 7798), without DONL (sprop-max-don-diff = 0).

Same shape as ``h264``: single NAL unit packets, aggregation packets (AP,
type 48) for runs of small units such as VPS/SPS/PPS, fragmentation units
(FU, type 49) for units above the payload limit; the marker bit closes the
access unit. H.265 NAL headers are two bytes: F(1) type(6) LayerId(6) TID(3).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from .annexb import join_annexb, split_annexb  # re-exported: H.265 sources need them
from .nal import access_unit_payloads, aggregate, fragment
from .payloader import Payloader

__all__ = [
    "H265Format",
    "H265Payloader",
    "h265_payloads",
    "join_annexb",
    "nal_unit_type",
    "split_annexb",
]

NAL_VPS = 32
NAL_SPS = 33
NAL_PPS = 34
NAL_AP = 48
NAL_FU = 49
NAL_PACI = 50

_NAL_HEADER_SIZE = 2
_FU_HEADERS_SIZE = 3  # payload header (2) + FU header (1)


def nal_unit_type(unit: bytes) -> int:
    return (unit[0] >> 1) & 0x3F


def _nal_header(unit: bytes) -> int:
    return unit[0] << 8 | unit[1]


def _with_type(header: int, unit_type: int) -> bytes:
    """A NAL header with F, LayerId and TID of ``header`` and the given type."""
    return ((header & ~(0x3F << 9)) | unit_type << 9).to_bytes(2, "big")


@dataclass(frozen=True, slots=True)
class H265Format:
    """What the SDP says about an H.265 stream; parameter sets are optional."""

    payload_type: int
    vps: bytes | None = None
    sps: bytes | None = None
    pps: bytes | None = None

    media: ClassVar[str] = "video"
    clock_rate: ClassVar[int] = 90000
    encoding_name: ClassVar[str] = "H265"

    def __post_init__(self) -> None:
        if not 96 <= self.payload_type <= 127:
            raise ValueError(
                f"H.265 needs a dynamic payload type (96..127), got {self.payload_type}"
            )
        for name, unit, expected in (
            ("VPS", self.vps, NAL_VPS),
            ("SPS", self.sps, NAL_SPS),
            ("PPS", self.pps, NAL_PPS),
        ):
            if unit is not None and (
                len(unit) <= _NAL_HEADER_SIZE or nal_unit_type(unit) != expected
            ):
                raise ValueError(f"{name} must be a NAL unit of type {expected}")

    @classmethod
    def from_access_unit(cls, payload_type: int, units: Sequence[bytes]) -> H265Format:
        """The format with the first VPS, SPS and PPS found among ``units`` (a keyframe)."""

        def first(unit_type: int) -> bytes | None:
            return next((u for u in units if len(u) > 1 and nal_unit_type(u) == unit_type), None)

        return cls(payload_type, first(NAL_VPS), first(NAL_SPS), first(NAL_PPS))

    def rtpmap(self) -> str:
        return f"{self.encoding_name}/{self.clock_rate}"

    def fmtp(self) -> str | None:
        params = [
            f"sprop-{name}={base64.b64encode(unit).decode()}"
            for name, unit in (("vps", self.vps), ("sps", self.sps), ("pps", self.pps))
            if unit is not None
        ]
        return "; ".join(params) or None


def _aggregation(units: Sequence[bytes]) -> bytes:
    # F is set when any unit has it; LayerId and TID are the lowest among the units.
    headers = [_nal_header(u) for u in units]
    forbidden = 0x8000 if any(h & 0x8000 for h in headers) else 0
    layer_id = min((h >> 3) & 0x3F for h in headers)
    tid = min(h & 0x07 for h in headers)
    return aggregate((forbidden | NAL_AP << 9 | layer_id << 3 | tid).to_bytes(2, "big"), units)


def _fragments(unit: bytes, max_payload_size: int) -> list[bytes]:
    return fragment(
        _with_type(_nal_header(unit), NAL_FU),
        nal_unit_type(unit),
        unit[_NAL_HEADER_SIZE:],
        max_payload_size - _FU_HEADERS_SIZE,
    )


def _check(index: int, unit: bytes) -> None:
    if len(unit) < _NAL_HEADER_SIZE:
        raise ValueError(f"NAL unit {index} has {len(unit)} bytes, shorter than its header")
    unit_type = nal_unit_type(unit)
    if NAL_AP <= unit_type <= NAL_PACI:
        raise ValueError(
            f"NAL unit {index} has type {unit_type}, which RFC 7798 reserves"
            " for RTP payload structures"
        )
    if unit_type > NAL_PACI:
        raise ValueError(
            f"NAL unit {index} has type {unit_type}, which H.265 leaves unspecified"
            " and RTP receivers may drop"
        )


def h265_payloads(units: Sequence[bytes], max_payload_size: int) -> list[bytes]:
    """The RTP payloads carrying one access unit, in order."""
    return access_unit_payloads(
        units,
        max_payload_size,
        check=_check,
        aggregation=_aggregation,
        aggregation_header_size=_NAL_HEADER_SIZE,  # an AP opens with a payload header
        fragments=_fragments,
    )


class H265Payloader(Payloader[Sequence[bytes]]):
    """Packetizes H.265 access units (lists of NAL units without start codes)."""

    codec = "H.265"
    # A FU packet needs its 3 header bytes and at least one byte of the unit.
    min_payload_size = _FU_HEADERS_SIZE + 1

    def payloads(self, unit: Sequence[bytes]) -> list[bytes]:
        return h265_payloads(unit, self.config.max_payload_size)
