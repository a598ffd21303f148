"""Writing messages: UTF-8 bytes that begin with the XML declaration.

Target-service messages (what the camera sends): `hello`, `bye`,
`probe_matches`, `resolve_matches` and the `matching_rule_not_supported`
fault.  Client messages (`probe`, `resolve`) exist for tests and tools.

Every Envelope declares s, wsadis, d, dn and tds, so the QNames in d:Types
resolve wherever a client looks their prefixes up (some only look at the
Envelope).  Multicast messages go to `MULTICAST_TO`; replies go to the
request's ReplyTo address, or to the anonymous role when it had none.
MessageIDs are fresh urn:uuid values unless the caller passes one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Final, TypeAlias

from lxml import etree

from onvif_device.discovery.constants import (
    ACTION_BYE,
    ACTION_FAULT,
    ACTION_HELLO,
    ACTION_PROBE,
    ACTION_PROBE_MATCHES,
    ACTION_RESOLVE,
    ACTION_RESOLVE_MATCHES,
    ANONYMOUS,
    MULTICAST_TO,
    OUTPUT_NSMAP,
    XML,
)
from onvif_device.discovery.errors import MatchingRuleNotSupported
from onvif_device.discovery.model import Device, QName
from onvif_device.discovery.sequence import AppSequence

Element: TypeAlias = etree._Element

_PREFIX_OF: Final = {namespace: prefix for prefix, namespace in OUTPUT_NSMAP.items()}


def new_message_id() -> str:
    return uuid.uuid4().urn


# --- target service ------------------------------------------------------------


def hello(device: Device, app_sequence: AppSequence, *, message_id: str | None = None) -> bytes:
    """The multicast announcement a camera sends when it joins the network."""
    envelope, header, body = _envelope(ACTION_HELLO, MULTICAST_TO, message_id)
    _app_sequence(header, app_sequence)
    _describe(_sub(body, "d:Hello"), device)
    return _serialize(envelope)


def bye(device: Device, app_sequence: AppSequence, *, message_id: str | None = None) -> bytes:
    """The multicast farewell; only the endpoint reference is needed to forget a device."""
    envelope, header, body = _envelope(ACTION_BYE, MULTICAST_TO, message_id)
    _app_sequence(header, app_sequence)
    _endpoint_reference(_sub(body, "d:Bye"), device.endpoint)
    return _serialize(envelope)


def probe_matches(
    devices: Device | Sequence[Device],
    *,
    relates_to: str,
    app_sequence: AppSequence,
    to: str | None = None,
    message_id: str | None = None,
) -> bytes:
    """The unicast answer to a Probe, with one d:ProbeMatch per device.

    Real cameras answer for themselves alone, and some clients (agsh/onvif)
    read only a single ProbeMatch, so send one message per camera unless the
    caller knows its clients; the list form suits a discovery proxy.
    """
    matched = (devices,) if isinstance(devices, Device) else tuple(devices)
    if not matched:
        raise ValueError("a ProbeMatches message needs at least one device; send nothing instead")
    envelope, header, body = _envelope(ACTION_PROBE_MATCHES, to or ANONYMOUS, message_id, relates_to)
    _app_sequence(header, app_sequence)
    matches = _sub(body, "d:ProbeMatches")
    for device in matched:
        _describe(_sub(matches, "d:ProbeMatch"), device)
    return _serialize(envelope)


def resolve_matches(
    device: Device,
    *,
    relates_to: str,
    app_sequence: AppSequence,
    to: str | None = None,
    message_id: str | None = None,
) -> bytes:
    """The unicast answer to a Resolve naming `device.endpoint`."""
    envelope, header, body = _envelope(ACTION_RESOLVE_MATCHES, to or ANONYMOUS, message_id, relates_to)
    _app_sequence(header, app_sequence)
    _describe(_sub(_sub(body, "d:ResolveMatches"), "d:ResolveMatch"), device)
    return _serialize(envelope)


def matching_rule_not_supported(
    error: MatchingRuleNotSupported,
    *,
    relates_to: str,
    to: str | None = None,
    message_id: str | None = None,
) -> bytes:
    """The SOAP 1.2 fault ONVIF Core allows for a *unicast* Probe with an unknown MatchBy.

    Never send it for a multicast Probe: every device answering a broadcast
    with a fault is the packet storm ONVIF Core warns about.
    """
    envelope, _, body = _envelope(ACTION_FAULT, to or ANONYMOUS, message_id, relates_to)
    fault = _sub(body, "s:Fault")
    code = _sub(fault, "s:Code")
    _sub(code, "s:Value", "s:Sender")
    _sub(_sub(code, "s:Subcode"), "s:Value", "d:MatchingRuleNotSupported")
    reason = _sub(_sub(fault, "s:Reason"), "s:Text", "the scope matching rule is not supported")
    reason.set(f"{{{XML}}}lang", "en")
    _sub(_sub(fault, "s:Detail"), "d:SupportedMatchingRules", " ".join(error.supported))
    return _serialize(envelope)


# --- client ------------------------------------------------------------------------


def probe(
    types: Sequence[QName] = (),
    scopes: Sequence[str] = (),
    *,
    match_by: str | None = None,
    reply_to: str | None = None,
    message_id: str | None = None,
) -> bytes:
    """A multicast Probe; empty `types` and `scopes` ask every device to answer."""
    envelope, header, body = _envelope(ACTION_PROBE, MULTICAST_TO, message_id)
    if reply_to is not None:
        _sub(_sub(header, "wsadis:ReplyTo"), "wsadis:Address", reply_to)
    request = _sub(body, "d:Probe")
    if types:
        _types(request, types)
    if scopes or match_by:
        element = _sub(request, "d:Scopes", " ".join(scopes))
        if match_by:
            element.set("MatchBy", match_by)
    return _serialize(envelope)


def resolve(endpoint: str, *, message_id: str | None = None) -> bytes:
    """A multicast Resolve asking the device `endpoint` for its XAddrs."""
    envelope, _, body = _envelope(ACTION_RESOLVE, MULTICAST_TO, message_id)
    _endpoint_reference(_sub(body, "d:Resolve"), endpoint)
    return _serialize(envelope)


# --- parts ---------------------------------------------------------------------------


def _envelope(
    action: str, to: str, message_id: str | None, relates_to: str | None = None
) -> tuple[Element, Element, Element]:
    envelope = etree.Element(_clark("s:Envelope"), nsmap=OUTPUT_NSMAP)
    header = _sub(envelope, "s:Header")
    _sub(header, "wsadis:Action", action)
    _sub(header, "wsadis:MessageID", message_id or new_message_id())
    if relates_to is not None:
        _sub(header, "wsadis:RelatesTo", relates_to)
    _sub(header, "wsadis:To", to)
    return envelope, header, _sub(envelope, "s:Body")


def _app_sequence(header: Element, app_sequence: AppSequence) -> None:
    element = _sub(header, "d:AppSequence")
    element.set("InstanceId", str(app_sequence.instance_id))
    if app_sequence.sequence_id is not None:
        element.set("SequenceId", app_sequence.sequence_id)
    element.set("MessageNumber", str(app_sequence.next_number()))


def _describe(parent: Element, device: Device) -> None:
    """The fields of Hello, ProbeMatch and ResolveMatch, in schema order."""
    _endpoint_reference(parent, device.endpoint)
    _types(parent, device.types)
    if device.scopes:
        _sub(parent, "d:Scopes", " ".join(device.scopes))
    _sub(parent, "d:XAddrs", " ".join(device.xaddrs))
    _sub(parent, "d:MetadataVersion", str(device.metadata_version))


def _endpoint_reference(parent: Element, endpoint: str) -> None:
    _sub(_sub(parent, "wsadis:EndpointReference"), "wsadis:Address", endpoint)


def _types(parent: Element, types: Sequence[QName]) -> None:
    # Namespaces beyond OUTPUT_NSMAP get prefixes t0, t1... declared right on d:Types.
    extra: dict[str, str] = {}
    names = []
    for qname in types:
        if not qname.namespace:
            names.append(qname.localname)
            continue
        prefix = _PREFIX_OF.get(qname.namespace) or extra.setdefault(qname.namespace, f"t{len(extra)}")
        names.append(f"{prefix}:{qname.localname}")
    nsmap = {prefix: namespace for namespace, prefix in extra.items()}
    element = etree.SubElement(parent, _clark("d:Types"), nsmap=nsmap or None)
    element.text = " ".join(names)


def _sub(parent: Element, tag: str, text: str | None = None) -> Element:
    child = etree.SubElement(parent, _clark(tag))
    if text is not None:
        child.text = text
    return child


def _clark(tag: str) -> str:
    prefix, _, local = tag.partition(":")
    return f"{{{OUTPUT_NSMAP[prefix]}}}{local}"


def _serialize(envelope: Element) -> bytes:
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
