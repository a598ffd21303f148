"""RTSP carried on the web service's HTTP port: the HTTP tunnel and RTSP over WebSocket.

HTTP tunnel (the QuickTime scheme the Media specs name RTSP over HTTP): the
client opens a GET that stays open and carries everything the camera says
(RTSP replies and interleaved RTP), and a POST with the same
``x-sessioncookie`` whose body is the client's RTSP requests in base64,
each request encoded on its own.  The POST is never answered while it
lasts; it may also be replaced by a new POST for later requests.

WebSocket (ONVIF Streaming, "WebSocket transport for RTP/RTSP/TCP"): one
socket, subprotocol ``rtsp.onvif.org``, RTSP requests and interleaved data
in binary messages both ways.

Both give the RTSP connection a `QueueLink`: what the camera writes is
queued for the response body or the socket, and the queue's size is what
the slow-viewer check looks at.
"""

from __future__ import annotations

import asyncio
import binascii
import logging

from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from onvif_device.streaming.connection import RtspConnection
from onvif_device.streaming.engine import StreamingEngine

log = logging.getLogger("onvif_device.streaming")

TUNNEL_TYPE = "application/x-rtsp-tunnelled"
WEBSOCKET_SUBPROTOCOL = "rtsp.onvif.org"
MAX_COOKIE = 128


class QueueLink:
    def __init__(self, peer: tuple[str, int]) -> None:
        self.peer = peer
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.pending = 0
        self.closed = False

    def write(self, data: bytes) -> None:
        if not self.closed:
            self.pending += len(data)
            self.queue.put_nowait(data)

    def buffered(self) -> int:
        return self.pending

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.queue.put_nowait(None)

    async def chunks(self):
        while True:
            data = await self.queue.get()
            if data is None:
                return
            self.pending -= len(data)
            yield data


class Base64Stream:
    """Decodes a byte stream of base64 pieces, each padded on its own, as they arrive."""

    def __init__(self) -> None:
        self._text = b""

    def feed(self, data: bytes) -> bytes:
        self._text += b"".join(data.split())
        out = []
        while len(self._text) >= 4:
            usable = len(self._text) // 4 * 4
            padding = self._text.find(b"=", 0, usable)
            end = usable if padding < 0 else (padding // 4 + 1) * 4
            out.append(binascii.a2b_base64(self._text[:end]))
            self._text = self._text[end:]
        return b"".join(out)


def _peer(client) -> tuple[str, int]:
    return (client.host, client.port) if client else ("", 0)


class HttpCarriers:
    """The Starlette endpoints; tunnels are found by their session cookie."""

    def __init__(self, engine: StreamingEngine) -> None:
        self.engine = engine
        self.tunnels: dict[str, RtspConnection] = {}

    async def tunnel(self, request: Request) -> Response:
        cookie = request.headers.get("x-sessioncookie", "")
        if not cookie:
            return PlainTextResponse(
                "RTSP over HTTP needs an x-sessioncookie header; for a picture use the snapshot URI\n", 400
            )
        if len(cookie) > MAX_COOKIE:
            return PlainTextResponse(f"x-sessioncookie over {MAX_COOKIE} characters\n", 400)
        if request.client and not self.engine.camera.network.ip_allowed(request.client.host):
            return PlainTextResponse("address refused by the IP address filter\n", 403)
        if request.method == "GET":
            return self._open_tunnel(request, cookie)
        return await self._feed_tunnel(request, cookie)

    def _open_tunnel(self, request: Request, cookie: str) -> Response:
        if cookie in self.tunnels:
            return PlainTextResponse("a tunnel with this x-sessioncookie is already open\n", 409)
        link = QueueLink(_peer(request.client))
        connection = RtspConnection(self.engine, link, "http")
        self.tunnels[cookie] = connection

        async def body():
            try:
                async for chunk in link.chunks():
                    yield chunk
            finally:
                self.tunnels.pop(cookie, None)
                connection.connection_lost()

        headers = {"Cache-Control": "no-store", "Pragma": "no-cache", "Connection": "close"}
        return StreamingResponse(body(), media_type=TUNNEL_TYPE, headers=headers)

    async def _feed_tunnel(self, request: Request, cookie: str) -> Response:
        connection = self.tunnels.get(cookie)
        if connection is None:
            return PlainTextResponse("no open GET with this x-sessioncookie: open the GET first\n", 404)
        decoder = Base64Stream()
        try:
            async for data in request.stream():
                try:
                    connection.data_received(decoder.feed(data))
                except binascii.Error as exc:
                    return PlainTextResponse(f"the POST body is not base64: {exc}\n", 400)
        except ClientDisconnect:  # the client dropped the POST; the GET side carries on
            pass
        return Response(status_code=204)

    async def websocket(self, websocket: WebSocket) -> None:
        if websocket.client and not self.engine.camera.network.ip_allowed(websocket.client.host):
            await websocket.close(code=1008, reason="address refused by the IP address filter")
            return
        offered = websocket.scope.get("subprotocols") or []
        await websocket.accept(subprotocol=WEBSOCKET_SUBPROTOCOL if WEBSOCKET_SUBPROTOCOL in offered else None)
        link = QueueLink(_peer(websocket.client))
        connection = RtspConnection(self.engine, link, "websocket")

        async def pump_out() -> None:
            async for chunk in link.chunks():
                await websocket.send_bytes(chunk)
            await websocket.close()

        sender = asyncio.create_task(pump_out())
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                data = message.get("bytes") or (message.get("text") or "").encode()
                connection.data_received(data)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            connection.connection_lost()
            link.close()
            sender.cancel()
