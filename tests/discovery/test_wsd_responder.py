"""The responder's logic with a recording transport and a hand-run scheduler: no sockets."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import CAMERA_ENDPOINT, CAMERA_SCOPES, CAMERA_XADDRS
from test_wsd_hostile import HOSTILE
from wsd_fakes import CLIENT, MULTICAST, FakeScheduler, FakeTransport, Switchable

from onvif_device.discovery import (
    ANONYMOUS,
    DEVICE_SERVICE,
    MATCH_BY_STRCMP0,
    MAX_DATAGRAM_BYTES,
    NETWORK_VIDEO_TRANSMITTER,
    QName,
    hello,
    probe,
    resolve,
)
from onvif_device.discovery.responder import APP_MAX_DELAY, Responder, random_delay
from onvif_device.discovery.retransmit import Retransmission
from onvif_device.discovery.sequence import AppSequence

ONCE = Retransmission.none()  # most tests look at one copy of each message
OTHER_ENDPOINT = "urn:uuid:11111111-2222-4333-8444-555555555555"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def transport() -> FakeTransport:
    return FakeTransport()


@pytest.fixture
def scheduler() -> FakeScheduler:
    return FakeScheduler()


@pytest.fixture
def camera() -> Switchable:
    return Switchable(CAMERA_ENDPOINT, CAMERA_SCOPES, CAMERA_XADDRS)


@pytest.fixture
def responder(transport: FakeTransport, scheduler: FakeScheduler, camera: Switchable) -> Responder:
    """A responder answering for `camera`, with its Hello already taken off the wire."""
    r = Responder(delay=lambda: 0.125, schedule=scheduler, retransmission=ONCE)
    r.connection_made(transport)  # type: ignore[arg-type]
    r.add(camera.target)
    transport.sent.clear()
    return r


def probe_id(n: int) -> str:
    return f"urn:uuid:00000000-0000-4000-8000-{n:012d}"


# --- Probe -----------------------------------------------------------------------------------


def test_a_probe_is_answered_after_the_delay_unicast_to_its_sender(
    responder: Responder, transport: FakeTransport, scheduler: FakeScheduler
) -> None:
    responder.datagram_received(probe([NETWORK_VIDEO_TRANSMITTER], message_id=probe_id(1)), CLIENT)
    assert transport.sent == []  # nothing before the delay has run
    assert scheduler.run() == [0.125]
    [reply] = transport.take()
    assert reply.kind == "ProbeMatches"
    assert reply.addr == CLIENT
    assert reply.relates_to == probe_id(1)
    assert reply.to == ANONYMOUS
    assert reply.endpoints == [CAMERA_ENDPOINT]
    assert reply.xaddrs == list(CAMERA_XADDRS)
    assert reply.scopes == list(CAMERA_SCOPES)
    assert responder.counters.probe_matches == 1


@pytest.mark.parametrize(
    "types",
    [(), (NETWORK_VIDEO_TRANSMITTER,), (DEVICE_SERVICE,), (NETWORK_VIDEO_TRANSMITTER, DEVICE_SERVICE)],
    ids=["no types", "dn:NetworkVideoTransmitter", "tds:Device", "both"],
)
def test_every_onvif_types_variant_is_answered(
    responder: Responder, transport: FakeTransport, scheduler: FakeScheduler, types: tuple[QName, ...]
) -> None:
    responder.datagram_received(probe(types), CLIENT)
    scheduler.run()
    assert [m.kind for m in transport.take()] == ["ProbeMatches"]


@pytest.mark.parametrize(
    "name",
    ["wcf_odm.xml", "onvif_rs_nvt.xml", "onvif_rs_device.xml", "agsh_onvif.xml", "gsoap_tds_device.xml",
     "both_types.xml", "ns1_prefix.xml", "undeclared_prefix.xml", "empty_probe.xml"],
)
def test_probes_shaped_like_real_clients_are_answered(
    responder: Responder, transport: FakeTransport, scheduler: FakeScheduler, capture: Callable[[str], bytes],
    name: str,
) -> None:
    responder.datagram_received(capture(name), CLIENT)
    scheduler.run()
    assert [m.kind for m in transport.take()] == ["ProbeMatches"]


def test_the_default_delay_stays_in_the_spec_window() -> None:
    delays = [random_delay() for _ in range(2000)]
    assert all(0.0 <= d <= APP_MAX_DELAY for d in delays)
    assert len(set(delays)) > 1


def test_a_repeated_probe_is_answered_once(
    responder: Responder, transport: FakeTransport, scheduler: FakeScheduler
) -> None:
    datagram = probe(message_id=probe_id(2))
    for _ in range(4):  # SOAP-over-UDP repeats every multicast message
        responder.datagram_received(datagram, CLIENT)
    scheduler.run()
    assert len(transport.take()) == 1
    assert responder.counters.duplicates == 3


@pytest.mark.parametrize(
    "datagram",
    [
        probe([QName("http://example.com/other", "Printer")]),
        probe(scopes=["onvif://www.onvif.org/location/country/france"]),
        probe(scopes=["onvif://www.onvif.org/hardware/VirtualCam"]),  # whole segments only
        probe(scopes=["onvif://www.onvif.org/Profile"], match_by=MATCH_BY_STRCMP0),
    ],
    ids=["other type", "other location", "segment prefix", "strcmp0 prefix"],
)
def test_a_probe_the_device_does_not_match_gets_no_answer(
    responder: Responder, transport: FakeTransport, scheduler: FakeScheduler, datagram: bytes
) -> None:
    responder.datagram_received(datagram, CLIENT)
    assert scheduler.pending == []
    assert transport.sent == []
    assert responder.counters.probes == 1


def test_a_scope_filter_that_matches_is_answered(
    responder: Responder, transport: FakeTransport, scheduler: FakeScheduler
) -> None:
    responder.datagram_received(probe(scopes=["onvif://www.onvif.org/location/country"]), CLIENT)
    scheduler.run()
    assert len(transport.take()) == 1


def test_an_unknown_matching_rule_gets_no_answer_and_no_fault(
    responder: Responder, transport: FakeTransport, scheduler: FakeScheduler
) -> None:
    responder.datagram_received(probe(scopes=["x:y"], match_by="http://example.com/regex"), CLIENT)
    assert scheduler.pending == [] and transport.sent == []
    assert responder.counters.unsupported_rule == 1


def test_the_reply_goes_to_the_reply_to_address(
    responder: Responder, transport: FakeTransport, scheduler: FakeScheduler
) -> None:
    responder.datagram_received(probe(reply_to="urn:uuid:aaaaaaaa-0000-4000-8000-000000000001"), CLIENT)
    scheduler.run()
    [reply] = transport.take()
    assert reply.to == "urn:uuid:aaaaaaaa-0000-4000-8000-000000000001"
    assert reply.addr == CLIENT  # the datagram still goes back to its source


def test_a_device_that_leaves_during_the_delay_sends_nothing(
    responder: Responder, transport: FakeTransport, scheduler: FakeScheduler, camera: Switchable
) -> None:
    responder.datagram_received(probe(), CLIENT)
    responder.remove(camera.target)
    scheduler.run()
    assert [m.kind for m in transport.take()] == ["Bye"]


# --- Resolve -----------------------------------------------------------------------------------


def test_resolve_of_the_device_endpoint_is_answered(
    responder: Responder, transport: FakeTransport, scheduler: FakeScheduler
) -> None:
    responder.datagram_received(resolve(CAMERA_ENDPOINT, message_id=probe_id(3)), CLIENT)
    scheduler.run()
    [reply] = transport.take()
    assert (reply.kind, reply.addr, reply.relates_to) == ("ResolveMatches", CLIENT, probe_id(3))
    assert reply.endpoints == [CAMERA_ENDPOINT] and reply.xaddrs == list(CAMERA_XADDRS)
    assert responder.counters.resolve_matches == 1


def test_resolve_of_another_endpoint_is_ignored(
    responder: Responder, transport: FakeTransport, scheduler: FakeScheduler
) -> None:
    responder.datagram_received(resolve(OTHER_ENDPOINT), CLIENT)
    assert scheduler.pending == [] and transport.sent == []


# --- NonDiscoverable -----------------------------------------------------------------------


def test_non_discoverable_answers_nothing_and_says_bye_once(
    responder: Responder, transport: FakeTransport, scheduler: FakeScheduler, camera: Switchable
) -> None:
    camera.discoverable = False
    responder.refresh(camera.target)
    assert [m.kind for m in transport.take()] == ["Bye"]
    # ONVIF Core: a non-discoverable device neither listens nor sends, unicast or multicast.
    responder.datagram_received(probe(), CLIENT)
    responder.datagram_received(resolve(CAMERA_ENDPOINT), CLIENT)
    responder.refresh(camera.target)
    camera.scopes.append("onvif://www.onvif.org/location/room/2")
    responder.refresh(camera.target)
    scheduler.run()
    assert transport.sent == []
    camera.discoverable = True
    responder.refresh(camera.target)
    [back] = transport.take()
    assert back.kind == "Hello" and back.addr == MULTICAST
    assert "onvif://www.onvif.org/location/room/2" in back.scopes


def test_a_non_discoverable_device_starts_without_hello(transport: FakeTransport, camera: Switchable) -> None:
    camera.discoverable = False
    responder = Responder(delay=lambda: 0, retransmission=ONCE)
    responder.connection_made(transport)  # type: ignore[arg-type]
    responder.add(camera.target)
    responder.remove(camera.target)
    assert transport.sent == []


def test_a_switch_during_the_delay_cancels_the_reply(
    responder: Responder, transport: FakeTransport, scheduler: FakeScheduler, camera: Switchable
) -> None:
    responder.datagram_received(probe(), CLIENT)
    camera.discoverable = False
    scheduler.run()
    assert transport.sent == []


# --- Hello, Bye, MetadataVersion, AppSequence -----------------------------------------------


def test_hello_bye_order_and_app_sequence(transport: FakeTransport, camera: Switchable) -> None:
    responder = Responder(delay=lambda: 0, schedule=FakeScheduler(), retransmission=ONCE)
    responder.connection_made(transport)  # type: ignore[arg-type]
    responder.add(camera.target)
    camera.scopes.append("onvif://www.onvif.org/location/room/7")
    responder.refresh(camera.target)
    responder.refresh(camera.target)  # nothing changed: no message
    responder.remove(camera.target)  # reboot: away...
    responder.add(camera.target)  # ...and back in the same second
    responder.close()
    sent = transport.messages()
    assert [(m.kind, m.addr) for m in sent] == [("Hello", MULTICAST), ("Hello", MULTICAST), ("Bye", MULTICAST),
                                                ("Hello", MULTICAST), ("Bye", MULTICAST)]
    assert [m.metadata_version for m in sent if m.kind == "Hello"] == [1, 2, 2]
    first_run, second_run = sent[:3], sent[3:]
    assert [m.message_number for m in first_run] == [1, 2, 3]
    assert [m.message_number for m in second_run] == [1, 2]
    assert len({m.instance_id for m in first_run}) == 1
    assert second_run[0].instance_id > first_run[0].instance_id  # a reboot must raise InstanceId
    assert transport.closed and responder.targets == {}


def test_xaddrs_change_bumps_metadata_version(
    responder: Responder, transport: FakeTransport, camera: Switchable
) -> None:
    camera.xaddrs = ["http://192.0.2.99:8000/onvif/device_service"]
    responder.refresh(camera.target)
    [announce] = transport.take()
    assert (announce.kind, announce.metadata_version, announce.xaddrs) == ("Hello", 2, camera.xaddrs)


def test_without_a_transport_nothing_is_sent_and_state_is_kept(camera: Switchable) -> None:
    responder = Responder(delay=lambda: 0, retransmission=ONCE)
    responder.add(camera.target)
    assert camera.target.online and camera.target.announced
    assert responder.counters.hellos == 0


def test_two_devices_cannot_share_an_endpoint(responder: Responder) -> None:
    twin = Switchable(CAMERA_ENDPOINT, CAMERA_SCOPES, CAMERA_XADDRS)
    with pytest.raises(ValueError, match="already uses endpoint"):
        responder.add(twin.target)


# --- many devices, one socket -------------------------------------------------------------


def test_many_devices_answer_one_probe_each_as_itself(transport: FakeTransport) -> None:
    scheduler = FakeScheduler()
    responder = Responder(delay=lambda: 0, schedule=scheduler, retransmission=ONCE)
    responder.connection_made(transport)  # type: ignore[arg-type]
    cameras = [
        Switchable(f"urn:uuid:00000000-0000-4000-8000-{n:012d}", (f"onvif://www.onvif.org/name/cam{n}",),
                   (f"http://192.0.2.{n + 1}:80/onvif/device_service",))
        for n in range(50)
    ]
    for cam in cameras:
        responder.add(cam.target)
    transport.sent.clear()
    responder.datagram_received(probe([NETWORK_VIDEO_TRANSMITTER]), CLIENT)
    scheduler.run()
    replies = transport.take()
    assert len(replies) == 50
    assert len({r.endpoints[0] for r in replies}) == 50
    assert all(len(r.endpoints) == 1 for r in replies)  # one camera per message, as real cameras do
    responder.datagram_received(probe(scopes=["onvif://www.onvif.org/name/cam7"]), CLIENT)
    responder.datagram_received(resolve(cameras[9].target.endpoint), CLIENT)
    scheduler.run()
    assert [(r.kind, r.xaddrs) for r in transport.take()] == [
        ("ProbeMatches", ["http://192.0.2.8:80/onvif/device_service"]),
        ("ResolveMatches", ["http://192.0.2.10:80/onvif/device_service"]),
    ]


# --- floods and hostile datagrams ------------------------------------------------------------


def test_replies_are_rate_limited(transport: FakeTransport, camera: Switchable) -> None:
    clock, scheduler = Clock(), FakeScheduler()
    responder = Responder(delay=lambda: 0, schedule=scheduler, rate=2, burst=3, clock=clock, retransmission=ONCE)
    responder.connection_made(transport)  # type: ignore[arg-type]
    responder.add(camera.target)
    transport.sent.clear()
    for n in range(100):
        responder.datagram_received(probe(message_id=probe_id(100 + n)), CLIENT)
    scheduler.run()
    assert len(transport.take()) == 3
    assert responder.counters.rate_limited == 97
    clock.now += 1.0  # two more tokens
    for n in range(5):
        responder.datagram_received(probe(message_id=probe_id(300 + n)), CLIENT)
    scheduler.run()
    assert len(transport.take()) == 2


def test_hostile_datagrams_are_dropped_and_counted(
    responder: Responder, transport: FakeTransport, scheduler: FakeScheduler
) -> None:
    for _, datagram in HOSTILE:
        responder.datagram_received(datagram, CLIENT)
    responder.datagram_received(b"\0" * 70_000, CLIENT)
    assert scheduler.pending == [] and transport.sent == []
    counters = responder.counters
    assert counters.received == len(HOSTILE) + 1
    assert counters.dropped == len(HOSTILE) + 1
    assert counters.oversized == 1 + sum(len(d) > MAX_DATAGRAM_BYTES for _, d in HOSTILE)
    # Still answering afterwards.
    responder.datagram_received(probe(), CLIENT)
    scheduler.run()
    assert len(transport.take()) == 1


def test_other_devices_announcements_are_not_counted_as_hostile(
    responder: Responder, transport: FakeTransport, scheduler: FakeScheduler
) -> None:
    other = Switchable(OTHER_ENDPOINT, CAMERA_SCOPES, CAMERA_XADDRS)
    responder.datagram_received(hello(other.target.device, AppSequence(1)), ("192.0.2.77", 3702))
    assert responder.counters.not_requests == 1 and responder.counters.dropped == 0
    assert scheduler.pending == [] and transport.sent == []


def test_a_send_error_is_counted_not_raised(responder: Responder, scheduler: FakeScheduler) -> None:
    class Failing(FakeTransport):
        def sendto(self, data: bytes, addr: tuple[object, ...], via: object = None) -> None:
            raise OSError(101, "Network is unreachable")

    responder.connection_made(Failing())  # type: ignore[arg-type]
    responder.datagram_received(probe(), CLIENT)
    scheduler.run()
    responder.error_received(ConnectionRefusedError())
    assert responder.counters.send_errors == 2
    assert responder.counters.probe_matches == 0
