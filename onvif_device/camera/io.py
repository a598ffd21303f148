"""Digital inputs and relay outputs: what the DeviceIO service and the Device service's I/O show.

Theory of operation.  Each relay has settings (Mode, DelayTime, IdleState),
saved with the camera's state, and a logical state, "active" or "inactive",
that is not saved: a camera comes up with its relays at rest.
SetRelayOutputState sets the logical state; a Monostable relay set active
falls back to inactive DelayTime seconds later, when `tick()` sees its
deadline pass on the injected clock.  The physical contact follows from the
IdleState: an "open" relay is open while inactive and closed while active,
a "closed" one the other way round.

A digital input is a contact wired to the outside world.  The control API
drives it by logical state (`set_input`): true is the input's active state,
false its idle state, as the DeviceIO spec reads LogicalState on a device
with configurable inputs.  What the camera stores is the contact (open or
closed); the logical state derives from it and the IdleState, so changing
the IdleState of a closed contact flips its logical state, as it would on
real hardware.

Every change of a logical state raises tns1:Device/Trigger/DigitalInput or
tns1:Device/Trigger/Relay on the bus.  Both are properties, published once
for every input and relay at start, so a new subscription learns the
current states as "Initialized" messages.

Not simulated: a factory reset (a rebuild) puts the input contacts back at
rest, as a power cycle of the wiring would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from onvif_device.camera.errors import InvalidArgVal
from onvif_device.camera.events.bus import EventBus
from onvif_device.camera.events.topics import DIGITAL_INPUT, RELAY
from onvif_device.camera.state import DigitalInputState, IOState, RelayOutputState
from onvif_device.config import IoConfig

MODES = ("Monostable", "Bistable")
IDLE_STATES = ("closed", "open")
# The Monostable delays a relay accepts, in seconds (GetRelayOutputOptions: a range, not discrete).
MIN_DELAY, MAX_DELAY = 0.1, 3600.0


def input_token(n: int) -> str:
    return f"DigitalInput_{n}"


def relay_token(n: int) -> str:
    return f"RelayOutput_{n}"


@dataclass(frozen=True, slots=True)
class DigitalInput:
    token: str
    idle_state: str  # "closed" | "open"
    closed: bool  # the contact as wired now

    @property
    def active(self) -> bool:
        """The logical state: true away from the idle state."""
        return self.closed != (self.idle_state == "closed")

    @property
    def physical(self) -> str:
        return "closed" if self.closed else "open"


@dataclass(frozen=True, slots=True)
class Relay:
    token: str
    mode: str  # "Monostable" | "Bistable"
    delay_seconds: float
    idle_state: str  # "closed" | "open"
    active: bool

    @property
    def logical_state(self) -> str:
        return "active" if self.active else "inactive"

    @property
    def physical(self) -> str:
        """The contact: the idle state while inactive, the other one while active."""
        return self.idle_state if not self.active else _other(self.idle_state)


@dataclass(frozen=True, slots=True)
class RelayOptions:
    modes: tuple[str, ...] = MODES
    delay_range: tuple[float, float] = (MIN_DELAY, MAX_DELAY)


class IOPorts:
    def __init__(
        self,
        config: IoConfig,
        state: IOState,
        bus: EventBus,
        *,
        now: Callable[[], float],
        on_change: Callable[[], None],
    ) -> None:
        self._state = state
        self._bus = bus
        self._now = now
        self._on_change = on_change
        if _fit(state, config):
            on_change()
        # Not saved: contacts and relays come up at rest.
        self._closed = {i.token: i.idle_state == "closed" for i in state.digital_inputs}
        self._active = {r.token: False for r in state.relay_outputs}
        self._until: dict[str, float] = {}  # Monostable relays: when they fall back to inactive
        self.options = RelayOptions()
        for digital_input in self.inputs:
            self._publish_input(digital_input)
        for relay in self.relays:
            self._publish_relay(relay)

    # --- views -----------------------------------------------------------------

    @property
    def inputs(self) -> list[DigitalInput]:
        return [DigitalInput(i.token, i.idle_state, self._closed[i.token]) for i in self._state.digital_inputs]

    @property
    def relays(self) -> list[Relay]:
        return [self._relay_view(r) for r in self._state.relay_outputs]

    def input(self, token: str) -> DigitalInput:
        """One input; ter:NoConfig when there is no such input."""
        i = self._input_state(token)
        return DigitalInput(i.token, i.idle_state, self._closed[i.token])

    def relay(self, token: str) -> Relay:
        """One relay; ter:RelayToken when there is no such relay."""
        return self._relay_view(self._relay_state(token))

    # --- digital inputs ----------------------------------------------------------

    def get_digital_inputs(self) -> list[DigitalInput]:
        return self.inputs

    def set_digital_input_configurations(self, settings: Iterable[tuple[str, str | None]]) -> None:
        """(token, IdleState or None to keep it) for some inputs: all applied, or none."""
        checked = []
        for token, idle_state in settings:
            current = self._input_state(token)
            if idle_state is not None and idle_state not in IDLE_STATES:
                raise InvalidArgVal(
                    "SettingsInvalid", f"{token}: IdleState must be closed or open, not {idle_state[:40]!r}"
                )
            checked.append((current, idle_state or current.idle_state))
        before = {i.token: i.active for i in self.inputs}
        for current, idle_state in checked:
            current.idle_state = idle_state
        self._on_change()
        for digital_input in self.inputs:
            if digital_input.active != before[digital_input.token]:
                self._publish_input(digital_input)

    def set_input(self, token: str, logical_state: bool) -> DigitalInput:
        """Drive an input to its active (true) or idle (false) state, as the wiring would."""
        current = self._input_state(token)
        self._closed[token] = logical_state != (current.idle_state == "closed")
        digital_input = self.input(token)
        self._publish_input(digital_input)
        return digital_input

    # --- relay outputs -----------------------------------------------------------

    def get_relay_outputs(self) -> list[Relay]:
        return self.relays

    def set_relay_output_settings(self, token: str, mode: str, delay_seconds: float, idle_state: str) -> None:
        """Mode, DelayTime and IdleState of one relay; a running pulse follows the new settings."""
        current = self._relay_state(token)
        if mode not in MODES:
            raise InvalidArgVal(reason=f"Mode must be Monostable or Bistable, not {mode[:40]!r}")
        if idle_state not in IDLE_STATES:
            raise InvalidArgVal(reason=f"IdleState must be closed or open, not {idle_state[:40]!r}")
        if mode == "Monostable" and not MIN_DELAY <= delay_seconds <= MAX_DELAY:
            raise InvalidArgVal(
                "ModeError", f"{token}: a Monostable DelayTime must be {MIN_DELAY:g} to {MAX_DELAY:g} seconds"
            )
        if mode == "Bistable" and not 0 <= delay_seconds <= 366 * 86_400:
            # The spec says to ignore it, but it is stored and reported back.
            raise InvalidArgVal(reason=f"{token}: DelayTime must be zero or more, at most a year")
        current.mode, current.delay_seconds, current.idle_state = mode, round(delay_seconds, 3), idle_state
        self._on_change()
        self._until.pop(token, None)
        if self._active[token] and mode == "Monostable":
            self._until[token] = self._now() + current.delay_seconds
        self._publish_relay(self.relay(token))  # the logical state is unchanged: the bus drops it

    def set_relay_output_state(self, token: str, logical_state: str) -> None:
        """ "active" or "inactive"; a Monostable relay set active falls back after its DelayTime."""
        current = self._relay_state(token)
        if logical_state not in ("active", "inactive"):
            raise InvalidArgVal(reason=f"LogicalState must be active or inactive, not {logical_state[:40]!r}")
        active = logical_state == "active"
        self._active[token] = active
        self._until.pop(token, None)
        if active and current.mode == "Monostable":
            self._until[token] = self._now() + current.delay_seconds
        self._publish_relay(self.relay(token))

    # --- time passing --------------------------------------------------------------

    def tick(self) -> None:
        """Return Monostable relays whose DelayTime has passed to inactive."""
        if not self._until:
            return
        now = self._now()
        for token, until in list(self._until.items()):
            if now >= until:
                del self._until[token]
                self._active[token] = False
                self._publish_relay(self.relay(token))

    # --- internals -----------------------------------------------------------------

    def _input_state(self, token: str) -> DigitalInputState:
        found = next((i for i in self._state.digital_inputs if i.token == token), None)
        if found is None:
            raise InvalidArgVal("NoConfig", f"no digital input {token[:64]!r}")
        return found

    def _relay_state(self, token: str) -> RelayOutputState:
        found = next((r for r in self._state.relay_outputs if r.token == token), None)
        if found is None:
            raise InvalidArgVal("RelayToken", f"no relay output {token[:64]!r}")
        return found

    def _relay_view(self, r: RelayOutputState) -> Relay:
        return Relay(r.token, r.mode, r.delay_seconds, r.idle_state, self._active[r.token])

    def _publish_input(self, digital_input: DigitalInput) -> None:
        self._bus.publish(
            DIGITAL_INPUT.path, source={"InputToken": digital_input.token}, data={"LogicalState": digital_input.active}
        )

    def _publish_relay(self, relay: Relay) -> None:
        self._bus.publish(RELAY.path, source={"RelayToken": relay.token}, data={"LogicalState": relay.logical_state})


def _fit(state: IOState, config: IoConfig) -> bool:
    """Make the saved settings name exactly the configured inputs and relays; True if that changed them.

    Settings of inputs and relays that still exist are kept, so changing a count keeps the others."""
    inputs = {i.token: i for i in state.digital_inputs}
    relays = {r.token: r for r in state.relay_outputs}
    wanted_inputs = [
        inputs.get(t) or DigitalInputState(token=t) for t in map(input_token, range(1, config.digital_inputs + 1))
    ]
    wanted_relays = [
        relays.get(t) or RelayOutputState(token=t) for t in map(relay_token, range(1, config.relay_outputs + 1))
    ]
    if wanted_inputs == state.digital_inputs and wanted_relays == state.relay_outputs:
        return False
    state.digital_inputs, state.relay_outputs = wanted_inputs, wanted_relays
    return True


def _other(contact: str) -> str:
    return "open" if contact == "closed" else "closed"
