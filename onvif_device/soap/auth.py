"""Who is calling: HTTP Digest (or Basic when enabled), else WS-Security.

Follows the Core spec's order: credentials on the HTTP level are checked
first; a request with none at all, for an operation that needs them, gets a
401 with Digest challenges; a request with a UsernameToken that does not
verify gets a ter:NotAuthorized fault.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Callable

from onvif_device.camera.errors import NotAuthorized
from onvif_device.soap.digest import AuthError, DigestAuthenticator, DigestError, parse_basic
from onvif_device.soap.envelope import Request
from onvif_device.soap.wsse import UsernameTokenVerifier, WsseError
from onvif_device.xml import clark

_SECURITY = clark("wsse:Security")


@dataclass(frozen=True, slots=True)
class Caller:
    username: str | None
    level: str


ANONYMOUS = Caller(None, "Anonymous")


class Challenge(Exception):
    """Answer 401 with these WWW-Authenticate values."""

    def __init__(self, headers: list[str], reason: str) -> None:
        super().__init__(reason)
        self.headers = headers
        self.reason = reason


class Authenticator:
    def __init__(
        self,
        *,
        digest: DigestAuthenticator,
        wsse: UsernameTokenVerifier,
        password_of: Callable[[str], str | None],
        level_of: Callable[[str], str | None],
        allow_basic: bool = False,
    ) -> None:
        self.digest = digest
        self.wsse = wsse
        self._password_of = password_of
        self._level_of = level_of
        self._allow_basic = allow_basic

    def identify(
        self, method: str, target: str | None, authorization: str | None, request: Request | None = None
    ) -> Caller:
        """The authenticated caller, or ANONYMOUS when no credentials came.

        `target` is the request's path and query, which a Digest `uri` must name.
        `request` is the SOAP message, for WS-Security; plain HTTP routes have none.
        """
        security = request.header_block(_SECURITY) if request is not None else None
        if authorization:
            # Credentials on both levels: the HTTP ones first, then the WS ones must hold too.
            caller = self._caller(self._http_user(method, target, authorization))
            if security is not None:
                self._wsse_user(security)
            return caller
        if security is not None:
            return self._caller(self._wsse_user(security))
        return ANONYMOUS

    def _wsse_user(self, security) -> str:
        try:
            return self.wsse.verify(security, self._password_of)
        except WsseError as exc:
            raise NotAuthorized(reason=f"WS-Security: {exc}") from None

    def challenge(self, reason: str, stale: bool = False) -> Challenge:
        return Challenge(self.digest.challenge(stale=stale), reason)

    def _http_user(self, method: str, target: str | None, authorization: str) -> str:
        scheme = authorization.split(" ", 1)[0].lower()
        try:
            if scheme == "digest":
                return self.digest.verify(method, authorization, self._password_of, request_uri=target)
            if scheme == "basic" and self._allow_basic:
                username, password = parse_basic(authorization)
                expected = self._password_of(username)
                if expected is None or not _same(expected, password):
                    raise AuthError("wrong user name or password")
                return username
        except DigestError as exc:
            raise self.challenge(f"HTTP Digest: {exc}", stale=exc.stale) from None
        except AuthError as exc:
            raise self.challenge(f"HTTP {scheme.title()}: {exc}") from None
        raise self.challenge(f"HTTP authentication scheme {scheme!r} is not accepted")

    def _caller(self, username: str) -> Caller:
        level = self._level_of(username)
        if level is None:  # deleted between verification and now
            raise NotAuthorized(reason=f"unknown user {username!r}")
        return Caller(username, level)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
