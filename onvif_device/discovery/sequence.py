"""The d:AppSequence header of one target service (one camera)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

_XS_UNSIGNED_INT_MAX: Final = 2**32 - 1


class AppSequence:
    """InstanceId, fixed for a run of the service, and MessageNumber, counting up.

    Clients use the pair to drop stale or reordered announcements, so
    InstanceId must grow every time the service restarts: by default it is
    the start time in seconds.  Every message the service sends (Hello, Bye,
    ProbeMatches, ResolveMatches) takes the next MessageNumber.  Tests pass
    `instance_id` to get the same bytes every run.
    """

    def __init__(
        self,
        instance_id: int | None = None,
        *,
        sequence_id: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.instance_id = int(clock()) if instance_id is None else instance_id
        if not 0 <= self.instance_id <= _XS_UNSIGNED_INT_MAX:
            raise ValueError(f"instance_id {self.instance_id} is not an xs:unsignedInt")
        self.sequence_id = sequence_id
        self.last_number = 0

    def next_number(self) -> int:
        """The MessageNumber for the next message sent."""
        self.last_number += 1
        return self.last_number
