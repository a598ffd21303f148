"""Video sources that loop a file: real clients play them as they would a camera.

The camera's four sources loop the sample clips (media/make_samples.py; 640x360,
25 fps, 4 s with a key frame a second, MJPEG 1 s).  A profile whose encoder has
the file's codec and size sends the file's own access units: ffmpeg decodes exactly the
file's pictures, across the loop, with timestamps that keep rising, and the SDP
holds the file's parameter sets.  Any other profile re-encodes the file's
pictures with its encoder settings.  A file that cannot be played stops the
start with a message naming it.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import av
import numpy as np
import onvif
import pytest
from onvif import ONVIFCamera
from PIL import Image

from onvif_device.camera import Camera
from onvif_device.config import Config, ConfigError
from onvif_device.embed import ThreadedCamera
from onvif_device.streaming.media import FileSource
from onvif_device.streaming.media.clip import clip_still
from onvif_device.streaming.plan import stream_plan
from onvif_device.streaming.rtp import RtpPacket
from onvif_device.streaming.rtp.h264 import nal_unit_type

from .rtsp_wire import Wire
from .test_rtsp_clients import FFMPEG, ffmpeg_gray_frames, needs_ffmpeg, rtsp_url
from .test_rtsp_server import _config, _play_tcp, sdp_media, url, wait_until
from .test_rtsp_sessions import on_loop

pytestmark = pytest.mark.timeout(180)

MEDIA = Path(__file__).resolve().parents[2] / "media"
H264_MP4, H265_MKV, H264_TS = MEDIA / "sample-h264.mp4", MEDIA / "sample-h265.mkv", MEDIA / "sample-h264.ts"
MJPEG_MKV = MEDIA / "sample-mjpeg.mkv"
CLIP_FRAMES = 100  # 4 s at 25 fps
FFPROBE = FFMPEG and str(Path(FFMPEG).with_name("ffprobe"))
HA_WSDL_DIR = f"{os.path.dirname(onvif.__file__)}/wsdl/"


def file_config(*files: Path | str) -> Config:
    data = _config().model_dump()
    data["media"]["video_sources"] = [{"file": file} for file in files]
    return Config.model_validate(data)


@pytest.fixture(scope="module")
def camera():
    with ThreadedCamera(file_config(H264_MP4, H265_MKV, H264_TS, MJPEG_MKV)) as cam:
        media = cam.camera.media
        # VideoEncoder_4 is H.265 at the clips' size: as is from the H.265 file, re-encoded from the H.264 one.
        # VideoEncoder_3 is JPEG, here at the clips' 25 fps: as is from the MJPEG file, re-encoded for Profile_3.
        jpeg = media.configuration("VideoEncoder", "VideoEncoder_3")
        media.set_configuration("VideoEncoder", jpeg.model_copy(update={"frame_rate": 25.0}))
        for token, source, encoder in (
            ("H265File", "VideoSourceConfig_2", "VideoEncoder_4"),
            ("H265FromH264", "VideoSourceConfig_1", "VideoEncoder_4"),
            ("JpegFile", "VideoSourceConfig_4", "VideoEncoder_3"),
        ):
            media.create_profile(token, token=token)
            media.update_profile(token, add={"VideoSource": source, "VideoEncoder": encoder})
        yield cam


def file_pictures(path: Path) -> list[np.ndarray]:
    """Every picture of the clip as luma, as ffmpeg's gray conversion gives it."""
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="gray") for frame in container.decode(video=0)]


def ffprobe(url: str, seconds: float, entries: str) -> dict:
    """ffprobe's JSON about the video of an RTSP URL, read over TCP for `seconds`."""
    result = subprocess.run(
        [FFPROBE, "-v", "error", "-rtsp_transport", "tcp", "-read_intervals", f"%+{seconds}",
         "-select_streams", "v:0", "-show_entries", entries, "-of", "json", url],
        check=False, capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def codec_and_size(probe: dict) -> tuple[str, int, int]:
    stream = probe["streams"][0]
    return stream["codec_name"], stream["width"], stream["height"]


# --- what the model says ----------------------------------------------------------------------------


def test_sources_take_the_files_size_and_rate_and_plans_choose_passthrough(camera):
    cam = camera.camera
    for source in cam.hardware.video_sources:
        assert [(m.width, m.height, m.max_framerate) for m in source.modes] == [(640, 360, 25.0)]
    assert [s.file.path for s in cam.hardware.video_sources] == [H264_MP4, H265_MKV, H264_TS, MJPEG_MKV]
    plans = {p.token: stream_plan(cam, p.token).file for p in cam.media.state.profiles}
    passthrough = {token for token, file in plans.items() if file.passthrough}
    # Each file into profiles of its codec; across codecs it is re-encoded.
    assert passthrough == {"Profile_1", "Profile_2", "Profile_6", "Profile_7", "H265File", "JpegFile"}
    assert plans["Profile_4"].path == H265_MKV and not plans["Profile_4"].passthrough


async def test_get_video_sources_reports_the_files(camera):
    """onvif-zeep-async, as Home Assistant reads a camera's sources."""
    device = ONVIFCamera(camera.host, camera.port, camera.username, camera.password, HA_WSDL_DIR, no_cache=True)
    try:
        await device.update_xaddrs()
        media = await device.create_media_service()
        sources = await media.GetVideoSources()
        assert [(s.token, s.Resolution.Width, s.Resolution.Height, s.Framerate) for s in sources] == [
            (f"VideoSource_{n}", 640, 360, 25.0) for n in (1, 2, 3, 4)
        ]
        snapshot = await device.get_snapshot("Profile_1")
    finally:
        await device.close()
    # The snapshot is a picture of the file (one of its frames, JPEG-compressed), not the test card.
    image = np.asarray(Image.open(io.BytesIO(snapshot)).convert("L"), dtype=np.float32)
    assert image.shape == (360, 640)
    with av.open(str(H264_MP4)) as container:  # in RGB's full range, as the JPEG is
        clip = [np.asarray(f.to_image().convert("L"), dtype=np.float32) for f in container.decode(video=0)]
    closest = min(np.abs(image - picture).mean() for picture in clip)
    assert closest < 4, closest


# --- the file's own access units ------------------------------------------------------------------


@needs_ffmpeg
def test_h264_file_plays_bit_exact_across_the_loop(camera):
    frames = ffmpeg_gray_frames(rtsp_url(camera, "Profile_1"), "tcp", CLIP_FRAMES + 15, (640, 360))
    clip = file_pictures(H264_MP4)
    # A fresh stream starts at the file's first frame; a running one at its latest key frame.
    start = next(i for i, picture in enumerate(clip) if np.array_equal(picture, frames[0]))
    assert start % 25 == 0
    for index, frame in enumerate(frames):
        assert np.array_equal(frame, clip[(start + index) % CLIP_FRAMES]), index


@needs_ffmpeg
@pytest.mark.parametrize(
    ("profile", "codec", "clip_frames", "gop"),
    [("Profile_1", "h264", 100, 25), ("H265File", "hevc", 100, 25), ("Profile_6", "h264", 100, 25), ("JpegFile", "mjpeg", 25, 1)],
)
def test_timestamps_keep_rising_past_the_end_of_the_clip(camera, profile, codec, clip_frames, gop):
    probe = ffprobe(rtsp_url(camera, profile), 6, "stream=codec_name,width,height:packet=pts,flags")
    assert codec_and_size(probe) == (codec, 640, 360)
    packets = probe["packets"]
    assert len(packets) > clip_frames + 25  # more than one pass of the clip
    # ffmpeg's RTSP demuxer leaves the first packet unstamped, whatever the source.
    pts = [packet["pts"] for packet in packets if "pts" in packet]
    assert len(pts) >= len(packets) - 1
    assert all(b - a == 3600 for a, b in itertools.pairwise(pts)), [(i, b - a) for i, (a, b) in enumerate(itertools.pairwise(pts)) if b - a != 3600]  # 25 fps at 90 kHz, through the loop
    keys = [i for i, packet in enumerate(packets) if packet["flags"].startswith("K")]
    assert keys[:6] == [gop * i for i in range(6)]  # the file's GOP, the loop's first frame a key frame


@needs_ffmpeg
def test_a_copy_to_a_file_has_monotonic_timestamps(camera, tmp_path):
    """ffmpeg -c copy for longer than the clip: the muxer sees no timestamp going back."""
    out = tmp_path / "copy.ts"
    result = subprocess.run(
        [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "warning", "-rtsp_transport", "tcp",
         "-i", rtsp_url(camera, "Profile_2"), "-map", "0:v:0", "-t", "6", "-c", "copy", str(out)],
        check=False, capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # The first packet comes unstamped from ffmpeg's RTSP demuxer (with any source), which the muxer
    # notes as "previous: 0, current: 0"; a timestamp going back would show a current below previous.
    for previous, current in re.findall(r"Non-monotonous DTS.*previous: (-?\d+), current: (-?\d+)", result.stderr):
        assert int(current) >= int(previous), result.stderr
    probe = subprocess.run(
        [FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts", "-of", "json", str(out)],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    pts = [frame["pts"] for frame in json.loads(probe.stdout)["frames"]]
    assert len(pts) > CLIP_FRAMES + 25
    assert all(b > a for a, b in itertools.pairwise(pts))


@needs_ffmpeg
def test_a_viewer_joining_a_running_file_stream_starts_at_a_key_frame(camera):
    first_viewer = threading.Thread(
        target=ffmpeg_gray_frames, args=(rtsp_url(camera, "Profile_7"), "tcp", 75, (640, 360)), daemon=True
    )
    first_viewer.start()
    try:
        streaming = camera.server.streaming
        # Join once the stream has run past its first key frame, into the middle of a GOP.
        assert wait_until(lambda: (s := streaming.streams.get("Profile_7")) is not None and len(s.gop) >= 10)
        with Wire(camera.host, camera.rtsp_port) as wire:
            _, play = _play_tcp(camera, wire, "Profile_7")
            info = play.headers["rtp-info"]
            seq = int(info.split("seq=")[1].split(";")[0])
            rtptime = int(info.split("rtptime=")[1].split(",")[0])
            packets = [RtpPacket.parse(data) for channel, data in wire.read_frames(30) if channel == 0]
        assert (packets[0].sequence_number, packets[0].timestamp) == (seq, rtptime)
        first_types = {p.payload[0] & 0x1F for p in packets if p.timestamp == rtptime}
        assert 7 in first_types or 24 in first_types  # the key frame's SPS, alone or in a STAP-A
        # ffmpeg joining the running stream decodes from its first packet without an error.
        ffmpeg_gray_frames(rtsp_url(camera, "Profile_7"), "tcp", 10, (640, 360))
    finally:
        first_viewer.join(60)


# --- SDP ----------------------------------------------------------------------------------------------


def sprop(camera, profile: str) -> dict[str, list[bytes]]:
    with Wire(camera.host, camera.rtsp_port) as wire:
        reply = wire.request("DESCRIBE", url(camera, profile))
    assert reply.status == 200, reply.body
    fmtp = next(line for line in sdp_media(reply.body)["video"] if line.startswith("a=fmtp:"))
    params = dict(p.strip().split("=", 1) for p in fmtp.split(" ", 1)[1].split(";"))
    return {k: [base64.b64decode(v) for v in params[k].split(",")] for k in params if k.startswith("sprop-")}


def test_sdp_carries_the_files_parameter_sets(camera):
    assert sprop(camera, "Profile_1") == {"sprop-parameter-sets": list(FileSource(H264_MP4).parameter_sets)}
    vps, sps, pps = FileSource(H265_MKV).parameter_sets
    assert sprop(camera, "H265File") == {"sprop-vps": [vps], "sprop-sps": [sps], "sprop-pps": [pps]}
    # MPEG-TS has no header: the sets are the ones in band before the first key frame.
    source = FileSource(H264_TS)
    first = next(source.packets())
    source.close()
    in_band = [unit for unit in first.units if nal_unit_type(unit) in (7, 8)]
    assert sprop(camera, "Profile_6") == {"sprop-parameter-sets": in_band}
    # A re-encoded stream announces its encoder's sets, not the file's.
    assert sprop(camera, "Profile_4")["sprop-parameter-sets"] != list(FileSource(H264_MP4).parameter_sets)


# --- re-encoded ------------------------------------------------------------------------------------


def assert_shows_the_clip(frames: list[np.ndarray], clip: Path) -> None:
    pictures = [p.astype(np.float32) for p in file_pictures(clip)]
    for frame in frames[::5]:
        closest = min(np.abs(frame.astype(np.float32) - p).mean() for p in pictures)
        assert closest < 6, closest  # lossy, but that file's picture, not the test card


@needs_ffmpeg
@pytest.mark.parametrize(
    ("profile", "codec", "clip"),
    [("Profile_3", "mjpeg", H264_MP4), ("H265FromH264", "hevc", H264_MP4), ("Profile_4", "h264", H265_MKV)],
)
def test_other_codecs_are_transcoded(camera, profile, codec, clip):
    assert codec_and_size(ffprobe(rtsp_url(camera, profile), 1, "stream=codec_name,width,height")) == (codec, 640, 360)
    assert_shows_the_clip(ffmpeg_gray_frames(rtsp_url(camera, profile), "tcp", 20, (640, 360)), clip)


@needs_ffmpeg
def test_another_size_is_transcoded_with_the_encoders_settings(camera):
    media = camera.camera.media
    encoder = media.configuration("VideoEncoder", media.profile("Profile_2").video_encoder)
    on_loop(camera, media.set_configuration, "VideoEncoder", encoder.model_copy(update={"width": 320, "height": 180}))
    try:
        assert not stream_plan(camera.camera, "Profile_2").file.passthrough
        probe = ffprobe(rtsp_url(camera, "Profile_2"), 1, "stream=codec_name,width,height")
        assert codec_and_size(probe) == ("h264", 320, 180)
        frames = ffmpeg_gray_frames(rtsp_url(camera, "Profile_2"), "tcp", 10, (320, 180))
        small = [np.asarray(Image.fromarray(p).resize((320, 180), Image.BILINEAR)) for p in file_pictures(H264_MP4)]
        closest = min(np.abs(frames[-1].astype(np.float32) - p).mean() for p in small)
        assert closest < 8, closest
    finally:
        on_loop(camera, media.set_configuration, "VideoEncoder", encoder)


def test_leaving_passthrough_on_a_live_stream_hangs_up(camera):
    """Re-encoding brings other parameter sets than the SDP's: the client must DESCRIBE again."""
    media = camera.camera.media
    encoder = media.configuration("VideoEncoder", media.profile("Profile_7").video_encoder)
    with Wire(camera.host, camera.rtsp_port) as wire:
        session, _ = _play_tcp(camera, wire, "Profile_7")
        wire.read_frames(5)
        on_loop(camera, media.set_configuration, "VideoEncoder", encoder.model_copy(update={"width": 320, "height": 180}))
        try:
            with pytest.raises(ConnectionError):
                while True:
                    wire.read_frames(1)
        finally:
            on_loop(camera, media.set_configuration, "VideoEncoder", encoder)
    assert session not in camera.server.streaming.sessions


def test_a_snapshot_picture_is_the_clips_frame_at_that_moment():
    for path in (H264_MP4, H264_TS):  # MPEG-TS seeks by guessing: a missed seek decodes from the start
        clip = file_pictures(path)
        for seconds, index in ((0, 0), (1.5, 37), (3.99, 99), (4000 + 8.5, 12)):
            still = np.asarray(clip_still(path, seconds, 640, 360).convert("L"), dtype=np.float32)
            distances = [np.abs(still - picture).mean() for picture in clip]
            assert int(np.argmin(distances)) == index, (path.name, seconds)


# --- bad files --------------------------------------------------------------------------------------


def test_a_missing_file_is_refused_at_start_naming_it(tmp_path):
    with pytest.raises(ConfigError) as refused:
        Camera(file_config(tmp_path / "nowhere.mp4"))
    assert str(refused.value) == f"media.video_sources.0.file: {tmp_path / 'nowhere.mp4'}: no such file"


def test_a_relative_path_is_taken_from_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(MEDIA.parent)
    camera = Camera(file_config("media/sample-h264.mp4"))
    assert camera.hardware.video_sources[0].file.path == H264_MP4
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=rf"no such file \(relative to the working directory {tmp_path}\)$"):
        Camera(file_config("media/sample-h264.mp4"))


def test_files_that_are_not_video_are_refused(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n" * 100)
    audio = tmp_path / "tone.wav"
    with av.open(str(audio), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    for bad, reason in ((text, "cannot open"), (audio, "no video stream"), (tmp_path, "not a file")):
        with pytest.raises(ConfigError) as refused:
            Camera(file_config(H264_MP4, bad))
        assert str(refused.value).startswith(f"media.video_sources.1.file: {bad}: {reason}"), refused.value


def test_the_command_line_says_what_is_wrong_with_the_file(tmp_path):
    config = tmp_path / "camera.toml"
    config.write_text(f'[[media.video_sources]]\nfile = "{tmp_path / "missing.mkv"}"\n')
    result = subprocess.run(
        [sys.executable, "-m", "onvif_device", "run", "--config", str(config), "--no-discovery"],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == f"onvif-device: media.video_sources.0.file: {tmp_path / 'missing.mkv'}: no such file"


@needs_ffmpeg
def test_a_jpeg_file_rfc2435_cannot_carry_is_re_encoded(tmp_path, caplog):
    """4:4:4 JPEG has no RFC 2435 type: the stream falls back to re-encoding, and plays on."""
    clip = tmp_path / "full-chroma.mkv"
    with av.open(str(clip), "w") as container:
        stream = container.add_stream("mjpeg", rate=25)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuvj444p"
        for index in range(25):
            picture = np.full((96, 160, 3), (index * 10, 128, 255 - index * 10), np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    with ThreadedCamera(file_config(clip)) as cam:
        media = cam.camera.media
        jpeg = media.configuration("VideoEncoder", "VideoEncoder_3")
        on_loop(cam, media.set_configuration, "VideoEncoder", jpeg.model_copy(update={"frame_rate": 25.0}))
        assert stream_plan(cam.camera, "Profile_3").file.passthrough
        frames = ffmpeg_gray_frames(rtsp_url(cam, "Profile_3"), "tcp", 30, (160, 96))  # no decoder error
    assert "cannot send a frame as it is" in caplog.text
    assert "re-encoding the file" in caplog.text
    assert len({int(frame.mean()) for frame in frames}) > 5  # the clip's pictures, changing
