"""The deployment files as the tests read them, and running their commands here.

There is no container engine on the test machines, so the tests take the
commands out of docker/Dockerfile, docker/compose.yaml and docker/k8s/ and
run them directly, against the installed `onvif-device` console script, on
loopback and free ports.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import dockerfile
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
CONFIGS = ROOT / "configs"

STARTUP_SECONDS = 60  # how long a started command may take to answer before the test gives up


@dataclass(frozen=True)
class Image:
    """What the tests need from docker/Dockerfile."""

    base: str
    user: str
    volumes: tuple[str, ...]
    exposed: frozenset[str]  # "8080/tcp"
    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...]
    healthcheck: tuple[str, ...]  # the argv after HEALTHCHECK CMD
    copies: tuple[str, ...]  # every COPY source

    @property
    def command(self) -> list[str]:
        """What `docker run IMAGE` runs."""
        return [*self.entrypoint, *self.cmd]


def read_image(path: Path = DOCKER / "Dockerfile") -> Image:
    found: dict[str, dockerfile.Command] = {}
    volumes: list[str] = []
    exposed: set[str] = set()
    copies: list[str] = []
    for instruction in dockerfile.parse_file(str(path)):
        found[instruction.cmd] = instruction  # the last one of each counts, as in Docker
        if instruction.cmd == "VOLUME":
            volumes += instruction.value
        elif instruction.cmd == "EXPOSE":
            exposed.update(port if "/" in port else f"{port}/tcp" for port in instruction.value)
        elif instruction.cmd == "COPY":
            copies += [source for source in instruction.value[:-1]]
    for name in ("ENTRYPOINT", "CMD", "HEALTHCHECK"):
        # Exec form only: a shell form would run through /bin/sh and swallow SIGTERM.
        assert found[name].json, f"{name} should be in exec form (a JSON list)"
    kind, *check = found["HEALTHCHECK"].value
    assert kind == "CMD", "HEALTHCHECK should run a command"
    return Image(
        base=found["FROM"].value[0],
        user=found["USER"].value[0],
        volumes=tuple(volumes),
        exposed=frozenset(exposed),
        entrypoint=tuple(found["ENTRYPOINT"].value),
        cmd=tuple(found["CMD"].value),
        healthcheck=tuple(check),
        copies=tuple(copies),
    )


def read_yaml(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as stream:
        return [document for document in yaml.safe_load_all(stream) if document is not None]


def tool(name: str) -> str | None:
    """A command-line tool from this environment's bin folder (pip-installed), else from PATH."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else shutil.which(name)


def local(argv: list[str] | tuple[str, ...]) -> list[str]:
    """`argv` with its program resolved here: `onvif-device` is the installed console script."""
    program = tool(argv[0])
    assert program, f"{argv[0]} is not installed (pip install -e .)"
    return [program, *argv[1:]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def replace_paths(argv: list[str] | tuple[str, ...], mapping: dict[str, str]) -> list[str]:
    """`argv` with container paths swapped for local ones."""
    return [mapping.get(arg, arg) for arg in argv]


def set_flags(argv: list[str] | tuple[str, ...], **flags: str | None) -> list[str]:
    """`argv` with each `--flag value` replaced, or appended when absent; None appends a bare `--flag`.

    set_flags(["run", "--http-port", "8100"], http_port="0", no_discovery=None)
    -> ["run", "--http-port", "0", "--no-discovery"]
    """
    argv = list(argv)
    for name, value in flags.items():
        flag = "--" + name.replace("_", "-")
        if flag in argv and value is not None:
            argv[argv.index(flag) + 1] = value
        elif flag not in argv:
            argv += [flag] if value is None else [flag, value]
    return argv


def run_check(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(local(argv), check=False, capture_output=True, text=True, timeout=30)


class Started:
    """A command started in the background, stopped with SIGTERM as a container runtime does."""

    def __init__(self, argv: list[str], cwd: Path = ROOT) -> None:
        self.argv = local(argv)
        # A file, not a pipe: a chatty server never blocks on it. Closed in __exit__.
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
        self.process = subprocess.Popen(self.argv, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT, text=True)

    def wait_healthy(self, check: list[str]) -> subprocess.CompletedProcess[str]:
        """Run the health check until it passes; fail with the server's output if it never does."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            result = run_check(check)
            if result.returncode == 0:
                return result
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"{' '.join(check)} never passed; last: {result.stderr.strip()}\n"
                    f"server ({' '.join(self.argv)}) said:\n{self.output()}"
                )
            time.sleep(0.2)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def output(self) -> str:
        """Everything the command printed so far."""
        self.log.seek(0)
        return self.log.read()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        self.log.close()
