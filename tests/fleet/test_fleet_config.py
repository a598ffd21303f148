"""Fleet configuration: a template, [fleet] and [[camera]] tables expanded into one Config per camera.

Pure: no sockets.  Every bad file is refused with a ConfigError naming the setting.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from onvif_device.camera.identity import Identity
from onvif_device.config import (
    Config,
    ConfigError,
    FleetConfig,
    fleet_configs,
    load_config,
    load_fleet,
)
from onvif_device.fleet import Fleet


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fleet.toml"
    path.write_text(textwrap.dedent(text))
    return path


def identities(configs: list[Config]) -> list[Identity]:
    return [Identity.from_config(c.identity, "unused") for c in configs]


# --- expansion ---------------------------------------------------------------------------------


def test_count_makes_numbered_cameras_on_consecutive_ports(tmp_path):
    configs = load_fleet(write(tmp_path, """
        [identity]
        name = "Cam {n:03d}"
        location = "rack {n}"
        [fleet]
        count = 5
        seed = "lab"
        http_port_start = 9000
        rtsp_port_start = 9500
    """))
    assert [c.identity.name for c in configs] == [f"Cam {n:03d}" for n in range(1, 6)]
    assert configs[4].identity.location == "rack 5"
    assert [c.server.http_port for c in configs] == [9000, 9001, 9002, 9003, 9004]
    assert [c.server.rtsp_port for c in configs] == [9500, 9501, 9502, 9503, 9504]
    assert [c.identity.seed for c in configs] == [f"lab-{n}" for n in range(1, 6)]


def test_identities_are_distinct_and_the_same_on_every_load(tmp_path):
    path = write(tmp_path, "[fleet]\ncount = 100\nseed = 'big'\nhttp_port_start = 0\nrtsp_port_start = 0\n")
    first, again = identities(load_fleet(path)), identities(load_fleet(path))
    assert first == again
    for field in ("serial_number", "mac_address", "endpoint_uuid"):
        assert len({getattr(i, field) for i in first}) == 100, field


def test_a_template_name_without_a_number_gets_one():
    configs = fleet_configs(Config(), FleetConfig(count=3, http_port_start=0, rtsp_port_start=0))
    assert [c.identity.name for c in configs] == ["Virtual Camera 1", "Virtual Camera 2", "Virtual Camera 3"]
    # One camera keeps its name as written.
    assert fleet_configs(Config(), FleetConfig(count=1))[0].identity.name == "Virtual Camera"


def test_camera_tables_override_the_template_key_by_key(tmp_path):
    configs = load_fleet(write(tmp_path, """
        [identity]
        name = "Cam {n}"
        model = "VC-1"
        [auth]
        username = "admin"
        password = "shared"
        [fleet]
        count = 3
        http_port_start = 0
        rtsp_port_start = 0

        [[camera]]
        identity = { name = "Lobby", serial_number = "LOBBY-0001" }

        [[camera]]
        auth.password = "second"
        media.video_sources = [{ width = 1280, height = 720, framerate = 15 }]
        [camera.server]
        http_port = 9100
    """))
    lobby, second, third = configs
    assert (lobby.identity.name, lobby.identity.model, lobby.identity.serial_number) == ("Lobby", "VC-1", "LOBBY-0001")
    assert (second.identity.name, second.auth.username, second.auth.password) == ("Cam 2", "admin", "second")
    assert second.server.http_port == 9100 and second.server.rtsp_port == 0
    assert [(s.width, s.height) for s in second.media.video_sources] == [(1280, 720)]
    assert third.auth.password == "shared" and third.media.video_sources[0].width == 1920


def test_count_defaults_to_the_camera_tables(tmp_path):
    configs = load_fleet(write(tmp_path, """
        [fleet]
        http_port_start = 7000
        [[camera]]
        identity.name = "A"
        [[camera]]
        identity.name = "B"
    """))
    assert [(c.identity.name, c.server.http_port) for c in configs] == [("A", 7000), ("B", 7001)]


def test_each_camera_on_its_own_address(tmp_path):
    configs = load_fleet(write(tmp_path, """
        [server]
        http_port = 80
        rtsp_port = 554
        [fleet]
        addresses = ["127.0.0.10-127.0.0.12", "127.0.0.20"]
    """))
    assert [c.server.host for c in configs] == ["127.0.0.10", "127.0.0.11", "127.0.0.12", "127.0.0.20"]
    assert {(c.server.http_port, c.server.rtsp_port) for c in configs} == {(80, 554)}


def test_ipv6_ranges_expand():
    assert FleetConfig(addresses=["fd00::1-fd00::3"]).hosts() == ["fd00::1", "fd00::2", "fd00::3"]


def test_a_plain_file_is_one_camera_and_load_config_gives_a_fleets_first(tmp_path):
    plain = write(tmp_path, "[identity]\nname = 'Solo'\n")
    assert [c.identity.name for c in load_fleet(plain)] == ["Solo"]
    assert load_fleet(plain)[0].identity.seed == ""  # the single camera's seed is the process's, as before
    fleet = tmp_path / "many.toml"
    fleet.write_text("[fleet]\ncount = 3\nhttp_port_start = 8100\n")
    first = load_config(fleet)
    assert (first.identity.name, first.server.http_port) == ("Virtual Camera 1", 8100)


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[fleet]\ncount = 0\n", "fleet.count (line 2): Input should be greater than or equal to 1"),
        ("[fleet]\ncount = 1\n[[camera]]\n[[camera]]\n", "fleet.count: 1 camera(s), but 2 [[camera]] tables"),
        ("[fleet]\naddresses = ['10.0.0.300']\n", "does not appear to be an IPv4 or IPv6 address"),
        ("[fleet]\naddresses = ['10.0.0.9-10.0.0.1']\n", "the range ends before it starts"),
        ("[fleet]\naddresses = ['10.0.0.1-fd00::1']\n", "a range cannot mix IPv4 and IPv6"),
        ("[fleet]\naddresses = ['10.0.0.0-10.1.0.0']\n", "more than 10000 addresses"),
        ("[fleet]\ncount = 3\naddresses = ['127.0.0.2-127.0.0.3']\n", "fleet.addresses: 2 address(es) for 3 cameras"),
        ("[fleet]\naddresses = ['127.0.0.2']\nhttp_port_start = 9000\n",
         "fleet.http_port_start: not with fleet.addresses"),
        ("[server]\nadvertise_address = '10.0.0.1'\n[fleet]\naddresses = ['127.0.0.2-127.0.0.3']\n",
         "server.advertise_address: cameras on their own addresses advertise their own"),
        ("[fleet]\ncount = 10\nhttp_port_start = 65530\n", "fleet.http_port_start: 10 cameras from port 65530"),
        ("[fleet]\ncount = 3\nhttp_port_start = 8000\nrtsp_port_start = 8001\n",
         "camera 2 server.http_port and camera 1 server.rtsp_port: both want port 8001"),
        ("[identity]\nname = 'Cam {number}'\n[fleet]\ncount = 2\nhttp_port_start = 0\n",
         "1 invalid setting(s):\n  identity.name (line 2): 'Cam {number}': only {n}"),
        ("[fleet]\ncounts = 2\n", "fleet.counts (line 2): Extra inputs are not permitted"),
    ],
    ids=["count-0", "count-below-tables", "bad-address", "reversed-range", "mixed-range", "huge-range",
         "too-few-addresses", "addresses-and-ports", "shared-advertise", "port-overflow", "port-clash",
         "unknown-placeholder", "unknown-key"],
)
def test_bad_fleet_files_are_refused_naming_the_setting(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_fleet(path)
    assert str(caught.value).startswith(str(path)), caught.value
    assert expected in str(caught.value), caught.value


def test_a_bad_camera_table_is_named_with_its_number_and_line(tmp_path):
    path = write(tmp_path, """
        [fleet]
        http_port_start = 0

        [[camera]]
        identity.name = "fine"

        [[camera]]
        identity.name = "also fine"
        identity.mac_address = "not-a-mac"
        [camera.io]
        relay_outputs = 99
    """)
    with pytest.raises(ConfigError) as caught:
        load_fleet(path)
    message = str(caught.value)
    assert "2 invalid setting(s)" in message
    assert "camera.2.identity.mac_address (line 10): Value error, expected six hex octets" in message
    assert "camera.2.io.relay_outputs (line 12): Input should be less than or equal to 16" in message


def test_unknown_sections_in_a_camera_table_are_refused(tmp_path):
    path = write(tmp_path, "[fleet]\nhttp_port_start = 0\n[[camera]]\n[camera.identiy]\nname = 'x'\n")
    with pytest.raises(ConfigError, match=r"camera\.1\.identiy \(line 4\): Extra inputs are not permitted"):
        load_fleet(path)


def test_two_cameras_with_one_serial_are_refused_before_any_state_is_written(tmp_path):
    configs = fleet_configs(Config(), FleetConfig(count=2, http_port_start=0, rtsp_port_start=0),
                            [{"identity": {"serial_number": "SAME"}}, {"identity": {"serial_number": "SAME"}}])
    with pytest.raises(ConfigError, match="camera 2 identity.serial_number: 'SAME' is also camera 1's"):
        Fleet(configs, state_dir=tmp_path / "state")
    assert not (tmp_path / "state").exists()


def test_two_cameras_with_one_seed_are_refused():
    configs = fleet_configs(Config(), FleetConfig(count=2, http_port_start=0, rtsp_port_start=0),
                            [{"identity": {"seed": "x"}}, {"identity": {"seed": "x"}}])
    with pytest.raises(ConfigError, match="camera 2 identity.serial_number"):
        Fleet(configs)
