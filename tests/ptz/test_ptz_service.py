"""The PTZ service (ver20) over real HTTP: every operation and every fault it names.

Every answer and fault is validated against the official schemas.  The head
moves in real time, so the kinematic tests poll GetStatus until what they
wait for happens (with a deadline) and never time anything.  What is checked:

- capabilities (and the Device service's GetServices/GetCapabilities entries),
  the node and its spaces, configurations, their options and SetConfiguration
  with every value it refuses; Media and Media2 profiles show the same
  tt:PTZConfiguration;
- AbsoluteMove, RelativeMove (generic, degrees and FOV spaces), ContinuousMove
  with and without a timeout, Stop, GetStatus, the limits, Reverse;
- presets, home, auxiliary commands, preset tours; preset events through a
  pull point; persistence across a restart; access classes; a fixed camera.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from lxml import etree
from soaputil import TDS, TR2, TRT, TT, SoapClient

from onvif_device.camera.ptz import geometry as geo
from onvif_device.camera.ptz import spaces as sp
from onvif_device.config import Config
from onvif_device.embed import ThreadedCamera

TPTZ = "http://www.onvif.org/ver20/ptz/wsdl"
TEV = "http://www.onvif.org/ver10/events/wsdl"
WSNT = "http://docs.oasis-open.org/wsn/b-2"
WSA = "http://www.w3.org/2005/08/addressing"
NS = {"tptz": TPTZ, "tt": TT, "trt": TRT, "tr2": TR2, "tds": TDS, "tev": TEV, "wsnt": WSNT, "wsa": WSA}
DECLARE = f'xmlns:tptz="{TPTZ}"'

SENDER, RECEIVER = "s:Sender", "s:Receiver"


def invalid(detail: str | None = None, code: str = SENDER) -> list[str]:
    return [code, "ter:InvalidArgVal", *([f"ter:{detail}"] if detail else [])]


NO_PROFILE = invalid("NoProfile")
NO_PTZ_PROFILE = invalid("NoPTZProfile")
NO_CONFIG = invalid("NoConfig")
NO_ENTITY = invalid("NoEntity")
NO_SUCH_SERVICE = [RECEIVER, "ter:ActionNotSupported", "ter:NoSuchService"]
NO_TOKEN = invalid("NoToken")
CONFIG_MODIFY = invalid("ConfigModify")
SPACE_NOT_SUPPORTED = invalid("SpaceNotSupported")
INVALID_POSITION = invalid("InvalidPosition")
INVALID_TRANSLATION = invalid("InvalidTranslation")
INVALID_VELOCITY = invalid("InvalidVelocity")
INVALID_SPEED = invalid("InvalidSpeed")
TIMEOUT_NOT_SUPPORTED = invalid("TimeoutNotSupported")
INVALID_PRESET_TOUR = invalid("InvalidPresetTour")
ACTIVATION_FAILED = invalid("ActivationFailed", RECEIVER)
MOVING_PTZ = [RECEIVER, "ter:Action", "ter:MovingPTZ"]
TOO_MANY_PRESETS = [RECEIVER, "ter:Action", "ter:TooManyPresets"]
INVALID_ARGS = [SENDER, "ter:InvalidArgs"]
NOT_AUTHORIZED = [SENDER, "ter:NotAuthorized"]
ACTION_NOT_SUPPORTED = [RECEIVER, "ter:ActionNotSupported"]

PT = "http://www.onvif.org/ver10/tptz/PanTiltSpaces/"
ZS = "http://www.onvif.org/ver10/tptz/ZoomSpaces/"
MAX_PRESETS = 4
MAX_TOURS = 2
# Children of tt:PTZConfiguration after Name and UseCount, in schema order.
CONFIGURATION_ORDER = [
    "NodeToken",
    "DefaultAbsolutePantTiltPositionSpace",
    "DefaultAbsoluteZoomPositionSpace",
    "DefaultRelativePanTiltTranslationSpace",
    "DefaultRelativeZoomTranslationSpace",
    "DefaultContinuousPanTiltVelocitySpace",
    "DefaultContinuousZoomVelocitySpace",
    "DefaultPTZSpeed",
    "DefaultPTZTimeout",
    "PanTiltLimits",
    "ZoomLimits",
    "Extension",
]


@pytest.fixture
def camera_config() -> Config:
    return Config.model_validate(
        {
            "events": {"motion_every_seconds": 0},
            "ptz": {"max_presets": MAX_PRESETS, "max_preset_tours": MAX_TOURS},
            "auth": {
                "users": [
                    {"username": "viewer", "password": "viewer", "level": "User"},
                    {"username": "op", "password": "op", "level": "Operator"},
                ]
            },
        }
    )


def ptz_url(cam) -> str:
    return cam.service_url("ptz")


@pytest.fixture
def ptz(running_camera, onvif_schemas):
    client = SoapClient(ptz_url(running_camera), running_camera.username, running_camera.password, onvif_schemas)
    yield client
    client.close()


# --- request builders -------------------------------------------------------------------------


def op(name: str, inner: str = "") -> str:
    return f"<tptz:{name} {DECLARE}>{inner}</tptz:{name}>"


def on(name: str, inner: str = "", profile: str = "Profile_1") -> str:
    """An operation on a profile."""
    return op(name, f"<tptz:ProfileToken>{profile}</tptz:ProfileToken>{inner}")


def pan_tilt(x: float | str, y: float | str, space: str | None = None) -> str:
    attribute = f' space="{space}"' if space else ""
    return f'<tt:PanTilt x="{x}" y="{y}"{attribute}/>'


def zoom(x: float | str, space: str | None = None) -> str:
    attribute = f' space="{space}"' if space else ""
    return f'<tt:Zoom x="{x}"{attribute}/>'


def absolute(inner: str, speed: str = "", profile: str = "Profile_1") -> str:
    return on("AbsoluteMove", f"<tptz:Position>{inner}</tptz:Position>{speed}", profile)


def relative(inner: str, speed: str = "") -> str:
    return on("RelativeMove", f"<tptz:Translation>{inner}</tptz:Translation>{speed}")


def continuous(inner: str, timeout: str | None = None) -> str:
    limit = f"<tptz:Timeout>{timeout}</tptz:Timeout>" if timeout else ""
    return on("ContinuousMove", f"<tptz:Velocity>{inner}</tptz:Velocity>{limit}")


def speed(inner: str) -> str:
    return f"<tptz:Speed>{inner}</tptz:Speed>"


# --- reading answers -----------------------------------------------------------------------------


def texts(el: etree._Element, path: str) -> list[str]:
    return [e if isinstance(e, str) else e.text for e in el.xpath(path, namespaces=NS)]


def fails(client: SoapClient, body: str, codes: list[str]) -> None:
    assert client.fault(body, status=500 if codes[0] == RECEIVER else 400) == codes, body


def shape(el: etree._Element) -> list[tuple]:
    """What an element says, whatever its own name and prefixes: its descendants' names, texts and attributes."""
    return [(etree.QName(e).localname, e.text, dict(e.attrib)) for e in el.iter() if e is not el]


def vector(el: etree._Element) -> tuple[float, float, float, str, str]:
    """A tt:PTZVector as (x, y, zoom, pan/tilt space, zoom space)."""
    pt, z = el.find("tt:PanTilt", NS), el.find("tt:Zoom", NS)
    return float(pt.get("x")), float(pt.get("y")), float(z.get("x")), pt.get("space"), z.get("space")


def status(client: SoapClient, profile: str = "Profile_1") -> dict:
    el = client.call(on("GetStatus", profile=profile)).find("tptz:PTZStatus", NS)
    x, y, z, pt_space, z_space = vector(el.find("tt:Position", NS))
    return {
        "pan": x,
        "tilt": y,
        "zoom": z,
        "spaces": (pt_space, z_space),
        "pan_tilt": el.findtext("tt:MoveStatus/tt:PanTilt", namespaces=NS),
        "zoom_state": el.findtext("tt:MoveStatus/tt:Zoom", namespaces=NS),
    }


def wait_for(condition: Callable[[], object], timeout: float = 10.0) -> object:
    """Poll until `condition()` is truthy; its value, or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met before the deadline"
        time.sleep(0.05)


def idle(client: SoapClient) -> dict | None:
    now = status(client)
    return now if now["pan_tilt"] == now["zoom_state"] == "IDLE" else None


def configuration(client: SoapClient, token: str = "PTZConfig_1") -> etree._Element:
    body = op("GetConfiguration", f"<tptz:PTZConfigurationToken>{token}</tptz:PTZConfigurationToken>")
    return client.call(body).find("tptz:PTZConfiguration", NS)


def set_configuration(client: SoapClient, cfg: etree._Element) -> etree._Element:
    inner = etree.tostring(cfg).decode() + "<tptz:ForcePersistence>true</tptz:ForcePersistence>"
    return client.call(op("SetConfiguration", inner))


def edited(client: SoapClient, change: Callable[[etree._Element], None]) -> etree._Element:
    """PTZConfig_1 as GetConfiguration gives it, with `change` applied."""
    cfg = configuration(client)
    change(cfg)
    return cfg


def replace(cfg: etree._Element, path: str, text: str) -> None:
    """Set the text of the elements at `path`, or the attribute a path ending in /@name names."""
    path, _, attribute = path.partition("/@")
    found = cfg.xpath(path, namespaces=NS)
    assert found, path
    for el in found:
        if attribute:
            el.set(attribute, text)
        else:
            el.text = text


def set_limits(client: SoapClient, pan: tuple[str, str], tilt=("-1", "1"), space=PT + "PositionGenericSpace") -> None:
    def change(cfg):
        replace(cfg, "tt:PanTiltLimits/tt:Range/tt:URI", space)
        replace(cfg, "tt:PanTiltLimits/tt:Range/tt:XRange/tt:Min", pan[0])
        replace(cfg, "tt:PanTiltLimits/tt:Range/tt:XRange/tt:Max", pan[1])
        replace(cfg, "tt:PanTiltLimits/tt:Range/tt:YRange/tt:Min", tilt[0])
        replace(cfg, "tt:PanTiltLimits/tt:Range/tt:YRange/tt:Max", tilt[1])

    set_configuration(client, edited(client, change))


def move_to(client: SoapClient, pan: float, tilt: float, zoom_to: float) -> dict:
    client.call(absolute(pan_tilt(pan, tilt) + zoom(zoom_to)))
    return wait_for(lambda: idle(client))


# --- capabilities, nodes ----------------------------------------------------------------------------


def test_service_capabilities_need_no_credentials(ptz):
    caps = ptz.call(op("GetServiceCapabilities"), auth="none").find("tptz:Capabilities", NS)
    assert dict(caps.attrib) == {
        "EFlip": "true",
        "Reverse": "true",
        "GetCompatibleConfigurations": "true",
        "MoveStatus": "true",
        "StatusPosition": "true",
    }


def test_device_service_lists_the_ptz_service(soap, running_camera):
    services = soap.call("<tds:GetServices><tds:IncludeCapability>true</tds:IncludeCapability></tds:GetServices>")
    (entry,) = [s for s in services.findall("tds:Service", NS) if s.findtext("tds:Namespace", namespaces=NS) == TPTZ]
    assert entry.findtext("tds:XAddr", namespaces=NS) == ptz_url(running_camera)
    assert entry.find("tds:Capabilities/tptz:Capabilities", NS).get("MoveStatus") == "true"
    legacy = soap.call("<tds:GetCapabilities><tds:Category>PTZ</tds:Category></tds:GetCapabilities>")
    assert texts(legacy, "tds:Capabilities/tt:PTZ/tt:XAddr") == [ptz_url(running_camera)]
    everything = soap.call("<tds:GetCapabilities/>")
    assert texts(everything, "tds:Capabilities/tt:PTZ/tt:XAddr") == [ptz_url(running_camera)]


def test_the_node_lists_every_space_by_kind_in_schema_order(ptz, running_camera):
    head = running_camera.camera.ptz
    (node,) = ptz.call(op("GetNodes")).findall("tptz:PTZNode", NS)
    one = ptz.call(op("GetNode", "<tptz:NodeToken>PTZNode_1</tptz:NodeToken>")).find("tptz:PTZNode", NS)
    assert etree.tostring(one) == etree.tostring(node)
    assert (node.get("token"), node.get("FixedHomePosition"), node.get("GeoMove")) == ("PTZNode_1", "false", "false")
    listed = node.find("tt:SupportedPTZSpaces", NS)
    kinds = [etree.QName(el).localname for el in listed]
    assert kinds == sorted(kinds, key=sp.KINDS.index)  # schema order
    expected = [space.uri for kind in sp.KINDS for space in head.spaces.of_kind(kind)]
    assert texts(listed, "*/tt:URI") == expected
    for kind in sp.KINDS:  # the generic space of each kind comes first
        assert texts(listed, f"tt:{kind}[1]/tt:URI") == [head.spaces.generic(kind).uri]
    assert texts(listed, "tt:AbsolutePanTiltPositionSpace[1]/tt:XRange/*") == ["-1.0", "1.0"]
    assert texts(listed, "tt:PanTiltSpeedSpace[1]/tt:XRange/*") == ["0.0", "1.0"]
    assert listed.find("tt:PanTiltSpeedSpace/tt:YRange", NS) is None  # a one-dimensional description
    assert texts(listed, f"tt:RelativePanTiltTranslationSpace[tt:URI='{PT}TranslationSpaceFov']/tt:URI")
    assert texts(node, "tt:MaximumNumberOfPresets") == [str(MAX_PRESETS)]
    assert texts(node, "tt:HomeSupported") == ["true"]
    assert "tt:Wiper|On" in texts(node, "tt:AuxiliaryCommands")
    tours = node.find("tt:Extension/tt:SupportedPresetTour", NS)
    assert texts(tours, "tt:MaximumNumberOfPresetTours") == [str(MAX_TOURS)]
    assert texts(tours, "tt:PTZPresetTourOperation") == ["Start", "Stop", "Pause"]


def test_an_unknown_node_is_no_entity(ptz):
    fails(ptz, op("GetNode", "<tptz:NodeToken>PTZNode_9</tptz:NodeToken>"), NO_ENTITY)
    fails(ptz, op("GetNode"), INVALID_ARGS)


# --- configurations -------------------------------------------------------------------------------


def test_the_configuration_is_complete_and_in_schema_order(ptz):
    (listed,) = ptz.call(op("GetConfigurations")).findall("tptz:PTZConfiguration", NS)
    cfg = configuration(ptz)
    assert etree.tostring(listed) == etree.tostring(cfg)
    assert cfg.get("token") == "PTZConfig_1"
    assert [etree.QName(el).localname for el in cfg][2:] == CONFIGURATION_ORDER
    assert texts(cfg, "tt:UseCount") == ["3"]
    assert texts(cfg, "tt:NodeToken") == ["PTZNode_1"]
    assert texts(cfg, "tt:DefaultAbsolutePantTiltPositionSpace") == [PT + "PositionGenericSpace"]
    assert texts(cfg, "tt:DefaultRelativePanTiltTranslationSpace") == [PT + "TranslationGenericSpace"]
    assert texts(cfg, "tt:DefaultContinuousZoomVelocitySpace") == [ZS + "VelocityGenericSpace"]
    assert texts(cfg, "tt:DefaultPTZSpeed/tt:PanTilt/@x") == ["1.0"]
    assert texts(cfg, "tt:DefaultPTZSpeed/tt:PanTilt/@space") == [PT + "GenericSpeedSpace"]
    assert texts(cfg, "tt:DefaultPTZTimeout") == ["PT5S"]
    assert texts(cfg, "tt:PanTiltLimits/tt:Range/tt:XRange/*") == ["-1.0", "1.0"]
    assert texts(cfg, "tt:ZoomLimits/tt:Range/tt:XRange/*") == ["0.0", "1.0"]
    assert texts(cfg, "tt:Extension/tt:PTControlDirection/*/tt:Mode") == ["OFF", "OFF"]


def test_configuration_options(ptz, running_camera):
    body = op("GetConfigurationOptions", "<tptz:ConfigurationToken>PTZConfig_1</tptz:ConfigurationToken>")
    options = ptz.call(body).find("tptz:PTZConfigurationOptions", NS)
    node = ptz.call(op("GetNodes")).find("tptz:PTZNode/tt:SupportedPTZSpaces", NS)
    assert shape(options.find("tt:Spaces", NS)) == shape(node)
    assert texts(options, "tt:PTZTimeout/*") == ["PT0.1S", "PT600S"]
    assert texts(options, "tt:PTControlDirection/tt:EFlip/tt:Mode") == ["OFF", "ON"]
    assert texts(options, "tt:PTControlDirection/tt:Reverse/tt:Mode") == ["OFF", "ON"]


def test_unknown_configurations_are_no_config(ptz):
    fails(ptz, op("GetConfiguration", "<tptz:PTZConfigurationToken>X</tptz:PTZConfigurationToken>"), NO_CONFIG)
    fails(ptz, op("GetConfigurationOptions", "<tptz:ConfigurationToken>X</tptz:ConfigurationToken>"), NO_CONFIG)
    cfg = configuration(ptz)
    cfg.set("token", "X")
    fails(ptz, op("SetConfiguration", etree.tostring(cfg).decode()), NO_CONFIG)


def test_set_configuration_round_trips_and_shows_in_media_profiles(ptz, running_camera, onvif_schemas):
    def change(cfg):
        replace(cfg, "tt:Name", "Ceiling dome")
        replace(cfg, "tt:DefaultAbsolutePantTiltPositionSpace", PT + "SphericalPositionSpaceDegrees")
        replace(cfg, "tt:DefaultAbsoluteZoomPositionSpace", ZS + "PositionSpaceMillimeter")
        replace(cfg, "tt:DefaultRelativePanTiltTranslationSpace", PT + "TranslationSpaceFov")
        replace(cfg, "tt:DefaultPTZSpeed/tt:PanTilt/@x", "0.5")
        replace(cfg, "tt:DefaultPTZSpeed/tt:Zoom/@x", "0.25")
        replace(cfg, "tt:DefaultPTZTimeout", "PT0.5S")
        replace(cfg, "tt:PanTiltLimits/tt:Range/tt:XRange/tt:Min", "-0.5")
        replace(cfg, "tt:ZoomLimits/tt:Range/tt:XRange/tt:Max", "INF")  # unbounded: the whole range
        replace(cfg, "tt:Extension/tt:PTControlDirection/tt:Reverse/tt:Mode", "ON")

    set_configuration(ptz, edited(ptz, change))
    cfg = configuration(ptz)
    assert texts(cfg, "tt:Name") == ["Ceiling dome"]
    assert texts(cfg, "tt:DefaultAbsolutePantTiltPositionSpace") == [PT + "SphericalPositionSpaceDegrees"]
    assert texts(cfg, "tt:DefaultRelativePanTiltTranslationSpace") == [PT + "TranslationSpaceFov"]
    assert texts(cfg, "tt:DefaultPTZSpeed/*/@x") == ["0.5", "0.25"]
    assert texts(cfg, "tt:DefaultPTZSpeed/tt:PanTilt/@y") == ["1.0"]
    assert texts(cfg, "tt:DefaultPTZTimeout") == ["PT0.5S"]
    assert texts(cfg, "tt:PanTiltLimits/tt:Range/tt:XRange/*") == ["-0.5", "1.0"]
    assert texts(cfg, "tt:ZoomLimits/tt:Range/tt:XRange/*") == ["0.0", "1.0"]
    assert texts(cfg, "tt:Extension/tt:PTControlDirection/*/tt:Mode") == ["OFF", "ON"]
    stored = running_camera.camera.media.configuration("PTZ", "PTZConfig_1")
    assert (stored.default_timeout, stored.reverse, stored.pan_limits) == (0.5, "ON", (-0.5, 1.0))

    # Both Media services show the very same element in their profiles.
    media1 = SoapClient(running_camera.device_url, running_camera.username, running_camera.password, onvif_schemas)
    try:
        profiles = media1.call("<trt:GetProfiles/>")
        shown = profiles.find("trt:Profiles[@token='Profile_1']/tt:PTZConfiguration", NS)
        assert shape(shown) == shape(cfg) and shown.attrib == cfg.attrib
        media2 = media1.call("<tr2:GetProfiles><tr2:Type>All</tr2:Type></tr2:GetProfiles>")
        ptz2 = media2.find("tr2:Profiles[@token='Profile_1']/tr2:Configurations/tr2:PTZ", NS)
        assert shape(ptz2) == shape(cfg) and ptz2.attrib == cfg.attrib
    finally:
        media1.close()


def test_set_configuration_in_degrees_limits_and_degree_status(ptz):
    # Limits may come in any absolute space; the degrees of pan 0.5 are half the pan range.
    half = geo.pan_degrees(0.5)
    set_limits(ptz, (str(-half), str(half)), space=PT + "SphericalPositionSpaceDegrees")
    cfg = configuration(ptz)
    low, high = (float(v) for v in texts(cfg, "tt:PanTiltLimits/tt:Range/tt:XRange/*"))
    assert low == pytest.approx(-0.5) and high == pytest.approx(0.5)
    fails(ptz, absolute(pan_tilt(0.6, 0)), INVALID_POSITION)


def _config_change(path: str, text: str) -> Callable[[etree._Element], None]:
    return lambda cfg: replace(cfg, path, text)


@pytest.mark.parametrize(
    "change",
    [
        _config_change("tt:DefaultAbsolutePantTiltPositionSpace", PT + "VelocityGenericSpace"),  # wrong kind
        _config_change("tt:DefaultRelativeZoomTranslationSpace", "http://example.com/nowhere"),
        _config_change("tt:DefaultPTZSpeed/tt:PanTilt/@x", "1.5"),
        _config_change("tt:DefaultPTZSpeed/tt:Zoom/@x", "-0.1"),
        _config_change("tt:DefaultPTZSpeed/tt:Zoom/@space", ZS + "VelocityGenericSpace"),
        _config_change("tt:DefaultPTZTimeout", "PT0S"),
        _config_change("tt:DefaultPTZTimeout", "PT1H"),
        _config_change("tt:PanTiltLimits/tt:Range/tt:XRange/tt:Min", "2"),
        _config_change("tt:PanTiltLimits/tt:Range/tt:XRange/tt:Min", "NaN"),
        _config_change("tt:PanTiltLimits/tt:Range/tt:URI", PT + "TranslationGenericSpace"),
        _config_change("tt:ZoomLimits/tt:Range/tt:XRange/tt:Min", "1.5"),
        lambda cfg: (
            replace(cfg, "tt:ZoomLimits/tt:Range/tt:XRange/tt:Min", "0.9"),
            replace(cfg, "tt:ZoomLimits/tt:Range/tt:XRange/tt:Max", "0.1"),
        ),
        _config_change("tt:Extension/tt:PTControlDirection/tt:EFlip/tt:Mode", "Extended"),
        _config_change("tt:Extension/tt:PTControlDirection/tt:Reverse/tt:Mode", "AUTO"),
        _config_change("tt:NodeToken", "PTZNode_2"),
    ],
    ids=[
        "velocity space as position default", "unknown space", "pan/tilt speed above 1", "negative zoom speed",
        "velocity space for a speed", "zero timeout", "timeout too long", "limit outside the space",
        "NaN limit", "limits in a translation space", "zoom limit outside the space", "zoom min above max",
        "EFlip Extended", "Reverse AUTO", "node changed",
    ],
)  # fmt: skip
def test_set_configuration_refuses_what_the_node_cannot_do(ptz, change):
    before = etree.tostring(configuration(ptz))
    cfg = configuration(ptz)
    change(cfg)
    inner = etree.tostring(cfg).decode() + "<tptz:ForcePersistence>false</tptz:ForcePersistence>"
    fails(ptz, op("SetConfiguration", inner), CONFIG_MODIFY)
    assert etree.tostring(configuration(ptz)) == before


def test_compatible_configurations(ptz, soap):
    found = ptz.call(op("GetCompatibleConfigurations", "<tptz:ProfileToken>Profile_2</tptz:ProfileToken>"))
    assert [c.get("token") for c in found.findall("tptz:PTZConfiguration", NS)] == ["PTZConfig_1"]
    token = soap.call("<trt:CreateProfile><trt:Name>Empty</trt:Name></trt:CreateProfile>").find(
        "trt:Profile", NS
    ).get("token")
    empty = ptz.call(op("GetCompatibleConfigurations", f"<tptz:ProfileToken>{token}</tptz:ProfileToken>"))
    assert len(empty) == 0  # a PTZ configuration needs a video source in the profile
    fails(ptz, op("GetCompatibleConfigurations", "<tptz:ProfileToken>Nope</tptz:ProfileToken>"), NO_PROFILE)


# --- moving -------------------------------------------------------------------------------------------


def test_continuous_move_then_stop(ptz):
    start = status(ptz)
    assert (start["pan_tilt"], start["zoom_state"]) == ("IDLE", "IDLE")
    assert start["spaces"] == (PT + "PositionGenericSpace", ZS + "PositionGenericSpace")
    ptz.call(continuous(pan_tilt(0.1, -0.05) + zoom(0.2), timeout="PT60S"))
    moving = status(ptz)
    assert (moving["pan_tilt"], moving["zoom_state"]) == ("MOVING", "MOVING")
    wait_for(lambda: status(ptz)["pan"] > start["pan"])
    ptz.call(on("Stop", "<tptz:PanTilt>false</tptz:PanTilt>"))  # only zoom stops
    after = status(ptz)
    assert (after["pan_tilt"], after["zoom_state"]) == ("MOVING", "IDLE")
    ptz.call(on("Stop"))
    stopped = status(ptz)
    assert (stopped["pan_tilt"], stopped["zoom_state"]) == ("IDLE", "IDLE")
    assert stopped["pan"] > start["pan"] and stopped["tilt"] < start["tilt"] and stopped["zoom"] > start["zoom"]
    assert status(ptz)["pan"] == stopped["pan"]  # it stays where it stopped


def test_continuous_move_with_a_fraction_of_a_second_stops_by_itself(ptz):
    ptz.call(continuous(pan_tilt(0.2, 0), timeout="PT0.5S"))
    assert status(ptz)["pan_tilt"] == "MOVING"
    stopped = wait_for(lambda: idle(ptz))
    assert 0 < stopped["pan"] <= 0.1 + 1e-6  # at most 0.5 s at 0.2 of full speed (1 unit/s)


def test_continuous_move_without_a_timeout_takes_the_configurations(ptz, running_camera):
    set_configuration(ptz, edited(ptz, _config_change("tt:DefaultPTZTimeout", "PT0.2S")))
    ptz.call(continuous(zoom(0.5)))
    wait_for(lambda: idle(ptz))
    assert 0 < running_camera.camera.ptz.position().zoom <= 0.05 + 1e-6  # 0.2 s at 0.25 units/s


def test_continuous_move_zero_velocity_stops_that_axis(ptz):
    ptz.call(continuous(pan_tilt(0.2, 0) + zoom(0.2), timeout="PT60S"))
    ptz.call(continuous(zoom(0)))
    now = status(ptz)
    assert (now["pan_tilt"], now["zoom_state"]) == ("MOVING", "IDLE")
    ptz.call(on("Stop"))


def test_absolute_move_reaches_its_target(ptz):
    ptz.call(absolute(pan_tilt(0.4, -0.3) + zoom(0.5)))
    assert status(ptz)["pan_tilt"] == "MOVING"
    done = wait_for(lambda: idle(ptz))
    assert (done["pan"], done["tilt"], done["zoom"]) == pytest.approx((0.4, -0.3, 0.5))


def test_absolute_move_in_degrees_and_millimetres(ptz):
    degrees = PT + "SphericalPositionSpaceDegrees"
    millimetres = ZS + "PositionSpaceMillimeter"
    ptz.call(absolute(pan_tilt(-30, 4, degrees) + zoom(geo.focal_mm(0.5), millimetres), speed(pan_tilt(1, 1))))
    done = wait_for(lambda: idle(ptz))
    expected = (geo.pan_of_degrees(-30), geo.tilt_of_degrees(4), 0.5)
    assert (done["pan"], done["tilt"], done["zoom"]) == pytest.approx(expected)
    # With degrees as the default space, the status speaks degrees too.
    set_configuration(ptz, edited(ptz, _config_change("tt:DefaultAbsolutePantTiltPositionSpace", degrees)))
    now = status(ptz)
    assert now["spaces"][0] == degrees
    assert (now["pan"], now["tilt"]) == pytest.approx((-30, 4))


def test_a_move_with_neither_part_changes_nothing(ptz):
    ptz.call(continuous(pan_tilt(0.1, 0), timeout="PT60S"))
    for body in (absolute(""), relative(""), continuous("")):
        ptz.call(body)
        assert status(ptz)["pan_tilt"] == "MOVING"
    ptz.call(on("Stop", "<tptz:PanTilt>false</tptz:PanTilt><tptz:Zoom>false</tptz:Zoom>"))
    assert status(ptz)["pan_tilt"] == "MOVING"
    ptz.call(on("Stop"))


def test_relative_move_in_the_generic_space(ptz):
    move_to(ptz, 0.1, 0.1, 0.0)
    ptz.call(relative(pan_tilt(0.2, -0.1) + zoom(0.3), speed(pan_tilt(1, 1) + zoom(1))))
    done = wait_for(lambda: idle(ptz))
    assert (done["pan"], done["tilt"], done["zoom"]) == pytest.approx((0.3, 0.0, 0.3))


@pytest.mark.parametrize("zoom_at", [0.0, 0.5])
def test_relative_move_in_the_fov_space_moves_by_half_the_field_of_view(ptz, zoom_at):
    move_to(ptz, 0.0, 0.0, zoom_at)
    ptz.call(relative(pan_tilt(1, -0.5, PT + "TranslationSpaceFov")))
    done = wait_for(lambda: idle(ptz))
    hfov, vfov = geo.field_of_view_degrees(zoom_at)
    assert done["pan"] == pytest.approx(geo.pan_of_degrees(hfov / 2))
    assert done["tilt"] == pytest.approx(geo.tilt_of_degrees(-vfov / 4))
    assert done["pan"] == pytest.approx(geo.fov_translation(1, -0.5, zoom_at)[0])


def test_relative_move_stops_at_the_limits(ptz):
    set_limits(ptz, ("-0.5", "0.5"))
    ptz.call(relative(pan_tilt(0.9, 0)))
    assert wait_for(lambda: idle(ptz))["pan"] == pytest.approx(0.5)
    ptz.call(continuous(pan_tilt(-1, 0)))
    assert wait_for(lambda: idle(ptz))["pan"] == pytest.approx(-0.5)
    fails(ptz, absolute(pan_tilt(0.8, 0)), INVALID_POSITION)
    ptz.call(absolute(pan_tilt(0.5, 0)))  # the limit itself is reachable


def test_reverse_mirrors_what_the_client_sees(ptz, running_camera):
    set_configuration(
        ptz, edited(ptz, _config_change("tt:Extension/tt:PTControlDirection/tt:Reverse/tt:Mode", "ON"))
    )
    done = move_to(ptz, 0.4, 0.2, 0.0)
    assert (done["pan"], done["tilt"]) == pytest.approx((0.4, 0.2))
    head = running_camera.camera.ptz.position()
    assert (head.pan, head.tilt) == pytest.approx((-0.4, -0.2))  # the head itself turned the other way


@pytest.mark.parametrize(
    ("body", "codes"),
    [
        (absolute(pan_tilt(0, 0, PT + "VelocityGenericSpace")), SPACE_NOT_SUPPORTED),
        (absolute(zoom(0, "http://example.com/zoom")), SPACE_NOT_SUPPORTED),
        (absolute(pan_tilt(1.5, 0)), INVALID_POSITION),
        (absolute(zoom(-0.1)), INVALID_POSITION),
        (absolute(pan_tilt("INF", 0)), INVALID_POSITION),
        (absolute(pan_tilt(0, 0), speed(pan_tilt(2, 2))), INVALID_SPEED),
        (absolute(pan_tilt(0, 0), speed(zoom(0.5, ZS + "TranslationGenericSpace"))), SPACE_NOT_SUPPORTED),
        (relative(pan_tilt(0, 1.5)), INVALID_TRANSLATION),
        (relative(pan_tilt(0, 0, PT + "PositionGenericSpace")), SPACE_NOT_SUPPORTED),
        (relative(zoom(2)), INVALID_TRANSLATION),
        (continuous(pan_tilt(1.1, 0)), INVALID_VELOCITY),
        (continuous(zoom("NaN")), INVALID_VELOCITY),
        (continuous(pan_tilt(0.1, 0), timeout="PT0S"), TIMEOUT_NOT_SUPPORTED),
        (continuous(pan_tilt(0.1, 0), timeout="PT11M"), TIMEOUT_NOT_SUPPORTED),
        (continuous(pan_tilt(0.1, 0), timeout="soon"), invalid()),
        (continuous(pan_tilt("left", 0)), invalid()),
        (continuous('<tt:PanTilt x="0.1"/>'), INVALID_ARGS),
        (on("ContinuousMove"), INVALID_ARGS),
        (on("AbsoluteMove"), INVALID_ARGS),
        (on("RelativeMove"), INVALID_ARGS),
        (on("Stop", "<tptz:PanTilt>maybe</tptz:PanTilt>"), invalid()),
    ],
    ids=[
        "velocity space for a position", "unknown zoom space", "pan beyond 1", "zoom below 0", "infinite pan",
        "speed beyond 1", "translation space for a speed", "tilt translation beyond 1", "position space for a translation",
        "zoom translation beyond 1", "velocity beyond 1", "NaN velocity", "zero timeout", "timeout too long",
        "timeout not a duration", "coordinate not a number", "y missing", "no velocity", "no position",
        "no translation", "stop flag not a boolean",
    ],
)  # fmt: skip
def test_move_faults(ptz, body, codes):
    fails(ptz, body, codes)
    assert idle(ptz)  # nothing moved


def test_profile_faults_for_every_profile_operation(ptz, soap):
    token = soap.call("<trt:CreateProfile><trt:Name>Empty</trt:Name></trt:CreateProfile>").find(
        "trt:Profile", NS
    ).get("token")
    operations = {
        "AbsoluteMove": f"<tptz:Position>{pan_tilt(0, 0)}</tptz:Position>",
        "RelativeMove": f"<tptz:Translation>{pan_tilt(0, 0)}</tptz:Translation>",
        "ContinuousMove": f"<tptz:Velocity>{pan_tilt(0, 0)}</tptz:Velocity>",
        "Stop": "",
        "GetStatus": "",
        "GetPresets": "",
        "SetPreset": "",
        "RemovePreset": "<tptz:PresetToken>Preset_1</tptz:PresetToken>",
        "GotoPreset": "<tptz:PresetToken>Preset_1</tptz:PresetToken>",
        "GotoHomePosition": "",
        "SetHomePosition": "",
        "SendAuxiliaryCommand": "<tptz:AuxiliaryData>tt:Wiper|On</tptz:AuxiliaryData>",
        "GetPresetTours": "",
        "GetPresetTour": "<tptz:PresetTourToken>PresetTour_1</tptz:PresetTourToken>",
        "GetPresetTourOptions": "",
        "CreatePresetTour": "",
        "ModifyPresetTour": '<tptz:PresetTour token="PresetTour_1"/>',
        "OperatePresetTour": "<tptz:PresetTourToken>PresetTour_1</tptz:PresetTourToken><tptz:Operation>Start</tptz:Operation>",
        "RemovePresetTour": "<tptz:PresetTourToken>PresetTour_1</tptz:PresetTourToken>",
    }  # fmt: skip
    for name, inner in operations.items():
        fails(ptz, on(name, inner, profile="Nope"), NO_PROFILE)
        fails(ptz, on(name, inner, profile=token), NO_PTZ_PROFILE)
        fails(ptz, op(name, inner), INVALID_ARGS)


def test_geo_move_and_tracking_are_not_supported(ptz):
    target = '<tptz:Target lon="8.5" lat="47.4" elevation="400"/>'
    fails(ptz, on("GeoMove", target), ACTION_NOT_SUPPORTED)
    fails(ptz, on("MoveAndStartTracking"), ACTION_NOT_SUPPORTED)


# --- presets, home, auxiliary commands --------------------------------------------------------------


def presets(client: SoapClient) -> dict[str, tuple]:
    found = client.call(on("GetPresets")).findall("tptz:Preset", NS)
    return {p.get("token"): (p.findtext("tt:Name", namespaces=NS), *vector(p.find("tt:PTZPosition", NS))[:3]) for p in found}


def set_preset(client: SoapClient, name: str | None = None, token: str | None = None) -> str:
    inner = (f"<tptz:PresetName>{name}</tptz:PresetName>" if name else "") + (
        f"<tptz:PresetToken>{token}</tptz:PresetToken>" if token else ""
    )
    return client.call(on("SetPreset", inner)).findtext("tptz:PresetToken", namespaces=NS)


def test_presets_set_listed_recalled_and_removed(ptz):
    assert presets(ptz) == {}
    move_to(ptz, 0.5, 0.25, 0.5)
    door = set_preset(ptz, "Door")
    move_to(ptz, -0.5, 0.0, 0.0)
    gate = set_preset(ptz)  # no name: the token names it
    assert presets(ptz) == {door: ("Door", 0.5, 0.25, 0.5), gate: (gate, -0.5, 0.0, 0.0)}
    ptz.call(on("GotoPreset", f"<tptz:PresetToken>{door}</tptz:PresetToken>" + speed(pan_tilt(1, 1) + zoom(1))))
    done = wait_for(lambda: idle(ptz))
    assert (done["pan"], done["tilt"], done["zoom"]) == pytest.approx((0.5, 0.25, 0.5))
    move_to(ptz, 0.1, 0.1, 0.1)
    assert set_preset(ptz, "Front door", door) == door  # overwritten in place, renamed
    assert presets(ptz)[door] == ("Front door", 0.1, 0.1, 0.1)
    ptz.call(on("RemovePreset", f"<tptz:PresetToken>{gate}</tptz:PresetToken>"))
    assert list(presets(ptz)) == [door]


def test_preset_positions_are_shown_through_the_configuration(ptz):
    move_to(ptz, 0.5, -0.25, 0.0)
    token = set_preset(ptz, "Corner")
    set_configuration(
        ptz, edited(ptz, _config_change("tt:Extension/tt:PTControlDirection/tt:Reverse/tt:Mode", "ON"))
    )
    assert presets(ptz)[token][1:3] == (-0.5, 0.25)
    assert (status(ptz)["pan"], status(ptz)["tilt"]) == pytest.approx((-0.5, 0.25))


def test_preset_faults(ptz):
    first = set_preset(ptz, "One")
    fails(ptz, on("SetPreset", "<tptz:PresetName>One</tptz:PresetName>"), invalid("PresetExist"))
    fails(ptz, on("SetPreset", f"<tptz:PresetName>{'x' * 65}</tptz:PresetName>"), invalid("InvalidPresetName"))
    fails(ptz, on("SetPreset", "<tptz:PresetToken>Preset_9</tptz:PresetToken>"), NO_TOKEN)
    fails(ptz, on("GotoPreset", "<tptz:PresetToken>Preset_9</tptz:PresetToken>"), NO_TOKEN)
    fails(ptz, on("RemovePreset", "<tptz:PresetToken>Preset_9</tptz:PresetToken>"), NO_TOKEN)
    fails(ptz, on("GotoPreset", f"<tptz:PresetToken>{first}</tptz:PresetToken>" + speed(pan_tilt(3, 3))), INVALID_SPEED)
    ptz.call(continuous(pan_tilt(0.1, 0), timeout="PT60S"))
    fails(ptz, on("SetPreset", "<tptz:PresetName>Moving</tptz:PresetName>"), MOVING_PTZ)
    fails(ptz, on("SetHomePosition"), MOVING_PTZ)
    ptz.call(on("Stop"))
    for n in range(MAX_PRESETS - 1):
        set_preset(ptz, f"More {n}")
    fails(ptz, on("SetPreset", "<tptz:PresetName>Too many</tptz:PresetName>"), TOO_MANY_PRESETS)
    assert len(presets(ptz)) == MAX_PRESETS


def test_home_position(ptz):
    ptz.call(on("GotoHomePosition"))  # the factory home: centre, widest
    done = wait_for(lambda: idle(ptz))
    assert (done["pan"], done["tilt"], done["zoom"]) == pytest.approx((0, 0, 0))
    move_to(ptz, -0.3, 0.2, 0.4)
    ptz.call(on("SetHomePosition"))
    move_to(ptz, 0.6, -0.6, 0.0)
    ptz.call(on("GotoHomePosition", speed(pan_tilt(0.5, 0.5) + zoom(1))))
    done = wait_for(lambda: idle(ptz))
    assert (done["pan"], done["tilt"], done["zoom"]) == pytest.approx((-0.3, 0.2, 0.4))
    fails(ptz, on("GotoHomePosition", speed(zoom(-1))), INVALID_SPEED)


def test_auxiliary_commands(ptz, running_camera):
    answer = ptz.call(on("SendAuxiliaryCommand", "<tptz:AuxiliaryData>tt:Wiper|On</tptz:AuxiliaryData>"))
    assert texts(answer, "tptz:AuxiliaryResponse") == ["tt:Wiper|On"]
    assert running_camera.camera.ptz.auxiliary == {"tt:Wiper": "On"}
    fails(ptz, on("SendAuxiliaryCommand", "<tptz:AuxiliaryData>tt:Heater|On</tptz:AuxiliaryData>"), invalid())


# --- preset tours ----------------------------------------------------------------------------------


def tour_xml(token: str, *spots: str, name: str = "Patrol", auto: bool = False, condition: str = "", random: str = "") -> str:
    attribute = f' RandomPresetOrder="{random}"' if random else ""
    return (
        f'<tptz:PresetTour token="{token}"><tt:Name>{name}</tt:Name>'
        "<tt:Status><tt:State>Touring</tt:State></tt:Status>"  # ignored, as the spec says
        f"<tt:AutoStart>{str(auto).lower()}</tt:AutoStart>"
        f"<tt:StartingCondition{attribute}>{condition}</tt:StartingCondition>{''.join(spots)}</tptz:PresetTour>"
    )


def spot_speed(inner: str) -> str:
    return f"<tt:Speed>{inner}</tt:Speed>"


def spot(detail: str, stay: str = "PT0S", speed_xml: str = "") -> str:
    return f"<tt:TourSpot><tt:PresetDetail>{detail}</tt:PresetDetail>{speed_xml}<tt:StayTime>{stay}</tt:StayTime></tt:TourSpot>"


def tour_state(client: SoapClient, token: str) -> str:
    found = client.call(on("GetPresetTour", f"<tptz:PresetTourToken>{token}</tptz:PresetTourToken>"))
    return found.findtext("tptz:PresetTour/tt:Status/tt:State", namespaces=NS)


def operate(client: SoapClient, token: str, operation: str) -> etree._Element:
    inner = f"<tptz:PresetTourToken>{token}</tptz:PresetTourToken><tptz:Operation>{operation}</tptz:Operation>"
    return on("OperatePresetTour", inner)


def test_a_preset_tour_from_creation_to_removal(ptz):
    move_to(ptz, 0.2, 0.0, 0.0)
    preset = set_preset(ptz, "A")
    options = ptz.call(on("GetPresetTourOptions")).find("tptz:Options", NS)
    assert texts(options, "tt:TourSpot/tt:PresetDetail/tt:PresetToken") == [preset]
    assert texts(options, "tt:StartingCondition/tt:Direction") == ["Forward", "Backward"]
    assert texts(options, "tt:TourSpot/tt:StayTime/*") == ["PT0S", "PT3600S"]
    token = ptz.call(on("CreatePresetTour")).findtext("tptz:PresetTourToken", namespaces=NS)
    assert tour_state(ptz, token) == "Idle"
    degrees = f'<tt:PTZPosition>{pan_tilt(-30, 0, PT + "SphericalPositionSpaceDegrees")}{zoom(0.2)}</tt:PTZPosition>'
    spots = (
        spot(f"<tt:PresetToken>{preset}</tt:PresetToken>", "PT0.2S", spot_speed(pan_tilt(1, 1) + zoom(1))),
        spot("<tt:Home>true</tt:Home>"),
        spot(degrees, "PT0.1S"),
    )
    condition = "<tt:RecurringTime>2</tt:RecurringTime><tt:RecurringDuration>PT1M</tt:RecurringDuration><tt:Direction>Backward</tt:Direction>"
    ptz.call(on("ModifyPresetTour", tour_xml(token, *spots, condition=condition, random="false")))
    tour = ptz.call(on("GetPresetTour", f"<tptz:PresetTourToken>{token}</tptz:PresetTourToken>")).find(
        "tptz:PresetTour", NS
    )
    assert texts(tour, "tt:Name") == ["Patrol"]
    assert texts(tour, "tt:Status/tt:State") == ["Idle"]
    assert texts(tour, "tt:StartingCondition/*") == ["2", "PT60S", "Backward"]
    assert texts(tour, "tt:TourSpot/tt:PresetDetail/tt:PresetToken") == [preset]
    assert texts(tour, "tt:TourSpot/tt:PresetDetail/tt:Home") == ["true"]
    x, y, z, _, _ = vector(tour.find("tt:TourSpot/tt:PresetDetail/tt:PTZPosition", NS))
    assert (x, y, z) == pytest.approx((geo.pan_of_degrees(-30), 0, 0.2))
    assert texts(tour, "tt:TourSpot/tt:StayTime") == ["PT0.2S", "PT0S", "PT0.1S"]
    assert texts(tour, "tt:TourSpot/tt:Speed/*/@x") == ["1.0", "1.0"]
    listed = ptz.call(on("GetPresetTours")).findall("tptz:PresetTour", NS)
    assert [t.get("token") for t in listed] == [token]

    ptz.call(operate(ptz, token, "Start"))
    assert tour_state(ptz, token) == "Touring"
    current = ptz.call(on("GetPresetTour", f"<tptz:PresetTourToken>{token}</tptz:PresetTourToken>"))
    assert current.find("tptz:PresetTour/tt:Status/tt:CurrentTourSpot", NS) is not None
    fails(ptz, operate(ptz, token, "Extended"), ACTIVATION_FAILED)
    ptz.call(operate(ptz, token, "Pause"))
    assert tour_state(ptz, token) == "Paused"
    ptz.call(operate(ptz, token, "Start"))
    assert tour_state(ptz, token) == "Touring"
    ptz.call(operate(ptz, token, "Stop"))
    assert tour_state(ptz, token) == "Idle"
    fails(ptz, operate(ptz, token, "Pause"), ACTIVATION_FAILED)  # not touring

    ptz.call(on("RemovePresetTour", f"<tptz:PresetTourToken>{token}</tptz:PresetTourToken>"))
    assert ptz.call(on("GetPresetTours")).findall("tptz:PresetTour", NS) == []
    fails(ptz, on("GetPresetTour", f"<tptz:PresetTourToken>{token}</tptz:PresetTourToken>"), NO_TOKEN)


def test_a_tour_runs_its_rounds_and_ends(ptz):
    move_to(ptz, 0.1, 0.0, 0.0)
    first = set_preset(ptz, "First")
    token = ptz.call(on("CreatePresetTour")).findtext("tptz:PresetTourToken", namespaces=NS)
    spots = (spot(f"<tt:PresetToken>{first}</tt:PresetToken>"), spot(f"<tt:PTZPosition>{pan_tilt(0.2, 0)}</tt:PTZPosition>"))
    condition = "<tt:RecurringTime>1</tt:RecurringTime>"
    ptz.call(on("ModifyPresetTour", tour_xml(token, *spots, condition=condition)))
    ptz.call(operate(ptz, token, "Start"))
    wait_for(lambda: tour_state(ptz, token) == "Idle")
    done = wait_for(lambda: idle(ptz))
    assert done["pan"] == pytest.approx(0.2)  # the last spot of the one round
    assert done["zoom"] == pytest.approx(0.0)  # the spot left zoom out: it stays where it was


def test_a_move_interrupts_a_touring_tour(ptz):
    first = set_preset(ptz, "First")
    token = ptz.call(on("CreatePresetTour")).findtext("tptz:PresetTourToken", namespaces=NS)
    spots = (spot(f"<tt:PresetToken>{first}</tt:PresetToken>", "PT1H"),)
    ptz.call(on("ModifyPresetTour", tour_xml(token, *spots)))
    ptz.call(operate(ptz, token, "Start"))
    assert tour_state(ptz, token) == "Touring"
    ptz.call(continuous(pan_tilt(0.1, 0)))
    assert tour_state(ptz, token) == "Idle"
    ptz.call(on("Stop"))


def test_only_one_tour_auto_starts(ptz):
    first = set_preset(ptz, "First")
    tours = [ptz.call(on("CreatePresetTour")).findtext("tptz:PresetTourToken", namespaces=NS) for _ in range(2)]
    detail = spot(f"<tt:PresetToken>{first}</tt:PresetToken>")
    for token in tours:
        ptz.call(on("ModifyPresetTour", tour_xml(token, detail, auto=True)))
    listed = ptz.call(on("GetPresetTours")).findall("tptz:PresetTour", NS)
    assert [t.findtext("tt:AutoStart", namespaces=NS) for t in listed] == ["false", "true"]


def test_preset_tour_faults(ptz):
    preset = set_preset(ptz, "P")
    token = ptz.call(on("CreatePresetTour")).findtext("tptz:PresetTourToken", namespaces=NS)
    ptz.call(on("CreatePresetTour"))
    fails(ptz, on("CreatePresetTour"), invalid("TooManyPresetTours"))
    good = spot(f"<tt:PresetToken>{preset}</tt:PresetToken>")
    bad = [
        (tour_xml(token, spot("<tt:Home>false</tt:Home>")), INVALID_PRESET_TOUR),
        (tour_xml(token, spot(f"<tt:PresetToken>{preset}</tt:PresetToken><tt:Home>true</tt:Home>")), INVALID_PRESET_TOUR),
        (tour_xml(token, good, condition="<tt:Direction>Extended</tt:Direction>"), INVALID_PRESET_TOUR),
        (tour_xml(token, good, condition="<tt:RecurringTime>0</tt:RecurringTime>"), INVALID_PRESET_TOUR),
        (tour_xml(token, good, condition="<tt:RecurringDuration>PT0S</tt:RecurringDuration>"), INVALID_PRESET_TOUR),
        (tour_xml(token, spot(f"<tt:PresetToken>{preset}</tt:PresetToken>", "PT2H")), INVALID_PRESET_TOUR),
        (tour_xml(token, spot(f"<tt:PTZPosition>{pan_tilt(2, 0)}</tt:PTZPosition>")), INVALID_PRESET_TOUR),
        (tour_xml(token, spot(f"<tt:PresetToken>{preset}</tt:PresetToken>", speed_xml=spot_speed(zoom(3)))), INVALID_PRESET_TOUR),
        (tour_xml(token, good, random="perhaps"), invalid()),
        (tour_xml(token, spot(f"<tt:PTZPosition>{pan_tilt(0, 0, PT + 'Nowhere')}</tt:PTZPosition>")), SPACE_NOT_SUPPORTED),
        (tour_xml(token, good, name="x" * 65), INVALID_PRESET_TOUR),
        (tour_xml(token, spot("<tt:PresetToken>Preset_9</tt:PresetToken>")), NO_TOKEN),
        (tour_xml("PresetTour_9", good), NO_TOKEN),
        (tour_xml("", good), NO_TOKEN),
        (tour_xml(token, *[good] * 33), invalid("TooManyPresets")),
        (f'<tptz:PresetTour token="{token}"><tt:AutoStart>false</tt:AutoStart></tptz:PresetTour>', INVALID_ARGS),
    ]  # fmt: skip
    for body, codes in bad:
        fails(ptz, on("ModifyPresetTour", body), codes)
    fails(ptz, operate(ptz, token, "Start"), ACTIVATION_FAILED)  # no spots: nothing to tour
    fails(ptz, operate(ptz, token, "Jump"), invalid())
    fails(ptz, operate(ptz, "PresetTour_9", "Start"), NO_TOKEN)
    fails(ptz, on("RemovePresetTour", "<tptz:PresetTourToken>PresetTour_9</tptz:PresetTourToken>"), NO_TOKEN)
    body = on("GetPresetTourOptions", "<tptz:PresetTourToken>PresetTour_9</tptz:PresetTourToken>")
    fails(ptz, body, NO_TOKEN)


def test_removing_a_preset_takes_it_out_of_tours(ptz):
    keep, drop = set_preset(ptz, "Keep"), set_preset(ptz, "Drop")
    token = ptz.call(on("CreatePresetTour")).findtext("tptz:PresetTourToken", namespaces=NS)
    spots = [spot(f"<tt:PresetToken>{p}</tt:PresetToken>") for p in (keep, drop)]
    ptz.call(on("ModifyPresetTour", tour_xml(token, *spots)))
    ptz.call(on("RemovePreset", f"<tptz:PresetToken>{drop}</tptz:PresetToken>"))
    tour = ptz.call(on("GetPresetTour", f"<tptz:PresetTourToken>{token}</tptz:PresetTourToken>"))
    assert texts(tour, "tptz:PresetTour/tt:TourSpot/tt:PresetDetail/tt:PresetToken") == [keep]


# --- events, access, persistence, a fixed camera ----------------------------------------------------


def pull_point(cam, schemas) -> SoapClient:
    events_url = cam.service_url("events")
    client = SoapClient(events_url, cam.username, cam.password, schemas)
    body = (
        f'<tev:CreatePullPointSubscription xmlns:tev="{TEV}">'
        "<tev:InitialTerminationTime>PT60S</tev:InitialTerminationTime></tev:CreatePullPointSubscription>"
    )
    address = client.call(body).findtext("tev:SubscriptionReference/wsa:Address", namespaces=NS)
    client.url = address
    return client


def pulled(client: SoapClient) -> list[tuple[str, dict, dict]]:
    body = (
        f'<tev:PullMessages xmlns:tev="{TEV}"><tev:Timeout>PT1S</tev:Timeout>'
        "<tev:MessageLimit>100</tev:MessageLimit></tev:PullMessages>"
    )
    found = []
    for holder in client.call(body).iterfind("wsnt:NotificationMessage", NS):
        message = holder.find("wsnt:Message/tt:Message", NS)
        items = [
            {i.get("Name"): i.get("Value") for i in message.iterfind(f"tt:{group}/tt:SimpleItem", NS)}
            for group in ("Source", "Data")
        ]
        found.append((holder.findtext("wsnt:Topic", namespaces=NS), *items))
    return found


def test_preset_moves_raise_invoked_then_reached_then_left(ptz, running_camera, onvif_schemas):
    move_to(ptz, 0.3, 0.0, 0.0)
    token = set_preset(ptz, "Gate")
    move_to(ptz, 0.0, 0.0, 0.0)
    events = pull_point(running_camera, onvif_schemas)
    try:
        pulled(events)  # the initial properties
        ptz.call(on("GotoPreset", f"<tptz:PresetToken>{token}</tptz:PresetToken>"))
        heard: list = []

        def reached():
            heard.extend(pulled(events))
            return any(topic.endswith("PTZPresets/Reached") for topic, _, _ in heard)

        wait_for(reached)
        ptz.call(relative(pan_tilt(0.1, 0)))
        wait_for(lambda: heard.extend(pulled(events)) or any(t.endswith("PTZPresets/Left") for t, _, _ in heard))
    finally:
        events.close()
    preset_events = [(t.rpartition("/")[2], source, data) for t, source, data in heard if "PTZPresets" in t]
    expected_items = ({"PTZConfigurationToken": "PTZConfig_1"}, {"PresetToken": token, "PresetName": "Gate"})
    assert preset_events == [(name, *expected_items) for name in ("Invoked", "Reached", "Left")]


def test_access_classes_follow_the_spec(running_camera, onvif_schemas):
    url = ptz_url(running_camera)
    viewer = SoapClient(url, "viewer", "viewer", onvif_schemas)
    operator = SoapClient(url, "op", "op", onvif_schemas)
    try:
        for body in (op("GetNodes"), op("GetConfigurations"), on("GetStatus"), on("GetPresets"), on("GetPresetTours")):
            viewer.call(body)  # READ_MEDIA
            assert viewer.fault(body, auth="none", status=401) == NOT_AUTHORIZED
        for body in (continuous(pan_tilt(0.1, 0)), on("Stop"), on("SetPreset"), on("CreatePresetTour")):
            fails(viewer, body, NOT_AUTHORIZED)  # ACTUATE
        operator.call(continuous(pan_tilt(0.1, 0)))
        operator.call(on("Stop"))
        set_configuration(operator, configuration(operator))
    finally:
        viewer.close()
        operator.close()


def test_presets_tours_home_and_configuration_survive_a_restart(tmp_path, onvif_schemas):
    state_dir = str(tmp_path / "state")
    with ThreadedCamera(state_dir=state_dir) as cam:
        client = SoapClient(ptz_url(cam), cam.username, cam.password, onvif_schemas)
        move_to(client, 0.4, -0.2, 0.3)
        token = set_preset(client, "Kept")
        client.call(on("SetHomePosition"))
        tour = client.call(on("CreatePresetTour")).findtext("tptz:PresetTourToken", namespaces=NS)
        client.call(on("ModifyPresetTour", tour_xml(tour, spot(f"<tt:PresetToken>{token}</tt:PresetToken>"))))
        set_configuration(client, edited(client, _config_change("tt:DefaultPTZTimeout", "PT2.5S")))
        move_to(client, -0.1, 0.1, 0.0)
        client.close()
    with ThreadedCamera(state_dir=state_dir) as cam:
        client = SoapClient(ptz_url(cam), cam.username, cam.password, onvif_schemas)
        assert presets(client)[token] == ("Kept", 0.4, -0.2, 0.3)
        assert texts(configuration(client), "tt:DefaultPTZTimeout") == ["PT2.5S"]
        assert [t.get("token") for t in client.call(on("GetPresetTours")).findall("tptz:PresetTour", NS)] == [tour]
        where = status(client)
        assert (where["pan"], where["tilt"], where["zoom"]) == pytest.approx((-0.1, 0.1, 0.0))  # where it stood
        client.call(on("GotoHomePosition"))
        home = wait_for(lambda: idle(client))
        assert (home["pan"], home["tilt"], home["zoom"]) == pytest.approx((0.4, -0.2, 0.3))
        client.close()


def test_a_fixed_camera_has_no_node(onvif_schemas):
    with ThreadedCamera(Config.model_validate({"ptz": {"enabled": False}})) as cam:
        client = SoapClient(ptz_url(cam), cam.username, cam.password, onvif_schemas)
        try:
            assert len(client.call(op("GetNodes"))) == 0
            assert len(client.call(op("GetConfigurations"))) == 0
            found = client.call(op("GetCompatibleConfigurations", "<tptz:ProfileToken>Profile_1</tptz:ProfileToken>"))
            assert len(found) == 0
            fails(client, op("GetNode", "<tptz:NodeToken>PTZNode_1</tptz:NodeToken>"), NO_ENTITY)
            body = op("GetConfiguration", "<tptz:PTZConfigurationToken>PTZConfig_1</tptz:PTZConfigurationToken>")
            fails(client, body, NO_CONFIG)
            body = op("GetConfigurationOptions", "<tptz:ConfigurationToken>PTZConfig_1</tptz:ConfigurationToken>")
            fails(client, body, NO_CONFIG)
            fails(client, continuous(pan_tilt(0.1, 0)), NO_PTZ_PROFILE)
            fails(client, on("GetStatus"), NO_PTZ_PROFILE)
            profiles = client.call("<trt:GetProfiles/>")
            assert profiles.findall("trt:Profiles/tt:PTZConfiguration", NS) == []
            # Nor does it announce a PTZ service, in GetServices or the legacy GetCapabilities.
            services = client.call("<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>")
            assert TPTZ not in [s.findtext("tds:Namespace", namespaces=NS) for s in services]
            capabilities = client.call("<tds:GetCapabilities/>").find("tds:Capabilities", NS)
            assert capabilities.find("tt:PTZ", NS) is None and capabilities.find("tt:Imaging", NS) is not None
            fails(client, "<tds:GetCapabilities><tds:Category>PTZ</tds:Category></tds:GetCapabilities>", NO_SUCH_SERVICE)
        finally:
            client.close()
