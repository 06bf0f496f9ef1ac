"""People's time zones: the IANA names of users.csv's `time_zone` column, and how a zone is named in answers.

A person without one (or before the column existed) is on UTC, as every time was before.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# Names that are UTC by another name: shown as "UTC".
_UTC_NAMES = frozenset({"utc", "etc/utc", "etc/uct", "uct", "zulu", "etc/zulu", "universal", "etc/universal"})


@cache
def zone_named(name: str) -> tzinfo | None:
    """The time zone of an IANA name ("Europe/Berlin", "UTC"), or None for anything else."""
    if not name or name != name.strip() or len(name) > 64 or name.startswith("/") or ".." in name:
        return None
    if name.lower() in _UTC_NAMES:
        return UTC
    if name not in _iana_names():  # exactly as written: "europe/berlin" is no name (whatever the file system's case)
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


@cache
def _iana_names() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_label(moment: datetime) -> str:
    """How an answer names the zone of a moment: "UTC", "Europe/Berlin", or "UTC+05:30" for a bare offset."""
    zone = moment.tzinfo
    if isinstance(zone, ZoneInfo) and zone.key.lower() not in _UTC_NAMES:
        return zone.key
    offset = moment.utcoffset()
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def now_in(name: str | None) -> datetime:
    """This moment on the clock of the zone named (UTC for none, or a name that is not a zone)."""
    return datetime.now(zone_named(name or "UTC") or UTC)


# The last second of a day, as an end given as a day ("until 2026-12-18") is read in the chat and in a bundle alike.
LAST_SECOND = time(23, 59, 59)


def end_of_day(day: date, name: str | None) -> datetime:
    """The last second of `day` on the clock of the zone named (UTC for none): an end written as a date alone lasts
    the whole of that day where the person is, not until it begins in UTC."""
    return datetime.combine(day, LAST_SECOND, tzinfo=zone_named(name or "UTC") or UTC)
