"""MQTT event brokers (Profile M): placeholder interface, being written."""

from __future__ import annotations

SUPPORTED_PROTOCOLS = ("mqtt",)  # the EventBrokerProtocols the Events service advertises


class MqttPublisher:
    """Publishes the camera's events to every broker AddEventBroker configured."""

    def __init__(self, camera) -> None:
        self.camera = camera

    async def start(self) -> None:
        """Connect to every configured broker and follow the event bus."""

    async def stop(self) -> None:
        """Disconnect from every broker and stop following the bus."""
