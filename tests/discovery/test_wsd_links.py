"""Several links, IPv6, and what survives a restart: the responder, targets and packet info, no sockets."""

from __future__ import annotations

import ipaddress
import socket
import struct

import pytest
from conftest import CAMERA_ENDPOINT, CAMERA_SCOPES
from wsd_fakes import FakeScheduler, FakeTransport

from onvif_device.camera import Camera
from onvif_device.camera.state import StateStore
from onvif_device.discovery import probe, resolve
from onvif_device.discovery.interfaces import Interface, Via, host_interfaces
from onvif_device.discovery.responder import (
    MULTICAST_GROUP,
    MULTICAST_GROUP_V6,
    PORT,
    Arrival,
    Responder,
)
from onvif_device.discovery.retransmit import Retransmission
from onvif_device.discovery.target import (
    HttpListener,
    Remembered,
    Target,
    camera_target,
)
from onvif_device.discovery.udp import DiscoveryTransport
from onvif_device.embed import make_config

ETH0 = Interface(2, "eth0", (ipaddress.ip_interface("192.0.2.10/24"), ipaddress.ip_interface("fe80::1/64"),
                             ipaddress.ip_interface("2001:db8::10/64")))
ETH1 = Interface(3, "eth1", (ipaddress.ip_interface("198.51.100.10/24"),))
V6_ONLY = Interface(4, "eth2", (ipaddress.ip_interface("2001:db8:2::10/64"),))
WILDCARD = HttpListener("192.0.2.10", 8080, per_link=True)
DUAL_STACK = HttpListener("192.0.2.10", 8080, per_link=True, ipv6=True)
ROUTES = [
    (Via(ETH0), (MULTICAST_GROUP, PORT)),
    (Via(ETH1), (MULTICAST_GROUP, PORT)),
    (Via(ETH0, socket.AF_INET6), (MULTICAST_GROUP_V6, PORT, 0, 2)),
]


def url(host: str) -> str:
    return f"http://{host}:8080/onvif/device_service"


# --- which XAddrs on which link ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("listener", "via", "xaddrs"),
    [
        (WILDCARD, None, [url("192.0.2.10")]),
        (WILDCARD, Via(ETH1), [url("198.51.100.10")]),
        (WILDCARD, Via(ETH0, socket.AF_INET6), [url("192.0.2.10")]),  # HTTP has no IPv6: the link's IPv4
        (WILDCARD, Via(V6_ONLY, socket.AF_INET6), []),  # nothing reachable there: silence
        (DUAL_STACK, Via(ETH0, socket.AF_INET6), [url("[2001:db8::10]"), url("192.0.2.10")]),
        (DUAL_STACK, Via(ETH0), [url("192.0.2.10")]),
        (HttpListener("203.0.113.5", 8080), Via(ETH1), [url("203.0.113.5")]),  # configured or bound: one address
    ],
    ids=["default", "second link", "v6 probe, v4 server", "v6-only link, v4 server", "dual stack over v6",
         "dual stack over v4", "pinned"],
)
def test_each_link_gets_addresses_it_can_reach(listener: HttpListener, via: Via | None, xaddrs: list[str]) -> None:
    assert list(listener.xaddrs(via)) == xaddrs


@pytest.mark.parametrize(
    ("host", "configured", "per_link", "ipv4", "ipv6"),
    [("0.0.0.0", False, True, True, False), ("0.0.0.0", True, False, True, False),
     ("192.0.2.10", False, False, True, False), ("::", False, True, True, True), ("2001:db8::10", False, False,
                                                                                   False, True)],
)
def test_the_listener_follows_the_bind_address(host, configured, per_link, ipv4, ipv6) -> None:
    listener = HttpListener.serving(host, 80, "192.0.2.10", configured=configured)
    assert (listener.per_link, listener.ipv4, listener.ipv6) == (per_link, ipv4, ipv6)


def make_responder(listener: HttpListener = WILDCARD) -> tuple[Responder, FakeTransport, Target]:
    transport = FakeTransport(ROUTES)
    responder = Responder(delay=lambda: 0, schedule=FakeScheduler(), retransmission=Retransmission.none())
    responder.connection_made(transport)  # type: ignore[arg-type]
    target = Target(CAMERA_ENDPOINT, scopes=lambda: CAMERA_SCOPES, xaddrs=listener.xaddrs)
    responder.add(target)
    return responder, transport, target


def test_hello_goes_to_every_link_with_that_links_address() -> None:
    _, transport, _ = make_responder()
    links = [v.interface.name for v in transport.vias if v and v.interface]
    hellos = transport.take()
    assert [(m.addr[0], m.xaddrs) for m in hellos] == [
        (MULTICAST_GROUP, [url("192.0.2.10")]), (MULTICAST_GROUP, [url("198.51.100.10")]),
        (MULTICAST_GROUP_V6, [url("192.0.2.10")]),
    ]
    # Same content, same message: the IPv4 and IPv6 copies on eth0 share a MessageID.
    assert hellos[0].message_id == hellos[2].message_id != hellos[1].message_id
    assert links == ["eth0", "eth1", "eth0"]


def test_a_probe_is_answered_with_the_address_of_the_link_it_came_in_on() -> None:
    responder, transport, _ = make_responder()
    transport.take()
    responder.datagram_received(probe(), ("198.51.100.77", 40000), Arrival(Via(ETH1)))
    responder._schedule.run()  # type: ignore[union-attr]
    responder.datagram_received(resolve(CAMERA_ENDPOINT), ("2001:db8::77", 40000, 0, 0),
                                Arrival(Via(ETH0, socket.AF_INET6), multicast=False))
    assert [(m.kind, m.xaddrs) for m in transport.take()] == [
        ("ProbeMatches", [url("198.51.100.10")]), ("ResolveMatches", [url("192.0.2.10")])]


def test_a_link_the_camera_cannot_be_reached_on_gets_no_answer() -> None:
    responder, transport, _ = make_responder()
    transport.take()
    responder.datagram_received(probe(), ("2001:db8:2::77", 40000, 0, 0), Arrival(Via(V6_ONLY, socket.AF_INET6)))
    assert transport.sent == [] and responder.counters.unreachable == 1


def test_a_new_link_is_announced_with_a_new_metadata_version() -> None:
    responder, transport, _ = make_responder()
    first = transport.take()[0].metadata_version
    responder.links_changed()
    assert transport.sent == []  # nothing changed
    transport.links = ROUTES[:1]  # eth1 went away
    responder.links_changed()
    [hello] = transport.take()
    assert hello.metadata_version == first + 1 and hello.xaddrs == [url("192.0.2.10")]


# --- packet info ----------------------------------------------------------------------------------


def test_the_arrival_is_read_from_the_packet_info() -> None:
    transport = DiscoveryTransport(Responder(), "0.0.0.0", "192.0.2.10")
    transport._joined = {socket.AF_INET: {2: ETH0, 3: ETH1}, socket.AF_INET6: {2: ETH0}}
    v4 = struct.pack("i4s4s", 3, socket.inet_aton("198.51.100.10"), socket.inet_aton(MULTICAST_GROUP))
    arrival = transport._arrival(socket.AF_INET, [(socket.IPPROTO_IP, 8, v4)], ("198.51.100.77", 1))
    assert arrival == Arrival(Via(ETH1), multicast=True)
    unicast = struct.pack("i4s4s", 2, socket.inet_aton("192.0.2.10"), socket.inet_aton("192.0.2.10"))
    arrival = transport._arrival(socket.AF_INET, [(socket.IPPROTO_IP, 8, unicast)], ("192.0.2.77", 1))
    assert arrival == Arrival(Via(ETH0), multicast=False)
    v6 = struct.pack("16si", socket.inet_pton(socket.AF_INET6, MULTICAST_GROUP_V6), 2)
    arrival = transport._arrival(socket.AF_INET6, [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, v6)],
                                 ("fe80::77", 1, 0, 2))
    assert arrival == Arrival(Via(ETH0, socket.AF_INET6), multicast=True)
    # No packet info: the sender's subnet tells the link.
    assert transport._arrival(socket.AF_INET, [], ("198.51.100.200", 1)).via == Via(ETH1)


def test_interfaces_know_their_addresses_and_neighbours() -> None:
    assert ETH0.holds("192.0.2.10") and ETH0.holds("[2001:db8::10]") and not ETH0.holds("192.0.2.11")
    assert ETH0.on_link("192.0.2.200") and not ETH0.on_link("198.51.100.1") and not ETH0.on_link("junk")
    assert [str(a.ip) for a in ETH0.routable_ipv6] == ["2001:db8::10"]
    assert all(i.index > 0 for i in host_interfaces(loopback=True))
    assert not any(a.is_loopback for i in host_interfaces() for a in i.addresses)


# --- what outlives the process ----------------------------------------------------------------


class Memory:
    def __init__(self) -> None:
        self.saved: Remembered | None = None

    def target(self, scopes: list[str], now: float) -> Target:
        return Target(CAMERA_ENDPOINT, scopes=lambda: scopes, xaddrs=WILDCARD.xaddrs, clock=lambda: now,
                      recall=lambda: self.saved, remember=self.remember)

    def remember(self, memory: Remembered) -> None:
        self.saved = memory


def test_instance_id_and_metadata_version_survive_a_restart() -> None:
    memory, scopes = Memory(), list(CAMERA_SCOPES)
    first = memory.target(scopes, now=1_700_000_000)
    first.begin()
    first.refresh()
    assert (first.sequence.instance_id, first.device.metadata_version) == (1_700_000_000, 1)
    # Restarted with a clock that stepped back: InstanceId still grows; nothing changed, same version.
    second = memory.target(scopes, now=1_600_000_000)
    second.begin()
    assert not second.refresh()
    assert (second.sequence.instance_id, second.device.metadata_version) == (1_700_000_001, 1)
    scopes.append("onvif://www.onvif.org/location/room/3")
    third = memory.target(scopes, now=1_600_000_000)
    third.begin()
    assert third.refresh()
    assert (third.sequence.instance_id, third.device.metadata_version) == (1_700_000_002, 2)
    assert memory.saved == Remembered(1_700_000_002, 2, memory.saved.metadata)


def test_a_camera_keeps_them_in_its_state_file(tmp_path) -> None:
    config = make_config(state_dir=str(tmp_path))

    def start() -> tuple[Camera, Target]:
        camera = Camera(config, seed="persisted", store=StateStore(tmp_path))
        target = camera_target(camera, HttpListener("192.0.2.10", 8080).xaddrs)
        target.begin()
        target.refresh()
        return camera, target

    camera, target = start()
    run = (target.sequence.instance_id, target.device.metadata_version)
    camera.scopes.add_scopes(["onvif://www.onvif.org/location/room/4"])
    assert target.refresh()
    _, again = start()
    assert again.sequence.instance_id > run[0]
    assert again.device.metadata_version == run[1] + 1
    camera.set_system_factory_default(hard=True)  # empties the state; the target's copy wins
    assert camera.state.discovery.metadata_version == 0
    target.refresh()
    assert camera.state.discovery.metadata_version == run[1] + 2
