"""WS-Discovery: milliseconds from a Probe to the first and the last ProbeMatch, for 1 and 100 cameras.

    python benchmarks/discovery_probe.py [--trials 30] [--cameras 1 100] [--spec-delay] [--unicast]

N cameras (real `Camera` models behind `camera_target`, as `CameraServer`
builds them, without their HTTP and RTSP servers) share one `Responder` on
the real UDP transport, on an event loop in a thread; this thread sends a
Probe for dn:NetworkVideoTransmitter and times the replies until all N
cameras have answered (the first copy of each; SOAP-over-UDP repeats follow
and are not counted).

By default the script re-runs itself under `unshare --net` (as root, or with
`--map-root-user`) and sends real multicast over a veth pair, as a client
would; `--unicast`, or a host where no namespace can be made, sends the
Probe straight to 127.0.0.1 instead (a unicast Probe is answered at once).

The spec's random reply delay (up to APP_MAX_DELAY, 500 ms, for a multicast
Probe) is zeroed unless `--spec-delay`: with it the figures are that delay's
maximum over N draws.  The token bucket is opened wide so the trials are not
rate-limited.  Printed: median, p90 and best; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lxml import etree

from onvif_device.camera import Camera
from onvif_device.discovery import NETWORK_VIDEO_TRANSMITTER, new_message_id, probe
from onvif_device.discovery.responder import MULTICAST_GROUP, Responder, random_delay
from onvif_device.discovery.target import HttpListener, camera_target
from onvif_device.discovery.udp import open_responder
from onvif_device.embed import make_config

CAMERA_ADDRESS, CLIENT_ADDRESS = "10.203.0.1", "10.203.0.2"
NAMESPACE_SETUP = [
    "ip link set lo up",
    "ip link add wsd0 type veth peer name wsd1",
    f"ip addr add {CAMERA_ADDRESS}/24 dev wsd0",
    f"ip addr add {CLIENT_ADDRESS}/24 dev wsd1",
    "ip link set wsd0 up",
    "ip link set wsd1 up",
    "ip route add 224.0.0.0/4 dev wsd0",
    # The client's address is local too: let wsd0 accept packets from it.
    "sysctl -qw net.ipv4.conf.wsd0.accept_local=1",
    "sysctl -qw net.ipv4.conf.all.rp_filter=0",
    "sysctl -qw net.ipv4.conf.wsd0.rp_filter=0",
]


class Fleet:
    """N cameras answering on one responder, on an event loop in a daemon thread."""

    def __init__(self, count: int, host: str, port: int, spec_delay: bool) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.responder = Responder(delay=random_delay if spec_delay else (lambda: 0.0), rate=1e6, burst=1e6)
        listener = HttpListener(host, 80)
        cameras = [Camera(make_config(), seed=f"bench-{n}") for n in range(count)]
        self.targets = [camera_target(camera, listener.xaddrs) for camera in cameras]
        asyncio.run_coroutine_threadsafe(self._start(host, port), self.loop).result()

    async def _start(self, host: str, port: int) -> None:
        await open_responder(self.responder, host, port=port, rescan_seconds=0)
        for target in self.targets:
            self.responder.add(target)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.responder.close)
        time.sleep(0.05)
        self.loop.call_soon_threadsafe(self.loop.stop)


def one_probe(client: socket.socket, to: tuple[str, int], expected: int, timeout: float = 5.0) -> tuple[float, float]:
    """Seconds to the first and to the last distinct ProbeMatches for one Probe."""
    message_id = new_message_id()
    datagram = probe([NETWORK_VIDEO_TRANSMITTER], message_id=message_id)
    seen: set[str] = set()
    first = last = 0.0
    start = time.perf_counter()
    client.sendto(datagram, to)
    deadline = start + timeout
    while len(seen) < expected and time.perf_counter() < deadline:
        try:
            data = client.recv(65536)
        except TimeoutError:
            continue
        now = time.perf_counter() - start
        root = etree.fromstring(data)
        if root.findtext("{*}Header/{*}RelatesTo") != message_id:
            continue  # a repeat of an earlier trial's reply
        reply_id = root.findtext("{*}Header/{*}MessageID")
        if reply_id not in seen:
            seen.add(reply_id)
            first = first or now
            last = now
    if len(seen) < expected:
        raise RuntimeError(f"only {len(seen)} of {expected} cameras answered within {timeout} s")
    return first, last


def measure(count: int, trials: int, *, multicast: bool, spec_delay: bool) -> tuple[list[float], list[float]]:
    host = CAMERA_ADDRESS if multicast else "127.0.0.1"
    port = 3702 if multicast else free_udp_port()
    fleet = Fleet(count, host, port, spec_delay)
    time.sleep(2.0)  # the Hellos and their repeats come back over the multicast loop; let them pass
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
    client.bind((CLIENT_ADDRESS if multicast else host, 0))
    if multicast:
        # Out through the far end of the veth pair, so the Probe arrives on the camera's link.
        client.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(CLIENT_ADDRESS))
        client.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    client.settimeout(0.05)
    to = (MULTICAST_GROUP, port) if multicast else (host, port)
    firsts, lasts = [], []
    try:
        one_probe(client, to, count)  # warm-up: caches, first lxml documents
        for _ in range(trials):
            time.sleep(0.8)  # the repeats of the last replies (SOAP-over-UDP, up to 0.75 s) go by first
            first, last = one_probe(client, to, count)
            firsts.append(first * 1000)
            lasts.append(last * 1000)
    finally:
        client.close()
        fleet.close()
    return firsts, lasts


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return f"{statistics.median(ordered):8.2f} {p90:8.2f} {ordered[0]:8.2f}"


def in_namespace(argv: list[str]) -> int | None:
    """Run this script again in a fresh network namespace; None when none can be made."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return None
    for prefix in (["unshare", "--net"], ["unshare", "--net", "--map-root-user"]):
        probe_run = subprocess.run([*prefix, "true"], capture_output=True, check=False)
        if probe_run.returncode == 0:
            script = "; ".join(NAMESPACE_SETUP) + f'; exec {sys.executable} "$@"'
            return subprocess.call([*prefix, "sh", "-c", script, "sh", __file__, "--in-namespace", *argv])
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--cameras", type=int, nargs="+", default=[1, 100])
    parser.add_argument("--spec-delay", action="store_true", help="keep the random reply delay of up to 500 ms")
    parser.add_argument("--unicast", action="store_true", help="Probe 127.0.0.1 directly; no namespace")
    parser.add_argument("--in-namespace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    multicast = not args.unicast
    if multicast and not args.in_namespace:
        code = in_namespace(sys.argv[1:])
        if code is not None:
            return code
        print("no network namespace could be made: unicast on loopback instead", flush=True)
        multicast = False
    how = "multicast over a veth pair in a network namespace" if multicast else "unicast to 127.0.0.1"
    delay = "the spec's random reply delay" if args.spec_delay and multicast else "no reply delay"
    print(f"Probe -> ProbeMatches, {how}, {delay}, {args.trials} trials (ms)", flush=True)
    print(f"{'cameras':>7} | {'first: median':>13} {'p90':>8} {'best':>8} | {'last: median':>12} {'p90':>8} {'best':>8}")
    for count in args.cameras:
        firsts, lasts = measure(count, args.trials, multicast=multicast, spec_delay=args.spec_delay)
        print(f"{count:>7} | {summary(firsts):>31} | {summary(lasts):>30}", flush=True)
    os._exit(0)  # daemon loop threads


if __name__ == "__main__":
    sys.exit(main())
