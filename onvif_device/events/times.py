"""Times in event messages: xs:duration, xs:dateTime and WS-BaseNotification's either-or.

Subscriptions are timed on the device clock, as seconds since the epoch
(`camera.clock.timestamp()`): an absolute InitialTerminationTime is read
against the camera's time, not the host's, so a client that synchronised
with GetSystemDateAndTime gets what it asked for under any clock skew.
Every time the device sends is UTC with the 'Z' the Core spec asks for.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

# xs:duration; years and months are taken as 365 and 30 days (no client sends them for a lease).
_DURATION = re.compile(
    r"(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d*)?|\.\d+)S)?)?"
)
_UNIT_SECONDS = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60)


def parse_duration(text: str) -> float:
    """Seconds in an xs:duration such as PT60S, PT1M30.5S or P1D; ValueError if it is not one."""
    text = text.strip()
    match = _DURATION.fullmatch(text)
    if match is None or text.endswith(("P", "T")):
        raise ValueError(f"{text[:40]!r} is not an xs:duration such as PT60S")
    sign, *units, seconds = match.groups()
    total = sum(int(value) * scale for value, scale in zip(units, _UNIT_SECONDS) if value) + float(seconds or 0)
    return -total if sign else total


def parse_datetime(text: str) -> datetime:
    """An xs:dateTime as an aware UTC datetime; one without a zone is taken as UTC."""
    text = text.strip()
    if "T" not in text:
        raise ValueError(f"{text[:40]!r} is not an xs:dateTime such as 2024-06-01T12:00:00Z")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text[:40]!r} is not an xs:dateTime such as 2024-06-01T12:00:00Z") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def termination_seconds(text: str, now: float) -> float:
    """wsnt:AbsoluteOrRelativeTimeType: when, on the device clock, a lease asked for as `text` ends."""
    text = text.strip()
    if text.startswith(("P", "-P")):
        return now + parse_duration(text)
    return parse_datetime(text).timestamp()


def utc_text(moment: datetime | float) -> str:
    """2024-06-01T12:00:00Z (whole seconds: the precision clients compare leases with)."""
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def message_time_text(moment: datetime) -> str:
    """A message's UtcTime, to the millisecond, so events within a second keep their order."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def duration_text(span: timedelta | float) -> str:
    """PT60S, PT0.5S."""
    seconds = span.total_seconds() if isinstance(span, timedelta) else span
    return f"PT{seconds:g}S" if seconds != int(seconds) else f"PT{int(seconds)}S"
