"""The description of an RTP format that the SDP builder reads.

Each codec module has a frozen format class (payload type, clock rate, rtpmap,
fmtp) kept apart from its payloader, as gortsplib separates ``format.H264``
from ``rtph264.Encoder``: the SDP is built from the format alone.
"""

from __future__ import annotations

from typing import Protocol


class RtpFormat(Protocol):
    @property
    def payload_type(self) -> int: ...

    @property
    def media(self) -> str:
        """The SDP media type: ``video``, ``audio`` or ``application``."""
        ...

    @property
    def clock_rate(self) -> int: ...

    def rtpmap(self) -> str:
        """The ``a=rtpmap`` value after the payload type, such as ``H264/90000``."""
        ...

    def fmtp(self) -> str | None:
        """The ``a=fmtp`` parameters after the payload type, or None when there are none."""
        ...
