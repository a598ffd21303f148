"""WS-Security UsernameToken, checked against tokens real clients build.

zeep (and onvif-zeep-async's clock-shifting subclass, which Home Assistant
uses) and onveef write the happy-path headers; the failure cases edit such a
header or build one by hand.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from lxml import etree
from lxml.builder import ElementMaker
from onveef.envelopes import build_envelope
from onvif.client import UsernameDigestTokenDtDiff
from zeep.wsse.username import UsernameToken

from onvif_device.ns import NS, qname
from onvif_device.soap.digest import AuthError
from onvif_device.soap.wsse import ReplayCache, UsernameTokenVerifier, WsseError

T0 = 1_714_564_800.0  # 2024-05-01T12:00:00Z
USERS = {"admin": "secret", "José": "pässwörd"}
PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
DIGEST = f"{PROFILE}#PasswordDigest"
TEXT = f"{PROFILE}#PasswordText"
BASE64 = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)

S = ElementMaker(namespace=NS["s"], nsmap={"s": NS["s"]})
WSSE = ElementMaker(namespace=NS["wsse"], nsmap={"wsse": NS["wsse"]})
WSU = ElementMaker(namespace=NS["wsu"], nsmap={"wsu": NS["wsu"]})


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def verifier(clock: FakeClock) -> UsernameTokenVerifier:
    return UsernameTokenVerifier(clock=clock)


def over_the_wire(envelope: etree._Element) -> etree._Element:
    """Serialise and re-parse, as the server sees it; return wsse:Security."""
    parsed = etree.fromstring(etree.tostring(envelope))
    security = parsed.find(f"{qname('s', 'Header')}/{qname('wsse', 'Security')}")
    assert security is not None
    return security


def empty_envelope() -> etree._Element:
    return S.Envelope(S.Header(), S.Body())


def zeep_security(
    username: str, password: str, token_class: type[UsernameToken] = UsernameToken, **options: Any
) -> etree._Element:
    """The Security header zeep (or a subclass) writes for these credentials."""
    token = token_class(username, password, **options)
    envelope, _ = token.apply(empty_envelope(), {})  # type: ignore[no-untyped-call]
    return over_the_wire(envelope)


def at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def iso(epoch: float, fraction: bool = False) -> str:
    text = at(epoch).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{int(epoch * 1000) % 1000:03d}Z" if fraction else f"{text}Z"


def password_digest(nonce: bytes, created: str, password: str) -> str:
    raw = hashlib.sha1(nonce + created.encode() + password.encode()).digest()
    return base64.b64encode(raw).decode()


def hand_made(
    username: str | None = "admin",
    password: str | None = "secret",
    *,
    nonce: bytes | None = b"0123456789abcdef",
    created: str | None = "2024-05-01T12:00:00Z",
    kind: str | None = DIGEST,
    nonce_text: str | None = None,
    password_text: str | None = None,
    encoding: str | None = BASE64,
) -> etree._Element:
    """A Security header built field by field; None leaves a field out."""
    token = WSSE.UsernameToken()
    if username is not None:
        token.append(WSSE.Username(username))
    if password is not None:
        if password_text is None:
            password_text = password
            if kind is not None and kind.endswith("PasswordDigest") and nonce and created:
                password_text = password_digest(nonce, created, password)
        element = WSSE.Password(password_text)
        if kind is not None:
            element.set("Type", kind)
        token.append(element)
    if nonce is not None or nonce_text is not None:
        if nonce_text is None:
            nonce_text = base64.b64encode(nonce or b"").decode()
        element = WSSE.Nonce(nonce_text)
        if encoding is not None:
            element.set("EncodingType", encoding)
        token.append(element)
    if created is not None:
        token.append(WSU.Created(created))
    return over_the_wire(S.Envelope(S.Header(WSSE.Security(token)), S.Body()))


def created_of(security: etree._Element) -> etree._Element:
    element = security.find(f".//{qname('wsu', 'Created')}")
    assert element is not None
    return element


def rejects(verifier: UsernameTokenVerifier, security: etree._Element, message: str) -> None:
    with pytest.raises(WsseError) as caught:
        verifier.verify(security, USERS.get)
    assert str(caught.value) == message


# -- real clients ------------------------------------------------------------


@pytest.mark.parametrize("zulu", [True, False])
def test_zeep_password_digest(verifier: UsernameTokenVerifier, zulu: bool) -> None:
    security = zeep_security(
        "admin", "secret", use_digest=True, created=at(T0), zulu_timestamp=zulu
    )
    created = security.findtext(f".//{qname('wsu', 'Created')}")
    assert created == ("2024-05-01T12:00:00Z" if zulu else "2024-05-01T12:00:00+00:00")
    assert verifier.verify(security, USERS.get) == "admin"


def test_zeep_non_ascii_credentials(verifier: UsernameTokenVerifier) -> None:
    security = zeep_security("José", "pässwörd", use_digest=True, created=at(T0))
    assert verifier.verify(security, USERS.get) == "José"


def test_onvif_zeep_async_follows_the_device_clock() -> None:
    # The camera's clock runs an hour ahead of the host; Home Assistant measures
    # that with GetSystemDateAndTime and shifts Created by it.
    device = UsernameTokenVerifier(clock=lambda: time.time() + 3600)
    synced = zeep_security(
        "admin", "secret", UsernameDigestTokenDtDiff, dt_diff=timedelta(hours=1), use_digest=True
    )
    assert device.verify(synced, USERS.get) == "admin"
    unsynced = zeep_security("admin", "secret", UsernameDigestTokenDtDiff, use_digest=True)
    # zeep drops the fraction of a second, so the lag reads 3600 or 3601.
    lag = r"^Created is 360[01] s behind the device clock \(window 300 s\)$"
    with pytest.raises(WsseError, match=lag):
        device.verify(unsynced, USERS.get)


@pytest.mark.parametrize("add_timestamp", [False, True])
def test_onveef_password_digest(verifier: UsernameTokenVerifier, add_timestamp: bool) -> None:
    envelope = build_envelope(
        "<tds:GetDeviceInformation/>",
        username="admin",
        password="secret",
        clock_offset_s=T0 - time.time(),
        add_timestamp=add_timestamp,
    )
    security = over_the_wire(etree.fromstring(envelope.encode()))
    created = security.findtext(f".//{qname('wsu', 'Created')}")
    assert created is not None and created.endswith(".000Z")  # milliseconds
    assert verifier.verify(security, USERS.get) == "admin"


def test_plain_text_tokens_need_nonce_and_created_by_default(clock: FakeClock) -> None:
    zeep_text = zeep_security("admin", "secret")
    onveef_text = over_the_wire(
        etree.fromstring(
            build_envelope(
                "<tds:GetDeviceInformation/>",
                username="admin",
                password="secret",
                use_password_text=True,
            ).encode()
        )
    )
    strict = UsernameTokenVerifier(clock=clock)
    rejects(strict, zeep_text, "missing Nonce")
    rejects(strict, onveef_text, "missing Nonce")
    lenient = UsernameTokenVerifier(clock=clock, allow_bare_text=True)
    assert lenient.verify(zeep_text, USERS.get) == "admin"
    assert lenient.verify(onveef_text, USERS.get) == "admin"
    assert len(lenient.replay_cache) == 0  # nothing to remember
    wrong = zeep_security("admin", "guess")
    rejects(lenient, wrong, "wrong user name or password for 'admin'")


def test_lenient_mode_still_checks_digests(clock: FakeClock) -> None:
    lenient = UsernameTokenVerifier(clock=clock, allow_bare_text=True)
    rejects(lenient, hand_made(nonce=None), "missing Nonce")
    rejects(lenient, hand_made(created=None), "missing Created")


def test_plain_text_with_nonce_and_created(verifier: UsernameTokenVerifier) -> None:
    assert verifier.verify(hand_made(kind=TEXT), USERS.get) == "admin"
    rejects(verifier, hand_made(kind=TEXT), "Nonce replayed")


def test_missing_type_means_plain_text(verifier: UsernameTokenVerifier) -> None:
    assert verifier.verify(hand_made(kind=None), USERS.get) == "admin"


def test_plain_text_is_compared_exactly(verifier: UsernameTokenVerifier) -> None:
    security = hand_made(kind=TEXT, password_text=" secret")
    rejects(verifier, security, "wrong user name or password for 'admin'")


@pytest.mark.parametrize("kind", ["wsse:PasswordDigest", "PasswordDigest"])
def test_short_type_names(verifier: UsernameTokenVerifier, kind: str) -> None:
    assert verifier.verify(hand_made(kind=kind), USERS.get) == "admin"


@pytest.mark.parametrize("encoding", [None, "wsse:Base64Binary"])
def test_nonce_encoding_may_be_absent_or_short(
    verifier: UsernameTokenVerifier, encoding: str | None
) -> None:
    assert verifier.verify(hand_made(encoding=encoding), USERS.get) == "admin"


@pytest.mark.parametrize(
    "created",
    [
        "2024-05-01T12:00:00Z",
        "2024-05-01T12:00:00.5Z",
        "2024-05-01T12:00:00.123456789Z",
        "2024-05-01T12:00:00+00:00",
        "2024-05-01T12:00:00-00:00",
        "2024-05-01T14:00:00+02:00",
        "2024-05-01T07:30:00-04:30",
        "2024-05-01T12:00:00",  # no zone: taken as UTC
        " 2024-05-01T12:00:00Z\n",  # pretty-printed
    ],
)
def test_created_formats(verifier: UsernameTokenVerifier, created: str) -> None:
    security = hand_made(created=created.strip(), password_text=None)
    if created != created.strip():
        created_of(security).text = created
    assert verifier.verify(security, USERS.get) == "admin"


# -- freshness and replay ------------------------------------------------------


def test_window_edges(clock: FakeClock, verifier: UsernameTokenVerifier) -> None:
    assert verifier.verify(hand_made(nonce=b"old", created=iso(T0 - 300)), USERS.get) == "admin"
    assert verifier.verify(hand_made(nonce=b"new", created=iso(T0 + 300)), USERS.get) == "admin"
    rejects(
        verifier,
        hand_made(created=iso(T0 - 301)),
        "Created is 301 s behind the device clock (window 300 s)",
    )
    rejects(
        verifier,
        hand_made(created=iso(T0 + 301)),
        "Created is 301 s ahead of the device clock (window 300 s)",
    )


def test_replayed_nonce(verifier: UsernameTokenVerifier) -> None:
    security = zeep_security("admin", "secret", use_digest=True, created=at(T0))
    assert verifier.verify(security, USERS.get) == "admin"
    rejects(verifier, security, "Nonce replayed")


def test_same_nonce_with_a_new_created_is_still_a_replay(
    clock: FakeClock, verifier: UsernameTokenVerifier
) -> None:
    verifier.verify(hand_made(created=iso(T0)), USERS.get)
    clock.now += 10
    rejects(verifier, hand_made(created=iso(T0 + 10)), "Nonce replayed")


def test_failed_tokens_are_not_remembered(verifier: UsernameTokenVerifier) -> None:
    rejects(verifier, hand_made(password="guess"), "wrong user name or password for 'admin'")
    assert len(verifier.replay_cache) == 0
    assert verifier.verify(hand_made(), USERS.get) == "admin"


def test_nonces_expire_with_the_window(clock: FakeClock) -> None:
    verifier = UsernameTokenVerifier(clock=clock, replay_capacity=100)
    for n in range(10):
        verifier.verify(hand_made(nonce=b"n%d" % n, created=iso(T0)), USERS.get)
    assert len(verifier.replay_cache) == 10
    clock.now += 301
    verifier.verify(hand_made(nonce=b"fresh", created=iso(clock.now)), USERS.get)
    assert len(verifier.replay_cache) == 1


def fast_token(username: str, password: str, nonce: bytes, created: str) -> etree._Element:
    """A Security element straight from lxml, for floods (no re-parse)."""
    return WSSE.Security(
        WSSE.UsernameToken(
            WSSE.Username(username),
            WSSE.Password(password_digest(nonce, created, password), Type=DIGEST),
            WSSE.Nonce(base64.b64encode(nonce).decode(), EncodingType=BASE64),
            WSU.Created(created),
        )
    )


def test_replay_cache_stays_bounded_under_a_flood(clock: FakeClock) -> None:
    verifier = UsernameTokenVerifier(clock=clock, replay_capacity=1000)
    # One element, its texts rewritten per token: building 50k trees is slow.
    token = fast_token("admin", "secret", b"-", iso(T0))
    password, nonce, created = token[0][1], token[0][2], token[0][3]
    largest = 0
    for n in range(50_000):
        clock.now += 0.001
        raw_nonce = n.to_bytes(16, "big")
        created.text = f"2024-05-01T12:{n // 60_000:02d}:{n // 1000 % 60:02d}.{n % 1000:03d}Z"
        nonce.text = base64.b64encode(raw_nonce).decode()
        password.text = password_digest(raw_nonce, created.text, "secret")
        assert verifier.verify(token, USERS.get) == "admin"
        largest = max(largest, len(verifier.replay_cache))
    assert largest == 1000
    # The newest nonces are still remembered.
    rejects(verifier, token, "Nonce replayed")


def test_full_cache_refuses_tokens_it_may_have_forgotten(clock: FakeClock) -> None:
    verifier = UsernameTokenVerifier(clock=clock, replay_capacity=10)
    created = iso(T0)
    tokens = [fast_token("admin", "secret", bytes([n]) * 16, created) for n in range(12)]
    for token in tokens[:11]:
        verifier.verify(token, USERS.get)  # the 11th evicts the 1st
    assert len(verifier.replay_cache) == 10
    forgotten = "Created is older than the replay cache covers (cache full)"
    rejects(verifier, tokens[0], forgotten)  # evicted: refused, not replayable
    rejects(verifier, tokens[11], forgotten)  # same Created: could be a replay
    newer = fast_token("admin", "secret", b"\xff" * 16, iso(T0 + 1))
    assert verifier.verify(newer, USERS.get) == "admin"


def test_replay_cache_unit() -> None:
    cache = ReplayCache(capacity=2)
    assert cache.add(b"a", expires=10, now=0)
    assert not cache.add(b"a", expires=20, now=5)
    assert cache.add(b"b", expires=12, now=5)
    assert cache.add(b"c", expires=15, now=5)  # evicts a, the soonest to expire
    assert b"a" not in cache and cache.horizon == 10
    assert cache.add(b"d", expires=30, now=13)  # b expired, no eviction needed
    assert (len(cache), cache.horizon) == (2, 10)
    with pytest.raises(ValueError, match="replay_capacity must be at least 1"):
        ReplayCache(0)


# -- rejections ------------------------------------------------------------------


def test_wrong_password(verifier: UsernameTokenVerifier) -> None:
    security = zeep_security("admin", "guess", use_digest=True, created=at(T0))
    rejects(verifier, security, "wrong user name or password for 'admin'")


def test_unknown_user(verifier: UsernameTokenVerifier) -> None:
    security = zeep_security("mallory", "secret", use_digest=True, created=at(T0))
    rejects(verifier, security, "wrong user name or password for 'mallory'")


def test_tampered_created(verifier: UsernameTokenVerifier) -> None:
    security = hand_made()
    created_of(security).text = "2024-05-01T12:00:01Z"
    rejects(verifier, security, "wrong user name or password for 'admin'")


ARABIC_INDIC_2024 = "\u0662\u0660\u0662\u0664"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": None}, "missing Username"),
        ({"username": ""}, "missing Username"),
        ({"username": "   "}, "missing Username"),
        ({"password": None}, "missing Password"),
        ({"nonce": None}, "missing Nonce"),
        ({"created": None}, "missing Created"),
        ({"created": ""}, "missing Created"),
        ({"nonce_text": "not base64!"}, "Nonce is not valid Base64"),
        ({"nonce_text": "YWJj"[:3]}, "Nonce is not valid Base64"),
        ({"nonce_text": ""}, "empty Nonce"),
        ({"password_text": "%%%"}, "Password digest is not valid Base64"),
        ({"password_text": "c2VjcmV0"}, "wrong user name or password for 'admin'"),
        ({"nonce": b"x" * 1025}, "Nonce too long (limit 1024 bytes)"),
        ({"nonce_text": "QUFB" * 100_000}, "Nonce too long (limit 1024 bytes)"),
        ({"username": "u" * 2000}, "Username too long (2000 characters, limit 1024)"),
        ({"password_text": "A" * 2000}, "Password too long (2000 characters, limit 1024)"),
        (
            {"kind": TEXT, "password_text": "A" * 2000},
            "Password too long (2000 characters, limit 1024)",
        ),
        (
            {"kind": f"{PROFILE}#PasswordHash"},
            f"unsupported Password Type '{PROFILE}#PasswordHash'",
        ),
        ({"encoding": "#HexBinary"}, "unsupported Nonce EncodingType '#HexBinary'"),
        ({"created": "yesterday"}, "malformed Created 'yesterday'"),
        ({"created": "2024-13-01T12:00:00Z"}, "malformed Created '2024-13-01T12:00:00Z'"),
        ({"created": "2024-05-01T24:00:00Z"}, "malformed Created '2024-05-01T24:00:00Z'"),
        ({"created": "2024-05-01T12:00:00+15:00"}, "malformed Created time zone '+15:00'"),
        ({"created": "2024-05-01T12:00:00+01:60"}, "malformed Created time zone '+01:60'"),
        ({"created": "2024-05-01 12:00:00Z"}, "malformed Created '2024-05-01 12:00:00Z'"),
        (
            {"created": f"{ARABIC_INDIC_2024}-05-01T12:00:00Z"},
            f"malformed Created '{ARABIC_INDIC_2024}-05-01T12:00:00Z'",
        ),
        ({"created": "1" * 2000}, "Created too long (2000 characters, limit 1024)"),
    ],
)
def test_rejections(verifier: UsernameTokenVerifier, fields: dict[str, Any], message: str) -> None:
    rejects(verifier, hand_made(**fields), message)


def test_no_username_token(verifier: UsernameTokenVerifier) -> None:
    rejects(verifier, WSSE.Security(), "no UsernameToken in the Security header")


def test_two_username_tokens(verifier: UsernameTokenVerifier) -> None:
    security = hand_made()
    security.append(hand_made(nonce=b"other")[0])
    rejects(verifier, security, "more than one UsernameToken")


def test_created_in_the_wrong_namespace_is_missing(verifier: UsernameTokenVerifier) -> None:
    security = hand_made()
    created_of(security).tag = qname("wsse", "Created")
    rejects(verifier, security, "missing Created")


NASTY_XML: list[Callable[[], etree._Element]] = [
    lambda: etree.fromstring(b"<x/>"),
    lambda: WSSE.Security(WSSE.UsernameToken()),
    lambda: WSSE.Security(WSSE.UsernameToken(WSSE.Username(WSSE.Username("nested")))),
    lambda: WSSE.Security(WSSE.UsernameToken(WSSE.Username("admin"), WSSE.Password())),
    lambda: WSSE.Security(WSSE.UsernameToken(WSSE.Username("admin"), WSSE.Password(Type="")),),
    lambda: WSSE.Security(
        WSSE.UsernameToken(
            WSSE.Username("admin"), WSSE.Password("x", Type=DIGEST), WSSE.Nonce(), WSU.Created("")
        )
    ),
    lambda: WSSE.Security(
        WSSE.UsernameToken(
            WSSE.Username("admin"),
            WSSE.Password("x", Type=DIGEST),
            WSSE.Nonce("\u00e9\u00e9\u00e9\u00e9"),
            WSU.Created("2024-05-01T12:00:00Z"),
        )
    ),
    lambda: WSSE.Security(
        WSSE.UsernameToken(
            WSSE.Username("admin"),
            WSSE.Password("x", Type=DIGEST),
            WSSE.Nonce("QUFB"),
            WSU.Created("\u0662\u0660\u0662\u0664-05-01T12:00:00Z"),  # Arabic-Indic digits
        )
    ),
    lambda: hand_made(created="9999-12-31T23:59:59-14:00"),
    lambda: hand_made(created="0001-01-01T00:00:00+14:00"),
    lambda: etree.fromstring(
        b"<wsse:Security xmlns:wsse='%s'><!-- c --><wsse:UsernameToken>"
        b"<?pi?><wsse:Username>admin<!--x--></wsse:Username></wsse:UsernameToken></wsse:Security>"
        % NS["wsse"].encode()
    ),
]


@pytest.mark.parametrize("build", NASTY_XML)
def test_nasty_xml_raises_only_wsse_error(
    verifier: UsernameTokenVerifier, build: Callable[[], etree._Element]
) -> None:
    with pytest.raises(WsseError):
        verifier.verify(build(), USERS.get)


def test_wsse_error_is_an_auth_error() -> None:
    assert issubclass(WsseError, AuthError)
    assert WsseError("x").stale is False
