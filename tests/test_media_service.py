"""The Media (ver10) service over real HTTP: every answer validated against the
official schemas, Set followed by Get, the spec's faults, access, persistence."""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from onvif_device.camera.media import MediaChange
from onvif_device.embed import ThreadedCamera
from soaputil import TRT, TT, SoapClient, envelope

NS = {"trt": TRT, "tt": TT, "wsnt": "http://docs.oasis-open.org/wsn/b-2"}

# The factory set-up (camera/media/defaults.py) with one 1920x1080 source and audio.
CONFIG_TOKENS = {
    "VideoSource": ["VideoSourceConfig_1"],
    "VideoEncoder": ["VideoEncoder_1", "VideoEncoder_2", "VideoEncoder_3"],  # VideoEncoder_4 is H.265
    "AudioSource": ["AudioSourceConfig_1"],
    "AudioEncoder": ["AudioEncoder_1", "AudioEncoder_2"],
    "VideoAnalytics": ["AnalyticsConfig_1"],
    "Metadata": ["MetadataConfig_1"],
    "AudioOutput": ["AudioOutputConfig_1"],
    "AudioDecoder": ["AudioDecoderConfig_1"],
}
ADDABLE = {**{k: v[0] for k, v in CONFIG_TOKENS.items()}, "PTZ": "PTZConfig_1"}
WITH_OPTIONS = [k for k in CONFIG_TOKENS if k != "VideoAnalytics"]  # Media1 has no analytics options

# Fault codes (notes §0.3), outermost first.
NO_PROFILE = ["s:Sender", "ter:InvalidArgVal", "ter:NoProfile"]
NO_CONFIG = ["s:Sender", "ter:InvalidArgVal", "ter:NoConfig"]
CONFIG_MODIFY = ["s:Sender", "ter:InvalidArgVal", "ter:ConfigModify"]
PROFILE_EXISTS = ["s:Sender", "ter:InvalidArgVal", "ter:ProfileExists"]
MAX_PROFILES = ["s:Receiver", "ter:Action", "ter:MaxNVTProfiles"]
FIXED_PROFILE = ["s:Sender", "ter:Action", "ter:DeletionOfFixedProfile"]
CONFLICT = ["s:Receiver", "ter:Action", "ter:ConfigurationConflict"]
INVALID_STREAM_SETUP = ["s:Sender", "ter:InvalidArgVal", "ter:InvalidStreamSetup"]
INCOMPLETE = ["s:Receiver", "ter:Action", "ter:IncompleteConfiguration"]
NO_VIDEO_SOURCE = ["s:Sender", "ter:InvalidArgVal", "ter:NoVideoSource"]
NO_VIDEO_SOURCE_MODE = ["s:Sender", "ter:InvalidArgVal", "ter:NoVideoSourceMode"]
MAX_OSDS = ["s:Receiver", "ter:Action", "ter:MaxOSDs"]
INVALID_ARGS = ["s:Sender", "ter:InvalidArgs"]
NOT_AUTHORIZED = ["s:Sender", "ter:NotAuthorized"]


def media_client(cam, schemas, username: str | None = None, password: str | None = None) -> SoapClient:
    url = cam.service_url("media")
    return SoapClient(url, username or cam.username, password or cam.password, schemas)


@pytest.fixture
def media(running_camera, onvif_schemas):
    client = media_client(running_camera, onvif_schemas)
    yield client
    client.close()


def expect_fault(client: SoapClient, body: str, codes: list[str]) -> None:
    """SOAP 1.2 answers env:Sender faults with HTTP 400, env:Receiver ones with 500."""
    status = 500 if codes[0] == "s:Receiver" else 400
    assert client.fault(body, status=status) == codes


def texts(el: etree._Element, path: str) -> list[str]:
    return [e.text for e in el.xpath(path, namespaces=NS)]


def one(el: etree._Element, path: str) -> str:
    found = texts(el, path)
    assert len(found) == 1, (path, found, etree.tostring(el))
    return found[0]


def tokens(el: etree._Element, path: str) -> list[str]:
    return [e.get("token") for e in el.xpath(path, namespaces=NS)]


def local(el: etree._Element) -> str:
    return etree.QName(el).localname


# --- request builders ------------------------------------------------------------------------


def tok(tag: str, value: str) -> str:
    return f"<trt:{tag}>{value}</trt:{tag}>"


def op(name: str, *children: str) -> str:
    return f"<trt:{name}>{''.join(children)}</trt:{name}>"


def get_config(client: SoapClient, name: str, token: str) -> etree._Element:
    response = client.call(op(f"Get{name}Configuration", tok("ConfigurationToken", token)))
    return response.find("trt:Configuration", NS)


def set_body(name: str, cfg: etree._Element) -> str:
    cfg = copy.deepcopy(cfg)
    cfg.tag = f"{{{TRT}}}Configuration"
    xml = etree.tostring(cfg).decode()
    return op(f"Set{name}Configuration", xml, tok("ForcePersistence", "true"))


def set_config(client: SoapClient, name: str, cfg: etree._Element) -> etree._Element:
    """Set the configuration (the request itself schema-checked) and return what Get answers after."""
    body = set_body(name, cfg)
    request = etree.fromstring(envelope(body)).find("{*}Body")[0]
    client.schemas.validate_element(request)
    reply = client.call(body)
    assert local(reply) == f"Set{name}ConfigurationResponse"
    return get_config(client, name, cfg.get("token"))


def edit(cfg: etree._Element, **values: object) -> etree._Element:
    """A copy with the texts at tt: paths changed: edit(cfg, Resolution__Width=1280)."""
    cfg = copy.deepcopy(cfg)
    for path, value in values.items():
        el = cfg.find("/".join(f"tt:{p}" for p in path.split("__")), NS)
        assert el is not None, path
        el.text = str(value)
    return cfg


def options(client: SoapClient, name: str, config: str | None = None, profile: str | None = None) -> etree._Element:
    children = ([tok("ConfigurationToken", config)] if config else []) + ([tok("ProfileToken", profile)] if profile else [])
    return client.call(op(f"Get{name}ConfigurationOptions", *children)).find("trt:Options", NS)


def stream_uri_body(stream: str, protocol: str, profile: str = "Profile_1") -> str:
    return op(
        "GetStreamUri",
        f"<trt:StreamSetup><tt:Stream>{stream}</tt:Stream><tt:Transport><tt:Protocol>{protocol}</tt:Protocol>"
        "</tt:Transport></trt:StreamSetup>",
        tok("ProfileToken", profile),
    )


def create_profile(client: SoapClient, name: str, token: str | None = None) -> str:
    reply = client.call(op("CreateProfile", tok("Name", name), tok("Token", token) if token else ""))
    return reply.find("trt:Profile", NS).get("token")


def add(client: SoapClient, kind: str, profile: str, token: str) -> None:
    client.call(op(f"Add{kind}Configuration", tok("ProfileToken", profile), tok("ConfigurationToken", token)))


def osd_xml(tag: str = "trt:OSD", token: str = "ignored", *, text: str = "Hello", position: str = "UpperRight",
            text_type: str = "Plain", pos: str = "") -> str:  # fmt: skip
    plain = f"<tt:PlainText>{text}</tt:PlainText>" if text_type == "Plain" else ""
    dates = "<tt:DateFormat>yyyy-MM-dd</tt:DateFormat>" if text_type in ("Date", "DateAndTime") else ""
    times = "<tt:TimeFormat>HH:mm:ss</tt:TimeFormat>" if text_type in ("Time", "DateAndTime") else ""
    return (
        f'<{tag} token="{token}"><tt:VideoSourceConfigurationToken>VideoSourceConfig_1</tt:VideoSourceConfigurationToken>'
        f"<tt:Type>Text</tt:Type><tt:Position><tt:Type>{position}</tt:Type>{pos}</tt:Position>"
        f"<tt:TextString><tt:Type>{text_type}</tt:Type>{dates}{times}<tt:FontSize>32</tt:FontSize>{plain}"
        f"</tt:TextString></{tag}>"
    )


def create_osd(client: SoapClient, **kw: object) -> str:
    return one(client.call(op("CreateOSD", osd_xml(**kw))), "trt:OSDToken")


# --- capabilities, profiles and sources -----------------------------------------------------


def test_service_capabilities(media, running_camera):
    caps = media.call("<trt:GetServiceCapabilities/>", auth="none").find("trt:Capabilities", NS)
    for flag in ("SnapshotUri", "Rotation", "VideoSourceMode", "OSD"):
        assert caps.get(flag) == "true", flag
    limit = caps.find("trt:ProfileCapabilities", NS).get("MaximumNumberOfProfiles")
    assert int(limit) == running_camera.camera.media.max_profiles == 16
    streaming = caps.find("trt:StreamingCapabilities", NS)
    assert streaming.get("RTPMulticast") == "true" and streaming.get("RTP_RTSP_TCP") == "true"


def test_get_profiles_lists_the_fixed_factory_profiles(media):
    reply = media.call("<trt:GetProfiles/>")
    profiles = reply.findall("trt:Profiles", NS)
    assert [p.get("token") for p in profiles] == ["Profile_1", "Profile_2", "Profile_3"]
    assert [p.get("fixed") for p in profiles] == ["true"] * 3
    assert texts(reply, "trt:Profiles/tt:Name") == ["MainStream", "SubStream", "JPEG"]
    assert tokens(reply, "trt:Profiles/tt:VideoEncoderConfiguration") == ["VideoEncoder_1", "VideoEncoder_2", "VideoEncoder_3"]
    assert texts(reply, "trt:Profiles/tt:VideoEncoderConfiguration/tt:Encoding") == ["H264", "H264", "JPEG"]


@pytest.mark.parametrize(
    "token, width, height",
    [("Profile_1", "1920", "1080"), ("Profile_2", "640", "360"), ("Profile_3", "1280", "720")],
)
def test_get_profile(media, token, width, height):
    profile = media.call(op("GetProfile", tok("ProfileToken", token))).find("trt:Profile", NS)
    assert profile.get("token") == token and profile.get("fixed") == "true"
    assert one(profile, "tt:VideoSourceConfiguration/tt:SourceToken") == "VideoSource_1"
    assert one(profile, "tt:VideoEncoderConfiguration/tt:Resolution/tt:Width") == width
    assert one(profile, "tt:VideoEncoderConfiguration/tt:Resolution/tt:Height") == height


def test_main_profile_carries_audio_metadata_and_back_channel(media):
    profile = media.call(op("GetProfile", tok("ProfileToken", "Profile_1"))).find("trt:Profile", NS)
    assert tokens(profile, "tt:AudioSourceConfiguration") == ["AudioSourceConfig_1"]
    assert tokens(profile, "tt:AudioEncoderConfiguration") == ["AudioEncoder_1"]
    assert tokens(profile, "tt:MetadataConfiguration") == ["MetadataConfig_1"]
    assert tokens(profile, "tt:Extension/tt:AudioOutputConfiguration") == ["AudioOutputConfig_1"]
    assert tokens(profile, "tt:Extension/tt:AudioDecoderConfiguration") == ["AudioDecoderConfig_1"]
    # VideoSourceConfig_1 serves all three profiles.
    assert one(profile, "tt:VideoSourceConfiguration/tt:UseCount") == "3"


def test_sources_and_outputs(media):
    video = media.call("<trt:GetVideoSources/>")
    assert tokens(video, "trt:VideoSources") == ["VideoSource_1"]
    assert one(video, "trt:VideoSources/tt:Resolution/tt:Width") == "1920"
    assert one(video, "trt:VideoSources/tt:Resolution/tt:Height") == "1080"
    assert float(one(video, "trt:VideoSources/tt:Framerate")) == 25.0
    # The sensor's imaging settings, as the Imaging service reports them (schema-validated above).
    assert float(one(video, "trt:VideoSources/tt:Extension/tt:Imaging/tt:Brightness")) == 50.0
    assert one(video, "trt:VideoSources/tt:Extension/tt:Imaging/tt:IrCutFilter") == "ON"
    audio = media.call("<trt:GetAudioSources/>")
    assert tokens(audio, "trt:AudioSources") == ["AudioSource_1"]
    assert one(audio, "trt:AudioSources/tt:Channels") == "1"
    assert tokens(media.call("<trt:GetAudioOutputs/>"), "trt:AudioOutputs") == ["AudioOutput_1"]


# --- configuration getters ------------------------------------------------------------------


@pytest.mark.parametrize("kind", CONFIG_TOKENS)
def test_get_configurations_and_each_one(media, kind):
    listed = media.call(f"<trt:Get{kind}Configurations/>")
    assert tokens(listed, "trt:Configurations") == CONFIG_TOKENS[kind]
    for token in CONFIG_TOKENS[kind]:
        cfg = get_config(media, kind, token)
        assert cfg.get("token") == token
        assert one(cfg, "tt:Name")
        assert int(one(cfg, "tt:UseCount")) >= 0


@pytest.mark.parametrize("kind", CONFIG_TOKENS)
def test_get_compatible_configurations_for_a_full_profile(media, kind):
    reply = media.call(op(f"GetCompatible{kind}Configurations", tok("ProfileToken", "Profile_1")))
    assert tokens(reply, "trt:Configurations") == CONFIG_TOKENS[kind]


def test_compatible_configurations_follow_the_profiles_contents(media):
    empty = create_profile(media, "empty")

    def compatible(kind: str) -> list[str]:
        return tokens(media.call(op(f"GetCompatible{kind}Configurations", tok("ProfileToken", empty))), "trt:Configurations")

    # An encoder, analytics or decoder needs the configuration it depends on in the profile first.
    assert compatible("VideoSource") == ["VideoSourceConfig_1"]
    assert compatible("VideoEncoder") == compatible("VideoAnalytics") == []
    assert compatible("AudioEncoder") == compatible("AudioDecoder") == []
    add(media, "VideoSource", empty, "VideoSourceConfig_1")
    add(media, "AudioSource", empty, "AudioSourceConfig_1")
    add(media, "AudioOutput", empty, "AudioOutputConfig_1")
    assert compatible("VideoEncoder") == CONFIG_TOKENS["VideoEncoder"]
    assert compatible("VideoAnalytics") == ["AnalyticsConfig_1"]
    assert compatible("AudioEncoder") == CONFIG_TOKENS["AudioEncoder"]
    assert compatible("AudioDecoder") == ["AudioDecoderConfig_1"]


@pytest.mark.parametrize("kind", WITH_OPTIONS)
@pytest.mark.parametrize("which", ["none", "configuration", "profile", "both"])
def test_configuration_options_with_and_without_tokens(media, kind, which):
    config = CONFIG_TOKENS[kind][0] if which in ("configuration", "both") else None
    profile = "Profile_1" if which in ("profile", "both") else None
    opts = options(media, kind, config, profile)
    assert opts is not None
    expected_child = {
        "VideoSource": "tt:VideoSourceTokensAvailable",
        "VideoEncoder": "tt:H264/tt:ResolutionsAvailable",
        "AudioSource": "tt:InputTokensAvailable",
        "AudioEncoder": "tt:Options/tt:Encoding",
        "Metadata": "tt:PTZStatusFilterOptions",
        "AudioOutput": "tt:OutputTokensAvailable",
        "AudioDecoder": "tt:G711DecOptions",
    }[kind]
    assert opts.xpath(expected_child, namespaces=NS)


def test_video_encoder_options_offer_what_media1_can_express(media):
    opts = options(media, "VideoEncoder", "VideoEncoder_1")
    assert opts.find("tt:JPEG", NS) is not None and opts.find("tt:H264", NS) is not None
    assert opts.find("tt:MPEG4", NS) is None
    sizes = list(zip(texts(opts, "tt:H264/tt:ResolutionsAvailable/tt:Width"),
                     texts(opts, "tt:H264/tt:ResolutionsAvailable/tt:Height")))  # fmt: skip
    assert sizes[0] == ("1920", "1080") and ("640", "360") in sizes
    assert texts(opts, "tt:H264/tt:H264ProfilesSupported") == ["Baseline", "Main", "High"]
    assert one(opts, "tt:H264/tt:FrameRateRange/tt:Max") == "25"
    assert one(opts, "tt:Extension/tt:H264/tt:BitrateRange/tt:Min") == "32"


def test_audio_encoder_options_list_g711_and_aac(media):
    opts = options(media, "AudioEncoder")
    assert texts(opts, "tt:Options/tt:Encoding") == ["G711", "AAC"]
    assert texts(opts, "tt:Options[tt:Encoding='G711']/tt:BitrateList/tt:Items") == ["64"]
    assert texts(opts, "tt:Options[tt:Encoding='G711']/tt:SampleRateList/tt:Items") == ["8"]


def test_video_source_modes(media):
    reply = media.call(op("GetVideoSourceModes", tok("VideoSourceToken", "VideoSource_1")))
    modes = reply.findall("trt:VideoSourceModes", NS)
    assert [m.get("token") for m in modes] == ["VideoSourceMode_1_1", "VideoSourceMode_1_2"]
    assert [m.get("Enabled") for m in modes] == ["true", "false"]
    assert texts(reply, "trt:VideoSourceModes/trt:MaxResolution/tt:Width") == ["1920", "1280"]
    assert texts(reply, "trt:VideoSourceModes/trt:Encodings") == ["JPEG H264"] * 2


def test_guaranteed_number_of_video_encoder_instances(media):
    reply = media.call(op("GetGuaranteedNumberOfVideoEncoderInstances", tok("ConfigurationToken", "VideoSourceConfig_1")))
    total, jpeg, h264 = (int(one(reply, f"trt:{t}")) for t in ("TotalNumber", "JPEG", "H264"))
    assert total >= 1 and 1 <= jpeg <= total and 1 <= h264 <= total
    expect_fault(media, op("GetGuaranteedNumberOfVideoEncoderInstances", tok("ConfigurationToken", "nope")), NO_CONFIG)


def test_osd_getters(media):
    everything = media.call("<trt:GetOSDs/>")
    assert tokens(everything, "trt:OSDs") == ["OSD_1_1", "OSD_1_2"]
    filtered = media.call(op("GetOSDs", tok("ConfigurationToken", "VideoSourceConfig_1")))
    assert tokens(filtered, "trt:OSDs") == ["OSD_1_1", "OSD_1_2"]
    date = media.call(op("GetOSD", tok("OSDToken", "OSD_1_1"))).find("trt:OSD", NS)
    assert one(date, "tt:TextString/tt:Type") == "DateAndTime"
    plain = media.call(op("GetOSD", tok("OSDToken", "OSD_1_2"))).find("trt:OSD", NS)
    assert one(plain, "tt:TextString/tt:Type") == "Plain" and one(plain, "tt:TextString/tt:PlainText")
    opts = media.call(op("GetOSDOptions", tok("ConfigurationToken", "VideoSourceConfig_1"))).find("trt:OSDOptions", NS)
    assert opts.find("tt:MaximumNumberOfOSDs", NS).get("Total") == "6"
    assert "Custom" in texts(opts, "tt:PositionOption")


# --- stream and snapshot URIs ---------------------------------------------------------------


@pytest.mark.parametrize(
    "stream, protocol, scheme, suffix",
    [
        ("RTP-Unicast", "UDP", "rtsp", ""),
        ("RTP-Unicast", "RTSP", "rtsp", ""),
        ("RTP-Unicast", "TCP", "rtsp", ""),  # deprecated RTP/TCP: answered with the RTSP URI
        ("RTP-Unicast", "HTTP", "http", ""),
        ("RTP-Multicast", "UDP", "rtsp", "/multicast"),
    ],
)
def test_stream_uri(media, running_camera, stream, protocol, scheme, suffix):
    reply = media.call(stream_uri_body(stream, protocol))
    port = running_camera.port if scheme == "http" else running_camera.camera.rtsp_port
    assert one(reply, "trt:MediaUri/tt:Uri") == f"{scheme}://127.0.0.1:{port}/stream/Profile_1{suffix}"
    assert one(reply, "trt:MediaUri/tt:InvalidAfterConnect") == "false"
    assert one(reply, "trt:MediaUri/tt:InvalidAfterReboot") == "false"
    assert one(reply, "trt:MediaUri/tt:Timeout") == "PT0S"


def test_every_profile_has_its_own_stream_uri(media, running_camera):
    for token in ("Profile_1", "Profile_2", "Profile_3"):
        uri = one(media.call(stream_uri_body("RTP-Unicast", "RTSP", token)), "trt:MediaUri/tt:Uri")
        assert uri == f"rtsp://127.0.0.1:{running_camera.camera.rtsp_port}/stream/{token}"


def test_snapshot_uri(media, running_camera):
    reply = media.call(op("GetSnapshotUri", tok("ProfileToken", "Profile_2")))
    assert one(reply, "trt:MediaUri/tt:Uri") == f"http://127.0.0.1:{running_camera.port}/snapshot/Profile_2.jpg"
    assert one(reply, "trt:MediaUri/tt:Timeout") == "PT0S"


@pytest.mark.parametrize(
    "stream, protocol",
    [("RTP-Broadcast", "UDP"), ("RTP-Unicast", "SCTP"), ("RTP-Multicast", "HTTP")],
)
def test_invalid_stream_setup(media, stream, protocol):
    expect_fault(media, stream_uri_body(stream, protocol), INVALID_STREAM_SETUP)


def test_an_empty_profile_has_no_stream_or_snapshot(media):
    empty = create_profile(media, "nothing yet")
    expect_fault(media, stream_uri_body("RTP-Unicast", "RTSP", empty), INCOMPLETE)
    expect_fault(media, op("GetSnapshotUri", tok("ProfileToken", empty)), INCOMPLETE)
    add(media, "VideoSource", empty, "VideoSourceConfig_1")
    expect_fault(media, op("GetSnapshotUri", tok("ProfileToken", empty)), INCOMPLETE)
    add(media, "VideoEncoder", empty, "VideoEncoder_2")
    assert one(media.call(op("GetSnapshotUri", tok("ProfileToken", empty))), "trt:MediaUri/tt:Uri").endswith(".jpg")


# --- Set then Get ---------------------------------------------------------------------------


def test_video_source_bounds_and_rotation(media):
    cfg = get_config(media, "VideoSource", "VideoSourceConfig_1")
    cfg.find("tt:Bounds", NS).attrib.update({"x": "320", "y": "180", "width": "1280", "height": "720"})
    rotate = cfg.find("tt:Extension/tt:Rotate", NS)
    rotate.find("tt:Mode", NS).text = "ON"
    etree.SubElement(rotate, f"{{{TT}}}Degree").text = "180"
    cfg.find("tt:Name", NS).text = "cropped"
    after = set_config(media, "VideoSource", cfg)
    assert dict(after.find("tt:Bounds", NS).attrib) == {"x": "320", "y": "180", "width": "1280", "height": "720"}
    assert one(after, "tt:Extension/tt:Rotate/tt:Mode") == "ON"
    assert one(after, "tt:Extension/tt:Rotate/tt:Degree") == "180"
    assert one(after, "tt:Name") == "cropped"


def test_every_offered_video_source_option_is_accepted(media):
    opts = options(media, "VideoSource", "VideoSourceConfig_1")
    cfg = get_config(media, "VideoSource", "VideoSourceConfig_1")
    width_max = int(one(opts, "tt:BoundsRange/tt:WidthRange/tt:Max"))
    height_max = int(one(opts, "tt:BoundsRange/tt:HeightRange/tt:Max"))
    for w, h in ((width_max, height_max), (int(one(opts, "tt:BoundsRange/tt:WidthRange/tt:Min")),
                                           int(one(opts, "tt:BoundsRange/tt:HeightRange/tt:Min")))):  # fmt: skip
        cfg.find("tt:Bounds", NS).attrib.update({"x": "0", "y": "0", "width": str(w), "height": str(h)})
        assert set_config(media, "VideoSource", cfg).find("tt:Bounds", NS).get("width") == str(w)
    for mode in texts(opts, "tt:Extension/tt:Rotate/tt:Mode"):
        cfg.find("tt:Extension/tt:Rotate/tt:Mode", NS).text = mode
        assert one(set_config(media, "VideoSource", cfg), "tt:Extension/tt:Rotate/tt:Mode") == mode


@pytest.mark.parametrize(
    "bounds",
    [
        {"x": "0", "y": "0", "width": "1921", "height": "1080"},
        {"x": "100", "y": "0", "width": "1920", "height": "1080"},
        {"x": "0", "y": "0", "width": "8", "height": "8"},
        {"x": "-1", "y": "0", "width": "640", "height": "360"},
    ],
)
def test_video_source_bounds_outside_the_source_are_refused(media, bounds):
    cfg = get_config(media, "VideoSource", "VideoSourceConfig_1")
    cfg.find("tt:Bounds", NS).attrib.update(bounds)
    expect_fault(media, set_body("VideoSource", cfg), CONFIG_MODIFY)
    assert get_config(media, "VideoSource", "VideoSourceConfig_1").find("tt:Bounds", NS).get("width") == "1920"


def test_video_encoder_round_trip(media):
    cfg = get_config(media, "VideoEncoder", "VideoEncoder_1")
    changed = edit(
        cfg, Name="main 720p", Resolution__Width=1280, Resolution__Height=720, Quality=80,
        RateControl__FrameRateLimit=15, RateControl__EncodingInterval=2, RateControl__BitrateLimit=2000,
        H264__GovLength=30, H264__H264Profile="Baseline", Multicast__Address__IPv4Address="239.1.2.3",
        Multicast__Port=40000, Multicast__TTL=5, SessionTimeout="PT2M",
    )  # fmt: skip
    after = set_config(media, "VideoEncoder", changed)
    assert one(after, "tt:Name") == "main 720p"
    assert (one(after, "tt:Resolution/tt:Width"), one(after, "tt:Resolution/tt:Height")) == ("1280", "720")
    assert float(one(after, "tt:Quality")) == 80.0
    assert one(after, "tt:RateControl/tt:FrameRateLimit") == "15"
    assert one(after, "tt:RateControl/tt:EncodingInterval") == "2"
    assert one(after, "tt:RateControl/tt:BitrateLimit") == "2000"
    assert one(after, "tt:H264/tt:GovLength") == "30"
    assert one(after, "tt:H264/tt:H264Profile") == "Baseline"
    assert one(after, "tt:Multicast/tt:Address/tt:IPv4Address") == "239.1.2.3"
    assert one(after, "tt:Multicast/tt:Port") == "40000"
    assert one(after, "tt:Multicast/tt:TTL") == "5"
    assert one(after, "tt:SessionTimeout") == "PT120S"
    # The profile shows the same configuration.
    profile = media.call(op("GetProfile", tok("ProfileToken", "Profile_1")))
    assert one(profile, "trt:Profile/tt:VideoEncoderConfiguration/tt:Resolution/tt:Width") == "1280"


def test_video_encoder_switches_h264_to_jpeg_and_back(media):
    cfg = get_config(media, "VideoEncoder", "VideoEncoder_2")
    jpeg = edit(cfg, Encoding="JPEG")
    jpeg.remove(jpeg.find("tt:H264", NS))
    after = set_config(media, "VideoEncoder", jpeg)
    assert one(after, "tt:Encoding") == "JPEG"
    assert after.find("tt:H264", NS) is None
    back = set_config(media, "VideoEncoder", cfg)  # the original H.264 settings
    assert one(back, "tt:Encoding") == "H264"
    assert one(back, "tt:H264/tt:H264Profile") == one(cfg, "tt:H264/tt:H264Profile")
    assert one(back, "tt:H264/tt:GovLength") == one(cfg, "tt:H264/tt:GovLength")


def _offered(opts: etree._Element, codec: str) -> list[tuple[str, str]]:
    return list(zip(texts(opts, f"tt:{codec}/tt:ResolutionsAvailable/tt:Width"),
                    texts(opts, f"tt:{codec}/tt:ResolutionsAvailable/tt:Height")))  # fmt: skip


@pytest.mark.parametrize("token, codec", [("VideoEncoder_1", "H264"), ("VideoEncoder_3", "JPEG")])
def test_every_offered_resolution_is_accepted(media, token, codec):
    opts = options(media, "VideoEncoder", token)
    cfg = get_config(media, "VideoEncoder", token)
    assert one(cfg, "tt:Encoding") == codec
    sizes = _offered(opts, codec)
    assert len(sizes) > 5
    for width, height in sizes:
        after = set_config(media, "VideoEncoder", edit(cfg, Resolution__Width=width, Resolution__Height=height))
        assert (one(after, "tt:Resolution/tt:Width"), one(after, "tt:Resolution/tt:Height")) == (width, height)


def test_every_offered_h264_range_end_and_profile_is_accepted(media):
    opts = options(media, "VideoEncoder", "VideoEncoder_1")
    cfg = get_config(media, "VideoEncoder", "VideoEncoder_1")
    cases = []
    for end in ("Min", "Max"):
        cases += [
            ("RateControl__FrameRateLimit", "tt:RateControl/tt:FrameRateLimit", one(opts, f"tt:H264/tt:FrameRateRange/tt:{end}")),
            ("RateControl__EncodingInterval", "tt:RateControl/tt:EncodingInterval",
             one(opts, f"tt:H264/tt:EncodingIntervalRange/tt:{end}")),
            ("H264__GovLength", "tt:H264/tt:GovLength", one(opts, f"tt:H264/tt:GovLengthRange/tt:{end}")),
            ("RateControl__BitrateLimit", "tt:RateControl/tt:BitrateLimit",
             one(opts, f"tt:Extension/tt:H264/tt:BitrateRange/tt:{end}")),
            ("Quality", "tt:Quality", one(opts, f"tt:QualityRange/tt:{end}")),
        ]  # fmt: skip
    cases += [("H264__H264Profile", "tt:H264/tt:H264Profile", p) for p in texts(opts, "tt:H264/tt:H264ProfilesSupported")]
    for field, path, value in cases:
        after = set_config(media, "VideoEncoder", edit(cfg, **{field: value}))
        assert float(one(after, path)) == float(value) if field == "Quality" else one(after, path) == value, field


def test_every_offered_jpeg_frame_rate_is_accepted(media):
    opts = options(media, "VideoEncoder", "VideoEncoder_3")
    cfg = get_config(media, "VideoEncoder", "VideoEncoder_3")
    low, high = int(one(opts, "tt:JPEG/tt:FrameRateRange/tt:Min")), int(one(opts, "tt:JPEG/tt:FrameRateRange/tt:Max"))
    for fps in range(low, high + 1):
        after = set_config(media, "VideoEncoder", edit(cfg, RateControl__FrameRateLimit=fps))
        assert one(after, "tt:RateControl/tt:FrameRateLimit") == str(fps)


def test_out_of_range_bitrate_is_adapted_not_refused(media):
    # Media spec, SetVideoEncoderConfiguration: "A device shall adapt an out of range
    # BitrateLimit instead of returning a fault."
    opts = options(media, "VideoEncoder", "VideoEncoder_1")
    low = one(opts, "tt:Extension/tt:H264/tt:BitrateRange/tt:Min")
    high = one(opts, "tt:Extension/tt:H264/tt:BitrateRange/tt:Max")
    cfg = get_config(media, "VideoEncoder", "VideoEncoder_1")
    assert one(set_config(media, "VideoEncoder", edit(cfg, RateControl__BitrateLimit=10**6)), "tt:RateControl/tt:BitrateLimit") == high
    assert one(set_config(media, "VideoEncoder", edit(cfg, RateControl__BitrateLimit=1)), "tt:RateControl/tt:BitrateLimit") == low


@pytest.mark.parametrize(
    "changes",
    [
        {"Resolution__Width": 1000, "Resolution__Height": 1000},  # not offered
        {"Resolution__Width": 3840, "Resolution__Height": 2160},  # larger than the source
        {"RateControl__FrameRateLimit": 26},  # above the source's 25 fps
        {"RateControl__FrameRateLimit": 0},
        {"RateControl__EncodingInterval": 11},
        {"H264__GovLength": 0},
        {"H264__GovLength": 301},
        {"H264__H264Profile": "Extended"},  # a schema value, but not offered
        {"Quality": 101},
        {"Encoding": "MPEG4"},  # Media1 could say MPEG4, the camera has none
        {"Multicast__Port": 40001},  # odd: RTP needs the even port
        {"Multicast__Address__IPv4Address": "10.0.0.1"},  # not a multicast group
        {"SessionTimeout": "PT1S"},
    ],
)
def test_video_encoder_values_outside_the_options_are_refused(media, changes):
    cfg = get_config(media, "VideoEncoder", "VideoEncoder_1")
    expect_fault(media, set_body("VideoEncoder", edit(cfg, **changes)), CONFIG_MODIFY)
    assert etree.tostring(get_config(media, "VideoEncoder", "VideoEncoder_1")) == etree.tostring(cfg)


def test_audio_source_round_trip(media):
    cfg = edit(get_config(media, "AudioSource", "AudioSourceConfig_1"), Name="Mic 2")
    after = set_config(media, "AudioSource", cfg)
    assert one(after, "tt:Name") == "Mic 2" and one(after, "tt:SourceToken") == "AudioSource_1"
    expect_fault(media, set_body("AudioSource", edit(cfg, SourceToken="AudioSource_9")), CONFIG_MODIFY)


def test_audio_encoder_g711_to_aac(media):
    cfg = get_config(media, "AudioEncoder", "AudioEncoder_1")
    assert one(cfg, "tt:Encoding") == "G711"
    after = set_config(media, "AudioEncoder", edit(cfg, Encoding="AAC", Bitrate=96, SampleRate=32))
    assert [one(after, f"tt:{f}") for f in ("Encoding", "Bitrate", "SampleRate")] == ["AAC", "96", "32"]
    profile = media.call(op("GetProfile", tok("ProfileToken", "Profile_1")))
    assert one(profile, "trt:Profile/tt:AudioEncoderConfiguration/tt:Encoding") == "AAC"


def test_every_offered_audio_encoder_combination_is_accepted(media):
    opts = options(media, "AudioEncoder", "AudioEncoder_2")
    cfg = get_config(media, "AudioEncoder", "AudioEncoder_2")
    combos = 0
    for option in opts.findall("tt:Options", NS):
        encoding = one(option, "tt:Encoding")
        for bitrate in texts(option, "tt:BitrateList/tt:Items"):
            for rate in texts(option, "tt:SampleRateList/tt:Items"):
                after = set_config(media, "AudioEncoder", edit(cfg, Encoding=encoding, Bitrate=bitrate, SampleRate=rate))
                assert [one(after, f"tt:{f}") for f in ("Encoding", "Bitrate", "SampleRate")] == [encoding, bitrate, rate]
                combos += 1
    assert combos >= 2


@pytest.mark.parametrize(
    "changes",
    [
        {"Encoding": "G711", "Bitrate": 96, "SampleRate": 8},  # G.711 is 64 kbit/s only
        {"Encoding": "AAC", "Bitrate": 64, "SampleRate": 8},  # AAC runs at 16, 32 or 48 kHz
        {"Encoding": "G726"},  # not offered
        {"Multicast__Port": 3},
    ],
)
def test_audio_encoder_values_outside_the_options_are_refused(media, changes):
    cfg = get_config(media, "AudioEncoder", "AudioEncoder_1")
    expect_fault(media, set_body("AudioEncoder", edit(cfg, **changes)), CONFIG_MODIFY)
    assert one(get_config(media, "AudioEncoder", "AudioEncoder_1"), "tt:Encoding") == "G711"


def test_metadata_round_trip(media):
    cfg = get_config(media, "Metadata", "MetadataConfig_1")
    cfg.find("tt:Name", NS).text = "PTZ only"
    ptz = etree.Element(f"{{{TT}}}PTZStatus")
    etree.SubElement(ptz, f"{{{TT}}}Status").text = "true"
    etree.SubElement(ptz, f"{{{TT}}}Position").text = "false"
    cfg.find("tt:UseCount", NS).addnext(ptz)
    cfg.remove(cfg.find("tt:Events", NS))
    cfg.find("tt:Analytics", NS).text = "false"
    after = set_config(media, "Metadata", cfg)
    assert one(after, "tt:Name") == "PTZ only"
    assert (one(after, "tt:PTZStatus/tt:Status"), one(after, "tt:PTZStatus/tt:Position")) == ("true", "false")
    assert after.find("tt:Events", NS) is None
    assert one(after, "tt:Analytics") == "false"
    # Events come back, with a topic filter.
    events = etree.Element(f"{{{TT}}}Events")
    topic = etree.SubElement(etree.SubElement(events, f"{{{TT}}}Filter"), f"{{{NS['wsnt']}}}TopicExpression")
    topic.set("Dialect", "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet")
    topic.text = "tns1:VideoSource/MotionAlarm"
    after.find("tt:PTZStatus", NS).addnext(events)
    again = set_config(media, "Metadata", after)
    assert one(again, "tt:Events/tt:Filter/wsnt:TopicExpression") == "tns1:VideoSource/MotionAlarm"


def test_audio_output_level_and_primacy(media):
    opts = options(media, "AudioOutput", "AudioOutputConfig_1")
    cfg = get_config(media, "AudioOutput", "AudioOutputConfig_1")
    for primacy in texts(opts, "tt:SendPrimacyOptions"):
        after = set_config(media, "AudioOutput", edit(cfg, SendPrimacy=primacy))
        assert one(after, "tt:SendPrimacy") == primacy
    for level in (one(opts, "tt:OutputLevelRange/tt:Min"), one(opts, "tt:OutputLevelRange/tt:Max"), "80"):
        assert one(set_config(media, "AudioOutput", edit(cfg, OutputLevel=level)), "tt:OutputLevel") == level
    expect_fault(media, set_body("AudioOutput", edit(cfg, OutputLevel=101)), CONFIG_MODIFY)
    expect_fault(media, set_body("AudioOutput", edit(cfg, SendPrimacy="www.onvif.org/ver20/FullDuplex")), CONFIG_MODIFY)


@pytest.mark.parametrize("kind", ["AudioDecoder", "VideoAnalytics"])
def test_name_only_configurations(media, kind):
    token = CONFIG_TOKENS[kind][0]
    after = set_config(media, kind, edit(get_config(media, kind, token), Name="renamed"))
    assert one(after, "tt:Name") == "renamed"
    expect_fault(media, set_body(kind, edit(after, Name="x" * 65)), CONFIG_MODIFY)


# --- faults common to the configuration families --------------------------------------------


def _profile_ops() -> list[str]:
    p = tok("ProfileToken", "NoSuchProfile")
    bodies = [op(name, p) for name in ("GetProfile", "DeleteProfile", "GetSnapshotUri", "StartMulticastStreaming",
                                       "StopMulticastStreaming", "SetSynchronizationPoint")]  # fmt: skip
    bodies.append(stream_uri_body("RTP-Unicast", "RTSP", "NoSuchProfile"))
    for kind, token in ADDABLE.items():
        bodies.append(op(f"Add{kind}Configuration", p, tok("ConfigurationToken", token)))
        bodies.append(op(f"Remove{kind}Configuration", p))
    bodies += [op(f"GetCompatible{kind}Configurations", p) for kind in CONFIG_TOKENS]
    bodies += [op(f"Get{kind}ConfigurationOptions", p) for kind in WITH_OPTIONS]
    return bodies


@pytest.mark.parametrize("body", _profile_ops(), ids=lambda b: b.split(">")[0][5:])
def test_unknown_profile_token(media, body):
    expect_fault(media, body, NO_PROFILE)


def _config_ops() -> list[str]:
    c = tok("ConfigurationToken", "NoSuchConfig")
    bodies = [op(f"Get{kind}Configuration", c) for kind in CONFIG_TOKENS]
    bodies += [op(f"Get{kind}ConfigurationOptions", c) for kind in WITH_OPTIONS]
    bodies += [op(f"Add{kind}Configuration", tok("ProfileToken", "Profile_1"), c) for kind in ADDABLE]
    bodies += [op("GetOSD", tok("OSDToken", "NoSuchOSD")), op("DeleteOSD", tok("OSDToken", "NoSuchOSD")),
               op("SetOSD", osd_xml(token="NoSuchOSD")), op("GetOSDs", c), op("GetOSDOptions", c)]  # fmt: skip
    return bodies


@pytest.mark.parametrize("body", _config_ops(), ids=lambda b: b.split(">")[0][5:])
def test_unknown_configuration_token(media, body):
    expect_fault(media, body, NO_CONFIG)


@pytest.mark.parametrize("kind", CONFIG_TOKENS)
def test_set_of_an_unknown_configuration(media, kind):
    cfg = get_config(media, kind, CONFIG_TOKENS[kind][0])
    cfg.set("token", "NoSuchConfig")
    expect_fault(media, set_body(kind, cfg), NO_CONFIG)


def test_the_h265_encoder_configuration_is_hidden_from_media1(media, running_camera):
    assert running_camera.camera.media.configuration("VideoEncoder", "VideoEncoder_4").encoding == "H265"
    listed = tokens(media.call("<trt:GetVideoEncoderConfigurations/>"), "trt:Configurations")
    assert "VideoEncoder_4" not in listed
    compatible = media.call(op("GetCompatibleVideoEncoderConfigurations", tok("ProfileToken", "Profile_1")))
    assert "VideoEncoder_4" not in tokens(compatible, "trt:Configurations")
    h265 = tok("ConfigurationToken", "VideoEncoder_4")
    expect_fault(media, op("GetVideoEncoderConfiguration", h265), NO_CONFIG)
    expect_fault(media, op("GetVideoEncoderConfigurationOptions", h265), NO_CONFIG)
    expect_fault(media, op("AddVideoEncoderConfiguration", tok("ProfileToken", "Profile_1"), h265), NO_CONFIG)
    cfg = get_config(media, "VideoEncoder", "VideoEncoder_1")
    cfg.set("token", "VideoEncoder_4")
    expect_fault(media, set_body("VideoEncoder", cfg), NO_CONFIG)
    assert running_camera.camera.media.configuration("VideoEncoder", "VideoEncoder_4").encoding == "H265"


@pytest.mark.parametrize(
    "body",
    [
        "<trt:GetProfile/>",
        "<trt:CreateProfile/>",
        "<trt:GetVideoEncoderConfiguration/>",
        op("AddVideoEncoderConfiguration", tok("ProfileToken", "Profile_1")),
        op("GetStreamUri", tok("ProfileToken", "Profile_1")),
        op("GetStreamUri", "<trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream></trt:StreamSetup>",
           tok("ProfileToken", "Profile_1")),
        "<trt:GetVideoSourceModes/>",
        "<trt:GetOSD/>",
        "<trt:SetVideoEncoderConfiguration/>",
    ],
    ids=lambda b: b.split(">")[0][5:],
)
def test_missing_required_element(media, body):
    expect_fault(media, body, INVALID_ARGS)


def test_set_video_encoder_without_resolution_is_invalid_args(media):
    cfg = get_config(media, "VideoEncoder", "VideoEncoder_1")
    cfg.remove(cfg.find("tt:Resolution", NS))
    expect_fault(media, set_body("VideoEncoder", cfg), INVALID_ARGS)


# --- profiles: create, fill, delete ----------------------------------------------------------


PROFILE_ORDER = [
    "Name", "VideoSourceConfiguration", "AudioSourceConfiguration", "VideoEncoderConfiguration",
    "AudioEncoderConfiguration", "VideoAnalyticsConfiguration", "PTZConfiguration", "MetadataConfiguration", "Extension",
]  # fmt: skip


def test_create_fill_and_delete_a_profile(media):
    created = media.call(op("CreateProfile", tok("Name", "Everything"), tok("Token", "Full-Profile.1")))
    profile = created.find("trt:Profile", NS)
    assert profile.get("token") == "Full-Profile.1" and profile.get("fixed") == "false"
    assert [local(c) for c in profile] == ["Name"]
    # Added in an order the dependencies allow; shown in schema order.
    for kind in ("AudioOutput", "Metadata", "VideoSource", "PTZ", "VideoAnalytics", "AudioSource",
                 "AudioEncoder", "AudioDecoder", "VideoEncoder"):  # fmt: skip
        add(media, kind, "Full-Profile.1", ADDABLE[kind])
    shown = media.call(op("GetProfile", tok("ProfileToken", "Full-Profile.1"))).find("trt:Profile", NS)
    assert [local(c) for c in shown] == PROFILE_ORDER
    assert [local(c) for c in shown.find("tt:Extension", NS)] == ["AudioOutputConfiguration", "AudioDecoderConfiguration"]
    assert one(shown, "tt:PTZConfiguration/tt:NodeToken") == "PTZNode_1"
    assert one(shown, "tt:VideoEncoderConfiguration/tt:UseCount") == "2"  # Profile_1 and this one
    # Add replaces the configuration of the same kind.
    add(media, "VideoEncoder", "Full-Profile.1", "VideoEncoder_3")
    shown = media.call(op("GetProfile", tok("ProfileToken", "Full-Profile.1")))
    assert tokens(shown, "trt:Profile/tt:VideoEncoderConfiguration") == ["VideoEncoder_3"]
    # Remove in dependency order; removing what is absent is no error.
    for kind in ("VideoEncoder", "VideoAnalytics", "PTZ", "VideoSource", "AudioEncoder", "AudioSource",
                 "AudioDecoder", "AudioOutput", "Metadata", "Metadata"):  # fmt: skip
        media.call(op(f"Remove{kind}Configuration", tok("ProfileToken", "Full-Profile.1")))
    shown = media.call(op("GetProfile", tok("ProfileToken", "Full-Profile.1"))).find("trt:Profile", NS)
    assert [local(c) for c in shown] == ["Name"]
    media.call(op("DeleteProfile", tok("ProfileToken", "Full-Profile.1")))
    expect_fault(media, op("GetProfile", tok("ProfileToken", "Full-Profile.1")), NO_PROFILE)
    assert "Full-Profile.1" not in tokens(media.call("<trt:GetProfiles/>"), "trt:Profiles")


def test_create_profile_without_token_gets_a_fresh_one(media):
    first, second = create_profile(media, "a"), create_profile(media, "b")
    assert first and second and first != second
    listed = tokens(media.call("<trt:GetProfiles/>"), "trt:Profiles")
    assert listed[-2:] == [first, second]


def test_profile_exists(media):
    expect_fault(media, op("CreateProfile", tok("Name", "dup"), tok("Token", "Profile_1")), PROFILE_EXISTS)
    create_profile(media, "mine", "Mine")
    expect_fault(media, op("CreateProfile", tok("Name", "again"), tok("Token", "Mine")), PROFILE_EXISTS)


def test_profiles_up_to_the_maximum(media):
    caps = media.call("<trt:GetServiceCapabilities/>", auth="none")
    limit = int(caps.find("trt:Capabilities/trt:ProfileCapabilities", NS).get("MaximumNumberOfProfiles"))
    existing = len(media.call("<trt:GetProfiles/>").findall("trt:Profiles", NS))
    for n in range(limit - existing):
        create_profile(media, f"extra {n}")
    assert len(media.call("<trt:GetProfiles/>").findall("trt:Profiles", NS)) == limit
    expect_fault(media, op("CreateProfile", tok("Name", "one too many")), MAX_PROFILES)
    expect_fault(media, op("CreateProfile", tok("Name", "one too many"), tok("Token", "Extra")), MAX_PROFILES)


def test_fixed_profiles_cannot_be_deleted_but_can_change(media):
    expect_fault(media, op("DeleteProfile", tok("ProfileToken", "Profile_1")), FIXED_PROFILE)
    media.call(op("RemoveAudioEncoderConfiguration", tok("ProfileToken", "Profile_1")))
    shown = media.call(op("GetProfile", tok("ProfileToken", "Profile_1")))
    assert shown.find("trt:Profile/tt:AudioEncoderConfiguration", NS) is None
    assert shown.find("trt:Profile", NS).get("fixed") == "true"


def test_configuration_conflicts(media):
    empty = create_profile(media, "empty")
    expect_fault(media, op("AddVideoEncoderConfiguration", tok("ProfileToken", empty),
                           tok("ConfigurationToken", "VideoEncoder_1")), CONFLICT)  # fmt: skip
    expect_fault(media, op("AddAudioEncoderConfiguration", tok("ProfileToken", empty),
                           tok("ConfigurationToken", "AudioEncoder_1")), CONFLICT)  # fmt: skip
    expect_fault(media, op("RemoveVideoSourceConfiguration", tok("ProfileToken", "Profile_1")), CONFLICT)
    expect_fault(media, op("RemoveAudioSourceConfiguration", tok("ProfileToken", "Profile_1")), CONFLICT)
    # Nothing changed.
    profile = media.call(op("GetProfile", tok("ProfileToken", "Profile_1")))
    assert tokens(profile, "trt:Profile/tt:VideoSourceConfiguration") == ["VideoSourceConfig_1"]
    assert tokens(profile, "trt:Profile/tt:AudioSourceConfiguration") == ["AudioSourceConfig_1"]
    assert [local(c) for c in media.call(op("GetProfile", tok("ProfileToken", empty))).find("trt:Profile", NS)] == ["Name"]


# --- video source modes ---------------------------------------------------------------------


def test_video_source_mode_720p_shrinks_bounds_and_encoders_and_back(media):
    reply = media.call(op("SetVideoSourceMode", tok("VideoSourceToken", "VideoSource_1"),
                          tok("VideoSourceModeToken", "VideoSourceMode_1_2")))  # fmt: skip
    assert one(reply, "trt:Reboot") == "false"
    modes = media.call(op("GetVideoSourceModes", tok("VideoSourceToken", "VideoSource_1")))
    assert [m.get("Enabled") for m in modes.findall("trt:VideoSourceModes", NS)] == ["false", "true"]
    source = media.call("<trt:GetVideoSources/>")
    assert one(source, "trt:VideoSources/tt:Resolution/tt:Width") == "1280"
    bounds = get_config(media, "VideoSource", "VideoSourceConfig_1").find("tt:Bounds", NS)
    assert (bounds.get("width"), bounds.get("height")) == ("1280", "720")
    for token in CONFIG_TOKENS["VideoEncoder"]:
        cfg = get_config(media, "VideoEncoder", token)
        assert int(one(cfg, "tt:Resolution/tt:Width")) <= 1280 and int(one(cfg, "tt:Resolution/tt:Height")) <= 720
    assert (one(get_config(media, "VideoEncoder", "VideoEncoder_1"), "tt:Resolution/tt:Width")) == "1280"
    assert _offered(options(media, "VideoEncoder", "VideoEncoder_1"), "H264")[0] == ("1280", "720")
    # The native mode offers full size again; bounds grow back, encoders keep their (valid) size.
    media.call(op("SetVideoSourceMode", tok("VideoSourceToken", "VideoSource_1"),
                  tok("VideoSourceModeToken", "VideoSourceMode_1_1")))  # fmt: skip
    bounds = get_config(media, "VideoSource", "VideoSourceConfig_1").find("tt:Bounds", NS)
    assert (bounds.get("width"), bounds.get("height")) == ("1920", "1080")
    assert _offered(options(media, "VideoEncoder", "VideoEncoder_1"), "H264")[0] == ("1920", "1080")
    assert one(get_config(media, "VideoEncoder", "VideoEncoder_1"), "tt:Resolution/tt:Width") == "1280"


def test_video_source_mode_faults(media):
    expect_fault(media, op("GetVideoSourceModes", tok("VideoSourceToken", "VideoSource_9")), NO_VIDEO_SOURCE)
    expect_fault(media, op("SetVideoSourceMode", tok("VideoSourceToken", "VideoSource_9"),
                           tok("VideoSourceModeToken", "VideoSourceMode_1_2")), NO_VIDEO_SOURCE)  # fmt: skip
    expect_fault(media, op("SetVideoSourceMode", tok("VideoSourceToken", "VideoSource_1"),
                           tok("VideoSourceModeToken", "VideoSourceMode_9_9")), NO_VIDEO_SOURCE_MODE)  # fmt: skip


# --- OSDs -------------------------------------------------------------------------------------


def test_osd_create_set_delete(media):
    token = create_osd(media, token="client-chosen")
    assert token != "client-chosen"  # the device picks OSD tokens
    created = media.call(op("GetOSD", tok("OSDToken", token))).find("trt:OSD", NS)
    assert created.get("token") == token
    assert one(created, "tt:Position/tt:Type") == "UpperRight" and one(created, "tt:TextString/tt:PlainText") == "Hello"
    assert token in tokens(media.call("<trt:GetOSDs/>"), "trt:OSDs")
    media.call(op("SetOSD", osd_xml(token=token, text="Moved", position="Custom", pos='<tt:Pos x="0.5" y="-0.25"/>')))
    changed = media.call(op("GetOSD", tok("OSDToken", token))).find("trt:OSD", NS)
    assert one(changed, "tt:Position/tt:Type") == "Custom" and one(changed, "tt:TextString/tt:PlainText") == "Moved"
    pos = changed.find("tt:Position/tt:Pos", NS)
    assert (float(pos.get("x")), float(pos.get("y"))) == (0.5, -0.25)
    media.call(op("DeleteOSD", tok("OSDToken", token)))
    expect_fault(media, op("GetOSD", tok("OSDToken", token)), NO_CONFIG)
    assert tokens(media.call("<trt:GetOSDs/>"), "trt:OSDs") == ["OSD_1_1", "OSD_1_2"]


@pytest.mark.parametrize(
    "kw",
    [{"position": "Middle"}, {"text": ""}, {"text": "x" * 65}, {"position": "Custom"}],
    ids=["position", "empty-text", "long-text", "custom-without-pos"],
)
def test_osd_values_outside_the_options_are_refused(media, kw):
    expect_fault(media, op("CreateOSD", osd_xml(**kw)), CONFIG_MODIFY)
    expect_fault(media, op("SetOSD", osd_xml(token="OSD_1_2", **kw)), CONFIG_MODIFY)
    assert len(tokens(media.call("<trt:GetOSDs/>"), "trt:OSDs")) == 2


def test_max_osds_per_kind_and_in_all(media):
    opts = media.call(op("GetOSDOptions", tok("ConfigurationToken", "VideoSourceConfig_1")))
    limits = opts.find("trt:OSDOptions/tt:MaximumNumberOfOSDs", NS)
    plain_limit, total = int(limits.get("PlainText")), int(limits.get("Total"))
    for n in range(plain_limit - 1):  # OSD_1_2 is plain text already
        create_osd(media, text=f"line {n}")
    expect_fault(media, op("CreateOSD", osd_xml(text="one too many")), MAX_OSDS)
    while len(tokens(media.call("<trt:GetOSDs/>"), "trt:OSDs")) < total:
        create_osd(media, text_type="Date")
    expect_fault(media, op("CreateOSD", osd_xml(text_type="Time")), MAX_OSDS)
    assert len(tokens(media.call("<trt:GetOSDs/>"), "trt:OSDs")) == total


# --- access -----------------------------------------------------------------------------------


@pytest.fixture
def user_media(soap, running_camera, onvif_schemas):
    soap.call(
        "<tds:CreateUsers>"
        "<tds:User><tt:Username>viewer</tt:Username><tt:Password>view-pw</tt:Password><tt:UserLevel>User</tt:UserLevel></tds:User>"
        "<tds:User><tt:Username>operator</tt:Username><tt:Password>op-pw</tt:Password><tt:UserLevel>Operator</tt:UserLevel></tds:User>"
        "</tds:CreateUsers>"
    )
    viewer = media_client(running_camera, onvif_schemas, "viewer", "view-pw")
    operator = media_client(running_camera, onvif_schemas, "operator", "op-pw")
    yield viewer, operator
    viewer.close()
    operator.close()


READS = [
    "<trt:GetProfiles/>",
    op("GetProfile", tok("ProfileToken", "Profile_1")),
    "<trt:GetVideoEncoderConfigurations/>",
    op("GetVideoEncoderConfigurationOptions", tok("ConfigurationToken", "VideoEncoder_1")),
    stream_uri_body("RTP-Unicast", "RTSP"),
    op("GetSnapshotUri", tok("ProfileToken", "Profile_1")),
    op("GetVideoSourceModes", tok("VideoSourceToken", "VideoSource_1")),
    "<trt:GetOSDs/>",
]
WRITES = [
    op("CreateProfile", tok("Name", "not allowed")),
    op("DeleteProfile", tok("ProfileToken", "Profile_1")),
    op("AddMetadataConfiguration", tok("ProfileToken", "Profile_2"), tok("ConfigurationToken", "MetadataConfig_1")),
    op("RemoveAudioEncoderConfiguration", tok("ProfileToken", "Profile_1")),
    op("CreateOSD", osd_xml()),
    op("DeleteOSD", tok("OSDToken", "OSD_1_1")),
    op("SetVideoSourceMode", tok("VideoSourceToken", "VideoSource_1"), tok("VideoSourceModeToken", "VideoSourceMode_1_2")),
    op("StartMulticastStreaming", tok("ProfileToken", "Profile_1")),
]


def test_a_user_reads_but_may_not_change(media, user_media, running_camera):
    viewer, _ = user_media
    for body in READS:
        assert local(viewer.call(body)).endswith("Response")
    for body in WRITES:
        expect_fault(viewer, body, NOT_AUTHORIZED)
    cfg = get_config(viewer, "VideoEncoder", "VideoEncoder_1")
    expect_fault(viewer, set_body("VideoEncoder", edit(cfg, Quality=10)), NOT_AUTHORIZED)
    # Nothing changed.
    assert len(tokens(media.call("<trt:GetProfiles/>"), "trt:Profiles")) == 3
    assert float(one(get_config(media, "VideoEncoder", "VideoEncoder_1"), "tt:Quality")) == 50.0
    assert running_camera.camera.media.current_mode("VideoSource_1").token == "VideoSourceMode_1_1"


def test_an_operator_changes_profiles_but_not_the_source_mode(user_media):
    _, operator = user_media
    token = create_profile(operator, "operator's")
    operator.call(op("DeleteProfile", tok("ProfileToken", token)))
    # SetVideoSourceMode is WRITE_SYSTEM, which the default policy keeps for administrators.
    expect_fault(operator, WRITES[6], NOT_AUTHORIZED)
    assert local(operator.call(READS[6])) == "GetVideoSourceModesResponse"


def test_anonymous_callers_get_only_the_capabilities(media):
    assert local(media.call("<trt:GetServiceCapabilities/>", auth="none")) == "GetServiceCapabilitiesResponse"
    assert media.fault("<trt:GetProfiles/>", auth="none", status=401) == NOT_AUTHORIZED


# --- persistence and change announcements -------------------------------------------------------


def test_media_changes_survive_a_restart(tmp_path, onvif_schemas):
    state_dir = str(tmp_path / "state")
    with ThreadedCamera(state_dir=state_dir) as cam:
        client = media_client(cam, onvif_schemas)
        create_profile(client, "kept", "Kept")
        add(client, "VideoSource", "Kept", "VideoSourceConfig_1")
        add(client, "VideoEncoder", "Kept", "VideoEncoder_2")
        set_config(client, "VideoEncoder", edit(get_config(client, "VideoEncoder", "VideoEncoder_1"),
                                                Resolution__Width=1280, Resolution__Height=720))  # fmt: skip
        osd = create_osd(client, text="remember me")
        media_client(cam, onvif_schemas).call(op("SetVideoSourceMode", tok("VideoSourceToken", "VideoSource_1"),
                                                 tok("VideoSourceModeToken", "VideoSourceMode_1_2")))  # fmt: skip
        before = etree.tostring(client.call("<trt:GetProfiles/>"))
        before_osds = etree.tostring(client.call("<trt:GetOSDs/>"))
        client.close()
    with ThreadedCamera(state_dir=state_dir) as cam:
        client = media_client(cam, onvif_schemas)
        assert etree.tostring(client.call("<trt:GetProfiles/>")) == before
        assert etree.tostring(client.call("<trt:GetOSDs/>")) == before_osds
        kept = client.call(op("GetProfile", tok("ProfileToken", "Kept"))).find("trt:Profile", NS)
        assert kept.get("fixed") == "false"
        assert tokens(kept, "tt:VideoEncoderConfiguration") == ["VideoEncoder_2"]
        assert one(get_config(client, "VideoEncoder", "VideoEncoder_1"), "tt:Resolution/tt:Width") == "1280"
        assert one(client.call(op("GetOSD", tok("OSDToken", osd))), "trt:OSD/tt:TextString/tt:PlainText") == "remember me"
        modes = client.call(op("GetVideoSourceModes", tok("VideoSourceToken", "VideoSource_1")))
        assert [m.get("Enabled") for m in modes.findall("trt:VideoSourceModes", NS)] == ["false", "true"]
        # A new profile does not reuse a token handed out before the restart.
        assert create_profile(client, "after restart") not in tokens(client.call("<trt:GetProfiles/>"), "trt:Profiles")[:-1]
        assert create_osd(client, text="new") != osd
        client.close()


def test_media_changes_are_announced(media, running_camera):
    seen: list[MediaChange] = []
    running_camera.camera.subscribe_media(seen.append)
    token = create_profile(media, "watched")
    add(media, "VideoSource", token, "VideoSourceConfig_1")
    set_config(media, "VideoEncoder", edit(get_config(media, "VideoEncoder", "VideoEncoder_2"), Quality=60))
    osd = create_osd(media)
    media.call(op("DeleteOSD", tok("OSDToken", osd)))
    media.call(op("DeleteProfile", tok("ProfileToken", token)))
    assert seen == [
        MediaChange("Profile", token, "Created"),
        MediaChange("Profile", token, "Changed"),
        MediaChange("Configuration", "VideoEncoder_2", "Changed", "VideoEncoder"),
        MediaChange("OSD", osd, "Created"),
        MediaChange("OSD", osd, "Deleted"),
        MediaChange("Profile", token, "Deleted"),
    ]


def test_refused_changes_are_not_announced(media, running_camera):
    seen: list[MediaChange] = []
    running_camera.camera.subscribe_media(seen.append)
    expect_fault(media, op("DeleteProfile", tok("ProfileToken", "Profile_1")), FIXED_PROFILE)
    cfg = get_config(media, "VideoEncoder", "VideoEncoder_1")
    expect_fault(media, set_body("VideoEncoder", edit(cfg, H264__GovLength=0)), CONFIG_MODIFY)
    expect_fault(media, op("RemoveVideoSourceConfiguration", tok("ProfileToken", "Profile_1")), CONFLICT)
    assert seen == []


@pytest.mark.parametrize("token", ["VideoSourceConfig_1", "VideoSource_1", "Profile_2"])
def test_osd_options_and_osds_understand_the_tokens_nvrs_send(media, token):
    """NVRs ask with the configuration's, the source's or a profile's token; all mean the same source."""
    opts = media.call(op("GetOSDOptions", tok("ConfigurationToken", token))).find("trt:OSDOptions", NS)
    assert opts.find("tt:MaximumNumberOfOSDs", NS).get("Total") == "6"
    osds = media.call(op("GetOSDs", tok("ConfigurationToken", token)))
    assert tokens(osds, "trt:OSDs") == ["OSD_1_1", "OSD_1_2"]
