"""RTCP: literal SR/RR/SDES/BYE vectors both ways, compounds, NTP conversion."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from onvif_device.streaming.rtp.rtcp import (
    Goodbye,
    ReceiverReport,
    ReportBlock,
    SdesChunk,
    SenderReport,
    SourceDescription,
    UnknownRtcp,
    ntp_middle32,
    ntp_timestamp,
    ntp_to_unix,
    parse_compound,
)

BLOCK = ReportBlock(
    ssrc=0x11223344,
    fraction_lost=5,
    packets_lost=-2,
    highest_sequence=0x0001_0010,
    jitter=0x20,
    last_sr=0xB2C3_8000,
    delay_since_last_sr=0x0001_0000,
)
BLOCK_WIRE = "11223344 05fffffe 00010010 00000020 b2c38000 00010000"

SR_WIRE = (
    "81 c8 000c"  # V=2, RC=1, PT=200, 13 words
    " 4f4e5649"  # SSRC
    " e8fe6f80 40000000"  # NTP: 2023-11-14T22:13:20.25Z
    " 00015f90"  # RTP timestamp 90000
    " 0000000a 00000dac " + BLOCK_WIRE  # 10 packets, 3500 octets
)
SR = SenderReport(
    ssrc=0x4F4E5649,
    ntp_timestamp=0xE8FE6F80_40000000,
    rtp_timestamp=90000,
    packet_count=10,
    octet_count=3500,
    reports=(BLOCK,),
)

RR_WIRE = "81 c9 0007 0a0b0c0d " + BLOCK_WIRE
RR = ReceiverReport(ssrc=0x0A0B0C0D, reports=(BLOCK,))

SDES_WIRE = "81 ca 0003 4f4e5649 01 05 6f6e766966 00"  # CNAME "onvif", one zero byte ends it
SDES = SourceDescription.cname(0x4F4E5649, "onvif")

BYE_WIRE = "81 cb 0003 4f4e5649 04 73746f70 000000"  # reason "stop", padded to a word
BYE = Goodbye((0x4F4E5649,), b"stop")


@pytest.mark.parametrize(
    ("name", "kind", "wire", "packet"),
    [
        ("SR", SenderReport, SR_WIRE, SR),
        (
            "SR without blocks",
            SenderReport,
            "80 c8 0006 00000001 83aa7e80 80000000 00000000 00000000 00000000",
            SenderReport(1, 0x83AA7E80_80000000, 0, 0, 0),
        ),
        ("RR", ReceiverReport, RR_WIRE, RR),
        ("RR without blocks", ReceiverReport, "80 c9 0001 00000001", ReceiverReport(1)),
        ("SDES", SourceDescription, SDES_WIRE, SDES),
        # The items end on a word boundary, so a whole zero word terminates them.
        (
            "SDES ending on a word",
            SourceDescription,
            "81 ca 0004 00000001 01 06 63616d313233 00000000",
            SourceDescription.cname(1, "cam123"),
        ),
        ("BYE", Goodbye, BYE_WIRE, BYE),
        ("BYE without reason", Goodbye, "81 cb 0001 00000002", Goodbye((2,))),
    ],
)
def test_round_trip(name: str, kind: type[SenderReport], wire: str, packet: SenderReport) -> None:
    data = bytes.fromhex(wire)
    assert kind.parse(data) == packet
    assert bytes(packet) == data


def test_report_block_with_positive_loss_and_profile_extension() -> None:
    block = ReportBlock(1, fraction_lost=255, packets_lost=0x7FFFFF)
    report = ReceiverReport(2, (block,), profile_extension=b"\x00\x00\x00\x01")
    data = bytes(report)
    assert data[12:16] == bytes.fromhex("ff7fffff")
    assert ReceiverReport.parse(data) == report


def test_sender_report_fields() -> None:
    report = SenderReport.parse(bytes.fromhex(SR_WIRE))
    assert ntp_to_unix(report.ntp_timestamp) == 1_700_000_000.25
    assert report.reports[0].packets_lost == -2
    assert ntp_middle32(report.ntp_timestamp) == 0x6F80_4000


def test_compound_sr_sdes_with_unknown_feedback() -> None:
    pli = "81 ce 0002 0a0b0c0d 4f4e5649"  # PSFB FMT=1 (PLI) from a client
    data = bytes.fromhex(SR_WIRE + SDES_WIRE + pli)
    packets = parse_compound(data)
    assert packets == [SR, SDES, UnknownRtcp(206, 1, bytes.fromhex("0a0b0c0d 4f4e5649"))]
    assert b"".join(bytes(p) for p in packets) == data


def test_compound_with_padding_on_last_packet() -> None:
    data = bytes.fromhex(RR_WIRE + "a1 cb 0002 0a0b0c0d 00000004")  # BYE padded by 4
    assert parse_compound(data) == [RR, Goodbye((0x0A0B0C0D,))]


@pytest.mark.parametrize(
    ("wire", "message"),
    [
        ("", "RTCP packet empty"),
        ("81c8", "RTCP packet truncated: header at byte 0 needs 4 bytes, 2 left"),
        ("41 c9 0001 00000001", "RTCP version must be 2, got 1 at byte 0"),
        (
            "80 c9 0002 00000001",
            "RTCP packet truncated: type 201 at byte 0 declares 12 bytes, 8 left",
        ),
        ("a0 c9 0001 00000000", "RTCP padding count 0 invalid at byte 0"),
        ("a0 c9 0001 00000009", "RTCP padding count 9 invalid at byte 0"),
        ("81 c9 0001 00000001", "RR truncated: 1 report blocks need 28 bytes, body has 4"),
        ("80 c8 0001 00000001", "SR truncated: sender info needs 24 bytes, body has 4"),
        ("80 c9 0000", "RR truncated: the SSRC needs 4 bytes, body has 0"),
        ("81 ca 0001 00000001", "SDES truncated: item list has no terminating zero byte"),
        ("82 ca 0002 00000001 00000000", "SDES truncated: chunk at byte 8 has no SSRC"),
        ("81 ca 0002 00000001 01 09 6162", "SDES truncated: item at byte 4 runs past the packet"),
        ("82 cb 0001 00000001", "BYE truncated: 2 SSRCs need 8 bytes"),
        ("81 cb 0002 00000001 09616263", "BYE truncated: reason of 9 bytes runs past the packet"),
    ],
)
def test_parse_errors(wire: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_compound(bytes.fromhex(wire))
    assert str(info.value) == message


def test_single_parse_rejects_other_type_and_compounds() -> None:
    with pytest.raises(ValueError, match=r"^expected RTCP SR \(type 200\), got type 201$"):
        SenderReport.parse(bytes.fromhex(RR_WIRE))
    with pytest.raises(ValueError, match=r"^expected one RTCP packet, got a compound of 2$"):
        ReceiverReport.parse(bytes.fromhex(RR_WIRE + RR_WIRE))


@pytest.mark.parametrize(
    ("unix", "ntp"),
    [
        (0.0, 0x83AA7E80_00000000),
        (0.5, 0x83AA7E80_80000000),
        (1_700_000_000.25, 0xE8FE6F80_40000000),
        (-2_208_988_800.0, 0),  # the NTP epoch, 1900-01-01
        (2_085_978_496.0, 0),  # 2036-02-07T06:28:16Z: era 1 starts, the 64-bit value wraps
    ],
)
def test_ntp_timestamp(unix: float, ntp: int) -> None:
    assert ntp_timestamp(unix) == ntp


def test_ntp_round_trip_precision() -> None:
    unix = 1_732_000_000.123456
    assert abs(ntp_to_unix(ntp_timestamp(unix)) - unix) < 1e-6


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: ReportBlock(1, packets_lost=1 << 23),
            "packets lost must fit in 24 signed bits, got 8388608",
        ),
        (lambda: ReportBlock(1, fraction_lost=256), "fraction lost must fit in 8 bits, got 256"),
        (
            lambda: SenderReport(1, 1 << 64, 0, 0, 0),
            "NTP timestamp must fit in 64 bits, got 18446744073709551616",
        ),
        (lambda: ReceiverReport(1, (BLOCK,) * 32), "at most 31 report blocks, got 32"),
        (lambda: SenderReport(1, 0, 0, 0, 0, (BLOCK,) * 32), "at most 31 report blocks, got 32"),
        (
            lambda: SenderReport(1, 0, 0, 0, 0, profile_extension=b"x"),
            "profile extension must be whole 32-bit words",
        ),
        (
            lambda: ReceiverReport(1, profile_extension=b"x"),
            "profile extension must be whole 32-bit words",
        ),
        (lambda: SdesChunk(1, ((1, b"x" * 256),)), "SDES item text at most 255 bytes, got 256"),
        (lambda: SourceDescription((SdesChunk(1, ()),) * 32), "at most 31 SDES chunks, got 32"),
        (lambda: Goodbye(tuple(range(32))), "at most 31 SSRCs, got 32"),
        (lambda: SdesChunk(1, ((0, b"x"),)), "SDES item type must be 1..255, got 0"),
        (lambda: Goodbye((1,), b"x" * 256), "BYE reason at most 255 bytes, got 256"),
    ],
)
def test_field_validation(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError) as info:
        build()
    assert str(info.value) == message
