"""Where a profile's streams and snapshots are served: one path per profile and transport.

The RTSP server and the snapshot route resolve the same paths these build,
so a URI handed out over SOAP always names something that is served.
Paths carry the profile token, which is stable across restarts.
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

STREAM_PREFIX = "/stream/"
SNAPSHOT_PREFIX = "/snapshot/"
MULTICAST_SUFFIX = "/multicast"
WEBSOCKET_PATH = "/rtsp-over-websocket"  # RTSP over WebSocket, on the web service port


def stream_path(profile_token: str, *, multicast: bool = False) -> str:
    return STREAM_PREFIX + quote(profile_token, safe="") + (MULTICAST_SUFFIX if multicast else "")


def parse_stream_path(path: str) -> tuple[str, bool] | None:
    """(profile token, multicast) for a stream path, or None when it is not one."""
    if not path.startswith(STREAM_PREFIX):
        return None
    rest = path[len(STREAM_PREFIX) :]
    multicast = rest.endswith(MULTICAST_SUFFIX)
    if multicast:
        rest = rest[: -len(MULTICAST_SUFFIX)]
    if not rest or "/" in rest:
        return None
    return unquote(rest), multicast


def snapshot_path(profile_token: str) -> str:
    return SNAPSHOT_PREFIX + quote(profile_token, safe="") + ".jpg"


def stream_uri(base_url: str, scheme: str, port: int, path: str) -> str:
    """`scheme://<host of base_url>:<port><path>`: same address the SOAP answer came from."""
    host = urlsplit(base_url).hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}{path}"
