"""SOAP envelopes: reading a request, writing a response or a fault.

Both SOAP 1.2 and 1.1 are read; the answer uses the request's version.
Every serialized message starts with the XML declaration, byte for byte:
some clients (UniFi Protect) refuse anything before `<?xml`.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass

from typing import TypeAlias

from lxml import etree

from onvif_device.camera.errors import OnvifError, WellFormed
from onvif_device.ns import NS, SOAP11, SOAP12
from onvif_device.soap.xml import MAX_BODY_BYTES, parse_untrusted

Element: TypeAlias = etree._Element

CONTENT_TYPES = {
    SOAP12: "application/soap+xml; charset=utf-8",
    SOAP11: "text/xml; charset=utf-8",
}


class SoapProtocolFault(OnvifError):
    """A fault of SOAP itself: an env: code with no ter: subcodes."""

    receiver = True  # SOAP's HTTP binding answers these with 500
    env_code = "Receiver"

    def __init__(self, reason: str) -> None:
        self.detail = None
        self.reason = reason
        Exception.__init__(self, reason)

    @property
    def code(self) -> str:
        return self.env_code

    @property
    def subcodes(self) -> tuple[str, ...]:
        return ()


class VersionMismatch(SoapProtocolFault):
    """The document's root is not a SOAP 1.1 or 1.2 Envelope."""

    env_code = "VersionMismatch"


class MustUnderstand(SoapProtocolFault):
    """A header block marked mustUnderstand that this device does not process."""

    env_code = "MustUnderstand"


@dataclass(frozen=True, slots=True)
class Request:
    """A parsed SOAP request: its version, header blocks and the Body's first child."""

    soap_ns: str
    header: Element | None
    operation: Element

    def header_block(self, clark_name: str) -> Element | None:
        return None if self.header is None else self.header.find(clark_name)


def parse_request(data: bytes, max_bytes: int = MAX_BODY_BYTES) -> Request:
    root = parse_untrusted(data, max_bytes=max_bytes)
    soap_ns = etree.QName(root).namespace
    if soap_ns not in CONTENT_TYPES or etree.QName(root).localname != "Envelope":
        raise VersionMismatch(f"root element is {root.tag!r}, not a SOAP Envelope")
    header = root.find(f"{{{soap_ns}}}Header")
    body = root.find(f"{{{soap_ns}}}Body")
    if body is None:
        raise WellFormed(reason="the Envelope has no Body")
    operation = next((el for el in body if isinstance(el.tag, str)), None)
    if operation is None:
        raise WellFormed(reason="the Body is empty")
    return Request(soap_ns, header, operation)


def serialize(soap_ns: str, body_children: list[Element], headers: list[Element] = ()) -> bytes:
    envelope = etree.Element(f"{{{soap_ns}}}Envelope", nsmap={"s": soap_ns})
    if headers:
        header = etree.SubElement(envelope, f"{{{soap_ns}}}Header")
        header.extend(headers)
    body = etree.SubElement(envelope, f"{{{soap_ns}}}Body")
    body.extend(body_children)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def fault_element(soap_ns: str, error: OnvifError) -> Element:
    """The Fault element for `error`, in the request's SOAP version."""
    if soap_ns == SOAP11:
        # SOAP 1.1 has no subcodes: the most specific ter: code becomes the faultcode.
        fault = etree.Element(f"{{{SOAP11}}}Fault", nsmap={"s": SOAP11, "ter": NS["ter"]})
        code = f"ter:{error.subcodes[-1]}" if error.subcodes else f"s:{error.code}"
        etree.SubElement(fault, "faultcode").text = code
        etree.SubElement(fault, "faultstring").text = error.reason
        _add_detail(fault, "detail", error)
        return fault
    s = f"{{{SOAP12}}}"
    fault = etree.Element(s + "Fault", nsmap={"s": SOAP12, "ter": NS["ter"]})
    parent = etree.SubElement(fault, s + "Code")
    etree.SubElement(parent, s + "Value").text = f"s:{error.code}"
    for subcode in error.subcodes:
        parent = etree.SubElement(parent, s + "Subcode")
        etree.SubElement(parent, s + "Value").text = f"ter:{subcode}"
    reason = etree.SubElement(fault, s + "Reason")
    etree.SubElement(reason, s + "Text", {"{http://www.w3.org/XML/1998/namespace}lang": "en"}).text = error.reason
    _add_detail(fault, s + "Detail", error)
    return fault


def _add_detail(fault: Element, tag: str, error: OnvifError) -> None:
    # Faults a WSDL defines (WS-BaseNotification's, tev:PullMessagesFaultResponse) carry their element as Detail.
    element = getattr(error, "detail_element", None)
    if element is not None:
        etree.SubElement(fault, tag).append(deepcopy(element))
