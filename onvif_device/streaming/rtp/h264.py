"""H.264 over RTP (RFC 6184), packetization mode 1 (non-interleaved).

Each NAL unit of an access unit goes out as a single NAL unit packet when it
fits; runs of small units (SPS, PPS, SEI before an IDR slice) share a STAP-A
packet; units larger than the payload limit are cut into FU-A fragments. The
last packet of the access unit carries the marker bit (RFC 6184 section 5.1).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from .annexb import join_annexb, split_annexb  # re-exported: H.264 sources need them
from .nal import access_unit_payloads, aggregate, fragment
from .payloader import Payloader

__all__ = [
    "H264Format",
    "H264Payloader",
    "h264_payloads",
    "join_annexb",
    "nal_unit_type",
    "split_annexb",
]

NAL_SPS = 7
NAL_PPS = 8
NAL_STAP_A = 24
NAL_FU_A = 28
NAL_FU_B = 29

_STAP_A_HEADER_SIZE = 1  # the STAP-A NAL header; each unit adds a 2-byte size
_FU_A_HEADER_SIZE = 2  # FU indicator + FU header


def nal_unit_type(unit: bytes) -> int:
    return unit[0] & 0x1F


@dataclass(frozen=True, slots=True)
class H264Format:
    """What the SDP says about an H.264 stream.

    SPS and PPS are optional: without them the fmtp omits profile-level-id and
    sprop-parameter-sets and clients take the parameter sets in-band.
    """

    payload_type: int
    sps: bytes | None = None
    pps: bytes | None = None

    media: ClassVar[str] = "video"
    clock_rate: ClassVar[int] = 90000
    encoding_name: ClassVar[str] = "H264"

    def __post_init__(self) -> None:
        if not 96 <= self.payload_type <= 127:
            raise ValueError(
                f"H.264 needs a dynamic payload type (96..127), got {self.payload_type}"
            )
        if self.sps is not None and (len(self.sps) < 4 or nal_unit_type(self.sps) != NAL_SPS):
            raise ValueError("SPS must be a NAL unit of type 7 with at least 4 bytes")
        if self.pps is not None and (not self.pps or nal_unit_type(self.pps) != NAL_PPS):
            raise ValueError("PPS must be a NAL unit of type 8")

    @classmethod
    def from_access_unit(cls, payload_type: int, units: Sequence[bytes]) -> H264Format:
        """The format with the first SPS and PPS found among ``units`` (a keyframe)."""
        sps = next((u for u in units if u and nal_unit_type(u) == NAL_SPS), None)
        pps = next((u for u in units if u and nal_unit_type(u) == NAL_PPS), None)
        return cls(payload_type, sps, pps)

    def rtpmap(self) -> str:
        return f"{self.encoding_name}/{self.clock_rate}"

    def fmtp(self) -> str:
        params = ["packetization-mode=1"]
        if self.sps is not None:
            # profile_idc, constraint flags and level_idc are SPS bytes 1..3.
            params.append(f"profile-level-id={self.sps[1:4].hex().upper()}")
            if self.pps is not None:
                sets = ",".join(base64.b64encode(s).decode() for s in (self.sps, self.pps))
                params.append(f"sprop-parameter-sets={sets}")
        return "; ".join(params)


def _stap_a(units: Sequence[bytes]) -> bytes:
    # F is set when any aggregated unit has it; NRI is the highest of theirs.
    forbidden = 0x80 if any(u[0] & 0x80 for u in units) else 0
    nri = max(u[0] & 0x60 for u in units)
    return aggregate(bytes((forbidden | nri | NAL_STAP_A,)), units)


def _fu_a(unit: bytes, max_payload_size: int) -> list[bytes]:
    indicator = bytes(((unit[0] & 0xE0) | NAL_FU_A,))  # F and NRI of the fragmented unit
    # The NAL header travels as indicator + FU type.
    return fragment(indicator, nal_unit_type(unit), unit[1:], max_payload_size - _FU_A_HEADER_SIZE)


def _check(index: int, unit: bytes) -> None:
    if not unit:
        raise ValueError(f"NAL unit {index} is empty")
    unit_type = nal_unit_type(unit)
    if NAL_STAP_A <= unit_type <= NAL_FU_B:
        raise ValueError(
            f"NAL unit {index} has type {unit_type}, which RFC 6184 reserves"
            " for RTP payload structures"
        )
    if unit_type == 0 or unit_type > NAL_FU_B:
        raise ValueError(f"NAL unit {index} has type {unit_type}, which RFC 6184 leaves undefined")


def h264_payloads(units: Sequence[bytes], max_payload_size: int) -> list[bytes]:
    """The RTP payloads carrying one access unit, in order."""
    return access_unit_payloads(
        units,
        max_payload_size,
        check=_check,
        aggregation=_stap_a,
        aggregation_header_size=_STAP_A_HEADER_SIZE,
        fragments=_fu_a,
    )


class H264Payloader(Payloader[Sequence[bytes]]):
    """Packetizes H.264 access units (lists of NAL units without start codes)."""

    codec = "H.264"
    # A FU-A packet needs its 2 header bytes and at least one byte of the unit.
    min_payload_size = _FU_A_HEADER_SIZE + 1

    def payloads(self, unit: Sequence[bytes]) -> list[bytes]:
        return h264_payloads(unit, self.config.max_payload_size)
