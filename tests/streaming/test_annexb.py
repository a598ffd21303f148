"""Annex-B splitting."""

from __future__ import annotations

import pytest

from onvif_device.streaming.rtp.annexb import join_annexb, split_annexb


@pytest.mark.parametrize(
    ("stream", "units"),
    [
        ("00000001 67aa 00000001 68bb", ["67aa", "68bb"]),
        ("000001 67aa 000001 68bb", ["67aa", "68bb"]),
        ("0000000001 67aa", ["67aa"]),  # leading zero bytes before the first start code
        ("00000001 65aa0000 00000001 41bb", ["65aa", "41bb"]),  # trailing_zero_8bits dropped
        ("00000001 00000001 65aa", ["65aa"]),  # empty unit between start codes skipped
        ("00000001 65000003 00", ["65000003"]),  # emulation prevention kept; trailing zero dropped
        ("00000001", []),
    ],
)
def test_split(stream: str, units: list[str]) -> None:
    assert [u.hex() for u in split_annexb(bytes.fromhex(stream))] == units


@pytest.mark.parametrize("stream", ["", "67aa", "01 000001 67aa", "0000"])
def test_split_needs_a_leading_start_code(stream: str) -> None:
    with pytest.raises(ValueError, match=r"^Annex-B stream must begin with a start code"):
        split_annexb(bytes.fromhex(stream))


def test_join_round_trip() -> None:
    units = [bytes.fromhex("67aa"), bytes.fromhex("68bb")]
    assert join_annexb(units) == bytes.fromhex("00000001 67aa 00000001 68bb")
    assert split_annexb(join_annexb(units)) == units
