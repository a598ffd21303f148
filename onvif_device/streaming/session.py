"""RTSP sessions and the transports their tracks go out on.

A session is what SETUP creates and TEARDOWN (or silence) ends: a profile,
a transport per track, a state (RFC 2326 appendix A: Init, Ready, Playing)
and the last time the client showed it is alive.  Interleaved tracks go out
on the session's RTSP connection (plain TCP, the HTTP tunnel or a
WebSocket); UDP tracks go from the camera's RTP/RTCP socket pair to the
client's ports; multicast tracks are sent once for everyone by the
profile's multicast sender, so the session only holds a place in it.

A viewer that cannot keep up (its connection's send buffer grows past a
high-water mark) skips frames until the next key frame, so it resumes with
a clean picture; one that stays stuck is cut off.  Others never wait.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from onvif_device.streaming.plan import VIDEO
from onvif_device.streaming.track import OutFrame, interleave

HIGH_WATER = 2 * 1024 * 1024  # bytes queued before frames are skipped
STUCK_SECONDS = 10.0  # congested this long: the viewer is cut off


class Link(Protocol):
    """The connection an RTSP conversation runs on, whatever carries it."""

    peer: tuple[str, int]

    def write(self, data: bytes) -> None: ...

    def buffered(self) -> int: ...

    def close(self) -> None: ...


class DatagramSender(Protocol):
    def sendto(self, data: bytes, address: tuple[str, int]) -> None: ...


@dataclass(slots=True)
class InterleavedTrack:
    link: Link
    rtp_channel: int
    rtcp_channel: int


@dataclass(slots=True)
class UdpTrack:
    rtp: DatagramSender
    rtcp: DatagramSender
    host: str
    rtp_port: int
    rtcp_port: int


@dataclass(slots=True)
class MulticastTrack:
    group: str
    port: int
    ttl: int


TrackTransport = InterleavedTrack | UdpTrack | MulticastTrack

INIT, READY, PLAYING = "Init", "Ready", "Playing"


def new_session_id() -> str:
    # 16 hex digits: unguessable, and short enough for clients that store it in a fixed buffer.
    return secrets.token_hex(8).upper()


@dataclass(eq=False)
class Session:
    profile_token: str
    timeout: int
    on_end: Callable[[Session, str], None]
    id: str = field(default_factory=new_session_id)
    state: str = INIT
    tracks: dict[str, TrackTransport] = field(default_factory=dict)
    backchannel: TrackTransport | None = None
    link: Link | None = None  # the connection that set it up, for interleaved tracks
    last_seen: float = field(default_factory=time.monotonic)
    multicast: bool = False
    username: str | None = None
    sent_frames: int = 0
    skipped_frames: int = 0
    _waiting_for_keyframe: bool = False
    _congested_since: float | None = None

    def touch(self) -> None:
        self.last_seen = time.monotonic()

    def expired(self, now: float) -> bool:
        return now - self.last_seen > self.timeout

    # --- Viewer ---------------------------------------------------------------------------

    def send(self, frame: OutFrame) -> None:
        transport = self.tracks.get(frame.track)
        if transport is None or isinstance(transport, MulticastTrack):
            return
        if isinstance(transport, InterleavedTrack) and not self._keeping_up(transport.link, frame):
            self.skipped_frames += 1
            return
        self.sent_frames += 1
        if isinstance(transport, InterleavedTrack):
            # One write per frame: the frame's packets already framed for this channel.
            transport.link.write(frame.interleaved(transport.rtp_channel))
        else:
            address = (transport.host, transport.rtp_port)
            for packet in frame.packets:
                transport.rtp.sendto(packet, address)

    def send_rtcp(self, track: str, data: bytes) -> None:
        transport = self.tracks.get(track)
        if isinstance(transport, InterleavedTrack):
            transport.link.write(interleave(transport.rtcp_channel, [data]))
        elif isinstance(transport, UdpTrack):
            transport.rtcp.sendto(data, (transport.host, transport.rtcp_port))

    def stream_ended(self, reason: str) -> None:
        self.on_end(self, reason)

    def _keeping_up(self, link: Link, frame: OutFrame) -> bool:
        if link.buffered() > HIGH_WATER:
            now = time.monotonic()
            if self._congested_since is None:
                self._congested_since = now
            elif now - self._congested_since > STUCK_SECONDS:
                self.on_end(self, f"client did not read its stream for {STUCK_SECONDS:g} s")
                return False
            self._waiting_for_keyframe = True
            return False
        self._congested_since = None
        if self._waiting_for_keyframe:
            if frame.track != VIDEO or not frame.keyframe:
                return frame.track != VIDEO  # audio and metadata flow again at once
            self._waiting_for_keyframe = False
        return True
