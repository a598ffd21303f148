"""What pull points and push subscriptions share: an address, a filter, a lease and a queue.

Each subscription lives at its own subscription manager address,
`<base_url>/onvif/subscription/<id>` with an unguessable id; Renew,
Unsubscribe, SetSynchronizationPoint and PullMessages are posted there.
Its lease (the termination time) is a device clock timestamp: it ends when
the camera's clock passes it, when the client unsubscribes, or when the
camera stops.  Messages the filter lets through wait in a `MessageQueue`
until the pull point is pulled or the push task sends them.
"""

from __future__ import annotations

import secrets

from onvif_device.camera.events import DELETED, INITIALIZED, Message
from onvif_device.events.queue import MessageQueue

SUBSCRIPTION_PATH = "/onvif/subscription/"


def new_subscription_id() -> str:
    return secrets.token_hex(12)


def subscription_id_of(path: str) -> str | None:
    """The id in a subscription manager path, or None for any other path."""
    if not path.startswith(SUBSCRIPTION_PATH):
        return None
    return path[len(SUBSCRIPTION_PATH) :].strip("/") or None


class Subscription:
    kind = "subscription"

    def __init__(
        self,
        id: str,
        address: str,
        event_filter,
        termination: float,
        queue_limit: int,
        *,
        changed_only: bool = False,
    ) -> None:
        self.id = id
        self.address = address  # the subscription manager's URL, as the client was told it
        self.filter = event_filter
        self.termination = termination
        self.queue = MessageQueue(queue_limit)
        self.changed_only = changed_only  # tev:ChangedOnly: no Initialized or Deleted from the bus
        self.closed = False

    def offer(self, message: Message) -> None:
        """A message from the bus: queue it if this subscription wants it."""
        if self.changed_only and message.operation in (INITIALIZED, DELETED):
            return
        if self.filter.matches(message):
            self.queue.put(message)
            self.wake()

    def synchronize(self, properties: list[Message]) -> None:
        """Queue the live properties the filter lets through, as "Initialized" (a synchronization point)."""
        wanted = [m for m in properties if self.filter.matches(m)]
        for message in wanted:
            self.queue.put(message)
        if wanted:
            self.wake()

    def expired(self, now: float) -> bool:
        return now >= self.termination

    def wake(self) -> None:
        """Tell whoever waits for messages (a PullMessages, the push task) that some arrived."""

    def close(self) -> None:
        """End the subscription: no more messages; anyone waiting is told."""
        self.closed = True
        self.wake()


class Busy(Exception):
    """Another PullMessages is already waiting on this pull point."""


class Ended(Exception):
    """The subscription ended (unsubscribed, expired, the camera stopped) while a request was on it."""
