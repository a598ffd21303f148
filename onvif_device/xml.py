"""Small lxml helpers shared by every layer that reads or writes XML.

Tags are written "prefix:Local" with the prefixes of `ns.NS`, so code reads
like the messages it builds:

    info = element("tds:GetDeviceInformationResponse")
    sub(info, "tds:Manufacturer", "Acme")
"""

from __future__ import annotations

from copy import deepcopy
from functools import lru_cache
from typing import Callable, TypeAlias

from lxml import etree

from onvif_device.ns import NS

Element: TypeAlias = etree._Element
_Element = etree.Element
_SubElement = etree.SubElement


_clark: dict[str, str] = {}


def clark(tag: str) -> str:
    """"tds:GetUsers" -> "{http://www.onvif.org/ver10/device/wsdl}GetUsers"."""
    try:
        return _clark[tag]
    except KeyError:
        prefix, _, local = tag.partition(":")
        name = _clark[tag] = f"{{{NS[prefix]}}}{local}"
        return name


@lru_cache(maxsize=None)
def _root_nsmap(tag: str, extra: tuple[str, ...]) -> dict[str, str]:
    prefixes = dict.fromkeys((tag.partition(":")[0], "tt", *extra))
    return {p: NS[p] for p in prefixes}


def element(tag: str, *, extra: tuple[str, ...] = ()) -> Element:
    """A new root element declaring its own prefix, `tt`, and any `extra` prefixes."""
    return _Element(clark(tag), nsmap=_root_nsmap(tag, extra))


def sub(parent: Element, tag: str, text: object = None, **attrib: str) -> Element:
    """Append a child; `text` is converted with `xs_text` (bools as xs:boolean)."""
    # Hot path of every response: avoid work for the common no-attribute, str-text case.
    child = _SubElement(parent, clark(tag), attrib) if attrib else _SubElement(parent, clark(tag))
    if text is not None:
        child.text = text if text.__class__ is str else xs_text(text)
    return child


class Template:
    """A response of fixed shape, built once and copied per request.

    Copying a built tree and filling its leaves costs a fifth of building it
    element by element, which matters for answers every client polls.  The
    leaves are filled in document order:

        TIME = Template(build_time_response)   # leaves: Hour, Minute, Second
        response = TIME.fill(12, 30, 0)
    """

    def __init__(self, build: Callable[[], Element]) -> None:
        self._root = build()
        self.leaf_count = sum(1 for el in self._root.iter() if len(el) == 0)

    def fill(self, *values: object) -> Element:
        if len(values) != self.leaf_count:
            raise ValueError(f"template has {self.leaf_count} leaves, got {len(values)} values")
        root = deepcopy(self._root)
        leaves = (el for el in root.iter() if len(el) == 0)
        for leaf, value in zip(leaves, values):
            leaf.text = value if value.__class__ is str else xs_text(value)
        return root


def xs_text(value: object) -> str:
    """A Python value as XML Schema lexical text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- reading ---------------------------------------------------------------


def safe_parser(target: etree.ParserTarget | None = None) -> etree.XMLParser:
    """An lxml parser for untrusted input: no entity expansion, no DTD, no network.

    Parsers hold state: use one per thread (or per message), never share one.
    """
    return etree.XMLParser(
        target=target,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )



def child(parent: Element, tag: str) -> Element | None:
    return parent.find(clark(tag))


def children(parent: Element, tag: str) -> list[Element]:
    return parent.findall(clark(tag))


def parse_bool(value: str) -> bool:
    """xs:boolean: "true"/"1" or "false"/"0"; anything else is a ValueError."""
    value = value.strip()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise ValueError(f"{value!r} is not an xs:boolean")
