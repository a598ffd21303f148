"""The faults of WS-BaseNotification, the way the Core spec wants them sent.

Core, "Event handling > SOAP Fault Messages": a failure while processing a
WS-BaseNotification message is a SOAP 1.2 fault as WS-BaseNotification
defines it, sent as env:Receiver (HTTP 500).  WS-BaseNotification names no
subcodes; what tells a client which fault it got is the fault element in the
Detail (wsnt:InvalidFilterFault, wsrf-r:ResourceUnknownFault...), a
wsrf-bf:BaseFault carrying at least a Timestamp.  So these faults have no
ter: subcode, and carry their Detail element for the envelope to add.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from lxml import etree

from onvif_device.camera.errors import OnvifError
from onvif_device.events.times import duration_text, utc_text
from onvif_device.xml import Element, clark, element, sub


class NotificationFault(OnvifError):
    """A WS-BaseNotification fault; `tag` is its element, which becomes the Detail."""

    receiver = True
    tag = "wsnt:SubscribeCreationFailedFault"
    title = "Subscribe Creation Failed"

    def __init__(self, reason: str, now: datetime) -> None:
        super().__init__(None, reason)
        self.detail_element = self._detail(now, reason)

    @property
    def subcodes(self) -> tuple[str, ...]:
        return ()

    def _detail(self, now: datetime, reason: str) -> Element:
        fault = element(self.tag, extra=("wsrf-bf",))
        sub(fault, "wsrf-bf:Timestamp", utc_text(now))
        description = sub(fault, "wsrf-bf:Description", reason)
        description.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        return fault


class SubscribeCreationFailed(NotificationFault):
    pass


class ResourceUnknown(NotificationFault):
    """No subscription, or no pull point, at the address the request was sent to."""

    tag = "wsrf-r:ResourceUnknownFault"
    title = "Resource Unknown"


class UnableToGetMessages(NotificationFault):
    tag = "wsnt:UnableToGetMessagesFault"
    title = "Unable To Get Messages"


class InvalidFilter(NotificationFault):
    """A Filter child the device does not know; the fault names each as an UnknownFilter QName."""

    tag = "wsnt:InvalidFilterFault"
    title = "Invalid Filter"

    def __init__(self, reason: str, now: datetime, unknown: list[str]) -> None:
        self.unknown = unknown or [clark("wsnt:Filter")]  # Clark names
        super().__init__(reason, now)

    def _detail(self, now: datetime, reason: str) -> Element:
        fault = super()._detail(now, reason)
        # Each UnknownFilter QName must resolve on the fault element itself, where validators look:
        # a namespace it does not declare yet (not wsnt, tt or wsrf-bf) gets a prefix f0, f1...
        known = {uri: prefix for prefix, uri in fault.nsmap.items()}
        names = [etree.QName(name) for name in self.unknown]
        foreign = sorted({q.namespace for q in names if q.namespace} - known.keys())
        extra = {f"f{i}": uri for i, uri in enumerate(foreign)}
        known.update({uri: prefix for prefix, uri in extra.items()})
        root = etree.Element(fault.tag, nsmap={**fault.nsmap, **extra})
        root.extend(fault)
        for q in names:
            sub(root, "wsnt:UnknownFilter", f"{known[q.namespace]}:{q.localname}" if q.namespace else q.localname)
        return root


class TopicExpressionDialectUnknown(NotificationFault):
    tag = "wsnt:TopicExpressionDialectUnknownFault"
    title = "Topic Expression Dialect Unknown"


class InvalidTopicExpression(NotificationFault):
    tag = "wsnt:InvalidTopicExpressionFault"
    title = "Invalid Topic Expression"


class TopicNotSupported(NotificationFault):
    tag = "wsnt:TopicNotSupportedFault"
    title = "Topic Not Supported"


class InvalidMessageContentExpression(NotificationFault):
    tag = "wsnt:InvalidMessageContentExpressionFault"
    title = "Invalid Message Content Expression"


class UnrecognizedPolicyRequest(NotificationFault):
    tag = "wsnt:UnrecognizedPolicyRequestFault"
    title = "Unrecognized Policy Request"


class UnsupportedPolicyRequest(NotificationFault):
    tag = "wsnt:UnsupportedPolicyRequestFault"
    title = "Unsupported Policy Request"


class _TimeFault(NotificationFault):
    """A termination time refused; the fault says which times would be accepted."""

    def __init__(self, reason: str, now: datetime, minimum: datetime, maximum: datetime) -> None:
        self.minimum, self.maximum = minimum, maximum
        super().__init__(reason, now)

    def _detail(self, now: datetime, reason: str) -> Element:
        fault = super()._detail(now, reason)
        sub(fault, "wsnt:MinimumTime", utc_text(self.minimum))
        sub(fault, "wsnt:MaximumTime", utc_text(self.maximum))
        return fault


class UnacceptableInitialTerminationTime(_TimeFault):
    tag = "wsnt:UnacceptableInitialTerminationTimeFault"
    title = "Unacceptable Initial Termination Time"


class UnacceptableTerminationTime(_TimeFault):
    tag = "wsnt:UnacceptableTerminationTimeFault"
    title = "Unacceptable Termination Time"


class PullMessagesFault(OnvifError):
    """tev:PullMessagesFaultResponse: the Timeout asked for is longer than the device waits."""

    receiver = True
    title = "Pull Messages Fault"

    def __init__(self, reason: str, max_timeout: timedelta, max_message_limit: int) -> None:
        super().__init__(None, reason)
        self.detail_element = detail = element("tev:PullMessagesFaultResponse")
        sub(detail, "tev:MaxTimeout", duration_text(max_timeout))
        sub(detail, "tev:MaxMessageLimit", max_message_limit)

    @property
    def subcodes(self) -> tuple[str, ...]:
        return ()
