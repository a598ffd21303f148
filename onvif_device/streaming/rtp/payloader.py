"""What every payloader shares: its configuration and the packet sequencer.

Like gortsplib's encoders, a payloader is configuration plus a ``packetize``
method; the sequencer below owns the SSRC and the running sequence number, while
the caller stamps the RTP timestamp from its stream clock. ``Payloader`` is the
base every codec's payloader builds on: it holds the sequencer and sends one
unit's payloads (the codec's ``payloads`` hook) as one frame.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from .packet import FIXED_HEADER_SIZE, HeaderExtension, RtpPacket

DEFAULT_MAX_PAYLOAD_SIZE = 1400  # 1500-byte Ethernet MTU minus IP/UDP/RTP headers, with margin


@dataclass(frozen=True, slots=True)
class PayloaderConfig:
    """How a payloader stamps its packets.

    ``ssrc`` and ``first_sequence_number`` are drawn from the payloader's random
    source when left out (RFC 3550 asks for unpredictable values). The
    ``max_payload_size`` bounds everything after the 12-byte fixed RTP header,
    header extensions included, so no packet exceeds ``max_payload_size + 12``.
    """

    payload_type: int
    ssrc: int | None = None
    first_sequence_number: int | None = None
    max_payload_size: int = DEFAULT_MAX_PAYLOAD_SIZE

    def __post_init__(self) -> None:
        if not 0 <= self.payload_type <= 127:
            raise ValueError(f"payload type must be 0..127, got {self.payload_type}")
        if self.ssrc is not None and not 0 <= self.ssrc <= 0xFFFF_FFFF:
            raise ValueError(f"SSRC must fit in 32 bits, got {self.ssrc}")
        if self.first_sequence_number is not None and not 0 <= self.first_sequence_number <= 0xFFFF:
            raise ValueError(
                f"first sequence number must fit in 16 bits, got {self.first_sequence_number}"
            )
        if self.max_payload_size < 1:
            raise ValueError(f"max payload size must be positive, got {self.max_payload_size}")

    @property
    def max_packet_size(self) -> int:
        return FIXED_HEADER_SIZE + self.max_payload_size


class PacketSequencer:
    """Turns payloads into RTP packets with consecutive sequence numbers."""

    def __init__(
        self,
        config: PayloaderConfig,
        rng: random.Random | None,
        *,
        codec: str,
        min_payload_size: int,
    ) -> None:
        if config.max_payload_size < min_payload_size:
            raise ValueError(
                f"max payload size {config.max_payload_size} too small for {codec},"
                f" which needs at least {min_payload_size} bytes"
            )
        rng = rng if rng is not None else random.SystemRandom()
        self.config = config
        self.ssrc: int = config.ssrc if config.ssrc is not None else rng.getrandbits(32)
        self._next_sequence: int = (
            config.first_sequence_number
            if config.first_sequence_number is not None
            else rng.getrandbits(16)
        )

    @property
    def next_sequence_number(self) -> int:
        """The sequence number the next packet will carry (RTP-Info's ``seq``)."""
        return self._next_sequence

    def packet(
        self,
        payload: bytes,
        timestamp: int,
        *,
        marker: bool = False,
        extension: HeaderExtension | None = None,
    ) -> RtpPacket:
        packet = RtpPacket(
            payload_type=self.config.payload_type,
            sequence_number=self._next_sequence,
            timestamp=timestamp & 0xFFFF_FFFF,  # the stream clock may run past 2**32: RTP wraps
            ssrc=self.ssrc,
            payload=payload,
            marker=marker,
            extension=extension,
        )
        self._next_sequence = (self._next_sequence + 1) & 0xFFFF
        return packet

    def frame(
        self,
        payloads: Sequence[bytes],
        timestamp: int,
        *,
        first_extension: HeaderExtension | None = None,
    ) -> list[RtpPacket]:
        """One unit's packets: all share its timestamp and the last carries the marker."""
        last = len(payloads) - 1
        return [
            self.packet(
                payload,
                timestamp,
                marker=index == last,
                extension=first_extension if index == 0 else None,
            )
            for index, payload in enumerate(payloads)
        ]


def chunks(data: bytes, size: int) -> list[bytes]:
    """``data`` cut into consecutive pieces of ``size`` bytes, the last possibly shorter."""
    return [data[start : start + size] for start in range(0, len(data), size)]


UnitT = TypeVar("UnitT")


class Payloader(ABC, Generic[UnitT]):
    """A codec's payloader: configuration, a sequencer, and the codec's ``payloads``.

    Subclasses name their ``codec`` and the ``min_payload_size`` a packet needs
    (a smaller ``max_payload_size`` is refused), and cut one unit into payloads;
    ``packetize`` sends them with the unit's timestamp, the marker on the last.
    """

    codec: ClassVar[str]
    min_payload_size: ClassVar[int]

    def __init__(self, config: PayloaderConfig, *, rng: random.Random | None = None) -> None:
        self._sequencer = PacketSequencer(
            config, rng, codec=self.codec, min_payload_size=self.min_payload_size
        )
        self.config = config

    @property
    def ssrc(self) -> int:
        return self._sequencer.ssrc

    @property
    def next_sequence_number(self) -> int:
        return self._sequencer.next_sequence_number

    @abstractmethod
    def payloads(self, unit: UnitT) -> list[bytes]:
        """The RTP payloads carrying ``unit``, in order."""

    def packetize(self, unit: UnitT, timestamp: int) -> list[RtpPacket]:
        return self._sequencer.frame(self.payloads(unit), timestamp)
