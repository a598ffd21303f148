"""Reading probes and resolves in the shapes real clients send."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from wsdiscovery.actions import constructProbe
from wsdiscovery.message import createSOAPMessage
from wsdiscovery.qname import QName as WsdQName
from wsdiscovery.scope import Scope as WsdScope

from onvif_device.discovery import (
    ANONYMOUS,
    DEFAULT_MATCH_BY,
    DEVICE_SERVICE,
    MATCH_BY_RFC3986,
    MATCH_BY_STRCMP0,
    NETWORK_VIDEO_TRANSMITTER,
    AppSequence,
    Device,
    DiscoveryError,
    NotARequest,
    Probe,
    QName,
    Resolve,
    hello,
    matches,
    parse_message,
    probe_matches,
)

NVT = NETWORK_VIDEO_TRANSMITTER
DEV = DEVICE_SERVICE
NETWORK = "http://www.onvif.org/ver10/network/wsdl"


def parse_probe(datagram: bytes) -> Probe:
    request = parse_message(datagram)
    assert isinstance(request, Probe)
    return request


# file, the Probe it holds
CLIENT_PROBES: list[tuple[str, Probe]] = [
    ("wcf_odm.xml", Probe("uuid:6b0d5ac4-2b9c-4d3a-9a32-0f0b2f7c1e55", ANONYMOUS, (NVT,))),
    ("onvif_rs_nvt.xml", Probe("uuid:0f5d6a0e-8c1b-4a57-b2de-51f0c3d7e901", ANONYMOUS, (NVT,))),
    ("onvif_rs_device.xml", Probe("uuid:77c2e1aa-3f40-4d0b-9c8e-2b6a5d4f1c30", ANONYMOUS, (DEV,))),
    ("agsh_onvif.xml", Probe("urn:uuid:3e6f9d2c-5a71-4b8e-a0c4-9d1e2f3a4b5c", None, (NVT,))),
    ("gsoap_tds_device.xml", Probe("urn:uuid:a1b2c3d4-0001-4000-8000-00000000d15c", ANONYMOUS, (DEV,))),
    ("both_types.xml", Probe("urn:uuid:c0ffee00-1234-4abc-8def-0123456789ab", None, (NVT, DEV))),
    ("ns1_prefix.xml", Probe("urn:uuid:5d1c7b9e-2f3a-4e6d-8b0c-1a2b3c4d5e6f", None, (NVT,))),
    ("default_ns_type.xml", Probe("urn:uuid:9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", None, (NVT,))),
    ("undeclared_prefix.xml", Probe("urn:uuid:0badc0de-0000-4000-8000-000000000001", None, (NVT,))),
    ("empty_probe.xml", Probe("urn:uuid:e7a1c3b5-9d2f-4e6a-8b1c-3d5f7a9c1e2b")),
    (
        "scoped_rfc3986.xml",
        Probe(
            "urn:uuid:11111111-2222-4333-8444-555555555555",
            ANONYMOUS,
            (NVT,),
            ("onvif://www.onvif.org/type/video_encoder", "ONVIF://WWW.ONVIF.ORG/location/country/"),
            MATCH_BY_RFC3986,
        ),
    ),
    (
        "scoped_strcmp0.xml",
        Probe(
            "urn:uuid:22222222-3333-4444-8555-666666666666",
            ANONYMOUS,
            (NVT,),
            ("onvif://www.onvif.org/type/video_encoder", "onvif://www.onvif.org/location/country/japan"),
            MATCH_BY_STRCMP0,
        ),
    ),
]


@pytest.mark.parametrize(("name", "expected"), CLIENT_PROBES, ids=[name for name, _ in CLIENT_PROBES])
def test_client_probe_is_read_and_answered(
    name: str, expected: Probe, capture: Callable[[str], bytes], device: Device
) -> None:
    request = parse_probe(capture(name))
    assert request == expected
    assert matches(request, device)


@pytest.mark.parametrize(("name", "expected"), CLIENT_PROBES, ids=[name for name, _ in CLIENT_PROBES])
def test_client_probe_is_read_the_same_in_utf16_and_with_a_bom(
    name: str, expected: Probe, capture: Callable[[str], bytes]
) -> None:
    text = capture(name).decode("utf-8")
    if text.startswith("<?xml"):  # the declaration must name the new encoding
        text = text[text.index("?>") + 2 :]
    assert parse_message(b"\xef\xbb\xbf" + text.encode("utf-8")) == expected
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?>' + text).encode("utf-16")
    assert parse_message(utf16) == expected


def test_a_camera_without_the_probed_type_stays_silent(capture: Callable[[str], bytes], device: Device) -> None:
    display = Device(device.endpoint, device.scopes, device.xaddrs, types=(QName(NETWORK, "NetworkVideoDisplay"),))
    device_only = Device(device.endpoint, device.scopes, device.xaddrs, types=(DEV,))
    nvt_probe = parse_probe(capture("wcf_odm.xml"))
    tds_probe = parse_probe(capture("gsoap_tds_device.xml"))
    both_probe = parse_probe(capture("both_types.xml"))
    assert not matches(nvt_probe, display)
    assert not matches(nvt_probe, device_only)
    assert matches(tds_probe, device_only)
    assert not matches(both_probe, device_only)
    assert matches(parse_probe(capture("empty_probe.xml")), display)


def test_a_scope_filter_the_camera_does_not_meet_stays_silent(capture: Callable[[str], bytes], device: Device) -> None:
    elsewhere = Device(device.endpoint, ("onvif://www.onvif.org/location/country/china",), device.xaddrs)
    for name in ("scoped_rfc3986.xml", "scoped_strcmp0.xml"):
        request = parse_probe(capture(name))
        assert not matches(request, elsewhere)


def test_resolve(capture: Callable[[str], bytes]) -> None:
    assert parse_message(capture("wcf_resolve.xml")) == Resolve(
        "urn:uuid:4c2e7f10-9b8a-4d6c-a5e3-f2d1c0b9a877",
        ANONYMOUS,
        "urn:uuid:6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
    )


# --- probes written by the WSDiscovery package (Home Assistant's client) ------------


def _wsdiscovery_probe(types: list[WsdQName], scopes: list[WsdScope], reply_to: str = "") -> bytes:
    envelope = constructProbe(types, scopes)
    envelope.setReplyTo(reply_to)
    return bytes(createSOAPMessage(envelope).encode("utf-8"))


def test_wsdiscovery_probe_for_network_video_transmitters(device: Device) -> None:
    # The package invents a random 10-letter prefix and declares it on the Envelope.
    datagram = _wsdiscovery_probe([WsdQName(NETWORK, "NetworkVideoTransmitter")], [])
    request = parse_message(datagram)
    assert isinstance(request, Probe)
    assert request.message_id.startswith("urn:uuid:")
    assert (request.reply_to, request.types, request.scopes) == (None, (NVT,), ())
    assert matches(request, device)


def test_wsdiscovery_probe_as_home_assistant_sends_it(device: Device) -> None:
    # Home Assistant's ONVIF integration searches by scope only.
    request = parse_message(_wsdiscovery_probe([], [WsdScope("onvif://www.onvif.org/Profile/Streaming")]))
    assert isinstance(request, Probe)
    assert (request.types, request.scopes, request.match_by) == (
        (),
        ("onvif://www.onvif.org/Profile/Streaming",),
        DEFAULT_MATCH_BY,
    )
    assert matches(request, device)


def test_wsdiscovery_probe_with_a_chosen_prefix_and_strcmp0(device: Device) -> None:
    datagram = _wsdiscovery_probe(
        [WsdQName(NETWORK, "NetworkVideoTransmitter", "dp0")],
        [WsdScope("onvif://www.onvif.org/Profile/T", MATCH_BY_STRCMP0)],
    )
    request = parse_message(datagram)
    assert isinstance(request, Probe)
    assert (request.types, request.match_by) == ((NVT,), MATCH_BY_STRCMP0)
    assert matches(request, device)


def test_wsdiscovery_reply_to_written_as_text_is_read() -> None:
    request = parse_message(_wsdiscovery_probe([], [], reply_to="urn:uuid:0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"))
    assert isinstance(request, Probe)
    assert request.reply_to == "urn:uuid:0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"


# --- requests that are refused, with the reason --------------------------------------------

SOAP = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
D = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
MESSAGE_ID = "<a:MessageID>urn:uuid:00000000-0000-4000-8000-000000000000</a:MessageID>"


def envelope(header: str, body: str, soap: str = SOAP) -> bytes:
    """Test-only: a discovery envelope around literal header and body XML."""
    return (
        f'<s:Envelope xmlns:s="{soap}" xmlns:a="{WSA}" xmlns:d="{D}" xmlns:dn="{NETWORK}">'
        f"{header}<s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


REFUSED: list[tuple[str, bytes, str]] = [
    ("no header", envelope("", "<d:Probe/>"), "no wsadis:MessageID header; a reply could not name its request"),
    (
        "no MessageID",
        envelope("<s:Header><a:To>urn:x</a:To></s:Header>", "<d:Probe/>"),
        "no wsadis:MessageID header; a reply could not name its request",
    ),
    (
        "blank MessageID",
        envelope("<s:Header><a:MessageID>  </a:MessageID></s:Header>", "<d:Probe/>"),
        "no wsadis:MessageID header; a reply could not name its request",
    ),
    (
        "SOAP 1.1",
        envelope(f"<s:Header>{MESSAGE_ID}</s:Header>", "<d:Probe/>", soap="http://schemas.xmlsoap.org/soap/envelope/"),
        "SOAP 1.1 Envelope; WS-Discovery messages use SOAP 1.2",
    ),
    ("no Body", f'<s:Envelope xmlns:s="{SOAP}"/>'.encode(), "SOAP Envelope has no Body"),
    ("empty Body", envelope(f"<s:Header>{MESSAGE_ID}</s:Header>", ""), "SOAP Body is empty"),
    (
        "WS-Discovery 1.1",
        envelope(
            f"<s:Header>{MESSAGE_ID}</s:Header>",
            '<p:Probe xmlns:p="http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01"/>',
        ),
        "WS-Discovery 1.1 (2009/01) message; ONVIF uses WS-Discovery 2005/04",
    ),
    (
        "not a discovery operation",
        envelope(f"<s:Header>{MESSAGE_ID}</s:Header>", '<GetScopes xmlns="http://www.onvif.org/ver10/device/wsdl"/>'),
        "Body element '{http://www.onvif.org/ver10/device/wsdl}GetScopes' is not a WS-Discovery Probe or Resolve",
    ),
    (
        "undeclared prefix in Types",
        envelope(f"<s:Header>{MESSAGE_ID}</s:Header>", "<d:Probe><d:Types>acme:Camera</d:Types></d:Probe>"),
        "d:Types entry 'acme:Camera' uses an undeclared prefix",
    ),
    (
        "empty local name in Types",
        envelope(f"<s:Header>{MESSAGE_ID}</s:Header>", "<d:Probe><d:Types>dn:</d:Types></d:Probe>"),
        "d:Types entry 'dn:' is not a QName",
    ),
    (
        "empty prefix in Types",
        envelope(f"<s:Header>{MESSAGE_ID}</s:Header>", "<d:Probe><d:Types>:Device</d:Types></d:Probe>"),
        "d:Types entry ':Device' is not a QName",
    ),
    (
        "two colons in Types",
        envelope(f"<s:Header>{MESSAGE_ID}</s:Header>", "<d:Probe><d:Types>dn:a:b</d:Types></d:Probe>"),
        "d:Types entry 'dn:a:b' is not a QName",
    ),
    (
        "Resolve without endpoint",
        envelope(f"<s:Header>{MESSAGE_ID}</s:Header>", "<d:Resolve/>"),
        "d:Resolve has no wsadis:EndpointReference/wsadis:Address",
    ),
    (
        "Resolve with empty address",
        envelope(
            f"<s:Header>{MESSAGE_ID}</s:Header>",
            "<d:Resolve><a:EndpointReference><a:Address/></a:EndpointReference></d:Resolve>",
        ),
        "d:Resolve has no wsadis:EndpointReference/wsadis:Address",
    ),
]


@pytest.mark.parametrize(("datagram", "reason"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused_with_a_precise_reason(datagram: bytes, reason: str) -> None:
    with pytest.raises(DiscoveryError) as refused:
        parse_message(datagram)
    assert str(refused.value) == reason
    assert type(refused.value) is DiscoveryError


def test_announcements_of_other_devices_are_not_requests(device: Device) -> None:
    sequence = AppSequence(instance_id=1)
    for datagram, name in (
        (hello(device, sequence), "Hello"),
        (probe_matches(device, relates_to="urn:uuid:x", app_sequence=sequence), "ProbeMatches"),
    ):
        with pytest.raises(NotARequest, match=f"^d:{name} is not a request to a target service$"):
            parse_message(datagram)


def test_message_id_in_the_2005_addressing_namespace_is_accepted() -> None:
    header = '<s:Header><w:MessageID xmlns:w="http://www.w3.org/2005/08/addressing">urn:uuid:1</w:MessageID></s:Header>'
    assert parse_message(envelope(header, "<d:Probe/>")) == Probe("urn:uuid:1")


def test_empty_scopes_element_and_blank_match_by_mean_the_default() -> None:
    body = '<d:Probe><d:Types/><d:Scopes MatchBy="  "/></d:Probe>'
    request = parse_message(envelope(f"<s:Header>{MESSAGE_ID}</s:Header>", body))
    assert isinstance(request, Probe)
    assert (request.types, request.scopes, request.match_by) == ((), (), DEFAULT_MATCH_BY)


def test_unprefixed_type_without_default_namespace_is_in_no_namespace(device: Device) -> None:
    body = "<d:Probe><d:Types>NetworkVideoTransmitter</d:Types></d:Probe>"
    request = parse_message(envelope(f"<s:Header>{MESSAGE_ID}</s:Header>", body))
    assert isinstance(request, Probe)
    assert request.types == (QName("", "NetworkVideoTransmitter"),)
    assert matches(request, device)  # by local name: see scopes.types_match


def test_scopes_split_on_xml_whitespace_only() -> None:
    # U+00A0 is not an XML space: it stays inside the scope (which then matches nothing).
    body = "<d:Probe><d:Scopes>\n\tonvif://a/b\u00a0c \r\n onvif://d </d:Scopes></d:Probe>"
    request = parse_message(envelope(f"<s:Header>{MESSAGE_ID}</s:Header>", body))
    assert isinstance(request, Probe)
    assert request.scopes == ("onvif://a/b\u00a0c", "onvif://d")
