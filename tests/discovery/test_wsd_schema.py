"""Hello, Bye, ProbeMatches and ResolveMatches validated against the WS-Discovery schema.

The official ONVIF tree has no WS-Discovery schema; onvif-zeep-async (a test
dependency) ships the 2005/04 one with the 2004/08 addressing schema it
imports, so the Body payloads and the WS-Discovery and addressing header
blocks are validated against those.  (The SOAP envelope itself is SOAP 1.2
and already checked elsewhere.)
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from onvif_device.discovery import AppSequence, Device, bye, hello, probe_matches, resolve_matches

DISCOVERY = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
ADDRESSING = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
PROBE_ID = "urn:uuid:11111111-2222-4333-8444-555555555555"


@functools.cache
def discovery_schema() -> xmlschema.XMLSchema:
    spec = importlib.util.find_spec("onvif")
    if spec is None or spec.origin is None:
        pytest.skip("onvif-zeep-async (which ships the WS-Discovery schema) is not installed")
    folder = Path(spec.origin).parent / "wsdl"
    return xmlschema.XMLSchema(
        str(folder / "ws-discovery.xsd"), locations={ADDRESSING: str(folder / "addressing")}, allow="local"
    )


def validate_message(datagram: bytes) -> etree._Element:
    """Validate every header block and the Body payload; returns the payload."""
    envelope = etree.fromstring(datagram)
    schema = discovery_schema()
    header = envelope.find(f"{{{SOAP12}}}Header")
    blocks = list(header)
    assert {etree.QName(b).namespace for b in blocks} <= {ADDRESSING, DISCOVERY}
    for block in blocks:
        schema.validate(etree.tostring(block))
    [payload] = envelope.find(f"{{{SOAP12}}}Body")
    schema.validate(etree.tostring(payload))
    return payload


def test_hello_is_valid(device: Device, sequence: AppSequence) -> None:
    assert etree.QName(validate_message(hello(device, sequence))).localname == "Hello"


def test_bye_is_valid(device: Device, sequence: AppSequence) -> None:
    assert etree.QName(validate_message(bye(device, sequence))).localname == "Bye"


def test_probe_matches_are_valid(device: Device, sequence: AppSequence) -> None:
    payload = validate_message(probe_matches(device, relates_to=PROBE_ID, app_sequence=sequence))
    assert len(payload) == 1


def test_resolve_matches_are_valid(device: Device, sequence: AppSequence) -> None:
    payload = validate_message(resolve_matches(device, relates_to=PROBE_ID, app_sequence=sequence))
    assert etree.QName(payload).localname == "ResolveMatches"


def test_the_schema_refuses_a_broken_message(device: Device, sequence: AppSequence) -> None:
    envelope = etree.fromstring(hello(device, sequence))
    payload = envelope.find(f"{{{SOAP12}}}Body")[0]
    payload.remove(payload[0])  # no EndpointReference
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        discovery_schema().validate(etree.tostring(payload))
