"""FileSource on the shipped sample clips (media/make_samples.py) and on files made here."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from onvif_device.streaming.media import FileInfo, FileSource, MediaFileError
from onvif_device.streaming.media.nal_units import nal_unit_type
from onvif_device.streaming.rtp import (
    H264Payloader,
    JpegPayloader,
    PayloaderConfig,
    parse_jpeg,
)

from ..depayload import H264Depayloader, depayload_all
from .helpers import decode

MEDIA = Path(__file__).resolve().parents[3] / "media"
# file, codec, frames in the file
SAMPLES = [
    ("sample-h264.mp4", "H264", 100),
    ("sample-h264.ts", "H264", 100),
    ("sample-h265.mkv", "H265", 100),
    ("sample-mjpeg.mkv", "JPEG", 25),
]
PARAMETER_SET_TYPES = {"H264": [7, 8], "H265": [32, 33, 34]}


@pytest.mark.parametrize(("name", "codec", "_"), SAMPLES)
def test_info(name: str, codec: str, _: int) -> None:
    assert FileSource(MEDIA / name).info == FileInfo(codec, 640, 360, 25.0)


@pytest.mark.parametrize(("name", "codec", "frames"), SAMPLES)
def test_packets_loop_with_rising_timestamps_and_decode(name: str, codec: str, frames: int) -> None:
    source = FileSource(MEDIA / name)
    packets = list(itertools.islice(source.packets(), frames + 30))  # across the loop
    source.close()

    # 25 fps: one frame every 3600 ticks at 90 kHz, from 0 and straight through the loop.
    assert [p.pts for p in packets] == [3600 * i for i in range(frames + 30)]
    keyframes = [i for i, p in enumerate(packets) if p.keyframe]
    assert keyframes == (
        list(range(frames + 30)) if codec == "JPEG" else list(range(0, frames + 30, 25))
    )
    decoded = decode(codec, [p.units for p in packets])
    assert len(decoded) == frames + 30
    assert {(f.width, f.height) for f in decoded} == {(640, 360)}


@pytest.mark.parametrize(("name", "codec"), [(n, c) for n, c, _ in SAMPLES if c != "JPEG"])
def test_key_frames_carry_the_parameter_sets_and_no_delimiters(name: str, codec: str) -> None:
    source = FileSource(MEDIA / name)
    sets = source.parameter_sets
    assert [nal_unit_type(codec, s) for s in sets] == PARAMETER_SET_TYPES[codec]
    for packet in itertools.islice(source.packets(), 60):
        unit_types = [nal_unit_type(codec, u) for u in packet.units]
        if packet.keyframe:
            assert unit_types[: len(sets)] == PARAMETER_SET_TYPES[codec]
            assert packet.units[: len(sets)] == sets
        assert 9 not in unit_types if codec == "H264" else 35 not in unit_types  # AUD
    source.close()


def test_mp4_units_survive_rtp() -> None:
    source = FileSource(MEDIA / "sample-h264.mp4")
    packets = list(itertools.islice(source.packets(), 30))
    source.close()
    rtp = H264Payloader(PayloaderConfig(96, ssrc=1, first_sequence_number=0))
    received = depayload_all(
        H264Depayloader(), [p for e in packets for p in rtp.packetize(e.units, e.pts)]
    )
    assert received == [list(e.units) for e in packets]
    assert len(decode("H264", received)) == 30


def test_mjpeg_frames_are_rtp_ready() -> None:
    source = FileSource(MEDIA / "sample-mjpeg.mkv")
    packet = next(source.packets())
    source.close()
    image = parse_jpeg(packet.units[0])
    assert (image.width, image.height, image.standard_huffman) == (640, 360, True)
    assert JpegPayloader(PayloaderConfig(26, ssrc=1)).packetize(packet.units[0], packet.pts)


# --- frames() ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "_", "frames"), SAMPLES)
def test_frames_loop_at_the_requested_size(name: str, _: str, frames: int) -> None:
    source = FileSource(MEDIA / name)
    pictures = list(itertools.islice(source.frames(320, 180), frames + 5))
    source.close()

    assert [pts for _, pts in pictures] == [3600 * i for i in range(frames + 5)]
    y, u, v = pictures[-1][0]
    assert (y.shape, u.shape, v.shape) == ((180, 320), (90, 160), (90, 160))
    assert y.dtype == np.uint8


def test_frames_are_limited_range_whatever_the_file() -> None:
    """The samples show the same picture: full range in the MJPEG clip, limited in the H.264 one."""
    pictures = {}
    for name in ("sample-mjpeg.mkv", "sample-h264.mp4"):
        source = FileSource(MEDIA / name)
        (y, u, v), _ = next(source.frames())
        source.close()
        assert y.shape == (360, 640) and u.shape == v.shape == (180, 320)
        pictures[name] = y.astype(float)
    from_jpeg, from_h264 = pictures["sample-mjpeg.mkv"], pictures["sample-h264.mp4"]
    assert 16 <= from_jpeg.min() and from_jpeg.max() <= 235
    assert abs(from_jpeg.mean() - from_h264.mean()) < 2
    assert np.abs(from_jpeg - from_h264).mean() < 6


def test_odd_target_size_is_refused() -> None:
    with pytest.raises(ValueError, match="even"):
        next(FileSource(MEDIA / "sample-h264.mp4").frames(321, 180))


def test_close_releases_files_held_by_unfinished_iterators() -> None:
    source = FileSource(MEDIA / "sample-h264.ts")
    packets, frames = source.packets(), source.frames()
    next(packets), next(frames)
    assert len(source._open_containers) == 2
    source.close()
    assert not source._open_containers


# --- other files -------------------------------------------------------------------------------


def write_mpeg4(path: Path) -> None:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        for index in range(5):
            frame = av.VideoFrame.from_ndarray(
                np.full((96, 96), 80 + index, np.uint8), format="yuv420p"
            )
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def test_another_codec_plays_only_as_frames(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    write_mpeg4(path)
    source = FileSource(path)

    assert source.info == FileInfo("mpeg4", 96, 64, 10.0)
    with pytest.raises(MediaFileError, match="frames()"):
        next(source.packets())
    pictures = list(itertools.islice(source.frames(), 7))
    assert [pts for _, pts in pictures] == [9000 * i for i in range(7)]
    assert pictures[0][0][0].shape == (64, 96)
    source.close()


def write_wav(path: Path) -> None:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=8000, layout="mono")
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 800), np.int16), format="s16", layout="mono"
        )
        frame.sample_rate, frame.pts, frame.time_base = 8000, 0, Fraction(1, 8000)
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda path: None, "cannot open"),
        (lambda path: path.write_text("not a video at all\n" * 50), "cannot open"),
        (write_wav, "no video stream"),
    ],
    ids=["missing", "text", "audio only"],
)
def test_unplayable_files_name_the_path_and_the_reason(
    tmp_path: Path, make: object, reason: str
) -> None:
    path = tmp_path / "clip.mp4"
    make(path)  # type: ignore[operator]
    with pytest.raises(MediaFileError, match=reason) as raised:
        FileSource(path)
    assert str(path) in str(raised.value)
    assert isinstance(raised.value, ValueError)
