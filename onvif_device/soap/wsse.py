"""WS-Security UsernameToken verification (OASIS UsernameToken Profile 1.0).

Pure code: takes the parsed wsse:Security element, returns a user name or
raises WsseError.  The device clock is injected: the simulated camera's time
may be set apart from the host's, and clients (Home Assistant, onveef) sync
their Created to it through GetSystemDateAndTime.

What real clients send, and so what is accepted:

- zeep `UsernameToken(use_digest=True)`: 16 random nonce bytes, Base64 with
  EncodingType; Created without fractional seconds, "+00:00" unless
  `zulu_timestamp`; onvif-zeep-async's subclass sets Zulu ("...:00Z") and
  shifts Created by its measured offset to the device clock.
- onveef: Created with milliseconds ("...:00.000Z").
- Plain text: zeep sends Username and Password only, onveef adds Created.
  The Core spec wants Nonce and Created in every token, so such tokens pass
  only with `allow_bare_text=True`.

Theory of operation
-------------------
A token is fresh when Created lies within `window` seconds of the device
clock either way, so it can be accepted until Created + window.  Its nonce is
remembered until then in a `ReplayCache`; only tokens that carried the right
password are remembered, so strangers cannot fill the cache.  The cache is
bounded: when full it drops the entry closest to expiry and raises a
horizon, and tokens that would expire at or before the horizon are refused,
since their nonce may be among the forgotten ones.  Under a steady load of r
tokens/s a capacity c therefore tolerates clients whose Created lags the
device clock by up to about c / r seconds.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import heapq
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from lxml import etree

from onvif_device.ns import qname
from onvif_device.soap.digest import AuthError

__all__ = ["ReplayCache", "UsernameTokenVerifier", "WsseError"]

PasswordLookup = Callable[[str], str | None]

MAX_NONCE_BYTES = 1024
MAX_FIELD_LENGTH = 1024  # characters in Username, Password, Created

_USERNAME_TOKEN = qname("wsse", "UsernameToken")
_USERNAME = qname("wsse", "Username")
_PASSWORD = qname("wsse", "Password")
_NONCE = qname("wsse", "Nonce")
_CREATED = qname("wsu", "Created")

_DATETIME = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d{1,9})?(Z|[+-]\d\d:\d\d)?\Z",
    re.ASCII,  # \d would otherwise take any script's digits
)


class WsseError(AuthError):
    """A UsernameToken was rejected; the message says why."""


class _Stamp(NamedTuple):
    """What makes a token unique and fresh: its nonce and Created."""

    nonce: bytes
    created_text: str  # as sent: the digest covers these exact characters
    created: float  # epoch seconds


class ReplayCache:
    """Keys seen recently, each kept until its expiry, at most `capacity` of them.

    `add()` refuses a key it holds.  When full it evicts the entry that
    expires first and raises `horizon` to that expiry: a key expiring at or
    before the horizon may have been forgotten, so callers refuse those.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("replay_capacity must be at least 1")
        self.capacity = capacity
        self.horizon = float("-inf")
        self._expiry: dict[bytes, float] = {}
        self._by_expiry: list[tuple[float, bytes]] = []  # heap, same entries as _expiry

    def __len__(self) -> int:
        return len(self._expiry)

    def __contains__(self, key: bytes) -> bool:
        return key in self._expiry

    def add(self, key: bytes, expires: float, now: float) -> bool:
        """Remember `key` until `expires`; False if it is already remembered."""
        self._forget_expired(now)
        if key in self._expiry:
            return False
        while len(self._expiry) >= self.capacity:
            evicted_expiry, evicted = heapq.heappop(self._by_expiry)
            del self._expiry[evicted]
            self.horizon = max(self.horizon, evicted_expiry)
        self._expiry[key] = expires
        heapq.heappush(self._by_expiry, (expires, key))
        return True

    def _forget_expired(self, now: float) -> None:
        while self._by_expiry and self._by_expiry[0][0] <= now:
            _, key = heapq.heappop(self._by_expiry)
            del self._expiry[key]


class UsernameTokenVerifier:
    """Checks the UsernameToken in a wsse:Security header.

    `clock` returns the device time in epoch seconds.  `window` bounds the
    distance between Created and the device time, both ways.
    """

    def __init__(
        self,
        window: float = 300.0,
        replay_capacity: int = 10_000,
        clock: Callable[[], float] = time.time,
        *,
        allow_bare_text: bool = False,
    ) -> None:
        self.window = window
        self.allow_bare_text = allow_bare_text
        self.replay_cache = ReplayCache(replay_capacity)
        self._clock = clock

    def verify(self, security: etree._Element, lookup_password: PasswordLookup) -> str:
        """Return the user the token authenticates, or raise WsseError."""
        token = _username_token(security)
        username = _field(token, _USERNAME, "Username")
        password = token.find(_PASSWORD)
        if password is None:
            raise WsseError("missing Password")
        is_digest = _password_is_digest(password)
        nonce = _nonce(token)
        now = self._clock()
        stamp = None
        if is_digest or nonce is not None or not self.allow_bare_text:
            stamp = self._fresh_stamp(nonce, _optional_field(token, _CREATED, "Created"), now)
        # else a bare PasswordText: freshness would protect nothing, the
        # password itself is on the wire.

        secret = lookup_password(username)
        if secret is None:
            raise WsseError(f"wrong user name or password for {username!r}")
        if is_digest and stamp is not None:
            _check_digest(password, stamp, secret, username)
        else:
            _check_text(password, secret, username)
        if stamp is not None:
            self._remember(stamp, now)
        return username

    def _fresh_stamp(self, nonce: bytes | None, created_text: str | None, now: float) -> _Stamp:
        if nonce is None:
            raise WsseError("missing Nonce")
        if not created_text:
            raise WsseError("missing Created")
        stamp = _Stamp(nonce, created_text, _parse_created(created_text))
        self._check_fresh(stamp.created, now)
        return stamp

    def _check_fresh(self, created: float, now: float) -> None:
        offset = created - now
        if offset < -self.window:
            raise WsseError(
                f"Created is {-offset:.0f} s behind the device clock (window {self.window:.0f} s)"
            )
        if offset > self.window:
            raise WsseError(
                f"Created is {offset:.0f} s ahead of the device clock (window {self.window:.0f} s)"
            )

    def _remember(self, stamp: _Stamp, now: float) -> None:
        expires = stamp.created + self.window
        if expires <= self.replay_cache.horizon:
            raise WsseError("Created is older than the replay cache covers (cache full)")
        # A digest of the nonce keeps every entry small, whatever its size.
        key = hashlib.blake2b(stamp.nonce, digest_size=16).digest()
        if not self.replay_cache.add(key, expires, now):
            raise WsseError("Nonce replayed")


# -- reading the token -----------------------------------------------------


def _username_token(security: etree._Element) -> etree._Element:
    tokens = security.findall(_USERNAME_TOKEN)
    if not tokens:
        raise WsseError("no UsernameToken in the Security header")
    if len(tokens) > 1:
        raise WsseError("more than one UsernameToken")
    return tokens[0]


def _optional_field(token: etree._Element, tag: str, name: str) -> str | None:
    element = token.find(tag)
    if element is None:
        return None
    text = (element.text or "").strip()
    if len(text) > MAX_FIELD_LENGTH:
        raise WsseError(f"{name} too long ({len(text)} characters, limit {MAX_FIELD_LENGTH})")
    return text


def _field(token: etree._Element, tag: str, name: str) -> str:
    text = _optional_field(token, tag, name)
    if not text:
        raise WsseError(f"missing {name}")
    return text


def _type_suffix(uri: str) -> str:
    """`...-1.0#PasswordDigest` and `wsse:PasswordDigest` both give PasswordDigest."""
    return uri.rpartition("#")[2].rpartition(":")[2]


def _password_is_digest(password: etree._Element) -> bool:
    kind = password.get("Type")
    if kind is None:  # the profile's default
        return False
    suffix = _type_suffix(kind)
    if suffix not in ("PasswordDigest", "PasswordText"):
        raise WsseError(f"unsupported Password Type {kind!r}")
    return suffix == "PasswordDigest"


def _nonce(token: etree._Element) -> bytes | None:
    element = token.find(_NONCE)
    if element is None:
        return None
    encoding = element.get("EncodingType")
    if encoding is not None and _type_suffix(encoding) != "Base64Binary":
        raise WsseError(f"unsupported Nonce EncodingType {encoding!r}")
    text = (element.text or "").strip()
    if len(text) > (MAX_NONCE_BYTES + 2) // 3 * 4:
        raise WsseError(f"Nonce too long (limit {MAX_NONCE_BYTES} bytes)")
    nonce = _b64decode(text, "Nonce")
    if len(nonce) > MAX_NONCE_BYTES:
        raise WsseError(f"Nonce too long (limit {MAX_NONCE_BYTES} bytes)")
    if not nonce:
        raise WsseError("empty Nonce")
    return nonce


def _b64decode(text: str, name: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise WsseError(f"{name} is not valid Base64") from None


def _parse_created(text: str) -> float:
    """xs:dateTime to epoch seconds; no offset is taken as UTC."""
    match = _DATETIME.match(text)
    if match is None:
        raise WsseError(f"malformed Created {text[:64]!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second),
            tzinfo=timezone.utc,
        )
    except ValueError:
        raise WsseError(f"malformed Created {text!r}") from None
    seconds = moment.timestamp() + (float(fraction) if fraction else 0.0)
    return seconds - _zone_offset(zone)


def _zone_offset(zone: str | None) -> float:
    if zone is None or zone == "Z":
        return 0.0
    hours, minutes = int(zone[1:3]), int(zone[4:6])
    if hours > 14 or minutes > 59:
        raise WsseError(f"malformed Created time zone {zone!r}")
    offset = timedelta(hours=hours, minutes=minutes).total_seconds()
    return -offset if zone[0] == "-" else offset


# -- checking the password -------------------------------------------------


def _check_digest(element: etree._Element, stamp: _Stamp, password: str, username: str) -> None:
    text = (element.text or "").strip()
    if len(text) > MAX_FIELD_LENGTH:
        raise WsseError(f"Password too long ({len(text)} characters, limit {MAX_FIELD_LENGTH})")
    received = _b64decode(text, "Password digest")
    expected = hashlib.sha1(
        stamp.nonce + stamp.created_text.encode("utf-8") + password.encode("utf-8"),
        usedforsecurity=False,
    ).digest()
    if not hmac.compare_digest(received, expected):
        raise WsseError(f"wrong user name or password for {username!r}")


def _check_text(element: etree._Element, password: str, username: str) -> None:
    # Not stripped: a password may begin or end with spaces.
    text = element.text or ""
    if len(text) > MAX_FIELD_LENGTH:
        raise WsseError(f"Password too long ({len(text)} characters, limit {MAX_FIELD_LENGTH})")
    if not hmac.compare_digest(text.encode("utf-8"), password.encode("utf-8")):
        raise WsseError(f"wrong user name or password for {username!r}")
