"""The RTP clock: sender reports pair each RTP timestamp with the wall time of exactly that tick."""

import random

from onvif_device.streaming.track import RtpClock


def test_a_reading_pairs_the_timestamp_with_the_wall_time_of_its_tick():
    clock = RtpClock(90_000, start=1000.0, wall_at_start=1_700_000_000.0, rng=random.Random(7))
    # 0.4 of a tick past one tick, then 0.6 past another: the two round in opposite directions.
    first_rtp, first_wall = clock.reading(1000.0 + 111_111.4 / 90_000)
    later_rtp, later_wall = clock.reading(1000.0 + 628_888.6 / 90_000)
    assert first_rtp == clock.rtp(1000.0 + 111_111.4 / 90_000)
    # A receiver maps RTP to wall time through two reports: the mapping must hold to the tick
    # (within what a float holds of a wall time near 1.7e9 s, a few hundredths of a tick).
    ticks = (later_rtp - first_rtp) & 0xFFFF_FFFF
    assert ticks == 517_778
    assert abs((later_wall - first_wall) * 90_000 - ticks) < 0.05
    assert abs((first_wall - 1_700_000_000.0) * 90_000 - 111_111) < 0.05


def test_timestamps_wrap_at_32_bits():
    clock = RtpClock(90_000, start=0.0, wall_at_start=0.0, rng=random.Random(1))
    clock.base = 0xFFFF_FFF0
    assert clock.rtp(1 / 90_000 * 0x20) == 0x10
