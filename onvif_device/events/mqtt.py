"""MQTT event brokers (Profile M): the camera's events published to every broker AddEventBroker set up.

Theory of operation.  The configurations live in the camera state
(`camera.state.event_brokers`), so they survive a restart; `MqttPublisher`
runs one `Broker` per configuration while the camera's server runs, and
reconciles the running set with the state after every change (add, delete,
factory reset).

Each broker owns a bounded queue and one task.  The bus listener offers
every message to every broker; a broker keeps those its PublishFilter
accepts, dropping the oldest when full.  The task connects, publishes the
current state of every property, then forwards the queue until the
connection fails; it then waits (0.5 s, doubling to 30 s) and connects again.
A broker that is down or slow only fills its own queue: the bus, SOAP
requests and the other brokers never wait for it.

On the wire (Core spec, "Event Broker"): the MQTT topic is
``<TopicPrefix>/onvif-ej/<ONVIF topic without tns1:>[/&<Source values>]`` and
the payload a JSON object with UtcTime, Source and (when there is any) Data.
Property messages are retained, a deleted property is a zero-byte retained
payload, and PropertyOperation is not sent.  Key items have no place in the
spec's payload and are not sent (no standard topic has them).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiomqtt
from lxml import etree

from onvif_device.camera.errors import ActionFailed, InvalidArgVal, OnvifError
from onvif_device.camera.events.bus import DELETED, Message
from onvif_device.camera.events.topics import TopicRegistry
from onvif_device.camera.state import EventBrokerState
from onvif_device.events.filters import MATCH_ALL, FilterError, parse_filter
from onvif_device.events.times import message_time_text
from onvif_device.xml import safe_parser

log = logging.getLogger("onvif_device.events.mqtt")

SUPPORTED_PROTOCOLS = ("mqtt", "mqtts", "ws", "wss")  # the EventBrokerProtocols the Events service advertises
DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883, "ws": 80, "wss": 443}
DEFAULT_WEBSOCKET_PATH = "/mqtt"  # what mosquitto, EMQX and HiveMQ serve
PAYLOAD_PREFIX = "onvif-ej"  # ONVIF event, JSON payload

OFFLINE, CONNECTING, CONNECTED = "Offline", "Connecting", "Connected"  # tev:ConnectionStatus

FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 30.0
MAX_ADDRESS_LENGTH = 1024
MAX_PREFIX_BYTES = 1024
_NOT_IN_TOPICS = str.maketrans("", "", "#+\x00")  # MQTT wildcards, and NUL, which no topic may hold


# --- configuration ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """An EventBrokerConfig Address: scheme://host:port[/resource] (the resource for websockets only)."""

    scheme: str
    host: str
    port: int
    path: str = ""

    @property
    def websocket(self) -> bool:
        return self.scheme in ("ws", "wss")

    @property
    def tls(self) -> bool:
        return self.scheme in ("mqtts", "wss")

    @classmethod
    def parse(cls, text: str) -> BrokerAddress:
        """The address, or ter:InvalidProtocol / ter:InvalidAddress naming what is wrong."""
        if len(text) > MAX_ADDRESS_LENGTH:
            raise InvalidArgVal("InvalidAddress", f"event broker address longer than {MAX_ADDRESS_LENGTH} characters")
        if "://" not in text:
            raise InvalidArgVal("InvalidAddress", f"event broker address {text[:80]!r} is not scheme://host:port")
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError as exc:
            raise InvalidArgVal("InvalidAddress", f"event broker address {text[:80]!r}: {exc}") from None
        scheme = parts.scheme.lower()
        if scheme not in SUPPORTED_PROTOCOLS:
            raise InvalidArgVal(
                "InvalidProtocol",
                f"event broker protocol {scheme[:20]!r} is not supported; use {', '.join(SUPPORTED_PROTOCOLS)}",
            )
        problem = None
        if not parts.hostname:
            problem = "has no host"
        elif parts.username is not None or parts.password is not None:
            problem = "carries credentials: give them as UserName and Password"
        elif parts.query or parts.fragment:
            problem = "has a query or fragment"
        elif parts.path not in ("", "/") and scheme not in ("ws", "wss"):
            problem = "has a resource path, which only ws and wss addresses may have"
        if problem:
            raise InvalidArgVal("InvalidAddress", f"event broker address {text[:80]!r} {problem}")
        path = parts.path if scheme in ("ws", "wss") and parts.path not in ("", "/") else ""
        return cls(scheme, parts.hostname, port or DEFAULT_PORTS[scheme], path)


def check_topic_prefix(prefix: str) -> None:
    """TopicPrefix must be a usable start of an MQTT topic name."""
    if not prefix:
        raise InvalidArgVal(reason="TopicPrefix must not be empty")
    if len(prefix.encode()) > MAX_PREFIX_BYTES:
        raise InvalidArgVal(reason=f"TopicPrefix is longer than {MAX_PREFIX_BYTES} bytes")
    if prefix.startswith("$"):
        raise InvalidArgVal(reason=f"TopicPrefix {prefix[:80]!r} starts with $, which MQTT reserves for brokers")
    wrong = sorted({c for c in prefix if c in "#+\x00"})
    if wrong:
        shown = " ".join(map(repr, wrong))
        raise InvalidArgVal(reason=f"TopicPrefix {prefix[:80]!r} contains {shown}, which MQTT topic names may not")


class PublishFilter:
    """A broker's PublishFilter (a wsnt:FilterType, kept as the XML the client sent); none passes everything."""

    def __init__(self, xml: str | None, registry: TopicRegistry) -> None:
        self._filter = MATCH_ALL
        if xml:
            try:
                self._filter = parse_filter(etree.fromstring(xml.encode(), safe_parser()), registry)
            except etree.XMLSyntaxError as exc:  # only a hand-edited state file gets here
                raise InvalidArgVal("InvalidFilter", f"PublishFilter: {exc}") from None
            except FilterError as exc:
                raise InvalidArgVal("InvalidFilter", f"PublishFilter: {exc.reason}") from None

    def accepts(self, message: Message) -> bool:
        return self._filter.matches(message)


# --- what goes on the wire ------------------------------------------------------


def mqtt_topic(prefix: str, message: Message) -> str:
    """TopicPrefix/onvif-ej/LocalTopic[/&Source values], the values in the topic's description order."""
    local = message.topic.removeprefix("tns1:")  # the ONVIF namespace is MQTT's default one
    topic = f"{prefix}/{PAYLOAD_PREFIX}/{local}"
    if message.source:
        topic += "/&" + "/".join(value.translate(_NOT_IN_TOPICS) for _, value in message.source)
    return topic


def json_payload(message: Message) -> bytes:
    """The onvif-ej JSON object; a deleted property is the empty payload that clears the retained one."""
    if message.operation == DELETED:
        return b""
    body: dict[str, object] = {"UtcTime": message_time_text(message.utc_time), "Source": dict(message.source)}
    if message.data:
        body["Data"] = dict(message.data)
    return json.dumps(body, ensure_ascii=False).encode()


# --- one broker -------------------------------------------------------------------


class Broker:
    """One configured broker: its queue, connection status and the task that feeds it."""

    def __init__(
        self,
        config: EventBrokerState,
        publish_filter: PublishFilter,
        properties: Callable[[], list[Message]],
        queue_messages: int,
    ) -> None:
        self.config = config
        self.address = BrokerAddress.parse(config.address)
        self.filter = publish_filter
        self._properties = properties
        self._queue: deque[Message] = deque()
        self._limit = queue_messages
        self._wake = asyncio.Event()
        self.status = OFFLINE
        self.published = 0
        self.dropped = 0  # messages lost to a full queue
        self.task: asyncio.Task | None = None
        self._stopping = False

    def start(self) -> None:
        self.status = CONNECTING
        self.task = asyncio.create_task(self._run(), name=f"mqtt broker {self.config.address}")

    def stop(self) -> asyncio.Task | None:
        """Cancel the task; returns it, for the caller to await."""
        self._stopping = True
        if self.task is None or self.task.done():
            return None
        self.task.cancel()
        return self.task

    def offer(self, message: Message) -> None:
        """From the bus listener: queue the message if the filter wants it; never waits."""
        if not self.filter.accepts(message):
            return
        self._put(message)
        self._wake.set()

    def _put(self, message: Message) -> None:
        if len(self._queue) >= self._limit:
            self._queue.popleft()
            self.dropped += 1
        self._queue.append(message)

    async def _run(self) -> None:
        delay, failures = FIRST_RETRY_SECONDS, 0
        while not self._stopping:
            self.status = CONNECTING
            try:
                await self._session()
            except Exception as exc:  # noqa: BLE001 - whatever went wrong: wait, then connect again
                if self.status == CONNECTED:
                    delay, failures = FIRST_RETRY_SECONDS, 0
                level = logging.WARNING if failures == 0 else logging.DEBUG  # one warning per outage
                log.log(level, "event broker %s: %s; retrying in %gs", self.config.address, exc, delay)
            self.status = OFFLINE
            if self._stopping:
                return
            failures += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_SECONDS)

    async def _session(self) -> None:
        """One connection: publish the current properties, then forward the queue until it fails."""
        client = self._client()
        await _connect(client)
        try:
            if self._stopping:  # the stop came while connecting
                return
            self.status = CONNECTED
            log.info("event broker %s connected", self.config.address)
            self._resynchronize()
            ended = asyncio.Event()
            tasks = {
                asyncio.create_task(_until_disconnected(client)),
                asyncio.create_task(self._forward(client, ended)),
            }
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                ended.set()
                self._wake.set()
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            for task in done:
                task.result()  # the failure that ended the session
        finally:
            await client.__aexit__(None, None, None)

    def _client(self) -> aiomqtt.Client:
        address = self.address
        tls = None
        if address.tls:
            # No CertPathValidationPolicyID can be configured, and the spec says: then do not validate.
            tls = ssl.create_default_context()
            tls.check_hostname = False
            tls.verify_mode = ssl.CERT_NONE
        return aiomqtt.Client(
            address.host,
            address.port,
            username=self.config.username,
            password=self.config.password,
            transport="websockets" if address.websocket else "tcp",
            websocket_path=(address.path or DEFAULT_WEBSOCKET_PATH) if address.websocket else None,
            tls_context=tls,
            timeout=10,
            keepalive=30,
        )

    def _resynchronize(self) -> None:
        """On connect: the current property states replace the property changes queued meanwhile.

        Events that are no properties stay queued (they happened), and so do
        deletions of properties that are gone, so the broker drops their retained
        message."""
        current = [m for m in self._properties() if self.filter.accepts(m)]
        live = {(m.topic, m.source, m.key) for m in current}
        pending = [
            m
            for m in self._queue
            if m.operation is None or (m.operation == DELETED and (m.topic, m.source, m.key) not in live)
        ]
        self._queue.clear()
        for message in pending + current:
            self._put(message)

    async def _forward(self, client: aiomqtt.Client, ended: asyncio.Event) -> None:
        # `ended` as well as cancellation: Python 3.11's wait_for, which aiomqtt's publish
        # awaits through, can swallow a cancellation that races with the broker's answer.
        prefix, qos = self.config.topic_prefix, self.config.qos
        while not ended.is_set():
            if not self._queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            message = self._queue.popleft()
            try:
                await client.publish(
                    mqtt_topic(prefix, message),
                    json_payload(message),
                    qos=qos,
                    retain=message.operation is not None,  # property messages are retained
                )
            except BaseException:
                self._requeue(message)  # not sent: first in line after the reconnect
                raise
            self.published += 1

    def _requeue(self, message: Message) -> None:
        if len(self._queue) >= self._limit:
            self.dropped += 1
        else:
            self._queue.appendleft(message)


async def _connect(client: aiomqtt.Client) -> None:
    """Connect, seeing the attempt through even when cancelled.

    aiomqtt connects in an executor thread, which cancelling cannot stop: the
    socket it opens would be left behind.  So a cancelled attempt is finished,
    hung up if it succeeded, and only then is the cancellation passed on."""
    entering = asyncio.ensure_future(client.__aenter__())
    try:
        await asyncio.shield(entering)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await entering
            await client.__aexit__(None, None, None)
        raise


async def _until_disconnected(client: aiomqtt.Client) -> None:
    # Nothing is subscribed, so the iterator yields nothing; it raises when the connection drops.
    async for _ in client.messages:
        pass


# --- the camera's brokers --------------------------------------------------------------


class MqttPublisher:
    """Publishes the camera's events to every broker AddEventBroker configured.

    Methods are named after the Events service operations.  Configurations are
    kept in the camera state; brokers run between `start()` and `stop()`.
    """

    def __init__(self, camera) -> None:
        self.camera = camera
        self._brokers: dict[str, Broker] = {}  # running, by address
        self._retiring: set[asyncio.Task] = set()
        self._unsubscribe: list[Callable[[], None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- operations ---------------------------------------------------------------

    def add_event_broker(self, config: EventBrokerState) -> None:
        """Add a broker, or change the one with the same Address; it starts publishing at once."""
        BrokerAddress.parse(config.address)
        check_topic_prefix(config.topic_prefix)
        PublishFilter(config.publish_filter, self.camera.events.registry)
        configs = self.camera.state.event_brokers
        index = next((i for i, c in enumerate(configs) if c.address == config.address), None)
        if index is None:
            limit = self.camera.config.events.max_event_brokers
            if len(configs) >= limit:
                raise ActionFailed(
                    "TooManyEventBrokers", f"the camera keeps at most {limit} event brokers; delete one first"
                )
            configs.append(config)
        else:
            configs[index] = config
        self._save()

    def delete_event_broker(self, address: str) -> None:
        configs = self.camera.state.event_brokers
        kept = [c for c in configs if c.address != address]
        if len(kept) == len(configs):
            raise InvalidArgVal("InvalidAddress", f"no event broker with address {address[:80]!r}")
        self.camera.state.event_brokers = kept
        self._save()

    def get_event_brokers(self, address: str | None = None) -> list[tuple[EventBrokerState, str]]:
        """(configuration, ConnectionStatus) of every broker, or of the one at `address`."""
        configs = self.camera.state.event_brokers
        if address is not None:
            configs = [c for c in configs if c.address == address]
            if not configs:
                raise InvalidArgVal("InvalidAddress", f"no event broker with address {address[:80]!r}")
        return [(c, self.status(c.address)) for c in configs]

    def status(self, address: str) -> str:
        broker = self._brokers.get(address)
        return broker.status if broker is not None else OFFLINE

    def broker(self, address: str) -> Broker | None:
        """The running broker at `address` (its counters: published, dropped)."""
        return self._brokers.get(address)

    # --- running ------------------------------------------------------------------

    async def start(self) -> None:
        """Connect to every configured broker and follow the event bus."""
        if self._loop is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._unsubscribe = [self.camera.events.subscribe(self._hear), self.camera.subscribe(self._camera_changed)]
        self._reconcile()

    async def stop(self) -> None:
        """Disconnect from every broker and stop following the bus."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        self._loop = None
        for broker in self._brokers.values():
            self._retire(broker)
        self._brokers.clear()
        tasks = list(self._retiring)
        await asyncio.gather(*tasks, return_exceptions=True)

    def _hear(self, message: Message) -> None:
        for broker in self._brokers.values():
            broker.offer(message)

    def _camera_changed(self, area: str) -> None:
        # Changes may come from another thread (a test touching the model); a factory reset empties the list.
        if self._loop is not None and area in ("event_brokers", "factory_default"):
            self._loop.call_soon_threadsafe(self._reconcile)

    def _save(self) -> None:
        self.camera._changed("event_brokers")  # saves the state file; the camera has no public save
        if self._loop is not None:
            self._reconcile()  # at once, so GetEventBrokers right after AddEventBroker sees it connecting

    def _reconcile(self) -> None:
        """Run exactly one broker per configuration, restarting any whose configuration changed."""
        if self._loop is None:
            return
        wanted = {c.address: c for c in self.camera.state.event_brokers}
        for address, broker in list(self._brokers.items()):
            if wanted.get(address) != broker.config:
                self._retire(self._brokers.pop(address))
        for address, config in wanted.items():
            if address in self._brokers:
                continue
            try:
                publish_filter = PublishFilter(config.publish_filter, self.camera.events.registry)
                broker = Broker(
                    config.model_copy(),
                    publish_filter,
                    self.camera.events.properties,
                    self.camera.config.events.queue_messages,
                )
            except OnvifError as exc:  # a state file edited by hand; the others still run
                log.error("event broker %s not started: %s", address, exc.reason)
                continue
            broker.start()
            self._brokers[address] = broker

    def _retire(self, broker: Broker) -> None:
        task = broker.stop()
        if task is not None:
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)
