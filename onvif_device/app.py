"""The HTTP side of one camera: an ASGI app with every ONVIF service path."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from starlette.responses import PlainTextResponse
from starlette.routing import Route, Router, WebSocketRoute

from onvif_device.camera import Camera
from onvif_device.camera.media import uris
from onvif_device.control import ControlApi
from onvif_device.events.delivery import EventDelivery
from onvif_device.events.subscriptions import SUBSCRIPTION_PATH
from onvif_device.services import SERVICES, operation_table
from onvif_device.snapshot import SnapshotRoute
from onvif_device.soap.auth import Authenticator
from onvif_device.soap.digest import DigestAuthenticator
from onvif_device.soap.endpoint import SoapEndpoint
from onvif_device.soap.wsse import UsernameTokenVerifier
from onvif_device.streaming.engine import StreamingEngine
from onvif_device.streaming.http_carriers import HttpCarriers


def build_authenticator(camera: Camera, *, allow_rfc2069: bool = False) -> Authenticator | None:
    auth = camera.config.auth
    if not auth.enabled:
        return None

    def level_of(username: str) -> str | None:
        user = camera.users.find(username)
        return None if user is None else user.level

    digest = DigestAuthenticator(
        realm=f"{camera.identity.manufacturer} {camera.identity.serial_number}",
        algorithms=camera.state.hashing_algorithms,
        secret=secrets.token_bytes(32),
        allow_rfc2069=allow_rfc2069,
    )

    def follow_hashing_algorithms(area: str) -> None:
        # SetHashingAlgorithm and factory resets change what the challenge offers.
        digest.algorithms = tuple(camera.state.hashing_algorithms)

    camera.subscribe(follow_hashing_algorithms)
    return Authenticator(
        digest=digest,
        # Lambdas, not bound methods: a factory reset rebuilds the camera's parts.
        # The replay cache must outlast the window at the request rate; 100k entries (~10 MB)
        # cover 20 s of tokens at 5,000 req/s before the oldest are refused as unverifiable.
        wsse=UsernameTokenVerifier(
            window=auth.wsse_window_seconds, replay_capacity=100_000, clock=lambda: camera.clock.timestamp()
        ),
        password_of=lambda username: camera.users.password_of(username),
        level_of=level_of,
        allow_basic=auth.http_basic,
    )


def build_app(
    camera: Camera,
    base_url: Callable[[], str],
    streaming: StreamingEngine | None = None,
    delivery: EventDelivery | None = None,
) -> Router:
    # One authenticator for SOAP and snapshots: a Digest nonce from either works on both.
    # RTSP has its own (the streaming engine's), which also takes RFC 2069 answers.
    authenticator = build_authenticator(camera)
    endpoint = SoapEndpoint(
        camera,
        operation_table(),
        authenticator,
        base_url,
        camera.config.server.max_body_bytes,
        delivery=delivery,
    )
    routes = [Route(info.path, endpoint) for info in SERVICES]
    # Each event subscription's manager (PullMessages, Renew, Unsubscribe...) has its own address.
    routes.append(Route(SUBSCRIPTION_PATH + "{subscription}", endpoint))
    snapshots = SnapshotRoute(camera, authenticator, streaming.renderers if streaming is not None else None)
    # {name:path}, not {name}: a token with "/" arrives as %2F, which the server decodes to "/".
    routes.append(Route(uris.SNAPSHOT_PREFIX + "{name:path}", snapshots.get, methods=["GET"]))
    if streaming is not None:
        carriers = HttpCarriers(streaming)
        routes.append(Route(uris.STREAM_PREFIX + "{name:path}", carriers.tunnel, methods=["GET", "POST"]))
        routes.append(WebSocketRoute(uris.WEBSOCKET_PATH, carriers.websocket))
    routes += ControlApi(camera, authenticator, delivery).routes()
    routes.append(Route("/", _index))
    return Router(routes)


async def _index(request) -> PlainTextResponse:
    return PlainTextResponse("onvif-device: the ONVIF device service is at /onvif/device_service\n")
