"""The ONVIF JPEG header extension (ONVIF Streaming Specification, "JPEG over RTP").

RFC 2435 cannot say everything about a JPEG: sizes stop at 2040 pixels and
Huffman tables are fixed. ONVIF lets a sender put real JPEG marker segments
(SOF, DQT, DHT, DRI, SOS...) in an RFC 3550 header extension:

- the extension's 16-bit profile field is 0xFFD8 in the first packet of a
  frame and 0xFFFF in any later packet of that frame that carries one;
- its length counts 32-bit words; the data is marker segments, padded to a
  whole word with 0xFF fill bytes, which a JPEG decoder skips before a marker;
- an SOS, if present, must be the last marker, with no padding after it;
- the receiver decodes SOI + the extension data, deriving from the RFC 2435
  header whatever the extension leaves out (segments in it take precedence).

Within the replay extension (profile 0xABAC, three words of its own) the same
structure may follow as a 16-bit start code and a 16-bit word count.
"""

from __future__ import annotations

from .packet import HeaderExtension

INITIAL_PROFILE = 0xFFD8  # the JPEG SOI marker: first packet of a frame
CONTINUATION_PROFILE = 0xFFFF  # later packets of the same frame
REPLAY_PROFILE = 0xABAC  # ONVIF replay extension, which the JPEG one may follow
_REPLAY_WORDS = 3
_START_CODES = (INITIAL_PROFILE, CONTINUATION_PROFILE)


def jpeg_extension(
    headers: bytes, scan_header: bytes = b"", *, initial: bool = True
) -> HeaderExtension:
    """The extension carrying ``headers`` (marker segments) and an optional final SOS.

    Fill bytes go between the two, so an SOS stays the last bytes of the data.
    """
    fill = -(len(headers) + len(scan_header)) % 4
    data = headers + b"\xff" * fill + scan_header
    return HeaderExtension(INITIAL_PROFILE if initial else CONTINUATION_PROFILE, data)


def jpeg_extension_payload(extension: HeaderExtension | None) -> tuple[int, bytes] | None:
    """(start code, marker data) of an ONVIF JPEG extension, alone or after a replay one.

    None when the packet carries no such extension.
    """
    if extension is None:
        return None
    if extension.profile in _START_CODES:
        return extension.profile, extension.data
    replay_size = 4 * _REPLAY_WORDS
    if extension.profile == REPLAY_PROFILE and len(extension.data) >= replay_size + 4:
        nested = extension.data[replay_size:]
        start_code = int.from_bytes(nested[:2], "big")
        words = int.from_bytes(nested[2:4], "big")
        if start_code in _START_CODES and 4 + 4 * words <= len(nested):
            return start_code, nested[4 : 4 + 4 * words]
    return None
