"""The DeviceIO service and the Device service's relay operations, over real HTTP.

Every answer and fault is validated against the official schemas.  Both
services act on the camera model's one set of relays; the DeviceIO WSDL
even sends the Device service's tds:GetRelayOutputs and tds:SetRelayOutputState,
to its own address.  Real clients: onvif-zeep-async (ONVIFCamera.create_deviceio_service)
and plain zeep with the official deviceio.wsdl.
"""

from __future__ import annotations

import os
import time

import onvif
import pytest
import zeep
from lxml import etree
from onvif import ONVIFCamera
from schemas import schema_root
from soaputil import TDS, TT, SoapClient
from zeep.wsse.username import UsernameToken

from onvif_device.config import Config
from onvif_device.embed import ThreadedCamera

TMD = "http://www.onvif.org/ver10/deviceIO/wsdl"
NS = {"tds": TDS, "tt": TT, "tmd": TMD}
DECLARE = f'xmlns:tmd="{TMD}"'
TMD_BINDING = f"{{{TMD}}}DeviceIOBinding"
HA_WSDL_DIR = f"{os.path.dirname(onvif.__file__)}/wsdl/"

SENDER, RECEIVER = "s:Sender", "s:Receiver"
RELAY_TOKEN = [SENDER, "ter:InvalidArgVal", "ter:RelayToken"]
MODE_ERROR = [SENDER, "ter:InvalidArgVal", "ter:ModeError"]
NO_CONFIG = [SENDER, "ter:InvalidArgVal", "ter:NoConfig"]
SETTINGS_INVALID = [SENDER, "ter:InvalidArgVal", "ter:SettingsInvalid"]
INVALID_ARG_VAL = [SENDER, "ter:InvalidArgVal"]
INVALID_ARGS = [SENDER, "ter:InvalidArgs"]
NOT_AUTHORIZED = [SENDER, "ter:NotAuthorized"]


@pytest.fixture
def camera_config() -> Config:
    return Config.model_validate(
        {
            "events": {"motion_every_seconds": 0},
            "auth": {
                "users": [
                    {"username": "viewer", "password": "viewer", "level": "User"},
                    {"username": "op", "password": "op", "level": "Operator"},
                ]
            },
        }
    )


def deviceio_url(cam) -> str:
    return cam.service_url("deviceio")


@pytest.fixture
def io(running_camera, onvif_schemas):
    client = SoapClient(deviceio_url(running_camera), running_camera.username, running_camera.password, onvif_schemas)
    yield client
    client.close()


def tmd(operation: str, inner: str = "", attributes: str = "") -> str:
    return f"<tmd:{operation} {DECLARE}{attributes}>{inner}</tmd:{operation}>"


def texts(el: etree._Element, path: str) -> list[str]:
    return [e if isinstance(e, str) else e.text for e in el.xpath(path, namespaces=NS)]


def fails(client: SoapClient, body: str, codes: list[str]) -> None:
    assert client.fault(body, status=500 if codes[0] == RECEIVER else 400) == codes, body


def settings(mode: str, delay: str, idle: str) -> str:
    return f"<tt:Mode>{mode}</tt:Mode><tt:DelayTime>{delay}</tt:DelayTime><tt:IdleState>{idle}</tt:IdleState>"


def set_by_tmd(token: str, mode: str, delay: str, idle: str) -> str:
    return tmd(
        "SetRelayOutputSettings",
        f'<tmd:RelayOutput token="{token}">'
        f"<tt:Properties>{settings(mode, delay, idle)}</tt:Properties></tmd:RelayOutput>",
    )


def set_by_tds(token: str, mode: str, delay: str, idle: str) -> str:
    return (
        f"<tds:SetRelayOutputSettings><tds:RelayOutputToken>{token}</tds:RelayOutputToken>"
        f"<tds:Properties>{settings(mode, delay, idle)}</tds:Properties></tds:SetRelayOutputSettings>"
    )


def set_state(token: str, state: str) -> str:
    return (
        f"<tds:SetRelayOutputState><tds:RelayOutputToken>{token}</tds:RelayOutputToken>"
        f"<tds:LogicalState>{state}</tds:LogicalState></tds:SetRelayOutputState>"
    )


def relay_table(response: etree._Element) -> dict[str, tuple[str, str, str]]:
    return {
        el.get("token"): tuple(texts(el, f"tt:Properties/tt:{name}")[0] for name in ("Mode", "DelayTime", "IdleState"))
        for el in response.findall("tds:RelayOutputs", NS)
    }


def wait_until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# --- discovery of the service and its capabilities -------------------------------------------


def test_get_services_lists_deviceio_with_its_version(soap, running_camera):
    services = soap.call("<tds:GetServices><tds:IncludeCapability>true</tds:IncludeCapability></tds:GetServices>")
    (entry,) = [s for s in services.findall("tds:Service", NS) if texts(s, "tds:Namespace") == [TMD]]
    assert texts(entry, "tds:XAddr") == [deviceio_url(running_camera)]
    assert texts(entry, "tds:Version/tt:*") == ["22", "6"]
    caps = entry.find("tds:Capabilities/tmd:Capabilities", NS)
    assert caps.get("RelayOutputs") == "2" and caps.get("DigitalInputs") == "2"


def test_service_capabilities_count_what_the_camera_has(io):
    caps = io.call(tmd("GetServiceCapabilities"), auth="none").find("tmd:Capabilities", NS)
    assert dict(caps.attrib) == {
        "VideoSources": "1",
        "VideoOutputs": "0",
        "AudioSources": "1",
        "AudioOutputs": "1",
        "RelayOutputs": "2",
        "SerialPorts": "0",
        "DigitalInputs": "2",
        "DigitalInputOptions": "true",
    }


def test_legacy_capabilities_count_io_and_carry_the_deviceio_xaddr(soap, running_camera):
    caps = soap.call("<tds:GetCapabilities/>", auth="none")
    assert texts(caps, "tds:Capabilities/tt:Device/tt:IO/tt:*") == ["2", "2"]
    deviceio = caps.find("tds:Capabilities/tt:Extension/tt:DeviceIO", NS)
    assert texts(deviceio, "tt:XAddr") == [deviceio_url(running_camera)]
    assert texts(deviceio, "tt:*[position() > 1]") == ["1", "0", "1", "1", "2"]
    device_only = soap.call("<tds:GetCapabilities><tds:Category>Device</tds:Category></tds:GetCapabilities>")
    assert device_only.find("tds:Capabilities/tt:Extension", NS) is None


def test_sources_and_outputs_are_the_media_hardware(io):
    assert texts(io.call(tmd("GetVideoSources")), "tmd:Token") == ["VideoSource_1"]
    assert texts(io.call(tmd("GetAudioSources")), "tmd:Token") == ["AudioSource_1"]
    assert texts(io.call(tmd("GetAudioOutputs")), "tmd:Token") == ["AudioOutput_1"]


def test_no_video_outputs_and_no_serial_ports(io):
    assert len(io.call(tmd("GetVideoOutputs"))) == 0
    assert len(io.call(tmd("GetSerialPorts"))) == 0
    no_video_output = [SENDER, "ter:InvalidArgVal", "ter:NoVideoOutput"]
    fails(io, tmd("GetVideoOutputConfiguration", "<tmd:VideoOutputToken>VO_1</tmd:VideoOutputToken>"), no_video_output)
    fails(
        io,
        tmd("GetVideoOutputConfigurationOptions", "<tmd:VideoOutputToken>VO_1</tmd:VideoOutputToken>"),
        no_video_output,
    )
    configuration = (
        '<tmd:Configuration token="c"><tt:Name>c</tt:Name><tt:UseCount>0</tt:UseCount>'
        "<tt:OutputToken>VO_1</tt:OutputToken></tmd:Configuration><tmd:ForcePersistence>true</tmd:ForcePersistence>"
    )
    fails(io, tmd("SetVideoOutputConfiguration", configuration), no_video_output)
    fails(io, tmd("GetVideoOutputConfiguration"), INVALID_ARGS)
    invalid_serial_port = [SENDER, "ter:InvalidArgVal", "ter:InvalidSerialPort"]
    port = "<tmd:SerialPortToken>COM1</tmd:SerialPortToken>"
    fails(io, tmd("GetSerialPortConfiguration", port), invalid_serial_port)
    fails(io, tmd("GetSerialPortConfigurationOptions", port), invalid_serial_port)
    fails(io, tmd("SendReceiveSerialCommand", "<tmd:Token>COM1</tmd:Token>"), invalid_serial_port)


def test_configuration_operations_the_spec_removed_are_not_supported(io):
    for body in (
        tmd("GetVideoSourceConfiguration", "<tmd:VideoSourceToken>VideoSource_1</tmd:VideoSourceToken>"),
        tmd("GetAudioOutputConfigurationOptions", "<tmd:AudioOutputToken>AudioOutput_1</tmd:AudioOutputToken>"),
    ):
        fails(io, body, [RECEIVER, "ter:ActionNotSupported"])


# --- digital inputs --------------------------------------------------------------------------


def test_digital_inputs_and_their_configuration(io, running_camera):
    inputs = io.call(tmd("GetDigitalInputs")).findall("tmd:DigitalInputs", NS)
    assert [(i.get("token"), i.get("IdleState")) for i in inputs] == [
        ("DigitalInput_1", "open"),
        ("DigitalInput_2", "open"),
    ]
    for token in ("", "<tmd:Token>DigitalInput_2</tmd:Token>"):
        options = io.call(tmd("GetDigitalInputConfigurationOptions", token))
        assert texts(options, "tmd:DigitalInputOptions/tmd:IdleState") == ["closed", "open"]
    io.call(tmd("SetDigitalInputConfigurations", '<tmd:DigitalInputs token="DigitalInput_2" IdleState="closed"/>'))
    inputs = io.call(tmd("GetDigitalInputs")).findall("tmd:DigitalInputs", NS)
    assert [i.get("IdleState") for i in inputs] == ["open", "closed"]
    assert running_camera.camera.io.input("DigitalInput_2").idle_state == "closed"


def test_digital_input_faults(io):
    fails(io, tmd("GetDigitalInputConfigurationOptions", "<tmd:Token>Door</tmd:Token>"), NO_CONFIG)
    first = '<tmd:DigitalInputs token="DigitalInput_1" IdleState="closed"/>'
    unknown = '<tmd:DigitalInputs token="Door" IdleState="open"/>'
    fails(io, tmd("SetDigitalInputConfigurations", first + unknown), NO_CONFIG)
    ajar = '<tmd:DigitalInputs token="DigitalInput_2" IdleState="ajar"/>'
    fails(io, tmd("SetDigitalInputConfigurations", first + ajar), SETTINGS_INVALID)
    fails(io, tmd("SetDigitalInputConfigurations"), INVALID_ARGS)
    fails(io, tmd("SetDigitalInputConfigurations", '<tmd:DigitalInputs IdleState="open"/>'), INVALID_ARGS)
    inputs = io.call(tmd("GetDigitalInputs")).findall("tmd:DigitalInputs", NS)
    assert [i.get("IdleState") for i in inputs] == ["open", "open"]  # all or none


# --- relay outputs ----------------------------------------------------------------------------


def test_relay_options_offer_both_modes_and_a_delay_range(io):
    options = io.call(tmd("GetRelayOutputOptions")).findall("tmd:RelayOutputOptions", NS)
    assert [o.get("token") for o in options] == ["RelayOutput_1", "RelayOutput_2"]
    assert texts(options[0], "tmd:Mode") == ["Monostable", "Bistable"]
    assert texts(options[0], "tmd:DelayTimes") == ["0.1 3600"]
    assert texts(options[0], "tmd:Discrete") == ["false"]
    one = io.call(tmd("GetRelayOutputOptions", "<tmd:RelayOutputToken>RelayOutput_2</tmd:RelayOutputToken>"))
    assert [o.get("token") for o in one.findall("tmd:RelayOutputOptions", NS)] == ["RelayOutput_2"]
    fails(io, tmd("GetRelayOutputOptions", "<tmd:RelayOutputToken>Lamp</tmd:RelayOutputToken>"), RELAY_TOKEN)


def test_settings_set_through_either_service_show_in_both(io, soap):
    io.call(set_by_tmd("RelayOutput_1", "Monostable", "PT0.5S", "closed"))
    soap.call(set_by_tds("RelayOutput_2", "Monostable", "PT1M", "open"))
    expected = {"RelayOutput_1": ("Monostable", "PT0.5S", "closed"), "RelayOutput_2": ("Monostable", "PT60S", "open")}
    assert relay_table(soap.call("<tds:GetRelayOutputs/>")) == expected
    assert relay_table(io.call("<tds:GetRelayOutputs/>")) == expected  # the DeviceIO WSDL's own way


def test_a_monostable_relay_returns_to_inactive_after_its_delay(io, running_camera):
    camera = running_camera.camera
    relay = lambda: camera.io.relay("RelayOutput_1")
    heard = []  # appended on the camera's loop thread
    unsubscribe = camera.events.subscribe(
        lambda m: (
            heard.append(m.data_value("LogicalState")) if m.source_value("RelayToken") == "RelayOutput_1" else None
        )
    )
    try:
        io.call(set_by_tmd("RelayOutput_1", "Monostable", "PT0.5S", "open"))
        io.call(set_state("RelayOutput_1", "active"))
        assert wait_until(lambda: heard == ["active", "inactive"]), heard  # the server's clock task ends the pulse
        assert not relay().active
        io.call(set_by_tmd("RelayOutput_1", "Bistable", "PT0.5S", "open"))
        io.call(set_state("RelayOutput_1", "active"))
        assert relay().active and relay().physical == "closed"
        io.call(set_state("RelayOutput_1", "inactive"))
        assert heard == ["active", "inactive", "active", "inactive"]
    finally:
        unsubscribe()


def test_relay_faults(io, soap):
    fails(io, set_state("Lamp", "active"), RELAY_TOKEN)
    fails(soap, set_by_tds("Lamp", "Bistable", "PT1S", "open"), RELAY_TOKEN)
    fails(io, set_by_tmd("Lamp", "Bistable", "PT1S", "open"), RELAY_TOKEN)
    fails(io, set_by_tmd("RelayOutput_1", "Monostable", "PT0S", "open"), MODE_ERROR)
    fails(soap, set_by_tds("RelayOutput_1", "Monostable", "PT2H", "open"), MODE_ERROR)
    fails(io, set_by_tmd("RelayOutput_1", "Monostable", "1 second", "open"), INVALID_ARG_VAL)
    fails(io, set_by_tmd("RelayOutput_1", "Monostable", "P1M", "open"), INVALID_ARG_VAL)  # months have no length
    fails(io, set_by_tmd("RelayOutput_1", "Astable", "PT1S", "open"), INVALID_ARG_VAL)
    fails(soap, set_by_tds("RelayOutput_1", "Bistable", "PT1S", "ajar"), INVALID_ARG_VAL)
    fails(soap, set_state("RelayOutput_1", "on"), INVALID_ARG_VAL)
    fails(io, tmd("SetRelayOutputSettings", "<tmd:RelayOutput><tt:Properties/></tmd:RelayOutput>"), INVALID_ARGS)
    fails(
        soap,
        "<tds:SetRelayOutputState><tds:RelayOutputToken>RelayOutput_1</tds:RelayOutputToken></tds:SetRelayOutputState>",
        INVALID_ARGS,
    )
    unchanged = ("Bistable", "PT1S", "open")
    assert relay_table(soap.call("<tds:GetRelayOutputs/>")) == {"RelayOutput_1": unchanged, "RelayOutput_2": unchanged}


def test_access_classes_follow_the_spec(running_camera, onvif_schemas):
    url = deviceio_url(running_camera)
    viewer = SoapClient(url, "viewer", "viewer", onvif_schemas)
    operator = SoapClient(url, "op", "op", onvif_schemas)
    try:
        assert len(viewer.call("<tds:GetRelayOutputs/>").findall("tds:RelayOutputs", NS)) == 2  # READ_MEDIA
        assert len(viewer.call(tmd("GetDigitalInputs"))) == 2  # READ_SYSTEM
        fails(viewer, set_state("RelayOutput_1", "active"), NOT_AUTHORIZED)  # ACTUATE
        fails(viewer, set_by_tmd("RelayOutput_1", "Bistable", "PT1S", "open"), NOT_AUTHORIZED)
        fails(
            viewer, tmd("SetDigitalInputConfigurations", '<tmd:DigitalInputs token="DigitalInput_1"/>'), NOT_AUTHORIZED
        )
        assert viewer.fault(tmd("GetDigitalInputs"), auth="none", status=401) == NOT_AUTHORIZED
        operator.call(set_state("RelayOutput_1", "active"))
        operator.call(
            tmd("SetDigitalInputConfigurations", '<tmd:DigitalInputs token="DigitalInput_1" IdleState="closed"/>')
        )
    finally:
        viewer.close()
        operator.close()
    assert running_camera.camera.io.relay("RelayOutput_1").active


def test_settings_survive_a_restart(tmp_path, onvif_schemas):
    state_dir = str(tmp_path / "state")
    with ThreadedCamera(state_dir=state_dir) as cam:
        client = SoapClient(deviceio_url(cam), cam.username, cam.password, onvif_schemas)
        client.call(set_by_tmd("RelayOutput_2", "Monostable", "PT2.5S", "closed"))
        client.call(set_state("RelayOutput_2", "active"))
        client.call(
            tmd("SetDigitalInputConfigurations", '<tmd:DigitalInputs token="DigitalInput_1" IdleState="closed"/>')
        )
        client.close()
    with ThreadedCamera(state_dir=state_dir) as cam:
        client = SoapClient(deviceio_url(cam), cam.username, cam.password, onvif_schemas)
        assert relay_table(client.call("<tds:GetRelayOutputs/>"))["RelayOutput_2"] == ("Monostable", "PT2.5S", "closed")
        inputs = client.call(tmd("GetDigitalInputs")).findall("tmd:DigitalInputs", NS)
        assert inputs[0].get("IdleState") == "closed"
        client.close()
        assert not cam.camera.io.relay("RelayOutput_2").active  # relays come up at rest


# --- real clients -----------------------------------------------------------------------------


async def test_onvif_zeep_async_drives_relays_and_reads_inputs(running_camera):
    device = ONVIFCamera(
        running_camera.host,
        running_camera.port,
        running_camera.username,
        running_camera.password,
        HA_WSDL_DIR,
        no_cache=True,
    )
    try:
        await device.update_xaddrs()
        assert device.xaddrs[TMD] == deviceio_url(running_camera)
        deviceio = await device.create_deviceio_service()
        capabilities = await deviceio.GetServiceCapabilities()
        assert (capabilities.RelayOutputs, capabilities.DigitalInputs) == (2, 2)
        relays = await deviceio.GetRelayOutputs()
        assert [r.token for r in relays] == ["RelayOutput_1", "RelayOutput_2"]
        assert relays[0].Properties.Mode == "Bistable"
        await deviceio.SetRelayOutputState({"RelayOutputToken": "RelayOutput_2", "LogicalState": "active"})
        assert running_camera.camera.io.relay("RelayOutput_2").active
        inputs = await deviceio.GetDigitalInputs()
        # Its bundled onvif.xsd predates the IdleState attribute; zeep keeps it as an unknown one.
        assert [(i.token, i._attr_1) for i in inputs] == [
            ("DigitalInput_1", {"IdleState": "open"}),
            ("DigitalInput_2", {"IdleState": "open"}),
        ]
        with pytest.raises(zeep.exceptions.Fault) as fault:
            await deviceio.SetRelayOutputState({"RelayOutputToken": "Lamp", "LogicalState": "active"})
        assert "Lamp" in str(fault.value)
    finally:
        await device.close()


def test_zeep_with_the_official_wsdl_configures_a_relay(running_camera):
    wsse = UsernameToken(running_camera.username, running_camera.password, use_digest=True)
    client = zeep.Client(str(schema_root() / "ver10" / "deviceio.wsdl"), wsse=wsse)
    service = client.create_service(TMD_BINDING, deviceio_url(running_camera))
    settings_type = client.get_type("{http://www.onvif.org/ver10/schema}RelayOutputSettings")
    service.SetRelayOutputSettings(
        RelayOutput={
            "token": "RelayOutput_1",
            "Properties": settings_type(Mode="Monostable", DelayTime="PT3S", IdleState="closed"),
        }
    )
    options = service.GetRelayOutputOptions(RelayOutputToken="RelayOutput_1")
    assert [o.token for o in options] == ["RelayOutput_1"] and options[0].DelayTimes == [0.1, 3600.0]
    relays = service.GetRelayOutputs()
    assert relays[0].Properties.Mode == "Monostable" and relays[0].Properties.IdleState == "closed"
    service.SetRelayOutputState(RelayOutputToken="RelayOutput_1", LogicalState="active")
    service.SetDigitalInputConfigurations(DigitalInputs=[{"token": "DigitalInput_1", "IdleState": "closed"}])
    assert [i.IdleState for i in service.GetDigitalInputs()] == ["closed", "open"]
    assert service.GetVideoSources() == ["VideoSource_1"]
    assert wait_until(lambda: not running_camera.camera.io.relay("RelayOutput_1").active)
