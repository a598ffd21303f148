"""Small lxml helpers shared by every layer that reads or writes XML.

Tags are written "prefix:Local" with the prefixes of `ns.NS`, so code reads
like the messages it builds:

    info = element("tds:GetDeviceInformationResponse")
    sub(info, "tds:Manufacturer", "Acme")
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from lxml import etree

from onvif_device.ns import NS

Element = etree._Element


@lru_cache(maxsize=None)
def clark(tag: str) -> str:
    """"tds:GetUsers" -> "{http://www.onvif.org/ver10/device/wsdl}GetUsers"."""
    prefix, _, local = tag.partition(":")
    return f"{{{NS[prefix]}}}{local}"


@lru_cache(maxsize=None)
def _nsmap(prefixes: tuple[str, ...]) -> dict[str, str]:
    return {p: NS[p] for p in prefixes}


def element(tag: str, *, extra: Iterable[str] = ()) -> Element:
    """A new root element declaring its own prefix, `tt`, and any `extra` prefixes."""
    prefix = tag.partition(":")[0]
    return etree.Element(clark(tag), nsmap=_nsmap(tuple(dict.fromkeys((prefix, "tt", *extra)))))


def sub(parent: Element, tag: str, text: object = None, **attrib: str) -> Element:
    """Append a child; `text` is converted with `xs_text` (bools as xs:boolean)."""
    child = etree.SubElement(parent, clark(tag), attrib or None)
    if text is not None:
        child.text = xs_text(text)
    return child


def xs_text(value: object) -> str:
    """A Python value as XML Schema lexical text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- reading ---------------------------------------------------------------


def child(parent: Element, tag: str) -> Element | None:
    return parent.find(clark(tag))


def children(parent: Element, tag: str) -> list[Element]:
    return parent.findall(clark(tag))


def text(parent: Element, tag: str, default: str | None = None) -> str | None:
    """Stripped text of the first `tag` child, or `default` when it is absent."""
    found = parent.find(clark(tag))
    if found is None or found.text is None:
        return default if found is None else ""
    return found.text.strip()


def local_name(el: Element) -> str:
    return etree.QName(el).localname


def parse_bool(value: str) -> bool:
    """xs:boolean: "true"/"1" or "false"/"0"; anything else is a ValueError."""
    value = value.strip()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise ValueError(f"{value!r} is not an xs:boolean")
