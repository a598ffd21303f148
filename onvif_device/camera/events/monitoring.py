"""tns1:Monitoring/ProcessorUsage: the process's real CPU use, averaged as the Core spec recommends."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from onvif_device.camera.events.bus import EventBus
from onvif_device.camera.events.topics import PROCESSOR_USAGE

PROCESSOR_TOKEN = "Processor_1"


class ProcessorUsage:
    def __init__(
        self,
        bus: EventBus,
        interval: float,
        now: Callable[[], float] = time.monotonic,
        cpu_time: Callable[[], float] = time.process_time,
    ) -> None:
        self._bus = bus
        self.interval = interval
        self._now = now
        self._cpu_time = cpu_time
        self._cores = os.cpu_count() or 1
        self._since = (now(), cpu_time())

    def tick(self) -> None:
        """Report once per interval: the share of all cores the process used since the last report."""
        if not self.interval:
            return
        wall, cpu = self._now(), self._cpu_time()
        elapsed = wall - self._since[0]
        if elapsed < self.interval:
            return
        percent = 100.0 * (cpu - self._since[1]) / (elapsed * self._cores)
        self._since = (wall, cpu)
        self._bus.publish(
            PROCESSOR_USAGE.path, source={"Token": PROCESSOR_TOKEN}, data={"Value": f"{min(percent, 100.0):.1f}"}
        )
