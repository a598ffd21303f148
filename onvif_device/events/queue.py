"""A subscription's bounded message queue, and which message goes when it is full.

Nothing is lost while fewer than `limit` messages wait.  When a message
arrives at a full queue, one waiting message makes room for it, chosen so
that a burst never costs a client the current state of a property:

1. the oldest message that no longer tells anything current: an event (a
   message of a topic that is not a property), or a property message that a
   newer waiting message of the same property (topic, Source and Key)
   supersedes;
2. only when every waiting message is the latest state of a different
   property, the oldest one.

So past the limit the newest events survive, and so does the latest state of
every property (as long as fewer properties than `limit` changed); messages
leave in arrival order; memory stays bounded by `limit`.  `dropped` counts
what was lost.
"""

from __future__ import annotations

import heapq
import itertools
from collections import OrderedDict

from onvif_device.camera.events import Message

PropertyId = tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]


def property_id(message: Message) -> PropertyId:
    return (message.topic, message.source, message.key)


class MessageQueue:
    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a message queue holds at least one message")
        self.limit = limit
        self.dropped = 0
        self._waiting: OrderedDict[int, Message] = OrderedDict()  # by arrival number
        self._expendable: list[int] = []  # heap of arrival numbers that may go first (rule 1); may hold stale ones
        self._latest: dict[PropertyId, int] = {}  # property -> arrival number of its newest waiting message
        self._arrivals = itertools.count()

    def __len__(self) -> int:
        return len(self._waiting)

    def __bool__(self) -> bool:
        return bool(self._waiting)

    def put(self, message: Message) -> None:
        if len(self._waiting) >= self.limit:
            self._make_room()
        number = next(self._arrivals)
        self._waiting[number] = message
        if message.operation is None:
            self._expend(number)
            return
        identity = property_id(message)
        superseded = self._latest.get(identity)
        if superseded is not None:
            self._expend(superseded)
        self._latest[identity] = number

    def take(self, limit: int) -> list[Message]:
        """Up to `limit` messages, oldest first; they leave the queue."""
        taken: list[Message] = []
        while self._waiting and len(taken) < limit:
            number, message = self._waiting.popitem(last=False)
            self._forget(number, message)
            taken.append(message)
        if not self._waiting:
            self._expendable.clear()
        return taken

    def _expend(self, number: int) -> None:
        if len(self._expendable) >= 2 * self.limit:  # entries of messages already taken: keep the heap bounded
            self._expendable = [n for n in self._expendable if n in self._waiting]
            heapq.heapify(self._expendable)
        heapq.heappush(self._expendable, number)

    def _make_room(self) -> None:
        while self._expendable:
            number = heapq.heappop(self._expendable)
            if number in self._waiting:
                break
        else:
            number = next(iter(self._waiting))
        self._forget(number, self._waiting.pop(number))
        self.dropped += 1

    def _forget(self, number: int, message: Message) -> None:
        if message.operation is not None:
            identity = property_id(message)
            if self._latest.get(identity) == number:
                del self._latest[identity]
