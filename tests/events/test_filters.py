"""Subscription filters (onvif_device/events/filters.py), without a network.

Filters are built the way clients send them: the Core spec's own example
request, onveef's request builders, zeep with the WSDL bundled in
onvif-zeep-async (Home Assistant's library), and hand-written variants with
other prefixes.  Messages come from a real EventBus.  Hypothesis checks the
ItemFilter parser and the topic matcher against small reference evaluators
written here from the grammars, and fuzzes both parsers.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime

import onveef.envelopes
import onvif
import pytest
import zeep
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from zeep import xsd

from onvif_device.camera.events import EventBus, Item, Message, Topic, standard_registry
from onvif_device.events.filters import (
    CONCRETE,
    CONCRETE_SET,
    FULL,
    INVALID_FILTER,
    INVALID_MESSAGE_CONTENT,
    INVALID_TOPIC_EXPRESSION,
    MATCH_ALL,
    MAX_COMPONENTS,
    MAX_EXPRESSION_CHARS,
    MAX_NESTING,
    MESSAGE_CONTENT_DIALECT,
    MESSAGE_CONTENT_DIALECTS,
    SIMPLE,
    TOPIC_DIALECT_UNKNOWN,
    TOPIC_DIALECTS,
    TOPIC_NOT_SUPPORTED,
    EventFilter,
    FilterError,
    parse_filter,
)
from onvif_device.ns import NS
from onvif_device.xml import safe_parser

WSNT = NS["wsnt"]
TOPICS = NS["tns1"]
TT = NS["tt"]
ITEM_FILTER = MESSAGE_CONTENT_DIALECT
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

# The standard topics plus two the tests need: a property with a Key group (the
# Analytics field detector of the Core spec's examples) and a root topic (Simple dialect).
FIELD = Topic(
    "tns1:RuleEngine/FieldDetector/ObjectsInside",
    source=(
        Item("VideoSourceConfigurationToken", "tt:ReferenceToken"),
        Item("VideoAnalyticsConfigurationToken", "tt:ReferenceToken"),
        Item("Rule", "xs:string"),
    ),
    key=(Item("ObjectId", "xs:integer"),),
    data=(Item("IsInside", "xs:boolean"),),
    is_property=True,
)
HEARTBEAT = Topic("tns1:Heartbeat")
REGISTRY = standard_registry()
REGISTRY.add(FIELD)
REGISTRY.add(HEARTBEAT)
ALL_PATHS = {topic.path for topic in REGISTRY}


def event(topic: str, *, source=None, data=None, key=None) -> Message:
    message = EventBus(REGISTRY, lambda: NOW).publish(topic, source=source, data=data, key=key)
    assert message is not None
    return message


MOTION_1 = event("tns1:VideoSource/MotionAlarm", source={"Source": "VideoSource_1"}, data={"State": True})
MOTION_2 = event("tns1:VideoSource/MotionAlarm", source={"Source": "VideoSource_2"}, data={"State": False})
TAMPER = event("tns1:VideoSource/GlobalSceneChange/ImagingService", source={"Source": "VideoSource_1"}, data={"State": True})
CELL_1_2 = event(
    "tns1:RuleEngine/CellMotionDetector/Motion",
    source={"VideoSourceConfigurationToken": "1", "VideoAnalyticsConfigurationToken": "2", "Rule": "MyMotion"},
    data={"IsMotion": True},
)
CELL_1_3 = event(
    "tns1:RuleEngine/CellMotionDetector/Motion",
    source={"VideoSourceConfigurationToken": "1", "VideoAnalyticsConfigurationToken": "3", "Rule": "MyMotion"},
    data={"IsMotion": False},
)
FIELD_INSIDE = event(
    FIELD.path,
    source={"VideoSourceConfigurationToken": "1", "VideoAnalyticsConfigurationToken": "2", "Rule": "myImportantField"},
    key={"ObjectId": 15},
    data={"IsInside": True},
)
RELAY = event("tns1:Device/Trigger/Relay", source={"RelayToken": "Relay_1"}, data={"LogicalState": "active"})
INPUT = event("tns1:Device/Trigger/DigitalInput", source={"InputToken": "Input_1"}, data={"LogicalState": False})
PROFILE = event("tns1:Media/ProfileChanged", source={"Token": "Profile_1"})
HEART = event(HEARTBEAT.path)
MESSAGES = (MOTION_1, MOTION_2, TAMPER, CELL_1_2, CELL_1_3, FIELD_INSIDE, RELAY, INPUT, PROFILE, HEART)


# --- building Filter elements -------------------------------------------------------------


def topic(text: str, dialect: str | None = CONCRETE_SET) -> tuple[str, str | None, str]:
    return ("TopicExpression", dialect, text)


def content(text: str, dialect: str | None = ITEM_FILTER) -> tuple[str, str | None, str]:
    return ("MessageContent", dialect, text)


def make_filter(*components: tuple[str, str | None, str], nsmap: dict | None = None) -> etree._Element:
    """A wsnt:Filter declaring wsnt and tns1 (plus `nsmap`), holding the given components."""
    root = etree.Element(f"{{{WSNT}}}Filter", nsmap={"wsnt": WSNT, "tns1": TOPICS, **(nsmap or {})})
    for kind, dialect, text in components:
        component = etree.SubElement(root, f"{{{WSNT}}}{kind}")
        if dialect is not None:
            component.set("Dialect", dialect)
        component.text = text
    return root


def parse(*components: tuple[str, str | None, str], nsmap: dict | None = None) -> EventFilter:
    return parse_filter(make_filter(*components, nsmap=nsmap), REGISTRY)


def parse_xml(document: str | bytes) -> EventFilter:
    """Parse a request as the SOAP layer does and hand its (first) Filter element over."""
    data = document.encode() if isinstance(document, str) else document
    root = etree.fromstring(data, safe_parser())
    (found,) = root.xpath("//*[local-name()='Filter']")
    return parse_filter(found, REGISTRY)


def admitted(flt: EventFilter) -> set[str]:
    return {t.path for t in REGISTRY if flt.topic_matches(t)}


def passing(flt: EventFilter) -> list[Message]:
    return [m for m in MESSAGES if flt.matches(m)]


def refused(fault: str, *components, nsmap: dict | None = None) -> FilterError:
    with pytest.raises(FilterError) as caught:
        parse(*components, nsmap=nsmap)
    assert caught.value.fault == fault, str(caught.value)
    assert str(caught.value)
    return caught.value


# --- no filter ------------------------------------------------------------------------------


def test_no_filter_passes_everything():
    flt = parse_filter(None, REGISTRY)
    assert flt is MATCH_ALL and flt.accepts_all
    assert passing(flt) == list(MESSAGES)
    assert admitted(flt) == ALL_PATHS


def test_empty_filter_passes_everything():
    flt = parse()
    assert flt.accepts_all
    assert passing(flt) == list(MESSAGES)


def test_comments_and_text_inside_filter_are_ignored():
    flt = parse_xml(
        f'<wsnt:Filter xmlns:wsnt="{WSNT}"> <!-- motion only --> '
        f'<wsnt:TopicExpression Dialect="{CONCRETE_SET}">tns1:VideoSource/MotionAlarm</wsnt:TopicExpression>'
        " </wsnt:Filter>"
    )
    assert passing(flt) == [MOTION_1, MOTION_2]


def test_advertised_dialects():
    assert TOPIC_DIALECTS[:2] == (CONCRETE_SET, CONCRETE)  # the two the Core spec makes mandatory
    assert set(TOPIC_DIALECTS) == {CONCRETE_SET, CONCRETE, SIMPLE, FULL}
    assert MESSAGE_CONTENT_DIALECTS == ("http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter",)


# --- topic expressions: ConcreteSet ---------------------------------------------------------


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("tns1:VideoSource/MotionAlarm", {"tns1:VideoSource/MotionAlarm"}),
        (
            "tns1:VideoSource//.",
            {"tns1:VideoSource/MotionAlarm", "tns1:VideoSource/GlobalSceneChange/ImagingService"},
        ),
        ("tns1:RuleEngine//.", {"tns1:RuleEngine/CellMotionDetector/Motion", FIELD.path}),
        ("tns1:RuleEngine/CellMotionDetector//.", {"tns1:RuleEngine/CellMotionDetector/Motion"}),
        ("tns1:Device/Trigger/Relay//.", {"tns1:Device/Trigger/Relay"}),  # a subtree includes its root
        ("tns1:Heartbeat", {"tns1:Heartbeat"}),
        (
            "tns1:VideoSource/MotionAlarm|tns1:Device//.",
            {"tns1:VideoSource/MotionAlarm", "tns1:Device/Trigger/Relay", "tns1:Device/Trigger/DigitalInput"},
        ),
        (
            "tns1:RuleEngine/FieldDetector//.|tns1:RuleEngine/LineDetector//.",  # a Core spec example
            {FIELD.path},
        ),
        (
            "\n   tns1:VideoSource/MotionAlarm  |\n\ttns1:Media/ProfileChanged \n",
            {"tns1:VideoSource/MotionAlarm", "tns1:Media/ProfileChanged"},
        ),
        ("tns1:VideoSource / MotionAlarm", {"tns1:VideoSource/MotionAlarm"}),
        ("tns1:Device/tns1:Trigger/tns1:Relay", {"tns1:Device/Trigger/Relay"}),  # children as QNames
        # An alternative naming a topic this camera lacks is ignored while another matches.
        ("tns1:VideoAnalytics//.|tns1:RuleEngine/CellMotionDetector/Motion", {"tns1:RuleEngine/CellMotionDetector/Motion"}),
    ],
)
def test_concrete_set_selects_topics(expression, expected):
    flt = parse(topic(expression))
    assert admitted(flt) == expected
    assert {m.topic for m in passing(flt)} == expected


def test_topic_filter_includes_and_excludes_messages():
    flt = parse(topic("tns1:VideoSource/MotionAlarm|tns1:Device/Trigger//."))
    assert passing(flt) == [MOTION_1, MOTION_2, RELAY, INPUT]
    assert not flt.matches(TAMPER) and not flt.matches(CELL_1_2) and not flt.matches(PROFILE)


def test_the_ONVIF_dialect_alias_from_cores_example_is_accepted():
    flt = parse(topic("tns1:Media//.", "http://docs.oasis-open.org/wsnt/t-1/TopicExpression/ConcreteSet"))
    assert admitted(flt) == {"tns1:Media/ProfileChanged", "tns1:Media/ConfigurationChanged"}


def test_dialect_attribute_tolerates_surrounding_whitespace():
    assert admitted(parse(topic("tns1:Heartbeat", f"  {CONCRETE_SET}\n"))) == {"tns1:Heartbeat"}


@pytest.mark.parametrize(
    "expression, position",
    [
        ("tns1:VideoSource/*", 17),
        ("tns1:VideoSource/MotionAlarm/.", 29),
        ("tns1:VideoSource//MotionAlarm", 18),
        ("tns1://MotionAlarm", 0),
        ("tns1:*", 0),
        ("tns1:", 5),
        ("/tns1:VideoSource", 0),
        ("tns1:VideoSource/", 17),
        ("tns1:VideoSource//", 18),
        ("tns1:VideoSource/MotionAlarm||tns1:Heartbeat", 29),
        ("|tns1:Heartbeat", 0),
        ("tns1:Heartbeat|", 15),
        ("tns1:Video Source", 11),
        ("tns1:VideoSource/MotionAlarm]", 28),
        ("tns1:VideoSource[1]", 16),
        ("tns1:VideoSource/MotionAlarm and tns1:Heartbeat", 29),
    ],
)
def test_concrete_set_syntax_errors_point_at_the_mistake(expression, position):
    error = refused(INVALID_TOPIC_EXPRESSION, topic(expression))
    assert f"position {position}" in str(error)
    assert expression.strip()[:20] in str(error)


def test_undeclared_prefix_is_an_invalid_expression():
    error = refused(INVALID_TOPIC_EXPRESSION, topic("ev:VideoSource/MotionAlarm"))
    assert "'ev' is not declared" in str(error)


def test_undeclared_child_prefix_is_an_invalid_expression():
    refused(INVALID_TOPIC_EXPRESSION, topic("tns1:VideoSource/vendor:MotionAlarm"))


@pytest.mark.parametrize(
    "expression",
    [
        "tns1:VideoSource",  # a branch of the tree, not a topic: needs //.
        "tns1:VideoSource/MotionAlarm/Extra",
        "tns1:NoSuch//.",
        "tns1:VideoAnalytics//.|tns1:RuleEngine/LineDetector/Crossed",
        "VideoSource/MotionAlarm",  # no prefix and no default namespace: not the ONVIF topics
    ],
)
def test_expressions_naming_no_camera_topic_are_not_supported(expression):
    error = refused(TOPIC_NOT_SUPPORTED, topic(expression))
    assert "GetEventProperties" in str(error)


def test_a_prefix_bound_elsewhere_names_other_topics():
    refused(TOPIC_NOT_SUPPORTED, topic("v:VideoSource/MotionAlarm"), nsmap={"v": "http://vendor.example/topics"})
    # A declared tns1 wins over the convention that tns1 means the ONVIF namespace.
    element = etree.Element(f"{{{WSNT}}}Filter", nsmap={"wsnt": WSNT, "tns1": "http://vendor.example/topics"})
    expression = etree.SubElement(element, f"{{{WSNT}}}TopicExpression", Dialect=CONCRETE_SET)
    expression.text = "tns1:VideoSource/MotionAlarm"
    with pytest.raises(FilterError) as caught:
        parse_filter(element, REGISTRY)
    assert caught.value.fault == TOPIC_NOT_SUPPORTED


# --- topic expressions: prefixes the way clients declare them ----------------------------------


@pytest.mark.parametrize(
    "declaration, expression",
    [
        # On the TopicExpression element itself, with prefixes other than tns1.
        (f'xmlns:tns1="{TOPICS}"', "tns1:VideoSource/MotionAlarm"),
        (f'xmlns:ev="{TOPICS}"', "ev:VideoSource/MotionAlarm"),
        (f'xmlns:t="{TOPICS}"', "t:VideoSource/t:MotionAlarm"),
        (f'xmlns="{TOPICS}"', "VideoSource/MotionAlarm"),  # a QName in the default namespace
        ("", "tns1:VideoSource/MotionAlarm"),  # undeclared tns1, as zeep-based clients send it
    ],
)
def test_prefix_resolves_through_declarations_in_scope(declaration, expression):
    flt = parse_xml(
        f'<tev:Filter xmlns:tev="{NS["tev"]}" xmlns:n="{WSNT}">'
        f'<n:TopicExpression Dialect="{CONCRETE_SET}" {declaration}>{expression}</n:TopicExpression>'
        "</tev:Filter>"
    )
    assert passing(flt) == [MOTION_1, MOTION_2]


def test_declaration_on_the_envelope_is_in_scope():
    flt = parse_xml(
        f'<e:Envelope xmlns:e="{NS["s"]}" xmlns:x="{TOPICS}"><e:Body>'
        f'<Subscribe xmlns="{WSNT}"><Filter><TopicExpression Dialect="{CONCRETE_SET}">x:Device//.</TopicExpression>'
        "</Filter></Subscribe></e:Body></e:Envelope>"
    )
    assert passing(flt) == [RELAY, INPUT]


def test_the_core_spec_example_request():
    """CreatePullPointSubscription as the Core spec's Event chapter shows it (tt: left undeclared)."""
    flt = parse_xml(
        f"""<?xml version="1.0" encoding="UTF-8"?>
        <SOAP-ENV:Envelope xmlns:SOAP-ENV="{NS['s']}" xmlns:wsa="{NS['wsa']}"
            xmlns:wsnt="{WSNT}" xmlns:tet="{NS['tev']}" xmlns:tns1="{TOPICS}">
          <SOAP-ENV:Body>
            <tet:CreatePullPointSubscription>
              <tet:Filter>
                <wsnt:TopicExpression
                    Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">
                  tns1:RuleEngine//.
                </wsnt:TopicExpression>
                <wsnt:MessageContent
                    Dialect="http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter">
                  boolean(//tt:SimpleItem[@Name="VideoAnalyticsConfigurationToken"
                  and @Value="2"] ) and
                  boolean(//tt:SimpleItem[@Name="VideoSourceConfigurationToken"
                  and @Value="1"] )
                </wsnt:MessageContent>
              </tet:Filter>
              <tet:InitialTerminationTime>PT1M</tet:InitialTerminationTime>
            </tet:CreatePullPointSubscription>
          </SOAP-ENV:Body>
        </SOAP-ENV:Envelope>"""
    )
    assert passing(flt) == [CELL_1_2, FIELD_INSIDE]
    # Topic choice for the Initialized properties ignores the message content.
    assert admitted(flt) == {"tns1:RuleEngine/CellMotionDetector/Motion", FIELD.path}


@pytest.mark.parametrize(
    "body",
    [
        onveef.envelopes.events_create_pull_point_subscription(topic_filter="tns1:VideoSource/MotionAlarm"),
        onveef.envelopes.events_subscribe(
            consumer_address="http://127.0.0.1:9/notify", topic_filter="tns1:VideoSource/MotionAlarm"
        ),
    ],
    ids=["CreatePullPointSubscription", "Subscribe"],
)
def test_onveef_requests(body):
    flt = parse_xml(onveef.envelopes.build_envelope(body))
    assert passing(flt) == [MOTION_1, MOTION_2]


@pytest.fixture(scope="module")
def zeep_events():
    """zeep with the events WSDL bundled in onvif-zeep-async, as Home Assistant's ONVIF library loads it."""
    wsdl = os.path.join(os.path.dirname(onvif.__file__), "wsdl", "events.wsdl")
    client = zeep.Client(wsdl, settings=zeep.Settings(strict=False))
    service = client.create_service("{http://www.onvif.org/ver10/events/wsdl}EventBinding", "http://127.0.0.1:9/")
    return client, service


def test_zeep_request_with_undeclared_tns1(zeep_events):
    client, service = zeep_events
    element = client.get_element(f"{{{WSNT}}}TopicExpression")
    expression = xsd.AnyObject(element, element(_value_1="tns1:RuleEngine//.|tns1:Device/Trigger/Relay", Dialect=CONCRETE_SET))
    envelope = client.create_message(
        service, "CreatePullPointSubscription", Filter={"_value_1": [expression]}, InitialTerminationTime="PT60S"
    )
    serialized = etree.tostring(envelope)
    assert b"xmlns:tns1" not in serialized  # what makes the convention necessary
    flt = parse_xml(serialized)
    assert passing(flt) == [CELL_1_2, CELL_1_3, FIELD_INSIDE, RELAY]


# --- topic expressions: Concrete, Simple, Full ----------------------------------------------


def test_concrete_dialect_is_one_path():
    assert admitted(parse(topic("tns1:Device/Trigger/Relay", CONCRETE))) == {"tns1:Device/Trigger/Relay"}
    assert "'|'" in str(refused(INVALID_TOPIC_EXPRESSION, topic("tns1:Heartbeat|tns1:Device/Trigger/Relay", CONCRETE)))
    refused(INVALID_TOPIC_EXPRESSION, topic("tns1:Device//.", CONCRETE))
    refused(INVALID_TOPIC_EXPRESSION, topic("tns1:Device/*", CONCRETE))


def test_simple_dialect_is_one_root_topic():
    assert passing(parse(topic("tns1:Heartbeat", SIMPLE))) == [HEART]
    refused(INVALID_TOPIC_EXPRESSION, topic("tns1:Device/Trigger/Relay", SIMPLE))
    refused(TOPIC_NOT_SUPPORTED, topic("tns1:VideoSource", SIMPLE))


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("tns1:*", {"tns1:Heartbeat"}),
        ("*", {"tns1:Heartbeat"}),
        ("tns1:*//.", ALL_PATHS),
        ("tns1://*", ALL_PATHS),
        ("tns1://MotionAlarm", {"tns1:VideoSource/MotionAlarm"}),
        ("tns1:VideoSource/*", {"tns1:VideoSource/MotionAlarm"}),
        ("tns1:VideoSource/*//.", {"tns1:VideoSource/MotionAlarm", "tns1:VideoSource/GlobalSceneChange/ImagingService"}),
        ("tns1:*/*/Relay", {"tns1:Device/Trigger/Relay"}),
        ("tns1:Device//*", {"tns1:Device/Trigger/Relay", "tns1:Device/Trigger/DigitalInput"}),
        ("tns1:RuleEngine//Motion", {"tns1:RuleEngine/CellMotionDetector/Motion"}),
        ("tns1:Media/./ProfileChanged", {"tns1:Media/ProfileChanged"}),
        ("tns1:*/ProfileChanged|tns1:Heartbeat", {"tns1:Media/ProfileChanged", "tns1:Heartbeat"}),
    ],
)
def test_full_dialect_wildcards(expression, expected):
    assert admitted(parse(topic(expression, FULL))) == expected


def test_full_dialect_still_refuses_what_it_cannot_read():
    refused(INVALID_TOPIC_EXPRESSION, topic("tns1:VideoSource[MotionAlarm]", FULL))
    refused(INVALID_TOPIC_EXPRESSION, topic("tns1:*/**", FULL))
    refused(TOPIC_NOT_SUPPORTED, topic("tns1:*/*/*/*", FULL))


@pytest.mark.parametrize(
    "dialect",
    [
        "http://www.w3.org/TR/1999/REC-xpath-19991116",
        "http://docs.oasis-open.org/wsn/t-1/TopicExpression/Unknown",
        "",
    ],
)
def test_unknown_topic_dialect(dialect):
    error = refused(TOPIC_DIALECT_UNKNOWN, topic("tns1:Heartbeat", dialect))
    assert CONCRETE_SET in str(error)


def test_missing_topic_dialect():
    assert "no Dialect" in str(refused(TOPIC_DIALECT_UNKNOWN, topic("tns1:Heartbeat", None)))


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_empty_topic_expression(text):
    assert "empty" in str(refused(INVALID_TOPIC_EXPRESSION, topic(text)))


def test_topic_expression_with_child_elements():
    element = make_filter(topic("tns1:Heartbeat"))
    etree.SubElement(element[0], "{http://vendor.example}Extra")
    with pytest.raises(FilterError) as caught:
        parse_filter(element, REGISTRY)
    assert caught.value.fault == INVALID_TOPIC_EXPRESSION
    assert "child elements" in str(caught.value)


# --- several components: AND ----------------------------------------------------------------


def test_topic_expressions_are_anded():
    flt = parse(topic("tns1:VideoSource//."), topic("tns1:VideoSource/MotionAlarm|tns1:Heartbeat"))
    assert admitted(flt) == {"tns1:VideoSource/MotionAlarm"}
    assert passing(flt) == [MOTION_1, MOTION_2]


def test_topic_and_message_content_are_anded():
    flt = parse(topic("tns1:VideoSource//."), content('boolean(//tt:SimpleItem[@Name="Source" and @Value="VideoSource_1"])'))
    assert passing(flt) == [MOTION_1, TAMPER]
    assert admitted(flt) == {"tns1:VideoSource/MotionAlarm", "tns1:VideoSource/GlobalSceneChange/ImagingService"}


def test_message_contents_are_anded():
    flt = parse(
        content('boolean(//tt:SimpleItem[@Name="VideoSourceConfigurationToken" and @Value="1"])'),
        content('boolean(//tt:SimpleItem[@Name="VideoAnalyticsConfigurationToken" and @Value="3"])'),
    )
    assert passing(flt) == [CELL_1_3]
    assert admitted(flt) == ALL_PATHS  # content alone does not narrow the topics


# --- MessageContent: the ItemFilter dialect ---------------------------------------------------


@pytest.mark.parametrize(
    "expression, expected",
    [
        # The Core spec's examples, with straight quotes.
        ('boolean(//tt:SimpleItem[@Name="VideoSourceConfigurationToken" and @Value="1"])', [CELL_1_2, CELL_1_3, FIELD_INSIDE]),
        (
            'not( boolean(//tt:SimpleItem[@Name="VideoAnalyticsConfigurationToken"] ) )',
            [MOTION_1, MOTION_2, TAMPER, RELAY, INPUT, PROFILE, HEART],
        ),
        (
            ('boolean(//tt:SimpleItem[@Name="VideoAnalyticsConfigurationToken" and @Value="2"] ) \n'
            '  and boolean(//tt:SimpleItem[@Name="VideoSourceConfigurationToken" and @Value="1"] )'),
            [CELL_1_2, FIELD_INSIDE],
        ),
        (
            ('boolean(//tt:SimpleItem[@Name="VideoSourceConfigurationToken" and @Value="1"] )\n'
            '  and not(boolean(//tt:SimpleItem[@Name="VideoAnalyticsConfigurationToken"] ))'),
            [],
        ),
        (
            ('boolean(//tt:SimpleItem[@Name="IsInside" and @Value="true"] ) and \n'
            '  boolean(//tt:SimpleItem[@Name="Rule" and @Value="myImportantField"] )'),
            [FIELD_INSIDE],
        ),
        # Quotes, spacing, a bare name test, a value test alone.
        ("boolean(//tt:SimpleItem[@Name='Source' and @Value='VideoSource_2'])", [MOTION_2]),
        ("boolean( // tt:SimpleItem [ @Name = 'RelayToken' ] )", [RELAY]),
        ('boolean(//tt:SimpleItem[@Value="active"])', [RELAY]),
        ('boolean(//tt:SimpleItem[@Value="true"])', [MOTION_1, TAMPER, CELL_1_2, FIELD_INSIDE]),
        ('boolean(//SimpleItem[@Name="Token"])', [PROFILE]),  # the grammar's empty prefix
        # Boolean structure inside the predicate and outside it.
        ('boolean(//tt:SimpleItem[@Name="Source" and not(@Value="VideoSource_1")])', [MOTION_2]),
        ('boolean(//tt:SimpleItem[(@Name="RelayToken" or @Name="InputToken") and @Value="Input_1"])', [INPUT]),
        ('boolean(//tt:SimpleItem[@Name="Token"]) or boolean(//tt:SimpleItem[@Name="RelayToken"])', [RELAY, PROFILE]),
        (
            # 'and' binds tighter than 'or': A or (B and C)
            ('boolean(//tt:SimpleItem[@Name="Token"]) or boolean(//tt:SimpleItem[@Name="Source"])'
            ' and boolean(//tt:SimpleItem[@Value="false"])'),
            [MOTION_2, PROFILE],
        ),
        (
            ('(boolean(//tt:SimpleItem[@Name="Token"]) or boolean(//tt:SimpleItem[@Name="Source"]))'
            ' and boolean(//tt:SimpleItem[@Value="false"])'),
            [MOTION_2],
        ),
        ('not(not(boolean(//tt:SimpleItem[@Name="InputToken"])))', [INPUT]),
        # Items are matched whatever their group: Source, Key and Data alike ...
        ('boolean(//tt:SimpleItem[@Name="ObjectId" and @Value="15"])', [FIELD_INSIDE]),
        ('boolean(//tt:SimpleItem[@Name="State" and @Value="false"])', [MOTION_2]),
        # ... unless a group is named.
        ('boolean(//tt:Key/tt:SimpleItem[@Name="ObjectId"])', [FIELD_INSIDE]),
        ('boolean(//tt:Source/tt:SimpleItem[@Name="ObjectId"])', []),
        ('boolean(//tt:Data/tt:SimpleItem[@Name="IsInside"])', [FIELD_INSIDE]),
        ('boolean(//tt:Source/tt:SimpleItem[@Name="Source"])', [MOTION_1, MOTION_2, TAMPER]),
        ('boolean(//tt:Data/tt:SimpleItem[@Name="Source"])', []),
        # Messages on this bus carry no ElementItems.
        ('boolean(//tt:ElementItem[@Name="Object"])', []),
        ('not(boolean(//tt:ElementItem[@Name="Object"]))', list(MESSAGES)),
    ],
)
def test_item_filter(expression, expected):
    assert passing(parse(content(expression))) == expected


def test_item_prefix_resolves_through_declarations():
    expression = 'boolean(//s:SimpleItem[@Name="Token"])'
    assert passing(parse(content(expression), nsmap={"s": TT})) == [PROFILE]
    assert passing(parse(content('boolean(//tt:SimpleItem[@Name="Token"])'), nsmap={"tt": TT})) == [PROFILE]


def test_item_prefix_bound_to_another_namespace():
    error = refused(INVALID_MESSAGE_CONTENT, content('boolean(//tt:SimpleItem[@Name="Token"])'), nsmap={"tt": TOPICS})
    assert TT in str(error)


@pytest.mark.parametrize(
    "expression, position",
    [
        ('//tt:SimpleItem[@Name="x"]', 0),  # the grammar wants boolean(...)
        ('boolean(//tt:SimpleItem)', 23),
        ('boolean(//tt:SimpleItem[])', 24),
        ('boolean(tt:SimpleItem[@Name="x"])', 8),
        ('boolean(//tt:Message/tt:SimpleItem[@Name="x"])', 10),
        ('boolean(//tt:Source/tt:Data/tt:SimpleItem[@Name="x"])', 20),
        ('boolean(//tt:Source[@Name="x"])', 19),
        ('boolean(//tt:SimpleItem[@Type="x"])', 25),
        ('boolean(//tt:SimpleItem[@Name=x])', 30),
        ('boolean(//tt:SimpleItem[@Name="x" xor @Value="y"])', 34),
        ('boolean(//tt:SimpleItem[@Name!="x"])', 29),
        ('boolean(//tt:SimpleItem[@Name="x"]', 34),
        ('boolean(//tt:SimpleItem[@Name="x"]))', 35),
        ('boolean(//tt:SimpleItem[@Name="x"]) and', 39),
        ('boolean(//tt:SimpleItem[@Name="x"]) boolean(//tt:SimpleItem[@Name="y"])', 36),
        ('not boolean(//tt:SimpleItem[@Name="x"])', 0),
        ('contains(//tt:SimpleItem[@Name="x"], "y")', 0),
        ('boolean(//tt:SimpleItem[@Name="x"] | //tt:SimpleItem)', 35),
        ("()", 1),
        ('boolean(//tt:SimpleItem[@Name="x])', 30),
        ("boolean(//tt:SimpleItem[@Name=\u201dx\u201d])", 30),  # typographic quotes copied from the PDF
        ('boolean(//xx:SimpleItem[@Name="x"])', 10),
        ('boolean(//[@Name="x"])', 10),
    ],
)
def test_item_filter_syntax_errors_point_at_the_mistake(expression, position):
    error = refused(INVALID_MESSAGE_CONTENT, content(expression))
    assert f"position {position}" in str(error), str(error)


@pytest.mark.parametrize("dialect", ["http://www.w3.org/TR/1999/REC-xpath-19991116", "", CONCRETE_SET])
def test_unknown_message_content_dialect(dialect):
    # b-2.xsd defines no MessageContent dialect fault, so InvalidMessageContentExpressionFault it is.
    error = refused(INVALID_MESSAGE_CONTENT, content('boolean(//tt:SimpleItem[@Name="x"])', dialect))
    assert ITEM_FILTER in str(error)


def test_missing_message_content_dialect():
    assert "no Dialect" in str(refused(INVALID_MESSAGE_CONTENT, content('boolean(//tt:SimpleItem[@Name="x"])', None)))


def test_empty_message_content():
    refused(INVALID_MESSAGE_CONTENT, content("  "))


# --- the Filter element itself -----------------------------------------------------------------


def test_unknown_component_is_an_invalid_filter():
    element = make_filter(topic("tns1:Heartbeat"))
    etree.SubElement(element, "{http://vendor.example}Region").text = "x"
    with pytest.raises(FilterError) as caught:
        parse_filter(element, REGISTRY)
    assert caught.value.fault == INVALID_FILTER
    assert caught.value.unknown_filter == "{http://vendor.example}Region"
    assert "{http://vendor.example}Region" in str(caught.value)


def test_producer_properties_are_not_supported():
    error = refused(INVALID_FILTER, ("ProducerProperties", "http://www.w3.org/TR/1999/REC-xpath-19991116", "true()"))
    assert error.unknown_filter == f"{{{WSNT}}}ProducerProperties"


def test_too_many_components():
    refused(INVALID_FILTER, *[topic("tns1:Heartbeat")] * (MAX_COMPONENTS + 1))
    assert passing(parse(*[topic("tns1:Heartbeat")] * MAX_COMPONENTS)) == [HEART]


# --- hostile input -------------------------------------------------------------------------------


@pytest.mark.parametrize("component", [topic, content])
def test_huge_expression_is_refused_before_parsing(component):
    error = refused(
        INVALID_TOPIC_EXPRESSION if component is topic else INVALID_MESSAGE_CONTENT,
        component("tns1:VideoSource/" * 100_000),
    )
    assert str(MAX_EXPRESSION_CHARS) in str(error)


def test_expression_at_the_length_limit_is_parsed():
    alternatives = "|".join(["tns1:VideoSource/MotionAlarm"] * (MAX_EXPRESSION_CHARS // 29))
    assert len(alternatives) <= MAX_EXPRESSION_CHARS
    assert admitted(parse(topic(alternatives))) == {"tns1:VideoSource/MotionAlarm"}
    terms = " or ".join(['boolean(//tt:SimpleItem[@Name="Token"])'] * (MAX_EXPRESSION_CHARS // 44))
    assert len(terms) <= MAX_EXPRESSION_CHARS
    assert passing(parse(content(terms))) == [PROFILE]


@pytest.mark.parametrize(
    "expression",
    [
        "(" * 4000,
        "not(" * 1000,
        "(" * 2000 + 'boolean(//tt:SimpleItem[@Name="x"])' + ")" * 2000,
        'boolean(//tt:SimpleItem[' + "(" * 2000 + '@Name="x"' + ")" * 2000 + "])",
    ],
)
def test_deep_nesting_is_refused_without_recursion_errors(expression):
    error = refused(INVALID_MESSAGE_CONTENT, content(expression[:MAX_EXPRESSION_CHARS]))
    assert f"deeper than {MAX_NESTING}" in str(error)


def test_nesting_up_to_the_limit_is_parsed():
    # boolean( and [ are two levels, so MAX_NESTING - 2 not()s fit around one item test.
    def negated(times: int) -> str:
        return "not(" * times + 'boolean(//tt:SimpleItem[@Name="Token"])' + ")" * times

    assert (MAX_NESTING - 2) % 2 == 0  # an even number of negations keeps the meaning
    assert passing(parse(content(negated(MAX_NESTING - 2)))) == [PROFILE]
    refused(INVALID_MESSAGE_CONTENT, content(negated(MAX_NESTING - 1)))


def test_long_wildcard_chain_is_evaluated_cheaply():
    # Every "//*" multiplies the paths a naive matcher would try; the set walk stays linear.
    refused(TOPIC_NOT_SUPPORTED, topic("tns1:*" + "//*" * 1300, FULL))


def test_deeply_nested_xml_inside_a_component():
    element = make_filter(topic("tns1:Heartbeat"))
    node = element[0]
    for _ in range(200):
        node = etree.SubElement(node, "{http://vendor.example}x")
    with pytest.raises(FilterError) as caught:
        parse_filter(element, REGISTRY)
    assert caught.value.fault == INVALID_TOPIC_EXPRESSION


# --- properties: generated ItemFilter expressions against a reference evaluator ----------------

ITEM_NAMES = ["Source", "State", "Rule", "ObjectId", "and", "it's", 'say "hi"']
ITEM_VALUES = ["VideoSource_1", "true", "false", "", "1", "not(", "x'y"]

comparisons = st.tuples(st.just("eq"), st.sampled_from(["Name", "Value"]), st.sampled_from(ITEM_NAMES + ITEM_VALUES))


def _combinations(inner):
    return st.one_of(
        st.tuples(st.just("not"), inner),
        st.tuples(st.just("paren"), inner),
        st.tuples(st.just("and"), st.lists(inner, min_size=2, max_size=3).map(tuple)),
        st.tuples(st.just("or"), st.lists(inner, min_size=2, max_size=3).map(tuple)),
    )


predicates = st.recursive(comparisons, _combinations, max_leaves=5)
item_tests = st.tuples(
    st.just("item"),
    st.sampled_from(["SimpleItem", "SimpleItem", "ElementItem"]),
    st.sampled_from([None, "Source", "Key", "Data"]),
    predicates,
)
expressions = st.recursive(item_tests, _combinations, max_leaves=4)

item_lists = st.lists(st.tuples(st.sampled_from(ITEM_NAMES), st.sampled_from(ITEM_VALUES)), max_size=3).map(tuple)
messages = st.builds(
    lambda s, k, d: Message("tns1:Heartbeat", NOW, source=s, key=k, data=d), item_lists, item_lists, item_lists
)


def reference(node, subject) -> bool:
    """What the expression means, straight from the Core grammar and XPath 1.0."""
    kind = node[0]
    if kind == "eq":
        name, value = subject
        return (name if node[1] == "Name" else value) == node[2]
    if kind == "item":
        _, element, group, predicate = node
        if element == "ElementItem":
            return False
        groups = [group.lower()] if group else ["source", "key", "data"]
        return any(reference(predicate, item) for g in groups for item in getattr(subject, g))
    if kind == "not":
        return not reference(node[1], subject)
    if kind == "paren":
        return reference(node[1], subject)
    results = [reference(part, subject) for part in node[1]]
    return all(results) if kind == "and" else any(results)


def render(node, prefix: str, space: str) -> str:
    kind = node[0]
    if kind == "eq":
        value = node[2]
        quote = "'" if '"' in value else '"'
        return f"@{node[1]}{space}={space}{quote}{value}{quote}"
    if kind == "item":
        _, element, group, predicate = node
        path = f"{prefix}{group}/{prefix}{element}" if group else f"{prefix}{element}"
        return f"boolean({space}//{path}[{space}{render(predicate, prefix, space)}{space}]{space})"
    if kind == "not":
        return f"not({space}{render(node[1], prefix, space)}{space})"
    if kind == "paren":
        return f"({space}{render(node[1], prefix, space)}{space})"
    parts = [render(part, prefix, space) for part in node[1]]
    if kind == "and":  # an 'or' operand needs parentheses to stay one operand
        parts = [f"({p})" if part[0] == "or" else p for p, part in zip(parts, node[1])]
    return f" {kind} ".join(parts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    expression=expressions,
    prefix=st.sampled_from(["tt:", "s:", "", "tt:"]),
    space=st.sampled_from(["", " ", "\n    "]),
    samples=st.lists(messages, min_size=1, max_size=6),
)
def test_item_filter_agrees_with_the_reference(expression, prefix, space, samples):
    text = render(expression, prefix, space)
    nsmap = {"s": TT} if prefix == "s:" else None
    if len(text) > MAX_EXPRESSION_CHARS:
        return
    try:
        flt = parse(content(text), nsmap=nsmap)
    except FilterError as error:  # only nesting past the limit may be refused
        assert f"deeper than {MAX_NESTING}" in str(error), (text, str(error))
        return
    for message in samples:
        assert flt.matches(message) == reference(expression, message), text


# --- properties: generated topic expressions against a reference matcher -------------------------

LOCALS = sorted({part.rpartition(":")[2] for t in REGISTRY for part in t.path.split("/")})
BRANCHES = sorted({"/".join(t.path.split("/")[:n]) for t in REGISTRY for n in range(1, len(t.parts) + 1)})


@settings(max_examples=300, deadline=None)
@given(
    alternatives=st.lists(
        st.tuples(st.sampled_from(BRANCHES + ["tns1:NoSuch", "tns1:VideoSource/NoSuch"]), st.booleans()),
        min_size=1,
        max_size=4,
    ),
    space=st.sampled_from(["", " ", "\n  "]),
)
def test_concrete_set_agrees_with_the_reference(alternatives, space):
    text = f"{space}|{space}".join(path + ("//." if subtree else "") for path, subtree in alternatives)
    expected = {
        t.path
        for t in REGISTRY
        for path, subtree in alternatives
        if t.path == path or (subtree and t.path.startswith(path + "/"))
    }
    if not expected:
        refused(TOPIC_NOT_SUPPORTED, topic(text))
        return
    flt = parse(topic(text))
    assert admitted(flt) == expected
    assert {m.topic for m in passing(flt)} == expected & {m.topic for m in MESSAGES}


full_steps = st.tuples(st.booleans(), st.sampled_from(LOCALS + ["*", "*", "."]))


def full_reference(root: tuple[bool, str], children: list[tuple[bool, str]]) -> re.Pattern[str]:
    """The Full path as a regular expression over "VideoSource/MotionAlarm"-style local paths."""
    def test(name: str) -> str:
        return "[^/]+" if name == "*" else re.escape(name)

    pattern = ("(?:[^/]+/)*" if root[0] else "") + test(root[1])
    for descendant, name in children:
        if name == ".":
            pattern += "(?:/[^/]+)*" if descendant else ""
        else:
            pattern += ("(?:/[^/]+)*/" if descendant else "/") + test(name)
    return re.compile(pattern)


@settings(max_examples=300, deadline=None)
@given(
    root=st.tuples(st.booleans(), st.sampled_from(LOCALS + ["*"])),
    children=st.lists(full_steps, max_size=4),
)
def test_full_dialect_agrees_with_the_reference(root, children):
    text = "tns1:" + ("//" if root[0] else "") + root[1]
    text += "".join(("//" if descendant else "/") + name for descendant, name in children)
    pattern = full_reference(root, children)
    expected = {t.path for t in REGISTRY if pattern.fullmatch(t.path.removeprefix("tns1:"))}
    if not expected:
        refused(TOPIC_NOT_SUPPORTED, topic(text, FULL))
        return
    assert admitted(parse(topic(text, FULL))) == expected


# --- fuzz: nothing but FilterError, whatever the text ------------------------------------------

GRAMMAR_PIECES = [
    "boolean(", "not(", "(", ")", "[", "]", "//", "/", "@Name", "@Value", "=", '"x"', "'y'", " and ", " or ",
    "tt:SimpleItem", "tt:Source", "tt:ElementItem", "tns1:", "VideoSource", "MotionAlarm", "*", ".", "|", " ", '"', "x:",
]
xml_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=60)
fuzz_text = st.one_of(xml_text, st.lists(st.sampled_from(GRAMMAR_PIECES), max_size=25).map("".join))


@settings(max_examples=400, deadline=None)
@given(text=fuzz_text, dialect=st.sampled_from([CONCRETE_SET, CONCRETE, SIMPLE, FULL]))
def test_topic_parser_only_raises_filter_error(text, dialect):
    try:
        flt = parse(topic(text, dialect))
    except FilterError as error:
        assert error.fault in (INVALID_TOPIC_EXPRESSION, TOPIC_NOT_SUPPORTED)
        return
    assert admitted(flt)  # accepted means it selects some topic


@settings(max_examples=400, deadline=None)
@given(text=fuzz_text)
def test_item_filter_parser_only_raises_filter_error(text):
    try:
        flt = parse(content(text))
    except FilterError as error:
        assert error.fault == INVALID_MESSAGE_CONTENT
        return
    for message in MESSAGES:
        assert isinstance(flt.matches(message), bool)
