"""Duplicate detection and the reply rate limit, on a fake clock."""

from __future__ import annotations

import pytest

from onvif_device.discovery import DuplicateFilter, TokenBucket


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_repeated_message_id_is_a_duplicate() -> None:
    seen = DuplicateFilter()
    assert not seen.is_duplicate("urn:uuid:1")
    assert seen.is_duplicate("urn:uuid:1")  # SOAP-over-UDP repeats every message
    assert seen.is_duplicate("urn:uuid:1")
    assert not seen.is_duplicate("urn:uuid:2")
    assert not seen.is_duplicate(("urn:uuid:1", "eth1"))  # keys may carry the interface


def test_memory_is_bounded_and_least_recently_seen_goes_first() -> None:
    seen = DuplicateFilter(capacity=3)
    for key in ("a", "b", "c"):
        seen.is_duplicate(key)
    assert seen.is_duplicate("a")  # refreshes "a"
    assert not seen.is_duplicate("d")  # evicts "b", the least recently seen
    assert len(seen) == 3
    assert seen.is_duplicate("a") and seen.is_duplicate("c") and seen.is_duplicate("d")
    assert not seen.is_duplicate("b")


def test_a_flood_of_fresh_ids_cannot_grow_the_memory() -> None:
    seen = DuplicateFilter(capacity=100)
    assert not any(seen.is_duplicate(f"urn:uuid:{n}") for n in range(10_000))
    assert len(seen) == 100


def test_duplicate_filter_needs_room() -> None:
    with pytest.raises(ValueError):
        DuplicateFilter(capacity=0)


def test_bucket_allows_a_burst_then_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=4, burst=8, clock=clock)
    assert [bucket.allow() for _ in range(10)] == [True] * 8 + [False] * 2
    clock.now += 0.25  # one token's worth
    assert bucket.allow() and not bucket.allow()
    clock.now += 0.125  # half a token: not enough
    assert not bucket.allow()
    clock.now += 0.125
    assert bucket.allow()


def test_a_flood_gets_at_most_burst_plus_rate_times_duration() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=8, burst=16, clock=clock)
    allowed = 0
    for _ in range(10 * 1024):  # 1,024 probes a second for 10 s (binary fractions: exact floats)
        clock.now += 1 / 1024
        allowed += bucket.allow()
    # burst + rate x duration, less the first tick's refill, lost to the full bucket
    assert allowed == 16 + 8 * 10 - 1


def test_bucket_never_holds_more_than_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=100, burst=5, clock=clock)
    clock.now += 3600
    assert bucket.tokens == 5
    assert sum(bucket.allow() for _ in range(10)) == 5


def test_a_clock_stepping_back_neither_mints_nor_burns_tokens() -> None:
    clock = FakeClock(1000.0)
    bucket = TokenBucket(rate=1, burst=2, clock=clock)
    assert bucket.allow() and bucket.allow() and not bucket.allow()
    clock.now = 900.0
    assert bucket.tokens == 0
    clock.now = 1000.5
    assert bucket.tokens == 0.5  # only the time past 1000.0 counts, once
    clock.now = 1001.0
    assert bucket.allow()


def test_cost_takes_several_tokens_or_none() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=1, burst=3, clock=clock)
    assert not bucket.allow(cost=4)
    assert bucket.tokens == 3
    assert bucket.allow(cost=3)
    assert bucket.tokens == 0


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0.5)])
def test_bucket_refuses_nonsense(rate: float, burst: float) -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate=rate, burst=burst)
