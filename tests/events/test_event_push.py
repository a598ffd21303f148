"""WS-BaseNotification push: Subscribe, then Notify POSTed to a consumer the test runs on loopback.

Each Notify envelope is validated whole against the official schemas (the
wsa: headers too); the Subscribe answers and faults as everywhere else.
"""

from __future__ import annotations

import queue
import socket

import pytest
from conftest import (
    DECLARE,
    MOTION,
    NS,
    VIDEO_SOURCE,
    Consumer,
    is_events_fault,
    motion_state,
    notes,
)
from lxml import etree
from soaputil import fault_codes

from onvif_device.config import Config

NOTIFY_ACTION = "http://docs.oasis-open.org/wsn/bw-2/NotificationConsumer/Notify"
MOTION_FILTER = (
    "<wsnt:Filter><wsnt:TopicExpression Dialect=\"http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet\">"
    f"{MOTION}</wsnt:TopicExpression></wsnt:Filter>"
)


@pytest.fixture
def camera_config() -> Config:
    return Config.model_validate(
        {"events": {"motion_every_seconds": 0, "processor_usage_seconds": 0, "max_push_subscriptions": 3}}
    )


def subscribe_body(consumer_url: str, event_filter: str = MOTION_FILTER, policy: str = "", reference: str = "") -> str:
    parameters = f"<wsa:ReferenceParameters>{reference}</wsa:ReferenceParameters>" if reference else ""
    return (
        f"<wsnt:Subscribe {DECLARE}><wsnt:ConsumerReference><wsa:Address>{consumer_url}</wsa:Address>{parameters}"
        f"</wsnt:ConsumerReference>{event_filter}<wsnt:InitialTerminationTime>PT60S</wsnt:InitialTerminationTime>"
        f"{policy}</wsnt:Subscribe>"
    )


def subscribe(events, consumer_url: str, **kw) -> str:
    response = events.call(subscribe_body(consumer_url, **kw))
    assert response.tag == f"{{{NS['wsnt']}}}SubscribeResponse"
    assert response.findtext("wsnt:CurrentTime", namespaces=NS) and response.findtext("wsnt:TerminationTime", namespaces=NS)
    return response.findtext("wsnt:SubscriptionReference/wsa:Address", namespaces=NS)


def received(consumer: Consumer, schemas, *, want_status: int = 200) -> tuple[etree._Element, etree._Element]:
    """The next Notify the consumer acknowledged: (validated wsnt:Notify, SOAP Header)."""
    while True:
        headers, body, status = consumer.next()
        if status == want_status:
            break
    assert headers["content-type"].startswith("application/soap+xml")
    notify = schemas.validate_envelope(body)
    assert notify.tag == f"{{{NS['wsnt']}}}Notify"
    return notify, etree.fromstring(body).find(f"{{{NS['s']}}}Header")


def test_notify_delivers_the_initial_state_then_each_change(events, consumer, onvif_schemas, motion):
    address = subscribe(events, consumer.url)
    notify, header = received(consumer, onvif_schemas)
    assert header.findtext("wsa:Action", namespaces=NS) == NOTIFY_ACTION
    assert header.findtext("wsa:To", namespaces=NS) == consumer.url
    found = notes(notify)
    assert [(n.topic, n.operation) for n in found] == [(MOTION, "Initialized")]
    assert motion_state(found) == "false"
    assert notify.findtext("wsnt:NotificationMessage/wsnt:SubscriptionReference/wsa:Address", namespaces=NS) == address
    motion(True)
    notify, _ = received(consumer, onvif_schemas)
    assert [(n.operation, n.data) for n in notes(notify)] == [("Changed", {"State": "true"})]


def test_a_failed_post_is_sent_again(events, consumer, onvif_schemas, motion):
    consumer.fail = 2
    subscribe(events, consumer.url)
    statuses, first_body = [], None
    while len(statuses) < 3:
        _, body, status = consumer.next()
        statuses.append(status)
        first_body = first_body or body
        assert body == first_body  # the same Notify, tried again
    assert statuses == [503, 503, 200]


def test_reference_parameters_come_back_as_headers(events, consumer, onvif_schemas):
    subscribe(events, consumer.url, reference='<c:Client xmlns:c="urn:example:nvr">camera-7</c:Client>')
    _, header = received(consumer, onvif_schemas)
    echoed = header.find("{urn:example:nvr}Client")
    assert echoed.text == "camera-7"
    assert echoed.get(f"{{{NS['wsa']}}}IsReferenceParameter") == "true"


def test_renew_sync_point_and_unsubscribe_on_a_push_subscription(events, consumer, onvif_schemas, motion):
    address = subscribe(events, consumer.url)
    received(consumer, onvif_schemas)  # the initial state
    events.renew(address, "PT300S")
    events.synchronize(address)
    again, _ = received(consumer, onvif_schemas)
    assert [(n.operation, n.source) for n in notes(again)] == [("Initialized", {"Source": VIDEO_SOURCE})]
    # A push subscription has no messages to pull.
    pull = f"<tev:PullMessages {DECLARE}><tev:Timeout>PT1S</tev:Timeout><tev:MessageLimit>5</tev:MessageLimit></tev:PullMessages>"
    assert is_events_fault(events.fault(pull, address), "ResourceUnknownFault")
    events.unsubscribe(address)
    witness = Consumer()  # a second subscription sees the motion the first, gone, must not
    try:
        subscribe(events, witness.url)
        received(witness, onvif_schemas)
        motion(True)
        assert motion_state(notes(received(witness, onvif_schemas)[0])) == "true"
    finally:
        witness.close()
    with pytest.raises(queue.Empty):
        consumer.next(timeout=0.2)


def test_a_dead_consumer_holds_up_no_one(events, consumer, onvif_schemas, motion):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}/notify"  # bound, never listening: refused
        subscribe(events, dead)
        subscribe(events, consumer.url)
        received(consumer, onvif_schemas)
        pull_point = events.pull_point()
        motion(True)
        assert motion_state(notes(received(consumer, onvif_schemas)[0])) == "true"
        assert motion_state(events.pull_notes(pull_point)) == "true"


def test_push_subscription_limit(events, consumer):
    for _ in range(3):
        subscribe(events, consumer.url)
    fault = events.fault(subscribe_body(consumer.url))
    assert is_events_fault(fault, "SubscribeCreationFailedFault")
    assert "MaxNotificationProducers" in fault.findtext("s:Reason/s:Text", namespaces=NS)


@pytest.mark.parametrize("address", ["https://127.0.0.1/notify", "ftp://127.0.0.1/x", "http:///nohost", "notaurl"])
def test_consumers_must_be_http_urls(events, address):
    assert is_events_fault(events.fault(subscribe_body(address)), "SubscribeCreationFailedFault")


def test_subscribe_without_a_consumer_is_invalid(events):
    fault = events.fault(f"<wsnt:Subscribe {DECLARE}/>", status=400)
    assert fault_codes(fault) == ["s:Sender", "ter:InvalidArgs"]


def test_raw_notifications_are_not_offered(events, consumer):
    policy = "<wsnt:SubscriptionPolicy><wsnt:UseRaw/></wsnt:SubscriptionPolicy>"
    fault = events.fault(subscribe_body(consumer.url, policy=policy))
    assert is_events_fault(fault, "UnsupportedPolicyRequestFault")
