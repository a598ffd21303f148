"""Stream and snapshot URIs, the same for Media and Media2.

The host is the one the client reached the SOAP service on (the advertise
address), so the URIs work from wherever the client sits.  RTSP over HTTP
is served on the RTSP port: the server tells the tunnel's HTTP GET/POST
from an RTSP request by its first line.
"""

from __future__ import annotations

from onvif_device.camera.errors import ActionFailed
from onvif_device.camera.media import uris
from onvif_device.camera.media.state import ProfileState
from onvif_device.soap.operations import Context


def stream_uri(ctx: Context, profile_token: str, *, multicast: bool = False, over_http: bool = False) -> str:
    camera = ctx.camera
    profile = camera.media.profile(profile_token)
    _require_stream(profile)
    path = uris.stream_path(profile.token, multicast=multicast)
    return uris.stream_uri(ctx.base_url, "http" if over_http else "rtsp", camera.rtsp_port, path)


def snapshot_uri(ctx: Context, profile_token: str) -> str:
    profile = ctx.camera.media.profile(profile_token)
    if profile.video_source is None or profile.video_encoder is None:
        raise ActionFailed(
            "IncompleteConfiguration", f"profile {profile.token} needs a video source and a video encoder for snapshots"
        )
    return ctx.base_url + uris.snapshot_path(profile.token)


def _require_stream(profile: ProfileState) -> None:
    has_video = profile.video_source is not None and profile.video_encoder is not None
    has_audio = profile.audio_source is not None and profile.audio_encoder is not None
    if not (has_video or has_audio or profile.metadata is not None):
        raise ActionFailed(
            "IncompleteConfiguration",
            f"profile {profile.token} has nothing to stream: add a video source and encoder, audio or metadata",
        )
