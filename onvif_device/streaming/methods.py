"""The RTSP methods (RFC 2326 as the ONVIF Streaming spec profiles it), one handler each.

Handlers get a parsed request and the connection it came on and return a
`Reply`; anything that must happen after the reply is on the wire (PLAY
starts sending only after its 200 went out) is the reply's `then`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from onvif_device.camera.errors import OnvifError
from onvif_device.camera.media import uris
from onvif_device.soap.access import AccessClass, allowed
from onvif_device.soap.auth import ANONYMOUS, Challenge
from onvif_device.streaming.plan import (
    AUDIO,
    BACKCHANNEL,
    METADATA,
    VIDEO,
    NoStream,
    StreamPlan,
)
from onvif_device.streaming.rtsp import (
    Request,
    TransportError,
    TransportSpec,
    parse_transports,
)
from onvif_device.streaming.rtsp.headers import (
    HeaderError,
    format_session,
    parse_require,
    parse_session,
)
from onvif_device.streaming.sdp import MediaSection, session_description
from onvif_device.streaming.session import (
    INIT,
    PLAYING,
    READY,
    InterleavedTrack,
    MulticastTrack,
    Session,
    UdpTrack,
)

if TYPE_CHECKING:
    from onvif_device.streaming.connection import RtspConnection
    from onvif_device.streaming.engine import StreamingEngine

log = logging.getLogger("onvif_device.streaming")

BACKCHANNEL_TAG = "www.onvif.org/ver20/backchannel"
SUPPORTED_OPTIONS = {BACKCHANNEL_TAG}
PUBLIC = "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER"
TRACK_NAMES = (VIDEO, AUDIO, METADATA, BACKCHANNEL)


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    reason: str | None = None  # the status line's phrase, when the standard one says too little
    then: Callable[[], None] | None = None
    close: bool = False  # close the connection after this reply


def error(status: int, why: str, *headers: tuple[str, str]) -> Reply:
    """An error reply whose body says what was wrong, in plain text."""
    return Reply(status, [("Content-Type", "text/plain"), *headers], (why + "\n").encode())


@dataclass(frozen=True, slots=True)
class Target:
    profile_token: str
    multicast: bool
    track: str | None  # None: the whole presentation (aggregate control)
    base: str  # the presentation URL as the client wrote it, without the track part


def parse_target(uri: str) -> Target | None:
    parts = urlsplit(uri)
    path = parts.path.rstrip("/")
    track = None
    head, _, last = path.rpartition("/")
    if last in TRACK_NAMES:
        track, path = last, head
    found = uris.parse_stream_path(path)
    if found is None:
        return None
    token, multicast = found
    base = uri.split("?", 1)[0].rstrip("/")
    if track is not None:
        base = base[: -len(track) - 1]
    return Target(token, multicast, track, base)


class RtspMethods:
    def __init__(self, engine: StreamingEngine) -> None:
        self.engine = engine
        self.handlers = {
            "OPTIONS": self.options,
            "DESCRIBE": self.describe,
            "SETUP": self.setup,
            "PLAY": self.play,
            "PAUSE": self.pause,
            "TEARDOWN": self.teardown,
            "GET_PARAMETER": self.keep_alive,
            "SET_PARAMETER": self.keep_alive,
        }

    async def handle(self, request: Request, conn: RtspConnection) -> Reply:
        handler = self.handlers.get(request.method)
        if handler is None:
            return error(501, f"method {request.method} is not implemented", ("Public", PUBLIC))
        if request.method != "OPTIONS":
            refusal = self._refusal(request, conn)
            if refusal is not None:
                return refusal
        required = parse_require(request.headers.get("Require") or "")
        unsupported = [tag for tag in required if tag not in SUPPORTED_OPTIONS]
        if unsupported:
            return error(551, f"option not supported: {', '.join(unsupported)}", ("Unsupported", ", ".join(unsupported)))
        return await handler(request, conn)

    # --- authentication -------------------------------------------------------------------

    def _refusal(self, request: Request, conn: RtspConnection) -> Reply | None:
        camera = self.engine.camera
        if not camera.network.ip_allowed(conn.link.peer[0]):
            return error(403, "address refused by the camera's IP address filter")
        authenticator = self.engine.authenticator
        if authenticator is None:
            return None
        try:
            caller = authenticator.identify(request.method, request.uri, request.headers.get("Authorization"))
        except Challenge as challenge:
            return _challenge(challenge.headers, challenge.reason)
        except OnvifError as exc:
            challenge = authenticator.challenge(exc.reason)
            return _challenge(challenge.headers, challenge.reason)
        if caller is ANONYMOUS:
            challenge = authenticator.challenge("streams require authentication")
            return _challenge(challenge.headers, challenge.reason)
        if not allowed(caller.level, AccessClass.READ_MEDIA):
            return error(403, f"user {caller.username!r} ({caller.level}) may not stream")
        conn.username = caller.username
        return None

    # --- methods --------------------------------------------------------------------------

    async def options(self, request: Request, conn: RtspConnection) -> Reply:
        self._touch(request)
        return Reply(200, [("Public", PUBLIC)])

    async def describe(self, request: Request, conn: RtspConnection) -> Reply:
        target = parse_target(request.uri)
        if target is None:
            return error(404, f"no stream at {request.uri}; streams are served at {uris.STREAM_PREFIX}<profile token>")
        accept = request.headers.get("Accept")
        if accept and "application/sdp" not in accept and "*/*" not in accept:
            return error(406, f"the description is application/sdp, not {accept}")
        try:
            plan = self.engine.plan(target.profile_token)
        except NoStream as missing:
            return error(404, str(missing))
        backchannel = BACKCHANNEL_TAG in parse_require(request.headers.get("Require") or "")
        if backchannel and not plan.backchannel:
            return error(
                551,
                f"profile {plan.profile_token!r} has no audio output and decoder for a back channel",
                ("Unsupported", BACKCHANNEL_TAG),
            )
        formats = await self.engine.formats(plan)
        if target.multicast and not all(plan.multicast[t].port for t in plan.tracks):
            return error(404, f"profile {plan.profile_token!r} has no multicast port set for every track")
        sections = [
            MediaSection(
                fmt,
                f"{target.base}/{track}",
                bandwidth_kbps=_bandwidth(plan, track),
                multicast=_group(plan, track) if target.multicast else None,
            )
            for track, fmt in formats.items()
        ]
        if backchannel:
            sections.append(MediaSection(self.engine.backchannel_format, f"{target.base}/{BACKCHANNEL}", "sendonly"))
        camera = self.engine.camera
        body = session_description(
            origin=self.engine.advertise,
            session_id=self.engine.sdp_session_id,
            version=self.engine.sdp_version,
            name=f"{camera.identity.name} {plan.profile_token}",
            sections=sections,
        )
        headers = [("Content-Type", "application/sdp"), ("Content-Base", target.base + "/")]
        return Reply(200, headers, body)

    async def setup(self, request: Request, conn: RtspConnection) -> Reply:
        target = parse_target(request.uri)
        if target is None:
            return error(404, f"no stream at {request.uri}")
        try:
            plan = self.engine.plan(target.profile_token)
        except NoStream as missing:
            return error(404, str(missing))
        track = target.track or (plan.tracks[0] if len(plan.tracks) == 1 else None)
        if track is None:
            return error(459, "SETUP names one track; the presentation has several (see DESCRIBE)")
        if track == BACKCHANNEL and not plan.backchannel:
            return error(404, f"profile {plan.profile_token!r} has no audio back channel")
        if track != BACKCHANNEL and track not in plan.tracks:
            return error(404, f"profile {plan.profile_token!r} has no {track} track")

        session = None
        if request.headers.get("Session"):
            session, refusal = self._session_of(request)
            if refusal is not None:
                return refusal
            if session.profile_token != plan.profile_token:
                return error(459, "a session plays one profile; this SETUP names another")
            if session.state == PLAYING and track not in session.tracks:
                return error(455, "tracks cannot be added while playing", ("Allow", "PAUSE, TEARDOWN"))
        elif not self.engine.has_room():
            return error(453, f"the camera serves at most {self.engine.max_sessions} RTSP sessions")

        try:
            offers = parse_transports(request.headers.get("Transport") or "")
        except TransportError as exc:
            return error(400, f"Transport header: {exc}")
        if not offers:
            return error(461, "SETUP needs a Transport header")
        choice = self._choose_transport(offers, plan, track, target, conn, session)
        if isinstance(choice, Reply):
            return choice
        transport, reply_spec = choice

        if session is None:
            session = self.engine.new_session(plan, conn)
        session.touch()
        if track == BACKCHANNEL:
            session.backchannel = transport
            self.engine.watch_backchannel(session, transport)
        else:
            session.tracks[track] = transport
        if isinstance(transport, MulticastTrack):
            session.multicast = True
        if session.state == INIT:
            session.state = READY
        headers = [
            ("Transport", reply_spec.format()),
            ("Session", format_session(session.id, session.timeout)),
        ]
        return Reply(200, headers)

    def _choose_transport(self, offers, plan: StreamPlan, track, target: Target, conn, session):
        why = []
        for offer in offers:
            if offer.protocol.upper() != "RTP/AVP":
                why.append(f"{offer.protocol} is not offered")
                continue
            if offer.multicast:
                if track == BACKCHANNEL:
                    why.append("the back channel is unicast only")
                    continue
                group = plan.multicast.get(track)
                if group is None or not group.address or not group.port:
                    why.append(f"profile {plan.profile_token!r} has no multicast group for {track}")
                    continue
                spec = TransportSpec(
                    multicast=True,
                    destination=group.address,
                    port=(group.port, group.port + 1),
                    ttl=group.ttl,
                    source=self.engine.advertise,
                )
                return MulticastTrack(group.address, group.port, group.ttl), spec
            if target.multicast:
                why.append("this URI is the multicast stream: SETUP with a multicast transport")
                continue
            if offer.lower == "TCP":
                channels = offer.interleaved or conn.free_channels()
                if session is not None and session.link is not conn.link:
                    why.append("interleaved tracks of one session must share its connection")
                    continue
                spec = TransportSpec(lower="TCP", interleaved=channels, ssrc=self.engine.ssrc_text(plan, track))
                conn.claim_channels(channels)
                return InterleavedTrack(conn.link, channels[0], channels[1]), spec
            if offer.client_port is None:
                why.append("UDP needs client_port")
                continue
            udp = self.engine.udp
            if udp is None or conn.kind != "tcp":
                why.append("UDP is offered only to clients on the RTSP port")
                continue
            host = conn.link.peer[0]
            spec = TransportSpec(
                client_port=offer.client_port, server_port=udp.ports, ssrc=self.engine.ssrc_text(plan, track)
            )
            return UdpTrack(udp.rtp, udp.rtcp, host, *offer.client_port), spec
        return error(461, "no offered transport can be served: " + "; ".join(why))

    async def play(self, request: Request, conn: RtspConnection) -> Reply:
        session, refusal = self._session_of(request)
        if refusal is not None:
            return refusal
        if session.state == INIT or not (session.tracks or session.backchannel):
            return error(455, "PLAY before SETUP", ("Allow", "SETUP, TEARDOWN"))
        target = parse_target(request.uri)
        if target is None or target.profile_token != session.profile_token:
            return error(404, f"this session plays profile {session.profile_token!r}, not {request.uri}")
        headers = [("Session", format_session(session.id, session.timeout)), ("Range", "npt=now-")]
        if session.state == PLAYING:
            return Reply(200, headers)  # a keep-alive PLAY, as some clients send
        try:
            starts = await self.engine.play(session)
        except NoStream as missing:
            return error(404, str(missing))
        base = target.base
        info = [f"url={base}/{track};seq={seq};rtptime={ts}" for track, (seq, ts) in starts.items() if track in session.tracks]
        if info:
            headers.append(("RTP-Info", ",".join(info)))
        session.state = PLAYING
        return Reply(200, headers, then=lambda: self.engine.start_sending(session))

    async def pause(self, request: Request, conn: RtspConnection) -> Reply:
        session, refusal = self._session_of(request)
        if refusal is not None:
            return refusal
        if session.state == INIT:
            return error(455, "PAUSE before SETUP", ("Allow", "SETUP, TEARDOWN"))
        if session.state == PLAYING:
            self.engine.pause(session)
            session.state = READY
        return Reply(200, [("Session", format_session(session.id, session.timeout))])

    async def teardown(self, request: Request, conn: RtspConnection) -> Reply:
        session, refusal = self._session_of(request)
        if refusal is not None:
            return refusal
        self.engine.end_session(session, "TEARDOWN")
        return Reply(200, [("Session", session.id)])

    async def keep_alive(self, request: Request, conn: RtspConnection) -> Reply:
        if request.headers.get("Session"):
            session, refusal = self._session_of(request)
            if refusal is not None:
                return refusal
            return Reply(200, [("Session", format_session(session.id, session.timeout))])
        return Reply(200)

    # --- helpers --------------------------------------------------------------------------

    def _session_of(self, request: Request) -> tuple[Session | None, Reply | None]:
        header = request.headers.get("Session")
        if not header:
            return None, error(454, f"{request.method} needs the Session header from SETUP")
        try:
            session_id, _ = parse_session(header)
        except HeaderError as exc:
            return None, error(400, f"Session header: {exc}")
        session = self.engine.sessions.get(session_id)
        if session is None:
            return None, error(454, f"session {session_id} not found (it may have timed out)")
        session.touch()
        return session, None

    def _touch(self, request: Request) -> None:
        if request.headers.get("Session"):
            self._session_of(request)


def _challenge(headers: list[str], reason: str) -> Reply:
    return error(401, f"authentication needed: {reason}", *(("WWW-Authenticate", value) for value in headers))


def _bandwidth(plan: StreamPlan, track: str) -> int | None:
    if track == VIDEO and plan.video is not None:
        return plan.video.bitrate_kbps
    if track == AUDIO and plan.audio is not None:
        return plan.audio.bitrate_kbps
    return None


def _group(plan: StreamPlan, track: str) -> tuple[str, int, int] | None:
    group = plan.multicast.get(track)
    return (group.address, group.port, group.ttl) if group else None
