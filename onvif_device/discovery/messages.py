"""Reading datagrams: bytes in, a `Probe` or `Resolve` out, or `DiscoveryError`.

Theory of operation: a datagram on udp/3702 comes from anyone on the link,
so every step refuses early and cheaply, in this order:

1. size: more than `MAX_DATAGRAM_BYTES` is refused before any parsing;
2. XML: libxml2 with entities, DTD loading and network access off; a first
   streaming pass refuses any DOCTYPE as soon as it starts (a discovery
   message never needs one: no external entities, no entity bombs, whatever
   the encoding) and any element deeper than `MAX_DEPTH`;
3. the tree, from a second pass that also checks the namespaces;
4. SOAP 1.2 Envelope with a non-empty Body;
5. the Body's first element picks the reader (as in `soap/`, wsadis:Action is
   a hint only, so it is not checked); Hello, Bye and the Matches messages of
   other devices raise `NotARequest`, anything else `DiscoveryError`;
6. the reader takes wsadis:MessageID (required, a reply must name it),
   wsadis:ReplyTo and its body fields.

Clients differ in how they write the same Probe (prefixes, default
namespaces, where namespaces are declared); everything is read by namespace
and QNames in d:Types are resolved against the namespaces in scope there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final, TypeAlias

from lxml import etree

from onvif_device.discovery.constants import (
    ADDRESSING,
    ADDRESSING_2005,
    DEFAULT_MATCH_BY,
    DEVICE,
    DISCOVERY,
    NETWORK,
)
from onvif_device.discovery.errors import DiscoveryError, NotARequest, quoted
from onvif_device.discovery.model import Probe, QName, Request, Resolve
from onvif_device.ns import SOAP11, SOAP12
from onvif_device.xml import safe_parser

Element: TypeAlias = etree._Element

# A UDP payload cannot exceed 65,507 bytes over IPv4; nothing larger is a datagram.
MAX_DATAGRAM_BYTES: Final = 64 * 1024
# Real discovery messages nest about 6 deep (Envelope/Header/ReplyTo/Address...).
MAX_DEPTH: Final = 32


_D: Final = f"{{{DISCOVERY}}}"
_DISCOVERY_1_1: Final = "http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01"
_NOT_REQUESTS: Final = frozenset(f"{_D}{name}" for name in ("Hello", "Bye", "ProbeMatches", "ResolveMatches"))
# Some clients write dn:/tds: in d:Types without declaring the prefix;
# real cameras answer them, so these two resolve to their ONVIF namespaces.
_WELL_KNOWN_PREFIXES: Final = {"dn": NETWORK, "tds": DEVICE}
# xs:list separators are XML whitespace only; str.split() would also split on U+00A0.
_XML_SPACE: Final = re.compile(r"[ \t\r\n]+")


def parse_message(datagram: bytes) -> Request:
    """The request in `datagram`, or `DiscoveryError` saying why there is none."""
    root = _parse_xml(datagram)
    header, operation = _split_envelope(root)
    reader = _READERS.get(operation.tag)
    if reader is not None:
        return reader(header, operation)
    if operation.tag in _NOT_REQUESTS:
        raise NotARequest(f"d:{etree.QName(operation).localname} is not a request to a target service")
    if etree.QName(operation).namespace == _DISCOVERY_1_1:
        raise DiscoveryError("WS-Discovery 1.1 (2009/01) message; ONVIF uses WS-Discovery 2005/04")
    raise DiscoveryError(f"Body element {quoted(str(operation.tag))} is not a WS-Discovery Probe or Resolve")


# --- untrusted bytes to a tree ----------------------------------------------


def _parse_xml(datagram: bytes) -> Element:
    if not datagram:
        raise DiscoveryError("empty datagram")
    if len(datagram) > MAX_DATAGRAM_BYTES:
        raise DiscoveryError(f"datagram of {len(datagram)} bytes exceeds the limit of {MAX_DATAGRAM_BYTES}")
    try:
        # Two passes: a streaming one that stops at the first DOCTYPE or at
        # excessive depth before any tree exists, in whatever encoding the
        # datagram uses; then the tree, which also checks the namespaces.
        etree.fromstring(datagram, safe_parser(_Guard()))
        return etree.fromstring(datagram, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"not well-formed XML: {quoted(str(exc.msg))}") from None


class _Guard:
    """Parser target of the first pass: counts depth, refuses any DOCTYPE."""

    def __init__(self) -> None:
        self._depth = 0

    def doctype(self, name: str | None, public_id: str | None, system_url: str | None) -> None:
        # Called on "<!DOCTYPE", before the internal subset's declarations are
        # read, so no entity is ever declared, let alone expanded.
        raise DiscoveryError("DOCTYPE and entity declarations are not accepted")

    def start(self, tag: str | bytes, attrib: dict[Any, Any], nsmap: object = None) -> None:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise DiscoveryError(f"XML nested deeper than {MAX_DEPTH} levels")

    def end(self, tag: str | bytes) -> None:
        self._depth -= 1

    def _ignore(self, text: str | bytes) -> None:
        """Text and comments need no check here."""

    data = comment = _ignore

    def close(self) -> None:
        pass


def _split_envelope(root: Element) -> tuple[Element | None, Element]:
    if root.tag != f"{{{SOAP12}}}Envelope":
        if root.tag == f"{{{SOAP11}}}Envelope":
            raise DiscoveryError("SOAP 1.1 Envelope; WS-Discovery messages use SOAP 1.2")
        raise DiscoveryError(f"root element {quoted(str(root.tag))} is not a SOAP 1.2 Envelope")
    body = root.find(f"{{{SOAP12}}}Body")
    if body is None:
        raise DiscoveryError("SOAP Envelope has no Body")
    operation = next(iter(body), None)
    if operation is None:
        raise DiscoveryError("SOAP Body is empty")
    return root.find(f"{{{SOAP12}}}Header"), operation


# --- readers, one per request ------------------------------------------------


def _read_probe(header: Element | None, probe: Element) -> Probe:
    types = probe.find(f"{_D}Types")
    scopes = probe.find(f"{_D}Scopes")
    return Probe(
        message_id=_message_id(header),
        reply_to=_reply_to(header),
        types=() if types is None else tuple(_resolve_qname(token, types) for token in _tokens(types)),
        scopes=() if scopes is None else tuple(_tokens(scopes)),
        match_by=_match_by(scopes),
    )


def _read_resolve(header: Element | None, resolve: Element) -> Resolve:
    reference = _addressing_child(resolve, "EndpointReference")
    address = None if reference is None else _addressing_child(reference, "Address")
    endpoint = _text(address)
    if not endpoint:
        raise DiscoveryError("d:Resolve has no wsadis:EndpointReference/wsadis:Address")
    return Resolve(message_id=_message_id(header), reply_to=_reply_to(header), endpoint=endpoint)


_READERS: Final[dict[str, Callable[[Element | None, Element], Request]]] = {
    f"{_D}Probe": _read_probe,
    f"{_D}Resolve": _read_resolve,
}


# --- fields --------------------------------------------------------------------


def _message_id(header: Element | None) -> str:
    message_id = _text(None if header is None else _addressing_child(header, "MessageID"))
    if not message_id:
        raise DiscoveryError("no wsadis:MessageID header; a reply could not name its request")
    return message_id


def _reply_to(header: Element | None) -> str | None:
    reply_to = None if header is None else _addressing_child(header, "ReplyTo")
    if reply_to is None:
        return None
    address = _addressing_child(reply_to, "Address")
    # The WSDiscovery package writes the address as ReplyTo's own text.
    return _text(address if address is not None else reply_to) or None


def _match_by(scopes: Element | None) -> str:
    rule = "" if scopes is None else (scopes.get("MatchBy") or "").strip()
    return rule or DEFAULT_MATCH_BY


def _resolve_qname(token: str, context: Element) -> QName:
    """`token` ("prefix:Local" or "Local") as a QName, using the namespaces in scope."""
    prefix, colon, local = token.partition(":")
    if not colon:
        prefix, local = "", token
    if not local or ":" in local or (colon and not prefix):
        raise DiscoveryError(f"d:Types entry {quoted(token)} is not a QName")
    namespace = context.nsmap.get(prefix or None)
    if namespace is None:
        if not colon:
            namespace = ""  # no default namespace: a name in no namespace
        elif prefix in _WELL_KNOWN_PREFIXES:
            namespace = _WELL_KNOWN_PREFIXES[prefix]
        else:
            raise DiscoveryError(f"d:Types entry {quoted(token)} uses an undeclared prefix")
    return QName(namespace, local)


def _addressing_child(parent: Element, local: str) -> Element | None:
    for namespace in (ADDRESSING, ADDRESSING_2005):
        found = parent.find(f"{{{namespace}}}{local}")
        if found is not None:
            return found
    return None


def _tokens(element: Element) -> list[str]:
    """An xs:list's items: the element's text split on XML whitespace."""
    return [item for item in _XML_SPACE.split(element.text or "") if item]


def _text(element: Element | None) -> str:
    return "" if element is None else (element.text or "").strip()
