"""Push subscriptions (WS-BaseNotification Subscribe): Notify POSTed to the client's consumer.

Each subscription has its own task and queue, so a slow or dead consumer
delays nobody else: the bus only queues the message and wakes the task.
The task sends what waits, up to `NOTIFY_BATCH` messages in one Notify, and
when a POST fails (no connection, no answer in time, a status that is not
2xx) tries the same Notify again after a back-off that doubles from
`FIRST_RETRY_SECONDS` up to `MAX_RETRY_SECONDS`.  After `ATTEMPTS` tries the
Notify is given up (counted in `undelivered`) and the next one goes; the
back-off stays long until a POST gets through.  Meanwhile the queue's rule
decides what waits (see queue.py), so memory stays bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from onvif_device.events.http_post import HttpPoster, PostFailed
from onvif_device.events.notification import (
    NOTIFY_ACTION,
    Notifications,
    notify_envelope,
)
from onvif_device.events.subscriptions import Subscription
from onvif_device.xml import Element

log = logging.getLogger("onvif_device.events")

NOTIFY_BATCH = 100
ATTEMPTS = 5
FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 30.0
POST_TIMEOUT_SECONDS = 10.0
CONTENT_TYPE = f'application/soap+xml; charset=utf-8; action="{NOTIFY_ACTION}"'


class PushSubscription(Subscription):
    kind = "push subscription"

    def __init__(
        self, *args, consumer: str, notifications: Notifications, reference_parameters: list[Element] = (), **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.consumer = consumer
        self.notifications = notifications
        self.reference_parameters = list(reference_parameters)
        self.delivered = 0  # messages a consumer acknowledged
        self.undelivered = 0  # messages given up after ATTEMPTS tries
        self._poster = HttpPoster(consumer, timeout=POST_TIMEOUT_SECONDS)
        self._ready = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._failures = 0  # POSTs failed in a row: sets the back-off

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"onvif-device notify {self.consumer}")

    def wake(self) -> None:
        self._ready.set()

    async def stop(self) -> None:
        self.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._poster.close()

    async def _run(self) -> None:
        while not self.closed:
            await self._ready.wait()
            self._ready.clear()
            while self.queue and not self.closed:
                batch = self.queue.take(NOTIFY_BATCH)
                holders = [self.notifications(m, self.address) for m in batch]
                body = notify_envelope(holders, self.consumer, self.reference_parameters)
                if await self._send(body):
                    self.delivered += len(batch)
                else:
                    self.undelivered += len(batch)
                    log.warning("gave up a Notify of %d message(s) to %s", len(batch), self.consumer)

    async def _send(self, body: bytes) -> bool:
        for attempt in range(ATTEMPTS):
            if self._failures:
                await asyncio.sleep(min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** (self._failures - 1)))
            if self.closed:
                return False
            try:
                status = await self._poster.post(body, CONTENT_TYPE)
            except PostFailed as exc:
                problem = str(exc)
            else:
                if 200 <= status < 300:
                    self._failures = 0
                    return True
                problem = f"the consumer answered HTTP {status}"
            self._failures += 1
            log.info("Notify to %s, attempt %d: %s", self.consumer, attempt + 1, problem)
        return False
