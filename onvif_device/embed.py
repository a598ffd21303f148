"""Running a camera inside another Python program or a test.

    async with VirtualCamera() as cam:
        print(cam.device_url, cam.username, cam.password)

`VirtualCamera` binds 127.0.0.1 on a free port, without WS-Discovery, unless
told otherwise (`VirtualCamera(host="0.0.0.0", discovery=True)`).
`ThreadedCamera` runs one on its own event loop in a thread, for
synchronous code (zeep, requests) that would block a shared loop.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from onvif_device.camera import Camera
from onvif_device.camera.media import uris
from onvif_device.camera.state import StateStore
from onvif_device.config import Config
from onvif_device.server import CameraServer


def make_config(config: Config | None = None, **server: Any) -> Config:
    """`config` (or the defaults) on loopback, a free port and no discovery, with `server` overrides."""
    data = (config or Config()).model_dump()
    data["server"].update({"host": "127.0.0.1", "http_port": 0, "rtsp_port": 0, "discovery": False, **server})
    return Config.model_validate(data)


class VirtualCamera:
    def __init__(self, config: Config | None = None, *, seed: str = "embedded", **server: Any) -> None:
        self.config = make_config(config, **server)
        state_dir = self.config.server.state_dir
        self.camera = Camera(self.config, seed=seed, store=StateStore(Path(state_dir)) if state_dir else None)
        self.server = CameraServer(self.camera)

    async def __aenter__(self) -> VirtualCamera:
        await self.server.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.server.stop()

    @property
    def device_url(self) -> str:
        return self.server.device_url

    @property
    def host(self) -> str:
        return self.server.advertise

    @property
    def port(self) -> int:
        return self.server.http_port

    @property
    def rtsp_port(self) -> int:
        return self.server.rtsp_port

    def stream_url(self, profile_token: str = "Profile_1") -> str:
        return self.server.rtsp_url + uris.stream_path(profile_token)

    @property
    def username(self) -> str:
        return self.config.auth.username

    @property
    def password(self) -> str:
        return self.config.auth.password


class ThreadedCamera:
    """A VirtualCamera on a private event loop in a daemon thread."""

    def __init__(self, config: Config | None = None, **kwargs: Any) -> None:
        self._kwargs = kwargs
        self._config = config
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="onvif-device camera", daemon=True)
        self.virtual: VirtualCamera | None = None

    def __enter__(self) -> VirtualCamera:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        return future.result(timeout=30)

    async def _start(self) -> VirtualCamera:
        self.virtual = VirtualCamera(self._config, **self._kwargs)
        return await self.virtual.__aenter__()

    def __exit__(self, *exc_info: object) -> None:
        if self.virtual is not None:
            asyncio.run_coroutine_threadsafe(self.virtual.__aexit__(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
