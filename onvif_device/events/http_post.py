"""A small HTTP/1.1 client for one job: POSTing Notify messages to one consumer.

h11 (already in the runtime through uvicorn) reads and writes the messages,
so chunked responses, keep-alive and a peer that closes are handled the way
a real HTTP stack handles them; this module only moves bytes.  The
connection is kept open between Notifies, and opened again when the
consumer closed it while idle.  Only http:// consumers: the camera has no
TLS client configuration to speak of.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

import h11

MAX_RESPONSE_BYTES = 64 * 1024  # a consumer answers a Notify with an empty body; read no more than this


class PostFailed(Exception):
    """The POST did not get an HTTP response (connection refused, reset, timed out, garbled)."""


def check_consumer_url(url: str) -> tuple[str, int, str]:
    """(host, port, target) of an http:// URL; ValueError saying what is wrong otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "http":
        raise ValueError(f"consumer address {url[:200]!r} is not an http:// URL")
    try:
        port = parts.port or 80
    except ValueError:
        raise ValueError(f"consumer address {url[:200]!r} has an invalid port") from None
    if not parts.hostname:
        raise ValueError(f"consumer address {url[:200]!r} names no host")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.hostname, port, target


class HttpPoster:
    def __init__(self, url: str, *, timeout: float = 10.0, user_agent: str = "onvif-device") -> None:
        self.host, self.port, self.target = check_consumer_url(url)
        netloc = urlsplit(url.strip()).netloc.rpartition("@")[2]  # never send userinfo on
        self._host_header = netloc.encode("idna" if not netloc.isascii() else "ascii")
        self.timeout = timeout
        self.user_agent = user_agent.encode()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._http: h11.Connection | None = None

    async def post(self, body: bytes, content_type: str) -> int:
        """Send one POST and return the response's status; PostFailed if there was none."""
        reused = self._writer is not None
        try:
            return await asyncio.wait_for(self._exchange(body, content_type), self.timeout)
        except (TimeoutError, OSError, EOFError, h11.ProtocolError) as exc:
            await self.close()
            if not reused or isinstance(exc, asyncio.TimeoutError):
                raise PostFailed(f"POST to http://{self.host}:{self.port}{self.target} failed: {exc!r}") from None
        # A kept-alive connection the consumer closed while idle: once more, on a new one.
        try:
            return await asyncio.wait_for(self._exchange(body, content_type), self.timeout)
        except (TimeoutError, OSError, EOFError, h11.ProtocolError) as exc:
            await self.close()
            raise PostFailed(f"POST to http://{self.host}:{self.port}{self.target} failed: {exc!r}") from None

    async def _exchange(self, body: bytes, content_type: str) -> int:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            self._http = h11.Connection(h11.CLIENT)
        http, reader, writer = self._http, self._reader, self._writer
        headers = [
            (b"host", self._host_header),
            (b"user-agent", self.user_agent),
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        writer.write(http.send(h11.Request(method="POST", target=self.target.encode(), headers=headers)))
        writer.write(http.send(h11.Data(data=body)))
        writer.write(http.send(h11.EndOfMessage()))
        await writer.drain()
        status, received = None, 0
        while True:
            event = http.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(16384)
                http.receive_data(data)
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                received += len(event.data)
                if received > MAX_RESPONSE_BYTES:
                    raise h11.RemoteProtocolError("response body too large")
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                break
        if status is None:
            raise EOFError("the consumer closed the connection without answering")
        if http.our_state is h11.DONE and http.their_state is h11.DONE:
            http.start_next_cycle()
        else:
            await self.close()
        return status

    async def close(self) -> None:
        writer, self._reader, self._writer, self._http = self._writer, None, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
