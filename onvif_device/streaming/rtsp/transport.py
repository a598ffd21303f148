"""The Transport header (RFC 2326 section 12.39): parse a client's offer, format the reply.

A client lists alternatives in order of preference, separated by commas:

    RTP/AVP/UDP;unicast;client_port=5000-5001,RTP/AVP/UDP;multicast,RTP/AVP/TCP

Each is a transport spec ("RTP/AVP", "RTP/AVP/TCP", "RTP/AVP/UDP"; no lower
transport means UDP) followed by ";"-separated parameters. Parsing only
checks form: whether an offer is acceptable (461 Unsupported Transport) is
the server's call. Unknown parameters are kept in `extra` instead of failing,
because clients add their own ("x-dynamic-rate=1", "append").

RFC 2326 makes multicast the default when neither "unicast" nor "multicast"
is given, but clients that omit it ("RTP/AVP/TCP") mean unicast, and servers
such as live555 read it that way; so does this module.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from .headers import HeaderError

_SPEC = re.compile(r"([A-Za-z0-9._+-]+)/([A-Za-z0-9._+-]+)(?:/([A-Za-z0-9._+-]+))?")
_PAIR = re.compile(r"([0-9]{1,10})(?:[ \t]*-[ \t]*([0-9]{1,10}))?")
_TTL = re.compile(r"[0-9]{1,10}")
_SSRC = re.compile(r"[0-9A-Fa-f]{1,8}")
_MODE = re.compile(r"[A-Za-z0-9._+-]+(?:,[A-Za-z0-9._+-]+)*")
_ADDRESS = re.compile(r"[^\s;,\"]+")
_TOKEN = re.compile(r"[A-Za-z0-9._+-]+")

# (lowest, highest) value of each pair parameter.
_PAIR_RANGES = {
    "client_port": (1, 0xFFFF),
    "server_port": (1, 0xFFFF),
    "port": (1, 0xFFFF),
    "interleaved": (0, 255),
}


class TransportError(HeaderError):
    """A Transport header that cannot be parsed (400), or a spec that cannot be built."""


@dataclass(frozen=True, slots=True)
class TransportSpec:
    """One transport alternative. Pairs are (RTP, RTCP) ports or interleaved channels.

    `ssrc` is 8 upper-case hex digits; `mode` is upper case without quotes;
    `extra` holds parameters this module does not know, as sent, and is
    not written by `format()`.
    """

    protocol: str = "RTP/AVP"
    lower: str = "UDP"
    multicast: bool = False
    client_port: tuple[int, int] | None = None
    server_port: tuple[int, int] | None = None
    interleaved: tuple[int, int] | None = None
    destination: str | None = None
    source: str | None = None
    port: tuple[int, int] | None = None
    ttl: int | None = None
    ssrc: str | None = None
    mode: str | None = None
    extra: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        transport, _, profile = self.protocol.partition("/")
        if not (_TOKEN.fullmatch(transport) and _TOKEN.fullmatch(profile)):
            raise TransportError(f"protocol {self.protocol!r} is not transport/profile, like RTP/AVP")
        if not _TOKEN.fullmatch(self.lower):
            raise TransportError(f"lower transport {self.lower!r} is not a token, like UDP or TCP")
        for name, (lowest, highest) in _PAIR_RANGES.items():
            pair = getattr(self, name)
            if pair is None:
                continue
            first, second = pair
            if not (lowest <= first <= highest and lowest <= second <= highest):
                raise TransportError(f"{name} {first}-{second} is outside {lowest}..{highest}")
            if second < first:
                raise TransportError(f"{name} {first}-{second} is reversed")
        if self.ttl is not None and not 0 <= self.ttl <= 255:
            raise TransportError(f"ttl {self.ttl} is outside 0..255")
        for name in ("destination", "source"):
            address = getattr(self, name)
            if address is not None and not _ADDRESS.fullmatch(address):
                raise TransportError(f"{name} {address!r} is empty or has a space, ';', ',' or quote")
        if self.ssrc is not None and not (len(self.ssrc) == 8 and _SSRC.fullmatch(self.ssrc)):
            raise TransportError(f"ssrc {self.ssrc!r} is not 8 hex digits")
        if self.mode is not None and not _MODE.fullmatch(self.mode):
            raise TransportError(f"mode {self.mode!r} is not a method name such as PLAY")

    def format(self) -> str:
        """The header value, e.g. "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=1A2B3C4D"."""
        # UDP is the default lower transport; "RTP/AVP" is understood by every client.
        parts = [self.protocol if self.lower == "UDP" else f"{self.protocol}/{self.lower}"]
        parts.append("multicast" if self.multicast else "unicast")
        if self.destination is not None:
            parts.append(f"destination={self.destination}")
        if self.source is not None:
            parts.append(f"source={self.source}")
        for name in ("client_port", "server_port", "interleaved", "port"):
            pair = getattr(self, name)
            if pair is not None:
                parts.append(f"{name}={pair[0]}-{pair[1]}")
        if self.ttl is not None:
            parts.append(f"ttl={self.ttl}")
        if self.ssrc is not None:
            parts.append(f"ssrc={self.ssrc}")
        if self.mode is not None:
            # RFC 2326 quotes a list of modes; a single one is commonly bare.
            parts.append(f'mode="{self.mode}"' if "," in self.mode else f"mode={self.mode}")
        return ";".join(parts)

    def replace(self, **changes: Any) -> TransportSpec:
        return dataclasses.replace(self, **changes)


def parse_transports(value: str) -> list[TransportSpec]:
    """The alternatives of a Transport header, in the client's order of preference."""
    specs = [_parse_spec(text) for text in _split(value, ",") if text.strip(" \t")]
    if not specs:
        raise TransportError("Transport header lists no transport")
    return specs


def _parse_spec(text: str) -> TransportSpec:
    head, *params = _split(text, ";")
    head = head.strip(" \t")
    spec = _SPEC.fullmatch(head)
    if spec is None:
        raise TransportError(f"transport {_quote(head)} is not transport/profile[/lower], like RTP/AVP/TCP")
    fields: dict[str, Any] = {
        "protocol": f"{spec[1]}/{spec[2]}".upper(),
        "lower": (spec[3] or "UDP").upper(),
    }
    cast: str | None = None
    extra: list[str] = []
    for param in params:
        param = param.strip(" \t")
        if not param:
            continue  # "client_port=8002-8003;" has a trailing separator
        name, _, raw = param.partition("=")
        name = name.strip(" \t").lower()
        raw = raw.strip(" \t")
        if name in ("unicast", "multicast"):
            if cast is not None and cast != name:
                raise TransportError(f"transport {_quote(head)} is both unicast and multicast")
            cast = name
        elif name in _PAIR_RANGES:
            fields[name] = _pair(name, raw)
        elif name == "ttl":
            if not _TTL.fullmatch(raw):
                raise TransportError(f"ttl={_quote(raw)} is not a number")
            fields["ttl"] = int(raw)
        elif name in ("destination", "source"):
            fields[name] = raw.strip('"') or None
        elif name == "ssrc":
            if not _SSRC.fullmatch(raw):
                raise TransportError(f"ssrc={_quote(raw)} is not up to 8 hex digits")
            fields["ssrc"] = raw.upper().zfill(8)
        elif name == "mode":
            mode = raw.strip('"').replace(" ", "").upper()
            if not _MODE.fullmatch(mode):
                raise TransportError(f"mode={_quote(raw)} is not a method name such as PLAY")
            fields["mode"] = mode
        else:
            extra.append(param)
    try:
        return TransportSpec(**fields, multicast=cast == "multicast", extra=tuple(extra))
    except TransportError as error:
        raise TransportError(f"transport {_quote(text.strip())}: {error}") from None


def _pair(name: str, raw: str) -> tuple[int, int]:
    """ "5000-5001", or "5000" meaning 5000 and the next one (RTCP)."""
    match = _PAIR.fullmatch(raw)
    if match is None:
        raise TransportError(f"{name}={_quote(raw)} is not a number or a range like 5000-5001")
    first = int(match[1])
    if match[2] is not None:
        return first, int(match[2])
    highest = _PAIR_RANGES[name][1]
    if first == highest:
        raise TransportError(f"{name}={first} leaves no room for the RTCP {name.replace('_', ' ')}")
    return first, first + 1


def _split(text: str, separator: str) -> list[str]:
    """`text` split at `separator` outside double quotes (mode="PLAY,RECORD")."""
    parts = []
    start = 0
    quoted = False
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _quote(text: str, limit: int = 60) -> str:
    return ascii(text if len(text) <= limit else text[:limit] + "...")
