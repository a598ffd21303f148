"""Preset tours: the head visits a list of spots in turn, staying a while at each.

A tour is Idle, Touring or Paused.  Touring, it drives the head to a spot,
waits until the head stands still, stays `stay_seconds`, and goes on to the
next; a round ends after the last spot, and the tour ends after
`recurring_time` rounds or `recurring_seconds`, whichever comes first (with
neither, it runs until stopped).  Any other move of the head stops it, as a
joystick takes over a real dome.  Each change of a tour raises
tns1:PTZController/PTZPresetTours/Configuration.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from onvif_device.camera.errors import InvalidArgVal
from onvif_device.camera.events.topics import PTZ_PRESET_TOUR
from onvif_device.camera.media.state import PTZConfigurationState
from onvif_device.camera.ptz.state import PtzState, TourSpotState, TourState

if TYPE_CHECKING:
    from onvif_device.camera.ptz.head import PtzHead

MAX_SPOTS = 32
IDLE, TOURING, PAUSED = "Idle", "Touring", "Paused"
OPERATIONS = ("Start", "Stop", "Pause", "Extended")


class ActivationFailed(InvalidArgVal):
    """ter:InvalidArgVal/ter:ActivationFailed under env:Receiver, as the PTZ spec lists it."""

    receiver = True


@dataclass(slots=True)
class _Run:
    tour: TourState
    cfg: PTZConfigurationState
    profile: str
    started: float
    order: list[int] = field(default_factory=list)
    index: int = 0
    rounds: int = 0
    arrived: bool = False
    leave_at: float = 0.0
    paused: bool = False


class Tours:
    def __init__(
        self,
        head: PtzHead,
        state: PtzState,
        *,
        max_tours: int,
        now: Callable[[], float],
        on_change: Callable[[], None],
    ) -> None:
        self._head = head
        self._state = state
        self.max_tours = max_tours
        self._now = now
        self._on_change = on_change
        self._run: _Run | None = None
        self._profiles: dict[str, str] = {}  # tour token -> the profile it was last handled through
        self._random = random.Random()

    # --- reading ---------------------------------------------------------------------------

    def all(self) -> list[TourState]:
        return list(self._state.tours)

    def get(self, token: str) -> TourState:
        for tour in self._state.tours:
            if tour.token == token:
                return tour
        raise InvalidArgVal("NoToken", f"no preset tour with token {token[:64]!r}")

    def status(self, token: str) -> tuple[str, TourSpotState | None]:
        """(Idle/Touring/Paused, the spot it is at or heading for)."""
        run = self._run
        if run is None or run.tour.token != token:
            return IDLE, None
        spot = run.tour.spots[run.order[run.index]] if run.order else None
        return (PAUSED if run.paused else TOURING), spot

    # --- changing ----------------------------------------------------------------------------

    def create(self, profile: str) -> str:
        if len(self._state.tours) >= self.max_tours:
            raise InvalidArgVal("TooManyPresetTours", f"this node holds at most {self.max_tours} preset tours")
        taken = {t.token for t in self._state.tours}
        token = next(f"PresetTour_{n}" for n in range(1, len(taken) + 2) if f"PresetTour_{n}" not in taken)
        self._state.tours = [*self._state.tours, TourState(token=token)]
        self._on_change()
        self._announce(profile, token, state_change=False)
        return token

    def modify(self, profile: str, tour: TourState) -> None:
        """Replace a tour's settings and spots (ModifyPresetTour ignores the Status it is sent)."""
        old = self.get(tour.token)
        if len(tour.spots) > MAX_SPOTS:
            raise InvalidArgVal("TooManyPresets", f"a tour holds at most {MAX_SPOTS} spots")
        for spot in tour.spots:
            if sum((spot.preset_token is not None, spot.home, spot.position is not None)) != 1:
                raise InvalidArgVal("InvalidPresetTour", "each tour spot names one preset, home or one position")
            if spot.preset_token is not None:
                self._head.preset(spot.preset_token)  # ter:NoToken when there is no such preset
        running = self._run is not None and self._run.tour is old
        if running:
            self._end(announce=False)
        if tour.auto_start:  # the PTZ spec: one AutoStart tour per node, so the others lose theirs
            for other in self._state.tours:
                other.auto_start = False
        self._state.tours = [tour if t is old else t for t in self._state.tours]
        self._on_change()
        self._announce(profile, tour.token, state_change=running)

    def remove(self, profile: str, token: str) -> None:
        tour = self.get(token)
        if self._run is not None and self._run.tour is tour:
            self._end(announce=False)
        self._state.tours = [t for t in self._state.tours if t is not tour]
        self._on_change()
        profile = self._profiles.pop(token, profile)  # the property lives under the profile last announced
        self._head_bus().delete(PTZ_PRESET_TOUR.path, source={"ProfileToken": profile, "PresetTourToken": token})

    def operate(self, cfg: PTZConfigurationState, profile: str, token: str, operation: str) -> None:
        tour = self.get(token)
        run = self._run
        ours = run is not None and run.tour is tour
        if operation in ("Start", "Stop") and tour.auto_start:
            tour.auto_start = False  # the PTZ spec: starting or stopping by hand ends AutoStart
            self._on_change()
        if operation == "Start":
            if ours and run is not None and run.paused:
                run.paused = False
                self._head_goto_spot(run)
            else:  # a touring tour starts over from its first spot, as the spec has it
                if ours:
                    self._end(announce=False)
                self._start(cfg, profile, tour)
        elif operation == "Stop":
            if ours:
                self._end()
                self._head.stop()
        elif operation == "Pause":
            if not ours or run is None:
                raise ActivationFailed("ActivationFailed", f"preset tour {token!r} is not touring, so cannot pause")
            run.paused = True
            self._halt_head()
        else:  # "Extended": nothing vendor-specific to do
            raise ActivationFailed("ActivationFailed", "this camera has no extended preset tour operation")
        if operation != "Stop" or ours:
            self._announce(profile, token, state_change=True)

    def auto_start(self, cfg: PTZConfigurationState, profile: str) -> None:
        """Start the first tour marked AutoStart, as a camera does on power-up."""
        for tour in self._state.tours:
            if tour.auto_start and tour.spots:
                self._start(cfg, profile, tour)
                self._announce(profile, tour.token, state_change=True)
                return

    def preset_removed(self, token: str) -> None:
        """A preset went away: tours no longer stop there."""
        changed = False
        for tour in self._state.tours:
            spots = [s for s in tour.spots if s.preset_token != token]
            if len(spots) != len(tour.spots):
                if self._run is not None and self._run.tour is tour:
                    self._end()
                tour.spots = spots
                changed = True
        if changed:
            self._on_change()

    # --- time ------------------------------------------------------------------------------

    def interrupted(self) -> None:
        """Someone else moved the head: a touring tour stops."""
        if self._run is not None and not self._run.paused:
            self._end()

    def tick(self, moving: bool) -> None:
        run = self._run
        if run is None or run.paused:
            return
        now = self._now()
        tour = run.tour
        if tour.recurring_seconds is not None and now - run.started >= tour.recurring_seconds:
            self._end()
            return
        if not run.arrived:
            if moving:
                return
            run.arrived = True
            run.leave_at = now + tour.spots[run.order[run.index]].stay_seconds
        if now < run.leave_at:
            return
        run.index += 1
        if run.index >= len(run.order):
            run.rounds += 1
            if tour.recurring_time is not None and run.rounds >= tour.recurring_time:
                self._end()
                return
            run.order = self._order(tour)
            run.index = 0
        self._head_goto_spot(run)

    # --- inside ----------------------------------------------------------------------------

    def _start(self, cfg: PTZConfigurationState, profile: str, tour: TourState) -> None:
        self._head.check_working()
        if not tour.spots:
            raise ActivationFailed("ActivationFailed", f"preset tour {tour.token!r} has no spots")
        if self._run is not None:
            raise ActivationFailed(
                "ActivationFailed", f"preset tour {self._run.tour.token!r} is touring; stop it first"
            )
        self._head.interrupt_for_tour()
        self._run = _Run(tour, cfg, profile, self._now(), order=self._order(tour))
        self._head_goto_spot(self._run)

    def _order(self, tour: TourState) -> list[int]:
        order = list(range(len(tour.spots)))
        if tour.random_order:
            self._random.shuffle(order)
        elif tour.direction == "Backward":
            order.reverse()
        return order

    def _head_goto_spot(self, run: _Run) -> None:
        spot = run.tour.spots[run.order[run.index]]
        run.arrived = False
        self._head.tour_goto(run.cfg, spot)

    def _halt_head(self) -> None:
        self._head.halt()

    def _end(self, announce: bool = True) -> None:
        run, self._run = self._run, None
        if run is not None and announce:
            self._announce(run.profile, run.tour.token, state_change=True)

    def _announce(self, profile: str, token: str, *, state_change: bool) -> None:
        state, _ = self.status(token)
        previous = self._profiles.get(token)
        if previous is not None and previous != profile:  # one property per tour, not a stale one per profile
            self._head_bus().delete(PTZ_PRESET_TOUR.path, source={"ProfileToken": previous, "PresetTourToken": token})
        self._profiles[token] = profile
        self._head_bus().publish(
            PTZ_PRESET_TOUR.path,
            source={"ProfileToken": profile, "PresetTourToken": token},
            data={"StateChange": state_change, "State": state},
        )

    def _head_bus(self):
        return self._head.bus
