"""ONVIF services: one module per service, each translating XML to camera calls.

Importing a service module registers it; `SERVICES` lists them in the order
GetServices reports them.
"""

from onvif_device.services import device, media, media2
from onvif_device.services import events
from onvif_device.services import deviceio
from onvif_device.services import imaging
from onvif_device.services import ptz
from onvif_device.services import event_brokers  # noqa: F401 - registers on the Events service's table
from onvif_device.services.registry import SERVICES, ServiceInfo
from onvif_device.soap.operations import merge


def operation_table():
    """Body QName (Clark notation) -> Operation, across every service."""
    return merge(*(info.operations for info in SERVICES))


__all__ = ["SERVICES", "ServiceInfo", "device", "deviceio", "events", "imaging", "media", "media2", "operation_table", "ptz"]
