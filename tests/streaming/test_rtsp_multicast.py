"""Multicast streaming over real multicast, in a private network namespace (tests/netns.py)."""

from __future__ import annotations

from pathlib import Path

import netns
import pytest

SCENARIOS = Path(__file__).with_name("multicast_scenarios.py")


@pytest.mark.parametrize("name", ["start_stop_multicast_streaming", "ffmpeg_plays_rtsp_multicast"])
def test_multicast_in_a_network_namespace(name: str) -> None:
    netns.run_scenario(SCENARIOS, name)
