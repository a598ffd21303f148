"""Fixtures shared by the whole test suite."""

import pytest
import schemas

# --- Validation against the official ONVIF schemas (tests/schemas.py) ----------------------


@pytest.fixture(scope="session")
def onvif_schemas() -> schemas.OnvifSchemas:
    """Validator for SOAP output: .validate_envelope(bytes) and .validate_element(element).

    The schema tree is fetched on first use and each service's schema compiled lazily, once.
    """
    return schemas.onvif_schemas()


# --- A running camera and a raw SOAP client ----------------------------------------------------
# The camera is the project's own pytest plugin's (onvif_device/pytest_plugin.py, registered by the
# pytest11 entry point): the suite uses the fixtures it ships.

from soaputil import SoapClient

from onvif_device.config import Config
from onvif_device.pytest_plugin import QUICK_REBOOT_SECONDS

pytest_plugins = ["pytester"]  # tests/fleet/test_pytest_plugin.py runs test files of its own


@pytest.fixture
def camera_config() -> Config:
    """Override in a test module to start the camera with other settings."""
    return Config()


@pytest.fixture
def onvif_camera_config(camera_config: Config) -> Config:
    """The plugin's camera starts from this suite's `camera_config`, coming back from a reboot quickly."""
    data = camera_config.model_dump()
    data["server"]["reboot_seconds"] = QUICK_REBOOT_SECONDS
    return Config.model_validate(data)


@pytest.fixture
def running_camera(onvif_camera):
    """A real camera on 127.0.0.1 and a free port, in its own thread; torn down after the test."""
    return onvif_camera


@pytest.fixture
def soap(running_camera, onvif_schemas):
    client = SoapClient(running_camera.device_url, running_camera.username, running_camera.password, onvif_schemas)
    yield client
    client.close()
