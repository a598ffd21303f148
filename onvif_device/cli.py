"""`onvif-device run`: start a virtual camera, or a fleet of them, from flags and/or a TOML file.

One camera prints a banner; a fleet (`--cameras N`, `--addresses`, or a file
with `[fleet]` or `[[camera]]` tables; see config.FleetConfig) prints its
progress and then a table of its cameras.  `--inventory FILE` writes every
camera's URLs and credentials as JSON for test harnesses.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import socket
import sys
from pathlib import Path

from onvif_device import __version__, healthcheck
from onvif_device.camera import Camera
from onvif_device.camera.state import StateFileError, StateStore
from onvif_device.config import (
    Config,
    ConfigError,
    ConfigFile,
    FleetConfig,
    fleet_configs,
    load_file,
)
from onvif_device.fleet import CameraHandle, Fleet, write_inventory
from onvif_device.server import CameraServer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="onvif-device", description="A virtual ONVIF IP camera.")
    parser.add_argument("--version", action="version", version=f"onvif-device {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start a camera (no file needed: every setting has a default)")
    run.add_argument("--config", type=Path, help="TOML configuration file")
    run.add_argument("--host", help="address to bind (default 0.0.0.0)")
    run.add_argument("--advertise-address", help="address put into XAddrs and stream URIs")
    run.add_argument("--http-port", type=int,
                     help="HTTP/SOAP port (default 8080; 0 picks a free one); in a fleet, camera 1's, the next"
                          " cameras' follow")
    run.add_argument("--rtsp-port", type=int, help="RTSP port (default 8554); in a fleet, camera 1's, as above")
    run.add_argument("--cameras", type=_count, metavar="N", help="run N cameras (a fleet) from the configuration")
    run.add_argument("--addresses", metavar="RANGE",
                     help="give each camera of the fleet its own address, e.g. 127.0.0.10-127.0.0.59")
    run.add_argument("--inventory", type=Path, metavar="FILE",
                     help="once started, write every camera's URLs and credentials to FILE as JSON")
    run.add_argument("--username", help="administrator user name (default admin)")
    run.add_argument("--password", help="administrator password (default admin)")
    run.add_argument("--no-auth", action="store_true", help="answer every operation without credentials")
    run.add_argument("--no-discovery", action="store_true", help="do not answer WS-Discovery")
    run.add_argument("--mdns", action="store_true", help="also announce over mDNS (needs the zeroconf package)")
    run.add_argument("--state-dir", type=Path, help="keep settings changed over SOAP in this folder")
    run.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    healthcheck.add_parser(commands)
    return parser


def apply_flags(config: Config, args: argparse.Namespace) -> Config:
    """The file's configuration with the command-line flags laid over it."""
    server = {
        "host": args.host,
        "advertise_address": args.advertise_address,
        "http_port": args.http_port,
        "rtsp_port": args.rtsp_port,
        "state_dir": args.state_dir,
    }
    server = {k: v for k, v in server.items() if v is not None}
    if args.no_discovery:
        server["discovery"] = False
    if args.mdns:
        server["mdns"] = True
    auth = {k: v for k, v in {"username": args.username, "password": args.password}.items() if v is not None}
    if args.no_auth:
        auth["enabled"] = False
    data = config.model_dump()
    data["server"].update(server)
    data["auth"].update(auth)
    return Config.model_validate(data)


def camera_configs(file: ConfigFile, args: argparse.Namespace) -> tuple[list[Config], bool]:
    """Every camera's configuration, flags laid over the file; and whether that makes a fleet."""
    template = apply_flags(file.template(), args)
    is_fleet = file.declares_fleet or (args.cameras or 1) > 1 or bool(args.addresses)
    if not is_fleet:
        return [template], False
    fleet = file.fleet or FleetConfig()
    changes: dict[str, object] = {}
    if args.addresses:
        changes["addresses"] = [args.addresses]
    elif not fleet.addresses:
        # On one address, the port flags say where the ranges start.
        ports = {"http_port_start": args.http_port, "rtsp_port_start": args.rtsp_port}
        changes.update({name: port for name, port in ports.items() if port is not None})
    if changes:
        fleet = FleetConfig.model_validate({**fleet.model_dump(), **changes})
    return fleet_configs(template, fleet, file.camera, count=args.cameras, source=file.source), True


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 10_000:
        raise argparse.ArgumentTypeError(f"expected a number of cameras from 1 to 10000, not {text!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "healthcheck":
        return healthcheck.main(args)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        configs, is_fleet = camera_configs(load_file(args.config), args)
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            return runner.run(_run_fleet(configs, args) if is_fleet else _run(configs[0], args.inventory))
    except (ConfigError, StateFileError, OSError) as exc:
        print(f"onvif-device: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # a flag pydantic refused, e.g. a port out of range
        print(f"onvif-device: invalid option: {exc}", file=sys.stderr)
        return 2


def _loop_factory():
    """uvloop when installed (uvicorn[standard] brings it): about twice asyncio's throughput."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


async def _run(config: Config, inventory: Path | None = None) -> int:
    store = StateStore(config.server.state_dir) if config.server.state_dir else None
    seed = f"{socket.gethostname()}:{config.server.http_port}"
    camera = Camera(config, seed=seed, store=store)
    server = CameraServer(camera)
    await server.start()
    if inventory is not None:
        write_inventory(inventory, [CameraHandle(camera, server, state_dir=config.server.state_dir)])
    _print_banner(server, config)
    await _until_signalled()
    print("onvif-device: shutting down", flush=True)
    await server.stop()
    return 0


async def _run_fleet(configs: list[Config], args: argparse.Namespace) -> int:
    fleet = Fleet(configs, seed=socket.gethostname())
    total = len(fleet)
    step = max(1, total // 10)

    def progress(started: int, total: int) -> None:
        if started % step == 0 or started == total:
            print(f"onvif-device: started {started}/{total}", flush=True)

    await fleet.start(progress if total > 1 else None)
    if args.inventory is not None:
        fleet.write_inventory(args.inventory)
    if total == 1:
        handle = fleet.cameras[0]
        _print_banner(handle.server, handle.config)
    else:
        _print_table(fleet)
    await _until_signalled()
    print(f"onvif-device: shutting down {total} camera(s)", flush=True)
    await fleet.stop()
    return 0


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def _print_banner(server: CameraServer, config: Config) -> None:
    camera = server.camera
    auth = config.auth
    credentials = f"{auth.username} / {auth.password}" if auth.enabled else "none (--no-auth)"
    state = config.server.state_dir or "in memory only (use --state-dir to keep changes)"
    print(
        f"onvif-device {__version__}: {camera.identity.name} ({camera.identity.model}, serial "
        f"{camera.identity.serial_number})\n"
        f"  device service: {server.device_url}\n"
        f"  credentials:    {credentials}\n"
        f"  state:          {state}\n"
        f"  listening on:   {config.server.host}:{server.http_port}",
        flush=True,
    )


def _print_table(fleet: Fleet) -> None:
    rows = [(str(h.number), h.name, h.device_url, h.stream_url()) for h in fleet.cameras]
    header = ("#", "name", "device service", "main stream")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    lines = [f"onvif-device {__version__}: {len(rows)} cameras"]
    for row in [header, *rows]:
        lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    first = fleet.cameras[0].config
    auth = first.auth
    credentials = f"{auth.username} / {auth.password}" if auth.enabled else "none (--no-auth)"
    root = first.server.state_dir.parent if first.server.state_dir else None
    lines.append(f"  credentials: {credentials} (unless a [[camera]] table sets others)")
    lines.append(f"  state:       {root}/<camera id>/" if root else
                 "  state:       in memory only (use --state-dir to keep changes)")
    print("\n".join(lines), flush=True)
