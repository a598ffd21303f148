"""The pytest plugin: its fixtures run in a test session of their own (pytester), configured every
documented way, and leave nothing behind: no listening port, no thread, no task."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading

import pytest
from onvif import ONVIFCamera

import onvif_device.pytest_plugin
from onvif_device.embed import ThreadedCamera, ThreadedFleet

pytestmark = pytest.mark.timeout(180)

LEFT_BEHIND = "left after the cameras stopped"

INNER = '''
import json

import httpx
import pytest
from onvif import ONVIFCamera

from onvif_device.config import Config

RECORD = {record!r}


def record(test, *cams):
    with open(RECORD, "a") as out:
        for cam in cams:
            out.write(json.dumps({{"test": test, "ports": [cam.port, cam.rtsp_port], "state": str(cam.state_dir),
                                  "serial": cam.camera.identity.serial_number}}) + "\\n")


def device_information(cam):
    body = ('<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
            '<GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>')
    return httpx.post(cam.device_url, content=body, auth=httpx.DigestAuth(cam.username, cam.password), timeout=10)


def test_a_camera_with_the_defaults(onvif_camera, tmp_path):
    record("defaults", onvif_camera)
    assert onvif_camera.host == "127.0.0.1"
    assert onvif_camera.device_url == f"http://127.0.0.1:{{onvif_camera.port}}/onvif/device_service"
    assert onvif_camera.stream_url().startswith(f"rtsp://127.0.0.1:{{onvif_camera.rtsp_port}}/")
    assert onvif_camera.state_dir.is_relative_to(tmp_path)
    assert onvif_camera.config.server.reboot_seconds == 0.2
    reply = device_information(onvif_camera)
    assert reply.status_code == 200 and onvif_camera.camera.identity.serial_number in reply.text


@pytest.mark.parametrize("onvif_camera_config", [Config.model_validate({{"identity": {{"name": "From a parameter"}}}})],
                         indirect=True)
def test_a_camera_parametrized_indirectly(onvif_camera):
    record("parametrized", onvif_camera)
    assert onvif_camera.name == "From a parameter"


class TestOverridingTheConfigFixture:
    @pytest.fixture
    def onvif_camera_config(self):
        return Config.model_validate({{"auth": {{"username": "operator", "password": "op-pw"}}}})

    def test_the_camera_uses_it(self, onvif_camera):
        record("override", onvif_camera)
        assert (onvif_camera.username, onvif_camera.password) == ("operator", "op-pw")
        assert device_information(onvif_camera).status_code == 200


def test_a_fleet_of_the_default_size(onvif_fleet, tmp_path):
    record("fleet", *onvif_fleet)
    assert len(onvif_fleet) == 3
    assert len({{cam.camera.identity.serial_number for cam in onvif_fleet}}) == 3
    assert all(cam.state_dir.is_relative_to(tmp_path) for cam in onvif_fleet)
    assert all(device_information(cam).status_code == 200 for cam in onvif_fleet)


@pytest.mark.parametrize("onvif_fleet_count", [5], indirect=True)
def test_a_fleet_sized_by_its_count_fixture(onvif_fleet):
    record("fleet-5", *onvif_fleet)
    assert [cam.number for cam in onvif_fleet] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    "onvif_fleet_config",
    [[Config.model_validate({{"identity": {{"name": "North"}}}}), Config.model_validate({{"identity": {{"name": "South"}}}})]],
    indirect=True,
)
def test_a_fleet_from_one_config_per_camera(onvif_fleet):
    record("fleet-configs", *onvif_fleet)
    assert [cam.name for cam in onvif_fleet] == ["North", "South"]


@pytest.mark.asyncio
async def test_an_async_test_uses_the_camera_too(onvif_camera):
    record("async", onvif_camera)
    async with httpx.AsyncClient() as http:
        reply = await http.get(onvif_camera.device_url.replace("/onvif/device_service", "/"))
    assert reply.status_code < 500
'''


def test_the_plugin_is_registered_by_its_entry_point(pytestconfig):
    assert pytestconfig.pluginmanager.get_plugin("onvif_device") is onvif_device.pytest_plugin
    distributions = {dist.project_name for _, dist in pytestconfig.pluginmanager.list_plugin_distinfo()}
    assert "onvif-device" in distributions or "onvif_device" in distributions


def test_the_suites_running_camera_is_the_plugins(running_camera, onvif_camera):
    assert running_camera is onvif_camera


def test_fixtures_configure_isolate_and_leave_nothing_behind(pytester, tmp_path, caplog):
    record = tmp_path / "record.jsonl"
    threads_before = set(threading.enumerate())
    pytester.makepyfile(test_inner=INNER.format(record=str(record)))
    with caplog.at_level(logging.WARNING, logger="onvif_device"):
        result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function")
    result.assert_outcomes(passed=7)

    rows = [json.loads(line) for line in record.read_text().splitlines()]
    assert [row["test"] for row in rows].count("fleet-5") == 5
    # Every test had its own state folder, and every camera its own.
    assert len({row["state"] for row in rows}) == len(rows)
    # The same seed makes the same camera in every test: state isolation, not identity, keeps them apart.
    assert len({row["serial"] for row in rows if row["test"] == "fleet"}) == 3
    # Every port is closed again.
    for row in rows:
        for port in row["ports"]:
            with socket.socket() as probe:
                assert probe.connect_ex(("127.0.0.1", port)) != 0, (row, port)
    # No thread outlives its camera: not the loop's, not its executor's.
    assert [t.name for t in threading.enumerate() if t not in threads_before] == []
    # And no task was still pending when a camera's loop was shut.
    assert not [r for r in caplog.records if LEFT_BEHIND in r.getMessage()]


def test_a_task_left_on_a_cameras_loop_is_cancelled_and_reported(caplog):
    threads_before = set(threading.enumerate())
    with caplog.at_level(logging.WARNING, logger="onvif_device"):
        threaded = ThreadedCamera()
        with threaded as cam:
            loop = cam.server._task.get_loop()
            stray = asyncio.run_coroutine_threadsafe(asyncio.sleep(3600), loop)
    assert stray.cancelled()
    assert [r.getMessage() for r in caplog.records if LEFT_BEHIND in r.getMessage()]
    assert loop.is_closed()
    assert [t.name for t in threading.enumerate() if t not in threads_before] == []


def test_an_embedded_fleet_leaves_nothing_behind(caplog):
    threads_before = set(threading.enumerate())
    with caplog.at_level(logging.WARNING, logger="onvif_device"), ThreadedFleet(count=4) as fleet:
        ports = [port for cam in fleet for port in (cam.port, cam.rtsp_port)]
        loop = fleet[0].server._task.get_loop()
    assert loop.is_closed() and asyncio.all_tasks(loop) == set()
    for port in ports:
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0
    assert [t.name for t in threading.enumerate() if t not in threads_before] == []
    assert not [r for r in caplog.records if LEFT_BEHIND in r.getMessage()]


def test_a_fleet_that_cannot_start_leaves_nothing_behind():
    threads_before = set(threading.enumerate())
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="camera 1"), ThreadedFleet(count=2, http_port=port):
            pass
    assert [t.name for t in threading.enumerate() if t not in threads_before] == []


async def test_the_readme_example(onvif_camera):
    """README "Embedding in tests": testing an ONVIF client (onvif-zeep-async) with the fixture."""
    device = ONVIFCamera(onvif_camera.host, onvif_camera.port, onvif_camera.username, onvif_camera.password)
    await device.update_xaddrs()
    info = await (await device.create_devicemgmt_service()).GetDeviceInformation()
    await device.close()
    assert info.SerialNumber == onvif_camera.camera.identity.serial_number
