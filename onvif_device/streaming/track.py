"""One outgoing track: its payloader, its RTP clock, what it has sent, and its frames.

A frame's packets are serialised once and shared by every viewer; a viewer on
RTSP-interleaved TCP gets them framed for its channel in one buffer, also
built once per channel and frame, so a thousand viewers cost a thousand
writes, not a thousand joins.
"""

from __future__ import annotations

import random
import struct
import threading
from dataclasses import dataclass, field

from onvif_device.streaming.rtp import (
    RtpFormat,
    SenderReport,
    SourceDescription,
    ntp_timestamp,
)
from onvif_device.streaming.rtp.payloader import Payloader

_INTERLEAVED = struct.Struct("!cBH")


def interleave(channel: int, packets: list[bytes]) -> bytes:
    """Packets framed for RTSP-interleaved TCP (RFC 2326 10.12), joined into one buffer."""
    return b"".join(_INTERLEAVED.pack(b"$", channel, len(p)) + p for p in packets)


@dataclass(slots=True, eq=False)
class OutFrame:
    """One unit's packets: a video frame, an audio chunk or a metadata document."""

    track: str
    packets: list[bytes]
    timestamp: int  # RTP, shared by every packet
    first_sequence: int
    keyframe: bool
    size: int = 0
    _framed: dict[int, bytes] = field(default_factory=dict)

    def interleaved(self, channel: int) -> bytes:
        framed = self._framed.get(channel)
        if framed is None:
            framed = self._framed[channel] = interleave(channel, self.packets)
        return framed

    @property
    def next_sequence(self) -> int:
        return (self.first_sequence + len(self.packets)) & 0xFFFF


class RtpClock:
    """Maps the monotonic clock to a track's RTP timestamps and the camera's wall clock.

    The wall time at the start is the camera's (it may be skewed on purpose), so the
    NTP times in sender reports agree with the time burnt into the picture.
    """

    def __init__(self, rate: int, start: float, wall_at_start: float, rng: random.Random) -> None:
        self.rate = rate
        self.start = start
        self.wall_at_start = wall_at_start
        self.base = rng.getrandbits(32)  # RFC 3550: the first timestamp is random

    def rtp(self, monotonic: float) -> int:
        return (self.base + self._ticks(monotonic)) & 0xFFFF_FFFF

    def reading(self, monotonic: float) -> tuple[int, float]:
        """The RTP timestamp at `monotonic` and the wall time of exactly that tick, for a sender report.

        The wall time of the rounded tick, not of `monotonic`: a receiver mapping RTP to
        NTP through successive reports would otherwise see frames shift by a tick."""
        ticks = self._ticks(monotonic)
        return (self.base + ticks) & 0xFFFF_FFFF, self.wall_at_start + ticks / self.rate

    def _ticks(self, monotonic: float) -> int:
        return round((monotonic - self.start) * self.rate)


class TrackSender:
    """The sending side of a track: packetizes units, counts, and reports (RTCP SR)."""

    def __init__(self, name: str, format: RtpFormat, payloader: Payloader, clock: RtpClock, cname: str) -> None:
        self.name = name
        self.format = format
        self.payloader = payloader
        self.clock = clock
        self.cname = cname
        self.packets_sent = 0
        self.octets_sent = 0  # payload octets, as RFC 3550 counts them
        self._lock = threading.Lock()  # the worker packetizes while the event loop reports

    @property
    def ssrc(self) -> int:
        return self.payloader.ssrc

    def frame(self, unit: object, monotonic: float, *, keyframe: bool = False) -> OutFrame:
        return self.frame_at(unit, self.clock.rtp(monotonic), keyframe=keyframe)

    def frame_at(self, unit: object, timestamp: int, *, keyframe: bool = False) -> OutFrame:
        """A frame stamped with an RTP timestamp the caller worked out exactly (a file's own times)."""
        with self._lock:
            packets = self.payloader.packetize(unit, timestamp)
            self.packets_sent += len(packets)
            self.octets_sent += sum(len(p.payload) for p in packets)
        wire = [p.serialize() for p in packets]
        return OutFrame(
            self.name,
            wire,
            timestamp,
            packets[0].sequence_number,
            keyframe,
            size=sum(map(len, wire)),
        )

    def sender_report(self, monotonic: float) -> bytes:
        """SR + SDES(CNAME), the compound every RTCP packet must be (RFC 3550 6.1)."""
        rtp_timestamp, wall = self.clock.reading(monotonic)
        with self._lock:
            report = SenderReport(
                ssrc=self.ssrc,
                ntp_timestamp=ntp_timestamp(wall),
                rtp_timestamp=rtp_timestamp,
                packet_count=self.packets_sent & 0xFFFF_FFFF,
                octet_count=self.octets_sent & 0xFFFF_FFFF,
            )
        return report.serialize() + SourceDescription.cname(self.ssrc, self.cname).serialize()
