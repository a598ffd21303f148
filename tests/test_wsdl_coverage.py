"""Every operation of devicemgmt.wsdl is either served or named in the README as not supported."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

import schemas
from onvif_device.services import device

WSDL = "{http://schemas.xmlsoap.org/wsdl/}"
README = Path(__file__).resolve().parent.parent / "README.md"


def wsdl_operations(relative: str) -> set[str]:
    tree = etree.parse(str(schemas.schema_root() / relative))
    return {op.get("name") for op in tree.iter(f"{WSDL}operation")}


def unsupported_in_readme() -> set[str]:
    text = README.read_text()
    start = text.index("Answered with `ter:ActionNotSupported`")
    end = text.index("\n\n", text.index("\n- ", start) + 1)
    return set(re.findall(r"\b[A-Z][A-Za-z0-9]+\b", text[start:end]))


def test_device_operations_are_served_or_documented_as_unsupported():
    declared = wsdl_operations("ver10/device/wsdl/devicemgmt.wsdl")
    served = set(device.ops.operations)
    assert served <= declared, f"served but not in the WSDL: {served - declared}"
    undocumented = declared - served - unsupported_in_readme()
    assert not undocumented, f"neither served nor listed in the README: {sorted(undocumented)}"
    wrongly_listed = served & unsupported_in_readme()
    assert not wrongly_listed, f"served but listed as unsupported: {sorted(wrongly_listed)}"
