"""The PTZ head (camera/ptz/head.py) on a camera model with a fake clock: no sockets.

Factory top speeds: pan 60 degrees/s = 1 generic unit/s, tilt 30 degrees/s (3.56 units/s),
zoom 2 s from wide to tele = 0.5 units/s.  PTZConfig_1 moves at full speed by default.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fakeclock import START, FakeClock

from onvif_device.camera.camera import Camera
from onvif_device.camera.errors import ActionFailed, InvalidArgVal
from onvif_device.camera.events.topics import (
    PTZ_PRESET_ABORTED,
    PTZ_PRESET_INVOKED,
    PTZ_PRESET_LEFT,
    PTZ_PRESET_REACHED,
)
from onvif_device.camera.media.state import PTZConfigurationState
from onvif_device.camera.ptz import AUXILIARY_COMMANDS, Position, PtzHead, Speed
from onvif_device.camera.state import StateStore
from onvif_device.config import Config

PAN_SPEED, ZOOM_SPEED = 1.0, 0.5  # generic units per second at speed 1
TILT_SPEED = 30.0 / 8.4375


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def camera(clock) -> Camera:
    return Camera(Config(), seed="ptz", now=clock)


@pytest.fixture
def head(camera) -> PtzHead:
    assert camera.ptz is not None
    return camera.ptz


@pytest.fixture
def cfg(camera) -> PTZConfigurationState:
    return camera.media.configuration("PTZ", "PTZConfig_1")


@pytest.fixture
def heard(camera) -> list:
    messages: list = []
    camera.events.subscribe(messages.append)
    return messages


def with_(cfg: PTZConfigurationState, **changes) -> PTZConfigurationState:
    return PTZConfigurationState.model_validate({**cfg.model_dump(), **changes})


def where(head: PtzHead) -> tuple[float, float, float]:
    p = head.position()
    return p.pan, p.tilt, p.zoom


def settle(head: PtzHead, clock: FakeClock, seconds: float = 30.0) -> None:
    """Let every move end and the head notice."""
    clock.advance(seconds)
    head.tick()
    assert head.moving() == (False, False)


def park(head: PtzHead, cfg, clock, pan=0.0, tilt=0.0, zoom=0.0) -> None:
    head.absolute_move(cfg, (pan, tilt), zoom)
    settle(head, clock)


def preset_events(messages: list) -> list[tuple[str, str, str, str]]:
    return [
        (
            m.topic.rsplit("/", 1)[1],
            m.source_value("PTZConfigurationToken"),
            m.data_value("PresetToken"),
            m.data_value("PresetName"),
        )
        for m in messages
        if "/PTZPresets/" in m.topic
    ]


# --- reading -------------------------------------------------------------------------------


def test_a_new_head_stands_at_the_centre_wide(head, cfg, clock):
    assert where(head) == (0.0, 0.0, 0.0)
    status = head.status(cfg)
    assert (status.pan, status.tilt, status.zoom) == (0.0, 0.0, 0.0)
    assert not status.pan_tilt_moving and not status.zoom_moving
    assert status.error is None
    assert status.utc == datetime.fromtimestamp(START, UTC)
    view = head.view()
    assert (view.pan, view.tilt, view.zoom, view.moving, view.flipped) == (0.0, 0.0, 0.0, False, False)


def test_the_status_time_is_the_device_clock(camera, head, cfg, clock):
    camera.clock.set_system_date_and_time("Manual", False, None, (2030, 6, 1, 12, 0, 0), ntp_server_defined=False)
    assert head.status(cfg).utc == datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


# --- absolute, relative, continuous ----------------------------------------------------------------


def test_absolute_move_runs_each_axis_at_its_top_speed(head, cfg, clock):
    head.absolute_move(cfg, (0.5, -0.25), 0.5)
    assert head.moving() == (True, True)
    assert head.view().moving

    clock.at(0.25)
    status = head.status(cfg)
    assert status.pan == pytest.approx(0.25, abs=1e-6)
    assert status.tilt == -0.25  # tilt covers 0.25 in 0.07 s
    assert status.zoom == pytest.approx(0.125, abs=1e-6)
    assert (status.pan_tilt_moving, status.zoom_moving) == (True, True)

    clock.at(0.5)  # pan arrives after 0.5 units / 1 unit per second
    status = head.status(cfg)
    assert (status.pan, status.tilt) == (0.5, -0.25)
    assert (status.pan_tilt_moving, status.zoom_moving) == (False, True)

    clock.at(1.0)  # zoom arrives after 0.5 / 0.5
    status = head.status(cfg)
    assert (status.pan, status.tilt, status.zoom) == (0.5, -0.25, 0.5)
    assert (status.pan_tilt_moving, status.zoom_moving) == (False, False)
    assert not head.view().moving


def test_absolute_move_of_pan_tilt_only_leaves_the_zoom_alone(head, cfg, clock):
    park(head, cfg, clock, zoom=0.4)
    head.absolute_move(cfg, (-1.0, 1.0), None)
    assert head.moving() == (True, False)
    settle(head, clock)
    assert where(head) == (-1.0, 1.0, 0.4)


def test_relative_move_moves_by_the_translation(head, cfg, clock):
    park(head, cfg, clock, pan=0.5, zoom=0.2)
    start = clock.t
    head.relative_move(cfg, (0.25, -0.5), 0.3)
    clock.t = start + 0.25
    assert head.moving() == (False, True)  # pan took 0.25 s, tilt 0.14 s
    assert where(head)[:2] == (0.75, -0.5)
    clock.t = start + 0.6
    assert where(head) == (0.75, -0.5, 0.5)
    assert head.moving() == (False, False)


def test_relative_move_stops_at_the_range_end(head, cfg, clock):
    park(head, cfg, clock, pan=0.5)
    start = clock.t
    head.relative_move(cfg, (1.0, 0.0), -0.5)
    clock.t = start + 0.5  # only 0.5 of the way to the end of the range
    assert where(head) == (1.0, 0.0, 0.0)
    assert head.moving() == (False, False)


def test_continuous_move_runs_for_the_timeout_given(head, cfg, clock):
    head.continuous_move(cfg, (0.5, 0.0), -1.0, timeout=1.0)
    assert head.moving() == (True, False)  # zoom is already at its wide end
    clock.at(0.5)
    assert where(head)[0] == pytest.approx(0.25, abs=1e-6)
    clock.at(1.0)
    assert where(head)[0] == pytest.approx(0.5, abs=1e-6)
    assert head.moving() == (False, False)
    clock.at(10.0)
    assert where(head)[0] == pytest.approx(0.5, abs=1e-6)


def test_continuous_move_without_timeout_uses_the_configurations_default(head, cfg, clock):
    quick = with_(cfg, default_timeout=0.8)
    head.continuous_move(quick, (-0.25, 0.0), 0.5)
    clock.at(0.7)
    assert head.moving() == (True, True)
    clock.at(0.8)
    assert head.moving() == (False, False)
    assert where(head)[0] == pytest.approx(-0.2, abs=1e-6)
    assert where(head)[2] == pytest.approx(0.2, abs=1e-6)  # 0.5 x 0.5 units/s x 0.8 s


def test_the_factory_default_timeout_is_five_seconds(head, cfg, clock):
    assert cfg.default_timeout == 5.0
    head.continuous_move(cfg, (0.1, 0.0), None)
    clock.at(4.9)
    assert head.moving()[0]
    clock.at(5.0)
    assert not head.moving()[0]
    assert where(head)[0] == pytest.approx(0.5, abs=1e-6)


def test_continuous_move_stops_at_the_range_end_and_reports_not_moving(head, cfg, clock):
    head.continuous_move(cfg, (1.0, -1.0), 1.0, timeout=60)
    clock.at(1.0)
    assert where(head)[:2] == (1.0, -1.0)
    assert head.moving() == (False, True)  # pinned pan/tilt; zoom needs 2 s
    clock.at(2.0)
    assert where(head) == (1.0, -1.0, 1.0)
    assert head.moving() == (False, False)


def test_stop_freezes_the_axes_it_names(head, cfg, clock):
    head.absolute_move(cfg, (1.0, 0.0), 1.0)
    clock.at(0.5)
    head.stop(pan_tilt=True, zoom=False)
    assert head.moving() == (False, True)
    clock.at(1.5)
    assert where(head)[0] == pytest.approx(0.5, abs=1e-6)
    assert where(head)[2] == pytest.approx(0.75, abs=1e-6)
    head.stop()
    clock.at(5.0)
    assert where(head)[2] == pytest.approx(0.75, abs=1e-6)
    assert head.moving() == (False, False)


# --- speeds ---------------------------------------------------------------------------------


def test_half_speed_takes_twice_as_long(head, cfg, clock):
    head.absolute_move(cfg, (0.5, 0.0), 0.5, Speed(pan=0.5, tilt=0.5, zoom=0.5))
    clock.at(0.5)  # full speed would have arrived by now
    assert where(head)[0] == pytest.approx(0.25, abs=1e-6)
    assert head.moving() == (True, True)
    clock.at(1.0)
    assert where(head)[0] == 0.5
    assert head.moving() == (False, True)
    clock.at(2.0)
    assert where(head)[2] == 0.5
    assert head.moving() == (False, False)


def test_speeds_left_out_take_the_configurations_defaults(head, cfg, clock):
    slow = with_(cfg, default_pan_tilt_speed=(0.25, 1.0), default_zoom_speed=0.5)
    head.absolute_move(slow, (0.5, 0.0), 0.5, Speed(zoom=1.0))  # pan at the default quarter speed
    clock.at(1.0)
    assert where(head)[0] == pytest.approx(0.25, abs=1e-6)
    assert where(head)[2] == 0.5  # zoom at full speed, as asked
    clock.at(2.0)
    assert where(head)[0] == 0.5


# --- limits ------------------------------------------------------------------------------------


@pytest.fixture
def fenced(cfg) -> PTZConfigurationState:
    return with_(cfg, pan_limits=(-0.5, 0.5), tilt_limits=(-0.2, 0.6), zoom_limits=(0.0, 0.5))


@pytest.mark.parametrize(
    ("pan_tilt", "zoom", "named"),
    [((0.6, 0.0), None, "pan"), ((-0.51, 0.0), None, "pan"), ((0.0, -0.3), None, "tilt"), (None, 0.7, "zoom")],
)
def test_absolute_move_outside_the_limits_is_invalid_position(head, fenced, pan_tilt, zoom, named):
    with pytest.raises(InvalidArgVal) as error:
        head.absolute_move(fenced, pan_tilt, zoom)
    assert error.value.subcodes == ("InvalidArgVal", "InvalidPosition")
    assert named in error.value.reason and "PTZConfig_1" in error.value.reason
    assert head.moving() == (False, False)


def test_absolute_move_to_the_limits_themselves_is_fine(head, fenced, clock):
    head.absolute_move(fenced, (0.5, -0.2), 0.5)
    settle(head, clock)
    assert where(head) == (0.5, -0.2, 0.5)


def test_relative_and_continuous_moves_stop_at_the_limits(head, fenced, clock):
    head.relative_move(fenced, (1.0, 1.0), 1.0)
    clock.at(0.5)
    assert where(head)[:2] == (0.5, 0.6)
    assert head.moving() == (False, True)
    clock.at(1.0)  # zoom stops at 0.5, half way to where it was sent
    assert where(head)[2] == 0.5
    assert head.moving() == (False, False)
    head.continuous_move(fenced, (-1.0, -1.0), -1.0, timeout=60)
    clock.at(2.0)  # 1 s to cover the 1 unit of pan
    assert where(head) == (-0.5, -0.2, 0.0)
    assert head.moving() == (False, False)


# --- Reverse and EFlip ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reverse", "eflip", "mirrored"),
    [("OFF", "OFF", False), ("ON", "OFF", True), ("OFF", "ON", True), ("ON", "ON", False), ("AUTO", "OFF", False)],
)
def test_reverse_and_eflip_mirror_pan_and_tilt(head, cfg, clock, reverse, eflip, mirrored):
    turned = with_(cfg, reverse=reverse, eflip=eflip)
    sign = -1.0 if mirrored else 1.0
    head.absolute_move(turned, (0.5, 0.25), 0.5)
    settle(head, clock)
    assert where(head) == (sign * 0.5, sign * 0.25, 0.5)  # the head's own frame
    status = head.status(turned)
    assert (status.pan, status.tilt, status.zoom) == (0.5, 0.25, 0.5)  # the configuration's frame
    plain = head.status(cfg)
    assert (plain.pan, plain.tilt) == (sign * 0.5, sign * 0.25)
    assert head.in_configuration_frame(turned, head.position()) == Position(pan=0.5, tilt=0.25, zoom=0.5)
    assert head.in_configuration_frame(turned, Position(pan=0.5, tilt=0.25, zoom=0.5)) == head.position()

    head.relative_move(turned, (0.25, 0.0), None)
    settle(head, clock)
    assert head.status(turned).pan == 0.75

    start = clock.t
    head.continuous_move(turned, (-0.5, 0.0), None, timeout=1.0)
    clock.t = start + 1.0
    assert head.status(turned).pan == pytest.approx(0.25, abs=1e-6)
    assert where(head)[0] == pytest.approx(sign * 0.25, abs=1e-6)


def test_mirrored_limits_bound_the_configurations_frame(head, cfg, clock):
    turned = with_(cfg, reverse="ON", pan_limits=(-0.2, 0.8))
    head.absolute_move(turned, (0.7, 0.0), None)
    settle(head, clock)
    assert where(head)[0] == -0.7
    head.continuous_move(turned, (1.0, 0.0), None, timeout=60)
    settle(head, clock)
    assert head.status(turned).pan == 0.8
    assert where(head)[0] == -0.8
    with pytest.raises(InvalidArgVal):
        head.absolute_move(turned, (-0.3, 0.0), None)


def test_eflip_on_turns_the_picture_over(head, cfg, clock):
    head.absolute_move(with_(cfg, eflip="ON"), (0.1, 0.0), None)
    assert head.view().flipped
    head.absolute_move(with_(cfg, reverse="ON"), (0.1, 0.0), None)
    assert not head.view().flipped
    head.absolute_move(with_(cfg, eflip="ON", reverse="ON"), (0.1, 0.0), None)
    assert head.view().flipped


# --- presets ---------------------------------------------------------------------------------------


def test_set_preset_saves_where_the_head_stands(head, cfg, clock):
    park(head, cfg, clock, pan=0.5, tilt=-0.25, zoom=0.75)
    token = head.set_preset("door", None)
    assert token == "Preset_1"
    preset = head.preset(token)
    assert (preset.name, preset.position) == ("door", Position(pan=0.5, tilt=-0.25, zoom=0.75))
    assert [p.token for p in head.presets()] == ["Preset_1"]


def test_a_preset_without_a_name_is_named_after_its_token(head):
    assert head.set_preset(None, None) == "Preset_1"
    assert head.set_preset(None, None) == "Preset_2"
    assert [p.name for p in head.presets()] == ["Preset_1", "Preset_2"]


def test_set_preset_with_a_token_overwrites_and_renames(head, cfg, clock):
    token = head.set_preset("door", None)
    park(head, cfg, clock, pan=-0.5)
    assert head.set_preset(None, token) == token
    assert head.preset(token).name == "door"
    assert head.preset(token).position.pan == -0.5
    assert head.set_preset("gate", token) == token
    assert head.preset(token).name == "gate"
    assert head.set_preset("gate", token) == token  # its own name again is no clash
    assert len(head.presets()) == 1


def test_a_name_another_preset_has_is_preset_exist(head):
    head.set_preset("door", None)
    other = head.set_preset("gate", None)
    for token in (None, other):
        with pytest.raises(InvalidArgVal) as error:
            head.set_preset("door", token)
        assert error.value.subcodes == ("InvalidArgVal", "PresetExist")
    assert [p.name for p in head.presets()] == ["door", "gate"]


@pytest.mark.parametrize("name", ["", "x" * 65])
def test_an_empty_or_too_long_name_is_invalid_preset_name(head, name):
    with pytest.raises(InvalidArgVal) as error:
        head.set_preset(name, None)
    assert error.value.subcodes == ("InvalidArgVal", "InvalidPresetName")
    assert head.presets() == []


def test_a_64_character_name_is_fine(head):
    token = head.set_preset("x" * 64, None)
    assert head.preset(token).name == "x" * 64


def test_too_many_presets(clock):
    head = Camera(Config(ptz={"max_presets": 2}), seed="ptz", now=clock).ptz
    head.set_preset("a", None)
    head.set_preset("b", None)
    with pytest.raises(ActionFailed) as error:
        head.set_preset("c", None)
    assert (error.value.code, *error.value.subcodes) == ("Receiver", "Action", "TooManyPresets")
    head.set_preset("a2", "Preset_1")  # overwriting needs no room
    assert [p.name for p in head.presets()] == ["a2", "b"]


def test_presets_are_not_set_while_the_head_moves(head, cfg, clock):
    head.absolute_move(cfg, (1.0, 0.0), None)
    for call in (lambda: head.set_preset("moving", None), head.set_home):
        with pytest.raises(ActionFailed) as error:
            call()
        assert (error.value.code, *error.value.subcodes) == ("Receiver", "Action", "MovingPTZ")
    settle(head, clock)
    head.set_preset("still", None)


def test_unknown_preset_tokens_are_no_token(head, cfg):
    for call in (
        lambda: head.preset("Preset_9"),
        lambda: head.set_preset("x", "Preset_9"),
        lambda: head.remove_preset("Preset_9"),
        lambda: head.goto_preset(cfg, "Preset_9"),
    ):
        with pytest.raises(InvalidArgVal) as error:
            call()
        assert error.value.subcodes == ("InvalidArgVal", "NoToken")
    assert head.presets() == []


def test_remove_preset_and_the_token_is_free_again(head):
    first = head.set_preset("a", None)
    head.set_preset("b", None)
    head.remove_preset(first)
    assert [p.name for p in head.presets()] == ["b"]
    with pytest.raises(InvalidArgVal):
        head.preset(first)
    assert head.set_preset("c", None) == first


# --- preset moves and their events ------------------------------------------------------------------


@pytest.fixture
def door(head, cfg, clock) -> str:
    """A preset at pan 0.5, zoom 0.5, with the head back at the centre."""
    park(head, cfg, clock, pan=0.5, zoom=0.5)
    token = head.set_preset("door", None)
    park(head, cfg, clock)
    return token


def test_goto_preset_raises_invoked_then_reached_once_arrived(head, cfg, clock, door, heard):
    start = clock.t
    head.goto_preset(cfg, door)
    assert preset_events(heard) == [("Invoked", "PTZConfig_1", door, "door")]
    clock.t = start + 0.5  # pan there, zoom still on its way
    head.tick()
    assert len(preset_events(heard)) == 1
    clock.t = start + 1.0
    head.tick()
    assert where(head) == (0.5, 0.0, 0.5)
    assert preset_events(heard) == [("Invoked", "PTZConfig_1", door, "door"), ("Reached", "PTZConfig_1", door, "door")]
    head.tick()
    assert len(preset_events(heard)) == 2
    invoked, reached = (m for m in heard if "/PTZPresets/" in m.topic)
    assert invoked.topic == PTZ_PRESET_INVOKED.path and reached.topic == PTZ_PRESET_REACHED.path
    assert reached.utc_time == datetime.fromtimestamp(start + 1.0, UTC)


def test_goto_preset_at_speed(head, cfg, clock, door):
    start = clock.t
    head.goto_preset(cfg, door, Speed(pan=0.5, zoom=0.25))
    clock.t = start + 1.0
    assert where(head)[0] == 0.5
    assert head.moving() == (False, True)
    clock.t = start + 4.0
    assert where(head)[2] == 0.5


def test_goto_the_preset_the_head_stands_at_is_reached_at_once(head, cfg, clock, heard):
    token = head.set_preset("here", None)
    head.goto_preset(cfg, token)
    assert [e[0] for e in preset_events(heard)] == ["Invoked", "Reached"]


@pytest.mark.parametrize(
    "move",
    [
        lambda head, cfg: head.absolute_move(cfg, (-0.5, 0.0), None),
        lambda head, cfg: head.relative_move(cfg, (0.1, 0.0), None),
        lambda head, cfg: head.continuous_move(cfg, (0.0, 0.5), None),
        lambda head, cfg: head.goto_home(cfg),
        lambda head, cfg: head.stop(),
    ],
)
def test_a_move_during_a_preset_move_aborts_it(head, cfg, clock, door, heard, move):
    head.goto_preset(cfg, door)
    clock.advance(0.25)
    move(head, cfg)
    assert [e[0] for e in preset_events(heard)] == ["Invoked", "Aborted"]
    assert heard[-1].topic == PTZ_PRESET_ABORTED.path
    settle(head, clock)
    assert [e[0] for e in preset_events(heard)] == ["Invoked", "Aborted"]  # never Reached


def test_another_preset_during_a_preset_move_aborts_the_first(head, cfg, clock, door, heard):
    park_token = head.set_preset("centre", None)
    head.goto_preset(cfg, door)
    clock.advance(0.25)
    head.goto_preset(cfg, park_token)
    settle(head, clock)
    assert preset_events(heard) == [
        ("Invoked", "PTZConfig_1", door, "door"),
        ("Aborted", "PTZConfig_1", door, "door"),
        ("Invoked", "PTZConfig_1", park_token, "centre"),
        ("Reached", "PTZConfig_1", park_token, "centre"),
    ]


def test_moving_away_from_a_reached_preset_raises_left(head, cfg, clock, door, heard):
    head.goto_preset(cfg, door)
    settle(head, clock)
    head.relative_move(cfg, (0.1, 0.0), None)
    assert [e[0] for e in preset_events(heard)] == ["Invoked", "Reached", "Left"]
    assert heard[-1].topic == PTZ_PRESET_LEFT.path
    head.relative_move(cfg, (0.1, 0.0), None)  # left once only
    assert len(preset_events(heard)) == 3


def test_stop_while_standing_at_a_reached_preset_does_not_leave_it(head, cfg, clock, door, heard):
    head.goto_preset(cfg, door)
    settle(head, clock)
    head.stop()
    assert [e[0] for e in preset_events(heard)] == ["Invoked", "Reached"]
    head.absolute_move(cfg, (0.0, 0.0), None)
    assert [e[0] for e in preset_events(heard)] == ["Invoked", "Reached", "Left"]


def test_a_preset_outside_the_configurations_limits_is_aborted_where_it_stops(head, cfg, clock, door, heard):
    fenced = with_(cfg, pan_limits=(-0.3, 0.3))
    head.goto_preset(fenced, door)
    settle(head, clock)
    assert where(head)[0] == 0.3
    assert [e[0] for e in preset_events(heard)] == ["Invoked", "Aborted"]


def test_presets_are_kept_in_the_heads_frame(head, cfg, clock, door):
    turned = with_(cfg, reverse="ON", token="PTZConfig_2")
    head.goto_preset(turned, door)
    settle(head, clock)
    assert where(head) == (0.5, 0.0, 0.5)
    assert head.status(turned).pan == -0.5


def test_preset_events_name_the_configuration_moved_through(head, cfg, clock, door, heard):
    head.goto_preset(with_(cfg, token="PTZConfig_2"), door)
    assert preset_events(heard) == [("Invoked", "PTZConfig_2", door, "door")]


def test_removing_the_preset_under_way_ends_its_move_quietly(head, cfg, clock, door, heard):
    head.goto_preset(cfg, door)
    head.remove_preset(door)
    settle(head, clock)
    assert [e[0] for e in preset_events(heard)] == ["Invoked"]


# --- home ----------------------------------------------------------------------------------------------


def test_the_factory_home_is_the_centre_wide(head, cfg, clock):
    assert head.home() == Position()
    park(head, cfg, clock, pan=0.7, tilt=0.5, zoom=1.0)
    start = clock.t
    head.goto_home(cfg)
    clock.t = start + 1.0  # pan 0.7 s, zoom 2 s
    assert head.moving() == (False, True)
    clock.t = start + 2.0
    assert where(head) == (0.0, 0.0, 0.0)
    assert head.moving() == (False, False)


def test_set_home_then_goto_home(head, cfg, clock):
    park(head, cfg, clock, pan=-0.25, tilt=0.5, zoom=0.5)
    head.set_home()
    assert head.home() == Position(pan=-0.25, tilt=0.5, zoom=0.5)
    park(head, cfg, clock, pan=1.0)
    head.goto_home(cfg, Speed(pan=0.5))
    clock.advance(2.0)  # 1.25 units at half speed: 2.5 s
    assert head.moving()[0]
    settle(head, clock)
    assert where(head) == (-0.25, 0.5, 0.5)


# --- auxiliary commands --------------------------------------------------------------------------------


def test_auxiliary_commands_switch_their_device(head):
    for command in AUXILIARY_COMMANDS:
        assert head.send_auxiliary_command(command) == command
    assert head.auxiliary == {"tt:Wiper": "Off", "tt:Washer": "Off", "tt:IRLamp": "Off"}
    head.send_auxiliary_command("tt:IRLamp|On")
    assert head.auxiliary["tt:IRLamp"] == "On"


@pytest.mark.parametrize("command", ["tt:Wiper|Blink", "tt:Wiper", "", "tt:irlamp|on", "tt:Wiper|On "])
def test_an_unknown_auxiliary_command_is_an_invalid_argument(head, command):
    with pytest.raises(InvalidArgVal) as error:
        head.send_auxiliary_command(command)
    assert error.value.subcodes == ("InvalidArgVal",)
    assert "tt:Wiper|On" in error.value.reason  # names what is accepted
    assert head.auxiliary == {}


# --- persistence ------------------------------------------------------------------------------------------


def test_presets_home_and_position_survive_a_restart(tmp_path, clock):
    store = StateStore(tmp_path)
    camera = Camera(Config(), seed="ptz", store=store, now=clock)
    head, cfg = camera.ptz, camera.media.configuration("PTZ", "PTZConfig_1")
    park(head, cfg, clock, pan=0.5, tilt=0.25, zoom=0.5)
    head.set_preset("door", None)
    park(head, cfg, clock, pan=-0.5, tilt=-0.25, zoom=0.5)
    head.set_home()
    head.absolute_move(cfg, (0.75, 0.125), 1.0)
    clock.advance(0.5)
    head.tick()
    assert store.load().ptz.position == Position(pan=-0.5, tilt=-0.25, zoom=0.5)  # not saved mid-move
    settle(head, clock)
    assert store.load().ptz.position == Position(pan=0.75, tilt=0.125, zoom=1.0)  # saved once it ended

    again = Camera(Config(), seed="ptz", store=store, now=clock).ptz
    assert again.presets() == head.presets()
    assert again.preset("Preset_1").position == Position(pan=0.5, tilt=0.25, zoom=0.5)
    assert again.home() == Position(pan=-0.5, tilt=-0.25, zoom=0.5)
    assert again.position() == Position(pan=0.75, tilt=0.125, zoom=1.0)
    assert again.moving() == (False, False)


def test_a_stop_saves_where_the_head_stopped(tmp_path, clock):
    store = StateStore(tmp_path)
    camera = Camera(Config(), seed="ptz", store=store, now=clock)
    head, cfg = camera.ptz, camera.media.configuration("PTZ", "PTZConfig_1")
    head.continuous_move(cfg, (0.5, 0.0), None)
    clock.advance(1.0)
    head.stop()
    assert store.load().ptz.position.pan == pytest.approx(0.5, abs=1e-6)
    assert Camera(Config(), seed="ptz", store=store, now=clock).ptz.position().pan == pytest.approx(0.5, abs=1e-6)


def test_a_camera_without_ptz_has_no_head(clock):
    camera = Camera(Config(ptz={"enabled": False}), seed="fixed", now=clock)
    assert camera.ptz is None
    assert camera.media.configurations("PTZ") == []
    assert not any(t.path.startswith("tns1:PTZController") for t in camera.events.registry)


def test_the_cameras_tick_lets_time_act_on_the_head(camera, head, cfg, clock, heard):
    token = head.set_preset("centre", None)
    park(head, cfg, clock, pan=0.5)
    head.goto_preset(cfg, token)
    assert [e[0] for e in preset_events(heard)] == ["Invoked"]
    clock.advance(0.5)
    camera.tick()
    assert [e[0] for e in preset_events(heard)] == ["Invoked", "Reached"]


def test_a_hard_factory_reset_forgets_presets_home_and_tours(camera, cfg, clock):
    head = camera.ptz
    park(head, cfg, clock, pan=0.5)
    head.set_preset("door", None)
    head.set_home()
    head.tours.create("Profile_1")
    camera.set_system_factory_default(hard=True)
    fresh = camera.ptz
    assert fresh.presets() == [] and fresh.tours.all() == []
    assert fresh.home() == Position()
    assert fresh.position() == Position()
