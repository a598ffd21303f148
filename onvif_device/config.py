"""Configuration: a TOML file validated by pydantic, every field with a working default.

`onvif-device run` needs no file at all; command-line flags override the file.
A bad file is reported with the field's dotted path and, where it can be
found, the line it is on.

One file may also describe a fleet of cameras (see `FleetConfig`): its
ordinary sections are then the template every camera starts from, `[fleet]`
says how many and how they are addressed, and each `[[camera]]` table
overrides template sections for one camera.  `load_fleet` turns such a file
into one `Config` per camera; `load_config` gives the first camera's.
"""

from __future__ import annotations

import copy
import ipaddress
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

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


class PtzConfig(_Section):
    """The pan/tilt head and zoom lens on the first video source."""

    enabled: bool = Field(True, description="a PTZ head on the first video source; false makes a fixed camera")
    pan_speed_degrees: float = Field(60.0, gt=0, le=720, description="top pan speed, degrees per second")
    tilt_speed_degrees: float = Field(30.0, gt=0, le=720, description="top tilt speed, degrees per second")
    zoom_seconds: float = Field(2.0, gt=0, le=60, description="time to zoom from widest to narrowest at top speed")
    max_presets: int = Field(64, ge=1, le=1000)
    max_preset_tours: int = Field(4, ge=0, le=64)


class Config(_Section):
    server: ServerConfig = ServerConfig()
    auth: AuthConfig = AuthConfig()
    identity: IdentityConfig = IdentityConfig()
    clock: ClockConfig = ClockConfig()
    media: MediaConfig = MediaConfig()
    events: EventsConfig = EventsConfig()
    io: IoConfig = IoConfig()
    ptz: PtzConfig = PtzConfig()


class ConfigError(Exception):
    """A configuration file could not be used; the message says where and why."""


# --- Fleets: many cameras from one file ---------------------------------------------------------

MAX_CAMERAS = 10_000
_WILDCARD_HOSTS = ("", "0.0.0.0", "::")
_NUMBERED = "{n}"


class FleetConfig(_Section):
    """`[fleet]`: how many cameras a file's template makes, and how each is addressed.

    Camera n (1-based) starts from the file's ordinary sections; the n-th
    `[[camera]]` table, if any, overrides whole keys of them (tables merge,
    everything else is replaced).  `{n}` in any `[identity]` text becomes the
    camera's number (`name = "Camera {n:03d}"`); a template name without it
    gets " <n>" appended, so no two cameras share a name.  Unless its table gives them,
    a camera's serial, MAC and endpoint UUID derive from the seed
    `<seed>-<n>`, so they are distinct and stable across restarts.

    Addressing, one of two ways:
    - one bind address, consecutive ports: camera n on `http_port_start + n - 1`
      and `rtsp_port_start + n - 1` (defaults: the template's `server.http_port`
      and `server.rtsp_port`; 0 gives every camera free ports);
    - `addresses`: camera n binds the n-th address (IPs, or ranges written
      `127.0.0.10-127.0.0.59`) on the template's ports, and advertises it.
    A `[[camera]]` table's `server.host` or ports override either.
    """

    count: int | None = Field(
        None, ge=1, le=MAX_CAMERAS,
        description="cameras in all; default: as many as [[camera]] tables or addresses, at least 1",
    )
    seed: str = Field("", description="camera n derives its identity from '<seed>-<n>'; default: identity.seed, "
                                      "else the running process's own seed (the host name)")
    http_port_start: int | None = Field(None, ge=0, le=65535, description="camera n's HTTP port: start + n - 1")
    rtsp_port_start: int | None = Field(None, ge=0, le=65535, description="camera n's RTSP port: start + n - 1")
    addresses: list[str] = Field([], description="each camera its own IP: addresses or ranges 'first-last'")

    @field_validator("addresses")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        total = 0
        for item in value:
            total += len(_address_range(item))
            if total > MAX_CAMERAS:
                raise ValueError(f"more than {MAX_CAMERAS} addresses")
        return value

    def hosts(self) -> list[str]:
        """Every address `addresses` names, in order."""
        return [host for item in self.addresses for host in _address_range(item)]


def _address_range(item: str) -> list[str]:
    first, dash, last = item.strip().partition("-")
    try:
        start = ipaddress.ip_address(first.strip())
        end = ipaddress.ip_address(last.strip()) if dash else start
    except ValueError as exc:
        raise ValueError(f"{item!r}: {exc}; expected an IP address or a range such as 127.0.0.10-127.0.0.59") from None
    if start.version != end.version:
        raise ValueError(f"{item!r}: a range cannot mix IPv4 and IPv6")
    if int(end) < int(start):
        raise ValueError(f"{item!r}: the range ends before it starts")
    if int(end) - int(start) >= MAX_CAMERAS:
        raise ValueError(f"{item!r}: more than {MAX_CAMERAS} addresses")
    return [str(ipaddress.ip_address(i)) for i in range(int(start), int(end) + 1)]


class ConfigFile(Config):
    """A whole file: the template sections (a single camera's), `[fleet]` and `[[camera]]` tables."""

    fleet: FleetConfig | None = None
    camera: list[dict[str, Any]] = Field([], max_length=MAX_CAMERAS)
    _source: tuple[Path, str] | None = None  # the file and its text, for error lines

    @property
    def source(self) -> tuple[Path, str] | None:
        """The file and its text, when loaded from one: error messages give lines."""
        return self._source

    @property
    def declares_fleet(self) -> bool:
        return self.fleet is not None or bool(self.camera)

    def template(self) -> Config:
        return Config(**{name: getattr(self, name) for name in Config.model_fields})

    def cameras(self, *, count: int | None = None) -> list[Config]:
        """One configuration per camera; `count` (the command line's) overrides `fleet.count`."""
        if not self.declares_fleet and count in (None, 1):
            return [self.template()]
        return fleet_configs(self.template(), self.fleet, self.camera, count=count, source=self.source)


def fleet_configs(
    template: Config,
    fleet: FleetConfig | None = None,
    tables: Sequence[Mapping[str, Any]] = (),
    *,
    count: int | None = None,
    source: tuple[Path, str] | None = None,
) -> list[Config]:
    """Expand a template, a `[fleet]` section and `[[camera]]` tables into one `Config` per camera.

    Raises ConfigError naming the setting (and, given the file's `source`, its line).
    """
    fleet = fleet or FleetConfig()
    hosts = fleet.hosts()
    total = count or fleet.count or max(len(tables), len(hosts), 1)
    where = f"{source[0]}: " if source else ""
    if total > MAX_CAMERAS:
        raise ConfigError(f"{where}fleet.count: at most {MAX_CAMERAS} cameras, not {total}")
    if len(tables) > total:
        raise ConfigError(f"{where}fleet.count: {total} camera(s), but {len(tables)} [[camera]] tables")
    if hosts:
        if len(hosts) < total:
            raise ConfigError(f"{where}fleet.addresses: {len(hosts)} address(es) for {total} cameras")
        ranged = [f"fleet.{name}" for name in ("http_port_start", "rtsp_port_start") if getattr(fleet, name) is not None]
        if ranged:
            raise ConfigError(f"{where}{ranged[0]}: not with fleet.addresses; cameras on their own addresses share"
                              " the [server] ports")
        if template.server.advertise_address:
            raise ConfigError(f"{where}server.advertise_address: cameras on their own addresses advertise their"
                              " own; set it in a [[camera]] table if one needs another")
    starts = {}
    for name, default in (("http_port", template.server.http_port), ("rtsp_port", template.server.rtsp_port)):
        start = getattr(fleet, f"{name}_start")
        start = default if start is None else start
        if not hosts and start and start + total - 1 > 65535:
            raise ConfigError(f"{where}fleet.{name}_start: {total} cameras from port {start} run past 65535")
        starts[name] = start
    base = template.model_dump()
    if total > 1 and "{" not in base["identity"]["name"]:
        base["identity"]["name"] += " {n}"  # a VMS lists cameras by name: never twenty alike
    seed = fleet.seed or template.identity.seed
    configs, problems = [], []
    for index in range(total):
        number = index + 1
        data = copy.deepcopy(base)
        if hosts:
            data["server"]["host"] = hosts[index]
        else:
            for name, start in starts.items():
                data["server"][name] = start + index if start else 0
        if seed:
            data["identity"]["seed"] = f"{seed}-{number}"
        loc_prefix: tuple[str, ...] = ()
        if index < len(tables):
            loc_prefix = ("camera", str(number))
            _merge(data, tables[index])
        try:
            _number_identity(data, number)
            configs.append(Config.model_validate(data))
        except ValidationError as exc:
            problems += [(loc_prefix + tuple(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        except _Unnumbered as exc:
            problems.append((loc_prefix + exc.loc, exc.msg))
    if problems:  # a template's problem is every camera's: say it once
        raise ConfigError(_report(list(dict.fromkeys(problems)), source))
    _check_ports(configs, where)
    return configs


class _Unnumbered(Exception):
    def __init__(self, loc: tuple[str, ...], msg: str) -> None:
        super().__init__(msg)
        self.loc, self.msg = loc, msg


def _number_identity(data: dict[str, Any], number: int) -> None:
    identity = data.get("identity")
    if not isinstance(identity, dict):
        return  # validation says what is wrong with it
    for key, value in identity.items():
        if isinstance(value, str) and "{" in value:
            try:
                identity[key] = value.format(n=number)
            except (KeyError, IndexError, ValueError, AttributeError) as exc:
                raise _Unnumbered(("identity", key),
                                  f"{value!r}: only {_NUMBERED} (the camera's number) may appear in braces"
                                  f" ({type(exc).__name__}: {exc}); write {{{{ and }}}} for literal braces") from None


def _merge(into: dict[str, Any], table: Mapping[str, Any]) -> None:
    """Lay a [[camera]] table over the template: tables merge key by key, other values replace."""
    for key, value in table.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


def _check_ports(configs: Sequence[Config], where: str) -> None:
    """No two cameras may want the same TCP port on the same (or a wildcard) address."""
    by_port: dict[int, list[tuple[str, int, str]]] = {}
    for number, config in enumerate(configs, 1):
        for name in ("http_port", "rtsp_port"):
            port = getattr(config.server, name)
            if port:
                by_port.setdefault(port, []).append((config.server.host, number, f"server.{name}"))
    for port, users in by_port.items():
        for i, (host, number, setting) in enumerate(users):
            for other_host, other_number, other_setting in users[:i]:
                if host == other_host or host in _WILDCARD_HOSTS or other_host in _WILDCARD_HOSTS:
                    raise ConfigError(
                        f"{where}camera {number} {setting} and camera {other_number} {other_setting}: both want"
                        f" port {port} on {host or '*'}; give each camera its own port or address")


def _report(problems: list[tuple[tuple[str, ...], str]], source: tuple[Path, str] | None) -> str:
    head = f"{source[0]}: " if source else ""
    lines = [f"{head}{len(problems)} invalid setting(s):"]
    for loc, msg in problems:
        where = None
        if source is not None:
            if loc[:1] == ("camera",):
                where = _find_camera_line(source[1], int(loc[1]), list(loc[2:]))
            else:
                where = _find_line(source[1], list(loc))
        at = f" (line {where})" if where else ""
        lines.append(f"  {'.'.join(loc)}{at}: {msg}")
    return "\n".join(lines)


def load_config(path: Path | None) -> Config:
    """The camera a file describes; for a fleet file, its first camera."""
    if path is None:
        return Config()
    return load_fleet(path)[0]


def load_file(path: Path | None) -> ConfigFile:
    """A file as written: template sections, `[fleet]` and `[[camera]]` tables, not yet expanded."""
    if path is None:
        return ConfigFile()
    text = _read(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        file = ConfigFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(path, text, exc)) from None
    file._source = (path, text)
    return file


def load_fleet(path: Path | None, *, count: int | None = None) -> list[Config]:
    """One configuration per camera the file describes (one, unless it declares a fleet)."""
    return load_file(path).cameras(count=count)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _describe(path: Path, text: str, exc: ValidationError) -> str:
    lines = [f"{path}: {exc.error_count()} invalid setting(s):"]
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        if loc[:1] == ["camera"] and len(loc) > 1 and loc[1].isdigit():
            where = _find_camera_line(text, int(loc[1]), loc[2:])
        else:
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


def _find_camera_line(text: str, number: int, loc: list[str]) -> int | None:
    """Best-effort line of a setting in the `number`-th [[camera]] table (or of the table itself)."""
    lines = text.splitlines()
    headers = [i for i, line in enumerate(lines) if re.match(r"^\s*\[\[\s*camera\s*\]\]", line)]
    if number < 1 or number > len(headers):
        return None
    start = headers[number - 1]
    end = next((i for i in range(start + 1, len(lines))
                if lines[i].lstrip().startswith("[") and not re.match(r"^\s*\[\s*camera\.", lines[i])), len(lines))
    names = [part for part in loc if not part.isdigit()]
    for name in reversed(names):  # the most specific key first
        key_re = re.compile(r"(^|[\s.{,\[])" + re.escape(name) + r"\s*(=|\.|\])")
        for i in range(start + 1, end):
            if key_re.search(lines[i]):
                return i + 1
    return start + 1
