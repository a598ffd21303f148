"""Many cameras in one process: build them, start them side by side, stop them, list them.

    fleet = Fleet(load_fleet(path), state_dir=Path("state"))
    await fleet.start(progress=lambda done, total: print(f"started {done}/{total}"))
    ...
    await fleet.stop()

Each camera is a whole `Camera` with its own `CameraServer`: its own HTTP and
RTSP listeners, event delivery and clock task, and its own state file under
`<state dir>/<camera id>/`.  Nothing is shared that one camera could change
for another; a reboot or a fault stays with the camera it happened to.  The
one shared thing is WS-Discovery: a host has one udp/3702, so cameras on the
same network interface share one `Responder`, each answering with its own
XAddrs (see server.py).

`CameraHandle` is how callers see one running camera: its URLs, credentials
and model.  `embed.VirtualCamera` is one too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Self

from onvif_device.camera import Camera
from onvif_device.camera.identity import Identity
from onvif_device.camera.media import uris
from onvif_device.camera.state import StateStore
from onvif_device.config import Config, ConfigError
from onvif_device.discovery.interfaces import interface_holding
from onvif_device.discovery.responder import Responder
from onvif_device.discovery.udp import open_responder
from onvif_device.netaddr import advertise_address
from onvif_device.server import CameraServer
from onvif_device.services import SERVICES

log = logging.getLogger("onvif_device")

# Cameras starting at once: each binds two ports and brings up a web server; more at once only
# makes each one wait longer for the loop.
DEFAULT_PARALLELISM = 20

Progress = Callable[[int, int], None]  # (cameras started, cameras in all)


class CameraHandle:
    """One camera as its clients see it: where it answers, how to log in, and the model behind it."""

    def __init__(
        self, camera: Camera, server: CameraServer, *, number: int = 1, camera_id: str = "",
        state_dir: Path | None = None,
    ) -> None:
        self.camera = camera
        self.server = server
        self.number = number
        self.camera_id = camera_id or camera_id_for(camera.identity, number)
        self.state_dir = state_dir

    @property
    def config(self) -> Config:
        return self.camera.config

    @property
    def name(self) -> str:
        return self.camera.identity.name

    @property
    def device_url(self) -> str:
        return self.server.device_url

    def service_url(self, name: str) -> str:
        """The XAddr of service `name` ("ptz", "imaging", "events", ...), as GetServices gives it."""
        for info in SERVICES:
            if info.name == name:
                return info.xaddr(self.server.base_url)
        raise LookupError(f"no service named {name!r}; served: {', '.join(i.name for i in SERVICES)}")

    @property
    def host(self) -> str:
        """The address in the camera's URLs."""
        return self.server.advertise

    @property
    def port(self) -> int:
        return self.server.http_port

    @property
    def rtsp_port(self) -> int:
        return self.server.rtsp_port

    def stream_url(self, profile_token: str = "Profile_1") -> str:
        return self.server.rtsp_url + uris.stream_path(profile_token)

    def stream_urls(self) -> dict[str, str]:
        """Every media profile's RTSP URL, by profile token."""
        return {profile.token: self.stream_url(profile.token) for profile in self.camera.media.state.profiles}

    @property
    def username(self) -> str:
        return self.config.auth.username

    @property
    def password(self) -> str:
        return self.config.auth.password

    def inventory(self) -> dict[str, Any]:
        """What a test harness needs to reach this camera, as JSON-ready values."""
        identity = self.camera.identity
        return {
            "number": self.number,
            "id": self.camera_id,
            "name": identity.name,
            "manufacturer": identity.manufacturer,
            "model": identity.model,
            "serial_number": identity.serial_number,
            "hardware_id": identity.hardware_id,
            "mac_address": identity.mac_address,
            "endpoint_reference": identity.endpoint_reference,
            "host": self.host,
            "http_port": self.port,
            "rtsp_port": self.rtsp_port,
            "device_url": self.device_url,
            "streams": self.stream_urls(),
            "auth": self.config.auth.enabled,
            "username": self.username,
            "password": self.password,
            "state_dir": str(self.state_dir) if self.state_dir else None,
        }


def camera_id_for(identity: Identity, number: int) -> str:
    """A name for the camera's state folder: its serial number, safe for any file system."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", identity.serial_number).strip(".-")
    return safe[:64] or f"camera-{number}"


class Fleet:
    """Cameras built from one configuration each; `start()` and `stop()` run them all.

    `seed`: cameras whose configuration has no `identity.seed` derive their
    identity from `<seed>-<n>`.  `state_dir`: each camera keeps its state in
    `<state_dir>/<camera id>/` (default: the configuration's `server.state_dir`;
    none: in memory).  `discovery`: one responder every discovering camera
    shares (tests); by default the fleet opens one per network interface.
    """

    def __init__(
        self,
        configs: Sequence[Config],
        *,
        seed: str = "fleet",
        state_dir: Path | None = None,
        parallelism: int = DEFAULT_PARALLELISM,
        discovery: Responder | None = None,
    ) -> None:
        if not configs:
            raise ConfigError("a fleet needs at least one camera")
        self.parallelism = max(1, parallelism)
        self.cameras: list[CameraHandle] = []
        self._discovery = discovery
        self._responders: list[Responder] = []
        self._started: list[CameraHandle] = []
        plans = []
        for number, config in enumerate(configs, 1):
            fallback = f"{seed}-{number}"
            identity = Identity.from_config(config.identity, fallback)
            camera_id = camera_id_for(identity, number)
            root = state_dir or config.server.state_dir
            folder = Path(root) / camera_id if root else None
            if folder is not None:
                config = config.model_copy(update={"server": config.server.model_copy(update={"state_dir": folder})})
            plans.append((number, config, fallback, identity, camera_id, folder))
        _check_distinct([(number, identity, folder) for number, _, _, identity, _, folder in plans])
        # Only now: a camera saves its state file as it is built.
        for number, config, fallback, _, camera_id, folder in plans:
            camera = Camera(config, seed=fallback, store=StateStore(folder) if folder else None)
            self.cameras.append(CameraHandle(camera, CameraServer(camera), number=number, camera_id=camera_id,
                                             state_dir=folder))

    def __len__(self) -> int:
        return len(self.cameras)

    # --- life cycle -----------------------------------------------------------------------

    async def start(self, progress: Progress | None = None) -> None:
        """Start every camera, `parallelism` at a time; on a failure stop those started and raise it.

        `progress(started, total)` is called as each camera comes up.
        """
        await self._share_discovery()
        gate = asyncio.Semaphore(self.parallelism)
        failed: list[tuple[CameraHandle, BaseException]] = []

        async def start_one(handle: CameraHandle) -> None:
            async with gate:
                if failed:
                    return  # no point starting more
                try:
                    await handle.server.start()
                except Exception as exc:  # noqa: BLE001 - raised below, once the others have settled
                    failed.append((handle, exc))
                    return
                self._started.append(handle)
                if progress is not None:
                    progress(len(self._started), len(self.cameras))

        await asyncio.gather(*(start_one(handle) for handle in self.cameras))
        if failed:
            await self.stop()
            handle, exc = failed[0]
            label = f"camera {handle.number} ({handle.name})"
            if isinstance(exc, OSError):
                raise OSError(exc.errno, f"{label}: {exc.strerror or exc}") from exc
            raise exc

    async def stop(self) -> None:
        """Stop every started camera (each says Bye), then close the discovery sockets."""
        started, self._started = self._started, []
        gate = asyncio.Semaphore(self.parallelism)

        async def stop_one(handle: CameraHandle) -> None:
            async with gate:
                try:
                    await handle.server.stop()
                except Exception:  # one camera failing to stop must not keep the rest running
                    log.exception("camera %d (%s) did not stop cleanly", handle.number, handle.name)

        await asyncio.gather(*(stop_one(handle) for handle in started))
        for responder in self._responders:
            responder.close()
        self._responders.clear()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _share_discovery(self) -> None:
        """One responder per network interface, shared by the cameras bound there."""
        groups: dict[object, list[CameraHandle]] = {}
        for handle in self.cameras:
            if handle.config.server.discovery:
                groups.setdefault(_link_key(handle.config.server.host), []).append(handle)
        for members in groups.values():
            responder = self._discovery
            if responder is None:
                responder = Responder()
                self._responders.append(responder)
                server = members[0].config.server
                try:
                    await open_responder(responder, server.host,
                                         advertise=advertise_address(server.host, server.advertise_address))
                except OSError as exc:
                    # An unconnected responder stays silent, so the cameras do not each try again.
                    log.warning("%s; %d camera(s) on %s run without WS-Discovery", exc, len(members),
                                server.host or "*")
            for handle in members:
                handle.server.discovery = responder

    # --- inventory ------------------------------------------------------------------------

    def inventory(self) -> list[dict[str, Any]]:
        return [handle.inventory() for handle in self.cameras]

    def write_inventory(self, path: Path) -> None:
        write_inventory(path, self.cameras)


def write_inventory(path: Path, cameras: Sequence[CameraHandle]) -> None:
    """The cameras' inventory as JSON, replaced atomically so a harness polling the file never reads half."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps([handle.inventory() for handle in cameras], indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def _link_key(host: str) -> object:
    """Cameras bound to the same interface (or all to a wildcard) can share a discovery socket."""
    if host in ("", "0.0.0.0", "::"):
        return "*"
    interface = interface_holding(host)
    return ("interface", interface.index) if interface is not None else ("host", host)


def _check_distinct(cameras: Sequence[tuple[int, Identity, Path | None]]) -> None:
    """Two cameras with one serial, MAC or UUID would confuse every VMS: refuse, naming the setting."""
    settings: dict[str, Callable[[Identity, Path | None], object]] = {
        "identity.serial_number": lambda identity, _: identity.serial_number,
        "identity.mac_address": lambda identity, _: identity.mac_address,
        "identity.endpoint_uuid": lambda identity, _: identity.endpoint_uuid,
        "server.state_dir": lambda _, folder: folder,
    }
    for setting, value_of in settings.items():
        seen: dict[object, int] = {}
        for number, identity, folder in cameras:
            value = value_of(identity, folder)
            if value is None:
                continue
            if value in seen:
                raise ConfigError(f"camera {number} {setting}: {str(value)!r} is also camera {seen[value]}'s;"
                                  " give each camera its own (or its own identity.seed)")
            seen[value] = number
