"""Discovery scenarios that send real multicast: run only inside a fresh network namespace.

`test_wsd_netns.py` starts `python wsd_netns_scenarios.py NAME` under
`unshare --net`; this file refuses to run anywhere else (a namespace that
already has an interface besides lo is not ours), builds a link, runs the
scenario and exits 0, or prints the failed assertion and exits 1.

The link: a veth pair, wsd0 (10.203.0.1/24) and its peer wsd1, with the
multicast and default routes on wsd0 as ONVIF Core recommends; where veth
is unavailable, 10.203.0.1 on lo with multicast turned on.  The WSDiscovery
client ignores loopback addresses, so the camera must not be on 127.0.0.1.

The scenarios in OWN_LINKS build their links instead: every client host is a
`netns.Peer`, a namespace of its own on the far end of a veth pair, so it
sees only its own network (two networks, IPv6 only...).  Their clients run
as `python wsd_netns_scenarios.py client MODE ARGS...` inside the peer
(through nsenter) and print what they found as JSON.
"""

from __future__ import annotations

import asyncio
import json
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
    # No duplicate address detection: IPv6 addresses are usable at once, not "tentative" for a second.
    "sysctl -qw net.ipv6.conf.default.accept_dad=0",
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


def check_fresh_namespace() -> None:
    names = [name for _, name in socket.if_nameindex()]
    if names != ["lo"]:
        sys.exit(f"refusing to send multicast: interfaces {names} mean this is not a fresh network namespace")


def set_up_network() -> str:
    check_fresh_namespace()
    for setup in (SETUP_VETH, SETUP_LO):
        try:
            for command in setup:
                subprocess.run(command.split(), check=True, capture_output=True)
            return next(c for c in setup if c.startswith(("ip link add", "ip addr add")))
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

    return ThreadedCamera(**{"host": "0.0.0.0", "discovery": True, "reboot_seconds": 0.3, **server})


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
            wait_for(lambda: ("bye", endpoint) in events)
            wait_for(lambda: ("hello", endpoint) in events[events.index(("bye", endpoint)):])
        last_hello = max(n for n, e in enumerate(events) if e == ("hello", endpoint))
        wait_for(lambda: ("bye", endpoint) in events[last_hello:])
        # The client listens on IPv4 and IPv6 apart, and hears each announcement over both.
        ours = [e for e in events if e[1] == endpoint]
        assert [e for n, e in enumerate(ours) if n == 0 or ours[n - 1] != e] == [
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
        # each delayed at random as the spec asks, twice the usual window to arrive.  UDP may
        # lose a datagram on a busy machine; a client probes again then, and so does this test.
        found: dict[str, object] = {}
        for _ in range(3):
            for service in await asyncio.to_thread(search, wsd, [NVT], (), 2 * SEARCH_SECONDS):
                found[service.getEPR()] = service
            if len(found) >= 50:
                break
        return list(found.values())
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
        wait_for(lambda: set(byes) == {found[0].getEPR()})  # once over IPv4, once over IPv6
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


# --- several links, IPv6: client hosts in namespaces of their own ---------------------------------
#
# These scenarios build their own links (OWN_LINKS): each client host is a `netns.Peer`, a
# namespace on the far end of a veth pair, that sees only its own network.  The clients run
# as `python wsd_netns_scenarios.py client MODE ...` inside it and print JSON.

NET1, NET2 = "10.203.0", "10.204.0"
V6_CAMERA, V6_CLIENT = "fd00:203::1", "fd00:203::2"
OWN_LINKS = {"two_links", "ipv6", "unsupported_rule", "repeats", "mdns"}
PATH = "/onvif/device_service"


def peer(near: tuple[str, list[str]], far: tuple[str, list[str]]):
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from netns import Peer

    return Peer(near, far)


def in_peer(host, mode: str, *args: str):
    return json.loads(host.run([sys.executable, __file__, "client", mode, *args]))


def scenario_two_links() -> None:
    """Bound to 0.0.0.0, the camera answers on both networks, each with its own address, reachable there."""
    with peer(("wsd0", [f"{NET1}.1/24"]), ("wsd1", [f"{NET1}.2/24"])) as one, \
            peer(("wsd2", [f"{NET2}.1/24"]), ("wsd3", [f"{NET2}.2/24"])) as two:
        subprocess.run(["ip", "route", "replace", "default", "dev", "wsd0"], check=True)  # NET1 is primary
        with camera() as cam:
            joined = cam.server.discovery.transport.interfaces
            assert joined[socket.AF_INET] == ["wsd0", "wsd2"], joined
            assert cam.device_url.startswith(f"http://{NET1}.1:"), cam.device_url
            for host, net in ((one, NET1), (two, NET2)):
                [found] = in_peer(host, "search")
                assert found["epr"] == cam.camera.identity.endpoint_reference
                assert found["xaddrs"] == [f"http://{net}.1:{cam.port}{PATH}"], (net, found)
                assert found["http"] == 200, found  # reachable from that network, with nothing else
            # A unicast Probe to the second network's address: that network's XAddr too.
            [reply] = in_peer(two, "probe", f"{NET2}.2", f"{NET2}.1")
            assert reply["kind"] == "ProbeMatches" and reply["xaddrs"] == [f"http://{NET2}.1:{cam.port}{PATH}"]


def scenario_unsupported_rule() -> None:
    """An unknown MatchBy: a unicast Probe gets d:MatchingRuleNotSupported, a multicast one silence."""
    rule = "http://example.com/discovery/regex"
    with peer(("wsd0", [f"{NET1}.1/24"]), ("wsd1", [f"{NET1}.2/24"])) as host, camera() as cam:
        [fault] = in_peer(host, "probe", f"{NET1}.2", f"{NET1}.1", rule)
        assert fault["kind"] == "Fault" and fault["subcode"] == "d:MatchingRuleNotSupported", fault
        assert fault["relates_to"] == fault["probe_id"]
        from onvif_device.discovery import SUPPORTED_MATCH_RULES

        assert fault["detail"] == list(SUPPORTED_MATCH_RULES), fault
        assert in_peer(host, "probe", f"{NET1}.2", "239.255.255.250", rule) == []
        assert counters(cam).unsupported_rule == 2 and counters(cam).faults == 1


def scenario_repeats() -> None:
    """SOAP-over-UDP: every reply and announcement is sent again, as the same bytes."""
    from onvif_device.discovery.retransmit import (
        MULTICAST_UDP_REPEAT,
        UNICAST_UDP_REPEAT,
    )

    with peer(("wsd0", [f"{NET1}.1/24"]), ("wsd1", [f"{NET1}.2/24"])) as host, camera() as cam:
        [reply] = in_peer(host, "probe", f"{NET1}.2", f"{NET1}.1")
        assert reply["kind"] == "ProbeMatches" and reply["copies"] == 1 + UNICAST_UDP_REPEAT, reply
        listener = host.start([sys.executable, __file__, "client", "listen", f"{NET1}.2", "3"])
        assert listener.stdout.readline().strip() == "listening"
        loop_call(cam, lambda: cam.camera.scopes.add_scopes(["onvif://www.onvif.org/location/room/9"]))
        heard = json.loads(listener.communicate(timeout=30)[0])
    # The client side listens on IPv4 only: one Hello, repeated.
    assert [(m["kind"], m["copies"]) for m in heard] == [("Hello", 1 + MULTICAST_UDP_REPEAT)], heard


def scenario_ipv6() -> None:
    """FF02::C: a client with IPv6 only finds the camera, with an XAddr it can reach over IPv6."""
    with peer(("wsd0", [f"{NET1}.1/24", f"{V6_CAMERA}/64"]), ("wsd1", [f"{V6_CLIENT}/64"])) as host:
        with camera(host="::") as cam:  # dual-stack HTTP
            joined = cam.server.discovery.transport.interfaces
            assert joined[socket.AF_INET6] == ["wsd0"], joined
            [found] = in_peer(host, "search")
            assert found["xaddrs"] == [f"http://[{V6_CAMERA}]:{cam.port}{PATH}", f"http://{NET1}.1:{cam.port}{PATH}"]
            assert found["http"] == 200, found  # GetSystemDateAndTime over IPv6
            [reply] = in_peer(host, "probe", V6_CLIENT, V6_CAMERA)
            assert reply["kind"] == "ProbeMatches" and reply["xaddrs"][0] == f"http://[{V6_CAMERA}]:{cam.port}{PATH}"
        with camera() as cam:  # HTTP on IPv4 only: an IPv6 Probe learns the link's IPv4 address
            [found] = in_peer(host, "search")
            assert found["xaddrs"] == [f"http://{NET1}.1:{cam.port}{PATH}"], found


def scenario_mdns() -> None:
    """--mdns: zeroconf's browser on another host finds _onvif._tcp and one _rtsp._tcp per stream."""
    with peer(("wsd0", [f"{NET1}.1/24"]), ("wsd1", [f"{NET1}.2/24"])) as host, \
            camera(mdns=True, discovery=False) as cam:
        found = in_peer(host, "mdns")
        [device] = found["_onvif._tcp.local."]
        assert (device["port"], device["addresses"]) == (cam.port, [f"{NET1}.1"]), device
        assert device["properties"]["path"] == PATH
        assert device["properties"]["epr"] == cam.camera.identity.endpoint_reference
        url = f"http://{device['addresses'][0]}:{device['port']}{device['properties']['path']}"
        assert get_system_date_and_time(url) == 200
        video = [p.token for p in cam.camera.media.state.profiles if p.video_encoder]
        streams = found["_rtsp._tcp.local."]
        assert sorted(s["properties"]["profile"] for s in streams) == sorted(video), streams
        assert {(s["port"], s["properties"]["path"]) for s in streams} == {
            (cam.rtsp_port, f"/stream/{token}") for token in video}
        assert cam.server._mdns is not None and len(cam.server._mdns.names) == 1 + len(video)


# --- the client side, run inside a Peer ------------------------------------------------------------


def client_main(mode: str, args: list[str]) -> None:
    modes = {"search": client_search, "probe": client_probe, "listen": client_listen, "mdns": client_mdns}
    result = modes[mode](*args)
    print(json.dumps(result), flush=True)
    os._exit(0)


def client_search() -> list[dict]:
    """WSDiscovery's search for dn:NetworkVideoTransmitter; each device's XAddrs, and what its first one answers."""
    wsd = client()
    try:
        found = search(wsd, types=[NVT])
    finally:
        wsd.stop()
    return [{"epr": s.getEPR(), "xaddrs": s.getXAddrs(), "http": get_system_date_and_time(s.getXAddrs()[0])}
            for s in found]


def client_probe(source: str, destination: str, match_by: str = "") -> list[dict]:
    """A Probe (scoped, with `match_by` when given) from `source` to `destination`; the replies, read."""
    from lxml import etree

    from onvif_device.discovery import new_message_id, probe

    family = socket.AF_INET6 if ":" in source else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((source, 0))
    if family == socket.AF_INET:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(source))
    probe_id = new_message_id()
    scopes = ["onvif://www.onvif.org/type"] if match_by else []
    sock.sendto(probe(scopes=scopes, match_by=match_by or None, message_id=probe_id), (destination, 3702))
    sock.settimeout(0.1)
    copies: dict[str, list[bytes]] = {}
    deadline = time.monotonic() + 2.0  # the reply window and every repeat
    while time.monotonic() < deadline:
        try:
            data = sock.recvfrom(65536)[0]
        except TimeoutError:
            continue
        copies.setdefault(message_id(data), []).append(data)
    replies = []
    for datagram, *repeats in copies.values():
        root = etree.fromstring(datagram)
        assert all(r == datagram for r in repeats), "a repeat must be the same message"
        replies.append({
            "kind": etree.QName(root.find("{*}Body")[0]).localname,
            "probe_id": probe_id,
            "relates_to": root.findtext("{*}Header/{*}RelatesTo"),
            "xaddrs": (root.findtext(".//{*}XAddrs") or "").split(),
            "subcode": root.findtext(".//{*}Subcode/{*}Value"),
            "detail": (root.findtext(".//{*}SupportedMatchingRules") or "").split(),
            "copies": 1 + len(repeats),
        })
    return replies


def client_mdns(seconds: str = "3") -> dict[str, list[dict]]:
    """zeroconf's ServiceBrowser on both camera service types; each instance resolved."""
    from zeroconf import ServiceBrowser, ServiceListener, Zeroconf

    names: dict[str, set[str]] = {"_onvif._tcp.local.": set(), "_rtsp._tcp.local.": set()}

    class Listener(ServiceListener):
        def add_service(self, zc, type_, name):
            names[type_].add(name)

        def update_service(self, zc, type_, name):
            names[type_].add(name)

        def remove_service(self, zc, type_, name):
            names[type_].discard(name)

    zc = Zeroconf()
    browsers = [ServiceBrowser(zc, kind, Listener()) for kind in names]
    time.sleep(float(seconds))
    found: dict[str, list[dict]] = {}
    for kind, instances in names.items():
        found[kind] = []
        for name in sorted(instances):
            info = zc.get_service_info(kind, name, timeout=3000)
            assert info is not None, f"{name} did not resolve"
            found[kind].append({
                "name": name, "port": info.port, "addresses": info.parsed_addresses(),
                "properties": {k.decode(): (v or b"").decode() for k, v in info.properties.items()},
            })
    for browser in browsers:
        browser.cancel()
    zc.close()
    return found


def client_listen(address: str, seconds: str) -> list[dict]:
    """Every WS-Discovery multicast heard on the link of `address` for `seconds`, by message."""
    from lxml import etree

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("", 3702))
    group = socket.inet_aton("239.255.255.250") + socket.inet_aton(address)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, group)
    sock.settimeout(0.1)
    print("listening", flush=True)
    copies: dict[str, list[bytes]] = {}
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        try:
            data = sock.recvfrom(65536)[0]
        except TimeoutError:
            continue
        copies.setdefault(message_id(data), []).append(data)
    return [{"kind": etree.QName(etree.fromstring(first).find("{*}Body")[0]).localname,
             "copies": 1 + len(repeats), "same": all(r == first for r in repeats)}
            for first, *repeats in copies.values()]


def get_system_date_and_time(url: str) -> int | str:
    import urllib.request

    body = ('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
            '<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>')
    request = urllib.request.Request(url, body.encode(), {"Content-Type": "application/soap+xml"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status if b"GetSystemDateAndTimeResponse" in response.read() else "no response element"
    except OSError as exc:
        return f"unreachable: {exc}"


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


def exchange(datagram: bytes, to: tuple[str, int], *, multicast: bool, wait: float = 1.0,
             copies: list[bytes] | None = None) -> list[bytes]:
    """Send one datagram from a fresh port; the distinct replies (by MessageID) within `wait` seconds.

    Every copy that arrived, repeats included, goes into `copies` when given.
    """
    sock = multicast_socket() if multicast else socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((ADDRESS, 0))
    sock.sendto(datagram, to)
    sock.settimeout(0.1)
    received, deadline = [], time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            received.append(sock.recvfrom(65536)[0])
        except TimeoutError:
            continue
    sock.close()
    if copies is not None:
        copies.extend(received)
    return list({message_id(reply): reply for reply in reversed(received)}.values())[::-1]


def message_id(datagram: bytes) -> str:
    from lxml import etree

    return etree.fromstring(datagram).findtext("{*}Header/{*}MessageID")


def scope_values(service) -> list[str]:
    """The scopes as sent: the client stores them with %20 decoded."""
    return [scope.getQuotedValue() for scope in service.getScopes()]


def main(name: str) -> None:
    if name in OWN_LINKS:
        check_fresh_namespace()
        for command in ("ip link set lo up", "sysctl -qw net.ipv6.conf.default.accept_dad=0"):
            subprocess.run(command.split(), check=True, capture_output=True)
        print("namespace links: built by the scenario", flush=True)
    else:
        link = set_up_network()
        print(f"namespace link: {link}", flush=True)
    globals()[f"scenario_{name}"]()
    print(f"scenario {name}: ok", flush=True)
    os._exit(0)  # the WSDiscovery client leaves daemon threads behind


if __name__ == "__main__":
    if sys.argv[1] == "client":
        client_main(sys.argv[2], sys.argv[3:])
    else:
        main(sys.argv[1])
