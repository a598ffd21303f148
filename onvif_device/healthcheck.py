"""`onvif-device healthcheck`: is the camera on this host answering ONVIF?

Container health checks (Docker's HEALTHCHECK, a Kubernetes exec probe) run
it beside the camera.  It asks the device service for GetSystemDateAndTime,
the operation every client sends first and the one that needs no
credentials, and exits 0 when the answer is a GetSystemDateAndTimeResponse
carrying the device's date and time, 1 with a one-line reason otherwise.
It needs the standard library, lxml and the config module, nothing of the
camera model.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import sys
import urllib.error
import urllib.request
from pathlib import Path

from lxml import etree

from onvif_device.config import ConfigError, load_config
from onvif_device.ns import NS, SOAP12
from onvif_device.xml import Element, child, safe_parser

DEVICE_PATH = "/onvif/device_service"
DEFAULT_TIMEOUT = 3.0
MAX_ANSWER_BYTES = 64 * 1024  # a date-and-time answer is under 2 KiB

REQUEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<s:Envelope xmlns:s="{SOAP12}"><s:Body>'
    f'<tds:GetSystemDateAndTime xmlns:tds="{NS["tds"]}"/>'
    "</s:Body></s:Envelope>"
).encode()
CONTENT_TYPE = f'application/soap+xml; charset=utf-8; action="{NS["tds"]}/GetSystemDateAndTime"'


class Unhealthy(Exception):
    """The camera did not answer as it should; the message is one line saying why."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "healthcheck",
        help="exit 0 if the camera on this host answers GetSystemDateAndTime, 1 otherwise",
    )
    parser.add_argument("--config", type=Path, help="the camera's TOML file, for its HTTP port and bind address")
    parser.add_argument("--http-port", type=int, help="HTTP/SOAP port (default: the file's, else 8080)")
    parser.add_argument("--host", help="address to ask (default: loopback, or the file's bind address)")
    parser.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, help="seconds to wait (default 3)")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError(f"expected seconds between 0 and 600, not {text!r}")
    return value


def main(args: argparse.Namespace) -> int:
    try:
        url = device_url(args)
        summary = check(url, args.timeout)
    except (Unhealthy, ConfigError) as exc:
        head, *details = str(exc).splitlines()  # a bad file's report has a line per setting
        reason = " ".join([head, "; ".join(line.strip() for line in details)]).strip()
        print(f"onvif-device healthcheck: {reason}", file=sys.stderr)
        return 1
    print(f"onvif-device healthcheck: ok, {url} answers, device clock {summary}")
    return 0


def device_url(args: argparse.Namespace) -> str:
    """The device service to ask: flags first, then the config file, then the defaults."""
    server = load_config(args.config).server
    port = args.http_port if args.http_port is not None else server.http_port
    if port == 0:
        raise Unhealthy("the configuration picks a free HTTP port (http_port = 0): pass --http-port")
    return f"http://{_url_host(args.host or server.host)}:{port}{DEVICE_PATH}"


def _url_host(bind: str) -> str:
    """Where a client on this host reaches a server bound to `bind`."""
    if not bind:
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(bind)
    except ValueError:
        return bind  # a host name
    if address.is_unspecified:  # bound to every address: loopback is one of them
        address = ipaddress.ip_address("::1" if address.version == 6 else "127.0.0.1")
    return f"[{address}]" if address.version == 6 else str(address)


def check(url: str, timeout: float = DEFAULT_TIMEOUT) -> str:
    """Ask `url` for GetSystemDateAndTime; the device's UTC time, or `Unhealthy` saying what was wrong."""
    request = urllib.request.Request(url, data=REQUEST, headers={"Content-Type": CONTENT_TYPE}, method="POST")
    # No proxies: a container's HTTP_PROXY must not take a loopback request elsewhere.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            body = response.read(MAX_ANSWER_BYTES)
    except urllib.error.HTTPError as exc:
        body = exc.read(MAX_ANSWER_BYTES)
        raise Unhealthy(f"{url}: HTTP {exc.code} {exc.reason}{_fault_reason(body)}") from None
    except urllib.error.URLError as exc:
        raise Unhealthy(f"{url}: {_describe(exc.reason)}") from None
    except (OSError, http.client.HTTPException) as exc:  # timeouts while reading, resets, garbage
        raise Unhealthy(f"{url}: {_describe(exc)}") from None
    return _date_time(url, body)


def _date_time(url: str, body: bytes) -> str:
    envelope = _parse(body)
    if envelope is None:
        raise Unhealthy(f"{url}: the answer is not XML")
    body_element = child(envelope, "s:Body")
    if envelope.tag != f"{{{SOAP12}}}Envelope" or body_element is None or len(body_element) == 0:
        raise Unhealthy(f"{url}: the answer is not a SOAP 1.2 envelope with a body")
    answer = body_element[0]
    if answer.tag != f"{{{NS['tds']}}}GetSystemDateAndTimeResponse":
        raise Unhealthy(f"{url}: expected GetSystemDateAndTimeResponse, got {_local_name(answer)}")
    date_time = child(answer, "tds:SystemDateAndTime")
    if date_time is None or child(date_time, "tt:DateTimeType") is None:
        raise Unhealthy(f"{url}: GetSystemDateAndTimeResponse without SystemDateAndTime/DateTimeType")
    utc = child(date_time, "tt:UTCDateTime")
    return _format_utc(utc) if utc is not None else "(no UTCDateTime)"


def _format_utc(utc: Element) -> str:
    def field(path: str) -> str:
        element = utc.find(path, NS)
        return element.text.strip() if element is not None and element.text else "?"

    date = "-".join(field(f"tt:Date/tt:{name}").zfill(2) for name in ("Year", "Month", "Day"))
    time = ":".join(field(f"tt:Time/tt:{name}").zfill(2) for name in ("Hour", "Minute", "Second"))
    return f"{date}T{time}Z"


def _fault_reason(body: bytes) -> str:
    """`: <the SOAP fault's reason>` when an error answer carries one, else nothing."""
    envelope = _parse(body)
    text = None if envelope is None else envelope.findtext(".//s:Fault/s:Reason/s:Text", namespaces=NS)
    return f": {' '.join(text.split())}" if text else ""


def _parse(body: bytes) -> Element | None:
    try:
        return etree.fromstring(body, safe_parser())
    except etree.XMLSyntaxError:
        return None


def _describe(error: object) -> str:
    if isinstance(error, TimeoutError):
        return "no answer in time"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused (is the camera running on this port?)"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _local_name(element: Element) -> str:
    return element.tag.rpartition("}")[2] if isinstance(element.tag, str) else "a non-element"
