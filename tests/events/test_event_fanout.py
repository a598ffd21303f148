"""Many subscriptions, many events: EventDelivery in-process with hundreds of pull points and a burst
of thousands of events, then a smaller crowd of pull points long-polling over real HTTP at once."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from conftest import DECLARE, NS, notes, topic_filter
from lxml import etree
from soaputil import envelope, username_token

from onvif_device.camera import Camera
from onvif_device.camera.events.topics import PROFILE_CHANGED
from onvif_device.config import Config
from onvif_device.embed import VirtualCamera
from onvif_device.events.delivery import EventDelivery
from onvif_device.events.filters import MATCH_ALL

PULL_POINTS = 300
BURST = 3000
QUEUE = 1000


def quiet_config(**events: object) -> Config:
    return Config.model_validate({"events": {"motion_every_seconds": 0, "processor_usage_seconds": 0, **events}})


async def test_hundreds_of_pull_points_get_a_burst_of_thousands_in_order():
    camera = Camera(quiet_config(max_pull_points=PULL_POINTS, queue_messages=QUEUE), seed="fanout")
    delivery = EventDelivery(camera)
    await delivery.start()
    heard = []
    camera.events.subscribe(heard.append)
    try:
        lease = delivery.now() + 600
        points = [
            delivery.create_pull_point("http://camera", MATCH_ALL, lease, changed_only=True) for _ in range(PULL_POINTS)
        ]
        keeping_up, idle = points[: PULL_POINTS // 2], points[PULL_POINTS // 2 :]
        received = {id(p): [] for p in keeping_up}
        for n in range(BURST):
            camera.events.publish(PROFILE_CHANGED.path, source={"Token": f"Profile_{n}"})
            if n == 10:  # motion starts early in the burst (MotionAlarm and CellMotion); its state must outlive it
                camera.motion.force("VideoSource_1", True)
            if n % 200 == 199:  # half the pull points pull as the burst goes on
                for point in keeping_up:
                    received[id(point)] += await delivery.pull(point, 0, QUEUE)
            assert all(len(p.queue) <= QUEUE for p in idle)
        assert len(heard) == BURST + 2
        for point in keeping_up:
            received[id(point)] += await delivery.pull(point, 0, QUEUE)
            assert received[id(point)] == heard
            assert point.queue.dropped == 0
        events = [m for m in heard if m.operation is None]
        for point in idle:
            kept = await delivery.pull(point, 0, QUEUE)
            assert len(kept) == QUEUE and point.queue.dropped == len(heard) - QUEUE
            # The latest state of both motion properties survives; the rest are the newest events, in order.
            assert [m for m in kept if m.operation is not None] == [m for m in heard if m.operation is not None]
            assert [m for m in kept if m.operation is None] == events[-(QUEUE - 2) :]
            assert [m.sequence for m in kept] == sorted(m.sequence for m in kept)
    finally:
        await delivery.stop()


CONCURRENT = 40
EVENTS = 150


@pytest.mark.timeout(120)
async def test_concurrent_long_polls_over_http_each_get_every_event_in_order():
    config = quiet_config(max_pull_points=CONCURRENT)
    async with VirtualCamera(config) as cam, httpx.AsyncClient(timeout=90) as http:
        events_url = cam.service_url("events")

        async def soap(url: str, body: str) -> etree._Element:
            data = envelope(body, username_token(cam.username, cam.password))
            response = await http.post(url, content=data, headers={"Content-Type": "application/soap+xml"})
            assert response.status_code == 200, response.text
            return etree.fromstring(response.content).find("{http://www.w3.org/2003/05/soap-envelope}Body")[0]

        async def subscribe() -> str:
            body = f"<tev:CreatePullPointSubscription {DECLARE}>{topic_filter(PROFILE_CHANGED.path)}</tev:CreatePullPointSubscription>"
            return (await soap(events_url, body)).findtext("tev:SubscriptionReference/wsa:Address", namespaces=NS)

        addresses = await asyncio.gather(*(subscribe() for _ in range(CONCURRENT)))

        async def consume(address: str) -> list[str]:
            tokens: list[str] = []
            while len(tokens) < EVENTS:
                body = f"<tev:PullMessages {DECLARE}><tev:Timeout>PT60S</tev:Timeout><tev:MessageLimit>50</tev:MessageLimit></tev:PullMessages>"
                tokens += [n.source["Token"] for n in notes(await soap(address, body))]
            return tokens

        consumers = [asyncio.create_task(consume(a)) for a in addresses]
        for n in range(EVENTS):
            cam.camera.events.publish(PROFILE_CHANGED.path, source={"Token": f"Profile_{n}"})
            if n % 10 == 0:
                await asyncio.sleep(0.005)  # let the pulls return and come back while events keep arriving
        results = await asyncio.gather(*consumers)
        expected = [f"Profile_{n}" for n in range(EVENTS)]
        assert all(tokens == expected for tokens in results)
        assert all(p.queue.dropped == 0 for p in cam.server.delivery.pull_points)
