"""On-screen displays and privacy masks: what is drawn onto a video source configuration.

Both belong to a video source configuration, so both Media services and the
picture renderer see the same list; the limits come from `options`.
"""

from __future__ import annotations

from typing import Any, Callable

from onvif_device.camera.errors import ActionFailed, InvalidArgVal
from onvif_device.camera.media import checks, options
from onvif_device.camera.media.changes import MediaChange
from onvif_device.camera.media.state import MaskState, MediaState, OSDState

_OSD_CATEGORY = {"Plain": "PlainText", "Date": "Date", "Time": "Time", "DateAndTime": "DateAndTime"}


class Overlays:
    def __init__(
        self,
        state: MediaState,
        configuration: Callable[[str, str], Any],
        announce: Callable[[MediaChange], None],
        new_token: Callable[[str], str],
    ) -> None:
        self.state = state
        self._configuration = configuration
        self._announce = announce
        self._new_token = new_token

    # --- OSD --------------------------------------------------------------------

    def osds(self, configuration_token: str | None = None) -> list[OSDState]:
        if configuration_token is None:
            return list(self.state.osds)
        self._configuration("VideoSource", configuration_token)
        return [o for o in self.state.osds if o.configuration_token == configuration_token]

    def osd(self, token: str) -> OSDState:
        found = next((o for o in self.state.osds if o.token == token), None)
        if found is None:
            raise InvalidArgVal("NoConfig", f"no OSD with token {token[:64]!r}")
        return found

    def create_osd(self, osd: OSDState) -> str:
        self._configuration("VideoSource", osd.configuration_token)
        self._check_osd(osd)
        others = [o for o in self.state.osds if o.configuration_token == osd.configuration_token]
        self._check_osd_room(osd, others)
        created = osd.model_copy(update={"token": self._new_token("OSD")})
        self.state.osds.append(created)
        self._announce(MediaChange("OSD", created.token, "Created"))
        return created.token

    def set_osd(self, osd: OSDState) -> None:
        current = self.osd(osd.token)
        self._configuration("VideoSource", osd.configuration_token)
        self._check_osd(osd)
        others = [o for o in self.state.osds if o.configuration_token == osd.configuration_token and o is not current]
        self._check_osd_room(osd, others)
        self.state.osds[self.state.osds.index(current)] = osd
        self._announce(MediaChange("OSD", osd.token, "Changed"))

    def delete_osd(self, token: str) -> None:
        self.state.osds.remove(self.osd(token))
        self._announce(MediaChange("OSD", token, "Deleted"))

    def _check_osd(self, osd: OSDState) -> None:
        if osd.kind != "Text":
            raise checks.config_modify("only text OSDs are supported (GetOSDOptions lists Type Text)")
        checks.check_choice(osd.position, options.OSD_POSITIONS, "Position Type")
        if osd.position == "Custom":
            if osd.x is None or osd.y is None:
                raise checks.config_modify("a Custom position needs Pos x and y")
            checks.check_range(osd.x, (-1.0, 1.0), "Pos x")
            checks.check_range(osd.y, (-1.0, 1.0), "Pos y")
        checks.check_choice(osd.text_type, options.OSD_TEXT_TYPES, "TextString Type")
        if osd.text_type in ("Date", "DateAndTime"):
            checks.check_choice(osd.date_format, options.OSD_DATE_FORMATS, "DateFormat")
        if osd.text_type in ("Time", "DateAndTime"):
            checks.check_choice(osd.time_format, options.OSD_TIME_FORMATS, "TimeFormat")
        if osd.text_type == "Plain" and not 0 < len(osd.plain_text) <= options.OSD_PLAIN_TEXT_LENGTH:
            raise checks.config_modify(f"PlainText must be 1 to {options.OSD_PLAIN_TEXT_LENGTH} characters")
        checks.check_range(osd.font_size, options.OSD_FONT_SIZE, "FontSize")

    def _check_osd_room(self, osd: OSDState, others: list[OSDState]) -> None:
        if len(others) >= options.MAX_OSDS["total"]:
            raise ActionFailed("MaxOSDs", f"a video source configuration carries at most {options.MAX_OSDS['total']} OSDs")
        category = _OSD_CATEGORY[osd.text_type]
        if sum(_OSD_CATEGORY[o.text_type] == category for o in others) >= options.MAX_OSDS[category]:
            raise ActionFailed("MaxOSDs", f"at most {options.MAX_OSDS[category]} {category} OSDs per video source configuration")

    # --- privacy masks ------------------------------------------------------------

    def masks(self, token: str | None = None, configuration_token: str | None = None) -> list[MaskState]:
        if token is not None:
            found = [self.mask(token)]
            if configuration_token is not None:
                found = [m for m in found if m.configuration_token == configuration_token]
            return found
        if configuration_token is not None:
            self._configuration("VideoSource", configuration_token)
            return [m for m in self.state.masks if m.configuration_token == configuration_token]
        return list(self.state.masks)

    def mask(self, token: str) -> MaskState:
        found = next((m for m in self.state.masks if m.token == token), None)
        if found is None:
            raise InvalidArgVal("NoConfig", f"no mask with token {token[:64]!r}")
        return found

    def create_mask(self, mask: MaskState) -> str:
        self._configuration("VideoSource", mask.configuration_token)
        self._check_mask(mask)
        if sum(m.configuration_token == mask.configuration_token for m in self.state.masks) >= options.MAX_MASKS:
            raise ActionFailed("MaxMasks", f"a video source configuration carries at most {options.MAX_MASKS} masks")
        created = mask.model_copy(update={"token": self._new_token("Mask")})
        self.state.masks.append(created)
        self._announce(MediaChange("Mask", created.token, "Created"))
        return created.token

    def set_mask(self, mask: MaskState) -> None:
        current = self.mask(mask.token)
        self._configuration("VideoSource", mask.configuration_token)
        self._check_mask(mask)
        others = [m for m in self.state.masks if m.configuration_token == mask.configuration_token and m is not current]
        if len(others) >= options.MAX_MASKS:
            raise ActionFailed("MaxMasks", f"a video source configuration carries at most {options.MAX_MASKS} masks")
        self.state.masks[self.state.masks.index(current)] = mask
        self._announce(MediaChange("Mask", mask.token, "Changed"))

    def delete_mask(self, token: str) -> None:
        self.state.masks.remove(self.mask(token))
        self._announce(MediaChange("Mask", token, "Deleted"))

    def _check_mask(self, mask: MaskState) -> None:
        if not 3 <= len(mask.points) <= options.MAX_MASK_POINTS:
            raise checks.config_modify(f"a mask polygon has 3 to {options.MAX_MASK_POINTS} points, not {len(mask.points)}")
        checks.check_choice(mask.kind, options.MASK_TYPES, "mask Type")
        if mask.kind == "Color" and mask.color is None:
            raise checks.config_modify("a Color mask needs a Color")
