"""Helpers for the Events service tests: raw SOAP to the events and subscription addresses,
the fault schemas the base set lacks, and running code on a camera's own event loop."""

from __future__ import annotations

import asyncio
import functools
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import xmlschema
from lxml import etree
from soaputil import SOAP12, SoapClient, envelope, fault_codes, username_token

TEV = "http://www.onvif.org/ver10/events/wsdl"
WSNT = "http://docs.oasis-open.org/wsn/b-2"
WSA = "http://www.w3.org/2005/08/addressing"
WSTOP = "http://docs.oasis-open.org/wsn/t-1"
TT = "http://www.onvif.org/ver10/schema"
TNS1 = "http://www.onvif.org/ver10/topics"
WSRF_R = "http://docs.oasis-open.org/wsrf/r-2"
NS = {"tev": TEV, "wsnt": WSNT, "wsa": WSA, "wstop": WSTOP, "tt": TT, "tns1": TNS1, "wsrf-r": WSRF_R, "s": SOAP12}
DECLARE = f'xmlns:tev="{TEV}" xmlns:wsnt="{WSNT}" xmlns:wsa="{WSA}" xmlns:tns1="{TNS1}"'
CONCRETE_SET = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"
ITEM_FILTER = "http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter"
MOTION = "tns1:VideoSource/MotionAlarm"
VIDEO_SOURCE = "VideoSource_1"


@dataclass(frozen=True)
class Note:
    """One wsnt:NotificationMessage, read back: topic, operation, Source/Data items as dicts."""

    topic: str
    operation: str | None
    source: dict
    data: dict
    utc_time: str


def notes(response: etree._Element) -> list[Note]:
    found = []
    for holder in response.iterfind("wsnt:NotificationMessage", NS):
        topic = holder.find("wsnt:Topic", NS)
        assert topic.get("Dialect") == CONCRETE_SET
        prefix = topic.text.partition(":")[0]
        assert topic.nsmap.get(prefix) == TNS1, "the topic's prefix must be declared"
        message = holder.find("wsnt:Message/tt:Message", NS)
        items = {
            group: {i.get("Name"): i.get("Value") for i in message.iterfind(f"tt:{group}/tt:SimpleItem", NS)}
            for group in ("Source", "Data")
        }
        found.append(
            Note(topic.text, message.get("PropertyOperation"), items["Source"], items["Data"], message.get("UtcTime"))
        )
    return found


def motion_state(found: list[Note], source: str = VIDEO_SOURCE) -> str | None:
    """The last MotionAlarm State among `found` for the video source."""
    states = [n.data["State"] for n in found if n.topic == MOTION and n.source.get("Source") == source]
    return states[-1] if states else None


@functools.cache
def _resource_schema(root: str) -> xmlschema.XMLSchema11:
    return xmlschema.XMLSchema11(f"{root}/schema/common/r-2.xsd", allow="local")


class EventsClient:
    """Raw SOAP to the Events service and to subscription manager addresses; every answer validated."""

    def __init__(
        self, cam, schemas, username: str | None = None, password: str | None = None, *, digest: bool = False
    ) -> None:
        self.schemas = schemas
        self.digest = digest  # HTTP Digest instead of a UsernameToken (which the device clock must accept)
        self.username = username or cam.username
        self.password = password if password is not None else cam.password
        self.url = cam.service_url("events")
        self.soap = SoapClient(self.url, self.username, self.password, schemas)

    def close(self) -> None:
        self.soap.close()

    def post(self, url: str, body: str, *, header: str = "", timeout: float = 10) -> tuple[int, bytes]:
        token = "" if self.digest else username_token(self.username, self.password)
        auth = httpx.DigestAuth(self.username, self.password) if self.digest else None
        response = self.soap.http.post(
            url,
            content=envelope(body, token + header),
            headers={"Content-Type": "application/soap+xml; charset=utf-8"},
            timeout=timeout,
            auth=auth,
        )
        return response.status_code, response.content

    def call(self, body: str, url: str | None = None, *, header: str = "", timeout: float = 10) -> etree._Element:
        status, content = self.post(url or self.url, body, header=header, timeout=timeout)
        assert status == 200, content.decode()
        return self.schemas.validate_envelope(content)

    def fault(self, body: str, url: str | None = None, *, status: int = 500, timeout: float = 10) -> etree._Element:
        """Send `body`, expect a fault with `status`; return the Fault, its Detail (if any) validated."""
        got, content = self.post(url or self.url, body, timeout=timeout)
        assert got == status, content.decode()
        fault = self.schemas.validate_envelope(content)
        assert etree.QName(fault).localname == "Fault", content.decode()
        for detail in fault.iterfind("s:Detail/*", NS):
            if etree.QName(detail).namespace == WSRF_R:
                _resource_schema(str(self.schemas.root)).validate(detail)
            else:
                self.schemas.validate_element(detail)
        return fault

    # --- the usual requests

    def create(self, inner: str = "", *, termination: str | None = "PT60S") -> etree._Element:
        lease = f"<tev:InitialTerminationTime>{termination}</tev:InitialTerminationTime>" if termination else ""
        return self.call(f"<tev:CreatePullPointSubscription {DECLARE}>{inner}{lease}</tev:CreatePullPointSubscription>")

    def pull_point(self, inner: str = "", **kw) -> str:
        """A new pull point's address."""
        return self.create(inner, **kw).findtext("tev:SubscriptionReference/wsa:Address", namespaces=NS)

    def pull(self, address: str, timeout: str = "PT0S", limit: int = 100, *, http_timeout: float = 10) -> etree._Element:
        body = (
            f"<tev:PullMessages {DECLARE}><tev:Timeout>{timeout}</tev:Timeout>"
            f"<tev:MessageLimit>{limit}</tev:MessageLimit></tev:PullMessages>"
        )
        return self.call(body, address, timeout=http_timeout)

    def pull_notes(self, address: str, timeout: str = "PT0S", limit: int = 100, **kw) -> list[Note]:
        return notes(self.pull(address, timeout, limit, **kw))

    def renew(self, address: str, termination: str) -> etree._Element:
        return self.call(f"<wsnt:Renew {DECLARE}><wsnt:TerminationTime>{termination}</wsnt:TerminationTime></wsnt:Renew>", address)

    def unsubscribe(self, address: str) -> etree._Element:
        return self.call(f"<wsnt:Unsubscribe {DECLARE}/>", address)

    def synchronize(self, address: str) -> etree._Element:
        return self.call(f"<tev:SetSynchronizationPoint {DECLARE}/>", address)


def topic_filter(expression: str, dialect: str = CONCRETE_SET) -> str:
    return f'<tev:Filter><wsnt:TopicExpression Dialect="{dialect}">{expression}</wsnt:TopicExpression></tev:Filter>'


def content_filter(expression: str) -> str:
    return f'<tev:Filter><wsnt:MessageContent Dialect="{ITEM_FILTER}">{expression}</wsnt:MessageContent></tev:Filter>'


def detail_of(fault: etree._Element) -> str:
    """The local name of the fault element in the Detail."""
    details = fault.findall("s:Detail/*", NS)
    assert len(details) == 1, etree.tostring(fault)
    return etree.QName(details[0]).localname


def is_events_fault(fault: etree._Element, detail: str) -> bool:
    """An event fault the Core spec's way: env:Receiver, no ter: subcode, the WS-BN element as Detail."""
    return fault_codes(fault) == ["s:Receiver"] and detail_of(fault) == detail


@pytest.fixture
def events(running_camera, onvif_schemas):
    client = EventsClient(running_camera, onvif_schemas)
    yield client
    client.close()


@pytest.fixture
def on_camera(running_camera) -> Callable[[Callable[[], object]], object]:
    """Run `action()` on the camera's own event loop (the bus is not thread-safe) and return its result."""
    loop = running_camera.server._task.get_loop()

    def run(action: Callable[[], object]) -> object:
        async def call() -> object:
            return action()

        return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout=10)

    return run


@pytest.fixture
def motion(running_camera, on_camera) -> Callable[[bool], object]:
    """motion(True) starts motion on VideoSource_1, motion(False) ends it."""
    return lambda active: on_camera(lambda: running_camera.camera.motion.force(VIDEO_SOURCE, active))


# --- a Notify consumer -------------------------------------------------------------------------


class Consumer:
    """A tiny HTTP server on 127.0.0.1 that keeps every POST; `fail` answers the next N with 503."""

    def __init__(self) -> None:
        self.posts: queue.Queue[tuple[dict, bytes, int]] = queue.Queue()
        self.fail = 0
        consumer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the camera's client expects to use it

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = 503 if consumer.fail else 200
                consumer.fail = max(0, consumer.fail - 1)
                consumer.posts.put(({k.lower(): v for k, v in self.headers.items()}, body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def next(self, timeout: float = 15) -> tuple[dict, bytes, int]:
        """The next POST: (headers, body, status answered)."""
        return self.posts.get(timeout=timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def consumer():
    server = Consumer()
    yield server
    server.close()
