"""Events service, ver10: the event broker operations of Profile M (AddEventBroker, DeleteEventBroker,
GetEventBrokers).

They read and write the configurations `events.mqtt.MqttPublisher` keeps in
the camera state and publishes to; the password given is never reported back.
"""

from __future__ import annotations

from lxml import etree

from onvif_device.camera.errors import ActionFailed, InvalidArgVal
from onvif_device.camera.state import EventBrokerState
from onvif_device.events.mqtt import MqttPublisher
from onvif_device.ns import NS
from onvif_device.services import args
from onvif_device.services.events import ops
from onvif_device.soap.access import AccessClass as A
from onvif_device.soap.operations import Context
from onvif_device.xml import Element, child, element, safe_parser, sub

CONCRETE_SET = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"


@ops("AddEventBroker", A.WRITE_SYSTEM)
def add_event_broker(ctx: Context, request: Element) -> Element:
    _brokers(ctx).add_event_broker(_config(args.required(request, "tev:EventBroker")))
    return element("tev:AddEventBrokerResponse")


@ops("DeleteEventBroker", A.WRITE_SYSTEM)
def delete_event_broker(ctx: Context, request: Element) -> Element:
    _brokers(ctx).delete_event_broker(args.required_text(request, "tev:Address"))
    return element("tev:DeleteEventBrokerResponse")


@ops("GetEventBrokers", A.READ_MEDIA)
def get_event_brokers(ctx: Context, request: Element) -> Element:
    response = element("tev:GetEventBrokersResponse", extra=("wsnt",))
    for config, status in _brokers(ctx).get_event_brokers(args.optional_text(request, "tev:Address")):
        broker = sub(response, "tev:EventBroker")
        sub(broker, "tev:Address", config.address)
        sub(broker, "tev:TopicPrefix", config.topic_prefix)
        if config.username is not None:
            sub(broker, "tev:UserName", config.username)
        if config.publish_filter:
            broker.append(etree.fromstring(config.publish_filter.encode(), safe_parser()))
        sub(broker, "tev:QoS", config.qos)
        sub(broker, "tev:Status", status)
        if config.metadata_filter:
            broker.append(etree.fromstring(config.metadata_filter.encode(), safe_parser()))
    return response


def _brokers(ctx: Context) -> MqttPublisher:
    brokers = getattr(ctx.delivery, "brokers", None)
    if brokers is None:
        raise ActionFailed(reason="event brokers are not available: the camera's event delivery is not running")
    return brokers


def _config(broker: Element) -> EventBrokerState:
    for unsupported in ("CertificateID", "CertPathValidationPolicyID"):
        if args.optional_text(broker, f"tev:{unsupported}"):
            raise InvalidArgVal(reason=f"{unsupported} cannot be used: this camera has no key store")
    qos = args.optional_text(broker, "tev:QoS")
    qos_level = 0 if qos is None else args.as_int(qos, "QoS")
    if qos_level not in (0, 1, 2):
        raise InvalidArgVal(reason=f"QoS must be 0, 1 or 2, not {qos_level}")
    return EventBrokerState(
        address=args.required_text(broker, "tev:Address"),
        topic_prefix=args.required_text(broker, "tev:TopicPrefix"),
        username=_raw_text(broker, "tev:UserName"),
        password=_raw_text(broker, "tev:Password"),
        publish_filter=_filter_xml(broker, "tev:PublishFilter"),
        metadata_filter=_filter_xml(broker, "tev:MetadataFilter"),
        qos=qos_level,
    )


def _raw_text(parent: Element, tag: str) -> str | None:
    # Credentials as given: spaces may belong to them.
    found = child(parent, tag)
    return None if found is None else found.text or ""


def _filter_xml(parent: Element, tag: str) -> str | None:
    """A wsnt:FilterType element as XML text, or None when absent or empty (empty means: everything).

    A bare topic expression as the element's text, which some clients send,
    becomes the wsnt:TopicExpression it stands for, its prefixes still bound."""
    found = child(parent, tag)
    if found is None:
        return None
    if len(found) == 0:
        text = (found.text or "").strip()
        if not text:
            return None
        nsmap = {**found.nsmap}
        nsmap.setdefault("wsnt", NS["wsnt"])
        found = etree.Element(found.tag, nsmap=nsmap)
        sub(found, "wsnt:TopicExpression", text, Dialect=CONCRETE_SET)
    return etree.tostring(found, encoding="unicode")
