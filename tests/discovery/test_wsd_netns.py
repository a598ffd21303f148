"""WS-Discovery over real multicast, with the WSDiscovery package's client: in a network namespace.

Every scenario runs in a child process started under `unshare --net` (as root,
or with `--map-root-user` where unprivileged user namespaces are allowed), so
no datagram ever reaches the host's network; see `wsd_netns_scenarios.py` for
the links they build (the last five put each client host in a namespace of
its own, on one network).  Where neither works, or `ip` is missing, the tests skip
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
    "name",
    ["search", "resolve_and_unicast", "hello_bye", "non_discoverable", "hostile", "fifty_cameras", "cli",
     "two_links", "ipv6", "unsupported_rule", "repeats", "mdns"],
)
def test_in_a_network_namespace(name: str) -> None:
    if name == "mdns":
        pytest.importorskip("zeroconf", reason="mDNS is optional: pip install 'onvif-device[mdns]'")
    run_scenario(name)
