"""WS-Discovery over real multicast, with the WSDiscovery package's client: in a network namespace.

Every scenario runs in a child process started under `unshare --net` (as root,
or with `--map-root-user` where unprivileged user namespaces are allowed), so
no datagram ever reaches the host's network; see `wsd_netns_scenarios.py` for
the link it builds.  Where neither works, or `ip` is missing, the tests skip
and say why.
"""

from __future__ import annotations

from pathlib import Path

import netns
import pytest

SCENARIOS = Path(__file__).with_name("wsd_netns_scenarios.py")


def run_scenario(name: str) -> None:
    netns.run_scenario(SCENARIOS, name)


@pytest.mark.parametrize(
    "name", ["search", "resolve_and_unicast", "hello_bye", "non_discoverable", "hostile", "fifty_cameras", "cli"]
)
def test_in_a_network_namespace(name: str) -> None:
    run_scenario(name)
