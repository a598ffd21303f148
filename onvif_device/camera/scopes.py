"""Discovery scopes: fixed ones the camera derives, configurable ones clients set.

Fixed scopes describe what the camera is (device type, profiles met,
hardware, MAC); configurable scopes (name, location, anything a client adds)
are replaced by SetScopes, extended by AddScopes and trimmed by RemoveScopes.
GetScopes and WS-Discovery report the same list.
"""

from __future__ import annotations

from typing import Callable
from urllib.parse import quote

from onvif_device.camera.errors import ActionFailed, InvalidArgVal, OperationProhibited
from onvif_device.camera.identity import Identity

MAX_SCOPES = 32
MAX_SCOPE_LENGTH = 256
ONVIF_SCOPE = "onvif://www.onvif.org/"


def scope(kind: str, value: str) -> str:
    """onvif://www.onvif.org/<kind>/<value>, with the value percent-encoded."""
    return f"{ONVIF_SCOPE}{kind}/{quote(value, safe='')}"


def default_configurable(identity: Identity) -> list[str]:
    return [scope("name", identity.name), scope("location", identity.location)]


class Scopes:
    def __init__(
        self,
        identity: Identity,
        profiles: Callable[[], list[str]],
        configurable: list[str],
        on_change: Callable[[], None],
    ) -> None:
        self._identity = identity
        self._profiles = profiles
        self._configurable = configurable
        self._on_change = on_change

    def fixed(self) -> list[str]:
        return [
            scope("type", "video_encoder"),
            scope("type", "Network_Video_Transmitter"),
            *(scope("Profile", p) for p in self._profiles()),
            scope("hardware", self._identity.model),
            scope("MAC", self._identity.mac_address),
        ]

    def get_scopes(self) -> list[tuple[str, bool]]:
        """(scope, is_fixed) pairs, fixed first."""
        return [(s, True) for s in self.fixed()] + [(s, False) for s in self._configurable]

    def all(self) -> list[str]:
        return self.fixed() + list(self._configurable)

    def set_scopes(self, scopes: list[str]) -> None:
        _check(scopes)
        fixed = set(self.fixed())
        wanted = list(dict.fromkeys(s for s in scopes if s not in fixed))
        if len(fixed) + len(wanted) > MAX_SCOPES:
            raise ActionFailed("TooManyScopes", f"the camera holds at most {MAX_SCOPES} scopes")
        self._configurable[:] = wanted
        self._on_change()

    def add_scopes(self, scopes: list[str]) -> None:
        _check(scopes)
        present = set(self.all())
        new = list(dict.fromkeys(s for s in scopes if s not in present))
        if len(present) + len(new) > MAX_SCOPES:
            raise ActionFailed("TooManyScopes", f"the camera holds at most {MAX_SCOPES} scopes")
        self._configurable.extend(new)
        self._on_change()

    def remove_scopes(self, scopes: list[str]) -> list[str]:
        fixed = set(self.fixed())
        for s in scopes:
            if s in fixed:
                raise OperationProhibited("FixedScope", f"{s} is a fixed scope")
            if s not in self._configurable:
                raise InvalidArgVal("NoScope", f"{s} is not a scope of this camera")
        self._configurable[:] = [s for s in self._configurable if s not in scopes]
        self._on_change()
        return scopes


def _check(scopes: list[str]) -> None:
    for s in scopes:
        if not s or len(s) > MAX_SCOPE_LENGTH or any(c.isspace() for c in s):
            raise InvalidArgVal(reason=f"{s[:80]!r} is not a valid scope URI")
