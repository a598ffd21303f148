"""RFC 2435 sub-headers and the ONVIF extension framing: marshal and unmarshal."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from onvif_device.streaming.rtp.jpeg_extension import (
    jpeg_extension,
    jpeg_extension_payload,
)
from onvif_device.streaming.rtp.jpeg_headers import (
    JpegHeader,
    QuantizationTableHeader,
    RestartHeader,
)
from onvif_device.streaming.rtp.packet import HeaderExtension


@pytest.mark.parametrize(
    ("wire", "header"),
    [
        ("00 000000 01 ff 50 2d", JpegHeader(0, 0, 1, 255, 80, 45)),  # 640x360, 4:2:0
        ("02 0005dc 41 80 ff ff", JpegHeader(2, 1500, 65, 128, 255, 255)),
        ("00 ffffff 00 00 00 00", JpegHeader(0, 0xFFFFFF, 0, 0, 0, 0)),
    ],
)
def test_jpeg_header(wire: str, header: JpegHeader) -> None:
    data = bytes.fromhex(wire)
    assert header.marshal() == data
    assert JpegHeader.unmarshal(data + b"\xaa") == (header, 8)


def test_jpeg_header_flags() -> None:
    assert JpegHeader(0, 0, 65, 255, 1, 1).has_restart_header
    assert not JpegHeader(0, 0, 1, 255, 1, 1).has_restart_header
    assert JpegHeader(0, 0, 1, 128, 1, 1).has_quantization_header
    assert not JpegHeader(0, 1, 1, 255, 1, 1).has_quantization_header
    assert not JpegHeader(0, 0, 1, 127, 1, 1).has_quantization_header


@pytest.mark.parametrize(
    ("wire", "header"),
    [
        ("0004 ffff", RestartHeader(4)),  # F = L = 1, count 0x3FFF
        ("0100 8002", RestartHeader(256, first=True, last=False, count=2)),
        ("ffff 4000", RestartHeader(0xFFFF, first=False, last=True, count=0)),
    ],
)
def test_restart_header(wire: str, header: RestartHeader) -> None:
    data = bytes.fromhex(wire)
    assert header.marshal() == data
    assert RestartHeader.unmarshal(data) == (header, 4)


def test_quantization_table_header() -> None:
    tables = bytes(range(64)) + bytes(range(64, 128))
    data = bytes.fromhex("00 00 0080") + tables
    header = QuantizationTableHeader(0, tables)
    assert header.marshal() == data
    assert QuantizationTableHeader.unmarshal(data + b"\x99") == (header, 132)
    assert header.split() == [tables[:64], tables[64:]]
    assert header.size == 132


def test_quantization_table_header_16_bit_luma() -> None:
    header = QuantizationTableHeader(1, bytes(128) + bytes(64))
    assert header.marshal()[:4] == bytes.fromhex("00 01 00c0")
    assert [len(t) for t in header.split()] == [128, 64]


@pytest.mark.parametrize(
    ("unmarshal", "data", "message"),
    [
        (JpegHeader.unmarshal, "00000000000000", "JPEG header needs 8 bytes, got 7"),
        (RestartHeader.unmarshal, "000400", "restart marker header needs 4 bytes, got 3"),
        (
            QuantizationTableHeader.unmarshal,
            "000000",
            "quantization table header needs 4 bytes, got 3",
        ),
        (
            QuantizationTableHeader.unmarshal,
            "00 00 0080" + "00" * 127,
            "quantization table header declares 128 bytes of tables, 127 left",
        ),
    ],
)
def test_unmarshal_errors(unmarshal: Callable[[bytes], object], data: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        unmarshal(bytes.fromhex(data))
    assert str(info.value) == message


def test_split_missing_table() -> None:
    with pytest.raises(ValueError, match=r"^quantization table 1 missing: 64 bytes of tables$"):
        QuantizationTableHeader(0, bytes(64)).split()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: JpegHeader(0, 1 << 24, 0, 255, 1, 1),
            "fragment offset must fit in 24 bits, got 16777216",
        ),
        (lambda: JpegHeader(0, 0, 0, 255, 256, 1), "width must fit in 8 bits, got 256"),
        (lambda: RestartHeader(1, count=0x4000), "restart count must fit in 14 bits, got 16384"),
        (lambda: QuantizationTableHeader(256, b""), "precision must fit in 8 bits, got 256"),
    ],
)
def test_validation(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError) as info:
        build()
    assert str(info.value) == message


SOF = bytes.fromhex("ffc0 0011 08 0008 0010 03 012100 021101 031101")
SOS = bytes.fromhex("ffda 000c 03 0100 0211 0311 003f00")


def test_extension_fill_goes_before_the_scan_header() -> None:
    extension = jpeg_extension(SOF, SOS)
    # 19 + 14 bytes: three 0xFF fill bytes make 36, and SOS stays last.
    assert extension == HeaderExtension(0xFFD8, SOF + b"\xff\xff\xff" + SOS)
    assert extension.serialize()[:4] == bytes.fromhex("ffd8 0009")


def test_extension_without_scan_header_pads_at_the_end() -> None:
    assert jpeg_extension(SOF, initial=False) == HeaderExtension(0xFFFF, SOF + b"\xff")


def test_extension_payload() -> None:
    assert jpeg_extension_payload(None) is None
    assert jpeg_extension_payload(HeaderExtension(0xABAC, bytes(12))) is None
    assert jpeg_extension_payload(HeaderExtension(0x1000, bytes(4))) is None
    assert jpeg_extension_payload(HeaderExtension(0xFFD8, SOF + b"\xff")) == (0xFFD8, SOF + b"\xff")
    # After the three words of the replay extension: start code, word count, data.
    replay = bytes.fromhex("e8fe6f80 40000000 80 01 0000") + bytes.fromhex("ffff 0001 ffd9ffff")
    assert jpeg_extension_payload(HeaderExtension(0xABAC, replay)) == (
        0xFFFF,
        bytes.fromhex("ffd9ffff"),
    )


def test_replay_extension_without_jpeg_data() -> None:
    other = bytes.fromhex("e8fe6f80 40000000 80 01 0000") + bytes.fromhex("1234 0001 ffd9ffff")
    assert jpeg_extension_payload(HeaderExtension(0xABAC, other)) is None
