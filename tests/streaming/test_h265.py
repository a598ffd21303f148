"""H.265 payloader (RFC 7798): literal packet table, replayed by the depayloader."""

from __future__ import annotations

import copy

import pytest

from onvif_device.streaming.rtp.h265 import H265Format, H265Payloader
from onvif_device.streaming.rtp.packet import RtpPacket
from onvif_device.streaming.rtp.payloader import PayloaderConfig

from .depayload import H265Depayloader, depayload_all

SSRC = 0x4F4E5649
SEQUENCE = 0x1000
TIMESTAMP = 0x11223344

# Two-byte NAL headers: type << 1, then LayerId 0 and TID 1 (0x01).
VPS = bytes.fromhex("4001 0c01")
SPS = bytes.fromhex("4201 0101")
PPS = bytes.fromhex("4401 c172")
IDR = bytes.fromhex("2601 af0011")  # IDR_W_RADL (19)

# name, max payload size, access unit, expected packets (V=2, PT=97, SSRC "ONVI")
CASES: list[tuple[str, int, list[bytes], list[str]]] = [
    ("single NAL unit", 1400, [IDR], ["80e1 1000 11223344 4f4e5649 2601af0011"]),
    (
        "AP of VPS, SPS, PPS, IDR",
        1400,
        [VPS, SPS, PPS, IDR],
        [
            "80e1 1000 11223344 4f4e5649"
            " 6001"  # AP (48), LayerId 0, TID 1
            " 0004 40010c01 0004 42010101 0004 4401c172 0005 2601af0011"
        ],
    ),
    (
        "AP takes the lowest TID",
        1400,
        [bytes.fromhex("0202 aa"), bytes.fromhex("0203 bb")],  # TRAIL_R with TID 2 and 3
        ["80e1 1000 11223344 4f4e5649 6002 0003 0202aa 0003 0203bb"],
    ),
    (
        "FU",
        6,
        [bytes.fromhex("2601 a0a1a2a3a4a5a6")],
        [
            "8061 1000 11223344 4f4e5649 6201 93 a0a1a2",  # FU (49); S bit, type 19
            "8061 1001 11223344 4f4e5649 6201 13 a3a4a5",
            "80e1 1002 11223344 4f4e5649 6201 53 a6",  # E bit and marker
        ],
    ),
    (
        "FU keeps LayerId and TID",
        6,
        [bytes.fromhex("0213 b0b1b2b3b4")],  # TRAIL_R, LayerId 2, TID 3
        [
            "8061 1000 11223344 4f4e5649 6213 81 b0b1b2",
            "80e1 1001 11223344 4f4e5649 6213 41 b3b4",
        ],
    ),
    (
        "unit exactly fits",
        8,
        [bytes.fromhex("2601 a0a1a2a3a4a5")],
        ["80e1 1000 11223344 4f4e5649 2601a0a1a2a3a4a5"],
    ),
    (
        "unit one byte over",
        8,
        [bytes.fromhex("2601 a0a1a2a3a4a5a6")],
        [
            "8061 1000 11223344 4f4e5649 6201 93 a0a1a2a3a4",
            "80e1 1001 11223344 4f4e5649 6201 53 a5a6",
        ],
    ),
    (
        "AP exactly fits",
        14,
        [VPS, SPS],
        ["80e1 1000 11223344 4f4e5649 6001 0004 40010c01 0004 42010101"],
    ),
    (
        "AP one byte over: single packets",
        13,
        [VPS, SPS],
        ["8061 1000 11223344 4f4e5649 40010c01", "80e1 1001 11223344 4f4e5649 42010101"],
    ),
    (
        "end of sequence unit has only a header",
        1400,
        [bytes.fromhex("4801")],
        ["80e1 1000 11223344 4f4e5649 4801"],
    ),
]
IDS = [case[0] for case in CASES]


def payloader(max_payload_size: int, sequence: int = SEQUENCE) -> H265Payloader:
    return H265Payloader(
        PayloaderConfig(
            97, ssrc=SSRC, first_sequence_number=sequence, max_payload_size=max_payload_size
        )
    )


@pytest.mark.parametrize(("name", "max_size", "unit", "expected"), CASES, ids=IDS)
def test_packetize(name: str, max_size: int, unit: list[bytes], expected: list[str]) -> None:
    original = copy.deepcopy(unit)
    packets = payloader(max_size).packetize(unit, TIMESTAMP)
    assert [bytes(p).hex() for p in packets] == [bytes.fromhex(e).hex() for e in expected]
    assert unit == original


@pytest.mark.parametrize(("name", "max_size", "unit", "expected"), CASES, ids=IDS)
def test_depayload(name: str, max_size: int, unit: list[bytes], expected: list[str]) -> None:
    packets = [RtpPacket.parse(bytes.fromhex(e)) for e in expected]
    assert depayload_all(H265Depayloader(), packets) == [unit]


def test_sequence_number_wraps() -> None:
    encoder = payloader(6, sequence=0xFFFF)
    packets = encoder.packetize([bytes.fromhex("2601 a0a1a2a3a4a5a6")], 0)
    assert [p.sequence_number for p in packets] == [0xFFFF, 0, 1]
    assert encoder.next_sequence_number == 2


@pytest.mark.parametrize(
    ("unit", "message"),
    [
        ([], "access unit has no NAL units"),
        ([IDR, b"\x26"], "NAL unit 1 has 1 bytes, shorter than its header"),
        (
            [bytes.fromhex("6001 0000")],
            "NAL unit 0 has type 48, which RFC 7798 reserves for RTP payload structures",
        ),
        (
            [bytes.fromhex("6401 0000")],
            "NAL unit 0 has type 50, which RFC 7798 reserves for RTP payload structures",
        ),
        (
            [bytes.fromhex("7e01 0000")],
            "NAL unit 0 has type 63, which H.265 leaves unspecified and RTP receivers may drop",
        ),
    ],
)
def test_rejects_bad_access_units(unit: list[bytes], message: str) -> None:
    with pytest.raises(ValueError) as info:
        payloader(1400).packetize(unit, 0)
    assert str(info.value) == message


def test_max_payload_too_small() -> None:
    with pytest.raises(
        ValueError, match=r"^max payload size 3 too small for H.265, which needs at least 4 bytes$"
    ):
        payloader(3)


def test_format() -> None:
    fmt = H265Format.from_access_unit(97, [VPS, SPS, PPS, IDR])
    assert (fmt.media, fmt.clock_rate, fmt.rtpmap()) == ("video", 90000, "H265/90000")
    assert fmt.fmtp() == "sprop-vps=QAEMAQ==; sprop-sps=QgEBAQ==; sprop-pps=RAHBcg=="
    assert H265Format(97).fmtp() is None


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (dict(payload_type=0), "H.265 needs a dynamic payload type (96..127), got 0"),
        (dict(payload_type=97, vps=SPS), "VPS must be a NAL unit of type 32"),
        (dict(payload_type=97, pps=bytes.fromhex("4401")), "PPS must be a NAL unit of type 34"),
    ],
)
def test_format_validation(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as info:
        H265Format(**arguments)  # type: ignore[arg-type]
    assert str(info.value) == message
