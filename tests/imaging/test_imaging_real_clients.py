"""The Imaging service through real client libraries.

- onvif-zeep-async (Home Assistant's library, its own bundled imaging.wsdl): find
  the service through GetCapabilities, read settings and options, send back
  what it read with one change, move the focus lens, stop it, read its status;
- plain zeep with the official ver20 imaging.wsdl: presets, absolute focus
  moves, and the faults a client sees for settings outside the options.
"""

from __future__ import annotations

import os
import time

import onvif
import pytest
import zeep
from onvif import ONVIFCamera
from schemas import schema_root
from zeep.wsse.username import UsernameToken

from onvif_device.camera.imaging import lens

HA_WSDL_DIR = f"{os.path.dirname(onvif.__file__)}/wsdl/"
TIMG = "http://www.onvif.org/ver20/imaging/wsdl"
TIMG_BINDING = f"{{{TIMG}}}ImagingBinding"
SOURCE = {"VideoSourceToken": "VideoSource_1"}


def imaging_url(cam) -> str:
    return cam.service_url("imaging")


async def test_onvif_zeep_async_reads_changes_and_focuses(running_camera):
    camera = running_camera.camera
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
        assert device.xaddrs[TIMG] == imaging_url(running_camera)
        imaging = await device.create_imaging_service()

        settings = await imaging.GetImagingSettings(SOURCE)
        assert (settings.Brightness, settings.IrCutFilter, settings.Focus.AutoFocusMode) == (50.0, "ON", "AUTO")
        options = await imaging.GetOptions(SOURCE)
        assert (options.Brightness.Min, options.Brightness.Max) == (0.0, 100.0)
        assert options.IrCutFilterModes == ["ON", "OFF", "AUTO"]

        # What a client does to change one thing: send back everything it read, with the change.
        settings.Brightness = 80.0
        settings.IrCutFilter = "OFF"
        await imaging.SetImagingSettings({**SOURCE, "ImagingSettings": settings})
        again = await imaging.GetImagingSettings(SOURCE)
        assert (again.Brightness, again.IrCutFilter, again.Contrast) == (80.0, "OFF", 50.0)
        look = camera.imaging.look("VideoSource_1")
        assert look.monochrome and look.brightness > 0

        move_options = await imaging.GetMoveOptions(SOURCE)
        assert (move_options.Continuous.Speed.Min, move_options.Continuous.Speed.Max) == (-1.0, 1.0)
        await imaging.Move({**SOURCE, "Focus": {"Continuous": {"Speed": -0.1}}})
        status = await imaging.GetStatus(SOURCE)
        assert status.FocusStatus20.MoveStatus == "MOVING"
        await imaging.Stop(SOURCE)
        status = await imaging.GetStatus(SOURCE)
        assert status.FocusStatus20.MoveStatus == "IDLE"
        assert 0.0 < status.FocusStatus20.Position < lens.IN_FOCUS
        assert (await imaging.GetImagingSettings(SOURCE)).Focus.AutoFocusMode == "MANUAL"

        with pytest.raises(zeep.exceptions.Fault) as fault:
            await imaging.GetImagingSettings({"VideoSourceToken": "Elsewhere"})
        assert "Elsewhere" in str(fault.value)
    finally:
        await device.close()


def wait_idle(service, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        status = service.GetStatus(**SOURCE).FocusStatus20
        if status.MoveStatus == "IDLE" or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


def test_zeep_with_the_official_wsdl_presets_and_absolute_focus(running_camera):
    wsse = UsernameToken(running_camera.username, running_camera.password, use_digest=True)
    client = zeep.Client(str(schema_root() / "ver20" / "imaging" / "wsdl" / "imaging.wsdl"), wsse=wsse)
    service = client.create_service(TIMG_BINDING, imaging_url(running_camera))

    capabilities = service.GetServiceCapabilities()
    assert (capabilities.Presets, capabilities.AdaptablePreset, capabilities.ImageStabilization) == (True, False, True)

    presets = service.GetPresets(**SOURCE)
    assert {(p.token, p.type) for p in presets} >= {("Night", "Night"), ("Backlight", "WDR"), ("Indoor", "Indoor")}
    assert service.GetCurrentPreset(**SOURCE).token == "Standard"
    service.SetCurrentPreset(**SOURCE, PresetToken="Night")
    assert service.GetCurrentPreset(**SOURCE).token == "Night"
    assert service.GetImagingSettings(**SOURCE).IrCutFilter == "OFF"

    service.Move(**SOURCE, Focus={"Absolute": {"Position": 0.1, "Speed": 1.0}})
    status = wait_idle(service)
    assert status.Position == pytest.approx(0.1)
    assert running_camera.camera.imaging.look("VideoSource_1").blur > 0

    settings_type = client.get_type("{http://www.onvif.org/ver10/schema}ImagingSettings20")
    with pytest.raises(zeep.exceptions.Fault) as fault:
        service.SetImagingSettings(**SOURCE, ImagingSettings=settings_type(Brightness=150.0))
    assert "Brightness" in str(fault.value) and "0..100" in str(fault.value)
    assert [code.localname for code in fault.value.subcodes] == ["InvalidArgVal", "SettingsInvalid"]
    assert service.GetImagingSettings(**SOURCE).Brightness == 55.0  # the Night preset's, unchanged

    service.SetImagingSettings(**SOURCE, ImagingSettings=settings_type(Focus={"AutoFocusMode": "AUTO"}))
    assert wait_idle(service).Position == pytest.approx(lens.IN_FOCUS)
