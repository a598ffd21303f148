"""RTP packets: literal vectors both ways, exact errors for bad input."""

from __future__ import annotations

import pytest

from onvif_device.streaming.rtp.packet import HeaderExtension, RtpPacket

# name, wire bytes, packet
CASES = [
    (
        "minimal",
        "80 60 1234 00000001 deadbeef 010203",
        RtpPacket(96, 0x1234, 1, 0xDEADBEEF, b"\x01\x02\x03"),
    ),
    (
        "marker, no payload",
        "80 e0 ffff ffffffff 00000000",
        RtpPacket(96, 0xFFFF, 0xFFFF_FFFF, 0, b"", marker=True),
    ),
    (
        "two CSRCs",
        "82 1a 0001 00000064 01020304 0a0b0c0d 0e0f1011 ff",
        RtpPacket(26, 1, 100, 0x01020304, b"\xff", csrcs=(0x0A0B0C0D, 0x0E0F1011)),
    ),
    (
        "header extension",
        "90 60 0002 00000000 00000001 abac 0002 0102030405060708 aa",
        RtpPacket(96, 2, 0, 1, b"\xaa", extension=HeaderExtension(0xABAC, bytes(range(1, 9)))),
    ),
    (
        "empty header extension",
        "90 60 0002 00000000 00000001 ffd8 0000 aa",
        RtpPacket(96, 2, 0, 1, b"\xaa", extension=HeaderExtension(0xFFD8)),
    ),
    (
        "padding",
        "a0 00 0003 00000000 00000001 7f7f 000003",
        RtpPacket(0, 3, 0, 1, b"\x7f\x7f", padding=3),
    ),
    (
        "everything",
        "b1 e1 0004 00000005 00000006 00000007 0001 0001 00000008 cafe 0002",
        RtpPacket(
            97,
            4,
            5,
            6,
            b"\xca\xfe",
            marker=True,
            csrcs=(7,),
            extension=HeaderExtension(1, b"\x00\x00\x00\x08"),
            padding=2,
        ),
    ),
]


@pytest.mark.parametrize(("name", "wire", "packet"), CASES, ids=[c[0] for c in CASES])
def test_parse(name: str, wire: str, packet: RtpPacket) -> None:
    assert RtpPacket.parse(bytes.fromhex(wire)) == packet


@pytest.mark.parametrize(("name", "wire", "packet"), CASES, ids=[c[0] for c in CASES])
def test_serialize(name: str, wire: str, packet: RtpPacket) -> None:
    assert bytes(packet) == bytes.fromhex(wire)
    assert packet.serialize() == bytes.fromhex(wire)


def test_parse_accepts_memoryview_and_copies() -> None:
    data = bytearray.fromhex("80 60 1234 00000001 deadbeef 010203")
    packet = RtpPacket.parse(bytes(memoryview(data)))
    data[-1] = 0
    assert packet.payload == b"\x01\x02\x03"


def test_header_size() -> None:
    packet = CASES[-1][2]
    assert packet.header_size == 12 + 4 + 8
    assert isinstance(packet, RtpPacket)


PARSE_ERRORS = [
    ("empty", "", "RTP packet too short: 0 bytes, the fixed header needs 12"),
    (
        "short",
        "80 60 0001 00000000 000000",
        "RTP packet too short: 11 bytes, the fixed header needs 12",
    ),
    ("version 1", "40 60 0001 00000000 00000000", "RTP version must be 2, got 1"),
    ("version 0", "00 60 0001 00000000 00000000", "RTP version must be 2, got 0"),
    (
        "CSRC list cut",
        "82 60 0001 00000000 00000000 00000001",
        "RTP packet truncated: 2 CSRCs need 8 bytes, 4 left",
    ),
    (
        "extension header cut",
        "90 60 0001 00000000 00000000 abac",
        "RTP packet truncated: the header extension needs 4 bytes, 2 left",
    ),
    (
        "extension data cut",
        "90 60 0001 00000000 00000000 abac 0002 00000000",
        "RTP packet truncated: the header extension declares 2 words (8 bytes), 4 left",
    ),
    (
        "zero padding count",
        "a0 60 0001 00000000 00000000 0100",
        "RTP padding count is 0, it must count at least itself",
    ),
    (
        "padding past header",
        "a0 60 0001 00000000 00000000 0103",
        "RTP padding count 3 exceeds the 2 bytes after the header",
    ),
]


@pytest.mark.parametrize(
    ("name", "wire", "message"), PARSE_ERRORS, ids=[c[0] for c in PARSE_ERRORS]
)
def test_parse_errors(name: str, wire: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        RtpPacket.parse(bytes.fromhex(wire))
    assert str(info.value) == message


FIELD_ERRORS = [
    (dict(payload_type=128), "payload type must fit in 7 bits, got 128"),
    (dict(sequence_number=65536), "sequence number must fit in 16 bits, got 65536"),
    (dict(timestamp=-1), "timestamp must fit in 32 bits, got -1"),
    (dict(ssrc=1 << 32), "SSRC must fit in 32 bits, got 4294967296"),
    (dict(csrcs=tuple(range(16))), "at most 15 CSRCs, got 16"),
    (dict(csrcs=(1 << 32,)), "CSRC must fit in 32 bits, got 4294967296"),
    (dict(padding=256), "padding must fit in 8 bits, got 256"),
]


@pytest.mark.parametrize(("fields", "message"), FIELD_ERRORS)
def test_field_validation(fields: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = dict(payload_type=96, sequence_number=0, timestamp=0, ssrc=0)
    arguments.update(fields)
    with pytest.raises(ValueError) as info:
        RtpPacket(**arguments)  # type: ignore[arg-type]
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("profile", "data", "message"),
    [
        (0x10000, b"", "extension profile must fit in 16 bits, got 65536"),
        (0xABAC, b"\x00", "extension data must be whole 32-bit words, got 1 bytes"),
        (0xABAC, bytes(4 * 0x10000), "extension data too long: 65536 words, at most 65535"),
    ],
)
def test_extension_validation(profile: int, data: bytes, message: str) -> None:
    with pytest.raises(ValueError) as info:
        HeaderExtension(profile, data)
    assert str(info.value) == message
