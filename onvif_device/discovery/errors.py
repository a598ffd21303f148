"""The error family of the discovery layer.

Everything here is raised because of bytes that arrived from the network;
misuse by our own code (a malformed `Device`) raises plain `ValueError`.
The UDP endpoint catches `DiscoveryError` once and drops the datagram: ONVIF
Core asks devices not to answer broken multicast traffic, to avoid storms.
"""

from __future__ import annotations


class DiscoveryError(ValueError):
    """A datagram the target service will not answer; the message says why.

    Messages never quote the datagram beyond short, escaped fragments, so
    logging them is safe.
    """


class NotARequest(DiscoveryError):
    """A well-formed discovery message that a target service does not answer.

    Hello, Bye, ProbeMatches and ResolveMatches from other devices are normal
    multicast traffic: drop them quietly rather than log them as faults.
    """


class MatchingRuleNotSupported(DiscoveryError):
    """A Probe whose d:Scopes/@MatchBy names a rule this layer cannot apply.

    A unicast Probe may be answered with the d:MatchingRuleNotSupported fault
    (see `build.matching_rule_not_supported`), which lists `supported`.
    """

    def __init__(self, rule: str, supported: tuple[str, ...]) -> None:
        self.rule = rule
        self.supported = supported
        super().__init__(f"scope matching rule {quoted(rule)} is not supported")


def quoted(value: str, limit: int = 80) -> str:
    """`value` escaped and shortened for an error message (never raw peer text)."""
    return repr(value if len(value) <= limit else value[:limit] + "...")
