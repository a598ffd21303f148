"""The topic registry: every topic the camera can raise, with the items its messages carry.

GetEventProperties is generated from this registry and the bus refuses a
message whose topic or items it does not describe, so what a client is told
exists is exactly what can arrive.  Topics are written with the ONVIF topic
namespace prefix, ``tns1:VideoSource/MotionAlarm``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


class UnknownTopic(LookupError):
    """A topic the registry does not describe."""


@dataclass(frozen=True, slots=True)
class Item:
    """One SimpleItem of a message: its name and XML Schema type ("tt:ReferenceToken", "xs:boolean")."""

    name: str
    type: str


@dataclass(frozen=True, slots=True)
class Topic:
    path: str  # "tns1:VideoSource/MotionAlarm"
    source: tuple[Item, ...] = ()
    data: tuple[Item, ...] = ()
    key: tuple[Item, ...] = ()
    is_property: bool = False

    @property
    def parts(self) -> list[str]:
        """["tns1:VideoSource", "MotionAlarm"]: the elements of the TopicSet tree, root first."""
        return self.path.split("/")

    def check(self, group: str, values: dict[str, str]) -> None:
        """Refuse items the description does not list, or a missing one."""
        described = {item.name for item in getattr(self, group)}
        if set(values) != described:
            unknown = sorted(set(values) - described)
            missing = sorted(described - set(values))
            problems = [f"unknown {group} item(s) {', '.join(unknown)}"] if unknown else []
            problems += [f"missing {group} item(s) {', '.join(missing)}"] if missing else []
            raise ValueError(f"{self.path}: {'; '.join(problems)}")


class TopicRegistry:
    def __init__(self) -> None:
        self._topics: dict[str, Topic] = {}

    def add(self, topic: Topic) -> Topic:
        if topic.path in self._topics and self._topics[topic.path] != topic:
            raise ValueError(f"topic {topic.path} registered twice with different items")
        self._topics[topic.path] = topic
        return topic

    def get(self, path: str) -> Topic:
        try:
            return self._topics[path]
        except KeyError:
            raise UnknownTopic(f"no such topic: {path}") from None

    def __contains__(self, path: str) -> bool:
        return path in self._topics

    def __iter__(self) -> Iterator[Topic]:
        return iter(self._topics.values())

    def __len__(self) -> int:
        return len(self._topics)


_TOKEN = "tt:ReferenceToken"
_BOOL = "xs:boolean"

# The topics every camera raises; the specs that define each are named beside it.
MOTION_ALARM = Topic(  # Imaging spec; the items real cameras and Home Assistant use
    "tns1:VideoSource/MotionAlarm", source=(Item("Source", _TOKEN),), data=(Item("State", _BOOL),), is_property=True
)
CELL_MOTION = Topic(  # Analytics spec, cell motion detector rule
    "tns1:RuleEngine/CellMotionDetector/Motion",
    source=(
        Item("VideoSourceConfigurationToken", _TOKEN),
        Item("VideoAnalyticsConfigurationToken", _TOKEN),
        Item("Rule", "xs:string"),
    ),
    data=(Item("IsMotion", _BOOL),),
    is_property=True,
)
TAMPER = Topic(  # Imaging spec, GlobalSceneChange
    "tns1:VideoSource/GlobalSceneChange/ImagingService",
    source=(Item("Source", _TOKEN),),
    data=(Item("State", _BOOL),),
    is_property=True,
)
# Imaging spec: tampering the imaging service notices, one property per kind.
_SOURCE = (Item("Source", _TOKEN),)
IMAGE_TOO_BLURRY, IMAGE_TOO_DARK, IMAGE_TOO_BRIGHT = (
    Topic(f"tns1:VideoSource/{kind}/ImagingService", _SOURCE, (Item("State", _BOOL),), is_property=True)
    for kind in ("ImageTooBlurry", "ImageTooDark", "ImageTooBright")
)
DIGITAL_INPUT = Topic(  # DeviceIO spec
    "tns1:Device/Trigger/DigitalInput",
    source=(Item("InputToken", _TOKEN),),
    data=(Item("LogicalState", _BOOL),),
    is_property=True,
)
RELAY = Topic(  # DeviceIO spec
    "tns1:Device/Trigger/Relay",
    source=(Item("RelayToken", _TOKEN),),
    data=(Item("LogicalState", "tt:RelayLogicalState"),),
    is_property=True,
)
PROFILE_CHANGED = Topic("tns1:Media/ProfileChanged", source=(Item("Token", _TOKEN),))  # Media2 spec
CONFIGURATION_CHANGED = Topic(  # Media2 spec; Type is a ConfigurationEnumeration value
    "tns1:Media/ConfigurationChanged", source=(Item("Token", _TOKEN), Item("Type", "xs:string"))
)
PROCESSOR_USAGE = Topic(  # Core spec, monitoring events
    "tns1:Monitoring/ProcessorUsage", source=(Item("Token", _TOKEN),), data=(Item("Value", "xs:float"),),
    is_property=True,
)
# PTZ spec: a preset move is Invoked, then Reached or Aborted; a reached preset is later Left.
_PRESET_SOURCE = (Item("PTZConfigurationToken", _TOKEN),)
_PRESET_DATA = (Item("PresetToken", _TOKEN), Item("PresetName", "tt:Name"))
PTZ_PRESET_INVOKED = Topic("tns1:PTZController/PTZPresets/Invoked", _PRESET_SOURCE, _PRESET_DATA)
PTZ_PRESET_REACHED = Topic("tns1:PTZController/PTZPresets/Reached", _PRESET_SOURCE, _PRESET_DATA)
PTZ_PRESET_ABORTED = Topic("tns1:PTZController/PTZPresets/Aborted", _PRESET_SOURCE, _PRESET_DATA)
PTZ_PRESET_LEFT = Topic("tns1:PTZController/PTZPresets/Left", _PRESET_SOURCE, _PRESET_DATA)
PTZ_PRESET_TOUR = Topic(  # PTZ spec; the tour's state as a SimpleItem where the spec has the whole tour element
    "tns1:PTZController/PTZPresetTours/Configuration",
    source=(Item("ProfileToken", _TOKEN), Item("PresetTourToken", _TOKEN)),
    data=(Item("StateChange", _BOOL), Item("State", "tt:PTZPresetTourState")),
    is_property=True,
)

STANDARD_TOPICS = (
    MOTION_ALARM,
    CELL_MOTION,
    TAMPER,
    DIGITAL_INPUT,
    RELAY,
    PROFILE_CHANGED,
    CONFIGURATION_CHANGED,
    PROCESSOR_USAGE,
)
# Raised from a synthetic picture's imaging settings (a file source has none), registered by the camera.
IMAGE_QUALITY_TOPICS = (IMAGE_TOO_BLURRY, IMAGE_TOO_DARK, IMAGE_TOO_BRIGHT)
# Raised only by a camera with a PTZ head, so only such a camera registers them.
PTZ_TOPICS = (PTZ_PRESET_INVOKED, PTZ_PRESET_REACHED, PTZ_PRESET_ABORTED, PTZ_PRESET_LEFT, PTZ_PRESET_TOUR)


def standard_registry() -> TopicRegistry:
    registry = TopicRegistry()
    for topic in STANDARD_TOPICS:
        registry.add(topic)
    return registry
