"""A fleet on 127.0.0.x: each camera on its own address and the same ports, as a VMS keyed by IP expects.

Every URL a camera hands out (GetServices and GetCapabilities XAddrs,
GetStreamUri, WS-Discovery Hello) carries its own address, and connecting
to an address reaches that camera and no other.
"""

from __future__ import annotations

import asyncio
import socket

import pytest
from fleetutil import NS, client, identity_answers, stream_uri, text
from lxml import etree

from onvif_device.config import FleetConfig, fleet_configs
from onvif_device.discovery.responder import Responder
from onvif_device.discovery.retransmit import Retransmission
from onvif_device.embed import ThreadedFleet, make_config
from onvif_device.fleet import Fleet

pytestmark = pytest.mark.timeout(120)

ADDRESSES = [f"127.0.0.{n}" for n in range(10, 15)]
WSD = "http://schemas.xmlsoap.org/ws/2005/04/discovery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def per_ip(tmp_path_factory):
    http, rtsp = free_port(), free_port()
    with ThreadedFleet(count=len(ADDRESSES), addresses="127.0.0.10-127.0.0.14", http_port=http, rtsp_port=rtsp,
                       state_dir=str(tmp_path_factory.mktemp("per-ip"))) as fleet:
        yield fleet


def test_every_camera_listens_on_its_own_address_and_the_same_ports(per_ip, onvif_schemas):
    assert [cam.host for cam in per_ip] == ADDRESSES
    assert len({cam.port for cam in per_ip}) == 1 and len({cam.rtsp_port for cam in per_ip}) == 1
    serials = [identity_answers(cam, onvif_schemas)["serial_number"] for cam in per_ip]
    assert serials == [cam.camera.identity.serial_number for cam in per_ip]
    assert len(set(serials)) == len(ADDRESSES)
    with socket.socket() as elsewhere:  # bound to its own addresses, not to every one
        assert elsewhere.connect_ex(("127.0.0.1", per_ip[0].port)) != 0


def test_xaddrs_carry_each_cameras_own_address(per_ip, onvif_schemas):
    for cam in per_ip:
        soap = client(cam, onvif_schemas)
        services = soap.call("<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>")
        xaddrs = [e.text for e in services.iterfind("tds:Service/tds:XAddr", NS)]
        caps = soap.call("<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>")
        soap.close()
        assert xaddrs and all(x.startswith(f"http://{cam.host}:{cam.port}/") for x in xaddrs), xaddrs
        assert text(caps, "tds:Capabilities/tt:Device/tt:XAddr") == cam.device_url
        assert cam.device_url == f"http://{cam.host}:{cam.port}/onvif/device_service"


def test_stream_uris_carry_each_cameras_own_address_and_the_rtsp_server_is_there(per_ip, onvif_schemas):
    for cam in per_ip:
        uri = stream_uri(cam, "Profile_1", onvif_schemas)
        assert uri == f"rtsp://{cam.host}:{cam.rtsp_port}/stream/Profile_1" == cam.stream_url()
        with socket.create_connection((cam.host, cam.rtsp_port), timeout=5) as rtsp:
            rtsp.sendall(f"OPTIONS {uri} RTSP/1.0\r\nCSeq: 1\r\n\r\n".encode())
            assert rtsp.recv(4096).startswith(b"RTSP/1.0 200 OK")


def test_the_inventory_gives_each_cameras_address(per_ip):
    inventory = per_ip.inventory()
    assert [entry["host"] for entry in inventory] == ADDRESSES
    assert [entry["device_url"] for entry in inventory] == [cam.device_url for cam in per_ip]
    assert [entry["streams"]["Profile_1"] for entry in inventory] == [cam.stream_url() for cam in per_ip]


class Recorder:
    """A discovery transport that keeps what the responder sends."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def sendto(self, data, addr, via=None) -> None:
        self.sent.append(data)

    def routes(self):
        return [(None, ("239.255.255.250", 3702))]

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass


async def test_discovery_announces_each_camera_with_its_own_address():
    recorder = Recorder()
    responder = Responder(delay=lambda: 0, retransmission=Retransmission.none())
    responder.connection_made(recorder)
    configs = fleet_configs(make_config(discovery=True), FleetConfig(addresses=["127.0.0.20-127.0.0.22"]))
    fleet = Fleet(configs, discovery=responder)
    await fleet.start()
    try:
        async with asyncio.timeout(10):
            while len(recorder.sent) < 3:
                await asyncio.sleep(0.01)
        hellos = {}
        for data in recorder.sent:
            message = etree.fromstring(data)
            reference = message.findtext(f".//{{{WSD}}}Hello//{{http://schemas.xmlsoap.org/ws/2004/08/addressing}}Address")
            hellos[reference] = message.findtext(f".//{{{WSD}}}XAddrs")
        assert hellos == {cam.camera.identity.endpoint_reference: cam.device_url for cam in fleet.cameras}
        assert [cam.host for cam in fleet.cameras] == ["127.0.0.20", "127.0.0.21", "127.0.0.22"]
    finally:
        await fleet.stop()
    assert responder.targets == {}  # every camera said Bye and left the shared responder
