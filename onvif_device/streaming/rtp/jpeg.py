"""JPEG over RTP (RFC 2435) with the ONVIF JPEG header extension.

Each frame is a baseline JPEG. Its entropy-coded scan is cut into packets, each
opened by the RFC 2435 main header (fragment offset = position in the scan),
the restart marker header when the JPEG has a restart interval (types 64/65),
and, in the first packet only, the quantization tables in-band (Q = 255).

When a receiver following RFC 2435 alone would rebuild a different image (size
above 2040 pixels or not a multiple of 8, Huffman tables other than the T.81
ones), the first packet also carries the ONVIF header extension with the
JPEG's own SOF0, DQT, DRI, DHT and SOS segments. Its width and height bytes
then hold the size in 8-pixel blocks when that fits, and 0 when it does not:
the SOF in the extension is what gives the size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .jpeg_extension import jpeg_extension
from .jpeg_headers import (
    DYNAMIC_TABLES_Q,
    RESTART_TYPE_FLAG,
    JpegHeader,
    QuantizationTableHeader,
    RestartHeader,
)
from .jpeg_markers import JpegImage, parse_jpeg
from .jpeg_tables import STANDARD_HUFFMAN_SEGMENT
from .packet import HeaderExtension, RtpPacket
from .payloader import Payloader

__all__ = ["JpegFormat", "JpegPayloader", "jpeg_payloads", "needs_extension"]

STATIC_PAYLOAD_TYPE = 26  # RFC 3551
MAX_RFC2435_SIZE = 255 * 8  # width and height travel as one byte of 8-pixel blocks
_MAX_SCAN_SIZE = 1 << 24  # the fragment offset has 24 bits


@dataclass(frozen=True, slots=True)
class JpegFormat:
    """What the SDP says about a JPEG stream (PT 26 unless told otherwise)."""

    payload_type: int = STATIC_PAYLOAD_TYPE
    width: int | None = None
    height: int | None = None

    media: ClassVar[str] = "video"
    clock_rate: ClassVar[int] = 90000
    encoding_name: ClassVar[str] = "JPEG"

    def __post_init__(self) -> None:
        if self.payload_type != STATIC_PAYLOAD_TYPE and not 96 <= self.payload_type <= 127:
            raise ValueError(
                f"JPEG payload type must be 26 or dynamic (96..127), got {self.payload_type}"
            )

    def rtpmap(self) -> str:
        return f"{self.encoding_name}/{self.clock_rate}"

    def fmtp(self) -> str | None:
        return None

    def attributes(self) -> tuple[str, ...]:
        """SDP attributes announcing the frame size, which clients read when the
        RTP/JPEG header cannot hold it: ``x-dimensions`` (GStreamer, Axis) and
        ``framesize`` (3GPP)."""
        if self.width is None or self.height is None:
            return ()
        return (
            f"framesize:{self.payload_type} {self.width}-{self.height}",
            f"x-dimensions:{self.width},{self.height}",
        )


def needs_extension(image: JpegImage) -> bool:
    """Whether RFC 2435 alone would make a receiver rebuild a different image."""
    exact_size = all(
        side <= MAX_RFC2435_SIZE and side % 8 == 0 for side in (image.width, image.height)
    )
    return not (exact_size and image.standard_huffman)


def _extension(image: JpegImage) -> HeaderExtension:
    # SOF first: some receivers look for the frame size only at the start of the data.
    headers = (
        image.frame_segment
        + image.quantization_segments
        + image.restart_segment
        + (image.huffman_segments or STANDARD_HUFFMAN_SEGMENT)
    )
    return jpeg_extension(headers, image.scan_segment)


def jpeg_payloads(
    image: JpegImage, max_payload_size: int
) -> tuple[HeaderExtension | None, list[bytes]]:
    """The header extension for the first packet (or None) and every packet's payload."""
    if len(image.scan) >= _MAX_SCAN_SIZE:
        raise ValueError(
            f"JPEG scan of {len(image.scan)} bytes is too large: RFC 2435 fragment offsets"
            " address 16 MiB"
        )
    extension = _extension(image) if needs_extension(image) else None
    fits = image.width <= MAX_RFC2435_SIZE and image.height <= MAX_RFC2435_SIZE
    width_blocks = -(-image.width // 8) if fits else 0
    height_blocks = -(-image.height // 8) if fits else 0
    rtp_type = image.rtp_type
    restart = b""
    if image.restart_interval:
        rtp_type |= RESTART_TYPE_FLAG
        # Packets are cut anywhere, not at restart intervals: F = L = 1, count 0x3FFF.
        restart = RestartHeader(image.restart_interval).marshal()
    # Precision bit i is set when table i holds 16-bit values.
    precision = (len(image.luma_table) == 128) | (len(image.chroma_table) == 128) << 1
    tables = QuantizationTableHeader(precision, image.luma_table + image.chroma_table).marshal()

    payloads = []
    offset = 0
    while True:
        first = offset == 0
        header = JpegHeader(
            0, offset, rtp_type, DYNAMIC_TABLES_Q, width_blocks, height_blocks
        ).marshal()
        header += restart + (tables if first else b"")
        room = max_payload_size - len(header)
        if first and extension is not None:
            room -= extension.size
        if room < 1:
            raise ValueError(
                f"max payload size {max_payload_size} leaves no room for scan data after"
                f" {max_payload_size - room} bytes of JPEG headers in the first packet"
            )
        chunk = image.scan[offset : offset + room]
        payloads.append(header + chunk)
        offset += len(chunk)
        if offset >= len(image.scan):
            return extension, payloads


class JpegPayloader(Payloader[bytes]):
    """Packetizes baseline JPEG frames (whole JFIF files, as Pillow or ffmpeg write them)."""

    codec = "JPEG"
    # Main header + restart header + one scan byte; the first packet needs more,
    # which depends on the image and is checked per frame.
    min_payload_size = JpegHeader.SIZE + RestartHeader.SIZE + 1

    def payloads(self, unit: bytes) -> list[bytes]:
        """The packets' payloads; the first packet's header extension, if any, is left out."""
        return jpeg_payloads(parse_jpeg(unit), self.config.max_payload_size)[1]

    def packetize(self, unit: bytes, timestamp: int) -> list[RtpPacket]:
        # The first packet may also carry the ONVIF header extension.
        extension, payloads = jpeg_payloads(parse_jpeg(unit), self.config.max_payload_size)
        return self._sequencer.frame(payloads, timestamp, first_extension=extension)
