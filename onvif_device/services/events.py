"""Events service, ver10 (event.wsdl) with WS-BaseNotification's Subscribe, Renew and Unsubscribe.

Pull points (CreatePullPointSubscription, then PullMessages) and push
subscriptions (wsnt:Subscribe, then Notify to the consumer) live in
`events.delivery.EventDelivery`; each has its own subscription manager
address (`/onvif/subscription/<id>`), routed to this same endpoint, and the
handlers find the subscription from the path the request was posted to (or
from its wsa:To header, for a client that posts everything to the service
address).  GetEventProperties is generated from the camera's topic registry.

Not supported: Seek (PersistentNotificationStorage is false), the pausable
subscription manager, wsnt:GetCurrentMessage, wsnt:UseRaw; they answer
ter:ActionNotSupported or the WS-BaseNotification fault for an unsupported policy.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from onvif_device.camera.errors import ActionFailed, InvalidArgVal
from onvif_device.events import faults, filters, mqtt
from onvif_device.events.delivery import EventDelivery
from onvif_device.events.http_post import check_consumer_url
from onvif_device.events.pullpoint import PullPoint
from onvif_device.events.subscriptions import (
    Busy,
    Ended,
    Subscription,
    subscription_id_of,
)
from onvif_device.events.times import parse_duration, termination_seconds, utc_text
from onvif_device.events.topicset import topic_set
from onvif_device.services import args
from onvif_device.services.registry import ServiceInfo, register
from onvif_device.soap.access import AccessClass as A
from onvif_device.soap.operations import Context, OperationTable
from onvif_device.xml import Element, child, clark, element, sub

ops = OperationTable("tev")
# WS-BaseNotification's own operations, served as part of the Events service.
wsnt = OperationTable("wsnt")

TOPIC_NAMESPACE_LOCATION = "http://www.onvif.org/onvif/ver10/topics/topicns.xml"
MESSAGE_CONTENT_SCHEMA = "http://www.onvif.org/onvif/ver10/schema/onvif.xsd"
# PullMessages waits at most this long: five times the one minute the Core spec asks a device to
# support, enough for every client seen, while a vanished client's request is let go within minutes.
MAX_PULL_TIMEOUT = timedelta(minutes=5)
MAX_PULL_MESSAGES = 1000  # per PullMessagesResponse; a larger MessageLimit gets up to this many
_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_WSA_TO = ("{http://www.w3.org/2005/08/addressing}To", "{http://schemas.xmlsoap.org/ws/2004/08/addressing}To")
_FILTER_FAULTS = {
    filters.INVALID_FILTER: faults.InvalidFilter,
    filters.TOPIC_DIALECT_UNKNOWN: faults.TopicExpressionDialectUnknown,
    filters.INVALID_TOPIC_EXPRESSION: faults.InvalidTopicExpression,
    filters.TOPIC_NOT_SUPPORTED: faults.TopicNotSupported,
    filters.INVALID_MESSAGE_CONTENT: faults.InvalidMessageContentExpression,
}


# --- capabilities and properties ------------------------------------------------------


def events_capabilities(ctx: Context) -> Element:
    config = ctx.camera.config.events
    caps = element("tev:Capabilities")
    for name, value in (
        ("WSSubscriptionPolicySupport", True),  # tev:ChangedOnly
        ("WSPausableSubscriptionManagerInterfaceSupport", False),
        ("MaxNotificationProducers", config.max_push_subscriptions),
        ("MaxPullPoints", config.max_pull_points),
        ("PersistentNotificationStorage", False),
        ("EventBrokerProtocols", " ".join(mqtt.SUPPORTED_PROTOCOLS)),
        ("MaxEventBrokers", config.max_event_brokers),
        ("MetadataOverMQTT", False),
    ):
        caps.set(name, value if isinstance(value, str) else str(value).lower())
    return caps


def legacy_events_capabilities(parent: Element, ctx: Context) -> None:
    """tt:Events of the Device service's GetCapabilities."""
    events = sub(parent, "tt:Events")
    sub(events, "tt:XAddr", SERVICE.xaddr(ctx.base_url))
    sub(events, "tt:WSSubscriptionPolicySupport", True)
    sub(events, "tt:WSPullPointSupport", True)
    sub(events, "tt:WSPausableSubscriptionManagerInterfaceSupport", False)


@ops("GetServiceCapabilities", A.PRE_AUTH)
def get_service_capabilities(ctx: Context, request: Element) -> Element:
    response = element("tev:GetServiceCapabilitiesResponse")
    response.append(events_capabilities(ctx))
    return response


@ops("GetEventProperties", A.READ_MEDIA)
def get_event_properties(ctx: Context, request: Element) -> Element:
    response = element("tev:GetEventPropertiesResponse", extra=("wsnt", "wstop"))
    sub(response, "tev:TopicNamespaceLocation", TOPIC_NAMESPACE_LOCATION)
    sub(response, "wsnt:FixedTopicSet", True)
    response.append(topic_set(ctx.camera.events.registry))
    for dialect in filters.TOPIC_DIALECTS:
        sub(response, "wsnt:TopicExpressionDialect", dialect)
    for dialect in filters.MESSAGE_CONTENT_DIALECTS:
        sub(response, "tev:MessageContentFilterDialect", dialect)
    sub(response, "tev:MessageContentSchemaLocation", MESSAGE_CONTENT_SCHEMA)
    return response


# --- creating subscriptions ------------------------------------------------------------


@ops("CreatePullPointSubscription", A.READ_MEDIA)
def create_pull_point_subscription(ctx: Context, request: Element) -> Element:
    delivery = _delivery(ctx)
    event_filter = _filter(ctx, child(request, "tev:Filter"))
    termination = _lease(ctx, child(request, "tev:InitialTerminationTime"), initial=True)
    changed_only = _policy(ctx, child(request, "tev:SubscriptionPolicy"))
    pull_point = delivery.create_pull_point(ctx.base_url, event_filter, termination, changed_only=changed_only)
    response = element("tev:CreatePullPointSubscriptionResponse", extra=("wsa", "wsnt"))
    sub(sub(response, "tev:SubscriptionReference"), "wsa:Address", pull_point.address)
    _lease_times(ctx, response, pull_point)
    return response


@wsnt("Subscribe", A.READ_MEDIA)
def subscribe(ctx: Context, request: Element) -> Element:
    delivery = _delivery(ctx)
    consumer = args.required(request, "wsnt:ConsumerReference")
    address = args.required_text(consumer, "wsa:Address")
    try:
        check_consumer_url(address)
    except ValueError as exc:
        raise faults.SubscribeCreationFailed(str(exc), delivery.utc_now()) from None
    parameters = child(consumer, "wsa:ReferenceParameters")
    event_filter = _filter(ctx, child(request, "wsnt:Filter"))
    termination = _lease(ctx, child(request, "wsnt:InitialTerminationTime"), initial=True)
    changed_only = _policy(ctx, child(request, "wsnt:SubscriptionPolicy"))
    subscription = delivery.create_push(
        ctx.base_url,
        event_filter,
        termination,
        address,
        reference_parameters=[p for p in parameters if isinstance(p.tag, str)] if parameters is not None else [],
        changed_only=changed_only,
    )
    response = element("wsnt:SubscribeResponse", extra=("wsa",))
    sub(sub(response, "wsnt:SubscriptionReference"), "wsa:Address", subscription.address)
    _lease_times(ctx, response, subscription)
    return response


# --- the subscription manager ----------------------------------------------------------


@ops("PullMessages", A.READ_MEDIA)
async def pull_messages(ctx: Context, request: Element) -> Element:
    delivery = _delivery(ctx)
    pull_point = _subscription(ctx, PullPoint)
    try:
        timeout = parse_duration(args.required_text(request, "tev:Timeout"))
    except ValueError as exc:
        raise InvalidArgVal(reason=f"Timeout: {exc}") from None
    if timeout < 0:
        raise InvalidArgVal(reason="Timeout must not be negative")
    if timeout > MAX_PULL_TIMEOUT.total_seconds():
        raise faults.PullMessagesFault(
            f"Timeout {timeout:g} s is longer than the {MAX_PULL_TIMEOUT.total_seconds():g} s this device waits",
            MAX_PULL_TIMEOUT,
            MAX_PULL_MESSAGES,
        )
    limit = args.required_int(request, "tev:MessageLimit")
    if limit < 1:
        raise InvalidArgVal(reason=f"MessageLimit must be at least 1, not {limit}")
    try:
        messages = await delivery.pull(pull_point, timeout, min(limit, MAX_PULL_MESSAGES))
    except Busy:
        raise faults.UnableToGetMessages(
            "another PullMessages is already waiting on this pull point; send the next one after it returns",
            delivery.utc_now(),
        ) from None
    except Ended:
        raise _unknown(ctx, "the pull point was unsubscribed or expired while PullMessages waited") from None
    response = element("tev:PullMessagesResponse", extra=("wsnt",))
    sub(response, "tev:CurrentTime", utc_text(delivery.utc_now()))
    sub(response, "tev:TerminationTime", utc_text(pull_point.termination))
    response.extend(delivery.notifications(m) for m in messages)
    return response


@ops("SetSynchronizationPoint", A.READ_MEDIA)
def set_synchronization_point(ctx: Context, request: Element) -> Element:
    _delivery(ctx).synchronize(_subscription(ctx))
    return element("tev:SetSynchronizationPointResponse")


@wsnt("Renew", A.READ_MEDIA)
def renew(ctx: Context, request: Element) -> Element:
    delivery = _delivery(ctx)
    subscription = _subscription(ctx)
    asked = args.required(request, "wsnt:TerminationTime")
    subscription.termination = _lease(ctx, asked, initial=False)
    response = element("wsnt:RenewResponse")
    sub(response, "wsnt:TerminationTime", utc_text(subscription.termination))
    sub(response, "wsnt:CurrentTime", utc_text(delivery.utc_now()))
    return response


@wsnt("Unsubscribe", A.READ_MEDIA)
def unsubscribe(ctx: Context, request: Element) -> Element:
    _delivery(ctx).unsubscribe(_subscription(ctx))
    return element("wsnt:UnsubscribeResponse")


# --- reading requests ------------------------------------------------------------------


def _delivery(ctx: Context) -> EventDelivery:
    if ctx.delivery is None or not ctx.delivery.running:
        raise ActionFailed(reason="event delivery is not running on this camera")
    return ctx.delivery


def _subscription(ctx: Context, kind: type[Subscription] = Subscription) -> Subscription:
    """The subscription the request is addressed to: by the path it was posted to, else by wsa:To."""
    subscription_id = subscription_id_of(ctx.path)
    if subscription_id is None:
        to = next((b for b in map(ctx.request.header_block, _WSA_TO) if b is not None), None)
        if to is not None and to.text:
            subscription_id = subscription_id_of(urlsplit(to.text.strip()).path)
    if subscription_id is None:
        raise _unknown(
            ctx,
            f"{ctx.path or 'this address'} is not a subscription manager; send the request to the "
            "SubscriptionReference address the subscription was created with",
        )
    subscription = ctx.delivery.find(subscription_id)
    if subscription is None:
        raise _unknown(ctx, "no such subscription: it was unsubscribed, it expired, or the camera restarted")
    if not isinstance(subscription, kind):
        raise _unknown(ctx, f"this address is a {subscription.kind}, not a {kind.kind}")
    return subscription


def _unknown(ctx: Context, reason: str) -> faults.ResourceUnknown:
    return faults.ResourceUnknown(reason, ctx.camera.clock.utc_now())


def _filter(ctx: Context, filter_element: Element | None) -> filters.EventFilter:
    try:
        return filters.parse_filter(filter_element, ctx.camera.events.registry)
    except filters.FilterError as exc:
        now = ctx.camera.clock.utc_now()
        fault = _FILTER_FAULTS.get(exc.fault, faults.InvalidFilter)
        if fault is faults.InvalidFilter:
            raise faults.InvalidFilter(exc.reason, now, [exc.unknown_filter] if exc.unknown_filter else []) from None
        raise fault(exc.reason, now) from None


def _lease(ctx: Context, asked: Element | None, *, initial: bool) -> float:
    """The termination time for an InitialTerminationTime or a Renew's TerminationTime element."""
    text = None if asked is None or asked.get(_XSI_NIL) in ("true", "1") else (asked.text or "").strip()
    requested = None
    if text:
        try:
            requested = termination_seconds(text, ctx.delivery.now())
        except ValueError as exc:
            name = "InitialTerminationTime" if initial else "TerminationTime"
            raise InvalidArgVal(reason=f"{name}: {exc}; give an xs:duration (PT60S) or a UTC xs:dateTime") from None
    return ctx.delivery.lease_end(requested, initial=initial)


def _policy(ctx: Context, policy: Element | None) -> bool:
    """Whether the SubscriptionPolicy asks for tev:ChangedOnly; any other policy is refused."""
    changed_only = False
    for item in policy if policy is not None else ():
        if not isinstance(item.tag, str):
            continue
        if item.tag == clark("tev:ChangedOnly"):
            changed_only = args.as_bool((item.text or "true").strip() or "true", "ChangedOnly")
        elif item.tag == clark("wsnt:UseRaw"):
            raise faults.UnsupportedPolicyRequest(
                "wsnt:UseRaw is not supported: notifications come wrapped in wsnt:Notify", ctx.camera.clock.utc_now()
            )
        else:
            raise faults.UnrecognizedPolicyRequest(
                f"subscription policy {item.tag} is not known; the device supports tev:ChangedOnly",
                ctx.camera.clock.utc_now(),
            )
    return changed_only


def _lease_times(ctx: Context, response: Element, subscription: Subscription) -> None:
    sub(response, "wsnt:CurrentTime", utc_text(ctx.delivery.utc_now()))
    sub(response, "wsnt:TerminationTime", utc_text(subscription.termination))


ops.operations.update(wsnt.operations)  # one table: the endpoint routes by each operation's own QName

SERVICE = register(
    ServiceInfo(
        "events", "/onvif/events_service", (25, 6), ops, events_capabilities, legacy=legacy_events_capabilities
    )
)
