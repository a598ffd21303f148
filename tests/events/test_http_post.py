"""The Notify POST client (events/http_post.py) against small loopback servers that answer the ways
consumers do: chunked, closing after each answer, dropping an idle kept-alive connection, not at all."""

from __future__ import annotations

import asyncio
import socket

import pytest

from onvif_device.events.http_post import HttpPoster, PostFailed, check_consumer_url


class Server:
    """Answers each request with `responses[i]` (raw bytes); `close_after` closes the connection after one."""

    def __init__(self, responses: list[bytes], *, close_after: bool = False) -> None:
        self.responses = responses
        self.close_after = close_after
        self.requests: list[bytes] = []
        self.connections = 0

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/hook?x=1"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.lower().split(b"\r\n")
                length = int(next(line.split(b":")[1] for line in lines if line.startswith(b"content-length")))
                self.requests.append(head + await reader.readexactly(length))
                writer.write(self.responses[min(len(self.requests), len(self.responses)) - 1])
                await writer.drain()
                if self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
CHUNKED = b"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nthank\r\n3\r\nyou\r\n0\r\n\r\n"
CLOSING = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"


async def test_posts_on_one_kept_alive_connection_and_reads_chunked_answers():
    server = Server([CHUNKED, OK])
    poster = HttpPoster(await server.start())
    try:
        assert await poster.post(b"<a/>", "application/soap+xml") == 202
        assert await poster.post(b"<b/>", "application/soap+xml") == 200
        assert server.connections == 1
        first = server.requests[0]
        assert first.startswith(b"POST /hook?x=1 HTTP/1.1\r\n") and first.endswith(b"<a/>")
        assert b"content-type: application/soap+xml" in first.lower()
    finally:
        await poster.close()
        await server.stop()


async def test_reconnects_when_the_consumer_closes_after_each_answer():
    server = Server([CLOSING], close_after=True)
    poster = HttpPoster(await server.start())
    try:
        for _ in range(3):
            assert await poster.post(b"<a/>", "application/soap+xml") == 200
        assert server.connections == 3
    finally:
        await poster.close()
        await server.stop()


async def test_a_kept_alive_connection_the_consumer_dropped_is_replaced_without_failing():
    server = Server([OK], close_after=True)  # closes without saying so: the client finds out on its next POST
    poster = HttpPoster(await server.start())
    try:
        for _ in range(3):
            assert await poster.post(b"<a/>", "application/soap+xml") == 200
            await asyncio.sleep(0.01)  # let the close arrive, as it would on an idle connection
        assert server.connections == 3
    finally:
        await poster.close()
        await server.stop()


async def test_no_listener_is_a_post_failure():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        poster = HttpPoster(f"http://127.0.0.1:{unused.getsockname()[1]}/")
        with pytest.raises(PostFailed, match="failed"):
            await poster.post(b"<a/>", "application/soap+xml")


async def test_a_consumer_that_never_answers_times_out():
    silent = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    poster = HttpPoster(f"http://127.0.0.1:{silent.sockets[0].getsockname()[1]}/", timeout=0.2)
    try:
        with pytest.raises(PostFailed):
            await poster.post(b"<a/>", "application/soap+xml")
    finally:
        await poster.close()
        silent.close()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://192.0.2.1/notify", ("192.0.2.1", 80, "/notify")),
        ("http://[::1]:8080", ("::1", 8080, "/")),
        ("HTTP://host:81/a?b=c", ("host", 81, "/a?b=c")),
    ],
)
def test_consumer_urls(url, expected):
    assert check_consumer_url(url) == expected


@pytest.mark.parametrize("url", ["https://host/", "host:80", "http://host:99999/", "http://"])
def test_bad_consumer_urls(url):
    with pytest.raises(ValueError):
        check_consumer_url(url)
