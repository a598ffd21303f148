"""The pure helpers: NAL unit framing, the JPEG chroma table fix, planes in and out of frames."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from onvif_device.streaming.media.jpeg_chroma_table import with_chroma_table
from onvif_device.streaming.media.nal_units import (
    decoder_config,
    parameter_sets,
    split_length_prefixed,
    with_parameter_sets,
    without_delimiters,
)
from onvif_device.streaming.media.planes import Conversion, frame_from_planes, planes_of
from onvif_device.streaming.rtp import parse_jpeg

SPS, PPS, SEI, IDR, AUD = (
    bytes.fromhex(h) for h in ("6742c01e", "68ce3c80", "0605aa", "658884", "09f0")
)
VPS, HSPS, HPPS = (bytes.fromhex(h) for h in ("40010c01", "42010101", "4401c172"))


def avcc(length_size: int = 4) -> bytes:
    return (
        bytes((1, 0x42, 0xC0, 0x1E, 0xFC | (length_size - 1), 0xE1))
        + len(SPS).to_bytes(2, "big") + SPS
        + b"\x01" + len(PPS).to_bytes(2, "big") + PPS
    )  # fmt: skip


def hvcc() -> bytes:
    arrays = b"".join(
        bytes((0x80 | t,)) + b"\x00\x01" + len(u).to_bytes(2, "big") + u
        for t, u in ((32, VPS), (33, HSPS), (34, HPPS))
    )
    return bytes([1] + [0] * 20 + [0xFF, 3]) + arrays  # 21 bytes of fields, length size 4


def test_length_prefixed_units() -> None:
    sample = b"\x00\x03" + IDR + b"\x00\x00" + b"\x00\x03" + SEI  # an empty unit is skipped
    assert split_length_prefixed(sample, 2) == [IDR, SEI]
    with pytest.raises(ValueError, match="declares 9 bytes"):
        split_length_prefixed(b"\x00\x09abc", 2)
    with pytest.raises(ValueError, match="truncated"):
        split_length_prefixed(b"\x00\x00\x00\x03abc\x00", 4)


def test_avcc_record() -> None:
    config = decoder_config("H264", avcc(length_size=2))
    assert config.parameter_sets == (SPS, PPS)
    assert config.units(b"\x00\x03" + IDR[:3]) == [IDR[:3]]
    with pytest.raises(ValueError, match="truncated"):
        decoder_config("H264", avcc()[:-2])


def test_hvcc_record() -> None:
    config = decoder_config("H265", hvcc())
    assert config.parameter_sets == (VPS, HSPS, HPPS)
    assert config.length_size == 4


def test_annexb_extradata_and_none() -> None:
    config = decoder_config(
        "H264", b"\x00\x00\x00\x01" + SPS + b"\x00\x00\x01" + SEI + b"\x00\x00\x01" + PPS
    )
    assert config.parameter_sets == (SPS, PPS)  # SEI dropped
    assert config.units(b"\x00\x00\x01" + IDR) == [IDR]
    assert decoder_config("H264", b"").parameter_sets == ()
    with pytest.raises(ValueError, match="version 2"):
        decoder_config("H264", b"\x02\x42\x00\x1e\xff\xe0\x00")


def test_parameter_sets_go_in_front_only_when_missing() -> None:
    assert parameter_sets("H264", [SEI, PPS, SPS, IDR]) == (SPS, PPS)
    assert with_parameter_sets("H264", [SEI, IDR], (SPS, PPS)) == (SPS, PPS, SEI, IDR)
    assert with_parameter_sets("H264", [SPS, PPS, IDR], (SPS, PPS)) == (SPS, PPS, IDR)
    assert with_parameter_sets("H264", [SPS, IDR], (SPS, PPS)) == (SPS, PPS, SPS, IDR)
    assert with_parameter_sets("H264", [IDR], ()) == (IDR,)
    assert without_delimiters("H264", [AUD, SPS, IDR]) == [SPS, IDR]


# --- JPEG chroma table ------------------------------------------------------------------------


def ffmpeg_jpeg(**options: str) -> bytes:
    """An MJPEG frame as FFmpeg writes it: every component on quantization table 0."""
    context = av.CodecContext.create("mjpeg", "w")
    context.width, context.height, context.pix_fmt = 64, 32, "yuvj420p"
    context.time_base = Fraction(1, 25)
    context.options = {"huffman": "default", **options}
    context.open()
    frame = av.VideoFrame.from_ndarray(np.full((48, 64), 90, np.uint8), format="yuvj420p")
    return bytes(context.encode(frame)[0])


@pytest.mark.parametrize("duplicated", ["0", "1"])
def test_chroma_moves_to_table_1_and_the_picture_stays(duplicated: str) -> None:
    original = ffmpeg_jpeg(force_duplicated_matrix=duplicated)
    with pytest.raises(ValueError, match="quantization table selectors"):
        parse_jpeg(original)

    fixed = with_chroma_table(original)
    image = parse_jpeg(fixed)
    assert image.chroma_table == image.luma_table
    # Only the table was duplicated when FFmpeg had not written it: 69 bytes of DQT segment.
    assert len(fixed) - len(original) == (0 if duplicated == "1" else 69)
    decoded = [
        av.CodecContext.create("mjpeg", "r").decode(av.Packet(j))[0] for j in (original, fixed)
    ]
    assert np.array_equal(decoded[0].to_ndarray(), decoded[1].to_ndarray())
    assert with_chroma_table(fixed) == fixed  # already right: untouched


def test_chroma_table_fix_leaves_non_jpeg_alone() -> None:
    assert with_chroma_table(b"\xff\xd8\xff\xd9") == b"\xff\xd8\xff\xd9"


# --- planes -----------------------------------------------------------------------------------


def test_planes_fill_padded_rows_and_come_back_out() -> None:
    y = np.arange(50 * 100, dtype=np.uint32).reshape(50, 100).astype(np.uint8)
    u = np.full((25, 50), 90, np.uint8)
    v = np.full((25, 50), 200, np.uint8)
    frame = frame_from_planes((y, u, v), 100, 50, Conversion.NONE)
    assert frame.planes[0].line_size > 100  # PyAV pads these rows

    out = planes_of(frame)
    assert all(np.array_equal(a, b) for a, b in zip(out, (y, u, v)))


def test_conversions() -> None:
    y = np.array([[16, 235], [126, 0]], np.uint8)
    c = np.array([[16]], np.uint8)
    full = frame_from_planes((y, c, c), 2, 2, Conversion.FULL_RANGE)
    assert full.to_ndarray()[:2].tolist() == [[0, 255], [128, 0]]
    ten = frame_from_planes((y, c, c), 2, 2, Conversion.TEN_BIT)
    assert ten.to_ndarray()[:2].tolist() == [[64, 940], [504, 0]]
