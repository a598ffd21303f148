"""configs/: every example loads, and its cameras start and answer as the file says.

The cameras run in-process on loopback and free ports (`ThreadedFleet`), from
the repository root so the clips in media/ resolve as they do in the image.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from deployutil import CONFIGS, ROOT
from lxml import etree
from soaputil import TT, SoapClient

from onvif_device.config import Config, ConfigError, load_config, load_file, load_fleet
from onvif_device.embed import ThreadedFleet

EXAMPLES = sorted(CONFIGS.glob("*.toml"))


def test_the_examples_are_the_ones_the_readme_promises():
    assert {path.stem for path in EXAMPLES} >= {"single", "ptz-dome", "lab-4", "fleet-100"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_every_example_loads(path):
    cameras = load_fleet(path)
    assert cameras and load_config(path) == cameras[0]  # a fleet file's camera 1 is what load_config gives
    for camera in cameras:
        for source in camera.media.video_sources:
            if source.file is not None:
                assert not source.file.is_absolute() and (ROOT / source.file).is_file(), source.file


def test_single_is_the_default_camera_written_out():
    path = CONFIGS / "single.toml"
    assert load_config(path) == Config()
    assert not load_file(path).declares_fleet


def test_ptz_dome_is_one_1080p_sensor():
    (dome,) = load_fleet(CONFIGS / "ptz-dome.toml")
    (sensor,) = dome.media.video_sources
    assert (sensor.width, sensor.height, sensor.file) == (1920, 1080, None)
    assert dome.identity.name != Config().identity.name and dome.identity.seed


def test_lab_4_is_four_different_cameras_two_playing_clips():
    cameras = load_fleet(CONFIGS / "lab-4.toml")
    assert len(cameras) == 4
    assert len({camera.identity.name for camera in cameras}) == 4
    assert len({camera.identity.seed for camera in cameras}) == 4
    files = [camera.media.video_sources[0].file for camera in cameras]
    assert sum(file is not None for file in files) == 2
    sizes = {(s.width, s.height) for camera in cameras for s in camera.media.video_sources if s.file is None}
    assert len(sizes) == 2, "the test-card cameras differ in resolution"


def test_fleet_100_is_a_hundred_cameras_from_one_template():
    cameras = load_fleet(CONFIGS / "fleet-100.toml")
    assert len(cameras) == 100
    assert [camera.identity.name for camera in cameras[:2]] == ["Fleet Camera 001", "Fleet Camera 002"]
    assert len({camera.identity.seed for camera in cameras}) == 100
    ports = [port for camera in cameras for port in (camera.server.http_port, camera.server.rtsp_port)]
    assert len(set(ports)) == 200 and all(1024 < port < 65536 for port in ports)


def device_information(client: SoapClient) -> dict[str, str]:
    info = client.call("<tds:GetDeviceInformation/>")
    return {etree.QName(field).localname: field.text for field in info}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_every_example_starts_and_each_camera_answers_as_configured(path, monkeypatch, onvif_schemas):
    monkeypatch.chdir(ROOT)  # file sources are relative to the working directory
    configs = load_fleet(path)
    with ThreadedFleet(configs=configs) as fleet:
        assert len(fleet) == len(configs)
        answers = []
        for number, (camera, config) in enumerate(zip(fleet, configs, strict=True)):
            # The schemas validate camera 1's answers; the rest are compared with their files.
            client = SoapClient(camera.device_url, camera.username, camera.password,
                                onvif_schemas if number == 0 else None)
            info = device_information(client)
            sources = client.call("<trt:GetVideoSources/>") if number < 4 else None
            client.close()
            assert info["Model"] == config.identity.model
            assert info["Manufacturer"] == config.identity.manufacturer
            if sources is not None:
                resolutions = [(int(r.findtext(f"{{{TT}}}Width")), int(r.findtext(f"{{{TT}}}Height")))
                               for r in sources.iter(f"{{{TT}}}Resolution")]
                expected = [(640, 360) if s.file else (s.width, s.height) for s in config.media.video_sources]
                assert resolutions == expected  # the sample clips are 640x360
            answers.append((camera.name, info["SerialNumber"], camera.camera.identity.mac_address))
    assert [name for name, _, _ in answers] == [config.identity.name for config in configs]
    assert len({serial for _, serial, _ in answers}) == len(configs)
    assert len({mac for _, _, mac in answers}) == len(configs)


def test_examples_outside_the_repository_root_name_the_missing_clip(tmp_path, monkeypatch):
    """Run from elsewhere, a clip path does not resolve: the start says which file is missing."""
    monkeypatch.chdir(tmp_path)
    configs = load_fleet(CONFIGS / "lab-4.toml")
    with pytest.raises(ConfigError, match=r"media\.video_sources\.0\.file: .*sample-h264\.mp4: no such file"), \
            ThreadedFleet(configs=configs):
        pass
    assert not any(Path(tmp_path).iterdir())
