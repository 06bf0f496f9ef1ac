"""People's time zones: which names are zones, how a zone is named, and ends read and shown on a person's clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.time_zones import end_of_day, now_in, zone_label, zone_named
from bot.understanding.time_limits import find_time_limit, shown_end

AUCKLAND = ZoneInfo("Pacific/Auckland")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize("name", ["Europe/Berlin", "America/Argentina/Buenos_Aires", "Asia/Kolkata", "UTC",
                                  "Etc/UTC"])
def test_iana_names_are_zones(name: str) -> None:
    assert zone_named(name) is not None


@pytest.mark.parametrize("name", ["", "Mars/Olympus_Mons", "europe/berlin", " Europe/Berlin", "../../etc/passwd",
                                  "/etc/localtime", "Europe", "CET+1", "x" * 80])
def test_anything_else_is_not_a_zone(name: str) -> None:
    assert zone_named(name) is None


def test_a_zone_is_named_by_its_iana_name_utc_as_utc_and_a_bare_offset_by_its_offset() -> None:
    assert zone_label(datetime(2026, 12, 5, tzinfo=ZoneInfo("Europe/London"))) == "Europe/London"  # offset 0 in winter
    assert zone_label(datetime(2026, 12, 5, tzinfo=ZoneInfo("Etc/UTC"))) == "UTC"
    assert zone_label(datetime(2026, 12, 5, tzinfo=UTC)) == "UTC"
    assert zone_label(datetime(2026, 12, 5, tzinfo=timezone(timedelta(hours=5, minutes=30)))) == "UTC+05:30"
    assert zone_label(datetime(2026, 12, 5, tzinfo=timezone(timedelta(hours=-3)))) == "UTC-03:00"


def test_now_in_a_zone_is_this_moment_on_that_clock_and_utc_for_none_or_a_bad_name() -> None:
    moment = now_in("Pacific/Auckland")
    assert moment.tzinfo == AUCKLAND and abs(moment - datetime.now(UTC)) < timedelta(seconds=5)
    assert now_in("").utcoffset() == timedelta(0) and now_in("Nowhere/Land").utcoffset() == timedelta(0)


# Saturday 5 December 2026, 20:00 UTC: already Sunday 09:00 in Auckland (UTC+13), still 12:00 Saturday in LA.
UTC_EVENING = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "zone", "until"), [
    ("until tomorrow", AUCKLAND, datetime(2026, 12, 7, 23, 59, 59, tzinfo=AUCKLAND)),  # Auckland's tomorrow: Monday
    ("until tomorrow", LOS_ANGELES, datetime(2026, 12, 6, 23, 59, 59, tzinfo=LOS_ANGELES)),
    ("just for today", AUCKLAND, datetime(2026, 12, 6, 23, 59, 59, tzinfo=AUCKLAND)),
    ("until 5pm", LOS_ANGELES, datetime(2026, 12, 5, 17, 0, tzinfo=LOS_ANGELES)),
    ("until 2026-12-31", AUCKLAND, datetime(2026, 12, 31, 23, 59, 59, tzinfo=AUCKLAND)),
    ("until 2026-12-31 09:00", AUCKLAND, datetime(2026, 12, 31, 9, 0, tzinfo=AUCKLAND)),
    ("until 2026-12-31 09:00Z", AUCKLAND, datetime(2026, 12, 31, 9, 0, tzinfo=UTC)),  # an offset said wins
    ("until Friday", LOS_ANGELES, datetime(2026, 12, 11, 23, 59, 59, tzinfo=LOS_ANGELES)),
    ("for 2 days", AUCKLAND, UTC_EVENING + timedelta(days=2)),  # a length is the same span anywhere
])
def test_ends_are_read_on_the_requesters_clock(text: str, zone: ZoneInfo, until: datetime) -> None:
    limit = find_time_limit(f"I need Viewer in Looker {text}", UTC_EVENING.astimezone(zone))
    assert limit is not None and limit.problem == "" and limit.until == until, limit


def test_a_time_given_with_another_zone_names_the_requesters_own() -> None:
    limit = find_time_limit("until 5pm EST", UTC_EVENING.astimezone(AUCKLAND))
    assert limit is not None and limit.until is None and "(times here are Pacific/Auckland)" in limit.problem


def test_an_end_is_shown_on_the_readers_clock_and_named_with_its_zone() -> None:
    end_of_day = datetime(2026, 12, 7, 23, 59, 59, tzinfo=AUCKLAND)
    assert shown_end(end_of_day) == "the end of 2026-12-07 (Pacific/Auckland)"
    assert shown_end(end_of_day.astimezone(UTC), "Pacific/Auckland") == "the end of 2026-12-07 (Pacific/Auckland)"
    assert shown_end(end_of_day.astimezone(UTC)) == "2026-12-07 10:59 UTC"
    assert shown_end(end_of_day, "America/Los_Angeles") == "2026-12-07 02:59 America/Los_Angeles"
    assert shown_end(datetime(2026, 12, 18, 23, 59, 59, tzinfo=UTC)) == "the end of 2026-12-18 (UTC)"


@pytest.mark.parametrize(("zone", "day", "last_second_utc"), [
    ("America/Los_Angeles", date(2026, 12, 18), datetime(2026, 12, 19, 7, 59, 59, tzinfo=UTC)),  # PST, UTC-8
    ("America/Los_Angeles", date(2026, 7, 18), datetime(2026, 7, 19, 6, 59, 59, tzinfo=UTC)),  # PDT, UTC-7
    ("Pacific/Auckland", date(2026, 12, 18), datetime(2026, 12, 18, 10, 59, 59, tzinfo=UTC)),  # NZDT, UTC+13
    ("", date(2026, 12, 18), datetime(2026, 12, 18, 23, 59, 59, tzinfo=UTC)),
])
def test_a_day_ends_at_its_last_second_on_the_persons_clock_as_the_chat_reads_a_date(
        zone: str, day: date, last_second_utc: datetime) -> None:
    end = end_of_day(day, zone)
    assert end.astimezone(UTC) == last_second_utc
    chat = find_time_limit(f"until {day}", datetime(2026, 6, 1, 9, tzinfo=zone_named(zone or "UTC")))
    assert chat is not None and chat.until == end
