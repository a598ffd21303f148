"""Cameras per process: start-up time, resident memory and idle CPU for 1, 10 and 100 cameras,
and SOAP throughput spread across 100 cameras.

    python benchmarks/fleet_scale.py [--sizes 1 10 100] [--idle 10] [--seconds 10] [--connections 100]

Start-up and memory: each size runs in a child process of its own (so one
size's memory never counts for another), which builds a `Fleet` of default
cameras on 127.0.0.1 and free ports (no discovery), starts it, idles, and
reports: time to build the models, time until every camera answers, resident
memory (VmRSS) after the imports, once started and after idling, the growth
per camera, threads, and the CPU the idle fleet burns.  Then the real command
line, `onvif-device run --cameras 100 --inventory FILE`, is timed from launch
until its inventory is written (interpreter start and imports included).

Throughput: `onvif-device run --cameras 100` on the last CPU, and a load
generator on the first (raw HTTP/1.1 keep-alive over asyncio, `--connections`
spread round-robin over the cameras, each sending its next request when the
previous answer is in).  Cases: GetSystemDateAndTime without auth, and
GetDeviceInformation with a fresh WS-UsernameToken (PasswordDigest) per
request.  The load generator is Python too and may run out of CPU before
the server does, so the server's own CPU use is printed with the rate per
server core it implies (`--throughput-cameras 1` gives the same figures for
one camera, to compare).  Printed: requests per second, server CPU, how
evenly the cameras were served; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from soaputil import envelope, username_token


def rss_mib(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of another process (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- one fleet size, in a child process ----------------------------------------------------------


def child(count: int, idle: float) -> None:
    started = time.perf_counter()
    from onvif_device.cli import _loop_factory
    from onvif_device.config import FleetConfig, fleet_configs
    from onvif_device.embed import make_config
    from onvif_device.fleet import Fleet

    imported = time.perf_counter()
    rss_imported = rss_mib()

    async def run() -> dict:
        t0 = time.perf_counter()
        fleet = Fleet(fleet_configs(make_config(), FleetConfig(count=count)), seed="bench")
        t1 = time.perf_counter()
        await fleet.start()
        t2 = time.perf_counter()
        rss_started = rss_mib()
        cpu0 = cpu_seconds()
        await asyncio.sleep(idle)
        idle_cpu = (cpu_seconds() - cpu0) / idle
        figures = {
            "cameras": count,
            "import_s": imported - started,
            "build_s": t1 - t0,
            "start_s": t2 - t1,
            "rss_imported_mib": rss_imported,
            "rss_started_mib": rss_started,
            "rss_idle_mib": rss_mib(),
            "threads": threading.active_count(),
            "idle_cpu_percent": idle_cpu * 100,
        }
        t3 = time.perf_counter()
        await fleet.stop()
        figures["stop_s"] = time.perf_counter() - t3
        return figures

    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        print(json.dumps(runner.run(run())), flush=True)


def measure_size(count: int, idle: float) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(count), "--idle", str(idle)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the command line ----------------------------------------------------------------------------


def launch(count: int, inventory: Path, cpu: int | None = None) -> subprocess.Popen:
    command = [sys.executable, "-m", "onvif_device", "run", "--cameras", str(count), "--host", "127.0.0.1",
               "--http-port", "0", "--rtsp-port", "0", "--no-discovery", "--inventory", str(inventory),
               "--log-level", "warning"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    if cpu is not None:
        os.sched_setaffinity(process.pid, {cpu})
    return process


def wait_for(inventory: Path, process: subprocess.Popen, seconds: float = 120) -> list[dict]:
    deadline = time.monotonic() + seconds
    while not inventory.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("onvif-device did not start")
        time.sleep(0.01)
    return json.loads(inventory.read_text())


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()


def cli_start(count: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        inventory = Path(folder) / "inventory.json"
        t0 = time.perf_counter()
        process = launch(count, inventory)
        try:
            wait_for(inventory, process)
            elapsed = time.perf_counter() - t0
            return elapsed, rss_mib(process.pid)
        finally:
            stop(process)


# --- SOAP throughput across the fleet ------------------------------------------------------------


def request(path: str, host: str, body: bytes) -> bytes:
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/soap+xml; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def one_connection(entry: dict, make_body, deadline: float, counts: dict[int, int], failures: list) -> None:
    host, port = entry["host"], entry["http_port"]
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            writer.write(request("/onvif/device_service", f"{host}:{port}", make_body(entry)))
            status = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            if b" 200 " not in status:
                failures.append(status)
            counts[entry["number"]] = counts.get(entry["number"], 0) + 1
    finally:
        writer.close()


async def drive(inventory: list[dict], make_body, seconds: float, connections: int) -> tuple[float, dict, list]:
    counts: dict[int, int] = {}
    failures: list = []
    # A short warm-up, then the measured run.
    for duration, keep in ((1.0, False), (seconds, True)):
        counts.clear()
        deadline = time.perf_counter() + duration
        t0 = time.perf_counter()
        await asyncio.gather(*(one_connection(inventory[i % len(inventory)], make_body, deadline, counts, failures)
                               for i in range(connections)))
        elapsed = time.perf_counter() - t0
    return sum(counts.values()) / elapsed, dict(counts), failures


def throughput(count: int, seconds: float, connections: int) -> None:
    from onvif_device.cli import _loop_factory

    cpus = sorted(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as folder:
        inventory_path = Path(folder) / "inventory.json"
        process = launch(count, inventory_path, cpu=cpus[-1])
        try:
            inventory = wait_for(inventory_path, process)
            os.sched_setaffinity(0, {cpus[0]})
            time_body = envelope("<tds:GetSystemDateAndTime/>")
            cases = [
                ("GetSystemDateAndTime, no auth", lambda entry: time_body),
                ("GetDeviceInformation, WS-UsernameToken", lambda entry: envelope(
                    "<tds:GetDeviceInformation/>", username_token(entry["username"], entry["password"]))),
            ]
            for name, make_body in cases:
                cpu0, t0 = process_cpu_seconds(process.pid), time.perf_counter()
                with asyncio.Runner(loop_factory=_loop_factory()) as runner:  # uvloop, as the server
                    rate, counts, failures = runner.run(drive(inventory, make_body, seconds, connections))
                busy = (process_cpu_seconds(process.pid) - cpu0) / (time.perf_counter() - t0)
                served = sorted(counts.get(entry["number"], 0) for entry in inventory)
                print(f"  {name:<40} {rate:6.0f} req/s, server CPU {busy * 100:3.0f} %"
                      f" (= {rate / max(busy, 1e-9):6.0f} req/s per server core);"
                      f" per camera min {served[0]}, median {served[len(served) // 2]}, max {served[-1]};"
                      f" non-200: {len(failures)}", flush=True)
        finally:
            stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--idle", type=float, default=10.0, help="seconds to idle before measuring again")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per throughput case")
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--throughput-cameras", type=int, default=100)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.idle)
        return

    print(f"Fleet start-up and memory ({os.cpu_count()} CPUs, Python {sys.version.split()[0]}):", flush=True)
    print("  cameras  build    start   RSS imported  RSS started  RSS idle  per camera  threads  idle CPU", flush=True)
    base = None
    for count in args.sizes:
        f = measure_size(count, args.idle)
        base = base if base is not None else f
        per_camera = (f["rss_idle_mib"] - f["rss_imported_mib"]) / count
        print(f"  {count:>7}  {f['build_s']:5.2f} s  {f['start_s']:5.2f} s  {f['rss_imported_mib']:8.0f} MiB"
              f"  {f['rss_started_mib']:7.0f} MiB  {f['rss_idle_mib']:4.0f} MiB  {per_camera:6.2f} MiB"
              f"  {f['threads']:>7}  {f['idle_cpu_percent']:5.1f} %", flush=True)
    count = max(args.sizes)
    elapsed, rss = cli_start(count)
    print(f"  onvif-device run --cameras {count}: serving (inventory written) {elapsed:.2f} s after launch,"
          f" RSS {rss:.0f} MiB", flush=True)
    print(f"SOAP throughput across {args.throughput_cameras} cameras (server and client one CPU each):", flush=True)
    throughput(args.throughput_cameras, args.seconds, args.connections)


if __name__ == "__main__":
    main()
