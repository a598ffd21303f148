"""RTSP fan-out: what N viewers of one live stream cost the camera, and what they get.

    python benchmarks/rtsp_fanout.py [--clients 1 10 100 300 1000] [--seconds 10] [--stampede]

For each N the camera runs in a fresh child process of its own (the embedded
`VirtualCamera` on uvloop, as the CLI runs it), pinned to the first CPU, so
its CPU time can be read from /proc alone; this process is pinned to the
second and drives N RTSP-over-TCP viewers from one event loop: DESCRIBE,
SETUP `<url>/video` with `RTP/AVP/TCP;unicast;interleaved=0-1`, PLAY, then
each only walks the `$`-framing of what it reads, counting channel-0 RTP
packets and frames (RTP marker bit), so one process can keep up with a
thousand. The stream is Profile_1 of a 1280x720 25 fps source, H.264 at a
constant 2048 kbit/s (x264 pads nothing: the test card comes out at about
1.2 Mbit/s); audio and metadata as the defaults have them, the viewers SETUP
video only.

By default one viewer starts the stream and the other N-1 then join at once;
`--stampede` has all N connect at once to the idle camera instead (an NVR
reconnecting all its channels). Once every viewer plays, `--settle` seconds
pass, then a `--seconds` window is measured: the camera's CPU (utime+stime of
all its threads, as % of one core; also split into the event-loop thread,
which answers RTSP and fans out, and the rest: render + encode + packetize),
its RSS, the frames/s each viewer got (min, median), viewers that stalled
(more than 1 s without a complete frame), the time it took to get all N
playing, SYNs the kernel dropped meanwhile (accept queue full), and from
inside the camera: video encoders opened, frames skipped for slow viewers,
frames the source dropped (its thread late) and the event loop's worst lag.
The idle camera is measured first, so the encoding cost (1 viewer minus idle)
can be told apart from the fan-out cost (N viewers minus 1). `--py-spy DIR`
records the camera during each window. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Self

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER_CPU, CLIENT_CPU = 0, 1
CLK_TCK = os.sysconf("SC_CLK_TCK")
BUFFER_SIZE = 256 * 1024
STALL_SECONDS = 1.0


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def pin(cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and cpu < (os.cpu_count() or 1):
        os.sched_setaffinity(0, {cpu})


def new_loop_factory(name: str):
    if name == "uvloop":
        try:
            import uvloop
        except ImportError:
            return None
        return uvloop.new_event_loop
    return None


# --- the camera, in a child process ---------------------------------------------------------


def serve(args: argparse.Namespace) -> None:
    """The child: a camera on loopback; prints its stream URLs, then answers commands on stdin."""
    pin(args.cpu)
    raise_fd_limit()
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with asyncio.Runner(loop_factory=new_loop_factory(args.loop)) as runner:
        runner.run(_serve(args))


class LagMonitor:
    """How late the event loop wakes a sleeper: how long callbacks wait behind the fan-out."""

    INTERVAL = 0.02

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.worst = 0.0
        self.total = 0.0
        self.count = 0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            began = loop.time()
            await asyncio.sleep(self.INTERVAL)
            lag = loop.time() - began - self.INTERVAL
            self.worst = max(self.worst, lag)
            self.total += lag
            self.count += 1


async def _serve(args: argparse.Namespace) -> None:
    from onvif_device.config import Config
    from onvif_device.embed import VirtualCamera
    from onvif_device.streaming.media import video_encoder
    from onvif_device.streaming.session import HIGH_WATER

    opened = _count_encoders(video_encoder.VideoEncoder)
    data = Config().model_dump()
    data["auth"]["enabled"] = False
    data["server"]["rtsp_max_sessions"] = args.max_sessions
    data["media"]["video_sources"] = [{"width": args.width, "height": args.height, "framerate": args.fps}]
    data["media"]["audio"] = not args.no_audio
    async with VirtualCamera(Config.model_validate(data), rtsp_port=0, http_port=0) as cam:
        media = cam.camera.media
        cfg = media.configuration("VideoEncoder", "VideoEncoder_1")
        media.set_configuration("VideoEncoder", cfg.model_copy(update={"bitrate": args.bitrate, "constant_bitrate": True}))
        await asyncio.sleep(0.05)  # the engine hears of the change on the loop
        engine = cam.server.streaming
        monitor = LagMonitor()
        loop = asyncio.get_running_loop()
        monitor_task = loop.create_task(monitor.run())
        profiles = {}
        for token in ("Profile_1", "Profile_2"):
            enc = media.in_profile("VideoEncoder", media.profile(token))
            profiles[token] = {
                "url": cam.stream_url(token),
                "encoder": f"{enc.encoding} {enc.width}x{enc.height} {enc.frame_rate:g} fps {enc.bitrate} kbit/s"
                + (" CBR" if enc.constant_bitrate else ""),
            }
        commands: asyncio.Queue[str] = asyncio.Queue()

        def read_stdin() -> None:
            for line in sys.stdin:
                loop.call_soon_threadsafe(commands.put_nowait, line.strip())
            loop.call_soon_threadsafe(commands.put_nowait, "quit")

        threading.Thread(target=read_stdin, daemon=True).start()
        print(json.dumps({"host": cam.host, "port": cam.rtsp_port, "profiles": profiles}), flush=True)
        while (command := await commands.get()) != "quit":
            if command == "reset":
                monitor.reset()
                reply: dict = {}
            elif command == "stats":
                reply = _engine_stats(engine, monitor, HIGH_WATER) | {"encoders_opened": opened[0]}
            else:
                reply = {"error": f"unknown command {command!r}"}
            print(json.dumps(reply), flush=True)
        monitor_task.cancel()


def _count_encoders(cls) -> list[int]:
    """Instrumentation (the benchmark's, in the child only): how many video encoders get opened."""
    opened = [0]
    init = cls.__init__

    def counting(self, *args, **kwargs) -> None:
        opened[0] += 1
        init(self, *args, **kwargs)

    cls.__init__ = counting
    return opened


def _engine_stats(engine, monitor: LagMonitor, high_water: int) -> dict:
    sessions = list(engine.sessions.values())
    buffered = [conn.link.buffered() for conn in engine.connections if hasattr(conn.link, "buffered")]
    streams = {}
    for token, stream in engine.streams.items():
        source = stream.source
        streams[token] = {
            "viewers": len(stream.viewers),
            "gop_frames": len(stream.gop),
            "gop_bytes": sum(f.size for f in stream.gop),
            "video_frames": source.stats.video_frames if source else 0,
            "dropped": source.stats.dropped_frames if source else 0,
            "errors": source.stats.errors[-3:] if source else [],
        }
    return {
        "sessions": len(sessions),
        "connections": len(engine.connections),
        "sent": sum(s.sent_frames for s in sessions),
        "skipped": sum(s.skipped_frames for s in sessions),
        "max_buffered": max(buffered, default=0),
        "congested": sum(b > high_water for b in buffered),
        "streams": streams,
        "time": time.monotonic(),
        "lag_worst_ms": monitor.worst * 1000,
        "lag_mean_ms": monitor.total / monitor.count * 1000 if monitor.count else 0.0,
    }


class CameraProcess:
    """The camera child, its stdin/stdout command channel, and its CPU time and memory from /proc."""

    def __init__(self, *, width: int = 1280, height: int = 720, fps: float = 25, bitrate: int = 2048,
                 max_sessions: int = 2000, loop: str = "uvloop", cpu: int = SERVER_CPU, audio: bool = True) -> None:
        self.log = tempfile.NamedTemporaryFile("w+", prefix="rtsp-bench-camera-", suffix=".log", delete=False)  # noqa: SIM115
        command = [
            sys.executable, str(Path(__file__).resolve()), "--serve",
            "--width", str(width), "--height", str(height), "--fps", str(fps), "--bitrate", str(bitrate),
            "--max-sessions", str(max_sessions), "--loop", loop, "--cpu", str(cpu),
        ]  # fmt: skip
        if not audio:
            command.append("--no-audio")
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, cwd=ROOT, text=True, bufsize=1
        )
        self.pid = self.process.pid
        self._lock = threading.Lock()
        line = self._readline(60)
        info = json.loads(line)
        self.host: str = info["host"]
        self.port: int = info["port"]
        self.profiles: dict[str, dict] = info["profiles"]

    def _readline(self, timeout: float) -> str:
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not result or not result[0]:
            self.stop()
            raise SystemExit(f"the camera process did not answer; its log:\n{self.log_text()[-3000:]}")
        return result[0]

    def command(self, name: str) -> dict:
        with self._lock:
            self.process.stdin.write(name + "\n")
            self.process.stdin.flush()
            return json.loads(self._readline(30))

    async def acommand(self, name: str) -> dict:
        return await asyncio.get_running_loop().run_in_executor(None, self.command, name)

    def url(self, token: str = "Profile_1") -> str:
        return self.profiles[token]["url"]

    # --- /proc ----------------------------------------------------------------------------

    def cpu_seconds(self) -> tuple[float, float]:
        """(all threads, the main thread = the event loop), user + system."""
        return _stat_seconds(f"/proc/{self.pid}/stat"), _stat_seconds(f"/proc/{self.pid}/task/{self.pid}/stat")

    def memory_mb(self) -> tuple[float, float]:
        """(RSS, peak RSS) in MiB."""
        fields = {}
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    fields[key] = int(value.split()[0]) / 1024
        return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)

    def threads(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/task"))

    # --- the end --------------------------------------------------------------------------

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.write("quit\n")
                self.process.stdin.flush()
                self.process.wait(15)
            except (OSError, subprocess.TimeoutExpired):
                self.process.terminate()
                try:
                    self.process.wait(5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()

    def log_text(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def discard_log(self) -> None:
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _stat_seconds(path: str) -> float:
    with open(path) as f:
        rest = f.read().rpartition(")")[2].split()
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


# --- the viewers ----------------------------------------------------------------------------


class RtspClient(asyncio.BufferedProtocol):
    """RTSP requests in order over one connection; the interleaved data is the subclass's business."""

    def __init__(self) -> None:
        self.buffer = bytearray(BUFFER_SIZE)
        self.view = memoryview(self.buffer)
        self.fill = 0  # bytes kept at the buffer's start (an unfinished header or reply)
        self.skip = 0  # bytes of an interleaved packet still to come, not needed
        self.received = 0
        self.transport: asyncio.Transport | None = None
        self.cseq = 0
        self.waiting: collections.deque[asyncio.Future] = collections.deque()
        self.lost = False
        self.lost_at: float | None = None
        self.reply_at = 0.0  # perf_counter when the last reply was read

    # --- requests -------------------------------------------------------------------------

    def request(self, method: str, url: str, *headers: tuple[str, str]) -> asyncio.Future:
        self.cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self.cseq}", "User-Agent: rtsp-bench", *(f"{k}: {v}" for k, v in headers)]
        future = asyncio.get_running_loop().create_future()
        if self.lost:
            future.set_exception(ConnectionError("connection closed"))
            return future
        self.waiting.append(future)
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        return future

    async def call(self, method: str, url: str, *headers: tuple[str, str]) -> dict[str, str]:
        status, reply = await self.request(method, url, *headers)
        if status != 200:
            raise RuntimeError(f"{method} answered {status}: {reply.get('', '')}")
        return reply

    async def open_stream(self, url: str) -> None:
        """DESCRIBE, SETUP the video track interleaved on channels 0-1, PLAY."""
        await self.call("DESCRIBE", url, ("Accept", "application/sdp"))
        reply = await self.call("SETUP", url + "/video", ("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1"))
        self.session = reply["session"].split(";")[0].strip()
        await self.play(url)

    async def play(self, url: str) -> dict[str, str]:
        return await self.call("PLAY", url, ("Session", self.session), ("Range", "npt=0.000-"))

    def _text(self, start: int, end: int) -> int:
        """An RTSP reply at `start`: hand it to its request; returns where it ends, or -1 if incomplete."""
        buf = self.buffer
        head_end = buf.find(b"\r\n\r\n", start, end)
        if head_end < 0:
            return -1
        lines = bytes(buf[start:head_end]).decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        stop = head_end + 4 + length
        if stop > end:
            return -1
        headers[""] = bytes(buf[head_end + 4 : stop]).decode("latin-1").strip()
        self.reply_at = time.perf_counter()
        parts = lines[0].split(" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        if self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_result((status, headers))
        return stop

    # --- asyncio --------------------------------------------------------------------------

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self.transport = transport

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.view[self.fill :]

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.lost_at = time.monotonic()
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(ConnectionError(f"connection closed: {exc}"))

    def _keep(self, i: int, end: int) -> None:
        """After parsing up to `i` of `end` bytes: remember what is missing or keep the unfinished part."""
        if i >= end:
            self.skip = i - end
            self.fill = 0
        else:
            rest = end - i
            if i:
                self.buffer[:rest] = self.buffer[i:end]
            self.fill = rest
            self.skip = 0
            if rest >= BUFFER_SIZE:
                raise RuntimeError("a reply larger than the buffer")


class CountingClient(RtspClient):
    """Counts channel-0 RTP packets and frames (marker bit), reading only the 6 bytes it needs per packet."""

    def __init__(self) -> None:
        super().__init__()
        self.packets = 0
        self.frames = 0
        self.last_frame_at = time.monotonic()
        self.worst_gap = 0.0

    def start_window(self, now: float) -> None:
        self.last_frame_at = now
        self.worst_gap = 0.0

    def buffer_updated(self, nbytes: int) -> None:
        self.received += nbytes
        buf = self.buffer
        end = self.fill + nbytes
        i = self.skip
        frames = self.frames
        packets = self.packets
        while i + 6 <= end:
            if buf[i] != 36:  # not '$': an RTSP reply
                stop = self._text(i, end)
                if stop < 0:
                    break
                i = stop
                continue
            if buf[i + 1] == 0:
                packets += 1
                if buf[i + 5] & 0x80:
                    frames += 1
            i += 4 + (buf[i + 2] << 8 | buf[i + 3])
        self.packets = packets
        if frames != self.frames:
            self.frames = frames
            now = time.monotonic()
            gap = now - self.last_frame_at
            self.worst_gap = max(self.worst_gap, gap)
            self.last_frame_at = now
        self._keep(i, end)


async def start_viewers(host: str, port: int, url: str, count: int, timeout: float) -> tuple[list[CountingClient], list[str], float]:
    loop = asyncio.get_running_loop()

    async def one() -> CountingClient:
        _, client = await loop.create_connection(CountingClient, host, port)
        try:
            await client.open_stream(url)
        except BaseException:
            client.transport.abort()
            raise
        return client

    async def bounded() -> CountingClient:
        return await asyncio.wait_for(one(), timeout)

    began = time.monotonic()
    results = await asyncio.gather(*(bounded() for _ in range(count)), return_exceptions=True)
    elapsed = time.monotonic() - began
    clients = [r for r in results if isinstance(r, CountingClient)]
    errors = [f"{type(r).__name__}: {r}" for r in results if not isinstance(r, CountingClient)]
    return clients, errors, elapsed


def _py_spy() -> str:
    beside = Path(sys.executable).parent / "py-spy"  # pip installs it into the venv
    return str(beside) if beside.exists() else (shutil.which("py-spy") or "py-spy")


def listen_drops() -> int:
    """SYNs the kernel dropped because a listening socket's accept queue was full (all sockets)."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return 0
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:]))
            return int(table.get("ListenDrops", 0))
    return 0


def client_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- one run --------------------------------------------------------------------------------


async def measure_idle(camera: CameraProcess, seconds: float) -> dict:
    cpu0, loop0 = camera.cpu_seconds()
    began = time.monotonic()
    await asyncio.sleep(seconds)
    cpu1, loop1 = camera.cpu_seconds()
    wall = time.monotonic() - began
    rss, _ = camera.memory_mb()
    return {"n": 0, "cpu": (cpu1 - cpu0) / wall * 100, "loop_cpu": (loop1 - loop0) / wall * 100, "rss": rss}


async def measure(camera: CameraProcess, count: int, args: argparse.Namespace, py_spy: str | None) -> dict:
    url = camera.url(args.profile)
    rss_before, _ = camera.memory_mb()
    drops = listen_drops()
    if args.stampede or count == 1:
        clients, errors, setup = await start_viewers(camera.host, camera.port, url, count, args.setup_timeout)
        first = setup if count == 1 else float("nan")
    else:
        # One viewer starts the stream, then the rest join it all at once.
        clients, errors, first = await start_viewers(camera.host, camera.port, url, 1, args.setup_timeout)
        await asyncio.sleep(0.5)
        rest, more_errors, setup = await start_viewers(camera.host, camera.port, url, count - 1, args.setup_timeout)
        clients += rest
        errors += more_errors
    opened = (await camera.acommand("stats"))["encoders_opened"]
    row: dict = {"n": count, "playing": len(clients), "errors": errors, "setup": setup, "first": first,
                 "encoders_opened": opened, "rss_setup": camera.memory_mb()[0], "syn_drops": listen_drops() - drops}  # fmt: skip
    await asyncio.sleep(args.settle)

    spy = None
    if py_spy:
        spy = subprocess.Popen(  # noqa: ASYNC220 (returns at once)
            [_py_spy(), "record", "--pid", str(camera.pid), "--duration", str(int(args.seconds)), "--rate", "100",
             "--nonblocking", "--threads", "--format", "raw", "--output", f"{py_spy}/rtsp_fanout_{count}.txt"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    before = await camera.acommand("stats")
    await camera.acommand("reset")
    now = time.monotonic()
    for client in clients:
        client.start_window(now)
    frames0 = [c.frames for c in clients]
    bytes0 = [c.received for c in clients]
    cpu0, loop0 = camera.cpu_seconds()
    mine0 = client_cpu_seconds()
    began = time.monotonic()

    await asyncio.sleep(args.seconds)

    cpu1, loop1 = camera.cpu_seconds()
    mine1 = client_cpu_seconds()
    end = time.monotonic()
    wall = end - began
    after = await camera.acommand("stats")
    if spy is not None:
        spy.wait(args.seconds + 30)
    rss, peak = camera.memory_mb()

    fps = [(c.frames - f0) / wall for c, f0 in zip(clients, frames0)]
    mbps = [(c.received - b0) * 8 / wall / 1e6 for c, b0 in zip(clients, bytes0)]
    gaps = [max(c.worst_gap, end - c.last_frame_at) for c in clients]
    stream_before = before["streams"].get(args.profile, {})
    stream_after = after["streams"].get(args.profile, {})
    row.update(
        cpu=(cpu1 - cpu0) / wall * 100,
        loop_cpu=(loop1 - loop0) / wall * 100,
        rss=rss,
        rss_before=rss_before,
        peak=peak,
        threads=camera.threads(),
        fps_min=min(fps, default=0.0),
        fps_median=statistics.median(fps) if fps else 0.0,
        mbps_median=statistics.median(mbps) if mbps else 0.0,
        stalled=sum(g > STALL_SECONDS for g in gaps),
        worst_gap=max(gaps, default=0.0),
        lost=sum(c.lost for c in clients),
        client_cpu=(mine1 - mine0) / wall * 100,
        skipped=after["skipped"] - before["skipped"],
        sessions=after["sessions"],
        source_frames=(stream_after.get("video_frames", 0) - stream_before.get("video_frames", 0))
        / max(after["time"] - before["time"], 1e-9),
        dropped=stream_after.get("dropped", 0) - stream_before.get("dropped", 0),
        source_errors=stream_after.get("errors", []),
        congested=after["congested"],
        max_buffered=after["max_buffered"],
        lag_worst=after["lag_worst_ms"],
        lag_mean=after["lag_mean_ms"],
        gop_bytes=stream_after.get("gop_bytes", 0),
    )
    for client in clients:
        client.transport.abort()
    return row


def log_findings(text: str) -> list[str]:
    lines = text.splitlines()
    return [line for line in lines if any(word in line for word in ("Traceback", "ERROR", "WARNING", "Error", "CRITICAL"))]


def print_table(idle: dict | None, rows: list[dict], stampede: bool) -> None:
    join = "setup s" if stampede else "join s"
    header = (
        f"{'viewers':>7} {join:>7} {'fail':>4} {'SYN drop':>8} {'enc':>4} {'cam CPU%':>8} {'loop%':>6} {'other%':>6} {'RSS MB':>7} "
        f"{'fps min':>7} {'fps med':>7} {'Mb/s med':>8} {'stalled':>7} {'lost':>4} {'skipped':>7} "
        f"{'src fps':>7} {'dropped':>7} {'lag max ms':>10} {'client%':>7}"
    )
    print(header)
    print("-" * len(header))
    if idle is not None:
        print(
            f"{'idle':>7} {'':>7} {'':>4} {'':>8} {'':>4} {idle['cpu']:8.1f} {idle['loop_cpu']:6.1f} "
            f"{idle['cpu'] - idle['loop_cpu']:6.1f} {idle['rss']:7.0f}"
        )
    for r in rows:
        print(
            f"{r['n']:>7} {r['setup']:7.2f} {len(r['errors']):>4} {r['syn_drops']:>8} {r['encoders_opened']:>4} {r['cpu']:8.1f} "
            f"{r['loop_cpu']:6.1f} {r['cpu'] - r['loop_cpu']:6.1f} {r['rss']:7.0f} {r['fps_min']:7.1f} "
            f"{r['fps_median']:7.1f} {r['mbps_median']:8.2f} {r['stalled']:>7} {r['lost']:>4} {r['skipped']:>7} "
            f"{r['source_frames']:7.1f} {r['dropped']:>7} {r['lag_worst']:10.1f} {r['client_cpu']:7.1f}"
        )
    print()
    print(f"columns: {join} = " + (
        "all viewers connected at once to an idle camera, until the last PLAY was answered"
        if stampede else "after one viewer started the stream, the other N-1 connected at once, until the last PLAY was answered"
    ))
    print("  fail = viewers not playing within --setup-timeout; SYN drop = connection attempts the kernel dropped, accept queue full;")
    print("  enc = video encoders the camera opened by the end of setup (the stream needs 2: parameter sets + the live one);")
    print("  cam CPU% = camera process, all threads (100 = one core); loop% = its event-loop thread (RTSP + fan-out);")
    print("  other% = the rest (render, encode, packetize, executor); stalled = viewers with > 1 s without a frame;")
    print("  lost = viewers the camera disconnected; skipped = frames the camera skipped for slow viewers;")
    print("  src fps = frames the source made per second; dropped = frames its thread was too late for;")
    print("  lag max = the camera's event loop's worst wake-up delay in the window; client% = this process")
    one = next((r for r in rows if r["n"] == 1), None)
    print()
    if one is not None:
        if idle is not None:
            print(f"encoding one stream (1 viewer minus idle): {one['cpu'] - idle['cpu']:.1f} % of a core, RSS +{one['rss'] - idle['rss']:.0f} MB")
        for r in rows:
            if r["n"] > 1 and abs(r["cpu"] - one["cpu"]) < 2.0:
                print(f"fan-out, {r['n']:>4} viewers: within the noise of 1 viewer ({r['cpu'] - one['cpu']:+.1f} % of a core)")
            elif r["n"] > 1:
                extra = (r["cpu"] - one["cpu"]) / (r["n"] - 1)
                loop_extra = (r["loop_cpu"] - one["loop_cpu"]) / (r["n"] - 1)
                per_frame = extra / 100 / max(r["fps_median"], 1e-9) * 1e6
                print(
                    f"fan-out, {r['n']:>4} viewers: {extra:+.3f} % of a core per extra viewer, {loop_extra:.3f} of it on the loop "
                    f"(~{per_frame:.0f} us per viewer-frame, kernel TCP included); RSS {r['rss'] - one['rss']:+.0f} MB over 1 viewer"
                )
    if any(r["client_cpu"] > 90 for r in rows):
        print("note: the viewers' process was near a full core in some rows: their figures may be limited by the viewers, not the camera")


async def run(args: argparse.Namespace) -> None:
    rows: list[dict] = []
    idle = None
    findings: list[str] = []
    for index, count in enumerate(args.clients):
        with CameraProcess(
            width=args.width, height=args.height, fps=args.fps, bitrate=args.bitrate,
            max_sessions=max(2000, count + 10), loop=args.loop, audio=not args.no_audio,
        ) as camera:  # fmt: skip
            if index == 0:
                info = camera.profiles[args.profile]
                print(f"camera pid {camera.pid} on CPU {SERVER_CPU}, viewers on CPU {CLIENT_CPU}; {args.profile}: {info['encoder']}")
                print(f"window {args.seconds:g} s after {args.settle:g} s settling; loop {args.loop}; "
                      + ("all viewers connect at once to an idle camera" if args.stampede else "one viewer starts the stream, then N-1 join at once"))
                print()
                await asyncio.sleep(1)
                idle = await measure_idle(camera, args.idle_seconds)
            row = await measure(camera, count, args, args.py_spy)
            rows.append(row)
            note = ""
            if row["errors"]:
                note = f"; {len(row['errors'])} failed, e.g. {row['errors'][0]}"
            print(
                f"  {count} viewers: {row['cpu']:.0f} % camera CPU, {row['fps_median']:.1f} fps median, "
                f"{row['stalled']} stalled, " + ("" if args.stampede or count == 1 else f"first viewer {row['first']:.2f} s, ")
                + f"setup {row['setup']:.2f} s, {row['encoders_opened']} encoders opened, "
                f"RSS {row['rss_setup']:.0f} MB after setup{note}",
                flush=True,
            )
            await asyncio.sleep(0.5)
        for line in log_findings(camera.log_text()):
            findings.append(f"[{count} viewers] {line}")
        camera.discard_log()
        if row["source_errors"]:
            findings.append(f"[{count} viewers] source errors: {row['source_errors']}")
    print()
    print_table(idle, rows, args.stampede)
    print()
    if findings:
        print(f"camera log: {len(findings)} warning/error line(s):")
        for line in findings[:20]:
            print("  " + line)
    else:
        print("camera log: no warnings or errors")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 100, 300, 1000], help="viewer counts (default 1 10 100 300 1000)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measuring window once all play (default 10)")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds between all playing and the window (default 2)")
    parser.add_argument("--idle-seconds", type=float, default=3.0, help="window for the idle camera (default 3)")
    parser.add_argument("--setup-timeout", type=float, default=60.0, help="per viewer, connect to PLAY answered (default 60)")
    parser.add_argument("--profile", default="Profile_1")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--fps", type=float, default=25.0)
    parser.add_argument("--bitrate", type=int, default=2048, help="Profile_1's kbit/s, constant bitrate (default 2048)")
    parser.add_argument("--stampede", action="store_true", help="all N viewers connect at once to an idle camera (default: one starts the stream, then N-1 join)")
    parser.add_argument("--no-audio", action="store_true", help="a camera without audio (the default has G.711 on Profile_1)")
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop", help="event loop on both sides (default uvloop)")
    parser.add_argument("--py-spy", metavar="DIR", help="record the camera with py-spy during each window (raw stacks into DIR)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--max-sessions", type=int, default=2000, help=argparse.SUPPRESS)
    parser.add_argument("--cpu", type=int, default=SERVER_CPU, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return
    pin(CLIENT_CPU)
    limit = raise_fd_limit()
    if limit < max(args.clients) + 100:
        raise SystemExit(f"open-file limit {limit} is too low for {max(args.clients)} viewers")
    with asyncio.Runner(loop_factory=new_loop_factory(args.loop)) as runner:
        runner.run(run(args))


if __name__ == "__main__":
    main()
