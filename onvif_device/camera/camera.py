"""The camera model: one object that holds a camera's identity and state.

It is plain Python: no XML, no sockets.  Services call its parts
(`clock`, `users`, `network`, `scopes`) with methods named after the ONVIF
operations; every change is saved at once when a state store is attached.
A factory reset is a rebuild from the configuration, as moto resets a backend.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable

from onvif_device import __version__
from onvif_device.camera.clock import DeviceClock
from onvif_device.camera.errors import InvalidArgVal
from onvif_device.camera.events import EventBus, standard_registry
from onvif_device.camera.events.image_quality import ImageQuality
from onvif_device.camera.events.monitoring import ProcessorUsage
from onvif_device.camera.events.motion import Detector, SceneMotion
from onvif_device.camera.events.topics import (
    CONFIGURATION_CHANGED,
    IMAGE_QUALITY_TOPICS,
    PROFILE_CHANGED,
    PTZ_TOPICS,
)
from onvif_device.camera.identity import Identity
from onvif_device.camera.imaging import Imaging
from onvif_device.camera.io import IOPorts
from onvif_device.camera.media import (
    Hardware,
    Media,
    MediaChange,
    MediaState,
    build_hardware,
    factory_media,
)
from onvif_device.camera.network import Network
from onvif_device.camera.ptz import PtzHead
from onvif_device.camera.scopes import Scopes, default_configurable
from onvif_device.camera.state import (
    CameraState,
    ClockState,
    ProtocolState,
    StateStore,
    UserState,
)
from onvif_device.camera.system import Log
from onvif_device.camera.users import UserStore
from onvif_device.config import Config

Listener = Callable[[str], None]

HASHING_ALGORITHMS = ("MD5", "SHA-256")


class Camera:
    def __init__(
        self,
        config: Config,
        *,
        seed: str = "",
        store: StateStore | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.identity = Identity.from_config(config.identity, seed)
        self._store = store
        self._now = now
        self._listeners: list[Listener] = []
        self._media_listeners: list[Callable[[MediaChange], None]] = []
        self._sync_point_listeners: list[Callable[[str], None]] = []
        self.hardware = build_hardware(config.media)
        self._reboot_hook: Callable[[], None] | None = None
        self.address = ""  # where the camera is reachable, once a server has bound
        self.rtsp_port = config.server.rtsp_port or 554
        self.started_at = now()
        # The bus outlives factory resets (they rebuild the parts below), as subscriptions do.
        self.events = EventBus(standard_registry(), lambda: self.clock.utc_now())
        for topic in (*IMAGE_QUALITY_TOPICS, *(PTZ_TOPICS if config.ptz.enabled else ())):
            self.events.registry.add(topic)
        saved = store.load() if store else None
        self._build(saved or self.factory_state())
        if saved is None:
            self._save()
        events = config.events
        self.motion = SceneMotion(
            self.events, self.motion_detectors, every=events.motion_every_seconds, seconds=events.motion_seconds, now=now
        )
        self.processor_usage = ProcessorUsage(self.events, events.processor_usage_seconds)
        # The imaging part is rebuilt by a factory reset, so it is looked up on every tick.
        self.image_quality = ImageQuality(
            self.events,
            lambda source: self.imaging.look(source),
            lambda: [s.token for s in self.hardware.video_sources if s.file is None],
        )

    def _build(self, state: CameraState) -> None:
        self.state = state
        self.clock = DeviceClock(state.clock, self._now, lambda: self._changed("clock"))
        self.users = UserStore(state.users, lambda: self._changed("users"))
        self.network = Network(state.network, lambda: self._changed("network"))
        self.scopes = Scopes(self.identity, self.profile_scopes, state.scopes, lambda: self._changed("scopes"))
        self.system_log = Log(self.clock.utc_now)
        self.access_log = Log(self.clock.utc_now)
        if state.media is None or not _fits(state.media, self.hardware):
            replaced = state.media is not None
            state.media = factory_media(
                self.hardware, self.identity.mac_address, self.identity.name, ptz=self.config.ptz.enabled
            )
            if replaced:
                self.system_log.add("saved media set-up does not match the configured sources; factory media restored")
                self._save()
        self.media = Media(self.hardware, state.media, self._media_changed, self.config.media.max_profiles)
        # The streaming engine's listeners outlive a factory reset, which builds a new Media.
        self.media.sync_point_listeners = self._sync_point_listeners
        self.io = IOPorts(self.config.io, state.io, self.events, now=self._now, on_change=lambda: self._changed("io"))
        self.ptz = self._build_ptz(state)
        self.imaging = Imaging(
            self.hardware,
            state.imaging,
            now=self._now,
            local_now=lambda: self.clock.get_system_date_and_time().local,
            on_change=lambda: self._changed("imaging"),
        )

    def _build_ptz(self, state: CameraState) -> PtzHead | None:
        """The head on the first video source, or None for a fixed camera."""
        if not self.config.ptz.enabled:
            return None
        head = PtzHead(
            self.config.ptz,
            state.ptz,
            self.hardware.video_sources[0].token,
            self.events,
            utc_now=self.clock.utc_now,
            now=self._now,
            on_change=lambda: self._changed("ptz"),
        )
        # A tour marked AutoStart runs from power-up, through the first profile that drives the head.
        for profile in self.media.state.profiles:
            if profile.ptz is not None:
                head.tours.auto_start(self.media.configuration("PTZ", profile.ptz), profile.token)
                break
        return head

    def factory_state(self) -> CameraState:
        """The state a new camera, or a hard factory reset, starts from."""
        cfg = self.config
        users = [UserState(username=cfg.auth.username, password=cfg.auth.password, level="Administrator", fixed=True)]
        users += [UserState(username=u.username, password=u.password, level=u.level) for u in cfg.auth.users]
        state = CameraState(
            clock=ClockState(
                timezone=cfg.clock.timezone,
                date_time_type="Manual" if cfg.clock.offset_seconds else "NTP",
                offset_seconds=cfg.clock.offset_seconds,
            ),
            users=users,
            scopes=default_configurable(self.identity),
            hashing_algorithms=list(cfg.auth.digest_algorithms),
        )
        net = state.network
        net.hostname = _hostname_for(self.identity)
        net.protocols = [
            ProtocolState(name="HTTP", enabled=True, ports=[cfg.server.http_port or 80]),
            ProtocolState(name="HTTPS", enabled=False, ports=[443]),
            ProtocolState(name="RTSP", enabled=True, ports=[cfg.server.rtsp_port or 554]),
        ]
        return state

    def attach(self, address: str, http_port: int, rtsp_port: int | None = None) -> None:
        """The server tells the camera where it listens, so the network settings say so too."""
        self.address = address
        bound = {"HTTP": http_port}
        if rtsp_port is not None:
            self.rtsp_port = bound["RTSP"] = rtsp_port
        changed = False
        for protocol in self.state.network.protocols:
            port = bound.get(protocol.name)
            if port is not None and protocol.ports != [port]:
                protocol.ports = [port]
                changed = True
        if changed:
            self._changed("network")

    # --- change tracking ----------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(area)` after every change ("users", "network", "scopes", ...).

        Returns the function that unsubscribes it."""
        self._listeners.append(listener)
        return lambda: _discard(self._listeners, listener)

    def _changed(self, area: str) -> None:
        self._save()
        for listener in list(self._listeners):
            listener(area)

    def subscribe_media(self, listener: Callable[[MediaChange], None]) -> Callable[[], None]:
        """Call `listener(change)` after every profile, configuration, OSD or mask change."""
        self._media_listeners.append(listener)
        return lambda: _discard(self._media_listeners, listener)

    def subscribe_sync_points(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Call `listener(profile_token)` on SetSynchronizationPoint."""
        self._sync_point_listeners.append(listener)
        return lambda: _discard(self._sync_point_listeners, listener)

    def _media_changed(self, change: MediaChange) -> None:
        self._changed("media")
        if change.what == "Profile":
            self.events.publish(PROFILE_CHANGED.path, source={"Token": change.token})
        elif change.what == "Configuration":
            self.events.publish(CONFIGURATION_CHANGED.path, source={"Token": change.token, "Type": change.kind})
        for listener in list(self._media_listeners):
            listener(change)

    # --- time passing -----------------------------------------------------------

    def tick(self) -> None:
        """Let time act: scheduled motion, timed relays, monitoring.  The server calls this often."""
        self.motion.tick()
        self.processor_usage.tick()
        self.io.tick()
        self.image_quality.tick()
        if self.ptz is not None:
            self.ptz.tick()
        self.imaging.tick()

    def motion_detectors(self) -> list[Detector]:
        """One motion detector per video source that has a configuration and an analytics one on it."""
        detectors = []
        analytics = {a.source_configuration_token: a.token for a in self.media.configurations("Analytics")}
        seen = set()
        for vsc in self.media.configurations("VideoSource"):
            if vsc.source_token in seen or vsc.token not in analytics:
                continue
            seen.add(vsc.source_token)
            detectors.append(Detector(vsc.source_token, vsc.token, analytics[vsc.token]))
        return detectors

    def _save(self) -> None:
        if self._store is not None:
            self._store.save(self.state)

    # --- what the camera is ---------------------------------------------------

    def profile_scopes(self) -> list[str]:
        """ONVIF profiles this build meets, for the Profile/ scopes."""
        return []

    def uptime(self) -> float:
        return self._now() - self.started_at

    def support_information(self) -> str:
        i = self.identity
        lines = [
            f"{i.manufacturer} {i.model}, firmware {i.firmware_version}, serial {i.serial_number}",
            f"onvif-device {__version__} on Python {platform.python_version()} ({platform.system()})",
            f"endpoint {i.endpoint_reference}, MAC {i.mac_address}",
            f"uptime {self.uptime():.0f} s, device time {self.clock.utc_now().isoformat()}",
            f"users: {', '.join(f'{u.username} ({u.level})' for u in self.state.users)}",
            f"scopes: {' '.join(self.scopes.all())}",
            f"state: {self._store.path if self._store else 'in memory (no --state-dir)'}",
        ]
        return "\n".join(lines) + "\n"

    def set_hashing_algorithms(self, algorithms: list[str]) -> None:
        """SetHashingAlgorithm: the HTTP Digest algorithms the camera offers."""
        unknown = [a for a in algorithms if a not in HASHING_ALGORITHMS]
        if not algorithms or unknown:
            raise InvalidArgVal(reason=f"supported hashing algorithms are {', '.join(HASHING_ALGORITHMS)}")
        self.state.hashing_algorithms = list(dict.fromkeys(algorithms))
        self._changed("security")

    # --- reboot and factory reset ---------------------------------------------

    def on_reboot(self, hook: Callable[[], None]) -> None:
        """The server's way to be told to go away and come back."""
        self._reboot_hook = hook

    def system_reboot(self) -> str:
        self.system_log.add("reboot requested")
        if self._reboot_hook is not None:
            self._reboot_hook()
        seconds = self.config.server.reboot_seconds
        return f"Rebooting in {seconds:g} seconds"

    def set_system_factory_default(self, hard: bool) -> None:
        fresh = self.factory_state()
        if not hard:
            # A soft reset keeps the network settings so the camera stays reachable.
            fresh.network = self.state.network
        self._build(fresh)
        self.system_log.add(f"{'hard' if hard else 'soft'} factory default applied")
        self._changed("factory_default")
        self.system_reboot()


def _fits(media: MediaState, hardware: Hardware) -> bool:
    """Does a saved media set-up refer only to sources and modes the configuration still has?"""
    for vsc in media.video_sources:
        if hardware.video_source(vsc.source_token) is None:
            return False
    return all(
        (source := hardware.video_source(m.source_token)) is not None and source.mode(m.mode_token) is not None
        for m in media.source_modes
    )


def _hostname_for(identity: Identity) -> str:
    model = "".join(c if c.isalnum() else "-" for c in identity.model).strip("-") or "camera"
    return f"{model}-{identity.serial_number[-6:]}".lower()


def _discard(listeners: list, listener: object) -> None:
    if listener in listeners:
        listeners.remove(listener)
