"""The Device service over real HTTP: every operation's answer validated
against the official schemas, Set followed by Get, and the spec's faults."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from lxml import etree

from soaputil import TDS, TT

NS = {"tds": TDS, "tt": TT}


def texts(el: etree._Element, path: str) -> list[str]:
    return [e.text for e in el.xpath(path, namespaces=NS)]


def one(el: etree._Element, path: str) -> str:
    found = texts(el, path)
    assert len(found) == 1, (path, found, etree.tostring(el))
    return found[0]


# --- identity, services, capabilities -------------------------------------------------------


def test_device_information_comes_from_the_identity(soap, running_camera):
    identity = running_camera.camera.identity
    info = soap.call("<tds:GetDeviceInformation/>")
    assert one(info, "tds:Manufacturer") == identity.manufacturer
    assert one(info, "tds:Model") == identity.model
    assert one(info, "tds:SerialNumber") == identity.serial_number
    assert one(info, "tds:HardwareId") == identity.hardware_id
    assert one(info, "tds:FirmwareVersion") == identity.firmware_version


def test_get_services_lists_the_device_service_at_its_xaddr(soap, running_camera):
    for include in ("true", "false"):
        services = soap.call(
            f"<tds:GetServices><tds:IncludeCapability>{include}</tds:IncludeCapability></tds:GetServices>",
            auth="none",
        )
        assert texts(services, "tds:Service/tds:Namespace")[0] == TDS
        assert texts(services, "tds:Service/tds:XAddr")[0] == running_camera.device_url
        has_caps = bool(services.xpath("tds:Service/tds:Capabilities/tds:Capabilities", namespaces=NS))
        assert has_caps == (include == "true")


def test_service_capabilities_state_what_the_camera_does(soap):
    caps = soap.call("<tds:GetServiceCapabilities/>", auth="none")
    security = caps.find("tds:Capabilities/tds:Security", NS)
    assert security.get("UsernameToken") == "true"
    assert security.get("HttpDigest") == "true"
    assert security.get("HashingAlgorithms").split() == ["SHA-256", "MD5"]
    assert caps.find("tds:Capabilities/tds:System", NS).get("DiscoveryBye") == "true"


def test_legacy_capabilities_carry_the_device_xaddr(soap, running_camera):
    for body in ("<tds:GetCapabilities/>", "<tds:GetCapabilities><tds:Category>Device</tds:Category></tds:GetCapabilities>"):
        caps = soap.call(body, auth="none")
        assert one(caps, "tds:Capabilities/tt:Device/tt:XAddr") == running_camera.device_url


def test_capabilities_of_a_service_not_served_is_a_fault(soap):
    codes = soap.fault(
        "<tds:GetCapabilities><tds:Category>Analytics</tds:Category></tds:GetCapabilities>", auth="none", status=500
    )
    assert codes == ["s:Receiver", "ter:ActionNotSupported", "ter:NoSuchService"]


def test_wsdl_url_and_endpoint_reference(soap, running_camera):
    assert one(soap.call("<tds:GetWsdlUrl/>", auth="none"), "tds:WsdlUrl").startswith("http")
    guid = one(soap.call("<tds:GetEndpointReference/>", auth="none"), "tds:GUID")
    assert guid == f"urn:uuid:{running_camera.camera.identity.endpoint_uuid}"


# --- date and time -----------------------------------------------------------------------------


def set_time(soap, kind: str, tz: str | None = None, utc: datetime | None = None, dst: str = "false"):
    zone = f"<tds:TimeZone><tt:TZ>{tz}</tt:TZ></tds:TimeZone>" if tz else ""
    moment = ""
    if utc:
        moment = (
            f"<tds:UTCDateTime><tt:Time><tt:Hour>{utc.hour}</tt:Hour><tt:Minute>{utc.minute}</tt:Minute>"
            f"<tt:Second>{utc.second}</tt:Second></tt:Time><tt:Date><tt:Year>{utc.year}</tt:Year>"
            f"<tt:Month>{utc.month}</tt:Month><tt:Day>{utc.day}</tt:Day></tt:Date></tds:UTCDateTime>"
        )
    return (
        f"<tds:SetSystemDateAndTime><tds:DateTimeType>{kind}</tds:DateTimeType>"
        f"<tds:DaylightSavings>{dst}</tds:DaylightSavings>{zone}{moment}</tds:SetSystemDateAndTime>"
    )


def device_time(soap, which: str = "UTCDateTime") -> datetime:
    sdt = soap.call("<tds:GetSystemDateAndTime/>", auth="none")
    base = f"tds:SystemDateAndTime/tt:{which}"
    parts = [int(one(sdt, f"{base}/tt:{p}")) for p in ("Date/tt:Year", "Date/tt:Month", "Date/tt:Day",
                                                         "Time/tt:Hour", "Time/tt:Minute", "Time/tt:Second")]
    return datetime(*parts, tzinfo=timezone.utc)


def test_manual_time_moves_the_device_clock_and_ntp_brings_it_back(soap):
    target = datetime(2031, 5, 17, 8, 30, 0, tzinfo=timezone.utc)
    soap.call(set_time(soap, "Manual", utc=target))
    assert abs((device_time(soap) - target).total_seconds()) < 5
    sdt = soap.call("<tds:GetSystemDateAndTime/>", auth="none")
    assert one(sdt, "tds:SystemDateAndTime/tt:DateTimeType") == "Manual"
    # The device clock is now years ahead, so a UsernameToken made with host time is stale;
    # HTTP Digest does not depend on the clock.
    assert soap.fault(set_time(soap, "NTP")) == ["s:Sender", "ter:NotAuthorized"]
    soap.call(set_time(soap, "NTP"), auth="digest")
    assert abs((device_time(soap) - datetime.now(timezone.utc)).total_seconds()) < 5


def test_posix_time_zone_gives_local_time_and_dst(soap):
    # 2031-07-01 12:00 UTC is summer time in Central Europe: local = UTC + 2 h when the
    # camera follows DST, UTC + 1 h when DaylightSavings is off.
    cet = "CET-1CEST,M3.5.0,M10.5.0/3"
    soap.call(set_time(soap, "Manual", tz=cet, utc=datetime(2031, 7, 1, 12, 0, 0), dst="true"))
    local = device_time(soap, "LocalDateTime")
    assert (local.hour, local.day) == (14, 1)
    sdt = soap.call("<tds:GetSystemDateAndTime/>", auth="none")
    assert one(sdt, "tds:SystemDateAndTime/tt:TimeZone/tt:TZ") == cet
    assert one(sdt, "tds:SystemDateAndTime/tt:DaylightSavings") == "true"
    soap.call(set_time(soap, "Manual", tz=cet, utc=datetime(2031, 7, 1, 12, 0, 0), dst="false"), auth="digest")
    assert device_time(soap, "LocalDateTime").hour == 13


@pytest.mark.parametrize(
    "body, subcode",
    [
        (set_time(None, "Manual", tz="not a zone!"), "ter:InvalidTimeZone"),
        (set_time(None, "Manual", utc=None), "ter:InvalidDateTime"),
        (set_time(None, "Manual", utc=None).replace("</tds:DaylightSavings>",
         "</tds:DaylightSavings><tds:UTCDateTime><tt:Time><tt:Hour>25</tt:Hour><tt:Minute>0</tt:Minute>"
         "<tt:Second>0</tt:Second></tt:Time><tt:Date><tt:Year>2030</tt:Year><tt:Month>1</tt:Month>"
         "<tt:Day>1</tt:Day></tt:Date></tds:UTCDateTime>"), "ter:InvalidDateTime"),
    ],
)
def test_bad_date_and_time_is_refused_and_changes_nothing(soap, body, subcode):
    before = soap.call("<tds:GetSystemDateAndTime/>", auth="none")
    assert soap.fault(body) == ["s:Sender", "ter:InvalidArgVal", subcode]
    after = soap.call("<tds:GetSystemDateAndTime/>", auth="none")
    assert one(before, "tds:SystemDateAndTime/tt:TimeZone/tt:TZ") == one(after, "tds:SystemDateAndTime/tt:TimeZone/tt:TZ")
    assert one(after, "tds:SystemDateAndTime/tt:DateTimeType") == "NTP"


def test_switching_to_ntp_without_a_server_is_refused(soap):
    soap.call(set_time(soap, "Manual", utc=datetime(2030, 1, 1)))
    soap.call("<tds:SetNTP><tds:FromDHCP>false</tds:FromDHCP></tds:SetNTP>", auth="digest")
    codes = soap.fault(set_time(soap, "NTP"), auth="digest")
    assert codes == ["s:Sender", "ter:InvalidArgVal", "ter:NtpServerUndefined"]


# --- network settings ------------------------------------------------------------------------


def test_hostname_round_trip_and_rfc1123_check(soap):
    soap.call("<tds:SetHostname><tds:Name>cam-lobby-01</tds:Name></tds:SetHostname>")
    assert one(soap.call("<tds:GetHostname/>", auth="none"), "tds:HostnameInformation/tt:Name") == "cam-lobby-01"
    fault = soap.fault("<tds:SetHostname><tds:Name>bad_name!</tds:Name></tds:SetHostname>")
    assert fault == ["s:Sender", "ter:InvalidArgVal", "ter:InvalidHostname"]
    reply = soap.call("<tds:SetHostnameFromDHCP><tds:FromDHCP>true</tds:FromDHCP></tds:SetHostnameFromDHCP>")
    assert one(reply, "tds:RebootNeeded") == "false"
    assert one(soap.call("<tds:GetHostname/>", auth="none"), "tds:HostnameInformation/tt:FromDHCP") == "true"


def test_dns_round_trip_and_bad_address(soap):
    soap.call(
        "<tds:SetDNS><tds:FromDHCP>false</tds:FromDHCP><tds:SearchDomain>lab.example</tds:SearchDomain>"
        "<tds:DNSManual><tt:Type>IPv4</tt:Type><tt:IPv4Address>10.0.0.53</tt:IPv4Address></tds:DNSManual>"
        "</tds:SetDNS>"
    )
    dns = soap.call("<tds:GetDNS/>")
    assert one(dns, "tds:DNSInformation/tt:SearchDomain") == "lab.example"
    assert one(dns, "tds:DNSInformation/tt:DNSManual/tt:IPv4Address") == "10.0.0.53"
    bad = (
        "<tds:SetDNS><tds:FromDHCP>false</tds:FromDHCP><tds:DNSManual><tt:Type>IPv4</tt:Type>"
        "<tt:IPv4Address>10.0.0.999</tt:IPv4Address></tds:DNSManual></tds:SetDNS>"
    )
    assert soap.fault(bad) == ["s:Sender", "ter:InvalidArgVal", "ter:InvalidIPv4Address"]
    assert one(soap.call("<tds:GetDNS/>"), "tds:DNSInformation/tt:DNSManual/tt:IPv4Address") == "10.0.0.53"


def test_ntp_round_trip_with_names_and_addresses(soap):
    soap.call(
        "<tds:SetNTP><tds:FromDHCP>false</tds:FromDHCP>"
        "<tds:NTPManual><tt:Type>DNS</tt:Type><tt:DNSname>time.example.org</tt:DNSname></tds:NTPManual>"
        "<tds:NTPManual><tt:Type>IPv6</tt:Type><tt:IPv6Address>2001:db8::123</tt:IPv6Address></tds:NTPManual>"
        "</tds:SetNTP>"
    )
    ntp = soap.call("<tds:GetNTP/>")
    assert texts(ntp, "tds:NTPInformation/tt:NTPManual/tt:DNSname") == ["time.example.org"]
    assert texts(ntp, "tds:NTPInformation/tt:NTPManual/tt:IPv6Address") == ["2001:db8::123"]
    bad = (
        "<tds:SetNTP><tds:FromDHCP>false</tds:FromDHCP><tds:NTPManual><tt:Type>DNS</tt:Type>"
        "<tt:DNSname>-bad-.name</tt:DNSname></tds:NTPManual></tds:SetNTP>"
    )
    assert soap.fault(bad) == ["s:Sender", "ter:InvalidArgVal", "ter:InvalidDnsName"]
    # The clock is on NTP: removing every server would leave it without one.
    empty = "<tds:SetNTP><tds:FromDHCP>false</tds:FromDHCP></tds:SetNTP>"
    assert soap.fault(empty) == ["s:Sender", "ter:InvalidArgVal", "ter:TimeSyncedToNtp"]


def test_dynamic_dns_round_trip(soap):
    soap.call(
        "<tds:SetDynamicDNS><tds:Type>ClientUpdates</tds:Type><tds:Name>cam.dyn.example</tds:Name>"
        "<tds:TTL>PT1H</tds:TTL></tds:SetDynamicDNS>"
    )
    ddns = soap.call("<tds:GetDynamicDNS/>")
    assert one(ddns, "tds:DynamicDNSInformation/tt:Type") == "ClientUpdates"
    assert one(ddns, "tds:DynamicDNSInformation/tt:TTL") == "PT3600S"


def test_network_interfaces_report_the_mac_and_accept_changes(soap, running_camera):
    interfaces = soap.call("<tds:GetNetworkInterfaces/>")
    assert one(interfaces, "tds:NetworkInterfaces/tt:Info/tt:HwAddress") == running_camera.camera.identity.mac_address
    token = interfaces.find("tds:NetworkInterfaces", NS).get("token")
    reply = soap.call(
        f"<tds:SetNetworkInterfaces><tds:InterfaceToken>{token}</tds:InterfaceToken><tds:NetworkInterface>"
        "<tt:MTU>1400</tt:MTU><tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Manual><tt:Address>192.168.7.20</tt:Address>"
        "<tt:PrefixLength>24</tt:PrefixLength></tt:Manual><tt:DHCP>false</tt:DHCP></tt:IPv4>"
        "</tds:NetworkInterface></tds:SetNetworkInterfaces>"
    )
    assert one(reply, "tds:RebootNeeded") == "true"
    interfaces = soap.call("<tds:GetNetworkInterfaces/>")
    assert one(interfaces, "tds:NetworkInterfaces/tt:Info/tt:MTU") == "1400"
    assert one(interfaces, "tds:NetworkInterfaces/tt:IPv4/tt:Config/tt:Manual/tt:Address") == "192.168.7.20"
    for body, subcode in (
        ("<tds:InterfaceToken>wlan9</tds:InterfaceToken><tds:NetworkInterface/>", "ter:InvalidNetworkInterface"),
        (f"<tds:InterfaceToken>{token}</tds:InterfaceToken><tds:NetworkInterface><tt:MTU>12</tt:MTU>"
         "</tds:NetworkInterface>", "ter:InvalidMtuValue"),
    ):
        fault = soap.fault(f"<tds:SetNetworkInterfaces>{body}</tds:SetNetworkInterfaces>")
        assert fault == ["s:Sender", "ter:InvalidArgVal", subcode]
    wifi = (
        f"<tds:SetNetworkInterfaces><tds:InterfaceToken>{token}</tds:InterfaceToken><tds:NetworkInterface>"
        "<tt:Extension><tt:Dot11/></tt:Extension></tds:NetworkInterface></tds:SetNetworkInterfaces>"
    )
    assert soap.fault(wifi, status=500) == ["s:Receiver", "ter:ActionNotSupported", "ter:InvalidDot11"]


def test_network_protocols_round_trip_and_conflicts(soap):
    protocols = soap.call("<tds:GetNetworkProtocols/>")
    assert set(texts(protocols, "tds:NetworkProtocols/tt:Name")) == {"HTTP", "HTTPS", "RTSP"}
    soap.call(
        "<tds:SetNetworkProtocols><tds:NetworkProtocols><tt:Name>RTSP</tt:Name><tt:Enabled>true</tt:Enabled>"
        "<tt:Port>10554</tt:Port></tds:NetworkProtocols></tds:SetNetworkProtocols>"
    )
    protocols = soap.call("<tds:GetNetworkProtocols/>")
    assert protocols.xpath("tds:NetworkProtocols[tt:Name='RTSP']/tt:Port/text()", namespaces=NS) == ["10554"]
    clash = (
        "<tds:SetNetworkProtocols><tds:NetworkProtocols><tt:Name>HTTP</tt:Name><tt:Enabled>true</tt:Enabled>"
        "<tt:Port>10554</tt:Port></tds:NetworkProtocols></tds:SetNetworkProtocols>"
    )
    assert soap.fault(clash) == ["s:Sender", "ter:InvalidArgVal", "ter:PortAlreadyInUse"]
    tls = clash.replace("HTTP<", "HTTPS<").replace("10554", "443")
    assert soap.fault(tls, status=500) == ["s:Receiver", "ter:ActionNotSupported", "ter:EnablingTlsFailed"]


def test_default_gateway_and_zero_configuration(soap):
    soap.call(
        "<tds:SetNetworkDefaultGateway><tds:IPv4Address>192.168.7.1</tds:IPv4Address></tds:SetNetworkDefaultGateway>"
    )
    gateway = soap.call("<tds:GetNetworkDefaultGateway/>")
    assert one(gateway, "tds:NetworkGateway/tt:IPv4Address") == "192.168.7.1"
    bad = "<tds:SetNetworkDefaultGateway><tds:IPv4Address>1.2.3</tds:IPv4Address></tds:SetNetworkDefaultGateway>"
    assert soap.fault(bad) == ["s:Sender", "ter:InvalidArgVal", "ter:InvalidIPv4Address"]
    token = soap.call("<tds:GetZeroConfiguration/>").findtext("tds:ZeroConfiguration/tt:InterfaceToken", None, NS)
    soap.call(
        f"<tds:SetZeroConfiguration><tds:InterfaceToken>{token}</tds:InterfaceToken>"
        "<tds:Enabled>true</tds:Enabled></tds:SetZeroConfiguration>"
    )
    zero = soap.call("<tds:GetZeroConfiguration/>")
    assert one(zero, "tds:ZeroConfiguration/tt:Enabled") == "true"
    assert one(zero, "tds:ZeroConfiguration/tt:Addresses").startswith("169.254.")


def ip_filter(kind: str | None, *entries: str, op: str = "SetIPAddressFilter") -> str:
    items = "".join(
        f"<tt:IPv4Address><tt:Address>{e.split('/')[0]}</tt:Address>"
        f"<tt:PrefixLength>{e.split('/')[1]}</tt:PrefixLength></tt:IPv4Address>"
        for e in entries
    )
    type_ = f"<tt:Type>{kind}</tt:Type>" if kind else "<tt:Type>Deny</tt:Type>"
    return f"<tds:{op}><tds:IPAddressFilter>{type_}{items}</tds:IPAddressFilter></tds:{op}>"


def test_ip_address_filter_add_remove_and_faults(soap):
    soap.call(ip_filter("Deny", "10.1.0.0/16"))
    soap.call(ip_filter(None, "10.2.0.5/32", op="AddIPAddressFilter"))
    current = soap.call("<tds:GetIPAddressFilter/>")
    assert texts(current, "tds:IPAddressFilter/tt:IPv4Address/tt:Address") == ["10.1.0.0", "10.2.0.5"]
    soap.call(ip_filter(None, "10.1.0.0/16", op="RemoveIPAddressFilter"))
    assert texts(soap.call("<tds:GetIPAddressFilter/>"), "tds:IPAddressFilter/tt:IPv4Address/tt:Address") == [
        "10.2.0.5"
    ]
    missing = ip_filter(None, "10.9.9.9/32", op="RemoveIPAddressFilter")
    assert soap.fault(missing) == ["s:Sender", "ter:InvalidArgVal", "ter:NoIPv4Address"]
    full = ip_filter("Deny", *(f"10.3.0.{i}/32" for i in range(20)))
    assert soap.fault(full) == ["s:Sender", "ter:InvalidArgVal", "ter:IPFilterListIsFull"]


# --- scopes and discovery mode --------------------------------------------------------------


def scope_items(soap) -> dict[str, str]:
    scopes = soap.call("<tds:GetScopes/>")
    return {
        s.findtext("tt:ScopeItem", None, NS): s.findtext("tt:ScopeDef", None, NS)
        for s in scopes.findall("tds:Scopes", NS)
    }


def test_scopes_fixed_and_configurable(soap):
    scopes = scope_items(soap)
    assert scopes["onvif://www.onvif.org/type/video_encoder"] == "Fixed"
    assert scopes["onvif://www.onvif.org/name/Virtual%20Camera"] == "Configurable"
    soap.call("<tds:AddScopes><tds:ScopeItem>onvif://www.onvif.org/location/floor2</tds:ScopeItem></tds:AddScopes>")
    assert scope_items(soap)["onvif://www.onvif.org/location/floor2"] == "Configurable"
    removed = soap.call(
        "<tds:RemoveScopes><tds:ScopeItem>onvif://www.onvif.org/location/floor2</tds:ScopeItem></tds:RemoveScopes>"
    )
    assert texts(removed, "tds:ScopeItem") == ["onvif://www.onvif.org/location/floor2"]
    soap.call("<tds:SetScopes><tds:Scopes>onvif://www.onvif.org/name/Gate</tds:Scopes></tds:SetScopes>")
    configurable = [k for k, v in scope_items(soap).items() if v == "Configurable"]
    assert configurable == ["onvif://www.onvif.org/name/Gate"]


def test_scope_faults(soap):
    fixed = "<tds:RemoveScopes><tds:ScopeItem>onvif://www.onvif.org/type/video_encoder</tds:ScopeItem></tds:RemoveScopes>"
    assert soap.fault(fixed) == ["s:Sender", "ter:OperationProhibited", "ter:FixedScope"]
    absent = "<tds:RemoveScopes><tds:ScopeItem>onvif://www.onvif.org/x/none</tds:ScopeItem></tds:RemoveScopes>"
    assert soap.fault(absent) == ["s:Sender", "ter:InvalidArgVal", "ter:NoScope"]
    many = "".join(f"<tds:ScopeItem>onvif://www.onvif.org/extra/{i}</tds:ScopeItem>" for i in range(40))
    assert soap.fault(f"<tds:AddScopes>{many}</tds:AddScopes>", status=500) == [
        "s:Receiver", "ter:Action", "ter:TooManyScopes"
    ]


def test_discovery_mode_round_trip(soap, running_camera):
    soap.call("<tds:SetDiscoveryMode><tds:DiscoveryMode>NonDiscoverable</tds:DiscoveryMode></tds:SetDiscoveryMode>")
    assert one(soap.call("<tds:GetDiscoveryMode/>"), "tds:DiscoveryMode") == "NonDiscoverable"
    assert running_camera.camera.network.state.discoverable is False
    bad = "<tds:SetDiscoveryMode><tds:DiscoveryMode>Sometimes</tds:DiscoveryMode></tds:SetDiscoveryMode>"
    assert soap.fault(bad) == ["s:Sender", "ter:InvalidArgVal"]


# --- users -----------------------------------------------------------------------------------


def user(name: str, password: str | None, level: str) -> str:
    pw = f"<tt:Password>{password}</tt:Password>" if password is not None else ""
    return f"<tds:User><tt:Username>{name}</tt:Username>{pw}<tt:UserLevel>{level}</tt:UserLevel></tds:User>"


def users(soap) -> dict[str, str]:
    listing = soap.call("<tds:GetUsers/>")
    return {u.findtext("tt:Username", None, NS): u.findtext("tt:UserLevel", None, NS) for u in listing}


def test_user_lifecycle(soap):
    soap.call(f"<tds:CreateUsers>{user('op1', 'pw1', 'Operator')}{user('viewer', 'pw2', 'User')}</tds:CreateUsers>")
    assert users(soap) == {"admin": "Administrator", "op1": "Operator", "viewer": "User"}
    soap.call(f"<tds:SetUser>{user('viewer', None, 'Operator')}</tds:SetUser>")
    assert users(soap)["viewer"] == "Operator"
    soap.call("<tds:DeleteUsers><tds:Username>op1</tds:Username></tds:DeleteUsers>")
    assert "op1" not in users(soap)
    # Passwords are never listed.
    assert b"pw2" not in etree.tostring(soap.call("<tds:GetUsers/>"))


@pytest.mark.parametrize(
    "body, codes",
    [
        (f"<tds:CreateUsers>{user('admin', 'x', 'User')}</tds:CreateUsers>",
         ["s:Sender", "ter:OperationProhibited", "ter:UsernameClash"]),
        (f"<tds:CreateUsers>{user('twin', 'x', 'User')}{user('twin', 'y', 'User')}</tds:CreateUsers>",
         ["s:Sender", "ter:OperationProhibited", "ter:UsernameClash"]),
        (f"<tds:CreateUsers>{user('u' * 40, 'x', 'User')}</tds:CreateUsers>",
         ["s:Sender", "ter:OperationProhibited", "ter:UsernameTooLong"]),
        (f"<tds:CreateUsers>{user('longpw', 'p' * 65, 'User')}</tds:CreateUsers>",
         ["s:Sender", "ter:OperationProhibited", "ter:PasswordTooLong"]),
        (f"<tds:CreateUsers>{user('anon', 'x', 'Anonymous')}</tds:CreateUsers>",
         ["s:Sender", "ter:OperationProhibited", "ter:AnonymousNotAllowed"]),
        (f"<tds:CreateUsers>{user('', 'x', 'User')}</tds:CreateUsers>",
         ["s:Sender", "ter:OperationProhibited", "ter:UsernameTooShort"]),
        ("<tds:DeleteUsers><tds:Username>nobody</tds:Username></tds:DeleteUsers>",
         ["s:Sender", "ter:InvalidArgVal", "ter:UsernameMissing"]),
        ("<tds:DeleteUsers><tds:Username>admin</tds:Username></tds:DeleteUsers>",
         ["s:Sender", "ter:InvalidArgVal", "ter:FixedUser"]),
        (f"<tds:SetUser>{user('nobody', 'x', 'User')}</tds:SetUser>",
         ["s:Sender", "ter:InvalidArgVal", "ter:UsernameMissing"]),
        (f"<tds:SetUser>{user('admin', None, 'User')}</tds:SetUser>",
         ["s:Sender", "ter:OperationProhibited", "ter:FixedUser"]),
    ],
)
def test_user_faults_change_nothing(soap, body, codes):
    before = users(soap)
    assert soap.fault(body) == codes
    assert users(soap) == before


def test_too_many_users(soap):
    many = "".join(user(f"u{i}", "pw", "User") for i in range(16))
    assert soap.fault(f"<tds:CreateUsers>{many}</tds:CreateUsers>", status=500) == [
        "s:Receiver", "ter:Action", "ter:TooManyUsers"
    ]
    assert list(users(soap)) == ["admin"]


def test_a_new_password_works_at_once(soap):
    soap.call(f"<tds:SetUser>{user('admin', 'n3w-secret', 'Administrator')}</tds:SetUser>")
    assert soap.fault("<tds:GetUsers/>") == ["s:Sender", "ter:NotAuthorized"]
    soap.password = "n3w-secret"
    assert users(soap) == {"admin": "Administrator"}


# --- system ------------------------------------------------------------------------------------


def test_system_log_and_access_log_have_real_content(soap):
    soap.call("<tds:GetDeviceInformation/>")
    access = one(soap.call("<tds:GetSystemLog><tds:LogType>Access</tds:LogType></tds:GetSystemLog>"),
                 "tds:SystemLog/tt:String")
    assert "admin GetDeviceInformation" in access
    soap.call("<tds:SetHostname><tds:Name>logged</tds:Name></tds:SetHostname>")
    bad = "<tds:GetSystemLog><tds:LogType>Kernel</tds:LogType></tds:GetSystemLog>"
    assert soap.fault(bad) == ["s:Sender", "ter:InvalidArgVal"]


def test_support_information_describes_the_camera(soap, running_camera):
    info = one(soap.call("<tds:GetSystemSupportInformation/>"), "tds:SupportInformation/tt:String")
    assert running_camera.camera.identity.serial_number in info
    assert "uptime" in info


def test_hashing_algorithm_restricts_the_digest_challenge(soap):
    soap.call("<tds:SetHashingAlgorithm><tds:Algorithm>SHA-256</tds:Algorithm></tds:SetHashingAlgorithm>")
    caps = soap.call("<tds:GetServiceCapabilities/>", auth="none")
    assert caps.find("tds:Capabilities/tds:Security", NS).get("HashingAlgorithms") == "SHA-256"
    challenge = soap.post(b"")
    assert challenge.status_code == 401
    assert [h for h in challenge.headers.get_list("www-authenticate")] == [
        h for h in challenge.headers.get_list("www-authenticate") if "SHA-256" in h
    ]
    bad = "<tds:SetHashingAlgorithm><tds:Algorithm>SHA-1</tds:Algorithm></tds:SetHashingAlgorithm>"
    assert soap.fault(bad) == ["s:Sender", "ter:InvalidArgVal"]


def test_operations_the_camera_does_not_implement_say_so(soap):
    for body in ("<tds:GetDot11Capabilities/>", "<tds:UpgradeSystemFirmware/>", "<tds:GetCertificates/>"):
        assert soap.fault(body, status=500) == ["s:Receiver", "ter:ActionNotSupported"]


def test_missing_and_mistyped_arguments(soap):
    assert soap.fault("<tds:SetHostname/>") == ["s:Sender", "ter:InvalidArgs"]
    bad_bool = "<tds:GetServices><tds:IncludeCapability>maybe</tds:IncludeCapability></tds:GetServices>"
    assert soap.fault(bad_bool, auth="none") == ["s:Sender", "ter:InvalidArgVal"]
