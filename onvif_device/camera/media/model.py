"""The media model: profiles, the configurations they link, and the rules between them.

Media (ver10) and Media2 (ver20) are two views of this one object.  It
speaks in configuration kinds ("VideoEncoder", "Metadata", ...) and state
records; every change is checked, saved and announced as a `MediaChange`
(the events service turns those into tns1:Media/... notifications).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from onvif_device.camera.errors import ActionFailed, ActionRefused, InvalidArgVal
from onvif_device.camera.media import checks, options
from onvif_device.camera.media.changes import MediaChange
from onvif_device.camera.media.hardware import Hardware, VideoSource, VideoSourceMode
from onvif_device.camera.media.overlays import Overlays
from onvif_device.camera.media.state import (
    Bounds,
    MediaState,
    ProfileState,
    VideoEncoderConfigurationState,
    VideoSourceConfigurationState,
)


@dataclass(frozen=True, slots=True)
class Kind:
    """One configuration type: where its records live and which profile slot links them."""

    name: str  # as Media2's ConfigurationEnumeration spells it
    records: str  # MediaState attribute
    slot: str  # ProfileState attribute


KINDS = {
    k.name: k
    for k in (
        Kind("VideoSource", "video_sources", "video_source"),
        Kind("AudioSource", "audio_sources", "audio_source"),
        Kind("VideoEncoder", "video_encoders", "video_encoder"),
        Kind("AudioEncoder", "audio_encoders", "audio_encoder"),
        Kind("Analytics", "analytics", "analytics"),
        Kind("PTZ", "ptz", "ptz"),
        Kind("Metadata", "metadata", "metadata"),
        Kind("AudioOutput", "audio_outputs", "audio_output"),
        Kind("AudioDecoder", "audio_decoders", "audio_decoder"),
    )
}


# A configuration of the key kind is only meaningful with one of the value kind beside it.
DEPENDS_ON = {
    "VideoEncoder": "VideoSource",
    "AudioEncoder": "AudioSource",
    "PTZ": "VideoSource",
    "Analytics": "VideoSource",
    "AudioDecoder": "AudioOutput",
}


def kind_of(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise InvalidArgVal(reason=f"unknown configuration type {name[:40]!r}") from None


class Media:
    def __init__(
        self,
        hardware: Hardware,
        state: MediaState,
        on_change: Callable[[MediaChange], None],
        max_profiles: int,
    ) -> None:
        self.hardware = hardware
        self.state = state
        self._announce = on_change
        self.max_profiles = max(max_profiles, len(state.profiles))
        self.overlays = Overlays(state, self.configuration, on_change, self._new_token)
        # Runtime only: what the streaming engine is asked to do (it registers itself here).
        self.multicast_started: set[str] = set()
        self.sync_point_listeners: list[Callable[[str], None]] = []

    # --- hardware -------------------------------------------------------------

    def video_source(self, token: str) -> VideoSource:
        source = self.hardware.video_source(token)
        if source is None:
            raise InvalidArgVal("NoVideoSource", f"no video source with token {token[:64]!r}")
        return source

    def current_mode(self, source_token: str) -> VideoSourceMode:
        source = self.video_source(source_token)
        chosen = next((m.mode_token for m in self.state.source_modes if m.source_token == source_token), "")
        return source.mode(chosen) or source.modes[0]

    def set_video_source_mode(self, source_token: str, mode_token: str) -> bool:
        """SetVideoSourceMode; returns whether the camera must reboot (it never does)."""
        source = self.video_source(source_token)
        mode = source.mode(mode_token)
        if mode is None:
            raise InvalidArgVal("NoVideoSourceMode", f"video source {source_token} has no mode {mode_token[:64]!r}")
        for entry in self.state.source_modes:
            if entry.source_token == source_token:
                entry.mode_token = mode_token
        # What no longer fits the new mode shrinks to it, so every configuration stays valid.
        for vsc in self.state.video_sources:
            if vsc.source_token == source_token:
                vsc.bounds = Bounds(width=mode.width, height=mode.height)
        for vec in self.state.video_encoders:
            if self.encoder_mode(vec.token).token == mode.token:
                _fit_encoder(vec, mode)
        self._announce(MediaChange("VideoSourceMode", source_token, "Changed"))
        return False

    def encoder_mode(self, encoder_token: str | None = None, profile_token: str | None = None) -> VideoSourceMode:
        """The source mode that bounds an encoder: that of the profile it serves, else the first source's."""
        profiles = [self.profile(profile_token)] if profile_token else self.profiles_using("VideoEncoder", encoder_token)
        for p in profiles:
            if p.video_source:
                vsc = self.configuration("VideoSource", p.video_source)
                return self.current_mode(vsc.source_token)
        return self.current_mode(self.hardware.video_sources[0].token)

    # --- profiles -------------------------------------------------------------

    def profile(self, token: str) -> ProfileState:
        found = next((p for p in self.state.profiles if p.token == token), None)
        if found is None:
            raise InvalidArgVal("NoProfile", f"no media profile with token {token[:64]!r}")
        return found

    def create_profile(self, name: str, token: str | None = None) -> ProfileState:
        if not name or len(name) > checks.MAX_NAME:
            raise InvalidArgVal(reason=f"a profile Name must be 1 to {checks.MAX_NAME} characters")
        if token is not None:
            if not token or len(token) > checks.MAX_NAME:
                raise InvalidArgVal(reason=f"a profile Token must be 1 to {checks.MAX_NAME} characters")
            if any(p.token == token for p in self.state.profiles):
                raise InvalidArgVal("ProfileExists", f"a profile with token {token!r} exists")
        if len(self.state.profiles) >= self.max_profiles:
            raise ActionFailed("MaxNVTProfiles", f"the camera holds at most {self.max_profiles} profiles")
        profile = ProfileState(token=token or self._new_token("Profile"), name=name)
        self.state.profiles.append(profile)
        self._announce(MediaChange("Profile", profile.token, "Created"))
        return profile

    def delete_profile(self, token: str) -> None:
        profile = self.profile(token)
        if profile.fixed:
            raise ActionRefused("DeletionOfFixedProfile", f"profile {token} is fixed and cannot be deleted")
        self.state.profiles.remove(profile)
        self._announce(MediaChange("Profile", token, "Deleted"))

    def _new_token(self, prefix: str) -> str:
        taken = {p.token for p in self.state.profiles} | {o.token for o in self.state.osds}
        taken |= {m.token for m in self.state.masks}
        while True:
            n, self.state.next_id = self.state.next_id, self.state.next_id + 1
            token = f"{prefix}_u{n}"
            if token not in taken:
                return token

    # --- configurations -------------------------------------------------------

    def configurations(self, kind: str) -> list[Any]:
        return list(getattr(self.state, kind_of(kind).records))

    def configuration(self, kind: str, token: str) -> Any:
        found = next((c for c in getattr(self.state, kind_of(kind).records) if c.token == token), None)
        if found is None:
            raise InvalidArgVal("NoConfig", f"no {kind} configuration with token {token[:64]!r}")
        return found

    def in_profile(self, kind: str, profile: ProfileState) -> Any | None:
        token = getattr(profile, kind_of(kind).slot)
        return None if token is None else self.configuration(kind, token)

    def video_source_configuration_for(self, token: str) -> VideoSourceConfigurationState:
        """The video source configuration a token names, leniently.

        NVRs ask for OSD options with whatever token they hold (the configuration's,
        the video source's, or a profile's) and mark the camera offline on a fault,
        so all three are understood; anything else is ter:NoConfig.
        """
        for vsc in self.state.video_sources:
            if token == vsc.token:
                return vsc
        for vsc in self.state.video_sources:
            if token == vsc.source_token:
                return vsc
        profile = next((p for p in self.state.profiles if p.token == token and p.video_source), None)
        if profile is not None:
            return self.configuration("VideoSource", profile.video_source)
        raise InvalidArgVal("NoConfig", f"no video source configuration with token {token[:64]!r}")

    def profiles_using(self, kind: str, token: str | None) -> list[ProfileState]:
        slot = kind_of(kind).slot
        return [p for p in self.state.profiles if token is not None and getattr(p, slot) == token]

    def use_count(self, kind: str, token: str) -> int:
        return len(self.profiles_using(kind, token))

    def compatible(self, kind: str, profile_token: str) -> list[Any]:
        """The configurations of `kind` that Add would accept for the profile now (GetCompatible…)."""
        profile = self.profile(profile_token)
        return [c for c in self.configurations(kind) if self._conflict(_with(profile, kind, c.token)) is None]

    def _conflict(self, profile: ProfileState) -> str | None:
        """Why a profile with these contents cannot exist, or None."""
        for kind, needs in DEPENDS_ON.items():
            if getattr(profile, KINDS[kind].slot) is not None and getattr(profile, KINDS[needs].slot) is None:
                return f"a {kind} configuration needs a {needs} configuration in the profile"
        if profile.analytics and profile.video_source:
            analytics = self.configuration("Analytics", profile.analytics)
            if analytics.source_configuration_token != profile.video_source:
                return (
                    f"analytics configuration {analytics.token} works on {analytics.source_configuration_token},"
                    f" not on the profile's {profile.video_source}"
                )
        return None

    def update_profile(
        self,
        profile_token: str,
        *,
        add: dict[str, str] | None = None,
        remove: list[str] | tuple[str, ...] = (),
        name: str | None = None,
    ) -> None:
        """Add and remove configurations (by kind) in one step, checked on the result.

        Adding replaces the profile's configuration of that kind; removing a kind the
        profile lacks is no error.  Media1's single Add/Remove and Media2's batches
        both come here, so a client may add a source and its encoder together.
        """
        profile = self.profile(profile_token)
        updated = profile.model_copy()
        for kind in remove:
            setattr(updated, kind_of(kind).slot, None)
        for kind, token in (add or {}).items():
            setattr(updated, kind_of(kind).slot, self.configuration(kind, token).token)
        if name is not None:
            if not name or len(name) > checks.MAX_NAME:
                raise InvalidArgVal(reason=f"a profile Name must be 1 to {checks.MAX_NAME} characters")
            updated.name = name
        reason = self._conflict(updated)
        if reason:
            raise ActionFailed("ConfigurationConflict", reason)
        if updated != profile:
            self.state.profiles[self.state.profiles.index(profile)] = updated
            self._announce(MediaChange("Profile", profile.token, "Changed"))

    def set_configuration(self, kind: str, updated: Any) -> None:
        """Set…Configuration: replace a configuration after checking it against the options."""
        current = self.configuration(kind, updated.token)
        if kind == "VideoEncoder":
            # Both Media specs: "A device shall adapt an out of range BitrateLimit instead of returning a fault."
            low, high = options.BITRATE
            updated = updated.model_copy(update={"bitrate": min(max(updated.bitrate, low), high)})
        self._check(kind, updated)
        records = getattr(self.state, kind_of(kind).records)
        records[records.index(current)] = updated
        self._announce(MediaChange("Configuration", updated.token, "Changed", kind))

    def _check(self, kind: str, cfg: Any) -> None:
        hw = self.hardware
        match kind:
            case "VideoSource":
                source = hw.video_source(cfg.source_token)
                checks.check_video_source(cfg, hw, self.current_mode(source.token) if source else None)
            case "VideoEncoder":
                checks.check_video_encoder(cfg, self.encoder_mode(cfg.token))
            case "AudioSource":
                checks.check_audio_source(cfg, hw)
            case "AudioEncoder":
                checks.check_audio_encoder(cfg)
            case "AudioOutput":
                checks.check_audio_output(cfg, hw)
            case "AudioDecoder":
                checks.check_audio_decoder(cfg)
            case "Metadata":
                checks.check_metadata(cfg)
            case _:
                checks.check_name(cfg.name)

    # --- stream control -------------------------------------------------------

    def start_multicast(self, profile_token: str) -> None:
        profile = self.profile(profile_token)
        if profile.video_encoder is None and profile.audio_encoder is None and profile.metadata is None:
            raise ActionFailed("IncompleteConfiguration", f"profile {profile_token} has nothing to send")
        self.multicast_started.add(profile.token)

    def stop_multicast(self, profile_token: str) -> None:
        self.multicast_started.discard(self.profile(profile_token).token)

    def request_sync_point(self, profile_token: str) -> None:
        """SetSynchronizationPoint: the encoders of this profile start a new GOP."""
        profile = self.profile(profile_token)
        for listener in list(self.sync_point_listeners):
            listener(profile.token)

    def encoder_instances(self, video_source_configuration: str) -> dict[str, int]:
        """GetGuaranteedNumberOfVideoEncoderInstances / GetVideoEncoderInstances."""
        self.configuration("VideoSource", video_source_configuration)
        return dict(options.ENCODER_INSTANCES)


def _with(profile: ProfileState, kind: str, token: str) -> ProfileState:
    updated = profile.model_copy()
    setattr(updated, kind_of(kind).slot, token)
    return updated


def _fit_encoder(vec: VideoEncoderConfigurationState, mode: VideoSourceMode) -> None:
    sizes = options.resolutions(mode)
    if (vec.width, vec.height) not in sizes:
        fitting = [s for s in sizes if s[0] <= vec.width and s[1] <= vec.height] or sizes[-1:]
        vec.width, vec.height = fitting[0]
    vec.frame_rate = min(vec.frame_rate, mode.max_framerate)
