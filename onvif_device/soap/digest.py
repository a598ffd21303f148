"""HTTP Digest authentication, server side (RFC 7616, RFC 2617), and Basic parsing.

Pure code: no sockets, no asyncio.  The clock and the randomness are injected,
so tests can pin every nonce the server hands out.

Theory of operation
-------------------
`challenge()` produces the WWW-Authenticate values for a 401.  Its nonce is
stateless: the issue time (milliseconds) and 8 random bytes, followed by a
truncated HMAC-SHA256 over them and the realm, keyed with a per-instance
secret.  `verify()` therefore needs no memory to know that a nonce is ours and
how old it is.  That MAC already proves where a nonce came from, so `opaque`
is offered (some clients insist on one) but not checked.

The only state is the replay guard: for each nonce that has authenticated at
least once, the highest nonce count (nc) seen plus a 64-bit window of the
counts just below it (the IPsec anti-replay scheme), so requests a pipelining
client sends out of order still pass while any repeated nc fails.  The table
is an LRU capped at `max_nonces`.  Evicting a nonce would make its old counts
acceptable again, so eviction raises a horizon: a nonce issued at or before
the newest evicted one is answered "stale", and the client fetches a new one.

Check order follows RFC 7616 section 3.4: the response is checked before the
nonce's age, so `stale=true` is only ever sent to a client that knows the
password.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import struct
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["AuthError", "DigestAuthenticator", "DigestError", "parse_basic"]

PasswordLookup = Callable[[str], str | None]

# Long enough for any honest client (ONVIF service paths are short), small
# enough that a hostile header costs nothing to reject.
MAX_HEADER_LENGTH = 4096

_HASHES: dict[str, Callable[[bytes], "hashlib._Hash"]] = {
    "MD5": lambda data: hashlib.md5(data, usedforsecurity=False),
    "SHA-256": hashlib.sha256,
}

_NONCE_PAYLOAD = struct.Struct(">Q8s")  # issue time in ms, 8 random bytes
_NONCE_MAC_SIZE = 16
_NONCE_LENGTH = 43  # unpadded urlsafe Base64 of 16 + 16 bytes

_NC_WINDOW = 64
_NC_PATTERN = re.compile(r"[0-9A-Fa-f]{8}\Z")

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_SCHEME = re.compile(rf"[ \t]*({_TOKEN})(?:[ \t]+|\Z)")
# One auth-param, after any list separators (RFC 9110 tolerates empty list
# elements), and the comma or end after it.  Unquoted values may be any run of
# non-separator characters: some clients leave `uri` unquoted.
_PARAM = re.compile(
    rf'[ \t,]*({_TOKEN})[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))[ \t]*(?:,|\Z)'
)
_END_OF_LIST = re.compile(r"[ \t,]*\Z")
_QUOTED_PAIR = re.compile(r"\\(.)")
_REQUIRED_PARAMS = ("username", "realm", "nonce", "uri", "response")


class AuthError(Exception):
    """Credentials were missing, malformed or wrong.

    `stale` asks the HTTP layer to answer 401 with `stale=true`: the client
    knows the password, it only needs a fresh nonce.
    """

    stale = False


class DigestError(AuthError):
    """A Digest Authorization header was rejected; the message says why."""

    def __init__(self, message: str, *, stale: bool = False) -> None:
        super().__init__(message)
        self.stale = stale


@dataclass(frozen=True, slots=True)
class _Credentials:
    """The fields of a Digest Authorization header, unquoted, not yet checked."""

    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    algorithm: str
    qop: str | None
    nc: str | None
    cnonce: str | None


class DigestAuthenticator:
    """Issues Digest challenges and checks the answers for one realm.

    `algorithms` is the device's preference order (what SetHashingAlgorithm
    sets); `challenge()` offers them in that order.  `clock` must be the host
    clock in epoch seconds, not the simulated camera clock, which clients may
    set at will.  Pass the same `secret` to keep nonces valid over a restart.
    `allow_rfc2069` accepts answers without qop (old RTSP clients such as
    live555 send those); they carry no nonce count, so a captured one can be
    replayed until its nonce expires.
    """

    def __init__(
        self,
        realm: str,
        algorithms: Sequence[str] = ("SHA-256", "MD5"),
        secret: bytes | None = None,
        nonce_lifetime: float = 300.0,
        clock: Callable[[], float] = time.time,
        *,
        randbytes: Callable[[int], bytes] = os.urandom,
        max_nonces: int = 10_000,
        allow_rfc2069: bool = False,
    ) -> None:
        self.realm = realm
        self.algorithms = tuple(_canonical_algorithm(name) for name in algorithms)
        if not self.algorithms:
            raise ValueError("at least one Digest algorithm is required")
        self.nonce_lifetime = nonce_lifetime
        self.allow_rfc2069 = allow_rfc2069
        self._clock = clock
        self._randbytes = randbytes
        self._secret = secret if secret is not None else randbytes(32)
        self._realm_bytes = realm.encode("utf-8")
        opaque = hmac.new(self._secret, b"opaque:" + self._realm_bytes, "sha256")
        self._opaque = opaque.hexdigest()[:16]
        self._counts = _NonceCounts(max_nonces)

    @property
    def tracked_nonces(self) -> int:
        """How many nonces the replay guard remembers (at most `max_nonces`)."""
        return len(self._counts)

    # -- challenge ---------------------------------------------------------

    def challenge(self, stale: bool = False) -> list[str]:
        """WWW-Authenticate values for a 401, one per algorithm, preferred first.

        Why the default order is SHA-256 then MD5 (RFC 7616 section 3.7 asks
        for preference order, and SHA-256 is preferred), given what clients
        do with several challenges:

        - httpx.DigestAuth takes the first header that starts with "Digest ";
          aiohttp's DigestAuthMiddleware (onvif-zeep-async) reads only the
          first header value.  Both compute SHA-256.
        - requests gets the headers joined by urllib3 into one line, strips
          the first "Digest " and builds one dict from all pairs, later keys
          winning; the second challenge's first pair lands under the key
          "Digest realm".  With realm first it ends up on the LAST algorithm.
        - ffmpeg, live555 and node-onvif keep the last Digest challenge (or
          merge them, last winning) and ffmpeg only computes MD5.

        So every client seen that picks the first challenge speaks SHA-256 and
        every one that picks the last is happy with MD5.  Three details make
        the mixing clients work: all challenges share one nonce, one opaque
        and one qop; each starts with realm then nonce (node-onvif matches
        "Digest realm", live555 scans `realm="..", nonce=".."`); and
        `verify()` takes whichever offered algorithm the client names.
        """
        nonce = self._new_nonce()
        realm = _quote(self.realm)
        stale_param = ", stale=true" if stale else ""
        return [
            f'Digest realm="{realm}", nonce="{nonce}"{stale_param}, qop="auth", '
            f'opaque="{self._opaque}", algorithm={algorithm}'
            for algorithm in self.algorithms
        ]

    def _new_nonce(self) -> str:
        issued = int(self._clock() * 1000)
        payload = _NONCE_PAYLOAD.pack(issued, self._randbytes(8))
        return _encode_nonce(payload + self._nonce_mac(payload))

    def _nonce_mac(self, payload: bytes) -> bytes:
        mac = hmac.new(self._secret, self._realm_bytes + payload, "sha256")
        return mac.digest()[:_NONCE_MAC_SIZE]

    # -- verify ------------------------------------------------------------

    def verify(
        self,
        method: str,
        authorization: str,
        lookup_password: PasswordLookup,
        *,
        request_uri: str | None = None,
    ) -> str:
        """Return the user `authorization` authenticates, or raise DigestError.

        `authorization` is the header value as the ASGI server decoded it
        (latin-1).  When `request_uri` (path and query of the request) is
        given, the digest's `uri` must name the same resource.
        """
        creds = _parse_credentials(authorization)
        algorithm = self._check_fields(creds, request_uri)
        issued = self._issue_time(creds.nonce)
        username = _text_from_wire(creds.username)
        password = lookup_password(username)
        if password is None:
            raise DigestError(f"wrong user name or password for {username!r}")
        expected = _expected_response(creds, algorithm, method, password)
        if not hmac.compare_digest(expected, creds.response.lower().encode("ascii", "replace")):
            raise DigestError(f"wrong user name or password for {username!r}")
        self._check_age(issued)
        if creds.nc is not None:
            self._counts.record(creds.nonce, issued, int(creds.nc, 16))
        return username

    def _check_fields(self, creds: _Credentials, request_uri: str | None) -> str:
        """Check what needs no password; return the canonical algorithm."""
        realm = _text_from_wire(creds.realm)
        if realm != self.realm:
            raise DigestError(f"realm {realm!r} does not match {self.realm!r}")
        algorithm = creds.algorithm.upper()
        base = algorithm.removesuffix("-SESS")
        if base not in self.algorithms:
            raise DigestError(f"unsupported algorithm {creds.algorithm!r}")
        if creds.qop is None:
            if not self.allow_rfc2069:
                raise DigestError("missing qop (RFC 2069 digest is disabled)")
            if algorithm != base:
                raise DigestError(f"{creds.algorithm} needs qop=auth")
        elif creds.qop.lower() != "auth":
            raise DigestError(f"unsupported qop {creds.qop!r}")
        elif creds.nc is None or creds.cnonce is None:
            raise DigestError("qop=auth needs nc and cnonce")
        elif not _NC_PATTERN.match(creds.nc) or int(creds.nc, 16) == 0:
            raise DigestError(f"malformed nonce count {creds.nc!r}")
        if request_uri is not None and not _same_target(creds.uri, request_uri):
            raise DigestError(f"uri {creds.uri!r} does not match request target {request_uri!r}")
        return algorithm

    def _issue_time(self, nonce: str) -> int:
        """The issue time (ms) sealed in one of our nonces."""
        raw = _decode_nonce(nonce)
        if raw is None:
            raise DigestError("nonce was not issued by this device")
        payload, mac = raw[: _NONCE_PAYLOAD.size], raw[_NONCE_PAYLOAD.size :]
        if not hmac.compare_digest(mac, self._nonce_mac(payload)):
            raise DigestError("nonce was not issued by this device")
        issued, _ = _NONCE_PAYLOAD.unpack(payload)
        return int(issued)

    def _check_age(self, issued: int) -> None:
        age = self._clock() * 1000 - issued
        if age > self.nonce_lifetime * 1000:
            raise DigestError("nonce expired", stale=True)
        if age < 0:
            # The host clock went back; the client only needs a new nonce.
            raise DigestError("nonce issued in the future", stale=True)


class _NonceCounts:
    """Per-nonce replay windows in an LRU of bounded size."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("max_nonces must be at least 1")
        self._capacity = capacity
        # nonce -> (issue time ms, highest nc, bit i set = highest - i seen)
        self._entries: OrderedDict[str, tuple[int, int, int]] = OrderedDict()
        self._horizon = -1  # nonces issued at or before this may be forgotten

    def __len__(self) -> int:
        return len(self._entries)

    def record(self, nonce: str, issued: int, nc: int) -> None:
        entry = self._entries.get(nonce)
        if entry is None:
            self._admit(nonce, issued, nc)
            return
        _, highest, seen = entry
        if nc > highest:
            shift = nc - highest
            seen = ((seen << shift) | 1) & ((1 << _NC_WINDOW) - 1) if shift < _NC_WINDOW else 1
            highest = nc
        else:
            offset = highest - nc
            if offset >= _NC_WINDOW:
                raise DigestError(f"nonce count {nc:08x} is too far behind {highest:08x}")
            if seen >> offset & 1:
                raise DigestError(f"nonce count {nc:08x} replayed")
            seen |= 1 << offset
        self._entries[nonce] = (issued, highest, seen)
        self._entries.move_to_end(nonce)

    def _admit(self, nonce: str, issued: int, nc: int) -> None:
        if issued <= self._horizon:
            raise DigestError("nonce no longer tracked", stale=True)
        while len(self._entries) >= self._capacity:
            _, (evicted_issue, _, _) = self._entries.popitem(last=False)
            self._horizon = max(self._horizon, evicted_issue)
        self._entries[nonce] = (issued, nc, 1)


# -- parsing ---------------------------------------------------------------


def _parse_credentials(authorization: str) -> _Credentials:
    params = _parse_digest_params(authorization)
    for name in _REQUIRED_PARAMS:
        if name not in params:
            raise DigestError(f"missing parameter {name!r}")
    return _Credentials(
        username=params["username"],
        realm=params["realm"],
        nonce=params["nonce"],
        uri=params["uri"],
        response=params["response"],
        algorithm=params.get("algorithm") or _algorithm_by_length(params["response"]),
        qop=params.get("qop"),
        nc=params.get("nc"),
        cnonce=params.get("cnonce"),
    )


def _algorithm_by_length(response: str) -> str:
    """The algorithm of an answer that does not name one: MD5 by RFC 7616, unless it is
    too long for MD5 (aiortsp hashes with the offered SHA-256 and leaves the name out)."""
    return "SHA-256" if len(response) == 64 else "MD5"


def _parse_digest_params(header: str) -> dict[str, str]:
    """Split `Digest k=v, k="v"` into lower-cased keys and unquoted values."""
    _check_length(header, DigestError)
    scheme = _SCHEME.match(header)
    if scheme is None or scheme.group(1).lower() != "digest":
        raise DigestError("not a Digest Authorization header")
    params: dict[str, str] = {}
    pos = scheme.end()
    while not _END_OF_LIST.match(header, pos):
        param = _PARAM.match(header, pos)
        if param is None:
            raise DigestError(f"malformed Authorization header at offset {pos}")
        name, quoted, token = param.groups()
        name = name.lower()
        if name in params:
            raise DigestError(f"duplicate parameter {name!r}")
        if quoted is None:
            params[name] = token
        else:
            params[name] = _QUOTED_PAIR.sub(r"\1", quoted) if "\\" in quoted else quoted
        pos = param.end()
    if not params:
        raise DigestError("Digest Authorization header has no parameters")
    return params


def parse_basic(authorization: str) -> tuple[str, str]:
    """Return (user, password) from a Basic Authorization header (RFC 7617)."""
    _check_length(authorization, AuthError)
    scheme, _, encoded = authorization.strip(" \t").partition(" ")
    if scheme.lower() != "basic":
        raise AuthError("not a Basic Authorization header")
    encoded = encoded.strip(" \t")
    if not encoded:
        raise AuthError("malformed Basic credentials: empty")
    try:
        decoded = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise AuthError("malformed Basic credentials: not Base64") from None
    user, colon, password = _text_from_bytes(decoded).partition(":")
    if not colon:
        raise AuthError("malformed Basic credentials: no ':' separator")
    return user, password


# -- helpers ---------------------------------------------------------------


def _check_length(header: str, error: Callable[[str], AuthError]) -> None:
    if len(header) > MAX_HEADER_LENGTH:
        raise error(
            f"Authorization header too long ({len(header)} characters, limit {MAX_HEADER_LENGTH})"
        )


def _canonical_algorithm(name: str) -> str:
    canonical = name.upper()
    if canonical not in _HASHES:
        raise ValueError(f"unsupported Digest algorithm {name!r}; choose from {sorted(_HASHES)}")
    return canonical


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _decode_nonce(nonce: str) -> bytes | None:
    if len(nonce) != _NONCE_LENGTH:
        return None
    try:
        raw = base64.b64decode(nonce + "=", altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None
    # Only the spelling we issued: "+" for "-", or stray padding bits in the
    # last character, decode to the same bytes but would dodge the nc table.
    return raw if _encode_nonce(raw) == nonce else None


def _encode_nonce(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _wire_bytes(text: str) -> bytes:
    """The bytes the client sent: ASGI servers decode header bytes as latin-1."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:  # the caller passed real Unicode
        return text.encode("utf-8")


def _text_from_bytes(raw: bytes) -> str:
    # Clients differ: httpx and aiohttp send UTF-8, requests sends latin-1.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _text_from_wire(text: str) -> str:
    return _text_from_bytes(_wire_bytes(text))


def _expected_response(creds: _Credentials, algorithm: str, method: str, password: str) -> bytes:
    hash_function = _HASHES[algorithm.removesuffix("-SESS")]

    def h(*parts: bytes) -> bytes:
        return hash_function(b":".join(parts)).hexdigest().encode("ascii")

    nonce = creds.nonce.encode("ascii")
    ha1 = h(_wire_bytes(creds.username), _wire_bytes(creds.realm), password.encode("utf-8"))
    if algorithm.endswith("-SESS"):
        ha1 = h(ha1, nonce, _wire_bytes(creds.cnonce or ""))
    ha2 = h(_wire_bytes(method), _wire_bytes(creds.uri))
    if creds.qop is None:
        return h(ha1, nonce, ha2)
    nc, cnonce, qop = (_wire_bytes(value or "") for value in (creds.nc, creds.cnonce, creds.qop))
    return h(ha1, nonce, nc, cnonce, qop, ha2)


def _same_target(digest_uri: str, request_uri: str) -> bool:
    """RFC 7616 3.4.6: equal, or an absolute URI naming the same path and query."""
    if digest_uri == request_uri:
        return True
    parts = urlsplit(digest_uri)
    if not parts.scheme:
        return False
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return target == request_uri
