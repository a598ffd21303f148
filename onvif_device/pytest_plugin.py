"""pytest fixtures: a virtual ONVIF camera, or a fleet of them, running for one test.

Installing onvif-device registers this plugin (entry point `pytest11`), so a
test only asks for a fixture:

    def test_my_client_reads_the_serial(onvif_camera):
        client = MyOnvifClient(onvif_camera.host, onvif_camera.port, onvif_camera.username, onvif_camera.password)
        assert client.device_information().serial == onvif_camera.camera.identity.serial_number

- `onvif_camera`: one camera on 127.0.0.1 and free ports, on its own event
  loop in a thread (so synchronous clients work, and async tests too): a
  `CameraHandle` with `device_url`, `host`, `port`, `rtsp_port`,
  `stream_url()`, `username`, `password`, and `camera`, the model.
- `onvif_fleet`: `onvif_fleet_count` such cameras (a `VirtualFleet`:
  `.cameras`, iterable, indexable, `.inventory()`), each distinct.

Settings come from fixtures, the one mechanism for both: override
`onvif_camera_config` (a `Config`), `onvif_fleet_config` (a template
`Config`, or a list of `Config`s, one per camera) or `onvif_fleet_count`
(default 3) in a test module or conftest.py, or parametrize them
indirectly: `@pytest.mark.parametrize("onvif_camera_config", [cfg_a, cfg_b],
indirect=True)`.  By default a camera comes back from SystemReboot in 0.2 s.

Each test gets fresh cameras whose state lives under its `tmp_path`; at the
end they are stopped, their ports closed, their tasks, loop and threads gone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from onvif_device.config import Config

if TYPE_CHECKING:  # the server stack loads only when a test asks for a camera
    from onvif_device.embed import VirtualCamera, VirtualFleet

DEFAULT_FLEET_COUNT = 3
QUICK_REBOOT_SECONDS = 0.2


def default_config() -> Config:
    """The defaults, but a reboot that does not hold a test up."""
    return Config.model_validate({"server": {"reboot_seconds": QUICK_REBOOT_SECONDS}})


@pytest.fixture
def onvif_camera_config(request: pytest.FixtureRequest) -> Config:
    """The `onvif_camera`'s configuration: override this fixture, or parametrize it indirectly."""
    return getattr(request, "param", None) or default_config()


@pytest.fixture
def onvif_fleet_config(request: pytest.FixtureRequest) -> Config | list[Config]:
    """The `onvif_fleet`'s template (or one configuration per camera): override or parametrize indirectly."""
    return getattr(request, "param", None) or default_config()


@pytest.fixture
def onvif_fleet_count(request: pytest.FixtureRequest) -> int:
    """How many cameras `onvif_fleet` has, when `onvif_fleet_config` is a template."""
    return getattr(request, "param", None) or DEFAULT_FLEET_COUNT


@pytest.fixture
def onvif_camera(onvif_camera_config: Config, tmp_path: Any) -> Iterator[VirtualCamera]:
    """A running camera on 127.0.0.1 and free ports, its state under the test's tmp_path."""
    from onvif_device.embed import ThreadedCamera

    with ThreadedCamera(onvif_camera_config, state_dir=str(tmp_path / "onvif-camera")) as camera:
        yield camera


@pytest.fixture
def onvif_fleet(
    onvif_fleet_config: Config | list[Config], onvif_fleet_count: int, tmp_path: Any
) -> Iterator[VirtualFleet]:
    """Running cameras on 127.0.0.1, each on its own free ports, each with its state folder under tmp_path."""
    from onvif_device.embed import ThreadedFleet

    state_dir = str(tmp_path / "onvif-fleet")
    if isinstance(onvif_fleet_config, Config):
        threaded = ThreadedFleet(count=onvif_fleet_count, template=onvif_fleet_config, state_dir=state_dir)
    else:
        threaded = ThreadedFleet(configs=list(onvif_fleet_config), state_dir=state_dir)
    with threaded as fleet:
        yield fleet
