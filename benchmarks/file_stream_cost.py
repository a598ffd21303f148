"""What one stream of a looped file costs next to one stream of the test card: CPU per stream.

    python benchmarks/file_stream_cost.py [--seconds 10]

Each case runs one stream's source in this process, with no network: its worker
thread makes the video (reads the file and repacketizes its access units; or
decodes it and re-encodes it; or renders the test card and encodes it),
packetizes it into RTP and hands each frame to a counter instead of viewers, as
the engine hands them to the event loop. Audio and metadata are left out, so
the figure is the video's alone. The camera is the model alone, with four
sources: the sample clips (media/, 640x360 at 25 fps) and two test-card sensors.
Printed per case: the process's CPU time over the window (all threads) as % of
one core, frames and kbit/s delivered. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from onvif_device.camera import Camera
from onvif_device.config import Config
from onvif_device.snapshot import CardCache
from onvif_device.streaming.file_loop import FileLoopSource, file_parameter_sets
from onvif_device.streaming.media import VideoEncoder
from onvif_device.streaming.plan import stream_plan
from onvif_device.streaming.source import LiveSource, Picture
from onvif_device.streaming.stream import Stream, track_formats

MEDIA = ROOT / "media"

# label, profile token (see the sources below)
CASES = [
    ("file as is, H.264 640x360", "Profile_2"),
    ("file H.265 -> H.264 640x360", "Profile_5"),
    ("file H.264 -> JPEG 640x360 10fps", "Profile_3"),
    ("test card H.264 640x360", "Profile_7"),
    ("test card H.264 1920x1080", "Profile_8"),
]


def camera() -> Camera:
    data = Config().model_dump()
    data["media"]["video_sources"] = [
        {"file": MEDIA / "sample-h264.mp4"},  # Profile_1 main, Profile_2 sub, Profile_3 JPEG
        {"file": MEDIA / "sample-h265.mkv"},  # Profile_4, Profile_5: H.264, so re-encoded
        {"width": 640, "height": 360},  # Profile_6, Profile_7
        {"width": 1920, "height": 1080},  # Profile_8 main, Profile_9 sub
    ]
    return Camera(Config.model_validate(data))


def measure(cam: Camera, cards: CardCache, token: str, seconds: float) -> tuple[float, int, float]:
    plan = stream_plan(cam, token)
    plan = dataclasses.replace(plan, audio=None, metadata=None)
    if plan.file is not None and plan.file.passthrough:
        sets = file_parameter_sets(plan.file.path)
    elif plan.video.codec == "JPEG":
        sets = ()
    else:
        probe = VideoEncoder(plan.video)
        sets = probe.parameter_sets
        probe.close()
    stream = Stream(plan, track_formats(plan, sets), make_source=None, on_idle=lambda s: None, cname="bench")
    lock = threading.Lock()
    counted = {"frames": 0, "bytes": 0}

    def deliver(frame) -> None:
        with lock:
            counted["frames"] += 1
            counted["bytes"] += frame.size

    title = cam.identity.name
    common = {
        "picture": lambda: Picture(width=plan.video.width, height=plan.video.height, title=title),
        "deliver": deliver,
        "wall_clock": cam.clock.utc_now,
        "on_failure": lambda reason: print(f"  source failed: {reason}", file=sys.stderr),
    }
    if plan.file is None:
        cards.get(plan.video.width, plan.video.height, title)  # drawn before the window, as PLAY does
        warm = VideoEncoder(plan.video)
        source = LiveSource(plan, stream.senders, renderer_for=cards.get, start=time.monotonic(), video_encoder=warm, **common)
    else:
        source = FileLoopSource(plan, stream.senders, start=time.monotonic(), **common)
    source.start()
    time.sleep(1.0)  # open the file or encoder, get into step
    with lock:
        first_frames, first_bytes = counted["frames"], counted["bytes"]
    began, began_cpu = time.monotonic(), time.process_time()
    time.sleep(seconds)
    elapsed, cpu = time.monotonic() - began, time.process_time() - began_cpu
    with lock:
        frames, size = counted["frames"] - first_frames, counted["bytes"] - first_bytes
    source.stop()
    source.join(5)
    return 100 * cpu / elapsed, frames, size * 8 / 1000 / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    cam = camera()
    cards = CardCache()
    print(f"{'case':34} {'CPU % of a core':>15} {'frames':>7} {'kbit/s':>8}")
    for label, token in CASES:
        cpu, frames, kbps = measure(cam, cards, token, args.seconds)
        print(f"{label:34} {cpu:15.1f} {frames:7d} {kbps:8.0f}", flush=True)


if __name__ == "__main__":
    main()
