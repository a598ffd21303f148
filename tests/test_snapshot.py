"""Snapshots: GET /snapshot/<profile token>.jpg, against a running camera and in process.

The running camera proves what clients see (httpx with Digest, ffprobe, the
URI GetSnapshotUri hands out).  The in-process app runs on a stopped clock, so
two snapshots differ only by what a test changed: OSD text, masks, quality.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import time
from datetime import datetime, timezone

import httpx
import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat

from onvif_device.app import build_app
from onvif_device.camera import Camera
from onvif_device.camera.media import options, uris
from onvif_device.camera.media.state import MaskState, Point
from onvif_device.config import Config
from onvif_device.embed import ThreadedCamera
from onvif_device.snapshot import (
    format_datetime,
    jpeg_quality,
    mask_spec,
    osd_text,
    profile_token_of,
    snapshot_spec,
    ycbcr_to_rgb,
)
from soaputil import TT, SoapClient, envelope

DEFAULT_PROFILES = [("Profile_1", (1920, 1080)), ("Profile_2", (640, 360)), ("Profile_3", (1280, 720))]
RED = (81.0, 90.0, 240.0)  # YCbCr, studio range


def base_url(cam) -> str:
    return cam.device_url.removesuffix("/onvif/device_service")


def snapshot_url(cam, token: str) -> str:
    return base_url(cam) + uris.snapshot_path(token)


def digest(cam) -> httpx.DigestAuth:
    return httpx.DigestAuth(cam.username, cam.password)


def decode(response: httpx.Response) -> Image.Image:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "no-store"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "JPEG"
    image.load()
    return image


# --- against a running camera ------------------------------------------------------------


@pytest.mark.parametrize(("token", "size"), DEFAULT_PROFILES)
def test_each_default_profile_is_a_jpeg_at_its_encoder_resolution(running_camera, token, size):
    media = running_camera.camera.media
    encoder = media.in_profile("VideoEncoder", media.profile(token))
    assert (encoder.width, encoder.height) == size  # whatever the codec: Profile_1 streams H.264
    image = decode(httpx.get(snapshot_url(running_camera, token), auth=digest(running_camera)))
    assert image.size == size
    assert image.mode == "RGB"


needs_ffprobe = pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe is not installed")


def ffprobe(source: str) -> dict:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "json", source],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["streams"][0]


@needs_ffprobe
@pytest.mark.parametrize(("token", "size"), DEFAULT_PROFILES)
def test_ffprobe_reads_the_snapshot(running_camera, tmp_path, token, size):
    response = httpx.get(snapshot_url(running_camera, token), auth=digest(running_camera))
    path = tmp_path / "snapshot.jpg"
    path.write_bytes(response.content)
    stream = ffprobe(str(path))
    assert (stream["codec_name"], stream["width"], stream["height"]) == ("mjpeg", *size)


@needs_ffprobe
@pytest.mark.parametrize("algorithms", [None, ["SHA-256", "MD5"], ["MD5"]], ids=["default", "sha256-md5", "md5"])
def test_ffprobe_fetches_the_snapshot_itself_with_digest(running_camera, algorithms):
    if algorithms:
        running_camera.camera.set_hashing_algorithms(algorithms)
    url = snapshot_url(running_camera, "Profile_2").replace(
        "http://", f"http://{running_camera.username}:{running_camera.password}@"
    )
    stream = ffprobe(url)
    assert (stream["width"], stream["height"]) == (640, 360)


def test_no_credentials_get_the_soap_endpoints_digest_challenge(running_camera):
    response = httpx.get(snapshot_url(running_camera, "Profile_1"))
    assert response.status_code == 401
    challenges = response.headers.get_list("www-authenticate")
    assert challenges and all(c.startswith("Digest ") for c in challenges)
    # An empty POST is how clients ask the SOAP endpoint for its challenge.
    soap = httpx.post(running_camera.device_url, content=b"")
    assert soap.status_code == 401

    def without_nonce(values: list[str]) -> list[str]:
        return [re.sub(r'nonce="[^"]*"', "nonce", v) for v in values]

    assert without_nonce(challenges) == without_nonce(soap.headers.get_list("www-authenticate"))


def test_wrong_password_is_refused(running_camera):
    response = httpx.get(
        snapshot_url(running_camera, "Profile_1"), auth=httpx.DigestAuth(running_camera.username, "wrong")
    )
    assert response.status_code == 401
    assert response.headers.get_list("www-authenticate")


def test_basic_is_refused_unless_configured(running_camera):
    response = httpx.get(snapshot_url(running_camera, "Profile_2"), auth=(running_camera.username, running_camera.password))
    assert response.status_code == 401


def test_sha256_digest(running_camera):
    running_camera.camera.set_hashing_algorithms(["SHA-256"])
    response = httpx.get(snapshot_url(running_camera, "Profile_2"), auth=digest(running_camera))
    assert "algorithm=SHA-256" in response.request.headers["authorization"]
    assert decode(response).size == (640, 360)


def test_head_answers_the_headers_only(running_camera):
    response = httpx.head(snapshot_url(running_camera, "Profile_2"), auth=digest(running_camera))
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert int(response.headers["content-length"]) > 0
    assert response.content == b""


def test_other_methods_are_not_allowed(running_camera):
    response = httpx.post(snapshot_url(running_camera, "Profile_2"), auth=digest(running_camera))
    assert response.status_code == 405
    assert "GET" in response.headers["allow"]


def test_two_snapshots_a_second_apart_differ(running_camera):
    with httpx.Client(auth=digest(running_camera)) as client:
        first = decode(client.get(snapshot_url(running_camera, "Profile_2")))
        time.sleep(1.0)
        second = decode(client.get(snapshot_url(running_camera, "Profile_2")))
    assert ImageChops.difference(first, second).getbbox() is not None


def test_a_new_encoder_resolution_changes_the_snapshot_size(running_camera):
    media = running_camera.camera.media
    encoder = media.configuration("VideoEncoder", "VideoEncoder_2")
    size = next(s for s in options.resolutions(media.encoder_mode("VideoEncoder_2")) if s != (encoder.width, encoder.height))
    media.set_configuration("VideoEncoder", encoder.model_copy(update={"width": size[0], "height": size[1]}))
    image = decode(httpx.get(snapshot_url(running_camera, "Profile_2"), auth=digest(running_camera)))
    assert image.size == size


def test_unknown_profile_is_404_naming_the_token(running_camera):
    response = httpx.get(snapshot_url(running_camera, "NoSuchProfile"), auth=digest(running_camera))
    assert response.status_code == 404
    assert "NoSuchProfile" in response.text


def test_paths_that_are_no_snapshot_are_404(running_camera):
    with httpx.Client(auth=digest(running_camera)) as client:
        for path in ("/snapshot/Profile_1.png", "/snapshot/.jpg", "/snapshot/"):
            assert client.get(base_url(running_camera) + path).status_code == 404, path


def test_profile_without_video_is_404_saying_so(running_camera):
    running_camera.camera.media.create_profile("Empty", "Empty")
    response = httpx.get(snapshot_url(running_camera, "Empty"), auth=digest(running_camera))
    assert response.status_code == 404
    assert "no video source" in response.text


def test_a_token_with_slash_and_space_is_served(running_camera):
    media = running_camera.camera.media
    media.create_profile("Door", "Front door/1")
    media.update_profile("Front door/1", add={"VideoSource": "VideoSourceConfig_1", "VideoEncoder": "VideoEncoder_2"})
    url = snapshot_url(running_camera, "Front door/1")
    assert "Front%20door%2F1.jpg" in url
    assert decode(httpx.get(url, auth=digest(running_camera))).size == (640, 360)


def test_the_uri_from_get_snapshot_uri_is_served(running_camera):
    client = SoapClient(
        running_camera.service_url("media"),
        running_camera.username,
        running_camera.password,
    )
    try:
        reply = client.call("<trt:GetSnapshotUri><trt:ProfileToken>Profile_1</trt:ProfileToken></trt:GetSnapshotUri>")
    finally:
        client.close()
    uri = reply.find(f".//{{{TT}}}Uri").text
    assert uri == snapshot_url(running_camera, "Profile_1")
    assert decode(httpx.get(uri, auth=digest(running_camera))).size == (1920, 1080)


def test_ip_filter_refuses_with_403(running_camera):
    running_camera.camera.network.set_ip_address_filter("Allow", [("10.0.0.0", 8)], [])
    response = httpx.get(snapshot_url(running_camera, "Profile_2"), auth=digest(running_camera))
    assert response.status_code == 403
    # The same words the SOAP endpoint refuses with.
    assert response.text == httpx.post(running_camera.device_url, content=envelope("<tds:GetScopes/>")).text


def test_without_authentication_no_credentials_are_needed(tmp_path):
    with ThreadedCamera(Config(auth={"enabled": False}), state_dir=str(tmp_path / "state")) as cam:
        assert decode(httpx.get(snapshot_url(cam, "Profile_2"))).size == (640, 360)


# --- in process, on a stopped clock ------------------------------------------------------

STOPPED_AT = datetime(2024, 3, 5, 14, 7, 9, 250_000, tzinfo=timezone.utc).timestamp()


def stopped_camera(config: Config | None = None) -> Camera:
    return Camera(config or Config(), seed="snapshot-tests", now=lambda: STOPPED_AT)


def in_process(config: Config | None = None) -> tuple[Camera, httpx.AsyncClient]:
    camera = stopped_camera(config)
    transport = httpx.ASGITransport(build_app(camera, lambda: "http://camera"))
    return camera, httpx.AsyncClient(transport=transport, base_url="http://camera")


async def get(client: httpx.AsyncClient, token: str = "Profile_2", user: str = "admin", password: str = "admin"):
    return await client.get(uris.snapshot_path(token), auth=httpx.DigestAuth(user, password))


async def fetch(client: httpx.AsyncClient, token: str = "Profile_2") -> Image.Image:
    return decode(await get(client, token))


@pytest.fixture
async def app():
    camera, client = in_process()
    async with client:
        yield camera, client


async def test_the_same_moment_gives_the_same_picture(app):
    _, client = app
    assert ImageChops.difference(await fetch(client), await fetch(client)).getbbox() is None


@pytest.mark.parametrize("level", ["User", "Operator", "Administrator"])
async def test_every_user_level_may_fetch(level):
    _, client = in_process(Config(auth={"users": [{"username": "viewer", "password": "secret", "level": level}]}))
    async with client:
        assert decode(await get(client, user="viewer", password="secret")).size == (640, 360)


async def test_a_plain_text_osd_change_changes_only_the_osd_lines(app):
    camera, client = app
    before = await fetch(client)
    osd = next(o for o in camera.media.overlays.osds("VideoSourceConfig_1") if o.text_type == "Plain")
    camera.media.overlays.set_osd(osd.model_copy(update={"plain_text": "Loading dock"}))
    changed = ImageChops.difference(before, await fetch(client)).getbbox()
    assert changed is not None
    assert changed[3] <= before.height // 4  # the OSD lines are at the top; the rest is as it was


def test_osd_lines_show_the_cameras_local_time():
    camera = stopped_camera(Config(clock={"timezone": "CET-1"}))
    overlay = snapshot_spec(camera, "Profile_1").overlay
    assert overlay == ("2024-03-05 15:07:09", "Virtual Camera")


# The middle of the picture: x from -0.5 to 0.5, y from 0.5 (higher) to -0.5.
MIDDLE = [Point(x=-0.5, y=0.5), Point(x=0.5, y=0.5), Point(x=0.5, y=-0.5), Point(x=-0.5, y=-0.5)]


def mask(kind: str, *, points: list[Point] = MIDDLE, enabled: bool = True) -> MaskState:
    return MaskState(token="", configuration_token="VideoSourceConfig_1", points=points, kind=kind, color=RED, enabled=enabled)


def middle(image: Image.Image, inset: int = 8) -> Image.Image:
    """The masked rectangle, less a margin where JPEG blocks mix it with its surroundings."""
    w, h = image.size
    return image.crop((w // 4 + inset, h // 4 + inset, 3 * w // 4 - inset, 3 * h // 4 - inset))


async def test_a_color_mask_makes_its_region_one_colour(app):
    camera, client = app
    assert max(ImageStat.Stat(middle(await fetch(client))).stddev) > 40  # colour bars
    camera.media.overlays.create_mask(mask("Color"))
    region = ImageStat.Stat(middle(await fetch(client)))
    assert max(region.stddev) < 3
    assert all(abs(m - e) < 8 for m, e in zip(region.mean, (255, 0, 0)))


@pytest.mark.parametrize("kind", ["Pixelated", "Blurred"])
async def test_pixelated_and_blurred_masks_hide_detail_only_inside(app, kind):
    camera, client = app
    before = await fetch(client)
    # The upper left quarter, where the OSD text and the grid lines are.
    quarter = [Point(x=-1, y=1), Point(x=0, y=1), Point(x=0, y=0), Point(x=-1, y=0)]
    camera.media.overlays.create_mask(mask(kind, points=quarter))
    after = await fetch(client)
    w, h = before.size

    def detail(image: Image.Image) -> float:
        inside = image.crop((8, 8, w // 2 - 8, h // 2 - 8))
        return ImageStat.Stat(inside.convert("L").filter(ImageFilter.FIND_EDGES)).mean[0]

    assert detail(after) < detail(before) / 2
    # Beyond a JPEG block (16 pixels) and the decoder's chroma smoothing from the mask, nothing moved.
    for outside in ((w // 2 + 24, 0, w, h), (0, h // 2 + 24, w, h)):
        assert ImageChops.difference(before.crop(outside), after.crop(outside)).getbbox() is None, outside


async def test_a_disabled_mask_is_not_painted(app):
    camera, client = app
    before = await fetch(client)
    camera.media.overlays.create_mask(mask("Color", enabled=False))
    assert ImageChops.difference(before, await fetch(client)).getbbox() is None


async def test_encoder_quality_sets_the_jpeg_quality(app):
    camera, client = app
    sizes = []
    for quality in (90.0, 10.0):
        encoder = camera.media.configuration("VideoEncoder", "VideoEncoder_2")
        camera.media.set_configuration("VideoEncoder", encoder.model_copy(update={"quality": quality}))
        sizes.append(len((await get(client)).content))
    assert sizes[0] > 2 * sizes[1]


# --- the pure parts ------------------------------------------------------------------------

WHEN = datetime(2024, 3, 5, 14, 7, 9)  # a Tuesday afternoon
MIDNIGHT = datetime(2024, 12, 31, 0, 5, 3)


FORMATS = [
        ("M/d/yyyy", "3/5/2024", "12/31/2024"),
        ("MM/dd/yyyy", "03/05/2024", "12/31/2024"),
        ("dd/MM/yyyy", "05/03/2024", "31/12/2024"),
        ("yyyy/MM/dd", "2024/03/05", "2024/12/31"),
        ("yyyy-MM-dd", "2024-03-05", "2024-12-31"),
        ("dddd, MMMM dd, yyyy", "Tuesday, March 05, 2024", "Tuesday, December 31, 2024"),
        ("h:mm:ss tt", "2:07:09 PM", "12:05:03 AM"),
        ("hh:mm:ss tt", "02:07:09 PM", "12:05:03 AM"),
        ("H:mm:ss", "14:07:09", "0:05:03"),
        ("HH:mm:ss", "14:07:09", "00:05:03"),
        ("ddd d MMM yy, t", "Tue 5 Mar 24, P", "Tue 31 Dec 24, A"),
]


@pytest.mark.parametrize(("pattern", "afternoon", "midnight"), FORMATS)
def test_format_datetime(pattern, afternoon, midnight):
    assert format_datetime(pattern, WHEN) == afternoon
    assert format_datetime(pattern, MIDNIGHT) == midnight


def test_every_format_get_osd_options_offers_is_tested():
    assert set(options.OSD_DATE_FORMATS + options.OSD_TIME_FORMATS) <= {pattern for pattern, _, _ in FORMATS}


def test_osd_text_by_type():
    camera = stopped_camera()
    osd = camera.media.overlays.osds("VideoSourceConfig_1")[0].model_copy(
        update={"date_format": "dd/MM/yyyy", "time_format": "h:mm:ss tt"}
    )
    texts = {t: osd_text(osd.model_copy(update={"text_type": t, "plain_text": "Hi"}), WHEN) for t in options.OSD_TEXT_TYPES}
    assert texts == {"Plain": "Hi", "Date": "05/03/2024", "Time": "2:07:09 PM", "DateAndTime": "05/03/2024 2:07:09 PM"}
    assert osd_text(osd.model_copy(update={"kind": "Image"}), WHEN) is None


@pytest.mark.parametrize(
    ("path", "token"),
    [
        ("/snapshot/Profile_1.jpg", "Profile_1"),
        ("/snapshot/Front%20door%2F1.jpg", "Front door/1"),
        ("/snapshot/caf%C3%A9.jpg", "café"),
        ("/snapshot/.jpg", None),
        ("/snapshot/Profile_1", None),
        ("/snapshot/a/b.jpg", None),
        ("/stream/Profile_1.jpg", None),
    ],
)
def test_profile_token_of(path, token):
    assert profile_token_of(path) == token


def test_profile_token_of_reverses_snapshot_path():
    for token in ("Profile_1", "a b/c?d#e%f", "ünï"):
        assert profile_token_of(uris.snapshot_path(token)) == token


def test_jpeg_quality_maps_onvif_quality_to_1_95():
    assert [jpeg_quality(q) for q in (-5.0, 0.0, 50.0, 70.0, 100.0, 250.0)] == [1, 1, 48, 67, 95, 95]


def test_ycbcr_to_rgb():
    assert ycbcr_to_rgb((16.0, 128.0, 128.0)) == (0, 0, 0)
    assert ycbcr_to_rgb((235.0, 128.0, 128.0)) == (255, 255, 255)
    assert all(abs(a - b) <= 2 for a, b in zip(ycbcr_to_rgb(RED), (255, 0, 0)))


def test_mask_points_map_to_pixels_with_y_up():
    spec = mask_spec(
        MaskState(token="m", configuration_token="v", points=[Point(x=-1, y=1), Point(x=1, y=-1), Point(x=0, y=0)]),
        640,
        360,
    )
    assert spec.polygon == ((0.0, 0.0), (640.0, 360.0), (320.0, 180.0))
