"""Raw SOAP for tests: build envelopes and UsernameTokens by hand, post them with httpx.

Security tests need to send what real clients would not (a replayed nonce,
a stale Created), so this builds the bytes itself instead of using a SOAP
client library.  The protocol-level tests use real clients elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from datetime import datetime, timedelta, timezone

import httpx
from lxml import etree

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
TDS = "http://www.onvif.org/ver10/device/wsdl"
TT = "http://www.onvif.org/ver10/schema"
TRT = "http://www.onvif.org/ver10/media/wsdl"
TR2 = "http://www.onvif.org/ver20/media/wsdl"
NSMAP = {"s": SOAP12, "tds": TDS, "tt": TT, "ter": "http://www.onvif.org/ver10/error"}
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DIGEST_TYPE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
)
TEXT_TYPE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"


def envelope(body: str, header: str = "", *, soap_ns: str = SOAP12) -> bytes:
    head = f"<s:Header>{header}</s:Header>" if header else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{soap_ns}" xmlns:tds="{TDS}" '
        f'xmlns:tt="{TT}" xmlns:trt="{TRT}" xmlns:tr2="{TR2}">{head}<s:Body>{body}</s:Body></s:Envelope>'
    ).encode()


def username_token(
    username: str,
    password: str,
    *,
    nonce: bytes | None = None,
    created: datetime | None = None,
    digest: bool = True,
) -> str:
    nonce = nonce if nonce is not None else os.urandom(16)
    created = created or datetime.now(timezone.utc)
    stamp = created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{created.microsecond // 1000:03d}Z"
    if digest:
        value = base64.b64encode(hashlib.sha1(nonce + stamp.encode() + password.encode()).digest()).decode()
        kind = DIGEST_TYPE
    else:
        value, kind = password, TEXT_TYPE
    return (
        f'<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><wsse:UsernameToken>'
        f"<wsse:Username>{username}</wsse:Username>"
        f'<wsse:Password Type="{kind}">{value}</wsse:Password>'
        f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>"
        f"<wsu:Created>{stamp}</wsu:Created></wsse:UsernameToken></wsse:Security>"
    )


def minutes_ago(minutes: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(minutes=minutes)


class SoapClient:
    """Posts envelopes to one camera; `call()` returns the validated Body child."""

    def __init__(self, url: str, username: str, password: str, schemas=None) -> None:
        self.url = url
        self.username = username
        self.password = password
        self.schemas = schemas
        self.http = httpx.Client(timeout=10)

    def close(self) -> None:
        self.http.close()

    def post(self, data: bytes, *, content_type: str = "application/soap+xml; charset=utf-8", **kw) -> httpx.Response:
        return self.http.post(self.url, content=data, headers={"Content-Type": content_type}, **kw)

    def call(self, body: str, *, auth: str = "wsse", expect: int = 200) -> etree._Element:
        """Send `body` authenticated ("wsse", "digest" or "none"); validate and return the Body child."""
        header = username_token(self.username, self.password) if auth == "wsse" else ""
        extra = {"auth": httpx.DigestAuth(self.username, self.password)} if auth == "digest" else {}
        response = self.post(envelope(body, header), **extra)
        assert response.status_code == expect, response.text
        assert response.content.startswith(b"<?xml")
        if self.schemas is not None:
            return self.schemas.validate_envelope(response.content)
        return etree.fromstring(response.content).find(f"{{{SOAP12}}}Body")[0]

    def fault(self, body: str, *, auth: str = "wsse", status: int = 400) -> list[str]:
        """Send `body`, expect a fault; return its Code/Subcode values, outermost first."""
        fault = self.call(body, auth=auth, expect=status)
        assert etree.QName(fault).localname == "Fault", etree.tostring(fault)
        return fault_codes(fault)


def fault_codes(fault: etree._Element) -> list[str]:
    return [v.text for v in fault.iter(f"{{{SOAP12}}}Value")]


def wait_until_down_and_up(url: str, timeout: float = 10.0) -> tuple[bool, bool]:
    """Poll GetSystemDateAndTime; report whether the camera went away and came back."""
    went_down = came_back = False
    deadline = time.monotonic() + timeout
    body = envelope("<tds:GetSystemDateAndTime/>")
    while time.monotonic() < deadline and not came_back:
        try:
            ok = httpx.post(url, content=body, timeout=1).status_code == 200
        except httpx.TransportError:
            ok = False
        went_down = went_down or not ok
        came_back = went_down and ok
        time.sleep(0.02)
    return went_down, came_back
