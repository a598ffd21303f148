"""The control API's PTZ paths: a test fixture reads the head, puts it somewhere, and jams it.

What the API does is checked through the PTZ service a client uses (GetStatus,
AbsoluteMove), validated against the official schemas.
"""

from __future__ import annotations

import httpx
import pytest
from soaputil import TT, SoapClient

TPTZ = "http://www.onvif.org/ver20/ptz/wsdl"
NS = {"tptz": TPTZ, "tt": TT}
DECLARE = f'xmlns:tptz="{TPTZ}" xmlns:tt="{TT}"'
STATUS = f"<tptz:GetStatus {DECLARE}><tptz:ProfileToken>Profile_1</tptz:ProfileToken></tptz:GetStatus>"


@pytest.fixture
def api(running_camera):
    base = f"http://127.0.0.1:{running_camera.port}/emulator"
    auth = httpx.DigestAuth(running_camera.username, running_camera.password)
    with httpx.Client(base_url=base, auth=auth, timeout=10) as client:
        yield client


@pytest.fixture
def ptz(running_camera, onvif_schemas):
    url = running_camera.service_url("ptz")
    client = SoapClient(url, running_camera.username, running_camera.password, onvif_schemas)
    yield client
    client.close()


def test_the_head_is_described_with_its_units(api):
    head = api.get("/ptz").json()
    assert head["node"] == "PTZNode_1" and head["video_source"] == "VideoSource_1"
    assert head["position"] == {"pan": 0.0, "tilt": 0.0, "zoom": 0.0}
    assert head["focal_length_mm"] == pytest.approx(4.7)
    assert head["moving"] == {"pan_tilt": False, "zoom": False}
    assert head["error"] is None and head["presets"] == [] and head["tours"] == []
    assert api.get("/").json()["paths"]["ptz"] == "/emulator/ptz"


def test_placing_the_head_is_what_get_status_reports(api, ptz):
    placed = api.put("/ptz/position", json={"pan": 0.5, "tilt": -0.25, "zoom": 1.0}).json()
    assert placed["position"] == {"pan": 0.5, "tilt": -0.25, "zoom": 1.0}
    assert placed["degrees"]["pan"] == pytest.approx(30.0)
    assert placed["focal_length_mm"] == pytest.approx(18.8)
    status = ptz.call(STATUS).find("tptz:PTZStatus", NS)
    pan_tilt = status.find("tt:Position/tt:PanTilt", NS)
    assert (float(pan_tilt.get("x")), float(pan_tilt.get("y"))) == (0.5, -0.25)
    assert float(status.find("tt:Position/tt:Zoom", NS).get("x")) == 1.0
    assert status.findtext("tt:MoveStatus/tt:PanTilt", namespaces=NS) == "IDLE"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"pan": 1.5}, "pan must be from -1 to 1"),
        ({"zoom": -0.1}, "zoom must be from 0 to 1"),
        ({"tilt": "up"}, "tilt must be a int or float"),
    ],
)
def test_a_placement_out_of_range_is_refused_by_name(api, body, message):
    response = api.put("/ptz/position", json=body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert api.get("/ptz").json()["position"] == {"pan": 0.0, "tilt": 0.0, "zoom": 0.0}


def test_a_jammed_head_reports_its_error_and_refuses_to_move_until_freed(api, ptz):
    assert api.put("/ptz/error", json={"error": "pan motor stalled"}).json()["error"] == "pan motor stalled"
    status = ptz.call(STATUS).find("tptz:PTZStatus", NS)
    assert status.findtext("tt:Error", namespaces=NS) == "pan motor stalled"
    assert status.findtext("tt:MoveStatus/tt:PanTilt", namespaces=NS) == "UNKNOWN"
    move = (
        f"<tptz:AbsoluteMove {DECLARE}><tptz:ProfileToken>Profile_1</tptz:ProfileToken>"
        '<tptz:Position><tt:PanTilt x="0.5" y="0"/></tptz:Position></tptz:AbsoluteMove>'
    )
    codes = ptz.fault(move, status=500)
    assert codes[:2] == ["s:Receiver", "ter:Action"]
    assert api.put("/ptz/error", json={"error": None}).json()["error"] is None
    ptz.call(move)
    status = ptz.call(STATUS).find("tptz:PTZStatus", NS)
    assert status.find("tt:Error", NS) is None
    assert status.findtext("tt:MoveStatus/tt:PanTilt", namespaces=NS) in ("MOVING", "IDLE")


def test_the_error_path_needs_the_error_field(api):
    response = api.put("/ptz/error", json={})
    assert response.status_code == 400 and "error is required" in response.json()["error"]
