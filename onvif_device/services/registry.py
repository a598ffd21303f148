"""The services this build serves, for GetServices, GetCapabilities and routing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TypeAlias

from lxml import etree

from onvif_device.soap.operations import Context, OperationTable

Element: TypeAlias = etree._Element


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    name: str  # "device"
    path: str  # "/onvif/device_service"
    version: tuple[int, int]  # the spec release it follows, as GetServices reports it
    operations: OperationTable
    capabilities: Callable[[Context], Element]  # the <prefix>:Capabilities element
    # Fills the service's category of the Device service's legacy GetCapabilities, if it has one.
    legacy: Callable[[Element, Context], None] | None = None
    # Whether a camera offers the service at all (a fixed camera has no PTZ service to announce).
    offered: Callable[[Context], bool] = lambda ctx: True

    @property
    def namespace(self) -> str:
        return self.operations.namespace

    def xaddr(self, base_url: str) -> str:
        return base_url + self.path


SERVICES: list[ServiceInfo] = []


def offered(ctx: Context) -> list[ServiceInfo]:
    """The services this camera announces in GetServices and GetCapabilities."""
    return [info for info in SERVICES if info.offered(ctx)]


def register(info: ServiceInfo) -> ServiceInfo:
    SERVICES.append(info)
    return info
