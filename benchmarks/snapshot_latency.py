"""Snapshot latency: milliseconds per GET /snapshot/<token>.jpg with HTTP Digest, and snapshots/s.

    python benchmarks/snapshot_latency.py [--requests 50] [--clients 1]

Starts a camera in this process (onvif_device.embed.ThreadedCamera: its own
event loop in a thread, loopback, a free port) and fetches Profile_1
(1920x1080) and Profile_2 (640x360) `--requests` times each with httpx and
Digest auth, `--clients` at a time.  The first snapshot of a size builds the
test card (up to half a second) and is reported apart, not in the figures.
One keep-alive connection per client reuses its nonce, as real clients do, so
only the first request of each pays for the 401 round trip.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from onvif_device.camera.media import uris  # noqa: E402
from onvif_device.embed import ThreadedCamera  # noqa: E402

PROFILES = ("Profile_1", "Profile_2")


def timed_get(client: httpx.Client, url: str) -> float:
    began = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - began
    if response.status_code != 200 or response.headers.get("content-type") != "image/jpeg":
        raise SystemExit(f"GET {url} answered {response.status_code}: {response.text[:200]}")
    return elapsed * 1000


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50, help="snapshots per profile (default 50)")
    parser.add_argument("--clients", type=int, default=1, help="clients fetching at once (default 1)")
    args = parser.parse_args()

    with ThreadedCamera() as cam:
        base = cam.device_url.removesuffix("/onvif/device_service")
        clients = [httpx.Client(auth=httpx.DigestAuth(cam.username, cam.password), timeout=30) for _ in range(args.clients)]
        try:
            print(f"camera at {base}, {args.requests} snapshots per profile, {args.clients} client(s)")
            for token in PROFILES:
                url = base + uris.snapshot_path(token)
                encoder = cam.camera.media.in_profile("VideoEncoder", cam.camera.media.profile(token))
                first = timed_get(clients[0], url)
                for client in clients[1:]:
                    timed_get(client, url)  # each client's own 401 round trip, outside the figures

                per_client = [args.requests // args.clients + (i < args.requests % args.clients) for i in range(args.clients)]
                began = time.perf_counter()
                with ThreadPoolExecutor(args.clients) as pool:
                    runs = pool.map(lambda job: [timed_get(job[0], url) for _ in range(job[1])], zip(clients, per_client))
                    latencies = [ms for run in runs for ms in run]
                wall = time.perf_counter() - began
                print(
                    f"  {token} {encoder.width}x{encoder.height} {encoder.encoding}: first {first:.0f} ms (builds the card); "
                    f"median {statistics.median(latencies):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms, "
                    f"{len(latencies) / wall:.1f} snapshots/s"
                )
        finally:
            for client in clients:
                client.close()


if __name__ == "__main__":
    main()
