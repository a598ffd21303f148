"""The PTZ service through real client libraries, the way they drive cameras in the field.

- onvif-zeep-async as Home Assistant's ONVIF integration uses it: profiles
  with a PTZConfiguration, the presets it lists at start-up, then the moves of
  its `ptz` service call (ContinuousMove with a Timeout and a Stop of pan/tilt
  only, RelativeMove, AbsoluteMove, GotoPreset) and preset management;
- onvif-zeep-async as Frigate's autotracker uses it: GetConfigurationOptions,
  the TranslationSpaceFov entry among the relative pan/tilt spaces, a
  RelativeMove request built from the GetStatus position with that space, and
  MoveStatus to see the move end;
- plain zeep with the official ptz.wsdl: nodes, configurations, moves, presets
  and a preset tour.

The head moves in real time: tests poll GetStatus with a deadline, never time it.
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import timedelta

import onvif
import pytest
import zeep
from onvif import ONVIFCamera
from schemas import schema_root
from zeep.wsse.username import UsernameToken

from onvif_device.camera.ptz import geometry as geo

HA_WSDL_DIR = f"{os.path.dirname(onvif.__file__)}/wsdl/"
PTZ_BINDING = "{http://www.onvif.org/ver20/ptz/wsdl}PTZBinding"
FOV = "http://www.onvif.org/ver10/tptz/PanTiltSpaces/TranslationSpaceFov"
TT = "http://www.onvif.org/ver10/schema"
DEADLINE = 10.0


def ptz_url(cam) -> str:
    return cam.service_url("ptz")


def device_of(cam) -> ONVIFCamera:
    return ONVIFCamera(cam.host, cam.port, cam.username, cam.password, HA_WSDL_DIR, no_cache=True)


async def settled(ptz, token: str):
    """GetStatus, polled until pan/tilt and zoom both report IDLE."""
    deadline = time.monotonic() + DEADLINE
    while True:
        status = await ptz.GetStatus({"ProfileToken": token})
        if status.MoveStatus.PanTilt == "IDLE" and status.MoveStatus.Zoom == "IDLE":
            return status
        assert time.monotonic() < deadline, "the head did not come to rest"
        await asyncio.sleep(0.05)


async def ptz_profiles(device: ONVIFCamera) -> list:
    """The profiles Home Assistant would drive: H.264 ones with a PTZ configuration."""
    media = await device.create_media_service()
    profiles = await media.GetProfiles()
    return [
        p
        for p in profiles
        if p.VideoEncoderConfiguration and p.VideoEncoderConfiguration.Encoding == "H264" and p.PTZConfiguration
    ]


# --- Home Assistant --------------------------------------------------------------------------------


async def test_home_assistant_ptz_sequence(running_camera):
    device = device_of(running_camera)
    try:
        await device.update_xaddrs()
        profiles = await ptz_profiles(device)
        assert [p.token for p in profiles] == ["Profile_1", "Profile_2"]
        profile = profiles[0]
        ptz_config = profile.PTZConfiguration
        # What Home Assistant reads to decide which moves the profile offers.
        assert ptz_config.DefaultContinuousPanTiltVelocitySpace is not None
        assert ptz_config.DefaultRelativePanTiltTranslationSpace is not None
        assert ptz_config.DefaultAbsolutePantTiltPositionSpace is not None
        token = profile.token

        ptz = await device.create_ptz_service()
        options = await ptz.GetConfigurationOptions({"ConfigurationToken": ptz_config.token})
        assert options.PTZTimeout.Min == timedelta(seconds=0.1)
        assert await ptz.GetPresets(token) == []

        # Home Assistant's continuous move: the velocity of the axes asked for, then a Stop of pan/tilt only.
        request = ptz.create_type("ContinuousMove")
        request.ProfileToken = token
        request.Velocity = {"PanTilt": {"x": 0.2, "y": 0.0}}
        await ptz.ContinuousMove(request)
        status = await ptz.GetStatus({"ProfileToken": token})
        assert status.MoveStatus.PanTilt == "MOVING"
        await ptz.Stop({"ProfileToken": token, "PanTilt": True, "Zoom": False})
        stopped = await settled(ptz, token)
        assert stopped.Position.PanTilt.x > 0

        # A Timeout of half a second ends the move by itself.
        request.Velocity = {"PanTilt": {"x": 0.2, "y": 0.0}, "Zoom": {"x": 0.0}}
        request.Timeout = timedelta(seconds=0.5)
        await ptz.ContinuousMove(request)
        assert (await settled(ptz, token)).Position.PanTilt.x > stopped.Position.PanTilt.x

        # Home Assistant's absolute move to the right: speed 0 for the axes it leaves alone.
        request = ptz.create_type("AbsoluteMove")
        request.ProfileToken = token
        request.Position = {"PanTilt": {"x": 0.5, "y": 0.0}, "Zoom": {"x": 0.0}}
        request.Speed = {"PanTilt": {"x": 1.0, "y": 0.0}, "Zoom": {"x": 0.0}}
        await ptz.AbsoluteMove(request)
        at = await settled(ptz, token)
        assert (at.Position.PanTilt.x, at.Position.Zoom.x) == pytest.approx((0.5, 0.0))

        request.Position = {"PanTilt": {"x": 0.5, "y": -0.25}, "Zoom": {"x": 0.5}}
        request.Speed = {"PanTilt": {"x": 1, "y": 1}, "Zoom": {"x": 1}}
        await ptz.AbsoluteMove(request)
        at = await settled(ptz, token)
        assert (at.Position.PanTilt.x, at.Position.PanTilt.y, at.Position.Zoom.x) == pytest.approx((0.5, -0.25, 0.5))

        request = ptz.create_type("SetPreset")
        request.ProfileToken = token
        request.PresetName = "Driveway"
        preset = await ptz.SetPreset(request)
        listed = await ptz.GetPresets(token)
        assert [(p.token, p.Name) for p in listed] == [(preset, "Driveway")]
        assert listed[0].PTZPosition.PanTilt.x == pytest.approx(0.5)

        request = ptz.create_type("RelativeMove")
        request.ProfileToken = token
        request.Translation = {"PanTilt": {"x": -0.25, "y": 0.25}, "Zoom": {"x": -0.5}}
        request.Speed = {"PanTilt": {"x": 1, "y": 1}, "Zoom": {"x": 1}}
        await ptz.RelativeMove(request)
        moved = await settled(ptz, token)
        assert (moved.Position.PanTilt.x, moved.Position.PanTilt.y, moved.Position.Zoom.x) == pytest.approx(
            (0.25, 0.0, 0.0)
        )

        request = ptz.create_type("GotoPreset")
        request.ProfileToken = token
        request.PresetToken = preset
        request.Speed = {"PanTilt": {"x": 1, "y": 1}, "Zoom": {"x": 1}}
        await ptz.GotoPreset(request)
        back = await settled(ptz, token)
        assert (back.Position.PanTilt.x, back.Position.Zoom.x) == pytest.approx((0.5, 0.5))

        await ptz.RemovePreset({"ProfileToken": token, "PresetToken": preset})
        assert await ptz.GetPresets(token) == []

        request = ptz.create_type("SendAuxiliaryCommand")
        request.ProfileToken = token
        request.AuxiliaryData = "tt:Wiper|On"
        assert await ptz.SendAuxiliaryCommand(request) == "tt:Wiper|On"
    finally:
        await device.close()


# --- Frigate's autotracker ----------------------------------------------------------------------


def find_by_key(dictionary: dict, target_key: str):
    """Frigate's search for a key at any depth of a zeep answer."""
    if target_key in dictionary:
        return dictionary[target_key]
    for value in dictionary.values():
        if isinstance(value, dict):
            found = find_by_key(value, target_key)
            if found is not None:
                return found
    return None



async def test_frigate_autotracker_fov_relative_move(running_camera):
    device = device_of(running_camera)
    try:
        await device.update_xaddrs()
        profile = (await ptz_profiles(device))[0]
        configs = profile.PTZConfiguration
        ptz = await device.create_ptz_service()

        # Home Assistant's ptz.wsdl predates MoveStatus: Frigate digs it out of the unknown attributes.
        capabilities = await ptz.GetServiceCapabilities(ptz.create_type("GetServiceCapabilities"))
        assert find_by_key(vars(capabilities), "MoveStatus") == "true"

        request = ptz.create_type("GetConfigurationOptions")
        request.ConfigurationToken = configs.token
        ptz_config = await ptz.GetConfigurationOptions(request)
        fov_space_id = next(
            (i for i, space in enumerate(ptz_config.Spaces.RelativePanTiltTranslationSpace) if "TranslationSpaceFov" in space["URI"]),
            None,
        )  # fmt: skip
        assert fov_space_id is not None and configs.DefaultRelativePanTiltTranslationSpace is not None
        fov_range = ptz_config.Spaces.RelativePanTiltTranslationSpace[fov_space_id]
        zoom_space_id = next(
            (i for i, space in enumerate(ptz_config.Spaces.RelativeZoomTranslationSpace) if "TranslationGenericSpace" in space["URI"]),
            None,
        )  # fmt: skip
        assert zoom_space_id is not None

        status_request = ptz.create_type("GetStatus")
        status_request.ProfileToken = profile.token
        status = await ptz.GetStatus(status_request)
        assert status.MoveStatus.PanTilt == "IDLE"

        # Frigate builds its RelativeMove from the position GetStatus gave, re-labelled with the spaces.
        move_request = ptz.create_type("RelativeMove")
        move_request.ProfileToken = profile.token
        assert move_request.Translation is None
        move_request.Translation = status.Position
        move_request.Translation.PanTilt.space = ptz_config["Spaces"]["RelativePanTiltTranslationSpace"][fov_space_id]["URI"]
        move_request.Translation.Zoom.space = ptz_config["Spaces"]["RelativeZoomTranslationSpace"][zoom_space_id]["URI"]
        if move_request.Speed is None:
            move_request.Speed = configs.DefaultPTZSpeed

        # A tracked object half way to the right edge: pan by a quarter of the field of view.
        pan = float(fov_range["XRange"]["Min"] + (0.5 + 1) / 2 * (fov_range["XRange"]["Max"] - fov_range["XRange"]["Min"]))
        move_request.Speed = {"PanTilt": {"x": 1, "y": 1}, "Zoom": {"x": 1}}
        move_request.Translation.PanTilt.x = pan
        move_request.Translation.PanTilt.y = 0.0
        move_request.Translation.Zoom.x = 0.0
        assert move_request.Translation.PanTilt.space == FOV
        await ptz.RelativeMove(move_request)
        assert (await ptz.GetStatus(status_request)).MoveStatus.PanTilt == "MOVING"
        done = await settled(ptz, profile.token)
        hfov, _ = geo.field_of_view_degrees(status.Position.Zoom.x)
        assert done.Position.PanTilt.x == pytest.approx(geo.pan_of_degrees(pan * hfov / 2))
        assert done.Position.PanTilt.x == pytest.approx(geo.fov_translation(0.5, 0, 0.0)[0])
        assert done.Position.PanTilt.y == pytest.approx(0.0)
    finally:
        await device.close()


# --- plain zeep with the official WSDL ------------------------------------------------------------


def zeep_wait_idle(service, token: str):
    deadline = time.monotonic() + DEADLINE
    while True:
        status = service.GetStatus(ProfileToken=token)
        if status.MoveStatus.PanTilt == "IDLE" and status.MoveStatus.Zoom == "IDLE":
            return status
        assert time.monotonic() < deadline, "the head did not come to rest"
        time.sleep(0.05)


def test_zeep_with_the_official_wsdl(running_camera):
    wsse = UsernameToken(running_camera.username, running_camera.password, use_digest=True)
    client = zeep.Client(str(schema_root() / "ver20" / "ptz" / "wsdl" / "ptz.wsdl"), wsse=wsse)
    service = client.create_service(PTZ_BINDING, ptz_url(running_camera))

    capabilities = service.GetServiceCapabilities()
    assert capabilities.EFlip and capabilities.Reverse and capabilities.StatusPosition
    (node,) = service.GetNodes()
    assert node.token == "PTZNode_1" and node.HomeSupported is True
    assert node.SupportedPTZSpaces.AbsolutePanTiltPositionSpace[0].XRange.Max == 1.0
    # zeep lets an extension's leading xs:any ##other swallow the ONVIF elements after it, so
    # SupportedPresetTour and PTControlDirection arrive as raw elements in _value_1.
    (tours,) = node.Extension._value_1
    assert tours.findtext(f"{{{TT}}}MaximumNumberOfPresetTours") == str(running_camera.camera.ptz.tours.max_tours)
    (cfg,) = service.GetConfigurations()
    assert cfg.token == "PTZConfig_1" and cfg.DefaultPTZTimeout == timedelta(seconds=5)

    cfg.DefaultPTZTimeout = timedelta(seconds=1.5)
    (direction,) = cfg.Extension._value_1
    direction.find(f"{{{TT}}}EFlip/{{{TT}}}Mode").text = "ON"
    service.SetConfiguration(PTZConfiguration=cfg, ForcePersistence=True)
    again = service.GetConfiguration(PTZConfigurationToken="PTZConfig_1")
    assert again.DefaultPTZTimeout == timedelta(seconds=1.5)
    assert again.Extension._value_1[0].findtext(f"{{{TT}}}EFlip/{{{TT}}}Mode") == "ON"
    assert running_camera.camera.media.configuration("PTZ", "PTZConfig_1").eflip == "ON"
    options = service.GetConfigurationOptions(ConfigurationToken="PTZConfig_1")
    assert options.PTZTimeout.Max == timedelta(minutes=10)
    assert [m.text for m in options._value_1[0].iterfind(f"{{{TT}}}Reverse/{{{TT}}}Mode")] == ["OFF", "ON"]
    assert [c.token for c in service.GetCompatibleConfigurations(ProfileToken="Profile_1")] == ["PTZConfig_1"]

    service.ContinuousMove(ProfileToken="Profile_1", Velocity={"Zoom": {"x": 1.0}}, Timeout=timedelta(seconds=0.5))
    assert service.GetStatus(ProfileToken="Profile_1").MoveStatus.Zoom == "MOVING"
    zoomed = zeep_wait_idle(service, "Profile_1")
    assert 0 < zoomed.Position.Zoom.x <= 0.25 + 1e-6  # half a second at half the range per second

    service.AbsoluteMove(ProfileToken="Profile_1", Position={"PanTilt": {"x": 0.3, "y": 0.1}})
    at = zeep_wait_idle(service, "Profile_1")
    assert (at.Position.PanTilt.x, at.Position.PanTilt.y) == pytest.approx((0.3, 0.1))
    preset = service.SetPreset(ProfileToken="Profile_1", PresetName="Stairs")
    service.SetHomePosition(ProfileToken="Profile_1")
    service.RelativeMove(ProfileToken="Profile_1", Translation={"PanTilt": {"x": -0.3, "y": -0.1}})
    zeep_wait_idle(service, "Profile_1")
    service.GotoHomePosition(ProfileToken="Profile_1")
    home = zeep_wait_idle(service, "Profile_1")
    assert home.Position.PanTilt.x == pytest.approx(0.3)
    assert service.SendAuxiliaryCommand(ProfileToken="Profile_1", AuxiliaryData="tt:IRLamp|On") == "tt:IRLamp|On"

    tour = service.CreatePresetTour(ProfileToken="Profile_1")
    tour_options = service.GetPresetTourOptions(ProfileToken="Profile_1", PresetTourToken=tour)
    assert tour_options.TourSpot.PresetDetail.PresetToken == [preset]
    service.ModifyPresetTour(
        ProfileToken="Profile_1",
        PresetTour={
            "token": tour,
            "Name": "Round",
            "Status": {"State": "Idle"},
            "AutoStart": False,
            "StartingCondition": {"RecurringTime": 3, "Direction": "Forward"},
            "TourSpot": [
                {"PresetDetail": {"PresetToken": preset}, "StayTime": timedelta(seconds=1)},
                {"PresetDetail": {"Home": True}, "StayTime": timedelta(seconds=0.5)},
            ],
        },
    )
    saved = service.GetPresetTour(ProfileToken="Profile_1", PresetTourToken=tour)
    assert saved.Name == "Round" and saved.StartingCondition.RecurringTime == 3
    assert [s.StayTime for s in saved.TourSpot] == [timedelta(seconds=1), timedelta(seconds=0.5)]
    service.OperatePresetTour(ProfileToken="Profile_1", PresetTourToken=tour, Operation="Start")
    assert service.GetPresetTours(ProfileToken="Profile_1")[0].Status.State == "Touring"
    service.OperatePresetTour(ProfileToken="Profile_1", PresetTourToken=tour, Operation="Stop")
    service.RemovePresetTour(ProfileToken="Profile_1", PresetTourToken=tour)
    assert service.GetPresetTours(ProfileToken="Profile_1") == []
