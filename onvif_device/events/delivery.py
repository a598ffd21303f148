"""EventDelivery: every subscription of one running camera, fed from its event bus.

The server makes one per camera and starts it with the HTTP server.  It
listens to `camera.events` once and offers each message to every live
subscription (pull points and push subscriptions alike); it keeps the
limits of the configuration, ends subscriptions whose lease ran out (a
reaper every `REAP_SECONDS`, and a check whenever one is looked up), and
holds the MQTT publisher, started and stopped with the rest.

Leases, on the device clock: `DEFAULT_LEASE_SECONDS` when the client names
none, at most `MAX_LEASE_SECONDS`; a lease asked for beyond that, or already
past, is refused with the fault that says which times would do (WS-BaseNotification
lets a producer refuse a lease, not shorten it).  A PullMessages keeps its
pull point alive for at least its Timeout after it returns, as the Core spec
asks.  Stopping (or a reboot) ends every subscription, as on a real camera.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from onvif_device.camera.events import Message
from onvif_device.events import faults
from onvif_device.events.mqtt import MqttPublisher
from onvif_device.events.notification import Notifications
from onvif_device.events.pullpoint import PullPoint
from onvif_device.events.push import PushSubscription
from onvif_device.events.subscriptions import (
    SUBSCRIPTION_PATH,
    Subscription,
    new_subscription_id,
)

log = logging.getLogger("onvif_device.events")

DEFAULT_LEASE_SECONDS = 60.0
MAX_LEASE_SECONDS = 24 * 3600.0
REAP_SECONDS = 1.0


class EventDelivery:
    def __init__(self, camera) -> None:
        self.camera = camera
        self.config = camera.config.events
        self.brokers = MqttPublisher(camera)
        # Built once per message; as large as two full queues (a burst is then not built again for each
        # pull point), within 4,096 and 65,536 messages (~100 MB at most).
        self.notifications = Notifications(min(max(4096, 2 * self.config.queue_messages), 65_536))
        self.running = False
        self._subscriptions: dict[str, Subscription] = {}
        self._stop_listening = None
        self._reaper: asyncio.Task | None = None
        self._ending: set[asyncio.Task] = set()  # push subscriptions closing their connection

    # --- life ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self.running:
            return
        self._stop_listening = self.camera.events.subscribe(self._publish)
        self._reaper = asyncio.create_task(self._reap(), name="onvif-device subscription reaper")
        self.running = True
        await self.brokers.start()

    async def stop(self) -> None:
        """End every subscription: waiting PullMessages return, push tasks stop."""
        if not self.running:
            return
        self.running = False
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        ending = list(self._subscriptions.values())
        self._subscriptions.clear()
        for subscription in ending:
            self._end(subscription)
        await asyncio.gather(*self._ending)
        await self.brokers.stop()

    # --- time ------------------------------------------------------------------------------

    def now(self) -> float:
        """Device clock, seconds since the epoch."""
        return self.camera.clock.timestamp()

    def utc_now(self) -> datetime:
        return self.camera.clock.utc_now()

    def lease_end(self, requested: float | None, *, initial: bool) -> float:
        """The termination time for a lease asked to end at `requested` (None: the default)."""
        now = self.now()
        if requested is None:
            return now + DEFAULT_LEASE_SECONDS
        if now < requested <= now + MAX_LEASE_SECONDS:
            return requested
        fault = faults.UnacceptableInitialTerminationTime if initial else faults.UnacceptableTerminationTime
        what = "already past" if requested <= now else f"more than {MAX_LEASE_SECONDS / 3600:g} h away"
        raise fault(
            f"the termination time asked for is {what}; the device grants leases up to "
            f"{MAX_LEASE_SECONDS:g} s",
            self.utc_now(),
            minimum=_utc(now + 1),
            maximum=_utc(now + MAX_LEASE_SECONDS),
        )

    # --- subscriptions -----------------------------------------------------------------

    @property
    def pull_points(self) -> list[PullPoint]:
        return [s for s in self._subscriptions.values() if isinstance(s, PullPoint)]

    @property
    def push_subscriptions(self) -> list[PushSubscription]:
        return [s for s in self._subscriptions.values() if isinstance(s, PushSubscription)]

    def create_pull_point(self, base_url: str, event_filter, termination: float, *, changed_only: bool) -> PullPoint:
        self._check_running()
        if len(self.pull_points) >= self.config.max_pull_points:
            raise faults.SubscribeCreationFailed(
                f"the device has {self.config.max_pull_points} pull points already (MaxPullPoints); "
                "unsubscribe one or let it expire",
                self.utc_now(),
            )
        pull_point = PullPoint(
            *self._identity(base_url), event_filter, termination, self.config.queue_messages, changed_only=changed_only
        )
        self._add(pull_point)
        return pull_point

    def create_push(
        self, base_url: str, event_filter, termination: float, consumer: str, reference_parameters=(), *,
        changed_only: bool = False,
    ) -> PushSubscription:
        self._check_running()
        if len(self.push_subscriptions) >= self.config.max_push_subscriptions:
            raise faults.SubscribeCreationFailed(
                f"the device has {self.config.max_push_subscriptions} push subscriptions already "
                "(MaxNotificationProducers); unsubscribe one or let it expire",
                self.utc_now(),
            )
        subscription = PushSubscription(
            *self._identity(base_url),
            event_filter,
            termination,
            self.config.queue_messages,
            consumer=consumer,
            notifications=self.notifications,
            reference_parameters=reference_parameters,
            changed_only=changed_only,
        )
        subscription.start()
        self._add(subscription)
        return subscription

    def find(self, subscription_id: str | None) -> Subscription | None:
        """The live subscription with that id; one whose lease ran out is ended here and now."""
        subscription = self._subscriptions.get(subscription_id) if subscription_id else None
        if subscription is not None and subscription.expired(self.now()) and not _pulling(subscription):
            self.unsubscribe(subscription)
            return None
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        if self._subscriptions.pop(subscription.id, None) is not None:
            self._end(subscription)

    def synchronize(self, subscription: Subscription) -> None:
        """SetSynchronizationPoint: every live property the filter lets through, again, as Initialized."""
        subscription.synchronize(self.camera.events.properties())

    async def pull(self, pull_point: PullPoint, timeout: float, limit: int) -> list[Message]:
        # The lease may not run out under a waiting PullMessages, and lasts its Timeout after it.
        pull_point.termination = max(pull_point.termination, self.now() + timeout)
        try:
            return await pull_point.pull(timeout, limit)
        finally:
            pull_point.termination = max(pull_point.termination, self.now() + timeout)

    # --- inside -----------------------------------------------------------------------------

    def _identity(self, base_url: str) -> tuple[str, str]:
        subscription_id = new_subscription_id()
        return subscription_id, f"{base_url}{SUBSCRIPTION_PATH}{subscription_id}"

    def _add(self, subscription: Subscription) -> None:
        self._subscriptions[subscription.id] = subscription
        # The state of every live property first: how a client learns, say, that there is motion now.
        if not subscription.changed_only:
            subscription.synchronize(self.camera.events.properties())

    def _check_running(self) -> None:
        if not self.running:
            raise faults.SubscribeCreationFailed("the event service is stopping", self.utc_now())

    def _publish(self, message: Message) -> None:
        for subscription in list(self._subscriptions.values()):
            try:
                subscription.offer(message)
            except Exception:  # one subscription's broken filter must not starve the others
                log.exception("subscription %s failed on %s", subscription.id, message.topic)

    async def _reap(self) -> None:
        while True:
            await asyncio.sleep(REAP_SECONDS)
            now = self.now()
            for subscription in list(self._subscriptions.values()):
                if subscription.expired(now) and not _pulling(subscription):
                    log.info("%s %s expired", subscription.kind, subscription.id)
                    self.unsubscribe(subscription)

    def _end(self, subscription: Subscription) -> None:
        subscription.close()  # a waiting PullMessages returns at once
        if isinstance(subscription, PushSubscription):
            task = asyncio.get_running_loop().create_task(subscription.stop())
            self._ending.add(task)
            task.add_done_callback(self._ending.discard)


def _pulling(subscription: Subscription) -> bool:
    return isinstance(subscription, PullPoint) and subscription.pulling


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
