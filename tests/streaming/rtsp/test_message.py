"""RequestParser and the writers: what real clients send, and what the parser refuses.

Every valid vector is fed whole, byte by byte, cut in two at every offset, and
with the start of another request behind it.
"""

from __future__ import annotations

import pytest

from onvif_device.streaming.rtsp import (
    NEED_DATA,
    STATUS_REASONS,
    Headers,
    InterleavedFrame,
    ProtocolError,
    Request,
    RequestParser,
    encode_interleaved,
    encode_request,
    encode_response,
    parse_transports,
)

from .helpers import byte_by_byte, drain, feedings, parse_chunks, parse_response

FFMPEG_OPTIONS = (
    b"OPTIONS rtsp://h:8554/stream/Profile_1 RTSP/1.0\r\n"
    b"CSeq: 1\r\n"
    b"User-Agent: Lavf60.16.100\r\n"
    b"\r\n"
)
FFMPEG_DESCRIBE = (
    b"DESCRIBE rtsp://10.0.0.5:8554/stream/Profile_1 RTSP/1.0\r\n"
    b"Accept: application/sdp\r\n"
    b"CSeq: 2\r\n"
    b"User-Agent: Lavf60.16.100\r\n"
    b"\r\n"
)
FFMPEG_SETUP_TCP = (
    b"SETUP rtsp://10.0.0.5:8554/stream/Profile_1/trackID=0 RTSP/1.0\r\n"
    b"Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"
    b"CSeq: 3\r\n"
    b"User-Agent: Lavf60.16.100\r\n"
    b"\r\n"
)
FFMPEG_SETUP_UDP = (
    b"SETUP rtsp://10.0.0.5:8554/stream/Profile_1/trackID=0 RTSP/1.0\r\n"
    b"Transport: RTP/AVP/UDP;unicast;client_port=5000-5001\r\n"
    b"CSeq: 3\r\n"
    b"User-Agent: Lavf60.16.100\r\n"
    b"\r\n"
)
FFMPEG_PLAY = (
    b"PLAY rtsp://10.0.0.5:8554/stream/Profile_1/ RTSP/1.0\r\n"
    b"Range: npt=0.000-\r\n"
    b"CSeq: 4\r\n"
    b"User-Agent: Lavf60.16.100\r\n"
    b"Session: 5F0C2A9E\r\n"
    b"\r\n"
)
VLC_SETUP = (
    b"SETUP rtsp://10.0.0.5:8554/stream/Profile_1/trackID=0 RTSP/1.0\r\n"
    b"CSeq: 4\r\n"
    b"User-Agent: LibVLC/3.0.18 (LIVE555 Streaming Media v2022.07.14)\r\n"
    b"Transport: RTP/AVP;unicast;client_port=56328-56329\r\n"
    b"\r\n"
)
GSTREAMER_SETUP = (
    b"SETUP rtsp://10.0.0.5:8554/stream/Profile_1/trackID=0 RTSP/1.0\r\n"
    b"CSeq: 3\r\n"
    b"User-Agent: GStreamer/1.22.0\r\n"
    b"Transport: RTP/AVP/UDP;unicast;client_port=5000-5001,RTP/AVP/UDP;multicast,RTP/AVP/TCP\r\n"
    b"\r\n"
)
# The ONVIF back channel request: "Cseq" spelling, no space after the colon.
ONVIF_BACKCHANNEL_DESCRIBE = (
    b"DESCRIBE rtsp://192.168.0.1 RTSP/1.0\r\n"
    b"Cseq: 1\r\n"
    b"User-Agent: ONVIF Rtsp client\r\n"
    b"Accept: application/sdp\r\n"
    b"Require:www.onvif.org/ver20/backchannel\r\n"
    b"\r\n"
)
SET_PARAMETER = (
    b"SET_PARAMETER rtsp://10.0.0.5:8554/stream/Profile_1 RTSP/1.0\r\n"
    b"CSeq: 9\r\n"
    b"Session: 5F0C2A9E\r\n"
    b"Content-Type: text/parameters\r\n"
    b"Content-Length: 19\r\n"
    b"\r\n"
    b"barparam: barstuff\n"
)
RTCP_RECEIVER_REPORT = bytes.fromhex("81c90007 5f0c2a9e 1a2b3c4d 00000000 00000fa0 00000000 00000000 00000000")


def request(method: str, uri: str, fields: list[tuple[str, str]], body: bytes = b"") -> Request:
    return Request(method, uri, "RTSP/1.0", Headers(fields), body)


VALID = [
    pytest.param(
        FFMPEG_OPTIONS,
        request("OPTIONS", "rtsp://h:8554/stream/Profile_1", [("CSeq", "1"), ("User-Agent", "Lavf60.16.100")]),
        id="ffmpeg-options",
    ),
    pytest.param(
        FFMPEG_DESCRIBE,
        request(
            "DESCRIBE",
            "rtsp://10.0.0.5:8554/stream/Profile_1",
            [("Accept", "application/sdp"), ("CSeq", "2"), ("User-Agent", "Lavf60.16.100")],
        ),
        id="ffmpeg-describe",
    ),
    pytest.param(
        FFMPEG_SETUP_TCP,
        request(
            "SETUP",
            "rtsp://10.0.0.5:8554/stream/Profile_1/trackID=0",
            [
                ("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1"),
                ("CSeq", "3"),
                ("User-Agent", "Lavf60.16.100"),
            ],
        ),
        id="ffmpeg-setup-tcp",
    ),
    pytest.param(
        FFMPEG_PLAY,
        request(
            "PLAY",
            "rtsp://10.0.0.5:8554/stream/Profile_1/",
            [
                ("Range", "npt=0.000-"),
                ("CSeq", "4"),
                ("User-Agent", "Lavf60.16.100"),
                ("Session", "5F0C2A9E"),
            ],
        ),
        id="ffmpeg-play",
    ),
    pytest.param(
        VLC_SETUP,
        request(
            "SETUP",
            "rtsp://10.0.0.5:8554/stream/Profile_1/trackID=0",
            [
                ("CSeq", "4"),
                ("User-Agent", "LibVLC/3.0.18 (LIVE555 Streaming Media v2022.07.14)"),
                ("Transport", "RTP/AVP;unicast;client_port=56328-56329"),
            ],
        ),
        id="vlc-setup",
    ),
    pytest.param(
        ONVIF_BACKCHANNEL_DESCRIBE,
        request(
            "DESCRIBE",
            "rtsp://192.168.0.1",
            [
                ("Cseq", "1"),
                ("User-Agent", "ONVIF Rtsp client"),
                ("Accept", "application/sdp"),
                ("Require", "www.onvif.org/ver20/backchannel"),
            ],
        ),
        id="onvif-backchannel",
    ),
    pytest.param(
        SET_PARAMETER,
        request(
            "SET_PARAMETER",
            "rtsp://10.0.0.5:8554/stream/Profile_1",
            [
                ("CSeq", "9"),
                ("Session", "5F0C2A9E"),
                ("Content-Type", "text/parameters"),
                ("Content-Length", "19"),
            ],
            b"barparam: barstuff\n",
        ),
        id="set-parameter-body",
    ),
    pytest.param(
        b"OPTIONS * RTSP/1.0\nCSeq: 7\n\n",
        request("OPTIONS", "*", [("CSeq", "7")]),
        id="bare-lf",
    ),
    pytest.param(
        b"OPTIONS * RTSP/1.0\r\nCSeq: 7\n\r\n",
        request("OPTIONS", "*", [("CSeq", "7")]),
        id="mixed-line-ends",
    ),
    pytest.param(
        b"\r\n\r\n\nOPTIONS * RTSP/1.0\r\nCSeq: 7\r\n\r\n",
        request("OPTIONS", "*", [("CSeq", "7")]),
        id="leading-empty-lines",
    ),
    pytest.param(
        b"GET_PARAMETER rtsp://h/s RTSP/1.0\r\nCSeq:   8  \r\nX-Empty:\r\nX-Tab:\tv\t\r\n\r\n",
        request("GET_PARAMETER", "rtsp://h/s", [("CSeq", "8"), ("X-Empty", ""), ("X-Tab", "v")]),
        id="value-whitespace-stripped",
    ),
    pytest.param(
        b"OPTIONS * RTSP/1.0\r\nCSeq : 2\r\n\r\n",
        request("OPTIONS", "*", [("CSeq", "2")]),
        id="space-before-colon",
    ),
    pytest.param(
        b"ANNOUNCE rtsp://h/s RTSP/1.0\r\nCSeq: 3\r\nContent-Length: 0\r\n\r\n",
        request("ANNOUNCE", "rtsp://h/s", [("CSeq", "3"), ("Content-Length", "0")]),
        id="zero-content-length",
    ),
]


@pytest.mark.parametrize(("data", "expected"), VALID)
def test_valid_requests_parse_however_they_are_fed(data: bytes, expected: Request) -> None:
    for way, chunks in feedings(data).items():
        events, parser = parse_chunks(chunks)
        assert events == [expected], way
        assert parser.buffered == 0, way


@pytest.mark.parametrize(("data", "expected"), VALID)
def test_trailing_data_stays_buffered(data: bytes, expected: Request) -> None:
    trailing = b"OPTIONS * RTSP/1.0\r\nCSeq: 99\r\n"
    events, parser = parse_chunks([data + trailing])
    assert events == [expected]
    assert parser.buffered == len(trailing)
    parser.feed(b"\r\n")
    assert drain(parser) == [request("OPTIONS", "*", [("CSeq", "99")])]


def test_setup_transport_headers_from_real_clients_parse() -> None:
    for data, lower, ports in [
        (FFMPEG_SETUP_TCP, "TCP", None),
        (FFMPEG_SETUP_UDP, "UDP", (5000, 5001)),
        (VLC_SETUP, "UDP", (56328, 56329)),
    ]:
        [setup], _ = parse_chunks([data])
        assert isinstance(setup, Request)
        [spec] = parse_transports(setup.headers.get("transport") or "")
        assert (spec.lower, spec.client_port, spec.multicast) == (lower, ports, False)
    [gstreamer], _ = parse_chunks([GSTREAMER_SETUP])
    assert isinstance(gstreamer, Request)
    offers = parse_transports(gstreamer.headers.get("Transport") or "")
    assert [(o.lower, o.multicast) for o in offers] == [("UDP", False), ("UDP", True), ("TCP", False)]


def test_cseq_property() -> None:
    [describe], _ = parse_chunks([ONVIF_BACKCHANNEL_DESCRIBE])
    assert isinstance(describe, Request)
    assert describe.cseq == "1"  # from "Cseq"
    assert request("OPTIONS", "*", [("CSeq", " 12 ")]).cseq == "12"
    assert request("OPTIONS", "*", [("User-Agent", "x")]).cseq is None


def test_folded_header_lines_are_joined() -> None:
    # Laid out like the Transport reply in the ONVIF streaming spec's example, as a request.
    data = (
        b"SETUP rtsp://example.com/onvif_camera/audio RTSP/1.0\r\n"
        b"Cseq: 2\r\n"
        b"Transport: RTP/AVP;unicast;client_port=8002-8003;\r\n"
        b"    server_port=9004-9005\r\n"
        b"X-Folded:\r\n"
        b"\tfirst\r\n"
        b" \r\n"
        b"\t second\r\n"
        b"\r\n"
    )
    for way, chunks in feedings(data).items():
        [setup], _ = parse_chunks(chunks)
        assert isinstance(setup, Request)
        assert setup.headers.items() == [
            ("Cseq", "2"),
            ("Transport", "RTP/AVP;unicast;client_port=8002-8003; server_port=9004-9005"),
            ("X-Folded", "first second"),
        ], way
    assert isinstance(setup, Request)
    [spec] = parse_transports(setup.headers.get("transport") or "")
    assert (spec.client_port, spec.server_port) == ((8002, 8003), (9004, 9005))


def test_pipelined_requests_come_out_one_by_one() -> None:
    data = FFMPEG_OPTIONS + FFMPEG_DESCRIBE + b"\r\n" + SET_PARAMETER + FFMPEG_PLAY
    parser = RequestParser()
    parser.feed(data)
    methods = []
    while (event := parser.next_event()) is not NEED_DATA:
        assert isinstance(event, Request)
        methods.append((event.method, event.cseq))
    assert methods == [("OPTIONS", "1"), ("DESCRIBE", "2"), ("SET_PARAMETER", "9"), ("PLAY", "4")]
    assert parser.buffered == 0


def test_interleaved_frames_between_requests_at_every_split() -> None:
    # A TCP client after PLAY: RTCP receiver reports on channel 1 around keep-alives.
    keepalive = (
        b"GET_PARAMETER rtsp://10.0.0.5:8554/stream/Profile_1/ RTSP/1.0\r\n"
        b"CSeq: 6\r\nSession: 5F0C2A9E\r\n\r\n"
    )
    data = (
        encode_interleaved(1, RTCP_RECEIVER_REPORT)
        + keepalive
        + encode_interleaved(0, b"")
        + encode_interleaved(1, b"$\r\n\r\n")
        + SET_PARAMETER
        + encode_interleaved(255, bytes(range(256)) * 3)
    )
    expected = [
        InterleavedFrame(1, RTCP_RECEIVER_REPORT),
        request(
            "GET_PARAMETER",
            "rtsp://10.0.0.5:8554/stream/Profile_1/",
            [("CSeq", "6"), ("Session", "5F0C2A9E")],
        ),
        InterleavedFrame(0, b""),
        InterleavedFrame(1, b"$\r\n\r\n"),
        parse_chunks([SET_PARAMETER])[0][0],
        InterleavedFrame(255, bytes(range(256)) * 3),
    ]
    for way, chunks in feedings(data).items():
        events, parser = parse_chunks(chunks)
        assert events == expected, way
        assert parser.buffered == 0


def test_dollar_inside_a_request_is_not_a_frame() -> None:
    data = b"SET_PARAMETER * RTSP/1.0\r\nCSeq: 1\r\nX-Price: $5\r\nContent-Length: 3\r\n\r\n$ab"
    [event], _ = parse_chunks(byte_by_byte(data))
    assert isinstance(event, Request)
    assert (event.headers.get("x-price"), event.body) == ("$5", b"$ab")


def test_only_empty_lines_need_more_data_and_hold_nothing() -> None:
    parser = RequestParser()
    for _ in range(10_000):
        parser.feed(b"\r\n")
        assert parser.next_event() is NEED_DATA
    assert parser.buffered == 0


def test_incomplete_frame_and_body_need_data() -> None:
    parser = RequestParser()
    parser.feed(b"$\x00\x00")
    assert parser.next_event() is NEED_DATA
    parser.feed(b"\x04ab")
    assert parser.next_event() is NEED_DATA
    assert parser.buffered == 6
    parser.feed(b"cd")
    assert parser.next_event() == InterleavedFrame(0, b"abcd")
    parser.feed(b"SET_PARAMETER * RTSP/1.0\r\nContent-Length: 5\r\n\r\nab")
    assert parser.next_event() is NEED_DATA
    assert parser.buffered == 2  # the head is parsed; only body bytes are held
    parser.feed(b"cde")
    event = parser.next_event()
    assert isinstance(event, Request)
    assert event.body == b"abcde"


# --- limits ---------------------------------------------------------------------------------


def head_of_size(size: int) -> bytes:
    """An OPTIONS head, empty line included, of exactly `size` bytes."""
    start = b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX-Pad: "
    end = b"\r\n\r\n"
    return start + b"a" * (size - len(start) - len(end)) + end


def test_header_section_up_to_the_limit_parses() -> None:
    for limit in (100, 8192):
        events, _ = parse_chunks([head_of_size(limit)], max_header_bytes=limit)
        assert len(events) == 1
        assert isinstance(events[0], Request)


def test_header_section_one_byte_over_the_limit_fails() -> None:
    for limit in (100, 8192):
        for chunks in ([head_of_size(limit + 1)], byte_by_byte(head_of_size(limit + 1))):
            with pytest.raises(ProtocolError) as caught:
                parse_chunks(chunks, max_header_bytes=limit)
            assert caught.value.status == 400
            assert caught.value.reason == f"header section over {limit} bytes"
            assert caught.value.cseq == "1"


def test_long_head_with_a_binary_body_is_reported_as_too_long() -> None:
    data = head_of_size(200).replace(b"\r\n\r\n", b"\r\nContent-Length: 4\r\n\r\n\x00\xff\x00\xff")
    with pytest.raises(ProtocolError) as caught:
        parse_chunks([data], max_header_bytes=100)
    assert caught.value.reason == "header section over 100 bytes"


@pytest.mark.parametrize("chunk_size", [1, 7, 1000, 4096])
def test_endless_header_fails_before_holding_more_than_limit_plus_a_chunk(chunk_size: int) -> None:
    # Whole header lines when the chunk fits one, else a line that never ends.
    chunk = b"X-Junk: " + b"j" * (chunk_size - 10) + b"\r\n" if chunk_size > 10 else b"j" * chunk_size
    assert len(chunk) == chunk_size
    parser = RequestParser()
    parser.feed(b"DESCRIBE rtsp://h/s RTSP/1.0\r\nCSeq: 3\r\n")
    held = 0
    with pytest.raises(ProtocolError) as caught:
        for _ in range(100_000):
            parser.feed(chunk)
            held = parser.buffered
            assert parser.next_event() is NEED_DATA
    assert (caught.value.status, caught.value.cseq) == (400, "3")
    assert caught.value.reason == "header section over 8192 bytes"
    assert 8192 <= held <= 8192 + chunk_size
    assert parser.buffered == 0  # dropped: the server closes the connection


def test_body_over_the_limit_is_413_before_it_arrives() -> None:
    parser = RequestParser(max_body_bytes=1000)
    parser.feed(b"ANNOUNCE rtsp://h/s RTSP/1.0\r\nCSeq: 4\r\nContent-Length: 1001\r\n\r\n")
    with pytest.raises(ProtocolError) as caught:
        parser.next_event()
    assert (caught.value.status, caught.value.cseq) == (413, "4")
    assert "1001" in caught.value.reason and "1000" in caught.value.reason


def test_body_at_the_limit_parses() -> None:
    data = encode_request("ANNOUNCE", "rtsp://h/s", 4, body=b"v" * 1000)
    [event], _ = parse_chunks([data], max_body_bytes=1000)
    assert isinstance(event, Request)
    assert event.body == b"v" * 1000


def test_huge_content_length_is_413_not_a_crash() -> None:
    parser = RequestParser()
    parser.feed(b"ANNOUNCE * RTSP/1.0\r\nCSeq: 4\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n")
    with pytest.raises(ProtocolError) as caught:
        parser.next_event()
    assert caught.value.status == 413
    assert len(caught.value.reason) < 100


def test_leading_zeros_in_content_length() -> None:
    data = b"ANNOUNCE * RTSP/1.0\r\nContent-Length: " + b"0" * 30 + b"2\r\n\r\nok"
    [event], _ = parse_chunks([data])
    assert isinstance(event, Request)
    assert event.body == b"ok"


def test_interleaved_frame_over_the_limit_is_413() -> None:
    parser = RequestParser(max_interleaved_bytes=1500)
    parser.feed(encode_interleaved(0, b"x" * 1500)[:4])
    assert parser.next_event() is NEED_DATA  # a frame at the limit waits for its payload
    parser.feed(b"x" * 1500 + encode_interleaved(1, b"x" * 1501)[:4])
    assert parser.next_event() == InterleavedFrame(0, b"x" * 1500)
    with pytest.raises(ProtocolError) as caught:
        parser.next_event()
    assert caught.value.status == 413
    assert "1501" in caught.value.reason


def test_a_broken_parser_stays_broken_and_drops_data() -> None:
    parser = RequestParser()
    parser.feed(b"OPTIONS * RTSP/2.0\r\nCSeq: 3\r\n\r\n" + FFMPEG_OPTIONS)
    with pytest.raises(ProtocolError) as first:
        parser.next_event()
    parser.feed(FFMPEG_OPTIONS)
    assert parser.buffered == 0
    with pytest.raises(ProtocolError) as again:
        parser.next_event()
    assert again.value is first.value


# --- refusals -------------------------------------------------------------------------------

REFUSED = [
    pytest.param(b"OPTIONS * RTSP/2.0\r\nCSeq: 3\r\n\r\n", 505, "RTSP/2.0", "3", id="rtsp-2.0"),
    pytest.param(b"OPTIONS * RTSP/1.1\r\nCSeq: 3\r\n\r\n", 505, "RTSP/1.1", "3", id="rtsp-1.1"),
    pytest.param(b"OPTIONS * rtsp/1.0\r\nCSeq: 3\r\n\r\n", 400, "version", "3", id="lowercase-version"),
    pytest.param(b"OPTIONS * SIP/2.0\r\n\r\n", 400, "SIP/2.0", None, id="other-protocol"),
    pytest.param(
        b"GET / HTTP/1.1\r\nHost: 10.0.0.5:8554\r\nUser-Agent: Mozilla/5.0\r\n\r\n",
        400,
        "an HTTP request on the RTSP port",
        None,
        id="browser",
    ),
    pytest.param(
        b"GET /a path with spaces HTTP/1.0\r\n\r\n", 400, "an HTTP request", None, id="http-odd-path"
    ),
    pytest.param(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n", 400, "a response", "1", id="response"),
    pytest.param(b"hello\r\n\r\n", 400, "is not METHOD URI RTSP/1.0", None, id="one-word"),
    pytest.param(b"OPTIONS RTSP/1.0\r\n\r\n", 400, "is not METHOD URI", None, id="no-uri"),
    pytest.param(b"OPTIONS * RTSP/1.0 extra\r\n\r\n", 400, "is not METHOD URI", None, id="four-words"),
    pytest.param(b"DE(SCRIBE * RTSP/1.0\r\nCSeq: 2\r\n\r\n", 400, "method", "2", id="method-parenthesis"),
    pytest.param(b"DESCR\xc9BE * RTSP/1.0\r\n\r\n", 400, "0xc9", None, id="method-non-ascii"),
    pytest.param(b"OPTIONS * RTSP/1.0\r\nCSeq: 5\r\nno colon here\r\n\r\n", 400, "without ':'", "5", id="no-colon"),
    pytest.param(b"OPTIONS * RTSP/1.0\r\nBad Name: x\r\nCSeq: 5\r\n\r\n", 400, "not a token", "5", id="name-space"),
    pytest.param(b"OPTIONS * RTSP/1.0\r\n: x\r\n\r\n", 400, "not a token", None, id="empty-name"),
    pytest.param(
        b"OPTIONS * RTSP/1.0\r\nCSeq: 6\r\nUser-Agent: caf\xc3\xa9\r\n\r\n", 400, "non-ASCII", "6", id="utf8-value"
    ),
    pytest.param(b"OPTIONS * RTSP/1.0\r\nCSeq: 6\r\nX: a\x00b\r\n\r\n", 400, "0x00", "6", id="nul"),
    pytest.param(b"OPTIONS * RTSP/1.0\r\nCSeq: 6\r\nX: a\rb\r\n\r\n", 400, "0x0d", "6", id="bare-cr"),
    pytest.param(b"OPTIONS * RTSP/1.0\r\n folded\r\n\r\n", 400, "continuation", None, id="leading-fold"),
    pytest.param(
        b"ANNOUNCE * RTSP/1.0\r\nCSeq: 7\r\nContent-Length: -1\r\n\r\n", 400, "non-negative", "7", id="length-negative"
    ),
    pytest.param(
        b"ANNOUNCE * RTSP/1.0\r\nCSeq: 7\r\nContent-Length: 1.5\r\n\r\n", 400, "non-negative", "7", id="length-float"
    ),
    pytest.param(
        b"ANNOUNCE * RTSP/1.0\r\nCSeq: 7\r\nContent-Length: ten\r\n\r\n", 400, "'ten'", "7", id="length-word"
    ),
    pytest.param(b"ANNOUNCE * RTSP/1.0\r\nCSeq: 7\r\nContent-Length:\r\n\r\n", 400, "''", "7", id="length-empty"),
    pytest.param(
        b"ANNOUNCE * RTSP/1.0\r\nCSeq: 7\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
        400,
        "conflicting",
        "7",
        id="length-conflict",
    ),
    pytest.param(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400, "0x16", None, id="tls-client-hello"),
    pytest.param(b"\x00\x00\x00\x00", 400, "0x00", None, id="zeros"),
]


@pytest.mark.parametrize(("data", "status", "words", "cseq"), REFUSED)
def test_refused_input_raises_protocol_error(data: bytes, status: int, words: str, cseq: str | None) -> None:
    for way, chunks in {"whole": [data], "bytes": byte_by_byte(data)}.items():
        with pytest.raises(ProtocolError) as caught:
            parse_chunks(chunks)
        error = caught.value
        assert (error.status, error.cseq) == (status, cseq), way
        assert words in error.reason, way
        assert str(error) == error.reason
        assert error.reason.isascii() and error.reason.isprintable()


def test_requests_before_a_bad_one_still_come_out() -> None:
    parser = RequestParser()
    parser.feed(FFMPEG_OPTIONS + b"OPTIONS * RTSP/2.0\r\nCSeq: 2\r\n\r\n")
    first = parser.next_event()
    assert isinstance(first, Request) and first.cseq == "1"
    with pytest.raises(ProtocolError) as caught:
        parser.next_event()
    assert caught.value.status == 505


@pytest.mark.parametrize(
    "start",
    [
        pytest.param(b"GET / HTTP/1.1\r\n", id="http-request-line"),
        pytest.param(b"GET /tunnel HTTP/1.0\r\nx-sessioncookie: 9a8b7c", id="rtsp-over-http-tunnel"),
        pytest.param(b"\x16\x03\x01", id="tls"),
        pytest.param(b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX: \xff", id="binary-in-header"),
    ],
)
def test_obvious_garbage_fails_without_waiting_for_the_empty_line(start: bytes) -> None:
    parser = RequestParser()
    parser.feed(start)
    with pytest.raises(ProtocolError) as caught:
        parser.next_event()
    assert caught.value.status == 400


def test_an_unfinished_head_with_a_good_request_line_waits() -> None:
    parser = RequestParser()
    parser.feed(b"DESCRIBE rtsp://h/s RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sd")
    assert parser.next_event() is NEED_DATA
    parser.feed(b"p\r\n\r\n")
    event = parser.next_event()
    assert isinstance(event, Request) and event.headers.get("accept") == "application/sdp"


# --- Headers, Request, InterleavedFrame -------------------------------------------------------


def test_headers_are_case_insensitive_and_keep_spelling() -> None:
    headers = Headers([("CSeq", "1"), ("Require", "a"), ("require", "b")])
    assert headers.get("cseq") == "1"
    assert headers.get("REQUIRE") == "a"
    assert headers.get("missing") is None
    assert headers.get("missing", "default") == "default"
    assert headers.get_all("Require") == ["a", "b"]
    assert headers.get_all("missing") == []
    assert "cSEQ" in headers
    assert "Session" not in headers
    assert 1 not in headers
    assert list(headers) == [("CSeq", "1"), ("Require", "a"), ("require", "b")]
    assert len(headers) == 3


def test_headers_add_and_set() -> None:
    headers = Headers([("A", "1"), ("B", "2"), ("a", "3"), ("C", "4")])
    headers.add("b", "5")
    assert headers.get_all("B") == ["2", "5"]
    headers.set("A", "new")
    assert headers.items() == [("A", "new"), ("B", "2"), ("C", "4"), ("b", "5")]
    headers.set("Session", "x")
    assert headers.items()[-1] == ("Session", "x")
    copy = headers.items()
    copy.clear()
    assert len(headers) == 5  # items() is a copy


def test_headers_equality_ignores_name_case_but_not_order() -> None:
    assert Headers([("CSeq", "1"), ("A", "x")]) == Headers([("cseq", "1"), ("a", "x")])
    assert Headers([("CSeq", "1"), ("A", "x")]) != Headers([("A", "x"), ("CSeq", "1")])
    assert Headers([("A", "x")]) != Headers([("A", "X")])
    assert Headers() != [("A", "x")]
    assert "A" in repr(Headers([("A", "x")]))


def test_events_validate_themselves() -> None:
    with pytest.raises(ValueError, match="channel"):
        InterleavedFrame(256, b"")
    with pytest.raises(ValueError, match="65535"):
        InterleavedFrame(0, bytes(65536))
    with pytest.raises(ValueError, match="method"):
        Request("BAD METHOD", "*", "RTSP/1.0", Headers())
    with pytest.raises(ValueError, match="URI"):
        Request("OPTIONS", "", "RTSP/1.0", Headers())
    with pytest.raises(ValueError, match="version"):
        Request("OPTIONS", "*", "HTTP/1.1", Headers())
    assert repr(NEED_DATA) == "NEED_DATA"


# --- writers --------------------------------------------------------------------------------


def test_encode_response_layout() -> None:
    data = encode_response(
        200,
        "3",
        [("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=1A2B3C4D"), ("Session", "5F0C2A9E;timeout=60")],
    )
    assert data == (
        b"RTSP/1.0 200 OK\r\n"
        b"CSeq: 3\r\n"
        b"Transport: RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=1A2B3C4D\r\n"
        b"Session: 5F0C2A9E;timeout=60\r\n"
        b"\r\n"
    )


def test_encode_response_round_trip_with_body() -> None:
    sdp = b"v=0\r\no=- 0 0 IN IP4 10.0.0.5\r\ns=Profile_1\r\n"
    headers = [("Content-Base", "rtsp://10.0.0.5:8554/stream/Profile_1/"), ("Content-Type", "application/sdp")]
    status, reason, fields, body = parse_response(encode_response(200, "2", headers, sdp))
    assert (status, reason, body) == (200, "OK", sdp)
    assert fields == [("CSeq", "2"), *headers, ("Content-Length", str(len(sdp)))]


def test_encode_response_default_reasons() -> None:
    required = {200, 400, 401, 403, 404, 405, 406, 451, 453, 454, 455, 457, 459, 461, 500, 501, 503, 505, 551}
    assert required <= STATUS_REASONS.keys()
    for status, phrase in STATUS_REASONS.items():
        assert parse_response(encode_response(status, None))[:2] == (status, phrase)
    assert STATUS_REASONS[454] == "Session Not Found"
    assert STATUS_REASONS[461] == "Unsupported transport"
    # Codes outside the table read as the x00 code of their class.
    assert parse_response(encode_response(499, "1"))[:2] == (499, "Bad Request")
    assert parse_response(encode_response(599, "1"))[:2] == (599, "Server Error")


def test_encode_response_for_a_protocol_error() -> None:
    parser = RequestParser()
    parser.feed(b"OPTIONS * RTSP/2.0\r\nCSeq: 31\r\n\r\n")
    with pytest.raises(ProtocolError) as caught:
        parser.next_event()
    error = caught.value
    status, reason, fields, body = parse_response(
        encode_response(error.status, error.cseq, body=error.reason.encode())
    )
    assert (status, reason, fields[0]) == (505, "RTSP Version not supported", ("CSeq", "31"))
    assert body == error.reason.encode()


def test_encode_response_custom_reason_and_no_cseq() -> None:
    data = encode_response(400, None, reason="Bad Request (header section over 8192 bytes)")
    assert data == b"RTSP/1.0 400 Bad Request (header section over 8192 bytes)\r\n\r\n"


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: encode_response(200, "1", [("X", "a\r\nInjected: yes")]), "control"),
        (lambda: encode_response(200, "1", [("X", "caf\u00e9")]), "non-ASCII"),
        (lambda: encode_response(200, "1", [("Bad Name", "x")]), "token"),
        (lambda: encode_response(200, "1", [("CSeq", "2")]), "cseq"),
        (lambda: encode_response(200, "1", [("content-length", "2")]), "body"),
        (lambda: encode_response(200, "1\r\n"), "CSeq"),
        (lambda: encode_response(99, "1"), "three digits"),
        (lambda: encode_response(1000, "1"), "three digits"),
        (lambda: encode_response(200, "1", reason="OK\r\n"), "reason"),
        (lambda: encode_response(200, "1", reason=""), "reason"),
        (lambda: encode_request("BAD METHOD", "*", 1), "token"),
        (lambda: encode_request("$X", "*", 1), "interleaved"),
        (lambda: encode_request("OPTIONS", "rtsp://h/a b", 1), "URI"),
        (lambda: encode_request("OPTIONS", "", 1), "URI"),
        (lambda: encode_interleaved(256, b""), "channel"),
        (lambda: encode_interleaved(-1, b""), "channel"),
        (lambda: encode_interleaved(0, bytes(65536)), "65535"),
    ],
)
def test_writers_refuse_what_would_not_parse_back(call: object, words: str) -> None:
    with pytest.raises(ValueError) as caught:
        call()  # type: ignore[operator]
    assert words.lower() in str(caught.value).lower()


def test_encode_request_round_trip() -> None:
    data = encode_request(
        "SET_PARAMETER",
        "rtsp://10.0.0.5:8554/stream/Profile_1",
        9,
        [("Session", "5F0C2A9E"), ("Content-Type", "text/parameters")],
        b"barparam: barstuff\n",
    )
    assert data.startswith(b"SET_PARAMETER rtsp://10.0.0.5:8554/stream/Profile_1 RTSP/1.0\r\nCSeq: 9\r\n")
    [event], _ = parse_chunks([data])
    assert event == parse_chunks([SET_PARAMETER])[0][0]


def test_encode_interleaved_layout() -> None:
    assert encode_interleaved(1, b"ab") == b"$\x01\x00\x02ab"
    assert encode_interleaved(0, bytes(65535))[:4] == b"$\x00\xff\xff"
