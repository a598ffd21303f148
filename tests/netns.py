"""Running a test scenario in a private network namespace, so multicast never leaves it.

A scenario is a script run in a child process under `unshare --net` (as root,
or with `--map-root-user` where unprivileged user namespaces are allowed).
Where neither works, or `ip` is missing, the caller skips and says why.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

import pytest

ROOT = Path(__file__).parents[1]


@functools.cache
def unshare_command() -> list[str] | str:
    """The command prefix that gives a child its own network namespace, or why there is none."""
    if any(shutil.which(tool) is None for tool in ("unshare", "nsenter", "ip")):
        return "needs unshare(1), nsenter(1) and ip(8) (util-linux, iproute2) to build private network namespaces"
    reasons = []
    for prefix in (["unshare", "--net"], ["unshare", "--net", "--map-root-user"]):
        probe = subprocess.run([*prefix, "ip", "link", "set", "lo", "up"], capture_output=True, text=True, check=False)
        if probe.returncode == 0:
            return prefix
        reasons.append(f"{' '.join(prefix)}: {probe.stderr.strip() or probe.returncode}")
    return "cannot create a network namespace (" + "; ".join(reasons) + "); multicast is never tested on the host"


def run_scenario(script: Path, name: str, timeout: float = 120) -> None:
    prefix = unshare_command()
    if isinstance(prefix, str):
        pytest.skip(prefix)
    result = subprocess.run(
        [*prefix, sys.executable, str(script), name],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))},
    )
    assert result.returncode == 0, f"scenario {name} failed:\n{result.stdout}\n{result.stderr}"


class Peer:
    """A second network namespace on the far end of a veth pair: a client host on one link.

    Made from inside a scenario's namespace: `unshare --net sleep` holds the
    new namespace open, the veth's far end moves into it, and `run` executes
    a command there through nsenter(1).  `near` and `far` are (name, [addresses])
    with prefixes, e.g. ("wsd0", ["10.203.0.1/24", "fd00:203::1/64"]).
    """

    def __init__(self, near: tuple[str, list[str]], far: tuple[str, list[str]]) -> None:
        self.holder = subprocess.Popen(["unshare", "--net", "sleep", "600"])
        ours = os.readlink("/proc/self/ns/net")
        for _ in range(500):
            try:
                if os.readlink(f"/proc/{self.holder.pid}/ns/net") != ours:
                    break
            except OSError:
                pass
            time.sleep(0.01)
        else:
            raise RuntimeError("the peer namespace never came up")
        (near_name, near_addresses), (far_name, far_addresses) = near, far
        self.name = far_name
        _ip(["link", "add", near_name, "type", "veth", "peer", "name", far_name, "netns", str(self.holder.pid)])
        for address in near_addresses:
            _ip(["addr", "add", address, "dev", near_name, "nodad"] if ":" in address else
                ["addr", "add", address, "dev", near_name])
        _ip(["link", "set", near_name, "up"])
        self.run(["ip", "link", "set", "lo", "up"])
        for address in far_addresses:
            self.run(["ip", "addr", "add", address, "dev", far_name, *(["nodad"] if ":" in address else [])])
        self.run(["ip", "link", "set", far_name, "up"])

    def run(self, command: list[str], timeout: float = 60) -> str:
        """`command` run inside the peer; its standard output (an error says what failed)."""
        result = subprocess.run(
            ["nsenter", f"--net=/proc/{self.holder.pid}/ns/net", "--", *command],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"in peer {self.name}: {' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self, command: list[str]) -> subprocess.Popen[str]:
        """`command` started inside the peer, its standard output a pipe."""
        return subprocess.Popen(["nsenter", f"--net=/proc/{self.holder.pid}/ns/net", "--", *command],
                                stdout=subprocess.PIPE, text=True)

    def close(self) -> None:
        self.holder.kill()
        self.holder.wait()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _ip(arguments: list[str]) -> None:
    subprocess.run(["ip", *arguments], check=True, capture_output=True, text=True)
