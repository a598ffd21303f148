"""Cameras of one fleet are independent: a reboot, a change or a fault in one never touches another.

The fleets here come from the project's own pytest plugin (`onvif_fleet`),
sized and configured through its fixtures.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time

import httpx
import pytest
from fleetutil import answers_time, client, identity_answers, text, wait_until
from soaputil import envelope

from onvif_device.config import Config, FleetConfig, fleet_configs
from onvif_device.embed import VirtualFleet, make_config
from onvif_device.fleet import Fleet

pytestmark = pytest.mark.timeout(120)

SLOW_REBOOT = Config.model_validate({"server": {"reboot_seconds": 1.5}})


@pytest.mark.parametrize("onvif_fleet_config", [SLOW_REBOOT], indirect=True, ids=["reboot-1.5s"])
def test_a_reboot_takes_one_camera_away_while_the_others_serve(onvif_fleet, onvif_schemas):
    first, second, third = onvif_fleet
    before = identity_answers(second, onvif_schemas)
    soap = client(second, onvif_schemas)
    soap.call("<tds:SystemReboot/>")
    soap.close()
    assert wait_until(lambda: not answers_time(second.device_url)), "camera 2 never went away"
    # While camera 2 is away, the others answer every request, as themselves.
    while not answers_time(second.device_url):
        assert answers_time(first.device_url) and answers_time(third.device_url)
        time.sleep(0.05)
    assert identity_answers(second, onvif_schemas) == before
    assert [cam.server.reboots for cam in onvif_fleet] == [0, 1, 0]
    assert identity_answers(first, onvif_schemas)["serial_number"] == first.camera.identity.serial_number


def test_a_setting_changed_on_one_camera_stays_on_that_camera(onvif_fleet, onvif_schemas):
    first, second, _ = onvif_fleet
    soap = client(first, onvif_schemas)
    soap.call("<tds:SetHostname><tds:Name>only-camera-one</tds:Name></tds:SetHostname>")
    soap.call("<tds:CreateUsers><tds:User><tt:Username>extra</tt:Username><tt:Password>extra-pw</tt:Password>"
              "<tt:UserLevel>User</tt:UserLevel></tds:User></tds:CreateUsers>")
    soap.close()
    hostnames = [text(client(cam, onvif_schemas).call("<tds:GetHostname/>"), "tds:HostnameInformation/tt:Name")
                 for cam in onvif_fleet]
    assert hostnames[0] == "only-camera-one"
    assert "only-camera-one" not in hostnames[1:]
    other = client(second, onvif_schemas)
    other.username, other.password = "extra", "extra-pw"
    assert other.fault("<tds:GetDeviceInformation/>", status=400)[-1] == "ter:NotAuthorized"
    # On disk too: each camera's own state file.
    saved = [json.loads((cam.state_dir / "state.json").read_text()) for cam in onvif_fleet]
    assert saved[0]["camera"]["network"]["hostname"] == "only-camera-one"
    assert all(s["camera"]["network"]["hostname"] != "only-camera-one" for s in saved[1:])


def test_a_fault_in_one_camera_does_not_reach_the_others(onvif_fleet, onvif_schemas, monkeypatch):
    first, second, third = onvif_fleet

    def broken(*args, **kwargs):
        raise RuntimeError("simulated fault in camera 2")

    ticks = []
    first_tick = first.camera.tick
    monkeypatch.setattr(second.camera.clock, "get_system_date_and_time", broken)
    monkeypatch.setattr(second.camera, "tick", broken)
    monkeypatch.setattr(first.camera, "tick", lambda: (ticks.append(1), first_tick()))
    reply = httpx.post(second.device_url, content=envelope("<tds:GetSystemDateAndTime/>"), timeout=5)
    assert reply.status_code == 500 and b"internal error in the device" in reply.content
    assert answers_time(first.device_url) and answers_time(third.device_url)
    # Camera 2's clock task keeps failing; camera 1's keeps running, and camera 2 serves everything else.
    assert wait_until(lambda: len(ticks) >= 5)
    assert identity_answers(second, onvif_schemas)["serial_number"] == second.camera.identity.serial_number


def test_stopping_one_camera_leaves_the_others_serving(onvif_fleet):
    first, second, third = onvif_fleet
    loop = second.server._task.get_loop()
    asyncio.run_coroutine_threadsafe(second.server.stop(), loop).result(timeout=30)
    assert not answers_time(second.device_url)
    assert answers_time(first.device_url) and answers_time(third.device_url)


# --- state across restarts ----------------------------------------------------------------------


async def test_each_camera_comes_back_with_its_own_state_and_identity(tmp_path):
    async def run(change: bool) -> list[tuple[str, str, str]]:
        async with VirtualFleet(count=3, state_dir=str(tmp_path), seed="restart") as fleet:
            if change:
                fleet[1].camera.network.set_hostname("changed-two")
            return [(cam.camera_id, cam.camera.identity.mac_address, cam.camera.network.state.hostname)
                    for cam in fleet]

    before = await run(change=True)
    after = await run(change=False)
    assert [a[:2] for a in after] == [b[:2] for b in before]
    assert [a[2] == "changed-two" for a in after] == [False, True, False]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(b[0] for b in before)


# --- start-up ------------------------------------------------------------------------------------


async def test_a_camera_that_cannot_start_stops_the_fleet_cleanly_naming_it():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        configs = fleet_configs(make_config(), FleetConfig(count=4),
                                [{}, {}, {"server": {"http_port": port}}])
        fleet = Fleet(configs, parallelism=1)
        with pytest.raises(OSError, match=rf"camera 3 \(Virtual Camera 3\): cannot listen on 127.0.0.1:{port}"):
            await fleet.start()
    started = fleet.cameras[:2]
    assert all(cam.port for cam in started)
    for cam in started:  # their ports are free again
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", cam.port)) != 0
    assert not fleet.cameras[3].port  # never started
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


async def test_progress_counts_every_camera_and_start_is_bounded():
    seen = []
    fleet = VirtualFleet(count=7, parallelism=2, progress=lambda done, total: seen.append((done, total)))
    # The fleet runs on this test's loop: an async client.
    async with fleet, httpx.AsyncClient(timeout=5) as http:
        for cam in fleet:
            reply = await http.post(cam.device_url, content=envelope("<tds:GetSystemDateAndTime/>"))
            assert reply.status_code == 200
    assert seen == [(n, 7) for n in range(1, 8)]
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
