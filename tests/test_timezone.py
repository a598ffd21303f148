"""POSIX TZ strings (Get/SetSystemDateAndTime): parsing, evaluation, errors."""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from onvif_device.camera.timezone import TimeZone, TransitionRule

H = timedelta(hours=1)
S = timedelta(seconds=1)

CET = "CET-1CEST,M3.5.0,M10.5.0/3"
AEST = "AEST-10AEDT,M10.1.0,M4.1.0/3"
NZ = "NZST-12NZDT,M9.5.0,M4.1.0/3"
UK = "GMT0BST,M3.5.0/1,M10.5.0"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# (TZ, UTC instant, UTC offset, daylight time in force)
CASES = [
    # Central Europe 2025: starts 30 Mar 02:00 CET, ends 26 Oct 03:00 CEST (both 01:00 UTC).
    (CET, "2025-01-15T12:00:00", 1 * H, False),
    (CET, "2025-03-30T00:59:59", 1 * H, False),
    (CET, "2025-03-30T01:00:00", 2 * H, True),
    (CET, "2025-03-30T01:00:01", 2 * H, True),
    (CET, "2025-07-01T00:00:00", 2 * H, True),
    (CET, "2025-10-26T00:59:59", 2 * H, True),
    (CET, "2025-10-26T01:00:00", 1 * H, False),
    (CET, "2025-10-26T01:00:01", 1 * H, False),
    (CET, "2025-12-31T23:59:59", 1 * H, False),
    # The same rules in another year: 2026 switches 29 Mar and 25 Oct.
    (CET, "2026-03-29T00:59:59", 1 * H, False),
    (CET, "2026-03-29T01:00:00", 2 * H, True),
    (CET, "2026-10-25T00:59:59", 2 * H, True),
    (CET, "2026-10-25T01:00:00", 1 * H, False),
    # No rules given: the default M3.2.0,M11.1.0 at 02:00 (9 Mar 07:00 UTC, 2 Nov 06:00 UTC).
    ("EST5EDT", "2025-03-09T06:59:59", -5 * H, False),
    ("EST5EDT", "2025-03-09T07:00:00", -4 * H, True),
    ("EST5EDT", "2025-11-02T05:59:59", -4 * H, True),
    ("EST5EDT", "2025-11-02T06:00:00", -5 * H, False),
    # Southern hemisphere: ends 6 Apr 03:00 AEDT, starts 5 Oct 02:00 AEST (16:00 UTC the day before).
    (AEST, "2025-01-01T00:00:00", 11 * H, True),
    (AEST, "2025-04-05T15:59:59", 11 * H, True),
    (AEST, "2025-04-05T16:00:00", 10 * H, False),
    (AEST, "2025-04-05T16:00:01", 10 * H, False),
    (AEST, "2025-07-01T00:00:00", 10 * H, False),
    (AEST, "2025-10-04T15:59:59", 10 * H, False),
    (AEST, "2025-10-04T16:00:00", 11 * H, True),
    (AEST, "2025-12-31T23:59:59", 11 * H, True),
    # New Zealand: ends 6 Apr 03:00 NZDT, starts 28 Sep 02:00 NZST (14:00 UTC the day before).
    (NZ, "2025-04-05T13:59:59", 13 * H, True),
    (NZ, "2025-04-05T14:00:00", 12 * H, False),
    (NZ, "2025-09-27T13:59:59", 12 * H, False),
    (NZ, "2025-09-27T14:00:00", 13 * H, True),
    # Quoted names, minutes, no daylight time.
    ("<+0530>-5:30", "2025-06-01T00:00:00", timedelta(hours=5, minutes=30), False),
    ("<-0330>3:30", "2025-06-01T00:00:00", -timedelta(hours=3, minutes=30), False),
    ("<+1245>-12:45:30", "2025-06-01T00:00:00", timedelta(hours=12, minutes=45, seconds=30), False),
    ("UTC0", "2025-06-01T00:00:00", timedelta(0), False),
    ("UTC+0", "2025-06-01T00:00:00", timedelta(0), False),
    ("XXX-24", "2025-06-01T00:00:00", 24 * H, False),
    # UK: both switches at 01:00 UTC (01:00 GMT, 02:00 BST).
    (UK, "2025-03-30T00:59:59", timedelta(0), False),
    (UK, "2025-03-30T01:00:00", 1 * H, True),
    (UK, "2025-10-26T00:59:59", 1 * H, True),
    (UK, "2025-10-26T01:00:00", timedelta(0), False),
    # Explicit dst offset.
    ("NZST-12NZDT-13,M9.5.0,M4.1.0/3", "2025-01-01T00:00:00", 13 * H, True),
    ("AAA0BBB-2,M3.5.0,M10.5.0", "2025-06-01T00:00:00", 2 * H, True),
    # Jn: J60 is 1 March in every year, Feb 29 not counted; J300 is 27 October.
    ("XXX0YYY,J60,J300", "2024-03-01T01:59:59", timedelta(0), False),
    ("XXX0YYY,J60,J300", "2024-03-01T02:00:00", 1 * H, True),
    ("XXX0YYY,J60,J300", "2025-03-01T02:00:00", 1 * H, True),
    ("XXX0YYY,J60,J300", "2024-10-27T00:59:59", 1 * H, True),
    ("XXX0YYY,J60,J300", "2024-10-27T01:00:00", timedelta(0), False),
    # n: zero-based, Feb 29 counted: day 59 is 29 Feb 2024 but 1 Mar 2025; 299 is 26 Oct 2024.
    ("XXX0YYY,59,299", "2024-02-29T01:59:59", timedelta(0), False),
    ("XXX0YYY,59,299", "2024-02-29T02:00:00", 1 * H, True),
    ("XXX0YYY,59,299", "2025-02-28T12:00:00", timedelta(0), False),
    ("XXX0YYY,59,299", "2025-03-01T02:00:00", 1 * H, True),
    ("XXX0YYY,59,299", "2024-10-26T00:59:59", 1 * H, True),
    ("XXX0YYY,59,299", "2024-10-26T01:00:00", timedelta(0), False),
    # n = 0 is 1 January.
    ("XXX0YYY,0/3,150", "2025-01-01T02:59:59", timedelta(0), False),
    ("XXX0YYY,0/3,150", "2025-01-01T03:00:00", 1 * H, True),
    # Negative rule times: Nuuk switches at -1:00 (the evening before) and 0:00.
    ("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2025-03-30T00:59:59", -2 * H, False),
    ("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2025-03-30T01:00:00", -1 * H, True),
    ("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2025-10-26T00:59:59", -1 * H, True),
    ("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2025-10-26T01:00:00", -2 * H, False),
    # Rule times past 24 h: Jerusalem starts 4th Thursday of March at 26:00 (28 Mar 2025 00:00 UTC).
    ("IST-2IDT,M3.4.4/26,M10.5.0", "2025-03-27T23:59:59", 2 * H, False),
    ("IST-2IDT,M3.4.4/26,M10.5.0", "2025-03-28T00:00:00", 3 * H, True),
    ("IST-2IDT,M3.4.4/26,M10.5.0", "2025-10-25T22:59:59", 3 * H, True),
    ("IST-2IDT,M3.4.4/26,M10.5.0", "2025-10-25T23:00:00", 2 * H, False),
    # Santiago: first Saturday at 24:00, southern (7 Sep 04:00 UTC, 6 Apr 03:00 UTC).
    ("<-04>4<-03>,M9.1.6/24,M4.1.6/24", "2025-04-06T02:59:59", -3 * H, True),
    ("<-04>4<-03>,M9.1.6/24,M4.1.6/24", "2025-04-06T03:00:00", -4 * H, False),
    ("<-04>4<-03>,M9.1.6/24,M4.1.6/24", "2025-09-07T03:59:59", -4 * H, False),
    ("<-04>4<-03>,M9.1.6/24,M4.1.6/24", "2025-09-07T04:00:00", -3 * H, True),
    # The extreme rule times: +167 h after 30 Mar, -167 h before 26 Oct 2025.
    ("XXX0YYY,M3.5.0/167,M10.5.0/-167", "2025-04-05T22:59:59", timedelta(0), False),
    ("XXX0YYY,M3.5.0/167,M10.5.0/-167", "2025-04-05T23:00:00", 1 * H, True),
    ("XXX0YYY,M3.5.0/167,M10.5.0/-167", "2025-10-18T23:59:59", 1 * H, True),
    ("XXX0YYY,M3.5.0/167,M10.5.0/-167", "2025-10-19T00:00:00", timedelta(0), False),
    # A start pushed into the next year by its time still counts for the year it belongs to.
    ("XXX0YYY,J365/48,J100", "2026-01-02T00:00:00", 1 * H, True),
    ("XXX0YYY,J365/48,J100", "2026-01-01T23:59:59", timedelta(0), False),
    # Daylight time all year: the end (Dec 31 25:00 EDT) meets the next start (Jan 1 00:00 EST).
    ("EST5EDT,0/0,J365/25", "2025-01-01T00:00:00", -4 * H, True),
    ("EST5EDT,0/0,J365/25", "2025-01-01T05:00:00", -4 * H, True),
    ("EST5EDT,0/0,J365/25", "2025-07-01T12:00:00", -4 * H, True),
    ("EST5EDT,0/0,J365/25", "2024-12-31T23:59:59", -4 * H, True),
    # Week 5 is the last week: February 2026 has 4 Sundays, the last on the 22nd.
    ("XXX0YYY,M2.5.0,M11.1.0", "2026-02-22T01:59:59", timedelta(0), False),
    ("XXX0YYY,M2.5.0,M11.1.0", "2026-02-22T02:00:00", 1 * H, True),
    # Week 1 weekday lookups: the first Sunday of June 2025 is the 1st, first Monday the 2nd.
    ("XXX0YYY,M6.1.0,M6.1.1", "2025-06-01T02:00:00", 1 * H, True),
    ("XXX0YYY,M6.1.0,M6.1.1", "2025-06-02T01:00:00", timedelta(0), False),
    # The ends of the datetime range.
    (CET, "0001-01-01T00:00:00", 1 * H, False),
    (CET, "9999-12-31T12:00:00", 1 * H, False),
    (AEST, "0001-01-01T00:00:00", 11 * H, True),
    (AEST, "9999-12-31T12:00:00", 11 * H, True),
]


@pytest.mark.parametrize(("text", "instant", "offset", "dst"), CASES)
def test_offsets(text: str, instant: str, offset: timedelta, dst: bool) -> None:
    tz = TimeZone.parse(text)
    utc = at(instant)
    assert tz.utcoffset(utc) == offset
    assert tz.is_dst(utc) is dst
    assert tz.to_local(utc) == utc + offset
    # The same instant given as an aware datetime, in UTC and in another zone.
    aware = utc.replace(tzinfo=timezone.utc)
    assert tz.utcoffset(aware) == offset
    if datetime(1, 1, 2) < utc < datetime(9999, 12, 30):
        elsewhere = aware.astimezone(timezone(timedelta(hours=-7)))
        assert tz.utcoffset(elsewhere) == offset
        assert tz.to_local(elsewhere) == utc + offset
        assert tz.to_local(elsewhere).tzinfo is None


@pytest.mark.parametrize(("text", "instant", "offset", "dst"), CASES)
def test_daylight_savings_flag_cleared(text: str, instant: str, offset: timedelta, dst: bool) -> None:
    tz = TimeZone.parse(text)
    utc = at(instant)
    assert tz.is_dst(utc, daylight_savings=False) is False
    assert tz.utcoffset(utc, daylight_savings=False) == tz.std_offset
    assert tz.to_local(utc, daylight_savings=False) == utc + tz.std_offset


def test_fields() -> None:
    tz = TimeZone.parse("NZST-12NZDT-13,M9.5.0,M4.1.0/3")
    assert (tz.std_name, tz.std_offset, tz.dst_name, tz.dst_offset) == ("NZST", 12 * H, "NZDT", 13 * H)
    assert tz.start == TransitionRule("M", 0, month=9, week=5, time=2 * H)
    assert tz.end == TransitionRule("M", 0, month=4, week=1, time=3 * H)
    assert tz.zone_key is None

    quoted = TimeZone.parse("<+0530>-5:30")
    assert (quoted.std_name, quoted.std_offset) == ("+0530", timedelta(hours=5, minutes=30))
    assert (quoted.dst_name, quoted.dst_offset, quoted.start, quoted.end) == (None, None, None, None)

    default = TimeZone.parse("EST5EDT")
    assert default.dst_offset == -4 * H
    assert default.start == TransitionRule("M", 0, month=3, week=2)
    assert default.end == TransitionRule("M", 0, month=11, week=1)

    rules = TimeZone.parse("XXX0YYY,J60/-1:30,299/+167:59:59")
    assert rules.start == TransitionRule("J", 60, time=-timedelta(hours=1, minutes=30))
    assert rules.end == TransitionRule("n", 299, time=timedelta(hours=167, minutes=59, seconds=59))


def test_text_round_trip() -> None:
    assert str(TimeZone.parse(CET)) == CET
    assert str(TimeZone.parse("  UTC0 \n")) == "UTC0"  # xs:token: outer whitespace dropped
    assert TimeZone(CET) == TimeZone.parse(CET)
    assert hash(TimeZone(CET)) == hash(TimeZone.parse(" " + CET))
    assert TimeZone("EST5EDT") != TimeZone("EST5EDT,M3.2.0,M11.1.0")
    assert repr(TimeZone(CET)) == f"TimeZone.parse({CET!r})"
    with pytest.raises(AttributeError):
        TimeZone(CET).text = "UTC0"  # type: ignore[misc]


BAD = [
    ("", "empty"),
    ("   ", "empty"),
    ("A" * 256, "longer than 255 characters"),
    ("CET-1CEST\u00e9", "only printable ASCII characters"),
    ("CET-1\tCEST", "only printable ASCII characters"),
    ("UTC", "missing UTC offset after 'UTC'"),
    ("CET", "missing UTC offset after 'CET'"),
    ("CET CEST", "missing UTC offset after 'CET'"),
    ("Europe/Berlin", "a tz database name needs a leading ':' (':Europe/Berlin')"),
    ("America/Argentina/Buenos_Aires", "needs a leading ':'"),
    ("-1", "missing standard time name"),
    ("<>-1", "missing standard time name"),
    ("CE-1", "standard time name 'CE' is shorter than 3 characters"),
    ("<AB>-1", "standard time name 'AB' is shorter than 3 characters"),
    ("<+05-5", "unterminated '<' in standard time name"),
    ("<+0 5>-5", "standard time name <+0 5> may hold only letters, digits, '+' and '-'"),
    ("CET-", "bad standard time offset '-'"),
    ("CET+x", "bad standard time offset '+x'"),
    ("CET-25", "standard time offset '-25' out of range"),
    ("CET-1:60", "standard time offset '-1:60' out of range"),
    ("CET-1:00:60", "standard time offset '-1:00:60' out of range"),
    ("CET-1CE", "daylight time name 'CE' is shorter than 3 characters"),
    ("CET-1<CEST", "unterminated '<' in daylight time name"),
    ("CET-1CEST-25", "daylight time offset '-25' out of range"),
    ("CET-1CEST-2x", "unexpected 'x' after daylight time offset"),
    ("CET-1CEST/2", "unexpected '/2' after daylight time name"),
    ("CET-1,M3.5.0,M10.5.0", "rules given without a daylight time name"),
    ("CET-1CEST,M3.5.0", "expected a start and an end rule, found 1"),
    ("CET-1CEST,M3.5.0,M10.5.0,", "expected a start and an end rule, found 3"),
    ("CET-1CEST,,M10.5.0", "missing start rule"),
    ("CET-1CEST,M3.5.0,", "missing end rule"),
    ("CET-1CEST,M13.5.0,M10.5.0", "bad start rule 'M13.5.0': month 13 not in 1..12"),
    ("CET-1CEST,M0.5.0,M10.5.0", "bad start rule 'M0.5.0': month 0 not in 1..12"),
    ("CET-1CEST,M3.6.0,M10.5.0", "bad start rule 'M3.6.0': week 6 not in 1..5"),
    ("CET-1CEST,M3.0.0,M10.5.0", "bad start rule 'M3.0.0': week 0 not in 1..5"),
    ("CET-1CEST,M3.5.7,M10.5.0", "bad start rule 'M3.5.7': weekday 7 not in 0..6"),
    ("CET-1CEST,M3.5,M10.5.0", "bad start rule 'M3.5' (want Jn, n or Mm.w.d)"),
    ("CET-1CEST,m3.5.0,M10.5.0", "bad start rule 'm3.5.0' (want Jn, n or Mm.w.d)"),
    ("CET-1CEST,M3.5.0,J0", "bad end rule 'J0': Julian day 0 not in 1..365"),
    ("CET-1CEST,M3.5.0,J366", "bad end rule 'J366': Julian day 366 not in 1..365"),
    ("CET-1CEST,M3.5.0,366", "bad end rule '366': day of year 366 not in 0..365"),
    ("CET-1CEST,M3.5.0,-1", "bad end rule '-1' (want Jn, n or Mm.w.d)"),
    ("CET-1CEST,M3.5.0,M10.5.0/3x", "bad time in end rule '3x'"),
    ("CET-1CEST,M3.5.0,M10.5.0/", "bad time in end rule ''"),
    ("CET-1CEST,M3.5.0/168,M10.5.0", "bad time in start rule '168'"),
    ("CET-1CEST,M3.5.0/-168,M10.5.0", "bad time in start rule '-168'"),
    ("CET-1CEST,M3.5.0/2:60,M10.5.0", "bad time in start rule '2:60'"),
    ("CET-1CEST,M3.5.0/2/3,M10.5.0", "bad time in start rule '2/3'"),
    (":", "bad tz database zone name ''"),
    (":../etc/passwd", "bad tz database zone name '../etc/passwd'"),
    (":/etc/localtime", "bad tz database zone name '/etc/localtime'"),
    (":No/Such_Zone", "unknown tz database zone 'No/Such_Zone'"),
]


@pytest.mark.parametrize(("text", "fragment"), BAD)
def test_bad_strings(text: str, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        TimeZone.parse(text)
    message = str(info.value)
    assert message.startswith(f"TZ {text.strip()!r}: ")
    assert fragment in message


def test_not_a_string() -> None:
    with pytest.raises(TypeError, match="TZ must be a str, not bytes"):
        TimeZone(b"UTC0")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "X", "day": 1}, "unknown rule kind 'X'"),
        ({"kind": "n", "day": 1, "time": 168 * H}, "not within 167:59:59"),
        ({"kind": "n", "day": 1, "time": -168 * H}, "not within 167:59:59"),
    ],
)
def test_rule_validates(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        TransitionRule(**kwargs)  # type: ignore[arg-type]


def _zone(key: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(key)
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip(f"no tz database entry for {key} (install tzdata)")


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("Europe/Berlin", CET),
        ("America/New_York", "EST5EDT,M3.2.0,M11.1.0"),
        ("America/Chicago", "CST6CDT"),
        ("Australia/Sydney", AEST),
        ("Pacific/Auckland", NZ),
        ("Europe/London", UK),
        ("Asia/Kolkata", "IST-5:30"),
        ("America/Nuuk", "<-02>2<-01>,M3.5.0/-1,M10.5.0/0"),
        ("Asia/Jerusalem", "IST-2IDT,M3.4.4/26,M10.5.0"),
        ("America/Santiago", "<-04>4<-03>,M9.1.6/24,M4.1.6/24"),
        ("Pacific/Chatham", "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45"),
    ],
)
def test_matches_zoneinfo(key: str, text: str) -> None:
    zone = _zone(key)
    tz = TimeZone.parse(text)
    start = datetime(2025, 1, 1)
    for hour in range(2 * 365 * 24):
        for utc in (start + hour * H, start + hour * H - S):
            local = utc.replace(tzinfo=timezone.utc).astimezone(zone)
            assert (tz.utcoffset(utc), tz.is_dst(utc)) == (local.utcoffset(), bool(local.dst())), utc


def test_zone_key_form() -> None:
    zone = _zone("Europe/Berlin")
    tz = TimeZone.parse(":Europe/Berlin")
    assert (tz.zone_key, str(tz), tz.std_name, tz.dst_name) == ("Europe/Berlin", ":Europe/Berlin", "", None)
    for instant, offset, dst in [
        ("2025-03-30T00:59:59", 1 * H, False),
        ("2025-03-30T01:00:00", 2 * H, True),
        ("2025-10-26T01:00:00", 1 * H, False),
    ]:
        utc = at(instant)
        assert tz.utcoffset(utc) == offset == utc.replace(tzinfo=timezone.utc).astimezone(zone).utcoffset()
        assert tz.is_dst(utc) is dst
        assert tz.to_local(utc) == utc + offset
        assert tz.utcoffset(utc, daylight_savings=False) == 1 * H
        assert tz.is_dst(utc, daylight_savings=False) is False


def _footers() -> list[tuple[str, str]]:
    """The POSIX TZ string at the end of each TZif file under the system zoneinfo."""
    found = []
    for root in map(Path, zoneinfo.TZPATH):
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.is_symlink():
                continue
            data = path.read_bytes()
            if data[:4] != b"TZif" or data[4:5] < b"2" or not data.endswith(b"\n"):
                continue
            footer = data[:-1].rsplit(b"\n", 1)[-1].decode("ascii")
            if footer:
                found.append((str(path.relative_to(root)), footer))
        if found:
            break
    return found


def test_every_system_zone_footer_parses() -> None:
    footers = _footers()
    if not footers:
        pytest.skip("no TZif files with footers in zoneinfo.TZPATH")
    for name, footer in footers:
        tz = TimeZone.parse(footer)
        assert str(tz) == footer, name
        tz.utcoffset(datetime(2025, 7, 1))
