"""State that survives restarts, reboots and factory resets; the command line."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys

import httpx
import pytest

from onvif_device.camera import Camera
from onvif_device.camera.state import StateFileError, StateStore
from onvif_device.config import Config, ConfigError, load_config
from onvif_device.embed import ThreadedCamera
from soaputil import TDS, SoapClient, envelope, wait_until_down_and_up

NS = {"tds": TDS, "tt": "http://www.onvif.org/ver10/schema"}


def client(cam, schemas) -> SoapClient:
    return SoapClient(cam.device_url, cam.username, cam.password, schemas)


# --- persistence -------------------------------------------------------------------------------


def test_settings_survive_a_restart_of_the_process(tmp_path, onvif_schemas):
    state_dir = str(tmp_path / "state")
    with ThreadedCamera(state_dir=state_dir) as cam:
        soap = client(cam, onvif_schemas)
        soap.call("<tds:SetHostname><tds:Name>persisted-cam</tds:Name></tds:SetHostname>")
        soap.call(
            "<tds:CreateUsers><tds:User><tt:Username>ops</tt:Username><tt:Password>s3cret</tt:Password>"
            "<tt:UserLevel>Operator</tt:UserLevel></tds:User></tds:CreateUsers>"
        )
        soap.call("<tds:AddScopes><tds:ScopeItem>onvif://www.onvif.org/location/dock</tds:ScopeItem></tds:AddScopes>")
        soap.close()
    with ThreadedCamera(state_dir=state_dir) as cam:
        soap = client(cam, onvif_schemas)
        hostname = soap.call("<tds:GetHostname/>", auth="none")
        assert hostname.findtext("tds:HostnameInformation/tt:Name", None, NS) == "persisted-cam"
        scopes = [s.text for s in soap.call("<tds:GetScopes/>").iter("{*}ScopeItem")]
        assert "onvif://www.onvif.org/location/dock" in scopes
        soap.username, soap.password = "ops", "s3cret"
        soap.call("<tds:GetDeviceInformation/>")  # the new user can log in
        soap.close()


def test_state_file_is_replaced_atomically_and_readable(tmp_path):
    store = StateStore(tmp_path)
    camera = Camera(Config(), seed="a", store=store)
    camera.network.set_hostname("first")
    document = json.loads((tmp_path / "state.json").read_text())
    assert document["format"] == "onvif-device-state"
    assert document["camera"]["network"]["hostname"] == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary file left behind


@pytest.mark.parametrize(
    "content, message",
    [
        (b"{not json", "corrupt state file"),
        (b'{"format": "something-else"}', "not an onvif-device state file"),
        (b'{"format": "onvif-device-state", "version": 99, "camera": {}}', "version 99 is not supported"),
        (b'{"format": "onvif-device-state", "version": 1, "camera": {"clock": {"timezone": 5}}}',
         "camera.clock.timezone"),
    ],
)
def test_a_bad_state_file_is_reported_and_left_alone(tmp_path, content, message):
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with pytest.raises(StateFileError, match=message):
        Camera(Config(), seed="a", store=StateStore(tmp_path))
    assert path.read_bytes() == content


def test_identity_is_stable_per_seed_and_distinct_across_seeds():
    a1, a2, b = (Camera(Config(), seed=s).identity for s in ("a", "a", "b"))
    assert a1 == a2
    assert len({a1.serial_number, b.serial_number}) == 2
    assert len({a1.mac_address, b.mac_address}) == 2
    assert len({a1.endpoint_uuid, b.endpoint_uuid}) == 2
    assert int(a1.mac_address.split(":")[0], 16) & 0b10  # locally administered


# --- reboot and factory defaults ---------------------------------------------------------------


def test_system_reboot_goes_away_and_comes_back_with_the_same_state(tmp_path, onvif_schemas):
    with ThreadedCamera(state_dir=str(tmp_path), reboot_seconds=0.5) as cam:
        soap = client(cam, onvif_schemas)
        soap.call("<tds:SetHostname><tds:Name>before-reboot</tds:Name></tds:SetHostname>")
        reply = soap.call("<tds:SystemReboot/>")
        assert "0.5 seconds" in reply.findtext("tds:Message", None, NS)
        assert wait_until_down_and_up(cam.device_url) == (True, True)
        soap.http.close()
        soap.http = httpx.Client(timeout=10)
        hostname = soap.call("<tds:GetHostname/>", auth="none")
        assert hostname.findtext("tds:HostnameInformation/tt:Name", None, NS) == "before-reboot"
        log = soap.call("<tds:GetSystemLog><tds:LogType>System</tds:LogType></tds:GetSystemLog>")
        assert "camera started after reboot" in log.findtext("tds:SystemLog/tt:String", None, NS)
        assert cam.server.reboots == 1
        soap.close()


@pytest.mark.parametrize("kind", ["Soft", "Hard"])
def test_factory_default_resets_settings(tmp_path, onvif_schemas, kind):
    with ThreadedCamera(state_dir=str(tmp_path), reboot_seconds=0.2) as cam:
        soap = client(cam, onvif_schemas)
        soap.call("<tds:SetHostname><tds:Name>custom</tds:Name></tds:SetHostname>")
        soap.call(
            "<tds:CreateUsers><tds:User><tt:Username>temp</tt:Username><tt:Password>x</tt:Password>"
            "<tt:UserLevel>User</tt:UserLevel></tds:User></tds:CreateUsers>"
        )
        soap.call(f"<tds:SetSystemFactoryDefault><tds:FactoryDefault>{kind}</tds:FactoryDefault>"
                  "</tds:SetSystemFactoryDefault>")
        assert wait_until_down_and_up(cam.device_url) == (True, True)
        soap.http.close()
        soap.http = httpx.Client(timeout=10)
        users = [u.text for u in soap.call("<tds:GetUsers/>").iter("{*}Username")]
        assert users == ["admin"]
        hostname = soap.call("<tds:GetHostname/>", auth="none").findtext(
            "tds:HostnameInformation/tt:Name", None, NS
        )
        # A soft reset keeps the network settings; a hard one does not.
        assert (hostname == "custom") == (kind == "Soft")
        soap.close()
    state = json.loads((tmp_path / "state.json").read_text())
    assert [u["username"] for u in state["camera"]["users"]] == ["admin"]


# --- configuration files -------------------------------------------------------------------------


def test_config_file_errors_name_the_field_and_line(tmp_path):
    path = tmp_path / "camera.toml"
    path.write_text('[server]\nhost = "127.0.0.1"\nhttp_port = 99999\n\n[identity]\nmac_address = "zz"\n')
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert "server.http_port (line 3)" in message
    assert "identity.mac_address (line 6)" in message


def test_config_file_rejects_unknown_keys_and_bad_toml(tmp_path):
    path = tmp_path / "camera.toml"
    path.write_text("[server]\nhttp_prot = 1\n")
    with pytest.raises(ConfigError, match=r"server.http_prot \(line 2\): Extra inputs are not permitted"):
        load_config(path)
    path.write_text("[server\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_config_file_sets_identity_and_users(tmp_path):
    path = tmp_path / "camera.toml"
    path.write_text(
        '[identity]\nname = "Dock Cam"\nserial_number = "SN-42"\n\n'
        '[[auth.users]]\nusername = "viewer"\npassword = "v"\nlevel = "User"\n'
    )
    camera = Camera(load_config(path), seed="x")
    assert camera.identity.serial_number == "SN-42"
    assert [u.username for u in camera.users.get_users()] == ["admin", "viewer"]


# --- the command line ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_cli_starts_a_camera_prints_its_url_and_stops_on_sigterm(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "onvif_device", "run", "--host", "127.0.0.1", "--http-port", str(port),
         "--state-dir", str(tmp_path / "state"), "--password", "pw", "--no-discovery"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        banner = [process.stdout.readline() for _ in range(5)]
        assert f"device service: http://127.0.0.1:{port}/onvif/device_service" in "".join(banner)
        assert "admin / pw" in "".join(banner)
        reply = httpx.post(f"http://127.0.0.1:{port}/onvif/device_service",
                           content=envelope("<tds:GetSystemDateAndTime/>"), timeout=5)
        assert reply.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert (tmp_path / "state" / "state.json").exists()


def test_the_cli_reports_a_bad_config_and_exits_2(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[auth]\nenabled = 3\n")
    result = subprocess.run([sys.executable, "-m", "onvif_device", "run", "--config", str(path)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "auth.enabled (line 2)" in result.stderr


def test_the_cli_reports_a_port_in_use(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "onvif_device", "run", "--host", "127.0.0.1", "--http-port", str(port)],
            capture_output=True, text=True, timeout=30,
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_no_auth_answers_every_operation_without_credentials(onvif_schemas):
    config = Config.model_validate({"auth": {"enabled": False}})
    with ThreadedCamera(config) as cam:
        soap = client(cam, onvif_schemas)
        users = soap.call("<tds:GetUsers/>", auth="none")
        assert [u.text for u in users.iter("{*}Username")] == ["admin"]
        soap.close()


def test_advertise_address_is_never_loopback_unless_bound_there():
    from ipaddress import ip_address

    from onvif_device.netaddr import advertise_address, primary_ipv4

    assert advertise_address("127.0.0.1", "") == "127.0.0.1"
    assert advertise_address("0.0.0.0", "10.9.8.7") == "10.9.8.7"
    primary = primary_ipv4()
    assert primary is None or not ip_address(primary).is_loopback
    assert advertise_address("0.0.0.0", "") == (primary or "127.0.0.1")
