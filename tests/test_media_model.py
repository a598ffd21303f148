"""The media model (camera/media) on its own: no XML, no sockets."""

from __future__ import annotations

import pytest

from onvif_device.camera.camera import Camera
from onvif_device.camera.errors import ActionFailed, ActionRefused, InvalidArgVal
from onvif_device.camera.media import MediaChange
from onvif_device.camera.state import StateStore
from onvif_device.config import Config

TWO_SOURCES = {"video_sources": [{"width": 1920, "height": 1080}, {"width": 1280, "height": 720, "framerate": 30}]}


@pytest.fixture
def camera() -> Camera:
    return Camera(Config(), seed="model")


@pytest.fixture
def media(camera):
    return camera.media


def codes(error: Exception) -> tuple[str, ...]:
    return (error.code, *error.subcodes)


# --- update_profile: atomic batches ---------------------------------------------------------------


def test_a_source_and_its_encoder_can_be_added_together(media):
    token = media.create_profile("pair").token
    media.update_profile(token, add={"VideoEncoder": "VideoEncoder_2", "VideoSource": "VideoSourceConfig_1"})
    profile = media.profile(token)
    assert (profile.video_source, profile.video_encoder) == ("VideoSourceConfig_1", "VideoEncoder_2")
    assert media.use_count("VideoEncoder", "VideoEncoder_2") == 2


@pytest.mark.parametrize(
    "change",
    [
        {"add": {"VideoEncoder": "VideoEncoder_1"}},  # no source in the profile
        {"add": {"AudioEncoder": "AudioEncoder_1"}},
        {"add": {"AudioDecoder": "AudioDecoderConfig_1"}},  # needs an audio output
        {"add": {"VideoSource": "VideoSourceConfig_1", "PTZ": "PTZConfig_1", "AudioEncoder": "AudioEncoder_2"}},
    ],
)
def test_a_conflicting_batch_changes_nothing(media, change):
    token = media.create_profile("empty").token
    before = media.profile(token).model_copy()
    with pytest.raises(ActionFailed) as error:
        media.update_profile(token, **change)
    assert codes(error.value) == ("Receiver", "Action", "ConfigurationConflict")
    assert media.profile(token) == before


def test_removing_a_source_under_its_encoder_conflicts_but_both_together_is_fine(media):
    before = media.profile("Profile_2").model_copy()
    with pytest.raises(ActionFailed):
        media.update_profile("Profile_2", remove=["VideoSource"])
    assert media.profile("Profile_2") == before
    # The factory sub stream also drives the PTZ head, which needs the source too.
    with pytest.raises(ActionFailed):
        media.update_profile("Profile_2", remove=["VideoSource", "VideoEncoder"])
    media.update_profile("Profile_2", remove=["VideoSource", "VideoEncoder", "PTZ"])
    assert media.profile("Profile_2").video_source is None and media.profile("Profile_2").video_encoder is None


def test_an_unknown_token_in_a_batch_changes_nothing(media):
    token = media.create_profile("p").token
    with pytest.raises(InvalidArgVal) as error:
        media.update_profile(token, add={"VideoSource": "VideoSourceConfig_1", "VideoEncoder": "nope"})
    assert error.value.subcodes == ("InvalidArgVal", "NoConfig")
    assert media.profile(token).video_source is None


def test_analytics_must_work_on_the_profiles_own_source():
    media = Camera(Config(media=TWO_SOURCES), seed="m").media
    token = media.create_profile("p").token
    with pytest.raises(ActionFailed, match="AnalyticsConfig_2"):
        media.update_profile(token, add={"VideoSource": "VideoSourceConfig_1", "Analytics": "AnalyticsConfig_2"})
    media.update_profile(token, add={"VideoSource": "VideoSourceConfig_2", "Analytics": "AnalyticsConfig_2"})
    assert media.profile(token).analytics == "AnalyticsConfig_2"


def test_a_rename_only_update_is_announced_once_and_a_no_op_not_at_all():
    seen: list[MediaChange] = []
    camera = Camera(Config(), seed="m")
    camera.subscribe_media(seen.append)
    camera.media.update_profile("Profile_1", name="Renamed")
    camera.media.update_profile("Profile_1", remove=["Analytics"])  # not in the profile: nothing changes
    assert seen == [MediaChange("Profile", "Profile_1", "Changed")]
    assert camera.media.profile("Profile_1").name == "Renamed"


# --- compatible() -------------------------------------------------------------------------------


def test_compatible_follows_the_dependencies(media):
    token = media.create_profile("p").token

    def compatible(kind: str) -> list[str]:
        return [c.token for c in media.compatible(kind, token)]

    assert compatible("VideoSource") == ["VideoSourceConfig_1"]
    assert compatible("VideoEncoder") == compatible("Analytics") == compatible("PTZ") == []
    assert compatible("Metadata") == ["MetadataConfig_1"]  # depends on nothing
    media.update_profile(token, add={"VideoSource": "VideoSourceConfig_1"})
    # The model offers every encoder; Media1 hides the H.265 one itself.
    assert compatible("VideoEncoder") == ["VideoEncoder_1", "VideoEncoder_2", "VideoEncoder_3", "VideoEncoder_4"]
    assert compatible("Analytics") == ["AnalyticsConfig_1"]
    with pytest.raises(InvalidArgVal, match="NoProfile|no media profile"):
        media.compatible("VideoSource", "nope")


# --- video source modes --------------------------------------------------------------------------


def test_encoder_mode_is_that_of_the_profiles_source(media):
    assert media.encoder_mode("VideoEncoder_1").token == "VideoSourceMode_1_1"
    assert media.encoder_mode(profile_token="Profile_3").token == "VideoSourceMode_1_1"
    assert media.encoder_mode("VideoEncoder_4").token == "VideoSourceMode_1_1"  # unattached: the first source
    media.set_video_source_mode("VideoSource_1", "VideoSourceMode_1_2")
    assert media.encoder_mode("VideoEncoder_1").token == "VideoSourceMode_1_2"
    assert media.encoder_mode().max_framerate == 50.0


def test_encoder_mode_on_a_second_source():
    media = Camera(Config(media=TWO_SOURCES), seed="m").media
    second = media.profile("Profile_4")
    assert second.video_source == "VideoSourceConfig_2"
    assert media.encoder_mode(second.video_encoder).token == "VideoSourceMode_2_1"
    assert media.encoder_mode(profile_token="Profile_4").width == 1280
    empty = media.create_profile("empty").token
    assert media.encoder_mode(profile_token=empty).token == "VideoSourceMode_1_1"


def test_a_smaller_mode_shrinks_bounds_and_encoders_to_fit(camera, media):
    seen: list[MediaChange] = []
    camera.subscribe_media(seen.append)
    sizes = {c.token: (c.width, c.height) for c in media.configurations("VideoEncoder")}
    assert sizes["VideoEncoder_1"] == (1920, 1080)
    assert media.set_video_source_mode("VideoSource_1", "VideoSourceMode_1_2") is False
    assert media.current_mode("VideoSource_1").token == "VideoSourceMode_1_2"
    vsc = media.configuration("VideoSource", "VideoSourceConfig_1")
    assert (vsc.bounds.x, vsc.bounds.y, vsc.bounds.width, vsc.bounds.height) == (0, 0, 1280, 720)
    after = {c.token: (c.width, c.height) for c in media.configurations("VideoEncoder")}
    assert after["VideoEncoder_1"] == after["VideoEncoder_4"] == (1280, 720)
    assert after["VideoEncoder_2"] == sizes["VideoEncoder_2"]  # already fitted
    assert all(w <= 1280 and h <= 720 for w, h in after.values())
    assert seen == [MediaChange("VideoSourceMode", "VideoSource_1", "Changed")]
    # Back to native: bounds grow to the full sensor again, encoders keep their valid size.
    media.set_video_source_mode("VideoSource_1", "VideoSourceMode_1_1")
    vsc = media.configuration("VideoSource", "VideoSourceConfig_1")
    assert (vsc.bounds.width, vsc.bounds.height) == (1920, 1080)
    assert media.configuration("VideoEncoder", "VideoEncoder_1").width == 1280


def test_a_slower_mode_lowers_encoder_frame_rates():
    config = Config(media={"video_sources": [{"width": 1920, "height": 1080, "framerate": 30}]})
    media = Camera(config, seed="m").media
    media.set_video_source_mode("VideoSource_1", "VideoSourceMode_1_2")
    vec = media.configuration("VideoEncoder", "VideoEncoder_1")
    media.set_configuration("VideoEncoder", vec.model_copy(update={"frame_rate": 60.0}))  # 720p runs at twice the rate
    media.set_video_source_mode("VideoSource_1", "VideoSourceMode_1_1")
    assert media.configuration("VideoEncoder", "VideoEncoder_1").frame_rate == 30.0


def test_video_source_mode_errors(media):
    with pytest.raises(InvalidArgVal) as error:
        media.set_video_source_mode("VideoSource_9", "VideoSourceMode_1_1")
    assert error.value.subcodes == ("InvalidArgVal", "NoVideoSource")
    with pytest.raises(InvalidArgVal) as error:
        media.set_video_source_mode("VideoSource_1", "VideoSourceMode_2_1")
    assert error.value.subcodes == ("InvalidArgVal", "NoVideoSourceMode")
    assert media.current_mode("VideoSource_1").token == "VideoSourceMode_1_1"


def test_a_source_without_a_faster_mode_offers_one_mode():
    media = Camera(Config(media={"video_sources": [{"width": 1280, "height": 720}]}), seed="m").media
    assert [m.token for m in media.video_source("VideoSource_1").modes] == ["VideoSourceMode_1_1"]


# --- set_configuration ---------------------------------------------------------------------------


def test_set_configuration_checks_against_the_current_mode(media):
    vec = media.configuration("VideoEncoder", "VideoEncoder_1")
    media.set_configuration("VideoEncoder", vec.model_copy(update={"frame_rate": 25.0}))
    with pytest.raises(InvalidArgVal, match="FrameRateLimit"):
        media.set_configuration("VideoEncoder", vec.model_copy(update={"frame_rate": 50.0}))
    media.set_video_source_mode("VideoSource_1", "VideoSourceMode_1_2")
    vec = media.configuration("VideoEncoder", "VideoEncoder_1")
    media.set_configuration("VideoEncoder", vec.model_copy(update={"frame_rate": 50.0}))
    assert media.configuration("VideoEncoder", "VideoEncoder_1").frame_rate == 50.0
    with pytest.raises(InvalidArgVal, match="not offered"):
        media.set_configuration("VideoEncoder", vec.model_copy(update={"width": 1920, "height": 1080}))


@pytest.mark.parametrize("asked, kept", [(10**6, 16384), (1, 32), (3000, 3000)])
def test_an_out_of_range_bitrate_is_adapted(media, asked, kept):
    vec = media.configuration("VideoEncoder", "VideoEncoder_2")
    media.set_configuration("VideoEncoder", vec.model_copy(update={"bitrate": asked}))
    assert media.configuration("VideoEncoder", "VideoEncoder_2").bitrate == kept


def test_a_refused_configuration_leaves_the_old_one(media):
    before = media.configuration("AudioEncoder", "AudioEncoder_1")
    with pytest.raises(InvalidArgVal) as error:
        media.set_configuration("AudioEncoder", before.model_copy(update={"bitrate": 128}))
    assert error.value.subcodes == ("InvalidArgVal", "ConfigModify")
    assert media.configuration("AudioEncoder", "AudioEncoder_1") == before


# --- profiles ------------------------------------------------------------------------------------


def test_profile_limits_and_fixed_profiles(media):
    with pytest.raises(ActionRefused) as error:
        media.delete_profile("Profile_1")
    assert codes(error.value) == ("Sender", "Action", "DeletionOfFixedProfile")
    with pytest.raises(InvalidArgVal) as error:
        media.create_profile("dup", "Profile_2")
    assert error.value.subcodes == ("InvalidArgVal", "ProfileExists")
    while len(media.state.profiles) < media.max_profiles:
        media.create_profile("more")
    with pytest.raises(ActionFailed) as error:
        media.create_profile("one too many")
    assert codes(error.value) == ("Receiver", "Action", "MaxNVTProfiles")


def test_camera_chosen_tokens_are_never_reused(media):
    first = media.create_profile("a").token
    media.delete_profile(first)
    assert media.create_profile("b").token != first
    media.create_profile("c", "Profile_u5")
    assert "Profile_u5" not in [media.create_profile(str(n)).token for n in range(4)]


# --- the saved set-up against the configured sources -----------------------------------------------


def test_saved_media_survives_a_restart(tmp_path):
    camera = Camera(Config(), seed="m", store=StateStore(tmp_path))
    token = camera.media.create_profile("kept").token
    again = Camera(Config(), seed="m", store=StateStore(tmp_path))
    assert again.media.profile(token).name == "kept"


def test_saved_media_for_other_sources_is_replaced_by_the_factory_set_up(tmp_path):
    two = Camera(Config(media=TWO_SOURCES), seed="m", store=StateStore(tmp_path))
    two.media.create_profile("on two sources")
    assert any(v.source_token == "VideoSource_2" for v in two.media.configurations("VideoSource"))
    one = Camera(Config(), seed="m", store=StateStore(tmp_path))
    assert [p.token for p in one.media.state.profiles] == ["Profile_1", "Profile_2", "Profile_3"]
    assert [v.source_token for v in one.media.configurations("VideoSource")] == ["VideoSource_1"]
    assert "does not match the configured sources" in one.system_log.text()


def test_a_saved_mode_the_source_no_longer_has_resets_media(tmp_path):
    full = Camera(Config(), seed="m", store=StateStore(tmp_path))
    full.media.set_video_source_mode("VideoSource_1", "VideoSourceMode_1_2")
    small = Camera(Config(media={"video_sources": [{"width": 1280, "height": 720}]}), seed="m", store=StateStore(tmp_path))
    assert small.media.current_mode("VideoSource_1").token == "VideoSourceMode_1_1"
    assert "does not match" in small.system_log.text()


@pytest.mark.parametrize("hard", [True, False])
def test_factory_reset_restores_media(camera, hard):
    factory = camera.media.state.model_copy(deep=True)
    media = camera.media
    media.create_profile("extra")
    media.update_profile("Profile_1", remove=["AudioEncoder"])
    vec = media.configuration("VideoEncoder", "VideoEncoder_1")
    media.set_configuration("VideoEncoder", vec.model_copy(update={"width": 640, "height": 360}))
    media.overlays.delete_osd("OSD_1_1")
    media.set_video_source_mode("VideoSource_1", "VideoSourceMode_1_2")
    camera.set_system_factory_default(hard=hard)
    assert camera.media.state == factory
    assert camera.media.configuration("VideoEncoder", "VideoEncoder_1").width == 1920


# --- several video sources ---------------------------------------------------------------------


def test_each_video_source_gets_its_own_profiles():
    media = Camera(Config(media=TWO_SOURCES), seed="m").media
    profiles = {p.token: p for p in media.state.profiles}
    assert [(t, p.name, p.video_source) for t, p in profiles.items()] == [
        ("Profile_1", "MainStream", "VideoSourceConfig_1"),
        ("Profile_2", "SubStream", "VideoSourceConfig_1"),
        ("Profile_3", "JPEG", "VideoSourceConfig_1"),
        ("Profile_4", "MainStream 2", "VideoSourceConfig_2"),
        ("Profile_5", "SubStream 2", "VideoSourceConfig_2"),
    ]
    main2 = media.configuration("VideoEncoder", profiles["Profile_4"].video_encoder)
    assert (main2.encoding, main2.width, main2.height, main2.frame_rate) == ("H264", 1280, 720, 30.0)
    sub2 = media.configuration("VideoEncoder", profiles["Profile_5"].video_encoder)
    assert (sub2.width, sub2.height) == (640, 360)
    assert media.configuration("VideoSource", "VideoSourceConfig_2").source_token == "VideoSource_2"
    assert [o.token for o in media.overlays.osds("VideoSourceConfig_2")] == ["OSD_2_1", "OSD_2_2"]
    assert media.configuration("Analytics", "AnalyticsConfig_2").source_configuration_token == "VideoSourceConfig_2"
    # Every multicast group is distinct.
    groups = [c.multicast.address for kind in ("VideoEncoder", "AudioEncoder", "Metadata") for c in media.configurations(kind)]
    assert len(groups) == len(set(groups))


def test_without_audio_there_are_no_audio_configurations():
    media = Camera(Config(media={"audio": False}), seed="m").media
    assert media.configurations("AudioSource") == media.configurations("AudioOutput") == []
    assert media.profile("Profile_1").audio_encoder is None
    assert media.hardware.audio_sources == ()


# --- OSDs -------------------------------------------------------------------------------------------


def test_osd_limits(media):
    template = media.overlays.osd("OSD_1_2")
    created = [media.overlays.create_osd(template.model_copy(update={"plain_text": f"line {n}"})) for n in range(3)]
    assert len(set(created)) == 3 and all(t.startswith("OSD_") for t in created)
    with pytest.raises(ActionFailed) as error:
        media.overlays.create_osd(template)
    assert codes(error.value) == ("Receiver", "Action", "MaxOSDs")
    with pytest.raises(InvalidArgVal) as error:
        media.overlays.create_osd(template.model_copy(update={"configuration_token": "nope"}))
    assert error.value.subcodes == ("InvalidArgVal", "NoConfig")
    assert len(media.overlays.osds()) == 5
