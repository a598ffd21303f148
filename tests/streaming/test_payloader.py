"""What all payloaders share: configuration, random SSRC and sequence start."""

from __future__ import annotations

import random

import pytest

from onvif_device.streaming.rtp import (
    AacFormat,
    AacPayloader,
    H264Format,
    H264Payloader,
    H265Format,
    H265Payloader,
    JpegFormat,
    JpegPayloader,
    MetadataFormat,
    MetadataPayloader,
    PayloaderConfig,
    PcmuFormat,
    PcmuPayloader,
    RtpFormat,
)

PAYLOADERS = [
    H264Payloader,
    H265Payloader,
    JpegPayloader,
    MetadataPayloader,
    PcmuPayloader,
    AacPayloader,
]


@pytest.mark.parametrize("kind", PAYLOADERS)
def test_ssrc_and_sequence_come_from_the_injected_random_source(kind: type[H264Payloader]) -> None:
    expected = random.Random(7)
    ssrc, sequence = expected.getrandbits(32), expected.getrandbits(16)
    payloader = kind(PayloaderConfig(96), rng=random.Random(7))
    assert payloader.ssrc == ssrc
    assert payloader.next_sequence_number == sequence


@pytest.mark.parametrize("kind", PAYLOADERS)
def test_given_ssrc_and_sequence_are_kept(kind: type[H264Payloader]) -> None:
    payloader = kind(PayloaderConfig(96, ssrc=0, first_sequence_number=0xFFFF))
    assert (payloader.ssrc, payloader.next_sequence_number) == (0, 0xFFFF)


def test_default_random_source_varies() -> None:
    ssrcs = {H264Payloader(PayloaderConfig(96)).ssrc for _ in range(8)}
    assert len(ssrcs) > 1


def test_config_defaults() -> None:
    config = PayloaderConfig(96)
    assert config.max_payload_size == 1400
    assert config.max_packet_size == 1412


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (dict(payload_type=128), "payload type must be 0..127, got 128"),
        (dict(payload_type=96, ssrc=-1), "SSRC must fit in 32 bits, got -1"),
        (
            dict(payload_type=96, first_sequence_number=65536),
            "first sequence number must fit in 16 bits, got 65536",
        ),
        (dict(payload_type=96, max_payload_size=0), "max payload size must be positive, got 0"),
    ],
)
def test_config_validation(arguments: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError) as info:
        PayloaderConfig(**arguments)
    assert str(info.value) == message


def test_every_format_describes_itself_for_sdp() -> None:
    formats: list[RtpFormat] = [
        H264Format(96),
        H265Format(97),
        JpegFormat(),
        MetadataFormat(107),
        PcmuFormat(),
        AacFormat(98, 16000, 1),
    ]
    assert [(f.media, f.payload_type, f.clock_rate, f.rtpmap()) for f in formats] == [
        ("video", 96, 90000, "H264/90000"),
        ("video", 97, 90000, "H265/90000"),
        ("video", 26, 90000, "JPEG/90000"),
        ("application", 107, 90000, "vnd.onvif.metadata/90000"),
        ("audio", 0, 8000, "PCMU/8000"),
        ("audio", 98, 16000, "MPEG4-GENERIC/16000/1"),
    ]
