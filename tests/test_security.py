"""Security of the SOAP endpoint, over real HTTP against a running camera.

Every fault is checked three ways: the HTTP status, the exact SOAP 1.2
Code/Subcode chain, and the whole envelope against the official ONVIF
schemas.  Groups:

- PRE_AUTH operations answer anonymously; everything else gets a 401 with
  Digest challenges (Core: "Authentication over HTTP and HTTPS").
- WS-Security UsernameToken: digest and text passwords, and every way a
  token can be wrong (password, user, replay, clock, encoding, fields).
- HTTP Digest (RFC 7616): MD5 and SHA-256 through httpx, SetHashingAlgorithm,
  forged and replayed credentials, curl as a second real client.
- HTTP Basic: off by default, on with `auth.http_basic`.
- The default access policy by user level (Core, "Default Access Policy").
- Hostile XML: entity expansion, external entities and DTDs, depth, size,
  things that are not SOAP at all.
- The shape of every response (XML declaration, Content-Type per SOAP version).
- The IP address filter.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import http.server
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from lxml import etree
from soaputil import (
    wait_until_down_and_up,
    SOAP11,
    SOAP12,
    TDS,
    TT,
    WSSE,
    envelope,
    fault_codes,
    minutes_ago,
    username_token,
)

from onvif_device.config import AuthConfig, Config, ServerConfig
from onvif_device.services import operation_table
from onvif_device.soap.access import AccessClass

SENDER = "s:Sender"
RECEIVER = "s:Receiver"
NOT_AUTHORIZED = [SENDER, "ter:NotAuthorized"]
WELL_FORMED = [SENDER, "ter:WellFormed"]

GET_DEVICE_INFORMATION = "<tds:GetDeviceInformation/>"
GET_USERS = "<tds:GetUsers/>"
GET_HOSTNAME = "<tds:GetHostname/>"
GET_DATE = "<tds:GetSystemDateAndTime/>"
REBOOT = "<tds:SystemReboot/>"

PRE_AUTH_BODIES = {
    "GetSystemDateAndTime": GET_DATE,
    "GetServices": "<tds:GetServices><tds:IncludeCapability>true</tds:IncludeCapability></tds:GetServices>",
    "GetCapabilities": "<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>",
    "GetServiceCapabilities": "<tds:GetServiceCapabilities/>",
    "GetWsdlUrl": "<tds:GetWsdlUrl/>",
    "GetHostname": GET_HOSTNAME,
    "GetEndpointReference": "<tds:GetEndpointReference/>",
}


def set_hostname(name: str) -> str:
    return f"<tds:SetHostname><tds:Name>{name}</tds:Name></tds:SetHostname>"


def create_user(username: str, password: str, level: str) -> str:
    return (
        f"<tds:CreateUsers><tds:User><tt:Username>{username}</tt:Username>"
        f"<tt:Password>{password}</tt:Password><tt:UserLevel>{level}</tt:UserLevel>"
        "</tds:User></tds:CreateUsers>"
    )


# --- checking responses ---------------------------------------------------------------------


def check_soap12(response: httpx.Response, status: int, schemas) -> etree._Element:
    """Status, XML declaration, Content-Type and schema validity; return the Body child."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.content.startswith(b"<?xml"), response.content[:80]
    assert response.headers["content-type"].startswith("application/soap+xml"), response.headers
    return schemas.validate_envelope(response.content)


def fault_of(response: httpx.Response, status: int, schemas) -> tuple[list[str], str]:
    """(Code/Subcode values outermost first, Reason text) of a validated SOAP 1.2 fault."""
    fault = check_soap12(response, status, schemas)
    assert etree.QName(fault).localname == "Fault", etree.tostring(fault)
    reason = fault.findtext(f"{{{SOAP12}}}Reason/{{{SOAP12}}}Text")
    return fault_codes(fault), reason or ""


def post_as(soap, body: str, username: str, password: str, **kw) -> httpx.Response:
    """Post `body` with a fresh WS-Security PasswordDigest token for `username`."""
    return soap.post(envelope(body, username_token(username, password, **kw)))


def post_authorization(soap, data: bytes, authorization: str) -> httpx.Response:
    """Post `data` with a hand-made Authorization header."""
    headers = {"Content-Type": "application/soap+xml; charset=utf-8", "Authorization": authorization}
    return soap.http.post(soap.url, content=data, headers=headers)


def rss_bytes() -> int:
    """Resident set size of this process (the camera runs in a thread of it)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


# --- HTTP Digest by hand --------------------------------------------------------------------

_CHALLENGE_PARAM = re.compile(r'([A-Za-z-]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def parse_challenge(header: str) -> dict[str, str]:
    scheme, _, rest = header.partition(" ")
    assert scheme == "Digest", header
    return {name.lower(): quoted if quoted else token for name, quoted, token in _CHALLENGE_PARAM.findall(rest)}


def digest_challenges(response: httpx.Response) -> list[dict[str, str]]:
    headers = response.headers.get_list("www-authenticate")
    assert headers, "401 without WWW-Authenticate"
    return [parse_challenge(h) for h in headers]


def digest_authorization(
    username: str,
    password: str,
    challenge: dict[str, str],
    *,
    uri: str = "/onvif/device_service",
    nc: int = 1,
    algorithm: str | None = None,
    nonce: str | None = None,
) -> str:
    algorithm = algorithm or challenge["algorithm"]
    nonce = nonce or challenge["nonce"]

    def h(text: str) -> str:
        if algorithm == "MD5":
            return hashlib.md5(text.encode()).hexdigest()
        return hashlib.sha256(text.encode()).hexdigest()

    cnonce = os.urandom(8).hex()
    count = f"{nc:08x}"
    ha1 = h(f"{username}:{challenge['realm']}:{password}")
    ha2 = h(f"POST:{uri}")
    response = h(f"{ha1}:{nonce}:{count}:{cnonce}:auth:{ha2}")
    return (
        f'Digest username="{username}", realm="{challenge["realm"]}", nonce="{nonce}", uri="{uri}", '
        f'algorithm={algorithm}, qop=auth, nc={count}, cnonce="{cnonce}", response="{response}", '
        f'opaque="{challenge.get("opaque", "")}"'
    )


def fresh_challenge(soap, algorithm: str = "MD5") -> dict[str, str]:
    response = soap.post(envelope(GET_DEVICE_INFORMATION))
    assert response.status_code == 401
    return next(c for c in digest_challenges(response) if c["algorithm"] == algorithm)


def assert_digest_challenge(response: httpx.Response, schemas, algorithms: set[str]) -> list[dict[str, str]]:
    """A 401 with a ter:NotAuthorized fault and one Digest challenge per algorithm."""
    codes, _ = fault_of(response, 401, schemas)
    assert codes == NOT_AUTHORIZED
    challenges = digest_challenges(response)
    assert {c["algorithm"] for c in challenges} == algorithms
    assert len(challenges) == len(algorithms)
    for challenge in challenges:
        assert challenge["qop"] == "auth"
        assert challenge["realm"]
        assert challenge["nonce"]
    return challenges


# ============================================================================================
# PRE_AUTH and the 401 for everything else
# ============================================================================================


@pytest.mark.parametrize("name", sorted(PRE_AUTH_BODIES))
def test_pre_auth_operation_answers_without_credentials(soap, name):
    answer = soap.call(PRE_AUTH_BODIES[name], auth="none")
    assert etree.QName(answer).localname == f"{name}Response"


def test_only_the_core_pre_auth_operations_are_pre_auth():
    pre_auth = {op.name for op in operation_table().values() if op.access is AccessClass.PRE_AUTH}
    assert pre_auth <= set(PRE_AUTH_BODIES), pre_auth - set(PRE_AUTH_BODIES)
    device = {op.name for op in operation_table().values() if op.namespace == TDS and op.access is AccessClass.PRE_AUTH}
    assert device == set(PRE_AUTH_BODIES)


def test_every_other_operation_without_credentials_gets_digest_challenges(soap, onvif_schemas):
    operations = [op for op in operation_table().values() if op.access is not AccessClass.PRE_AUTH]
    assert len(operations) > 30
    for op in operations:
        # Authentication comes before argument parsing, so an empty request element will do.
        body = f'<op:{op.name} xmlns:op="{op.namespace}"/>'
        response = soap.post(envelope(body))
        assert response.status_code == 401, (op.name, response.status_code, response.text[:300])
        assert_digest_challenges_default(response, onvif_schemas)


def assert_digest_challenges_default(response, schemas):
    challenges = assert_digest_challenge(response, schemas, {"MD5", "SHA-256"})
    # All challenges share one nonce and realm, so clients that merge them still compute right.
    assert len({c["nonce"] for c in challenges}) == 1
    assert len({c["realm"] for c in challenges}) == 1


def test_empty_post_gets_the_challenge(soap, onvif_schemas):
    # curl --digest and some NVRs probe with an empty POST first.
    response = soap.post(b"")
    assert_digest_challenges_default(response, onvif_schemas)


# ============================================================================================
# WS-Security UsernameToken
# ============================================================================================


def test_wsse_password_digest_accepted(soap):
    answer = soap.call(GET_DEVICE_INFORMATION, auth="wsse")
    assert answer.findtext(f"{{{TDS}}}Manufacturer") == "onvif-device"


def test_wsse_password_text_accepted(soap, onvif_schemas):
    response = post_as(soap, GET_DEVICE_INFORMATION, "admin", "admin", digest=False)
    answer = check_soap12(response, 200, onvif_schemas)
    assert etree.QName(answer).localname == "GetDeviceInformationResponse"


def test_wsse_security_header_with_must_understand_is_understood(soap, onvif_schemas):
    token = username_token("admin", "admin").replace(
        "<wsse:Security ", f'<wsse:Security xmlns:s="{SOAP12}" s:mustUnderstand="true" ', 1
    )
    check_soap12(soap.post(envelope(GET_DEVICE_INFORMATION, token)), 200, onvif_schemas)


@pytest.mark.parametrize("digest", [True, False], ids=["PasswordDigest", "PasswordText"])
def test_wsse_wrong_password(soap, onvif_schemas, digest):
    response = post_as(soap, GET_DEVICE_INFORMATION, "admin", "wrong", digest=digest)
    codes, _ = fault_of(response, 400, onvif_schemas)
    assert codes == NOT_AUTHORIZED
    # A token that fails is a fault, not a challenge: the client chose WS-Security.
    assert "www-authenticate" not in response.headers


@pytest.mark.parametrize("digest", [True, False], ids=["PasswordDigest", "PasswordText"])
def test_wsse_unknown_user_gets_the_same_fault(soap, onvif_schemas, digest):
    response = post_as(soap, GET_DEVICE_INFORMATION, "ghost", "admin", digest=digest)
    codes, _ = fault_of(response, 400, onvif_schemas)
    assert codes == NOT_AUTHORIZED


def test_wsse_fault_reason_does_not_reveal_whether_the_user_exists(soap, onvif_schemas):
    _, wrong_password = fault_of(post_as(soap, GET_DEVICE_INFORMATION, "admin", "wrong"), 400, onvif_schemas)
    _, unknown_user = fault_of(post_as(soap, GET_DEVICE_INFORMATION, "ghost", "wrong"), 400, onvif_schemas)
    assert wrong_password.replace("admin", "<user>") == unknown_user.replace("ghost", "<user>")


def test_wsse_replayed_token_refused(soap, onvif_schemas):
    data = envelope(GET_DEVICE_INFORMATION, username_token("admin", "admin"))
    check_soap12(soap.post(data), 200, onvif_schemas)
    codes, reason = fault_of(soap.post(data), 400, onvif_schemas)
    assert codes == NOT_AUTHORIZED
    assert "replay" in reason.lower()


def test_wsse_replayed_nonce_with_new_created_refused(soap, onvif_schemas):
    nonce = os.urandom(16)
    check_soap12(post_as(soap, GET_DEVICE_INFORMATION, "admin", "admin", nonce=nonce), 200, onvif_schemas)
    again = post_as(soap, GET_DEVICE_INFORMATION, "admin", "admin", nonce=nonce, created=minutes_ago(0.5))
    codes, _ = fault_of(again, 400, onvif_schemas)
    assert codes == NOT_AUTHORIZED


@pytest.mark.parametrize("minutes", [10, -10], ids=["stale", "future"])
def test_wsse_created_outside_the_window_refused(soap, onvif_schemas, minutes):
    response = post_as(soap, GET_DEVICE_INFORMATION, "admin", "admin", created=minutes_ago(minutes))
    codes, _ = fault_of(response, 400, onvif_schemas)
    assert codes == NOT_AUTHORIZED


def test_wsse_created_within_the_window_accepted(soap, onvif_schemas):
    response = post_as(soap, GET_DEVICE_INFORMATION, "admin", "admin", created=minutes_ago(4))
    check_soap12(response, 200, onvif_schemas)


def _edit_token(pattern: str, replacement: str) -> str:
    token, count = re.subn(pattern, replacement, username_token("admin", "admin"))
    assert count == 1
    return token


BROKEN_TOKENS = {
    "malformed base64 nonce": lambda: _edit_token(
        r"<wsse:Nonce>[^<]*</wsse:Nonce>", "<wsse:Nonce>!!not*base64!!</wsse:Nonce>"
    ),
    "missing Username": lambda: _edit_token(r"<wsse:Username>[^<]*</wsse:Username>", ""),
    "empty Username": lambda: _edit_token(r"<wsse:Username>[^<]*</wsse:Username>", "<wsse:Username/>"),
    "missing Password": lambda: _edit_token(r"<wsse:Password [^>]*>[^<]*</wsse:Password>", ""),
    "missing Nonce": lambda: _edit_token(r"<wsse:Nonce>[^<]*</wsse:Nonce>", ""),
    "missing Created": lambda: _edit_token(r"<wsu:Created>[^<]*</wsu:Created>", ""),
    "malformed Created": lambda: _edit_token(
        r"<wsu:Created>[^<]*</wsu:Created>", "<wsu:Created>yesterday</wsu:Created>"
    ),
    "unknown Password Type": lambda: _edit_token(r'Type="[^"]*"', 'Type="urn:example:Plaintext2"'),
    "no UsernameToken": lambda: f'<wsse:Security xmlns:wsse="{WSSE}"/>',
}


@pytest.mark.parametrize("case", sorted(BROKEN_TOKENS))
def test_wsse_broken_token_refused(soap, onvif_schemas, case):
    response = soap.post(envelope(GET_DEVICE_INFORMATION, BROKEN_TOKENS[case]()))
    codes, _ = fault_of(response, 400, onvif_schemas)
    assert codes == NOT_AUTHORIZED


# ============================================================================================
# HTTP Digest
# ============================================================================================


def test_digest_with_httpx_takes_the_preferred_sha256(soap, onvif_schemas):
    with httpx.Client(auth=httpx.DigestAuth("admin", "admin"), timeout=10) as client:
        for _ in range(3):  # the same nonce with nc 1, 2, 3
            response = client.post(soap.url, content=envelope(GET_DEVICE_INFORMATION))
            answer = check_soap12(response, 200, onvif_schemas)
            assert etree.QName(answer).localname == "GetDeviceInformationResponse"
        sent = parse_challenge(response.request.headers["authorization"])
    # The device's preference: SHA-256 first, MD5 last for clients (ffmpeg) that take the last challenge.
    assert sent["algorithm"] == "SHA-256"
    assert sent["nc"] == "00000003"


def test_digest_sha256_only_after_set_hashing_algorithm(soap, onvif_schemas):
    soap.call("<tds:SetHashingAlgorithm><tds:Algorithm>SHA-256</tds:Algorithm></tds:SetHashingAlgorithm>")
    # The challenge now offers SHA-256 alone...
    assert_digest_challenge(soap.post(envelope(GET_DEVICE_INFORMATION)), onvif_schemas, {"SHA-256"})
    # ... and so do the capabilities.
    caps = soap.call("<tds:GetServiceCapabilities/>", auth="none")
    assert caps.find(f"{{{TDS}}}Capabilities/{{{TDS}}}Security").get("HashingAlgorithms") == "SHA-256"
    # httpx follows it.
    response = soap.post(envelope(GET_DEVICE_INFORMATION), auth=httpx.DigestAuth("admin", "admin"))
    check_soap12(response, 200, onvif_schemas)
    assert parse_challenge(response.request.headers["authorization"])["algorithm"] == "SHA-256"
    # An MD5 answer to a SHA-256 nonce is no longer accepted.
    challenge = fresh_challenge(soap, "SHA-256")
    md5 = digest_authorization("admin", "admin", challenge, algorithm="MD5")
    response = post_authorization(soap, envelope(GET_DEVICE_INFORMATION), md5)
    assert_digest_challenge(response, onvif_schemas, {"SHA-256"})


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_digest_by_hand_accepted(soap, onvif_schemas, algorithm):
    # The reference for the negative cases below: the hand-made header is right.
    authorization = digest_authorization("admin", "admin", fresh_challenge(soap, algorithm))
    response = post_authorization(soap, envelope(GET_DEVICE_INFORMATION), authorization)
    check_soap12(response, 200, onvif_schemas)


def test_digest_wrong_password_gets_401_again(soap, onvif_schemas):
    response = soap.post(envelope(GET_DEVICE_INFORMATION), auth=httpx.DigestAuth("admin", "wrong"))
    assert "authorization" in response.request.headers  # httpx did answer the challenge
    assert_digest_challenges_default(response, onvif_schemas)


def test_digest_unknown_user_gets_401(soap, onvif_schemas):
    response = soap.post(envelope(GET_DEVICE_INFORMATION), auth=httpx.DigestAuth("ghost", "admin"))
    assert_digest_challenges_default(response, onvif_schemas)


def test_digest_fault_reason_does_not_reveal_whether_the_user_exists(soap, onvif_schemas):
    wrong = soap.post(envelope(GET_DEVICE_INFORMATION), auth=httpx.DigestAuth("admin", "wrong"))
    ghost = soap.post(envelope(GET_DEVICE_INFORMATION), auth=httpx.DigestAuth("ghost", "wrong"))
    _, wrong_reason = fault_of(wrong, 401, onvif_schemas)
    _, ghost_reason = fault_of(ghost, 401, onvif_schemas)
    assert wrong_reason.replace("admin", "<user>") == ghost_reason.replace("ghost", "<user>")


def test_digest_tampered_nonce_refused(soap, onvif_schemas):
    challenge = fresh_challenge(soap)
    nonce = challenge["nonce"]
    # Change one character inside the sealed issue time; the response is computed over the
    # tampered nonce, so only the nonce's own MAC can catch it.
    i = 8
    tampered = nonce[:i] + ("A" if nonce[i] != "A" else "B") + nonce[i + 1 :]
    authorization = digest_authorization("admin", "admin", challenge, nonce=tampered)
    response = post_authorization(soap, envelope(GET_DEVICE_INFORMATION), authorization)
    assert_digest_challenges_default(response, onvif_schemas)


def test_digest_made_up_nonce_refused(soap, onvif_schemas):
    challenge = fresh_challenge(soap)
    authorization = digest_authorization("admin", "admin", challenge, nonce=base64.b64encode(os.urandom(16)).decode())
    response = post_authorization(soap, envelope(GET_DEVICE_INFORMATION), authorization)
    assert_digest_challenges_default(response, onvif_schemas)


def test_digest_replayed_nonce_count_refused(soap, onvif_schemas):
    authorization = digest_authorization("admin", "admin", fresh_challenge(soap), nc=1)
    data = envelope(GET_DEVICE_INFORMATION)
    check_soap12(post_authorization(soap, data, authorization), 200, onvif_schemas)
    replay = post_authorization(soap, data, authorization)
    assert_digest_challenges_default(replay, onvif_schemas)


def test_digest_next_nonce_count_accepted(soap, onvif_schemas):
    challenge = fresh_challenge(soap)
    data = envelope(GET_DEVICE_INFORMATION)
    for nc in (1, 2, 5, 3):  # out of order within the window is fine, repeats are not
        authorization = digest_authorization("admin", "admin", challenge, nc=nc)
        check_soap12(post_authorization(soap, data, authorization), 200, onvif_schemas)


def test_digest_uri_must_match_the_request_target(soap, onvif_schemas):
    # RFC 7616 section 3.4.6: a response computed for another resource is not accepted here.
    authorization = digest_authorization("admin", "admin", fresh_challenge(soap), uri="/somewhere/else")
    response = post_authorization(soap, envelope(GET_DEVICE_INFORMATION), authorization)
    assert_digest_challenges_default(response, onvif_schemas)


def test_digest_absolute_uri_naming_the_target_accepted(soap, onvif_schemas):
    authorization = digest_authorization("admin", "admin", fresh_challenge(soap), uri=soap.url)
    response = post_authorization(soap, envelope(GET_DEVICE_INFORMATION), authorization)
    check_soap12(response, 200, onvif_schemas)


def test_digest_plus_bad_wsse_token_refused(soap, onvif_schemas):
    # By hand: httpx.DigestAuth would first send the token alone and stop at its 400.
    authorization = digest_authorization("admin", "admin", fresh_challenge(soap))
    data = envelope(GET_DEVICE_INFORMATION, username_token("admin", "wrong"))
    response = post_authorization(soap, data, authorization)
    codes, _ = fault_of(response, 400, onvif_schemas)
    assert codes == NOT_AUTHORIZED


def _curl(url: str, user: str, password: str, body: bytes, tmp_path) -> tuple[int, bytes]:
    request = tmp_path / "request.xml"
    request.write_bytes(body)
    output = tmp_path / "response.xml"
    result = subprocess.run(
        [
            "curl", "--silent", "--show-error", "--digest", "--user", f"{user}:{password}",
            "--header", "Content-Type: application/soap+xml; charset=utf-8",
            "--data-binary", f"@{request}", "--output", str(output), "--write-out", "%{http_code}",
            "--max-time", "20", url,
        ],
        capture_output=True,
        timeout=30,
        check=True,
    )
    return int(result.stdout), output.read_bytes()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("algorithms", ["MD5 SHA-256", "SHA-256"])
def test_digest_with_curl(soap, onvif_schemas, tmp_path, algorithms):
    if algorithms != "MD5 SHA-256":
        soap.call(f"<tds:SetHashingAlgorithm><tds:Algorithm>{algorithms}</tds:Algorithm></tds:SetHashingAlgorithm>")
    status, content = _curl(soap.url, "admin", "admin", envelope(GET_DEVICE_INFORMATION), tmp_path)
    assert status == 200, content
    answer = onvif_schemas.validate_envelope(content)
    assert etree.QName(answer).localname == "GetDeviceInformationResponse"
    status, content = _curl(soap.url, "admin", "wrong", envelope(GET_DEVICE_INFORMATION), tmp_path)
    assert status == 401
    fault = onvif_schemas.validate_envelope(content)
    assert fault_codes(fault) == NOT_AUTHORIZED


# ============================================================================================
# HTTP Basic
# ============================================================================================


def test_basic_refused_by_default(soap, onvif_schemas):
    response = soap.post(envelope(GET_DEVICE_INFORMATION), auth=httpx.BasicAuth("admin", "admin"))
    assert response.request.headers["authorization"].startswith("Basic ")
    assert_digest_challenges_default(response, onvif_schemas)
    assert all(h.startswith("Digest ") for h in response.headers.get_list("www-authenticate"))


class TestBasicEnabled:
    @pytest.fixture
    def camera_config(self) -> Config:
        return Config(auth=AuthConfig(http_basic=True))

    def test_basic_accepted(self, soap, onvif_schemas):
        response = soap.post(envelope(GET_DEVICE_INFORMATION), auth=httpx.BasicAuth("admin", "admin"))
        answer = check_soap12(response, 200, onvif_schemas)
        assert etree.QName(answer).localname == "GetDeviceInformationResponse"

    def test_basic_wrong_password_refused(self, soap, onvif_schemas):
        response = soap.post(envelope(GET_DEVICE_INFORMATION), auth=httpx.BasicAuth("admin", "wrong"))
        assert_digest_challenges_default(response, onvif_schemas)

    def test_basic_malformed_refused(self, soap, onvif_schemas):
        response = post_authorization(soap, envelope(GET_DEVICE_INFORMATION), "Basic ***")
        assert_digest_challenges_default(response, onvif_schemas)

    def test_digest_still_works(self, soap, onvif_schemas):
        response = soap.post(envelope(GET_DEVICE_INFORMATION), auth=httpx.DigestAuth("admin", "admin"))
        check_soap12(response, 200, onvif_schemas)


# ============================================================================================
# Access classes by user level (Core, Default Access Policy)
# ============================================================================================


@pytest.fixture
def accounts(soap):
    soap.call(create_user("operator1", "op-pass", "Operator"))
    soap.call(create_user("viewer1", "view-pass", "User"))
    return {"Operator": ("operator1", "op-pass"), "User": ("viewer1", "view-pass")}


def test_user_level_user(soap, onvif_schemas, accounts):
    user, password = accounts["User"]
    # READ_SYSTEM
    check_soap12(post_as(soap, GET_DEVICE_INFORMATION, user, password), 200, onvif_schemas)
    # READ_SYSTEM_SECRET, WRITE_SYSTEM, UNRECOVERABLE
    for body in (GET_USERS, set_hostname("by-user"), REBOOT):
        codes, _ = fault_of(post_as(soap, body, user, password), 400, onvif_schemas)
        assert codes == NOT_AUTHORIZED, body
    # Authenticated but not authorised through HTTP Digest: a fault, not another challenge.
    response = soap.post(envelope(GET_USERS), auth=httpx.DigestAuth(user, password))
    codes, _ = fault_of(response, 400, onvif_schemas)
    assert codes == NOT_AUTHORIZED
    assert "www-authenticate" not in response.headers
    hostname = soap.call(GET_HOSTNAME, auth="none").findtext(f"{{{TDS}}}HostnameInformation/{{{TT}}}Name")
    assert hostname != "by-user"


def test_user_level_operator(soap, onvif_schemas, accounts):
    user, password = accounts["Operator"]
    check_soap12(post_as(soap, GET_DEVICE_INFORMATION, user, password), 200, onvif_schemas)
    for body in (REBOOT, GET_USERS, set_hostname("by-operator")):
        codes, _ = fault_of(post_as(soap, body, user, password), 400, onvif_schemas)
        assert codes == NOT_AUTHORIZED, body


def test_user_level_administrator(soap, onvif_schemas, accounts, running_camera):
    users = soap.call(GET_USERS)
    levels = {u.findtext(f"{{{TT}}}Username"): u.findtext(f"{{{TT}}}UserLevel") for u in users}
    assert levels == {"admin": "Administrator", "operator1": "Operator", "viewer1": "User"}
    assert not any(u.find(f"{{{TT}}}Password") is not None for u in users)  # never echoed
    soap.call(set_hostname("by-admin"))
    assert soap.call(GET_HOSTNAME, auth="none").findtext(f"{{{TDS}}}HostnameInformation/{{{TT}}}Name") == "by-admin"
    # UNRECOVERABLE too: the camera goes away and comes back.
    answer = soap.call(REBOOT)
    assert etree.QName(answer).localname == "SystemRebootResponse"
    assert wait_until_down_and_up(soap.url, timeout=20) == (True, True)
    assert running_camera.server.reboots == 1


def test_deleting_a_user_revokes_access_at_once(soap, onvif_schemas, accounts):
    user, password = accounts["Operator"]
    check_soap12(post_as(soap, GET_DEVICE_INFORMATION, user, password), 200, onvif_schemas)
    digest = httpx.DigestAuth(user, password)
    check_soap12(soap.post(envelope(GET_DEVICE_INFORMATION), auth=digest), 200, onvif_schemas)
    soap.call(f"<tds:DeleteUsers><tds:Username>{user}</tds:Username></tds:DeleteUsers>")
    codes, _ = fault_of(post_as(soap, GET_DEVICE_INFORMATION, user, password), 400, onvif_schemas)
    assert codes == NOT_AUTHORIZED
    # The same DigestAuth, mid-session on a nonce that worked a moment ago.
    response = soap.post(envelope(GET_DEVICE_INFORMATION), auth=digest)
    assert response.status_code == 401
    assert_digest_challenges_default(response, onvif_schemas)


def test_changing_a_password_revokes_the_old_one(soap, onvif_schemas, accounts):
    user, password = accounts["User"]
    soap.call(
        f"<tds:SetUser><tds:User><tt:Username>{user}</tt:Username><tt:Password>new-pass</tt:Password>"
        "<tt:UserLevel>User</tt:UserLevel></tds:User></tds:SetUser>"
    )
    codes, _ = fault_of(post_as(soap, GET_DEVICE_INFORMATION, user, password), 400, onvif_schemas)
    assert codes == NOT_AUTHORIZED
    check_soap12(post_as(soap, GET_DEVICE_INFORMATION, user, "new-pass"), 200, onvif_schemas)


# ============================================================================================
# Hostile XML
# ============================================================================================

_LAUGHS = "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
)
BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="{enc}"?>'
    f'<!DOCTYPE s:Envelope [<!ENTITY lol0 "lol">{_LAUGHS}]>'
    f'<s:Envelope xmlns:s="{SOAP12}" xmlns:tds="{TDS}"><s:Body>'
    "<tds:SetHostname><tds:Name>&lol9;</tds:Name></tds:SetHostname></s:Body></s:Envelope>"
)


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16"])
def test_billion_laughs_refused_without_expansion(soap, onvif_schemas, encoding, record_property):
    data = BILLION_LAUGHS.format(enc=encoding).encode(encoding.lower())
    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    response = soap.post(data, timeout=10)  # a hang guard, not a performance assertion
    elapsed = time.perf_counter() - start
    gc.collect()
    growth = rss_bytes() - before
    record_property("elapsed_seconds", elapsed)
    record_property("rss_growth_bytes", growth)
    print(f"billion laughs ({encoding}): {elapsed * 1000:.2f} ms, RSS growth {growth / 1e6:.2f} MB")
    codes, _ = fault_of(response, 400, onvif_schemas)
    assert codes == WELL_FORMED
    assert growth < 50 * 1024 * 1024
    assert b"lollol" not in response.content


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request: would the camera fetch a DTD?"""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            payload = b'<!ENTITY leak "LEAKED-MARKER">'
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def _doctype_request(doctype: str, name: str, encoding: str = "UTF-8", header: str = "") -> bytes:
    head = f"<s:Header>{header}</s:Header>" if header else ""
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>{doctype}'
        f'<s:Envelope xmlns:s="{SOAP12}" xmlns:tds="{TDS}">{head}<s:Body>'
        f"<tds:SetHostname><tds:Name>{name}</tds:Name></tds:SetHostname></s:Body></s:Envelope>"
    )
    return text.encode(encoding.lower())


def _doctypes(base: str) -> dict[str, tuple[str, str]]:
    return {
        "bare doctype": ("<!DOCTYPE s:Envelope>", "cam"),
        "xxe file": ('<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "cam&xxe;"),
        "xxe http": (f'<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "{base}/xxe">]>', "cam&xxe;"),
        "external dtd": (f'<!DOCTYPE s:Envelope SYSTEM "{base}/evil.dtd">', "cam&leak;"),
        "parameter entity": (f'<!DOCTYPE s:Envelope [<!ENTITY % p SYSTEM "{base}/evil.dtd"> %p;]>', "cam&leak;"),
    }


DOCTYPE_CASES = ["bare doctype", "xxe file", "xxe http", "external dtd", "parameter entity"]


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16", "UTF-32"])
@pytest.mark.parametrize("case", DOCTYPE_CASES)
def test_doctype_refused(soap, onvif_schemas, listener, case, encoding):
    # UTF-16 and UTF-32 matter: a check on the raw bytes for b"<!DOCTYPE" cannot see them.
    base, hits = listener
    doctype, name = _doctypes(base)[case]
    response = soap.post(_doctype_request(doctype, name, encoding, header=username_token("admin", "admin")))
    codes, _ = fault_of(response, 400, onvif_schemas)
    assert codes == WELL_FORMED
    assert b"root:" not in response.content
    assert b"LEAKED-MARKER" not in response.content
    assert hits == []  # nothing fetched
    hostname = soap.call(GET_HOSTNAME, auth="none").findtext(f"{{{TDS}}}HostnameInformation/{{{TT}}}Name")
    assert "cam" not in hostname  # and the request did not run


def test_deep_nesting_refused(soap, onvif_schemas):
    depth = 10_000
    body = "<tds:SetHostname>" + "<a>" * depth + "x" + "</a>" * depth + "</tds:SetHostname>"
    response = soap.post(envelope(body, username_token("admin", "admin")), timeout=10)
    codes, _ = fault_of(response, 400, onvif_schemas)
    assert codes == WELL_FORMED


def test_nesting_just_over_the_limit_refused(soap, onvif_schemas):
    # libxml2 without huge_tree stops at 256 levels, before building the tree.
    depth = 300
    body = "<tds:GetHostname>" + "<a>" * depth + "</a>" * depth + "</tds:GetHostname>"
    codes, _ = fault_of(soap.post(envelope(body)), 400, onvif_schemas)
    assert codes == WELL_FORMED


def test_oversized_body_refused(soap, onvif_schemas):
    padding = "<!--" + "x" * (2 * 1024 * 1024) + "-->"
    response = soap.post(envelope(GET_DATE + padding), timeout=10)
    # The server answers 400 env:Sender ter:InvalidArgVal (its generic OnvifError), as a SOAP fault.
    codes, reason = fault_of(response, 400, onvif_schemas)
    assert codes == [SENDER, "ter:InvalidArgVal"]
    assert "larger than" in reason


class TestLargerBodyLimit:
    @pytest.fixture
    def camera_config(self) -> Config:
        return Config(server=ServerConfig(max_body_bytes=4 * 1024 * 1024))

    def test_body_under_a_raised_limit_accepted(self, soap, onvif_schemas):
        padding = "<!--" + "x" * (2 * 1024 * 1024) + "-->"
        response = soap.post(envelope(GET_DATE + padding), timeout=10)
        check_soap12(response, 200, onvif_schemas)


@pytest.mark.parametrize(
    "data", [b"hello, this is not XML", b"\x00\xff\xfe garbage", b"<unclosed"], ids=["text", "binary", "unclosed"]
)
def test_not_xml_at_all(soap, onvif_schemas, data):
    codes, _ = fault_of(soap.post(data), 400, onvif_schemas)
    assert codes == WELL_FORMED


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><foo xmlns="urn:example:x"><bar/></foo>',
        b'<?xml version="1.0"?><Envelope><Body><GetHostname/></Body></Envelope>',
        b'<?xml version="1.0"?><e:Envelope xmlns:e="urn:example:soap-3"><e:Body/></e:Envelope>',
    ],
    ids=["foreign root", "no namespace", "unknown envelope namespace"],
)
def test_not_a_soap_envelope(soap, onvif_schemas, data):
    # SOAP 1.2 Part 2, HTTP binding: env:VersionMismatch is answered with 500.
    codes, _ = fault_of(soap.post(data), 500, onvif_schemas)
    assert codes == ["s:VersionMismatch"]


def test_envelope_with_empty_body(soap, onvif_schemas):
    codes, _ = fault_of(soap.post(envelope("")), 400, onvif_schemas)
    assert codes == WELL_FORMED


def test_envelope_without_body(soap, onvif_schemas):
    data = f'<?xml version="1.0"?><s:Envelope xmlns:s="{SOAP12}"/>'.encode()
    codes, _ = fault_of(soap.post(data), 400, onvif_schemas)
    assert codes == WELL_FORMED


def test_unknown_operation(soap, onvif_schemas):
    response = soap.post(envelope("<tds:NoSuchOperation/>", username_token("admin", "admin")))
    codes, _ = fault_of(response, 500, onvif_schemas)
    assert codes == [RECEIVER, "ter:ActionNotSupported"]


def test_must_understand_unknown_header(soap, onvif_schemas):
    header = '<x:Trace xmlns:x="urn:example:unknown" s:mustUnderstand="true">1</x:Trace>'
    codes, _ = fault_of(soap.post(envelope(GET_DATE, header)), 500, onvif_schemas)
    assert codes == ["s:MustUnderstand"]


def test_optional_unknown_header_ignored(soap, onvif_schemas):
    header = '<x:Trace xmlns:x="urn:example:unknown" s:mustUnderstand="false">1</x:Trace>'
    check_soap12(soap.post(envelope(GET_DATE, header)), 200, onvif_schemas)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_refused(soap, method):
    response = soap.http.request(method, soap.url)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


# ============================================================================================
# Response shape
# ============================================================================================


def test_soap12_responses_start_with_the_declaration(soap, onvif_schemas):
    for response, status in (
        (soap.post(envelope(GET_DATE)), 200),
        (soap.post(envelope(GET_DEVICE_INFORMATION)), 401),
        (post_as(soap, GET_DEVICE_INFORMATION, "admin", "wrong"), 400),
        (soap.post(envelope("<tds:NoSuchOperation/>")), 500),
    ):
        check_soap12(response, status, onvif_schemas)  # asserts b"<?xml" first and the Content-Type


def _soap11(response: httpx.Response) -> etree._Element:
    assert response.content.startswith(b"<?xml"), response.content[:80]
    assert response.headers["content-type"].startswith("text/xml"), response.headers
    root = etree.fromstring(response.content)
    assert root.tag == f"{{{SOAP11}}}Envelope"
    return root.find(f"{{{SOAP11}}}Body")[0]


def test_soap11_request_gets_soap11_answer(soap):
    response = soap.post(envelope(GET_DATE, soap_ns=SOAP11), content_type="text/xml; charset=utf-8")
    assert response.status_code == 200
    assert etree.QName(_soap11(response)).localname == "GetSystemDateAndTimeResponse"


def test_soap11_fault_shape(soap):
    response = soap.post(envelope(GET_DEVICE_INFORMATION, soap_ns=SOAP11), content_type="text/xml; charset=utf-8")
    assert response.status_code == 401
    fault = _soap11(response)
    assert fault.tag == f"{{{SOAP11}}}Fault"
    code = fault.findtext("faultcode")
    prefix, _, local = code.partition(":")
    assert (fault.nsmap[prefix], local) == ("http://www.onvif.org/ver10/error", "NotAuthorized")
    assert fault.findtext("faultstring")


def test_soap11_fault_status_is_500(soap):
    token = username_token("admin", "wrong")
    data = envelope(GET_DEVICE_INFORMATION, token, soap_ns=SOAP11)
    response = soap.post(data, content_type="text/xml; charset=utf-8")
    assert _soap11(response).tag == f"{{{SOAP11}}}Fault"
    assert response.status_code == 500


# ============================================================================================
# IP address filter
# ============================================================================================


def test_ip_address_filter_deny_loopback(soap, onvif_schemas, running_camera):
    soap.call(
        "<tds:SetIPAddressFilter><tds:IPAddressFilter><tt:Type>Deny</tt:Type><tt:IPv4Address>"
        "<tt:Address>127.0.0.1</tt:Address><tt:PrefixLength>32</tt:PrefixLength></tt:IPv4Address>"
        "</tds:IPAddressFilter></tds:SetIPAddressFilter>"
    )
    # Locked out, before any SOAP processing: PRE_AUTH and authenticated requests alike.
    for data in (envelope(GET_DATE), envelope(GET_DEVICE_INFORMATION, username_token("admin", "admin"))):
        response = soap.post(data)
        assert response.status_code == 403
        assert not response.content.startswith(b"<?xml")
    # The only way back in is through the model.
    running_camera.camera.network.set_ip_address_filter("Deny", [], [])
    check_soap12(soap.post(envelope(GET_DATE)), 200, onvif_schemas)
    current = soap.call("<tds:GetIPAddressFilter/>")
    assert current.find(f"{{{TDS}}}IPAddressFilter/{{{TT}}}IPv4Address") is None


def test_ip_address_filter_allow_list_without_loopback(soap, onvif_schemas, running_camera):
    soap.call(
        "<tds:SetIPAddressFilter><tds:IPAddressFilter><tt:Type>Allow</tt:Type><tt:IPv4Address>"
        "<tt:Address>192.0.2.0</tt:Address><tt:PrefixLength>24</tt:PrefixLength></tt:IPv4Address>"
        "</tds:IPAddressFilter></tds:SetIPAddressFilter>"
    )
    assert soap.post(envelope(GET_DATE)).status_code == 403
    running_camera.camera.network.set_ip_address_filter("Allow", [("127.0.0.0", 8)], [])
    check_soap12(soap.post(envelope(GET_DATE)), 200, onvif_schemas)
