"""One RTSP conversation, whatever carries it: a TCP connection, the HTTP tunnel or a WebSocket.

Bytes in go through the sans-IO parser; requests are answered one at a
time, in order (a DESCRIBE may wait for the encoder's parameter sets, and
the next request must not overtake it); interleaved frames from the client
are RTCP receiver reports (keep-alives) or back-channel audio.  A request
that cannot be parsed gets its 4xx and the connection is closed, since the
parser cannot know where the next message starts.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from onvif_device.streaming.rtsp import (
    NEED_DATA,
    InterleavedFrame,
    ProtocolError,
    Request,
    RequestParser,
    encode_response,
)
from onvif_device.streaming.session import Link

if TYPE_CHECKING:
    from onvif_device.streaming.engine import StreamingEngine

log = logging.getLogger("onvif_device.streaming")

SERVER_NAME = "onvif-device"
MAX_PENDING_REQUESTS = 16  # a client pipelining more than this is not waiting for answers


class RtspConnection:
    def __init__(self, engine: StreamingEngine, link: Link, kind: str) -> None:
        self.engine = engine
        self.link = link
        self.kind = kind  # "tcp", "http" or "websocket"
        self.username: str | None = None
        self.closed = False
        self._parser = RequestParser()
        self._requests: asyncio.Queue[Request | None] = asyncio.Queue()
        self._worker = asyncio.get_running_loop().create_task(self._answer_in_order())
        self._channels: set[int] = set()
        engine.connections.add(self)

    # --- bytes from the carrier -----------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        self._parser.feed(data)
        while True:
            try:
                event = self._parser.next_event()
            except ProtocolError as exc:
                self._reply_raw(encode_response(exc.status, exc.cseq, self._common(), (exc.reason + "\n").encode()))
                self.close()
                return
            if event is NEED_DATA:
                return
            if isinstance(event, InterleavedFrame):
                self.engine.interleaved_received(self, event.channel, event.payload)
            elif self._requests.qsize() >= MAX_PENDING_REQUESTS:
                self._reply_raw(encode_response(503, event.cseq, self._common(), b"too many pipelined requests\n"))
                self.close()
                return
            else:
                self._requests.put_nowait(event)

    def connection_lost(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._requests.put_nowait(None)
        self.engine.connection_closed(self)

    def close(self) -> None:
        if not self.closed:
            self.link.close()
            self.connection_lost()

    # --- answering ------------------------------------------------------------------------

    async def _answer_in_order(self) -> None:
        while True:
            request = await self._requests.get()
            if request is None or self.closed:
                return
            try:
                reply = await self.engine.methods.handle(request, self)
            except Exception:
                log.exception("RTSP %s %s failed", request.method, request.uri)
                self._reply_raw(encode_response(500, request.cseq, self._common(), b"internal error\n"))
                continue
            if self.closed:
                return
            self._reply_raw(
                encode_response(reply.status, request.cseq, [*self._common(), *reply.headers], reply.body, reason=reply.reason)
            )
            if reply.then is not None:
                reply.then()
            if reply.close:
                self.close()

    def _reply_raw(self, data: bytes) -> None:
        if not self.closed:
            self.link.write(data)

    @staticmethod
    def _common() -> list[tuple[str, str]]:
        return [("Server", SERVER_NAME)]

    # --- interleaved channels -------------------------------------------------------------

    def free_channels(self) -> tuple[int, int]:
        channel = 0
        while channel in self._channels or channel + 1 in self._channels:
            channel += 2
        return channel, channel + 1

    def claim_channels(self, channels: tuple[int, int]) -> None:
        self._channels.update(channels)
