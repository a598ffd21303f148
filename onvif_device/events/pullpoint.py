"""Pull points: CreatePullPointSubscription's subscriptions, emptied by PullMessages.

PullMessages long-polls, as the Core spec's three cases ask: messages that
are waiting come back at once; otherwise the request waits until messages
arrive (and returns with them, without waiting for more) or the Timeout
passes (and returns none).  One PullMessages may wait on a pull point at a
time: a second one while the first waits is refused (the spec's
UnableToGetMessagesFault), so the first keeps what it came for.
"""

from __future__ import annotations

import asyncio

from onvif_device.camera.events import Message
from onvif_device.events.subscriptions import Busy, Ended, Subscription


class PullPoint(Subscription):
    kind = "pull point"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._waiter: asyncio.Future[None] | None = None

    @property
    def pulling(self) -> bool:
        return self._waiter is not None

    async def pull(self, timeout: float, limit: int) -> list[Message]:
        """Up to `limit` messages, waiting at most `timeout` seconds for the first."""
        if self._waiter is not None:
            raise Busy
        if not self.queue and timeout > 0 and not self.closed:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(timeout):
                    await self._waiter
            except TimeoutError:
                pass
            finally:
                self._waiter = None
        if self.closed:
            raise Ended
        return self.queue.take(limit)

    def wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
