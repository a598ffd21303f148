"""Messages we build, read back by the WSDiscovery package's own parser."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree
from wsdiscovery.message import parseSOAPMessage
from wsdiscovery.namespaces import (
    NS_ACTION_BYE,
    NS_ACTION_HELLO,
    NS_ACTION_PROBE,
    NS_ACTION_PROBE_MATCH,
    NS_ACTION_RESOLVE,
    NS_ACTION_RESOLVE_MATCH,
    NS_ADDRESS_ALL,
    NS_ADDRESS_UNKNOWN,
)
from wsdiscovery.qname import QName as WsdQName
from wsdiscovery.scope import Scope as WsdScope
from wsdiscovery.service import Service
from wsdiscovery.util import filterServices

from onvif_device.discovery import (
    ANONYMOUS,
    MATCH_BY_STRCMP0,
    MULTICAST_TO,
    NETWORK_VIDEO_TRANSMITTER,
    SUPPORTED_MATCH_RULES,
    AppSequence,
    Device,
    MatchingRuleNotSupported,
    Probe,
    QName,
    Resolve,
    bye,
    hello,
    matches,
    matching_rule_not_supported,
    parse_message,
    probe,
    probe_matches,
    resolve,
    resolve_matches,
)

NETWORK = "http://www.onvif.org/ver10/network/wsdl"
DEVICE = "http://www.onvif.org/ver10/device/wsdl"
TYPE_NAMES = [f"{NETWORK}:NetworkVideoTransmitter", f"{DEVICE}:Device"]  # wsdiscovery's QName.getFullname()
PROBE_ID = "urn:uuid:11111111-2222-4333-8444-555555555555"
CLIENT = "urn:uuid:0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"


def read_back(datagram: bytes) -> Any:  # a wsdiscovery SoapEnvelope
    assert datagram.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    envelope = parseSOAPMessage(datagram, "192.0.2.99")
    assert envelope is not None, "the WSDiscovery package could not parse the message"
    return envelope


def assert_describes(match: Any, device: Device) -> None:  # match: a wsdiscovery ProbeResolveMatch
    assert match.getEPR() == device.endpoint
    assert [t.getFullname() for t in match.getTypes()] == TYPE_NAMES
    assert [s.getValue() for s in match.getScopes()] == [s.replace("%20", " ") for s in device.scopes]
    assert match.getXAddrs() == list(device.xaddrs)
    assert match.getMetadataVersion() == str(device.metadata_version)


def test_hello(device: Device, sequence: AppSequence) -> None:
    env = read_back(hello(device, sequence, message_id="urn:uuid:00000000-0000-4000-8000-000000000001"))
    assert env.getAction() == NS_ACTION_HELLO
    assert env.getTo() == NS_ADDRESS_ALL == MULTICAST_TO
    assert env.getMessageId() == "urn:uuid:00000000-0000-4000-8000-000000000001"
    assert (env.getInstanceId(), env.getMessageNumber()) == ("1700000000", "1")
    assert env.getEPR() == device.endpoint
    assert [t.getFullname() for t in env.getTypes()] == TYPE_NAMES
    assert [s.getValue() for s in env.getScopes()][-2:] == [
        "onvif://www.onvif.org/name/Virtual Camera",  # the package decodes %20 itself
        "onvif://www.onvif.org/location/country/japan",
    ]
    assert env.getXAddrs() == list(device.xaddrs)
    assert env.getMetadataVersion() == "3"


def test_bye(device: Device, sequence: AppSequence) -> None:
    hello(device, sequence)
    env = read_back(bye(device, sequence))
    assert env.getAction() == NS_ACTION_BYE
    assert env.getTo() == MULTICAST_TO
    assert env.getEPR() == device.endpoint
    assert env.getMessageId().startswith("urn:uuid:")
    assert (env.getInstanceId(), env.getMessageNumber()) == ("1700000000", "2")


def test_probe_matches_for_one_camera(device: Device, sequence: AppSequence) -> None:
    env = read_back(probe_matches(device, relates_to=PROBE_ID, app_sequence=sequence))
    assert env.getAction() == NS_ACTION_PROBE_MATCH
    assert env.getRelatesTo() == PROBE_ID
    assert env.getTo() == NS_ADDRESS_UNKNOWN == ANONYMOUS
    assert (env.getInstanceId(), env.getMessageNumber()) == ("1700000000", "1")
    [match] = env.getProbeResolveMatches()
    assert_describes(match, device)


def test_probe_matches_for_several_cameras(device: Device, sequence: AppSequence) -> None:
    second = Device(
        "urn:uuid:6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0c",
        ("onvif://www.onvif.org/name/Second",),
        ("http://192.0.2.11:8000/onvif/device_service", "https://192.0.2.11:8443/onvif/device_service"),
        metadata_version=7,
    )
    env = read_back(probe_matches([device, second], relates_to=PROBE_ID, app_sequence=sequence))
    first_match, second_match = env.getProbeResolveMatches()
    assert_describes(first_match, device)
    assert_describes(second_match, second)


def test_probe_matches_replies_to_the_reply_to_address(device: Device, sequence: AppSequence) -> None:
    env = read_back(probe_matches(device, relates_to=PROBE_ID, app_sequence=sequence, to=CLIENT))
    assert env.getTo() == CLIENT


def test_probe_matches_needs_a_device(sequence: AppSequence) -> None:
    with pytest.raises(ValueError, match="at least one device"):
        probe_matches([], relates_to=PROBE_ID, app_sequence=sequence)


def test_resolve_matches(device: Device, sequence: AppSequence) -> None:
    env = read_back(resolve_matches(device, relates_to=PROBE_ID, app_sequence=sequence))
    assert env.getAction() == NS_ACTION_RESOLVE_MATCH
    assert (env.getRelatesTo(), env.getTo()) == (PROBE_ID, ANONYMOUS)
    [match] = env.getProbeResolveMatches()
    assert_describes(match, device)


def test_probe_and_resolve_for_tests_and_tools() -> None:
    custom = QName("urn:acme:cameras", "Thermal")
    datagram = probe(
        [NETWORK_VIDEO_TRANSMITTER, custom],
        ["onvif://www.onvif.org/Profile/T"],
        match_by=MATCH_BY_STRCMP0,
        reply_to=ANONYMOUS,
        message_id=PROBE_ID,
    )
    env = read_back(datagram)
    assert env.getAction() == NS_ACTION_PROBE
    assert [t.getFullname() for t in env.getTypes()] == [
        f"{NETWORK}:NetworkVideoTransmitter",
        "urn:acme:cameras:Thermal",
    ]
    assert [(s.getValue(), s.getMatchBy()) for s in env.getScopes()] == [
        ("onvif://www.onvif.org/Profile/T", MATCH_BY_STRCMP0)
    ]
    assert parse_message(datagram) == Probe(
        PROBE_ID, ANONYMOUS, (NETWORK_VIDEO_TRANSMITTER, custom), ("onvif://www.onvif.org/Profile/T",), MATCH_BY_STRCMP0
    )
    env = read_back(resolve("urn:uuid:6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b", message_id=PROBE_ID))
    assert (env.getAction(), env.getEPR()) == (NS_ACTION_RESOLVE, "urn:uuid:6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b")
    assert parse_message(resolve("urn:uuid:6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b", message_id=PROBE_ID)) == Resolve(
        PROBE_ID, None, "urn:uuid:6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
    )


def test_home_assistant_search_end_to_end_in_memory(device: Device, sequence: AppSequence) -> None:
    # The package's probe in, our answer out, and the package's own filter keeps us.
    from wsdiscovery.actions import constructProbe
    from wsdiscovery.message import createSOAPMessage

    streaming = WsdScope("onvif://www.onvif.org/Profile/Streaming")
    request = parse_message(createSOAPMessage(constructProbe([], [streaming])).encode())
    assert isinstance(request, Probe) and matches(request, device)
    env = read_back(probe_matches(device, relates_to=request.message_id, to=request.reply_to, app_sequence=sequence))
    assert env.getRelatesTo() == request.message_id
    [match] = env.getProbeResolveMatches()
    found = Service(match.getTypes(), match.getScopes(), match.getXAddrs(), match.getEPR(), 0)
    wanted_type = WsdQName(NETWORK, "NetworkVideoTransmitter")
    assert filterServices([found], [wanted_type], [streaming]) == [found]


GOLDEN_PROBE_MATCHES = (
    b"<?xml version='1.0' encoding='UTF-8'?>\n"
    b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"'
    b' xmlns:wsadis="http://schemas.xmlsoap.org/ws/2004/08/addressing"'
    b' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"'
    b' xmlns:dn="http://www.onvif.org/ver10/network/wsdl"'
    b' xmlns:tds="http://www.onvif.org/ver10/device/wsdl">'
    b"<s:Header>"
    b"<wsadis:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsadis:Action>"
    b"<wsadis:MessageID>urn:uuid:00000000-0000-4000-8000-000000000002</wsadis:MessageID>"
    b"<wsadis:RelatesTo>uuid:6b0d5ac4-2b9c-4d3a-9a32-0f0b2f7c1e55</wsadis:RelatesTo>"
    b"<wsadis:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsadis:To>"
    b'<d:AppSequence InstanceId="42" SequenceId="urn:uuid:00000000-0000-4000-8000-00000000000a" MessageNumber="1"/>'
    b"</s:Header>"
    b"<s:Body><d:ProbeMatches><d:ProbeMatch>"
    b"<wsadis:EndpointReference><wsadis:Address>urn:uuid:6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b</wsadis:Address>"
    b"</wsadis:EndpointReference>"
    b"<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>"
    b"<d:Scopes>onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/name/Cam</d:Scopes>"
    b"<d:XAddrs>http://192.0.2.10/onvif/device_service</d:XAddrs>"
    b"<d:MetadataVersion>1</d:MetadataVersion>"
    b"</d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>"
)


def test_probe_matches_bytes_are_stable() -> None:
    device = Device(
        "urn:uuid:6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
        ("onvif://www.onvif.org/Profile/Streaming", "onvif://www.onvif.org/name/Cam"),
        ("http://192.0.2.10/onvif/device_service",),
    )
    sequence = AppSequence(42, sequence_id="urn:uuid:00000000-0000-4000-8000-00000000000a")
    datagram = probe_matches(
        device,
        relates_to="uuid:6b0d5ac4-2b9c-4d3a-9a32-0f0b2f7c1e55",
        app_sequence=sequence,
        message_id="urn:uuid:00000000-0000-4000-8000-000000000002",
    )
    assert datagram == GOLDEN_PROBE_MATCHES


def test_matching_rule_not_supported_fault() -> None:
    error = MatchingRuleNotSupported("urn:acme:fuzzy", SUPPORTED_MATCH_RULES)
    datagram = matching_rule_not_supported(error, relates_to=PROBE_ID)
    # The WSDiscovery client recognises a fault (and drops it).
    assert parseSOAPMessage(datagram, "192.0.2.99") is None
    ns = {
        "s": "http://www.w3.org/2003/05/soap-envelope",
        "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
        "d": "http://schemas.xmlsoap.org/ws/2005/04/discovery",
    }
    root = etree.fromstring(datagram)

    def text(path: str) -> str:
        return root.findtext(path, default="<absent>", namespaces=ns)

    assert text("s:Header/a:Action") == "http://schemas.xmlsoap.org/ws/2005/04/discovery/fault"
    assert text("s:Header/a:RelatesTo") == PROBE_ID
    assert text("s:Header/a:To") == ANONYMOUS
    assert text("s:Body/s:Fault/s:Code/s:Value") == "s:Sender"
    assert text("s:Body/s:Fault/s:Code/s:Subcode/s:Value") == "d:MatchingRuleNotSupported"
    assert text("s:Body/s:Fault/s:Detail/d:SupportedMatchingRules").split() == list(SUPPORTED_MATCH_RULES)
    assert root.xpath("string(s:Body/s:Fault/s:Reason/s:Text/@xml:lang)", namespaces=ns) == "en"


def test_app_sequence_counts_every_message(device: Device) -> None:
    sequence = AppSequence(clock=lambda: 1_700_000_123.9)
    numbers = [
        read_back(message).getMessageNumber()
        for message in (
            hello(device, sequence),
            probe_matches(device, relates_to=PROBE_ID, app_sequence=sequence),
            resolve_matches(device, relates_to=PROBE_ID, app_sequence=sequence),
            bye(device, sequence),
        )
    ]
    assert numbers == ["1", "2", "3", "4"]
    assert sequence.instance_id == 1_700_000_123


@pytest.mark.parametrize("instance_id", [-1, 2**32])
def test_app_sequence_instance_id_is_an_unsigned_int(instance_id: int) -> None:
    with pytest.raises(ValueError, match="xs:unsignedInt"):
        AppSequence(instance_id)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"endpoint": "uuid:6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"}, "must be urn:uuid:"),
        ({"endpoint": "urn:uuid:not-a-uuid"}, "must be urn:uuid:"),
        ({"scopes": ("onvif://www.onvif.org/name/Two Words",)}, "without whitespace"),
        ({"scopes": ("",)}, "non-empty URI"),
        ({"xaddrs": ()}, "at least one XAddr"),
        ({"xaddrs": ("http://a/ http://b/",)}, "without whitespace"),
        ({"metadata_version": -1}, "xs:unsignedInt"),
        ({"types": ()}, "non-empty tuple of QName"),
    ],
)
def test_device_refuses_what_clients_would_choke_on(device: Device, changes: dict[str, object], reason: str) -> None:
    fields = {
        "endpoint": device.endpoint,
        "scopes": device.scopes,
        "xaddrs": device.xaddrs,
        "metadata_version": device.metadata_version,
        "types": device.types,
    }
    with pytest.raises(ValueError, match=reason):
        Device(**{**fields, **changes})  # type: ignore[arg-type]


def test_device_accepts_lists_and_stays_hashable(device: Device) -> None:
    from_lists = Device(device.endpoint, list(device.scopes), list(device.xaddrs))  # type: ignore[arg-type]
    assert from_lists.scopes == device.scopes and from_lists.xaddrs == device.xaddrs
    assert hash(from_lists) == hash(Device(device.endpoint, device.scopes, device.xaddrs))


def test_qname_refuses_a_bad_local_name() -> None:
    for local in ("", "a:b", "two words"):
        with pytest.raises(ValueError, match="not a valid local name"):
            QName("urn:x", local)


def test_probe_shapes_round_trip() -> None:
    loose = QName("", "NetworkVideoTransmitter")
    cases = [
        (probe(message_id=PROBE_ID), Probe(PROBE_ID)),
        (probe(match_by=MATCH_BY_STRCMP0, message_id=PROBE_ID), Probe(PROBE_ID, match_by=MATCH_BY_STRCMP0)),
        (probe(scopes=["onvif://a/b"], message_id=PROBE_ID), Probe(PROBE_ID, scopes=("onvif://a/b",))),
        (probe([loose], message_id=PROBE_ID), Probe(PROBE_ID, types=(loose,))),
    ]
    for datagram, expected in cases:
        assert parse_message(datagram) == expected
    assert b"<d:Types>NetworkVideoTransmitter</d:Types>" in cases[-1][0]


def test_a_device_without_scopes_sends_no_scopes_element(device: Device, sequence: AppSequence) -> None:
    bare = Device(device.endpoint, (), device.xaddrs)
    datagram = hello(bare, sequence)
    assert b"Scopes" not in datagram
    assert read_back(datagram).getScopes() == []


def test_qname_prints_in_clark_notation() -> None:
    assert str(NETWORK_VIDEO_TRANSMITTER) == "{http://www.onvif.org/ver10/network/wsdl}NetworkVideoTransmitter"
