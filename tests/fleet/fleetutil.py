"""Helpers for the fleet tests: what a camera answers over SOAP, and polling."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from lxml import etree
from soaputil import TDS, TT, SoapClient, envelope

NS = {"tds": TDS, "tt": TT, "trt": "http://www.onvif.org/ver10/media/wsdl"}


def client(cam, schemas=None, service: str = "device") -> SoapClient:
    return SoapClient(cam.service_url(service), cam.username, cam.password, schemas)


def text(element: etree._Element, path: str) -> str:
    found = element.find(path, NS)
    assert found is not None and found.text is not None, (path, etree.tostring(element))
    return found.text


def identity_answers(cam, schemas=None) -> dict[str, str]:
    """Serial number, MAC address and endpoint reference, as the camera reports them over SOAP."""
    soap = client(cam, schemas)
    try:
        info = soap.call("<tds:GetDeviceInformation/>")
        interfaces = soap.call("<tds:GetNetworkInterfaces/>")
        reference = soap.call("<tds:GetEndpointReference/>")
    finally:
        soap.close()
    return {
        "serial_number": text(info, "tds:SerialNumber"),
        "model": text(info, "tds:Model"),
        "mac_address": text(interfaces, "tds:NetworkInterfaces/tt:Info/tt:HwAddress"),
        "endpoint_reference": text(reference, "tds:GUID"),
    }


def stream_uri(cam, profile: str, schemas=None) -> str:
    media = client(cam, schemas, "media")
    try:
        reply = media.call(
            "<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport>"
            f"<tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup><trt:ProfileToken>{profile}"
            "</trt:ProfileToken></trt:GetStreamUri>"
        )
    finally:
        media.close()
    return text(reply, "trt:MediaUri/tt:Uri")


def answers_time(url: str) -> bool:
    """Does the device service at `url` answer GetSystemDateAndTime right now?"""
    try:
        return httpx.post(url, content=envelope("<tds:GetSystemDateAndTime/>"), timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def wait_until(condition: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())
