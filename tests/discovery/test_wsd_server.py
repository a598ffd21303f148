"""CameraServer and discovery: Hello/Bye across start, changes, reboot and stop; no UDP sockets.

The server is given a responder whose transport only records, so this runs
on the host network without sending a single datagram.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from wsd_fakes import MULTICAST, FakeTransport

from onvif_device.camera import Camera
from onvif_device.discovery.responder import Responder
from onvif_device.discovery.retransmit import Retransmission
from onvif_device.embed import VirtualCamera, make_config
from onvif_device.server import CameraServer


async def until(condition, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


@pytest.fixture
def transport() -> FakeTransport:
    return FakeTransport()


@pytest.fixture
def responder(transport: FakeTransport) -> Responder:
    r = Responder(delay=lambda: 0, retransmission=Retransmission.none())
    r.connection_made(transport)  # type: ignore[arg-type]
    return r


async def test_hello_and_bye_follow_start_changes_reboot_and_stop(
    responder: Responder, transport: FakeTransport
) -> None:
    config = make_config(reboot_seconds=0.05)
    camera = Camera(config, seed="wsd-server")
    server = CameraServer(camera, discovery=responder)
    await server.start()
    [hello] = transport.take()
    assert (hello.kind, hello.addr) == ("Hello", MULTICAST)
    assert hello.endpoints == [camera.identity.endpoint_reference]
    assert hello.xaddrs == [server.device_url]
    assert hello.scopes == camera.scopes.all()

    camera.scopes.add_scopes(["onvif://www.onvif.org/location/room/7"])
    await until(lambda: transport.sent)
    [changed] = transport.take()
    assert (changed.kind, changed.metadata_version) == ("Hello", hello.metadata_version + 1)
    assert "onvif://www.onvif.org/location/room/7" in changed.scopes

    camera.network.set_discovery_mode(False)
    await until(lambda: transport.sent)
    assert [m.kind for m in transport.take()] == ["Bye"]
    camera.network.set_discovery_mode(True)
    await until(lambda: transport.sent)
    assert [m.kind for m in transport.take()] == ["Hello"]

    camera.system_reboot()
    await until(lambda: len(transport.sent) >= 2)
    bye, back = transport.take()
    assert (bye.kind, back.kind) == ("Bye", "Hello")
    assert back.instance_id > hello.instance_id and back.message_number == 1
    assert server.reboots == 1

    await server.stop()
    assert [m.kind for m in transport.take()] == ["Bye"]
    assert not transport.closed  # a shared responder stays open for the other cameras


async def test_a_non_discoverable_camera_reboots_in_silence(responder: Responder, transport: FakeTransport) -> None:
    camera = Camera(make_config(reboot_seconds=0.05), seed="wsd-quiet")
    camera.network.set_discovery_mode(False)
    server = CameraServer(camera, discovery=responder)
    await server.start()
    camera.system_reboot()
    await until(lambda: server.reboots == 1)
    await server.wait_up()
    await server.stop()
    assert transport.sent == []


async def test_factory_default_makes_the_camera_discoverable_again(
    responder: Responder, transport: FakeTransport
) -> None:
    camera = Camera(make_config(reboot_seconds=0.05), seed="wsd-reset")
    camera.network.set_discovery_mode(False)
    server = CameraServer(camera, discovery=responder)
    await server.start()
    camera.set_system_factory_default(hard=True)
    await until(lambda: [m.kind for m in transport.messages()].count("Hello") >= 1)
    await server.stop()
    kinds = [m.kind for m in transport.messages()]
    assert kinds[0] == "Hello" and kinds[-1] == "Bye"


async def test_a_port_3702_that_cannot_be_had_only_costs_discovery(monkeypatch, caplog) -> None:
    async def refuse(responder: Responder, host: str = "", **_: object):
        raise OSError(98, "WS-Discovery: cannot bind udp/3702: Address already in use")

    monkeypatch.setattr("onvif_device.server.open_responder", refuse)
    caplog.set_level(logging.WARNING, logger="onvif_device")
    async with VirtualCamera(discovery=True) as cam:
        assert cam.server.discovery is not None and cam.server.discovery.transport is None
        _, writer = await asyncio.open_connection(cam.host, cam.port)
        writer.close()
        await writer.wait_closed()
    assert "cannot bind udp/3702" in caplog.text
    assert "running without WS-Discovery" in caplog.text
    assert cam.device_url in caplog.text


async def test_the_embedded_camera_leaves_discovery_off_unless_asked(monkeypatch) -> None:
    opened: list[str] = []

    async def record(responder: Responder, host: str = "", *, advertise: str = "", **_: object):
        opened.append((host, advertise))
        responder.connection_made(FakeTransport())  # type: ignore[arg-type]

    monkeypatch.setattr("onvif_device.server.open_responder", record)
    assert make_config().server.discovery is False
    async with VirtualCamera() as cam:
        assert cam.server.discovery is None
    async with VirtualCamera(discovery=True) as cam:
        assert opened == [("127.0.0.1", "127.0.0.1")]  # joins where it is bound
        transport = cam.server.discovery.transport
    assert transport.closed and cam.server.discovery.transport is None  # stop() closed what it owned


def test_the_mdns_flag_and_field() -> None:
    from onvif_device.cli import apply_flags, build_parser
    from onvif_device.config import Config

    assert Config().server.mdns is False  # off by default
    assert apply_flags(Config(), build_parser().parse_args(["run", "--mdns"])).server.mdns is True
    assert apply_flags(Config(), build_parser().parse_args(["run"])).server.mdns is False
