"""`onvif-device run` for a fleet, in a subprocess: progress, the table, the inventory, and refusals."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fleetutil import identity_answers

from onvif_device.services import SERVICES
from onvif_device.services.device import SERVICE as DEVICE

pytestmark = pytest.mark.timeout(120)


class Listed:
    """An inventory entry, shaped like a camera handle for the SOAP helpers."""

    def __init__(self, entry: dict) -> None:
        self.device_url, self.username, self.password = entry["device_url"], entry["username"], entry["password"]

    def service_url(self, name: str) -> str:
        base = self.device_url.removesuffix(DEVICE.path)
        return next(info for info in SERVICES if info.name == name).xaddr(base)


def run(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "onvif_device", "run", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(path: Path, process: subprocess.Popen, seconds: float = 60.0) -> list[dict]:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.stdout.read()
        assert time.monotonic() < deadline, "no inventory written"
        time.sleep(0.05)
    return json.loads(path.read_text())


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    return output


def test_cameras_3_writes_the_inventory_and_serves_every_camera(tmp_path, onvif_schemas):
    inventory_path = tmp_path / "f.json"
    process = run("--cameras", "3", "--host", "127.0.0.1", "--http-port", "0", "--rtsp-port", "0",
                  "--no-discovery", "--inventory", str(inventory_path), "--state-dir", str(tmp_path / "state"),
                  "--password", "pw")
    try:
        inventory = wait_for(inventory_path, process)
        assert len(inventory) == 3
        for entry in inventory:
            answer = identity_answers(Listed(entry), onvif_schemas)
            assert answer["serial_number"] == entry["serial_number"]
            assert answer["mac_address"] == entry["mac_address"]
            assert answer["endpoint_reference"] == entry["endpoint_reference"]
            assert entry["password"] == "pw"
        assert len({entry["http_port"] for entry in inventory}) == 3
    finally:
        output = stop(process) if process.poll() is None else process.stdout.read()
    assert "started 3/3" in output
    for entry in inventory:  # the table: name, device service, main stream
        row = next(line for line in output.splitlines() if entry["device_url"] in line)
        assert entry["name"] in row and entry["streams"]["Profile_1"] in row
    assert sorted(p.name for p in (tmp_path / "state").iterdir()) == sorted(e["id"] for e in inventory)


def test_a_fleet_file_with_port_ranges(tmp_path, onvif_schemas):
    base = free_ports(4)
    config = tmp_path / "lab.toml"
    config.write_text(f"""
[server]
host = "127.0.0.1"
discovery = false
[identity]
name = "Lab {{n}}"
[fleet]
count = 2
seed = "cli-lab"
http_port_start = {base}
rtsp_port_start = {base + 2}
[[camera]]
identity.name = "Entrance"
""")
    inventory_path = tmp_path / "lab.json"
    process = run("--config", str(config), "--inventory", str(inventory_path))
    try:
        inventory = wait_for(inventory_path, process)
        assert [(e["name"], e["http_port"], e["rtsp_port"]) for e in inventory] == [
            ("Entrance", base, base + 2), ("Lab 2", base + 1, base + 3)]
        assert identity_answers(Listed(inventory[1]), onvif_schemas)["serial_number"] == inventory[1]["serial_number"]
    finally:
        stop(process)


def test_one_camera_keeps_the_banner_and_can_write_an_inventory(tmp_path):
    inventory_path = tmp_path / "one.json"
    process = run("--host", "127.0.0.1", "--http-port", "0", "--rtsp-port", "0", "--no-discovery",
                  "--inventory", str(inventory_path))
    try:
        [entry] = wait_for(inventory_path, process)
    finally:
        output = stop(process)
    assert f"device service: {entry['device_url']}" in output
    assert "started" not in output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--cameras", "0"], "expected a number of cameras from 1 to 10000, not '0'"),
        (["--cameras", "3", "--http-port", "65534"], "fleet.http_port_start: 3 cameras from port 65534 run past 65535"),
        (["--addresses", "127.0.0.9-127.0.0.1"], "the range ends before it starts"),
        (["--cameras", "3", "--addresses", "127.0.0.10-127.0.0.11"], "fleet.addresses: 2 address(es) for 3 cameras"),
    ],
    ids=["zero", "port-overflow", "reversed-range", "too-few-addresses"],
)
def test_bad_fleet_options_exit_2_saying_why(args, expected):
    result = subprocess.run([sys.executable, "-m", "onvif_device", "run", *args],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2, result
    assert expected in result.stderr


def test_a_bad_fleet_file_exits_2_naming_the_setting(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("[fleet]\ncount = 2\n\n[[camera]]\nidentity.mac_address = 'nope'\n")
    result = subprocess.run([sys.executable, "-m", "onvif_device", "run", "--config", str(config)],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert "camera.1.identity.mac_address (line 5)" in result.stderr


def free_ports(count: int) -> int:
    """The first of `count` consecutive ports free on loopback now."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            start = probe.getsockname()[1]
        if start + count > 65535:
            continue
        sockets = []
        try:
            for port in range(start, start + count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return start
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no run of free ports")
