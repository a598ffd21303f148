"""Real third-party ONVIF clients against a real camera.

Each test starts the camera on 127.0.0.1 (the `running_camera` fixture runs it on its own event
loop in a thread, so synchronous clients work too) and drives it with a client library people
use against real cameras, asserting the values they read back, not just the absence of errors:

- onvif-zeep-async, doing what Home Assistant's ONVIF integration does at setup, plus its
  clock-skew compensation (`adjust_time`), a wrong password and user-level enforcement;
- onveef (httpx, no zeep), sync, async and its `onveef info` command line;
- plain zeep with the official devicemgmt.wsdl, which deserialises every answer against the
  WSDL's types, and HTTP Digest through requests instead of WS-Security;
- SOAP 1.1, sent by hand because the official WSDL binds SOAP 1.2 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import onveef
import onvif
import pytest
import requests
import zeep
from lxml import etree
from onvif import ONVIFCamera
from onvif.util import extract_subcodes_as_strings, is_auth_error
from requests.auth import HTTPDigestAuth
from schemas import schema_root
from soaputil import SOAP11, envelope, username_token
from zeep.exceptions import Fault
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from onvif_device.config import ClockConfig, Config

TDS = "http://www.onvif.org/ver10/device/wsdl"
TT = "http://www.onvif.org/ver10/schema"
TER_NOT_AUTHORIZED = "{http://www.onvif.org/ver10/error}NotAuthorized"
DEVICE_BINDING = f"{{{TDS}}}DeviceBinding"

# Home Assistant builds the path from the installed package, trailing slash included
# (homeassistant/components/onvif/device.py, get_device()).
HA_WSDL_DIR = f"{os.path.dirname(onvif.__file__)}/wsdl/"

SKEW = timedelta(hours=2)
SKEWED = pytest.mark.parametrize(
    "camera_config", [Config(clock=ClockConfig(offset_seconds=SKEW.total_seconds()))], ids=["device-clock+2h"]
)
# How far a clock read over the network may be from the host's: request time plus
# the second-resolution of ONVIF dates, with room for a slow CI machine.
CLOCK_SLACK = timedelta(seconds=10)


# --- helpers ------------------------------------------------------------------------------


def identity_dict(camera) -> dict[str, str]:
    i = camera.identity
    return {
        "Manufacturer": i.manufacturer,
        "Model": i.model,
        "FirmwareVersion": i.firmware_version,
        "SerialNumber": i.serial_number,
        "HardwareId": i.hardware_id,
    }


def onvif_datetime(value) -> datetime:
    """A tt:DateTime as zeep returns it, as an aware UTC datetime."""
    d, t = value.Date, value.Time
    return datetime(d.Year, d.Month, d.Day, t.Hour, t.Minute, t.Second, tzinfo=UTC)


def onveef_datetime(value: dict) -> datetime:
    return datetime(
        value["year"], value["month"], value["day"], value["hour"], value["minute"], value["second"],
        tzinfo=UTC,
    )


def assert_near_now(moment: datetime, offset: timedelta = timedelta(0)) -> None:
    expected = datetime.now(UTC) + offset
    assert abs(moment - expected) < CLOCK_SLACK, f"device time {moment} is not host time {expected}"


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month, 31)  # March and October both have 31 days
    return last - timedelta(days=(last.weekday() - 6) % 7)


def central_european_offset(utc: datetime) -> timedelta:
    """UTC offset of CET-1CEST,M3.5.0,M10.5.0/3 at `utc`, worked out independently of the camera.

    Summer time runs from the last Sunday of March, 02:00 CET (01:00 UTC), to the last
    Sunday of October, 03:00 CEST (01:00 UTC).
    """
    start = datetime(*_last_sunday(utc.year, 3).timetuple()[:3], 1, tzinfo=UTC)
    end = datetime(*_last_sunday(utc.year, 10).timetuple()[:3], 1, tzinfo=UTC)
    return timedelta(hours=2) if start <= utc < end else timedelta(hours=1)


@contextlib.asynccontextmanager
async def ha_camera(running_camera, username: str, password: str, **kwargs) -> AsyncIterator[ONVIFCamera]:
    """An ONVIFCamera built the way Home Assistant's get_device() builds it; always closed."""
    device = ONVIFCamera(
        running_camera.host, running_camera.port, username, password, HA_WSDL_DIR, no_cache=True, **kwargs
    )
    try:
        yield device
    finally:
        await device.close()


@pytest.fixture(scope="module")
def device_wsdl() -> str:
    """The official devicemgmt.wsdl from the test schema cache."""
    return str(schema_root() / "ver10" / "device" / "wsdl" / "devicemgmt.wsdl")


def zeep_device(device_wsdl: str, running_camera, *, wsse=None, transport: Transport | None = None):
    kwargs = {"transport": transport} if transport is not None else {}
    client = zeep.Client(device_wsdl, wsse=wsse, **kwargs)
    return client.create_service(DEVICE_BINDING, running_camera.device_url)


@pytest.fixture
def tds(device_wsdl, running_camera):
    """The Device service through plain zeep, authenticated with a WS-Security PasswordDigest."""
    return zeep_device(
        device_wsdl,
        running_camera,
        wsse=UsernameToken(running_camera.username, running_camera.password, use_digest=True),
    )


def fault_subcodes(fault: Fault) -> list[str]:
    return extract_subcodes_as_strings(fault.subcodes)


# --- 1. onvif-zeep-async, as Home Assistant uses it ----------------------------------------


async def test_home_assistant_setup(running_camera):
    """The calls Home Assistant's ONVIF integration makes when it sets a camera up."""
    camera = running_camera.camera
    identity = camera.identity
    assert Path(HA_WSDL_DIR, "devicemgmt.wsdl").is_file()

    async with ha_camera(running_camera, running_camera.username, running_camera.password) as device:
        # update_xaddrs(): GetServices, falling back to GetCapabilities.
        await device.update_xaddrs()
        assert device.xaddrs[TDS] == running_camera.device_url
        base = running_camera.device_url.removesuffix("/onvif/device_service")
        assert all(xaddr.startswith(base + "/") for xaddr in device.xaddrs.values()), device.xaddrs

        # get_capabilities(): GetCapabilities(Category=All), kept as a plain dict.
        capabilities = await device.get_capabilities()
        assert capabilities["Device"]["XAddr"] == running_camera.device_url
        assert capabilities["Device"]["System"]["SystemLogging"] is True

        devicemgmt = await device.create_devicemgmt_service()

        info = await devicemgmt.GetDeviceInformation()
        assert {key: info[key] for key in identity_dict(camera)} == identity_dict(camera)
        assert info.SerialNumber  # Home Assistant's unique_id falls back to it

        caps = await devicemgmt.GetCapabilities({"Category": "All"})
        assert caps.Device.XAddr == running_camera.device_url
        assert caps.Device.Network.IPFilter is True
        assert caps.Device.Security.KerberosToken is False

        services = await devicemgmt.GetServices({"IncludeCapability": False})
        by_namespace = {service.Namespace: service for service in services}
        assert by_namespace[TDS].XAddr == running_camera.device_url
        assert by_namespace[TDS].Version.Major >= 2
        assert by_namespace[TDS].Capabilities is None  # not asked for

        # async_check_date_and_time(): UTC preferred over local time.
        now = await devicemgmt.GetSystemDateAndTime()
        assert now.DateTimeType == "NTP"
        assert now.TimeZone.TZ == camera.config.clock.timezone == "UTC0"
        assert_near_now(onvif_datetime(now.UTCDateTime))
        assert onvif_datetime(now.LocalDateTime) == onvif_datetime(now.UTCDateTime)

        # async_get_device_info(): the MAC of the last enabled interface.
        interfaces = await devicemgmt.GetNetworkInterfaces()
        macs = [iface.Info.HwAddress for iface in interfaces if iface.Enabled]
        assert macs and macs[-1] == identity.mac_address

        users = await devicemgmt.GetUsers()
        assert [(u.Username, u.UserLevel) for u in users] == [(running_camera.username, "Administrator")]
        assert all(u.Password is None for u in users)  # never handed out

        hostname = await devicemgmt.GetHostname()
        assert hostname.Name == camera.state.network.hostname
        assert hostname.FromDHCP is False

        scopes = {scope.ScopeItem: scope.ScopeDef for scope in await devicemgmt.GetScopes()}
        assert scopes[f"onvif://www.onvif.org/hardware/{quote(identity.model)}"] == "Fixed"
        assert scopes[f"onvif://www.onvif.org/name/{quote(identity.name)}"] == "Configurable"
        assert scopes[f"onvif://www.onvif.org/MAC/{quote(identity.mac_address, safe='')}"] == "Fixed"
        assert set(scopes) == {item for item, _ in camera.scopes.get_scopes()}


@SKEWED
async def test_onvif_zeep_async_adjust_time_survives_clock_skew(running_camera):
    """adjust_time reads the device clock unauthenticated and signs with the device's time.

    Without it (Home Assistant's default), the same camera refuses every authenticated call
    because the UsernameToken's Created is two hours behind the device clock.
    """
    user, password = running_camera.username, running_camera.password
    async with ha_camera(running_camera, user, password, adjust_time=True) as device:
        await device.update_xaddrs()
        # The camera's clock really is two hours ahead, and the library measured it.
        assert abs(device.dt_diff - SKEW) < CLOCK_SLACK, device.dt_diff
        devicemgmt = await device.create_devicemgmt_service()
        device_time = await devicemgmt.GetSystemDateAndTime()
        assert device_time.DateTimeType == "Manual"
        assert_near_now(onvif_datetime(device_time.UTCDateTime), offset=SKEW)
        info = await devicemgmt.GetDeviceInformation()
        assert info.SerialNumber == running_camera.camera.identity.serial_number
        users = await devicemgmt.GetUsers()
        assert [u.Username for u in users] == [user]

    async with ha_camera(running_camera, user, password) as device:  # adjust_time=False
        await device.update_xaddrs()  # PRE_AUTH operations only: still fine
        assert device.dt_diff is None
        devicemgmt = await device.create_devicemgmt_service()
        with pytest.raises(Fault) as caught:
            await devicemgmt.GetDeviceInformation()
        assert TER_NOT_AUTHORIZED in fault_subcodes(caught.value)
        assert "Created" in caught.value.message
        assert is_auth_error(caught.value)


@SKEWED
def test_zeep_without_time_adjustment_is_refused_on_skewed_camera(running_camera, tds):
    """Plain zeep stamps Created with the host clock: stale for a camera two hours ahead."""
    device_time = tds.GetSystemDateAndTime()  # PRE_AUTH: answered whatever the clock says
    assert_near_now(onvif_datetime(device_time.UTCDateTime), offset=SKEW)
    with pytest.raises(Fault) as caught:
        tds.GetDeviceInformation()
    assert fault_subcodes(caught.value) == [TER_NOT_AUTHORIZED]
    assert caught.value.code.endswith("Sender")
    assert "Created" in caught.value.message


def test_zeep_skew_set_by_a_client_locks_out_unadjusted_clients(running_camera, tds):
    """A SetSystemDateAndTime two hours ahead takes effect at once for authentication."""
    assert tds.GetDeviceInformation().SerialNumber == running_camera.camera.identity.serial_number
    ahead = datetime.now(UTC) + SKEW
    tds.SetSystemDateAndTime(
        DateTimeType="Manual",
        DaylightSavings=False,
        UTCDateTime={
            "Date": {"Year": ahead.year, "Month": ahead.month, "Day": ahead.day},
            "Time": {"Hour": ahead.hour, "Minute": ahead.minute, "Second": ahead.second},
        },
    )
    assert_near_now(running_camera.camera.clock.utc_now(), offset=SKEW)
    assert_near_now(onvif_datetime(tds.GetSystemDateAndTime().UTCDateTime), offset=SKEW)
    with pytest.raises(Fault) as caught:
        tds.GetDeviceInformation()
    assert fault_subcodes(caught.value) == [TER_NOT_AUTHORIZED]
    assert "Created" in caught.value.message


async def test_onvif_zeep_async_wrong_password(running_camera):
    """A wrong password: discovery still works (PRE_AUTH), the first real call is refused.

    onvif-zeep-async wraps only errors raised while building a request in ONVIFError; a fault
    the camera answers surfaces as zeep's Fault, which Home Assistant's config flow classifies
    with onvif.util.is_auth_error() to show "invalid_auth".  A wrong password and an unknown
    user get the same answer, so the fault does not reveal which user names exist.
    """
    reasons = {}
    for user, password in ((running_camera.username, "not-the-password"), ("nobody", "whatever")):
        async with ha_camera(running_camera, user, password) as device:
            await device.update_xaddrs()
            assert device.xaddrs[TDS] == running_camera.device_url
            devicemgmt = await device.create_devicemgmt_service()
            with pytest.raises(Fault) as caught:
                await devicemgmt.GetDeviceInformation()
            fault = caught.value
            assert type(fault) is Fault
            assert fault.code.endswith("Sender")
            assert fault_subcodes(fault) == [TER_NOT_AUTHORIZED]
            assert "WS-Security" in fault.message
            assert is_auth_error(fault)
            reasons[user] = fault.message.replace(repr(user), "<user>")
    assert reasons[running_camera.username] == reasons["nobody"], reasons


async def test_onvif_zeep_async_users_and_levels(running_camera):
    """CreateUsers and SetUser through onvif-zeep-async, then log in as the new user."""
    camera = running_camera.camera
    async with ha_camera(running_camera, running_camera.username, running_camera.password) as admin:
        await admin.update_xaddrs()
        devicemgmt = await admin.create_devicemgmt_service()
        await devicemgmt.CreateUsers(
            {"User": [{"Username": "viewer", "Password": "first-pass", "UserLevel": "Operator"}]}
        )
        await devicemgmt.SetUser({"User": [{"Username": "viewer", "Password": "second-pass", "UserLevel": "User"}]})
        users = {u.Username: u.UserLevel for u in await devicemgmt.GetUsers()}
        assert users == {running_camera.username: "Administrator", "viewer": "User"}
        assert camera.users.find("viewer").level == "User"

    async with ha_camera(running_camera, "viewer", "second-pass") as viewer:
        await viewer.update_xaddrs()
        devicemgmt = await viewer.create_devicemgmt_service()
        # READ_SYSTEM is granted to User...
        info = await devicemgmt.GetDeviceInformation()
        assert info.SerialNumber == camera.identity.serial_number
        interfaces = await devicemgmt.GetNetworkInterfaces()
        assert interfaces[0].Info.HwAddress == camera.identity.mac_address
        # ...READ_SYSTEM_SECRET and WRITE_SYSTEM are not.
        with pytest.raises(Fault) as caught:
            await devicemgmt.GetUsers()
        assert fault_subcodes(caught.value) == [TER_NOT_AUTHORIZED]
        assert "may not call GetUsers" in caught.value.message
        assert is_auth_error(caught.value)
        with pytest.raises(Fault) as caught:
            await devicemgmt.CreateUsers(
                {"User": [{"Username": "sneaky", "Password": "x", "UserLevel": "Administrator"}]}
            )
        assert fault_subcodes(caught.value) == [TER_NOT_AUTHORIZED]
        assert camera.users.find("sneaky") is None

    async with ha_camera(running_camera, "viewer", "first-pass") as stale:  # the password SetUser replaced
        await stale.update_xaddrs()
        devicemgmt = await stale.create_devicemgmt_service()
        with pytest.raises(Fault) as caught:
            await devicemgmt.GetDeviceInformation()
        assert is_auth_error(caught.value)


# --- 2. onveef -------------------------------------------------------------------------------


def test_onveef_sync_info(running_camera):
    """What `onveef info` does, and the service map and clock it discovers on the way."""
    camera = running_camera.camera
    with onveef.OnvifClient(
        running_camera.host, running_camera.port, running_camera.username, running_camera.password
    ) as client:
        assert client.get_device_information() == identity_dict(camera)
        services = client.discover_services()
        assert services["device"] == running_camera.device_url
        assert client.get_capabilities()["device"] == running_camera.device_url
        caps = client.get_service_capabilities("device")
        assert caps["Security"]["@UsernameToken"] == "true"
        assert caps["Security"]["@HttpDigest"] == "true"
        assert caps["Security"]["@HashingAlgorithms"].split() == camera.state.hashing_algorithms
        assert caps["System"]["@SystemLogging"] == "true"
        now = client.get_system_date_time()
        assert now["date_time_type"] == "NTP"
        assert now["timezone"] == "UTC0"
        assert_near_now(onveef_datetime(now["UTCDateTime"]))
        assert client.get_hostname() == camera.state.network.hostname
        assert client.get_network_interfaces()[0]["hardware_address"] == camera.identity.mac_address
        assert client.get_users() == [{"username": running_camera.username, "user_level": "Administrator"}]


async def test_onveef_async_info(running_camera):
    camera = running_camera.camera
    async with onveef.AsyncOnvifClient(
        running_camera.host, running_camera.port, running_camera.username, running_camera.password
    ) as client:
        info, services, now = await asyncio.gather(
            client.get_device_information(), client.discover_services(), client.get_system_date_time()
        )
        assert info == identity_dict(camera)
        assert services["device"] == running_camera.device_url
        assert now["timezone"] == "UTC0"
        assert_near_now(onveef_datetime(now["UTCDateTime"]))
        scopes = {s["scope_item"] for s in await client.get_scopes()}
        assert f"onvif://www.onvif.org/hardware/{camera.identity.model}" in scopes


def _onveef_command() -> list[str]:
    script = shutil.which("onveef", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "onveef"]


def _run_onveef(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*_onveef_command(), *args], capture_output=True, text=True, timeout=60, check=False)


def test_onveef_cli_info(running_camera):
    camera = running_camera.camera
    serial = camera.identity.serial_number
    auth = ["-u", running_camera.username, "-p", running_camera.password]

    by_url = _run_onveef("info", running_camera.device_url, *auth)
    assert by_url.returncode == 0, by_url.stderr
    assert f"SerialNumber: {serial}" in by_url.stdout.splitlines()
    assert f"Model: {camera.identity.model}" in by_url.stdout.splitlines()

    as_json = _run_onveef("--json", "info", running_camera.host, "--port", str(running_camera.port), *auth)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == identity_dict(camera)

    refused = _run_onveef("info", running_camera.device_url, "-u", running_camera.username, "-p", "wrong")
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: ") and "GetDeviceInformation" in refused.stderr
    assert serial not in refused.stdout


def test_onveef_classifies_a_wrong_password_as_an_auth_error(running_camera):
    with (
        onveef.OnvifClient(running_camera.host, running_camera.port, running_camera.username, "wrong") as client,
        pytest.raises(onveef.OnvifAuthError),
    ):
        client.get_device_information()


@SKEWED
def test_onveef_recovers_from_clock_skew(running_camera):
    with onveef.OnvifClient(
        running_camera.host, running_camera.port, running_camera.username, running_camera.password
    ) as client:
        assert client.get_device_information() == identity_dict(running_camera.camera)


# --- 3. zeep with the official WSDL ----------------------------------------------------------


def test_zeep_device_management(running_camera, tds):
    """Read and write operations through zeep, which checks every answer against the WSDL types."""
    camera = running_camera.camera
    state = camera.state

    now = tds.GetSystemDateAndTime()
    assert now.TimeZone.TZ == "UTC0"
    assert_near_now(onvif_datetime(now.UTCDateTime))

    info = tds.GetDeviceInformation()
    assert {key: info[key] for key in identity_dict(camera)} == identity_dict(camera)

    services = {s.Namespace: s for s in tds.GetServices(IncludeCapability=True)}
    device_service = services[TDS]
    assert device_service.XAddr == running_camera.device_url
    assert device_service.Capabilities._value_1.Security.UsernameToken is True
    version = (device_service.Version.Major, device_service.Version.Minor)

    caps = tds.GetServiceCapabilities()
    assert caps.Security.UsernameToken is True and caps.Security.HttpDigest is True
    assert caps.Security.MaxUsers == 16
    assert caps.Security.HashingAlgorithms == state.hashing_algorithms
    assert caps.System.SystemLogging is True
    assert caps.Network.NTP == 4

    legacy = tds.GetCapabilities(Category=["All"])
    assert legacy.Device.XAddr == running_camera.device_url
    supported = [(v.Major, v.Minor) for v in legacy.Device.System.SupportedVersions]
    assert version in supported

    # Scopes: add two, remove one, the list follows.
    original = [s.ScopeItem for s in tds.GetScopes()]
    added = ["onvif://www.onvif.org/location/building/7", "onvif://www.onvif.org/name/zeep"]
    tds.AddScopes(ScopeItem=added)
    scopes = {s.ScopeItem: s.ScopeDef for s in tds.GetScopes()}
    assert all(scopes[item] == "Configurable" for item in added)
    assert set(scopes) == set(original) | set(added)
    assert tds.RemoveScopes(ScopeItem=[added[0]]) == [added[0]]
    assert [s.ScopeItem for s in tds.GetScopes()] == original + [added[1]]

    tds.SetHostname(Name="zeep-cam")
    hostname = tds.GetHostname()
    assert (hostname.Name, hostname.FromDHCP) == ("zeep-cam", False)
    assert state.network.hostname == "zeep-cam"

    tds.SetNTP(
        FromDHCP=False,
        NTPManual=[{"Type": "IPv4", "IPv4Address": "192.0.2.1"}, {"Type": "DNS", "DNSname": "time.example.org"}],
    )
    ntp = tds.GetNTP()
    assert ntp.FromDHCP is False
    assert [(n.Type, n.IPv4Address or n.DNSname) for n in ntp.NTPManual] == [
        ("IPv4", "192.0.2.1"),
        ("DNS", "time.example.org"),
    ]

    tds.SetDNS(FromDHCP=False, SearchDomain=["example.org"], DNSManual=[{"Type": "IPv4", "IPv4Address": "192.0.2.53"}])
    dns = tds.GetDNS()
    assert dns.FromDHCP is False
    assert dns.SearchDomain == ["example.org"]
    assert [(d.Type, d.IPv4Address) for d in dns.DNSManual] == [("IPv4", "192.0.2.53")]

    protocols = {p.Name: p for p in tds.GetNetworkProtocols()}
    assert set(protocols) == {"HTTP", "HTTPS", "RTSP"}
    assert protocols["HTTP"].Enabled is True and protocols["RTSP"].Enabled is True
    assert protocols["HTTPS"].Enabled is False

    # A POSIX time zone with EU summer time: LocalDateTime is UTC+1 in winter, UTC+2 in summer.
    utc = datetime.now(UTC)
    tds.SetSystemDateAndTime(
        DateTimeType="Manual",
        DaylightSavings=True,
        TimeZone={"TZ": "CET-1CEST,M3.5.0,M10.5.0/3"},
        UTCDateTime={
            "Date": {"Year": utc.year, "Month": utc.month, "Day": utc.day},
            "Time": {"Hour": utc.hour, "Minute": utc.minute, "Second": utc.second},
        },
    )
    now = tds.GetSystemDateAndTime()
    assert now.DateTimeType == "Manual"
    assert now.DaylightSavings is True
    assert now.TimeZone.TZ == "CET-1CEST,M3.5.0,M10.5.0/3"
    device_utc = onvif_datetime(now.UTCDateTime)
    assert_near_now(device_utc)
    assert onvif_datetime(now.LocalDateTime) - device_utc == central_european_offset(device_utc)

    # Users: create two, list them (never with passwords), delete them.
    tds.CreateUsers(
        User=[
            {"Username": "operator1", "Password": "op-pass", "UserLevel": "Operator"},
            {"Username": "viewer1", "Password": "view-pass", "UserLevel": "User"},
        ]
    )
    users = tds.GetUsers()
    assert [(u.Username, u.UserLevel) for u in users] == [
        (running_camera.username, "Administrator"),
        ("operator1", "Operator"),
        ("viewer1", "User"),
    ]
    assert all(u.Password is None for u in users)
    tds.DeleteUsers(Username=["operator1", "viewer1"])
    assert [u.Username for u in tds.GetUsers()] == [running_camera.username]
    assert [u.username for u in camera.users.get_users()] == [running_camera.username]

    tds.SetDiscoveryMode(DiscoveryMode="NonDiscoverable")
    assert tds.GetDiscoveryMode() == "NonDiscoverable"
    assert state.network.discoverable is False
    tds.SetDiscoveryMode(DiscoveryMode="Discoverable")
    assert tds.GetDiscoveryMode() == "Discoverable"

    # The access log saw every authenticated call above, in order.
    access = tds.GetSystemLog(LogType="Access").String.splitlines()
    calls = [line.split(" ", 1)[1] for line in access]
    user = running_camera.username
    for expected in ("GetDeviceInformation", "AddScopes", "SetHostname", "SetNTP", "CreateUsers", "DeleteUsers"):
        assert f"{user} {expected}" in calls, calls
    assert calls.index(f"{user} SetHostname") < calls.index(f"{user} DeleteUsers")


def test_zeep_system_log_records_a_reboot(running_camera, tds):
    """SystemReboot answers, the camera goes away and comes back; the system log tells the story."""
    message = tds.SystemReboot()
    assert "Rebooting" in message
    # The camera may still answer a moment after SystemReboot; poll, as a client waiting for a
    # real camera would, until it has been away and is back.
    deadline = time.monotonic() + 20
    while True:
        try:
            log = tds.GetSystemLog(LogType="System").String or ""
        except (requests.ConnectionError, zeep.exceptions.TransportError):
            pass
        else:
            if "camera started after reboot" in log:
                break
        assert time.monotonic() < deadline, "the camera did not come back after SystemReboot"
        time.sleep(0.05)
    assert running_camera.server.reboots == 1
    lines = log.splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == ["reboot requested", "camera started after reboot"]
    for line in lines:
        assert_near_now(datetime.strptime(line.split(" ", 1)[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC))


def test_zeep_http_digest(device_wsdl, running_camera):
    """HTTP Digest instead of WS-Security: requests answers the camera's 401 challenge."""
    history: list[requests.Response] = []

    def client(password: str):
        session = requests.Session()
        session.auth = HTTPDigestAuth(running_camera.username, password)
        session.hooks["response"].append(lambda response, *args, **kwargs: history.append(response))
        return zeep_device(device_wsdl, running_camera, transport=Transport(session=session))

    info = client(running_camera.password).GetDeviceInformation()
    assert info.SerialNumber == running_camera.camera.identity.serial_number
    final = history[-1]
    assert [r.status_code for r in final.history] == [401]  # challenge first, then the answer
    assert final.status_code == 200
    assert final.request.headers["Authorization"].startswith("Digest ")
    assert b"wsse:Security" not in final.request.body and b"UsernameToken" not in final.request.body

    history.clear()
    with pytest.raises(Fault) as caught:
        client("wrong").GetDeviceInformation()
    final = history[-1]
    assert final.status_code == 401
    assert final.request.headers["Authorization"].startswith("Digest ")  # it did try
    assert "Digest" in final.headers["WWW-Authenticate"]
    assert fault_subcodes(caught.value) == [TER_NOT_AUTHORIZED]


def test_zeep_network_protocols_report_the_http_port_in_use(running_camera, tds):
    protocols = {p.Name: p for p in tds.GetNetworkProtocols()}
    assert protocols["HTTP"].Port == [running_camera.port]


def test_zeep_network_interface_reports_the_advertised_address(running_camera, tds):
    (interface,) = tds.GetNetworkInterfaces()
    config = interface.IPv4.Config
    addresses = [a.Address for a in config.Manual] + ([config.FromDHCP.Address] if config.FromDHCP else [])
    assert running_camera.host in addresses


# --- 4. SOAP 1.1 ------------------------------------------------------------------------------


def test_official_wsdl_binds_soap12_only(device_wsdl):
    """Why SOAP 1.1 is tested by hand: zeep finds no SOAP 1.1 binding to use."""
    client = zeep.Client(device_wsdl)
    bindings = {name: type(binding).__name__ for name, binding in client.wsdl.bindings.items()}
    assert bindings == {DEVICE_BINDING: "Soap12Binding"}


def _post_soap11(running_camera, body: str, action: str, header: str = "") -> httpx.Response:
    return httpx.post(
        running_camera.device_url,
        content=envelope(body, header, soap_ns=SOAP11),
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{TDS}/{action}"'},
        timeout=10,
    )


def _soap11_body(response: httpx.Response) -> etree._Element:
    assert response.content.startswith(b"<?xml")
    root = etree.fromstring(response.content)
    assert root.tag == f"{{{SOAP11}}}Envelope"
    body = root.find(f"{{{SOAP11}}}Body")
    assert body is not None and len(body) == 1
    return body[0]


def test_soap11_requests_get_soap11_answers(running_camera, onvif_schemas):
    camera = running_camera.camera

    response = _post_soap11(running_camera, "<tds:GetSystemDateAndTime/>", "GetSystemDateAndTime")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0].strip() == "text/xml"
    answer = _soap11_body(response)
    onvif_schemas.validate_element(answer)
    utc = answer.find(f"{{{TDS}}}SystemDateAndTime/{{{TT}}}UTCDateTime")
    fields = {el.tag.split("}")[1]: int(el.text) for el in utc.iter() if el.text and el.text.strip()}
    assert_near_now(
        datetime(fields["Year"], fields["Month"], fields["Day"], fields["Hour"], fields["Minute"], fields["Second"],
                 tzinfo=UTC)
    )

    token = username_token(running_camera.username, running_camera.password)
    response = _post_soap11(running_camera, "<tds:GetDeviceInformation/>", "GetDeviceInformation", token)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    answer = _soap11_body(response)
    onvif_schemas.validate_element(answer)
    assert answer.findtext(f"{{{TDS}}}SerialNumber") == camera.identity.serial_number

    # No credentials for an operation that needs them: a 401 challenge, still in SOAP 1.1.
    response = _post_soap11(running_camera, "<tds:GetDeviceInformation/>", "GetDeviceInformation")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/xml")
    assert all(h.startswith("Digest ") for h in response.headers.get_list("www-authenticate"))
    fault = _soap11_body(response)
    assert fault.tag == f"{{{SOAP11}}}Fault"
    assert fault.findtext("faultcode").endswith("NotAuthorized")

    # A token that does not verify: a SOAP 1.1 fault, with HTTP 500 as SOAP 1.1's HTTP binding wants.
    token = username_token(running_camera.username, "wrong")
    response = _post_soap11(running_camera, "<tds:GetDeviceInformation/>", "GetDeviceInformation", token)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/xml")
    fault = _soap11_body(response)
    assert fault.tag == f"{{{SOAP11}}}Fault"
    assert fault.findtext("faultcode").endswith("NotAuthorized")
    assert "WS-Security" in fault.findtext("faultstring")
