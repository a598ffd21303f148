"""ToneSource, AudioEncoder (PCMU, AAC) and BackchannelSink."""

from __future__ import annotations

import av
import numpy as np
import pytest

from onvif_device.streaming.media import (
    AudioEncoder,
    AudioSettings,
    BackchannelSink,
    ToneSource,
)
from onvif_device.streaming.rtp import (
    AacFormat,
    AacPayloader,
    PayloaderConfig,
    PcmuPayloader,
    audio_specific_config,
    decode_ulaw,
    encode_ulaw,
)

from ..depayload import AacDepayloader, PcmuDepayloader, depayload_all


def samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, "<i2").astype(np.int32)


# --- ToneSource ------------------------------------------------------------------------------


def test_tone_is_the_same_whatever_the_chunk_sizes() -> None:
    whole = ToneSource().read(8000)
    source = ToneSource()
    pieces = b"".join(source.read(n) for n in (1, 159, 160, 3000, 4680))
    assert pieces == whole
    assert source.position == 8000


def test_tone_is_quiet_with_a_beep_at_the_start_of_each_second() -> None:
    one_second = samples(ToneSource(16000).read(16000 * 2))
    beep = one_second[:1600]  # first 100 ms
    tone = one_second[2000:16000]
    assert np.abs(beep).max() > 8000
    assert 500 < np.abs(tone).max() < 1500  # about -30 dBFS
    assert np.abs(one_second[16000:17600]).max() > 8000  # and again a second later


def test_tone_has_no_jump_between_reads() -> None:
    source = ToneSource()
    joined = samples(source.read(123) + source.read(4000) + source.read(77))
    # At 8 kHz the 440 Hz tone moves at most ~340 per sample; a seam would jump further.
    assert np.abs(np.diff(joined[1000:])).max() < 400  # after the beep: only the quiet tone


# --- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("OPUS", 48000, 64), "codec"),
        (("PCMU", 16000, 64), "sample_rate"),
        (("AAC", 17000, 64), "sample_rate"),
        (("AAC", 16000, 0), "bitrate_kbps"),
    ],
)
def test_audio_settings_name_the_bad_field(args: tuple, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        AudioSettings(*args)


# --- PCMU -------------------------------------------------------------------------------------


def test_pcmu_packets_hold_20_ms_and_carry_partial_input_over() -> None:
    encoder = AudioEncoder(AudioSettings("PCMU", 8000, 64))
    tone = ToneSource()
    first = encoder.encode(tone.read(250))  # one packet and 90 samples left over
    rest = encoder.encode(tone.read(390))  # 480 samples: three packets

    assert [len(p.data) for p in first + rest] == [160] * 4
    assert [p.timestamp for p in first + rest] == [0, 160, 320, 480]
    assert encoder.packet_samples == 160
    assert encoder.audio_specific_config is None
    assert b"".join(p.data for p in first + rest) == encode_ulaw(ToneSource().read(640))


def test_pcmu_through_rtp() -> None:
    encoder = AudioEncoder(AudioSettings("PCMU", 8000, 64))
    pcm = ToneSource().read(1600)
    rtp = PcmuPayloader(PayloaderConfig(0, ssrc=1, first_sequence_number=0))
    packets = [p for unit in encoder.encode(pcm) for p in rtp.packetize(unit.data, unit.timestamp)]
    received = depayload_all(PcmuDepayloader(), packets)
    decoded = samples(decode_ulaw(b"".join(received)))
    assert len(decoded) == 1600
    assert np.abs(decoded - samples(pcm)).max() < 300  # mu-law's step at these levels


def test_odd_pcm_is_refused() -> None:
    with pytest.raises(ValueError, match="16-bit"):
        AudioEncoder(AudioSettings("PCMU", 8000, 64)).encode(b"\x00\x01\x02")


# --- AAC --------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [16000, 48000])
def test_aac_units_decode_with_the_sdp_config(rate: int) -> None:
    encoder = AudioEncoder(AudioSettings("AAC", rate, 64))
    config = encoder.audio_specific_config
    assert config == audio_specific_config(rate, 1)
    assert f"config={config.hex()}" in AacFormat(97, rate, 1).fmtp()  # what the SDP says

    units = encoder.encode(ToneSource(rate).read(rate))  # one second
    assert encoder.packet_samples == 1024
    assert [u.timestamp for u in units] == [1024 * i for i in range(-1, len(units) - 1)]
    assert all(u.data[0] >> 4 != 0xF for u in units)  # no ADTS sync word

    decoder = av.CodecContext.create("aac", "r")
    decoder.extradata = config
    frames = [f for u in units for f in decoder.decode(av.Packet(u.data))]
    assert sum(f.samples for f in frames) == 1024 * len(units)
    assert {f.sample_rate for f in frames} == {rate}
    # The beep is in the first 100 ms; after priming, the decoded sound carries it.
    decoded = np.concatenate([f.to_ndarray()[0] for f in frames])[1024:]
    assert np.abs(decoded[: rate // 10]).max() > 0.2
    assert np.abs(decoded[rate // 5 : rate // 2]).max() < 0.06


def test_aac_through_rtp() -> None:
    encoder = AudioEncoder(AudioSettings("AAC", 16000, 32))
    units = encoder.encode(ToneSource(16000).read(8000))
    rtp = AacPayloader(PayloaderConfig(97, ssrc=1, first_sequence_number=0))
    packets = [p for u in units for p in rtp.packetize(u.data, u.timestamp & 0xFFFFFFFF)]
    assert depayload_all(AacDepayloader(), packets) == [u.data for u in units]


# --- back channel -----------------------------------------------------------------------------


def test_backchannel_decodes_what_it_is_fed() -> None:
    sink = BackchannelSink()
    pcm = ToneSource().read(320)
    ulaw = encode_ulaw(pcm)
    sink.feed(ulaw[:160])
    sink.feed(ulaw[160:])
    assert sink.samples == sink.received_samples == 320
    assert sink.pcm == decode_ulaw(ulaw)


def test_backchannel_keeps_only_the_latest_seconds() -> None:
    sink = BackchannelSink(max_seconds=0.1)  # 800 samples
    packets = [bytes([i]) * 160 for i in range(10)]
    for packet in packets:
        sink.feed(packet)

    assert sink.received_samples == 1600
    assert sink.samples == 800
    assert sink.pcm == decode_ulaw(b"".join(packets[5:]))
