"""Fifty cameras in one process: every one answers, as itself, and the inventory says so.

The bulk goes over raw SOAP (tests/soaputil.py, every answer validated
against the official schemas); a sample of cameras is also asked through
onvif-zeep-async, the way Home Assistant sets a camera up, and through plain
zeep with the official devicemgmt.wsdl.
"""

from __future__ import annotations

import json
import os

import onvif
import pytest
import zeep
from fleetutil import identity_answers, stream_uri
from onvif import ONVIFCamera
from schemas import schema_root
from zeep.wsse.username import UsernameToken

from onvif_device.embed import ThreadedFleet

pytestmark = pytest.mark.timeout(300)

COUNT = 50
SAMPLE = range(0, COUNT, 10)  # cameras also asked through the third-party clients
HA_WSDL_DIR = f"{os.path.dirname(onvif.__file__)}/wsdl/"


@pytest.fixture(scope="module")
def fifty(tmp_path_factory):
    progress: list[tuple[int, int]] = []
    state = tmp_path_factory.mktemp("fifty")
    with ThreadedFleet(count=COUNT, state_dir=str(state), progress=lambda *p: progress.append(p)) as fleet:
        fleet.progress = progress
        fleet.inventory_path = state / "inventory.json"
        fleet.fleet.write_inventory(fleet.inventory_path)
        yield fleet


def test_start_reported_progress_for_every_camera(fifty):
    assert fifty.progress == [(n, COUNT) for n in range(1, COUNT + 1)]


def test_every_camera_answers_with_its_own_identity(fifty, onvif_schemas):
    answers = [identity_answers(cam, onvif_schemas) for cam in fifty]
    for field in ("serial_number", "mac_address", "endpoint_reference"):
        assert len({a[field] for a in answers}) == COUNT, field
    for cam, answer in zip(fifty, answers):
        identity = cam.camera.identity
        assert answer == {
            "serial_number": identity.serial_number,
            "model": identity.model,
            "mac_address": identity.mac_address,
            "endpoint_reference": identity.endpoint_reference,
        }
    assert len({(cam.host, cam.port) for cam in fifty}) == COUNT
    assert len({cam.name for cam in fifty}) == COUNT


async def test_home_assistant_client_sees_each_camera_as_itself(fifty):
    for index in SAMPLE:
        cam = fifty[index]
        device = ONVIFCamera(cam.host, cam.port, cam.username, cam.password, HA_WSDL_DIR, no_cache=True)
        try:
            await device.update_xaddrs()
            devicemgmt = await device.create_devicemgmt_service()
            info = await devicemgmt.GetDeviceInformation()
            interfaces = await devicemgmt.GetNetworkInterfaces()
            media = await device.create_media_service()
            profiles = await media.GetProfiles()
            uri = await media.GetStreamUri({"ProfileToken": profiles[0].token,
                                            "StreamSetup": {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}})
        finally:
            await device.close()
        assert info.SerialNumber == cam.camera.identity.serial_number
        assert interfaces[0].Info.HwAddress == cam.camera.identity.mac_address
        assert uri.Uri == cam.stream_url(profiles[0].token)


def test_zeep_with_the_official_wsdl_reads_each_mac(fifty):
    wsdl = str(schema_root() / "ver10" / "device" / "wsdl" / "devicemgmt.wsdl")
    for index in SAMPLE:
        cam = fifty[index]
        client = zeep.Client(wsdl, wsse=UsernameToken(cam.username, cam.password, use_digest=True))
        service = client.create_service("{http://www.onvif.org/ver10/device/wsdl}DeviceBinding", cam.device_url)
        assert service.GetNetworkInterfaces()[0].Info.HwAddress == cam.camera.identity.mac_address
        assert service.GetDeviceInformation().SerialNumber == cam.camera.identity.serial_number


def test_the_inventory_matches_what_the_cameras_answer(fifty, onvif_schemas):
    inventory = json.loads(fifty.inventory_path.read_text())
    assert [entry["number"] for entry in inventory] == list(range(1, COUNT + 1))
    for entry, cam in zip(inventory, fifty):
        answer = identity_answers(cam, onvif_schemas)
        assert (entry["serial_number"], entry["mac_address"], entry["endpoint_reference"]) == (
            answer["serial_number"], answer["mac_address"], answer["endpoint_reference"])
        assert entry["device_url"] == cam.device_url == f"http://127.0.0.1:{entry['http_port']}/onvif/device_service"
        assert (entry["username"], entry["password"]) == ("admin", "admin")
        assert entry["state_dir"].endswith(f"/{entry['id']}")
    # Stream URIs as GetStreamUri gives them, for every profile of a few cameras.
    for index in (0, COUNT - 1):
        entry, cam = inventory[index], fifty[index]
        assert set(entry["streams"]) == {"Profile_1", "Profile_2", "Profile_3"}
        for token, url in entry["streams"].items():
            assert stream_uri(cam, token, onvif_schemas) == url


def test_each_camera_keeps_its_state_in_its_own_folder(fifty):
    folders = {cam.state_dir for cam in fifty}
    assert len(folders) == COUNT
    assert all((folder / "state.json").is_file() for folder in folders)
    assert {folder.name for folder in folders} == {cam.camera.identity.serial_number for cam in fifty}
