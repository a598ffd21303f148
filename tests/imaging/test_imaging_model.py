"""The imaging model on a clock the test turns: autofocus, moves, day/night, exposure, presets, saving."""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from onvif_device.camera import Camera
from onvif_device.camera.errors import ActionNotSupported, InvalidArgVal
from onvif_device.camera.imaging import (
    PRESETS,
    AbsoluteFocus,
    ContinuousFocus,
    FocusStatus,
    Imaging,
    ImagingState,
    RelativeFocus,
    lens,
)
from onvif_device.camera.imaging.model import exposure_stops
from onvif_device.camera.imaging.state import Exposure, SourceImagingState
from onvif_device.camera.media import build_hardware
from onvif_device.config import Config, MediaConfig

SOURCE = "VideoSource_1"


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0
        self.local = datetime(2024, 6, 1, 12, 0)

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make(clock: Clock, state: ImagingState | None = None, changes: list | None = None) -> Imaging:
    return Imaging(
        build_hardware(MediaConfig()),
        state if state is not None else ImagingState(),
        now=clock,
        local_now=lambda: clock.local,
        on_change=lambda: changes.append(clock.t) if changes is not None else None,
    )


def test_factory_state_is_in_focus_under_the_standard_preset_and_looks_like_the_scene(clock):
    imaging = make(clock)
    assert imaging.status(SOURCE).position == lens.IN_FOCUS
    assert not imaging.status(SOURCE).moving
    assert imaging.current_preset(SOURCE).token == "Standard"
    assert imaging.look(SOURCE).is_identity


def test_unknown_sources_fault_but_look_like_nothing(clock):
    imaging = make(clock)
    with pytest.raises(InvalidArgVal) as error:
        imaging.settings("VideoSource_9")
    assert error.value.subcodes == ("InvalidArgVal", "NoSource")
    assert imaging.look("VideoSource_9").is_identity


def test_a_file_source_has_no_imaging():
    config = Config.model_validate({"media": {"video_sources": [{}, {"file": "media/sample-h264.mp4"}]}})
    imaging = Camera(config).imaging
    with pytest.raises(ActionNotSupported) as error:
        imaging.status("VideoSource_2")
    assert error.value.subcodes == ("ActionNotSupported", "NoImagingForSource")
    assert error.value.code == "Receiver"
    imaging.status("VideoSource_1")


def test_ir_cut_filter_auto_follows_the_local_hour(clock):
    imaging = make(clock)
    settings = imaging.settings(SOURCE)
    settings.ir_cut_filter = "AUTO"
    imaging.set_settings(SOURCE, settings)
    seen = {}
    for hour in (6, 7, 12, 18, 19, 23):
        clock.local = clock.local.replace(hour=hour)
        seen[hour] = imaging.look(SOURCE).monochrome
    assert seen == {6: True, 7: False, 12: False, 18: False, 19: True, 23: True}


def test_ir_cut_filter_auto_reads_the_camera_s_own_time_zone():
    camera = Camera(Config.model_validate({"clock": {"timezone": "UTC-12"}}), now=lambda: 1717243200.0)  # 12:00 UTC
    settings = camera.imaging.settings(SOURCE)
    settings.ir_cut_filter = "AUTO"
    camera.imaging.set_settings(SOURCE, settings)
    assert camera.clock.get_system_date_and_time().local.hour == 0
    assert camera.imaging.look(SOURCE).monochrome  # midnight where the camera is


def test_exposure_stops():
    assert exposure_stops(Exposure()) == 0.0  # AUTO reaches the right exposure
    assert exposure_stops(Exposure(mode="MANUAL")) == 0.0  # the factory manual values are right too
    assert exposure_stops(Exposure(mode="MANUAL", exposure_time=1250.0)) == pytest.approx(-3.0)
    assert exposure_stops(Exposure(mode="MANUAL", gain=12.0412)) == pytest.approx(2.0, abs=1e-3)
    assert exposure_stops(Exposure(mode="MANUAL", iris=6.0206)) == pytest.approx(-1.0, abs=1e-3)
    # AUTO limited to short exposures and no gain cannot reach it: as bright as its ranges allow.
    short = Exposure(max_exposure_time=2500.0, max_gain=0.0)
    assert exposure_stops(short) == pytest.approx(-2.0)
    # ... or forced too bright by a high minimum gain.
    assert exposure_stops(Exposure(min_gain=12.0412, max_iris=0.0, min_exposure_time=10000.0)) == pytest.approx(2.0, abs=1e-3)


def test_manual_exposure_darkens_the_look(clock):
    imaging = make(clock)
    settings = imaging.settings(SOURCE)
    settings.exposure.mode = "MANUAL"
    settings.exposure.exposure_time = 1250.0
    imaging.set_settings(SOURCE, settings)
    assert imaging.look(SOURCE).exposure == pytest.approx(0.125)


def test_moves_take_time_turn_autofocus_off_and_save_when_they_end(clock):
    changes: list[float] = []
    imaging = make(clock, changes=changes)
    imaging.move(SOURCE, AbsoluteFocus(0.25, speed=0.5))  # 0.5 positions at 0.5 per second: one second
    assert imaging.settings(SOURCE).focus.auto_focus_mode == "MANUAL"
    assert changes == [1000.0]  # the mode change
    clock.t += 0.5
    status = imaging.status(SOURCE)
    assert status.moving and status.position == pytest.approx(0.5)
    assert 0 < imaging.look(SOURCE).blur < lens.blur(0.25)
    imaging.tick()
    assert changes == [1000.0]  # not while it moves
    clock.t += 1.0
    imaging.tick()
    assert changes == [1000.0, 1001.5]
    assert imaging.status(SOURCE) == FocusStatus(0.25, False, "")
    imaging.tick()
    assert len(changes) == 2  # once per move


def test_relative_move_uses_the_default_speed_and_stops_at_the_end(clock):
    imaging = make(clock)
    imaging.move(SOURCE, RelativeFocus(0.5))
    clock.t += 10
    assert imaging.status(SOURCE).position == 1.0


def test_continuous_move_stop_and_zero_speed(clock):
    imaging = make(clock)
    imaging.move(SOURCE, ContinuousFocus(-0.25))  # 0.25 positions per second
    clock.t += 1.0
    assert imaging.status(SOURCE).moving
    imaging.stop(SOURCE)
    clock.t += 1.0
    assert imaging.status(SOURCE) == FocusStatus(pytest.approx(0.5), False, "")
    imaging.move(SOURCE, ContinuousFocus(0.5))
    clock.t += 0.1
    imaging.move(SOURCE, ContinuousFocus(0.0))
    clock.t += 1.0
    assert imaging.status(SOURCE).position == pytest.approx(0.55)


def test_autofocus_drives_back_and_stop_does_not_touch_it(clock):
    imaging = make(clock)
    imaging.move(SOURCE, AbsoluteFocus(0.0, speed=1.0))
    clock.t += 1.0
    settings = imaging.settings(SOURCE)
    settings.focus.auto_focus_mode = "AUTO"
    imaging.set_settings(SOURCE, settings)
    clock.t += 0.5
    imaging.stop(SOURCE)
    assert imaging.status(SOURCE).moving  # autofocus at work
    clock.t += 2.0
    assert imaging.status(SOURCE).position == pytest.approx(lens.IN_FOCUS)
    assert imaging.look(SOURCE).is_identity


def test_switching_autofocus_off_lets_go_of_the_lens(clock):
    imaging = make(clock)
    imaging.move(SOURCE, AbsoluteFocus(0.0, speed=1.0))
    clock.t += 1.0
    settings = imaging.settings(SOURCE)
    settings.focus.auto_focus_mode = "AUTO"
    imaging.set_settings(SOURCE, settings)
    clock.t += 0.5
    settings.focus.auto_focus_mode = "MANUAL"
    imaging.set_settings(SOURCE, settings)
    where = imaging.status(SOURCE).position
    clock.t += 5.0
    assert imaging.status(SOURCE).position == where < lens.IN_FOCUS


def test_a_restart_in_auto_focuses_and_in_manual_stays(clock):
    state = ImagingState(sources={SOURCE: SourceImagingState(focus_position=0.1)})
    imaging = make(clock, state)
    assert imaging.status(SOURCE).moving
    clock.t += 5
    assert imaging.status(SOURCE).position == pytest.approx(lens.IN_FOCUS)

    manual = SourceImagingState(focus_position=0.1)
    manual.settings.focus.auto_focus_mode = "MANUAL"
    imaging = make(clock, ImagingState(sources={SOURCE: manual}))
    clock.t += 5
    assert imaging.status(SOURCE) == FocusStatus(0.1, False, "")


def test_autofocus_limits_that_exclude_the_scene(clock):
    imaging = make(clock)
    settings = imaging.settings(SOURCE)
    settings.focus.near_limit = 3.0
    imaging.set_settings(SOURCE, settings)
    clock.t += 5
    status = imaging.status(SOURCE)
    assert status.position == pytest.approx(lens.position_for(3.0))
    assert "NearLimit 3 m" in status.error
    assert imaging.look(SOURCE).blur > 0


def test_presets_match_settings_made_by_hand(clock):
    imaging = make(clock)
    indoor = next(p for p in PRESETS if p.token == "Indoor")
    settings = imaging.settings(SOURCE)
    settings.brightness, settings.contrast = 55.0, 45.0
    imaging.set_settings(SOURCE, settings)
    assert imaging.current_preset(SOURCE) == indoor
    settings.sharpness = 51.0
    imaging.set_settings(SOURCE, settings)
    assert imaging.current_preset(SOURCE) is None


def test_every_preset_sits_inside_the_options(clock):
    imaging = make(clock)
    for preset in PRESETS:
        imaging.set_current_preset(SOURCE, preset.token)
        imaging.set_settings(SOURCE, imaging.settings(SOURCE))  # checks against the options
        assert imaging.current_preset(SOURCE) == preset
    assert len({p.token for p in PRESETS}) == len(PRESETS)


def test_the_settings_handed_out_are_copies(clock):
    imaging = make(clock)
    settings = imaging.settings(SOURCE)
    settings.brightness = 99.0
    assert imaging.settings(SOURCE).brightness == 50.0


def test_settings_invalid_names_the_field(clock):
    imaging = make(clock)
    settings = imaging.settings(SOURCE)
    settings.image_stabilization.mode = "Extended"
    with pytest.raises(InvalidArgVal, match="ImageStabilization/Mode Extended") as error:
        imaging.set_settings(SOURCE, settings)
    assert error.value.subcodes == ("InvalidArgVal", "SettingsInvalid")
    settings = imaging.settings(SOURCE)
    settings.exposure.gain = math.nan
    with pytest.raises(InvalidArgVal, match="Exposure/Gain nan"):
        imaging.set_settings(SOURCE, settings)


def test_changes_are_saved_and_a_factory_reset_restores_the_settings(tmp_path):
    from onvif_device.camera.state import StateStore

    store = StateStore(tmp_path)
    camera = Camera(Config(), store=store)
    settings = camera.imaging.settings(SOURCE)
    settings.contrast = 80.0
    camera.imaging.set_settings(SOURCE, settings)
    assert store.load().imaging.sources[SOURCE].settings.contrast == 80.0
    camera.set_system_factory_default(hard=False)
    assert camera.imaging.settings(SOURCE).contrast == 50.0
    assert store.load().imaging.sources[SOURCE].settings.contrast == 50.0
