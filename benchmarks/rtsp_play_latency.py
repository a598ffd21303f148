"""RTSP PLAY latency: milliseconds from sending PLAY to the first RTP packet of a key frame.

    python benchmarks/rtsp_play_latency.py [--trials 30] [--profiles Profile_1 Profile_2]

The camera runs in a child process pinned to the first CPU, as in
rtsp_fanout.py (1280x720 25 fps source; Profile_1 H.264 1280x720 at a
constant 2048 kbit/s, Profile_2 H.264 640x360 at its default 512 kbit/s);
this process, on the second CPU, opens one RTSP-over-TCP connection per trial
(DESCRIBE, SETUP `<url>/video` interleaved, then the timed PLAY) and closes
it once a key frame starts: an IDR (NAL type 5) or SPS (7) alone, first in a
STAP-A, or the start of a fragmented IDR (FU-A). Two cases per profile:

  running   another viewer keeps the stream playing: the camera replays the
            frames since the last key frame, so the key frame should follow
            PLAY's reply at once;
  cold      nobody watches: PLAY opens the encoder (and draws the picture if
            its size is new), and the source thread starts with a key frame.

Each case runs one untimed trial first (the first stream of a size builds its
test card), then `--trials` timed ones; cold trials wait until the camera has
dropped the stream. Printed: median, p90 and best of the PLAY reply and of the
key frame's first packet, in ms. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rtsp_fanout import (
    CLIENT_CPU,
    SERVER_CPU,
    CameraProcess,
    CountingClient,
    RtspClient,
    new_loop_factory,
    pin,
    start_viewers,
)

NAL_IDR, NAL_SPS, STAP_A, FU_A = 5, 7, 24, 28


def is_key_frame_start(buf: bytearray, offset: int, length: int) -> bool:
    """Whether the RTP packet at `offset` starts an H.264 key frame (RFC 6184 payloads)."""
    if length < 13:
        return False
    first = buf[offset]
    payload = offset + 12 + 4 * (first & 0x0F)
    if first & 0x10:  # header extension
        payload += 4 + 4 * (buf[payload + 2] << 8 | buf[payload + 3])
    stop = offset + length
    if payload >= stop:
        return False
    nal = buf[payload] & 0x1F
    if nal in (NAL_IDR, NAL_SPS):
        return True
    if nal == STAP_A and payload + 3 < stop:
        return buf[payload + 3] & 0x1F in (NAL_IDR, NAL_SPS)
    if nal == FU_A and payload + 1 < stop:
        header = buf[payload + 1]
        return bool(header & 0x80) and header & 0x1F == NAL_IDR
    return False


class KeyFrameClient(RtspClient):
    """Keeps whole interleaved packets, notes when the first RTP packet and the first key frame arrive."""

    def __init__(self) -> None:
        super().__init__()
        self.first_packet_at: float | None = None
        self.key_frame: asyncio.Future | None = None

    def buffer_updated(self, nbytes: int) -> None:
        self.received += nbytes
        buf = self.buffer
        end = self.fill + nbytes
        i = self.skip
        while i + 4 <= end:
            if buf[i] != 36:  # an RTSP reply
                stop = self._text(i, end)
                if stop < 0:
                    break
                i = stop
                continue
            length = buf[i + 2] << 8 | buf[i + 3]
            if i + 4 + length > end:
                break
            if buf[i + 1] == 0 and self.key_frame is not None and not self.key_frame.done():
                now = time.perf_counter()
                if self.first_packet_at is None:
                    self.first_packet_at = now
                if is_key_frame_start(buf, i + 4, length):
                    self.key_frame.set_result(now)
            i += 4 + length
        self._keep(i, end)


async def trial(camera: CameraProcess, url: str, timeout: float) -> tuple[float, float, float]:
    """(PLAY reply, first RTP packet, first key-frame packet) in ms after PLAY was sent."""
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(KeyFrameClient, camera.host, camera.port)
    try:
        await client.call("DESCRIBE", url, ("Accept", "application/sdp"))
        reply = await client.call("SETUP", url + "/video", ("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1"))
        client.session = reply["session"].split(";")[0].strip()
        client.key_frame = loop.create_future()
        sent = time.perf_counter()
        await client.play(url)
        replied = client.reply_at
        key_at = await asyncio.wait_for(client.key_frame, timeout)
        first = client.first_packet_at or key_at
        return (replied - sent) * 1000, (first - sent) * 1000, (key_at - sent) * 1000
    finally:
        client.transport.close()


async def until_idle(camera: CameraProcess, token: str, timeout: float = 5.0) -> None:
    """Wait until the camera has no stream for `token` (the last viewer's close reached it)."""
    deadline = time.monotonic() + timeout
    while token in (await camera.acommand("stats"))["streams"] and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)  # let the stopped source thread close its encoder


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):7.1f} {percentile(values, 0.9):7.1f} {min(values):7.1f}"


async def run_case(camera: CameraProcess, token: str, cold: bool, args: argparse.Namespace) -> tuple[tuple, list[tuple]]:
    url = camera.url(token)
    results = []
    first = None
    for n in range(args.trials + 1):
        if cold:
            await until_idle(camera, token)
        else:
            await asyncio.sleep(random.uniform(0.05, 0.25))  # land anywhere in the GOP
        timings = await trial(camera, url, args.timeout)
        if n == 0:
            first = timings
        else:
            results.append(timings)
    return first, results


async def run(args: argparse.Namespace) -> None:
    with CameraProcess(width=args.width, height=args.height, fps=args.fps, bitrate=args.bitrate, loop=args.loop) as camera:
        print(f"camera pid {camera.pid} on CPU {SERVER_CPU}, client on CPU {CLIENT_CPU}; loop {args.loop}; {args.trials} trials per case")
        print(f"{'':34} {'PLAY reply (ms)':>23}   {'first key-frame packet (ms)':>27}")
        print(f"{'profile':24} {'case':9} {'median':>7} {'p90':>7} {'best':>7}   {'median':>7} {'p90':>7} {'best':>7}   first trial: reply / key ms")
        for token in args.profiles:
            info = camera.profiles[token]
            print(f"{token}: {info['encoder']}")
            for cold in (True, False):
                keeper: list[CountingClient] = []
                if not cold:
                    keeper, errors, _ = await start_viewers(camera.host, camera.port, camera.url(token), 1, 30)
                    if errors:
                        raise SystemExit(f"the viewer keeping {token} running failed: {errors[0]}")
                    await asyncio.sleep(1.0)
                first, results = await run_case(camera, token, cold, args)
                for client in keeper:
                    client.transport.close()
                replies = [r[0] for r in results]
                keys = [r[2] for r in results]
                late = sum(r[2] - r[1] > 0.5 for r in results)  # packets before the key frame
                note = f"; {late} trial(s) got other packets before the key frame" if late else ""
                print(
                    f"{'':24} {'cold' if cold else 'running':9} {summary(replies)}   {summary(keys)}   "
                    f"{first[0]:.0f} / {first[2]:.0f}{note}",
                    flush=True,
                )
            await until_idle(camera, token)
        stats = await camera.acommand("stats")
        print()
        print(f"video encoders the camera opened in all: {stats['encoders_opened']}")
    log = [line for line in camera.log_text().splitlines() if any(w in line for w in ("Traceback", "ERROR", "WARNING"))]
    camera.discard_log()
    print("camera log: " + ("no warnings or errors" if not log else f"{len(log)} warning/error line(s)"))
    for line in log[:20]:
        print("  " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30, help="timed trials per profile and case (default 30)")
    parser.add_argument("--profiles", nargs="+", default=["Profile_1", "Profile_2"], help="H.264 profiles (default Profile_1 Profile_2)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a key frame (default 10)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--fps", type=float, default=25.0)
    parser.add_argument("--bitrate", type=int, default=2048, help="Profile_1's kbit/s, constant bitrate (default 2048)")
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop", help="event loop on both sides (default uvloop)")
    args = parser.parse_args()
    pin(CLIENT_CPU)
    with asyncio.Runner(loop_factory=new_loop_factory(args.loop)) as runner:
        runner.run(run(args))


if __name__ == "__main__":
    main()
