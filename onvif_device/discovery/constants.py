"""The URIs of WS-Discovery 2005/04 as ONVIF uses it.

WS-Discovery 2005/04 predates WS-Addressing 1.0 and uses the 2004/08 member
submission namespace, not the `wsa` namespace of `ns.NS` (2005/08).  The
prefix `wsadis` is the one ONVIF Core gives that namespace, so a prefix in
our output still means one namespace across the package.
"""

from __future__ import annotations

from typing import Final

from onvif_device.ns import NS, SOAP12

DISCOVERY: Final = NS["d"]
ADDRESSING: Final = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
# Read as a courtesy only: a few clients mix the 2005/08 namespace into 2005/04 probes.
ADDRESSING_2005: Final = NS["wsa"]
NETWORK: Final = NS["dn"]
DEVICE: Final = NS["tds"]
XML: Final = "http://www.w3.org/XML/1998/namespace"

# wsa:To of every multicast message (Hello, Bye, Probe, Resolve).
MULTICAST_TO: Final = "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
# wsa:To of a reply whose request named no other reply endpoint.
ANONYMOUS: Final = f"{ADDRESSING}/role/anonymous"

ACTION_HELLO: Final = f"{DISCOVERY}/Hello"
ACTION_BYE: Final = f"{DISCOVERY}/Bye"
ACTION_PROBE: Final = f"{DISCOVERY}/Probe"
ACTION_PROBE_MATCHES: Final = f"{DISCOVERY}/ProbeMatches"
ACTION_RESOLVE: Final = f"{DISCOVERY}/Resolve"
ACTION_RESOLVE_MATCHES: Final = f"{DISCOVERY}/ResolveMatches"
ACTION_FAULT: Final = f"{DISCOVERY}/fault"

MATCH_BY_RFC3986: Final = f"{DISCOVERY}/rfc3986"
MATCH_BY_RFC2396: Final = f"{DISCOVERY}/rfc2396"
MATCH_BY_STRCMP0: Final = f"{DISCOVERY}/strcmp0"
# WS-Discovery's default is rfc2396; ONVIF Core replaces RFC 2396 with RFC 3986.
DEFAULT_MATCH_BY: Final = MATCH_BY_RFC3986

# Prefixes declared on the Envelope of every message we build, so that the
# QNames inside d:Types resolve wherever a client looks them up.
OUTPUT_NSMAP: Final[dict[str, str]] = {
    "s": SOAP12,
    "wsadis": ADDRESSING,
    "d": DISCOVERY,
    "dn": NETWORK,
    "tds": DEVICE,
}
