"""Network settings as a client sees them: hostname, DNS, NTP, interfaces,
protocols, gateway, zero configuration, IP address filter, discovery mode.

These are simulated: they are validated, kept and reported like a real
camera's, but the emulator keeps listening where it was started (changing
the host's addresses from a SOAP call would be a hazard, not a feature).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Callable

from onvif_device.camera.errors import ActionNotSupported, InvalidArgVal
from onvif_device.camera.state import (
    DynamicDNSState,
    InterfaceState,
    IPFilterState,
    NetworkHost,
    NetworkState,
    ProtocolState,
)

MAX_IP_FILTERS = 16
MAX_SERVERS = 4

# RFC 1123 section 2.1 host name: dot-separated labels of letters, digits and
# inner hyphens, a label may start with a digit, at most 63 characters each.
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def is_hostname(name: str) -> bool:
    if not 0 < len(name) <= 253:
        return False
    return all(_LABEL.fullmatch(label) for label in name.rstrip(".").split("."))


def check_ipv4(address: str) -> str:
    try:
        return str(ipaddress.IPv4Address(address))
    except ValueError:
        raise InvalidArgVal("InvalidIPv4Address", f"{address!r} is not an IPv4 address") from None


def check_ipv6(address: str) -> str:
    try:
        return str(ipaddress.IPv6Address(address))
    except ValueError:
        raise InvalidArgVal("InvalidIPv6Address", f"{address!r} is not an IPv6 address") from None


def check_host(host: NetworkHost, *, dns_fault: str = "InvalidDnsName") -> NetworkHost:
    if host.type == "IPv4":
        return NetworkHost(type="IPv4", value=check_ipv4(host.value))
    if host.type == "IPv6":
        return NetworkHost(type="IPv6", value=check_ipv6(host.value))
    if not is_hostname(host.value):
        raise InvalidArgVal(dns_fault, f"{host.value!r} is not a valid DNS name")
    return host


def check_prefix(address: str, prefix_length: int, version: int) -> str:
    """Validate "address/prefix" for the IP filter; returns it normalised."""
    fault = "InvalidIPv4Address" if version == 4 else "InvalidIPv6Address"
    try:
        network = ipaddress.ip_network(f"{address}/{prefix_length}", strict=False)
    except ValueError:
        raise InvalidArgVal(fault, f"{address}/{prefix_length} is not a valid IPv{version} prefix") from None
    if network.version != version:
        raise InvalidArgVal(fault, f"{address} is not an IPv{version} address")
    return f"{ipaddress.ip_address(address)}/{prefix_length}"


class Network:
    def __init__(self, state: NetworkState, on_change: Callable[[], None]) -> None:
        self.state = state
        self._on_change = on_change

    # --- hostname -----------------------------------------------------------

    def set_hostname(self, name: str) -> None:
        if name == "":
            # An empty name asks for the DHCP one; this camera has no DHCP lease.
            self.state.hostname_from_dhcp = True
        elif not is_hostname(name):
            raise InvalidArgVal("InvalidHostname", f"{name!r} is not an RFC 1123 host name")
        else:
            self.state.hostname = name
        self._on_change()

    def set_hostname_from_dhcp(self, from_dhcp: bool) -> bool:
        self.state.hostname_from_dhcp = from_dhcp
        self._on_change()
        return False  # takes effect at once: no reboot needed

    # --- DNS, NTP, dynamic DNS ---------------------------------------------

    def set_dns(self, from_dhcp: bool, search_domains: list[str], servers: list[NetworkHost]) -> None:
        for domain in search_domains:
            if not is_hostname(domain):
                raise InvalidArgVal(reason=f"search domain {domain!r} is not a valid DNS name")
        checked = [check_host(s) for s in servers]
        if any(s.type == "DNS" for s in checked):
            raise InvalidArgVal(reason="DNS servers must be given as IPv4 or IPv6 addresses")
        if len(checked) > MAX_SERVERS:
            raise InvalidArgVal(reason=f"at most {MAX_SERVERS} DNS servers")
        self.state.dns_from_dhcp = from_dhcp
        self.state.search_domains = search_domains
        self.state.dns_servers = checked
        self._on_change()

    def set_ntp(self, from_dhcp: bool, servers: list[NetworkHost], *, ntp_in_use: bool) -> None:
        checked = [check_host(s) for s in servers]
        if len(checked) > MAX_SERVERS:
            raise InvalidArgVal(reason=f"at most {MAX_SERVERS} NTP servers")
        if ntp_in_use and not from_dhcp and not checked:
            raise InvalidArgVal("TimeSyncedToNtp", "the clock is set to NTP, so an NTP server is required")
        self.state.ntp_from_dhcp = from_dhcp
        self.state.ntp_servers = checked
        self._on_change()

    def ntp_server_defined(self) -> bool:
        return self.state.ntp_from_dhcp or bool(self.state.ntp_servers)

    def set_dynamic_dns(self, type_: str, name: str, ttl_seconds: int | None) -> None:
        if name and not is_hostname(name):
            raise InvalidArgVal(reason=f"{name!r} is not a valid DNS name")
        self.state.dynamic_dns = DynamicDNSState(type=type_, name=name, ttl_seconds=ttl_seconds)
        self._on_change()

    # --- interfaces, protocols, gateway -----------------------------------

    def interface(self, token: str) -> InterfaceState:
        found = next((i for i in self.state.interfaces if i.token == token), None)
        if found is None:
            raise InvalidArgVal("InvalidNetworkInterface", f"no network interface {token!r}")
        return found

    def set_network_interface(self, token: str, changes: InterfaceState) -> bool:
        """Apply a validated copy of the interface; returns RebootNeeded."""
        self.interface(token)
        if changes.ipv4.address:
            check_ipv4(changes.ipv4.address)
        for address in changes.ipv6.addresses:
            check_ipv6(address.partition("/")[0])
        self.state.interfaces = [changes if i.token == token else i for i in self.state.interfaces]
        self._on_change()
        return True

    def set_network_protocols(self, protocols: list[ProtocolState]) -> None:
        current = {p.name: p for p in self.state.protocols}
        for protocol in protocols:
            if protocol.name not in current:
                raise InvalidArgVal("ServiceNotSupported", f"protocol {protocol.name} is not supported")
            if protocol.name == "HTTPS" and protocol.enabled:
                raise ActionNotSupported("EnablingTlsFailed", "this camera has no TLS certificate configured")
            if not protocol.ports or any(not 0 < p < 65536 for p in protocol.ports):
                raise InvalidArgVal(reason=f"{protocol.name} needs ports between 1 and 65535")
        seen: dict[int, str] = {}
        merged = {**current, **{p.name: p for p in protocols}}
        for protocol in merged.values():
            for port in protocol.ports if protocol.enabled else ():
                if port in seen and seen[port] != protocol.name:
                    raise InvalidArgVal("PortAlreadyInUse", f"port {port} is already used by {seen[port]}")
                seen[port] = protocol.name
        self.state.protocols = list(merged.values())
        self._on_change()

    def set_default_gateway(self, ipv4: list[str], ipv6: list[str]) -> None:
        v4 = [check_ipv4(a) for a in ipv4]
        v6 = [check_ipv6(a) for a in ipv6]
        self.state.gateway_ipv4, self.state.gateway_ipv6 = v4, v6
        self._on_change()

    def set_zero_configuration(self, token: str, enabled: bool) -> None:
        self.interface(token)
        self.state.zero_configuration = enabled
        self._on_change()

    # --- IP address filter ----------------------------------------------

    def set_ip_address_filter(self, type_: str, ipv4: list[tuple[str, int]], ipv6: list[tuple[str, int]]) -> None:
        entries = IPFilterState(
            type=type_,
            ipv4=[check_prefix(a, n, 4) for a, n in ipv4],
            ipv6=[check_prefix(a, n, 6) for a, n in ipv6],
        )
        if len(entries.ipv4) + len(entries.ipv6) > MAX_IP_FILTERS:
            raise InvalidArgVal("IPFilterListIsFull", f"at most {MAX_IP_FILTERS} filter entries")
        self.state.ip_filter = entries
        self._on_change()

    def add_ip_address_filter(self, ipv4: list[tuple[str, int]], ipv6: list[tuple[str, int]]) -> None:
        current = self.state.ip_filter
        v4 = current.ipv4 + [e for e in (check_prefix(a, n, 4) for a, n in ipv4) if e not in current.ipv4]
        v6 = current.ipv6 + [e for e in (check_prefix(a, n, 6) for a, n in ipv6) if e not in current.ipv6]
        if len(v4) + len(v6) > MAX_IP_FILTERS:
            raise InvalidArgVal("IPFilterListIsFull", f"at most {MAX_IP_FILTERS} filter entries")
        self.state.ip_filter = IPFilterState(type=current.type, ipv4=v4, ipv6=v6)
        self._on_change()

    def remove_ip_address_filter(self, ipv4: list[tuple[str, int]], ipv6: list[tuple[str, int]]) -> None:
        current = self.state.ip_filter
        drop4 = [check_prefix(a, n, 4) for a, n in ipv4]
        drop6 = [check_prefix(a, n, 6) for a, n in ipv6]
        if missing := [e for e in drop4 if e not in current.ipv4]:
            raise InvalidArgVal("NoIPv4Address", f"{missing[0]} is not in the filter")
        if missing := [e for e in drop6 if e not in current.ipv6]:
            raise InvalidArgVal("NoIPv6Address", f"{missing[0]} is not in the filter")
        self.state.ip_filter = IPFilterState(
            type=current.type,
            ipv4=[e for e in current.ipv4 if e not in drop4],
            ipv6=[e for e in current.ipv6 if e not in drop6],
        )
        self._on_change()

    def ip_allowed(self, address: str) -> bool:
        """Whether the IP address filter lets a client at `address` in."""
        f = self.state.ip_filter
        entries = f.ipv4 + f.ipv6
        if not entries:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return True  # not an IP client (a test transport): nothing to filter
        listed = any(ip in ipaddress.ip_network(e, strict=False) for e in entries)
        return listed if f.type == "Allow" else not listed

    # --- discovery --------------------------------------------------------

    def set_discovery_mode(self, discoverable: bool) -> None:
        self.state.discoverable = discoverable
        self._on_change()
