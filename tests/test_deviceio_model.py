"""Digital inputs and relay outputs in the camera model, without a network: states, timing, bus messages."""

from __future__ import annotations

import pytest

from onvif_device.camera import Camera
from onvif_device.camera.errors import InvalidArgVal
from onvif_device.camera.events import CHANGED, INITIALIZED
from onvif_device.camera.events.topics import DIGITAL_INPUT, RELAY
from onvif_device.camera.state import StateStore
from onvif_device.config import Config


class FakeTime:
    def __init__(self) -> None:
        self.t = 1_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


def make_camera(time: FakeTime, store: StateStore | None = None, **io: int) -> Camera:
    config = Config.model_validate({"events": {"motion_every_seconds": 0}, "io": io})
    return Camera(config, store=store, now=time)


@pytest.fixture
def camera(time) -> Camera:
    return make_camera(time)


def heard(camera: Camera, topic: str) -> list:
    messages = []
    camera.events.subscribe(lambda m: messages.append(m) if m.topic == topic else None)
    return messages


def states(messages) -> list[tuple]:
    """(token, LogicalState, operation) of each message."""
    return [(m.source[0][1], m.data_value("LogicalState"), m.operation) for m in messages]


def codes(excinfo) -> tuple[str, ...]:
    return excinfo.value.subcodes


def test_every_input_and_relay_is_a_property_from_the_start(camera):
    initial = {
        (m.topic, m.source, m.data) for m in camera.events.properties() if m.topic in (DIGITAL_INPUT.path, RELAY.path)
    }
    assert initial == {
        (DIGITAL_INPUT.path, (("InputToken", "DigitalInput_1"),), (("LogicalState", "false"),)),
        (DIGITAL_INPUT.path, (("InputToken", "DigitalInput_2"),), (("LogicalState", "false"),)),
        (RELAY.path, (("RelayToken", "RelayOutput_1"),), (("LogicalState", "inactive"),)),
        (RELAY.path, (("RelayToken", "RelayOutput_2"),), (("LogicalState", "inactive"),)),
    }
    assert all(m.operation == INITIALIZED for m in camera.events.properties())


def test_counts_come_from_the_configuration(time):
    camera = make_camera(time, digital_inputs=3, relay_outputs=0)
    assert [i.token for i in camera.io.inputs] == ["DigitalInput_1", "DigitalInput_2", "DigitalInput_3"]
    assert camera.io.relays == []
    assert not [m for m in camera.events.properties() if m.topic == RELAY.path]


def test_an_input_driven_active_raises_the_digital_input_trigger(camera):
    messages = heard(camera, DIGITAL_INPUT.path)
    driven = camera.io.set_input("DigitalInput_2", True)
    assert driven.active and driven.physical == "closed"  # idle open: active means a closed contact
    camera.io.set_input("DigitalInput_2", True)  # no change, no message
    camera.io.set_input("DigitalInput_2", False)
    assert states(messages) == [("DigitalInput_2", "true", CHANGED), ("DigitalInput_2", "false", CHANGED)]
    state = camera.events.state(DIGITAL_INPUT.path, InputToken="DigitalInput_2")
    assert state.data_value("LogicalState") == "false"


def test_changing_an_idle_state_flips_the_logical_state_of_the_same_contact(camera):
    camera.io.set_input("DigitalInput_1", True)  # contact closed
    messages = heard(camera, DIGITAL_INPUT.path)
    camera.io.set_digital_input_configurations([("DigitalInput_1", "closed")])
    assert camera.io.input("DigitalInput_1").physical == "closed"
    assert states(messages) == [("DigitalInput_1", "false", CHANGED)]
    assert camera.state.io.digital_inputs[0].idle_state == "closed"


def test_input_configurations_apply_all_or_none(camera):
    with pytest.raises(InvalidArgVal) as bad_token:
        camera.io.set_digital_input_configurations([("DigitalInput_1", "closed"), ("DigitalInput_9", "open")])
    assert codes(bad_token) == ("InvalidArgVal", "NoConfig")
    with pytest.raises(InvalidArgVal) as bad_value:
        camera.io.set_digital_input_configurations([("DigitalInput_1", "closed"), ("DigitalInput_2", "ajar")])
    assert codes(bad_value) == ("InvalidArgVal", "SettingsInvalid")
    assert "DigitalInput_2" in bad_value.value.reason
    assert [i.idle_state for i in camera.io.inputs] == ["open", "open"]


def test_driving_an_unknown_input_names_it(camera):
    with pytest.raises(InvalidArgVal) as excinfo:
        camera.io.set_input("Door", True)
    assert codes(excinfo) == ("InvalidArgVal", "NoConfig") and "'Door'" in excinfo.value.reason


def test_a_bistable_relay_stays_where_it_is_set(camera, time):
    messages = heard(camera, RELAY.path)
    camera.io.set_relay_output_state("RelayOutput_1", "active")
    time.t += 10_000
    camera.tick()
    assert camera.io.relay("RelayOutput_1").active
    camera.io.set_relay_output_state("RelayOutput_1", "inactive")
    assert states(messages) == [("RelayOutput_1", "active", CHANGED), ("RelayOutput_1", "inactive", CHANGED)]


def test_a_monostable_relay_falls_back_after_its_delay(camera, time):
    camera.io.set_relay_output_settings("RelayOutput_2", "Monostable", 0.5, "open")
    messages = heard(camera, RELAY.path)
    camera.io.set_relay_output_state("RelayOutput_2", "active")
    time.t += 0.4
    camera.tick()
    assert camera.io.relay("RelayOutput_2").active
    time.t += 0.2
    camera.tick()
    assert not camera.io.relay("RelayOutput_2").active
    assert states(messages) == [("RelayOutput_2", "active", CHANGED), ("RelayOutput_2", "inactive", CHANGED)]


def test_a_monostable_pulse_restarts_when_triggered_again_and_ends_when_set_inactive(camera, time):
    camera.io.set_relay_output_settings("RelayOutput_1", "Monostable", 2, "open")
    camera.io.set_relay_output_state("RelayOutput_1", "active")
    time.t += 1.5
    camera.io.set_relay_output_state("RelayOutput_1", "active")
    time.t += 1.5
    camera.tick()
    assert camera.io.relay("RelayOutput_1").active  # 3 s after the first trigger, 1.5 s after the second
    camera.io.set_relay_output_state("RelayOutput_1", "inactive")
    camera.io.set_relay_output_state("RelayOutput_1", "active")
    camera.io.set_relay_output_settings("RelayOutput_1", "Bistable", 2, "open")  # the pulse stops timing
    time.t += 10
    camera.tick()
    assert camera.io.relay("RelayOutput_1").active


def test_the_contact_follows_the_idle_state(camera):
    camera.io.set_relay_output_settings("RelayOutput_1", "Bistable", 1, "closed")
    assert camera.io.relay("RelayOutput_1").physical == "closed"
    camera.io.set_relay_output_state("RelayOutput_1", "active")
    assert camera.io.relay("RelayOutput_1").physical == "open"
    assert camera.io.relay("RelayOutput_2").physical == "open"


def test_relay_faults_name_the_relay_and_the_rule(camera):
    with pytest.raises(InvalidArgVal) as unknown:
        camera.io.set_relay_output_state("RelayOutput_7", "active")
    assert codes(unknown) == ("InvalidArgVal", "RelayToken")
    with pytest.raises(InvalidArgVal) as unknown_settings:
        camera.io.set_relay_output_settings("RelayOutput_7", "Bistable", 1, "open")
    assert codes(unknown_settings) == ("InvalidArgVal", "RelayToken")
    for delay in (0, 0.05, 3601):
        with pytest.raises(InvalidArgVal) as mode_error:
            camera.io.set_relay_output_settings("RelayOutput_1", "Monostable", delay, "open")
        assert codes(mode_error) == ("InvalidArgVal", "ModeError")
    camera.io.set_relay_output_settings("RelayOutput_1", "Bistable", 0, "open")  # Bistable ignores the delay
    for mode, idle in (("Astable", "open"), ("Bistable", "ajar")):
        with pytest.raises(InvalidArgVal) as bad:
            camera.io.set_relay_output_settings("RelayOutput_1", mode, 1, idle)
        assert codes(bad) == ("InvalidArgVal",)
    with pytest.raises(InvalidArgVal) as bad_state:
        camera.io.set_relay_output_state("RelayOutput_1", "on")
    assert codes(bad_state) == ("InvalidArgVal",) and "'on'" in bad_state.value.reason


def test_settings_persist_and_states_start_at_rest(tmp_path, time):
    store = StateStore(tmp_path)
    camera = make_camera(time, store)
    camera.io.set_relay_output_settings("RelayOutput_2", "Monostable", 2.5, "closed")
    camera.io.set_relay_output_state("RelayOutput_2", "active")
    camera.io.set_digital_input_configurations([("DigitalInput_1", "closed")])
    again = make_camera(time, store)
    relay = again.io.relay("RelayOutput_2")
    assert (relay.mode, relay.delay_seconds, relay.idle_state, relay.active) == ("Monostable", 2.5, "closed", False)
    assert again.io.input("DigitalInput_1").idle_state == "closed"
    assert not again.io.input("DigitalInput_1").active


def test_a_new_count_keeps_the_settings_of_the_ports_that_remain(tmp_path, time):
    store = StateStore(tmp_path)
    make_camera(time, store).io.set_relay_output_settings("RelayOutput_1", "Monostable", 3, "closed")
    fewer = make_camera(time, store, relay_outputs=1, digital_inputs=4)
    assert [r.token for r in fewer.io.relays] == ["RelayOutput_1"]
    assert fewer.io.relay("RelayOutput_1").mode == "Monostable"
    assert len(store.load().io.digital_inputs) == 4


def test_factory_default_resets_settings_and_relays(camera):
    camera.io.set_relay_output_settings("RelayOutput_1", "Monostable", 3, "closed")
    camera.io.set_relay_output_state("RelayOutput_1", "active")
    messages = heard(camera, RELAY.path)
    camera.set_system_factory_default(hard=False)
    relay = camera.io.relay("RelayOutput_1")
    assert (relay.mode, relay.idle_state, relay.active) == ("Bistable", "open", False)
    assert states(messages) == [("RelayOutput_1", "inactive", CHANGED)]
