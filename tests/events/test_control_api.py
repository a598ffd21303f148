"""The /emulator/ control API on a running camera, with httpx as the client."""

import io

import httpx
import numpy as np
import pytest
from conftest import MOTION, topic_filter
from PIL import Image

from onvif_device.config import Config
from onvif_device.video.scene import INTRUDER_RGB


@pytest.fixture
def camera_config() -> Config:
    # No scheduled motion: the tests decide when there is motion.
    return Config.model_validate(
        {
            "events": {"motion_every_seconds": 0},
            "auth": {"users": [{"username": "op", "password": "pw", "level": "Operator"}]},
        }
    )


@pytest.fixture
def api(running_camera):
    base = f"http://127.0.0.1:{running_camera.port}/emulator"
    auth = httpx.DigestAuth(running_camera.username, running_camera.password)
    with httpx.Client(base_url=base, auth=auth, timeout=10) as client:
        yield client


def test_requires_administrator_credentials(running_camera, api):
    url = f"http://127.0.0.1:{running_camera.port}/emulator/events/topics"
    anonymous = httpx.get(url)
    assert anonymous.status_code == 401 and "Digest" in anonymous.headers["www-authenticate"]
    operator = httpx.get(url, auth=httpx.DigestAuth("op", "pw"))
    assert operator.status_code == 403 and "may not use the control API" in operator.text
    assert api.get("/events/topics").status_code == 200


def test_index_names_the_camera_and_its_paths(running_camera, api):
    index = api.get("/").json()
    assert index["serial_number"] == running_camera.camera.identity.serial_number
    assert index["paths"]["motion"] == "/emulator/motion"


def test_topics_list_the_registry_with_items(api):
    topics = {t["topic"]: t for t in api.get("/events/topics").json()}
    motion = topics["tns1:VideoSource/MotionAlarm"]
    assert motion == {
        "topic": "tns1:VideoSource/MotionAlarm",
        "is_property": True,
        "source": {"Source": "tt:ReferenceToken"},
        "key": {},
        "data": {"State": "xs:boolean"},
    }


def motion_state(api) -> str:
    properties = api.get("/events/properties").json()
    return next(p["data"]["State"] for p in properties if p["topic"] == "tns1:VideoSource/MotionAlarm")


def test_motion_starts_and_stops_on_request(api):
    assert motion_state(api) == "false"
    started = api.post("/motion", json={"state": True})
    assert started.status_code == 200 and started.json() == {
        "video_source": "VideoSource_1",
        "motion": True,
    }
    assert motion_state(api) == "true"
    assert api.post("/motion", json={"video_source": "VideoSource_1", "state": False}).json()["motion"] is False
    assert motion_state(api) == "false"
    assert api.post("/motion", json={"state": None}).json()["motion"] is False  # back to the (empty) schedule


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({}, 400, "state is required"),
        ({"state": "yes"}, 400, "state must be true, false or null"),
        ({"state": True, "video_source": "VideoSource_9"}, 404, "VideoSource_9"),
        ({"state": True, "seconds": 0}, 400, "seconds must be"),
        ({"state": True, "seconds": True}, 400, "seconds must be a int or float"),
        ([1, 2], 400, "JSON object"),
    ],
)
def test_motion_refuses_bad_requests(api, body, status, error):
    response = api.post("/motion", json=body)
    assert response.status_code == status and error in response.json()["error"]


def test_any_registered_topic_can_be_raised(api):
    raised = api.post(
        "/events",
        json={
            "topic": "tns1:VideoSource/GlobalSceneChange/ImagingService",
            "source": {"Source": "VideoSource_1"},
            "data": {"State": True},
        },
    )
    assert raised.status_code == 201
    message = raised.json()["message"]
    assert message["operation"] == "Initialized" and message["data"] == {"State": "true"}
    again = api.post(
        "/events",
        json={
            "topic": "tns1:VideoSource/GlobalSceneChange/ImagingService",
            "source": {"Source": "VideoSource_1"},
            "data": {"State": True},
        },
    )
    assert again.status_code == 200 and again.json()["published"] is False
    profile = api.post(
        "/events",
        json={"topic": "tns1:Media/ProfileChanged", "source": {"Token": "Profile_1"}},
    )
    assert profile.status_code == 201 and profile.json()["message"]["operation"] is None


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"topic": "tns1:No/Such"}, 404, "no such topic: tns1:No/Such"),
        (
            {
                "topic": "tns1:VideoSource/MotionAlarm",
                "source": {"Source": "VideoSource_1"},
            },
            400,
            "missing data item(s) State",
        ),
        (
            {
                "topic": "tns1:VideoSource/MotionAlarm",
                "source": {"Src": "x"},
                "data": {"State": True},
            },
            400,
            "unknown source item(s) Src",
        ),
        (
            {
                "topic": "tns1:VideoSource/MotionAlarm",
                "source": {"Source": ["x"]},
                "data": {"State": True},
            },
            400,
            "source.Source must be",
        ),
        ({"source": {}}, 400, "topic is required"),
    ],
)
def test_raising_an_event_refuses_bad_requests(api, body, status, error):
    response = api.post("/events", json=body)
    assert response.status_code == status and error in response.json()["error"]


def test_a_body_that_is_not_json_is_refused(api):
    response = api.post("/events", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400 and "not JSON" in response.json()["error"]


def test_digital_inputs_are_driven_and_raise_their_event(running_camera, api):
    io = api.get("/io").json()
    assert [i["token"] for i in io["inputs"]] == ["DigitalInput_1", "DigitalInput_2"]
    assert io["relays"][0]["logical_state"] == "inactive"
    driven = api.put("/inputs/DigitalInput_2", json={"active": True})
    assert driven.status_code == 200 and driven.json()["active"] is True
    properties = api.get("/events/properties").json()
    state = next(
        p
        for p in properties
        if p["topic"] == "tns1:Device/Trigger/DigitalInput" and p["source"]["InputToken"] == "DigitalInput_2"
    )
    assert state["data"] == {"LogicalState": "true"}
    assert api.get("/io").json()["inputs"][1]["active"] is True


@pytest.mark.parametrize(
    ("token", "body", "status", "error"),
    [
        ("DigitalInput_7", {"active": True}, 404, "no digital input 'DigitalInput_7'"),
        ("DigitalInput_1", {}, 400, "active is required"),
        ("DigitalInput_1", {"active": 1}, 400, "active must be a bool"),
    ],
)
def test_driving_an_input_refuses_bad_requests(api, token, body, status, error):
    response = api.put(f"/inputs/{token}", json=body)
    assert response.status_code == status and error in response.json()["error"]


def green_pixels(jpeg: bytes) -> int:
    """Pixels of the intruder's green (JPEG blurs it a little)."""
    rgb = np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB")).astype(int)
    target = np.array(INTRUDER_RGB)
    return int((np.abs(rgb - target).max(axis=2) < 40).sum())


def test_motion_puts_an_intruder_in_the_picture(running_camera, api):
    url = f"http://127.0.0.1:{running_camera.port}/snapshot/Profile_2.jpg"
    auth = httpx.DigestAuth(running_camera.username, running_camera.password)
    quiet = green_pixels(httpx.get(url, auth=auth).content)
    api.post("/motion", json={"state": True})
    busy = green_pixels(httpx.get(url, auth=auth).content)
    api.post("/motion", json={"state": False})
    # 640x360: the intruder is 120 pixels tall and 40 wide; the panorama has some green of its own.
    assert busy - quiet > 3000


def test_subscriptions_are_listed(api, events):
    assert api.get("/events/subscriptions").json() == []
    address = events.pull_point(topic_filter(MOTION))
    events.pull_notes(address)  # the initial property states
    api.post("/motion", json={"state": True})
    [listed] = api.get("/events/subscriptions").json()
    assert listed["kind"] == "pull point" and listed["address"] == address
    assert listed["filtered"] is True and listed["queued"] == 1 and listed["pulling"] is False
    assert listed["termination_time"].endswith("Z")
    events.unsubscribe(address)
    assert api.get("/events/subscriptions").json() == []
