"""mDNS / DNS-SD announcements for a camera (optional: `--mdns`, the `zeroconf` package).

ONVIF itself only knows WS-Discovery, but network scanners and NVR set-up
wizards also browse mDNS.  A camera announces:

- `_onvif._tcp`: the ONVIF device service (TXT `path=/onvif/device_service`,
  plus its EndpointReference, manufacturer, model and serial), the type
  camera scanners browse for; it is not an IANA-registered service name;
- `_rtsp._tcp`, one per media profile with video: the stream (TXT `path`,
  the DNS-SD convention for RTSP, and `profile`).

`records()` decides what to announce, without I/O; `MdnsAdvertiser` keeps the
zeroconf registrations in line with it (media changes add or withdraw
streams) and says goodbye on `stop()`.  Host name: the camera's hostname
under `.local.`, with the addresses the caller gives (the advertise address,
or every link's own when the camera is bound to a wildcard).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from onvif_device.camera.media import uris

if TYPE_CHECKING:
    from onvif_device.camera import Camera

log = logging.getLogger("onvif_device.discovery")

ONVIF_SERVICE: Final = "_onvif._tcp.local."
RTSP_SERVICE: Final = "_rtsp._tcp.local."
DEVICE_PATH: Final = "/onvif/device_service"
_MAX_LABEL: Final = 63  # bytes in one DNS label, the instance name included


class MdnsUnavailable(RuntimeError):
    """The zeroconf package is not installed; the message says how to get it."""


@dataclass(frozen=True, slots=True)
class Record:
    """One DNS-SD service instance: `name` is the full `<instance>.<type>`."""

    type: str
    name: str
    port: int
    properties: dict[str, str] = field(default_factory=dict, hash=False)


def records(camera: Camera, *, http_port: int, rtsp_port: int) -> list[Record]:
    """What `camera` announces: its device service, then one RTSP stream per video profile."""
    identity = camera.identity
    title = f"{identity.name} {identity.serial_number}"
    found = [Record(ONVIF_SERVICE, f"{_label(title)}.{ONVIF_SERVICE}", http_port, {
        "path": DEVICE_PATH,
        "epr": identity.endpoint_reference,
        "manufacturer": identity.manufacturer,
        "model": identity.model,
        "serial": identity.serial_number,
    })]
    for profile in camera.media.state.profiles:
        if profile.video_encoder is None:
            continue
        found.append(Record(RTSP_SERVICE, f"{_label(f'{title} {profile.name}')}.{RTSP_SERVICE}", rtsp_port, {
            "path": uris.stream_path(profile.token),
            "profile": profile.token,
        }))
    return found


def host_name(camera: Camera) -> str:
    label = camera.state.network.hostname or f"onvif-device-{camera.identity.serial_number}"
    return f"{_label(label)}.local."


class MdnsAdvertiser:
    """Keeps a camera's records registered with zeroconf while it runs."""

    def __init__(
        self,
        camera: Camera,
        *,
        http_port: int,
        rtsp_port: int,
        addresses: Callable[[], Sequence[str]],
        zeroconf: Any = None,
    ) -> None:
        self.camera = camera
        self.http_port = http_port
        self.rtsp_port = rtsp_port
        self._addresses = addresses
        self._zeroconf = zeroconf
        self._owns_zeroconf = zeroconf is None
        self._registered: dict[str, Any] = {}  # name -> ServiceInfo
        self._lock = asyncio.Lock()

    @property
    def names(self) -> list[str]:
        return list(self._registered)

    async def start(self) -> None:
        """Register every record; raises `MdnsUnavailable` without zeroconf."""
        if self._zeroconf is None:
            self._zeroconf = _async_zeroconf()
        await self.refresh()

    async def refresh(self) -> None:
        """Withdraw what the camera no longer has, register what is new, update what changed."""
        if self._zeroconf is None:
            return
        async with self._lock:
            wanted = {info.name: info for info in self._infos()}
            pending = []
            for name in [n for n in self._registered if n not in wanted]:
                pending.append(await self._zeroconf.async_unregister_service(self._registered.pop(name)))
            for name, info in wanted.items():
                known = self._registered.get(name)
                if known is None:
                    pending.append(await self._zeroconf.async_register_service(info, allow_name_change=True))
                elif (known.properties, known.port, known.parsed_addresses()) != (
                        info.properties, info.port, info.parsed_addresses()):
                    pending.append(await self._zeroconf.async_update_service(info))
                else:
                    continue
                self._registered[name] = info
            # Probing and announcing take a second or two; they finish in the background.
            for task in pending:
                asyncio.ensure_future(task).add_done_callback(_log_failure)

    async def stop(self) -> None:
        """Goodbye packets for every record; closes zeroconf if this advertiser opened it."""
        if self._zeroconf is None:
            return
        async with self._lock:
            for info in self._registered.values():
                with contextlib.suppress(Exception):  # a socket gone with its interface
                    await (await self._zeroconf.async_unregister_service(info))
            self._registered.clear()
        if self._owns_zeroconf:
            await self._zeroconf.async_close()
            self._zeroconf = None

    def _infos(self) -> list[Any]:
        from zeroconf.asyncio import AsyncServiceInfo

        server = host_name(self.camera)
        addresses = list(dict.fromkeys(self._addresses()))
        return [
            AsyncServiceInfo(r.type, r.name, port=r.port, properties=r.properties, server=server,
                             parsed_addresses=addresses)
            for r in records(self.camera, http_port=self.http_port, rtsp_port=self.rtsp_port)
        ]


def _async_zeroconf() -> Any:
    try:
        from zeroconf import IPVersion
        from zeroconf.asyncio import AsyncZeroconf
    except ImportError:
        raise MdnsUnavailable("mDNS needs the zeroconf package: pip install 'onvif-device[mdns]'") from None
    try:
        return AsyncZeroconf(ip_version=IPVersion.All)
    except OSError:  # no IPv6 on this host
        return AsyncZeroconf(ip_version=IPVersion.V4Only)


def _log_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("mDNS announcement failed: %s", task.exception())


def _label(text: str) -> str:
    """`text` cut to one DNS label (63 bytes of UTF-8), dots made spaces so it stays one label."""
    data = text.replace(".", " ").encode()[:_MAX_LABEL]
    return data.decode(errors="ignore").strip()
