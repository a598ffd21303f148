"""Reading request arguments with faults that name the element at fault.

A missing required element is ter:InvalidArgs; a value of the wrong type is
ter:InvalidArgVal.  Handlers read through these so every service reports
bad input the same way.
"""

from __future__ import annotations

import math
import re
from typing import TypeAlias

from lxml import etree

from onvif_device.camera.errors import InvalidArgs, InvalidArgVal
from onvif_device.xml import clark, parse_bool

Element: TypeAlias = etree._Element


def required(parent: Element, tag: str) -> Element:
    found = parent.find(clark(tag))
    if found is None:
        raise InvalidArgs(reason=f"{_name(parent)} is missing {tag}")
    return found


def required_text(parent: Element, tag: str) -> str:
    return (required(parent, tag).text or "").strip()


def optional_text(parent: Element, tag: str) -> str | None:
    found = parent.find(clark(tag))
    return None if found is None else (found.text or "").strip()


def all_text(parent: Element, tag: str) -> list[str]:
    return [(el.text or "").strip() for el in parent.findall(clark(tag))]


def required_bool(parent: Element, tag: str) -> bool:
    return as_bool(required_text(parent, tag), tag)


def optional_bool(parent: Element, tag: str) -> bool | None:
    value = optional_text(parent, tag)
    return None if value is None else as_bool(value, tag)


def required_int(parent: Element, tag: str) -> int:
    return as_int(required_text(parent, tag), tag)


def as_bool(value: str, tag: str) -> bool:
    try:
        return parse_bool(value)
    except ValueError:
        raise InvalidArgVal(reason=f"{tag} must be true or false, not {value[:40]!r}") from None


def as_int(value: str, tag: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidArgVal(reason=f"{tag} must be an integer, not {value[:40]!r}") from None


def duration_seconds(text: str, tag: str) -> int:
    """A whole-seconds xs:duration such as PT1H30M, PT60S or P1D (fractions are dropped)."""
    match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.\d*)?S)?)?", text.strip())
    if not match or text.strip() in ("P", "PT"):
        raise InvalidArgVal(reason=f"{tag} {text[:40]!r} is not an xs:duration such as PT60S")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def as_float(value: str, tag: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise InvalidArgVal(reason=f"{tag} must be a number, not {value[:40]!r}") from None
    if not math.isfinite(number):
        raise InvalidArgVal(reason=f"{tag} must be a finite number, not {value[:40]!r}")
    return number


def one_of(value: str, allowed: tuple[str, ...], tag: str) -> str:
    if value not in allowed:
        raise InvalidArgVal(reason=f"{tag} must be one of {', '.join(allowed)}, not {value[:40]!r}")
    return value


def _name(el: Element) -> str:
    return etree.QName(el).localname
