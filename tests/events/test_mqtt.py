"""MQTT event brokers (Profile M) against a real mosquitto broker.

The camera is driven over SOAP (every answer and fault validated against the
official schemas); what it publishes is read back with paho-mqtt, a separate
client connected to the same mosquitto.  What is checked, in the spec's terms:

- AddEventBroker / GetEventBrokers / DeleteEventBroker, the Status reported,
  the password never reported, and the faults for bad input;
- the topic mapping (TopicPrefix/onvif-ej/<topic>/&<source values>) and the
  JSON payload (UtcTime, Source, Data; no PropertyOperation);
- property messages retained, a deleted property cleared by an empty payload;
- PublishFilter, a broker that is down, a broker that restarts, websockets;
- configurations surviving a camera restart.

Tests skip, saying why, when the mosquitto binary is missing
(`apt-get install mosquitto`; .ci/run installs it).
"""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import queue
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as paho
import pytest
import zeep
from lxml import etree
from schemas import schema_root
from soaputil import SoapClient
from zeep.wsse.username import UsernameToken

from onvif_device.camera import Camera
from onvif_device.camera.events.bus import Message
from onvif_device.camera.events.motion import MOTION_RULE
from onvif_device.camera.events.topics import DIGITAL_INPUT, MOTION_ALARM
from onvif_device.camera.state import EventBrokerState
from onvif_device.config import Config
from onvif_device.embed import ThreadedCamera
from onvif_device.events.mqtt import (
    CONNECTED,
    Broker,
    BrokerAddress,
    MqttPublisher,
    PublishFilter,
    json_payload,
    mqtt_topic,
)

TEV = "http://www.onvif.org/ver10/events/wsdl"
WSNT = "http://docs.oasis-open.org/wsn/b-2"
TNS1 = "http://www.onvif.org/ver10/topics"
NS = {"tev": TEV, "wsnt": WSNT}
CONCRETE_SET = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"

SENDER, RECEIVER = "s:Sender", "s:Receiver"
INVALID_ADDRESS = [SENDER, "ter:InvalidArgVal", "ter:InvalidAddress"]
INVALID_PROTOCOL = [SENDER, "ter:InvalidArgVal", "ter:InvalidProtocol"]
INVALID_FILTER = [SENDER, "ter:InvalidArgVal", "ter:InvalidFilter"]
INVALID_ARG = [SENDER, "ter:InvalidArgVal"]
TOO_MANY = [RECEIVER, "ter:Action", "ter:TooManyEventBrokers"]

VIDEO_SOURCE = "VideoSource_1"
MOTION_TOPIC = "onvif-ej/VideoSource/MotionAlarm/&VideoSource_1"
CELL_MOTION_TOPIC = (
    f"onvif-ej/RuleEngine/CellMotionDetector/Motion/&VideoSourceConfig_1/AnalyticsConfig_1/{MOTION_RULE}"
)
WAIT = 10.0  # seconds a test waits for something that should come at once


# --- a real broker ---------------------------------------------------------------------


def _mosquitto_binary() -> str | None:
    found = shutil.which("mosquitto")
    if found is None and os.access("/usr/sbin/mosquitto", os.X_OK):  # Debian puts it outside a user's PATH
        found = "/usr/sbin/mosquitto"
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mosquitto:
    """A mosquitto process on loopback, stoppable and restartable on the same ports."""

    def __init__(self, directory: Path, *, websockets: bool = False, tls: tuple[Path, Path] | None = None) -> None:
        binary = _mosquitto_binary()
        if binary is None:
            pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
        self.binary = binary
        self.port = free_port()
        self.ws_port = free_port() if websockets else None
        self.tls_port = free_port() if tls else None
        self.config = directory / "mosquitto.conf"
        # Run as ourselves: run as root, mosquitto would become user mosquitto, who cannot read tmp_path.
        lines = [f"listener {self.port} 127.0.0.1", "allow_anonymous true", f"user {getpass.getuser()}"]
        if self.ws_port:
            lines += [f"listener {self.ws_port} 127.0.0.1", "protocol websockets"]
        if tls:
            lines += [f"listener {self.tls_port} 127.0.0.1", f"certfile {tls[0]}", f"keyfile {tls[1]}"]
        self.config.write_text("\n".join(lines) + "\n")
        self.log = directory / "mosquitto.log"
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([self.binary, "-c", str(self.config)], stdout=log, stderr=log)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"mosquitto exited: {self.log.read_text()[-500:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.02)
        pytest.fail("mosquitto did not start listening")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=WAIT)
        self.process = None


@pytest.fixture
def mosquitto(tmp_path):
    broker = Mosquitto(tmp_path)
    broker.start()
    yield broker
    broker.stop()


class Subscriber:
    """paho-mqtt subscribed to `<prefix>/#`, collecting (topic, payload, retain) in arrival order."""

    def __init__(self, port: int, prefix: str) -> None:
        self.prefix = prefix
        self.messages: queue.Queue[tuple[str, bytes, bool]] = queue.Queue()
        self.seen: list[tuple[str, bytes, bool]] = []
        subscribed = queue.Queue()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2)
        self.client.on_message = lambda c, u, m: self.messages.put((m.topic, m.payload, bool(m.retain)))
        self.client.on_subscribe = lambda *a: subscribed.put(True)
        self.client.on_connect = lambda c, *a: c.subscribe(f"{prefix}/#", qos=1)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        subscribed.get(timeout=WAIT)

    def next(self, match: Callable[[str, bytes, bool], bool] = lambda *m: True) -> tuple[str, dict | None, bool]:
        """The next message `match` accepts (topic without the prefix, JSON or None when empty, retain)."""
        deadline = time.monotonic() + WAIT
        while True:
            try:
                topic, payload, retain = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no matching MQTT message; seen {[t for t, *_ in self.seen]}")
            self.seen.append((topic, payload, retain))
            if match(topic, payload, retain):
                return topic.removeprefix(self.prefix + "/"), json.loads(payload) if payload else None, retain

    def next_on(self, topic: str, **data: str) -> tuple[dict | None, bool]:
        """The next message on `<prefix>/<topic>` whose Data has the given values."""

        def wanted(t: str, payload: bytes, retain: bool) -> bool:
            if t != f"{self.prefix}/{topic}":
                return False
            body = json.loads(payload) if payload else {}
            return all(body.get("Data", {}).get(k) == v for k, v in data.items())

        _, body, retain = self.next(wanted)
        return body, retain

    def retained(self, topic: str) -> tuple[dict | None, bool]:
        """The message on `<prefix>/<topic>`, seen already or still to come (retained ones come in any order)."""
        for t, payload, retain in self.seen:
            if t == f"{self.prefix}/{topic}":
                return json.loads(payload) if payload else None, retain
        return self.next_on(topic)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def subscribe(request):
    subscribers = []

    def make(prefix: str, port: int | None = None) -> Subscriber:
        subscribers.append(Subscriber(port or request.getfixturevalue("mosquitto").port, prefix))
        return subscribers[-1]

    yield make
    for s in subscribers:
        s.close()


# --- a running camera -------------------------------------------------------------------------


def camera_config(**events: object) -> Config:
    # No scripted motion nor processor reports: every message in these tests is one the test raised.
    settings = {"motion_every_seconds": 0, "processor_usage_seconds": 0, **events}
    return Config.model_validate({"events": settings})


class RunningCamera:
    """A ThreadedCamera, its SOAP client, and a way to act on the model from its own event loop."""

    def __init__(self, threaded: ThreadedCamera, schemas) -> None:
        self.threaded = threaded
        self.virtual = threaded.__enter__()
        self.camera = self.virtual.camera
        self.soap = SoapClient(self.virtual.device_url, self.virtual.username, self.virtual.password, schemas)

    def on_loop(self, action: Callable[[], object]) -> object:
        """Run `action` on the camera's loop: the event bus is not thread-safe."""

        async def run() -> object:
            return action()

        return asyncio.run_coroutine_threadsafe(run(), self.threaded._loop).result(timeout=WAIT)

    def motion(self, active: bool) -> None:
        self.on_loop(lambda: self.camera.motion.force(VIDEO_SOURCE, active))

    def close(self) -> None:
        if self.soap.http.is_closed:
            return
        self.soap.close()
        self.threaded.__exit__(None, None, None)


@pytest.fixture
def start_camera(tmp_path, onvif_schemas):
    cameras = []

    def start(config: Config | None = None) -> RunningCamera:
        threaded = ThreadedCamera(config or camera_config(), state_dir=str(tmp_path / "state"))
        cameras.append(RunningCamera(threaded, onvif_schemas))
        return cameras[-1]

    yield start
    for cam in cameras:
        cam.close()


@pytest.fixture
def cam(start_camera) -> RunningCamera:
    return start_camera()


def add_body(address: str, prefix: str = "cam", *, extra: str = "", qos: int | None = 1, **fields: str) -> str:
    parts = [f"<tev:Address>{address}</tev:Address>", f"<tev:TopicPrefix>{prefix}</tev:TopicPrefix>"]
    parts += [f"<tev:{name}>{value}</tev:{name}>" for name, value in fields.items()]
    parts.append(extra)
    if qos is not None:
        parts.append(f"<tev:QoS>{qos}</tev:QoS>")
    return (
        f'<tev:AddEventBroker xmlns:tev="{TEV}" xmlns:wsnt="{WSNT}" xmlns:tns1="{TNS1}">'
        f"<tev:EventBroker>{''.join(parts)}</tev:EventBroker></tev:AddEventBroker>"
    )


def topic_filter(expression: str, tag: str = "PublishFilter") -> str:
    return (
        f'<tev:{tag}><wsnt:TopicExpression Dialect="{CONCRETE_SET}">{expression}</wsnt:TopicExpression></tev:{tag}>'
    )


def get_brokers(soap: SoapClient, address: str | None = None) -> list[etree._Element]:
    body = f"<tev:Address>{address}</tev:Address>" if address else ""
    response = soap.call(f'<tev:GetEventBrokers xmlns:tev="{TEV}">{body}</tev:GetEventBrokers>')
    return response.findall("tev:EventBroker", NS)


def delete_body(address: str) -> str:
    return f'<tev:DeleteEventBroker xmlns:tev="{TEV}"><tev:Address>{address}</tev:Address></tev:DeleteEventBroker>'


def wait_status(soap: SoapClient, address: str, status: str) -> None:
    deadline = time.monotonic() + WAIT
    seen = None
    while time.monotonic() < deadline:
        (broker,) = get_brokers(soap, address)
        seen = broker.findtext("tev:Status", namespaces=NS)
        if seen == status:
            return
        time.sleep(0.05)
    pytest.fail(f"broker {address} stayed {seen}, never {status}")


# --- over SOAP and MQTT ---------------------------------------------------------------------


def test_added_broker_gets_events_as_onvif_json(cam, mosquitto, subscribe):
    live = subscribe("cam")
    response = cam.soap.call(add_body(mosquitto.address, UserName="viewer", Password="s3cret"))
    assert response.tag == f"{{{TEV}}}AddEventBrokerResponse"
    wait_status(cam.soap, mosquitto.address, CONNECTED)
    (broker,) = get_brokers(cam.soap)
    assert [etree.QName(el).localname for el in broker] == ["Address", "TopicPrefix", "UserName", "QoS", "Status"]
    assert broker.findtext("tev:UserName", namespaces=NS) == "viewer"
    assert broker.find("tev:Password", NS) is None  # never reported back
    assert broker.findtext("tev:QoS", namespaces=NS) == "1"

    cam.motion(True)
    body, _ = live.next_on(MOTION_TOPIC, State="true")
    assert set(body) == {"UtcTime", "Source", "Data"}  # PropertyOperation is not sent
    assert body["Source"] == {"Source": VIDEO_SOURCE}
    assert body["Data"] == {"State": "true"}
    assert datetime.fromisoformat(body["UtcTime"]).tzinfo == UTC
    body, _ = live.next_on(CELL_MOTION_TOPIC, IsMotion="true")
    assert body["Source"]["Rule"] == MOTION_RULE
    cam.motion(False)
    live.next_on(MOTION_TOPIC, State="false")


def test_properties_are_retained_and_a_deleted_one_is_cleared(cam, mosquitto, subscribe):
    live = subscribe("ret")
    cam.soap.call(add_body(mosquitto.address, "ret"))
    cam.motion(True)
    live.next_on(MOTION_TOPIC, State="true")  # the broker has it now
    late = subscribe("ret")  # what it gets first is what the broker retained
    input_topic = "onvif-ej/Device/Trigger/DigitalInput/&DigitalInput_1"
    body, retain = late.retained(MOTION_TOPIC)
    assert retain and body["Data"] == {"State": "true"}
    assert late.retained(input_topic)[1]

    source = {"InputToken": "DigitalInput_1"}
    assert cam.on_loop(lambda: cam.camera.events.delete(DIGITAL_INPUT.path, source=source)) is not None
    _, body, _ = live.next(lambda t, payload, r: t == f"ret/{input_topic}" and payload == b"")
    assert body is None  # the zero-byte payload that removes the retained message
    later = subscribe("ret")
    cam.motion(False)  # comes after the retained burst the broker sends on subscribe
    later.next_on(MOTION_TOPIC, State="false")
    assert later.retained("onvif-ej/Device/Trigger/DigitalInput/&DigitalInput_2")[1]
    assert not any(t == f"ret/{input_topic}" for t, *_ in later.seen)  # its retained message is gone


def test_publish_filter_selects_topics(cam, mosquitto, subscribe):
    live = subscribe("rules")
    cam.soap.call(add_body(mosquitto.address, "rules", extra=topic_filter("tns1:RuleEngine//.")))
    (broker,) = get_brokers(cam.soap)
    expression = broker.find("tev:PublishFilter/wsnt:TopicExpression", NS)
    assert expression.text == "tns1:RuleEngine//." and expression.get("Dialect") == CONCRETE_SET
    cam.motion(True)
    # The bus raises MotionAlarm before the cell motion rule, so it would have come first.
    live.next_on(CELL_MOTION_TOPIC, IsMotion="true")
    assert all(t.startswith("rules/onvif-ej/RuleEngine/") for t, *_ in live.seen)


def test_delete_stops_publishing(cam, mosquitto, subscribe):
    kept, deleted = f"mqtt://localhost:{mosquitto.port}", mosquitto.address
    live_kept, live_deleted = subscribe("kept"), subscribe("gone")
    cam.soap.call(add_body(kept, "kept"))
    cam.soap.call(add_body(deleted, "gone"))
    cam.motion(True)
    live_kept.next_on(MOTION_TOPIC, State="true")
    live_deleted.next_on(MOTION_TOPIC, State="true")

    assert cam.soap.call(delete_body(deleted)).tag == f"{{{TEV}}}DeleteEventBrokerResponse"
    assert [b.findtext("tev:Address", namespaces=NS) for b in get_brokers(cam.soap)] == [kept]
    mark = len(live_deleted.seen)
    cam.motion(False)
    live_kept.next_on(MOTION_TOPIC, State="false")
    after_delete = live_deleted.seen[mark:] + list(live_deleted.messages.queue)
    assert not any(t.endswith(MOTION_TOPIC) for t, *_ in after_delete)
    assert cam.soap.fault(delete_body(deleted)) == INVALID_ADDRESS


def test_publishing_resumes_after_the_broker_restarts(cam, mosquitto, subscribe):
    cam.soap.call(add_body(mosquitto.address, "back"))
    wait_status(cam.soap, mosquitto.address, CONNECTED)
    mosquitto.stop()
    wait_status(cam.soap, mosquitto.address, "Offline")
    cam.motion(True)  # while the broker is away: queued, and the camera answers as ever
    assert len(get_brokers(cam.soap)) == 1
    mosquitto.start()
    wait_status(cam.soap, mosquitto.address, CONNECTED)
    live = subscribe("back")
    live.next_on(MOTION_TOPIC, State="true")
    cam.motion(False)
    live.next_on(MOTION_TOPIC, State="false")


def test_a_broker_that_is_down_holds_up_no_other(cam, mosquitto, subscribe):
    down = f"mqtt://127.0.0.1:{free_port()}"  # nothing listens there
    live = subscribe("up")
    cam.soap.call(add_body(down, "down"))
    cam.soap.call(add_body(mosquitto.address, "up"))
    cam.motion(True)
    live.next_on(MOTION_TOPIC, State="true")
    statuses = {b.findtext("tev:Address", namespaces=NS): b.findtext("tev:Status", namespaces=NS)
                for b in get_brokers(cam.soap)}
    assert statuses[down] in ("Offline", "Connecting")
    assert cam.soap.call(delete_body(down)) is not None


def test_websocket_broker(start_camera, tmp_path, subscribe):
    (tmp_path / "ws").mkdir()
    broker = Mosquitto(tmp_path / "ws", websockets=True)
    broker.start()
    try:
        cam = start_camera()
        live = subscribe("ws", port=broker.port)
        address = f"ws://127.0.0.1:{broker.ws_port}/mqtt"
        cam.soap.call(add_body(address, "ws"))
        wait_status(cam.soap, address, CONNECTED)
        cam.motion(True)
        live.next_on(MOTION_TOPIC, State="true")
    finally:
        broker.stop()


def test_tls_broker_with_a_self_signed_certificate(start_camera, tmp_path, subscribe):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: no certificate for the TLS listener")
    cert, key = tmp_path / "broker.pem", tmp_path / "broker.key"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=broker",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    (tmp_path / "tls").mkdir()
    broker = Mosquitto(tmp_path / "tls", tls=(cert, key))
    broker.start()
    try:
        cam = start_camera()
        live = subscribe("tls", port=broker.port)
        address = f"mqtts://127.0.0.1:{broker.tls_port}"  # no CertPathValidationPolicyID: not validated
        cam.soap.call(add_body(address, "tls"))
        cam.motion(True)
        live.next_on(MOTION_TOPIC, State="true")
    finally:
        broker.stop()


def test_filters_are_kept_as_sent(cam):
    # A bare expression in PublishFilter, as some clients send it, is read as a ConcreteSet TopicExpression.
    bare = "<tev:PublishFilter>tns1:VideoSource//.</tev:PublishFilter>"
    cam.soap.call(add_body("mqtt://127.0.0.1:1", extra=bare + topic_filter("tns1:RuleEngine//.", "MetadataFilter")))
    (broker,) = get_brokers(cam.soap)
    expression = broker.find("tev:PublishFilter/wsnt:TopicExpression", NS)
    assert (expression.text, expression.get("Dialect")) == ("tns1:VideoSource//.", CONCRETE_SET)
    assert broker.findtext("tev:MetadataFilter/wsnt:TopicExpression", namespaces=NS) == "tns1:RuleEngine//."
    assert [etree.QName(el).localname for el in broker][-1] == "MetadataFilter"


def test_zeep_with_the_official_wsdl(cam, mosquitto, subscribe):
    """zeep builds the requests from event.wsdl and parses the answers with it."""
    wsse = UsernameToken(cam.virtual.username, cam.virtual.password, use_digest=True)
    client = zeep.Client(str(schema_root() / "ver10" / "events" / "wsdl" / "event.wsdl"), wsse=wsse)
    url = cam.virtual.service_url("events")
    events = client.create_service("{http://www.onvif.org/ver10/events/wsdl}EventBinding", url)
    live = subscribe("zeep")
    events.AddEventBroker(EventBroker={"Address": mosquitto.address, "TopicPrefix": "zeep", "QoS": 1, "Password": "pw"})
    wait_status(cam.soap, mosquitto.address, CONNECTED)
    (broker,) = events.GetEventBrokers()
    assert (broker.Address, broker.TopicPrefix, broker.QoS, broker.Status) == (mosquitto.address, "zeep", 1, CONNECTED)
    assert broker.Password is None
    cam.motion(True)
    live.next_on(MOTION_TOPIC, State="true")
    events.DeleteEventBroker(Address=mosquitto.address)
    assert events.GetEventBrokers() == []
    with pytest.raises(zeep.exceptions.Fault) as fault:
        events.DeleteEventBroker(Address=mosquitto.address)
    assert "no event broker" in fault.value.message


def test_add_with_the_same_address_modifies(cam, mosquitto, subscribe):
    cam.soap.call(add_body(mosquitto.address, "first"))
    live = subscribe("second")
    cam.soap.call(add_body(mosquitto.address, "second", qos=2))
    (broker,) = get_brokers(cam.soap)
    assert broker.findtext("tev:TopicPrefix", namespaces=NS) == "second"
    assert broker.findtext("tev:QoS", namespaces=NS) == "2"
    cam.motion(True)
    live.next_on(MOTION_TOPIC, State="true")


def test_bad_input_faults(start_camera):
    cam = start_camera(camera_config(max_event_brokers=2))
    soap = cam.soap
    assert soap.fault(add_body("http://127.0.0.1:1883")) == INVALID_PROTOCOL
    for address in ("127.0.0.1:1883", "mqtt://", "mqtt://127.0.0.1:99999", "mqtt://h:1883/path", "mqtt://u:p@h:1883"):
        assert soap.fault(add_body(address)) == INVALID_ADDRESS, address
    assert soap.fault(add_body("mqtt://127.0.0.1:1883", "")) == INVALID_ARG
    assert soap.fault(add_body("mqtt://127.0.0.1:1883", "a/#")) == INVALID_ARG
    assert soap.fault(add_body("mqtt://127.0.0.1:1883", qos=3)) == INVALID_ARG
    assert soap.fault(add_body("mqtt://127.0.0.1:1883", CertificateID="cert1")) == INVALID_ARG
    assert soap.fault(add_body("mqtt://127.0.0.1:1883", extra=topic_filter("tns1:No/Such//."))) == INVALID_FILTER
    assert soap.fault(add_body("mqtt://127.0.0.1:1883", extra=topic_filter("not a topic ]["))) == INVALID_FILTER
    missing = f'<tev:AddEventBroker xmlns:tev="{TEV}"><tev:EventBroker><tev:Address>mqtt://h</tev:Address>'
    assert soap.fault(missing + "</tev:EventBroker></tev:AddEventBroker>") == [SENDER, "ter:InvalidArgs"]

    soap.call(add_body("mqtt://127.0.0.1:1"))
    soap.call(add_body("mqtt://127.0.0.1:2"))
    assert soap.fault(add_body("mqtt://127.0.0.1:3"), status=500) == TOO_MANY
    soap.call(add_body("mqtt://127.0.0.1:2", "changed"))  # a change is no addition
    assert soap.fault(delete_body("mqtt://127.0.0.1:3")) == INVALID_ADDRESS
    unknown = f'<tev:GetEventBrokers xmlns:tev="{TEV}"><tev:Address>mqtt://x:1</tev:Address></tev:GetEventBrokers>'
    assert soap.fault(unknown) == INVALID_ADDRESS
    assert len(get_brokers(soap)) == 2


def test_only_administrators_change_brokers(cam):
    user = SoapClient(cam.virtual.device_url, "viewer", "viewer-pass", cam.soap.schemas)
    try:
        create = (
            '<tds:CreateUsers><tds:User><tt:Username>viewer</tt:Username><tt:Password>viewer-pass</tt:Password>'
            "<tt:UserLevel>User</tt:UserLevel></tds:User></tds:CreateUsers>"
        )
        cam.soap.call(create)
        assert user.fault(add_body("mqtt://127.0.0.1:1883")) == [SENDER, "ter:NotAuthorized"]
        assert get_brokers(user) == []
    finally:
        user.close()


def test_brokers_survive_a_restart(start_camera, mosquitto, subscribe):
    first = start_camera()
    video_only = topic_filter("tns1:VideoSource//.")
    first.soap.call(add_body(mosquitto.address, "kept", UserName="u", Password="p", extra=video_only))
    first.close()
    live = subscribe("kept")
    second = start_camera()
    (broker,) = get_brokers(second.soap)
    assert broker.findtext("tev:Address", namespaces=NS) == mosquitto.address
    assert broker.findtext("tev:UserName", namespaces=NS) == "u"
    assert broker.find("tev:PublishFilter", NS) is not None
    assert broker.find("tev:Password", NS) is None
    wait_status(second.soap, mosquitto.address, CONNECTED)
    second.motion(True)
    live.next_on(MOTION_TOPIC, State="true")
    assert all("/VideoSource/" in t for t, *_ in live.seen)


async def other_tasks() -> set[asyncio.Task]:
    """Tasks still alive on this loop after a few turns (aiomqtt ends its own a turn later)."""
    for _ in range(50):
        tasks = asyncio.all_tasks() - {asyncio.current_task()}
        if not tasks:
            break
        await asyncio.sleep(0.01)
    return tasks


async def test_stop_leaves_no_task_behind(mosquitto):
    camera = Camera(camera_config())
    publisher = MqttPublisher(camera)
    await publisher.start()
    publisher.add_event_broker(EventBrokerState(address=mosquitto.address, topic_prefix="t"))
    publisher.add_event_broker(EventBrokerState(address=f"mqtt://127.0.0.1:{free_port()}", topic_prefix="down"))
    await publisher.stop()  # at once: both are connecting
    assert await other_tasks() == set()

    await publisher.start()  # the configurations are kept: the same brokers again
    async with asyncio.timeout(WAIT):
        while publisher.status(mosquitto.address) != CONNECTED:
            await asyncio.sleep(0.01)
    await publisher.stop()
    assert await other_tasks() == set()
    assert [status for _, status in publisher.get_event_brokers()] == ["Offline", "Offline"]


# --- the pieces, without a network --------------------------------------------------------------


def message(topic: str, source: tuple = (), data: tuple = (), operation: str | None = None, sequence: int = 1):
    return Message(topic, datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC), source, data, (), operation, sequence)


def test_topic_mapping_drops_the_onvif_prefix_and_appends_source_values():
    source = (("VideoSource", "1"), ("Analytics", "2"), ("Rule", "Fence#+1"))
    crossed = message("tns1:RuleEngine/LineDetector/Crossed", source)
    assert mqtt_topic("MyDevice", crossed) == "MyDevice/onvif-ej/RuleEngine/LineDetector/Crossed/&1/2/Fence1"
    assert mqtt_topic("d", message("acme:Lens/Failure")) == "d/onvif-ej/acme:Lens/Failure"


def test_json_payload():
    motion = message(MOTION_ALARM.path, (("Source", "VS"),), (("State", "true"),), "Changed")
    assert json.loads(json_payload(motion)) == {
        "UtcTime": "2026-01-02T03:04:05.678Z",
        "Source": {"Source": "VS"},
        "Data": {"State": "true"},
    }
    assert json.loads(json_payload(message("tns1:Media/ProfileChanged", (("Token", "P"),)))) == {
        "UtcTime": "2026-01-02T03:04:05.678Z",
        "Source": {"Token": "P"},
    }
    assert json_payload(message(MOTION_ALARM.path, (("Source", "VS"),), (), "Deleted")) == b""


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("mqtt://broker", BrokerAddress("mqtt", "broker", 1883)),
        ("MQTTS://broker:8884", BrokerAddress("mqtts", "broker", 8884)),
        ("ws://127.0.0.1:9001/mqtt", BrokerAddress("ws", "127.0.0.1", 9001, "/mqtt")),
        ("wss://[::1]", BrokerAddress("wss", "::1", 443)),
        ("mqtt://broker:1883/", BrokerAddress("mqtt", "broker", 1883)),
    ],
)
def test_broker_address(text, parsed):
    assert BrokerAddress.parse(text) == parsed


async def test_queue_drops_the_oldest_and_resynchronizes_on_connect():
    registry_filter = PublishFilter(None, None)
    door = ("tns1:Device/Trigger/DigitalInput", (("InputToken", "1"),))
    current = [message(*door, (("LogicalState", "true"),), "Initialized", 5)]
    config = EventBrokerState(address="mqtt://127.0.0.1:1", topic_prefix="t")
    broker = Broker(config, registry_filter, lambda: current, queue_messages=3)
    for n in range(1, 5):
        broker.offer(message("tns1:Media/ProfileChanged", (("Token", str(n)),), sequence=n))
    assert broker.dropped == 1
    assert [m.source for m in broker._queue] == [(("Token", "2"),), (("Token", "3"),), (("Token", "4"),)]

    broker = Broker(config, registry_filter, lambda: current, queue_messages=10)
    gone = ("tns1:Device/Trigger/DigitalInput", (("InputToken", "2"),))
    broker.offer(message(*door, (("LogicalState", "false"),), "Changed", 2))  # superseded by the current state
    broker.offer(message(*gone, (), "Deleted", 3))  # still to be cleared on the broker
    broker.offer(message("tns1:Media/ProfileChanged", (("Token", "P"),), sequence=4))  # an event: it happened
    broker._resynchronize()
    assert [(m.source, m.operation) for m in broker._queue] == [
        (gone[1], "Deleted"),
        ((("Token", "P"),), None),
        (door[1], "Initialized"),
    ]
