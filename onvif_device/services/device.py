"""Device service (devicemgmt.wsdl): XML in, camera calls, XML out.

Handlers hold no state and no rules: they read their arguments, call the
camera model and build the response.  Operations not registered here answer
ter:ActionNotSupported (see the README for the list).
"""

from __future__ import annotations

from onvif_device.camera.errors import ActionNotSupported, InvalidArgVal
from onvif_device.camera.state import IPv4Config, IPv6Config, NetworkHost, ProtocolState
from onvif_device.camera.users import UserSpec
from onvif_device.services import args
from onvif_device.services.io_types import read_relay_settings, relay_output
from onvif_device.services.registry import ServiceInfo, offered, register
from onvif_device.soap.access import AccessClass as A
from onvif_device.soap.operations import Context, OperationTable
from onvif_device.xml import Element, Template, child, children, element, sub

ops = OperationTable("tds")

# The ONVIF Core release these answers follow (GetServices Version, SupportedVersions).
CORE_VERSION = (26, 6)


def device_capabilities(ctx: Context) -> Element:
    """tds:Capabilities, as GetServiceCapabilities and GetServices report them."""
    camera = ctx.camera
    caps = element("tds:Capabilities")
    sub(
        caps,
        "tds:Network",
        IPFilter="true",
        ZeroConfiguration="true",
        IPVersion6="false",
        DynDNS="true",
        Dot11Configuration="false",
        HostnameFromDHCP="true",
        NTP="4",
        DHCPv6="false",
    )
    sub(
        caps,
        "tds:Security",
        **{
            "TLS1.0": "false",
            "TLS1.1": "false",
            "TLS1.2": "false",
            "OnboardKeyGeneration": "false",
            "AccessPolicyConfig": "false",
            "DefaultAccessPolicy": "true",
            "Dot1X": "false",
            "RemoteUserHandling": "false",
            "X.509Token": "false",
            "SAMLToken": "false",
            "KerberosToken": "false",
            "UsernameToken": "true",
            "HttpDigest": "true",
            "RELToken": "false",
            "MaxUsers": "16",
            "MaxUserNameLength": "32",
            "MaxPasswordLength": "64",
            "HashingAlgorithms": " ".join(camera.state.hashing_algorithms),
        },
    )
    sub(
        caps,
        "tds:System",
        DiscoveryResolve="true",
        DiscoveryBye="true",
        RemoteDiscovery="false",
        SystemBackup="false",
        SystemLogging="true",
        HttpFirmwareUpgrade="false",
        HttpSystemBackup="false",
        HttpSystemLogging="false",
        HttpSupportInformation="false",
        StorageConfiguration="false",
    )
    sub(caps, "tds:Misc", AuxiliaryCommands="")
    return caps


SERVICE = register(ServiceInfo("device", "/onvif/device_service", CORE_VERSION, ops, device_capabilities))


# --- capabilities and services (PRE_AUTH) ----------------------------------


@ops("GetServices", A.PRE_AUTH)
def get_services(ctx: Context, request: Element) -> Element:
    include = args.required_bool(request, "tds:IncludeCapability")
    response = element("tds:GetServicesResponse")
    for info in offered(ctx):
        service = sub(response, "tds:Service")
        sub(service, "tds:Namespace", info.namespace)
        sub(service, "tds:XAddr", info.xaddr(ctx.base_url))
        if include:
            sub(service, "tds:Capabilities").append(info.capabilities(ctx))
        version = sub(service, "tds:Version")
        sub(version, "tt:Major", info.version[0])
        sub(version, "tt:Minor", info.version[1])
    return response


@ops("GetServiceCapabilities", A.PRE_AUTH)
def get_service_capabilities(ctx: Context, request: Element) -> Element:
    response = element("tds:GetServiceCapabilitiesResponse")
    response.append(device_capabilities(ctx))
    return response


# Legacy GetCapabilities categories; only those of services this build serves.
_CATEGORIES = ("All", "Analytics", "Device", "Events", "Imaging", "Media", "PTZ")


@ops("GetCapabilities", A.PRE_AUTH)
def get_capabilities(ctx: Context, request: Element) -> Element:
    wanted = [args.one_of(c, _CATEGORIES, "Category") for c in args.all_text(request, "tds:Category")] or ["All"]
    services = offered(ctx)
    served = {info.name for info in services}
    for category in wanted:
        if category != "All" and category.lower() not in served:
            raise ActionNotSupported("NoSuchService", f"this camera has no {category} service")
    response = element("tds:GetCapabilitiesResponse")
    caps = sub(response, "tds:Capabilities")
    # tt:Capabilities orders its children by category name, as _CATEGORIES lists them.
    for category in _CATEGORIES[1:]:
        if "All" not in wanted and category not in wanted:
            continue
        if category == "Device":
            _legacy_device_capabilities(caps, ctx)
        elif info := next((i for i in services if i.name == category.lower() and i.legacy), None):
            info.legacy(caps, ctx)
    # Services without a category of their own (DeviceIO) sit in tt:Extension, for "All" only.
    extended = [i for i in services if i.legacy and i.name.lower() not in {c.lower() for c in _CATEGORIES}]
    if "All" in wanted and extended:
        extension = sub(caps, "tt:Extension")
        for info in extended:
            info.legacy(extension, ctx)
    return response


def _legacy_device_capabilities(parent: Element, ctx: Context) -> None:
    device = sub(parent, "tt:Device")
    sub(device, "tt:XAddr", SERVICE.xaddr(ctx.base_url))
    network = sub(device, "tt:Network")
    for name, value in (("IPFilter", True), ("ZeroConfiguration", True), ("IPVersion6", False), ("DynDNS", True)):
        sub(network, f"tt:{name}", value)
    extension = sub(network, "tt:Extension")
    sub(extension, "tt:Dot11Configuration", False)
    system = sub(device, "tt:System")
    for name, value in (
        ("DiscoveryResolve", True),
        ("DiscoveryBye", True),
        ("RemoteDiscovery", False),
        ("SystemBackup", False),
        ("SystemLogging", True),
        ("FirmwareUpgrade", False),
    ):
        sub(system, f"tt:{name}", value)
    for major, minor in ((CORE_VERSION[0], CORE_VERSION[1]), (2, 0)):
        version = sub(system, "tt:SupportedVersions")
        sub(version, "tt:Major", major)
        sub(version, "tt:Minor", minor)
    io = sub(device, "tt:IO")
    sub(io, "tt:InputConnectors", len(ctx.camera.io.inputs))
    sub(io, "tt:RelayOutputs", len(ctx.camera.io.relays))
    security = sub(device, "tt:Security")
    for name in ("TLS1.1", "TLS1.2", "OnboardKeyGeneration", "AccessPolicyConfig"):
        sub(security, f"tt:{name}", False)
    for name in ("X.509Token", "SAMLToken", "KerberosToken", "RELToken"):
        sub(security, f"tt:{name}", False)


@ops("GetWsdlUrl", A.PRE_AUTH)
def get_wsdl_url(ctx: Context, request: Element) -> Element:
    response = element("tds:GetWsdlUrlResponse")
    sub(response, "tds:WsdlUrl", "http://www.onvif.org/Documents/Specifications.aspx")
    return response


@ops("GetEndpointReference", A.PRE_AUTH)
def get_endpoint_reference(ctx: Context, request: Element) -> Element:
    response = element("tds:GetEndpointReferenceResponse")
    sub(response, "tds:GUID", ctx.camera.identity.endpoint_reference)
    return response


# --- device information, date and time -------------------------------------


@ops("GetDeviceInformation", A.READ_SYSTEM)
def get_device_information(ctx: Context, request: Element) -> Element:
    i = ctx.camera.identity
    response = element("tds:GetDeviceInformationResponse")
    sub(response, "tds:Manufacturer", i.manufacturer)
    sub(response, "tds:Model", i.model)
    sub(response, "tds:FirmwareVersion", i.firmware_version)
    sub(response, "tds:SerialNumber", i.serial_number)
    sub(response, "tds:HardwareId", i.hardware_id)
    return response


def _system_date_and_time_response() -> Element:
    response = element("tds:GetSystemDateAndTimeResponse")
    sdt = sub(response, "tds:SystemDateAndTime")
    sub(sdt, "tt:DateTimeType")
    sub(sdt, "tt:DaylightSavings")
    sub(sub(sdt, "tt:TimeZone"), "tt:TZ")
    for name in ("tt:UTCDateTime", "tt:LocalDateTime"):
        moment = sub(sdt, name)
        time = sub(moment, "tt:Time")
        for field in ("tt:Hour", "tt:Minute", "tt:Second"):
            sub(time, field)
        date = sub(moment, "tt:Date")
        for field in ("tt:Year", "tt:Month", "tt:Day"):
            sub(date, field)
    return response


# Every client polls this (clock sync before WS-Security), so it is copied, not rebuilt.
_SYSTEM_DATE_AND_TIME = Template(_system_date_and_time_response)


@ops("GetSystemDateAndTime", A.PRE_AUTH)
def get_system_date_and_time(ctx: Context, request: Element) -> Element:
    now = ctx.camera.clock.get_system_date_and_time()
    utc, local = now.utc, now.local
    return _SYSTEM_DATE_AND_TIME.fill(
        now.date_time_type,
        now.daylight_savings,
        now.timezone,
        utc.hour, utc.minute, utc.second, utc.year, utc.month, utc.day,
        local.hour, local.minute, local.second, local.year, local.month, local.day,
    )  # fmt: skip


@ops("SetSystemDateAndTime", A.WRITE_SYSTEM)
def set_system_date_and_time(ctx: Context, request: Element) -> Element:
    date_time_type = args.one_of(args.required_text(request, "tds:DateTimeType"), ("Manual", "NTP"), "DateTimeType")
    daylight_savings = args.required_bool(request, "tds:DaylightSavings")
    tz_el = child(request, "tds:TimeZone")
    tz = None if tz_el is None else args.required_text(tz_el, "tt:TZ")
    utc_el = child(request, "tds:UTCDateTime")
    utc_fields = None
    if utc_el is not None:
        time, date = args.required(utc_el, "tt:Time"), args.required(utc_el, "tt:Date")
        utc_fields = (
            args.required_int(date, "tt:Year"),
            args.required_int(date, "tt:Month"),
            args.required_int(date, "tt:Day"),
            args.required_int(time, "tt:Hour"),
            args.required_int(time, "tt:Minute"),
            args.required_int(time, "tt:Second"),
        )
    camera = ctx.camera
    camera.clock.set_system_date_and_time(
        date_time_type, daylight_savings, tz, utc_fields, ntp_server_defined=camera.network.ntp_server_defined()
    )
    return element("tds:SetSystemDateAndTimeResponse")


# --- system: reboot, factory default, logs ----------------------------------


@ops("SystemReboot", A.UNRECOVERABLE)
def system_reboot(ctx: Context, request: Element) -> Element:
    response = element("tds:SystemRebootResponse")
    # The server goes away only once in-flight answers, this one included, are out.
    sub(response, "tds:Message", ctx.camera.system_reboot())
    return response


@ops("SetSystemFactoryDefault", A.UNRECOVERABLE)
def set_system_factory_default(ctx: Context, request: Element) -> Element:
    kind = args.one_of(args.required_text(request, "tds:FactoryDefault"), ("Hard", "Soft"), "FactoryDefault")
    ctx.camera.set_system_factory_default(hard=kind == "Hard")
    return element("tds:SetSystemFactoryDefaultResponse")


@ops("GetSystemLog", A.READ_SYSTEM_SECRET)
def get_system_log(ctx: Context, request: Element) -> Element:
    kind = args.one_of(args.required_text(request, "tds:LogType"), ("System", "Access"), "LogType")
    log = ctx.camera.system_log if kind == "System" else ctx.camera.access_log
    response = element("tds:GetSystemLogResponse")
    sub(sub(response, "tds:SystemLog"), "tt:String", log.text())
    return response


@ops("GetSystemSupportInformation", A.READ_SYSTEM_SECRET)
def get_system_support_information(ctx: Context, request: Element) -> Element:
    response = element("tds:GetSystemSupportInformationResponse")
    sub(sub(response, "tds:SupportInformation"), "tt:String", ctx.camera.support_information())
    return response


# --- scopes and discovery mode -----------------------------------------------


@ops("GetScopes", A.READ_SYSTEM)
def get_scopes(ctx: Context, request: Element) -> Element:
    response = element("tds:GetScopesResponse")
    for item, fixed in ctx.camera.scopes.get_scopes():
        scope = sub(response, "tds:Scopes")
        sub(scope, "tt:ScopeDef", "Fixed" if fixed else "Configurable")
        sub(scope, "tt:ScopeItem", item)
    return response


@ops("SetScopes", A.WRITE_SYSTEM)
def set_scopes(ctx: Context, request: Element) -> Element:
    ctx.camera.scopes.set_scopes(_scope_list(request))
    return element("tds:SetScopesResponse")


@ops("AddScopes", A.WRITE_SYSTEM)
def add_scopes(ctx: Context, request: Element) -> Element:
    ctx.camera.scopes.add_scopes(_scope_list(request, tag="tds:ScopeItem"))
    return element("tds:AddScopesResponse")


@ops("RemoveScopes", A.WRITE_SYSTEM)
def remove_scopes(ctx: Context, request: Element) -> Element:
    removed = ctx.camera.scopes.remove_scopes(_scope_list(request, tag="tds:ScopeItem"))
    response = element("tds:RemoveScopesResponse")
    for item in removed:
        sub(response, "tds:ScopeItem", item)
    return response


def _scope_list(request: Element, tag: str = "tds:Scopes") -> list[str]:
    scopes = args.all_text(request, tag)
    if not scopes:
        raise InvalidArgVal(reason=f"no {tag.partition(':')[2]} given")
    return scopes


@ops("GetDiscoveryMode", A.READ_SYSTEM)
def get_discovery_mode(ctx: Context, request: Element) -> Element:
    response = element("tds:GetDiscoveryModeResponse")
    mode = "Discoverable" if ctx.camera.network.state.discoverable else "NonDiscoverable"
    sub(response, "tds:DiscoveryMode", mode)
    return response


@ops("SetDiscoveryMode", A.WRITE_SYSTEM)
def set_discovery_mode(ctx: Context, request: Element) -> Element:
    modes = ("Discoverable", "NonDiscoverable")
    mode = args.one_of(args.required_text(request, "tds:DiscoveryMode"), modes, "DiscoveryMode")
    ctx.camera.network.set_discovery_mode(mode == "Discoverable")
    return element("tds:SetDiscoveryModeResponse")


# --- users --------------------------------------------------------------------


@ops("GetUsers", A.READ_SYSTEM_SECRET)
def get_users(ctx: Context, request: Element) -> Element:
    response = element("tds:GetUsersResponse")
    for user in ctx.camera.users.get_users():
        entry = sub(response, "tds:User")
        sub(entry, "tt:Username", user.username)
        sub(entry, "tt:UserLevel", user.level)
    return response


def _user_specs(request: Element, *, password_required: bool) -> list[UserSpec]:
    specs = []
    for user in children(request, "tds:User"):
        password = args.optional_text(user, "tt:Password")
        if password is None and password_required:
            password = ""
        specs.append(UserSpec(args.required_text(user, "tt:Username"), password, args.required_text(user, "tt:UserLevel")))
    if not specs:
        raise InvalidArgVal(reason="no User given")
    return specs


@ops("CreateUsers", A.WRITE_SYSTEM)
def create_users(ctx: Context, request: Element) -> Element:
    ctx.camera.users.create_users(_user_specs(request, password_required=True))
    return element("tds:CreateUsersResponse")


@ops("DeleteUsers", A.WRITE_SYSTEM)
def delete_users(ctx: Context, request: Element) -> Element:
    names = args.all_text(request, "tds:Username")
    if not names:
        raise InvalidArgVal(reason="no Username given")
    ctx.camera.users.delete_users(names)
    return element("tds:DeleteUsersResponse")


@ops("SetUser", A.WRITE_SYSTEM)
def set_user(ctx: Context, request: Element) -> Element:
    ctx.camera.users.set_user(_user_specs(request, password_required=False))
    return element("tds:SetUserResponse")


@ops("SetHashingAlgorithm", A.WRITE_SYSTEM)
def set_hashing_algorithm(ctx: Context, request: Element) -> Element:
    algorithms = args.required_text(request, "tds:Algorithm").split()
    ctx.camera.set_hashing_algorithms(algorithms)
    return element("tds:SetHashingAlgorithmResponse")


# --- network --------------------------------------------------------------------


@ops("GetHostname", A.PRE_AUTH)
def get_hostname(ctx: Context, request: Element) -> Element:
    net = ctx.camera.network.state
    response = element("tds:GetHostnameResponse")
    info = sub(response, "tds:HostnameInformation")
    sub(info, "tt:FromDHCP", net.hostname_from_dhcp)
    sub(info, "tt:Name", net.hostname)
    return response


@ops("SetHostname", A.WRITE_SYSTEM)
def set_hostname(ctx: Context, request: Element) -> Element:
    ctx.camera.network.set_hostname(args.required_text(request, "tds:Name"))
    return element("tds:SetHostnameResponse")


@ops("SetHostnameFromDHCP", A.WRITE_SYSTEM)
def set_hostname_from_dhcp(ctx: Context, request: Element) -> Element:
    reboot = ctx.camera.network.set_hostname_from_dhcp(args.required_bool(request, "tds:FromDHCP"))
    response = element("tds:SetHostnameFromDHCPResponse")
    sub(response, "tds:RebootNeeded", reboot)
    return response


@ops("GetDNS", A.READ_SYSTEM)
def get_dns(ctx: Context, request: Element) -> Element:
    net = ctx.camera.network.state
    response = element("tds:GetDNSResponse")
    info = sub(response, "tds:DNSInformation")
    sub(info, "tt:FromDHCP", net.dns_from_dhcp)
    for domain in net.search_domains:
        sub(info, "tt:SearchDomain", domain)
    for server in net.dns_servers:
        _ip_address(sub(info, "tt:DNSManual"), server)
    return response


@ops("SetDNS", A.WRITE_SYSTEM)
def set_dns(ctx: Context, request: Element) -> Element:
    ctx.camera.network.set_dns(
        args.required_bool(request, "tds:FromDHCP"),
        args.all_text(request, "tds:SearchDomain"),
        [_read_ip_address(el) for el in children(request, "tds:DNSManual")],
    )
    return element("tds:SetDNSResponse")


@ops("GetNTP", A.READ_SYSTEM)
def get_ntp(ctx: Context, request: Element) -> Element:
    net = ctx.camera.network.state
    response = element("tds:GetNTPResponse")
    info = sub(response, "tds:NTPInformation")
    sub(info, "tt:FromDHCP", net.ntp_from_dhcp)
    for server in net.ntp_servers:
        _network_host(sub(info, "tt:NTPManual"), server)
    return response


@ops("SetNTP", A.WRITE_SYSTEM)
def set_ntp(ctx: Context, request: Element) -> Element:
    camera = ctx.camera
    camera.network.set_ntp(
        args.required_bool(request, "tds:FromDHCP"),
        [_read_network_host(el) for el in children(request, "tds:NTPManual")],
        ntp_in_use=camera.state.clock.date_time_type == "NTP",
    )
    return element("tds:SetNTPResponse")


@ops("GetDynamicDNS", A.READ_SYSTEM)
def get_dynamic_dns(ctx: Context, request: Element) -> Element:
    ddns = ctx.camera.network.state.dynamic_dns
    response = element("tds:GetDynamicDNSResponse")
    info = sub(response, "tds:DynamicDNSInformation")
    sub(info, "tt:Type", ddns.type)
    if ddns.name:
        sub(info, "tt:Name", ddns.name)
    if ddns.ttl_seconds is not None:
        sub(info, "tt:TTL", f"PT{ddns.ttl_seconds}S")
    return response


@ops("SetDynamicDNS", A.WRITE_SYSTEM)
def set_dynamic_dns(ctx: Context, request: Element) -> Element:
    kind = args.one_of(
        args.required_text(request, "tds:Type"), ("NoUpdate", "ClientUpdates", "ServerUpdates"), "Type"
    )
    ttl = args.optional_text(request, "tds:TTL")
    ctx.camera.network.set_dynamic_dns(
        kind, args.optional_text(request, "tds:Name") or "", None if ttl is None else args.duration_seconds(ttl, "TTL")
    )
    return element("tds:SetDynamicDNSResponse")


@ops("GetNetworkInterfaces", A.READ_SYSTEM)
def get_network_interfaces(ctx: Context, request: Element) -> Element:
    camera = ctx.camera
    response = element("tds:GetNetworkInterfacesResponse")
    for iface in camera.network.state.interfaces:
        el = sub(response, "tds:NetworkInterfaces", token=iface.token)
        sub(el, "tt:Enabled", iface.enabled)
        info = sub(el, "tt:Info")
        sub(info, "tt:Name", iface.name)
        sub(info, "tt:HwAddress", camera.identity.mac_address)
        sub(info, "tt:MTU", iface.mtu)
        link = sub(el, "tt:Link")
        for name in ("tt:AdminSettings", "tt:OperSettings"):
            setting = sub(link, name)
            sub(setting, "tt:AutoNegotiation", iface.auto_negotiation)
            sub(setting, "tt:Speed", iface.speed)
            sub(setting, "tt:Duplex", iface.duplex)
        sub(link, "tt:InterfaceType", 6)  # IANA ifType 6: ethernetCsmacd
        ipv4 = sub(el, "tt:IPv4")
        sub(ipv4, "tt:Enabled", iface.ipv4.enabled)
        config = sub(ipv4, "tt:Config")
        address = iface.ipv4.address or camera.address or "0.0.0.0"
        target = "tt:FromDHCP" if iface.ipv4.dhcp else "tt:Manual"
        prefixed = sub(config, target)
        sub(prefixed, "tt:Address", address)
        sub(prefixed, "tt:PrefixLength", iface.ipv4.prefix_length)
        sub(config, "tt:DHCP", iface.ipv4.dhcp)
        if iface.ipv6.enabled:
            ipv6 = sub(el, "tt:IPv6")
            sub(ipv6, "tt:Enabled", True)
            config6 = sub(ipv6, "tt:Config")
            sub(config6, "tt:AcceptRouterAdvert", iface.ipv6.accept_router_advert)
            sub(config6, "tt:DHCP", iface.ipv6.dhcp)
            for entry in iface.ipv6.addresses:
                addr, _, prefix = entry.partition("/")
                manual = sub(config6, "tt:Manual")
                sub(manual, "tt:Address", addr)
                sub(manual, "tt:PrefixLength", prefix or 64)
    return response


@ops("SetNetworkInterfaces", A.WRITE_SYSTEM)
def set_network_interfaces(ctx: Context, request: Element) -> Element:
    network = ctx.camera.network
    token = args.required_text(request, "tds:InterfaceToken")
    current = network.interface(token)
    changes = args.required(request, "tds:NetworkInterface")
    updated = current.model_copy(deep=True)
    enabled = args.optional_bool(changes, "tt:Enabled")
    if enabled is not None:
        updated.enabled = enabled
    mtu = args.optional_text(changes, "tt:MTU")
    if mtu is not None:
        value = args.as_int(mtu, "MTU")
        if not 68 <= value <= 9000:
            raise InvalidArgVal("InvalidMtuValue", f"MTU {value} is outside 68-9000")
        updated.mtu = value
    link = child(changes, "tt:Link")
    if link is not None:
        speed = args.required_int(link, "tt:Speed")
        if speed not in (10, 100, 1000):
            raise InvalidArgVal("InvalidInterfaceSpeed", f"speed {speed} Mb/s is not supported")
        updated.auto_negotiation = args.required_bool(link, "tt:AutoNegotiation")
        updated.speed = speed
        updated.duplex = args.one_of(args.required_text(link, "tt:Duplex"), ("Full", "Half"), "Duplex")
    ipv4 = child(changes, "tt:IPv4")
    if ipv4 is not None:
        updated.ipv4 = _ipv4_changes(updated.ipv4, ipv4)
    ipv6 = child(changes, "tt:IPv6")
    if ipv6 is not None:
        updated.ipv6 = _ipv6_changes(updated.ipv6, ipv6)
    extension = child(changes, "tt:Extension")
    # `is not None`: an lxml element without children is falsy.
    if extension is not None and child(extension, "tt:Dot11") is not None:
        raise ActionNotSupported("InvalidDot11", "this camera has no IEEE 802.11 interface")
    # The copy was validated field by field on assignment (validate_assignment).
    reboot = network.set_network_interface(token, updated)
    response = element("tds:SetNetworkInterfacesResponse")
    sub(response, "tds:RebootNeeded", reboot)
    return response


def _ipv4_changes(current: IPv4Config, el: Element) -> IPv4Config:
    updated = current.model_copy()
    enabled = args.optional_bool(el, "tt:Enabled")
    if enabled is not None:
        updated.enabled = enabled
    dhcp = args.optional_bool(el, "tt:DHCP")
    if dhcp is not None:
        updated.dhcp = dhcp
    manual = children(el, "tt:Manual")
    if manual:
        updated.address = args.required_text(manual[0], "tt:Address")
        prefix = args.required_int(manual[0], "tt:PrefixLength")
        if not 0 <= prefix <= 32:
            raise InvalidArgVal("InvalidIPv4Address", f"prefix length {prefix} is outside 0-32")
        updated.prefix_length = prefix
    return updated


def _ipv6_changes(current: IPv6Config, el: Element) -> IPv6Config:
    updated = current.model_copy()
    enabled = args.optional_bool(el, "tt:Enabled")
    if enabled is not None:
        updated.enabled = enabled
    ra = args.optional_bool(el, "tt:AcceptRouterAdvert")
    if ra is not None:
        updated.accept_router_advert = ra
    dhcp = args.optional_text(el, "tt:DHCP")
    if dhcp is not None:
        updated.dhcp = args.one_of(dhcp, ("Auto", "Stateful", "Stateless", "Off"), "DHCP")
    manual = children(el, "tt:Manual")
    if manual:
        updated.addresses = [
            f"{args.required_text(m, 'tt:Address')}/{args.required_int(m, 'tt:PrefixLength')}" for m in manual
        ]
    return updated


@ops("GetNetworkProtocols", A.READ_SYSTEM)
def get_network_protocols(ctx: Context, request: Element) -> Element:
    response = element("tds:GetNetworkProtocolsResponse")
    for protocol in ctx.camera.network.state.protocols:
        el = sub(response, "tds:NetworkProtocols")
        sub(el, "tt:Name", protocol.name)
        sub(el, "tt:Enabled", protocol.enabled)
        for port in protocol.ports:
            sub(el, "tt:Port", port)
    return response


@ops("SetNetworkProtocols", A.WRITE_SYSTEM)
def set_network_protocols(ctx: Context, request: Element) -> Element:
    protocols = []
    for el in children(request, "tds:NetworkProtocols"):
        name = args.required_text(el, "tt:Name")
        if name not in ("HTTP", "HTTPS", "RTSP"):
            raise InvalidArgVal("ServiceNotSupported", f"protocol {name[:40]} is not supported")
        ports = [args.as_int(p, "Port") for p in args.all_text(el, "tt:Port")]
        protocols.append(ProtocolState(name=name, enabled=args.required_bool(el, "tt:Enabled"), ports=ports))
    if not protocols:
        raise InvalidArgVal(reason="no NetworkProtocols given")
    ctx.camera.network.set_network_protocols(protocols)
    return element("tds:SetNetworkProtocolsResponse")


@ops("GetNetworkDefaultGateway", A.READ_SYSTEM)
def get_network_default_gateway(ctx: Context, request: Element) -> Element:
    net = ctx.camera.network.state
    response = element("tds:GetNetworkDefaultGatewayResponse")
    gateway = sub(response, "tds:NetworkGateway")
    for address in net.gateway_ipv4:
        sub(gateway, "tt:IPv4Address", address)
    for address in net.gateway_ipv6:
        sub(gateway, "tt:IPv6Address", address)
    return response


@ops("SetNetworkDefaultGateway", A.WRITE_SYSTEM)
def set_network_default_gateway(ctx: Context, request: Element) -> Element:
    ctx.camera.network.set_default_gateway(
        args.all_text(request, "tds:IPv4Address"), args.all_text(request, "tds:IPv6Address")
    )
    return element("tds:SetNetworkDefaultGatewayResponse")


@ops("GetZeroConfiguration", A.READ_SYSTEM)
def get_zero_configuration(ctx: Context, request: Element) -> Element:
    net = ctx.camera.network.state
    response = element("tds:GetZeroConfigurationResponse")
    zero = sub(response, "tds:ZeroConfiguration")
    sub(zero, "tt:InterfaceToken", net.interfaces[0].token)
    sub(zero, "tt:Enabled", net.zero_configuration)
    if net.zero_configuration:
        # A link-local address derived from the MAC, as a zeroconf stack would pick.
        mac = ctx.camera.identity.mac_address.split(":")
        sub(zero, "tt:Addresses", f"169.254.{int(mac[4], 16) or 1}.{int(mac[5], 16) or 1}")
    return response


@ops("SetZeroConfiguration", A.WRITE_SYSTEM)
def set_zero_configuration(ctx: Context, request: Element) -> Element:
    ctx.camera.network.set_zero_configuration(
        args.required_text(request, "tds:InterfaceToken"), args.required_bool(request, "tds:Enabled")
    )
    return element("tds:SetZeroConfigurationResponse")


@ops("GetIPAddressFilter", A.READ_SYSTEM)
def get_ip_address_filter(ctx: Context, request: Element) -> Element:
    f = ctx.camera.network.state.ip_filter
    response = element("tds:GetIPAddressFilterResponse")
    el = sub(response, "tds:IPAddressFilter")
    sub(el, "tt:Type", f.type)
    for tag, entries in (("tt:IPv4Address", f.ipv4), ("tt:IPv6Address", f.ipv6)):
        for entry in entries:
            address, _, prefix = entry.partition("/")
            item = sub(el, tag)
            sub(item, "tt:Address", address)
            sub(item, "tt:PrefixLength", prefix)
    return response


def _filter_entries(el: Element) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    def read(tag: str) -> list[tuple[str, int]]:
        return [
            (args.required_text(item, "tt:Address"), args.required_int(item, "tt:PrefixLength"))
            for item in children(el, tag)
        ]

    return read("tt:IPv4Address"), read("tt:IPv6Address")


@ops("SetIPAddressFilter", A.WRITE_SYSTEM)
def set_ip_address_filter(ctx: Context, request: Element) -> Element:
    el = args.required(request, "tds:IPAddressFilter")
    kind = args.one_of(args.required_text(el, "tt:Type"), ("Allow", "Deny"), "Type")
    ctx.camera.network.set_ip_address_filter(kind, *_filter_entries(el))
    return element("tds:SetIPAddressFilterResponse")


@ops("AddIPAddressFilter", A.WRITE_SYSTEM)
def add_ip_address_filter(ctx: Context, request: Element) -> Element:
    ctx.camera.network.add_ip_address_filter(*_filter_entries(args.required(request, "tds:IPAddressFilter")))
    return element("tds:AddIPAddressFilterResponse")


@ops("RemoveIPAddressFilter", A.WRITE_SYSTEM)
def remove_ip_address_filter(ctx: Context, request: Element) -> Element:
    ctx.camera.network.remove_ip_address_filter(*_filter_entries(args.required(request, "tds:IPAddressFilter")))
    return element("tds:RemoveIPAddressFilterResponse")


# --- I/O: the relays the DeviceIO service shows (its WSDL uses these tds: elements too) ---


@ops("GetRelayOutputs", A.READ_MEDIA)
def get_relay_outputs(ctx: Context, request: Element) -> Element:
    response = element("tds:GetRelayOutputsResponse")
    for relay in ctx.camera.io.get_relay_outputs():
        relay_output(response, "tds:RelayOutputs", relay)
    return response


@ops("SetRelayOutputSettings", A.ACTUATE)
def set_relay_output_settings(ctx: Context, request: Element) -> Element:
    token = args.required_text(request, "tds:RelayOutputToken")
    ctx.camera.io.set_relay_output_settings(token, *read_relay_settings(args.required(request, "tds:Properties")))
    return element("tds:SetRelayOutputSettingsResponse")


@ops("SetRelayOutputState", A.ACTUATE)
def set_relay_output_state(ctx: Context, request: Element) -> Element:
    ctx.camera.io.set_relay_output_state(
        args.required_text(request, "tds:RelayOutputToken"), args.required_text(request, "tds:LogicalState")
    )
    return element("tds:SetRelayOutputStateResponse")


# --- small readers and writers for tt: address types ----------------------------


def _read_ip_address(el: Element) -> NetworkHost:
    kind = args.one_of(args.required_text(el, "tt:Type"), ("IPv4", "IPv6"), "Type")
    return NetworkHost(type=kind, value=args.required_text(el, f"tt:{kind}Address"))


def _read_network_host(el: Element) -> NetworkHost:
    kind = args.one_of(args.required_text(el, "tt:Type"), ("IPv4", "IPv6", "DNS"), "Type")
    tag = "tt:DNSname" if kind == "DNS" else f"tt:{kind}Address"
    return NetworkHost(type=kind, value=args.required_text(el, tag))


def _ip_address(parent: Element, host: NetworkHost) -> None:
    sub(parent, "tt:Type", host.type)
    sub(parent, f"tt:{host.type}Address", host.value)


def _network_host(parent: Element, host: NetworkHost) -> None:
    sub(parent, "tt:Type", host.type)
    sub(parent, "tt:DNSname" if host.type == "DNS" else f"tt:{host.type}Address", host.value)
