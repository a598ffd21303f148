"""Parsing untrusted XML: no entities, no DTD, no network, bounded size and depth.

lxml (libxml2) is safe by default against network access only when told so;
entity expansion and DTD loading must be switched off explicitly, and a
DOCTYPE is refused outright because a SOAP message never needs one.  Depth
is bounded by libxml2 itself: without `huge_tree` it refuses documents
nested deeper than 256 levels, before building them.
"""

from __future__ import annotations

import threading

from lxml import etree

from onvif_device.camera.errors import WellFormed
from onvif_device.xml import safe_parser

MAX_BODY_BYTES = 1024 * 1024

_local = threading.local()  # lxml parser objects must not be shared between threads


def _parser() -> etree.XMLParser:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = safe_parser()
    return parser


def parse_untrusted(data: bytes, *, max_bytes: int = MAX_BODY_BYTES) -> etree._Element:
    """Parse `data` or raise `WellFormed` saying why it was refused."""
    if len(data) > max_bytes:
        raise WellFormed(reason=f"message of {len(data)} bytes exceeds the limit of {max_bytes}")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise WellFormed(reason="DOCTYPE and entity declarations are not accepted")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise WellFormed(reason=f"XML is not well-formed: {exc.msg}") from None
    if root is None:
        raise WellFormed(reason="empty XML document")
    if root.getroottree().docinfo.doctype:
        # The byte check above cannot see a DOCTYPE in UTF-16; entities stayed unexpanded anyway.
        raise WellFormed(reason="DOCTYPE and entity declarations are not accepted")
    return root

