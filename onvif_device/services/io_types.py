"""tt: relay types shared by the Device service's I/O operations and the DeviceIO service.

Both services read and write the same tt:RelayOutput and tt:RelayOutputSettings,
on the same relays of the camera model.
"""

from __future__ import annotations

import re

from onvif_device.camera.errors import InvalidArgVal
from onvif_device.camera.io import Relay
from onvif_device.services import args
from onvif_device.xml import Element, sub

# xs:duration without years or months (they have no fixed length): P1D, PT1H30M, PT0.5S.
_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?=\d|\.\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d*)?|\.\d+)S)?)?")


def delay_seconds(text: str, tag: str = "DelayTime") -> float:
    """A DelayTime such as PT0.5S or PT1M, in seconds (fractions kept)."""
    value = text.strip()
    match = _DURATION.fullmatch(value)
    if not match or value == "P":
        raise InvalidArgVal(reason=f"{tag} {text[:40]!r} is not an xs:duration such as PT1S or PT0.5S")
    days, hours, minutes, seconds = match.groups()
    return ((int(days or 0) * 24 + int(hours or 0)) * 60 + int(minutes or 0)) * 60 + float(seconds or 0)


def duration(seconds: float) -> str:
    """Seconds as xs:duration, without an exponent and with at most millisecond digits: PT0.5S."""
    return f"PT{f'{seconds:.3f}'.rstrip('0').rstrip('.')}S"


def read_relay_settings(el: Element) -> tuple[str, float, str]:
    """tt:RelayOutputSettings -> (Mode, DelayTime in seconds, IdleState)."""
    # The model checks the values: the control API sets relays too.
    delay = delay_seconds(args.required_text(el, "tt:DelayTime"))
    return args.required_text(el, "tt:Mode"), delay, args.required_text(el, "tt:IdleState")


def relay_output(parent: Element, tag: str, relay: Relay) -> Element:
    """A tt:RelayOutput under `tag`: the token and its settings."""
    el = sub(parent, tag, token=relay.token)
    properties = sub(el, "tt:Properties")
    sub(properties, "tt:Mode", relay.mode)
    sub(properties, "tt:DelayTime", duration(relay.delay_seconds))
    sub(properties, "tt:IdleState", relay.idle_state)
    return el
