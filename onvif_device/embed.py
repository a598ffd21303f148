"""Running cameras inside another Python program or a test.

    async with VirtualCamera() as cam:
        print(cam.device_url, cam.username, cam.password)

    async with VirtualFleet(count=10) as fleet:
        for cam in fleet.cameras:
            print(cam.name, cam.device_url, cam.stream_url())

`VirtualCamera` binds 127.0.0.1 on a free port, without WS-Discovery, unless
told otherwise (`VirtualCamera(host="0.0.0.0", discovery=True)`).
`VirtualFleet` does the same for many cameras (a `fleet.Fleet` underneath),
each on its own free ports, or on its own loopback address with
`addresses="127.0.0.10-127.0.0.19"`.  `ThreadedCamera` and `ThreadedFleet`
run them on their own event loop in a thread, for synchronous code (zeep,
requests) that would block a shared loop; leaving them stops the cameras,
their tasks, the loop and its threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Self, TypeVar

from onvif_device.camera import Camera
from onvif_device.camera.state import StateStore
from onvif_device.config import Config, FleetConfig, fleet_configs
from onvif_device.fleet import CameraHandle, Fleet, Progress
from onvif_device.server import CameraServer

log = logging.getLogger("onvif_device")

T = TypeVar("T")

START_TIMEOUT = 120.0  # seconds: a hundred cameras start in a few


def make_config(config: Config | None = None, **server: Any) -> Config:
    """`config` (or the defaults) on loopback, a free port and no discovery, with `server` overrides."""
    data = (config or Config()).model_dump()
    data["server"].update({"host": "127.0.0.1", "http_port": 0, "rtsp_port": 0, "discovery": False, **server})
    return Config.model_validate(data)


class VirtualCamera(CameraHandle):
    """One camera; `camera` is the model, `server` its `CameraServer`."""

    def __init__(self, config: Config | None = None, *, seed: str = "embedded", **server: Any) -> None:
        config = make_config(config, **server)
        state_dir = config.server.state_dir
        store = StateStore(Path(state_dir)) if state_dir else None
        camera = Camera(config, seed=seed, store=store)
        super().__init__(camera, CameraServer(camera), state_dir=Path(state_dir) if state_dir else None)

    async def __aenter__(self) -> Self:
        await self.server.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.server.stop()


class VirtualFleet:
    """Many cameras, from `count` copies of `template` or from one configuration each (`configs`).

    Like `VirtualCamera`: loopback, free ports, no discovery, `server`
    overrides for every camera (`state_dir=` is the folder under which each
    camera gets its own).  `addresses` ("127.0.0.10-127.0.0.19" or a list)
    puts each camera on its own address instead.  Identities derive from
    `<seed>-<n>`, so every camera is distinct.
    """

    def __init__(
        self,
        count: int | None = None,
        configs: Sequence[Config] | None = None,
        *,
        template: Config | None = None,
        addresses: str | Sequence[str] = (),
        seed: str = "embedded-fleet",
        parallelism: int | None = None,
        progress: Progress | None = None,
        **server: Any,
    ) -> None:
        if (count is None) == (configs is None):
            raise TypeError("VirtualFleet needs count= or configs=, not both")
        hosts = FleetConfig(addresses=[addresses] if isinstance(addresses, str) else list(addresses)).hosts()
        if configs is not None:
            if hosts and len(hosts) < len(configs):
                raise ValueError(f"{len(hosts)} address(es) for {len(configs)} cameras")
            overrides = [{"host": host} for host in hosts] or [{}] * len(configs)
            built = [make_config(config, **{**server, **extra}) for config, extra in zip(configs, overrides)]
        else:
            built = fleet_configs(make_config(template, **server), FleetConfig(count=count, addresses=hosts))
        options = {} if parallelism is None else {"parallelism": parallelism}
        self.fleet = Fleet(built, seed=seed, **options)
        self._progress = progress

    @property
    def cameras(self) -> list[CameraHandle]:
        return self.fleet.cameras

    def __len__(self) -> int:
        return len(self.fleet)

    def __iter__(self) -> Iterator[CameraHandle]:
        return iter(self.fleet.cameras)

    def __getitem__(self, index: int) -> CameraHandle:
        return self.fleet.cameras[index]

    def inventory(self) -> list[dict[str, Any]]:
        return self.fleet.inventory()

    async def __aenter__(self) -> Self:
        await self.fleet.start(self._progress)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.fleet.stop()


class _LoopThread:
    """A private event loop in a daemon thread, running one async context manager for sync code."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._entered: AbstractAsyncContextManager | None = None

    def enter(self, build: Callable[[], AbstractAsyncContextManager[T]], timeout: float = START_TIMEOUT) -> T:
        self._thread.start()

        async def start() -> T:
            manager = build()  # built on the loop: its asyncio objects belong there
            value = await manager.__aenter__()
            self._entered = manager
            return value

        try:
            return asyncio.run_coroutine_threadsafe(start(), self.loop).result(timeout=timeout)
        except BaseException:
            self._close()
            raise

    def exit(self, timeout: float = 60.0) -> None:
        try:
            if self._entered is not None:
                asyncio.run_coroutine_threadsafe(self._entered.__aexit__(None, None, None), self.loop).result(timeout)
        finally:
            self._entered = None
            self._close()

    def _close(self) -> None:
        if self._thread.is_alive():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(_drain(), self.loop).result(timeout=30)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self.loop.close()


async def _drain() -> None:
    """What a stopped camera left on the loop: tasks (a bug: say so), async generators, executor threads."""
    current = asyncio.current_task()
    leftovers = [task for task in asyncio.all_tasks() if task is not current]
    if leftovers:
        log.warning("cancelling %d task(s) left after the cameras stopped: %s", len(leftovers),
                    ", ".join(sorted(task.get_name() for task in leftovers)))
        for task in leftovers:
            task.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)
    loop = asyncio.get_running_loop()
    await loop.shutdown_asyncgens()
    await loop.shutdown_default_executor()


class ThreadedCamera:
    """A VirtualCamera on a private event loop in a daemon thread.

    `loop` is that loop: the model is not thread-safe, so code that changes it
    while the camera runs does so there (`loop.call_soon_threadsafe`).
    """

    def __init__(self, config: Config | None = None, **kwargs: Any) -> None:
        self._config = config
        self._kwargs = kwargs
        self._runner = _LoopThread("onvif-device camera")
        self.loop = self._loop = self._runner.loop  # _loop: the name tests used before
        self.virtual: VirtualCamera | None = None

    def __enter__(self) -> VirtualCamera:
        self.virtual = self._runner.enter(lambda: VirtualCamera(self._config, **self._kwargs))
        return self.virtual

    def __exit__(self, *exc_info: object) -> None:
        self._runner.exit()


class ThreadedFleet:
    """A VirtualFleet on a private event loop in a daemon thread; takes VirtualFleet's arguments."""

    def __init__(self, count: int | None = None, configs: Sequence[Config] | None = None, **kwargs: Any) -> None:
        self._args = (count, configs)
        self._kwargs = kwargs
        self._runner = _LoopThread("onvif-device fleet")
        self.loop = self._runner.loop
        self.virtual: VirtualFleet | None = None

    def __enter__(self) -> VirtualFleet:
        self.virtual = self._runner.enter(lambda: VirtualFleet(*self._args, **self._kwargs))
        return self.virtual

    def __exit__(self, *exc_info: object) -> None:
        self._runner.exit()
