"""Scope and type matching: which probes a camera answers."""

from __future__ import annotations

import pytest

from onvif_device.discovery import (
    DEVICE_SERVICE,
    MATCH_BY_RFC2396,
    MATCH_BY_RFC3986,
    MATCH_BY_STRCMP0,
    NETWORK_VIDEO_TRANSMITTER,
    SUPPORTED_MATCH_RULES,
    Device,
    MatchingRuleNotSupported,
    Probe,
    QName,
    matches,
    scope_rule,
)

ONVIF = "onvif://www.onvif.org"

# probe scope, device scope, match?
RFC3986: list[tuple[str, str, bool]] = [
    (f"{ONVIF}/type/video_encoder", f"{ONVIF}/type/video_encoder", True),
    (f"{ONVIF}/type", f"{ONVIF}/type/video_encoder", True),
    (ONVIF, f"{ONVIF}/type/video_encoder", True),
    (f"{ONVIF}/", f"{ONVIF}/type", True),
    (ONVIF, ONVIF, True),
    (f"{ONVIF}/type/", f"{ONVIF}/type/video_encoder", True),
    (f"{ONVIF}/type/video_encoder", f"{ONVIF}/type/video_encoder/", True),
    # whole segments only
    (f"{ONVIF}/hardware/D1", f"{ONVIF}/hardware/D1-566", False),
    (f"{ONVIF}/type/video", f"{ONVIF}/type/video_encoder", False),
    (f"{ONVIF}/type/video_encoder/h264", f"{ONVIF}/type/video_encoder", False),
    # scheme and authority ignore case, the path does not
    ("ONVIF://www.onvif.org/type", f"{ONVIF}/type/video_encoder", True),
    ("onvif://WWW.ONVIF.ORG/type", f"{ONVIF}/type/video_encoder", True),
    (f"{ONVIF}/Type", f"{ONVIF}/type/video_encoder", False),
    ("http://www.onvif.org/type", f"{ONVIF}/type", False),
    ("onvif://www.onvif.com/type", f"{ONVIF}/type", False),
    ("onvif://www.onvif.org:80/type", f"{ONVIF}/type", False),
    # percent-decoding happens per segment, after splitting
    (f"{ONVIF}/name/Virtual%20Camera", f"{ONVIF}/name/Virtual%20Camera", True),
    (f"{ONVIF}/%6Eame", f"{ONVIF}/name/Virtual%20Camera", True),
    (f"{ONVIF}/name/Virtual%20Camera", f"{ONVIF}/name/Virtual%20camera", False),
    ("onvif://www.%6Fnvif.org/type", f"{ONVIF}/type", True),
    (f"{ONVIF}/a%2Fb", f"{ONVIF}/a/b", False),
    (f"{ONVIF}/a%2fb", f"{ONVIF}/a%2Fb/c", True),
    (f"{ONVIF}/%ff", f"{ONVIF}/%fe", False),
    (f"{ONVIF}/caf%C3%A9", f"{ONVIF}/café/1", True),
    # "." and ".." segments match nothing, encoded or not, on either side
    (f"{ONVIF}/type/../name", f"{ONVIF}/name/x", False),
    (f"{ONVIF}/./type", f"{ONVIF}/type", False),
    (f"{ONVIF}/%2E%2E/type", f"{ONVIF}/type", False),
    (f"{ONVIF}/type", f"{ONVIF}/type/./video", False),
    # query and fragment take no part
    (f"{ONVIF}/type?x=1", f"{ONVIF}/type/video_encoder", True),
    (f"{ONVIF}/type#frag", f"{ONVIF}/type/video_encoder?y=2", True),
    # no authority: the path alone decides
    ("urn:example:a", "urn:example:a", True),
    ("urn:example", "urn:example:a", False),
    # unparseable URIs match nothing
    ("http://[::1/type", "http://[::1]/type", False),
    ("http://[::1]/type", "http://[::1/type", False),
]

STRCMP0: list[tuple[str, str, bool]] = [
    (f"{ONVIF}/type/video_encoder", f"{ONVIF}/type/video_encoder", True),
    (f"{ONVIF}/type", f"{ONVIF}/type/video_encoder", False),
    ("ONVIF://www.onvif.org/type", f"{ONVIF}/type", False),
    (f"{ONVIF}/type/", f"{ONVIF}/type", False),
    (f"{ONVIF}/%74ype", f"{ONVIF}/type", False),
    (f"{ONVIF}/Type", f"{ONVIF}/type", False),
]


def _table_id(row: tuple[str, str, bool]) -> str:
    return f"{row[0]} {'~' if row[2] else '!~'} {row[1]}"


@pytest.mark.parametrize("rule", [MATCH_BY_RFC3986, MATCH_BY_RFC2396])
@pytest.mark.parametrize(("wanted", "offered", "expected"), RFC3986, ids=[_table_id(r) for r in RFC3986])
def test_rfc3986_rule(rule: str, wanted: str, offered: str, expected: bool) -> None:
    assert scope_rule(rule)(wanted, offered) is expected


@pytest.mark.parametrize(("wanted", "offered", "expected"), STRCMP0, ids=[_table_id(r) for r in STRCMP0])
def test_strcmp0_rule(wanted: str, offered: str, expected: bool) -> None:
    assert scope_rule(MATCH_BY_STRCMP0)(wanted, offered) is expected


def test_the_scope_example_of_onvif_core() -> None:
    # ONVIF Core's discovery chapter: a device with these scopes...
    device = Device(
        "urn:uuid:8a2b1c3d-0000-4000-8000-000000000001",
        (
            f"{ONVIF}/Profile/Streaming",
            f"{ONVIF}/hardware/D1-566",
            f"{ONVIF}/location/country/china",
            f"{ONVIF}/location/city/bejing",
            f"{ONVIF}/location/building/headquarter",
            f"{ONVIF}/location/floor/R5",
            f"{ONVIF}/name/ARV-453",
        ),
        ("http://192.0.2.20/onvif/device_service",),
    )
    # ...is found by these probes and not by the last.
    assert matches(Probe("urn:uuid:1", scopes=(ONVIF,)), device)
    assert matches(Probe("urn:uuid:2", scopes=(f"{ONVIF}/location/country/china",)), device)
    assert not matches(Probe("urn:uuid:3", scopes=(f"{ONVIF}/hardware/D1",)), device)


def test_every_probed_scope_must_match_some_device_scope(device: Device) -> None:
    both = (f"{ONVIF}/Profile/Streaming", f"{ONVIF}/location/country")
    assert matches(Probe("urn:uuid:1", scopes=both), device)
    assert not matches(Probe("urn:uuid:2", scopes=(*both, f"{ONVIF}/location/country/china")), device)


def test_types_and_scopes_must_both_match(device: Device) -> None:
    wrong_type = (QName("http://www.onvif.org/ver10/network/wsdl", "NetworkVideoDisplay"),)
    assert matches(Probe("urn:uuid:1", types=(NETWORK_VIDEO_TRANSMITTER,), scopes=(ONVIF,)), device)
    assert not matches(Probe("urn:uuid:2", types=wrong_type, scopes=(ONVIF,)), device)
    assert not matches(Probe("urn:uuid:3", types=(DEVICE_SERVICE,), scopes=("onvif://elsewhere",)), device)


def test_a_type_in_no_namespace_matches_by_local_name(device: Device) -> None:
    assert matches(Probe("urn:uuid:1", types=(QName("", "Device"),)), device)
    assert not matches(Probe("urn:uuid:2", types=(QName("urn:acme", "Device"),)), device)
    assert not matches(Probe("urn:uuid:3", types=(QName("", "Printer"),)), device)


def test_an_empty_probe_matches_everyone(device: Device) -> None:
    assert matches(Probe("urn:uuid:1"), device)


@pytest.mark.parametrize(
    "rule",
    [
        "http://schemas.xmlsoap.org/ws/2005/04/discovery/ldap",
        "http://schemas.xmlsoap.org/ws/2005/04/discovery/uuid",
        "http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01/rfc3986",
        "rfc3986",
    ],
)
def test_an_unknown_rule_raises_what_the_fault_needs(rule: str, device: Device) -> None:
    with pytest.raises(MatchingRuleNotSupported) as refused:
        matches(Probe("urn:uuid:1", scopes=(ONVIF,), match_by=rule), device)
    assert refused.value.rule == rule
    assert refused.value.supported == SUPPORTED_MATCH_RULES == (MATCH_BY_RFC3986, MATCH_BY_RFC2396, MATCH_BY_STRCMP0)
    assert str(refused.value) == f"scope matching rule {rule!r} is not supported"


def test_an_unknown_rule_raises_even_without_scopes(device: Device) -> None:
    # The verdict must not depend on the device: every camera stays silent alike.
    with pytest.raises(MatchingRuleNotSupported):
        matches(Probe("urn:uuid:1", match_by="urn:acme:fuzzy"), device)
