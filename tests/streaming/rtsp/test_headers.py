"""Session, Range, Require and RTP-Info: tables of input and value, formats that parse back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onvif_device.streaming.rtsp import (
    HeaderError,
    format_range,
    format_rtp_info,
    format_session,
    parse_range,
    parse_require,
    parse_session,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("12345678", ("12345678", None)),
        ("12345678;timeout=60", ("12345678", 60)),
        ("12345678; timeout=60", ("12345678", 60)),  # the ONVIF streaming spec's example
        ("  5F0C2A9E ;Timeout = 30 ", ("5F0C2A9E", 30)),
        ("abc$-_.+9;x-unknown=1;timeout=0", ("abc$-_.+9", 0)),
    ],
)
def test_parse_session(header: str, expected: tuple[str, int | None]) -> None:
    assert parse_session(header) == expected


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("", "Session id ''"),
        (";timeout=60", "Session id"),
        ("12 34", "Session id '12 34'"),
        ("12345678;timeout=", "timeout ''"),
        ("12345678;timeout=-5", "timeout '-5'"),
        ("12345678;timeout=sixty", "timeout 'sixty'"),
        ("12345678;timeout=1e3", "timeout"),
    ],
)
def test_parse_session_refuses(header: str, words: str) -> None:
    with pytest.raises(HeaderError) as caught:
        parse_session(header)
    assert words in str(caught.value)


def test_format_session() -> None:
    assert format_session("5F0C2A9E") == "5F0C2A9E"
    assert format_session("5F0C2A9E", 60) == "5F0C2A9E;timeout=60"
    assert parse_session(format_session("5F0C2A9E", 60)) == ("5F0C2A9E", 60)
    with pytest.raises(ValueError, match="session id"):
        format_session("a;b")
    with pytest.raises(ValueError, match="negative"):
        format_session("5F0C2A9E", -1)


@given(st.from_regex(r"[A-Za-z0-9$\-_.+]{1,40}", fullmatch=True), st.none() | st.integers(0, 10**9 - 1))
def test_session_round_trip(session_id: str, timeout: int | None) -> None:
    assert parse_session(format_session(session_id, timeout)) == (session_id, timeout)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("npt=0.000-", (0.0, None)),  # ffmpeg, VLC
        ("npt=0-", (0.0, None)),
        ("npt=now-", (None, None)),  # the ONVIF streaming spec's live PLAY
        ("npt=10-20.5", (10.0, 20.5)),
        ("npt=-20", (None, 20.0)),
        ("npt=1:02:03.5-", (3723.5, None)),
        ("NPT=12.-", (12.0, None)),
        ("npt=0.000-;time=19970123T143720Z", (0.0, None)),
        (" npt = 5 - 6 ", (5.0, 6.0)),
        ("clock=20100217T143720.257Z-", (None, None)),  # ONVIF replay
        ("clock=19961108T142300Z-19961108T143520Z", (None, None)),
        ("smpte=10:07:00-10:07:33:05.01", (None, None)),
    ],
)
def test_parse_range(header: str, expected: tuple[float | None, float | None]) -> None:
    assert parse_range(header) == expected


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("0-", "no unit"),
        ("npt=", "npt=<start>-"),
        ("npt=-", "npt=<start>-"),
        ("npt=5", "npt=<start>-"),
        ("npt=abc-", "NPT time 'abc'"),
        ("npt=1:60:00-", "NPT time '1:60:00'"),
        ("npt=0:00:60-", "NPT time"),
        ("npt=20-10", "ends before it starts"),
        ("frames=1-2", "unit 'frames'"),
        ("clock=20100217T143720.257Z", "no '-'"),
    ],
)
def test_parse_range_refuses(header: str, words: str) -> None:
    with pytest.raises(HeaderError) as caught:
        parse_range(header)
    assert words in str(caught.value)


def test_format_range() -> None:
    assert format_range(None) == "npt=now-"
    assert format_range(0) == "npt=0.000-"
    assert format_range(1.5, 3) == "npt=1.500-3.000"
    assert parse_range(format_range(1.5, 3)) == (1.5, 3.0)
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="non-negative"):
            format_range(bad)
    with pytest.raises(ValueError, match="before it starts"):
        format_range(5, 4)


@given(st.integers(0, 10**9).map(lambda ms: ms / 1000), st.none() | st.integers(0, 10**6).map(lambda ms: ms / 1000))
def test_range_round_trip(start: float, length: float | None) -> None:
    end = None if length is None else start + length
    parsed_start, parsed_end = parse_range(format_range(start, end))
    assert parsed_start == pytest.approx(start, abs=0.0005)
    assert (parsed_end is None) == (end is None)
    if end is not None:
        assert parsed_end == pytest.approx(end, abs=0.0005)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("www.onvif.org/ver20/backchannel", ["www.onvif.org/ver20/backchannel"]),
        ("onvif-replay", ["onvif-replay"]),
        (" www.onvif.org/ver20/backchannel , onvif-replay ,", ["www.onvif.org/ver20/backchannel", "onvif-replay"]),
        ("", []),
    ],
)
def test_parse_require(header: str, expected: list[str]) -> None:
    assert parse_require(header) == expected


def test_format_rtp_info() -> None:
    value = format_rtp_info(
        [
            ("rtsp://example.com/onvif_camera/video", 1234, 3450012),
            ("rtsp://example.com/onvif_camera/audio", 22434, 1234566),
        ]
    )
    assert value == (
        "url=rtsp://example.com/onvif_camera/video;seq=1234;rtptime=3450012,"
        "url=rtsp://example.com/onvif_camera/audio;seq=22434;rtptime=1234566"
    )
    assert format_rtp_info([("rtsp://h/s/trackID=0", None, None)]) == "url=rtsp://h/s/trackID=0"


@pytest.mark.parametrize(
    ("streams", "words"),
    [
        ([], "at least one"),
        ([("rtsp://h/a,b", 1, 1)], "url"),
        ([("rtsp://h/a b", 1, 1)], "url"),
        ([("rtsp://h/a", 65536, 1)], "seq"),
        ([("rtsp://h/a", 1, 1 << 32)], "rtptime"),
    ],
)
def test_format_rtp_info_refuses(streams: list[tuple[str, int | None, int | None]], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        format_rtp_info(streams)


@given(st.text(max_size=100))
def test_parsers_raise_only_header_error(text: str) -> None:
    for parse in (parse_session, parse_range):
        try:
            parse(text)
        except HeaderError as error:
            assert str(error).isascii()
    assert all(tag and tag == tag.strip(" \t") for tag in parse_require(text))
