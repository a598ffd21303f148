"""SOAP-over-UDP repeats and the unicast-only fault, with a recording transport: no sockets."""

from __future__ import annotations

import pytest
from conftest import CAMERA_ENDPOINT, CAMERA_SCOPES, CAMERA_XADDRS
from wsd_fakes import CLIENT, MULTICAST, FakeScheduler, FakeTransport, Switchable

from onvif_device.discovery import SUPPORTED_MATCH_RULES, probe, resolve
from onvif_device.discovery.responder import Arrival, Responder
from onvif_device.discovery.retransmit import (
    MULTICAST_UDP_REPEAT,
    UDP_UPPER_DELAY,
    UNICAST_UDP_REPEAT,
    Retransmission,
)

UNICAST = Arrival(multicast=False)


def responder_for(camera: Switchable, **options) -> tuple[Responder, FakeTransport, FakeScheduler]:
    transport, scheduler = FakeTransport(), FakeScheduler()
    responder = Responder(delay=lambda: 0.125, schedule=scheduler, **options)
    responder.connection_made(transport)  # type: ignore[arg-type]
    responder.add(camera.target)
    return responder, transport, scheduler


def run_all(scheduler: FakeScheduler) -> list[float]:
    """Run the scheduler until nothing is pending (repeats schedule the next repeat)."""
    delays = []
    while scheduler.pending:
        delays += scheduler.run()
    return delays


@pytest.fixture
def camera() -> Switchable:
    return Switchable(CAMERA_ENDPOINT, CAMERA_SCOPES, CAMERA_XADDRS)


# --- the schedule ----------------------------------------------------------------------------


def test_intervals_start_in_the_window_double_and_stop_at_the_upper_delay() -> None:
    schedule = Retransmission()
    assert list(schedule.intervals(multicast=True, uniform=lambda low, high: high)) == [0.25, 0.5, 0.5, 0.5]
    assert list(schedule.intervals(multicast=False, uniform=lambda low, high: low)) == [0.05, 0.1]
    for _ in range(200):
        intervals = list(schedule.intervals(multicast=True))
        assert len(intervals) == MULTICAST_UDP_REPEAT
        assert 0.05 <= intervals[0] <= 0.25 and all(i <= UDP_UPPER_DELAY for i in intervals)
    assert list(Retransmission.none().intervals(multicast=True)) == []
    assert list(Retransmission.immediate().intervals(multicast=False)) == [0.0] * UNICAST_UDP_REPEAT


@pytest.mark.parametrize("bad", [{"unicast_repeat": -1}, {"min_delay": 0.3, "max_delay": 0.2}])
def test_a_schedule_that_makes_no_sense_is_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        Retransmission(**bad)


# --- repeats on the wire ------------------------------------------------------------------------


def test_hello_is_repeated_as_the_same_bytes(camera: Switchable) -> None:
    _, transport, scheduler = responder_for(camera)
    delays = run_all(scheduler)
    assert len({data for data, _ in transport.sent}) == 1
    hellos = transport.take()
    assert [m.kind for m in hellos] == ["Hello"] * (1 + MULTICAST_UDP_REPEAT)
    assert {(m.message_id, m.message_number, m.addr) for m in hellos} == {(hellos[0].message_id, 1, MULTICAST)}
    assert delays[1:] == [min(delays[0] * 2 ** n, UDP_UPPER_DELAY) for n in range(1, MULTICAST_UDP_REPEAT)]


def test_a_probe_match_is_repeated_unicast(camera: Switchable) -> None:
    responder, transport, scheduler = responder_for(camera)
    run_all(scheduler)
    transport.take()
    responder.datagram_received(probe(), CLIENT)
    run_all(scheduler)
    replies = transport.take()
    assert [(m.kind, m.addr) for m in replies] == [("ProbeMatches", CLIENT)] * (1 + UNICAST_UDP_REPEAT)
    assert len({m.message_id for m in replies}) == 1
    assert responder.counters.probe_matches == 1 and responder.counters.repeats == 4 + 2


def test_a_unicast_probe_is_answered_at_once(camera: Switchable) -> None:
    responder, transport, scheduler = responder_for(camera, retransmission=Retransmission.none())
    transport.take()
    responder.datagram_received(resolve(CAMERA_ENDPOINT), CLIENT, UNICAST)
    assert [m.kind for m in transport.take()] == ["ResolveMatches"]  # no reply window for unicast
    assert scheduler.pending == []


def test_a_reboot_hello_cancels_the_repeats_of_its_bye(camera: Switchable) -> None:
    responder, transport, scheduler = responder_for(camera)
    run_all(scheduler)
    responder.remove(camera.target)  # Bye, repeats pending...
    responder.add(camera.target)  # ...and back before they all went out
    run_all(scheduler)
    kinds = [m.kind for m in transport.take()][1 + MULTICAST_UDP_REPEAT:]
    assert kinds == ["Bye", "Hello"] + ["Hello"] * MULTICAST_UDP_REPEAT  # no Bye copy after the Hello


def test_a_bye_cancels_pending_replies(camera: Switchable) -> None:
    responder, transport, scheduler = responder_for(camera)
    run_all(scheduler)
    transport.take()
    responder.datagram_received(probe(), CLIENT)
    scheduler.run()  # the first ProbeMatches goes out
    responder.remove(camera.target)
    run_all(scheduler)
    kinds = [m.kind for m in transport.take()]
    assert kinds == ["ProbeMatches", "Bye"] + ["Bye"] * MULTICAST_UDP_REPEAT


def test_close_sends_what_is_still_owed_at_once(camera: Switchable) -> None:
    responder, transport, scheduler = responder_for(camera)
    run_all(scheduler)
    transport.take()
    responder.close()
    assert [m.kind for m in transport.take()] == ["Bye"] * (1 + MULTICAST_UDP_REPEAT)
    run_all(scheduler)  # the timers that were pending send nothing more
    assert transport.sent == [] and transport.closed


# --- MatchingRuleNotSupported ---------------------------------------------------------------------


def test_a_unicast_probe_with_an_unknown_rule_gets_the_fault(camera: Switchable) -> None:
    responder, transport, _ = responder_for(camera, retransmission=Retransmission.none())
    transport.take()
    datagram = probe(scopes=["onvif://www.onvif.org/name"], match_by="http://example.com/regex",
                     message_id="urn:uuid:00000000-0000-4000-8000-00000000000f")
    responder.datagram_received(datagram, CLIENT, UNICAST)
    [fault] = transport.take()
    assert (fault.kind, fault.addr) == ("Fault", CLIENT)
    assert fault.relates_to == "urn:uuid:00000000-0000-4000-8000-00000000000f"
    assert fault.detail == list(SUPPORTED_MATCH_RULES)
    assert responder.counters.faults == 1 and responder.counters.unsupported_rule == 1


def test_many_devices_send_one_fault(camera: Switchable) -> None:
    responder, transport, _ = responder_for(camera, retransmission=Retransmission.none())
    other = Switchable("urn:uuid:11111111-2222-4333-8444-555555555555", CAMERA_SCOPES, CAMERA_XADDRS)
    responder.add(other.target)
    transport.take()
    responder.datagram_received(probe(match_by="urn:x:fuzzy"), CLIENT, UNICAST)
    assert [m.kind for m in transport.take()] == ["Fault"]


def test_a_non_discoverable_device_sends_no_fault(camera: Switchable) -> None:
    responder, transport, _ = responder_for(camera, retransmission=Retransmission.none())
    camera.discoverable = False
    responder.refresh(camera.target)
    transport.take()
    responder.datagram_received(probe(match_by="urn:x:fuzzy"), CLIENT, UNICAST)
    assert transport.sent == []
