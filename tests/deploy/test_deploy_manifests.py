"""docker/compose.yaml and docker/k8s/: valid, consistent with the image, and their commands run here.

Compose is checked against the Compose Specification's schema (the copy
check-jsonschema ships), the Kubernetes objects against the Kubernetes API
schemas (kubernetes-validate), both with yamllint; `kubectl kustomize` builds
the kustomization when kubectl is installed.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from deployutil import (
    DOCKER,
    ROOT,
    STARTUP_SECONDS,
    Started,
    free_port,
    read_image,
    read_yaml,
    replace_paths,
    set_flags,
    tool,
)
from yamllint import linter
from yamllint.config import YamlLintConfig

from onvif_device import healthcheck
from onvif_device.cli import build_parser
from onvif_device.config import load_config

IMAGE = read_image()
COMPOSE = DOCKER / "compose.yaml"
K8S = DOCKER / "k8s"
MANIFESTS = sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")
YAMLLINT = YamlLintConfig("extends: default\nrules:\n  line-length: {max: 120}\n  document-start: disable\n")


def run_tool(*argv: str) -> subprocess.CompletedProcess[str]:
    program = tool(argv[0])
    if program is None:
        pytest.fail(f"{argv[0]} is not installed (pip install -e '.[test]')")
    return subprocess.run([program, *argv[1:]], check=False, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("path", [COMPOSE, *K8S.glob("*.yaml")], ids=lambda path: path.name)
def test_yamllint_finds_nothing(path):
    problems = list(linter.run(path.read_text(encoding="utf-8"), YAMLLINT, str(path)))
    assert not problems, "\n".join(f"{path.name}:{p.line}:{p.column} {p.desc} ({p.rule})" for p in problems)


def wait_for_file(path: Path, camera: Started) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not path.exists():
        assert camera.process.poll() is None, camera.output()
        assert time.monotonic() < deadline, f"{path.name} never appeared:\n{camera.output()}"
        time.sleep(0.1)


# --- compose ---------------------------------------------------------------------------------

SERVICES = read_yaml(COMPOSE)[0]["services"]


def interpolate(text: str) -> str:
    """Compose's `${NAME:-default}` with nothing set in the environment: the default."""
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}", r"\1", text)


def test_compose_matches_the_compose_specification():
    result = run_tool("check-jsonschema", "--builtin-schema", "vendor.compose-spec", str(COMPOSE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_has_a_camera_and_a_ten_camera_fleet():
    assert set(SERVICES) == {"camera", "fleet"}
    args = build_parser().parse_args([*IMAGE.entrypoint[1:], *SERVICES["fleet"]["command"]])
    assert args.cameras == 10


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_runs_the_image_as_built(name):
    service = SERVICES[name]
    build = service["build"]
    assert (COMPOSE.parent / build["context"]).resolve() == ROOT
    assert build["dockerfile"] == "docker/Dockerfile"
    assert [volume.split(":")[1] for volume in service["volumes"]] == list(IMAGE.volumes)
    for published in service.get("ports", []):
        container_port = published.split(":")[-1]
        assert container_port in IMAGE.exposed, published
    command = [*IMAGE.entrypoint, *map(interpolate, service.get("command", IMAGE.cmd))]
    build_parser().parse_args(command[1:])  # every flag exists
    test = service.get("healthcheck", {}).get("test")
    if test is not None:  # an override: the image's check with other flags
        assert test[0] == "CMD" and tuple(test[1 : 1 + len(IMAGE.healthcheck)]) == IMAGE.healthcheck
        check = build_parser().parse_args(test[2:])
        assert check.http_port == build_parser().parse_args(command[1:]).http_port, "it checks camera 1"


def test_the_bridged_camera_advertises_the_given_address(tmp_path):
    command = [*IMAGE.entrypoint, *map(interpolate, SERVICES["camera"]["command"])]
    http_port = free_port()
    command = set_flags(command, host="127.0.0.1", http_port=str(http_port), rtsp_port=str(free_port()),
                        state_dir=str(tmp_path), no_discovery=None)
    advertised = build_parser().parse_args(command[1:]).advertise_address
    with Started(command) as camera:
        camera.wait_healthy([*IMAGE.healthcheck, "--http-port", str(http_port)])
        assert f"device service: http://{advertised}:{http_port}/onvif/device_service" in camera.output()


def test_the_fleet_service_starts_ten_cameras_and_its_health_check_passes(tmp_path):
    """Its command, on loopback and free ports; its health check, pointed at where camera 1 landed."""
    service = SERVICES["fleet"]
    inventory = tmp_path / "cameras.json"
    command = set_flags([*IMAGE.entrypoint, *service["command"]], host="127.0.0.1", http_port="0",
                        rtsp_port="0", state_dir=str(tmp_path / "state"), no_discovery=None,
                        inventory=str(inventory))
    with Started(command) as fleet:
        wait_for_file(inventory, fleet)
        cameras = json.loads(inventory.read_text())
        check = set_flags(service["healthcheck"]["test"][1:], http_port=str(cameras[0]["http_port"]))
        fleet.wait_healthy(check)
        answers = [healthcheck.check(camera["device_url"]) for camera in cameras]
    assert len(cameras) == 10 and len(answers) == 10
    assert len({camera["serial_number"] for camera in cameras}) == 10
    assert len({camera["mac_address"] for camera in cameras}) == 10


# --- Kubernetes ------------------------------------------------------------------------------

OBJECTS = {(o["kind"], o["metadata"]["name"]): o for path in MANIFESTS for o in read_yaml(path)}
STATEFULSET = next(o for (kind, _), o in OBJECTS.items() if kind == "StatefulSet")
POD = STATEFULSET["spec"]["template"]["spec"]
CONTAINER = POD["containers"][0]


def test_kubernetes_objects_match_the_api_schemas():
    result = run_tool("kubernetes-validate", "--strict", *map(str, MANIFESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed" in result.stdout


def test_the_kustomization_builds_every_manifest():
    kustomization = read_yaml(K8S / "kustomization.yaml")[0]
    assert sorted(kustomization["resources"]) == [path.name for path in MANIFESTS]
    kubectl = tool("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed; the objects are still checked one by one")
    result = subprocess.run([kubectl, "kustomize", str(K8S)], check=False, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    built = {(o["kind"], o["metadata"]["name"]) for o in yaml.safe_load_all(result.stdout)}
    assert built == set(OBJECTS)


def config_mount() -> tuple[str, str]:
    """The ConfigMap key the pod reads and the path it reads it at."""
    volume = next(v for v in POD["volumes"] if "configMap" in v)
    mount = next(m for m in CONTAINER["volumeMounts"] if m["name"] == volume["name"])
    config_map = OBJECTS[("ConfigMap", volume["configMap"]["name"])]
    (key,) = config_map["data"]
    return config_map["data"][key], f"{mount['mountPath']}/{key}"


def test_the_pod_runs_the_image_entrypoint_with_the_config_map():
    assert "command" not in CONTAINER, "the image's entrypoint, with args added"
    args = build_parser().parse_args([*IMAGE.entrypoint[1:], *CONTAINER["args"]])
    _, path = config_mount()
    assert str(args.config) == path
    state = next(m for m in CONTAINER["volumeMounts"] if m["name"] == "state")
    assert state["mountPath"] == str(args.state_dir) == IMAGE.volumes[0]
    assert STATEFULSET["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "state"
    uid, _, gid = IMAGE.user.partition(":")
    assert POD["securityContext"]["runAsUser"] == int(uid)
    assert POD["securityContext"]["runAsGroup"] == int(gid or uid)
    assert POD["securityContext"]["runAsNonRoot"] is True


def test_the_probes_are_the_image_health_check_on_the_pods_config():
    _, path = config_mount()
    probes = [CONTAINER[name] for name in ("startupProbe", "readinessProbe", "livenessProbe")]
    for probe in probes:
        command = probe["exec"]["command"]
        assert tuple(command[: len(IMAGE.healthcheck)]) == IMAGE.healthcheck
        assert str(build_parser().parse_args(command[1:]).config) == path


def test_ports_and_services_point_at_the_cameras(tmp_path):
    local_config = tmp_path / "camera.toml"
    local_config.write_text(config_mount()[0], encoding="utf-8")
    server = load_config(local_config).server
    ports = {p["name"]: p for p in CONTAINER["ports"]}
    assert ports["http"]["containerPort"] == server.http_port
    assert ports["rtsp"]["containerPort"] == server.rtsp_port
    assert {f"{p['containerPort']}/{p['protocol'].lower()}" for p in ports.values()} <= IMAGE.exposed
    labels = STATEFULSET["spec"]["template"]["metadata"]["labels"]
    assert STATEFULSET["spec"]["selector"]["matchLabels"].items() <= labels.items()
    headless = OBJECTS[("Service", STATEFULSET["spec"]["serviceName"])]
    assert headless["spec"]["clusterIP"] == "None"
    services = [o for (kind, _), o in OBJECTS.items() if kind == "Service"]
    assert len(services) >= 2
    for service in services:
        selector = dict(service["spec"]["selector"])
        pod_name = selector.pop("statefulset.kubernetes.io/pod-name", None)
        assert selector.items() <= labels.items()
        if pod_name is not None:  # a Service for one camera: one of the StatefulSet's pods
            ordinal = pod_name.removeprefix(STATEFULSET["metadata"]["name"] + "-")
            assert ordinal.isdigit() and int(ordinal) < STATEFULSET["spec"]["replicas"]
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= {"http", "rtsp"}
    resources = CONTAINER["resources"]
    assert resources["requests"] and resources["limits"]


def test_a_pod_command_serves_and_its_probe_passes(tmp_path):
    """The container's entrypoint and args with the ConfigMap's file, then its readiness probe."""
    text, path = config_mount()
    local_config = tmp_path / "camera.toml"
    local_config.write_text(text, encoding="utf-8")
    http_port = free_port()
    command = replace_paths([*IMAGE.entrypoint, *CONTAINER["args"]], {path: str(local_config)})
    command = set_flags(command, host="127.0.0.1", http_port=str(http_port), rtsp_port=str(free_port()),
                        state_dir=str(tmp_path / "state"))
    probe = replace_paths(CONTAINER["readinessProbe"]["exec"]["command"], {path: str(local_config)})
    probe = set_flags(probe, http_port=str(http_port))
    with Started(command) as camera:
        healthy = camera.wait_healthy(probe)
    assert f":{http_port}/onvif/device_service answers" in healthy.stdout
    assert (tmp_path / "state" / "state.json").exists()
