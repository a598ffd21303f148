"""PCMU and AAC payloaders, the mu-law tables, AudioSpecificConfig."""

from __future__ import annotations

import struct
import warnings

import pytest

from onvif_device.streaming.rtp.audio import (
    AacFormat,
    AacPayloader,
    PcmuFormat,
    PcmuPayloader,
    audio_specific_config,
    decode_ulaw,
    encode_ulaw,
)
from onvif_device.streaming.rtp.packet import RtpPacket
from onvif_device.streaming.rtp.payloader import PayloaderConfig

from .depayload import AacDepayloader, PcmuDepayloader, depayload_all

SSRC = 0x4F4E5649
TIMESTAMP = 0x11223344

PCMU_CASES: list[tuple[str, int, bytes, list[str]]] = [
    ("one packet", 160, bytes(range(5)), ["8000 1000 11223344 4f4e5649 0001020304"]),
    (
        "split: timestamp advances by samples, never a marker",
        2,
        bytes(range(5)),
        [
            "8000 1000 11223344 4f4e5649 0001",
            "8000 1001 11223346 4f4e5649 0203",
            "8000 1002 11223348 4f4e5649 04",
        ],
    ),
]


@pytest.mark.parametrize(
    ("name", "max_size", "samples", "expected"), PCMU_CASES, ids=[c[0] for c in PCMU_CASES]
)
def test_pcmu_packetize(name: str, max_size: int, samples: bytes, expected: list[str]) -> None:
    encoder = PcmuPayloader(
        PayloaderConfig(0, ssrc=SSRC, first_sequence_number=0x1000, max_payload_size=max_size)
    )
    packets = encoder.packetize(samples, TIMESTAMP)
    assert [bytes(p).hex() for p in packets] == [bytes.fromhex(e).hex() for e in expected]
    replayed = depayload_all(
        PcmuDepayloader(), [RtpPacket.parse(bytes.fromhex(e)) for e in expected]
    )
    assert b"".join(replayed) == samples


def test_pcmu_timestamp_and_sequence_wrap() -> None:
    encoder = PcmuPayloader(
        PayloaderConfig(0, ssrc=SSRC, first_sequence_number=0xFFFF, max_payload_size=160)
    )
    packets = encoder.packetize(bytes(320), 0xFFFF_FF60)
    assert [(p.sequence_number, p.timestamp) for p in packets] == [(0xFFFF, 0xFFFF_FF60), (0, 0)]


def test_pcmu_rejects_empty() -> None:
    encoder = PcmuPayloader(PayloaderConfig(0))
    with pytest.raises(ValueError, match=r"^no samples to send$"):
        encoder.packetize(b"", 0)


def test_pcmu_format() -> None:
    fmt = PcmuFormat()
    assert (fmt.payload_type, fmt.media, fmt.clock_rate, fmt.rtpmap(), fmt.fmtp()) == (
        0,
        "audio",
        8000,
        "PCMU/8000",
        None,
    )


@pytest.mark.parametrize(
    ("sample", "code"),
    [
        (0, 0xFF),
        (-1, 0x7E),  # the bias makes -1 and 0 differ
        (1, 0xFF),
        (4, 0xFE),
        (-4, 0x7E),
        (32767, 0x80),
        (-32768, 0x00),
        (1000, 0xCE),
        (-1000, 0x4E),
    ],
)
def test_ulaw_vectors(sample: int, code: int) -> None:
    assert encode_ulaw(struct.pack("<h", sample)) == bytes((code,))


def test_ulaw_matches_the_reference_for_every_sample() -> None:
    """Python 3.11 still ships the classic C implementation as ``audioop``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")
    pcm = struct.pack("<65536h", *range(-32768, 32768))
    assert encode_ulaw(pcm) == audioop.lin2ulaw(pcm, 2)
    codes = bytes(range(256))
    assert decode_ulaw(codes) == audioop.ulaw2lin(codes, 2)


def test_ulaw_decode_encode_is_identity_on_codes() -> None:
    codes = bytes(c for c in range(256) if c != 0x7F)  # 0x7F and 0xFF both decode to 0
    assert encode_ulaw(decode_ulaw(codes)) == codes


def test_ulaw_odd_length() -> None:
    with pytest.raises(ValueError, match=r"^16-bit PCM must have an even number of bytes, got 3$"):
        encode_ulaw(b"\x00\x00\x00")


AAC_CASES: list[tuple[str, int, bytes, list[str]]] = [
    (
        "one AU",
        1400,
        bytes.fromhex("aabbcc"),
        ["80e1 1000 11223344 4f4e5649 0010 0018 aabbcc"],  # 16 header bits; size 3 << 3 | index 0
    ),
    (
        "AU exactly fits",
        7,
        bytes.fromhex("aabbcc"),
        ["80e1 1000 11223344 4f4e5649 0010 0018 aabbcc"],
    ),
    (
        "AU one byte over: fragments repeat the whole AU's size",
        6,
        bytes.fromhex("aabbcc"),
        [
            "8061 1000 11223344 4f4e5649 0010 0018 aabb",
            "80e1 1001 11223344 4f4e5649 0010 0018 cc",
        ],
    ),
]


@pytest.mark.parametrize(
    ("name", "max_size", "unit", "expected"), AAC_CASES, ids=[c[0] for c in AAC_CASES]
)
def test_aac_packetize(name: str, max_size: int, unit: bytes, expected: list[str]) -> None:
    encoder = AacPayloader(
        PayloaderConfig(97, ssrc=SSRC, first_sequence_number=0x1000, max_payload_size=max_size)
    )
    packets = encoder.packetize(unit, TIMESTAMP)
    assert [bytes(p).hex() for p in packets] == [bytes.fromhex(e).hex() for e in expected]
    replayed = depayload_all(
        AacDepayloader(), [RtpPacket.parse(bytes.fromhex(e)) for e in expected]
    )
    assert replayed == [unit]


def test_aac_largest_unit() -> None:
    encoder = AacPayloader(PayloaderConfig(97, max_payload_size=1400))
    packets = encoder.packetize(bytes(8191), 0)
    assert packets[0].payload[:4] == bytes.fromhex("0010 fff8")
    with pytest.raises(ValueError, match=r"^AAC access unit of 8192 bytes exceeds the 8191 bytes"):
        encoder.packetize(bytes(8192), 0)
    with pytest.raises(ValueError, match=r"^AAC access unit is empty$"):
        encoder.packetize(b"", 0)


@pytest.mark.parametrize(
    ("rate", "channels", "config"),
    [
        (48000, 2, "1190"),
        (44100, 2, "1210"),
        (16000, 1, "1408"),
        (8000, 1, "1588"),
        (48000, 8, "11b8"),  # 7.1 is channel configuration 7
        (12345, 2, "1780181c90"),  # not in the table: escape 15, then 24 bits of rate
    ],
)
def test_audio_specific_config(rate: int, channels: int, config: str) -> None:
    assert audio_specific_config(rate, channels).hex() == config


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((48000, 7), "7 channels have no AAC channel configuration; use 1..6 or 8"),
        ((0, 2), "sample rate must be 1..16777215 Hz, got 0"),
        ((48000, 2, 31), "audio object type must be 1..30, got 31"),
    ],
)
def test_audio_specific_config_errors(arguments: tuple[int, ...], message: str) -> None:
    with pytest.raises(ValueError) as info:
        audio_specific_config(*arguments)
    assert str(info.value) == message


def test_aac_format() -> None:
    fmt = AacFormat(97, 48000, 2)
    assert (fmt.media, fmt.clock_rate, fmt.rtpmap()) == ("audio", 48000, "MPEG4-GENERIC/48000/2")
    assert fmt.fmtp() == (
        "streamtype=5; profile-level-id=1; mode=AAC-hbr; config=1190;"
        " sizelength=13; indexlength=3; indexdeltalength=3"
    )
    assert AacFormat(97, 44100, 1, config=bytes.fromhex("1208")).config == bytes.fromhex("1208")
    with pytest.raises(ValueError, match=r"^AAC needs a dynamic payload type \(96..127\), got 14$"):
        AacFormat(14, 48000, 2)
    with pytest.raises(ValueError, match=r"^AAC needs a positive rate and channel count"):
        AacFormat(97, 48000, 0)
