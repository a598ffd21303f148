"""Guarding plain HTTP routes (snapshots, the control API) the way the SOAP endpoint is guarded.

The same Authenticator (one Digest secret, one replay guard), the IP address
filter answering 403, missing or wrong credentials a 401 carrying the Digest
challenges, and an access class the caller's level must be granted.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from onvif_device.camera import Camera
from onvif_device.camera.errors import OnvifError
from onvif_device.soap.access import AccessClass, allowed
from onvif_device.soap.auth import ANONYMOUS, Authenticator, Challenge


def refusal(
    camera: Camera, authenticator: Authenticator | None, request: Request, access: AccessClass, what: str
) -> Response | None:
    """The 401 or 403 answer when the caller may not do `what` ("fetch snapshots"), else None."""
    client = request.client
    if client and not camera.network.ip_allowed(client.host):
        return PlainTextResponse("address refused by the IP address filter\n", 403)
    if authenticator is None:
        return None
    raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
    query = request.scope.get("query_string", b"")
    # The Digest `uri` names the target as the client wrote it, still percent-encoded.
    target = raw_path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
    try:
        caller = authenticator.identify(request.method, target, request.headers.get("authorization"))
    except Challenge as challenge:
        return _challenge(challenge)
    except OnvifError as error:  # the user was deleted between verification and lookup
        return _challenge(authenticator.challenge(error.reason))
    if caller is ANONYMOUS:
        return _challenge(authenticator.challenge(f"authentication required to {what}"))
    if not allowed(caller.level, access):
        return PlainTextResponse(f"user {caller.username!r} ({caller.level}) may not {what}\n", 403)
    return None


def _challenge(challenge: Challenge) -> Response:
    response = PlainTextResponse(f"{challenge.reason}\n", 401)
    for value in challenge.headers:  # one per Digest algorithm: the header repeats
        response.headers.append("WWW-Authenticate", value)
    return response
