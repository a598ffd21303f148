"""Snapshots: `GET /snapshot/<profile token>.jpg` answers a JPEG of what the profile shows now.

The picture is the one the profile's stream shows (video.SceneRenderer): the
test card's scene at the video encoder's resolution, titled with the camera's
name, carrying the text OSDs of the profile's video source configuration and
painted over by its enabled privacy masks.  Whatever codec the encoder streams,
a snapshot is a JPEG, at the encoder's quality.

The route guards itself as the SOAP endpoint does, with the very same
Authenticator (one Digest secret, one replay guard): the IP address filter
answers 403, missing or wrong credentials a 401 carrying the same challenges.
Snapshots are media, so any user level may fetch them (access class READ_MEDIA).

A video source that plays a file shows a frame of that file instead, scaled to the
encoder's resolution, with no OSD or masks (its streams carry none either): the frame
where the profile's file stream is in its loop, or, with no stream running, the wall
clock's seconds modulo the clip's length.

Model reads happen on the event loop; the slow part (building a renderer
once per size, then render, RGB conversion and JPEG encoding) runs in a worker thread.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from onvif_device.camera import Camera
from onvif_device.camera.errors import OnvifError
from onvif_device.camera.media import uris
from onvif_device.camera.media.state import MaskState, OSDState
from onvif_device.http_guard import refusal
from onvif_device.soap.access import AccessClass
from onvif_device.soap.auth import Authenticator
from onvif_device.streaming.media.clip import clip_still
from onvif_device.streaming.metadata_document import PtzReading
from onvif_device.video import MaskSpec, SceneRenderer, encode_jpeg
from onvif_device.video.look import Look

log = logging.getLogger("onvif_device.snapshot")

_JPEG_EXTENSION = ".jpg"


class NoSnapshot(Exception):
    """The path names no profile that can show a picture; the message says why (a 404)."""


# --- the path ------------------------------------------------------------------------------


def profile_token_of(raw_path: str) -> str | None:
    """The profile token in a still percent-encoded snapshot path, or None when it is not one.

    The encoded path is parsed, not the decoded one, so a token holding "/" still works.
    """
    if not raw_path.startswith(uris.SNAPSHOT_PREFIX) or not raw_path.endswith(_JPEG_EXTENSION):
        return None
    encoded = raw_path[len(uris.SNAPSHOT_PREFIX) : -len(_JPEG_EXTENSION)]
    if not encoded or "/" in encoded:
        return None
    return unquote(encoded)


# --- OSD text --------------------------------------------------------------------------------

# A run of one pattern letter is one field, as in .NET custom date and time formats;
# everything else is literal.
_FIELD = re.compile(r"([yMdHhmst])\1*")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December")  # fmt: skip
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def format_datetime(pattern: str, when: datetime) -> str:
    """`when` formatted by a .NET-style pattern such as "dddd, MMMM dd, yyyy" or "h:mm:ss tt".

    The names are English whatever the host's locale: GetOSDOptions offers no language.
    """
    return _FIELD.sub(lambda m: _field(m.group(1), len(m.group(0)), when), pattern)


def _field(letter: str, width: int, when: datetime) -> str:
    match letter:
        case "y":
            return f"{when.year % 100:0{width}d}" if width <= 2 else f"{when.year:0{width}d}"
        case "M" if width >= 3:
            name = _MONTHS[when.month - 1]
            return name if width >= 4 else name[:3]
        case "d" if width >= 3:
            name = _WEEKDAYS[when.weekday()]
            return name if width >= 4 else name[:3]
        case "t":
            marker = "AM" if when.hour < 12 else "PM"
            return marker[:width]
    value = {"M": when.month, "d": when.day, "H": when.hour, "h": when.hour % 12 or 12,
             "m": when.minute, "s": when.second}[letter]  # fmt: skip
    return f"{value:0{min(width, 2)}d}"


def osd_text(osd: OSDState, when: datetime) -> str | None:
    """The line a text OSD shows at local time `when`; None for an image OSD."""
    if osd.kind != "Text":
        return None
    match osd.text_type:
        case "Plain":
            return osd.plain_text
        case "Date":
            return format_datetime(osd.date_format, when)
        case "Time":
            return format_datetime(osd.time_format, when)
    return f"{format_datetime(osd.date_format, when)} {format_datetime(osd.time_format, when)}"


# --- privacy masks ---------------------------------------------------------------------------


def mask_spec(mask: MaskState, width: int, height: int) -> MaskSpec:
    # Mask points are normalized: x from -1 (left) to 1 (right), y from 1 (top) to -1 (bottom).
    polygon = tuple(((p.x + 1) / 2 * width, (1 - p.y) / 2 * height) for p in mask.points)
    return MaskSpec(mask.kind, polygon, ycbcr_to_rgb(mask.color or (16.0, 128.0, 128.0)))


def ycbcr_to_rgb(ycbcr: tuple[float, float, float]) -> tuple[int, int, int]:
    """BT.601 with studio range (Y 16..235), the range whose black, (16, 128, 128), is the default."""
    y, cb, cr = ycbcr[0] - 16, ycbcr[1] - 128, ycbcr[2] - 128
    rgb = (1.164 * y + 1.596 * cr, 1.164 * y - 0.392 * cb - 0.813 * cr, 1.164 * y + 2.017 * cb)
    return tuple(min(255, max(0, round(c))) for c in rgb)  # type: ignore[return-value]


# --- what a profile shows ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SnapshotSpec:
    """Everything a snapshot depends on, read from the model at one moment."""

    width: int
    height: int
    quality: int  # JPEG, 1..95
    title: str
    when: datetime  # the camera's local wall time, which the OSD lines show
    utc: datetime  # the same moment, aware: the caption's clock and the stamp
    overlay: tuple[str, ...]
    masks: tuple[MaskSpec, ...]
    file: Path | None = None  # the clip the video source loops instead of the test card
    intruder: float | None = None  # how far the intruder of the source's motion has walked, if there is motion
    # Where the PTZ head on this profile's video source looks (its own frame), and whether EFlip turns it over.
    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 0.0
    flipped: bool = False
    ptz: PtzReading | None = None  # the profile's PTZ status, in its configuration's frame, for metadata
    look: Look = Look()  # what the source's imaging settings do to the picture


def jpeg_quality(encoder_quality: float) -> int:
    """ONVIF Quality (0..100, higher is better) as a JPEG quality from 1 to 95.

    Above 95 Pillow's files grow a lot for no visible gain, so the top of the range stops there.
    """
    return 1 + round(min(100.0, max(0.0, encoder_quality)) * 94 / 100)


def snapshot_spec(camera: Camera, profile_token: str) -> SnapshotSpec:
    """What profile `profile_token` shows now; raises NoSnapshot when it shows nothing."""
    media = camera.media
    try:
        profile = media.profile(profile_token)
    except OnvifError:
        raise NoSnapshot(f"no media profile with token {profile_token!r}") from None
    if profile.video_source is None or profile.video_encoder is None:
        raise NoSnapshot(f"profile {profile.token!r} has no video source or no video encoder, so no picture")
    try:
        encoder = media.configuration("VideoEncoder", profile.video_encoder)
        osds = media.overlays.osds(profile.video_source)
        masks = media.overlays.masks(configuration_token=profile.video_source)
        source = media.hardware.video_source(media.configuration("VideoSource", profile.video_source).source_token)
    except OnvifError as error:  # a dangling link; the model should not let one exist
        raise NoSnapshot(f"profile {profile.token!r}: {error.reason}") from None
    now = camera.clock.get_system_date_and_time()
    when = now.local
    aim = _aim(camera, profile.ptz, source.token if source is not None else None)
    return SnapshotSpec(
        **aim,
        width=encoder.width,
        height=encoder.height,
        quality=jpeg_quality(encoder.quality),
        title=camera.identity.name,
        when=when,
        utc=now.utc,
        overlay=tuple(text for osd in osds if (text := osd_text(osd, when))),
        masks=tuple(mask_spec(m, encoder.width, encoder.height) for m in masks if m.enabled),
        file=source.file.path if source is not None and source.file is not None else None,
        intruder=camera.motion.progress(source.token) if source is not None else None,
        look=camera.imaging.look(source.token) if source is not None else Look(),
    )


def _aim(camera: Camera, ptz_token: str | None, source_token: str | None) -> dict:
    """Pan, tilt, zoom and flip of the head on the source, and the status the profile's PTZ configuration reads."""
    head = camera.ptz
    if head is None or source_token != head.video_source:
        return {}
    view = head.view()
    aim: dict = {"pan": view.pan, "tilt": view.tilt, "zoom": view.zoom, "flipped": view.flipped}
    if ptz_token is not None:
        try:
            status = head.status(camera.media.configuration("PTZ", ptz_token))
        except OnvifError:
            return aim
        moving = status.pan_tilt_moving or status.zoom_moving
        aim["ptz"] = PtzReading(status.pan, status.tilt, status.zoom, moving)
    return aim


class FileLoops:
    """When each file's latest stream started (monotonic), so a snapshot shows where it is."""

    def __init__(self) -> None:
        self._started: dict[Path, float] = {}

    def started(self, path: Path, monotonic: float) -> None:
        self._started[path] = monotonic

    def seconds_into(self, path: Path) -> float:
        """How far into its loop the file is; the caller takes it modulo the clip's length."""
        start = self._started.get(path)
        return time.monotonic() - start if start is not None else time.time()


class CardCache:
    """Scene renderers by (width, height, title): building one takes up to half a second."""

    def __init__(self, capacity: int = 8) -> None:
        self._cards: OrderedDict[tuple[int, int, str], SceneRenderer] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()
        self.loops = FileLoops()  # file-sourced profiles: the streaming engine says where they play

    def get(self, width: int, height: int, title: str) -> SceneRenderer:
        key = (width, height, title)
        with self._lock:
            card = self._cards.get(key)
            if card is None:
                # Built under the lock, so clients asking for one new size at once cause one build, not
                # several; builds are rare (one per size), so a single lock is simpler than one per key.
                card = self._cards[key] = SceneRenderer(width, height, title)
                if len(self._cards) > self._capacity:
                    self._cards.popitem(last=False)
            self._cards.move_to_end(key)
            return card


def render_snapshot(spec: SnapshotSpec, cards: CardCache) -> bytes:
    """The JPEG for `spec`.  Slow (milliseconds to a few hundred): call it off the event loop.

    The stream's own renderer draws it, masks included, so a snapshot shows what the stream
    shows; a snapshot is no stream frame, so its counter and stamp say frame 0.
    """
    if spec.file is not None:
        still = clip_still(spec.file, cards.loops.seconds_into(spec.file), spec.width, spec.height)
        return encode_jpeg(still, spec.quality)
    renderer = cards.get(spec.width, spec.height, spec.title)
    frame = renderer.render(
        spec.utc,
        0,
        pan=spec.pan,
        tilt=spec.tilt,
        zoom=spec.zoom,
        flipped=spec.flipped,
        look=spec.look,
        overlay=spec.overlay,
        masks=spec.masks,
        intruder=spec.intruder,
    )
    return encode_jpeg(frame.to_image(), spec.quality)


# --- the HTTP route --------------------------------------------------------------------------


class SnapshotRoute:
    """The endpoint behind `Route(SNAPSHOT_PREFIX + "{name:path}", route.get, methods=["GET"])`."""

    def __init__(self, camera: Camera, authenticator: Authenticator | None, cards: CardCache | None = None) -> None:
        self.camera = camera
        self.authenticator = authenticator  # None: authentication is off
        self.cards = cards or CardCache()

    async def get(self, request: Request) -> Response:
        denied = refusal(self.camera, self.authenticator, request, AccessClass.READ_MEDIA, "fetch snapshots")
        if denied is not None:
            return denied
        raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
        token = profile_token_of(raw_path.decode("latin-1"))
        if token is None:
            return PlainTextResponse(f"snapshots are served at {uris.SNAPSHOT_PREFIX}<profile token>.jpg\n", 404)
        try:
            spec = snapshot_spec(self.camera, token)
        except NoSnapshot as missing:
            return PlainTextResponse(f"{missing}\n", 404)
        try:
            jpeg = await run_in_threadpool(render_snapshot, spec, self.cards)
        except Exception:
            log.exception("snapshot of profile %r at %dx%d failed", token, spec.width, spec.height)
            return PlainTextResponse(f"the snapshot of profile {token!r} could not be rendered\n", 503)
        return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})
