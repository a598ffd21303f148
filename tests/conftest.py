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

from onvif_device.config import Config  # noqa: E402
from onvif_device.embed import ThreadedCamera  # noqa: E402
from soaputil import SoapClient  # noqa: E402


@pytest.fixture
def camera_config() -> Config:
    """Override in a test module to start the camera with other settings."""
    return Config()


@pytest.fixture
def running_camera(camera_config, tmp_path):
    """A real camera on 127.0.0.1 and a free port, in its own thread; torn down after the test."""
    with ThreadedCamera(camera_config, state_dir=str(tmp_path / "state"), reboot_seconds=0.2) as cam:
        yield cam


@pytest.fixture
def soap(running_camera, onvif_schemas):
    client = SoapClient(running_camera.device_url, running_camera.username, running_camera.password, onvif_schemas)
    yield client
    client.close()
