"""The SOAP endpoint: one ASGI app that serves every ONVIF service path.

Per request: read the body (bounded), parse it safely, find the operation
by the Body's first child, authenticate and authorise by access class, run
the handler, and answer in the request's SOAP version.  Every failure
becomes a SOAP fault rendered here, the one place that knows how.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from onvif_device.camera import Camera
from onvif_device.camera.errors import (
    ActionFailed,
    ActionNotSupported,
    NotAuthorized,
    OnvifError,
)
from onvif_device.ns import SOAP11, SOAP12
from onvif_device.soap.access import AccessClass, allowed
from onvif_device.soap.auth import ANONYMOUS, Authenticator, Caller, Challenge
from onvif_device.soap.envelope import (
    CONTENT_TYPES,
    MustUnderstand,
    Request,
    fault_element,
    parse_request,
    serialize,
)
from onvif_device.soap.operations import Context, Operation

log = logging.getLogger("onvif_device.soap")

_UNDERSTOOD_HEADERS = frozenset(
    {
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
        "http://www.w3.org/2005/08/addressing",
        "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    }
)


class PayloadTooLarge(Exception):
    pass


class ClientGone(Exception):
    """The client closed the connection while its request was being handled."""


class SoapEndpoint:
    def __init__(
        self,
        camera: Camera,
        operations: dict[str, Operation],
        authenticator: Authenticator | None,
        base_url: Callable[[], str],
        max_body_bytes: int,
        delivery: object = None,
    ) -> None:
        self.camera = camera
        self.delivery = delivery  # events.EventDelivery: pull points and subscriptions
        self.operations = operations
        self.authenticator = authenticator  # None: authentication is off
        self.base_url = base_url
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        if scope["method"] != "POST":
            await _respond(send, 405, b"SOAP endpoints accept POST only\n", "text/plain", [(b"allow", b"POST")])
            return
        client = scope.get("client")
        client_host = client[0] if client else None
        if client_host and not self.camera.network.ip_allowed(client_host):
            await _respond(send, 403, b"address refused by the IP address filter\n", "text/plain")
            return
        try:
            body = await _read_body(receive, self.max_body_bytes)
        except PayloadTooLarge:
            status, payload = _fault(SOAP12, OnvifError(reason=f"message larger than {self.max_body_bytes} bytes"))
            await _respond(send, status, payload, CONTENT_TYPES[SOAP12])
            return
        headers = dict(scope["headers"])
        target = scope["path"] + (f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else "")
        try:
            status, payload, soap_ns, extra = await self.handle(
                body, headers.get(b"authorization"), client_host, target, scope["path"], lambda: _disconnect(receive)
            )
        except ClientGone:
            return
        await _respond(send, status, payload, CONTENT_TYPES[soap_ns], extra)

    async def handle(
        self,
        body: bytes,
        authorization: bytes | None,
        client_host: str | None = None,
        target: str | None = None,
        path: str = "",
        client_gone: Callable[[], Awaitable[None]] | None = None,
    ) -> tuple[int, bytes, str, list[tuple[bytes, bytes]]]:
        """(status, payload, SOAP namespace, extra headers) for one request body.

        A handler that waits (a long-poll PullMessages) is cancelled when `client_gone`
        completes first, and ClientGone raised: the messages it would have taken stay queued.
        """
        if not body.strip() and self.authenticator is not None and not authorization:
            # curl --digest and some NVRs probe with an empty POST to get the challenge first.
            return self._challenge(self.authenticator.challenge("authentication required"), SOAP12)
        try:
            request = parse_request(body, self.max_body_bytes)
        except OnvifError as error:
            return *_fault(SOAP12, error), SOAP12, []
        soap_ns = request.soap_ns
        try:
            _check_must_understand(request)
            operation = self.operations.get(request.operation.tag)
            if operation is None:
                raise ActionNotSupported(reason=f"operation {request.operation.tag} is not supported")
            caller = self._authorise(operation, request, authorization, target)
            ctx = Context(
                self.camera, request, caller.username, caller.level, self.base_url(), client_host, path, self.delivery
            )
            result = operation.handler(ctx, request.operation)
            if inspect.isawaitable(result):
                result = await _unless_client_leaves(result, client_gone)
            payload = serialize(soap_ns, [result])
        except Challenge as challenge:
            return self._challenge(challenge, soap_ns)
        except OnvifError as error:
            return *_fault(soap_ns, error), soap_ns, []
        except Exception:
            log.exception("handler for %s failed", request.operation.tag)
            return *_fault(soap_ns, ActionFailed(reason="internal error in the device")), soap_ns, []
        return 200, payload, soap_ns, []

    @staticmethod
    def _challenge(challenge: Challenge, soap_ns: str) -> tuple[int, bytes, str, list[tuple[bytes, bytes]]]:
        _, payload = _fault(soap_ns, NotAuthorized(reason=challenge.reason))
        return 401, payload, soap_ns, [(b"www-authenticate", h.encode()) for h in challenge.headers]

    def _authorise(
        self, operation: Operation, request: Request, authorization: bytes | None, target: str | None
    ) -> Caller:
        if operation.access is AccessClass.PRE_AUTH:
            return ANONYMOUS
        if self.authenticator is None:
            return Caller(None, "Administrator")
        caller = self.authenticator.identify(
            "POST", target, authorization.decode("latin-1") if authorization else None, request
        )
        if caller is ANONYMOUS:
            raise self.authenticator.challenge(f"{operation.name} requires authentication")
        if not allowed(caller.level, operation.access):
            raise NotAuthorized(
                reason=f"user {caller.username!r} ({caller.level}) may not call {operation.name} "
                f"(access class {operation.access.value})"
            )
        self.camera.access_log.add(f"{caller.username} {operation.name}")
        return caller


def _fault(soap_ns: str, error: OnvifError) -> tuple[int, bytes]:
    # SOAP 1.2 answers Sender faults with 400; SOAP 1.1's HTTP binding uses 500 for every fault.
    status = 500 if error.receiver or soap_ns == SOAP11 else 400
    return status, serialize(soap_ns, [fault_element(soap_ns, error)])


def _check_must_understand(request: Request) -> None:
    if request.header is None:
        return
    for block in request.header:
        if not isinstance(block.tag, str):
            continue
        flag = block.get(f"{{{request.soap_ns}}}mustUnderstand", "0")
        if flag in ("1", "true") and block.tag.partition("}")[0][1:] not in _UNDERSTOOD_HEADERS:
            raise MustUnderstand(f"header block {block.tag} is not understood")


async def _disconnect(receive) -> None:
    """Returns once the client has gone (after the body, receive() waits for just that)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def _unless_client_leaves(work: Awaitable[Any], client_gone: Callable[[], Awaitable[None]] | None) -> Any:
    if client_gone is None:
        return await work
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(client_gone())
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        raise ClientGone
    return task.result()


async def _read_body(receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _respond(send, status: int, body: bytes, content_type: str, extra: list[tuple[bytes, bytes]] = ()) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
