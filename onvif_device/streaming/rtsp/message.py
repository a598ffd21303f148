"""RTSP 1.0 messages (RFC 2326): requests in, responses out, no I/O.

The server feeds whatever its socket produced to a `RequestParser` and then
calls `next_event()` until it returns `NEED_DATA`. Events are `Request`s and
`InterleavedFrame`s (RTP/RTCP that a client sends over the RTSP connection,
RFC 2326 section 10.12). Bytes that cannot be a request raise `ProtocolError`,
which carries the status to answer before closing the connection.

Writers (`encode_response`, `encode_request`, `encode_interleaved`) check what
they are given and raise `ValueError` rather than put a malformed message, or
a header that smuggles a line break, on the wire.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final, Literal

RTSP_VERSION: Final = "RTSP/1.0"

STATUS_REASONS: Final[dict[int, str]] = {
    100: "Continue",
    200: "OK",
    201: "Created",
    250: "Low on Storage Space",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Moved Temporarily",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Time-out",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Request Entity Too Large",
    414: "Request-URI Too Large",
    415: "Unsupported Media Type",
    451: "Parameter Not Understood",
    452: "Conference Not Found",
    453: "Not Enough Bandwidth",
    454: "Session Not Found",
    455: "Method Not Valid in This State",
    456: "Header Field Not Valid for Resource",
    457: "Invalid Range",
    458: "Parameter Is Read-Only",
    459: "Aggregate operation not allowed",
    460: "Only aggregate operation allowed",
    461: "Unsupported transport",
    462: "Destination unreachable",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Time-out",
    505: "RTSP Version not supported",
    551: "Option not supported",
}

# For codes outside the table: RFC 2326 section 7.1.1 lets a client treat an
# unknown code as the x00 code of its class.
_CLASS_REASONS: Final = {1: "Continue", 2: "OK", 3: "Redirection", 4: "Bad Request", 5: "Server Error"}

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_URI = re.compile(r"[\x21-\x7e]+")
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e]*")
_BAD_CHAR = re.compile(r"[^\t\x20-\x7e]")
_BAD_BYTE = re.compile(rb"[^\t\r\n\x20-\x7e]")
_BLANK_LINE = re.compile(rb"\n\r?\n")
_EMPTY_LINES = re.compile(rb"[\r\n]*")
_LINE_END = re.compile(r"\r?\n")
_VERSION = re.compile(r"RTSP/[0-9]+\.[0-9]+")
_DIGITS = re.compile(r"[0-9]{1,18}")
# Only a CSeq that is safe to echo: visible ASCII, short.
_CSEQ_LINE = re.compile(rb"^cseq[ \t]*:[ \t]*([\x21-\x7e]{1,64})[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)


class Headers:
    """An ordered multi-map of header fields with case-insensitive names.

    Names keep the spelling they arrived (or were added) with, so a message
    can be written back out as it was. Iterating yields (name, value) pairs.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str]] = list(items)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of `name`, or `default`."""
        key = name.lower()
        for item_name, value in self._items:
            if item_name.lower() == key:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        key = name.lower()
        return [value for item_name, value in self._items if item_name.lower() == key]

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = name.lower()
        return any(item_name.lower() == key for item_name, _ in self._items)

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def add(self, name: str, value: str) -> None:
        self._items.append((name, value))

    def set(self, name: str, value: str) -> None:
        """Replace every `name` field by one, where the first one was (else at the end)."""
        key = name.lower()
        positions = [i for i, (item_name, _) in enumerate(self._items) if item_name.lower() == key]
        at = positions[0] if positions else len(self._items)
        kept = [item for item in self._items[:at] if item[0].lower() != key]
        rest = [item for item in self._items[at:] if item[0].lower() != key]
        self._items = [*kept, (name, value), *rest]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return _folded(self._items) == _folded(other._items)

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


def _folded(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name.lower(), value) for name, value in items]


@dataclass(frozen=True, slots=True)
class Request:
    """One RTSP request as the client sent it (method and URI unchanged)."""

    method: str
    uri: str
    version: str
    headers: Headers
    body: bytes = b""

    def __post_init__(self) -> None:
        if not _TOKEN.fullmatch(self.method):
            raise ValueError(f"method {self.method!r} is not a token")
        if not _URI.fullmatch(self.uri):
            raise ValueError(f"request URI {self.uri!r} is empty or has spaces or control characters")
        if not _VERSION.fullmatch(self.version):
            raise ValueError(f"version {self.version!r} is not RTSP/<major>.<minor>")

    @property
    def cseq(self) -> str | None:
        value = self.headers.get("CSeq")
        return None if value is None else value.strip()


@dataclass(frozen=True, slots=True)
class InterleavedFrame:
    """RTP or RTCP data carried on the RTSP connection: "$", channel, 16-bit length, data."""

    channel: int
    payload: bytes

    def __post_init__(self) -> None:
        if not 0 <= self.channel <= 255:
            raise ValueError(f"interleaved channel must be 0..255, got {self.channel}")
        if len(self.payload) > 0xFFFF:
            raise ValueError(f"interleaved payload must be at most 65535 bytes, got {len(self.payload)}")


class ProtocolError(Exception):
    """Bytes that cannot be parsed as a request: answer `status`, then close.

    `reason` names what was wrong; peer text in it is escaped and shortened,
    so it is safe to log or to send back. `cseq` is the request's CSeq when it
    could be read, so the error response can echo it.
    """

    def __init__(self, status: int, reason: str, cseq: str | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.cseq = cseq


class _Sentinel(enum.Enum):
    NEED_DATA = "NEED_DATA"

    def __repr__(self) -> str:
        return self.value


NEED_DATA: Final = _Sentinel.NEED_DATA


@dataclass(frozen=True, slots=True)
class _Head:
    """A parsed request line and header section, waiting for its body."""

    method: str
    uri: str
    version: str
    headers: Headers
    content_length: int


class RequestParser:
    """Turns the bytes a client sends into `Request`s and `InterleavedFrame`s.

    Theory of operation. Between messages (a *boundary*) the parser skips
    empty lines, which RFC 2326 tolerates and some clients send as keep-alives.
    A "$" at a boundary starts an interleaved frame: four header bytes, then
    the payload. Anything else is the start of a request head, which ends at
    the first empty line; lines may end in CRLF or a bare LF. A parsed head
    with a Content-Length waits in `_head` until its body has arrived.

    Limits hold while bytes arrive, not once a message is complete: an
    unfinished head is checked for bad bytes and for an HTTP request line as
    soon as those are buffered, and fails once `max_header_bytes` are held
    without an empty line, so a peer cannot make the parser buffer without
    bound. The first `ProtocolError` breaks the parser: later calls raise it
    again and fed data is dropped, because the server closes the connection.
    """

    def __init__(
        self,
        *,
        max_header_bytes: int = 8192,
        max_body_bytes: int = 65536,
        max_interleaved_bytes: int = 65535,
    ) -> None:
        self._max_header_bytes = max_header_bytes
        self._max_body_bytes = max_body_bytes
        self._max_interleaved_bytes = max_interleaved_bytes
        self._buffer = bytearray()
        self._scanned = 0  # bytes of an unfinished head already checked
        self._request_line_checked = False
        self._head: _Head | None = None
        self._error: ProtocolError | None = None

    def feed(self, data: bytes) -> None:
        if self._error is None:
            self._buffer += data

    @property
    def buffered(self) -> int:
        """Bytes received but not yet returned as events."""
        return len(self._buffer)

    def next_event(self) -> Request | InterleavedFrame | Literal[_Sentinel.NEED_DATA]:
        """The next complete event, or `NEED_DATA`; raises `ProtocolError`."""
        if self._error is not None:
            raise self._error
        try:
            return self._next_event()
        except ProtocolError as error:
            self._error = error
            self._buffer.clear()
            raise

    def _next_event(self) -> Request | InterleavedFrame | Literal[_Sentinel.NEED_DATA]:
        if self._head is not None:
            return self._read_body(self._head)
        if self._scanned == 0:
            skipped = _EMPTY_LINES.match(self._buffer)
            if skipped is not None and skipped.end():
                del self._buffer[: skipped.end()]
        if not self._buffer:
            return NEED_DATA
        if self._buffer[0] == 0x24:  # "$"
            return self._read_frame()
        return self._read_head()

    def _read_frame(self) -> InterleavedFrame | Literal[_Sentinel.NEED_DATA]:
        buffer = self._buffer
        if len(buffer) < 4:
            return NEED_DATA
        channel = buffer[1]
        length = int.from_bytes(buffer[2:4], "big")
        if length > self._max_interleaved_bytes:
            raise ProtocolError(
                413,
                f"interleaved frame of {length} bytes on channel {channel},"
                f" over the {self._max_interleaved_bytes} byte limit",
            )
        end = 4 + length
        if len(buffer) < end:
            return NEED_DATA
        frame = InterleavedFrame(channel, bytes(buffer[4:end]))
        del buffer[:end]
        return frame

    def _read_head(self) -> Request | Literal[_Sentinel.NEED_DATA]:
        buffer = self._buffer
        limit = self._max_header_bytes
        # The empty line may straddle the previous chunk: look back two bytes.
        blank = _BLANK_LINE.search(buffer, max(self._scanned - 2, 0), limit)
        if blank is None:
            self._check_unfinished_head()
            if len(buffer) >= limit:
                raise ProtocolError(400, f"header section over {limit} bytes", _sniff_cseq(buffer[:limit]))
            self._scanned = len(buffer)
            return NEED_DATA
        head_bytes = bytes(buffer[: blank.start()])
        del buffer[: blank.end()]
        self._scanned = 0
        self._request_line_checked = False
        head = _parse_head(head_bytes, self._max_body_bytes)
        if head.content_length:
            self._head = head
            return self._read_body(head)
        return Request(head.method, head.uri, head.version, head.headers)

    def _check_unfinished_head(self) -> None:
        # Within the limit only: past it may lie a body, which is not text.
        buffer, limit = self._buffer, self._max_header_bytes
        if not self._request_line_checked:
            newline = buffer.find(b"\n", self._scanned, limit)
            if newline >= 0:
                # Only HTTP is refused this early; other errors wait for the CSeq to echo.
                _refuse_http(buffer[:newline].decode("latin-1").removesuffix("\r"))
                self._request_line_checked = True
        bad = _BAD_BYTE.search(buffer, self._scanned, limit)
        if bad is not None:
            raise ProtocolError(
                400,
                f"control or non-ASCII byte 0x{bad[0][0]:02x} in the header section",
                _sniff_cseq(buffer[: bad.start()]),
            )

    def _read_body(self, head: _Head) -> Request | Literal[_Sentinel.NEED_DATA]:
        length = head.content_length
        if len(self._buffer) < length:
            return NEED_DATA
        body = bytes(self._buffer[:length])
        del self._buffer[:length]
        self._head = None
        return Request(head.method, head.uri, head.version, head.headers, body)


def _sniff_cseq(head: bytes | bytearray) -> str | None:
    """The CSeq of a head that failed to parse, if one can be read safely."""
    found = _CSEQ_LINE.search(head)
    return None if found is None else found[1].decode("ascii")


def _parse_head(data: bytes, max_body_bytes: int) -> _Head:
    text = data.decode("latin-1").removesuffix("\r")
    cseq = _sniff_cseq(data)
    lines = _LINE_END.split(text)
    method, uri, version = _parse_request_line(lines[0], cseq)
    fields: list[tuple[str, str]] = []
    for line in lines[1:]:
        bad = _BAD_CHAR.search(line)
        if bad is not None:
            raise ProtocolError(
                400, f"control or non-ASCII byte 0x{ord(bad[0]):02x} in the header section", cseq
            )
        if line[:1] in (" ", "\t"):
            # Folding (RFC 2326 section 4.2, after HTTP/1.1): the line continues the previous value.
            if not fields:
                raise ProtocolError(400, "continuation line before any header", cseq)
            name, value = fields[-1]
            more = line.strip(" \t")
            fields[-1] = (name, f"{value} {more}" if value and more else value or more)
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise ProtocolError(400, f"header line without ':': {_quote(line)}", cseq)
        name = name.rstrip(" \t")
        if not _TOKEN.fullmatch(name):
            raise ProtocolError(400, f"header name {_quote(name)} is not a token", cseq)
        fields.append((name, value.strip(" \t")))
    headers = Headers(fields)
    return _Head(method, uri, version, headers, _content_length(headers, max_body_bytes, cseq))


def _parse_request_line(line: str, cseq: str | None) -> tuple[str, str, str]:
    bad = _BAD_CHAR.search(line)
    if bad is not None:
        raise ProtocolError(400, f"control or non-ASCII byte 0x{ord(bad[0]):02x} in the request line", cseq)
    _refuse_http(line)
    parts = line.split()
    if parts and parts[0].startswith("RTSP/"):
        raise ProtocolError(400, f"a response where a request was expected: {_quote(line)}", cseq)
    if len(parts) != 3:
        raise ProtocolError(400, f"request line {_quote(line)} is not METHOD URI RTSP/1.0", cseq)
    method, uri, version = parts
    if version != RTSP_VERSION:
        if _VERSION.fullmatch(version):
            raise ProtocolError(505, f"{version} is not supported, only {RTSP_VERSION}", cseq)
        raise ProtocolError(400, f"protocol version {_quote(version)} is not RTSP/1.0", cseq)
    if not _TOKEN.fullmatch(method):
        raise ProtocolError(400, f"method {_quote(method)} is not a token", cseq)
    return method, uri, version


def _refuse_http(request_line: str) -> None:
    parts = request_line.split()
    if parts and parts[-1].upper().startswith("HTTP/"):
        # Usually a browser pointed at the RTSP port; say so rather than "bad request".
        raise ProtocolError(400, f"an HTTP request on the RTSP port: {_quote(request_line)}")


def _content_length(headers: Headers, max_body_bytes: int, cseq: str | None) -> int:
    values = headers.get_all("Content-Length")
    if not values:
        return 0
    if len(set(values)) > 1:
        raise ProtocolError(400, f"conflicting Content-Length headers: {_quote(', '.join(values))}", cseq)
    if not values[0].isascii() or not values[0].isdigit():
        raise ProtocolError(400, f"Content-Length {_quote(values[0])} is not a non-negative integer", cseq)
    digits = values[0].lstrip("0") or "0"
    # More digits than any limit could allow: too large, without converting a huge number.
    length = int(digits) if _DIGITS.fullmatch(digits) else max_body_bytes + 1
    if length > max_body_bytes:
        raise ProtocolError(
            413, f"body of {values[0][:20]} bytes over the {max_body_bytes} byte limit", cseq
        )
    return length


def _quote(text: str, limit: int = 60) -> str:
    """Peer text for an error message: escaped to ASCII and shortened."""
    return ascii(text if len(text) <= limit else text[:limit] + "...")


def encode_response(
    status: int,
    cseq: str | int | None,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    *,
    reason: str | None = None,
) -> bytes:
    """A response: status line, CSeq (when known), `headers`, Content-Length when there is a body."""
    if not 100 <= status <= 999:
        raise ValueError(f"status must be three digits, got {status}")
    if reason is None:
        reason = STATUS_REASONS.get(status) or _CLASS_REASONS.get(status // 100, "Unknown")
    if not reason or not _FIELD_VALUE.fullmatch(reason):
        raise ValueError(f"reason phrase {reason!r} is empty or has control or non-ASCII characters")
    return _encode(f"{RTSP_VERSION} {status} {reason}", cseq, headers, body)


def encode_request(
    method: str,
    uri: str,
    cseq: str | int | None,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
) -> bytes:
    """A request, written the way `RequestParser` reads it."""
    if not _TOKEN.fullmatch(method):
        raise ValueError(f"method {method!r} is not a token")
    if method.startswith("$"):
        raise ValueError(f"method {method!r} would be read as an interleaved frame")
    if not _URI.fullmatch(uri):
        raise ValueError(f"request URI {uri!r} is empty or has spaces or control characters")
    return _encode(f"{method} {uri} {RTSP_VERSION}", cseq, headers, body)


def encode_interleaved(channel: int, payload: bytes) -> bytes:
    frame = InterleavedFrame(channel, payload)  # validates
    return bytes((0x24, frame.channel)) + len(payload).to_bytes(2, "big") + payload


def _encode(start_line: str, cseq: str | int | None, headers: Iterable[tuple[str, str]], body: bytes) -> bytes:
    lines = [start_line]
    if cseq is not None:
        lines.append(_field("CSeq", str(cseq)))
    for name, value in headers:
        if name.lower() in ("cseq", "content-length"):
            # Written from the arguments, so they cannot disagree with them.
            raise ValueError(f"pass {name} through the cseq or body argument, not as a header")
        lines.append(_field(name, value))
    if body:
        lines.append(_field("Content-Length", str(len(body))))
    lines.append("\r\n")
    return "\r\n".join(lines).encode("ascii") + body


def _field(name: str, value: str) -> str:
    if not _TOKEN.fullmatch(name):
        raise ValueError(f"header name {name!r} is not a token")
    if not _FIELD_VALUE.fullmatch(value):
        raise ValueError(f"header {name} value {value!r} has control or non-ASCII characters")
    return f"{name}: {value}"
