"""H.264 payloader (RFC 6184): literal packet table, replayed by the depayloader."""

from __future__ import annotations

import copy

import pytest

from onvif_device.streaming.rtp.h264 import H264Format, H264Payloader, split_annexb
from onvif_device.streaming.rtp.packet import RtpPacket
from onvif_device.streaming.rtp.payloader import PayloaderConfig

from .depayload import H264Depayloader, depayload_all

SSRC = 0x4F4E5649
SEQUENCE = 0x1000
TIMESTAMP = 0x11223344

SPS = bytes.fromhex("6742c01f")
PPS = bytes.fromhex("68ce3c80")
SEI = bytes.fromhex("0605aabbcc")
IDR = bytes.fromhex("6588842180")

# Fixed header with and without the marker bit: V=2, PT=96, SSRC "ONVI".
# name, max payload size, access unit, expected packets
CASES: list[tuple[str, int, list[bytes], list[str]]] = [
    (
        "single NAL unit",
        1400,
        [IDR],
        ["80e0 1000 11223344 4f4e5649 6588842180"],
    ),
    (
        "STAP-A of SPS, PPS, SEI, IDR",
        1400,
        [SPS, PPS, SEI, IDR],
        [
            "80e0 1000 11223344 4f4e5649"
            " 78"  # STAP-A, NRI 3: the highest of the units
            " 0004 6742c01f 0004 68ce3c80 0005 0605aabbcc 0005 6588842180"
        ],
    ),
    (
        "STAP-A of non-reference units keeps NRI 0",
        1400,
        [bytes.fromhex("0601"), bytes.fromhex("0602")],
        ["80e0 1000 11223344 4f4e5649 18 0002 0601 0002 0602"],
    ),
    (
        "FU-A",
        5,
        [bytes.fromhex("65 00010203040506070809")],
        [
            "8060 1000 11223344 4f4e5649 7c85 000102",  # S bit, type 5, NRI 3
            "8060 1001 11223344 4f4e5649 7c05 030405",
            "8060 1002 11223344 4f4e5649 7c05 060708",
            "80e0 1003 11223344 4f4e5649 7c45 09",  # E bit and marker
        ],
    ),
    (
        "STAP-A then FU-A with NRI 2",
        16,
        [SPS, PPS, bytes.fromhex("41 101112131415161718191a1b1c1d1e1f2021")],
        [
            "8060 1000 11223344 4f4e5649 78 0004 6742c01f 0004 68ce3c80",
            "8060 1001 11223344 4f4e5649 5c81 101112131415161718191a1b1c1d",
            "80e0 1002 11223344 4f4e5649 5c41 1e1f2021",
        ],
    ),
    (
        "unit exactly fits",
        8,
        [bytes.fromhex("6501020304050607")],
        ["80e0 1000 11223344 4f4e5649 6501020304050607"],
    ),
    (
        "unit one byte over",
        8,
        [bytes.fromhex("650102030405060708")],
        [
            "8060 1000 11223344 4f4e5649 7c85 010203040506",
            "80e0 1001 11223344 4f4e5649 7c45 0708",
        ],
    ),
    (
        "STAP-A exactly fits",
        13,
        [SPS, PPS],
        ["80e0 1000 11223344 4f4e5649 78 0004 6742c01f 0004 68ce3c80"],
    ),
    (
        "STAP-A one byte over: single packets",
        12,
        [SPS, PPS],
        ["8060 1000 11223344 4f4e5649 6742c01f", "80e0 1001 11223344 4f4e5649 68ce3c80"],
    ),
    (
        "aggregation restarts after a fragmented unit",
        10,
        [
            bytes.fromhex("0601"),
            bytes.fromhex("41 000102030405060708090a"),
            bytes.fromhex("0602"),
            bytes.fromhex("0603"),
        ],
        [
            "8060 1000 11223344 4f4e5649 0601",
            "8060 1001 11223344 4f4e5649 5c81 0001020304050607",
            "8060 1002 11223344 4f4e5649 5c41 08090a",
            "80e0 1003 11223344 4f4e5649 18 0002 0602 0002 0603",
        ],
    ),
]
IDS = [case[0] for case in CASES]


def payloader(max_payload_size: int, sequence: int = SEQUENCE) -> H264Payloader:
    return H264Payloader(
        PayloaderConfig(
            96, ssrc=SSRC, first_sequence_number=sequence, max_payload_size=max_payload_size
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
    frozen = list(packets)
    assert depayload_all(H264Depayloader(), packets) == [unit]
    assert packets == frozen


def test_sequence_number_wraps_and_continues_across_units() -> None:
    encoder = payloader(5, sequence=0xFFFE)
    first = encoder.packetize([bytes.fromhex("65 00010203040506070809")], 0)
    second = encoder.packetize([IDR], 3000)
    assert [p.sequence_number for p in first + second] == [0xFFFE, 0xFFFF, 0, 1, 2]
    assert encoder.next_sequence_number == 3
    assert depayload_all(H264Depayloader(), first + second) == [
        [bytes.fromhex("65 00010203040506070809")],
        [IDR],
    ]


def test_timestamp_wraps_to_32_bits() -> None:
    (packet,) = payloader(1400).packetize([IDR], (1 << 32) + 5)
    assert packet.timestamp == 5


@pytest.mark.parametrize(
    ("unit", "message"),
    [
        ([], "access unit has no NAL units"),
        ([IDR, b""], "NAL unit 1 is empty"),
        (
            [bytes.fromhex("7c85")],
            "NAL unit 0 has type 28, which RFC 6184 reserves for RTP payload structures",
        ),
        (
            [bytes.fromhex("18")],
            "NAL unit 0 has type 24, which RFC 6184 reserves for RTP payload structures",
        ),
        ([bytes.fromhex("00aa")], "NAL unit 0 has type 0, which RFC 6184 leaves undefined"),
        ([bytes.fromhex("1f")], "NAL unit 0 has type 31, which RFC 6184 leaves undefined"),
    ],
)
def test_rejects_bad_access_units(unit: list[bytes], message: str) -> None:
    with pytest.raises(ValueError) as info:
        payloader(1400).packetize(unit, 0)
    assert str(info.value) == message


def test_max_payload_too_small() -> None:
    with pytest.raises(
        ValueError, match=r"^max payload size 2 too small for H.264, which needs at least 3 bytes$"
    ):
        payloader(2)


def test_format() -> None:
    fmt = H264Format(96, sps=bytes.fromhex("6764001facd9"), pps=PPS)
    assert fmt.media == "video"
    assert fmt.clock_rate == 90000
    assert fmt.rtpmap() == "H264/90000"
    assert fmt.fmtp() == (
        "packetization-mode=1; profile-level-id=64001F; sprop-parameter-sets=Z2QAH6zZ,aM48gA=="
    )
    assert H264Format(97).fmtp() == "packetization-mode=1"
    # Without a PPS the parameter sets cannot be announced, the profile still can.
    assert H264Format(97, sps=SPS).fmtp() == "packetization-mode=1; profile-level-id=42C01F"


def test_format_from_access_unit() -> None:
    fmt = H264Format.from_access_unit(96, [bytes.fromhex("0910"), SPS, PPS, IDR])
    assert (fmt.sps, fmt.pps) == (SPS, PPS)
    assert (
        fmt.fmtp()
        == "packetization-mode=1; profile-level-id=42C01F; sprop-parameter-sets=Z0LAHw==,aM48gA=="
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (dict(payload_type=26), "H.264 needs a dynamic payload type (96..127), got 26"),
        (dict(payload_type=96, sps=PPS), "SPS must be a NAL unit of type 7 with at least 4 bytes"),
        (dict(payload_type=96, pps=SPS), "PPS must be a NAL unit of type 8"),
    ],
)
def test_format_validation(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as info:
        H264Format(**arguments)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_annexb_stream_to_packets() -> None:
    stream = bytes.fromhex("00000001 6742c01f 000001 68ce3c80 00000001 6588842180 00")
    packets = payloader(1400).packetize(split_annexb(stream), TIMESTAMP)
    assert [bytes(p) for p in packets] == [
        bytes.fromhex("80e0 1000 11223344 4f4e5649 78 0004 6742c01f 0004 68ce3c80 0005 6588842180")
    ]
