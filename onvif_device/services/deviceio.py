"""DeviceIO service (deviceio.wsdl, ver10): the camera's physical inputs and outputs.

Digital inputs and relay outputs are the camera model's `io`; video and
audio sources and audio outputs are its media hardware.  The WSDL takes
GetRelayOutputs and SetRelayOutputState from the Device service (their
elements are tds:), so device.py serves them for both services; this
module serves the tmd: operations.

The camera has no video outputs and no serial ports: their lists are empty
and every operation on one of them names the token as unknown (ter:NoVideoOutput,
ter:InvalidSerialPort), as the spec says for a token that does not exist.
The source and output configuration operations the spec removed in 16.12
are not registered, so they answer ter:ActionNotSupported.
"""

from __future__ import annotations

from onvif_device.camera.errors import InvalidArgs, InvalidArgVal
from onvif_device.camera.io import IDLE_STATES
from onvif_device.services import args
from onvif_device.services.io_types import read_relay_settings
from onvif_device.services.registry import ServiceInfo, register
from onvif_device.soap.access import AccessClass as A
from onvif_device.soap.operations import Context, OperationTable
from onvif_device.xml import Element, children, element, sub

ops = OperationTable("tmd")

# The DeviceIO specification release these answers follow.
DEVICEIO_VERSION = (22, 6)


def counts(ctx: Context) -> dict[str, int]:
    """How many of each physical port the camera has, by capability name."""
    camera = ctx.camera
    hardware = camera.hardware
    return {
        "VideoSources": len(hardware.video_sources),
        "VideoOutputs": 0,
        "AudioSources": len(hardware.audio_sources),
        "AudioOutputs": len(hardware.audio_outputs),
        "RelayOutputs": len(camera.io.relays),
        "SerialPorts": 0,
        "DigitalInputs": len(camera.io.inputs),
    }


def deviceio_capabilities(ctx: Context) -> Element:
    caps = element("tmd:Capabilities")
    for name, number in counts(ctx).items():
        caps.set(name, str(number))
    caps.set("DigitalInputOptions", "true")
    return caps


def legacy_deviceio_capabilities(parent: Element, ctx: Context) -> None:
    """tt:DeviceIO of the legacy GetCapabilities (it sits in tt:Capabilities/tt:Extension)."""
    el = sub(parent, "tt:DeviceIO")
    sub(el, "tt:XAddr", SERVICE.xaddr(ctx.base_url))
    found = counts(ctx)
    for name in ("VideoSources", "VideoOutputs", "AudioSources", "AudioOutputs", "RelayOutputs"):
        sub(el, f"tt:{name}", found[name])


SERVICE = register(
    ServiceInfo(
        "deviceio",
        "/onvif/deviceio_service",
        DEVICEIO_VERSION,
        ops,
        deviceio_capabilities,
        legacy=legacy_deviceio_capabilities,
    )
)


@ops("GetServiceCapabilities", A.PRE_AUTH)
def get_service_capabilities(ctx: Context, request: Element) -> Element:
    response = element("tmd:GetServiceCapabilitiesResponse")
    response.append(deviceio_capabilities(ctx))
    return response


# --- sources and outputs of the media hardware ---------------------------------------


def _tokens(name: str, tokens: list[str]) -> Element:
    response = element(f"tmd:{name}Response")
    for token in tokens:
        sub(response, "tmd:Token", token)
    return response


@ops("GetVideoSources", A.READ_MEDIA)
def get_video_sources(ctx: Context, request: Element) -> Element:
    return _tokens("GetVideoSources", [s.token for s in ctx.camera.hardware.video_sources])


@ops("GetAudioSources", A.READ_MEDIA)
def get_audio_sources(ctx: Context, request: Element) -> Element:
    return _tokens("GetAudioSources", [s.token for s in ctx.camera.hardware.audio_sources])


@ops("GetAudioOutputs", A.READ_MEDIA)
def get_audio_outputs(ctx: Context, request: Element) -> Element:
    return _tokens("GetAudioOutputs", [o.token for o in ctx.camera.hardware.audio_outputs])


# --- video outputs: none ------------------------------------------------------------


@ops("GetVideoOutputs", A.READ_MEDIA)
def get_video_outputs(ctx: Context, request: Element) -> Element:
    return element("tmd:GetVideoOutputsResponse")


def _no_video_output(token: str) -> InvalidArgVal:
    return InvalidArgVal("NoVideoOutput", f"this camera has no video output, so none named {token[:64]!r}")


@ops("GetVideoOutputConfiguration", A.READ_MEDIA)
def get_video_output_configuration(ctx: Context, request: Element) -> Element:
    raise _no_video_output(args.required_text(request, "tmd:VideoOutputToken"))


@ops("GetVideoOutputConfigurationOptions", A.READ_MEDIA)
def get_video_output_configuration_options(ctx: Context, request: Element) -> Element:
    raise _no_video_output(args.required_text(request, "tmd:VideoOutputToken"))


@ops("SetVideoOutputConfiguration", A.ACTUATE)
def set_video_output_configuration(ctx: Context, request: Element) -> Element:
    raise _no_video_output(args.required_text(args.required(request, "tmd:Configuration"), "tt:OutputToken"))


# --- relay outputs (GetRelayOutputs and SetRelayOutputState are tds: operations) -------------


# The DeviceIO spec's table says PRE_AUTH; the camera keeps anonymous access to the Core's
# own PRE_AUTH operations (tests/test_security.py holds it to that) and asks the same as GetRelayOutputs.
@ops("GetRelayOutputOptions", A.READ_MEDIA)
def get_relay_output_options(ctx: Context, request: Element) -> Element:
    io = ctx.camera.io
    token = args.optional_text(request, "tmd:RelayOutputToken")
    relays = io.relays if token is None else [io.relay(token)]
    low, high = io.options.delay_range
    response = element("tmd:GetRelayOutputOptionsResponse")
    for relay in relays:
        options = sub(response, "tmd:RelayOutputOptions", token=relay.token)
        for mode in io.options.modes:
            sub(options, "tmd:Mode", mode)
        sub(options, "tmd:DelayTimes", f"{low:g} {high:g}")
        sub(options, "tmd:Discrete", False)
    return response


@ops("SetRelayOutputSettings", A.ACTUATE)
def set_relay_output_settings(ctx: Context, request: Element) -> Element:
    relay = args.required(request, "tmd:RelayOutput")
    token = relay.get("token")
    if token is None:
        raise InvalidArgs(reason="RelayOutput has no token attribute")
    ctx.camera.io.set_relay_output_settings(token, *read_relay_settings(args.required(relay, "tt:Properties")))
    return element("tmd:SetRelayOutputSettingsResponse")


# --- digital inputs ---------------------------------------------------------------------


@ops("GetDigitalInputs", A.READ_SYSTEM)
def get_digital_inputs(ctx: Context, request: Element) -> Element:
    response = element("tmd:GetDigitalInputsResponse")
    for digital_input in ctx.camera.io.get_digital_inputs():
        sub(response, "tmd:DigitalInputs", token=digital_input.token, IdleState=digital_input.idle_state)
    return response


@ops("GetDigitalInputConfigurationOptions", A.READ_SYSTEM)
def get_digital_input_configuration_options(ctx: Context, request: Element) -> Element:
    token = args.optional_text(request, "tmd:Token")
    if token is not None:
        ctx.camera.io.input(token)  # ter:NoConfig for an unknown input; all inputs offer the same
    response = element("tmd:GetDigitalInputConfigurationOptionsResponse")
    options = sub(response, "tmd:DigitalInputOptions")
    for idle_state in IDLE_STATES:
        sub(options, "tmd:IdleState", idle_state)
    return response


@ops("SetDigitalInputConfigurations", A.ACTUATE)
def set_digital_input_configurations(ctx: Context, request: Element) -> Element:
    settings = []
    for el in children(request, "tmd:DigitalInputs"):
        token = el.get("token")
        if token is None:
            raise InvalidArgs(reason="a DigitalInputs element has no token attribute")
        settings.append((token, el.get("IdleState")))
    if not settings:
        raise InvalidArgs(reason="SetDigitalInputConfigurations is missing DigitalInputs")
    ctx.camera.io.set_digital_input_configurations(settings)
    return element("tmd:SetDigitalInputConfigurationsResponse")


# --- serial ports: none ------------------------------------------------------------------


@ops("GetSerialPorts", A.READ_SYSTEM)
def get_serial_ports(ctx: Context, request: Element) -> Element:
    return element("tmd:GetSerialPortsResponse")


def _no_serial_port(token: str | None) -> InvalidArgVal:
    named = f", so none named {token[:64]!r}" if token else ""
    return InvalidArgVal("InvalidSerialPort", f"this camera has no serial port{named}")


@ops("GetSerialPortConfiguration", A.READ_SYSTEM)
def get_serial_port_configuration(ctx: Context, request: Element) -> Element:
    raise _no_serial_port(args.required_text(request, "tmd:SerialPortToken"))


@ops("GetSerialPortConfigurationOptions", A.READ_SYSTEM)
def get_serial_port_configuration_options(ctx: Context, request: Element) -> Element:
    raise _no_serial_port(args.required_text(request, "tmd:SerialPortToken"))


@ops("SetSerialPortConfiguration", A.ACTUATE)
def set_serial_port_configuration(ctx: Context, request: Element) -> Element:
    raise _no_serial_port(args.required(request, "tmd:SerialPortConfiguration").get("token"))


@ops("SendReceiveSerialCommand", A.ACTUATE)
def send_receive_serial_command(ctx: Context, request: Element) -> Element:
    raise _no_serial_port(args.optional_text(request, "tmd:Token"))
