"""WS-Discovery 2005/04 for the camera's discovery responder: pure, no I/O.

    request = parse_message(datagram)            # Probe | Resolve, or DiscoveryError
    if isinstance(request, Probe) and matches(request, device):
        reply = probe_matches(device, relates_to=request.message_id,
                              to=request.reply_to, app_sequence=sequence)

`messages` reads, `build` writes, `scopes` decides who answers, `limits`
bounds the work a flood can cause, `retransmit` schedules the SOAP-over-UDP
repeats.  Outside this pure API: `target.Target` (one device, its XAddrs per
link, its AppSequence and what it remembers across restarts),
`responder.Responder` (the asyncio endpoint answering for a set of targets),
`udp.open_responder` (its IPv4 and IPv6 sockets on udp/3702, one link or
every link), `interfaces` (the host's links) and `mdns` (optional mDNS
announcements through zeroconf).
"""

from onvif_device.discovery.build import (
    bye,
    hello,
    matching_rule_not_supported,
    new_message_id,
    probe,
    probe_matches,
    resolve,
    resolve_matches,
)
from onvif_device.discovery.constants import (
    ANONYMOUS,
    DEFAULT_MATCH_BY,
    MATCH_BY_RFC2396,
    MATCH_BY_RFC3986,
    MATCH_BY_STRCMP0,
    MULTICAST_TO,
)
from onvif_device.discovery.errors import (
    DiscoveryError,
    MatchingRuleNotSupported,
    NotARequest,
)
from onvif_device.discovery.limits import DuplicateFilter, TokenBucket
from onvif_device.discovery.messages import MAX_DATAGRAM_BYTES, MAX_DEPTH, parse_message
from onvif_device.discovery.model import (
    DEVICE_SERVICE,
    NETWORK_VIDEO_TRANSMITTER,
    Device,
    Probe,
    QName,
    Request,
    Resolve,
)
from onvif_device.discovery.scopes import SUPPORTED_MATCH_RULES, matches, scope_rule
from onvif_device.discovery.sequence import AppSequence

__all__ = [
    "ANONYMOUS",
    "DEFAULT_MATCH_BY",
    "DEVICE_SERVICE",
    "MATCH_BY_RFC2396",
    "MATCH_BY_RFC3986",
    "MATCH_BY_STRCMP0",
    "MAX_DATAGRAM_BYTES",
    "MAX_DEPTH",
    "MULTICAST_TO",
    "NETWORK_VIDEO_TRANSMITTER",
    "SUPPORTED_MATCH_RULES",
    "AppSequence",
    "Device",
    "DiscoveryError",
    "DuplicateFilter",
    "MatchingRuleNotSupported",
    "NotARequest",
    "Probe",
    "QName",
    "Request",
    "Resolve",
    "TokenBucket",
    "bye",
    "hello",
    "matches",
    "matching_rule_not_supported",
    "new_message_id",
    "parse_message",
    "probe",
    "probe_matches",
    "resolve",
    "resolve_matches",
    "scope_rule",
]
