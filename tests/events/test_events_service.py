"""The Events service over real HTTP, as raw SOAP: pull points, their lifecycle, filters and faults.

Every answer, fault and fault Detail is validated against the official schemas.
The camera here raises no event on its own (no scheduled motion, no processor
usage reports): the tests decide when there is motion.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from conftest import (
    DECLARE,
    MOTION,
    NS,
    TT,
    VIDEO_SOURCE,
    EventsClient,
    content_filter,
    detail_of,
    is_events_fault,
    motion_state,
    notes,
    topic_filter,
)
from lxml import etree
from soaputil import envelope, fault_codes, username_token, wait_until_down_and_up

from onvif_device.camera.events import standard_registry
from onvif_device.camera.events.topics import IMAGE_QUALITY_TOPICS, PTZ_TOPICS
from onvif_device.config import Config

MAX_PULL_POINTS = 4
SOAP_CONTENT = "application/soap+xml; charset=utf-8"


@pytest.fixture
def camera_config(request) -> Config:
    if hasattr(request, "param"):
        return request.param
    return Config.model_validate(
        {
            "events": {"motion_every_seconds": 0, "processor_usage_seconds": 0, "max_pull_points": MAX_PULL_POINTS},
            "auth": {"users": [{"username": "viewer", "password": "pw", "level": "User"}]},
        }
    )


@pytest.fixture
def background():
    with ThreadPoolExecutor(max_workers=4) as pool:
        yield pool


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def waiting_pulls(running_camera, on_camera) -> int:
    return on_camera(lambda: sum(p.pulling for p in running_camera.server.delivery.pull_points))


def utc(text: str) -> datetime:
    assert text.endswith("Z"), f"{text} is not UTC with Z"
    return datetime.fromisoformat(text)


def lease(response: etree._Element, prefix: str = "wsnt") -> timedelta:
    return utc(response.findtext(f"{prefix}:TerminationTime", namespaces=NS)) - utc(
        response.findtext(f"{prefix}:CurrentTime", namespaces=NS)
    )


# --- capabilities and properties ----------------------------------------------------------------


def test_service_capabilities_are_truthful(events):
    caps = events.call(f"<tev:GetServiceCapabilities {DECLARE}/>").find("tev:Capabilities", NS)
    assert dict(caps.attrib) == {
        "WSSubscriptionPolicySupport": "true",
        "WSPausableSubscriptionManagerInterfaceSupport": "false",
        "MaxNotificationProducers": "50",
        "MaxPullPoints": str(MAX_PULL_POINTS),
        "PersistentNotificationStorage": "false",
        "EventBrokerProtocols": "mqtt mqtts ws wss",
        "MaxEventBrokers": "4",
        "MetadataOverMQTT": "false",
    }


def test_capabilities_need_no_credentials_but_properties_do(events):
    assert events.soap.post(envelope(f"<tev:GetServiceCapabilities {DECLARE}/>")).status_code == 200
    assert events.soap.post(envelope(f"<tev:GetEventProperties {DECLARE}/>")).status_code == 401


def test_legacy_get_capabilities_names_the_events_service(soap, events):
    caps = soap.call("<tds:GetCapabilities><tds:Category>Events</tds:Category></tds:GetCapabilities>")
    found = caps.find("tds:Capabilities/tt:Events", {"tds": "http://www.onvif.org/ver10/device/wsdl", "tt": TT})
    assert found.findtext("tt:XAddr", namespaces=NS) == events.url
    assert found.findtext("tt:WSPullPointSupport", namespaces=NS) == "true"
    assert found.findtext("tt:WSPausableSubscriptionManagerInterfaceSupport", namespaces=NS) == "false"


def test_event_properties_describe_every_topic_of_the_registry(events):
    response = events.call(f"<tev:GetEventProperties {DECLARE}/>")
    assert response.findtext("wsnt:FixedTopicSet", namespaces=NS) == "true"
    dialects = [d.text for d in response.iterfind("wsnt:TopicExpressionDialect", NS)]
    assert {"http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet",
            "http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete"} <= set(dialects)
    assert [d.text for d in response.iterfind("tev:MessageContentFilterDialect", NS)] == [
        "http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter"
    ]
    topic_set = response.find("wstop:TopicSet", NS)
    described = {}
    for node in topic_set.iter():
        if node.get(f"{{{NS['wstop']}}}topic") == "true":
            path = []
            walker = node
            while walker is not topic_set:
                qname = etree.QName(walker)
                path.append(f"tns1:{qname.localname}" if qname.namespace else qname.localname)
                walker = walker.getparent()
            described["/".join(reversed(path))] = node.find("tt:MessageDescription", NS)
    registry = standard_registry()
    for topic in (*IMAGE_QUALITY_TOPICS, *PTZ_TOPICS):  # the default camera: a synthetic picture, a PTZ head
        registry.add(topic)
    assert set(described) == {topic.path for topic in registry}
    for topic in registry:
        description = described[topic.path]
        assert (description.get("IsProperty") == "true") == topic.is_property
        for group in ("Source", "Key", "Data"):
            items = [(d.get("Name"), d.get("Type")) for d in description.iterfind(f"tt:{group}/tt:SimpleItemDescription", NS)]
            assert items == [(i.name, i.type) for i in getattr(topic, group.lower())]
    # Roots are in the ONVIF topic namespace; below them, as in the Core spec's example, unqualified.
    assert etree.QName(topic_set[0]).namespace == NS["tns1"]
    assert all(etree.QName(child).namespace is None for child in topic_set[0] if child.tag != f"{{{TT}}}MessageDescription")


# --- creating and pulling ----------------------------------------------------------------------------


def test_create_answers_an_address_of_its_own_and_the_lease(events, running_camera):
    response = events.create(termination="PT90S")
    address = response.findtext("tev:SubscriptionReference/wsa:Address", namespaces=NS)
    assert address.startswith(f"http://127.0.0.1:{running_camera.port}/onvif/subscription/")
    assert lease(response) == timedelta(seconds=90)
    other = events.pull_point()
    assert other != address
    default = events.create(termination=None)
    assert lease(default) == timedelta(seconds=60)


def test_a_new_pull_point_gets_every_live_property_as_initialized(events, running_camera, on_camera):
    address = events.pull_point()
    found = events.pull_notes(address)
    live = on_camera(running_camera.camera.events.properties)
    assert len(found) == len(live) > 0
    assert {n.operation for n in found} == {"Initialized"}
    assert motion_state(found) == "false"
    assert all(n.utc_time.endswith("Z") for n in found)
    assert events.pull_notes(address) == []  # taken once


def test_pull_returns_queued_messages_up_to_the_limit_and_keeps_the_rest(events, motion):
    address = events.pull_point(topic_filter(MOTION))
    events.pull_notes(address)
    motion(True)
    motion(False)
    motion(True)
    first = events.pull_notes(address, limit=2)
    rest = events.pull_notes(address, limit=10)
    assert [n.data["State"] for n in first + rest] == ["true", "false", "true"]
    assert {n.operation for n in first + rest} == {"Changed"}


def test_pull_returns_as_soon_as_an_event_arrives(events, running_camera, on_camera, motion, background):
    address = events.pull_point(topic_filter(MOTION))
    events.pull_notes(address)  # the initial state
    # A minute's Timeout: if PullMessages did not return on the event, pytest-timeout would end the test.
    pending = background.submit(events.pull_notes, address, "PT60S", http_timeout=90)
    wait_until(lambda: waiting_pulls(running_camera, on_camera) == 1)
    assert not pending.done()
    motion(True)
    found = pending.result(timeout=30)
    assert [(n.operation, n.data) for n in found] == [("Changed", {"State": "true"})]


def test_pull_with_nothing_to_report_returns_empty_after_its_timeout(events):
    address = events.pull_point(topic_filter(MOTION))
    events.pull_notes(address)
    response = events.pull(address, "PT0.3S")
    assert notes(response) == []
    assert lease(response, "tev") >= timedelta(seconds=0)


def test_a_second_pull_while_one_waits_is_refused_and_the_first_keeps_its_messages(
    events, running_camera, on_camera, motion, background
):
    address = events.pull_point(topic_filter(MOTION))
    events.pull_notes(address)
    pending = background.submit(events.pull_notes, address, "PT60S", http_timeout=90)
    wait_until(lambda: waiting_pulls(running_camera, on_camera) == 1)
    fault = events.fault(
        f"<tev:PullMessages {DECLARE}><tev:Timeout>PT1S</tev:Timeout><tev:MessageLimit>5</tev:MessageLimit></tev:PullMessages>",
        address,
    )
    assert is_events_fault(fault, "UnableToGetMessagesFault")
    motion(True)
    assert [n.data["State"] for n in pending.result(timeout=30)] == ["true"]


def test_a_client_that_hangs_up_on_its_pull_frees_the_pull_point_and_loses_nothing(
    events, running_camera, on_camera, motion
):
    address = events.pull_point(topic_filter(MOTION))
    events.pull_notes(address)
    body = f"<tev:PullMessages {DECLARE}><tev:Timeout>PT60S</tev:Timeout><tev:MessageLimit>5</tev:MessageLimit></tev:PullMessages>"
    token = username_token(events.username, events.password)
    with httpx.Client() as impatient, pytest.raises(httpx.ReadTimeout):
        # The client gives up after half a second and closes its connection.
        impatient.post(address, content=envelope(body, token), headers={"Content-Type": SOAP_CONTENT}, timeout=0.5)
    wait_until(lambda: waiting_pulls(running_camera, on_camera) == 0)
    motion(True)
    assert [n.data["State"] for n in events.pull_notes(address)] == ["true"]  # no UnableToGetMessages


def test_unsubscribe_ends_a_waiting_pull(events, running_camera, on_camera, background):
    address = events.pull_point(topic_filter(MOTION))
    events.pull_notes(address)
    pending = background.submit(
        events.post,
        address,
        f"<tev:PullMessages {DECLARE}><tev:Timeout>PT60S</tev:Timeout><tev:MessageLimit>5</tev:MessageLimit></tev:PullMessages>",
        timeout=90,
    )
    wait_until(lambda: waiting_pulls(running_camera, on_camera) == 1)
    events.unsubscribe(address)
    status, content = pending.result(timeout=30)
    assert status == 500
    assert detail_of(events.schemas.validate_envelope(content)) == "ResourceUnknownFault"


def test_pull_messages_faults(events):
    address = events.pull_point()

    def pull(timeout: str, limit: str) -> str:
        return f"<tev:PullMessages {DECLARE}><tev:Timeout>{timeout}</tev:Timeout><tev:MessageLimit>{limit}</tev:MessageLimit></tev:PullMessages>"

    too_long = events.fault(pull("PT10M", "10"), address)
    assert is_events_fault(too_long, "PullMessagesFaultResponse")
    detail = too_long.find("s:Detail/tev:PullMessagesFaultResponse", NS)
    assert detail.findtext("tev:MaxTimeout", namespaces=NS) == "PT300S"
    assert int(detail.findtext("tev:MaxMessageLimit", namespaces=NS)) >= 100
    for bad in (pull("soon", "10"), pull("-PT1S", "10"), pull("PT1S", "ten"), pull("PT1S", "0")):
        assert fault_codes(events.fault(bad, address, status=400)) == ["s:Sender", "ter:InvalidArgVal"]
    # A MessageLimit beyond what the device sends is no fault: the device sends what it can.
    assert len(events.pull_notes(address, limit=1_000_000)) > 0


# --- the subscription manager ------------------------------------------------------------------


def test_renew_extends_the_lease_and_unsubscribe_ends_it(events):
    address = events.pull_point()
    renewed = events.renew(address, "PT120S")
    assert lease(renewed) == timedelta(seconds=120)
    events.unsubscribe(address)
    for body in (
        f"<tev:PullMessages {DECLARE}><tev:Timeout>PT1S</tev:Timeout><tev:MessageLimit>5</tev:MessageLimit></tev:PullMessages>",
        f"<wsnt:Renew {DECLARE}><wsnt:TerminationTime>PT60S</wsnt:TerminationTime></wsnt:Renew>",
        f"<wsnt:Unsubscribe {DECLARE}/>",
        f"<tev:SetSynchronizationPoint {DECLARE}/>",
    ):
        assert is_events_fault(events.fault(body, address), "ResourceUnknownFault")


def test_renew_with_an_absolute_time_on_the_device_clock(events, soap):
    address = events.pull_point()
    device_now = datetime.fromisoformat(
        events.renew(address, "PT60S").findtext("wsnt:CurrentTime", namespaces=NS)
    )
    wanted = (device_now + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert events.renew(address, wanted).findtext("wsnt:TerminationTime", namespaces=NS) == wanted


def test_unacceptable_termination_times_say_which_would_do(events):
    address = events.pull_point()
    for asked in ("2001-01-01T00:00:00Z", "PT0S", "P3D"):
        fault = events.fault(f"<wsnt:Renew {DECLARE}><wsnt:TerminationTime>{asked}</wsnt:TerminationTime></wsnt:Renew>", address)
        assert is_events_fault(fault, "UnacceptableTerminationTimeFault")
        detail = fault.find("s:Detail/wsnt:UnacceptableTerminationTimeFault", NS)
        assert utc(detail.findtext("wsnt:MinimumTime", namespaces=NS)) < utc(detail.findtext("wsnt:MaximumTime", namespaces=NS))
    fault = events.fault(
        f"<tev:CreatePullPointSubscription {DECLARE}><tev:InitialTerminationTime>2001-01-01T00:00:00Z"
        "</tev:InitialTerminationTime></tev:CreatePullPointSubscription>"
    )
    assert is_events_fault(fault, "UnacceptableInitialTerminationTimeFault")
    garbage = events.fault(
        f"<tev:CreatePullPointSubscription {DECLARE}><tev:InitialTerminationTime>tomorrow"
        "</tev:InitialTerminationTime></tev:CreatePullPointSubscription>",
        status=400,
    )
    assert fault_codes(garbage) == ["s:Sender", "ter:InvalidArgVal"]


def test_requests_to_no_subscription_fault_resource_unknown(events, running_camera):
    unknown = f"http://127.0.0.1:{running_camera.port}/onvif/subscription/0123456789abcdef"
    pull = f"<tev:PullMessages {DECLARE}><tev:Timeout>PT1S</tev:Timeout><tev:MessageLimit>5</tev:MessageLimit></tev:PullMessages>"
    assert is_events_fault(events.fault(pull, unknown), "ResourceUnknownFault")
    # Sent to the service address: the subscription is not known from the path.
    assert is_events_fault(events.fault(pull), "ResourceUnknownFault")


def test_a_request_at_the_service_address_finds_its_subscription_by_wsa_to(events):
    address = events.pull_point(topic_filter(MOTION))
    response = events.call(
        f"<tev:PullMessages {DECLARE}><tev:Timeout>PT0S</tev:Timeout><tev:MessageLimit>5</tev:MessageLimit></tev:PullMessages>",
        header=f'<wsa:To xmlns:wsa="{NS["wsa"]}">{address}</wsa:To>',
    )
    assert motion_state(notes(response)) == "false"


def test_subscriptions_expire_when_their_lease_runs_out(events, running_camera, on_camera):
    address = events.pull_point(termination="PT1S")
    wait_until(lambda: on_camera(lambda: len(running_camera.server.delivery.pull_points)) == 0)
    fault = events.fault(f"<wsnt:Renew {DECLARE}><wsnt:TerminationTime>PT60S</wsnt:TerminationTime></wsnt:Renew>", address)
    assert is_events_fault(fault, "ResourceUnknownFault")


def test_a_pull_keeps_its_pull_point_alive_for_its_timeout(events):
    address = events.pull_point(termination="PT1S")
    response = events.pull(address, "PT2S")
    assert lease(response, "tev") >= timedelta(seconds=1)
    events.pull(address, "PT0S")  # still there after the original lease ran out


def test_set_synchronization_point_repeats_the_live_properties(events, motion):
    address = events.pull_point(topic_filter(MOTION))
    assert motion_state(events.pull_notes(address)) == "false"
    motion(True)
    assert [n.operation for n in events.pull_notes(address)] == ["Changed"]
    events.synchronize(address)
    again = events.pull_notes(address)
    assert [(n.operation, n.source, n.data) for n in again] == [
        ("Initialized", {"Source": VIDEO_SOURCE}, {"State": "true"})
    ]


def test_pull_point_limit(events):
    addresses = [events.pull_point() for _ in range(MAX_PULL_POINTS)]
    fault = events.fault(f"<tev:CreatePullPointSubscription {DECLARE}/>")
    assert is_events_fault(fault, "SubscribeCreationFailedFault")
    assert "MaxPullPoints" in fault.findtext("s:Reason/s:Text", namespaces=NS)
    events.unsubscribe(addresses[0])
    events.pull_point()


def test_a_user_level_account_may_subscribe_and_pull(running_camera, onvif_schemas):
    viewer = EventsClient(running_camera, onvif_schemas, "viewer", "pw")
    try:
        address = viewer.pull_point()
        assert viewer.pull_notes(address)
    finally:
        viewer.close()


def test_reboot_drops_every_subscription(events, soap, running_camera):
    address = events.pull_point()
    soap.call("<tds:SystemReboot/>")
    assert wait_until_down_and_up(running_camera.device_url) == (True, True)
    fault = events.fault(f"<wsnt:Unsubscribe {DECLARE}/>", address)
    assert is_events_fault(fault, "ResourceUnknownFault")
    assert events.pull_notes(events.pull_point())  # the new ones work, with the initial state


# --- filters and policies ---------------------------------------------------------------------


def test_topic_filter_includes_only_what_it_names(events, motion):
    address = events.pull_point(topic_filter("tns1:RuleEngine//."))
    initial = events.pull_notes(address)
    assert {n.topic for n in initial} == {"tns1:RuleEngine/CellMotionDetector/Motion"}
    motion(True)
    assert [n.data for n in events.pull_notes(address)] == [{"IsMotion": "true"}]


def test_message_content_filter_excludes(events, motion):
    expression = f'not(boolean(//tt:SimpleItem[@Name="Source" and @Value="{VIDEO_SOURCE}"]))'
    address = events.pull_point(content_filter(expression).replace("<wsnt:MessageContent", f'<wsnt:MessageContent xmlns:tt="{TT}"'))
    initial = events.pull_notes(address)
    assert initial and all(n.source.get("Source") != VIDEO_SOURCE for n in initial)
    motion(True)
    assert all(n.topic != MOTION for n in events.pull_notes(address))


def test_topic_and_content_filters_combine(events, motion):
    both = topic_filter(MOTION).replace(
        "</tev:Filter>",
        '<wsnt:MessageContent Dialect="http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter">'
        'boolean(//tt:SimpleItem[@Name="State" and @Value="true"])</wsnt:MessageContent></tev:Filter>',
    )
    address = events.pull_point(both)
    assert events.pull_notes(address) == []  # no motion now: the initial state is filtered out too
    motion(True)
    motion(False)
    assert [n.data["State"] for n in events.pull_notes(address)] == ["true"]


@pytest.mark.parametrize(
    ("filter_xml", "detail"),
    [
        (topic_filter(MOTION, dialect="urn:example:no-such-dialect"), "TopicExpressionDialectUnknownFault"),
        (topic_filter("tns1:VideoSource/Motion Alarm!"), "InvalidTopicExpressionFault"),
        (topic_filter("tns1:NoSuchTopic"), "TopicNotSupportedFault"),
        (content_filter("boolean(//tt:SimpleItem[@Name=])"), "InvalidMessageContentExpressionFault"),
        ('<tev:Filter><wsnt:ProducerProperties Dialect="urn:x">x</wsnt:ProducerProperties></tev:Filter>', "InvalidFilterFault"),
    ],
    ids=["dialect", "expression", "topic", "content", "unknown-component"],
)
def test_bad_filters_get_the_ws_base_notification_fault(events, filter_xml, detail):
    fault = events.fault(f"<tev:CreatePullPointSubscription {DECLARE}>{filter_xml}</tev:CreatePullPointSubscription>")
    assert is_events_fault(fault, detail)
    if detail == "InvalidFilterFault":
        unknown = fault.find("s:Detail/wsnt:InvalidFilterFault/wsnt:UnknownFilter", NS)
        prefix, _, local = unknown.text.partition(":")
        assert (unknown.nsmap[prefix], local) == (NS["wsnt"], "ProducerProperties")


def test_changed_only_policy_sends_no_initial_state(events, motion):
    policy = "<tev:SubscriptionPolicy><tev:ChangedOnly>true</tev:ChangedOnly></tev:SubscriptionPolicy>"
    address = events.pull_point(topic_filter(MOTION) + policy)
    assert events.pull_notes(address) == []
    motion(True)
    assert [(n.operation, n.data["State"]) for n in events.pull_notes(address)] == [("Changed", "true")]


def test_unknown_subscription_policies_are_refused(events):
    policy = '<tev:SubscriptionPolicy><x:Priority xmlns:x="urn:example">high</x:Priority></tev:SubscriptionPolicy>'
    fault = events.fault(f"<tev:CreatePullPointSubscription {DECLARE}>{policy}</tev:CreatePullPointSubscription>")
    assert is_events_fault(fault, "UnrecognizedPolicyRequestFault")


# --- device clock --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "camera_config",
    [Config.model_validate({"clock": {"offset_seconds": 86_400 * 400}, "events": {"motion_every_seconds": 0}})],
    indirect=True,
)
def test_leases_follow_the_device_clock_not_the_host(running_camera, onvif_schemas):
    events = EventsClient(running_camera, onvif_schemas, digest=True)  # a UsernameToken would be a year late
    host_now = datetime.now(UTC)
    response = events.create(termination=None)
    device_now = utc(response.findtext("wsnt:CurrentTime", namespaces=NS))
    assert device_now - host_now > timedelta(days=399)
    # An absolute time an hour ahead of the host is long past for the camera.
    host_time = (host_now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    fault = events.fault(
        f"<tev:CreatePullPointSubscription {DECLARE}><tev:InitialTerminationTime>{host_time}"
        "</tev:InitialTerminationTime></tev:CreatePullPointSubscription>"
    )
    assert is_events_fault(fault, "UnacceptableInitialTerminationTimeFault")
    device_time = (device_now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    created = events.create(termination=device_time)
    assert created.findtext("wsnt:TerminationTime", namespaces=NS) == device_time
