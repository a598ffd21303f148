"""Events inside the camera: the topic registry, the bus, and the producers that publish to it."""

from onvif_device.camera.events.bus import (
    CHANGED,
    DELETED,
    INITIALIZED,
    EventBus,
    Message,
    item_text,
)
from onvif_device.camera.events.topics import (
    Item,
    Topic,
    TopicRegistry,
    UnknownTopic,
    standard_registry,
)

__all__ = [
    "CHANGED",
    "DELETED",
    "INITIALIZED",
    "EventBus",
    "Item",
    "Message",
    "Topic",
    "TopicRegistry",
    "UnknownTopic",
    "item_text",
    "standard_registry",
]
