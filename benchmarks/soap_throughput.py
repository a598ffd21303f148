"""SOAP requests per second on one server worker, measured with wrk.

    python benchmarks/soap_throughput.py [--seconds 10] [--connections 50]

Starts `onvif-device run` (one process, one event loop) on a free port and
drives it with wrk from one thread, the server pinned to the last CPU and wrk
to the first (taskset), so each has a core.  Each case runs `--repeat` times
and prints the median and the best, because a shared VM's figures wander.
Cases:
  GetSystemDateAndTime, no auth            keep-alive / Connection: close
  GetDeviceInformation, WS-UsernameToken   keep-alive / Connection: close
  Media GetProfiles, WS-UsernameToken      keep-alive (three full profiles, ~5 kB: what NVRs poll)
The authenticated runs send a fresh nonce in every request (the replay cache
is on, so a repeated token would be refused): the bodies are made in advance
and wrk walks through them.  Needs `wrk` (Debian package wrk).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from soaputil import envelope, username_token

LUA = """
local bodies = {}
local next_index = 1
local thread_count = 0

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  local path = args[1] .. "." .. id
  for line in io.lines(path) do bodies[#bodies + 1] = line end
end

function request()
  local body = bodies[next_index]
  next_index = next_index + 1
  if next_index > #bodies then next_index = 1 end
  return wrk.format("POST", nil, {["Content-Type"] = "application/soap+xml; charset=utf-8"}, body)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(cpu: int) -> list[str]:
    return ["taskset", "-c", str(cpu)] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []


def start_server(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [*pinned((os.cpu_count() or 1) - 1), sys.executable, "-m", "onvif_device", "run", "--host", "127.0.0.1", "--http-port", str(port),
         "--no-discovery", "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"server did not start: {process.stderr.read().decode()}")


def write_bodies(directory: Path, name: str, bodies: list[bytes], threads: int) -> Path:
    base = directory / name
    for t in range(threads):
        with open(f"{base}.{t}", "wb") as f:
            f.writelines(body.replace(b"\n", b"") + b"\n" for body in bodies[t::threads])
    return base


def fresh_tokens(count: int, body: str) -> list[bytes]:
    now = datetime.now(UTC)
    return [envelope(body, username_token("admin", "admin", nonce=os.urandom(16), created=now)) for _ in range(count)]


def run_wrk(url: str, bodies: Path, seconds: int, connections: int, close: bool, script: Path) -> dict:
    headers = ["-H", "Connection: close"] if close else []
    command = [*pinned(0), "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", *headers, "-s", str(script), url,
               "--", str(bodies)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    latency = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", output)
    return {
        "rps": rps,
        "requests": total,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "none",
        "latency_avg": latency.group(1) if latency else "?",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    port = free_port()
    base = f"http://127.0.0.1:{port}/onvif"
    server = start_server(port)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            script = directory / "bodies.lua"
            script.write_text(LUA)
            plain = write_bodies(directory, "plain", [envelope("<tds:GetSystemDateAndTime/>")], 1)
            print(f"onvif-device SOAP throughput: one worker, wrk -t1 -c{options.connections}, "
                  f"{options.seconds}s per run, {os.cpu_count()} CPUs")
            print(f"{'operation':<46} {'median':>8} {'best':>8} {'non-2xx':>8} {'avg lat':>8}  socket errors")
            cases = (
                ("GetSystemDateAndTime (no auth)", "device_service", None, (False, True)),
                ("GetDeviceInformation (UsernameToken)", "device_service", "<tds:GetDeviceInformation/>", (False, True)),
                ("Media GetProfiles (UsernameToken)", "media_service", "<trt:GetProfiles/>", (False,)),
            )
            for label, service, body, modes in cases:
                for close in modes:
                    results = []
                    for attempt in range(options.repeat):
                        bodies = plain
                        if body is not None:
                            # Made per run, more than it can use at 15,000 req/s: no token is sent twice.
                            tokens = fresh_tokens(15_000 * options.seconds, body)
                            bodies = write_bodies(directory, f"wsse{service}{close}{attempt}", tokens, 1)
                        url = f"{base}/{service}"
                        results.append(run_wrk(url, bodies, options.seconds, options.connections, close, script))
                    results.sort(key=lambda r: r["rps"])
                    median, best = results[len(results) // 2], results[-1]
                    name = f"{label}, {'close' if close else 'keep-alive'}"
                    non_2xx = sum(r["non_2xx"] for r in results)
                    print(f"{name:<46} {median['rps']:>8.0f} {best['rps']:>8.0f} {non_2xx:>8} "
                          f"{median['latency_avg']:>8}  {median['socket_errors']}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
