"""Media and Media2 through real client libraries, as cameras are used in the field.

- onvif-zeep-async the way Home Assistant's ONVIF integration reads a camera's media:
  capabilities, H.264 profiles, stream URI, snapshot URI and the snapshot itself over
  HTTP Digest;
- onveef: its `profiles`, `stream-uri` and `snapshot` commands (Media), and its Media2
  code path, taken when the device map it discovered has no Media (ver10) service;
- plain zeep with the official ver10 and ver20 media WSDLs: a change made through one
  service is what the other one shows.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import onveef
import onvif
import pytest
import zeep
from onveef.transport import OnvifEndpoint
from onvif import ONVIFCamera
from PIL import Image
from schemas import schema_root
from zeep.wsse.username import UsernameToken

HA_WSDL_DIR = f"{os.path.dirname(onvif.__file__)}/wsdl/"
TRT_BINDING = "{http://www.onvif.org/ver10/media/wsdl}MediaBinding"
TR2_BINDING = "{http://www.onvif.org/ver20/media/wsdl}Media2Binding"


def jpeg_size(data: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    image.load()  # decodes the whole picture, not just the header
    return image.size


# --- onvif-zeep-async, as Home Assistant -------------------------------------------------------


async def test_home_assistant_media_sequence(running_camera):
    camera = running_camera.camera
    device = ONVIFCamera(
        running_camera.host,
        running_camera.port,
        running_camera.username,
        running_camera.password,
        HA_WSDL_DIR,
        no_cache=True,
    )
    try:
        await device.update_xaddrs()
        media = await device.create_media_service()

        capabilities = await media.GetServiceCapabilities()
        assert capabilities.SnapshotUri is True
        assert capabilities.ProfileCapabilities.MaximumNumberOfProfiles == camera.media.max_profiles

        profiles = await media.GetProfiles()
        assert [p.token for p in profiles] == ["Profile_1", "Profile_2", "Profile_3"]
        # Home Assistant keeps the H.264 profiles only; it needs at least one.
        h264 = [p for p in profiles if p.VideoEncoderConfiguration and p.VideoEncoderConfiguration.Encoding == "H264"]
        assert [(p.VideoEncoderConfiguration.Resolution.Width, p.VideoEncoderConfiguration.Resolution.Height) for p in h264] == [
            (1920, 1080),
            (640, 360),
        ]
        assert h264[0].VideoSourceConfiguration.SourceToken == "VideoSource_1"

        for profile in h264:
            request = media.create_type("GetStreamUri")
            request.ProfileToken = profile.token
            request.StreamSetup = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}
            answer = await media.GetStreamUri(request)
            assert answer.Uri == f"rtsp://127.0.0.1:{camera.rtsp_port}/stream/{profile.token}"

            snapshot_uri = await device.get_snapshot_uri(profile.token)
            assert snapshot_uri == f"http://127.0.0.1:{running_camera.port}/snapshot/{profile.token}.jpg"
            picture = await device.get_snapshot(profile.token)  # aiohttp with Digest auth, as HA fetches it
            encoder = profile.VideoEncoderConfiguration.Resolution
            assert jpeg_size(picture) == (encoder.Width, encoder.Height)
    finally:
        await device.close()


# --- onveef -------------------------------------------------------------------------------------------


def _run_onveef(*args: str) -> subprocess.CompletedProcess:
    script = shutil.which("onveef", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "onveef"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=60, check=False)


def test_onveef_cli_profiles_stream_uri_and_snapshot(running_camera, tmp_path):
    auth = ["-u", running_camera.username, "-p", running_camera.password]
    url = running_camera.device_url

    profiles = _run_onveef("profiles", url, *auth)
    assert profiles.returncode == 0, profiles.stderr
    lines = profiles.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["token=Profile_1", "token=Profile_2", "token=Profile_3"]
    assert "'width': 1920, 'height': 1080" in lines[0] and "'encoding': 'H264'" in lines[0]
    assert "'encoding': 'JPEG'" in lines[2]

    uri = _run_onveef("stream-uri", url, *auth, "--profile", "Profile_2")
    assert uri.returncode == 0, uri.stderr
    assert uri.stdout.strip() == f"rtsp://127.0.0.1:{running_camera.camera.rtsp_port}/stream/Profile_2"

    out = tmp_path / "snap.jpg"
    snapshot = _run_onveef("snapshot", url, *auth, "--profile", "Profile_3", "-o", str(out))
    assert snapshot.returncode == 0, snapshot.stderr
    assert jpeg_size(out.read_bytes()) == (1280, 720)


def test_onveef_media2_path(running_camera):
    """onveef uses Media2 when the device map has no Media service; hide it to take that path."""
    camera = running_camera.camera
    with onveef.OnvifClient(
        running_camera.host, running_camera.port, running_camera.username, running_camera.password
    ) as client:
        services = client.discover_services()
        assert services["media2"] == running_camera.service_url("media2")
        client._endpoint = OnvifEndpoint(
            client._endpoint.device_xaddr, services={k: v for k, v in services.items() if k != "media"}
        )
        client._auto_discover = False  # or it would find Media again
        assert client._media_service() == ("media2", True)

        profiles = client.get_profiles()
        assert [p["token"] for p in profiles] == [p.token for p in camera.media.state.profiles]
        main = profiles[0]
        assert main["video_encoder"]["encoding"] == "H264"
        assert (main["video_encoder"]["width"], main["video_encoder"]["height"]) == (1920, 1080)

        encoders = {c["token"]: c for c in client.get_video_encoder_configurations()}
        assert encoders["VideoEncoder_4"]["encoding"] == "H265"  # Media2 shows what Media1 cannot

        for protocol, expected in (
            ("RtspUnicast", f"rtsp://127.0.0.1:{camera.rtsp_port}/stream/Profile_1"),
            ("RtspMulticast", f"rtsp://127.0.0.1:{camera.rtsp_port}/stream/Profile_1/multicast"),
            ("RtspOverHttp", f"http://127.0.0.1:{running_camera.port}/stream/Profile_1"),
        ):
            assert client.get_stream_uri(profile_token="Profile_1", protocol2=protocol) == expected

        snapshot_uri = client.get_snapshot_uri(profile_token="Profile_2")
        assert snapshot_uri == f"http://127.0.0.1:{running_camera.port}/snapshot/Profile_2.jpg"
        data, content_type = client.get_snapshot(profile_token="Profile_2")
        assert content_type.startswith("image/jpeg")
        assert jpeg_size(data) == (640, 360)


# --- zeep with the official WSDLs: two views of one model ---------------------------------------------


@pytest.fixture
def zeep_media(running_camera):
    wsse = UsernameToken(running_camera.username, running_camera.password, use_digest=True)
    root = schema_root()
    trt = zeep.Client(str(root / "ver10" / "media" / "wsdl" / "media.wsdl"), wsse=wsse)
    tr2 = zeep.Client(str(root / "ver20" / "media" / "wsdl" / "media.wsdl"), wsse=wsse)
    return (
        trt.create_service(TRT_BINDING, running_camera.service_url("media")),
        tr2.create_service(TR2_BINDING, running_camera.service_url("media2")),
    )


def test_zeep_media2_change_shows_in_media1(zeep_media):
    trt, tr2 = zeep_media
    (config,) = tr2.GetVideoEncoderConfigurations(ConfigurationToken="VideoEncoder_2")
    options = tr2.GetVideoEncoderConfigurationOptions(ConfigurationToken="VideoEncoder_2")
    h264 = next(o for o in options if o.Encoding == "H264")
    smallest = h264.ResolutionsAvailable[-1]
    config.Resolution.Width, config.Resolution.Height = smallest.Width, smallest.Height
    config.RateControl.FrameRateLimit = 12.5
    config.RateControl.BitrateLimit = 256
    config.GovLength = 25
    config.Profile = "Baseline"
    tr2.SetVideoEncoderConfiguration(Configuration=config)

    seen = trt.GetVideoEncoderConfiguration(ConfigurationToken="VideoEncoder_2")
    assert (seen.Resolution.Width, seen.Resolution.Height) == (smallest.Width, smallest.Height)
    assert seen.RateControl.BitrateLimit == 256
    assert seen.RateControl.FrameRateLimit == 12  # Media1 carries whole frames per second
    assert (seen.H264.GovLength, seen.H264.H264Profile) == (25, "Baseline")

    profiles = tr2.GetProfiles(Type=["All"])
    sub = next(p for p in profiles if p.token == "Profile_2")
    assert sub.Configurations.VideoEncoder.Resolution.Width == smallest.Width
    assert sub.Configurations.VideoEncoder.RateControl.FrameRateLimit == 12.5
    names_only = tr2.GetProfiles()
    assert all(p.Configurations is None for p in names_only)


def test_zeep_media1_profile_shows_in_media2(zeep_media):
    trt, tr2 = zeep_media
    created = trt.CreateProfile(Name="zeep", Token="zeep_profile")
    assert (created.token, created.fixed) == ("zeep_profile", False)
    trt.AddVideoSourceConfiguration(ProfileToken="zeep_profile", ConfigurationToken="VideoSourceConfig_1")
    trt.AddVideoEncoderConfiguration(ProfileToken="zeep_profile", ConfigurationToken="VideoEncoder_3")

    (profile,) = tr2.GetProfiles(Token="zeep_profile", Type=["VideoEncoder"])
    assert profile.Configurations.VideoEncoder.token == "VideoEncoder_3"
    assert profile.Configurations.VideoSource is None  # only the types asked for

    tr2.RemoveConfiguration(ProfileToken="zeep_profile", Configuration=[{"Type": "All"}])
    emptied = trt.GetProfile(ProfileToken="zeep_profile")
    assert emptied.VideoSourceConfiguration is None and emptied.VideoEncoderConfiguration is None
    tr2.DeleteProfile(Token="zeep_profile")
    assert [p.token for p in trt.GetProfiles()] == ["Profile_1", "Profile_2", "Profile_3"]
