"""A camera's streaming engine: its live streams, RTSP sessions, UDP sockets and timers.

The RTSP carriers (TCP server, HTTP tunnel, WebSocket) hand connections to
it; the methods module answers requests through it.  It follows the media
model: an encoder change reaches live streams, a codec change or a deleted
profile ends them (their SDP no longer holds), SetSynchronizationPoint asks
for a key frame, and StartMulticastStreaming starts the profile's
multicast sender.  A profile whose video source plays a file streams it
through file_loop.FileLoopSource, its SDP carrying the file's parameter sets
when the file's units go out as they are.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time

from onvif_device.camera import Camera
from onvif_device.camera.errors import OnvifError
from onvif_device.camera.events import Message
from onvif_device.events.filters import (
    EventFilter,
    FilterError,
    topic_expression_filter,
)
from onvif_device.snapshot import CardCache, NoSnapshot, snapshot_spec
from onvif_device.soap.auth import Authenticator
from onvif_device.streaming.connection import RtspConnection
from onvif_device.streaming.file_loop import FileLoopSource, file_parameter_sets
from onvif_device.streaming.media import BackchannelSink, VideoEncoder, VideoSettings
from onvif_device.streaming.methods import RtspMethods
from onvif_device.streaming.plan import METADATA, NoStream, StreamPlan, stream_plan
from onvif_device.streaming.rtp import PcmuFormat, RtpFormat, RtpPacket, parse_compound
from onvif_device.streaming.session import (
    InterleavedTrack,
    MulticastTrack,
    Session,
    UdpTrack,
)
from onvif_device.streaming.source import LiveSource, Picture
from onvif_device.streaming.stream import Stream, track_formats
from onvif_device.streaming.udp import MulticastSender, UdpPair

log = logging.getLogger("onvif_device.streaming")

REPORT_INTERVAL = 5.0  # seconds between RTCP sender reports
TICK = 1.0  # seconds between session reaping and multicast reconciling


class StreamingEngine:
    def __init__(self, camera: Camera, authenticator: Authenticator | None, *, max_sessions: int = 200) -> None:
        self.camera = camera
        self.authenticator = authenticator
        self.max_sessions = max_sessions
        self.methods = RtspMethods(self)
        self.advertise = "0.0.0.0"
        self.sessions: dict[str, Session] = {}
        self._sessions_on: dict[object, set[Session]] = {}  # by the link they were set up on
        self.streams: dict[str, Stream] = {}
        self.connections: set[RtspConnection] = set()
        self.multicast: dict[str, MulticastSender] = {}
        self.udp: UdpPair | None = None
        self.renderers = CardCache()  # shared with the snapshot route: one panorama per size
        self.backchannel_format: RtpFormat = PcmuFormat()
        self.backchannel_audio: dict[str, BackchannelSink] = {}  # session id -> what it sent
        self.sdp_session_id = random.getrandbits(32)
        self.sdp_version = 1
        self._parameter_sets: dict[object, asyncio.Future] = {}  # by VideoSettings, or FilePlan
        self._drawn: set[tuple[int, int, str]] = set()
        self._auto_start: set[str] | None = None
        self._timers: list[asyncio.Task] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: list = []
        self._event_filters: dict[str, EventFilter | None] = {}

    # --- life cycle -----------------------------------------------------------------------

    async def start(self, host: str, advertise: str) -> None:
        self._loop = asyncio.get_running_loop()
        self.advertise = advertise
        try:
            self.udp = await UdpPair.open(host, self._rtp_received, self._rtcp_received)
        except OSError as exc:
            log.warning("%s; RTP over UDP is off, TCP and HTTP still stream", exc)
        loop = self._loop
        self._unsubscribe = [
            self.camera.subscribe_media(lambda change: loop.call_soon_threadsafe(self._media_changed)),
            self.camera.subscribe_sync_points(lambda token: loop.call_soon_threadsafe(self._sync_point, token)),
            self.camera.events.subscribe(self._event),
        ]
        self._timers = [
            loop.create_task(self._every(REPORT_INTERVAL, self._send_reports)),
            loop.create_task(self._every(TICK, self._tick)),
        ]

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        for timer in self._timers:
            timer.cancel()
        for timer in self._timers:
            with contextlib.suppress(asyncio.CancelledError):
                await timer
        for connection in list(self.connections):
            connection.close()
        for session in list(self.sessions.values()):
            self.end_session(session, "camera stopping")
        for stream in list(self.streams.values()):
            stream.end("camera stopping")
        for sender in self.multicast.values():
            sender.close()
        self.multicast.clear()
        if self.udp is not None:
            self.udp.close()
            self.udp = None

    async def _every(self, seconds: float, action) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                action()
            except Exception:
                log.exception("streaming timer failed")

    # --- plans and formats ----------------------------------------------------------------

    def plan(self, profile_token: str) -> StreamPlan:
        return stream_plan(self.camera, profile_token)

    async def formats(self, plan: StreamPlan) -> dict[str, RtpFormat]:
        """The tracks' RTP formats; H.264/H.265 need the encoder's parameter sets for the SDP."""
        stream = self.streams.get(plan.profile_token)
        if stream is not None and stream.plan == plan:
            return stream.formats
        sets: tuple[bytes, ...] = ()
        if plan.video is not None:
            if plan.file is None:
                self._draw_ahead(plan)
            if plan.video.codec in ("H264", "H265"):
                if _passthrough(plan):
                    sets = await self._once(self._parameter_sets, plan.file, file_parameter_sets, plan.file.path)
                else:
                    sets = await self._once(self._parameter_sets, plan.video, _parameter_sets, plan.video)
        return track_formats(plan, sets)

    def _draw_ahead(self, plan: StreamPlan) -> None:
        """A PLAY usually follows a DESCRIBE: have the picture of this size drawn by then."""
        key = (plan.video.width, plan.video.height, self.camera.identity.name)
        if key not in self._drawn:
            self._drawn.add(key)
            self._loop.run_in_executor(None, self.renderers.get, *key)

    async def _once(self, cache: dict, key, work, *args):
        """`work(*args)` in a worker thread, once per key however many requests ask at once."""
        future = cache.get(key)
        if future is None:
            future = cache[key] = self._loop.run_in_executor(None, work, *args)
        try:
            return await asyncio.shield(future)
        except Exception:
            cache.pop(key, None)  # a failure is not remembered: the next request tries again
            raise

    # --- sessions -------------------------------------------------------------------------

    def has_room(self) -> bool:
        return len(self.sessions) < self.max_sessions

    def new_session(self, plan: StreamPlan, conn: RtspConnection) -> Session:
        session = Session(plan.profile_token, plan.session_timeout, self._session_stream_ended)
        session.link = conn.link
        session.username = conn.username
        self.sessions[session.id] = session
        self._sessions_on.setdefault(conn.link, set()).add(session)
        return session

    def ssrc_text(self, plan: StreamPlan, track: str) -> str | None:
        stream = self.streams.get(plan.profile_token)
        if stream is None or track not in stream.senders:
            return None
        return f"{stream.senders[track].ssrc:08X}"

    async def play(self, session: Session) -> dict[str, tuple[int, int]]:
        """Get the session's stream ready to send; returns where each track starts (RTP-Info)."""
        stream = self._stream(session.profile_token)
        if (
            stream.source is None
            and stream.plan.video is not None
            and stream.warm_encoder is None
            and not _passthrough(stream.plan)
        ):
            # Draw the picture and open the encoder before the clock starts, so the first frames
            # are not late (and dropped) while a new size's panorama is drawn.  Concurrent PLAYs
            # of a stream that is not running yet share one warm-up.
            if stream.warming is None:
                stream.warming = self._loop.run_in_executor(None, self._warm_up, stream.plan)
            encoder = await asyncio.shield(stream.warming)
            if stream.source is None and stream.warm_encoder is None:
                stream.warm_encoder = encoder
        return stream.starting_points()

    def _warm_up(self, plan: StreamPlan) -> VideoEncoder:
        if plan.file is None:
            self.renderers.get(plan.video.width, plan.video.height, self.camera.identity.name)
        return VideoEncoder(plan.video)

    def start_sending(self, session: Session) -> None:
        """After PLAY's reply: unicast tracks join the stream, multicast ones the group sender."""
        stream = self._stream(session.profile_token)
        if any(not isinstance(t, MulticastTrack) for t in session.tracks.values()):
            stream.attach(session)
        if METADATA in session.tracks:
            # A metadata viewer learns the state of every property first, as a new subscriber does.
            for message in self.camera.events.properties():
                self._offer_event(stream, message)
        if session.multicast:
            self._multicast_sender(session.profile_token).receivers.add(session)
            self._reconcile_multicast()

    def _event(self, message: Message) -> None:
        """From the camera's bus: every playing metadata track its filter admits gets the event."""
        for stream in self.streams.values():
            self._offer_event(stream, message)

    def _offer_event(self, stream: Stream, message: Message) -> None:
        metadata = stream.plan.metadata
        if stream.source is None or metadata is None or not metadata.events:
            return
        event_filter = self._event_filter(metadata.event_filter)
        if event_filter is not None and event_filter.matches(message):
            stream.source.offer_event(message)

    def _event_filter(self, expression: str) -> EventFilter | None:
        """The metadata configuration's filter, parsed once; None (no events) when it is not valid."""
        if expression not in self._event_filters:
            try:
                self._event_filters[expression] = topic_expression_filter(expression, self.camera.events.registry)
            except FilterError as error:
                log.warning("metadata event filter %r is not usable, so no events: %s", expression, error)
                self._event_filters[expression] = None
        return self._event_filters[expression]

    def pause(self, session: Session) -> None:
        stream = self.streams.get(session.profile_token)
        if stream is not None:
            stream.detach(session)
        sender = self.multicast.get(session.profile_token)
        if sender is not None:
            sender.receivers.discard(session)
            self._reconcile_multicast()

    def end_session(self, session: Session, reason: str) -> None:
        if self.sessions.pop(session.id, None) is None:
            return
        on_link = self._sessions_on.get(session.link)
        if on_link is not None:
            on_link.discard(session)
            if not on_link:
                del self._sessions_on[session.link]
        log.info("RTSP session %s of %s ended: %s", session.id, session.profile_token, reason)
        self.pause(session)

    def _session_stream_ended(self, session: Session, reason: str) -> None:
        self.end_session(session, reason)
        # The client learns it by its connection closing (interleaved); UDP clients time out.
        for connection in list(self.connections):
            if connection.link is session.link and any(
                isinstance(t, InterleavedTrack) for t in session.tracks.values()
            ):
                connection.close()

    def connection_closed(self, conn: RtspConnection) -> None:
        self.connections.discard(conn)
        for session in list(self._sessions_on.get(conn.link, ())):
            self.end_session(session, "connection closed")

    # --- streams --------------------------------------------------------------------------

    def _stream(self, profile_token: str) -> Stream:
        stream = self.streams.get(profile_token)
        if stream is None:
            plan = self.plan(profile_token)
            known = self._parameter_sets.get(plan.file if _passthrough(plan) else plan.video) if plan.video else None
            sets = known.result() if known is not None and known.done() and not known.exception() else ()
            formats = track_formats(plan, sets)
            stream = Stream(
                plan,
                formats,
                make_source=self._make_source,
                on_idle=self._stream_idle,
                cname=f"{self.camera.identity.serial_number}@{self.advertise}",
            )
            self.streams[profile_token] = stream
        return stream

    def _stream_idle(self, stream: Stream) -> None:
        if self.streams.get(stream.plan.profile_token) is stream:
            del self.streams[stream.plan.profile_token]

    def _make_source(self, stream: Stream) -> LiveSource:
        loop = self._loop
        token = stream.plan.profile_token

        def deliver(frame) -> None:
            loop.call_soon_threadsafe(stream.deliver, frame)

        def failed(reason: str) -> None:
            loop.call_soon_threadsafe(stream.end, reason)

        encoder, stream.warm_encoder = stream.warm_encoder, None
        kind: type[LiveSource] = LiveSource
        scene = {"renderer_for": self.renderers.get}
        file = stream.plan.file
        if file is not None and stream.plan.video is not None:
            self.renderers.loops.started(file.path, stream.source_start)  # where snapshots look
            kind, scene = FileLoopSource, {}
        return kind(
            stream.plan,
            stream.senders,
            picture=lambda: self._picture(token),
            deliver=deliver,
            wall_clock=self.camera.clock.utc_now,
            start=stream.source_start,
            on_failure=failed,
            video_encoder=encoder,
            **scene,
        )

    def _picture(self, profile_token: str) -> Picture:
        try:
            spec = snapshot_spec(self.camera, profile_token)
        except NoSnapshot:
            return Picture(width=0, height=0, title=self.camera.identity.name)
        return Picture(
            width=spec.width,
            height=spec.height,
            title=spec.title,
            overlay=spec.overlay,
            masks=spec.masks,
            pan=spec.pan,
            tilt=spec.tilt,
            zoom=spec.zoom,
            flipped=spec.flipped,
            look=spec.look,
            ptz=spec.ptz,
            intruder=spec.intruder,
        )

    def _media_changed(self) -> None:
        self.sdp_version += 1
        self._auto_start = None  # the multicast configurations may have changed
        for token, stream in list(self.streams.items()):
            try:
                plan = self.plan(token)
            except NoStream as gone:
                stream.end(str(gone))
                continue
            if plan == stream.plan:
                continue
            old = stream.plan
            same_shape = plan.tracks == old.tracks and (
                plan.video is None or old.video is None or plan.video.codec == old.video.codec
            ) and plan.audio == old.audio and plan.file == old.file
            if not same_shape:
                # A file switching between passthrough and re-encoding changes its parameter sets too.
                stream.end(f"profile {token!r} changed its tracks or codec; DESCRIBE it again")
                continue
            stream.plan = plan
            if stream.source is not None:
                stream.source.update(plan)

    def _sync_point(self, profile_token: str) -> None:
        stream = self.streams.get(profile_token)
        if stream is not None:
            stream.request_keyframe()

    # --- multicast ------------------------------------------------------------------------

    def _multicast_sender(self, profile_token: str) -> MulticastSender:
        sender = self.multicast.get(profile_token)
        if sender is None:
            plan = self.plan(profile_token)
            groups = {
                track: (group.address, group.port, group.ttl)
                for track, group in plan.multicast.items()
                if track in plan.tracks and group.address and group.port
            }
            sender = self.multicast[profile_token] = MulticastSender(profile_token, groups, self.advertise)
        return sender

    def _reconcile_multicast(self) -> None:
        """Multicast senders run while an RTSP session plays them or SOAP started them."""
        started = set(self.camera.media.multicast_started) | self._auto_started()
        for token in started:
            try:
                self._multicast_sender(token).receivers.add("soap")
            except (NoStream, OnvifError):
                continue
        for token, sender in list(self.multicast.items()):
            if token not in started:
                sender.receivers.discard("soap")
            stream = self.streams.get(token)
            if sender.receivers:
                stream = stream or self._stream(token)
                if sender not in stream.viewers:
                    stream.attach(sender)
            else:
                if stream is not None:
                    stream.detach(sender)
                sender.close()
                del self.multicast[token]

    def _auto_started(self) -> set[str]:
        """Profiles whose multicast configurations say AutoStart (kept until the media changes)."""
        if self._auto_start is not None:
            return self._auto_start
        tokens = set()
        for profile in self.camera.media.state.profiles:
            try:
                plan = self.plan(profile.token)
            except NoStream:
                continue
            if any(group.auto_start for track, group in plan.multicast.items() if track in plan.tracks):
                tokens.add(profile.token)
        self._auto_start = tokens
        return tokens

    # --- timers ---------------------------------------------------------------------------

    def _send_reports(self) -> None:
        for stream in list(self.streams.values()):
            stream.send_reports()

    def _tick(self) -> None:
        now = time.monotonic()
        for session in list(self.sessions.values()):
            interleaved = any(isinstance(t, InterleavedTrack) for t in session.tracks.values())
            # Interleaved sessions live as long as their connection does; the rest must speak up.
            if not interleaved and session.expired(now):
                self.end_session(session, f"no RTSP request or RTCP report for {session.timeout} s")
        self._reconcile_multicast()

    # --- what clients send ----------------------------------------------------------------

    def interleaved_received(self, conn: RtspConnection, channel: int, payload: bytes) -> None:
        for session in self._sessions_on.get(conn.link, ()):
            session.touch()
            back = session.backchannel
            if isinstance(back, InterleavedTrack) and channel == back.rtp_channel:
                self._backchannel_packet(session, payload)

    def watch_backchannel(self, session: Session, transport) -> None:
        self.backchannel_audio.setdefault(session.id, BackchannelSink())

    def _rtp_received(self, data: bytes, address: tuple[str, int]) -> None:
        for session in self.sessions.values():
            back = session.backchannel
            if isinstance(back, UdpTrack) and back.host == address[0] and back.rtp_port == address[1]:
                session.touch()
                self._backchannel_packet(session, data)
                return

    def _rtcp_received(self, data: bytes, address: tuple[str, int]) -> None:
        try:
            parse_compound(data)
        except ValueError:
            return  # not RTCP: ignore rather than let a stray datagram keep a session alive
        for session in self.sessions.values():
            for track in (*session.tracks.values(), session.backchannel):
                if isinstance(track, UdpTrack) and track.host == address[0] and track.rtcp_port == address[1]:
                    session.touch()
                    return

    def _backchannel_packet(self, session: Session, data: bytes) -> None:
        try:
            packet = RtpPacket.parse(data)
        except ValueError:
            return
        if packet.payload_type != self.backchannel_format.payload_type:
            return
        sink = self.backchannel_audio.setdefault(session.id, BackchannelSink())
        sink.feed(packet.payload)


def _passthrough(plan: StreamPlan) -> bool:
    return plan.file is not None and plan.file.passthrough


def _parameter_sets(settings: VideoSettings) -> tuple[bytes, ...]:
    encoder = VideoEncoder(settings)
    try:
        return tuple(encoder.parameter_sets)
    finally:
        encoder.close()

