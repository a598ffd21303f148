"""ONVIF metadata stream payloader."""

from __future__ import annotations

import gzip

import pytest

from onvif_device.streaming.rtp.metadata import MetadataFormat, MetadataPayloader
from onvif_device.streaming.rtp.packet import RtpPacket
from onvif_device.streaming.rtp.payloader import PayloaderConfig

from .depayload import MetadataDepayloader, depayload_all

SSRC = 0x4F4E5649
TIMESTAMP = 0x11223344

DOCUMENT = b'<tt:MetadataStream xmlns:tt="http://www.onvif.org/ver10/schema"/>'

# name, max payload size, document, expected packets (V=2, PT=107, SSRC "ONVI")
CASES: list[tuple[str, int, bytes, list[str]]] = [
    ("one packet", 1400, b"<a/>", ["80eb 1000 11223344 4f4e5649 3c612f3e"]),
    ("exactly fits", 4, b"<a/>", ["80eb 1000 11223344 4f4e5649 3c612f3e"]),
    (
        "one byte over",
        4,
        b"<ab/>",
        ["806b 1000 11223344 4f4e5649 3c61622f", "80eb 1001 11223344 4f4e5649 3e"],
    ),
    (
        "three packets, marker closes the document",
        2,
        b"<a/>x",
        [
            "806b 1000 11223344 4f4e5649 3c61",
            "806b 1001 11223344 4f4e5649 2f3e",
            "80eb 1002 11223344 4f4e5649 78",
        ],
    ),
]
IDS = [case[0] for case in CASES]


def payloader(max_payload_size: int, sequence: int = 0x1000) -> MetadataPayloader:
    return MetadataPayloader(
        PayloaderConfig(
            107, ssrc=SSRC, first_sequence_number=sequence, max_payload_size=max_payload_size
        )
    )


@pytest.mark.parametrize(("name", "max_size", "document", "expected"), CASES, ids=IDS)
def test_packetize(name: str, max_size: int, document: bytes, expected: list[str]) -> None:
    packets = payloader(max_size).packetize(document, TIMESTAMP)
    assert [bytes(p).hex() for p in packets] == [bytes.fromhex(e).hex() for e in expected]


@pytest.mark.parametrize(("name", "max_size", "document", "expected"), CASES, ids=IDS)
def test_depayload(name: str, max_size: int, document: bytes, expected: list[str]) -> None:
    packets = [RtpPacket.parse(bytes.fromhex(e)) for e in expected]
    assert depayload_all(MetadataDepayloader(), packets) == [document]


def test_documents_in_sequence_wrap() -> None:
    encoder = payloader(20, sequence=0xFFFE)
    packets = encoder.packetize(DOCUMENT, 1) + encoder.packetize(DOCUMENT, 2)
    assert [p.sequence_number for p in packets][:5] == [0xFFFE, 0xFFFF, 0, 1, 2]
    assert depayload_all(MetadataDepayloader(), packets) == [DOCUMENT, DOCUMENT]
    assert {p.timestamp for p in packets[:4]} == {1}


def test_gzip_document_is_opaque_bytes() -> None:
    compressed = gzip.compress(DOCUMENT * 100, mtime=0)
    packets = payloader(64).packetize(compressed, 0)
    (document,) = depayload_all(MetadataDepayloader(), packets)
    assert isinstance(document, bytes)
    assert gzip.decompress(document) == DOCUMENT * 100


def test_empty_document_rejected() -> None:
    with pytest.raises(ValueError, match=r"^metadata document is empty$"):
        payloader(1400).packetize(b"", 0)


def test_format() -> None:
    fmt = MetadataFormat(107)
    assert (fmt.media, fmt.clock_rate, fmt.rtpmap(), fmt.fmtp()) == (
        "application",
        90000,
        "vnd.onvif.metadata/90000",
        None,
    )
    assert (
        MetadataFormat(107, "vnd.onvif.metadata+gzip").rtpmap() == "vnd.onvif.metadata+gzip/90000"
    )
    assert (
        MetadataFormat(107, "vnd.onvif.metadata.exi.ext").rtpmap()
        == "vnd.onvif.metadata.exi.ext/90000"
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (dict(payload_type=26), "metadata needs a dynamic payload type (96..127), got 26"),
        (
            dict(payload_type=107, encoding_name="application/vnd.onvif.metadata"),
            "unknown metadata encoding 'application/vnd.onvif.metadata'; expected one of"
            " vnd.onvif.metadata, vnd.onvif.metadata+gzip, vnd.onvif.metadata.exi.ext",
        ),
    ],
)
def test_format_validation(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as info:
        MetadataFormat(**arguments)  # type: ignore[arg-type]
    assert str(info.value) == message
