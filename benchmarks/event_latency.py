"""Event delivery: publish -> PullMessages return and publish -> Notify arrival latency, and events/s
through many pull points.

    python benchmarks/event_latency.py [--trials 200] [--pull-points 100] [--burst 5000]

The camera runs in a child process (uvloop, as `onvif-device run` uses it,
pinned to the first CPU; scheduled motion and processor usage reports off);
this process, on the second CPU, is the client.  The child publishes
tns1:Media/ProfileChanged messages when told to on its stdin and answers with
the CLOCK_MONOTONIC time of each publish, a clock both processes share, so a
latency is the client's monotonic time at arrival minus the camera's at publish.

  pull       one pull point (topic filter on ProfileChanged); a PullMessages
             with Timeout PT60S is waiting when the event is published; the
             figure ends when the response has been read by httpx.
  notify     one wsnt:Subscribe push subscription to a small h11 consumer in
             this process; the figure ends when the Notify's body has arrived.
  fan-out    `--pull-points` pull points, each long-polled by its own task
             (MessageLimit 1000); `--burst` events are published at once, and
             the figure is events/s (and notifications/s, events x pull
             points) from the first publish to the last message read.

Printed: median, p99 and best latency in ms; events/s.  Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import h11
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from soaputil import envelope, username_token

SERVER_CPU, CLIENT_CPU = 0, 1
TOPIC = "tns1:Media/ProfileChanged"
DECLARE = (
    'xmlns:tev="http://www.onvif.org/ver10/events/wsdl" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" '
    'xmlns:wsa="http://www.w3.org/2005/08/addressing"'
)
FILTER = (
    '<wsnt:TopicExpression Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet" '
    f'xmlns:tns1="http://www.onvif.org/ver10/topics">{TOPIC}</wsnt:TopicExpression>'
)
TOKEN = re.compile(rb'Name="Token" Value="([^"]+)"')
ADDRESS = re.compile(r"<wsa:Address>([^<]+)</wsa:Address>")


def pin(cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and cpu < (os.cpu_count() or 1):
        os.sched_setaffinity(0, {cpu})


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# --- the camera child ----------------------------------------------------------------------------


async def serve(pull_points: int, burst: int) -> None:
    from onvif_device.config import Config
    from onvif_device.embed import VirtualCamera

    config = Config.model_validate(
        {
            "events": {
                "motion_every_seconds": 0,
                "processor_usage_seconds": 0,
                "max_pull_points": pull_points + 10,
                "queue_messages": max(1000, burst),
            }
        }
    )
    async with VirtualCamera(config) as cam:
        print(json.dumps({"url": cam.device_url, "username": cam.username, "password": cam.password}), flush=True)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := (await reader.readline()).decode().split():
            command, tag, count = line[0], line[1], int(line[2])
            if command == "publish":
                stamps = []
                for n in range(count):
                    stamps.append(time.monotonic())
                    cam.camera.events.publish(TOPIC, source={"Token": f"{tag}-{n}"})
                print(json.dumps(stamps), flush=True)
            elif command == "waiting":  # how many PullMessages wait on the camera now
                print(json.dumps(sum(p.pulling for p in cam.server.delivery.pull_points)), flush=True)


class Camera:
    def __init__(self, pull_points: int, burst: int) -> None:
        command = [sys.executable, __file__, "--serve", "--pull-points", str(pull_points), "--burst", str(burst)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        info = json.loads(self.process.stdout.readline())
        self.device_url, self.username, self.password = info["url"], info["username"], info["password"]
        self.events_url = self.device_url.replace("device_service", "events_service")

    async def ask(self, command: str, tag: str = "-", count: int = 0):
        def exchange():
            self.process.stdin.write(f"{command} {tag} {count}\n")
            return json.loads(self.process.stdout.readline())

        return await asyncio.to_thread(exchange)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the camera process so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


# --- the client ----------------------------------------------------------------------------------


class Soap:
    def __init__(self, camera: Camera, http: httpx.AsyncClient) -> None:
        self.camera, self.http = camera, http

    async def post(self, url: str, body: str) -> bytes:
        data = envelope(body, username_token(self.camera.username, self.camera.password))
        response = await self.http.post(url, content=data, headers={"Content-Type": "application/soap+xml"})
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.text[:500]}")
        return response.content

    async def pull_point(self) -> str:
        body = f"<tev:CreatePullPointSubscription {DECLARE}><tev:Filter>{FILTER}</tev:Filter></tev:CreatePullPointSubscription>"
        return ADDRESS.search((await self.post(self.camera.events_url, body)).decode()).group(1)

    async def pull(self, address: str, limit: int = 100) -> bytes:
        body = (
            f"<tev:PullMessages {DECLARE}><tev:Timeout>PT60S</tev:Timeout>"
            f"<tev:MessageLimit>{limit}</tev:MessageLimit></tev:PullMessages>"
        )
        return await self.post(address, body)


async def pull_latency(camera: Camera, soap: Soap, trials: int) -> list[float]:
    address = await soap.pull_point()
    latencies = []
    for trial in range(trials):
        pending = asyncio.create_task(soap.pull(address))
        while await camera.ask("waiting") < 1:
            await asyncio.sleep(0.001)
        [published] = await camera.ask("publish", f"pull{trial}", 1)
        body = await pending
        latencies.append((time.monotonic() - published) * 1000)
        assert f"pull{trial}-0".encode() in body
    return latencies


class Consumer:
    """A minimal HTTP/1.1 server (h11, keep-alive) noting when each Notify arrives."""

    def __init__(self) -> None:
        self.arrivals: dict[bytes, float] = {}
        self.arrived = asyncio.Event()

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/notify"

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._serve(reader, writer)
        except (asyncio.CancelledError, ConnectionError):
            pass  # the camera closed the connection, or the benchmark is over
        finally:
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        http, body = h11.Connection(h11.SERVER), b""
        while True:
            event = http.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                if not data:
                    break
                http.receive_data(data)
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                now = time.monotonic()
                for token in TOKEN.findall(body):
                    self.arrivals[token] = now
                self.arrived.set()
                writer.write(http.send(h11.Response(status_code=200, headers=[("content-length", "0")])))
                writer.write(http.send(h11.EndOfMessage()))
                await writer.drain()
                http.start_next_cycle()
                body = b""
            elif isinstance(event, h11.ConnectionClosed):
                break


async def notify_latency(camera: Camera, soap: Soap, trials: int) -> list[float]:
    consumer = Consumer()
    url = await consumer.start()
    body = (
        f"<wsnt:Subscribe {DECLARE}><wsnt:ConsumerReference><wsa:Address>{url}</wsa:Address></wsnt:ConsumerReference>"
        f"<wsnt:Filter>{FILTER}</wsnt:Filter><wsnt:InitialTerminationTime>PT10M</wsnt:InitialTerminationTime></wsnt:Subscribe>"
    )
    await soap.post(camera.events_url, body)
    latencies = []
    for trial in range(trials):
        token = f"notify{trial}-0".encode()
        [published] = await camera.ask("publish", f"notify{trial}", 1)
        while token not in consumer.arrivals:
            consumer.arrived.clear()
            await consumer.arrived.wait()
        latencies.append((consumer.arrivals[token] - published) * 1000)
    consumer.server.close()
    return latencies


async def fan_out(camera: Camera, soap: Soap, pull_points: int, burst: int) -> tuple[float, float, float]:
    addresses = await asyncio.gather(*(soap.pull_point() for _ in range(pull_points)))
    last = f"fan-{burst - 1}".encode()
    finished: list[float] = []

    async def consume(address: str) -> None:
        got = 0
        while True:
            body = await soap.pull(address, 1000)
            got += body.count(b"<wsnt:NotificationMessage")
            if last in body:
                finished.append(time.monotonic())
                assert got == burst, f"{address} got {got} of {burst}"
                return

    consumers = [asyncio.create_task(consume(a)) for a in addresses]
    while await camera.ask("waiting") < pull_points:
        await asyncio.sleep(0.01)
    cpu = camera.cpu_seconds()
    stamps = await camera.ask("publish", "fan", burst)
    await asyncio.gather(*consumers)
    wall = max(finished) - stamps[0]
    return burst / wall, burst * pull_points / wall, (camera.cpu_seconds() - cpu) / wall


async def run(args: argparse.Namespace) -> None:
    pin(CLIENT_CPU)
    camera = Camera(args.pull_points, args.burst)
    limits = httpx.Limits(max_connections=args.pull_points + 10, max_keepalive_connections=args.pull_points + 10)
    try:
        async with httpx.AsyncClient(timeout=120, limits=limits) as http:
            soap = Soap(camera, http)
            print(f"camera at {camera.device_url}")
            for name, measure in (("publish -> PullMessages return", pull_latency), ("publish -> Notify arrival", notify_latency)):
                await measure(camera, soap, 5)  # warm-up: connections, first responses
                latencies = await measure(camera, soap, args.trials)
                print(
                    f"  {name}: median {statistics.median(latencies):.2f} ms, p99 {percentile(latencies, 0.99):.2f} ms, "
                    f"best {min(latencies):.2f} ms ({args.trials} events)"
                )
            events, notifications, busy = await fan_out(camera, soap, args.pull_points, args.burst)
            print(
                f"  fan-out: {args.burst} events to {args.pull_points} pull points: {events:,.0f} events/s, "
                f"{notifications:,.0f} notifications/s (camera CPU {busy:.0%} busy)"
            )
    finally:
        camera.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200, help="events per latency figure (default 200)")
    parser.add_argument("--pull-points", type=int, default=100, help="pull points in the fan-out (default 100)")
    parser.add_argument("--burst", type=int, default=5000, help="events in the fan-out burst (default 5000)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        pin(SERVER_CPU)
        try:
            import uvloop

            runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
        except ImportError:
            runner = asyncio.Runner()
        with runner:
            runner.run(serve(args.pull_points, args.burst))
        return
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
