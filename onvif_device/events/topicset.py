"""The wstop:TopicSet of GetEventProperties, generated from the camera's topic registry.

One element per topic path segment: the root in the ONVIF topic namespace
(tns1:VideoSource), its descendants unqualified (MotionAlarm), as the Core
spec's own example writes them, with no default namespace in scope.  The
element of each topic carries wstop:topic="true" and a tt:MessageDescription
listing its Source, Key and Data items, so what a client is told exists is
exactly what the bus lets producers publish.
"""

from __future__ import annotations

from lxml import etree

from onvif_device.camera.events import Topic, TopicRegistry
from onvif_device.xml import Element, clark, element, sub

WSTOP_TOPIC = clark("wstop:topic")


def topic_set(registry: TopicRegistry) -> Element:
    # xs: is declared because SimpleItemDescription Types are QNames such as xs:boolean.
    root = element("wstop:TopicSet", extra=("tns1", "xs"))
    for topic in registry:
        node = root
        for depth, part in enumerate(topic.parts):
            tag = clark(part) if depth == 0 else part
            found = node.find(tag)
            node = found if found is not None else etree.SubElement(node, tag)
        node.set(WSTOP_TOPIC, "true")
        node.append(message_description(topic))
    return root


def message_description(topic: Topic) -> Element:
    description = etree.Element(clark("tt:MessageDescription"))
    if topic.is_property:
        description.set("IsProperty", "true")
    for group, items in (("tt:Source", topic.source), ("tt:Key", topic.key), ("tt:Data", topic.data)):
        if items:
            parent = sub(description, group)
            for item in items:
                sub(parent, "tt:SimpleItemDescription", Name=item.name, Type=item.type)
    return description
