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
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@functools.cache
def unshare_command() -> list[str] | str:
    """The command prefix that gives a child its own network namespace, or why there is none."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "needs unshare(1) and ip(8) (util-linux, iproute2) to build a private network namespace"
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
