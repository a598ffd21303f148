"""The Imaging service over real HTTP, raw SOAP: every operation, every fault, persistence.

Every answer and fault is validated against the official schemas (the `soap`
fixture's validator).  Focus moves take real time on the camera's clock; the
tests poll GetStatus until the lens settles and never assert how long it took.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lxml import etree
from soaputil import SoapClient

from onvif_device.camera.imaging import lens
from onvif_device.config import Config
from onvif_device.embed import ThreadedCamera

TIMG = "http://www.onvif.org/ver20/imaging/wsdl"
TT = "http://www.onvif.org/ver10/schema"
TDS = "http://www.onvif.org/ver10/device/wsdl"
NS = {"timg": TIMG, "tt": TT, "tds": TDS}
DECLARE = f'xmlns:timg="{TIMG}"'
SOURCE = "VideoSource_1"
SAMPLE_CLIP = Path(__file__).resolve().parents[2] / "media" / "sample-h264.mp4"

SENDER, RECEIVER = "s:Sender", "s:Receiver"
NO_SOURCE = [SENDER, "ter:InvalidArgVal", "ter:NoSource"]
NO_IMAGING = [RECEIVER, "ter:ActionNotSupported", "ter:NoImagingForSource"]
SETTINGS_INVALID = [SENDER, "ter:InvalidArgVal", "ter:SettingsInvalid"]
INVALID_ARG_VAL = [SENDER, "ter:InvalidArgVal"]
INVALID_ARGS = [SENDER, "ter:InvalidArgs"]
NOT_AUTHORIZED = [SENDER, "ter:NotAuthorized"]


@pytest.fixture
def camera_config() -> Config:
    return Config.model_validate(
        {
            "events": {"motion_every_seconds": 0},
            "auth": {"users": [{"username": "viewer", "password": "viewer", "level": "User"}]},
        }
    )


def imaging_url(cam) -> str:
    return cam.service_url("imaging")


def imaging_client(cam, schemas, username: str | None = None, password: str | None = None) -> SoapClient:
    return SoapClient(imaging_url(cam), username or cam.username, password or cam.password, schemas)


@pytest.fixture
def img(running_camera, onvif_schemas):
    client = imaging_client(running_camera, onvif_schemas)
    yield client
    client.close()


def timg(operation: str, inner: str = "") -> str:
    return f"<timg:{operation} {DECLARE}>{inner}</timg:{operation}>"


def on_source(operation: str, inner: str = "", source: str = SOURCE) -> str:
    return timg(operation, f"<timg:VideoSourceToken>{source}</timg:VideoSourceToken>{inner}")


def set_settings(settings: str, source: str = SOURCE, force: str | None = None) -> str:
    persistence = "" if force is None else f"<timg:ForcePersistence>{force}</timg:ForcePersistence>"
    return on_source("SetImagingSettings", f"<timg:ImagingSettings>{settings}</timg:ImagingSettings>{persistence}", source)


def focus_move(inner: str, source: str = SOURCE) -> str:
    return on_source("Move", f"<timg:Focus>{inner}</timg:Focus>", source)


def text(el: etree._Element, path: str) -> str:
    found = el.find(path, NS)
    assert found is not None, f"{path} missing in {etree.tostring(el)[:400]!r}"
    return found.text or ""


def number(el: etree._Element, path: str) -> float:
    return float(text(el, path))


def fails(client: SoapClient, body: str, codes: list[str]) -> str:
    """Expect a fault with `codes`; return its reason text."""
    fault = client.call(body, expect=500 if codes[0] == RECEIVER else 400)
    values = [v.text for v in fault.iter("{http://www.w3.org/2003/05/soap-envelope}Value")]
    assert values == codes, body
    return "".join(fault.find(".//{http://www.w3.org/2003/05/soap-envelope}Text").itertext())


def settings_of(client: SoapClient, source: str = SOURCE) -> etree._Element:
    return client.call(on_source("GetImagingSettings", source=source)).find("timg:ImagingSettings", NS)


def focus_status(client: SoapClient) -> tuple[float, str, str]:
    status = client.call(on_source("GetStatus")).find("timg:Status/tt:FocusStatus20", NS)
    return number(status, "tt:Position"), text(status, "tt:MoveStatus"), text(status, "tt:Error")


def settle(client: SoapClient, timeout: float = 15.0) -> tuple[float, str, str]:
    """Poll GetStatus until the lens is IDLE; its last status."""
    deadline = time.monotonic() + timeout
    while True:
        status = focus_status(client)
        if status[1] == "IDLE" or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


# --- capabilities and discovery -------------------------------------------------------------------


def test_service_capabilities_answer_anonymous_callers(img):
    caps = img.call(timg("GetServiceCapabilities"), auth="none").find("timg:Capabilities", NS)
    assert (caps.get("ImageStabilization"), caps.get("Presets"), caps.get("AdaptablePreset")) == ("true", "true", "false")


def test_get_services_and_legacy_capabilities_list_the_imaging_service(soap, running_camera):
    url = imaging_url(running_camera)
    services = soap.call("<tds:GetServices><tds:IncludeCapability>true</tds:IncludeCapability></tds:GetServices>")
    entry = next(s for s in services.findall("tds:Service", NS) if text(s, "tds:Namespace") == TIMG)
    assert text(entry, "tds:XAddr") == url
    assert entry.find("tds:Capabilities/timg:Capabilities", NS).get("Presets") == "true"
    for category in ("All", "Imaging"):
        answer = soap.call(f"<tds:GetCapabilities><tds:Category>{category}</tds:Category></tds:GetCapabilities>")
        assert text(answer, "tds:Capabilities/tt:Imaging/tt:XAddr") == url


# --- settings and options ------------------------------------------------------------------------------


def test_factory_settings_sit_inside_the_options(img):
    settings = settings_of(img)
    options = img.call(on_source("GetOptions")).find("timg:ImagingOptions", NS)
    assert number(settings, "tt:Brightness") == 50.0
    assert text(settings, "tt:IrCutFilter") == "ON"
    assert text(settings, "tt:Focus/tt:AutoFocusMode") == "AUTO"
    assert text(settings, "tt:Extension/tt:ImageStabilization/tt:Mode") == "OFF"
    for name in ("Brightness", "ColorSaturation", "Contrast", "Sharpness"):
        assert number(options, f"tt:{name}/tt:Min") <= number(settings, f"tt:{name}") <= number(options, f"tt:{name}/tt:Max")
    for name in ("MinExposureTime", "MaxExposureTime", "ExposureTime", "MinGain", "MaxGain", "Gain", "MinIris", "MaxIris", "Iris"):
        low, high = number(options, f"tt:Exposure/tt:{name}/tt:Min"), number(options, f"tt:Exposure/tt:{name}/tt:Max")
        assert low <= number(settings, f"tt:Exposure/tt:{name}") <= high, name
    assert [e.text for e in options.findall("tt:IrCutFilterModes", NS)] == ["ON", "OFF", "AUTO"]
    assert [e.text for e in options.findall("tt:Focus/tt:AutoFocusModes", NS)] == ["AUTO", "MANUAL"]
    assert number(options, "tt:Exposure/tt:ExposureTime/tt:Max") == 40000.0  # one frame at 25 fps
    assert [e.text for e in options.findall("tt:WhiteBalance/tt:Mode", NS)] == ["AUTO", "MANUAL"]
    assert options.find("tt:WhiteBalance/tt:YrGain", NS) is not None


def test_a_partial_set_changes_only_what_it_names(img):
    before = settings_of(img)
    img.call(set_settings("<tt:Brightness>70</tt:Brightness><tt:IrCutFilter>AUTO</tt:IrCutFilter>"))
    after = settings_of(img)
    assert number(after, "tt:Brightness") == 70.0
    assert text(after, "tt:IrCutFilter") == "AUTO"
    before.find("tt:Brightness", NS).text = "70"
    before.find("tt:IrCutFilter", NS).text = "AUTO"
    assert etree.tostring(before) == etree.tostring(after)


def test_every_group_of_settings_round_trips(img, running_camera):
    img.call(
        set_settings(
            "<tt:BacklightCompensation><tt:Mode>ON</tt:Mode><tt:Level>80</tt:Level></tt:BacklightCompensation>"
            "<tt:Brightness>40</tt:Brightness><tt:ColorSaturation>20</tt:ColorSaturation><tt:Contrast>65</tt:Contrast>"
            "<tt:Exposure><tt:Mode>MANUAL</tt:Mode><tt:Priority>LowNoise</tt:Priority>"
            '<tt:Window bottom="0.9" top="0.1" right="0.8" left="0.2"/>'
            "<tt:MinExposureTime>100</tt:MinExposureTime><tt:MaxExposureTime>20000</tt:MaxExposureTime>"
            "<tt:MinGain>3</tt:MinGain><tt:MaxGain>30</tt:MaxGain><tt:MinIris>1</tt:MinIris><tt:MaxIris>10</tt:MaxIris>"
            "<tt:ExposureTime>5000</tt:ExposureTime><tt:Gain>6</tt:Gain><tt:Iris>2</tt:Iris></tt:Exposure>"
            "<tt:Focus><tt:AutoFocusMode>MANUAL</tt:AutoFocusMode><tt:DefaultSpeed>0.3</tt:DefaultSpeed>"
            "<tt:NearLimit>1</tt:NearLimit><tt:FarLimit>50</tt:FarLimit></tt:Focus>"
            "<tt:IrCutFilter>OFF</tt:IrCutFilter><tt:Sharpness>80</tt:Sharpness>"
            "<tt:WideDynamicRange><tt:Mode>ON</tt:Mode><tt:Level>60</tt:Level></tt:WideDynamicRange>"
            "<tt:WhiteBalance><tt:Mode>MANUAL</tt:Mode><tt:CrGain>70</tt:CrGain><tt:CbGain>30</tt:CbGain></tt:WhiteBalance>"
            "<tt:Extension><tt:ImageStabilization><tt:Mode>AUTO</tt:Mode><tt:Level>40</tt:Level></tt:ImageStabilization>"
            "</tt:Extension>"
        )
    )
    s = settings_of(img)
    assert (text(s, "tt:BacklightCompensation/tt:Mode"), number(s, "tt:BacklightCompensation/tt:Level")) == ("ON", 80)
    assert (number(s, "tt:Brightness"), number(s, "tt:ColorSaturation"), number(s, "tt:Contrast")) == (40, 20, 65)
    exposure = s.find("tt:Exposure", NS)
    assert (text(exposure, "tt:Mode"), text(exposure, "tt:Priority")) == ("MANUAL", "LowNoise")
    window = exposure.find("tt:Window", NS)
    assert [float(window.get(k)) for k in ("bottom", "top", "right", "left")] == [0.9, 0.1, 0.8, 0.2]
    values = [number(exposure, f"tt:{n}") for n in ("MinExposureTime", "MaxExposureTime", "MinGain", "MaxGain")]
    assert values == [100, 20000, 3, 30]
    assert [number(exposure, f"tt:{n}") for n in ("MinIris", "MaxIris", "ExposureTime", "Gain", "Iris")] == [1, 10, 5000, 6, 2]
    focus = s.find("tt:Focus", NS)
    assert text(focus, "tt:AutoFocusMode") == "MANUAL"
    assert [number(focus, f"tt:{n}") for n in ("DefaultSpeed", "NearLimit", "FarLimit")] == [0.3, 1, 50]
    assert (text(s, "tt:IrCutFilter"), number(s, "tt:Sharpness")) == ("OFF", 80)
    assert (text(s, "tt:WideDynamicRange/tt:Mode"), number(s, "tt:WideDynamicRange/tt:Level")) == ("ON", 60)
    assert [text(s, f"tt:WhiteBalance/tt:{n}") for n in ("Mode", "CrGain", "CbGain")] == ["MANUAL", "70", "30"]
    assert text(s, "tt:Extension/tt:ImageStabilization/tt:Mode") == "AUTO"
    assert number(s, "tt:Extension/tt:ImageStabilization/tt:Level") == 40
    # The model's picture follows: night mode is monochrome, manual white balance shifts colour.
    look = running_camera.camera.imaging.look(SOURCE)
    assert look.monochrome and look.cr_shift > 0 > look.cb_shift and look.sharpen > 0 and look.exposure < 1


def test_force_persistence_is_accepted_either_way(img):
    img.call(set_settings("<tt:Contrast>55</tt:Contrast>", force="false"))
    img.call(set_settings("<tt:Sharpness>55</tt:Sharpness>", force="true"))
    s = settings_of(img)
    assert (number(s, "tt:Contrast"), number(s, "tt:Sharpness")) == (55, 55)


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ("<tt:Brightness>101</tt:Brightness>", "Brightness"),
        ("<tt:ColorSaturation>-1</tt:ColorSaturation>", "ColorSaturation"),
        ("<tt:Contrast>NaN</tt:Contrast>", "Contrast"),
        ("<tt:Sharpness>INF</tt:Sharpness>", "Sharpness"),
        ("<tt:Brightness>bright</tt:Brightness>", "Brightness"),
        ("<tt:BacklightCompensation><tt:Mode>ON</tt:Mode><tt:Level>200</tt:Level></tt:BacklightCompensation>", "Level"),
        ("<tt:BacklightCompensation><tt:Level>20</tt:Level></tt:BacklightCompensation>", "Mode is missing"),
        ("<tt:Exposure><tt:Mode>MANUAL</tt:Mode><tt:ExposureTime>50000</tt:ExposureTime></tt:Exposure>", "ExposureTime"),
        ("<tt:Exposure><tt:Mode>AUTO</tt:Mode><tt:MaxGain>60</tt:MaxGain></tt:Exposure>", "MaxGain"),
        ("<tt:Exposure><tt:Mode>AUTO</tt:Mode><tt:MinGain>20</tt:MinGain><tt:MaxGain>10</tt:MaxGain></tt:Exposure>", "MinGain"),
        ("<tt:Exposure><tt:Mode>AUTO</tt:Mode><tt:MinIris>9</tt:MinIris><tt:MaxIris>3</tt:MaxIris></tt:Exposure>", "MinIris"),
        (
            (
                "<tt:Exposure><tt:Mode>AUTO</tt:Mode><tt:MinExposureTime>30000</tt:MinExposureTime>"
                "<tt:MaxExposureTime>100</tt:MaxExposureTime></tt:Exposure>"
            ),
            "MinExposureTime",
        ),
        ("<tt:Exposure><tt:Mode>SEMI</tt:Mode></tt:Exposure>", "Exposure/Mode"),
        ('<tt:Exposure><tt:Mode>AUTO</tt:Mode><tt:Window top="0" right="1" left="0"/></tt:Exposure>', "bottom"),
        ("<tt:Focus><tt:AutoFocusMode>AUTO</tt:AutoFocusMode><tt:DefaultSpeed>0</tt:DefaultSpeed></tt:Focus>", "DefaultSpeed"),
        (
            (
                "<tt:Focus><tt:AutoFocusMode>AUTO</tt:AutoFocusMode><tt:NearLimit>20</tt:NearLimit>"
                "<tt:FarLimit>10</tt:FarLimit></tt:Focus>"
            ),
            "NearLimit",
        ),
        ('<tt:Focus AFMode="OnceAfterMove"><tt:AutoFocusMode>AUTO</tt:AutoFocusMode></tt:Focus>', "AFMode"),
        ("<tt:IrCutFilter>DAY</tt:IrCutFilter>", "IrCutFilter"),
        ("<tt:WideDynamicRange><tt:Mode>ON</tt:Mode><tt:Level>101</tt:Level></tt:WideDynamicRange>", "Level"),
        ("<tt:WhiteBalance><tt:Mode>MANUAL</tt:Mode><tt:CrGain>300</tt:CrGain></tt:WhiteBalance>", "CrGain"),
        (
            "<tt:Extension><tt:ImageStabilization><tt:Mode>Extended</tt:Mode></tt:ImageStabilization></tt:Extension>",
            "ImageStabilization/Mode Extended",
        ),
        (
            (
                "<tt:Extension><tt:Extension><tt:IrCutFilterAutoAdjustment><tt:BoundaryType>Common</tt:BoundaryType>"
                "</tt:IrCutFilterAutoAdjustment></tt:Extension></tt:Extension>"
            ),
            "IrCutFilterAutoAdjustment",
        ),
        (
            (
                "<tt:Extension><tt:Extension><tt:Extension><tt:NoiseReduction><tt:Level>0.5</tt:Level>"
                "</tt:NoiseReduction></tt:Extension></tt:Extension></tt:Extension>"
            ),
            "NoiseReduction",
        ),
    ],
)
def test_settings_outside_the_options_are_refused_and_change_nothing(img, settings, named):
    before = etree.tostring(settings_of(img))
    reason = fails(img, set_settings(settings), SETTINGS_INVALID)
    assert named in reason
    assert etree.tostring(settings_of(img)) == before


def test_set_without_settings_is_invalid_args(img):
    fails(img, on_source("SetImagingSettings"), INVALID_ARGS)
    fails(img, set_settings("<tt:Brightness>50</tt:Brightness>", force="maybe"), INVALID_ARG_VAL)


# --- presets ---------------------------------------------------------------------------------------------


def test_presets_apply_their_settings_and_a_change_leaves_the_preset(img):
    presets = img.call(on_source("GetPresets")).findall("timg:Preset", NS)
    table = {p.get("token"): (p.get("type"), text(p, "timg:Name")) for p in presets}
    assert table["Night"] == ("Night", "Night")
    assert table["Outdoor"] == ("ClearWeather", "Outdoor")
    assert table["Standard"][0] == "Custom"
    current = img.call(on_source("GetCurrentPreset")).find("timg:Preset", NS)
    assert current.get("token") == "Standard"  # the factory settings are the standard preset's

    img.call(on_source("SetCurrentPreset", "<timg:PresetToken>Night</timg:PresetToken>"))
    assert img.call(on_source("GetCurrentPreset")).find("timg:Preset", NS).get("token") == "Night"
    s = settings_of(img)
    assert text(s, "tt:IrCutFilter") == "OFF"
    assert text(s, "tt:Exposure/tt:Priority") == "LowNoise"

    img.call(set_settings("<tt:Brightness>90</tt:Brightness>"))
    assert img.call(on_source("GetCurrentPreset")).find("timg:Preset", NS) is None  # settings match no preset
    img.call(on_source("SetCurrentPreset", "<timg:PresetToken>Standard</timg:PresetToken>"))
    assert text(settings_of(img), "tt:IrCutFilter") == "ON"


def test_a_preset_leaves_focus_alone(img):
    img.call(set_settings("<tt:Focus><tt:AutoFocusMode>MANUAL</tt:AutoFocusMode><tt:DefaultSpeed>0.2</tt:DefaultSpeed></tt:Focus>"))
    img.call(on_source("SetCurrentPreset", "<timg:PresetToken>Vivid</timg:PresetToken>"))
    focus = settings_of(img).find("tt:Focus", NS)
    assert (text(focus, "tt:AutoFocusMode"), number(focus, "tt:DefaultSpeed")) == ("MANUAL", 0.2)
    assert img.call(on_source("GetCurrentPreset")).find("timg:Preset", NS).get("token") == "Vivid"


def test_unknown_preset_is_refused(img):
    reason = fails(img, on_source("SetCurrentPreset", "<timg:PresetToken>Disco</timg:PresetToken>"), INVALID_ARG_VAL)
    assert "Disco" in reason and "Night" in reason
    fails(img, on_source("SetCurrentPreset"), INVALID_ARGS)


# --- focus -------------------------------------------------------------------------------------------


def test_move_options_offer_all_three_moves(img):
    options = img.call(on_source("GetMoveOptions")).find("timg:MoveOptions", NS)
    assert (number(options, "tt:Absolute/tt:Position/tt:Min"), number(options, "tt:Absolute/tt:Position/tt:Max")) == (0, 1)
    assert number(options, "tt:Relative/tt:Distance/tt:Min") == -1
    assert number(options, "tt:Continuous/tt:Speed/tt:Max") == 1


def test_the_lens_starts_in_focus_under_autofocus(img):
    assert focus_status(img) == (pytest.approx(lens.IN_FOCUS), "IDLE", "")
    assert img.call(on_source("GetStatus")).find("timg:Status/tt:FocusStatus20/tt:Error", NS) is not None


def test_absolute_and_relative_moves_go_where_asked_and_turn_autofocus_off(img, running_camera):
    img.call(focus_move("<tt:Absolute><tt:Position>0.2</tt:Position><tt:Speed>1</tt:Speed></tt:Absolute>"))
    assert text(settings_of(img), "tt:Focus/tt:AutoFocusMode") == "MANUAL"
    position, status, _ = settle(img)
    assert (position, status) == (pytest.approx(0.2), "IDLE")
    assert running_camera.camera.imaging.look(SOURCE).blur > 0  # far out of focus

    img.call(focus_move("<tt:Relative><tt:Distance>0.3</tt:Distance></tt:Relative>"))  # at the default speed
    assert settle(img)[0] == pytest.approx(0.5)
    img.call(focus_move("<tt:Relative><tt:Distance>-1</tt:Distance><tt:Speed>1</tt:Speed></tt:Relative>"))
    assert settle(img)[0] == pytest.approx(0.0)  # the end of the travel stops it


def test_continuous_move_runs_until_stop(img):
    img.call(focus_move("<tt:Continuous><tt:Speed>-0.1</tt:Speed></tt:Continuous>"))
    assert focus_status(img)[1] == "MOVING"
    img.call(on_source("Stop"))
    position, status, _ = focus_status(img)
    assert status == "IDLE"
    assert 0.0 < position < lens.IN_FOCUS
    assert focus_status(img)[0] == position  # it stays where it stopped


def test_continuous_move_stops_at_the_end_of_the_travel(img):
    img.call(focus_move("<tt:Continuous><tt:Speed>1</tt:Speed></tt:Continuous>"))
    assert settle(img)[:2] == (pytest.approx(1.0), "IDLE")


def test_autofocus_brings_the_lens_back_and_stop_leaves_it_alone(img, running_camera):
    img.call(focus_move("<tt:Absolute><tt:Position>0</tt:Position><tt:Speed>1</tt:Speed></tt:Absolute>"))
    assert settle(img)[0] == pytest.approx(0.0)
    img.call(set_settings("<tt:Focus><tt:AutoFocusMode>AUTO</tt:AutoFocusMode></tt:Focus>"))
    img.call(on_source("Stop"))  # the spec: Stop does not affect autofocus
    assert settle(img) == (pytest.approx(lens.IN_FOCUS), "IDLE", "")
    assert running_camera.camera.imaging.look(SOURCE).is_identity


def test_autofocus_limits_that_exclude_the_scene_leave_it_blurred_and_say_so(img, running_camera):
    img.call(set_settings("<tt:Focus><tt:AutoFocusMode>AUTO</tt:AutoFocusMode><tt:FarLimit>1.5</tt:FarLimit></tt:Focus>"))
    position, status, error = settle(img)
    assert status == "IDLE"
    assert position == pytest.approx(lens.position_for(1.5))
    assert "FarLimit 1.5" in error
    assert running_camera.camera.imaging.look(SOURCE).blur > 0


@pytest.mark.parametrize(
    ("move", "codes"),
    [
        ("<tt:Absolute><tt:Position>1.5</tt:Position></tt:Absolute>", INVALID_ARG_VAL),
        ("<tt:Absolute><tt:Position>0.5</tt:Position><tt:Speed>0</tt:Speed></tt:Absolute>", INVALID_ARG_VAL),
        ("<tt:Absolute><tt:Position>far</tt:Position></tt:Absolute>", INVALID_ARG_VAL),
        ("<tt:Relative><tt:Distance>-2</tt:Distance></tt:Relative>", INVALID_ARG_VAL),
        ("<tt:Continuous><tt:Speed>3</tt:Speed></tt:Continuous>", INVALID_ARG_VAL),
        ("<tt:Absolute><tt:Speed>1</tt:Speed></tt:Absolute>", INVALID_ARGS),
        ("<tt:Continuous/>", INVALID_ARGS),
        ("", INVALID_ARGS),
        (
            (
                "<tt:Absolute><tt:Position>0.5</tt:Position></tt:Absolute>"
                "<tt:Continuous><tt:Speed>1</tt:Speed></tt:Continuous>"
            ),
            INVALID_ARGS,
        ),
    ],
)
def test_bad_moves_are_refused_and_leave_the_lens_and_autofocus_alone(img, move, codes):
    fails(img, focus_move(move), codes)
    assert text(settings_of(img), "tt:Focus/tt:AutoFocusMode") == "AUTO"
    assert focus_status(img)[:2] == (pytest.approx(lens.IN_FOCUS), "IDLE")


# --- faults common to every operation ------------------------------------------------------------------

SOURCE_OPERATIONS = [
    on_source("GetImagingSettings", source="{}"),
    set_settings("<tt:Brightness>60</tt:Brightness>", source="{}"),
    on_source("GetOptions", source="{}"),
    focus_move("<tt:Continuous><tt:Speed>0.5</tt:Speed></tt:Continuous>", source="{}"),
    on_source("GetMoveOptions", source="{}"),
    on_source("Stop", source="{}"),
    on_source("GetStatus", source="{}"),
    on_source("GetPresets", source="{}"),
    on_source("GetCurrentPreset", source="{}"),
    on_source("SetCurrentPreset", "<timg:PresetToken>Night</timg:PresetToken>", source="{}"),
]
OPERATION_IDS = [
    "GetImagingSettings",
    "SetImagingSettings",
    "GetOptions",
    "Move",
    "GetMoveOptions",
    "Stop",
    "GetStatus",
    "GetPresets",
    "GetCurrentPreset",
    "SetCurrentPreset",
]


@pytest.mark.parametrize("body", SOURCE_OPERATIONS, ids=OPERATION_IDS)
def test_an_unknown_video_source_is_no_source(img, body):
    assert "Nowhere" in fails(img, body.replace("{}", "Nowhere"), NO_SOURCE)


@pytest.mark.parametrize("body", SOURCE_OPERATIONS, ids=OPERATION_IDS)
def test_a_missing_video_source_token_is_invalid_args(img, body):
    fails(img, body.replace("<timg:VideoSourceToken>{}</timg:VideoSourceToken>", ""), INVALID_ARGS)


@pytest.fixture(scope="module")
def file_camera():
    """A camera with a sensor (VideoSource_1) and a source that loops a file (VideoSource_2)."""
    config = Config.model_validate(
        {"events": {"motion_every_seconds": 0}, "media": {"video_sources": [{}, {"file": str(SAMPLE_CLIP)}]}}
    )
    with ThreadedCamera(config) as cam:
        yield cam


@pytest.mark.parametrize("body", SOURCE_OPERATIONS, ids=OPERATION_IDS)
def test_a_source_playing_a_file_has_no_imaging(file_camera, onvif_schemas, body):
    client = imaging_client(file_camera, onvif_schemas)
    try:
        assert "file" in fails(client, body.replace("{}", "VideoSource_2"), NO_IMAGING)
        client.call(body.replace("{}", SOURCE).replace(">60<", ">50<"))  # the sensor source answers
    finally:
        client.close()
    assert file_camera.camera.imaging.look("VideoSource_2").is_identity


def test_a_user_reads_but_cannot_change(running_camera, onvif_schemas):
    viewer = imaging_client(running_camera, onvif_schemas, "viewer", "viewer")
    try:
        for body in (on_source("GetImagingSettings"), on_source("GetOptions"), on_source("GetStatus"), on_source("GetPresets")):
            viewer.call(body)
        for body in (
            set_settings("<tt:Brightness>60</tt:Brightness>"),
            focus_move("<tt:Continuous><tt:Speed>0.5</tt:Speed></tt:Continuous>"),
            on_source("Stop"),
            on_source("SetCurrentPreset", "<timg:PresetToken>Night</timg:PresetToken>"),
        ):
            fails(viewer, body, NOT_AUTHORIZED)
        assert viewer.fault(on_source("GetImagingSettings"), auth="none", status=401) == NOT_AUTHORIZED
    finally:
        viewer.close()
    assert running_camera.camera.imaging.look(SOURCE).is_identity


# --- persistence -------------------------------------------------------------------------------------------


def test_settings_preset_and_lens_survive_a_restart(tmp_path, onvif_schemas):
    state_dir = str(tmp_path / "state")
    with ThreadedCamera(state_dir=state_dir) as cam:
        client = imaging_client(cam, onvif_schemas)
        client.call(on_source("SetCurrentPreset", "<timg:PresetToken>Backlight</timg:PresetToken>"))
        client.call(focus_move("<tt:Absolute><tt:Position>0.3</tt:Position><tt:Speed>1</tt:Speed></tt:Absolute>"))
        assert settle(client)[0] == pytest.approx(0.3)
        # The lens position is written by the camera's tick once the move has ended.
        deadline = time.monotonic() + 10
        while cam.camera.state.imaging.sources[SOURCE].focus_position != pytest.approx(0.3):
            assert time.monotonic() < deadline, "the lens position was never saved"
            time.sleep(0.05)
        before = etree.tostring(settings_of(client))
        client.close()
    with ThreadedCamera(state_dir=state_dir) as cam:
        client = imaging_client(cam, onvif_schemas)
        assert etree.tostring(settings_of(client)) == before
        assert client.call(on_source("GetCurrentPreset")).find("timg:Preset", NS).get("token") == "Backlight"
        assert focus_status(client)[:2] == (pytest.approx(0.3), "IDLE")  # manual focus: the lens stays put
        client.close()
