"""The session description (RFC 4566) a DESCRIBE answers with.

One media section per track of a profile, each with an absolute control URL
(as the ONVIF Streaming spec's examples do, so no client has to guess how to
resolve a relative one against Content-Base) and a direction: ``recvonly``
for what the camera sends, ``sendonly`` for the audio back channel the client
sends.  The RTP formats themselves (rtpmap, fmtp) come from the payloaders'
format objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from onvif_device.streaming.rtp import RtpFormat

Direction = Literal["recvonly", "sendonly"]


@dataclass(frozen=True, slots=True)
class MediaSection:
    format: RtpFormat
    control: str  # absolute rtsp:// URL the client SETUPs
    direction: Direction = "recvonly"
    bandwidth_kbps: int | None = None
    multicast: tuple[str, int, int] | None = None  # (group, port, TTL) for a multicast session
    attributes: tuple[str, ...] = field(default=())  # extra a= lines, without the "a="


def _address_type(address: str) -> str:
    return "IP6" if ":" in address else "IP4"


def session_description(
    *,
    origin: str,
    session_id: int,
    version: int,
    name: str,
    sections: Sequence[MediaSection],
    aggregate_control: str = "*",
) -> bytes:
    """The SDP body; `origin` is the camera's address, `session_id`/`version` per RFC 4566 5.2."""
    lines = [
        "v=0",
        f"o=- {session_id} {version} IN {_address_type(origin)} {origin}",
        f"s={name}",
        # Unicast sessions get their addresses from SETUP; multicast sections override this.
        f"c=IN {_address_type(origin)} {'::' if ':' in origin else '0.0.0.0'}",
        "t=0 0",
        f"a=control:{aggregate_control}",
        "a=range:npt=now-",  # a live source: no start, no end
    ]
    for section in sections:
        lines.extend(_media_lines(section))
    return ("\r\n".join(lines) + "\r\n").encode()


def _media_lines(section: MediaSection) -> list[str]:
    fmt = section.format
    port = section.multicast[1] if section.multicast else 0
    lines = [f"m={fmt.media} {port} RTP/AVP {fmt.payload_type}"]
    if section.multicast:
        group, _, ttl = section.multicast
        lines.append(f"c=IN {_address_type(group)} {group}/{ttl}")
    if section.bandwidth_kbps:
        lines.append(f"b=AS:{section.bandwidth_kbps}")
    lines.append(f"a=rtpmap:{fmt.payload_type} {fmt.rtpmap()}")
    fmtp = fmt.fmtp()
    if fmtp:
        lines.append(f"a=fmtp:{fmt.payload_type} {fmtp}")
    extra = getattr(fmt, "attributes", None)  # JPEG announces its frame size
    if callable(extra):
        lines.extend(f"a={attribute}" for attribute in extra())
    lines.extend(f"a={attribute}" for attribute in section.attributes)
    lines.append(f"a=control:{section.control}")
    lines.append(f"a={section.direction}")
    return lines
