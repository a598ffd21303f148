"""Every operation of a served service's WSDL is either served or named in the README as not supported."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import schemas
from lxml import etree

from onvif_device.services import (
    device,
    deviceio,
    imaging,
    media,
    media2,
    operation_table,
    ptz,
)

WSDL = "{http://schemas.xmlsoap.org/wsdl/}"
README = Path(__file__).resolve().parent.parent / "README.md"


def wsdl_operations(relative: str) -> set[str]:
    tree = etree.parse(str(schemas.schema_root() / relative))
    return {op.get("name") for op in tree.iter(f"{WSDL}operation")}


def unsupported_in_readme(section: str) -> set[str]:
    """Operation names in the "Answered with ter:ActionNotSupported" list of a README section."""
    text = README.read_text()
    start = text.index("Answered with `ter:ActionNotSupported`", text.index(f"### {section}"))
    end = text.index("\n\n", text.index("\n- ", start) + 1)
    return set(re.findall(r"\b[A-Z][A-Za-z0-9]+\b", text[start:end]))


@pytest.mark.parametrize(
    ("wsdl", "operations", "section"),
    [
        ("ver10/device/wsdl/devicemgmt.wsdl", device.ops, "Device service"),
        ("ver10/media/wsdl/media.wsdl", media.ops, "Media and Media2"),
        ("ver20/media/wsdl/media.wsdl", media2.ops, "Media and Media2"),
        ("ver20/imaging/wsdl/imaging.wsdl", imaging.ops, "Imaging service"),
        ("ver20/ptz/wsdl/ptz.wsdl", ptz.ops, "PTZ service"),
    ],
    ids=["device", "media", "media2", "imaging", "ptz"],
)
def test_operations_are_served_or_documented_as_unsupported(wsdl, operations, section):
    declared = wsdl_operations(wsdl)
    served = set(operations.operations)
    unsupported = unsupported_in_readme(section) & declared
    assert served <= declared, f"served but not in the WSDL: {served - declared}"
    undocumented = declared - served - unsupported
    assert not undocumented, f"neither served nor listed in the README: {sorted(undocumented)}"
    wrongly_listed = served & unsupported
    assert not wrongly_listed, f"served but listed as unsupported: {sorted(wrongly_listed)}"


def wsdl_input_elements(relative: str) -> dict[str, str]:
    """Operation name -> Clark name of the element its request carries."""
    tree = etree.parse(str(schemas.schema_root() / relative))

    def resolve(el: etree._Element, attribute: str) -> str:
        prefix, _, local = el.get(attribute).rpartition(":")
        return f"{{{el.nsmap[prefix or None]}}}{local}"

    messages = {m.get("name"): resolve(m.find(f"{WSDL}part"), "element") for m in tree.iter(f"{WSDL}message")}
    port_type = tree.find(f"{WSDL}portType")
    return {
        op.get("name"): messages[resolve(op.find(f"{WSDL}input"), "message").rpartition("}")[2]]
        for op in port_type.iter(f"{WSDL}operation")
    }


def test_deviceio_operations_are_served_or_documented_as_unsupported():
    # deviceio.wsdl takes GetRelayOutputs and SetRelayOutputState from the Device service (tds:
    # elements), so what counts is whether the element each operation sends is routed.
    requests = wsdl_input_elements("ver10/deviceio.wsdl")
    routed = operation_table()
    served = {name for name, element in requests.items() if element in routed}
    assert set(deviceio.ops.operations) <= served, "served but not in the WSDL"
    assert {"GetRelayOutputs", "SetRelayOutputState"} <= served
    unsupported = unsupported_in_readme("DeviceIO") & requests.keys()
    undocumented = requests.keys() - served - unsupported
    assert not undocumented, f"neither served nor listed in the README: {sorted(undocumented)}"
    wrongly_listed = served & unsupported
    assert not wrongly_listed, f"served but listed as unsupported: {sorted(wrongly_listed)}"
