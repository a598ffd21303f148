"""The picture follows the head: PTZ commands over SOAP move what the stream and snapshots show.

Each decoded frame carries its frame number and capture time in the stamp
block, so the test renders the same scene at that very instant for a range
of candidate pan/tilt/zoom values and asks which one the camera sent: the
estimate is read from the pixels alone, never from the model.  Scripted
motion is off, so nothing in the picture but the head's aim is unknown.
"""

from __future__ import annotations

import io
import itertools
import time
from datetime import UTC, datetime

import av
import httpx
import numpy as np
import pytest
from lxml import etree
from PIL import Image
from soaputil import TT, SoapClient
from streaming.rtsp_wire import Wire
from streaming.test_rtsp_server import _metadata_documents, _play_tcp

from onvif_device.config import Config
from onvif_device.embed import ThreadedCamera
from onvif_device.video import SceneRenderer, read_stamp

pytestmark = pytest.mark.timeout(180)

TPTZ = "http://www.onvif.org/ver20/ptz/wsdl"
NS = {"tptz": TPTZ, "tt": TT}
DECLARE = f'xmlns:tptz="{TPTZ}" xmlns:tt="{TT}"'
PROFILE = "Profile_2"  # the 640x360 sub stream, which drives the head as the main stream does
SIZE = (640, 360)
PANS = np.round(np.linspace(-1.0, 1.0, 41), 3)


@pytest.fixture(scope="module")
def camera():
    data = Config().model_dump()
    data["auth"]["enabled"] = False
    data["events"]["motion_every_seconds"] = 0.0
    threaded = ThreadedCamera(Config.model_validate(data))
    with threaded as cam:
        cam.loop = threaded.loop  # the model is changed on its own loop, not from the test's thread
        yield cam


@pytest.fixture(scope="module")
def ptz(camera, onvif_schemas):
    client = SoapClient(camera.service_url("ptz"), "", "", onvif_schemas)
    yield client
    client.close()


@pytest.fixture(autouse=True)
def centred(ptz):
    """Each test starts with the head at the centre, zoomed out, standing still."""
    absolute_move(ptz, 0.0, 0.0, 0.0)
    wait_idle(ptz)
    yield
    ptz.call(f"<tptz:Stop {DECLARE}><tptz:ProfileToken>{PROFILE}</tptz:ProfileToken></tptz:Stop>", auth="none")


def absolute_move(ptz, pan: float, tilt: float, zoom: float) -> None:
    ptz.call(
        f"<tptz:AbsoluteMove {DECLARE}><tptz:ProfileToken>{PROFILE}</tptz:ProfileToken>"
        f'<tptz:Position><tt:PanTilt x="{pan}" y="{tilt}"/><tt:Zoom x="{zoom}"/></tptz:Position></tptz:AbsoluteMove>',
        auth="none",
    )


def status(ptz) -> etree._Element:
    response = ptz.call(
        f"<tptz:GetStatus {DECLARE}><tptz:ProfileToken>{PROFILE}</tptz:ProfileToken></tptz:GetStatus>", auth="none"
    )
    return response.find("tptz:PTZStatus", NS)


def wait_idle(ptz, deadline: float = 20.0) -> etree._Element:
    end = time.monotonic() + deadline
    while True:
        found = status(ptz)
        states = {found.findtext(f"tt:MoveStatus/tt:{axis}", namespaces=NS) for axis in ("PanTilt", "Zoom")}
        if states == {"IDLE"}:
            return found
        assert time.monotonic() < end, f"the head still moves: {states}"
        time.sleep(0.05)


def position(found: etree._Element) -> tuple[float, float, float]:
    pan_tilt = found.find("tt:Position/tt:PanTilt", NS)
    zoom = found.find("tt:Position/tt:Zoom", NS)
    return float(pan_tilt.get("x")), float(pan_tilt.get("y")), float(zoom.get("x"))


def region(y: np.ndarray) -> np.ndarray:
    """The part of the picture that is only scene: below the OSD lines and stamp, above the caption."""
    height, width = y.shape
    return y[height // 5 : height * 7 // 10, : width * 3 // 4].astype(np.int16)


def best_match(luma: np.ndarray, title: str, candidates: list[dict]) -> tuple[dict, list[float]]:
    """The renderer arguments whose picture at the frame's own instant is closest to `luma`."""
    stamp = read_stamp(luma)
    assert stamp is not None, "the stamp block did not survive coding"
    when = datetime.fromtimestamp(stamp.capture_time, UTC)
    renderer = SceneRenderer(luma.shape[1], luma.shape[0], title)
    errors = []
    for arguments in candidates:
        reference = renderer.render(when, stamp.frame_number, **arguments).y
        errors.append(float(np.abs(region(luma) - region(reference)).mean()))
    return candidates[int(np.argmin(errors))], errors


def snapshot_luma(camera) -> np.ndarray:
    response = httpx.get(f"http://{camera.host}:{camera.port}/snapshot/{PROFILE}.jpg", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("YCbCr"))[:, :, 0]


def stream_frames(camera, seconds: float, during=None) -> list[np.ndarray]:
    """Luma planes decoded by PyAV from the profile's RTSP stream over `seconds`; `during()` runs after the first."""
    frames = []
    with av.open(camera.stream_url(PROFILE), options={"rtsp_transport": "tcp"}, timeout=10) as container:
        started = None
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="gray"))
            if started is None:
                started = time.monotonic()
                if during is not None:
                    during()
            elif time.monotonic() - started > seconds:
                break
    return frames


def test_snapshot_shows_the_view_each_absolute_move_selects(camera, ptz):
    title = camera.camera.identity.name
    for target in (-0.8, 0.35, 0.9):
        absolute_move(ptz, target, 0.0, 0.0)
        pan, _, _ = position(wait_idle(ptz))
        assert pan == pytest.approx(target, abs=1e-4)
        found, errors = best_match(snapshot_luma(camera), title, [{"pan": float(p)} for p in PANS])
        assert found["pan"] == pytest.approx(target, abs=0.05), errors
        # The match is sharp: the picture at the right pan is far closer than one a step away.
        ranked = sorted(errors)
        assert ranked[0] * 2 < ranked[2]


def test_tilt_and_zoom_change_the_view_as_the_status_says(camera, ptz):
    absolute_move(ptz, -0.2, 0.8, 0.5)
    assert position(wait_idle(ptz)) == pytest.approx((-0.2, 0.8, 0.5), abs=1e-4)
    title = camera.camera.identity.name
    candidates = [{"pan": -0.2, "tilt": t, "zoom": z} for t in (-0.8, 0.0, 0.8) for z in (0.0, 0.25, 0.5, 0.75, 1.0)]
    found, errors = best_match(snapshot_luma(camera), title, candidates)
    assert found == {"pan": -0.2, "tilt": 0.8, "zoom": 0.5}, errors


def test_the_stream_pans_at_the_speed_of_a_continuous_move(camera, ptz):
    def start_panning():
        ptz.call(
            f"<tptz:ContinuousMove {DECLARE}><tptz:ProfileToken>{PROFILE}</tptz:ProfileToken>"
            '<tptz:Velocity><tt:PanTilt x="0.5" y="0"/></tptz:Velocity><tptz:Timeout>PT1.2S</tptz:Timeout>'
            "</tptz:ContinuousMove>",
            auth="none",
        )

    frames = stream_frames(camera, 2.5, during=start_panning)
    title = camera.camera.identity.name
    estimates = [best_match(f, title, [{"pan": float(p)} for p in PANS])[0]["pan"] for f in frames[::5]]
    # Half speed (30 degrees/s, 0.5 generic units/s) for 1.2 s: the view sweeps from 0 to 0.6 and stops there.
    assert estimates[0] == pytest.approx(0.0, abs=0.05)
    assert estimates[-1] == pytest.approx(0.6, abs=0.05)
    assert all(b >= a - 0.05 for a, b in itertools.pairwise(estimates)), estimates
    between = [e for e in estimates if 0.1 < e < 0.5]
    assert between, f"no frame caught the view on its way: {estimates}"
    pan, _, _ = position(wait_idle(ptz))
    assert pan == pytest.approx(0.6, abs=0.02)


def test_eflip_turns_the_picture_over_and_mirrors_the_controls(camera, ptz, onvif_schemas):
    media = camera.camera.media
    original = media.configuration("PTZ", "PTZConfig_1")
    title = camera.camera.identity.name
    try:
        camera.loop.call_soon_threadsafe(media.set_configuration, "PTZ", original.model_copy(update={"eflip": "ON"}))
        time.sleep(0.2)
        absolute_move(ptz, 0.5, 0.0, 0.0)  # half right, as the flipped picture shows it
        pan, _, _ = position(wait_idle(ptz))
        assert pan == pytest.approx(0.5, abs=1e-4)
        candidates = [{"pan": p, "flipped": f} for p in (-0.5, 0.0, 0.5) for f in (False, True)]
        found, errors = best_match(snapshot_luma(camera), title, candidates)
        # Upside down, the head really turned left: what the operator sees as right.
        assert found == {"pan": -0.5, "flipped": True}, errors
    finally:
        camera.loop.call_soon_threadsafe(media.set_configuration, "PTZ", original)
        time.sleep(0.2)


def test_metadata_stream_reports_the_ptz_status(camera, ptz, onvif_schemas):
    media = camera.camera.media
    original = media.configuration("Metadata", "MetadataConfig_1")
    update = {"ptz_status": True, "ptz_position": True, "analytics": False, "events": False}
    camera.loop.call_soon_threadsafe(media.set_configuration, "Metadata", original.model_copy(update=update))
    try:
        time.sleep(0.2)
        absolute_move(ptz, 0.25, -0.5, 0.0)
        wait_idle(ptz)
        with Wire(camera.host, camera.rtsp_port) as wire:
            _play_tcp(camera, wire, "Profile_1", tracks=("metadata",))
            documents = _metadata_documents(wire, 2)
        for document in documents:
            onvif_schemas.validate_element(document)
            ptz_status = document.find("tt:PTZ/tt:PTZStatus", NS)
            pan_tilt = ptz_status.find("tt:Position/tt:PanTilt", NS)
            assert (float(pan_tilt.get("x")), float(pan_tilt.get("y"))) == pytest.approx((0.25, -0.5), abs=1e-3)
            assert ptz_status.findtext("tt:MoveStatus/tt:PanTilt", namespaces=NS) == "IDLE"
    finally:
        camera.loop.call_soon_threadsafe(media.set_configuration, "Metadata", original)
        time.sleep(0.2)


def test_a_fov_relative_move_centres_what_was_at_the_edge(camera, ptz):
    """Frigate's autotracker: RelativeMove in TranslationSpaceFov, (1, 0) brings the right edge to the centre."""
    absolute_move(ptz, 0.0, 0.0, 0.5)
    wait_idle(ptz)
    before = snapshot_luma(camera)
    ptz.call(
        f"<tptz:RelativeMove {DECLARE}><tptz:ProfileToken>{PROFILE}</tptz:ProfileToken><tptz:Translation>"
        '<tt:PanTilt x="1" y="0" space="http://www.onvif.org/ver10/tptz/PanTiltSpaces/TranslationSpaceFov"/>'
        "</tptz:Translation></tptz:RelativeMove>",
        auth="none",
    )
    pan, tilt, zoom = position(wait_idle(ptz))
    # At 2.5x the view spans 24 degrees, so half of it is 12 degrees: 0.2 of the 60-degree half range.
    assert (pan, tilt, zoom) == pytest.approx((0.2, 0.0, 0.5), abs=1e-4)
    after = snapshot_luma(camera).astype(np.int16)
    # What filled the right half of the picture now fills the left half: half a picture's shift.
    height, width = after.shape
    rows = slice(height // 5, height * 7 // 10)
    right_before = before[rows, width // 2 + 8 : width - 8].astype(np.int16)
    shifted = float(np.abs(right_before - after[rows, 8 : width // 2 - 8]).mean())
    unshifted = float(np.abs(right_before - after[rows, width // 2 + 8 : width - 8]).mean())
    assert shifted * 3 < unshifted, (shifted, unshifted)
