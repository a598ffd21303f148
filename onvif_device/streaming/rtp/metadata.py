"""The ONVIF metadata stream over RTP (ONVIF Streaming Specification, "RTP for Metadata stream").

One ``tt:MetadataStream`` XML document (or its gzip/EXI form) is cut into
packets of at most the payload limit; every packet carries the same
timestamp and the marker bit is set on the packet that closes the document.
The SDP announces it as media ``application`` with encoding name
``vnd.onvif.metadata`` at 90 kHz, on a dynamic payload type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .payloader import Payloader, chunks

__all__ = ["METADATA_ENCODINGS", "MetadataFormat", "MetadataPayloader", "metadata_payloads"]

METADATA_ENCODINGS = (
    "vnd.onvif.metadata",  # plain XML
    "vnd.onvif.metadata+gzip",  # each document gzip-compressed (RFC 1952)
    "vnd.onvif.metadata.exi.ext",  # EXI, compression parameters in-band
)


@dataclass(frozen=True, slots=True)
class MetadataFormat:
    """What the SDP says about a metadata stream."""

    payload_type: int
    encoding_name: str = METADATA_ENCODINGS[0]

    media: ClassVar[str] = "application"
    clock_rate: ClassVar[int] = 90000

    def __post_init__(self) -> None:
        if not 96 <= self.payload_type <= 127:
            raise ValueError(
                f"metadata needs a dynamic payload type (96..127), got {self.payload_type}"
            )
        if self.encoding_name not in METADATA_ENCODINGS:
            raise ValueError(
                f"unknown metadata encoding {self.encoding_name!r};"
                f" expected one of {', '.join(METADATA_ENCODINGS)}"
            )

    def rtpmap(self) -> str:
        return f"{self.encoding_name}/{self.clock_rate}"

    def fmtp(self) -> str | None:
        return None


def metadata_payloads(document: bytes, max_payload_size: int) -> list[bytes]:
    if not document:
        raise ValueError("metadata document is empty")
    return chunks(document, max_payload_size)


class MetadataPayloader(Payloader[bytes]):
    """Packetizes metadata documents (serialised XML bytes, compressed or not)."""

    codec = "metadata"
    min_payload_size = 1

    def payloads(self, unit: bytes) -> list[bytes]:
        return metadata_payloads(unit, self.config.max_payload_size)
