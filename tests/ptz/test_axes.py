"""One motor axis as a closed-form motion (camera/ptz/axes.py): no clock, times are passed in."""

from __future__ import annotations

import pytest

from onvif_device.camera.ptz.axes import Axis

# A realistic epoch: positions must stay exact when `now` is time.time(), not only near zero.
T0 = 1_700_000_000.0


def axis(at: float = 0.0, *, low: float = -1.0, high: float = 1.0, top_speed: float = 0.5) -> Axis:
    a = Axis(low, high, top_speed)
    a.place(at, T0)
    return a


def test_a_new_axis_stands_still_at_zero():
    a = Axis(-1.0, 1.0, 1.0)
    assert a.position(T0) == 0.0
    assert not a.moving(T0)
    assert a.arrival(T0) == T0


def test_go_to_reaches_the_target_exactly_at_distance_over_speed_and_not_before():
    a = axis(0.1, top_speed=0.5)
    a.go_to(0.7, 1.0, T0)  # 0.6 units at 0.5 units/s: 1.2 s
    arrival = T0 + 0.6 / 0.5
    assert a.arrival(T0) == arrival
    assert a.moving(T0)
    assert a.position(T0 + 0.6) == pytest.approx(0.4, abs=1e-6)
    before = a.position(arrival - 0.001)
    assert before < 0.7
    assert before == pytest.approx(0.7 - 0.0005, abs=1e-6)
    assert a.moving(arrival - 0.001)
    assert a.position(arrival) == 0.7
    assert not a.moving(arrival)
    assert a.position(arrival + 60) == 0.7


def test_go_to_at_half_speed_takes_twice_as_long():
    full, half = axis(), axis()
    full.go_to(0.5, 1.0, T0)
    half.go_to(0.5, 0.5, T0)
    assert full.arrival(T0) - T0 == pytest.approx(1.0)
    assert half.arrival(T0) - T0 == pytest.approx(2.0)
    assert half.position(T0 + 1.0) == pytest.approx(0.25, abs=1e-6)
    assert half.moving(T0 + 1.0)


def test_go_to_moves_down_as_well_as_up():
    a = axis(0.5, top_speed=1.0)
    a.go_to(-0.25, 1.0, T0)
    assert a.position(T0 + 0.5) == pytest.approx(0.0, abs=1e-6)
    assert a.position(T0 + 0.75) == -0.25
    assert not a.moving(T0 + 0.75)


def test_go_to_clamps_the_target_to_the_limits():
    a = axis(0.0, low=-0.5, high=0.5, top_speed=1.0)
    a.go_to(0.9, 1.0, T0)
    assert a.arrival(T0) == T0 + 0.5
    assert a.position(T0 + 10) == 0.5
    a.go_to(-3.0, 1.0, T0 + 10)
    assert a.position(T0 + 20) == -0.5


def test_go_to_from_a_moving_axis_starts_where_the_axis_is():
    a = axis(0.0, top_speed=1.0)
    a.go_to(1.0, 1.0, T0)
    a.go_to(0.0, 1.0, T0 + 0.5)  # turned round half way
    assert a.position(T0 + 0.75) == pytest.approx(0.25, abs=1e-6)
    assert a.position(T0 + 1.0) == 0.0
    assert not a.moving(T0 + 1.0)


def test_go_to_at_speed_zero_stops_where_the_axis_is():
    a = axis(0.0, top_speed=1.0)
    a.go_to(1.0, 1.0, T0)
    a.go_to(-1.0, 0.0, T0 + 0.25)
    assert not a.moving(T0 + 0.25)
    assert a.position(T0 + 5) == pytest.approx(0.25, abs=1e-6)


def test_go_to_where_the_axis_already_is_is_no_move():
    a = axis(0.3)
    a.go_to(0.3, 1.0, T0)
    assert not a.moving(T0)
    assert a.position(T0 + 1) == 0.3


def test_drive_stops_at_the_timeout():
    a = axis(0.0, top_speed=1.0)
    a.drive(0.5, 1.0, T0)  # half the top speed for one second
    assert a.moving(T0 + 0.5)
    assert a.position(T0 + 0.5) == pytest.approx(0.25, abs=1e-6)
    assert a.arrival(T0) == T0 + 1.0
    assert a.position(T0 + 1.0) == pytest.approx(0.5, abs=1e-6)
    assert not a.moving(T0 + 1.0)
    assert a.position(T0 + 30) == a.position(T0 + 1.0)


def test_drive_stops_at_the_high_limit_and_is_not_moving_while_pinned():
    a = axis(0.5, top_speed=1.0)
    a.drive(1.0, 10.0, T0)
    assert a.arrival(T0) == T0 + 0.5  # the limit comes before the timeout
    assert a.moving(T0 + 0.25)
    assert a.position(T0 + 0.5) == 1.0
    assert not a.moving(T0 + 0.5)
    assert not a.moving(T0 + 5.0)  # the timeout has not run out, but the axis is pinned
    assert a.position(T0 + 5.0) == 1.0


def test_drive_stops_at_the_low_limit():
    a = axis(0.0, low=0.0, high=1.0, top_speed=0.5)
    a.drive(-1.0, 10.0, T0)
    assert not a.moving(T0)  # already at the low limit
    assert a.position(T0 + 1) == 0.0
    a.place(0.5, T0)
    a.drive(-1.0, 10.0, T0)
    assert a.arrival(T0) == T0 + 1.0
    assert a.position(T0 + 2) == 0.0
    assert not a.moving(T0 + 2)


def test_drive_at_velocity_or_for_seconds_zero_is_no_move():
    a = axis(0.2)
    a.drive(0.0, 10.0, T0)
    assert not a.moving(T0)
    a.drive(1.0, 0.0, T0)
    assert not a.moving(T0)
    assert a.position(T0 + 1) == 0.2


def test_stop_freezes_the_position():
    a = axis(0.0, top_speed=1.0)
    a.go_to(1.0, 1.0, T0)
    a.stop(T0 + 0.25)
    assert not a.moving(T0 + 0.25)
    assert a.position(T0 + 0.25) == pytest.approx(0.25, abs=1e-6)
    assert a.position(T0 + 10) == a.position(T0 + 0.25)


def test_limit_clamps_the_position_and_stops_the_axis():
    a = axis(0.8)
    a.limit(-0.5, 0.5, T0)
    assert (a.low, a.high) == (-0.5, 0.5)
    assert a.position(T0) == 0.5
    a.go_to(-0.5, 1.0, T0)
    a.limit(-1.0, 1.0, T0 + 0.5)  # inside the new limits: stays where it is, stopped
    assert not a.moving(T0 + 0.5)
    assert a.position(T0 + 5) == pytest.approx(0.25, abs=1e-6)


def test_place_puts_the_axis_at_once_clamped_and_stops_any_move():
    a = axis(0.0, top_speed=1.0)
    a.go_to(1.0, 1.0, T0)
    a.place(-0.4, T0 + 0.1)
    assert a.position(T0 + 0.1) == -0.4
    assert not a.moving(T0 + 0.1)
    assert a.position(T0 + 3) == -0.4
    a.place(7.0, T0 + 3)
    assert a.position(T0 + 3) == 1.0
