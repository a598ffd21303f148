"""Feeding helpers shared by the RTSP message tests."""

from __future__ import annotations

from collections.abc import Iterable

from onvif_device.streaming.rtsp import (
    NEED_DATA,
    InterleavedFrame,
    Request,
    RequestParser,
)

Event = Request | InterleavedFrame


def drain(parser: RequestParser) -> list[Event]:
    """Every event the parser can produce from what it holds now."""
    events: list[Event] = []
    while (event := parser.next_event()) is not NEED_DATA:
        events.append(event)
    return events


def parse_chunks(chunks: Iterable[bytes], **limits: int) -> tuple[list[Event], RequestParser]:
    """Feed `chunks` one by one, draining after each, the way the server does."""
    parser = RequestParser(**limits)
    events: list[Event] = []
    for chunk in chunks:
        parser.feed(chunk)
        events += drain(parser)
    return events, parser


def byte_by_byte(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


def feedings(data: bytes) -> dict[str, list[bytes]]:
    """The same bytes whole, one byte at a time, and cut in two at every offset."""
    ways = {"whole": [data], "bytes": byte_by_byte(data)}
    for cut in range(1, len(data)):
        ways[f"cut {cut}"] = [data[:cut], data[cut:]]
    return ways


def parse_response(data: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """A response split into status, reason, headers and body, strictly (CRLF only)."""
    head, separator, body = data.partition(b"\r\n\r\n")
    assert separator, "response has no empty line"
    status_line, *lines = head.decode("ascii").split("\r\n")
    version, status, reason = status_line.split(" ", 2)
    assert version == "RTSP/1.0"
    headers = []
    for line in lines:
        name, colon, value = line.partition(": ")
        assert colon, f"malformed header line {line!r}"
        headers.append((name, value))
    return int(status), reason, headers, body
