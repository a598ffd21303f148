"""Stream and snapshot URIs, the same for Media and Media2.

The host is the one the client reached the SOAP service on (the advertise
address), so the URIs work from wherever the client sits.  RTSP over HTTP
is tunnelled through the web service's own port, as the Media specs require
(one port to open through NAT), so its URI is the service's base URL.
"""

from __future__ import annotations

import ipaddress

from onvif_device.camera.errors import ActionFailed, InvalidArgVal
from onvif_device.camera.media import Media, uris
from onvif_device.camera.media.state import ProfileState
from onvif_device.soap.operations import Context


def stream_uri(ctx: Context, profile_token: str, *, multicast: bool = False, over_http: bool = False) -> str:
    camera = ctx.camera
    profile = camera.media.profile(profile_token)
    _require_stream(profile)
    if multicast:
        _require_multicast(camera.media, profile)
    path = uris.stream_path(profile.token, multicast=multicast)
    if over_http:
        return ctx.base_url + path
    return uris.stream_uri(ctx.base_url, "rtsp", camera.rtsp_port, path)


def snapshot_uri(ctx: Context, profile_token: str) -> str:
    profile = ctx.camera.media.profile(profile_token)
    if profile.video_source is None or profile.video_encoder is None:
        raise ActionFailed(
            "IncompleteConfiguration", f"profile {profile.token} needs a video source and a video encoder for snapshots"
        )
    return ctx.base_url + uris.snapshot_path(profile.token)


def _require_multicast(media: Media, profile: ProfileState) -> None:
    groups = [
        cfg.multicast
        for kind in ("VideoEncoder", "AudioEncoder", "Metadata")
        if (cfg := media.in_profile(kind, profile)) is not None
    ]
    if not any(not ipaddress.ip_address(m.address).is_unspecified and m.port for m in groups):
        raise InvalidArgVal(
            "InvalidMulticastSettings", f"no configuration of profile {profile.token} has a multicast address and port"
        )


def _require_stream(profile: ProfileState) -> None:
    has_video = profile.video_source is not None and profile.video_encoder is not None
    has_audio = profile.audio_source is not None and profile.audio_encoder is not None
    if not (has_video or has_audio or profile.metadata is not None):
        raise ActionFailed(
            "IncompleteConfiguration",
            f"profile {profile.token} has nothing to stream: add a video source and encoder, audio or metadata",
        )
