"""The camera's persistent settings, and the file that keeps them.

Everything a client can change over SOAP lives in one `CameraState`, a
pydantic model, so saving is a dump and loading is a validation that names
the offending field.  The file is replaced atomically (write, fsync, rename);
a file that is corrupt or belongs to something else is reported and never
overwritten.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from onvif_device.camera.imaging.state import ImagingState
from onvif_device.camera.media.state import MediaState
from onvif_device.camera.ptz.state import PtzState

STATE_FORMAT = "onvif-device-state"
STATE_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ClockState(_Model):
    date_time_type: Literal["Manual", "NTP"] = "NTP"
    daylight_savings: bool = False
    timezone: str = "UTC0"
    # Device time = host UTC + offset. Manual setting changes the offset.
    offset_seconds: float = 0.0


class IPv4Config(_Model):
    enabled: bool = True
    dhcp: bool = False
    address: str = ""
    prefix_length: int = Field(24, ge=0, le=32)


class IPv6Config(_Model):
    enabled: bool = False
    accept_router_advert: bool = False
    dhcp: Literal["Auto", "Stateful", "Stateless", "Off"] = "Off"
    addresses: list[str] = []  # "addr/prefix"


class InterfaceState(_Model):
    token: str = "eth0"
    enabled: bool = True
    name: str = "eth0"
    mtu: int = Field(1500, ge=68, le=9000)
    auto_negotiation: bool = True
    speed: int = 1000
    duplex: Literal["Full", "Half"] = "Full"
    ipv4: IPv4Config = IPv4Config()
    ipv6: IPv6Config = IPv6Config()


class NetworkHost(_Model):
    """An address or name as ONVIF's NetworkHost / IPAddress types carry it."""

    type: Literal["IPv4", "IPv6", "DNS"]
    value: str


class ProtocolState(_Model):
    name: Literal["HTTP", "HTTPS", "RTSP"]
    enabled: bool
    ports: list[int]


class IPFilterState(_Model):
    type: Literal["Allow", "Deny"] = "Deny"
    ipv4: list[str] = []  # "addr/prefix"
    ipv6: list[str] = []


class DynamicDNSState(_Model):
    type: Literal["NoUpdate", "ClientUpdates", "ServerUpdates"] = "NoUpdate"
    name: str = ""
    ttl_seconds: int | None = None


class NetworkState(_Model):
    hostname: str = ""
    hostname_from_dhcp: bool = False
    dns_from_dhcp: bool = False
    search_domains: list[str] = []
    dns_servers: list[NetworkHost] = []
    ntp_from_dhcp: bool = False
    ntp_servers: list[NetworkHost] = [NetworkHost(type="DNS", value="pool.ntp.org")]
    dynamic_dns: DynamicDNSState = DynamicDNSState()
    interfaces: list[InterfaceState] = [InterfaceState()]
    protocols: list[ProtocolState] = []
    gateway_ipv4: list[str] = []
    gateway_ipv6: list[str] = []
    zero_configuration: bool = False
    ip_filter: IPFilterState = IPFilterState()
    discoverable: bool = True


class UserState(_Model):
    username: str
    password: str  # kept in clear: HTTP Digest and PasswordDigest both need it
    level: Literal["Administrator", "Operator", "User"]
    fixed: bool = False


class EventBrokerState(_Model):
    """One AddEventBroker configuration (Profile M): where to publish events over MQTT."""

    address: str  # mqtt://host:port, mqtts://, ws://host:port/path, wss://
    topic_prefix: str
    username: str | None = None
    password: str | None = None  # kept in clear: the broker asks for it; never reported back
    publish_filter: str | None = None  # the wsnt:FilterType element as the client sent it, as XML
    metadata_filter: str | None = None  # kept and reported back; metadata over MQTT is not published
    qos: int = Field(0, ge=0, le=2)


class DigitalInputState(_Model):
    token: str
    idle_state: Literal["closed", "open"] = "open"


class RelayOutputState(_Model):
    token: str
    mode: Literal["Monostable", "Bistable"] = "Bistable"
    delay_seconds: float = Field(1.0, ge=0)  # DelayTime; a Bistable relay ignores it
    idle_state: Literal["closed", "open"] = "open"


class IOState(_Model):
    """Digital input and relay output settings; their logical states are not saved."""

    digital_inputs: list[DigitalInputState] = []
    relay_outputs: list[RelayOutputState] = []


class DiscoveryState(_Model):
    """WS-Discovery's AppSequence InstanceId and MetadataVersion must grow across restarts."""

    instance_id: int = Field(0, ge=0, le=2**32 - 1)
    metadata_version: int = Field(0, ge=0, le=2**32 - 1)
    metadata: str = ""  # digest of the scopes and XAddrs that metadata_version describes


class CameraState(_Model):
    clock: ClockState = ClockState()
    network: NetworkState = NetworkState()
    users: list[UserState] = []
    scopes: list[str] = []  # the configurable ones; fixed scopes are derived
    hashing_algorithms: list[str] = ["SHA-256", "MD5"]
    media: MediaState | None = None  # None: the factory set-up for the configured sources
    event_brokers: list[EventBrokerState] = []
    io: IOState = IOState()  # the configured inputs and relays are filled in at start
    discovery: DiscoveryState = DiscoveryState()
    ptz: PtzState = PtzState()
    imaging: ImagingState = ImagingState()


class StateFileError(Exception):
    """The state file exists but cannot be used; the message says what to do."""


class StateStore:
    """One camera's state file, `<dir>/state.json`."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / "state.json"

    def load(self) -> CameraState | None:
        """The saved state, or None when nothing was saved yet."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateFileError(f"{self.path}: cannot read: {exc.strerror}") from None
        try:
            document = json.loads(raw)
        except ValueError as exc:
            raise StateFileError(
                f"{self.path}: corrupt state file ({exc}); move it away to start from defaults"
            ) from None
        if not isinstance(document, dict) or document.get("format") != STATE_FORMAT:
            raise StateFileError(f"{self.path}: not an onvif-device state file; refusing to overwrite it")
        if document.get("version") != STATE_VERSION:
            raise StateFileError(
                f"{self.path}: state format version {document.get('version')!r} is not supported "
                f"(this build reads version {STATE_VERSION})"
            )
        try:
            return CameraState.model_validate(document.get("camera"))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise StateFileError(f"{self.path}: invalid state at camera.{where}: {first['msg']}") from None

    def save(self, state: CameraState) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        document = {"format": STATE_FORMAT, "version": STATE_VERSION, "camera": state.model_dump(mode="json")}
        data = json.dumps(document, indent=2, sort_keys=True).encode()
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)


def _fsync_dir(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
