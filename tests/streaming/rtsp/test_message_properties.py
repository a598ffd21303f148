"""Property tests: written messages parse back however they are cut; any bytes fail cleanly."""

from __future__ import annotations

import itertools
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from onvif_device.streaming.rtsp import (
    NEED_DATA,
    Headers,
    InterleavedFrame,
    ProtocolError,
    Request,
    RequestParser,
    encode_interleaved,
    encode_request,
    encode_response,
)

from .helpers import Event, parse_chunks, parse_response

TOKEN_CHARS = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"
VISIBLE = "".join(map(chr, range(0x21, 0x7F)))

tokens = st.text(TOKEN_CHARS, min_size=1, max_size=20)
# A request cannot start with "$": at a message boundary that starts an interleaved frame.
methods = tokens.filter(lambda method: not method.startswith("$"))
uris = st.text(VISIBLE, min_size=1, max_size=60)
header_names = tokens.filter(lambda name: name.lower() not in ("cseq", "content-length"))
# Values lose surrounding blanks when parsed, so generate them without.
header_values = st.text(VISIBLE + " \t", max_size=40).map(lambda value: value.strip(" \t"))
headers = st.lists(st.tuples(header_names, header_values), max_size=6)
bodies = st.binary(max_size=300)


@st.composite
def requests(draw: st.DrawFn) -> tuple[bytes, Event]:
    method, uri, cseq = draw(methods), draw(uris), draw(st.integers(0, 2**31))
    fields, body = draw(headers), draw(bodies)
    data = encode_request(method, uri, cseq, fields, body)
    if draw(st.booleans()):
        # Bare LF line ends, which the parser accepts as well.
        head, _, rest = data.partition(b"\r\n\r\n")
        data = head.replace(b"\r\n", b"\n") + b"\n\n" + rest
    expected_fields = [("CSeq", str(cseq)), *fields]
    if body:
        expected_fields.append(("Content-Length", str(len(body))))
    return data, Request(method, uri, "RTSP/1.0", Headers(expected_fields), body)


@st.composite
def frames(draw: st.DrawFn) -> tuple[bytes, Event]:
    frame = InterleavedFrame(draw(st.integers(0, 255)), draw(st.binary(max_size=300)))
    return encode_interleaved(frame.channel, frame.payload), frame


empty_lines = st.sampled_from([b"", b"", b"\r\n", b"\n", b"\r\n\r\n"])


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[Event]]:
    messages = draw(st.lists(st.tuples(empty_lines, requests() | frames()), max_size=8))
    data = b"".join(blank + encoded for blank, (encoded, _) in messages)
    return data, [event for _, (_, event) in messages]


def cut(draw: st.DataObject, data: bytes) -> list[bytes]:
    """`data` in chunks of random sizes, empty ones included."""
    offsets = sorted(draw.draw(st.lists(st.integers(0, len(data)), max_size=30)))
    return [data[start:end] for start, end in itertools.pairwise([0, *offsets, len(data)])]


@settings(deadline=None)
@given(st.data())
def test_written_messages_parse_back_in_any_chunks(data: st.DataObject) -> None:
    encoded, expected = data.draw(streams())
    chunks = cut(data, encoded)
    events, parser = parse_chunks(chunks)
    assert events == expected
    assert parser.buffered == 0


# Fragments that steer random input into the parser's corners.
fragments = st.one_of(
    st.binary(max_size=40),
    st.sampled_from(
        [
            b"$",
            b"$\x00",
            b"$\x01\xff\xff",
            b"\r\n",
            b"\n",
            b"\r",
            b" ",
            b":",
            b"OPTIONS * RTSP/1.0\r\n",
            b"DESCRIBE rtsp://h/s RTSP/2.0\r\n",
            b"GET / HTTP/1.1\r\n",
            b"CSeq: 5\r\n",
            b"Content-Length: 10\r\n",
            b"Content-Length: -3\r\n",
            b"Content-Length: 99999999999999999999999\r\n",
            b"\tfolded\r\n",
            b"\xff\xfe",
        ]
    ),
    requests().map(lambda pair: pair[0]),
    frames().map(lambda pair: pair[0]),
)
limits = st.fixed_dictionaries(
    {
        "max_header_bytes": st.sampled_from([32, 200, 8192]),
        "max_body_bytes": st.sampled_from([0, 16, 65536]),
        "max_interleaved_bytes": st.sampled_from([0, 100, 65535]),
    }
)


@settings(deadline=None)
@given(st.data(), limits)
def test_any_bytes_give_events_or_protocol_error_and_stay_bounded(data: st.DataObject, limits: dict[str, int]) -> None:
    stream = b"".join(data.draw(st.lists(fragments, max_size=20)))
    chunks = cut(data, stream)
    parser = RequestParser(**limits)
    # Once NEED_DATA is returned, no part of a message over its limit is held.
    bound = max(limits["max_header_bytes"], limits["max_body_bytes"], limits["max_interleaved_bytes"] + 4)
    fed = 0
    try:
        for chunk in chunks:
            parser.feed(chunk)
            fed += len(chunk)
            # Every event consumes at least one byte, so this loop is finite.
            for _ in range(len(chunk) + 1):
                event = parser.next_event()
                if event is NEED_DATA:
                    break
                assert isinstance(event, Request | InterleavedFrame)
            else:
                raise AssertionError("next_event kept returning events without consuming data")
            assert parser.buffered <= min(fed, bound)
    except ProtocolError as error:
        assert error.status in (400, 413, 505)
        assert error.reason and error.reason.isascii() and error.reason.isprintable()
        assert error.cseq is None or (error.cseq.isascii() and error.cseq.isprintable() and " " not in error.cseq)
        # A server can always answer it.
        status, _, fields, _ = parse_response(encode_response(error.status, error.cseq))
        assert status == error.status
        assert fields == ([] if error.cseq is None else [("CSeq", error.cseq)])


@settings(deadline=None)
@given(st.data(), st.sampled_from([64, 1000, 8192]))
def test_endless_header_section_fails_within_one_chunk_of_the_limit(data: st.DataObject, limit: int) -> None:
    parser = RequestParser(max_header_bytes=limit)
    line = b"X-Long: " + b"v" * 50 + b"\r\n"
    parser.feed(b"OPTIONS * RTSP/1.0\r\n")
    try:
        while True:
            chunk = line[: data.draw(st.integers(1, len(line)))]
            parser.feed(chunk)
            held = parser.buffered
            assert parser.next_event() is NEED_DATA
            assert held < limit
    except ProtocolError as error:
        assert error.status == 400
        assert f"over {limit} bytes" in error.reason
        assert limit <= held <= limit + len(chunk)


@given(
    st.integers(100, 999),
    st.none() | st.integers(0, 2**31).map(str),
    st.lists(st.tuples(header_names, header_values), max_size=6),
    bodies,
)
def test_encode_response_round_trip(
    status: int, cseq: str | None, fields: list[tuple[str, str]], body: bytes
) -> None:
    parsed_status, reason, parsed_fields, parsed_body = parse_response(encode_response(status, cseq, fields, body))
    assert parsed_status == status and reason
    expected = ([] if cseq is None else [("CSeq", cseq)]) + fields
    if body:
        expected.append(("Content-Length", str(len(body))))
    assert parsed_fields == expected
    assert parsed_body == body
