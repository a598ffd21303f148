"""Preset tours (camera/ptz/tours.py) on a camera model with a fake clock: no sockets.

The tours below pan only, at the factory top speed of 1 generic unit per second,
between spots a multiple of 0.25 apart, and time is ticked in steps of 0.25 s: so
each arrival and departure lands on a tick and the timings are exact.
"""

from __future__ import annotations

import pytest
from fakeclock import FakeClock

from onvif_device.camera.camera import Camera
from onvif_device.camera.errors import InvalidArgVal
from onvif_device.camera.events.topics import PTZ_PRESET_TOUR
from onvif_device.camera.ptz import Position, PtzHead, TourSpotState, TourState
from onvif_device.camera.state import StateStore
from onvif_device.config import Config

PROFILE = "Profile_1"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def camera(clock) -> Camera:
    return Camera(Config(), seed="tours", now=clock)


@pytest.fixture
def cfg(camera):
    return camera.media.configuration("PTZ", "PTZConfig_1")


@pytest.fixture
def head(camera, cfg, clock) -> PtzHead:
    """A head with preset A at pan 0.5, B at pan -0.5, home at pan -0.25, standing at the centre."""
    head = camera.ptz
    for name, pan in (("A", 0.5), ("B", -0.5)):
        head.absolute_move(cfg, (pan, 0.0), 0.0)
        settle(head, clock)
        head.set_preset(name, None)
    head.absolute_move(cfg, (-0.25, 0.0), 0.0)
    settle(head, clock)
    head.set_home()
    head.absolute_move(cfg, (0.0, 0.0), 0.0)
    settle(head, clock)
    return head


@pytest.fixture
def tours(head):
    return head.tours


@pytest.fixture
def heard(camera) -> list:
    messages: list = []
    camera.events.subscribe(messages.append)
    return messages


def settle(head: PtzHead, clock: FakeClock) -> None:
    clock.t += 30.0
    head.tick()


def spot(stay: float = 0.0, **where) -> TourSpotState:
    return TourSpotState(stay_seconds=stay, **where)


# Preset A (pan 0.5) for 2 s, home (pan -0.25) for 1 s, then pan 0.25 for 0.5 s.
THREE_SPOTS = [
    spot(2.0, preset_token="Preset_1"),
    spot(1.0, home=True),
    spot(0.5, position=Position(pan=0.25)),
]


def make(tours, spots=THREE_SPOTS, **settings) -> str:
    token = tours.create(PROFILE)
    tours.modify(PROFILE, TourState(token=token, spots=[s.model_copy() for s in spots], **settings))
    return token


def stays(head: PtzHead, clock: FakeClock, seconds: float, step: float = 0.25) -> list[tuple[float, float, float]]:
    """Tick every `step` for `seconds`: where the head stood still, as (pan, from, until) in seconds from now."""
    begin = clock.t
    runs: list[list[float]] = []
    for i in range(1, round(seconds / step) + 1):
        clock.t = begin + i * step
        head.tick()
        t, pan = i * step, round(head.position().pan, 9)
        if runs and runs[-1][0] == pan:
            runs[-1][2] = t
        else:
            runs.append([pan, t, t])
    return [(pan, since, until) for pan, since, until in runs if until > since]


def tour_events(messages: list) -> list[tuple[str | None, str | None, str | None, str | None]]:
    return [
        (m.source_value("PresetTourToken"), m.operation, m.data_value("State"), m.data_value("StateChange"))
        for m in messages
        if m.topic == PTZ_PRESET_TOUR.path
    ]


def codes(error: Exception) -> tuple[str, ...]:
    return (error.code, *error.subcodes)


# --- create, modify, remove ----------------------------------------------------------------------------------


def test_create_gives_numbered_empty_idle_tours(tours, heard):
    assert tours.create(PROFILE) == "PresetTour_1"
    assert tours.create(PROFILE) == "PresetTour_2"
    assert [t.token for t in tours.all()] == ["PresetTour_1", "PresetTour_2"]
    assert tours.get("PresetTour_1").spots == []
    assert tours.status("PresetTour_1") == ("Idle", None)
    assert tour_events(heard) == [
        ("PresetTour_1", "Initialized", "Idle", "false"),
        ("PresetTour_2", "Initialized", "Idle", "false"),
    ]
    assert heard[0].source_value("ProfileToken") == PROFILE


def test_create_beyond_the_limit_is_too_many_preset_tours(clock):
    tours = Camera(Config(ptz={"max_preset_tours": 2}), seed="tours", now=clock).ptz.tours
    tours.create(PROFILE)
    tours.create(PROFILE)
    with pytest.raises(InvalidArgVal) as error:
        tours.create(PROFILE)
    assert codes(error.value) == ("Sender", "InvalidArgVal", "TooManyPresetTours")
    assert len(tours.all()) == 2
    none = Camera(Config(ptz={"max_preset_tours": 0}), seed="tours", now=clock).ptz.tours
    with pytest.raises(InvalidArgVal):
        none.create(PROFILE)


def test_modify_replaces_the_settings_and_spots(tours):
    token = make(tours, recurring_time=3, direction="Backward", name="patrol")
    tour = tours.get(token)
    assert (tour.name, tour.recurring_time, tour.direction) == ("patrol", 3, "Backward")
    assert [(s.preset_token, s.home, s.position, s.stay_seconds) for s in tour.spots] == [
        ("Preset_1", False, None, 2.0),
        (None, True, None, 1.0),
        (None, False, Position(pan=0.25), 0.5),
    ]


def test_modify_with_an_unknown_preset_is_no_token(tours):
    token = tours.create(PROFILE)
    with pytest.raises(InvalidArgVal) as error:
        tours.modify(PROFILE, TourState(token=token, spots=[spot(preset_token="Preset_1"), spot(preset_token="nope")]))
    assert codes(error.value) == ("Sender", "InvalidArgVal", "NoToken")
    assert tours.get(token).spots == []


def test_modify_an_unknown_tour_is_no_token(tours):
    with pytest.raises(InvalidArgVal) as error:
        tours.modify(PROFILE, TourState(token="PresetTour_9"))
    assert codes(error.value) == ("Sender", "InvalidArgVal", "NoToken")


@pytest.mark.parametrize(
    "bad",
    [
        spot(1.0),  # names nothing
        spot(preset_token="Preset_1", home=True),
        spot(home=True, position=Position(pan=0.1)),
        spot(preset_token="Preset_1", position=Position()),
    ],
)
def test_a_spot_naming_none_or_two_places_is_invalid_preset_tour(tours, bad):
    token = tours.create(PROFILE)
    with pytest.raises(InvalidArgVal) as error:
        tours.modify(PROFILE, TourState(token=token, spots=[spot(home=True), bad]))
    assert codes(error.value) == ("Sender", "InvalidArgVal", "InvalidPresetTour")
    assert tours.get(token).spots == []


def test_too_many_spots_is_too_many_presets(tours):
    token = tours.create(PROFILE)
    with pytest.raises(InvalidArgVal) as error:
        tours.modify(PROFILE, TourState(token=token, spots=[spot(home=True)] * 33))
    assert codes(error.value) == ("Sender", "InvalidArgVal", "TooManyPresets")
    tours.modify(PROFILE, TourState(token=token, spots=[spot(home=True)] * 32))
    assert len(tours.get(token).spots) == 32


def test_remove_deletes_the_tour_and_its_event_property(camera, tours, heard):
    token = make(tours)
    other = make(tours)
    tours.remove(PROFILE, token)
    assert [t.token for t in tours.all()] == [other]
    with pytest.raises(InvalidArgVal) as error:
        tours.get(token)
    assert codes(error.value) == ("Sender", "InvalidArgVal", "NoToken")
    assert tour_events(heard)[-1] == (token, "Deleted", None, None)
    live = {m.source_value("PresetTourToken") for m in camera.events.properties() if m.topic == PTZ_PRESET_TOUR.path}
    assert live == {other}
    with pytest.raises(InvalidArgVal):
        tours.remove(PROFILE, token)


def test_remove_through_another_profile_still_deletes_the_tours_property(camera, tours):
    token = tours.create(PROFILE)
    tours.remove("Profile_2", token)
    assert [m for m in camera.events.properties() if m.topic == PTZ_PRESET_TOUR.path] == []


def test_a_tour_handled_through_two_profiles_has_one_property(camera, tours, cfg):
    token = make(tours)
    tours.operate(cfg, "Profile_2", token, "Start")
    live = [m for m in camera.events.properties() if m.topic == PTZ_PRESET_TOUR.path]
    assert [(m.source_value("ProfileToken"), m.data_value("State")) for m in live] == [("Profile_2", "Touring")]


def test_remove_a_touring_tour_ends_it(tours, cfg, head, clock):
    token = make(tours)
    tours.operate(cfg, PROFILE, token, "Start")
    tours.remove(PROFILE, token)
    assert tours.status(token) == ("Idle", None)
    other = make(tours)
    tours.operate(cfg, PROFILE, other, "Start")  # nothing touring any more
    assert tours.status(other)[0] == "Touring"


def test_removing_a_preset_drops_it_from_tours(tours, head):
    token = make(
        tours, spots=[spot(1.0, preset_token="Preset_1"), spot(1.0, home=True), spot(1.0, preset_token="Preset_2")]
    )
    head.remove_preset("Preset_1")
    assert [(s.preset_token, s.home) for s in tours.get(token).spots] == [(None, True), ("Preset_2", False)]
    head.remove_preset("Preset_2")
    assert [s.home for s in tours.get(token).spots] == [True]


def test_removing_a_preset_of_the_touring_tour_ends_the_tour(tours, cfg, head, heard):
    token = make(tours)
    tours.operate(cfg, PROFILE, token, "Start")
    head.remove_preset("Preset_1")
    assert tours.status(token) == ("Idle", None)
    assert tour_events(heard)[-1] == (token, "Changed", "Idle", "true")
    assert len(tours.get(token).spots) == 2


def test_tours_survive_a_restart(tmp_path, clock):
    store = StateStore(tmp_path)
    camera = Camera(Config(), seed="tours", store=store, now=clock)
    camera.ptz.set_preset("A", None)
    token = make(camera.ptz.tours, recurring_seconds=60.0, direction="Backward")
    saved = camera.ptz.tours.get(token)
    again = Camera(Config(), seed="tours", store=store, now=clock).ptz.tours
    assert again.all() == [saved]
    assert again.status(token) == ("Idle", None)


def test_an_auto_start_tour_runs_from_power_up(tmp_path, clock):
    store = StateStore(tmp_path)
    camera = Camera(Config(), seed="tours", store=store, now=clock)
    camera.ptz.absolute_move(camera.media.configuration("PTZ", "PTZConfig_1"), (0.5, 0.0), None)
    settle(camera.ptz, clock)
    camera.ptz.set_preset("A", None)
    token = make(camera.ptz.tours, auto_start=True)
    plain = make(camera.ptz.tours)
    assert camera.ptz.tours.status(token)[0] == "Idle"  # AutoStart acts at power-up, not when set
    again = Camera(Config(), seed="tours", store=store, now=clock)
    state, spot = again.ptz.tours.status(token)
    assert state == "Touring" and spot == THREE_SPOTS[0]
    assert again.ptz.tours.status(plain) == ("Idle", None)
    again.ptz.tick()  # the head stood at preset A already: its 2 s stay begins
    clock.t += 2.0
    again.ptz.tick()
    assert again.ptz.tours.status(token)[1] == THREE_SPOTS[1]  # and it goes on home
    assert again.ptz.moving()[0]


# --- touring ---------------------------------------------------------------------------------------------------


def test_start_visits_the_spots_in_order_staying_at_each(tours, cfg, head, clock, heard):
    token = make(tours)
    tours.operate(cfg, PROFILE, token, "Start")
    state, heading = tours.status(token)
    assert (state, heading) == ("Touring", tours.get(token).spots[0])
    assert stays(head, clock, 9.0) == [
        (0.5, 0.5, 2.5),  # preset A: 0.5 s there, 2 s stay
        (-0.25, 3.25, 4.25),  # home: 0.75 s there, 1 s stay
        (0.25, 4.75, 5.25),  # the position: 0.5 s there, 0.5 s stay
        (0.5, 5.5, 7.5),  # round two: A again
        (-0.25, 8.25, 9.0),
    ]
    assert tours.status(token) == ("Touring", tours.get(token).spots[1])
    assert tour_events(heard)[-1] == (token, "Changed", "Touring", "true")


def test_backward_visits_the_spots_last_first(tours, cfg, head, clock):
    token = make(tours, direction="Backward")
    tours.operate(cfg, PROFILE, token, "Start")
    assert tours.status(token)[1] == tours.get(token).spots[2]
    assert stays(head, clock, 6.0) == [
        (0.25, 0.25, 0.75),
        (-0.25, 1.25, 2.25),
        (0.5, 3.0, 5.0),
        (0.25, 5.25, 5.75),
    ]


def test_random_order_visits_every_spot_once_a_round(tours, cfg, head, clock):
    token = make(tours, random_order=True, recurring_time=1)
    tours.operate(cfg, PROFILE, token, "Start")
    visited = [pan for pan, _, _ in stays(head, clock, 12.0)]
    assert sorted(visited) == [-0.25, 0.25, 0.5]
    assert tours.status(token)[0] == "Idle"


def test_recurring_time_ends_the_tour_after_so_many_rounds(tours, cfg, head, clock, heard):
    token = make(tours, recurring_time=2)
    tours.operate(cfg, PROFILE, token, "Start")
    seen = stays(head, clock, 10.0)
    assert tours.status(token)[0] == "Touring"  # the last stay of round two runs to 10.25
    assert [pan for pan, _, _ in seen] == [0.5, -0.25, 0.25, 0.5, -0.25, 0.25]
    seen = stays(head, clock, 5.0)
    assert tours.status(token) == ("Idle", None)
    assert seen == [(0.25, 0.25, 5.0)]  # stays where round two ended
    assert tour_events(heard)[-2:] == [(token, "Changed", "Touring", "true"), (token, "Changed", "Idle", "true")]


def test_recurring_duration_ends_the_tour(tours, cfg, head, clock, heard):
    token = make(tours, recurring_seconds=3.0)
    tours.operate(cfg, PROFILE, token, "Start")
    stays(head, clock, 2.75)
    assert tours.status(token)[0] == "Touring"
    stays(head, clock, 0.25)
    assert tours.status(token) == ("Idle", None)
    assert tour_events(heard)[-1] == (token, "Changed", "Idle", "true")
    # It goes no further than the spot it was heading for: home.
    assert [pan for pan, _, _ in stays(head, clock, 10.0)] == [-0.25]


def test_the_first_limit_reached_ends_the_tour(tours, cfg, head, clock):
    token = make(tours, recurring_time=5, recurring_seconds=1.0)
    tours.operate(cfg, PROFILE, token, "Start")
    stays(head, clock, 1.0)
    assert tours.status(token)[0] == "Idle"


def test_a_spots_speed_slows_the_move_there(tours, cfg, head, clock):
    token = make(tours, spots=[spot(1.0, preset_token="Preset_1", pan_tilt_speed=(0.5, 0.5)), spot(1.0, home=True)])
    tours.operate(cfg, PROFILE, token, "Start")
    assert stays(head, clock, 3.0)[0] == (0.5, 1.0, 2.0)  # 0.5 units at half speed: 1 s


def test_pause_halts_the_head_and_start_resumes_the_tour(tours, cfg, head, clock, heard):
    token = make(tours)
    tours.operate(cfg, PROFILE, token, "Start")
    stays(head, clock, 0.25)  # half way to A
    tours.operate(cfg, PROFILE, token, "Pause")
    assert tours.status(token) == ("Paused", tours.get(token).spots[0])
    assert tour_events(heard)[-1] == (token, "Changed", "Paused", "true")
    assert head.moving() == (False, False)
    assert stays(head, clock, 5.0) == [(0.25, 0.25, 5.0)]
    assert tours.status(token)[0] == "Paused"

    tours.operate(cfg, PROFILE, token, "Start")
    assert tours.status(token)[0] == "Touring"
    assert tour_events(heard)[-1] == (token, "Changed", "Touring", "true")
    assert stays(head, clock, 3.0) == [(0.5, 0.25, 2.25)]  # on to A, and the whole stay there


def test_start_on_a_touring_tour_starts_it_over(tours, cfg, head, clock):
    token = make(tours)
    tours.operate(cfg, PROFILE, token, "Start")
    stays(head, clock, 4.0)  # at A, stayed, now on the way home
    assert tours.status(token) == ("Touring", tours.get(token).spots[1])
    tours.operate(cfg, PROFILE, token, "Start")
    assert tours.status(token) == ("Touring", tours.get(token).spots[0])


def test_pausing_twice_keeps_it_paused(tours, cfg, head, clock):
    token = make(tours)
    tours.operate(cfg, PROFILE, token, "Start")
    tours.operate(cfg, PROFILE, token, "Pause")
    tours.operate(cfg, PROFILE, token, "Pause")
    assert tours.status(token)[0] == "Paused"


def test_stop_ends_the_tour_and_stops_the_head(tours, cfg, head, clock, heard):
    token = make(tours)
    tours.operate(cfg, PROFILE, token, "Start")
    stays(head, clock, 0.25)
    tours.operate(cfg, PROFILE, token, "Stop")
    assert tours.status(token) == ("Idle", None)
    assert head.moving() == (False, False)
    assert stays(head, clock, 5.0) == [(0.25, 0.25, 5.0)]
    assert tour_events(heard)[-1] == (token, "Changed", "Idle", "true")


def test_stop_of_a_paused_tour_ends_it(tours, cfg):
    token = make(tours)
    tours.operate(cfg, PROFILE, token, "Start")
    tours.operate(cfg, PROFILE, token, "Pause")
    tours.operate(cfg, PROFILE, token, "Stop")
    assert tours.status(token) == ("Idle", None)


def test_stop_of_an_idle_tour_changes_nothing(tours, cfg, heard):
    token = make(tours)
    before = len(heard)
    tours.operate(cfg, PROFILE, token, "Stop")
    assert tours.status(token) == ("Idle", None)
    assert len(heard) == before


@pytest.mark.parametrize(
    "move",
    [
        lambda head, cfg: head.absolute_move(cfg, (-1.0, 0.0), None),
        lambda head, cfg: head.relative_move(cfg, (0.1, 0.0), None),
        lambda head, cfg: head.continuous_move(cfg, (0.5, 0.0), None),
        lambda head, cfg: head.goto_preset(cfg, "Preset_2"),
        lambda head, cfg: head.goto_home(cfg),
        lambda head, cfg: head.stop(),
    ],
)
def test_a_manual_move_stops_the_tour(tours, cfg, head, clock, heard, move):
    token = make(tours)
    tours.operate(cfg, PROFILE, token, "Start")
    stays(head, clock, 1.0)  # at A
    move(head, cfg)
    assert tours.status(token) == ("Idle", None)
    assert tour_events(heard)[-1] == (token, "Changed", "Idle", "true")
    stays(head, clock, 20.0)
    assert tours.status(token)[0] == "Idle"


def test_modifying_a_touring_tour_ends_it(tours, cfg, heard):
    token = make(tours)
    tours.operate(cfg, PROFILE, token, "Start")
    tours.modify(PROFILE, TourState(token=token, spots=[spot(home=True)]))
    assert tours.status(token) == ("Idle", None)
    assert tour_events(heard)[-1] == (token, "Changed", "Idle", "true")


def test_start_with_no_spots_is_activation_failed(tours, cfg, head):
    token = tours.create(PROFILE)
    with pytest.raises(InvalidArgVal) as error:
        tours.operate(cfg, PROFILE, token, "Start")
    assert codes(error.value) == ("Receiver", "InvalidArgVal", "ActivationFailed")
    assert tours.status(token) == ("Idle", None)
    assert head.moving() == (False, False)


def test_start_while_another_tour_tours_is_activation_failed(tours, cfg):
    first, second = make(tours), make(tours)
    tours.operate(cfg, PROFILE, first, "Start")
    with pytest.raises(InvalidArgVal) as error:
        tours.operate(cfg, PROFILE, second, "Start")
    assert codes(error.value) == ("Receiver", "InvalidArgVal", "ActivationFailed")
    assert (tours.status(first)[0], tours.status(second)[0]) == ("Touring", "Idle")


@pytest.mark.parametrize("operation", ["Pause", "Extended"])
def test_pause_of_an_idle_tour_and_extended_are_activation_failed(tours, cfg, operation):
    token = make(tours)
    with pytest.raises(InvalidArgVal) as error:
        tours.operate(cfg, PROFILE, token, operation)
    assert codes(error.value) == ("Receiver", "InvalidArgVal", "ActivationFailed")


def test_operate_an_unknown_tour_is_no_token(tours, cfg):
    with pytest.raises(InvalidArgVal) as error:
        tours.operate(cfg, PROFILE, "PresetTour_9", "Start")
    assert codes(error.value) == ("Sender", "InvalidArgVal", "NoToken")


def test_a_tour_started_at_a_reached_preset_leaves_it(tours, cfg, head, clock, heard):
    head.goto_preset(cfg, "Preset_2")
    settle(head, clock)
    token = make(tours)
    tours.operate(cfg, PROFILE, token, "Start")
    assert [m.topic.rsplit("/", 1)[1] for m in heard if "/PTZPresets/" in m.topic] == ["Invoked", "Reached", "Left"]
