"""Events through real client libraries.

- onvif-zeep-async the way Home Assistant's ONVIF integration follows events:
  its PullPointManager (CreatePullPointSubscription, SetSynchronizationPoint,
  PullMessages long polls, Renew, Unsubscribe), and its NotificationManager
  (Subscribe with a webhook address; Notify parsed by the manager itself);
- plain zeep with the official event.wsdl: GetEventProperties and a pull point.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os

import onvif
import pytest
import zeep
from conftest import CONCRETE_SET, MOTION, TNS1, VIDEO_SOURCE, WSNT
from lxml import etree
from onvif import ONVIFCamera
from schemas import schema_root
from zeep.wsse.username import UsernameToken

from onvif_device.config import Config

HA_WSDL_DIR = f"{os.path.dirname(onvif.__file__)}/wsdl/"
TT = {"tt": "http://www.onvif.org/ver10/schema"}


@pytest.fixture
def camera_config() -> Config:
    return Config.model_validate({"events": {"motion_every_seconds": 0, "processor_usage_seconds": 0}})


@pytest.fixture
async def device(running_camera):
    camera = ONVIFCamera(
        running_camera.host, running_camera.port, running_camera.username, running_camera.password, HA_WSDL_DIR,
        no_cache=True,
    )
    await camera.update_xaddrs()
    yield camera
    await camera.close()


def motion_states(messages) -> list[tuple[str, str, str]]:
    """(operation, Source, State) of each MotionAlarm message, read as Home Assistant reads them."""
    found = []
    for message in messages or []:
        topic = message.Topic._value_1.strip()
        if topic != MOTION:
            continue
        payload = message.Message._value_1
        source = payload.Source.SimpleItem[0]
        data = payload.Data.SimpleItem[0]
        assert (source.Name, data.Name) == ("Source", "State")
        found.append((payload.PropertyOperation, source.Value, data.Value))
    return found


async def test_home_assistant_pull_point_sees_motion(device, running_camera, on_camera, motion):
    lost = []
    manager = await device.create_pullpoint_manager(dt.timedelta(seconds=60), lambda: lost.append(True))
    try:
        service = manager.get_service()
        first = await service.PullMessages({"MessageLimit": 100, "Timeout": dt.timedelta(seconds=1)})
        assert first.CurrentTime.tzinfo is not None and first.TerminationTime > first.CurrentTime
        assert motion_states(first.NotificationMessage) == [("Initialized", VIDEO_SOURCE, "false")]

        # Home Assistant polls with a long Timeout; motion arrives while the request waits.
        pending = asyncio.create_task(service.PullMessages({"MessageLimit": 100, "Timeout": dt.timedelta(seconds=60)}))
        while not on_camera(lambda: any(p.pulling for p in running_camera.server.delivery.pull_points)):
            await asyncio.sleep(0.01)
        motion(True)
        response = await pending
        assert motion_states(response.NotificationMessage) == [("Changed", VIDEO_SOURCE, "true")]

        await manager.set_synchronization_point()
        again = await service.PullMessages({"MessageLimit": 100, "Timeout": dt.timedelta(seconds=1)})
        assert motion_states(again.NotificationMessage) == [("Initialized", VIDEO_SOURCE, "true")]

        renewed = await manager._subscription.Renew(device.get_next_termination_time(dt.timedelta(seconds=120)))
        assert renewed.TerminationTime - renewed.CurrentTime == dt.timedelta(seconds=120)
        assert not lost
    finally:
        await manager.shutdown()
    assert on_camera(lambda: running_camera.server.delivery.pull_points) == []


async def test_home_assistant_webhook_gets_notify(device, consumer, motion):
    manager = await device.create_notification_manager(consumer.url, dt.timedelta(seconds=60), lambda: None)
    try:
        initial = manager.process((await asyncio.to_thread(consumer.next))[1])
        assert motion_states(initial.NotificationMessage) == [("Initialized", VIDEO_SOURCE, "false")]
        motion(True)
        changed = manager.process((await asyncio.to_thread(consumer.next))[1])
        assert motion_states(changed.NotificationMessage) == [("Changed", VIDEO_SOURCE, "true")]
        await manager.set_synchronization_point()  # Home Assistant's check that the webhook works
        synced = manager.process((await asyncio.to_thread(consumer.next))[1])
        assert motion_states(synced.NotificationMessage) == [("Initialized", VIDEO_SOURCE, "true")]
    finally:
        await manager.shutdown()


def test_zeep_with_the_official_wsdl(running_camera, motion):
    wsdl = str(schema_root() / "ver10/events/wsdl/event.wsdl")
    client = zeep.Client(wsdl, wsse=UsernameToken(running_camera.username, running_camera.password, use_digest=True))
    url = running_camera.service_url("events")
    events = client.create_service("{http://www.onvif.org/ver10/events/wsdl}EventBinding", url)
    properties = events.GetEventProperties()
    assert properties.FixedTopicSet is True
    assert "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet" in properties.TopicExpressionDialect

    expression = etree.Element(f"{{{WSNT}}}TopicExpression", Dialect=CONCRETE_SET, nsmap={"tns1": TNS1})
    expression.text = MOTION
    subscription = events.CreatePullPointSubscription(Filter={"_value_1": [expression]}, InitialTerminationTime="PT60S")
    address = subscription.SubscriptionReference.Address._value_1
    pull_point = client.create_service("{http://www.onvif.org/ver10/events/wsdl}PullPointSubscriptionBinding", address)
    motion(True)
    messages = pull_point.PullMessages(Timeout="PT5S", MessageLimit=100).NotificationMessage
    # Plain zeep drops the text of mixed content (the Topic); the tt:Message comes as an lxml element.
    states = [
        (m.get("PropertyOperation"), m.find("tt:Source/tt:SimpleItem", TT).get("Value"), m.find("tt:Data/tt:SimpleItem", TT).get("Value"))
        for m in (n.Message._value_1 for n in messages)
    ]
    assert states == [("Initialized", VIDEO_SOURCE, "false"), ("Changed", VIDEO_SOURCE, "true")]
    pull_point.Unsubscribe()
    with pytest.raises(zeep.exceptions.Fault) as raised:
        pull_point.PullMessages(Timeout="PT1S", MessageLimit=10)
    assert "Resource Unknown" in raised.value.message
