"""One device the responder speaks for: what it announces, and its AppSequence.

A `Target` reads its endpoint, scopes, XAddrs and discovery mode through
callables, so the same responder serves a `Camera` (see `camera_target`),
a test double, or a fleet of either.  `refresh()` re-reads them and bumps
MetadataVersion when the scopes or XAddrs differ from what was announced.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from onvif_device.discovery.model import Device
from onvif_device.discovery.sequence import AppSequence

if TYPE_CHECKING:
    from onvif_device.camera import Camera


class Target:
    """A device as WS-Discovery sees it: a `Device` plus run state.

    `online` is True between `Responder.add` and `Responder.remove`;
    `announced` is True while the last multicast for it was a Hello, so the
    responder knows when a Bye is owed.  `begin()` starts a new run with a
    larger InstanceId, as a rebooted device must.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        scopes: Callable[[], Sequence[str]],
        xaddrs: Callable[[], Sequence[str]],
        discoverable: Callable[[], bool] = lambda: True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.endpoint = endpoint
        self._scopes = scopes
        self._xaddrs = xaddrs
        self._discoverable = discoverable
        self._clock = clock
        self.device = Device(endpoint, tuple(scopes()), tuple(xaddrs()))
        self.sequence = AppSequence(clock=clock)
        self.online = False
        self.announced = False

    @property
    def discoverable(self) -> bool:
        return self._discoverable()

    def begin(self) -> None:
        """A new run: InstanceId grows even when two runs start in the same second."""
        instance_id = max(int(self._clock()), self.sequence.instance_id + 1)
        self.sequence = AppSequence(instance_id, clock=self._clock)

    def refresh(self) -> bool:
        """Re-read scopes and XAddrs; True (and MetadataVersion + 1) if either changed."""
        scopes, xaddrs = tuple(self._scopes()), tuple(self._xaddrs())
        if scopes == self.device.scopes and xaddrs == self.device.xaddrs:
            return False
        self.device = Device(
            self.endpoint, scopes, xaddrs, metadata_version=self.device.metadata_version + 1, types=self.device.types
        )
        return True

    def __repr__(self) -> str:
        return f"Target({self.endpoint!r}, online={self.online}, announced={self.announced})"


def camera_target(camera: Camera, device_url: Callable[[], str]) -> Target:
    """The `Target` of a camera: its EndpointReference, GetScopes list and DiscoveryMode."""
    return Target(
        camera.identity.endpoint_reference,
        # Lambdas, not bound methods: a factory reset replaces camera.scopes and camera.network.
        scopes=lambda: camera.scopes.all(),
        xaddrs=lambda: (device_url(),),
        discoverable=lambda: camera.network.state.discoverable,
    )
