"""The device clock: host UTC plus an offset, with a POSIX time zone.

A camera set to NTP follows the host clock (which is itself synchronised);
setting the time manually moves the offset, so a test can give the camera
any amount of clock skew without touching the host.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from onvif_device.camera.errors import InvalidArgVal
from onvif_device.camera.state import ClockState
from onvif_device.camera.timezone import TimeZone


@dataclass(frozen=True, slots=True)
class SystemDateTime:
    date_time_type: str
    daylight_savings: bool
    timezone: str
    utc: datetime  # aware, UTC
    local: datetime  # naive wall time in `timezone`


class DeviceClock:
    def __init__(
        self, state: ClockState, now: Callable[[], float] = time.time, on_change: Callable[[], None] = lambda: None
    ) -> None:
        self._state = state
        self._now = now
        self._on_change = on_change
        self._tz = TimeZone.parse(state.timezone)

    def timestamp(self) -> float:
        """Device time as seconds since the epoch."""
        return self._now() + self._state.offset_seconds

    def utc_now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), timezone.utc)

    def get_system_date_and_time(self) -> SystemDateTime:
        utc = self.utc_now()
        # DaylightSavings is the switch "follow the zone's DST rules", not "DST is on now".
        dst = self._state.daylight_savings
        return SystemDateTime(
            date_time_type=self._state.date_time_type,
            daylight_savings=dst,
            timezone=self._state.timezone,
            utc=utc,
            local=self._tz.to_local(utc, daylight_savings=dst),
        )

    def set_system_date_and_time(
        self,
        date_time_type: str,
        daylight_savings: bool,
        tz: str | None,
        utc_fields: tuple[int, int, int, int, int, int] | None,
        *,
        ntp_server_defined: bool,
    ) -> None:
        """SetSystemDateAndTime; `utc_fields` is (year, month, day, hour, minute, second)."""
        new_tz = self._tz
        if tz is not None:
            try:
                new_tz = TimeZone.parse(tz)
            except ValueError as exc:
                raise InvalidArgVal("InvalidTimeZone", str(exc)) from None
        if date_time_type == "NTP":
            if not ntp_server_defined:
                raise InvalidArgVal("NtpServerUndefined", "cannot switch to NTP: no NTP server is defined")
            offset = 0.0
        elif date_time_type == "Manual":
            if utc_fields is None:
                raise InvalidArgVal("InvalidDateTime", "DateTimeType Manual needs UTCDateTime")
            offset = _utc_timestamp(utc_fields) - self._now()
        else:
            raise InvalidArgVal(reason=f"unknown DateTimeType {date_time_type!r}")
        # Validated everything; now change state in one go.
        self._tz = new_tz
        if tz is not None:
            self._state.timezone = tz
        self._state.date_time_type = date_time_type
        self._state.daylight_savings = daylight_savings
        self._state.offset_seconds = offset
        self._on_change()


def _utc_timestamp(fields: tuple[int, int, int, int, int, int]) -> float:
    year, month, day, hour, minute, second = fields
    if not 1970 <= year <= 9999:
        raise InvalidArgVal("InvalidDateTime", f"year {year} is out of range 1970-9999")
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    except ValueError as exc:
        raise InvalidArgVal("InvalidDateTime", f"invalid date or time: {exc}") from None
    return moment.timestamp()

