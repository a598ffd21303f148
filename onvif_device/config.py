"""Configuration: a TOML file validated by pydantic, every field with a working default.

`onvif-device run` needs no file at all; command-line flags override the file.
A bad file is reported with the field's dotted path and, where it can be
found, the line it is on.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

UserLevel = Literal["Administrator", "Operator", "User"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServerConfig(_Section):
    host: str = "0.0.0.0"
    advertise_address: str = Field(
        "", description="address put into XAddrs and URIs; empty picks the primary non-loopback IPv4"
    )
    http_port: int = Field(8080, ge=0, le=65535)
    rtsp_port: int = Field(8554, ge=0, le=65535)
    rtsp_max_sessions: int = Field(200, ge=1, le=100_000)  # more SETUPs get 453 Not Enough Bandwidth
    discovery: bool = True
    mdns: bool = Field(False, description="also announce over mDNS: _onvif._tcp and _rtsp._tcp per stream (zeroconf)")
    state_dir: Path | None = None
    reboot_seconds: float = Field(3.0, ge=0, le=600, description="how long the camera is away on SystemReboot")
    max_body_bytes: int = Field(1024 * 1024, ge=1024)


class UserConfig(_Section):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(max_length=64)
    level: UserLevel = "User"


class AuthConfig(_Section):
    enabled: bool = True
    username: str = Field("admin", min_length=1, max_length=64)
    password: str = Field("admin", max_length=64)
    users: list[UserConfig] = []
    http_basic: bool = Field(False, description="also accept HTTP Basic (sends the password in clear)")
    digest_algorithms: list[Literal["MD5", "SHA-256"]] = ["SHA-256", "MD5"]
    wsse_window_seconds: float = Field(300.0, gt=0, description="how far a UsernameToken Created may be from the clock")


class IdentityConfig(_Section):
    """Who the camera says it is; empty fields are derived from `seed`."""

    name: str = "Virtual Camera"
    manufacturer: str = "onvif-device"
    model: str = "VC-1080"
    firmware_version: str = ""
    serial_number: str = ""
    hardware_id: str = ""
    mac_address: str = ""
    endpoint_uuid: str = ""
    location: str = "lab"
    seed: str = Field("", description="derives serial, MAC and UUID; empty uses the host name and HTTP port")

    @field_validator("mac_address")
    @classmethod
    def _mac(cls, value: str) -> str:
        if value and not re.fullmatch(r"([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}", value):
            raise ValueError("expected six hex octets such as 02:00:5e:10:00:01")
        return value.lower().replace("-", ":")


class ClockConfig(_Section):
    timezone: str = "UTC0"
    offset_seconds: float = Field(0.0, description="start the device clock this far from host UTC (clock skew tests)")


class VideoSourceConfig(_Section):
    width: int = Field(1920, ge=160, le=4096)
    height: int = Field(1080, ge=90, le=2304)
    framerate: float = Field(25.0, ge=1, le=60)
    file: Path | None = Field(
        None,
        description="a video file the source plays in a loop instead of the test card; its size and frame rate"
        " replace width, height and framerate; a relative path is taken from the working directory",
    )


class MediaConfig(_Section):
    video_sources: list[VideoSourceConfig] = Field([VideoSourceConfig()], min_length=1, max_length=4)
    audio: bool = Field(True, description="an audio input, an audio output and their configurations")
    max_profiles: int = Field(16, ge=3, le=64, description="how many media profiles clients may have in all")


class EventsConfig(_Section):
    motion_every_seconds: float = Field(
        30.0, ge=0, description="a scripted intruder crosses each view this often, raising motion; 0 never"
    )
    motion_seconds: float = Field(8.0, gt=0, description="how long each scripted motion lasts")
    processor_usage_seconds: float = Field(
        5.0, ge=0, description="how often tns1:Monitoring/ProcessorUsage reports; 0 never"
    )
    max_pull_points: int = Field(100, ge=1, le=10_000, description="pull point subscriptions at once")
    max_push_subscriptions: int = Field(50, ge=0, le=10_000, description="WS-BaseNotification subscriptions at once")
    max_event_brokers: int = Field(4, ge=0, le=64, description="MQTT brokers AddEventBroker accepts")
    queue_messages: int = Field(
        1000, ge=10, le=1_000_000, description="messages a subscription holds; beyond it the oldest are dropped"
    )


class IoConfig(_Section):
    digital_inputs: int = Field(2, ge=0, le=16)
    relay_outputs: int = Field(2, ge=0, le=16)


class Config(_Section):
    server: ServerConfig = ServerConfig()
    auth: AuthConfig = AuthConfig()
    identity: IdentityConfig = IdentityConfig()
    clock: ClockConfig = ClockConfig()
    media: MediaConfig = MediaConfig()
    events: EventsConfig = EventsConfig()
    io: IoConfig = IoConfig()


class ConfigError(Exception):
    """A configuration file could not be used; the message says where and why."""


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(path, text, exc)) from None


def _describe(path: Path, text: str, exc: ValidationError) -> str:
    lines = [f"{path}: {exc.error_count()} invalid setting(s):"]
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        where = _find_line(text, [p for p in loc if not p.isdigit()])
        at = f" (line {where})" if where else ""
        lines.append(f"  {'.'.join(loc)}{at}: {error['msg']}")
    return "\n".join(lines)


def _find_line(text: str, loc: list[str]) -> int | None:
    """Best-effort line of a dotted key: the key after its [table] header."""
    if not loc:
        return None
    *tables, key = loc
    start = 0
    lines = text.splitlines()
    if tables:
        header = re.compile(r"^\s*\[\[?\s*" + re.escape(".".join(tables)) + r"\s*\]\]?\s*$")
        start = next((i for i, line in enumerate(lines) if header.match(line)), None)
        if start is None:
            return None
    key_re = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
    for i in range(start, len(lines)):
        if i > start and tables and lines[i].lstrip().startswith("["):
            break
        if key_re.match(lines[i]):
            return i + 1
    return start + 1 if tables else None
