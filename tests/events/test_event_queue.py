"""The subscription queue's rule for what goes when it is full (events/queue.py), checked by example
and against a plain reference implementation of the stated rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onvif_device.camera.events import CHANGED, Message
from onvif_device.events.queue import MessageQueue, property_id

T0 = datetime(2024, 6, 1, tzinfo=UTC)


def event(n: int) -> Message:
    return Message("tns1:Media/ProfileChanged", T0, source=(("Token", f"p{n}"),), sequence=n)


def state(source: str, value: bool, n: int = 0) -> Message:
    return Message(
        "tns1:VideoSource/MotionAlarm",
        T0,
        source=(("Source", source),),
        data=(("State", "true" if value else "false"),),
        operation=CHANGED,
        sequence=n,
    )


def fill(queue: MessageQueue, messages) -> MessageQueue:
    for message in messages:
        queue.put(message)
    return queue


def test_nothing_is_lost_within_the_limit_and_order_is_kept():
    messages = [event(n) for n in range(10)]
    queue = fill(MessageQueue(10), messages)
    assert queue.take(4) + queue.take(100) == messages
    assert queue.dropped == 0 and not queue


def test_past_the_limit_the_newest_events_stay():
    queue = fill(MessageQueue(10), [event(n) for n in range(35)])
    assert queue.take(100) == [event(n) for n in range(25, 35)]
    assert queue.dropped == 25


def test_a_burst_of_events_does_not_cost_a_property_its_latest_state():
    motion = state("VideoSource_1", True)
    queue = fill(MessageQueue(5), [motion, *(event(n) for n in range(50))])
    assert queue.take(100) == [motion, *(event(n) for n in range(46, 50))]


def test_a_superseded_state_goes_before_an_event():
    first, second = state("VideoSource_1", True, 1), state("VideoSource_1", False, 2)
    queue = fill(MessageQueue(3), [first, event(1), second, event(2)])
    assert queue.take(100) == [event(1), second, event(2)]


def test_when_every_message_is_a_live_state_the_oldest_goes():
    states = [state(f"VideoSource_{n}", True, n) for n in range(4)]
    queue = fill(MessageQueue(3), states)
    assert queue.take(100) == states[1:]


def test_limit_must_hold_a_message():
    with pytest.raises(ValueError):
        MessageQueue(0)


def reference(operations, limit: int) -> tuple[list[Message], list[list[Message]]]:
    """The rule as the module docstring states it, the slow and obvious way."""
    waiting: list[Message] = []
    taken: list[list[Message]] = []
    for kind, value in operations:
        if kind == "take":
            taken.append(waiting[:value])
            del waiting[:value]
            continue
        if len(waiting) >= limit:
            def expendable(i: int) -> bool:
                m = waiting[i]
                later = waiting[i + 1 :]
                return m.operation is None or any(
                    n.operation is not None and property_id(n) == property_id(m) for n in later
                )

            drop = next((i for i in range(len(waiting)) if expendable(i)), 0)
            del waiting[drop]
        waiting.append(value)
    return waiting, taken


messages = st.one_of(
    st.builds(event, st.integers(0, 1000)),
    st.builds(state, st.sampled_from(["VideoSource_1", "VideoSource_2", "VideoSource_3"]), st.booleans(), st.integers(0, 1000)),
)
operations = st.lists(
    st.one_of(st.tuples(st.just("put"), messages), st.tuples(st.just("take"), st.integers(1, 6))), max_size=120
)


@settings(max_examples=300, deadline=None)
@given(operations=operations, limit=st.integers(1, 8))
def test_matches_the_stated_rule(operations, limit):
    queue = MessageQueue(limit)
    taken = []
    for kind, value in operations:
        if kind == "take":
            taken.append(queue.take(value))
        else:
            queue.put(value)
            assert len(queue) <= limit
        assert len(queue._expendable) <= 2 * limit  # memory stays bounded, stale entries included
    expected_waiting, expected_taken = reference(operations, limit)
    assert taken == expected_taken
    assert queue.take(limit) == expected_waiting
