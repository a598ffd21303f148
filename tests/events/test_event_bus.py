"""The camera's event bus, topic registry and built-in producers, without a network."""

from datetime import UTC, datetime, timedelta

import pytest

from onvif_device.camera import Camera
from onvif_device.camera.events import (
    EventBus,
    Item,
    Topic,
    TopicRegistry,
    UnknownTopic,
    standard_registry,
)
from onvif_device.camera.events.monitoring import PROCESSOR_TOKEN, ProcessorUsage
from onvif_device.camera.events.motion import Detector, SceneMotion
from onvif_device.camera.events.topics import MOTION_ALARM, PROCESSOR_USAGE
from onvif_device.config import Config

DOOR = Topic(
    "tns1:Device/Trigger/Door",
    source=(Item("Door", "tt:ReferenceToken"),),
    data=(Item("Open", "xs:boolean"),),
    is_property=True,
)
PING = Topic("tns1:Monitoring/Ping", source=(Item("Token", "tt:ReferenceToken"),))


class FakeTime:
    def __init__(self) -> None:
        self.t = 1_000.0

    def __call__(self) -> float:
        return self.t

    def utc(self) -> datetime:
        return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=self.t)


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def bus(time) -> EventBus:
    registry = TopicRegistry()
    registry.add(DOOR)
    registry.add(PING)
    return EventBus(registry, time.utc)


def heard(bus: EventBus) -> list:
    messages = []
    bus.subscribe(messages.append)
    return messages


def test_property_lifecycle_initialized_changed_deleted(bus, time):
    messages = heard(bus)
    first = bus.publish(DOOR.path, source={"Door": "D1"}, data={"Open": False})
    assert first.operation == "Initialized" and first.data == (("Open", "false"),)
    assert bus.publish(DOOR.path, source={"Door": "D1"}, data={"Open": False}) is None  # no change, no message
    time.t += 5
    changed = bus.publish(DOOR.path, source={"Door": "D1"}, data={"Open": True})
    assert changed.operation == "Changed" and changed.utc_time == time.utc()
    deleted = bus.delete(DOOR.path, source={"Door": "D1"})
    assert deleted.operation == "Deleted" and deleted.data == ()
    assert bus.delete(DOOR.path, source={"Door": "D1"}) is None
    assert [m.operation for m in messages] == ["Initialized", "Changed", "Deleted"]
    assert [m.sequence for m in messages] == sorted(m.sequence for m in messages)


def test_properties_are_per_source_and_repeat_as_initialized(bus):
    bus.publish(DOOR.path, source={"Door": "D1"}, data={"Open": True})
    bus.publish(DOOR.path, source={"Door": "D1"}, data={"Open": False})
    bus.publish(DOOR.path, source={"Door": "D2"}, data={"Open": True})
    bus.publish(PING.path, source={"Token": "P"})  # not a property: not kept
    state = {m.source_value("Door"): m for m in bus.properties()}
    assert set(state) == {"D1", "D2"}
    assert all(m.operation == "Initialized" for m in state.values())
    assert state["D1"].data_value("Open") == "false"
    assert bus.state(DOOR.path, Door="D2").data_value("Open") == "true"


def test_events_that_are_not_properties_always_arrive(bus):
    messages = heard(bus)
    for _ in range(3):
        assert bus.publish(PING.path, source={"Token": "P"}).operation is None
    assert len(messages) == 3


def test_unknown_topics_and_items_are_refused(bus):
    with pytest.raises(UnknownTopic, match="tns1:Nope"):
        bus.publish("tns1:Nope", source={})
    with pytest.raises(ValueError, match="unknown data item.*Colour"):
        bus.publish(DOOR.path, source={"Door": "D1"}, data={"Open": True, "Colour": "red"})
    with pytest.raises(ValueError, match="missing source item.*Door"):
        bus.publish(DOOR.path, data={"Open": True})
    assert bus.properties() == []


def test_a_failing_listener_does_not_silence_the_others(bus):
    def broken(message):
        raise RuntimeError("boom")

    bus.subscribe(broken)
    messages = heard(bus)
    bus.publish(PING.path, source={"Token": "P"})
    assert len(messages) == 1


def test_unsubscribe_stops_delivery(bus):
    messages = []
    unsubscribe = bus.subscribe(messages.append)
    unsubscribe()
    unsubscribe()  # twice is harmless
    bus.publish(PING.path, source={"Token": "P"})
    assert messages == []


def test_registry_refuses_conflicting_descriptions():
    registry = standard_registry()
    registry.add(MOTION_ALARM)  # the same description again is fine
    with pytest.raises(ValueError, match="twice"):
        registry.add(Topic(MOTION_ALARM.path, source=(Item("Other", "xs:string"),)))
    assert MOTION_ALARM.parts == ["tns1:VideoSource", "MotionAlarm"]


# --- scene motion --------------------------------------------------------------------------


def motion_on(bus: EventBus, time: FakeTime, every: float = 30, seconds: float = 8) -> SceneMotion:
    return SceneMotion(
        bus,
        lambda: [Detector("VideoSource_1", "VSC_1", "Analytics_1")],
        every=every,
        seconds=seconds,
        now=time,
    )


def motion_states(bus: EventBus) -> tuple[str, str]:
    alarm = bus.state(MOTION_ALARM.path, Source="VideoSource_1").data_value("State")
    cell = next(m for m in bus.properties() if m.topic.endswith("CellMotionDetector/Motion")).data_value("IsMotion")
    return alarm, cell


def test_scheduled_motion_comes_after_a_quiet_spell_and_ends(time):
    bus = EventBus(standard_registry(), time.utc)
    motion = motion_on(bus, time)
    assert motion_states(bus) == (
        "false",
        "false",
    )  # both properties exist from the start
    time.t += 21.9
    motion.tick()
    assert motion_states(bus) == ("false", "false")
    time.t += 0.2
    motion.tick()
    assert motion_states(bus) == ("true", "true")
    assert 0 <= motion.progress("VideoSource_1") < 0.1
    time.t += 8
    motion.tick()
    assert motion_states(bus) == ("false", "false")


def test_forced_motion_overrides_the_schedule_until_it_ends_or_is_released(time):
    bus = EventBus(standard_registry(), time.utc)
    motion = motion_on(bus, time, every=0)  # no schedule at all
    messages = heard(bus)
    motion.force("VideoSource_1", True, seconds=5)
    assert motion_states(bus) == ("true", "true")
    time.t += 5
    motion.tick()
    assert motion_states(bus) == ("false", "false")
    motion.force("VideoSource_1", True)
    time.t += 3600
    motion.tick()
    assert motion.active("VideoSource_1")
    motion.force("VideoSource_1", None)
    assert not motion.active("VideoSource_1")
    alarms = [m.data_value("State") for m in messages if m.topic == MOTION_ALARM.path]
    assert alarms == ["true", "false", "true", "false"]


def test_a_state_raised_by_hand_stands_until_the_scene_changes(time):
    bus = EventBus(standard_registry(), time.utc)
    motion = motion_on(bus, time)
    bus.publish(MOTION_ALARM.path, source={"Source": "VideoSource_1"}, data={"State": True})
    time.t += 1
    motion.tick()
    assert motion_states(bus)[0] == "true"  # the quiet scene does not repeat "false" over it
    time.t += 21.1  # the scripted crossing starts, then ends
    motion.tick()
    time.t += 8
    motion.tick()
    assert motion_states(bus) == ("false", "false")


# --- the camera ------------------------------------------------------------------------------


def test_media_changes_raise_profile_and_configuration_events():
    camera = Camera(Config())
    messages = heard(camera.events)
    created = camera.media.create_profile("Extra")
    encoder = camera.media.configurations("VideoEncoder")[0]
    camera.media.set_configuration("VideoEncoder", encoder)
    raised = [(m.topic, m.source, m.operation) for m in messages]
    assert raised == [
        ("tns1:Media/ProfileChanged", (("Token", created.token),), None),
        (
            "tns1:Media/ConfigurationChanged",
            (("Token", encoder.token), ("Type", "VideoEncoder")),
            None,
        ),
    ]


def test_processor_usage_reports_the_share_of_all_cores(time):
    bus = EventBus(standard_registry(), time.utc)
    cpu = [0.0]
    usage = ProcessorUsage(bus, interval=5, now=time, cpu_time=lambda: cpu[0])
    time.t += 4
    usage.tick()
    assert bus.properties() == []  # not yet a whole interval
    time.t += 1
    cpu[0] = 5.0 * __import__("os").cpu_count()  # every core busy for the whole interval
    usage.tick()
    message = bus.state(PROCESSOR_USAGE.path, Token=PROCESSOR_TOKEN)
    assert message.data_value("Value") == "100.0"
