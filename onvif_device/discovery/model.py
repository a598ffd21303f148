"""The values the discovery layer reads and writes: frozen, self-validating.

`Probe` and `Resolve` come from the network (see `messages.parse_message`);
`Device` is what one camera announces.  A `Device` that breaks a rule of
WS-Discovery or ONVIF Core raises `ValueError` when it is made, so a builder
never has to emit a message a client would choke on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, TypeAlias

from onvif_device.discovery.constants import DEFAULT_MATCH_BY, DEVICE, NETWORK

_XS_UNSIGNED_INT_MAX: Final = 2**32 - 1
_URN_UUID: Final = re.compile(r"urn:uuid:[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.IGNORECASE)


def _has_space(value: str) -> bool:
    return any(ch.isspace() for ch in value)


@dataclass(frozen=True, slots=True)
class QName:
    """A qualified name such as dn:NetworkVideoTransmitter, independent of prefix."""

    namespace: str
    localname: str

    def __post_init__(self) -> None:
        if not self.localname or ":" in self.localname or _has_space(self.localname):
            raise ValueError(f"{self.localname!r} is not a valid local name")

    def __str__(self) -> str:
        return f"{{{self.namespace}}}{self.localname}"


NETWORK_VIDEO_TRANSMITTER: Final = QName(NETWORK, "NetworkVideoTransmitter")
DEVICE_SERVICE: Final = QName(DEVICE, "Device")


@dataclass(frozen=True, slots=True)
class Device:
    """What one camera announces in Hello and answers in ProbeMatch/ResolveMatch.

    `endpoint` is the stable wsadis:Address: ONVIF Core wants a urn:uuid that
    survives restarts and address changes.  `scopes` and `xaddrs` become
    whitespace-separated lists on the wire, so no entry may contain spaces
    (percent-encode them).  Bump `metadata_version` whenever any of the other
    fields change, so clients know to refresh what they cached.
    """

    endpoint: str
    scopes: tuple[str, ...]
    xaddrs: tuple[str, ...]
    metadata_version: int = 1
    types: tuple[QName, ...] = (NETWORK_VIDEO_TRANSMITTER, DEVICE_SERVICE)

    def __post_init__(self) -> None:
        # Accept lists from callers, keep tuples so the value stays hashable.
        for name in ("scopes", "xaddrs", "types"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        _check_urn_uuid(self.endpoint)
        _check_uri_list("scope", self.scopes)
        _check_uri_list("XAddr", self.xaddrs)
        if not self.xaddrs:
            raise ValueError("a Device needs at least one XAddr (its device service URL)")
        if not self.types or not all(isinstance(t, QName) for t in self.types):
            raise ValueError("Device.types must be a non-empty tuple of QName")
        if not 0 <= self.metadata_version <= _XS_UNSIGNED_INT_MAX:
            raise ValueError(f"metadata_version {self.metadata_version} is not an xs:unsignedInt")


@dataclass(frozen=True, slots=True)
class Probe:
    """A client's search: which types and scopes a device must have to answer.

    Empty `types` or `scopes` match every device.  `reply_to` is the address
    of wsadis:ReplyTo, or None when the client sent none (reply to anonymous).
    """

    message_id: str
    reply_to: str | None = None
    types: tuple[QName, ...] = ()
    scopes: tuple[str, ...] = ()
    match_by: str = DEFAULT_MATCH_BY


@dataclass(frozen=True, slots=True)
class Resolve:
    """A client asking the device with endpoint reference `endpoint` for its XAddrs."""

    message_id: str
    reply_to: str | None
    endpoint: str


Request: TypeAlias = Probe | Resolve


def _check_urn_uuid(endpoint: str) -> None:
    if not _URN_UUID.fullmatch(endpoint):
        raise ValueError(f"endpoint {endpoint!r} must be urn:uuid: and a UUID (ONVIF Core, Discovery)")


def _check_uri_list(kind: str, values: tuple[str, ...]) -> None:
    for value in values:
        if not isinstance(value, str) or not value or _has_space(value):
            raise ValueError(f"{kind} {value!r} must be a non-empty URI without whitespace (use %20)")
