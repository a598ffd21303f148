"""The RTSP port: an asyncio TCP server whose connections are RTSP conversations."""

from __future__ import annotations

import asyncio
import socket

from onvif_device.netaddr import listen_tcp
from onvif_device.streaming.connection import RtspConnection
from onvif_device.streaming.engine import StreamingEngine

SEND_BUFFER = 512 * 1024


class TcpLink:
    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername") or ("", 0)
        self.peer = (peer[0], peer[1])

    def write(self, data: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(data)

    def buffered(self) -> int:
        return self.transport.get_write_buffer_size()

    def close(self) -> None:
        self.transport.close()


class _RtspProtocol(asyncio.Protocol):
    def __init__(self, engine: StreamingEngine) -> None:
        self.engine = engine
        self.connection: RtspConnection | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # A bounded kernel buffer (not the auto-tuned megabytes) makes a viewer that stops
            # reading show up in the transport's own buffer soon, where the session sees it.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        self.connection = RtspConnection(self.engine, TcpLink(transport), "tcp")

    def data_received(self, data: bytes) -> None:
        if self.connection is not None:
            self.connection.data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.connection is not None:
            self.connection.connection_lost()


class RtspServer:
    def __init__(self, engine: StreamingEngine) -> None:
        self.engine = engine
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen on `port` (0: any free one); returns the bound port."""
        sock = listen_tcp(host, port, " for RTSP")
        loop = asyncio.get_running_loop()
        # create_server listens again, with its own backlog of 100 unless told: hundreds of
        # viewers connecting at once would see their SYNs dropped.
        self._server = await loop.create_server(lambda: _RtspProtocol(self.engine), sock=sock, backlog=1024)
        self.port = sock.getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
