"""mDNS records and their registration, against a recording stand-in for zeroconf.

The real thing, zeroconf's browser on another host, runs in a network
namespace: `test_wsd_netns.py::test_in_a_network_namespace[mdns]`.
"""

from __future__ import annotations

import pytest

from onvif_device.camera import Camera
from onvif_device.config import Config
from onvif_device.discovery.mdns import (
    ONVIF_SERVICE,
    RTSP_SERVICE,
    MdnsAdvertiser,
    host_name,
    records,
)
from onvif_device.embed import make_config

pytest.importorskip("zeroconf", reason="mDNS is optional: pip install 'onvif-device[mdns]'")


class RecordingZeroconf:
    """AsyncZeroconf's registration calls, recorded; each returns an awaitable as zeroconf's do."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def _sent(self) -> None:
        return None

    async def async_register_service(self, info, allow_name_change: bool = False):
        self.calls.append(("register", info.name))
        return self._sent()

    async def async_update_service(self, info):
        self.calls.append(("update", info.name))
        return self._sent()

    async def async_unregister_service(self, info):
        self.calls.append(("unregister", info.name))
        return self._sent()


@pytest.fixture
def camera() -> Camera:
    return Camera(make_config(), seed="mdns")


def test_the_device_service_and_one_stream_per_video_profile(camera: Camera) -> None:
    device, *streams = found = records(camera, http_port=8080, rtsp_port=8554)
    assert (device.type, device.port, device.properties["path"]) == (ONVIF_SERVICE, 8080, "/onvif/device_service")
    assert device.properties["epr"] == camera.identity.endpoint_reference
    video = [p for p in camera.media.state.profiles if p.video_encoder]
    assert [(s.type, s.port, s.properties["path"]) for s in streams] == [
        (RTSP_SERVICE, 8554, f"/stream/{p.token}") for p in video]
    assert len({r.name for r in found}) == len(found)
    assert host_name(camera).endswith(".local.") and "." not in host_name(camera)[: -len(".local.")]


def test_a_long_name_is_cut_to_one_dns_label() -> None:
    camera = Camera(make_config(Config(identity={"name": "Camera. " * 20})), seed="long")
    for record in records(camera, http_port=1, rtsp_port=2):
        instance = record.name[: -len(record.type) - 1]
        assert len(instance.encode()) <= 63 and "." not in instance


async def test_the_records_follow_the_profiles(camera: Camera) -> None:
    zeroconf = RecordingZeroconf()
    mdns = MdnsAdvertiser(camera, http_port=8080, rtsp_port=8554, addresses=lambda: ["192.0.2.10"],
                          zeroconf=zeroconf)
    await mdns.start()
    video = [p for p in camera.media.state.profiles if p.video_encoder]
    assert [kind for kind, _ in zeroconf.calls] == ["register"] * (1 + len(video))
    await mdns.refresh()
    assert len(zeroconf.calls) == 1 + len(video)  # nothing changed, nothing sent

    extra = camera.media.create_profile("Extra")
    await mdns.refresh()
    assert len(zeroconf.calls) == 1 + len(video)  # no video in it: no stream to announce
    camera.media.update_profile(extra.token, add={"VideoSource": video[0].video_source,
                                                  "VideoEncoder": video[0].video_encoder})
    await mdns.refresh()
    [(kind, name)] = zeroconf.calls[1 + len(video):]
    assert kind == "register" and "Extra" in name
    camera.media.delete_profile(extra.token)
    await mdns.refresh()
    assert zeroconf.calls[-1] == ("unregister", name)

    mdns.http_port = 8081
    await mdns.refresh()
    assert zeroconf.calls[-1] == ("update", zeroconf.calls[0][1])
    await mdns.stop()
    assert mdns.names == [] and zeroconf.calls[-1][0] == "unregister"
