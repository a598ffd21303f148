"""VideoEncoder: decodable output, parameter sets, GOP, forced key frames, rate, RTP round trip."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from onvif_device.streaming.media import EncodedVideo, VideoEncoder, VideoSettings
from onvif_device.streaming.media.nal_units import nal_unit_type
from onvif_device.streaming.rtp import (
    H264Format,
    H264Payloader,
    H265Format,
    H265Payloader,
    JpegPayloader,
    PayloaderConfig,
    parse_jpeg,
)

from ..depayload import H264Depayloader, H265Depayloader, JpegDepayloader, depayload_all
from .helpers import decode, luma, picture

PARAMETER_SET_TYPES = {"H264": [7, 8], "H265": [32, 33, 34]}
IDR_TYPES = {"H264": {5}, "H265": {19, 20}}


def settings(
    codec: str = "H264", width: int = 640, height: int = 360, **changes: object
) -> VideoSettings:
    base = VideoSettings(codec=codec, width=width, height=height, fps=25, bitrate_kbps=2000, gop=25)
    return dataclasses.replace(base, **changes)


def encode_frames(
    encoder: VideoEncoder, count: int, *, noise: int = 0, start: int = 0
) -> list[EncodedVideo]:
    s = encoder.settings
    out: list[EncodedVideo] = []
    for index in range(start, start + count):
        out += encoder.encode(picture(s.width, s.height, index, noise), index * 3600)
    return out


def types(codec: str, units: tuple[bytes, ...]) -> list[int]:
    return [nal_unit_type(codec, unit) for unit in units]


# --- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"codec": "VP8"}, "codec"),
        ({"width": 641}, "width"),
        ({"height": 0}, "height"),
        ({"fps": 0}, "fps"),
        ({"fps": float("nan")}, "fps"),
        ({"bitrate_kbps": 0}, "bitrate_kbps"),
        ({"gop": 0}, "gop"),
        ({"profile": "High10"}, "profile"),
        ({"codec": "JPEG", "profile": "Main"}, "profile"),
        ({"quality": 101}, "quality"),
    ],
)
def test_settings_name_the_bad_field(changes: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        settings(**changes)


# --- decodable output ------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["H264", "H265", "JPEG"])
@pytest.mark.parametrize(("width", "height"), [(640, 360), (1280, 720)])
def test_output_decodes_to_the_input(codec: str, width: int, height: int) -> None:
    encoder = VideoEncoder(settings(codec, width, height, quality=90, bitrate_kbps=4000))
    encoded = encode_frames(encoder, 6)

    assert [e.pts for e in encoded] == [i * 3600 for i in range(6)]  # one out per one in, in order
    frames = decode(codec, [e.units for e in encoded])
    assert len(frames) == 6
    assert {(f.width, f.height) for f in frames} == {(width, height)}
    source = picture(width, height, 5)[0].astype(float)
    decoded = luma(frames[-1]).astype(float)
    assert abs(decoded.mean() - source.mean()) < 2
    assert np.abs(decoded - source).mean() < 8  # the picture itself, not just its brightness


def test_main10_decodes_as_10_bit() -> None:
    encoder = VideoEncoder(settings("H265", profile="Main10"))
    # This libx265 has 10-bit support; with an 8-bit-only build the encoder says Main.
    assert encoder.profile == "Main10"
    frames = decode("H265", [e.units for e in encode_frames(encoder, 3)])
    assert frames[0].format.name == "yuv420p10le"
    assert abs(luma(frames[-1]).mean() - picture(640, 360, 2)[0].mean()) < 2


def test_planes_of_the_wrong_shape_or_type_are_refused() -> None:
    encoder = VideoEncoder(settings())
    y, u, v = picture(640, 360)
    with pytest.raises(ValueError, match="plane U"):
        encoder.encode((y, u[:, :-1], v), 0)
    with pytest.raises(ValueError, match="plane Y"):
        encoder.encode((y.astype(np.int16), u, v), 0)


def test_closed_encoder_refuses_pictures() -> None:
    encoder = VideoEncoder(settings())
    encoder.close()
    with pytest.raises(RuntimeError, match="closed"):
        encoder.encode(picture(640, 360), 0)


# --- parameter sets ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "profile_idc"),
    [("Baseline", "42"), ("Main", "4D"), ("High", "64"), ("Extended", "42"), (None, "4D")],
)
def test_h264_parameter_sets_before_the_first_frame(profile: str | None, profile_idc: str) -> None:
    encoder = VideoEncoder(settings(profile=profile))

    assert encoder.profile == {"Extended": "Baseline", None: "Main"}.get(profile, profile)
    fmt = H264Format.from_access_unit(96, encoder.parameter_sets)
    assert f"profile-level-id={profile_idc}" in fmt.fmtp()
    assert "sprop-parameter-sets=" in fmt.fmtp()
    first = encode_frames(encoder, 1)[0]
    assert first.units[:2] == encoder.parameter_sets  # the SDP and the stream agree


@pytest.mark.parametrize(("profile", "profile_idc"), [("Main", 1), ("Main10", 2), (None, 1)])
def test_h265_parameter_sets_before_the_first_frame(profile: str | None, profile_idc: int) -> None:
    encoder = VideoEncoder(settings("H265", profile=profile))

    fmt = H265Format.from_access_unit(96, encoder.parameter_sets)
    assert fmt.vps and fmt.sps and fmt.pps
    # SPS: 2-byte NAL header, 1 byte of ids, then profile space (2), tier (1), profile_idc (5).
    assert fmt.sps[3] & 0x1F == profile_idc
    assert encode_frames(encoder, 1)[0].units[:3] == encoder.parameter_sets


def test_jpeg_has_no_parameter_sets() -> None:
    assert VideoEncoder(settings("JPEG")).parameter_sets == ()


# --- key frames ----------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["H264", "H265"])
def test_key_frames_every_gop_frames_each_with_its_parameter_sets(codec: str) -> None:
    encoder = VideoEncoder(settings(codec, gop=10))
    encoded = encode_frames(encoder, 31, noise=20)  # grain, so no frame looks like a scene cut

    assert [i for i, e in enumerate(encoded) if e.keyframe] == [0, 10, 20, 30]
    for e in encoded:
        unit_types = types(codec, e.units)
        if e.keyframe:
            assert unit_types[: len(PARAMETER_SET_TYPES[codec])] == PARAMETER_SET_TYPES[codec]
            assert IDR_TYPES[codec] & set(unit_types)
            assert e.units[: len(encoder.parameter_sets)] == encoder.parameter_sets
        else:
            assert not set(unit_types) & {*PARAMETER_SET_TYPES[codec], *IDR_TYPES[codec]}


@pytest.mark.parametrize("codec", ["H264", "H265"])
def test_request_keyframe_makes_the_next_frame_an_idr(codec: str) -> None:
    encoder = VideoEncoder(settings(codec, gop=100))
    before = encode_frames(encoder, 4)
    encoder.request_keyframe()
    after = encode_frames(encoder, 3, start=4)

    assert [e.keyframe for e in before + after] == [True, False, False, False, True, False, False]
    assert IDR_TYPES[codec] & set(types(codec, after[0].units))
    assert after[0].units[: len(encoder.parameter_sets)] == encoder.parameter_sets


def test_every_jpeg_frame_is_a_key_frame() -> None:
    encoder = VideoEncoder(settings("JPEG"))
    encoder.request_keyframe()  # harmless
    assert all(e.keyframe and len(e.units) == 1 for e in encode_frames(encoder, 3))


# --- rate and quality -------------------------------------------------------------------------


def encoded_kbps(encoded: list[EncodedVideo], fps: float) -> float:
    size = sum(len(unit) for e in encoded for unit in e.units)
    return size * 8 / (len(encoded) / fps) / 1000


@pytest.mark.parametrize("codec", ["H264", "H265"])
def test_constant_bitrate_is_roughly_the_target(codec: str) -> None:
    encoder = VideoEncoder(settings(codec, bitrate_kbps=600, gop=25, constant_bitrate=True))
    kbps = encoded_kbps(encode_frames(encoder, 75, noise=30), 25)  # 3 s of grainy video
    assert 600 / 2 < kbps < 600 * 2


@pytest.mark.parametrize("codec", ["H264", "H265"])
def test_variable_bitrate_stays_under_the_cap(codec: str) -> None:
    encoder = VideoEncoder(settings(codec, bitrate_kbps=400, quality=100, constant_bitrate=False))
    kbps = encoded_kbps(encode_frames(encoder, 75, noise=30), 25)
    assert 400 / 4 < kbps < 400 * 1.5  # quality 100 asks for more: the cap is what holds it


def test_quality_steers_variable_bitrate_and_jpeg() -> None:
    def kbps(codec: str, quality: float) -> float:
        encoder = VideoEncoder(settings(codec, quality=quality, bitrate_kbps=20000))
        return encoded_kbps(encode_frames(encoder, 10, noise=10), 25)

    assert kbps("H264", 20) < kbps("H264", 80) / 2
    assert kbps("JPEG", 20) < kbps("JPEG", 80) / 2


# --- into RTP and back -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "payloader", "depayloader"),
    [("H264", H264Payloader, H264Depayloader), ("H265", H265Payloader, H265Depayloader)],
)
def test_rtp_round_trip_decodes(codec: str, payloader: type, depayloader: type) -> None:
    encoder = VideoEncoder(settings(codec, 1280, 720, bitrate_kbps=4000))
    encoded = encode_frames(encoder, 5, noise=10)
    rtp = payloader(PayloaderConfig(96, ssrc=1, first_sequence_number=0))
    packets = [p for e in encoded for p in rtp.packetize(e.units, e.pts)]

    assert len(packets) > 2 * len(encoded)  # key frames were fragmented
    received = depayload_all(depayloader(), packets)
    assert received == [list(e.units) for e in encoded]
    frames = decode(codec, received)
    assert [(f.width, f.height) for f in frames] == [(1280, 720)] * 5


@pytest.mark.parametrize(("width", "height"), [(640, 360), (1280, 720), (176, 144)])
def test_jpeg_frames_are_rtp_ready(width: int, height: int) -> None:
    encoder = VideoEncoder(settings("JPEG", width, height, quality=70))
    encoded = encode_frames(encoder, 2)

    for e in encoded:
        image = parse_jpeg(e.units[0])  # baseline, 4:2:0, tables 0 and 1
        assert (image.width, image.height, image.rtp_type) == (width, height, 1)
        assert image.standard_huffman
        assert image.luma_table == image.chroma_table  # FFmpeg quantizes both alike
    rtp = JpegPayloader(PayloaderConfig(26, ssrc=1, first_sequence_number=0))
    packets = [p for e in encoded for p in rtp.packetize(e.units[0], e.pts)]
    rebuilt = depayload_all(JpegDepayloader(), packets)
    frames = decode("JPEG", [(jpeg,) for jpeg in rebuilt])
    assert [(f.width, f.height) for f in frames] == [(width, height)] * 2
    assert abs(luma(frames[1]).mean() - picture(width, height, 1)[0].mean()) < 2


def test_jpeg_is_full_range() -> None:
    """Limited-range black and white become JPEG's 0 and 255."""
    encoder = VideoEncoder(settings("JPEG", 64, 32, quality=100))
    black = np.full((32, 64), 16, np.uint8)
    white = np.full((32, 64), 235, np.uint8)
    grey = np.full((16, 32), 128, np.uint8)
    jpegs = [encoder.encode((y, grey, grey), 0)[0].units for y in (black, white)]
    context_frames = decode("JPEG", jpegs)
    assert [f.to_ndarray()[:32].mean() for f in context_frames] == pytest.approx([0, 255], abs=2)
