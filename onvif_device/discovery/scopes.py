"""Does a Probe select a Device?  Types first, then scopes under the MatchBy rule.

Per WS-Discovery 2005/04 a device matches when every probed type is one of
its types and every probed scope matches at least one of its scopes; an
empty list matches anything.  The rules:

- rfc3986 (ONVIF Core's mandatory rule) and rfc2396 (WS-Discovery's default,
  which ONVIF restated on RFC 3986; the algorithm is the same): scheme and
  authority compare case-insensitively, the probed path must be a prefix of
  the device's path whole segment by segment ("hardware/D1" does not match
  "hardware/D1-566"), segments compare case-sensitively after
  percent-decoding, query and fragment are ignored, and a URI holding a "."
  or ".." segment matches nothing.
- strcmp0: the strings are identical.

Any other rule raises `MatchingRuleNotSupported`, even for a probe with no
scopes, so every device gives the same verdict on the same probe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, TypeAlias
from urllib.parse import unquote, urlsplit

from onvif_device.discovery.constants import (
    MATCH_BY_RFC2396,
    MATCH_BY_RFC3986,
    MATCH_BY_STRCMP0,
)
from onvif_device.discovery.errors import MatchingRuleNotSupported
from onvif_device.discovery.model import Device, Probe, QName

ScopeRule: TypeAlias = Callable[[str, str], bool]


def matches(probe: Probe, device: Device) -> bool:
    """True when `device` should answer `probe`; raises `MatchingRuleNotSupported`."""
    rule = scope_rule(probe.match_by)
    return types_match(probe.types, device.types) and all(
        any(rule(wanted, offered) for offered in device.scopes) for wanted in probe.scopes
    )


def types_match(wanted: tuple[QName, ...], offered: tuple[QName, ...]) -> bool:
    """Every wanted type is offered.

    A type in no namespace (an unprefixed name where no default namespace was
    declared) is compared by local name: the client plainly meant ours.
    """
    return all(
        qname in offered or (not qname.namespace and any(o.localname == qname.localname for o in offered))
        for qname in wanted
    )


def match_rfc3986(wanted: str, offered: str) -> bool:
    """The probe scope `wanted` is a segment-wise prefix of the device scope `offered`."""
    probe_uri, device_uri = _split(wanted), _split(offered)
    if probe_uri is None or device_uri is None:
        return False
    depth = len(probe_uri.segments)
    return (
        probe_uri.scheme == device_uri.scheme
        and probe_uri.authority == device_uri.authority
        and device_uri.segments[:depth] == probe_uri.segments
    )


def match_strcmp0(wanted: str, offered: str) -> bool:
    return wanted == offered


_RULES: Final[dict[str, ScopeRule]] = {
    MATCH_BY_RFC3986: match_rfc3986,
    MATCH_BY_RFC2396: match_rfc3986,
    MATCH_BY_STRCMP0: match_strcmp0,
}
SUPPORTED_MATCH_RULES: Final[tuple[str, ...]] = tuple(_RULES)


def scope_rule(match_by: str) -> ScopeRule:
    """The comparison a MatchBy URI names; raises `MatchingRuleNotSupported`."""
    try:
        return _RULES[match_by]
    except KeyError:
        raise MatchingRuleNotSupported(match_by, SUPPORTED_MATCH_RULES) from None


@dataclass(frozen=True, slots=True)
class _SplitUri:
    scheme: str
    authority: str
    segments: tuple[str, ...]


@lru_cache(maxsize=4096)  # device scopes are split again for every probe
def _split(uri: str) -> _SplitUri | None:
    """The parts that take part in an rfc3986 match, or None if `uri` can match nothing."""
    try:
        parts = urlsplit(uri)
    except ValueError:  # e.g. an unclosed "[" in an IPv6 authority
        return None
    raw = parts.path.split("/")
    if parts.path.startswith("/"):
        raw = raw[1:]
    if raw and raw[-1] == "":  # a trailing slash adds no segment
        raw = raw[:-1]
    # Split before decoding, so "%2F" stays inside its segment; surrogateescape
    # keeps two different invalid escapes from decoding to the same text.
    segments = tuple(unquote(segment, errors="surrogateescape") for segment in raw)
    if any(segment in (".", "..") for segment in segments):
        return None
    authority = unquote(parts.netloc, errors="surrogateescape").lower()
    return _SplitUri(parts.scheme.lower(), authority, segments)
