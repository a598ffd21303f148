"""JPEG payloader (RFC 2435 + ONVIF extension).

Hand-built JPEGs give literal packet tables; real JPEGs from Pillow go
through the payloader and the depayloader and must decode to the same pixels.
"""

from __future__ import annotations

import dataclasses
import io
import random

import pytest
from PIL import Image

from onvif_device.streaming.rtp.jpeg import (
    JpegFormat,
    JpegPayloader,
    jpeg_payloads,
    needs_extension,
)
from onvif_device.streaming.rtp.jpeg_markers import marker_segments, parse_jpeg
from onvif_device.streaming.rtp.packet import FIXED_HEADER_SIZE, RtpPacket
from onvif_device.streaming.rtp.payloader import PayloaderConfig

from .depayload import JpegDepayloader, depayload_all

SSRC = 0x4F4E5649
SEQUENCE = 0x1000
TIMESTAMP = 0x11223344

# Segments of hand-built JPEGs. They are never decoded, only taken apart.
SOI = "ffd8"
APP0 = "ffe0 0010 4a46494600 0101 00 0001 0001 0000"  # JFIF 1.1
DQT_LUMA = "ffdb 0043 00" + "01" * 64
DQT_CHROMA = "ffdb 0043 01" + "02" * 64
DQT_LUMA_16 = "ffdb 0083 10" + "0001" * 64
DHT_CUSTOM = "ffc4 0014 00 01000000000000000000000000000000 00"  # one DC table, one code
SOS = "ffda 000c 03 0100 0211 0311 003f00"
DRI_4 = "ffdd 0004 0004"
SCAN = "123456 ff00 789a"  # ff00: a stuffed 0xFF data byte
SCAN_RST = "1234 ffd0 5678"  # with a restart marker
EOI = "ffd9"
TABLES = "01" * 64 + "02" * 64


def sof(width: int, height: int, luma: str = "21") -> str:
    return f"ffc0 0011 08 {height:04x} {width:04x} 03 01{luma}00 021101 031101"


def jpeg(*segments: str) -> bytes:
    return bytes.fromhex("".join(segments))


# name, max payload size, JPEG, expected packets (V=2, PT=26, SSRC "ONVI")
CASES: list[tuple[str, int, bytes, list[str]]] = [
    (
        "4:2:2 in one packet",
        1400,
        jpeg(SOI, APP0, DQT_LUMA, DQT_CHROMA, sof(16, 8), SOS, SCAN, EOI),
        [
            "809a 1000 11223344 4f4e5649"
            " 00 000000 00 ff 02 01"  # offset 0, type 0, Q 255, 16x8
            " 00 00 0080 " + TABLES + " 123456ff00789a"
        ],
    ),
    (
        "4:2:0 split in two packets",
        8 + 4 + 128 + 4,
        jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(16, 16, "22"), SOS, SCAN, EOI),
        [
            "801a 1000 11223344 4f4e5649 00 000000 01 ff 02 02 00 00 0080 " + TABLES + " 123456ff",
            "809a 1001 11223344 4f4e5649 00 000004 01 ff 02 02 00789a",  # no tables after offset 0
        ],
    ),
    (
        "restart interval",
        1400,
        jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(16, 16, "22"), DRI_4, SOS, SCAN_RST, EOI),
        [
            "809a 1000 11223344 4f4e5649"
            " 00 000000 41 ff 02 02"  # type 65: 4:2:0 with restart markers
            " 0004 ffff"  # interval 4, F = L = 1, count 0x3FFF
            " 00 00 0080 " + TABLES + " 1234ffd05678"
        ],
    ),
    (
        "restart header in every packet",
        8 + 4 + 4 + 128 + 2,
        jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(16, 8), DRI_4, SOS, SCAN_RST, EOI),
        [
            "801a 1000 11223344 4f4e5649 00 000000 40 ff 02 01 0004ffff 00000080 "
            + TABLES
            + " 1234",
            "809a 1001 11223344 4f4e5649 00 000002 40 ff 02 01 0004ffff ffd05678",
        ],
    ),
    (
        "16-bit luma table",
        1400,
        jpeg(SOI, DQT_LUMA_16, DQT_CHROMA, sof(16, 8), SOS, SCAN, EOI),
        [
            "809a 1000 11223344 4f4e5649 00 000000 00 ff 02 01"
            " 00 01 00c0 " + "0001" * 64 + "02" * 64 + " 123456ff00789a"
        ],
    ),
    (
        "custom Huffman table: ONVIF extension",
        1400,
        jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(16, 8), DHT_CUSTOM, SOS, SCAN, EOI),
        [
            "909a 1000 11223344 4f4e5649"  # X bit
            " ffd8 0031 "  # initial-packet start code, 49 words
            + sof(16, 8)
            + DQT_LUMA
            + DQT_CHROMA
            + DHT_CUSTOM
            + " ffffff "  # fill bytes before the SOS, which must end the data
            + SOS
            + " 00 000000 00 ff 02 01 00 00 0080 "
            + TABLES
            + " 123456ff00789a"
        ],
    ),
    (
        "2048 pixels wide: size bytes 0, extension with DRI",
        8 + 4 + (4 + 128) + (4 + 200) + 2,
        jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(2048, 16, "22"), DRI_4, DHT_CUSTOM, SOS, SCAN_RST, EOI),
        [
            "901a 1000 11223344 4f4e5649 ffd8 0032 "
            + sof(2048, 16, "22")
            + DQT_LUMA
            + DQT_CHROMA
            + DRI_4
            + DHT_CUSTOM
            + " ff "
            + SOS
            + " 00 000000 41 ff 00 00 0004ffff 00000080 "  # type 65, width and height 0
            + TABLES
            + " 1234",
            "809a 1001 11223344 4f4e5649 00 000002 41 ff 00 00 0004ffff ffd05678",  # no extension
        ],
    ),
]
IDS = [case[0] for case in CASES]


def payloader(max_payload_size: int = 1400, sequence: int = SEQUENCE) -> JpegPayloader:
    return JpegPayloader(
        PayloaderConfig(
            26, ssrc=SSRC, first_sequence_number=sequence, max_payload_size=max_payload_size
        )
    )


@pytest.mark.parametrize(("name", "max_size", "image", "expected"), CASES, ids=IDS)
def test_packetize(name: str, max_size: int, image: bytes, expected: list[str]) -> None:
    packets = payloader(max_size).packetize(image, TIMESTAMP)
    assert [bytes(p).hex() for p in packets] == [bytes.fromhex(e).hex() for e in expected]
    assert all(len(bytes(p)) <= FIXED_HEADER_SIZE + max_size for p in packets)


@pytest.mark.parametrize(("name", "max_size", "image", "expected"), CASES, ids=IDS)
def test_depayload_recovers_scan_and_tables(
    name: str, max_size: int, image: bytes, expected: list[str]
) -> None:
    packets = [RtpPacket.parse(bytes.fromhex(e)) for e in expected]
    (rebuilt,) = depayload_all(JpegDepayloader(), packets)
    assert isinstance(rebuilt, bytes)
    original, copy = parse_jpeg(image), parse_jpeg(rebuilt)
    assert (copy.scan, copy.luma_table, copy.chroma_table) == (
        original.scan,
        original.luma_table,
        original.chroma_table,
    )
    assert (copy.restart_interval, copy.rtp_type) == (original.restart_interval, original.rtp_type)
    assert (copy.width, copy.height) == (original.width, original.height)


def test_first_packet_too_small_for_headers() -> None:
    image = jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(16, 8), SOS, SCAN, EOI)
    with pytest.raises(ValueError) as info:
        payloader(8 + 132).packetize(image, 0)
    assert (
        str(info.value)
        == "max payload size 140 leaves no room for scan data after 140 bytes of JPEG headers"
        " in the first packet"
    )


# name, JPEG, message
REJECTED = [
    ("not a JPEG", b"\x89PNG", "not a JPEG: it does not start with an SOI marker (FF D8)"),
    (
        "progressive",
        jpeg(SOI, DQT_LUMA, "ffc2 0011 08 0008 0010 03 012100 021101 031101", SOS, SCAN, EOI),
        "progressive JPEG (SOF2) is not supported: RFC 2435 carries baseline JPEG (SOF0)",
    ),
    (
        "12-bit",
        jpeg(SOI, DQT_LUMA, "ffc1 0011 0c 0008 0010 03 012100 021101 031101", SOS, SCAN, EOI),
        "12-bit sample precision is not supported: RFC 2435 carries 8-bit baseline JPEG",
    ),
    (
        "extended sequential 8-bit",
        jpeg(SOI, DQT_LUMA, "ffc1 0011 08 0008 0010 03 012100 021101 031101", SOS, SCAN, EOI),
        "extended sequential JPEG (SOF1) is not supported: RFC 2435 carries baseline JPEG (SOF0)",
    ),
    (
        "arithmetic coding",
        jpeg(SOI, DQT_LUMA, "ffc9 0011 08 0008 0010 03 012100 021101 031101", SOS, SCAN, EOI),
        "arithmetic-coded sequential JPEG (SOF9) is not supported:"
        " RFC 2435 carries baseline JPEG (SOF0)",
    ),
    (
        "greyscale",
        jpeg(
            SOI, DQT_LUMA, "ffc0 000b 08 0008 0010 01 011100", "ffda 0008 01 0100 003f00", SCAN, EOI
        ),
        "greyscale JPEG (1 component) is not supported: RFC 2435 needs 3 components (YCbCr)",
    ),
    (
        "CMYK",
        jpeg(
            SOI, DQT_LUMA, "ffc0 0014 08 0008 0010 04 011100 021101 031101 041101", SOS, SCAN, EOI
        ),
        "JPEG with 4 components is not supported: RFC 2435 needs 3 components (YCbCr)",
    ),
    (
        "4:4:4",
        jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(16, 8, "11"), SOS, SCAN, EOI),
        "sampling factors 1x1,1x1,1x1 are not supported: RFC 2435 needs 2x1,1x1,1x1 (4:2:2) or"
        " 2x2,1x1,1x1 (4:2:0)",
    ),
    (
        "RGB",
        jpeg(
            SOI,
            "ffee 000e 41646f6265 0064 0000 0000 00",
            DQT_LUMA,
            DQT_CHROMA,
            sof(16, 8),
            SOS,
            SCAN,
            EOI,
        ),
        "RGB colour space (Adobe transform 0) is not supported: RFC 2435 needs YCbCr",
    ),
    (
        "chroma on table 0",
        jpeg(SOI, DQT_LUMA, "ffc0 0011 08 0008 0010 03 012100 021100 031100", SOS, SCAN, EOI),
        "quantization table selectors must be 0 for luma and 1 for chroma,"
        " as RFC 2435 rebuilds them; got 0,0,0",
    ),
    (
        "chroma on Huffman table 0",
        jpeg(
            SOI, DQT_LUMA, DQT_CHROMA, sof(16, 8), "ffda 000c 03 0100 0200 0300 003f00", SCAN, EOI
        ),
        "Huffman table selectors must be 0 for luma and 1 for chroma,"
        " as RFC 2435 rebuilds them; got 00,00,00",
    ),
    (
        "two scans",
        jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(16, 8), SOS, SCAN, SOS, SCAN, EOI),
        "marker 0xDA after the first scan: RFC 2435 carries a single scan followed by EOI",
    ),
    (
        "non-interleaved scan",
        jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(16, 8), "ffda 0008 01 0100 003f00", SCAN, EOI),
        "a scan of 1 component(s) is not supported: RFC 2435 needs one interleaved scan of all 3",
    ),
    (
        "missing chroma table",
        jpeg(SOI, DQT_LUMA, sof(16, 8), SOS, SCAN, EOI),
        "JPEG does not define quantization table 1",
    ),
    (
        "no frame header",
        jpeg(SOI, DQT_LUMA, SOS, SCAN, EOI),
        "JPEG has no frame header (SOF) before its scan",
    ),
    ("EOI before scan", jpeg(SOI, DQT_LUMA, EOI), "JPEG has no scan: EOI before any SOS"),
    ("no scan", jpeg(SOI, DQT_LUMA), "JPEG truncated: no scan (SOS) found"),
    (
        "no EOI",
        jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(16, 8), SOS, SCAN),
        "JPEG truncated: scan data not terminated by EOI",
    ),
    (
        "segment cut",
        jpeg(SOI, DQT_LUMA)[:40],
        "JPEG truncated: marker 0xDB at byte 2 declares 67 bytes, 36 left",
    ),
    (
        "garbage between segments",
        jpeg(SOI, "00", DQT_LUMA),
        "JPEG corrupt: expected a marker at byte 2, found 0x00",
    ),
    (
        "frame header too short",
        jpeg(SOI, DQT_LUMA, "ffc0 0005 08 0008 00", SOS, SCAN, EOI),
        "JPEG frame header too short",
    ),
    (
        "frame header length wrong",
        jpeg(SOI, DQT_LUMA, "ffc0 0010 08 0008 0010 03 012100 021101 0311", SOS, SCAN, EOI),
        "JPEG frame header length does not match its 3 components",
    ),
    (
        "two frame headers",
        jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(16, 8), sof(16, 8), SOS, SCAN, EOI),
        "JPEG has more than one frame header",
    ),
    (
        "DQT table cut",
        jpeg(SOI, "ffdb 0012 00" + "01" * 15, sof(16, 8), SOS, SCAN, EOI),
        "JPEG DQT truncated: table 0 needs 64 bytes",
    ),
    (
        "DHT header cut",
        jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(16, 8), "ffc4 0005 000000", SOS, SCAN, EOI),
        "JPEG DHT truncated: a table needs 17 bytes of header",
    ),
    (
        "DHT symbols cut",
        jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(16, 8), "ffc4 0013 00 02" + "00" * 15, SOS, SCAN, EOI),
        "JPEG DHT truncated: table 0/0 runs past its segment",
    ),
    (
        "DRI of wrong length",
        jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(16, 8), "ffdd 0003 00", SOS, SCAN, EOI),
        "JPEG DRI segment must hold 2 bytes, got 1",
    ),
    (
        "arithmetic conditioning",
        jpeg(SOI, DQT_LUMA, "ffcc 0004 0000", sof(16, 8), SOS, SCAN, EOI),
        "arithmetic coding (DAC marker) is not supported: RFC 2435 needs Huffman coding",
    ),
    (
        "scan header length wrong",
        jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(16, 8), "ffda 000b 03 0100 0211 0311 003f", SCAN, EOI),
        "JPEG scan header length does not match its 3 components",
    ),
    (
        "scan components out of order",
        jpeg(
            SOI, DQT_LUMA, DQT_CHROMA, sof(16, 8), "ffda 000c 03 0200 0111 0311 003f00", SCAN, EOI
        ),
        "scan components are not in frame order",
    ),
    (
        "spectral selection",
        jpeg(
            SOI, DQT_LUMA, DQT_CHROMA, sof(16, 8), "ffda 000c 03 0100 0211 0311 000500", SCAN, EOI
        ),
        "scan is not a baseline sequential scan (Ss=0, Se=63, Ah=Al=0)",
    ),
    (
        "scan ends in fill bytes",
        jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(16, 8), SOS, SCAN, "ffff"),
        "JPEG truncated: scan data not terminated by EOI",
    ),
    ("ends in fill bytes", jpeg(SOI, DQT_LUMA, "ffff"), "JPEG truncated: no scan (SOS) found"),
    (
        "segment without length",
        jpeg(SOI, "ffdb00"),
        "JPEG truncated: marker 0xDB at byte 2 has no length",
    ),
    (
        "height from DNL",
        jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(16, 0), SOS, SCAN, EOI),
        "JPEG size 16x0 is not supported (height set later by DNL?)",
    ),
]


@pytest.mark.parametrize(("name", "image", "message"), REJECTED, ids=[r[0] for r in REJECTED])
def test_rejects(name: str, image: bytes, message: str) -> None:
    with pytest.raises(ValueError) as info:
        payloader().packetize(image, 0)
    assert str(info.value) == message


def test_fill_bytes_before_markers_and_trailing_data_are_accepted() -> None:
    image = jpeg(
        SOI, "ffff", DQT_LUMA, "ff01", DQT_CHROMA, sof(16, 8), SOS, SCAN, "ffff", EOI, "00"
    )
    parsed = parse_jpeg(image)
    assert parsed.scan == bytes.fromhex(SCAN)


def test_scan_beyond_fragment_offsets() -> None:
    image = parse_jpeg(jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(16, 8), SOS, SCAN, EOI))
    huge = dataclasses.replace(image, scan=bytes(1 << 24))
    with pytest.raises(ValueError, match=r"^JPEG scan of 16777216 bytes is too large"):
        jpeg_payloads(huge, 1400)


def test_marker_segments() -> None:
    data = bytes.fromhex("ffff ffdd 0004 0010 ffd0 ffd9 ff")
    assert marker_segments(data) == [
        (0xDD, bytes.fromhex("ffdd00040010")),
        (0xD0, bytes.fromhex("ffd0")),
        (0xD9, bytes.fromhex("ffd9")),
    ]
    with pytest.raises(ValueError, match=r"^expected a marker at byte 0, found 0x12$"):
        marker_segments(b"\x12")


def test_format() -> None:
    fmt = JpegFormat()
    assert (fmt.payload_type, fmt.media, fmt.clock_rate, fmt.rtpmap(), fmt.fmtp()) == (
        26,
        "video",
        90000,
        "JPEG/90000",
        None,
    )
    assert fmt.attributes() == ()
    assert JpegFormat(width=2560, height=1440).attributes() == (
        "framesize:26 2560-1440",
        "x-dimensions:2560,1440",
    )
    with pytest.raises(
        ValueError, match=r"^JPEG payload type must be 26 or dynamic \(96..127\), got 27$"
    ):
        JpegFormat(27)


# Real JPEGs from Pillow (libjpeg), decoded again after the RTP round trip.


def picture(width: int, height: int, seed: int = 1) -> Image.Image:
    """Detail at every scale, so that scans span many packets."""
    rng = random.Random(seed)
    coarse = Image.frombytes(
        "RGB", (width // 16, height // 16), rng.randbytes(width // 16 * (height // 16) * 3)
    )
    fine = Image.frombytes(
        "L", (width // 2, height // 2), rng.randbytes(width // 2 * (height // 2))
    )
    base = coarse.resize((width, height), Image.Resampling.BICUBIC)
    return Image.blend(base, Image.merge("RGB", [fine.resize((width, height))] * 3), 0.3)


def encode(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def round_trip(data: bytes, max_payload_size: int = 1400) -> tuple[list[RtpPacket], bytes]:
    packets = payloader(max_payload_size).packetize(data, TIMESTAMP)
    (rebuilt,) = depayload_all(JpegDepayloader(), packets)
    assert isinstance(rebuilt, bytes)
    return packets, rebuilt


def assert_same_picture(original: bytes, rebuilt: bytes) -> None:
    with Image.open(io.BytesIO(original)) as expected, Image.open(io.BytesIO(rebuilt)) as actual:
        assert actual.size == expected.size
        assert actual.mode == expected.mode
        assert actual.tobytes() == expected.tobytes()


REAL = [
    # name, size, Pillow options, RFC 2435 type, extension expected
    ("640x360 4:2:0", (640, 360), {}, 1, False),
    ("640x360 4:2:2", (640, 360), {"subsampling": 1}, 0, False),
    ("640x360 restart every 4 MCUs", (640, 360), {"restart_marker_blocks": 4}, 65, False),
    (
        "640x360 restart every MCU row, 4:2:2",
        (640, 360),
        {"restart_marker_rows": 1, "subsampling": 1},
        64,
        False,
    ),
    ("640x360 optimised Huffman tables", (640, 360), {"optimize": True}, 1, True),
    ("2040x64 largest plain size", (2040, 64), {}, 1, False),
    ("2048x64 just too wide", (2048, 64), {}, 1, True),
    ("642x362 not a multiple of 8", (642, 362), {}, 1, True),
    ("2560x1440", (2560, 1440), {}, 1, True),
    ("2560x1440 with restart markers", (2560, 1440), {"restart_marker_rows": 2}, 65, True),
]


@pytest.mark.parametrize(
    ("name", "size", "options", "rtp_type", "extension"), REAL, ids=[r[0] for r in REAL]
)
def test_real_jpeg_round_trip(
    name: str, size: tuple[int, int], options: dict[str, object], rtp_type: int, extension: bool
) -> None:
    original = encode(picture(*size), quality=80, **options)
    packets, rebuilt = round_trip(original)
    assert needs_extension(parse_jpeg(original)) is extension
    first = packets[0]
    assert (first.extension is not None) is extension
    assert all(p.extension is None for p in packets[1:])
    assert first.payload[4] == rtp_type
    width, height = size
    fits = width <= 2040 and height <= 2040
    assert (first.payload[6], first.payload[7]) == (
        (-(-width // 8), -(-height // 8)) if fits else (0, 0)
    )
    assert [p.marker for p in packets] == [False] * (len(packets) - 1) + [True]
    assert {p.timestamp for p in packets} == {TIMESTAMP}
    assert all(len(bytes(p)) <= FIXED_HEADER_SIZE + 1400 for p in packets)
    assert_same_picture(original, rebuilt)


def test_real_jpeg_without_huffman_tables() -> None:
    """Motion-JPEG from webcams often omits DHT: the T.81 tables are implied."""
    original = encode(picture(320, 240), quality=70)
    image = parse_jpeg(original)
    stripped = original.replace(image.huffman_segments, b"")
    assert parse_jpeg(stripped).standard_huffman
    _, rebuilt = round_trip(stripped)
    assert_same_picture(original, rebuilt)


@pytest.mark.parametrize("max_payload_size", [8 + 4 + 132 + 1, 500, 1400, 9000])
def test_real_jpeg_payload_sizes(max_payload_size: int) -> None:
    original = encode(
        picture(1024, 576, seed=max_payload_size), quality=90, restart_marker_blocks=3
    )
    packets, rebuilt = round_trip(original, max_payload_size)
    assert len(packets[0].payload) == max_payload_size  # the first packet is filled exactly
    assert all(len(bytes(p)) <= FIXED_HEADER_SIZE + max_payload_size for p in packets)
    assert_same_picture(original, rebuilt)


def test_real_jpeg_payload_one_byte_too_small() -> None:
    original = encode(picture(1024, 576), quality=90, restart_marker_blocks=3)
    with pytest.raises(ValueError, match=r"^max payload size 144 leaves no room for scan data"):
        payloader(8 + 4 + 132).packetize(original, 0)


def test_stream_of_mixed_frames_through_one_depayloader() -> None:
    """Extension frames and plain frames alternate; Huffman tables must not leak between them."""
    frames = [
        encode(picture(640, 360, seed=1), optimize=True),
        encode(picture(640, 360, seed=2)),
        encode(picture(2560, 1440, seed=3)),
        encode(picture(2560, 1440, seed=4), optimize=True),
        encode(picture(2560, 1440, seed=5)),
    ]
    encoder = payloader(sequence=0xFFF0)
    packets = [p for i, frame in enumerate(frames) for p in encoder.packetize(frame, i * 3600)]
    rebuilt = depayload_all(JpegDepayloader(), packets)
    assert len(rebuilt) == len(frames)
    for original, copy in zip(frames, rebuilt, strict=True):
        assert isinstance(copy, bytes)
        assert_same_picture(original, copy)


def test_input_is_not_mutated() -> None:
    original = bytearray(encode(picture(320, 240)))
    snapshot = bytes(original)
    payloader().packetize(bytes(original), 0)
    assert original == snapshot


def test_sequence_number_wraps() -> None:
    image = jpeg(SOI, DQT_LUMA, DQT_CHROMA, sof(16, 8), SOS, SCAN, EOI)
    encoder = payloader(8 + 132 + 1, sequence=0xFFFE)
    packets = encoder.packetize(image, 0) + encoder.packetize(image, 3000)
    assert [p.sequence_number for p in packets] == [0xFFFE, 0xFFFF, 0, 1]
    assert encoder.next_sequence_number == 2
    assert len(depayload_all(JpegDepayloader(), packets)) == 2


def test_extension_is_what_carries_optimised_tables() -> None:
    """Dropping the extension leaves an RFC 2435 receiver with the wrong Huffman tables."""
    original = encode(picture(640, 360), optimize=True)
    packets = payloader().packetize(original, 0)
    stripped = [dataclasses.replace(packets[0], extension=None), *packets[1:]]
    (rebuilt,) = depayload_all(JpegDepayloader(), stripped)
    with Image.open(io.BytesIO(original)) as expected:
        try:
            with Image.open(io.BytesIO(rebuilt)) as actual:
                assert actual.tobytes() != expected.tobytes()
        except OSError:
            pass  # or the scan does not even decode
