"""HTTP Digest (and Basic parsing), checked against what real clients send.

Happy paths are produced by httpx, requests and aiohttp themselves, fed the
challenges `DigestAuthenticator.challenge()` returns; failures are those
clients' headers with one thing wrong, plus a table of hostile strings.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import itertools
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import requests
import urllib3
from requests.adapters import HTTPAdapter

from onvif_device.soap.digest import (
    MAX_HEADER_LENGTH,
    AuthError,
    DigestAuthenticator,
    DigestError,
    parse_basic,
)

T0 = 1_714_564_800.0  # 2024-05-01T12:00:00Z
SECRET = b"0123456789abcdef0123456789abcdef"
REALM = "onvif-device"
URL = "http://camera.test/onvif/device_service"
PATH = "/onvif/device_service"
USERS = {"admin": "secret", "José": "pässwörd"}


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def counting_randbytes() -> Callable[[int], bytes]:
    """Deterministic "random" bytes: 1, 2, 3... big-endian."""
    counter = itertools.count(1)
    return lambda size: next(counter).to_bytes(size, "big")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_server(clock: FakeClock, **options: Any) -> DigestAuthenticator:
    """A server with a pinned secret, clock and randomness."""
    options.setdefault("secret", SECRET)
    return DigestAuthenticator(REALM, clock=clock, randbytes=counting_randbytes(), **options)


@pytest.fixture
def server(clock: FakeClock) -> DigestAuthenticator:
    return make_server(clock)


# -- real clients ------------------------------------------------------------


def httpx_header(
    challenges: list[str],
    auth: httpx.DigestAuth | None = None,
    method: str = "POST",
    url: str = URL,
) -> str:
    """The Authorization value httpx.DigestAuth answers a 401 carrying `challenges` with."""
    auth = auth or httpx.DigestAuth("admin", "secret")
    request = httpx.Request(method, url)
    flow = auth.sync_auth_flow(request)
    next(flow)
    response = httpx.Response(
        401, headers=[("WWW-Authenticate", value) for value in challenges], request=request
    )
    return _raw_authorization(flow.send(response))


def _raw_authorization(request: httpx.Request) -> str:
    """The header as an ASGI server hands it on: the raw bytes decoded as latin-1."""
    for name, value in request.headers.raw:
        if name.lower() == b"authorization":
            return value.decode("latin-1")
    raise AssertionError("httpx sent no Authorization header")


def next_httpx_header(auth: httpx.DigestAuth, method: str = "POST", url: str = URL) -> str:
    """httpx reusing its last challenge pre-emptively (nc counts up)."""
    request = httpx.Request(method, url)
    return _raw_authorization(next(auth.sync_auth_flow(request)))


def algorithm_of(header: str) -> str:
    match = re.search(r'algorithm="?([A-Za-z0-9-]+)', header)
    assert match is not None
    return match.group(1)


def nonce_of(challenge: str) -> str:
    match = re.search(r'nonce="([^"]+)"', challenge)
    assert match is not None
    return match.group(1)


class CameraServer:
    """A pretend HTTP endpoint: 401 with challenges until `verify` accepts."""

    def __init__(self, authenticator: DigestAuthenticator) -> None:
        self.authenticator = authenticator
        self.errors: list[DigestError] = []
        self.users: list[str] = []

    def respond(self, method: str, target: str, authorization: str | None) -> tuple[int, list[str]]:
        if authorization:
            try:
                user = self.authenticator.verify(
                    method, authorization, USERS.get, request_uri=target
                )
            except DigestError as error:
                self.errors.append(error)
                return 401, self.authenticator.challenge(stale=error.stale)
            self.users.append(user)
            return 200, []
        return 401, self.authenticator.challenge()

    def httpx_handler(self, request: httpx.Request) -> httpx.Response:
        authorization = request.headers.get("Authorization")
        target = request.url.raw_path.decode()
        status, challenges = self.respond(request.method, target, authorization)
        return httpx.Response(status, headers=[("WWW-Authenticate", value) for value in challenges])


def test_httpx_client_authenticates_and_counts_nonce_uses(server: DigestAuthenticator) -> None:
    camera = CameraServer(server)
    transport = httpx.MockTransport(camera.httpx_handler)
    with httpx.Client(transport=transport, auth=httpx.DigestAuth("admin", "secret")) as client:
        responses = [client.post(URL) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert camera.users == ["admin"] * 3
    assert camera.errors == []
    # One 401 for the first request only; then httpx reuses the nonce, nc 2 and 3.
    assert [len(r.history) for r in responses] == [1, 0, 0]
    assert "nc=00000003" in responses[2].request.headers["Authorization"]


def test_httpx_recovers_from_expired_nonce(clock: FakeClock, server: DigestAuthenticator) -> None:
    camera = CameraServer(server)
    transport = httpx.MockTransport(camera.httpx_handler)
    with httpx.Client(transport=transport, auth=httpx.DigestAuth("admin", "secret")) as client:
        assert client.post(URL).status_code == 200
        clock.now += 301
        response = client.post(URL)
    assert response.status_code == 200
    assert [str(e) for e in camera.errors] == ["nonce expired"]
    assert camera.errors[0].stale
    assert "stale=true" in response.history[0].headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    "algorithms", [("SHA-256", "MD5"), ("MD5", "SHA-256"), ("MD5",), ("SHA-256",)]
)
def test_httpx_answers_the_first_challenge(clock: FakeClock, algorithms: tuple[str, ...]) -> None:
    server = make_server(clock, algorithms=algorithms)
    header = httpx_header(server.challenge())
    assert algorithm_of(header) == algorithms[0]
    assert server.verify("POST", header, USERS.get, request_uri=PATH) == "admin"


class _FakeCameraAdapter(HTTPAdapter):
    """requests transport that asks CameraServer instead of the network."""

    def __init__(self, camera: CameraServer) -> None:
        super().__init__()
        self.camera = camera
        self.sent: list[requests.PreparedRequest] = []

    def send(
        self, request: requests.PreparedRequest, *args: object, **kwargs: object
    ) -> requests.Response:
        self.sent.append(request)
        status, challenges = self.camera.respond(
            str(request.method), request.path_url, _text(request.headers.get("Authorization"))
        )
        headers = urllib3.HTTPHeaderDict()
        for value in challenges:
            headers.add("WWW-Authenticate", value)
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(b""), headers=headers, status=status, preload_content=False
        )
        return self.build_response(request, raw)


def _text(value: str | bytes | None) -> str | None:
    return value.decode("latin-1") if isinstance(value, bytes) else value


@pytest.mark.parametrize("algorithms", [("SHA-256", "MD5"), ("MD5", "SHA-256")])
def test_requests_merges_challenges_and_still_authenticates(
    clock: FakeClock, algorithms: tuple[str, ...]
) -> None:
    camera = CameraServer(make_server(clock, algorithms=algorithms))
    adapter = _FakeCameraAdapter(camera)
    with requests.Session() as session:
        session.mount("http://", adapter)
        response = session.post(URL, auth=requests.auth.HTTPDigestAuth("admin", "secret"))
    assert response.status_code == 200
    assert camera.errors == []
    # urllib3 joins the two headers into one line and requests lets later keys
    # win, so with realm first in each challenge it ends up on the last one.
    sent = _text(adapter.sent[-1].headers["Authorization"])
    assert sent is not None and algorithm_of(sent) == algorithms[-1]


@pytest.mark.parametrize("algorithms", [("SHA-256", "MD5"), ("MD5", "SHA-256")])
def test_aiohttp_middleware_answers_the_first_challenge(
    clock: FakeClock, algorithms: tuple[str, ...]
) -> None:
    # onvif-zeep-async (Home Assistant) uses this middleware for HTTP Digest.
    from aiohttp import DigestAuthMiddleware
    from multidict import CIMultiDict
    from yarl import URL as YarlURL

    camera = CameraServer(make_server(clock, algorithms=algorithms))
    sent: list[str | None] = []

    async def handler(request: SimpleNamespace) -> SimpleNamespace:
        authorization = request.headers.get("Authorization")
        sent.append(authorization)
        status, challenges = camera.respond(request.method, request.url.raw_path_qs, authorization)
        headers = CIMultiDict(("WWW-Authenticate", value) for value in challenges)
        return SimpleNamespace(status=status, headers=headers, url=request.url)

    request = SimpleNamespace(method="POST", url=YarlURL(URL), headers=CIMultiDict(), body=b"")
    middleware = DigestAuthMiddleware("admin", "secret")
    response = asyncio.run(middleware(request, handler))  # type: ignore[arg-type]
    assert response.status == 200
    assert camera.errors == []
    assert sent[-1] is not None and algorithm_of(sent[-1]) == algorithms[0]


def test_md5_sess(server: DigestAuthenticator) -> None:
    challenge = server.challenge()[-1].replace("algorithm=MD5", "algorithm=MD5-sess")
    header = httpx_header([challenge])
    assert algorithm_of(header) == "MD5-sess"
    assert server.verify("POST", header, USERS.get) == "admin"


def test_non_ascii_user_name_as_asgi_delivers_it(server: DigestAuthenticator) -> None:
    # httpx hashes and sends UTF-8; the ASGI server decodes header bytes as latin-1.
    header = httpx_header(server.challenge(), httpx.DigestAuth("José", "pässwörd"))
    assert "JosÃ©" in header
    assert server.verify("POST", header, USERS.get) == "José"


def test_rfc2069_client_only_when_allowed(clock: FakeClock) -> None:
    strict, legacy = make_server(clock), make_server(clock, allow_rfc2069=True)
    challenge = strict.challenge()[-1].replace(' qop="auth",', "")
    header = httpx_header([challenge])
    assert "qop" not in header
    with pytest.raises(DigestError, match=r"^missing qop \(RFC 2069 digest is disabled\)$"):
        strict.verify("POST", header, USERS.get)
    assert legacy.verify("POST", header, USERS.get) == "admin"
    sess = httpx_header([challenge.replace("algorithm=MD5", "algorithm=MD5-sess")])
    with pytest.raises(DigestError, match="^MD5-sess needs qop=auth$"):
        legacy.verify("POST", sess, USERS.get)


# -- challenge ---------------------------------------------------------------


def test_challenge_offers_one_nonce_in_preference_order(server: DigestAuthenticator) -> None:
    sha256, md5 = server.challenge()
    nonce = nonce_of(sha256)
    opaque = re.search(r'opaque="([0-9a-f]{16})"', sha256)
    assert opaque is not None
    common = f'Digest realm="{REALM}", nonce="{nonce}", qop="auth", opaque="{opaque.group(1)}"'
    assert sha256 == f"{common}, algorithm=SHA-256"
    assert md5 == f"{common}, algorithm=MD5"
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", nonce)


def test_challenge_is_deterministic_and_fresh(clock: FakeClock) -> None:
    first, second = make_server(clock), make_server(clock)
    assert first.challenge() == second.challenge()
    assert nonce_of(first.challenge()[0]) != nonce_of(first.challenge()[0])


def test_stale_challenge_puts_stale_right_after_nonce(server: DigestAuthenticator) -> None:
    # live555 scans 'Digest realm="..", nonce="..", stale=..' in that order.
    value = server.challenge(stale=True)[0]
    assert re.match(r'Digest realm="[^"]*", nonce="[^"]*", stale=true, qop="auth"', value)


def test_realm_is_quoted(clock: FakeClock) -> None:
    server = DigestAuthenticator('say "cheese"', clock=clock)
    assert server.challenge()[0].startswith(r'Digest realm="say \"cheese\"", ')


def test_constructor_rejects_unknown_algorithms() -> None:
    with pytest.raises(ValueError, match="unsupported Digest algorithm 'SHA-512'"):
        DigestAuthenticator(REALM, algorithms=("SHA-512",))
    with pytest.raises(ValueError, match="at least one Digest algorithm"):
        DigestAuthenticator(REALM, algorithms=())
    with pytest.raises(ValueError, match="max_nonces must be at least 1"):
        DigestAuthenticator(REALM, max_nonces=0)


# -- failures ----------------------------------------------------------------


def rejects(server: DigestAuthenticator, header: str, message: str, **kwargs: str) -> DigestError:
    with pytest.raises(DigestError) as caught:
        server.verify("POST", header, USERS.get, **kwargs)
    assert str(caught.value) == message
    return caught.value


def test_wrong_password(server: DigestAuthenticator) -> None:
    header = httpx_header(server.challenge(), httpx.DigestAuth("admin", "guess"))
    error = rejects(server, header, "wrong user name or password for 'admin'")
    assert not error.stale


def test_unknown_user(server: DigestAuthenticator) -> None:
    header = httpx_header(server.challenge(), httpx.DigestAuth("mallory", "secret"))
    rejects(server, header, "wrong user name or password for 'mallory'")


def test_wrong_method_fails_the_response(server: DigestAuthenticator) -> None:
    header = httpx_header(server.challenge(), method="GET")
    rejects(server, header, "wrong user name or password for 'admin'")


def test_nonce_count_replay(server: DigestAuthenticator) -> None:
    header = httpx_header(server.challenge())
    server.verify("POST", header, USERS.get)
    rejects(server, header, "nonce count 00000001 replayed")


def test_nonce_counts_may_arrive_out_of_order_but_only_once(server: DigestAuthenticator) -> None:
    auth = httpx.DigestAuth("admin", "secret")
    first = httpx_header(server.challenge(), auth)
    second, third = next_httpx_header(auth), next_httpx_header(auth)
    for header in (third, first, second):
        assert server.verify("POST", header, USERS.get) == "admin"
    rejects(server, second, "nonce count 00000002 replayed")


def test_nonce_count_too_far_behind(server: DigestAuthenticator) -> None:
    auth = httpx.DigestAuth("admin", "secret")
    first = httpx_header(server.challenge(), auth)
    headers = [next_httpx_header(auth) for _ in range(64)]
    server.verify("POST", headers[-1], USERS.get)  # nc 65
    rejects(server, first, "nonce count 00000001 is too far behind 00000041")


def test_expired_nonce_is_stale(clock: FakeClock, server: DigestAuthenticator) -> None:
    header = httpx_header(server.challenge())
    clock.now += 300
    assert server.verify("POST", header, USERS.get) == "admin"
    clock.now += 1
    assert rejects(server, header, "nonce expired").stale


def test_expired_nonce_with_wrong_password_is_not_stale(
    clock: FakeClock, server: DigestAuthenticator
) -> None:
    header = httpx_header(server.challenge(), httpx.DigestAuth("admin", "guess"))
    clock.now += 301
    assert not rejects(server, header, "wrong user name or password for 'admin'").stale


def test_nonce_from_the_future_is_stale(clock: FakeClock, server: DigestAuthenticator) -> None:
    header = httpx_header(server.challenge())
    clock.now -= 5  # the host clock was set back
    assert rejects(server, header, "nonce issued in the future").stale


def test_tampered_nonce(server: DigestAuthenticator) -> None:
    challenge = server.challenge()[0]
    nonce = nonce_of(challenge)
    # Move the issue time forward a little; the client signs what it is given.
    forged = nonce[:8] + ("B" if nonce[8] != "B" else "C") + nonce[9:]
    header = httpx_header([challenge.replace(nonce, forged)])
    assert not rejects(server, header, "nonce was not issued by this device").stale


def test_nonce_must_be_spelled_as_issued(server: DigestAuthenticator) -> None:
    # Setting the unused low bits of the last Base64 digit decodes to the same
    # bytes; accepting it would give the nonce a second entry in the nc table.
    challenge = server.challenge()[0]
    nonce = nonce_of(challenge)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    respelled = nonce[:-1] + alphabet[alphabet.index(nonce[-1]) | 1]
    assert base64.urlsafe_b64decode(respelled + "=") == base64.urlsafe_b64decode(nonce + "=")
    header = httpx_header([challenge.replace(nonce, respelled)])
    rejects(server, header, "nonce was not issued by this device")


@pytest.mark.parametrize("nonce", ["", "short", "!" * 43, "A" * 44])
def test_malformed_nonce(server: DigestAuthenticator, nonce: str) -> None:
    challenge = server.challenge()[0]
    header = httpx_header([challenge.replace(nonce_of(challenge), nonce)])
    rejects(server, header, "nonce was not issued by this device")


def test_nonce_of_another_device(clock: FakeClock, server: DigestAuthenticator) -> None:
    other = make_server(clock, secret=b"another secret")
    header = httpx_header(other.challenge())
    rejects(server, header, "nonce was not issued by this device")


def test_unsupported_algorithm(clock: FakeClock, server: DigestAuthenticator) -> None:
    challenge = server.challenge()[0].replace("algorithm=SHA-256", "algorithm=SHA-512")
    rejects(server, httpx_header([challenge]), "unsupported algorithm 'SHA-512'")
    sha256_only = make_server(clock, algorithms=("SHA-256",))
    md5 = httpx_header([sha256_only.challenge()[0].replace("SHA-256", "MD5")])
    rejects(sha256_only, md5, "unsupported algorithm 'MD5'")


def test_unsupported_qop(server: DigestAuthenticator) -> None:
    header = httpx_header(server.challenge()).replace("qop=auth", "qop=auth-int")
    rejects(server, header, "unsupported qop 'auth-int'")


def test_realm_mismatch(server: DigestAuthenticator) -> None:
    header = httpx_header([server.challenge()[0].replace(REALM, "elsewhere")])
    rejects(server, header, "realm 'elsewhere' does not match 'onvif-device'")


def test_opaque_is_not_needed(server: DigestAuthenticator) -> None:
    # The nonce's MAC proves its origin; clients that drop or mangle opaque pass.
    challenge = re.sub(r'opaque="[^"]*"', 'opaque="0000"', server.challenge()[0])
    assert server.verify("POST", httpx_header([challenge]), USERS.get) == "admin"


def test_uri_must_name_the_request_target(server: DigestAuthenticator) -> None:
    header = httpx_header(server.challenge(), url="http://camera.test/onvif/media_service")
    rejects(
        server,
        header,
        "uri '/onvif/media_service' does not match request target '/onvif/device_service'",
        request_uri=PATH,
    )


@pytest.mark.parametrize("query", ["", "?a=1"])
def test_absolute_uri_form_is_the_same_target(server: DigestAuthenticator, query: str) -> None:
    header = reference_header(server, uri=URL + query)
    assert server.verify("POST", header, USERS.get, request_uri=PATH + query) == "admin"


@pytest.mark.parametrize("nc", ["1", "0000001g", "000000001", "00000000"])
def test_malformed_nonce_count(server: DigestAuthenticator, nc: str) -> None:
    header = httpx_header(server.challenge()).replace("nc=00000001", f"nc={nc}")
    rejects(server, header, f"malformed nonce count {nc!r}")


@pytest.mark.parametrize("name", ["username", "realm", "nonce", "uri", "response"])
def test_missing_parameter(server: DigestAuthenticator, name: str) -> None:
    header = re.sub(rf'\b{name}="[^"]*", ', "", httpx_header(server.challenge()))
    rejects(server, header, f"missing parameter {name!r}")


@pytest.mark.parametrize("name", ["nc", "cnonce"])
def test_qop_without_counts(server: DigestAuthenticator, name: str) -> None:
    header = re.sub(rf', {name}="?[^",]*"?', "", httpx_header(server.challenge()))
    rejects(server, header, "qop=auth needs nc and cnonce")


def test_duplicate_parameter(server: DigestAuthenticator) -> None:
    header = httpx_header(server.challenge()) + ', Username="eve"'
    rejects(server, header, "duplicate parameter 'username'")


def test_forgotten_nonce_is_stale_not_replayable(clock: FakeClock) -> None:
    server = make_server(clock, max_nonces=2)
    clients = [httpx.DigestAuth("admin", "secret") for _ in range(3)]
    firsts = [httpx_header(server.challenge(), auth) for auth in clients]
    seconds = [next_httpx_header(auth) for auth in clients]
    for header in firsts:
        server.verify("POST", header, USERS.get)
    assert server.tracked_nonces == 2
    # The first nonce was evicted: its counts cannot be checked any more.
    assert rejects(server, seconds[0], "nonce no longer tracked").stale
    assert rejects(server, firsts[0], "nonce no longer tracked").stale
    assert server.verify("POST", seconds[2], USERS.get) == "admin"


def test_nonce_table_stays_bounded(clock: FakeClock) -> None:
    server = make_server(clock, max_nonces=100)
    for _ in range(1000):
        clock.now += 0.001
        server.verify("POST", reference_header(server), USERS.get)
        assert server.tracked_nonces <= 100
    assert server.tracked_nonces == 100


# -- header syntax -------------------------------------------------------------


def reference_header(
    server: DigestAuthenticator,
    username: str = "admin",
    password: str = "secret",
    *,
    uri: str = PATH,
    separator: str = ", ",
) -> str:
    """A Digest answer written from RFC 7616 by hand, escaping quoted strings."""
    nonce = nonce_of(server.challenge()[-1])  # MD5

    def h(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    ha1, ha2 = h(f"{username}:{REALM}:{password}"), h(f"POST:{uri}")
    response = h(f"{ha1}:{nonce}:00000001:c,n\"once:auth:{ha2}")
    quoted_user = username.replace("\\", "\\\\").replace('"', '\\"')
    fields = [
        f'username="{quoted_user}"',
        f'realm="{REALM}"',
        f'nonce="{nonce}"',
        f'uri="{uri}"',
        "qop=auth",
        "nc=00000001",
        'cnonce="c,n\\"once"',
        f'response="{response}"',
        "algorithm=MD5",
    ]
    return "Digest " + separator.join(fields)


@pytest.mark.parametrize("separator", [", ", ",", " ,\t", ",,  ,"])
def test_quoted_strings_with_escapes_and_commas(
    server: DigestAuthenticator, separator: str
) -> None:
    users = {'we"ird, \\user': "pw"}
    header = reference_header(server, 'we"ird, \\user', "pw", separator=separator)
    assert server.verify("POST", header, users.get) == 'we"ird, \\user'


def test_scheme_and_names_are_case_insensitive(server: DigestAuthenticator) -> None:
    header = reference_header(server).replace("Digest ", "dIgEsT ")
    header = header.replace("username=", "UserName=")
    assert server.verify("POST", header, USERS.get) == "admin"


GARBAGE = [
    ("", "not a Digest Authorization header"),
    ("Digest", "Digest Authorization header has no parameters"),
    ("Digest ", "Digest Authorization header has no parameters"),
    ("Digest , ,", "Digest Authorization header has no parameters"),
    ("Basic YWRtaW46c2VjcmV0", "not a Digest Authorization header"),
    ("Digestusername=x", "not a Digest Authorization header"),
    ('Digest username="unclosed', "malformed Authorization header at offset 7"),
    ('Digest username="a" realm="b"', "malformed Authorization header at offset 7"),
    ("Digest username", "malformed Authorization header at offset 7"),
    ("Digest =x", "malformed Authorization header at offset 7"),
    ("Digest a=b=c", "missing parameter 'username'"),
    ('Digest a="b"c', "malformed Authorization header at offset 7"),
    ("Digest a=\x00", "missing parameter 'username'"),
    ("Digest \x00", "malformed Authorization header at offset 7"),
    ('Digest username="\\', "malformed Authorization header at offset 7"),
    ("Digest " + "a=b, " * 800, "duplicate parameter 'a'"),
    ("Digest " + "x" * 10_000, "Authorization header too long (10007 characters, limit 4096)"),
    (
        'Digest username="' + '\\"' * 5000,
        "Authorization header too long (10017 characters, limit 4096)",
    ),
    ("\udcff\U0001f600", "not a Digest Authorization header"),
]


@pytest.mark.parametrize(("header", "message"), GARBAGE)
def test_garbage_headers_raise_only_digest_error(
    server: DigestAuthenticator, header: str, message: str
) -> None:
    rejects(server, header, message)


def test_limit_is_generous_enough_for_real_headers(server: DigestAuthenticator) -> None:
    assert len(httpx_header(server.challenge())) < MAX_HEADER_LENGTH // 8


def test_unicode_outside_latin1_is_tolerated(server: DigestAuthenticator) -> None:
    header = reference_header(server, "€uro", "pw")
    assert server.verify("POST", header, {"€uro": "pw"}.get) == "€uro"


# -- Basic ---------------------------------------------------------------------


def basic(credentials: bytes) -> str:
    return "Basic " + base64.b64encode(credentials).decode()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (basic(b"admin:secret"), ("admin", "secret")),
        (basic(b"admin:"), ("admin", "")),
        (basic(b"admin:pa:ss"), ("admin", "pa:ss")),
        (basic("José:pässwörd".encode()), ("José", "pässwörd")),  # UTF-8 (httpx)
        (basic("José:pässwörd".encode("latin-1")), ("José", "pässwörd")),  # requests
        ("basic " + base64.b64encode(b"a:b").decode(), ("a", "b")),
    ],
)
def test_parse_basic(header: str, expected: tuple[str, str]) -> None:
    assert parse_basic(header) == expected


def test_parse_basic_matches_httpx() -> None:
    request = next(httpx.BasicAuth("admin", "secret").sync_auth_flow(httpx.Request("GET", URL)))
    assert parse_basic(request.headers["Authorization"]) == ("admin", "secret")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("", "not a Basic Authorization header"),
        ("Digest a=b", "not a Basic Authorization header"),
        ("Basic", "malformed Basic credentials: empty"),
        ("Basic   ", "malformed Basic credentials: empty"),
        ("Basic !!!!", "malformed Basic credentials: not Base64"),
        ("Basic YWRtaW4", "malformed Basic credentials: not Base64"),
        (basic(b"admin"), "malformed Basic credentials: no ':' separator"),
        ("Basic " + "A" * 5000, "Authorization header too long (5006 characters, limit 4096)"),
    ],
)
def test_parse_basic_rejects(header: str, message: str) -> None:
    with pytest.raises(AuthError) as caught:
        parse_basic(header)
    assert type(caught.value) is AuthError
    assert str(caught.value) == message


def test_digest_error_is_an_auth_error() -> None:
    error = DigestError("x", stale=True)
    assert isinstance(error, AuthError) and error.stale
    assert AuthError("y").stale is False
