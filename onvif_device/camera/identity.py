"""Who the camera is: manufacturer, model, serial, MAC, endpoint UUID.

Values not given in the configuration are derived from a seed, so one
camera keeps its identity across restarts and two cameras with different
seeds never share a serial number, MAC address or UUID.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from onvif_device import __version__
from onvif_device.config import IdentityConfig


@dataclass(frozen=True, slots=True)
class Identity:
    name: str
    manufacturer: str
    model: str
    firmware_version: str
    serial_number: str
    hardware_id: str
    mac_address: str
    endpoint_uuid: str
    location: str

    @property
    def endpoint_reference(self) -> str:
        return f"urn:uuid:{self.endpoint_uuid}"

    @classmethod
    def from_config(cls, config: IdentityConfig, seed: str) -> Identity:
        digest = hashlib.sha256(f"onvif-device:{config.seed or seed}".encode()).digest()
        # 02 as first octet: a locally administered unicast MAC, never a vendor's.
        mac = ":".join(f"{b:02x}" for b in (0x02, *digest[:5]))
        return cls(
            name=config.name,
            manufacturer=config.manufacturer,
            model=config.model,
            firmware_version=config.firmware_version or __version__,
            serial_number=config.serial_number or digest[5:11].hex().upper(),
            hardware_id=config.hardware_id or f"{config.model}-HW1",
            mac_address=config.mac_address or mac,
            endpoint_uuid=config.endpoint_uuid or str(uuid.UUID(bytes=digest[11:27], version=4)),
            location=config.location,
        )
