"""Discovery scenarios that send real multicast: run only inside a fresh network namespace.

`test_wsd_netns.py` starts `python wsd_netns_scenarios.py NAME` under
`unshare --net`; this file refuses to run anywhere else (a namespace that
already has an interface besides lo is not ours), builds a link, runs the
scenario and exits 0, or prints the failed assertion and exits 1.

The link: a veth pair, wsd0 (10.203.0.1/24) and its peer wsd1, with the
multicast and default routes on wsd0 as ONVIF Core recommends; where veth
is unavailable, 10.203.0.1 on lo with multicast turned on.  The WSDiscovery
client ignores loopback addresses, so the camera must not be on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ADDRESS = "10.203.0.1"
NVT = ("http://www.onvif.org/ver10/network/wsdl", "NetworkVideoTransmitter")
DEVICE = ("http://www.onvif.org/ver10/device/wsdl", "Device")
SEARCH_SECONDS = 1.5  # the camera answers within 0.5 s; the client repeats its Probe

SETUP_VETH = [
    "ip link set lo up",
    "ip link add wsd0 type veth peer name wsd1",
    f"ip addr add {ADDRESS}/24 dev wsd0",
    "ip link set wsd1 up",
    "ip link set wsd0 up",
    "ip route add 224.0.0.0/4 dev wsd0",
    "ip route replace default dev wsd0",
]
SETUP_LO = [
    "ip link set lo up",
    "ip link set lo multicast on",
    f"ip addr add {ADDRESS}/24 dev lo",
    "ip route add 224.0.0.0/4 dev lo",
    "ip route replace default dev lo",
]


def set_up_network() -> str:
    names = [name for _, name in socket.if_nameindex()]
    if names != ["lo"]:
        sys.exit(f"refusing to send multicast: interfaces {names} mean this is not a fresh network namespace")
    for setup in (SETUP_VETH, SETUP_LO):
        try:
            for command in setup:
                subprocess.run(command.split(), check=True, capture_output=True)
            return setup[1]
        except subprocess.CalledProcessError:
            continue
    sys.exit("could not configure a link in the namespace")


# --- helpers ------------------------------------------------------------------------------------


def client():
    from wsdiscovery.discovery import ThreadedWSDiscovery

    wsd = ThreadedWSDiscovery()
    wsd.start()
    return wsd


def search(wsd, types=(), scopes=(), seconds: float = SEARCH_SECONDS) -> list:
    from wsdiscovery import QName, Scope

    wsd.clearRemoteServices()  # forget Hellos: only ProbeMatches count
    return wsd.searchServices(
        types=[QName(*t) for t in types] or None,
        scopes=[Scope(s) for s in scopes] or None,
        timeout=seconds,
    )


def camera(**server):
    from onvif_device.embed import ThreadedCamera

    return ThreadedCamera(host="0.0.0.0", discovery=True, reboot_seconds=0.3, **server)


def counters(cam):
    return cam.server.discovery.counters


def wait_for(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# --- scenarios ----------------------------------------------------------------------------------


def scenario_search() -> None:
    """Each Types variant finds the camera, with its XAddrs and scopes; scope filters match and exclude."""
    with camera() as cam:
        wsd = client()
        try:
            endpoint = cam.camera.identity.endpoint_reference
            assert cam.device_url == f"http://{ADDRESS}:{cam.port}/onvif/device_service", cam.device_url
            for types in ([NVT], [DEVICE], [NVT, DEVICE], []):
                before = counters(cam).probe_matches
                found = search(wsd, types=types)
                assert [s.getEPR() for s in found] == [endpoint], (types, found)
                assert found[0].getXAddrs() == [cam.device_url], found[0].getXAddrs()
                assert scope_values(found[0]) == cam.camera.scopes.all(), (scope_values(found[0]), cam.camera.scopes.all())
                assert counters(cam).probe_matches == before + 1, "one answer per probe despite repeats"
            location = "onvif://www.onvif.org/location"
            assert len(search(wsd, types=[NVT], scopes=[location])) == 1
            before = counters(cam).probe_matches
            assert search(wsd, types=[NVT], scopes=["onvif://www.onvif.org/location/elsewhere"]) == []
            assert counters(cam).probe_matches == before, "the camera itself must not answer"
            assert counters(cam).duplicates > 0
        finally:
            wsd.stop()


def scenario_hello_bye() -> None:
    """Hello on start, Bye and Hello across a SystemReboot, Bye on shutdown."""
    events: list[tuple[str, str]] = []
    wsd = client()
    try:
        wsd.setRemoteServiceHelloCallback(lambda service: events.append(("hello", service.getEPR())))
        wsd.setRemoteServiceByeCallback(lambda epr: events.append(("bye", epr)))
        time.sleep(0.3)
        with camera() as cam:
            endpoint = cam.camera.identity.endpoint_reference
            wait_for(lambda: ("hello", endpoint) in events)
            loop_call(cam, cam.camera.system_reboot)  # what SystemReboot over SOAP calls
            wait_for(lambda: events.count(("hello", endpoint)) >= 2)
            assert ("bye", endpoint) in events
        wait_for(lambda: events.count(("bye", endpoint)) >= 2)
        assert [e for e in events if e[1] == endpoint] == [
            ("hello", endpoint), ("bye", endpoint), ("hello", endpoint), ("bye", endpoint)
        ], events
    finally:
        wsd.stop()


def scenario_non_discoverable() -> None:
    """NonDiscoverable: Bye, no answer to multicast or unicast Probe nor to Resolve; Hello when back."""
    from onvif_device.discovery import probe, resolve

    events: list[str] = []
    with camera() as cam:
        wsd = client()
        try:
            wsd.setRemoteServiceByeCallback(lambda epr: events.append("bye"))
            wsd.setRemoteServiceHelloCallback(lambda service: events.append("hello"))
            assert len(search(wsd, types=[NVT])) == 1
            loop_call(cam, lambda: cam.camera.network.set_discovery_mode(False))
            wait_for(lambda: "bye" in events)
            before = counters(cam).probes
            assert search(wsd, types=[NVT]) == []
            assert counters(cam).probes > before, "the probe did arrive"
            endpoint = cam.camera.identity.endpoint_reference
            assert exchange(resolve(endpoint), (ADDRESS, 3702), multicast=False) == []
            assert exchange(probe(), (ADDRESS, 3702), multicast=False) == []
            assert counters(cam).probe_matches == 1 and counters(cam).resolve_matches == 0
            loop_call(cam, lambda: cam.camera.network.set_discovery_mode(True))
            wait_for(lambda: "hello" in events)
            assert len(search(wsd, types=[NVT])) == 1
        finally:
            wsd.stop()


def scenario_resolve_and_unicast() -> None:
    """Resolve (multicast) and a Probe sent straight to the camera's address, read by WSDiscovery's parser."""
    from wsdiscovery.message import parseSOAPMessage

    from onvif_device.discovery import probe, resolve

    with camera() as cam:
        endpoint = cam.camera.identity.endpoint_reference
        [reply] = exchange(resolve(endpoint), ("239.255.255.250", 3702), multicast=True)
        envelope = parseSOAPMessage(reply, ADDRESS)
        [match] = envelope.getProbeResolveMatches()
        assert (match.getEPR(), match.getXAddrs()) == (endpoint, [cam.device_url])
        [reply] = exchange(probe(), (ADDRESS, 3702), multicast=False)
        [match] = parseSOAPMessage(reply, ADDRESS).getProbeResolveMatches()
        assert match.getEPR() == endpoint
        assert exchange(resolve("urn:uuid:00000000-0000-4000-8000-000000000000"), (ADDRESS, 3702),
                        multicast=False) == []


def scenario_hostile() -> None:
    """A burst of hostile multicast is dropped and counted; the camera keeps answering."""
    sys.path.insert(0, str(Path(__file__).parent))
    from test_wsd_hostile import HOSTILE

    with camera() as cam:
        sender = multicast_socket()
        sent = 0
        for _, datagram in HOSTILE:
            if len(datagram) <= 65_000:  # what fits in one UDP datagram
                sender.sendto(datagram, ("239.255.255.250", 3702))
                sent += 1
                time.sleep(0.01)  # a kernel socket buffer holds only so much; a flood may lose some
        wait_for(lambda: counters(cam).dropped >= sent)
        assert counters(cam).dropped == counters(cam).received - counters(cam).not_requests == sent, counters(cam)
        wsd = client()
        try:
            assert len(search(wsd, types=[NVT])) == 1
        finally:
            wsd.stop()


def scenario_fifty_cameras() -> None:
    """50 cameras in one process share one socket and answer one Probe as 50 distinct devices."""
    wsd = client()
    try:
        found = asyncio.run(_fifty(wsd))
        assert len(found) == 50, len(found)
        assert len({s.getEPR() for s in found}) == 50
        assert len({tuple(s.getXAddrs()) for s in found}) == 50
    finally:
        wsd.stop()


async def _fifty(wsd) -> list:
    from onvif_device.camera import Camera
    from onvif_device.discovery.responder import Responder
    from onvif_device.discovery.udp import open_responder
    from onvif_device.embed import make_config
    from onvif_device.server import CameraServer

    shared = Responder()
    await open_responder(shared, ADDRESS)
    servers = [CameraServer(Camera(make_config(host=ADDRESS), seed=f"fleet-{n}"), discovery=shared)
               for n in range(50)]
    for server in servers:
        await server.start()
    try:
        # One event loop runs 50 cameras (and their streaming engines): give the replies,
        # each delayed at random as the spec asks, twice the usual window to arrive.
        return await asyncio.to_thread(search, wsd, [NVT], (), 2 * SEARCH_SECONDS)
    finally:
        for server in servers:
            await server.stop()
        shared.close()


def scenario_cli() -> None:
    """`onvif-device run` answers WS-Discovery by default and says Bye on SIGTERM; --no-discovery is silent."""
    byes: list[str] = []
    wsd = client()
    try:
        wsd.setRemoteServiceByeCallback(byes.append)
        process = subprocess.Popen([sys.executable, "-m", "onvif_device", "run", "--http-port", "0"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            banner = "".join(process.stdout.readline() for _ in range(5))
            assert f"device service: http://{ADDRESS}:" in banner, banner
            found = search(wsd, types=[DEVICE])
            assert len(found) == 1 and found[0].getXAddrs()[0].startswith(f"http://{ADDRESS}:"), found
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
        finally:
            if process.poll() is None:
                process.kill()
        wait_for(lambda: byes == [found[0].getEPR()])
        process = subprocess.Popen([sys.executable, "-m", "onvif_device", "run", "--http-port", "0",
                                    "--no-discovery"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            "".join(process.stdout.readline() for _ in range(5))
            assert search(wsd, types=[DEVICE]) == []
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
    finally:
        wsd.stop()


# --- plumbing -----------------------------------------------------------------------------------


def loop_call(cam, fn) -> None:
    """Run `fn` on the camera's event loop (ThreadedCamera runs it in its own thread)."""
    loop = cam.server._task.get_loop()
    done = threading.Event()
    loop.call_soon_threadsafe(lambda: (fn(), done.set()))
    assert done.wait(10)


def multicast_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ADDRESS))
    return sock


def exchange(datagram: bytes, to: tuple[str, int], *, multicast: bool, wait: float = 1.0) -> list[bytes]:
    """Send one datagram from a fresh port; every reply that arrives within `wait` seconds."""
    sock = multicast_socket() if multicast else socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((ADDRESS, 0))
    sock.sendto(datagram, to)
    sock.settimeout(0.1)
    replies, deadline = [], time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            replies.append(sock.recvfrom(65536)[0])
        except TimeoutError:
            continue
    sock.close()
    return replies


def scope_values(service) -> list[str]:
    """The scopes as sent: the client stores them with %20 decoded."""
    return [scope.getQuotedValue() for scope in service.getScopes()]


def main(name: str) -> None:
    link = set_up_network()
    print(f"namespace link: {link}", flush=True)
    globals()[f"scenario_{name}"]()
    print(f"scenario {name}: ok", flush=True)
    os._exit(0)  # the WSDiscovery client leaves daemon threads behind


if __name__ == "__main__":
    main(sys.argv[1])
