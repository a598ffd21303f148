"""The Media2 service (ver20) over real HTTP.

Every answer and every fault is validated against the official schemas.
Media2 shares its model with Media (ver10), so changes made here are read
back through both services.  What is checked, in the spec's terms:

- capabilities, GetProfiles with its Token/Type filters, the batch profile
  edits (CreateProfile with references, AddConfiguration, RemoveConfiguration)
  and their dependency rules;
- Get<X>Configurations with ConfigurationToken/ProfileToken filters, the
  options of every settable type, and that every combination the options
  offer is accepted by the matching Set;
- stream and snapshot URIs, multicast and synchronization points, encoder
  instances, video source modes, OSDs, privacy masks, access levels and
  persistence across a restart.
"""

from __future__ import annotations

import copy

import pytest
from lxml import etree
from soaputil import TDS, TR2, TRT, TT, SoapClient

from onvif_device.embed import ThreadedCamera

WSNT = "http://docs.oasis-open.org/wsn/b-2"
NS = {"tds": TDS, "tt": TT, "trt": TRT, "tr2": TR2, "wsnt": WSNT}
YCBCR = "http://www.onvif.org/ver10/colorspace/YCbCr"

SENDER, RECEIVER = "s:Sender", "s:Receiver"
NO_PROFILE = [SENDER, "ter:InvalidArgVal", "ter:NoProfile"]
NO_CONFIG = [SENDER, "ter:InvalidArgVal", "ter:NoConfig"]
CONFIG_MODIFY = [SENDER, "ter:InvalidArgVal", "ter:ConfigModify"]
CONFIG_MODIFY_R = [RECEIVER, "ter:InvalidArgVal", "ter:ConfigModify"]  # Media2 OSD and mask operations
INVALID_POLYGON = [RECEIVER, "ter:InvalidArgVal", "ter:InvalidPolygon"]
CONFLICT = [RECEIVER, "ter:Action", "ter:ConfigurationConflict"]
INCOMPLETE = [RECEIVER, "ter:Action", "ter:IncompleteConfiguration"]
NOT_AUTHORIZED = [SENDER, "ter:NotAuthorized"]

FACTORY_PROFILES = ["Profile_1", "Profile_2", "Profile_3"]
# The factory configurations by Media2 type, as defaults.py makes them.
FACTORY = {
    "VideoSource": ["VideoSourceConfig_1"],
    "AudioSource": ["AudioSourceConfig_1"],
    "VideoEncoder": ["VideoEncoder_1", "VideoEncoder_2", "VideoEncoder_3", "VideoEncoder_4"],
    "AudioEncoder": ["AudioEncoder_1", "AudioEncoder_2"],
    "Analytics": ["AnalyticsConfig_1"],
    "Metadata": ["MetadataConfig_1"],
    "AudioOutput": ["AudioOutputConfig_1"],
    "AudioDecoder": ["AudioDecoderConfig_1"],
}
# tr2:ConfigurationSet children in schema order.
SET_ORDER = [
    "VideoSource",
    "AudioSource",
    "VideoEncoder",
    "AudioEncoder",
    "Analytics",
    "PTZ",
    "Metadata",
    "AudioOutput",
    "AudioDecoder",
    "Receiver",
]
# Children of tt:VideoEncoder2Configuration and tt:AudioEncoder2Configuration in schema order.
VIDEO_ENCODER2_ORDER = ["Name", "UseCount", "Encoding", "Resolution", "RateControl", "Multicast", "Quality"]
AUDIO_ENCODER2_ORDER = ["Name", "UseCount", "Encoding", "Multicast", "Bitrate", "SampleRate"]
# What the factory's Profile_1 holds, in ConfigurationSet order.
MAIN_SET = ["VideoSource", "AudioSource", "VideoEncoder", "AudioEncoder", "PTZ", "Metadata", "AudioOutput", "AudioDecoder"]
SUB_SET = ["VideoSource", "VideoEncoder", "PTZ"]  # the factory profiles on the first source drive the PTZ head
SETTABLE = ["VideoSource", "AudioSource", "VideoEncoder", "AudioEncoder", "Metadata", "AudioOutput", "AudioDecoder"]
# Media1 operation infix and whether Media1 shows the configuration at all.
MEDIA1_NAME = {"Analytics": "VideoAnalytics"}


# --- plumbing ----------------------------------------------------------------------------------


def service_client(cam, schemas, service: str, username: str | None = None, password: str | None = None):
    return SoapClient(cam.service_url(service), username or cam.username, password or cam.password, schemas)


@pytest.fixture
def media2(running_camera, onvif_schemas):
    client = service_client(running_camera, onvif_schemas, "media2")
    yield client
    client.close()


@pytest.fixture
def media1(running_camera, onvif_schemas):
    client = service_client(running_camera, onvif_schemas, "media")
    yield client
    client.close()


def fails(client: SoapClient, body: str, codes: list[str]) -> None:
    """`body` is answered with exactly the fault `codes` (HTTP 500 for env:Receiver, else 400)."""
    assert client.fault(body, status=500 if codes[0] == RECEIVER else 400) == codes, body


def texts(el: etree._Element, path: str) -> list[str]:
    return [e if isinstance(e, str) else e.text for e in el.xpath(path, namespaces=NS)]


def one(el: etree._Element, path: str) -> str:
    found = texts(el, path)
    assert len(found) == 1, (path, found, etree.tostring(el))
    return found[0]


def tokens(found: list[etree._Element]) -> list[str]:
    return [el.get("token") for el in found]


def local(el: etree._Element) -> str:
    return etree.QName(el).localname


def xml(el: etree._Element) -> str:
    return etree.tostring(el).decode()


# --- request builders -----------------------------------------------------------------------------


def refs(*pairs: tuple[str, str | None]) -> str:
    out = ""
    for kind, token in pairs:
        tok = f"<tr2:Token>{token}</tr2:Token>" if token else ""
        out += f"<tr2:Configuration><tr2:Type>{kind}</tr2:Type>{tok}</tr2:Configuration>"
    return out


def create_profile_body(name: str, *pairs: tuple[str, str | None]) -> str:
    return f"<tr2:CreateProfile><tr2:Name>{name}</tr2:Name>{refs(*pairs)}</tr2:CreateProfile>"


def create_profile(media2, name: str = "Test", *pairs: tuple[str, str | None]) -> str:
    return one(media2.call(create_profile_body(name, *pairs)), "tr2:Token")


def add_body(profile: str, *pairs: tuple[str, str | None], name: str | None = None) -> str:
    n = f"<tr2:Name>{name}</tr2:Name>" if name is not None else ""
    return (
        f"<tr2:AddConfiguration><tr2:ProfileToken>{profile}</tr2:ProfileToken>{n}{refs(*pairs)}</tr2:AddConfiguration>"
    )


def remove_body(profile: str, *kinds: str) -> str:
    pairs = [(k, None) for k in kinds]
    inner = f"<tr2:ProfileToken>{profile}</tr2:ProfileToken>{refs(*pairs)}"
    return f"<tr2:RemoveConfiguration>{inner}</tr2:RemoveConfiguration>"


def profiles_body(token: str | None = None, types: tuple[str, ...] = ()) -> str:
    inner = f"<tr2:Token>{token}</tr2:Token>" if token else ""
    inner += "".join(f"<tr2:Type>{t}</tr2:Type>" for t in types)
    return f"<tr2:GetProfiles>{inner}</tr2:GetProfiles>"


def get_profiles(media2, token: str | None = None, types: tuple[str, ...] = ()) -> list[etree._Element]:
    return media2.call(profiles_body(token, types)).findall("tr2:Profiles", NS)


def contents(media2, profile: str) -> dict[str, str]:
    """{ConfigurationSet child: token} of one profile, in the order the camera sent them."""
    (p,) = get_profiles(media2, profile, ("All",))
    return {local(c): c.get("token") for c in p.xpath("tr2:Configurations/*", namespaces=NS)}


def filter_body(op: str, config: str | None = None, profile: str | None = None) -> str:
    inner = f"<tr2:ConfigurationToken>{config}</tr2:ConfigurationToken>" if config else ""
    inner += f"<tr2:ProfileToken>{profile}</tr2:ProfileToken>" if profile else ""
    return f"<tr2:{op}>{inner}</tr2:{op}>"


def configurations(media2, kind: str, config: str | None = None, profile: str | None = None) -> list[etree._Element]:
    answer = media2.call(filter_body(f"Get{kind}Configurations", config, profile))
    return answer.findall("tr2:Configurations", NS)


def configuration(media2, kind: str, token: str) -> etree._Element:
    (cfg,) = configurations(media2, kind, token)
    return cfg


def set_body(kind: str, cfg: etree._Element) -> str:
    """Set<kind>Configuration carrying `cfg` (a Get answer's element, perhaps edited)."""
    cfg = copy.deepcopy(cfg)
    cfg.tag = f"{{{TR2}}}Configuration"
    return f"<tr2:Set{kind}Configuration>{xml(cfg)}</tr2:Set{kind}Configuration>"


def media1_configuration(media1, kind: str, token: str) -> etree._Element:
    name = MEDIA1_NAME.get(kind, kind)
    body = f"<trt:Get{name}Configuration><trt:ConfigurationToken>{token}</trt:ConfigurationToken>"
    body += f"</trt:Get{name}Configuration>"
    return media1.call(body).find("trt:Configuration", NS)


def options(media2, kind: str, config: str | None = None, profile: str | None = None) -> list[etree._Element]:
    return media2.call(filter_body(f"Get{kind}ConfigurationOptions", config, profile)).findall("tr2:Options", NS)


def put(el: etree._Element, path: str, value: object) -> None:
    found = el.find(path, NS)
    assert found is not None, (path, xml(el))
    found.text = str(value)


def stream_uri_body(protocol: str, profile: str) -> str:
    return (
        f"<tr2:GetStreamUri><tr2:Protocol>{protocol}</tr2:Protocol>"
        f"<tr2:ProfileToken>{profile}</tr2:ProfileToken></tr2:GetStreamUri>"
    )


def profile_op(op: str, profile: str) -> str:
    return f"<tr2:{op}><tr2:ProfileToken>{profile}</tr2:ProfileToken></tr2:{op}>"


# --- capabilities ----------------------------------------------------------------------------------


def test_service_capabilities(media2, running_camera):
    caps = media2.call("<tr2:GetServiceCapabilities/>", auth="none").find("tr2:Capabilities", NS)  # PRE_AUTH
    for name in ("SnapshotUri", "Rotation", "VideoSourceMode", "OSD", "Mask"):
        assert caps.get(name) == "true", name
    profiles = caps.find("tr2:ProfileCapabilities", NS)
    assert profiles.get("MaximumNumberOfProfiles") == str(running_camera.camera.media.max_profiles) == "16"
    supported = profiles.get("ConfigurationsSupported").split()
    assert "All" not in supported
    assert set(supported) == set(FACTORY) | {"PTZ"}
    streaming = caps.find("tr2:StreamingCapabilities", NS)
    for name in ("RTSPStreaming", "RTPMulticast", "RTP_RTSP_TCP", "AutoStartMulticast"):
        assert streaming.get(name) == "true", name
    # Path only (the client keeps the host it reached us on); tests/streaming plays over it.
    assert streaming.get("RTSPWebSocketUri") == "ws:/rtsp-over-websocket"


# --- GetProfiles ------------------------------------------------------------------------------------


def test_get_profiles_without_type_gives_names_only(media2):
    found = get_profiles(media2)
    assert tokens(found) == FACTORY_PROFILES
    assert [one(p, "tr2:Name") for p in found] == ["MainStream", "SubStream", "JPEG"]
    assert all(p.get("fixed") == "true" for p in found)
    assert all(p.find("tr2:Configurations", NS) is None for p in found)


def test_get_profiles_type_all_gives_every_configuration_in_schema_order(media2):
    main, sub, jpeg = get_profiles(media2, types=("All",))
    main_set = {local(c): c for c in main.find("tr2:Configurations", NS)}
    assert list(main_set) == MAIN_SET
    assert list(main_set) == sorted(main_set, key=SET_ORDER.index)
    assert {k: c.get("token") for k, c in main_set.items()} == {
        "VideoSource": "VideoSourceConfig_1",
        "AudioSource": "AudioSourceConfig_1",
        "VideoEncoder": "VideoEncoder_1",
        "AudioEncoder": "AudioEncoder_1",
        "PTZ": "PTZConfig_1",
        "Metadata": "MetadataConfig_1",
        "AudioOutput": "AudioOutputConfig_1",
        "AudioDecoder": "AudioDecoderConfig_1",
    }
    encoder = main_set["VideoEncoder"]
    assert one(encoder, "tt:Encoding") == "H264"
    assert (one(encoder, "tt:Resolution/tt:Width"), one(encoder, "tt:Resolution/tt:Height")) == ("1920", "1080")
    assert encoder.get("Profile") == "High"
    assert one(main_set["AudioEncoder"], "tt:Encoding") == "PCMU"
    # Quality comes last in VideoEncoder2Configuration, Multicast before Bitrate in AudioEncoder2Configuration.
    assert [local(c) for c in encoder] == VIDEO_ENCODER2_ORDER
    assert [local(c) for c in main_set["AudioEncoder"]] == AUDIO_ENCODER2_ORDER
    assert [local(c) for c in sub.find("tr2:Configurations", NS)] == SUB_SET
    assert texts(jpeg, "tr2:Configurations/tr2:VideoEncoder/tt:Encoding") == ["JPEG"]


@pytest.mark.parametrize(
    "types, expected",
    [
        (("VideoEncoder",), {"Profile_1": ["VideoEncoder"], "Profile_2": ["VideoEncoder"]}),
        (("Metadata", "VideoSource"), {"Profile_1": ["VideoSource", "Metadata"], "Profile_2": ["VideoSource"]}),
        (("AudioDecoder", "Bogus"), {"Profile_1": ["AudioDecoder"], "Profile_2": []}),
        (("VideoSource", "All"), {"Profile_1": MAIN_SET, "Profile_2": SUB_SET}),
    ],
    ids=["VideoEncoder", "two types", "unknown type ignored", "All wins"],
)
def test_get_profiles_type_filters_the_content_not_the_profiles(media2, types, expected):
    found = get_profiles(media2, types=types)
    assert tokens(found) == FACTORY_PROFILES
    for p in found:
        if p.get("token") in expected:
            assert [local(c) for c in p.xpath("tr2:Configurations/*", namespaces=NS)] == expected[p.get("token")]


def test_get_profiles_token_filter(media2):
    (p,) = get_profiles(media2, "Profile_2", ("VideoEncoder",))
    assert p.get("token") == "Profile_2"
    assert one(p, "tr2:Configurations/tr2:VideoEncoder/tt:Resolution/tt:Width") == "640"
    fails(media2, profiles_body("NoSuchProfile"), NO_PROFILE)
    fails(media2, profiles_body("NoSuchProfile", ("All",)), NO_PROFILE)


# --- profile editing ------------------------------------------------------------------------------------


def test_create_profile_with_source_and_encoder_in_one_request(media2, media1):
    token = create_profile(media2, "Custom", ("VideoSource", "VideoSourceConfig_1"), ("VideoEncoder", "VideoEncoder_2"))
    assert token not in FACTORY_PROFILES
    (p,) = get_profiles(media2, token, ("All",))
    assert p.get("fixed") == "false"
    assert one(p, "tr2:Name") == "Custom"
    assert contents(media2, token) == {"VideoSource": "VideoSourceConfig_1", "VideoEncoder": "VideoEncoder_2"}
    assert one(p, "tr2:Configurations/tr2:VideoEncoder/tt:UseCount") == "2"  # Profile_2 and this one
    assert one(p, "tr2:Configurations/tr2:VideoSource/tt:UseCount") == "4"
    # Media1 sees the same profile.
    m1 = media1.call(f"<trt:GetProfile><trt:ProfileToken>{token}</trt:ProfileToken></trt:GetProfile>")
    assert m1.find("trt:Profile", NS).get("fixed") == "false"
    assert one(m1, "trt:Profile/tt:VideoEncoderConfiguration/@token") == "VideoEncoder_2"


def test_create_profile_empty_and_with_type_all_ignored(media2):
    token = create_profile(media2, "Empty", ("All", None))
    assert contents(media2, token) == {}


@pytest.mark.parametrize(
    "pairs, codes",
    [
        ([("VideoEncoder", "VideoEncoder_2")], CONFLICT),
        ([("AudioEncoder", "AudioEncoder_1")], CONFLICT),
        ([("AudioDecoder", "AudioDecoderConfig_1")], CONFLICT),
        ([("VideoSource", "VideoSourceConfig_1"), ("VideoEncoder", "NoSuchEncoder")], NO_CONFIG),
        ([("VideoSource", "NoSuchSource")], NO_CONFIG),
        ([("VideoSource", None)], NO_CONFIG),
    ],
    ids=[
        "encoder without source",
        "audio encoder without source",
        "decoder without output",
        "unknown encoder",
        "unknown source",
        "no token",
    ],
)
def test_create_profile_failures_leave_nothing_behind(media2, running_camera, pairs, codes):
    fails(media2, create_profile_body("Broken", *pairs), codes)
    assert tokens(get_profiles(media2)) == FACTORY_PROFILES
    assert len(running_camera.camera.media.state.profiles) == 3


def test_create_profile_up_to_the_maximum(media2):
    for n in range(16 - len(FACTORY_PROFILES)):
        create_profile(media2, f"Extra {n}")
    assert len(get_profiles(media2)) == 16
    fails(media2, create_profile_body("One too many"), [RECEIVER, "ter:Action", "ter:MaxNVTProfiles"])
    assert len(get_profiles(media2)) == 16


def test_add_configuration_replaces_the_one_of_the_same_type(media2):
    token = create_profile(media2, "Swap", ("VideoSource", "VideoSourceConfig_1"), ("VideoEncoder", "VideoEncoder_2"))
    media2.call(add_body(token, ("VideoEncoder", "VideoEncoder_3"), ("Metadata", "MetadataConfig_1")))
    assert contents(media2, token) == {
        "VideoSource": "VideoSourceConfig_1",
        "VideoEncoder": "VideoEncoder_3",
        "Metadata": "MetadataConfig_1",
    }
    assert one(configuration(media2, "VideoEncoder", "VideoEncoder_2"), "tt:UseCount") == "1"
    assert one(configuration(media2, "VideoEncoder", "VideoEncoder_3"), "tt:UseCount") == "2"


def test_add_configuration_with_name_only_renames(media2):
    before = contents(media2, "Profile_2")
    media2.call(add_body("Profile_2", name="Renamed"))
    (p,) = get_profiles(media2, "Profile_2")
    assert one(p, "tr2:Name") == "Renamed"
    assert contents(media2, "Profile_2") == before


@pytest.mark.parametrize(
    "body, codes",
    [
        (add_body("NoSuchProfile", ("VideoSource", "VideoSourceConfig_1")), NO_PROFILE),
        (add_body("Profile_2", ("VideoEncoder", "NoSuchEncoder")), NO_CONFIG),
        (add_body("Profile_2", ("PTZ", "NoSuchPTZ")), NO_CONFIG),
        (remove_body("NoSuchProfile", "VideoEncoder"), NO_PROFILE),
    ],
    ids=["add to unknown profile", "add unknown config", "add unknown PTZ", "remove from unknown profile"],
)
def test_add_and_remove_faults(media2, body, codes):
    fails(media2, body, codes)
    assert contents(media2, "Profile_2") == {
        "VideoSource": "VideoSourceConfig_1",
        "VideoEncoder": "VideoEncoder_2",
        "PTZ": "PTZConfig_1",
    }


def test_add_source_and_dependent_in_one_request_to_an_empty_profile(media2):
    token = create_profile(media2, "Audio only")
    media2.call(add_body(token, ("AudioEncoder", "AudioEncoder_2"), ("AudioSource", "AudioSourceConfig_1")))
    assert contents(media2, token) == {"AudioSource": "AudioSourceConfig_1", "AudioEncoder": "AudioEncoder_2"}
    fails(media2, add_body(token, ("PTZ", "PTZConfig_1")), CONFLICT)  # PTZ needs a video source
    media2.call(add_body(token, ("PTZ", "PTZConfig_1"), ("VideoSource", "VideoSourceConfig_1")))
    assert contents(media2, token)["PTZ"] == "PTZConfig_1"


def test_remove_configuration_by_type(media2):
    media2.call(remove_body("Profile_1", "Metadata", "AudioDecoder"))
    assert set(contents(media2, "Profile_1")) == {
        "VideoSource",
        "AudioSource",
        "VideoEncoder",
        "AudioEncoder",
        "PTZ",
        "AudioOutput",
    }
    media2.call(remove_body("Profile_1", "Metadata", "Analytics"))  # absent types: no error
    assert "Metadata" not in contents(media2, "Profile_1")
    media2.call(remove_body("Profile_1", "All"))
    assert contents(media2, "Profile_1") == {}
    (p,) = get_profiles(media2, "Profile_1", ("All",))
    assert one(p, "tr2:Name") == "MainStream"  # a fixed profile can still be emptied


@pytest.mark.parametrize(
    "kinds",
    [("VideoSource",), ("AudioSource",), ("AudioOutput",)],
)
def test_removing_a_required_configuration_while_the_dependent_stays_is_a_conflict(media2, kinds):
    before = contents(media2, "Profile_1")
    fails(media2, remove_body("Profile_1", *kinds), CONFLICT)
    assert contents(media2, "Profile_1") == before


def test_removing_source_and_encoder_together_works(media2):
    media2.call(remove_body("Profile_2", "VideoSource", "VideoEncoder", "PTZ"))
    assert contents(media2, "Profile_2") == {}
    media2.call(remove_body("Profile_1", "AudioEncoder", "AudioSource", "AudioDecoder", "AudioOutput"))
    assert set(contents(media2, "Profile_1")) == {"VideoSource", "VideoEncoder", "PTZ", "Metadata"}


def test_delete_profile(media2, media1):
    token = create_profile(media2, "Short lived", ("VideoSource", "VideoSourceConfig_1"))
    media2.call(f"<tr2:DeleteProfile><tr2:Token>{token}</tr2:Token></tr2:DeleteProfile>")
    assert tokens(get_profiles(media2)) == FACTORY_PROFILES
    assert tokens(media1.call("<trt:GetProfiles/>").findall("trt:Profiles", NS)) == FACTORY_PROFILES
    fails(media2, f"<tr2:DeleteProfile><tr2:Token>{token}</tr2:Token></tr2:DeleteProfile>", NO_PROFILE)
    fails(
        media2,
        "<tr2:DeleteProfile><tr2:Token>Profile_1</tr2:Token></tr2:DeleteProfile>",
        [SENDER, "ter:Action", "ter:DeletionOfFixedProfile"],
    )
    assert tokens(get_profiles(media2)) == FACTORY_PROFILES


# --- Get<X>Configurations ------------------------------------------------------------------------------

# What an empty profile may take: nothing that depends on a configuration it lacks.
COMPATIBLE_WITH_EMPTY = {
    "VideoSource": FACTORY["VideoSource"],
    "AudioSource": FACTORY["AudioSource"],
    "VideoEncoder": [],  # needs a video source
    "AudioEncoder": [],  # needs an audio source
    "Analytics": [],  # needs a video source
    "Metadata": FACTORY["Metadata"],
    "AudioOutput": FACTORY["AudioOutput"],
    "AudioDecoder": [],  # needs an audio output
}


@pytest.mark.parametrize("kind", list(FACTORY))
def test_get_configurations_filters(media2, kind):
    assert tokens(configurations(media2, kind)) == FACTORY[kind]
    last = FACTORY[kind][-1]
    assert tokens(configurations(media2, kind, config=last)) == [last]
    fails(media2, filter_body(f"Get{kind}Configurations", config="NoSuchConfig"), NO_CONFIG)
    # A ProfileToken alone asks what could be added to that profile.
    empty = create_profile(media2, "Empty")
    assert tokens(configurations(media2, kind, profile=empty)) == COMPATIBLE_WITH_EMPTY[kind]
    assert tokens(configurations(media2, kind, profile="Profile_1")) == FACTORY[kind]
    fails(media2, filter_body(f"Get{kind}Configurations", profile="NoSuchProfile"), NO_PROFILE)
    # Both: the configuration, if it fits the profile.
    assert tokens(configurations(media2, kind, config=last, profile="Profile_1")) == [last]
    if not COMPATIBLE_WITH_EMPTY[kind]:
        fails(media2, filter_body(f"Get{kind}Configurations", config=last, profile=empty), NO_CONFIG)
    fails(media2, filter_body(f"Get{kind}Configurations", config=last, profile="NoSuchProfile"), NO_PROFILE)


@pytest.mark.parametrize("kind", list(FACTORY))
def test_media2_and_media1_list_the_same_configurations(media2, media1, kind):
    name = MEDIA1_NAME.get(kind, kind)
    m1 = media1.call(f"<trt:Get{name}Configurations/>").findall("trt:Configurations", NS)
    m2 = configurations(media2, kind)
    hidden = {"VideoEncoder_4"} if kind == "VideoEncoder" else set()  # H.265 cannot be said in Media1
    assert tokens(m1) == [c.get("token") for c in m2 if c.get("token") not in hidden]
    for c1 in m1:
        c2 = next(c for c in m2 if c.get("token") == c1.get("token"))
        assert (one(c1, "tt:Name"), one(c1, "tt:UseCount")) == (one(c2, "tt:Name"), one(c2, "tt:UseCount"))


def test_the_h265_encoder_is_media2_only(media2, media1):
    assert one(configuration(media2, "VideoEncoder", "VideoEncoder_4"), "tt:Encoding") == "H265"
    fails(
        media1,
        "<trt:GetVideoEncoderConfiguration><trt:ConfigurationToken>VideoEncoder_4</trt:ConfigurationToken>"
        "</trt:GetVideoEncoderConfiguration>",
        NO_CONFIG,
    )
    # Attached to a profile through Media2, it is left out of that profile in Media1.
    media2.call(add_body("Profile_2", ("VideoEncoder", "VideoEncoder_4")))
    assert contents(media2, "Profile_2")["VideoEncoder"] == "VideoEncoder_4"
    m1 = media1.call("<trt:GetProfile><trt:ProfileToken>Profile_2</trt:ProfileToken></trt:GetProfile>")
    assert m1.find("trt:Profile/tt:VideoSourceConfiguration", NS) is not None
    assert m1.find("trt:Profile/tt:VideoEncoderConfiguration", NS) is None


# --- options ------------------------------------------------------------------------------------------------


def test_video_encoder_options_one_per_encoding(media2):
    found = options(media2, "VideoEncoder", config="VideoEncoder_1")
    by_encoding = {one(o, "tt:Encoding"): o for o in found}
    assert list(by_encoding) == ["H264", "H265", "JPEG"]
    for encoding, o in by_encoding.items():
        rates = [float(r) for r in o.get("FrameRatesSupported").split()]
        assert max(rates) == 25.0 and min(rates) == 1.0
        sizes = [(int(one(r, "tt:Width")), int(one(r, "tt:Height"))) for r in o.findall("tt:ResolutionsAvailable", NS)]
        assert sizes[0] == (1920, 1080) and (640, 360) in sizes
        assert [one(o, "tt:BitrateRange/tt:Min"), one(o, "tt:BitrateRange/tt:Max")] == ["32", "16384"]
        if encoding == "JPEG":
            assert o.get("GovLengthRange") is None and o.get("ProfilesSupported") is None
        else:
            assert o.get("GovLengthRange").split() == ["1", "300"]
    assert by_encoding["H264"].get("ProfilesSupported").split() == ["Baseline", "Main", "High"]
    assert by_encoding["H265"].get("ProfilesSupported").split() == ["Main"]
    # Generic and per-profile options agree for the main profile.
    assert [xml(o) for o in options(media2, "VideoEncoder", profile="Profile_1")] == [xml(o) for o in found]
    assert len(options(media2, "VideoEncoder")) == 3


@pytest.mark.parametrize(
    "kind, path, expected",
    [
        ("VideoSource", "tt:VideoSourceTokensAvailable", ["VideoSource_1"]),
        ("VideoSource", "tt:BoundsRange/tt:WidthRange/tt:Max", ["1920"]),
        ("VideoSource", "tt:Extension/tt:Rotate/tt:Mode", ["OFF", "ON", "AUTO"]),
        ("AudioSource", "tt:InputTokensAvailable", ["AudioSource_1"]),
        ("AudioEncoder", "tt:Encoding", ["PCMU", "mpeg4-generic"]),
        ("Metadata", "tt:PTZStatusFilterOptions/tt:PanTiltStatusSupported", ["true"]),
        ("AudioOutput", "tt:OutputTokensAvailable", ["AudioOutput_1"]),
        ("AudioOutput", "tt:OutputLevelRange/tt:Max", ["100"]),
        ("AudioDecoder", "tt:Encoding", ["PCMU"]),
    ],
)
def test_configuration_options(media2, kind, path, expected):
    found = options(media2, kind, config=FACTORY[kind][0])
    assert [t for o in found for t in texts(o, path)] == expected
    generic = options(media2, kind)
    assert [t for o in generic for t in texts(o, path)] == expected


@pytest.mark.parametrize("kind", SETTABLE)
def test_options_faults(media2, kind):
    op = f"Get{kind}ConfigurationOptions"
    fails(media2, filter_body(op, config="NoSuchConfig"), NO_CONFIG)
    fails(media2, filter_body(op, profile="NoSuchProfile"), NO_PROFILE)
    fails(media2, filter_body(op, config=FACTORY[kind][0], profile="NoSuchProfile"), NO_PROFILE)
    # Both tokens: the options for that configuration in that profile, if it fits there at all.
    assert options(media2, kind, config=FACTORY[kind][0], profile="Profile_1")
    empty = create_profile(media2, "Empty")
    if COMPATIBLE_WITH_EMPTY[kind]:
        assert options(media2, kind, config=FACTORY[kind][0], profile=empty)
    else:
        fails(
            media2,
            filter_body(op, config=FACTORY[kind][0], profile=empty),
            [SENDER, "ter:InvalidArgVal", "ter:IncompatibleConfiguration"],
        )


def _encoder_settings(cfg: etree._Element) -> dict[str, object]:
    return {
        "Encoding": one(cfg, "tt:Encoding"),
        "Resolution": (int(one(cfg, "tt:Resolution/tt:Width")), int(one(cfg, "tt:Resolution/tt:Height"))),
        "FrameRateLimit": float(one(cfg, "tt:RateControl/tt:FrameRateLimit")),
        "BitrateLimit": int(one(cfg, "tt:RateControl/tt:BitrateLimit")),
        "Quality": float(one(cfg, "tt:Quality")),
        "GovLength": cfg.get("GovLength"),
        "Profile": cfg.get("Profile"),
    }


def _encoder_with(cfg: etree._Element, settings: dict[str, object]) -> etree._Element:
    cfg = copy.deepcopy(cfg)
    put(cfg, "tt:Encoding", settings["Encoding"])
    width, height = settings["Resolution"]
    put(cfg, "tt:Resolution/tt:Width", width)
    put(cfg, "tt:Resolution/tt:Height", height)
    put(cfg, "tt:RateControl/tt:FrameRateLimit", settings["FrameRateLimit"])
    put(cfg, "tt:RateControl/tt:BitrateLimit", settings["BitrateLimit"])
    put(cfg, "tt:Quality", settings["Quality"])
    for attr in ("GovLength", "Profile"):
        if settings[attr] is None:
            cfg.attrib.pop(attr, None)
        else:
            cfg.set(attr, str(settings[attr]))
    return cfg


def test_every_video_encoder_combination_offered_is_accepted(media2, media1):
    token = "VideoEncoder_1"
    offered = {one(o, "tt:Encoding"): o for o in options(media2, "VideoEncoder", config=token)}
    step = 0
    for encoding in ("H264", "H265", "JPEG", "H264"):  # every switch of codec, and back
        o = offered[encoding]
        rates = [float(r) for r in o.get("FrameRatesSupported").split()]
        sizes = [(int(one(r, "tt:Width")), int(one(r, "tt:Height"))) for r in o.findall("tt:ResolutionsAvailable", NS)]
        profiles = (o.get("ProfilesSupported") or "").split()
        gov = [int(g) for g in (o.get("GovLengthRange") or "").split()]
        quality = [float(one(o, "tt:QualityRange/tt:Min")), float(one(o, "tt:QualityRange/tt:Max"))]
        bitrate = [int(one(o, "tt:BitrateRange/tt:Min")), int(one(o, "tt:BitrateRange/tt:Max"))]
        for size in sizes:
            for fps in (max(rates), min(rates)):
                step += 1
                wanted = {
                    "Encoding": encoding,
                    "Resolution": size,
                    "FrameRateLimit": fps,
                    "BitrateLimit": bitrate[step % 2],
                    "Quality": quality[step % 2],
                    "GovLength": str(gov[step % 2]) if gov else None,
                    "Profile": profiles[step % len(profiles)] if profiles else None,
                }
                media2.call(
                    set_body("VideoEncoder", _encoder_with(configuration(media2, "VideoEncoder", token), wanted))
                )
                assert _encoder_settings(configuration(media2, "VideoEncoder", token)) == wanted
    # Every frame rate listed, too.
    for fps in offered["H264"].get("FrameRatesSupported").split():
        current = configuration(media2, "VideoEncoder", token)
        wanted = {**_encoder_settings(current), "FrameRateLimit": float(fps)}
        media2.call(set_body("VideoEncoder", _encoder_with(current, wanted)))
        assert _encoder_settings(configuration(media2, "VideoEncoder", token))["FrameRateLimit"] == float(fps)
    # Media1 reads the last H.264 setting.
    final = _encoder_settings(configuration(media2, "VideoEncoder", token))
    m1 = media1_configuration(media1, "VideoEncoder", token)
    assert one(m1, "tt:Encoding") == "H264"
    assert (int(one(m1, "tt:Resolution/tt:Width")), int(one(m1, "tt:Resolution/tt:Height"))) == final["Resolution"]
    assert one(m1, "tt:H264/tt:H264Profile") == final["Profile"]
    assert one(m1, "tt:H264/tt:GovLength") == final["GovLength"]


def test_switching_to_jpeg_drops_profile_and_back_gets_one(media2):
    cfg = configuration(media2, "VideoEncoder", "VideoEncoder_2")
    settings = {**_encoder_settings(cfg), "Encoding": "JPEG", "GovLength": None, "Profile": None}
    media2.call(set_body("VideoEncoder", _encoder_with(cfg, settings)))
    jpeg = configuration(media2, "VideoEncoder", "VideoEncoder_2")
    assert (one(jpeg, "tt:Encoding"), jpeg.get("Profile"), jpeg.get("GovLength")) == ("JPEG", None, None)
    # Back to H.265 without naming Profile or GovLength: the camera picks valid ones.
    settings = {**_encoder_settings(jpeg), "Encoding": "H265"}
    media2.call(set_body("VideoEncoder", _encoder_with(jpeg, settings)))
    h265 = configuration(media2, "VideoEncoder", "VideoEncoder_2")
    assert one(h265, "tt:Encoding") == "H265"
    assert h265.get("Profile") == "Main"
    assert 1 <= int(h265.get("GovLength")) <= 300


@pytest.mark.parametrize(
    "change",
    [
        {"Resolution": (1000, 1000)},
        {"Resolution": (3840, 2160)},
        {"FrameRateLimit": 26.0},
        {"FrameRateLimit": 0.5},
        {"Encoding": "H265", "Profile": "Main10"},
        {"Encoding": "H265", "Profile": "High"},
        {"Encoding": "MPV4-ES"},
        {"Encoding": "MPEG4"},
        {"GovLength": "0"},
        {"GovLength": "301"},
        {"Quality": 101.0},
    ],
    ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()),
)
def test_video_encoder_values_not_offered_are_refused(media2, change):
    cfg = configuration(media2, "VideoEncoder", "VideoEncoder_1")
    before = _encoder_settings(cfg)
    fails(media2, set_body("VideoEncoder", _encoder_with(cfg, {**before, **change})), CONFIG_MODIFY)
    assert _encoder_settings(configuration(media2, "VideoEncoder", "VideoEncoder_1")) == before


def test_video_encoder_guaranteed_frame_rate_is_not_offered(media2):
    cfg = configuration(media2, "VideoEncoder", "VideoEncoder_1")
    assert all(o.get("GuaranteedFrameRateSupported") == "false" for o in options(media2, "VideoEncoder"))
    cfg.set("GuaranteedFrameRate", "true")
    fails(media2, set_body("VideoEncoder", cfg), CONFIG_MODIFY)


@pytest.mark.parametrize("asked, kept", [(100000, 16384), (1, 32)])
def test_video_encoder_bitrate_outside_the_range_is_clamped(media2, asked, kept):
    # Media2: "A device shall adapt an out of range BitrateLimit instead of returning a fault."
    cfg = configuration(media2, "VideoEncoder", "VideoEncoder_1")
    media2.call(set_body("VideoEncoder", _encoder_with(cfg, {**_encoder_settings(cfg), "BitrateLimit": asked})))
    assert one(configuration(media2, "VideoEncoder", "VideoEncoder_1"), "tt:RateControl/tt:BitrateLimit") == str(kept)


def test_unknown_configuration_in_set_is_no_config(media2):
    for kind in SETTABLE:
        cfg = configuration(media2, kind, FACTORY[kind][0])
        cfg.set("token", "NoSuchConfig")
        fails(media2, set_body(kind, cfg), NO_CONFIG)


# --- Set round trips, seen through both services ---------------------------------------------------------------


def test_video_source_bounds_and_rotation(media2, media1):
    cfg = configuration(media2, "VideoSource", "VideoSourceConfig_1")
    cfg.find("tt:Bounds", NS).attrib.update({"x": "160", "y": "90", "width": "1280", "height": "720"})
    rotate = cfg.find("tt:Extension/tt:Rotate", NS)
    put(rotate, "tt:Mode", "ON")
    etree.SubElement(rotate, f"{{{TT}}}Degree").text = "180"
    media2.call(set_body("VideoSource", cfg))
    for got in (
        configuration(media2, "VideoSource", "VideoSourceConfig_1"),
        media1_configuration(media1, "VideoSource", "VideoSourceConfig_1"),
    ):
        assert dict(got.find("tt:Bounds", NS).attrib) == {"x": "160", "y": "90", "width": "1280", "height": "720"}
        assert (one(got, "tt:Extension/tt:Rotate/tt:Mode"), one(got, "tt:Extension/tt:Rotate/tt:Degree")) == (
            "ON",
            "180",
        )
    # Without Rotate the rotation stays as it is.
    cfg = configuration(media2, "VideoSource", "VideoSourceConfig_1")
    cfg.remove(cfg.find("tt:Extension", NS))
    cfg.find("tt:Bounds", NS).attrib.update({"x": "0", "y": "0", "width": "1920", "height": "1080"})
    media2.call(set_body("VideoSource", cfg))
    got = configuration(media2, "VideoSource", "VideoSourceConfig_1")
    assert got.find("tt:Bounds", NS).get("width") == "1920"
    assert one(got, "tt:Extension/tt:Rotate/tt:Degree") == "180"


@pytest.mark.parametrize(
    "bounds, mode",
    [
        ({"x": "800", "width": "1280"}, None),
        ({"width": "8"}, None),
        ({"height": "1200"}, None),
        ({}, "SIDEWAYS"),
    ],
    ids=["past the right edge", "too small", "too high", "bad rotate mode"],
)
def test_video_source_values_not_offered_are_refused(media2, bounds, mode):
    cfg = configuration(media2, "VideoSource", "VideoSourceConfig_1")
    before = xml(cfg)
    cfg.find("tt:Bounds", NS).attrib.update(bounds)
    if mode:
        put(cfg, "tt:Extension/tt:Rotate/tt:Mode", mode)
    fails(media2, set_body("VideoSource", cfg), CONFIG_MODIFY)
    assert xml(configuration(media2, "VideoSource", "VideoSourceConfig_1")) == before


def _audio_encoder_with(cfg: etree._Element, encoding: str, bitrate: int, sample_rate: int) -> etree._Element:
    cfg = copy.deepcopy(cfg)
    put(cfg, "tt:Encoding", encoding)
    put(cfg, "tt:Bitrate", bitrate)
    put(cfg, "tt:SampleRate", sample_rate)
    return cfg


def test_every_audio_encoder_combination_offered_is_accepted(media2, media1):
    media1_name = {"PCMU": "G711", "mpeg4-generic": "AAC"}
    for o in options(media2, "AudioEncoder", config="AudioEncoder_1"):
        encoding = one(o, "tt:Encoding")
        for bitrate in texts(o, "tt:BitrateList/tt:Items"):
            for rate in texts(o, "tt:SampleRateList/tt:Items"):
                cfg = configuration(media2, "AudioEncoder", "AudioEncoder_1")
                media2.call(set_body("AudioEncoder", _audio_encoder_with(cfg, encoding, bitrate, rate)))
                got = configuration(media2, "AudioEncoder", "AudioEncoder_1")
                assert [one(got, f"tt:{f}") for f in ("Encoding", "Bitrate", "SampleRate")] == [encoding, bitrate, rate]
                m1 = media1_configuration(media1, "AudioEncoder", "AudioEncoder_1")
                assert [one(m1, f"tt:{f}") for f in ("Encoding", "Bitrate", "SampleRate")] == [
                    media1_name[encoding],
                    bitrate,
                    rate,
                ]


def test_audio_encoder_accepts_mp4a_latm_as_aac(media2, media1):
    cfg = configuration(media2, "AudioEncoder", "AudioEncoder_1")
    media2.call(set_body("AudioEncoder", _audio_encoder_with(cfg, "MP4A-LATM", 96, 32)))
    assert one(configuration(media2, "AudioEncoder", "AudioEncoder_1"), "tt:Encoding") == "mpeg4-generic"
    assert one(media1_configuration(media1, "AudioEncoder", "AudioEncoder_1"), "tt:Encoding") == "AAC"
    # ... and back to G.711.
    cfg = configuration(media2, "AudioEncoder", "AudioEncoder_1")
    media2.call(set_body("AudioEncoder", _audio_encoder_with(cfg, "PCMU", 64, 8)))
    assert one(media1_configuration(media1, "AudioEncoder", "AudioEncoder_1"), "tt:Encoding") == "G711"


@pytest.mark.parametrize(
    "encoding, bitrate, rate",
    [
        ("PCMU", 128, 8),
        ("PCMU", 64, 16),
        ("mpeg4-generic", 64, 8),
        ("mpeg4-generic", 100, 16),
        ("G711", 64, 8),
        ("G726", 32, 8),
        ("AAC", 64, 16),
    ],
)
def test_audio_encoder_values_not_offered_are_refused(media2, encoding, bitrate, rate):
    cfg = configuration(media2, "AudioEncoder", "AudioEncoder_1")
    fails(media2, set_body("AudioEncoder", _audio_encoder_with(cfg, encoding, bitrate, rate)), CONFIG_MODIFY)
    assert xml(configuration(media2, "AudioEncoder", "AudioEncoder_1")) == xml(cfg)


def _metadata_body(*, ptz: tuple[str, str] | None, topic: str | None, analytics: str, compression: str | None = None):
    attr = f' CompressionType="{compression}"' if compression else ""
    ptz_el = (
        f"<tt:PTZStatus><tt:Status>{ptz[0]}</tt:Status><tt:Position>{ptz[1]}</tt:Position></tt:PTZStatus>"
        if ptz
        else ""
    )
    events = ""
    if topic is not None:
        events = (
            f'<tt:Events><tt:Filter><wsnt:TopicExpression xmlns:wsnt="{WSNT}" '
            'xmlns:tns1="http://www.onvif.org/ver10/topics" '
            f'Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">{topic}</wsnt:TopicExpression>'
            "</tt:Filter></tt:Events>"
        )
    return (
        f'<tr2:SetMetadataConfiguration><tr2:Configuration token="MetadataConfig_1"{attr}>'
        f"<tt:Name>Motion only</tt:Name><tt:UseCount>1</tt:UseCount>{ptz_el}{events}"
        f"<tt:Analytics>{analytics}</tt:Analytics>"
        "<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>239.1.2.3</tt:IPv4Address></tt:Address>"
        "<tt:Port>40000</tt:Port><tt:TTL>5</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>"
        "<tt:SessionTimeout>PT90S</tt:SessionTimeout></tr2:Configuration></tr2:SetMetadataConfiguration>"
    )


def test_metadata_round_trip(media2, media1):
    topic = "tns1:VideoSource/MotionAlarm"
    media2.call(_metadata_body(ptz=("true", "false"), topic=topic, analytics="false"))
    for got in (
        configuration(media2, "Metadata", "MetadataConfig_1"),
        media1_configuration(media1, "Metadata", "MetadataConfig_1"),
    ):
        assert one(got, "tt:Name") == "Motion only"
        assert [one(got, "tt:PTZStatus/tt:Status"), one(got, "tt:PTZStatus/tt:Position")] == ["true", "false"]
        assert one(got, "tt:Events/tt:Filter/wsnt:TopicExpression") == topic
        assert one(got, "tt:Analytics") == "false"
        assert one(got, "tt:Multicast/tt:Address/tt:IPv4Address") == "239.1.2.3"
        assert one(got, "tt:Multicast/tt:TTL") == "5"
    # Leaving out PTZStatus and Events switches them off.
    media2.call(_metadata_body(ptz=None, topic=None, analytics="true"))
    got = configuration(media2, "Metadata", "MetadataConfig_1")
    assert got.find("tt:PTZStatus", NS) is None and got.find("tt:Events", NS) is None
    assert one(got, "tt:Analytics") == "true"


def test_metadata_compression_is_not_offered(media2):
    before = xml(configuration(media2, "Metadata", "MetadataConfig_1"))
    fails(media2, _metadata_body(ptz=None, topic=None, analytics="true", compression="GZIP"), CONFIG_MODIFY)
    assert xml(configuration(media2, "Metadata", "MetadataConfig_1")) == before
    media2.call(_metadata_body(ptz=None, topic=None, analytics="true", compression="None"))


@pytest.mark.parametrize(
    "kind, token, edit, check",
    [
        (
            "AudioOutput",
            "AudioOutputConfig_1",
            {"tt:OutputLevel": "80", "tt:SendPrimacy": "www.onvif.org/ver20/HalfDuplex/Server"},
            {"tt:OutputLevel": "80", "tt:SendPrimacy": "www.onvif.org/ver20/HalfDuplex/Server"},
        ),
        ("AudioDecoder", "AudioDecoderConfig_1", {"tt:Name": "Intercom"}, {"tt:Name": "Intercom"}),
        ("AudioSource", "AudioSourceConfig_1", {"tt:Name": "Lapel mic"}, {"tt:Name": "Lapel mic"}),
    ],
    ids=["AudioOutput", "AudioDecoder", "AudioSource"],
)
def test_audio_set_round_trips(media2, media1, kind, token, edit, check):
    cfg = configuration(media2, kind, token)
    for path, value in edit.items():
        put(cfg, path, value)
    media2.call(set_body(kind, cfg))
    for got in (configuration(media2, kind, token), media1_configuration(media1, kind, token)):
        assert {path: one(got, path) for path in check} == check


@pytest.mark.parametrize(
    "kind, token, path, value",
    [
        ("AudioOutput", "AudioOutputConfig_1", "tt:OutputLevel", "101"),
        ("AudioOutput", "AudioOutputConfig_1", "tt:SendPrimacy", "www.onvif.org/ver20/HalfDuplex/Never"),
        ("AudioOutput", "AudioOutputConfig_1", "tt:OutputToken", "AudioOutput_9"),
        ("AudioDecoder", "AudioDecoderConfig_1", "tt:Name", "x" * 65),
        ("AudioSource", "AudioSourceConfig_1", "tt:SourceToken", "AudioSource_9"),
        ("VideoSource", "VideoSourceConfig_1", "tt:SourceToken", "VideoSource_9"),
    ],
    ids=["output level", "send primacy", "output token", "long name", "audio source token", "video source token"],
)
def test_audio_and_source_values_not_offered_are_refused(media2, kind, token, path, value):
    cfg = configuration(media2, kind, token)
    before = xml(cfg)
    put(cfg, path, value)
    fails(media2, set_body(kind, cfg), CONFIG_MODIFY)
    assert xml(configuration(media2, kind, token)) == before


def test_video_encoder_change_is_seen_by_media1(media2, media1):
    cfg = configuration(media2, "VideoEncoder", "VideoEncoder_2")
    wanted = {**_encoder_settings(cfg), "Resolution": (1280, 720), "Profile": "Baseline", "GovLength": "30"}
    media2.call(set_body("VideoEncoder", _encoder_with(cfg, wanted)))
    m1 = media1_configuration(media1, "VideoEncoder", "VideoEncoder_2")
    assert [one(m1, p) for p in ("tt:Resolution/tt:Width", "tt:H264/tt:H264Profile", "tt:H264/tt:GovLength")] == [
        "1280",
        "Baseline",
        "30",
    ]
    # Turned into H.265, the main encoder leaves Media1's lists and profile.
    cfg = configuration(media2, "VideoEncoder", "VideoEncoder_1")
    media2.call(
        set_body("VideoEncoder", _encoder_with(cfg, {**_encoder_settings(cfg), "Encoding": "H265", "Profile": "Main"}))
    )
    listed = tokens(media1.call("<trt:GetVideoEncoderConfigurations/>").findall("trt:Configurations", NS))
    assert listed == ["VideoEncoder_2", "VideoEncoder_3"]
    profile = media1.call("<trt:GetProfile><trt:ProfileToken>Profile_1</trt:ProfileToken></trt:GetProfile>")
    assert profile.find("trt:Profile/tt:VideoEncoderConfiguration", NS) is None


# --- streaming --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "protocol, form",
    [
        ("RtspUnicast", "rtsp://127.0.0.1:{rtsp}/stream/{profile}"),
        ("RTSP", "rtsp://127.0.0.1:{rtsp}/stream/{profile}"),
        ("RtspMulticast", "rtsp://127.0.0.1:{rtsp}/stream/{profile}/multicast"),
        ("RtspOverHttp", "http://127.0.0.1:{http}/stream/{profile}"),
    ],
)
@pytest.mark.parametrize("profile", FACTORY_PROFILES)
def test_stream_uri(media2, running_camera, protocol, form, profile):
    uri = one(media2.call(stream_uri_body(protocol, profile)), "tr2:Uri")
    assert uri == form.format(rtsp=running_camera.camera.rtsp_port, http=running_camera.port, profile=profile)
    assert len(uri.encode()) <= 128


@pytest.mark.parametrize("protocol", ["RtspsUnicast", "RtspsMulticast", "Foo", "rtspunicast", "HTTP"])
def test_stream_uri_protocol_not_served(media2, protocol):
    fails(media2, stream_uri_body(protocol, "Profile_1"), [SENDER, "ter:InvalidArgVal", "ter:InvalidStreamSetup"])


def test_stream_uri_profile_faults(media2):
    fails(media2, stream_uri_body("RtspUnicast", "NoSuchProfile"), NO_PROFILE)
    empty = create_profile(media2, "Empty")
    fails(media2, stream_uri_body("RtspUnicast", empty), INCOMPLETE)
    fails(media2, stream_uri_body("RtspMulticast", empty), INCOMPLETE)
    # Metadata alone is something to stream.
    media2.call(add_body(empty, ("Metadata", "MetadataConfig_1")))
    assert one(media2.call(stream_uri_body("RtspUnicast", empty)), "tr2:Uri").endswith(f"/stream/{empty}")


def _unset_multicast(media2, kind: str, token: str) -> None:
    cfg = configuration(media2, kind, token)
    put(cfg, "tt:Multicast/tt:Address/tt:IPv4Address", "0.0.0.0")
    media2.call(set_body(kind, cfg))
    assert one(configuration(media2, kind, token), "tt:Multicast/tt:Address/tt:IPv4Address") == "0.0.0.0"


def test_multicast_uri_needs_a_multicast_address(media2, media1):
    invalid = [SENDER, "ter:InvalidArgVal", "ter:InvalidMulticastSettings"]
    # Profile_1 streams video, audio and metadata: each may carry the multicast group.
    for kind, token in (
        ("VideoEncoder", "VideoEncoder_1"),
        ("AudioEncoder", "AudioEncoder_1"),
        ("Metadata", "MetadataConfig_1"),
    ):
        media2.call(stream_uri_body("RtspMulticast", "Profile_1"))
        _unset_multicast(media2, kind, token)
    fails(media2, stream_uri_body("RtspMulticast", "Profile_1"), invalid)
    media2.call(stream_uri_body("RtspUnicast", "Profile_1"))  # unicast is unaffected
    m1 = media1_configuration(media1, "VideoEncoder", "VideoEncoder_1")
    assert one(m1, "tt:Multicast/tt:Address/tt:IPv4Address") == "0.0.0.0"


def test_snapshot_uri(media2, running_camera):
    for profile in FACTORY_PROFILES:
        uri = one(media2.call(profile_op("GetSnapshotUri", profile)), "tr2:Uri")
        assert uri == f"http://127.0.0.1:{running_camera.port}/snapshot/{profile}.jpg"
    fails(media2, profile_op("GetSnapshotUri", "NoSuchProfile"), NO_PROFILE)
    fails(media2, profile_op("GetSnapshotUri", create_profile(media2, "Empty")), INCOMPLETE)


def test_start_and_stop_multicast_streaming(media2, running_camera):
    started = running_camera.camera.media.multicast_started
    assert local(media2.call(profile_op("StartMulticastStreaming", "Profile_2"))) == "StartMulticastStreamingResponse"
    assert started == {"Profile_2"}
    assert local(media2.call(profile_op("StopMulticastStreaming", "Profile_2"))) == "StopMulticastStreamingResponse"
    assert started == set()
    media2.call(profile_op("StopMulticastStreaming", "Profile_2"))  # not streaming: still fine
    fails(media2, profile_op("StartMulticastStreaming", "NoSuchProfile"), NO_PROFILE)
    fails(media2, profile_op("StopMulticastStreaming", "NoSuchProfile"), NO_PROFILE)
    fails(media2, profile_op("StartMulticastStreaming", create_profile(media2, "Empty")), INCOMPLETE)
    assert started == set()


def test_set_synchronization_point_reaches_the_encoders(media2, running_camera):
    calls: list[str] = []
    running_camera.camera.media.sync_point_listeners.append(calls.append)
    assert local(media2.call(profile_op("SetSynchronizationPoint", "Profile_2"))) == "SetSynchronizationPointResponse"
    assert calls == ["Profile_2"]
    fails(media2, profile_op("SetSynchronizationPoint", "NoSuchProfile"), NO_PROFILE)
    assert calls == ["Profile_2"]


def test_video_encoder_instances(media2):
    body = (
        "<tr2:GetVideoEncoderInstances><tr2:ConfigurationToken>{}</tr2:ConfigurationToken>"
        "</tr2:GetVideoEncoderInstances>"
    )
    info = media2.call(body.format("VideoSourceConfig_1")).find("tr2:Info", NS)
    codecs = {one(c, "tr2:Encoding"): int(one(c, "tr2:Number")) for c in info.findall("tr2:Codec", NS)}
    assert codecs == {"H264": 4, "H265": 2, "JPEG": 2}
    total = int(one(info, "tr2:Total"))
    assert 0 < total <= 16 and total >= max(codecs.values())
    fails(media2, body.format("NoSuchSource"), NO_CONFIG)


# --- video source modes -------------------------------------------------------------------------------------------


def _modes(media2) -> dict[str, etree._Element]:
    body = (
        "<tr2:GetVideoSourceModes><tr2:VideoSourceToken>VideoSource_1</tr2:VideoSourceToken></tr2:GetVideoSourceModes>"
    )
    return {m.get("token"): m for m in media2.call(body).findall("tr2:VideoSourceModes", NS)}


def _set_mode_body(source: str, mode: str) -> str:
    return (
        f"<tr2:SetVideoSourceMode><tr2:VideoSourceToken>{source}</tr2:VideoSourceToken>"
        f"<tr2:VideoSourceModeToken>{mode}</tr2:VideoSourceModeToken></tr2:SetVideoSourceMode>"
    )


def test_video_source_modes(media2, media1):
    modes = _modes(media2)
    assert list(modes) == ["VideoSourceMode_1_1", "VideoSourceMode_1_2"]
    assert [m.get("Enabled") for m in modes.values()] == ["true", "false"]
    assert [(one(m, "tr2:MaxResolution/tt:Width"), one(m, "tr2:MaxResolution/tt:Height")) for m in modes.values()] == [
        ("1920", "1080"),
        ("1280", "720"),
    ]
    assert one(modes["VideoSourceMode_1_1"], "tr2:Encodings").split() == ["H264", "H265", "JPEG"]

    reply = media2.call(_set_mode_body("VideoSource_1", "VideoSourceMode_1_2"))
    assert one(reply, "tr2:Reboot") == "false"
    assert [m.get("Enabled") for m in _modes(media2).values()] == ["false", "true"]
    bounds = configuration(media2, "VideoSource", "VideoSourceConfig_1").find("tt:Bounds", NS)
    assert (bounds.get("width"), bounds.get("height")) == ("1280", "720")
    for cfg in configurations(media2, "VideoEncoder"):  # every encoder fits the smaller picture
        assert int(one(cfg, "tt:Resolution/tt:Width")) <= 1280 and int(one(cfg, "tt:Resolution/tt:Height")) <= 720
    main = configuration(media2, "VideoEncoder", "VideoEncoder_1")
    assert (one(main, "tt:Resolution/tt:Width"), one(main, "tt:Resolution/tt:Height")) == ("1280", "720")
    h264 = options(media2, "VideoEncoder", config="VideoEncoder_1")[0]
    assert (
        one(h264, "tt:ResolutionsAvailable[1]/tt:Width"),
        max(map(float, h264.get("FrameRatesSupported").split())),
    ) == ("1280", 50.0)
    source = media1.call("<trt:GetVideoSources/>").find("trt:VideoSources", NS)
    assert (one(source, "tt:Resolution/tt:Width"), one(source, "tt:Framerate")) == ("1280", "50.0")
    # The faster mode's frame rate is accepted now ...
    media2.call(set_body("VideoEncoder", _encoder_with(main, {**_encoder_settings(main), "FrameRateLimit": 50.0})))

    media2.call(_set_mode_body("VideoSource_1", "VideoSourceMode_1_1"))
    assert [m.get("Enabled") for m in _modes(media2).values()] == ["true", "false"]
    bounds = configuration(media2, "VideoSource", "VideoSourceConfig_1").find("tt:Bounds", NS)
    assert (bounds.get("width"), bounds.get("height")) == ("1920", "1080")
    # ... and brought back within the native mode's 25 fps.
    assert one(configuration(media2, "VideoEncoder", "VideoEncoder_1"), "tt:RateControl/tt:FrameRateLimit") == "25.0"


def test_video_source_mode_faults(media2):
    fails(
        media2,
        "<tr2:GetVideoSourceModes><tr2:VideoSourceToken>VideoSource_9</tr2:VideoSourceToken></tr2:GetVideoSourceModes>",
        [SENDER, "ter:InvalidArgVal", "ter:NoVideoSource"],
    )
    fails(
        media2,
        _set_mode_body("VideoSource_9", "VideoSourceMode_1_2"),
        [SENDER, "ter:InvalidArgVal", "ter:NoVideoSource"],
    )
    fails(
        media2,
        _set_mode_body("VideoSource_1", "VideoSourceMode_9"),
        [SENDER, "ter:InvalidArgVal", "ter:NoVideoSourceMode"],
    )
    assert _modes(media2)["VideoSourceMode_1_1"].get("Enabled") == "true"


# --- OSDs ------------------------------------------------------------------------------------------------------------


def osd_xml(
    tag: str = "tr2:OSD",
    *,
    token: str = "ignored",
    vsc: str = "VideoSourceConfig_1",
    position: str = "UpperRight",
    pos: tuple[float, float] | None = None,
    text_type: str = "Plain",
    plain: str | None = "Hello",
    date_format: str | None = None,
    time_format: str | None = None,
    font_size: int | None = None,
) -> str:
    pos_el = f'<tt:Pos x="{pos[0]}" y="{pos[1]}"/>' if pos else ""
    text = f"<tt:Type>{text_type}</tt:Type>"
    text += f"<tt:DateFormat>{date_format}</tt:DateFormat>" if date_format else ""
    text += f"<tt:TimeFormat>{time_format}</tt:TimeFormat>" if time_format else ""
    text += f"<tt:FontSize>{font_size}</tt:FontSize>" if font_size else ""
    text += f"<tt:PlainText>{plain}</tt:PlainText>" if plain is not None and text_type == "Plain" else ""
    return (
        f'<{tag} token="{token}"><tt:VideoSourceConfigurationToken>{vsc}</tt:VideoSourceConfigurationToken>'
        f"<tt:Type>Text</tt:Type><tt:Position><tt:Type>{position}</tt:Type>{pos_el}</tt:Position>"
        f"<tt:TextString>{text}</tt:TextString></{tag}>"
    )


def create_osd(media2, **kw) -> str:
    return one(media2.call(f"<tr2:CreateOSD>{osd_xml(**kw)}</tr2:CreateOSD>"), "tr2:OSDToken")


def osds(media2, token: str | None = None, config: str | None = None) -> list[etree._Element]:
    inner = f"<tr2:OSDToken>{token}</tr2:OSDToken>" if token else ""
    inner += f"<tr2:ConfigurationToken>{config}</tr2:ConfigurationToken>" if config else ""
    return media2.call(f"<tr2:GetOSDs>{inner}</tr2:GetOSDs>").findall("tr2:OSDs", NS)


def test_get_osds(media2):
    assert tokens(osds(media2)) == ["OSD_1_1", "OSD_1_2"]
    assert tokens(osds(media2, config="VideoSourceConfig_1")) == ["OSD_1_1", "OSD_1_2"]
    (plain,) = osds(media2, token="OSD_1_2")
    assert (one(plain, "tt:TextString/tt:Type"), one(plain, "tt:TextString/tt:PlainText")) == (
        "Plain",
        "Virtual Camera",
    )
    assert one(plain, "tt:Position/tt:Type") == "LowerLeft"
    (clock,) = osds(media2, token="OSD_1_1")
    assert one(clock, "tt:TextString/tt:Type") == "DateAndTime"
    fails(media2, "<tr2:GetOSDs><tr2:OSDToken>OSD_9</tr2:OSDToken></tr2:GetOSDs>", NO_CONFIG)
    fails(media2, "<tr2:GetOSDs><tr2:ConfigurationToken>NoSuchSource</tr2:ConfigurationToken></tr2:GetOSDs>", NO_CONFIG)


def test_osd_options(media2):
    body = "<tr2:GetOSDOptions><tr2:ConfigurationToken>{}</tr2:ConfigurationToken></tr2:GetOSDOptions>"
    opts = media2.call(body.format("VideoSourceConfig_1")).find("tr2:OSDOptions", NS)
    limits = opts.find("tt:MaximumNumberOfOSDs", NS)
    assert (limits.get("Total"), limits.get("PlainText"), limits.get("DateAndTime")) == ("6", "4", "2")
    assert "Custom" in texts(opts, "tt:PositionOption")
    assert texts(opts, "tt:TextOption/tt:Type") == ["Plain", "Date", "Time", "DateAndTime"]
    assert "yyyy-MM-dd" in texts(opts, "tt:TextOption/tt:DateFormat")
    fails(media2, body.format("NoSuchSource"), NO_CONFIG)


def test_create_set_and_delete_osds(media2, media1):
    plain = create_osd(media2, token="MyToken", plain="Gate 3")
    assert plain != "MyToken"  # the camera names it
    clock = create_osd(
        media2,
        text_type="DateAndTime",
        plain=None,
        position="LowerRight",
        date_format="dd/MM/yyyy",
        time_format="HH:mm:ss",
    )
    custom = create_osd(media2, position="Custom", pos=(-0.5, 0.25), plain="Here", font_size=32)
    assert tokens(osds(media2)) == ["OSD_1_1", "OSD_1_2", plain, clock, custom]
    (got,) = osds(media2, token=clock)
    assert (one(got, "tt:TextString/tt:DateFormat"), one(got, "tt:Position/tt:Type")) == ("dd/MM/yyyy", "LowerRight")
    (got,) = osds(media2, token=custom)
    assert (got.find("tt:Position/tt:Pos", NS).get("x"), got.find("tt:Position/tt:Pos", NS).get("y")) == (
        "-0.5",
        "0.25",
    )
    assert one(got, "tt:TextString/tt:FontSize") == "32"
    # Media1 draws the same list.
    m1 = media1.call("<trt:GetOSDs/>").findall("trt:OSDs", NS)
    assert tokens(m1) == tokens(osds(media2))

    media2.call(f"<tr2:SetOSD>{osd_xml(token=plain, plain='Gate 4', position='UpperLeft')}</tr2:SetOSD>")
    (got,) = osds(media2, token=plain)
    assert (one(got, "tt:TextString/tt:PlainText"), one(got, "tt:Position/tt:Type")) == ("Gate 4", "UpperLeft")
    m1 = media1.call(f"<trt:GetOSD><trt:OSDToken>{plain}</trt:OSDToken></trt:GetOSD>")
    assert one(m1, "trt:OSD/tt:TextString/tt:PlainText") == "Gate 4"

    media2.call(f"<tr2:DeleteOSD><tr2:OSDToken>{plain}</tr2:OSDToken></tr2:DeleteOSD>")
    fails(media2, f"<tr2:GetOSDs><tr2:OSDToken>{plain}</tr2:OSDToken></tr2:GetOSDs>", NO_CONFIG)
    fails(media2, f"<tr2:DeleteOSD><tr2:OSDToken>{plain}</tr2:OSDToken></tr2:DeleteOSD>", NO_CONFIG)
    fails(media2, f"<tr2:SetOSD>{osd_xml(token=plain)}</tr2:SetOSD>", NO_CONFIG)
    assert tokens(osds(media2)) == ["OSD_1_1", "OSD_1_2", clock, custom]


def test_max_osds(media2):
    max_osds = [RECEIVER, "ter:Action", "ter:MaxOSDs"]
    # The factory has one DateAndTime and one Plain OSD; two DateAndTime are allowed.
    create_osd(media2, text_type="DateAndTime", plain=None)
    fails(media2, f"<tr2:CreateOSD>{osd_xml(text_type='DateAndTime', plain=None)}</tr2:CreateOSD>", max_osds)
    for n in range(3):  # four Plain
        create_osd(media2, plain=f"Line {n}")
    fails(media2, f"<tr2:CreateOSD>{osd_xml(plain='Line 4')}</tr2:CreateOSD>", max_osds)
    assert len(osds(media2)) == 6
    fails(media2, f"<tr2:CreateOSD>{osd_xml(text_type='Date', plain=None)}</tr2:CreateOSD>", max_osds)  # total of 6
    assert len(osds(media2)) == 6


@pytest.mark.parametrize(
    "kw",
    [
        {"text_type": "Date", "plain": None, "date_format": "yy.MM.dd"},
        {"text_type": "Time", "plain": None, "time_format": "HH-mm"},
        {"position": "Middle"},
        {"position": "Custom", "pos": (1.5, 0.0)},
        {"position": "Custom"},
        {"font_size": 200},
        {"plain": ""},
        {"text_type": "Weather"},
    ],
    ids=[
        "date format",
        "time format",
        "position",
        "pos outside",
        "custom without pos",
        "font size",
        "empty text",
        "text type",
    ],
)
def test_osd_values_not_offered_are_refused(media2, kw):
    fails(media2, f"<tr2:CreateOSD>{osd_xml(**kw)}</tr2:CreateOSD>", CONFIG_MODIFY_R)
    fails(media2, f"<tr2:SetOSD>{osd_xml(token='OSD_1_2', **kw)}</tr2:SetOSD>", CONFIG_MODIFY_R)
    assert len(osds(media2)) == 2
    assert one(osds(media2, token="OSD_1_2")[0], "tt:TextString/tt:PlainText") == "Virtual Camera"


def test_osd_on_unknown_video_source_configuration(media2):
    fails(media2, f"<tr2:CreateOSD>{osd_xml(vsc='NoSuchSource')}</tr2:CreateOSD>", NO_CONFIG)


# --- privacy masks ----------------------------------------------------------------------------------------------------

SQUARE = [(-0.5, -0.5), (-0.5, 0.5), (0.5, 0.5), (0.5, -0.5)]


def mask_xml(
    *,
    token: str = "ignored",
    vsc: str = "VideoSourceConfig_1",
    points=SQUARE,
    kind: str = "Color",
    color: tuple[float, float, float] | None = (100.0, 120.0, 130.0),
    enabled: str = "true",
) -> str:
    polygon = "".join(f'<tt:Point x="{x}" y="{y}"/>' for x, y in points)
    color_el = f'<tr2:Color X="{color[0]}" Y="{color[1]}" Z="{color[2]}" Colorspace="{YCBCR}"/>' if color else ""
    return (
        f'<tr2:Mask token="{token}"><tr2:ConfigurationToken>{vsc}</tr2:ConfigurationToken>'
        f"<tr2:Polygon>{polygon}</tr2:Polygon><tr2:Type>{kind}</tr2:Type>{color_el}"
        f"<tr2:Enabled>{enabled}</tr2:Enabled></tr2:Mask>"
    )


def create_mask(media2, **kw) -> str:
    return one(media2.call(f"<tr2:CreateMask>{mask_xml(**kw)}</tr2:CreateMask>"), "tr2:Token")


def masks(media2, token: str | None = None, config: str | None = None) -> list[etree._Element]:
    inner = f"<tr2:Token>{token}</tr2:Token>" if token else ""
    inner += f"<tr2:ConfigurationToken>{config}</tr2:ConfigurationToken>" if config else ""
    return media2.call(f"<tr2:GetMasks>{inner}</tr2:GetMasks>").findall("tr2:Masks", NS)


def points_of(mask: etree._Element) -> list[tuple[float, float]]:
    return [(float(p.get("x")), float(p.get("y"))) for p in mask.findall("tr2:Polygon/tt:Point", NS)]


def color_of(mask: etree._Element) -> tuple[float, float, float] | None:
    c = mask.find("tr2:Color", NS)
    return None if c is None else (float(c.get("X")), float(c.get("Y")), float(c.get("Z")))


def test_mask_options(media2):
    body = "<tr2:GetMaskOptions><tr2:ConfigurationToken>{}</tr2:ConfigurationToken></tr2:GetMaskOptions>"
    opts = media2.call(body.format("VideoSourceConfig_1")).find("tr2:Options", NS)
    assert (one(opts, "tr2:MaxMasks"), one(opts, "tr2:MaxPoints")) == ("4", "8")
    assert texts(opts, "tr2:Types") == ["Color", "Pixelated", "Blurred"]
    assert one(opts, "tr2:Color/tt:ColorspaceRange/tt:Colorspace") == YCBCR
    fails(media2, body.format("NoSuchSource"), NO_CONFIG)


def test_create_get_set_and_delete_masks(media2):
    assert masks(media2) == []
    triangle = [(-1.0, -1.0), (0.0, 1.0), (1.0, -1.0)]
    octagon = [(0.1, 0.0), (0.2, 0.0), (0.3, 0.1), (0.3, 0.2), (0.2, 0.3), (0.1, 0.3), (0.0, 0.2), (0.0, 0.1)]
    colored = create_mask(media2, token="MyMask", points=triangle)
    assert colored != "MyMask"
    pixelated = create_mask(media2, points=octagon, kind="Pixelated", color=None)
    black = create_mask(media2, color=None)  # Type Color without a Color: black
    assert tokens(masks(media2)) == [colored, pixelated, black]
    assert tokens(masks(media2, config="VideoSourceConfig_1")) == [colored, pixelated, black]

    (got,) = masks(media2, token=colored)
    assert (points_of(got), one(got, "tr2:Type"), color_of(got), one(got, "tr2:Enabled")) == (
        triangle,
        "Color",
        (100.0, 120.0, 130.0),
        "true",
    )
    assert got.find("tr2:Color", NS).get("Colorspace") == YCBCR
    (got,) = masks(media2, token=pixelated)
    assert (points_of(got), one(got, "tr2:Type")) == (octagon, "Pixelated")
    assert color_of(masks(media2, token=black)[0]) == (16.0, 128.0, 128.0)

    media2.call(f"<tr2:SetMask>{mask_xml(token=colored, kind='Blurred', color=None, enabled='false')}</tr2:SetMask>")
    (got,) = masks(media2, token=colored)
    assert (points_of(got), one(got, "tr2:Type"), one(got, "tr2:Enabled")) == (SQUARE, "Blurred", "false")

    media2.call(f"<tr2:DeleteMask><tr2:Token>{colored}</tr2:Token></tr2:DeleteMask>")
    assert tokens(masks(media2)) == [pixelated, black]
    for body in (
        f"<tr2:GetMasks><tr2:Token>{colored}</tr2:Token></tr2:GetMasks>",
        f"<tr2:DeleteMask><tr2:Token>{colored}</tr2:Token></tr2:DeleteMask>",
        f"<tr2:SetMask>{mask_xml(token=colored)}</tr2:SetMask>",
        "<tr2:GetMasks><tr2:ConfigurationToken>NoSuchSource</tr2:ConfigurationToken></tr2:GetMasks>",
        f"<tr2:CreateMask>{mask_xml(vsc='NoSuchSource')}</tr2:CreateMask>",
    ):
        fails(media2, body, NO_CONFIG)


def test_max_masks(media2):
    tokens = [create_mask(media2) for _ in range(4)]
    assert len(set(tokens)) == 4
    fails(media2, f"<tr2:CreateMask>{mask_xml()}</tr2:CreateMask>", [RECEIVER, "ter:Action", "ter:MaxMasks"])
    assert len(masks(media2)) == 4
    media2.call(f"<tr2:DeleteMask><tr2:Token>{tokens[0]}</tr2:Token></tr2:DeleteMask>")
    create_mask(media2)  # room again


@pytest.mark.parametrize(
    "kw, codes",
    [
        ({"points": [(-0.5, -0.5), (1.5, 0.5), (0.5, -0.5)]}, INVALID_POLYGON),
        ({"points": [(-0.5, -1.01), (0.5, 0.5), (0.5, -0.5)]}, INVALID_POLYGON),
        ({"points": SQUARE[:2]}, INVALID_POLYGON),
        ({"points": [(i / 10, (i % 2) / 10) for i in range(9)]}, INVALID_POLYGON),
        ({"kind": "Pixelized"}, CONFIG_MODIFY_R),
        ({"color": (0.0, 128.0, 128.0)}, CONFIG_MODIFY_R),
    ],
    ids=["x outside", "y outside", "2 points", "9 points", "bad type", "colour outside range"],
)
def test_mask_values_not_offered_are_refused(media2, kw, codes):
    fails(media2, f"<tr2:CreateMask>{mask_xml(**kw)}</tr2:CreateMask>", codes)
    assert masks(media2) == []
    token = create_mask(media2)
    fails(media2, f"<tr2:SetMask>{mask_xml(token=token, **kw)}</tr2:SetMask>", codes)
    assert points_of(masks(media2, token=token)[0]) == SQUARE


# --- access levels ---------------------------------------------------------------------------------------------


@pytest.fixture
def accounts(soap):
    for user, password, level in (("operator1", "op-pass", "Operator"), ("viewer1", "view-pass", "User")):
        soap.call(
            f"<tds:CreateUsers><tds:User><tt:Username>{user}</tt:Username><tt:Password>{password}</tt:Password>"
            f"<tt:UserLevel>{level}</tt:UserLevel></tds:User></tds:CreateUsers>"
        )
    return {"Operator": ("operator1", "op-pass"), "User": ("viewer1", "view-pass")}


def test_operator_may_change_media_settings(running_camera, onvif_schemas, accounts, media2):
    operator = service_client(running_camera, onvif_schemas, "media2", *accounts["Operator"])
    try:
        cfg = configuration(operator, "VideoEncoder", "VideoEncoder_2")
        operator.call(set_body("VideoEncoder", _encoder_with(cfg, {**_encoder_settings(cfg), "Quality": 90.0})))
        assert one(configuration(media2, "VideoEncoder", "VideoEncoder_2"), "tt:Quality") == "90.0"
        token = create_profile(operator, "Operator's")
        create_mask(operator)
        operator.call(f"<tr2:DeleteProfile><tr2:Token>{token}</tr2:Token></tr2:DeleteProfile>")
        # Video source modes are system settings: WRITE_SYSTEM is for administrators.
        operator.call(
            "<tr2:GetVideoSourceModes><tr2:VideoSourceToken>VideoSource_1</tr2:VideoSourceToken>"
            "</tr2:GetVideoSourceModes>"
        )
        fails(operator, _set_mode_body("VideoSource_1", "VideoSourceMode_1_2"), NOT_AUTHORIZED)
    finally:
        operator.close()


def test_user_may_read_but_not_change(running_camera, onvif_schemas, accounts, media2):
    user = service_client(running_camera, onvif_schemas, "media2", *accounts["User"])
    try:
        assert tokens(get_profiles(user, types=("All",))) == FACTORY_PROFILES
        user.call(stream_uri_body("RtspUnicast", "Profile_1"))
        cfg = configuration(user, "VideoEncoder", "VideoEncoder_2")
        for body in (
            set_body("VideoEncoder", _encoder_with(cfg, {**_encoder_settings(cfg), "Quality": 90.0})),
            create_profile_body("User's"),
            add_body("Profile_2", name="Hijacked"),
            f"<tr2:CreateMask>{mask_xml()}</tr2:CreateMask>",
            profile_op("SetSynchronizationPoint", "Profile_1"),
        ):
            fails(user, body, NOT_AUTHORIZED)
        assert xml(configuration(media2, "VideoEncoder", "VideoEncoder_2")) == xml(cfg)
        assert [one(p, "tr2:Name") for p in get_profiles(media2)] == ["MainStream", "SubStream", "JPEG"]
        assert masks(media2) == []
    finally:
        user.close()


# --- persistence -----------------------------------------------------------------------------------------------


def test_media2_changes_survive_a_restart(tmp_path, onvif_schemas):
    state_dir = str(tmp_path / "state")
    with ThreadedCamera(state_dir=state_dir) as cam:
        m2 = service_client(cam, onvif_schemas, "media2")
        profile = create_profile(
            m2,
            "Kept",
            ("VideoSource", "VideoSourceConfig_1"),
            ("VideoEncoder", "VideoEncoder_2"),
            ("Metadata", "MetadataConfig_1"),
        )
        cfg = configuration(m2, "VideoEncoder", "VideoEncoder_2")
        wanted = {
            **_encoder_settings(cfg),
            "Resolution": (1280, 720),
            "Profile": "Baseline",
            "GovLength": "12",
            "Quality": 33.0,
        }
        m2.call(set_body("VideoEncoder", _encoder_with(cfg, wanted)))
        mask = create_mask(m2, kind="Blurred", color=None)
        osd = create_osd(m2, plain="Persistent")
        before = {
            "profiles": [xml(p) for p in get_profiles(m2, types=("All",))],
            "masks": [xml(m) for m in masks(m2)],
            "osds": [xml(o) for o in osds(m2)],
        }
        m2.close()
    with ThreadedCamera(state_dir=state_dir) as cam:
        m2 = service_client(cam, onvif_schemas, "media2")
        m1 = service_client(cam, onvif_schemas, "media")
        try:
            after = {
                "profiles": [xml(p) for p in get_profiles(m2, types=("All",))],
                "masks": [xml(m) for m in masks(m2)],
                "osds": [xml(o) for o in osds(m2)],
            }
            assert after == before
            assert contents(m2, profile)["VideoEncoder"] == "VideoEncoder_2"
            assert _encoder_settings(configuration(m2, "VideoEncoder", "VideoEncoder_2")) == wanted
            assert tokens(masks(m2)) == [mask]
            assert osd in tokens(osds(m2))
            # Media1 tells the same story.
            p1 = m1.call(f"<trt:GetProfile><trt:ProfileToken>{profile}</trt:ProfileToken></trt:GetProfile>")
            assert one(p1, "trt:Profile/tt:Name") == "Kept"
            assert one(p1, "trt:Profile/tt:VideoEncoderConfiguration/@token") == "VideoEncoder_2"
            assert one(p1, "trt:Profile/tt:MetadataConfiguration/@token") == "MetadataConfig_1"
            v1 = media1_configuration(m1, "VideoEncoder", "VideoEncoder_2")
            assert [
                one(v1, p)
                for p in ("tt:Resolution/tt:Width", "tt:H264/tt:H264Profile", "tt:H264/tt:GovLength", "tt:Quality")
            ] == ["1280", "Baseline", "12", "33.0"]
            # A new token does not collide with the ones handed out before the restart.
            assert create_profile(m2, "After restart") not in {profile, *FACTORY_PROFILES}
        finally:
            m2.close()
            m1.close()
