"""Events service, ver10 (event.wsdl): being written."""

from __future__ import annotations

from onvif_device.services.registry import ServiceInfo, register
from onvif_device.soap.access import AccessClass as A
from onvif_device.soap.operations import Context, OperationTable
from onvif_device.xml import Element, element

ops = OperationTable("tev")


def events_capabilities(ctx: Context) -> Element:
    return element("tev:Capabilities")


@ops("GetServiceCapabilities", A.PRE_AUTH)
def get_service_capabilities(ctx: Context, request: Element) -> Element:
    response = element("tev:GetServiceCapabilitiesResponse")
    response.append(events_capabilities(ctx))
    return response


SERVICE = register(ServiceInfo("events", "/onvif/events_service", (25, 6), ops, events_capabilities))
