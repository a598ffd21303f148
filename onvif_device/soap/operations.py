"""The routing table: Body element QName -> handler and access class.

Services register handlers with an `OperationTable`; the endpoint merges
the tables and dispatches on the QName of the Body's first child (SOAPAction
is only a hint; the ONVIF test tool sends none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable, TypeAlias, Union

from lxml import etree

from onvif_device.ns import NS
from onvif_device.soap.access import AccessClass

if TYPE_CHECKING:
    from onvif_device.camera import Camera
    from onvif_device.soap.envelope import Request

Element: TypeAlias = etree._Element


@dataclass(slots=True)
class Context:
    """What a handler may know about the request besides its body."""

    camera: Camera
    request: Request
    username: str | None  # None: anonymous
    level: str
    base_url: str  # http://<advertise address>:<port>, for XAddrs and URIs
    client_host: str | None = None
    path: str = ""  # the HTTP path the request was posted to (subscription managers live at their own)
    delivery: Any = None  # the camera's events.EventDelivery, where the server runs one


HandlerResult = Union[Element, Awaitable[Element]]
Handler = Callable[[Context, Element], HandlerResult]


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    namespace: str
    access: AccessClass
    handler: Handler

    @property
    def clark(self) -> str:
        return f"{{{self.namespace}}}{self.name}"


class OperationTable:
    """The operations of one service namespace, filled by a decorator:

        ops = OperationTable("tds")

        @ops("GetHostname", AccessClass.PRE_AUTH)
        def get_hostname(ctx, request): ...
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.namespace = NS[prefix]
        self.operations: dict[str, Operation] = {}

    def __call__(self, name: str, access: AccessClass) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if name in self.operations:
                raise ValueError(f"{self.prefix}:{name} registered twice")
            self.operations[name] = Operation(name, self.namespace, access, handler)
            return handler

        return register

    def __iter__(self):
        return iter(self.operations.values())


def merge(*tables: OperationTable) -> dict[str, Operation]:
    """One dispatch dict keyed by Clark name across all services."""
    return {op.clark: op for table in tables for op in table}
