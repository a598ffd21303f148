"""Bus messages as WS-BaseNotification XML: wsnt:NotificationMessage and the wsnt:Notify envelope.

A message goes to every subscription that wants it, so a `Notifications`
cache builds its NotificationMessage once and hands out copies: copying a
small tree costs a fraction of building it, and a burst of events reaches
hundreds of pull points.  The cache must hold what the queues hold, or a
burst larger than it is built again for every pull point: EventDelivery
sizes it from the queue length.
"""

from __future__ import annotations

from collections import OrderedDict
from copy import deepcopy

from lxml import etree

from onvif_device.camera.events import Message
from onvif_device.events.times import message_time_text
from onvif_device.ns import NS, SOAP12
from onvif_device.xml import Element, element, sub

CONCRETE_SET = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"
NOTIFY_ACTION = "http://docs.oasis-open.org/wsn/bw-2/NotificationConsumer/Notify"
# wsa:IsReferenceParameter marks the header blocks copied from the consumer's reference parameters.
IS_REFERENCE_PARAMETER = f"{{{NS['wsa']}}}IsReferenceParameter"


def build_notification_message(message: Message) -> Element:
    """A wsnt:NotificationMessage (Topic, Message) for `message`, the tns1 prefix of the topic declared on it."""
    holder = element("wsnt:NotificationMessage", extra=("tns1",))
    sub(holder, "wsnt:Topic", message.topic, Dialect=CONCRETE_SET)
    attributes = {"UtcTime": message_time_text(message.utc_time)}
    if message.operation is not None:
        attributes["PropertyOperation"] = message.operation
    body = sub(sub(holder, "wsnt:Message"), "tt:Message", **attributes)
    # tt:Message orders its groups Source, Key, Data; an empty group is left out.
    for group, items in (("tt:Source", message.source), ("tt:Key", message.key), ("tt:Data", message.data)):
        if items:
            parent = sub(body, group)
            for name, value in items:
                sub(parent, "tt:SimpleItem", Name=name, Value=value)
    return holder


class Notifications:
    """NotificationMessages by bus message, built once each; the least recently used go past `size`."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._built: OrderedDict[Message, Element] = OrderedDict()

    def __call__(self, message: Message, subscription_address: str | None = None) -> Element:
        """A fresh NotificationMessage to put in a response, with a SubscriptionReference if given an address."""
        built = self._built.get(message)
        if built is None:
            built = self._built[message] = build_notification_message(message)
            if len(self._built) > self.size:
                self._built.popitem(last=False)
        else:
            self._built.move_to_end(message)
        holder = built.__copy__()  # lxml copies the whole subtree; twice as fast as copy.deepcopy's dispatch
        if subscription_address is not None:
            reference = etree.Element(f"{{{NS['wsnt']}}}SubscriptionReference")
            sub(reference, "wsa:Address", subscription_address)
            holder.insert(0, reference)
        return holder


def notify_envelope(
    messages: list[Element], consumer_address: str, reference_parameters: list[Element] = ()
) -> bytes:
    """The SOAP 1.2 envelope of one Notify carrying NotificationMessages to a consumer.

    The WS-Addressing headers name the action and the consumer; the consumer's
    reference parameters, if its endpoint reference had any, go along as
    header blocks, as WS-Addressing asks of every message sent to it.
    """
    envelope = etree.Element(f"{{{SOAP12}}}Envelope", nsmap={"s": SOAP12, "wsa": NS["wsa"], "wsnt": NS["wsnt"]})
    header = etree.SubElement(envelope, f"{{{SOAP12}}}Header")
    sub(header, "wsa:Action", NOTIFY_ACTION)
    sub(header, "wsa:To", consumer_address)
    for parameter in reference_parameters:
        block = deepcopy(parameter)
        block.set(IS_REFERENCE_PARAMETER, "true")
        header.append(block)
    notify = sub(etree.SubElement(envelope, f"{{{SOAP12}}}Body"), "wsnt:Notify")
    notify.extend(messages)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
