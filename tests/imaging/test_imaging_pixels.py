"""What a client sees after SetImagingSettings: snapshots and the RTSP stream change the way a camera's would.

Real paths end to end: the settings go in over SOAP, the picture comes back
as the JPEG behind GetSnapshotUri (HTTP Digest) or as H.264 decoded by PyAV
(libavformat's RTSP client).  Statistics are taken over the middle of the
picture, away from the OSD, the caption band and the stamp, which are drawn
after the look and so never change with it.
"""

from __future__ import annotations

import io
import time
from urllib.parse import quote

import av
import httpx
import numpy as np
import pytest
from PIL import Image
from soaputil import SoapClient

from onvif_device.config import Config

pytestmark = pytest.mark.timeout(180)

TIMG = "http://www.onvif.org/ver20/imaging/wsdl"
TR2 = "http://www.onvif.org/ver20/media/wsdl"
NS = {"timg": TIMG, "tr2": TR2, "tt": "http://www.onvif.org/ver10/schema"}
SOURCE = "<timg:VideoSourceToken>VideoSource_1</timg:VideoSourceToken>"
PROFILE = "Profile_2"  # 640x360: cheap to fetch and decode


@pytest.fixture
def camera_config() -> Config:
    return Config.model_validate({"events": {"motion_every_seconds": 0}})


def service_client(cam, schemas, service: str) -> SoapClient:
    return SoapClient(cam.service_url(service), cam.username, cam.password, schemas)


@pytest.fixture
def img(running_camera, onvif_schemas):
    client = service_client(running_camera, onvif_schemas, "imaging")
    yield client
    client.close()


@pytest.fixture
def snapshot(running_camera, onvif_schemas):
    """Fetch the profile's snapshot the way a client does: GetSnapshotUri, then HTTP Digest."""
    media2 = service_client(running_camera, onvif_schemas, "media2")
    answer = media2.call(f'<tr2:GetSnapshotUri xmlns:tr2="{TR2}"><tr2:ProfileToken>{PROFILE}</tr2:ProfileToken></tr2:GetSnapshotUri>')
    uri = answer.find("tr2:Uri", NS).text
    media2.close()
    http = httpx.Client(auth=httpx.DigestAuth(running_camera.username, running_camera.password), timeout=20)

    def fetch() -> np.ndarray:
        response = http.get(uri)
        assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
        return np.asarray(Image.open(io.BytesIO(response.content)).convert("YCbCr")).astype(np.float64)

    yield fetch
    http.close()


def middle(picture: np.ndarray) -> np.ndarray:
    height, width = picture.shape[:2]
    return picture[height // 5 : height * 4 // 5, : width * 4 // 5]


def luma_mean(picture: np.ndarray) -> float:
    return float(middle(picture)[..., 0].mean())


def chroma_spread(picture: np.ndarray) -> float:
    return float(np.abs(middle(picture)[..., 1:] - 128).mean())


def edge_energy(picture: np.ndarray) -> float:
    y = middle(picture)[..., 0]
    return float(np.abs(np.diff(y, axis=1)).mean() + np.abs(np.diff(y, axis=0)).mean())


def set_settings(img: SoapClient, settings: str) -> None:
    img.call(
        f'<timg:SetImagingSettings xmlns:timg="{TIMG}">{SOURCE}'
        f"<timg:ImagingSettings>{settings}</timg:ImagingSettings></timg:SetImagingSettings>"
    )


def move_focus_and_wait(img: SoapClient, position: float) -> None:
    img.call(
        f'<timg:Move xmlns:timg="{TIMG}">{SOURCE}<timg:Focus><tt:Absolute><tt:Position>{position}</tt:Position>'
        "<tt:Speed>1</tt:Speed></tt:Absolute></timg:Focus></timg:Move>"
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        status = img.call(f'<timg:GetStatus xmlns:timg="{TIMG}">{SOURCE}</timg:GetStatus>')
        if status.find("timg:Status/tt:FocusStatus20/tt:MoveStatus", NS).text == "IDLE":
            return
        time.sleep(0.05)
    raise AssertionError("the focus lens never stopped")


def test_brightness_shows_in_the_snapshot(img, snapshot):
    normal = luma_mean(snapshot())
    set_settings(img, "<tt:Brightness>100</tt:Brightness>")
    bright = luma_mean(snapshot())
    set_settings(img, "<tt:Brightness>0</tt:Brightness>")
    dark = luma_mean(snapshot())
    assert dark + 25 < normal < bright - 25


def test_contrast_shows_in_the_snapshot(img, snapshot):
    normal = float(middle(snapshot())[..., 0].std())
    set_settings(img, "<tt:Contrast>0</tt:Contrast>")
    flat = float(middle(snapshot())[..., 0].std())
    assert flat < 0.6 * normal


def test_saturation_zero_and_night_mode_take_the_colour_out(img, snapshot):
    colour = chroma_spread(snapshot())
    assert colour > 5
    set_settings(img, "<tt:ColorSaturation>0</tt:ColorSaturation>")
    assert chroma_spread(snapshot()) < 1.5
    set_settings(img, "<tt:ColorSaturation>50</tt:ColorSaturation>")
    assert chroma_spread(snapshot()) > colour / 2
    set_settings(img, "<tt:IrCutFilter>OFF</tt:IrCutFilter>")
    assert chroma_spread(snapshot()) < 1.5


def test_a_lens_out_of_focus_blurs_the_snapshot_and_autofocus_sharpens_it_again(img, snapshot):
    sharp = edge_energy(snapshot())
    move_focus_and_wait(img, 0.0)
    blurred = edge_energy(snapshot())
    assert blurred < 0.6 * sharp
    set_settings(img, "<tt:Focus><tt:AutoFocusMode>AUTO</tt:AutoFocusMode></tt:Focus>")
    move_deadline = time.monotonic() + 15
    while edge_energy(snapshot()) < 0.8 * sharp:
        assert time.monotonic() < move_deadline, "autofocus never brought the picture back"
        time.sleep(0.1)


def rtsp_frames(cam, count: int) -> list[av.VideoFrame]:
    credentials = f"{quote(cam.username, safe='')}:{quote(cam.password, safe='')}@"
    url = cam.stream_url(PROFILE).replace("rtsp://", "rtsp://" + credentials, 1)
    container = av.open(url, options={"rtsp_transport": "tcp"}, timeout=20)
    frames = []
    try:
        for frame in container.decode(container.streams.video[0]):
            frames.append(frame)
            if len(frames) == count:
                break
    finally:
        container.close()
    return frames


def test_the_rtsp_stream_shows_night_mode_and_brightness(img, running_camera):
    set_settings(img, "<tt:IrCutFilter>OFF</tt:IrCutFilter><tt:Brightness>90</tt:Brightness>")
    frames = rtsp_frames(running_camera, 10)
    last = frames[-1].to_ndarray(format="yuv420p")  # Y on top, then U and V, each a quarter
    height = frames[-1].height
    chroma = last[height:].astype(np.int16)
    assert float(np.abs(chroma - 128).mean()) < 1.5
    set_settings(img, "<tt:IrCutFilter>ON</tt:IrCutFilter><tt:Brightness>50</tt:Brightness>")
    again = rtsp_frames(running_camera, 10)[-1].to_ndarray(format="yuv420p")
    assert float(np.abs(again[height:].astype(np.int16) - 128).mean()) > 3
    y_bright = float(middle(last[:height][..., None])[..., 0].mean())
    y_normal = float(middle(again[:height][..., None])[..., 0].mean())
    assert y_bright > y_normal + 20
