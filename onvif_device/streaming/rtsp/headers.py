"""Small RTSP header values (RFC 2326 section 12): Session, Range, Require, RTP-Info.

Parsers are lenient about spacing and case, since clients differ, and raise
`HeaderError` (a `ValueError`) naming the header when a value cannot be read.
Formatters write the canonical form and refuse values that would not parse back.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

_SESSION_ID = re.compile(r"[A-Za-z0-9$\-_.+]+")  # RFC 2326 section 3.4
_SECONDS = re.compile(r"[0-9]{1,9}")
_NPT_SECONDS = re.compile(r"[0-9]{1,12}(?:\.[0-9]*)?")
_NPT_HHMMSS = re.compile(r"([0-9]{1,9}):([0-9]{1,2}):([0-9]{1,2}(?:\.[0-9]*)?)")
_URL = re.compile(r"[\x21-\x7e]+")

# Units that are not mapped to seconds from the start of the stream; a range
# in them is accepted but reported as open (None, None).
_ABSOLUTE_UNITS = frozenset({"clock", "smpte", "smpte-30-drop", "smpte-25"})


class HeaderError(ValueError):
    """A header value that cannot be read; the server usually answers 400."""


def parse_session(value: str) -> tuple[str, int | None]:
    """The session id and timeout of "12345678;timeout=60" (timeout None when absent)."""
    session_id, *params = value.split(";")
    session_id = session_id.strip(" \t")
    if not _SESSION_ID.fullmatch(session_id):
        raise HeaderError(f"Session id {_quote(session_id)} is empty or has characters outside RFC 2326")
    timeout = None
    for param in params:
        name, _, text = param.partition("=")
        if name.strip(" \t").lower() == "timeout":
            text = text.strip(" \t")
            if not _SECONDS.fullmatch(text):
                raise HeaderError(f"Session timeout {_quote(text)} is not a whole number of seconds")
            timeout = int(text)
    return session_id, timeout


def format_session(session_id: str, timeout: int | None = None) -> str:
    if not _SESSION_ID.fullmatch(session_id):
        raise ValueError(f"session id {session_id!r} is empty or has characters outside RFC 2326")
    if timeout is None:
        return session_id
    if timeout < 0:
        raise ValueError(f"session timeout must not be negative, got {timeout}")
    return f"{session_id};timeout={timeout}"


def parse_range(value: str) -> tuple[float | None, float | None]:
    """Start and end in seconds of an "npt=" range; None for "now" or an open end.

    "clock=" and "smpte=" ranges come back as (None, None): the live camera
    streams from now whatever absolute time was asked for. A ";time=" parameter
    (when to start) is ignored.
    """
    spec = value.split(";", 1)[0].strip(" \t")
    unit, equals, times = spec.partition("=")
    unit = unit.strip(" \t").lower()
    if not equals:
        raise HeaderError(f"Range {_quote(value)} has no unit= prefix")
    if unit in _ABSOLUTE_UNITS:
        if "-" not in times:
            raise HeaderError(f"Range {_quote(value)} has no '-'")
        return None, None
    if unit != "npt":
        raise HeaderError(f"Range unit {_quote(unit)} is not npt, clock or smpte")
    # NPT times are never negative, so the first '-' separates start from end.
    start_text, dash, end_text = times.partition("-")
    start_text, end_text = start_text.strip(" \t"), end_text.strip(" \t")
    if not dash or not (start_text or end_text):
        raise HeaderError(f"Range {_quote(value)} is not npt=<start>-[<end>] or npt=-<end>")
    start = _npt(start_text) if start_text else None
    end = _npt(end_text) if end_text else None
    if start is not None and end is not None and end < start:
        raise HeaderError(f"Range {_quote(value)} ends before it starts")
    return start, end


def _npt(text: str) -> float | None:
    if text.lower() == "now":
        return None
    if _NPT_SECONDS.fullmatch(text):
        return float(text)
    hhmmss = _NPT_HHMMSS.fullmatch(text)
    if hhmmss is not None:
        minutes, seconds = int(hhmmss[2]), float(hhmmss[3])
        if minutes < 60 and seconds < 60:
            return int(hhmmss[1]) * 3600 + minutes * 60 + seconds
    raise HeaderError(f"NPT time {_quote(text)} is not seconds, hh:mm:ss or now")


def format_range(start: float | None, end: float | None = None) -> str:
    """An NPT range: "npt=now-" for a live start, else seconds with millisecond precision."""
    for name, seconds in (("start", start), ("end", end)):
        if seconds is not None and not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f"range {name} must be a non-negative number of seconds, got {seconds}")
    if start is not None and end is not None and end < start:
        raise ValueError(f"range ends at {end} before it starts at {start}")
    first = "now" if start is None else f"{start:.3f}"
    return f"npt={first}-" if end is None else f"npt={first}-{end:.3f}"


def parse_require(value: str) -> list[str]:
    """The option tags of a Require or Proxy-Require header, in order."""
    return [tag.strip(" \t") for tag in value.split(",") if tag.strip(" \t")]


def format_rtp_info(streams: Iterable[tuple[str, int | None, int | None]]) -> str:
    """An RTP-Info value from (url, first sequence number, RTP time) per stream.

    The URLs must not contain ',' or ';', which separate streams and parameters.
    """
    entries = []
    for url, seq, rtptime in streams:
        if not _URL.fullmatch(url) or "," in url or ";" in url:
            raise ValueError(f"RTP-Info url {url!r} is empty or has a separator or space")
        entry = f"url={url}"
        if seq is not None:
            if not 0 <= seq <= 0xFFFF:
                raise ValueError(f"RTP-Info seq must be 0..65535, got {seq}")
            entry += f";seq={seq}"
        if rtptime is not None:
            if not 0 <= rtptime <= 0xFFFF_FFFF:
                raise ValueError(f"RTP-Info rtptime must fit in 32 bits, got {rtptime}")
            entry += f";rtptime={rtptime}"
        entries.append(entry)
    if not entries:
        raise ValueError("RTP-Info needs at least one stream")
    return ",".join(entries)


def _quote(text: str, limit: int = 60) -> str:
    return ascii(text if len(text) <= limit else text[:limit] + "...")
