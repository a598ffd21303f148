"""The documents of the ONVIF metadata stream (`tt:MetadataStream`, metadatastream.xsd).

A document carries what the profile's metadata configuration asks for: a
video analytics frame with the scene's moving objects (normalized
coordinates, -1..1 with y up, as ONVIF draws them), the PTZ status, and the
events of the camera's bus as wsnt:NotificationMessages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from onvif_device.video.scene import SceneObject
from onvif_device.xml import element, sub

PAN_TILT_SPACE = "http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace"
ZOOM_SPACE = "http://www.onvif.org/ver10/tptz/ZoomSpaces/PositionGenericSpace"


@dataclass(frozen=True, slots=True)
class PtzReading:
    pan: float
    tilt: float
    zoom: float
    moving: bool = False


def utc_text(when: datetime) -> str:
    """xs:dateTime in UTC with milliseconds, the form cameras put in metadata."""
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def metadata_document(
    when: datetime,
    *,
    objects: Sequence[SceneObject] | None = None,
    ptz: PtzReading | None = None,
    ptz_position: bool = True,
    events: Sequence[etree._Element] = (),
) -> bytes:
    """One serialised document; `objects` None leaves the analytics frame out.

    `events` are wsnt:NotificationMessage elements; they move into the document."""
    root = element("tt:MetadataStream")
    stamp = utc_text(when)
    if objects is not None:
        frame = sub(sub(root, "tt:VideoAnalytics"), "tt:Frame", UtcTime=stamp)
        for obj in objects:
            _object(frame, obj)
    if ptz is not None:
        status = sub(sub(root, "tt:PTZ"), "tt:PTZStatus")
        if ptz_position:
            position = sub(status, "tt:Position")
            sub(position, "tt:PanTilt", x=f"{ptz.pan:.4f}", y=f"{ptz.tilt:.4f}", space=PAN_TILT_SPACE)
            sub(position, "tt:Zoom", x=f"{ptz.zoom:.4f}", space=ZOOM_SPACE)
        move = sub(status, "tt:MoveStatus")
        state = "MOVING" if ptz.moving else "IDLE"
        sub(move, "tt:PanTilt", state)
        sub(move, "tt:Zoom", state)
        sub(status, "tt:UtcTime", stamp)
    if events:
        holder = sub(root, "tt:Event")
        for notification in events:
            holder.append(notification)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _object(frame: etree._Element, obj: SceneObject) -> None:
    node = sub(frame, "tt:Object", ObjectId=str(obj.object_id))
    appearance = sub(node, "tt:Appearance")
    shape = sub(appearance, "tt:Shape")
    sub(
        shape,
        "tt:BoundingBox",
        left=f"{obj.left:.4f}",
        top=f"{obj.top:.4f}",
        right=f"{obj.right:.4f}",
        bottom=f"{obj.bottom:.4f}",
    )
    sub(shape, "tt:CenterOfGravity", x=f"{(obj.left + obj.right) / 2:.4f}", y=f"{(obj.top + obj.bottom) / 2:.4f}")
    kind = sub(appearance, "tt:Class")
    sub(kind, "tt:Type", obj.kind, Likelihood="0.9")
