"""A bare-socket RTSP conversation for tests that need to see exact statuses and bytes.

Deliberately naive (blocking socket, no library): it checks what the server
writes on the wire; real clients (ffmpeg, aiortsp, PyAV) are tested elsewhere.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field


@dataclass
class Reply:
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes
    all_headers: list[tuple[str, str]] = field(default_factory=list)


class Wire:
    """An RTSP conversation over a TCP socket, or over any carrier given `send` and `recv`."""

    def __init__(self, host: str = "", port: int = 0, timeout: float = 10.0, *, send=None, recv=None, close=None) -> None:
        if send is None:
            sock = socket.create_connection((host, port), timeout=timeout)
            send, recv, close = sock.sendall, lambda: sock.recv(65536), sock.close
        self._send, self._recv, self._close = send, recv, close
        self.buffer = b""
        self.cseq = 0
        self.frames: list[tuple[int, bytes]] = []  # interleaved frames seen while reading replies

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send_raw(self, data: bytes) -> None:
        self._send(data)

    def request(self, method: str, uri: str, headers: dict[str, str] | None = None, body: bytes = b"") -> Reply:
        self.cseq += 1
        lines = [f"{method} {uri} RTSP/1.0", f"CSeq: {self.cseq}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        self.send_raw(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        return self.reply()

    def _fill(self) -> None:
        chunk = self._recv()
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buffer += chunk

    def reply(self) -> Reply:
        while True:
            while self.buffer.startswith(b"$"):
                if not self._take_frame():
                    self._fill()
            end = self.buffer.find(b"\r\n\r\n")
            if end >= 0 and not self.buffer.startswith(b"$"):
                break
            self._fill()
        head, self.buffer = self.buffer[:end].decode(), self.buffer[end + 4 :]
        status_line, *header_lines = head.split("\r\n")
        _, status, reason = status_line.split(" ", 2)
        pairs = [tuple(part.strip() for part in line.split(":", 1)) for line in header_lines]
        headers = {name.lower(): value for name, value in pairs}
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return Reply(int(status), reason, headers, body, pairs)  # type: ignore[arg-type]

    def _take_frame(self) -> bool:
        if len(self.buffer) < 4:
            return False
        channel, length = struct.unpack("!BH", self.buffer[1:4])
        if len(self.buffer) < 4 + length:
            return False
        self.frames.append((channel, self.buffer[4 : 4 + length]))
        self.buffer = self.buffer[4 + length :]
        return True

    def read_frames(self, count: int) -> list[tuple[int, bytes]]:
        """Read until `count` interleaved frames have arrived (after any already seen)."""
        while len(self.frames) < count:
            if not self.buffer.startswith(b"$") and self.buffer:
                raise AssertionError(f"expected interleaved data, got {self.buffer[:40]!r}")
            if not self._take_frame():
                self._fill()
        taken, self.frames = self.frames[:count], self.frames[count:]
        return taken
