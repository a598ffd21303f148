"""Property tests: random units round-trip, no packet exceeds its limit, parsers fail cleanly."""

from __future__ import annotations

import contextlib
import copy
import io

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from PIL import Image

from onvif_device.streaming.rtp.audio import AacPayloader, PcmuPayloader
from onvif_device.streaming.rtp.h264 import H264Payloader
from onvif_device.streaming.rtp.h265 import H265Payloader
from onvif_device.streaming.rtp.jpeg import JpegPayloader
from onvif_device.streaming.rtp.jpeg_markers import parse_jpeg
from onvif_device.streaming.rtp.metadata import MetadataPayloader
from onvif_device.streaming.rtp.packet import (
    FIXED_HEADER_SIZE,
    HeaderExtension,
    RtpPacket,
)
from onvif_device.streaming.rtp.payloader import PayloaderConfig
from onvif_device.streaming.rtp.rtcp import parse_compound

from .depayload import (
    AacDepayloader,
    H264Depayloader,
    H265Depayloader,
    JpegDepayloader,
    MetadataDepayloader,
    PcmuDepayloader,
    depayload_all,
)

sequence_numbers = st.integers(0, 0xFFFF)
timestamps = st.integers(0, 0xFFFF_FFFF)


def check_stream(
    packets: list[RtpPacket], config: PayloaderConfig, first: int, timestamp: int
) -> None:
    assert packets
    for index, packet in enumerate(packets):
        assert len(bytes(packet)) <= FIXED_HEADER_SIZE + config.max_payload_size
        assert packet.sequence_number == (first + index) & 0xFFFF
        assert packet.ssrc == config.ssrc
        assert packet.payload_type == config.payload_type


def check_unit(packets: list[RtpPacket], timestamp: int) -> None:
    assert {p.timestamp for p in packets} == {timestamp}
    assert [p.marker for p in packets] == [False] * (len(packets) - 1) + [True]


@st.composite
def h264_units(draw: st.DrawFn) -> bytes:
    # Any F/NRI bits and any of the types 1..23 that RTP carries as they are.
    header = draw(st.integers(0, 255).filter(lambda b: 1 <= b & 0x1F <= 23))
    return bytes((header,)) + draw(st.binary(max_size=draw(st.sampled_from([8, 100, 3000]))))


@st.composite
def h265_units(draw: st.DrawFn) -> bytes:
    header = draw(st.integers(0, 0xFFFF).filter(lambda h: (h >> 9) & 0x3F < 48))
    return header.to_bytes(2, "big") + draw(
        st.binary(max_size=draw(st.sampled_from([8, 100, 3000])))
    )


@given(
    units=st.lists(h264_units(), min_size=1, max_size=12),
    max_payload_size=st.integers(3, 1500),
    first=sequence_numbers,
    timestamp=timestamps,
)
def test_h264_round_trip(
    units: list[bytes], max_payload_size: int, first: int, timestamp: int
) -> None:
    config = PayloaderConfig(
        96, ssrc=1, first_sequence_number=first, max_payload_size=max_payload_size
    )
    original = copy.deepcopy(units)
    packets = H264Payloader(config).packetize(units, timestamp)
    assert units == original
    check_stream(packets, config, first, timestamp)
    check_unit(packets, timestamp)
    assert depayload_all(H264Depayloader(), packets) == [units]


@given(
    units=st.lists(h265_units(), min_size=1, max_size=12),
    max_payload_size=st.integers(4, 1500),
    first=sequence_numbers,
    timestamp=timestamps,
)
def test_h265_round_trip(
    units: list[bytes], max_payload_size: int, first: int, timestamp: int
) -> None:
    config = PayloaderConfig(
        97, ssrc=1, first_sequence_number=first, max_payload_size=max_payload_size
    )
    packets = H265Payloader(config).packetize(units, timestamp)
    check_stream(packets, config, first, timestamp)
    check_unit(packets, timestamp)
    assert depayload_all(H265Depayloader(), packets) == [units]


@given(
    documents=st.lists(st.binary(min_size=1, max_size=5000), min_size=1, max_size=3),
    max_payload_size=st.integers(1, 1500),
    first=sequence_numbers,
)
def test_metadata_round_trip(documents: list[bytes], max_payload_size: int, first: int) -> None:
    config = PayloaderConfig(
        107, ssrc=1, first_sequence_number=first, max_payload_size=max_payload_size
    )
    payloader = MetadataPayloader(config)
    packets = []
    for index, document in enumerate(documents):
        unit = payloader.packetize(document, index * 90000)
        check_unit(unit, index * 90000)
        packets += unit
    check_stream(packets, config, first, 0)
    assert depayload_all(MetadataDepayloader(), packets) == documents


@given(
    unit=st.binary(min_size=1, max_size=8191),
    max_payload_size=st.integers(5, 1500),
    first=sequence_numbers,
    timestamp=timestamps,
)
def test_aac_round_trip(unit: bytes, max_payload_size: int, first: int, timestamp: int) -> None:
    config = PayloaderConfig(
        97, ssrc=1, first_sequence_number=first, max_payload_size=max_payload_size
    )
    packets = AacPayloader(config).packetize(unit, timestamp)
    check_stream(packets, config, first, timestamp)
    check_unit(packets, timestamp)
    assert depayload_all(AacDepayloader(), packets) == [unit]


@given(
    samples=st.binary(min_size=1, max_size=4000),
    max_payload_size=st.integers(1, 1500),
    first=sequence_numbers,
    timestamp=timestamps,
)
def test_pcmu_round_trip(samples: bytes, max_payload_size: int, first: int, timestamp: int) -> None:
    config = PayloaderConfig(
        0, ssrc=1, first_sequence_number=first, max_payload_size=max_payload_size
    )
    packets = PcmuPayloader(config).packetize(samples, timestamp)
    check_stream(packets, config, first, timestamp)
    assert packets[0].timestamp == timestamp
    assert b"".join(depayload_all(PcmuDepayloader(), packets)) == samples


def _jpeg(width: int, height: int, seed: int, options: dict[str, object]) -> bytes:
    image = Image.frombytes(
        "RGB", (width, height), seed.to_bytes(4, "big") * (width * height * 3 // 4 + 1)
    )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=st.integers(8, 2100),
    height=st.integers(8, 80),
    seed=st.integers(0, 2**32 - 1),
    options=st.sampled_from(
        [{}, {"subsampling": 1}, {"optimize": True}, {"restart_marker_blocks": 2}, {"quality": 100}]
    ),
    max_payload_size=st.integers(800, 1500),  # room for the ONVIF extension
)
def test_jpeg_round_trip(
    width: int, height: int, seed: int, options: dict[str, object], max_payload_size: int
) -> None:
    data = _jpeg(width, height, seed, options)
    config = PayloaderConfig(
        26, ssrc=1, first_sequence_number=0xFFF0, max_payload_size=max_payload_size
    )
    packets = JpegPayloader(config).packetize(data, 0)
    check_stream(packets, config, 0xFFF0, 0)
    check_unit(packets, 0)
    (rebuilt,) = depayload_all(JpegDepayloader(), packets)
    assert isinstance(rebuilt, bytes)
    with Image.open(io.BytesIO(data)) as expected, Image.open(io.BytesIO(rebuilt)) as actual:
        assert actual.size == (width, height)
        assert actual.tobytes() == expected.tobytes()


@st.composite
def rtp_packets(draw: st.DrawFn) -> RtpPacket:
    extension = draw(
        st.none()
        | st.builds(
            HeaderExtension,
            st.integers(0, 0xFFFF),
            st.integers(0, 8).map(lambda words: bytes(range(4 * words))),
        )
    )
    return RtpPacket(
        payload_type=draw(st.integers(0, 127)),
        sequence_number=draw(sequence_numbers),
        timestamp=draw(timestamps),
        ssrc=draw(timestamps),
        payload=draw(st.binary(max_size=64)),
        marker=draw(st.booleans()),
        csrcs=tuple(draw(st.lists(timestamps, max_size=15))),
        extension=extension,
        padding=draw(st.integers(0, 255)),
    )


@given(rtp_packets())
def test_rtp_packet_round_trip(packet: RtpPacket) -> None:
    data = bytes(packet)
    assert len(data) == packet.header_size + len(packet.payload) + packet.padding
    assert RtpPacket.parse(data) == packet


@given(st.binary(max_size=80))
def test_rtp_parse_fails_only_with_value_error(data: bytes) -> None:
    try:
        packet = RtpPacket.parse(data)
    except ValueError:
        return
    assume(not packet.padding)  # padding contents are not kept
    assert bytes(packet) == data


@given(st.binary(max_size=120))
def test_rtcp_parse_fails_only_with_value_error(data: bytes) -> None:
    with contextlib.suppress(ValueError):
        parse_compound(data)


_SAMPLE_JPEG = _jpeg(64, 32, 7, {"restart_marker_blocks": 1})


@given(st.integers(0, len(_SAMPLE_JPEG)), st.binary(max_size=8), st.integers(0, len(_SAMPLE_JPEG)))
def test_jpeg_parse_fails_only_with_value_error(cut: int, junk: bytes, at: int) -> None:
    damaged = (
        _SAMPLE_JPEG[:at] + junk + _SAMPLE_JPEG[at:cut] if at < cut else _SAMPLE_JPEG[:cut] + junk
    )
    with contextlib.suppress(ValueError):
        parse_jpeg(damaged)


@given(st.binary(max_size=200))
def test_jpeg_parse_of_noise_fails_only_with_value_error(data: bytes) -> None:
    with contextlib.suppress(ValueError):
        parse_jpeg(b"\xff\xd8" + data)
