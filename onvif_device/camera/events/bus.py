"""The event bus: producers publish messages, consumers (pull points, Notify, MQTT) hear them.

A message is what the Core spec's tt:Message carries, as plain values: a
topic, a UTC time, Source, Key and Data items and, for property topics, the
PropertyOperation.  The bus keeps the current state of every property
(topic + Source + Key): the first publish creates it ("Initialized"), a
publish with other data changes it ("Changed"; the same data again is no
change and raises nothing), `delete` removes it ("Deleted").  `properties()`
repeats every live property as "Initialized", for new subscriptions and
synchronization points.

The bus is plain Python and not thread-safe: producers publish from the
event loop's thread, and listeners run inside `publish`, so they must be
quick (queue the message, wake a waiter) and must not publish themselves.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from onvif_device.camera.events.topics import Topic, TopicRegistry

log = logging.getLogger("onvif_device.events")

Items = tuple[tuple[str, str], ...]
Listener = Callable[["Message"], None]

INITIALIZED, CHANGED, DELETED = "Initialized", "Changed", "Deleted"


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    utc_time: datetime
    source: Items = ()
    data: Items = ()
    key: Items = ()
    operation: str | None = None  # property topics only
    sequence: int = 0  # publish order across the bus; synchronization repeats keep the original

    def source_value(self, name: str) -> str | None:
        return dict(self.source).get(name)

    def data_value(self, name: str) -> str | None:
        return dict(self.data).get(name)


def item_text(value: object) -> str:
    """A Python value as XML Schema text: booleans as true/false, datetimes in UTC with Z."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return str(value)


class EventBus:
    def __init__(self, registry: TopicRegistry, utc_now: Callable[[], datetime]) -> None:
        self.registry = registry
        self._utc_now = utc_now
        self._listeners: list[Listener] = []
        self._properties: dict[tuple[str, Items, Items], Message] = {}
        self._sequence = itertools.count(1)
        self.published = 0

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(message)` for every message from now on; returns the unsubscribe function."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def publish(
        self,
        topic: str,
        *,
        source: Mapping[str, object] | None = None,
        data: Mapping[str, object] | None = None,
        key: Mapping[str, object] | None = None,
    ) -> Message | None:
        """Raise one message; None when a property's data did not change.

        Raises UnknownTopic for an unregistered topic and ValueError when the items
        differ from the topic's description."""
        description = self.registry.get(topic)
        source_items, data_items, key_items = (
            _items(description, "source", source),
            _items(description, "data", data),
            _items(description, "key", key),
        )
        operation = None
        if description.is_property:
            identity = (topic, source_items, key_items)
            current = self._properties.get(identity)
            if current is not None and current.data == data_items:
                return None
            operation = INITIALIZED if current is None else CHANGED
        message = Message(topic, self._utc_now(), source_items, data_items, key_items, operation, next(self._sequence))
        if description.is_property:
            self._properties[identity] = message
        self._deliver(message)
        return message

    def delete(
        self, topic: str, *, source: Mapping[str, object] | None = None, key: Mapping[str, object] | None = None
    ) -> Message | None:
        """Remove a property; None when it did not exist."""
        description = self.registry.get(topic)
        identity = (topic, _items(description, "source", source), _items(description, "key", key))
        current = self._properties.pop(identity, None)
        if current is None:
            return None
        message = replace(current, utc_time=self._utc_now(), data=(), operation=DELETED, sequence=next(self._sequence))
        self._deliver(message)
        return message

    def properties(self) -> list[Message]:
        """Every live property, as the "Initialized" messages a synchronization point repeats."""
        return [replace(m, operation=INITIALIZED) for m in self._properties.values()]

    def state(self, topic: str, **source: object) -> Message | None:
        """The current message of one property (no Key items), or None."""
        description = self.registry.get(topic)
        return self._properties.get((topic, _items(description, "source", source), ()))

    def _deliver(self, message: Message) -> None:
        self.published += 1
        for listener in list(self._listeners):
            try:
                listener(message)
            except Exception:  # one broken consumer must not silence the others
                log.exception("event listener %r failed on %s", listener, message.topic)


def _items(topic: Topic, group: str, values: Mapping[str, object] | None) -> Items:
    texts = {name: item_text(value) for name, value in (values or {}).items()}
    topic.check(group, texts)
    # In the order the description lists them, so equal states compare equal.
    return tuple((item.name, texts[item.name]) for item in getattr(topic, group))
