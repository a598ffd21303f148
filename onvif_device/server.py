"""Running one camera: the HTTP server, and its reboot cycle.

A SystemReboot closes the listening socket and every connection, waits the
configured few seconds, and binds the same port again with the same camera
state, as a real camera disappears from the network and comes back.  With
discovery on, the camera says WS-Discovery Hello when it comes up and Bye as
it goes (stop or reboot); it shares `discovery` when given one (many cameras,
one socket), else opens its own on udp/3702, and runs on without discovery
when that port cannot be had.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from dataclasses import dataclass, field

import uvicorn

from onvif_device.app import build_app, build_authenticator
from onvif_device.camera import Camera
from onvif_device.discovery.interfaces import host_interfaces
from onvif_device.discovery.mdns import MdnsAdvertiser, MdnsUnavailable
from onvif_device.discovery.responder import Responder
from onvif_device.discovery.target import HttpListener, Target, camera_target
from onvif_device.discovery.udp import open_responder
from onvif_device.events.delivery import EventDelivery
from onvif_device.netaddr import advertise_address, listen_tcp, url_host
from onvif_device.streaming.engine import StreamingEngine
from onvif_device.streaming.server import RtspServer

log = logging.getLogger("onvif_device")

TICK_SECONDS = 0.1  # how finely timed things (motion schedule, relay pulses) follow the clock


class _Uvicorn(uvicorn.Server):
    # The process owns the signals (the CLI, or a test's event loop), not each server.
    @contextlib.contextmanager
    def capture_signals(self):
        yield


@dataclass
class CameraServer:
    camera: Camera
    http_port: int = 0  # the bound port; known after start()
    advertise: str = ""
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _reboot: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task | None = None
    _up: asyncio.Event = field(default_factory=asyncio.Event)
    reboots: int = 0
    discovery: Responder | None = None  # shared by many cameras, or None: open one when config asks
    _target: Target | None = None
    _owns_discovery: bool = False
    rtsp_port: int = 0  # the bound RTSP port; known after start()
    streaming: StreamingEngine | None = None
    _rtsp: RtspServer | None = None
    _ticker: asyncio.Task | None = None
    _mdns: MdnsAdvertiser | None = None
    delivery: EventDelivery | None = None  # pull points and push subscriptions: one for the camera's life

    @property
    def base_url(self) -> str:
        return f"http://{url_host(self.advertise)}:{self.http_port}"

    @property
    def device_url(self) -> str:
        return f"{self.base_url}/onvif/device_service"

    async def start(self) -> None:
        """Bind and serve in the background; returns once the camera answers."""
        server = self.camera.config.server
        self.advertise = advertise_address(server.host, server.advertise_address)
        sock = listen_tcp(server.host, server.http_port)
        self.http_port = sock.getsockname()[1]
        try:
            await self._start_streaming()
        except OSError:
            sock.close()
            raise
        self.camera.attach(self.advertise, self.http_port, self.rtsp_port)
        self.camera.on_reboot(self._reboot.set)
        if self.delivery is None:
            self.delivery = EventDelivery(self.camera)
        await self.delivery.start()
        self._task = asyncio.create_task(self._run(sock), name="onvif-device http")
        self._ticker = asyncio.create_task(self._tick(), name="onvif-device clock")
        await self._up.wait()
        if server.discovery or self.discovery is not None:
            await self._start_discovery()
        if server.mdns and self._mdns is None:
            await self._start_mdns()

    async def _start_streaming(self) -> None:
        server = self.camera.config.server
        if self.streaming is None:  # one engine for the camera's life; a reboot stops and restarts it
            self.streaming = StreamingEngine(
                # RTSP clients built on live555 (VLC, many NVRs) answer Digest without qop (RFC 2069).
                self.camera,
                build_authenticator(self.camera, allow_rfc2069=True),
                max_sessions=server.rtsp_max_sessions,
            )
        self._rtsp = RtspServer(self.streaming)
        # After a reboot the camera comes back on the port it had.
        self.rtsp_port = await self._rtsp.start(server.host, self.rtsp_port or server.rtsp_port)
        await self.streaming.start(server.host, self.advertise)

    async def _stop_streaming(self) -> None:
        if self._rtsp is not None:
            await self._rtsp.stop()
        if self.streaming is not None:
            await self.streaming.stop()

    @property
    def rtsp_url(self) -> str:
        return f"rtsp://{url_host(self.advertise)}:{self.rtsp_port}"

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
        if self.delivery is not None:
            await self.delivery.stop()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        await self._stop_streaming()
        if self._mdns is not None:
            await self._mdns.stop()
            self._mdns = None
        if self._owns_discovery and self.discovery is not None:
            self.discovery.close()

    async def _start_discovery(self) -> None:
        server = self.camera.config.server
        if self.discovery is None:
            self.discovery, self._owns_discovery = Responder(), True
            try:
                await open_responder(self.discovery, server.host, advertise=self.advertise)
            except OSError as exc:
                log.warning("%s; running without WS-Discovery: give clients %s", exc, self.device_url)
        if self._target is None:
            # Bound to a wildcard, each link gets XAddrs with its own address; the port never changes.
            listener = HttpListener.serving(server.host, self.http_port, self.advertise,
                                            configured=bool(server.advertise_address))
            self._target = camera_target(self.camera, listener.xaddrs)
            loop = asyncio.get_running_loop()
            # Camera changes may come from another thread (a test touching the model).
            self.camera.subscribe(lambda area: loop.call_soon_threadsafe(self._camera_changed, area))
        self.discovery.add(self._target)

    async def _start_mdns(self) -> None:
        server = self.camera.config.server
        listener = HttpListener.serving(server.host, self.http_port, self.advertise,
                                        configured=bool(server.advertise_address))
        mdns = MdnsAdvertiser(self.camera, http_port=self.http_port, rtsp_port=self.rtsp_port,
                              addresses=lambda: listener.addresses(host_interfaces()))
        try:
            await mdns.start()
        except (MdnsUnavailable, OSError) as exc:
            log.warning("%s; running without mDNS", exc)
            return
        self._mdns = mdns
        loop = asyncio.get_running_loop()

        def follow(area: str) -> None:  # new or deleted profiles add or withdraw _rtsp._tcp records
            if area in ("media", "network", "factory_default") and not loop.is_closed():
                loop.call_soon_threadsafe(lambda: loop.create_task(mdns.refresh()))

        self.camera.subscribe(follow)

    def _camera_changed(self, area: str) -> None:
        if area in ("scopes", "network", "factory_default") and self.discovery is not None and self._target is not None:
            self.discovery.refresh(self._target)

    def _leave_discovery(self) -> None:
        if self.discovery is not None and self._target is not None:
            self.discovery.remove(self._target)

    async def _tick(self) -> None:
        """Time acting on the camera: scheduled motion, timed relays, monitoring events."""
        while True:
            try:
                self.camera.tick()
            except Exception:  # a fault in one producer must not stop time for the rest
                log.exception("camera tick failed")
            await asyncio.sleep(TICK_SECONDS)

    async def wait_up(self) -> None:
        await self._up.wait()

    async def _run(self, sock: socket.socket) -> None:
        app = build_app(self.camera, lambda: self.base_url, self.streaming, self.delivery)
        while True:
            config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False, timeout_keep_alive=30)
            http = _Uvicorn(config)
            serving = asyncio.create_task(http.serve(sockets=[sock]))
            while not http.started and not serving.done():
                await asyncio.sleep(0.01)
            self._up.set()
            if self.discovery is not None and self._target is not None and not self._target.online:
                self.discovery.add(self._target)  # back from a reboot: Hello, with a new InstanceId
            stop, reboot = asyncio.create_task(self._stop.wait()), asyncio.create_task(self._reboot.wait())
            await asyncio.wait({serving, stop, reboot}, return_when=asyncio.FIRST_COMPLETED)
            self._leave_discovery()  # Bye before the camera goes
            stop.cancel()
            reboot.cancel()
            http.should_exit = True
            # Subscriptions end with the camera (a reboot drops them, as on a real one); ending them
            # first lets waiting PullMessages return, so closing the server need not wait for them.
            await self.delivery.stop()
            await serving  # closes the socket and every connection
            if self._stop.is_set() or not self._reboot.is_set():
                return
            self._reboot.clear()
            self._up.clear()
            self.reboots += 1
            await self._stop_streaming()
            log.warning("rebooting: away for %gs", self.camera.config.server.reboot_seconds)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.camera.config.server.reboot_seconds)
            if self._stop.is_set():
                return
            sock = listen_tcp(self.camera.config.server.host, self.http_port)
            await self._start_streaming()
            await self.delivery.start()
            self.camera.system_log.add("camera started after reboot")

