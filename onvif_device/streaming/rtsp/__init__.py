"""The RTSP 1.0 message layer (RFC 2326): sans-IO parsing and writing.

No sockets here: the server feeds received bytes to `RequestParser`, takes
`Request` and `InterleavedFrame` events out, and sends what the `encode_*`
functions return. Header helpers parse and format Transport, Session, Range,
Require and RTP-Info values.
"""

from .headers import (
    HeaderError,
    format_range,
    format_rtp_info,
    format_session,
    parse_range,
    parse_require,
    parse_session,
)
from .message import (
    NEED_DATA,
    RTSP_VERSION,
    STATUS_REASONS,
    Headers,
    InterleavedFrame,
    ProtocolError,
    Request,
    RequestParser,
    encode_interleaved,
    encode_request,
    encode_response,
)
from .transport import TransportError, TransportSpec, parse_transports

__all__ = [
    "NEED_DATA",
    "RTSP_VERSION",
    "STATUS_REASONS",
    "HeaderError",
    "Headers",
    "InterleavedFrame",
    "ProtocolError",
    "Request",
    "RequestParser",
    "TransportError",
    "TransportSpec",
    "encode_interleaved",
    "encode_request",
    "encode_response",
    "format_range",
    "format_rtp_info",
    "format_session",
    "parse_range",
    "parse_require",
    "parse_session",
    "parse_transports",
]
