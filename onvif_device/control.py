"""The control API: what a test or a demo scripts the camera with, under /emulator/ on the HTTP port.

JSON over HTTP, guarded like the SOAP services but for administrators only
(it can make the camera do anything).  Paths name the part of the camera
they act on, so the API grows by adding nouns:

    GET  /emulator/                      the camera and the paths below
    GET  /emulator/events/topics         every topic the camera can raise, with its items
    GET  /emulator/events/properties     the current state of every property
    GET  /emulator/events/subscriptions  the live pull points and push subscriptions
    POST /emulator/events                raise any registered topic: {"topic", "source", "data", "key"}
    POST /emulator/motion                {"video_source"?, "state": true|false|null, "seconds"?}
    GET  /emulator/io                    digital inputs and relay outputs, as wired now
    PUT  /emulator/inputs/<token>        {"active": true|false}: drive a digital input
    GET  /emulator/ptz                   the PTZ head: position, movement, presets, home, tours, error
    PUT  /emulator/ptz/position          {"pan", "tilt", "zoom"}: put the head there at once (generic units)
    PUT  /emulator/ptz/error             {"error": "text"|null}: jam the head (GetStatus reports it) or free it

Errors answer 4xx with {"error": "..."} naming what was wrong.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from onvif_device.camera import Camera
from onvif_device.camera.events import Message, UnknownTopic, item_text
from onvif_device.camera.io import DigitalInput
from onvif_device.camera.ptz import Position, PtzHead, geometry
from onvif_device.events.delivery import EventDelivery
from onvif_device.events.pullpoint import PullPoint
from onvif_device.http_guard import refusal
from onvif_device.soap.access import AccessClass
from onvif_device.soap.auth import Authenticator

PREFIX = "/emulator"
MAX_BODY = 64 * 1024

Endpoint = Callable[[Request], Awaitable[Response]]


class BadRequest(Exception):
    """The request cannot be carried out; the message says why (a 400, or `status`)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class ControlApi:
    def __init__(self, camera: Camera, authenticator: Authenticator | None, delivery: EventDelivery | None) -> None:
        self.camera = camera
        self.authenticator = authenticator
        self.delivery = delivery  # None where no server runs event delivery

    def routes(self) -> list[Route]:
        return [
            Route(PREFIX + "/", self._guarded(self.index), methods=["GET"]),
            Route(PREFIX + "/events/topics", self._guarded(self.topics), methods=["GET"]),
            Route(PREFIX + "/events/properties", self._guarded(self.properties), methods=["GET"]),
            Route(PREFIX + "/events/subscriptions", self._guarded(self.subscriptions), methods=["GET"]),
            Route(PREFIX + "/events", self._guarded(self.raise_event), methods=["POST"]),
            Route(PREFIX + "/motion", self._guarded(self.motion), methods=["POST"]),
            Route(PREFIX + "/io", self._guarded(self.io), methods=["GET"]),
            Route(PREFIX + "/inputs/{token}", self._guarded(self.set_input), methods=["PUT"]),
            Route(PREFIX + "/ptz", self._guarded(self.ptz), methods=["GET"]),
            Route(PREFIX + "/ptz/position", self._guarded(self.place_ptz), methods=["PUT"]),
            Route(PREFIX + "/ptz/error", self._guarded(self.ptz_error), methods=["PUT"]),
        ]

    def _guarded(self, endpoint: Endpoint) -> Endpoint:
        async def guarded(request: Request) -> Response:
            # UNRECOVERABLE is the class only administrators hold in the default access policy.
            denied = refusal(self.camera, self.authenticator, request, AccessClass.UNRECOVERABLE, "use the control API")
            if denied is not None:
                return denied
            try:
                return await endpoint(request)
            except BadRequest as error:
                return JSONResponse({"error": str(error)}, error.status)

        return guarded

    # --- endpoints -------------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        identity = self.camera.identity
        return JSONResponse(
            {
                "name": identity.name,
                "serial_number": identity.serial_number,
                "endpoint_reference": identity.endpoint_reference,
                "paths": {
                    "topics": PREFIX + "/events/topics",
                    "properties": PREFIX + "/events/properties",
                    "subscriptions": PREFIX + "/events/subscriptions",
                    "raise_event": PREFIX + "/events",
                    "motion": PREFIX + "/motion",
                    "io": PREFIX + "/io",
                    "inputs": PREFIX + "/inputs/<token>",
                    "ptz": PREFIX + "/ptz",
                },
            }
        )

    async def topics(self, request: Request) -> Response:
        return JSONResponse(
            [
                {
                    "topic": topic.path,
                    "is_property": topic.is_property,
                    **{group: {i.name: i.type for i in getattr(topic, group)} for group in ("source", "key", "data")},
                }
                for topic in self.camera.events.registry
            ]
        )

    async def properties(self, request: Request) -> Response:
        return JSONResponse([message_json(m) for m in self.camera.events.properties()])

    async def subscriptions(self, request: Request) -> Response:
        delivery = self.delivery
        if delivery is None:
            return JSONResponse([])
        listed = []
        for subscription in [*delivery.pull_points, *delivery.push_subscriptions]:
            entry = {
                "id": subscription.id,
                "kind": subscription.kind,
                "address": subscription.address,
                "termination_time": item_text(datetime.fromtimestamp(subscription.termination, UTC)),
                "filtered": not subscription.filter.accepts_all,
                "changed_only": subscription.changed_only,
                "queued": len(subscription.queue),
                "dropped": subscription.queue.dropped,
            }
            if isinstance(subscription, PullPoint):
                entry["pulling"] = subscription.pulling
            else:
                entry.update(
                    consumer=subscription.consumer,
                    delivered=subscription.delivered,
                    undelivered=subscription.undelivered,
                )
            listed.append(entry)
        return JSONResponse(listed)

    async def raise_event(self, request: Request) -> Response:
        body = await _json_object(request)
        topic = _field(body, "topic", str)
        groups = {name: _field(body, name, dict, default={}) for name in ("source", "data", "key")}
        for name, items in groups.items():
            for item, value in items.items():
                if not isinstance(value, str | int | float | bool):
                    raise BadRequest(f"{name}.{item} must be a string, number or boolean")
        try:
            message = self.camera.events.publish(topic, **groups)
        except UnknownTopic as error:
            raise BadRequest(f"{error.args[0]}; GET {PREFIX}/events/topics lists them", 404) from None
        except ValueError as error:
            raise BadRequest(str(error)) from None
        if message is None:
            return JSONResponse({"published": False, "reason": "the property already has that data"})
        return JSONResponse({"published": True, "message": message_json(message)}, 201)

    async def motion(self, request: Request) -> Response:
        body = await _json_object(request)
        sources = [d.video_source for d in self.camera.motion_detectors()]
        if not sources:
            raise BadRequest("no video source has an analytics configuration to detect motion with", 409)
        source = _field(body, "video_source", str, default=sources[0])
        if source not in sources:
            raise BadRequest(f"video_source {source!r} is not one of {', '.join(sources)}", 404)
        if "state" not in body:
            raise BadRequest("state is required: true starts motion, false stops it, null returns to the schedule")
        state = body["state"]
        if state is not None and not isinstance(state, bool):
            raise BadRequest("state must be true, false or null")
        seconds = _field(body, "seconds", (int, float), default=None)
        if seconds is not None and not 0 < seconds <= 86_400:
            raise BadRequest("seconds must be a number above 0 and at most 86400")
        self.camera.motion.force(source, state, seconds)
        return JSONResponse({"video_source": source, "motion": self.camera.motion.active(source)})

    async def io(self, request: Request) -> Response:
        ports = self.camera.io
        return JSONResponse(
            {
                "inputs": [_input_json(i) for i in ports.inputs],
                "relays": [
                    {
                        "token": r.token,
                        "mode": r.mode,
                        "delay_seconds": r.delay_seconds,
                        "idle_state": r.idle_state,
                        "logical_state": r.logical_state,
                        "physical": r.physical,
                    }
                    for r in ports.relays
                ],
            }
        )

    async def set_input(self, request: Request) -> Response:
        token = request.path_params["token"]
        tokens = [i.token for i in self.camera.io.inputs]
        if token not in tokens:
            raise BadRequest(f"no digital input {token!r}; the camera has {', '.join(tokens) or 'none'}", 404)
        active = _field(await _json_object(request), "active", bool)
        return JSONResponse(_input_json(self.camera.io.set_input(token, active)))

    async def ptz(self, request: Request) -> Response:
        return JSONResponse(_ptz_json(self._head()))

    async def place_ptz(self, request: Request) -> Response:
        head = self._head()
        body = await _json_object(request)
        here = head.position()
        values = {}
        for axis, low in (("pan", -1.0), ("tilt", -1.0), ("zoom", 0.0)):
            value = _field(body, axis, (int, float), default=getattr(here, axis))
            if not low <= value <= 1.0:
                raise BadRequest(f"{axis} must be from {low:g} to 1 (generic units), not {value}")
            values[axis] = float(value)
        head.place(Position(**values))
        return JSONResponse(_ptz_json(head))

    async def ptz_error(self, request: Request) -> Response:
        head = self._head()
        body = await _json_object(request)
        if "error" not in body:
            raise BadRequest("error is required: a text jams the head, null frees it")
        head.set_error(_field(body, "error", str, default=None))
        return JSONResponse(_ptz_json(head))

    def _head(self) -> PtzHead:
        if self.camera.ptz is None:
            raise BadRequest("this camera has no PTZ head ([ptz] enabled = false)", 404)
        return self.camera.ptz


def _ptz_json(head: PtzHead) -> dict[str, Any]:
    where = head.position()
    pan_tilt, zoom = head.moving()
    return {
        "node": head.token,
        "video_source": head.video_source,
        "position": {"pan": where.pan, "tilt": where.tilt, "zoom": where.zoom},
        "degrees": {"pan": geometry.pan_degrees(where.pan), "tilt": geometry.tilt_degrees(where.tilt)},
        "focal_length_mm": geometry.focal_mm(where.zoom),
        "moving": {"pan_tilt": pan_tilt, "zoom": zoom},
        "error": head.error,
        "presets": [{"token": p.token, "name": p.name, **p.position.model_dump()} for p in head.presets()],
        "home": head.home().model_dump(),
        "tours": [{"token": t.token, "name": t.name, "state": head.tours.status(t.token)[0]} for t in head.tours.all()],
        "auxiliary": head.auxiliary,
    }


def _input_json(digital_input: DigitalInput) -> dict[str, Any]:
    return {
        "token": digital_input.token,
        "active": digital_input.active,
        "idle_state": digital_input.idle_state,
        "physical": digital_input.physical,
    }


def message_json(message: Message) -> dict[str, Any]:
    return {
        "topic": message.topic,
        "utc_time": item_text(message.utc_time),
        "operation": message.operation,
        "source": dict(message.source),
        "key": dict(message.key),
        "data": dict(message.data),
    }


async def _json_object(request: Request) -> dict[str, Any]:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise BadRequest(f"request body larger than {MAX_BODY} bytes", 413)
    try:
        value = json.loads(body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadRequest(f"request body is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise BadRequest("request body must be a JSON object")
    return value


_REQUIRED = object()


def _field(body: dict[str, Any], name: str, kind: type | tuple[type, ...], default: Any = _REQUIRED) -> Any:
    """body[name] checked against `kind`; absent or null gives `default`, if there is one."""
    value = body.get(name)
    if value is None:
        if default is _REQUIRED:
            raise BadRequest(f"{name} is required")
        return default
    # JSON true is no number, though Python's bool is an int.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float, (int, float))):
        expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise BadRequest(f"{name} must be a {expected}")
    return value
