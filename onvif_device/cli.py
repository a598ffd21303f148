"""`onvif-device run`: start a virtual camera from flags and/or a TOML file."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import socket
import sys
from pathlib import Path

from onvif_device import __version__
from onvif_device.camera import Camera
from onvif_device.camera.state import StateFileError, StateStore
from onvif_device.config import Config, ConfigError, load_config
from onvif_device.server import CameraServer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="onvif-device", description="A virtual ONVIF IP camera.")
    parser.add_argument("--version", action="version", version=f"onvif-device {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start a camera (no file needed: every setting has a default)")
    run.add_argument("--config", type=Path, help="TOML configuration file")
    run.add_argument("--host", help="address to bind (default 0.0.0.0)")
    run.add_argument("--advertise-address", help="address put into XAddrs and stream URIs")
    run.add_argument("--http-port", type=int, help="HTTP/SOAP port (default 8080; 0 picks a free one)")
    run.add_argument("--rtsp-port", type=int, help="RTSP port (default 8554)")
    run.add_argument("--username", help="administrator user name (default admin)")
    run.add_argument("--password", help="administrator password (default admin)")
    run.add_argument("--no-auth", action="store_true", help="answer every operation without credentials")
    run.add_argument("--no-discovery", action="store_true", help="do not answer WS-Discovery")
    run.add_argument("--mdns", action="store_true", help="also announce over mDNS (needs the zeroconf package)")
    run.add_argument("--state-dir", type=Path, help="keep settings changed over SOAP in this folder")
    run.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
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


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = apply_flags(load_config(args.config), args)
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            return runner.run(_run(config))
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


async def _run(config: Config) -> int:
    store = StateStore(config.server.state_dir) if config.server.state_dir else None
    seed = f"{socket.gethostname()}:{config.server.http_port}"
    camera = Camera(config, seed=seed, store=store)
    server = CameraServer(camera)
    await server.start()
    _print_banner(server, config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print("onvif-device: shutting down", flush=True)
    await server.stop()
    return 0


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
