"""Time zones as Get/SetSystemDateAndTime carry them: POSIX TZ strings.

ONVIF Core ("Device management" > "System" > "GetSystemDateAndTime" and
"SetSystemDateAndTime"; the tt:TimeZone type in onvif.xsd) defines
tt:TimeZone/TZ as a POSIX TZ string (IEEE 1003.1, XBD section 8.3), and a
device must treat any other string as an invalid time zone (fault
ter:InvalidArgVal/ter:InvalidTimeZone).  So a bare tz database name such as
``Europe/Berlin`` is rejected.  POSIX itself leaves a string starting with
``:`` to the implementation; here ``:Europe/Berlin`` names a zone of the
stdlib ``zoneinfo`` database, and is rejected when that zone is not
installed.

Grammar accepted (``std offset [dst [offset] [,start[/time],end[/time]]]``):

- names: 3 or more ASCII letters, or ``<...>`` holding 3 or more ASCII letters,
  digits, ``+`` or ``-`` (``<+0530>``);
- offset: ``[+|-]hh[:mm[:ss]]``, hours 0..24, and positive means WEST of
  Greenwich, so the UTC offset is its negation; the dst offset defaults to
  one hour ahead of standard time;
- rules: ``Jn`` (1..365, 29 February never counted), ``n`` (0..365, counted
  from 0, 29 February counted), ``Mm.w.d`` (month 1..12, week 1..5 where 5 is
  the last, weekday 0..6 with Sunday 0);
- rule time: ``[+|-]hh[:mm[:ss]]`` with hours up to 167, the extension of
  RFC 8536 section 3.3.1 that real zones need (``America/Nuuk`` switches at
  ``/-1``, ``Asia/Jerusalem`` at ``/26``); default 02:00:00.

Each rule time is local wall-clock time: the start rule in standard time, the
end rule in daylight time.  Rules where the end comes before the start in
the year (southern hemisphere) mean daylight time spans the new year.

Surrounding whitespace is dropped (tt:TimeZone/TZ is an xs:token); the rest
of the string is kept as given and is what ``str()`` reports.

Not handled: local time to UTC (ONVIF sends UTCDateTime only), and the
TZif-file meaning glibc gives to ``:/path``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["TimeZone", "TransitionRule"]

MAX_LENGTH = 255
_Fail = Callable[[str], ValueError]  # builds the error naming the whole string
_DAY = 86400
_HOUR = 3600

_UNQUOTED_NAME = re.compile(r"[A-Za-z]*")
_QUOTED_NAME = re.compile(r"<([^>]*)>")
_QUOTED_CHARS = re.compile(r"[A-Za-z0-9+-]+")
_HMS = re.compile(r"([+-]?)([0-9]{1,3})(?::([0-9]{1,2})(?::([0-9]{1,2}))?)?")
_OFFSET_START = re.compile(r"[+\-0-9]")
_JULIAN = re.compile(r"J([0-9]{1,3})")
_ZERO_BASED = re.compile(r"([0-9]{1,3})")
_MONTH_WEEK_DAY = re.compile(r"M([0-9]{1,2})\.([0-9])\.([0-9])")
_TZDB_NAME = re.compile(r"[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*")


@dataclass(frozen=True)
class TransitionRule:
    """When daylight time starts or ends: a day of the year and a local time.

    `kind` "J" counts `day` 1..365 without 29 February, "n" counts `day`
    0..365 with it, "M" is weekday `day` (0 = Sunday) of week `week` (5 =
    last) of `month`.  `time` is the local wall-clock time of the switch.
    """

    kind: Literal["J", "n", "M"]
    day: int
    month: int = 0
    week: int = 0
    time: timedelta = timedelta(hours=2)

    def __post_init__(self) -> None:
        if self.kind == "J":
            _check_range("Julian day", self.day, 1, 365)
        elif self.kind == "n":
            _check_range("day of year", self.day, 0, 365)
        elif self.kind == "M":
            _check_range("month", self.month, 1, 12)
            _check_range("week", self.week, 1, 5)
            _check_range("weekday", self.day, 0, 6)
        else:
            raise ValueError(f"unknown rule kind {self.kind!r}")
        if abs(self.time) >= timedelta(hours=168):
            raise ValueError(f"rule time {self.time} not within 167:59:59")

    def _local_ordinal(self, year: int) -> int:
        """The proleptic Gregorian ordinal of the rule's day in `year`."""
        jan1 = datetime(year, 1, 1).toordinal()
        if self.kind == "n":
            return jan1 + self.day
        if self.kind == "J":
            leap_shift = 1 if self.day >= 60 and _is_leap(year) else 0
            return jan1 + self.day - 1 + leap_shift
        first = datetime(year, self.month, 1)
        first_weekday = (first.weekday() + 1) % 7  # Sunday = 0
        day = 1 + (self.day - first_weekday) % 7 + 7 * (self.week - 1)
        if day > _days_in_month(year, self.month):  # only week 5 can overflow
            day -= 7
        return first.toordinal() + day - 1

    def _utc_seconds(self, year: int, utc_offset: int) -> int:
        """The switch instant in `year` as UTC seconds on the scale
        ordinal * 86400, given the UTC offset (seconds) in force before it."""
        return self._local_ordinal(year) * _DAY + _seconds(self.time) - utc_offset


@dataclass(frozen=True, repr=False)
class TimeZone:
    """A parsed TZ string; `TimeZone(text)` and `TimeZone.parse(text)` validate.

    Offsets are UTC offsets as Python uses them (local = UTC + offset, east
    positive), the opposite sign of the POSIX text.  For the ``:Area/City``
    form `zone_key` is set and the POSIX fields are empty.
    """

    text: str
    std_name: str = field(init=False, compare=False, default="")
    std_offset: timedelta = field(init=False, compare=False, default=timedelta(0))
    dst_name: str | None = field(init=False, compare=False, default=None)
    dst_offset: timedelta | None = field(init=False, compare=False, default=None)
    start: TransitionRule | None = field(init=False, compare=False, default=None)
    end: TransitionRule | None = field(init=False, compare=False, default=None)
    zone_key: str | None = field(init=False, compare=False, default=None)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise TypeError(f"TZ must be a str, not {type(self.text).__name__}")
        text = self.text.strip()
        object.__setattr__(self, "text", text)
        for name, value in _parse(text).items():
            object.__setattr__(self, name, value)

    @classmethod
    def parse(cls, text: str) -> TimeZone:
        """Parse a TZ string; raise ValueError naming what is wrong."""
        return cls(text)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"TimeZone.parse({self.text!r})"

    def utcoffset(self, utc: datetime, *, daylight_savings: bool = True) -> timedelta:
        """The offset to add to `utc` to get local time.

        `utc` is naive UTC or aware (converted to UTC).  With
        `daylight_savings` false (ONVIF's DayLightSavings flag cleared) the
        daylight part of the zone is ignored.
        """
        utc = _naive_utc(utc)
        if self.zone_key is not None:
            local = utc.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(self.zone_key))
            offset = local.utcoffset() or timedelta(0)
            return offset if daylight_savings else offset - (local.dst() or timedelta(0))
        if daylight_savings and self._posix_is_dst(utc):
            assert self.dst_offset is not None
            return self.dst_offset
        return self.std_offset

    def is_dst(self, utc: datetime, *, daylight_savings: bool = True) -> bool:
        """Whether daylight time is in force at `utc` (naive UTC or aware)."""
        if not daylight_savings:
            return False
        utc = _naive_utc(utc)
        if self.zone_key is not None:
            local = utc.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(self.zone_key))
            return bool(local.dst())
        return self._posix_is_dst(utc)

    def to_local(self, utc: datetime, *, daylight_savings: bool = True) -> datetime:
        """Naive local wall-clock time at `utc` (naive UTC or aware)."""
        return _naive_utc(utc) + self.utcoffset(utc, daylight_savings=daylight_savings)

    def _posix_is_dst(self, utc: datetime) -> bool:
        if self.start is None or self.end is None or self.dst_offset is None:
            return False
        now = utc.toordinal() * _DAY + utc.hour * _HOUR + utc.minute * 60 + utc.second
        switches = _switches(self.start, self.end, self.std_offset, self.dst_offset, utc.year)
        past = [in_dst for instant, in_dst in switches if instant <= now]
        return past[-1] if past else not switches[0][1]


@functools.lru_cache(maxsize=256)
def _switches(
    start: TransitionRule, end: TransitionRule, std: timedelta, dst: timedelta, year: int
) -> tuple[tuple[int, bool], ...]:
    """The switches that can decide the state in `year`, sorted: (instant, to dst).

    Rule times reach 167 h past their day, so the switch in force may come
    from the year before last; take a few years and let the caller pick the
    latest switch not after its instant.  At equal instants an end sorts
    before a start, so "0/0,J365/25" (daylight time all year) works.
    """
    switches: list[tuple[int, bool]] = []
    for y in range(max(year - 2, 1), min(year + 1, 9999) + 1):
        switches.append((end._utc_seconds(y, _seconds(dst)), False))
        switches.append((start._utc_seconds(y, _seconds(std)), True))
    return tuple(sorted(switches))


def _parse(text: str) -> dict[str, object]:
    def fail(what: str) -> ValueError:
        return ValueError(f"TZ {text!r}: {what}")

    if not text:
        raise fail("empty")
    if len(text) > MAX_LENGTH:
        raise fail(f"longer than {MAX_LENGTH} characters")
    if not text.isascii() or not text.isprintable():
        raise fail("only printable ASCII characters are allowed")
    if text.startswith(":"):
        return {"zone_key": _zone_key(text[1:], fail)}

    pos = 0

    def name(which: str) -> str:
        nonlocal pos
        quoted = _QUOTED_NAME.match(text, pos)
        if text.startswith("<", pos):
            if quoted is None:
                raise fail(f"unterminated '<' in {which} name")
            value = quoted.group(1)
            if value and not _QUOTED_CHARS.fullmatch(value):
                raise fail(f"{which} name <{value}> may hold only letters, digits, '+' and '-'")
            pos = quoted.end()
        else:
            match = _UNQUOTED_NAME.match(text, pos)
            assert match is not None  # `*` always matches
            value = match.group()
            pos = match.end()
        if not value:
            raise fail(f"missing {which} name")
        if len(value) < 3:
            raise fail(f"{which} name {value!r} is shorter than 3 characters")
        return value

    def offset(which: str) -> int:
        nonlocal pos
        match = _HMS.match(text, pos)
        if match is None:
            raise fail(f"bad {which} offset {text[pos:]!r}")
        seconds = _hms_seconds(match, max_hours=24)
        if seconds is None:
            raise fail(
                f"{which} offset {match.group()!r} out of range (hours 0..24, minutes and seconds 0..59)"
            )
        pos = match.end()
        return -seconds  # POSIX counts west of Greenwich as positive

    std_name = name("standard time")
    if pos == len(text) or not _OFFSET_START.match(text, pos):
        if "/" in text and _TZDB_NAME.fullmatch(text):
            raise fail(f"not a POSIX TZ string; a tz database name needs a leading ':' (':{text}')")
        raise fail(f"missing UTC offset after {std_name!r}")
    std_offset = offset("standard time")
    result: dict[str, object] = {"std_name": std_name, "std_offset": timedelta(seconds=std_offset)}
    if pos == len(text):
        return result
    if text[pos] == ",":
        raise fail("rules given without a daylight time name")
    dst_name = name("daylight time")
    dst_offset = std_offset + _HOUR
    if pos < len(text) and text[pos] != ",":
        if not _OFFSET_START.match(text, pos):
            raise fail(f"unexpected {text[pos:]!r} after daylight time name")
        dst_offset = offset("daylight time")
    if pos < len(text) and text[pos] != ",":
        raise fail(f"unexpected {text[pos:]!r} after daylight time offset")
    if pos == len(text):
        # No rules: POSIX leaves the default to the implementation; use the
        # current US rules, as glibc and the tz reference code do.
        start, end = _rule("M3.2.0", "start", fail), _rule("M11.1.0", "end", fail)
    else:
        rules = text[pos + 1 :].split(",")
        if len(rules) != 2:
            raise fail(f"expected a start and an end rule, found {len(rules)}")
        start, end = _rule(rules[0], "start", fail), _rule(rules[1], "end", fail)
    result.update(
        dst_name=dst_name,
        dst_offset=timedelta(seconds=dst_offset),
        start=start,
        end=end,
    )
    return result


def _rule(token: str, which: str, fail: _Fail) -> TransitionRule:
    day_part, slash, time_part = token.partition("/")
    time = timedelta(hours=2)
    if slash:
        match = _HMS.fullmatch(time_part)
        seconds = None if match is None else _hms_seconds(match, max_hours=167)
        if seconds is None:
            raise fail(f"bad time in {which} rule {time_part!r} (want [+|-]hh[:mm[:ss]], hours up to 167)")
        time = timedelta(seconds=seconds)
    try:
        if match := _JULIAN.fullmatch(day_part):
            return TransitionRule("J", int(match.group(1)), time=time)
        if match := _ZERO_BASED.fullmatch(day_part):
            return TransitionRule("n", int(match.group(1)), time=time)
        if match := _MONTH_WEEK_DAY.fullmatch(day_part):
            month, week, day = (int(g) for g in match.groups())
            return TransitionRule("M", day, month=month, week=week, time=time)
    except ValueError as exc:
        raise fail(f"bad {which} rule {day_part!r}: {exc}") from None
    if not day_part:
        raise fail(f"missing {which} rule")
    raise fail(f"bad {which} rule {day_part!r} (want Jn, n or Mm.w.d)")


def _zone_key(key: str, fail: _Fail) -> str:
    if not _TZDB_NAME.fullmatch(key):
        raise fail(f"bad tz database zone name {key!r}")
    try:
        ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise fail(f"unknown tz database zone {key!r}") from None
    return key


def _hms_seconds(match: re.Match[str], max_hours: int) -> int | None:
    sign, hours, minutes, seconds = match.groups()
    h, m, s = int(hours), int(minutes or 0), int(seconds or 0)
    if h > max_hours or m > 59 or s > 59:
        return None
    total = h * _HOUR + m * 60 + s
    return -total if sign == "-" else total


def _check_range(what: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ValueError(f"{what} {value} not in {low}..{high}")


def _seconds(delta: timedelta) -> int:
    return delta.days * _DAY + delta.seconds


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return datetime(year, month + 1, 1).toordinal() - datetime(year, month, 1).toordinal()


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.replace(tzinfo=None)
