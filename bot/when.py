"""Points in time as people write them in audit filters, on the command line and in the HTTP API alike."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_RELATIVE = re.compile(r"^(\d{1,6})([hdw])$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
FORMS = "2025-06-01, 2025-06-01T09:30, today, this-week, 7d, 24h ..."


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """A point in time: ISO date or date-time (UTC unless a zone is given), `now`, `today`, `yesterday`,
    `this-week` (Monday 00:00 UTC), `this-month`, or an age such as `24h`, `7d`, `2w`. ValueError otherwise."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    word = text.strip().lower()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    named = {"now": now, "today": midnight, "yesterday": midnight - timedelta(days=1),
             "this-week": midnight - timedelta(days=midnight.weekday()), "this-month": midnight.replace(day=1)}
    if word in named:
        return named[word]
    relative = _RELATIVE.match(word)
    try:
        if relative:
            return now - timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not a time: {text!r} (use {FORMS})") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def iso_utc(moment: datetime | None) -> str | None:
    """A moment as ISO 8601 in UTC with `Z` ("2026-12-05T09:24:10.835417Z"), as the HTTP API writes times, whatever
    the database session's zone; None stays None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
