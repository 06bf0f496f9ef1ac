"""Dates in a bundle's user_roles.csv on a real PostgreSQL: an `expires_at` given as a date alone lasts to the end of
that day on the person's clock, as the same date typed in the chat does; a value with a time keeps it; a date alone
in `granted_at` is the start of that day."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain import CheckName, Decision
from tests.fakes.bundles import rules_org

pytestmark = pytest.mark.integration

# No daylight saving time in either, so the tests read the same on every day of the year.
WEST = "Pacific/Pago_Pago"  # UTC-11
EAST = "Pacific/Kiritimati"  # UTC+14
# Both have DST: an end's offset is that day's.
WEST_DST = "America/Los_Angeles"
EAST_DST = "Pacific/Auckland"


def _org(folder: Path, zones: dict[str, str], grants: list[str]) -> Path:
    """rules_org with these people's time zones (everyone else none: UTC) and these rows added to user_roles.csv."""
    rules_org(folder)
    path = folder / "users.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, [*rows[0].keys(), "time_zone"])
        writer.writeheader()
        writer.writerows({**row, "time_zone": zones.get(row["user_id"], "")} for row in rows)
    with (folder / "user_roles.csv").open("a", encoding="utf-8") as handle:
        handle.writelines(f"{row}\n" for row in grants)
    return folder


def _grant(app, user_id: str, role_id: str):  # type: ignore[no-untyped-def]
    with app.database.connection() as conn:
        row = conn.execute("SELECT granted_at, expires_at, source FROM user_roles WHERE user_id = %s AND role_id = %s",
                           (user_id, role_id)).fetchone()
    assert row is not None, "no grant"
    return row


def _end_of(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo(zone))


def test_a_date_alone_ends_with_that_day_on_the_persons_clock_as_the_chat_reads_it(  # type: ignore[no-untyped-def]
        app_factory, tmp_path: Path) -> None:
    app = app_factory(auto_approve_threshold=0.0, auto_approve_min_history=0)
    day = datetime.now(UTC).date() + timedelta(days=30)
    app.import_bundle(_org(tmp_path / "org", {"ana": WEST_DST, "rui": EAST_DST}, [
        f"ana,wiki-viewer,2025-01-01,{day},active",
        f"rui,wiki-viewer,2025-01-01,{day},active",
        f"tess,wiki-viewer,2025-01-01,{day},active",  # no time zone: UTC
        f"fin1,wiki-viewer,2025-01-01,{day}T12:00:00,active",  # a time, no offset: UTC, kept as written
        f"fin2,wiki-viewer,2025-01-01,{day}T12:00:00-05:00,active",
    ]))
    assert _grant(app, "ana", "wiki-viewer")["expires_at"] == _end_of(day, WEST_DST)
    assert _grant(app, "rui", "wiki-viewer")["expires_at"] == _end_of(day, EAST_DST)
    assert _grant(app, "tess", "wiki-viewer")["expires_at"] == _end_of(day, "UTC")
    assert _grant(app, "fin1", "wiki-viewer")["expires_at"] == datetime.combine(day, time(12), tzinfo=UTC)
    assert _grant(app, "fin2", "wiki-viewer")["expires_at"] == datetime.combine(day, time(17), tzinfo=UTC)
    assert _grant(app, "ana", "wiki-viewer")["granted_at"] == datetime(2025, 1, 1, tzinfo=UTC)  # start of the day

    # The same date typed in the chat is the same end: held for as long as asked, nothing to do.
    for person, zone in (("ana", WEST_DST), ("rui", EAST_DST)):
        outcome = app.service.handle(person, f"I need Viewer in WikiWiki until {day}").outcome
        assert outcome.decision is Decision.ALREADY_GRANTED, outcome.message
        assert f"until the end of {day} ({zone})" in outcome.message
        editor = app.service.handle(person, f"I need Editor in WikiWiki until {day}").outcome
        assert editor.decision is Decision.APPROVED, editor.message
        assert editor.access_until == _grant(app, person, "wiki-viewer")["expires_at"]
    # Asked for longer: the check says until when it is held, on the person's clock.
    longer = app.service.handle("ana", f"I need Viewer in WikiWiki until {day + timedelta(days=10)}").outcome
    [held] = [check for check in longer.checks if check.name is CheckName.NOT_ALREADY_GRANTED]
    assert held.detail == f"Ana Ferreira holds this role until the end of {day} ({WEST_DST}): this would extend it"


def test_a_grant_given_and_ended_on_one_day_is_not_refused(app_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = app_factory()
    day = datetime.now(UTC).date() + timedelta(days=3)
    app.import_bundle(_org(tmp_path / "org", {"ana": WEST, "rui": EAST}, [
        f"ana,wiki-viewer,{day},{day},active", f"rui,wiki-viewer,{day},{day},active"]))
    assert _grant(app, "rui", "wiki-viewer")["expires_at"] == _end_of(day, EAST)
    assert _grant(app, "rui", "wiki-viewer")["granted_at"] == datetime.combine(day, time(0), tzinfo=UTC)


def test_a_grant_ending_on_a_day_not_yet_over_where_its_holder_is_is_not_warned_of_as_lapsed(  # type: ignore[no-untyped-def]
        app_factory, tmp_path: Path) -> None:
    # A day over in the east (it ended at 10:00 UTC) and still running in the west (until 11:00 UTC the next day).
    day = (datetime.now(UTC) - timedelta(hours=10)).date()
    app = app_factory()
    report = app.import_bundle(_org(tmp_path / "org", {"ana": WEST, "rui": EAST}, [
        f"ana,wiki-viewer,2025-01-01,{day},active", f"rui,wiki-viewer,2025-01-01,{day},active"]))
    assert report.lapsed_grants_named == (f"rui: wiki-viewer ended {day} 23:59 {EAST}",)
    assert "Viewer in WikiWiki" in app.service.handle("ana", "what access do I have?").outcome.message
    assert "Viewer in WikiWiki" not in app.service.handle("rui", "what access do I have?").outcome.message


@pytest.mark.parametrize("zone", [WEST, EAST])
def test_a_reimport_listing_an_approved_grant_by_its_date_keeps_its_whole_last_day(  # type: ignore[no-untyped-def]
        app_factory, tmp_path: Path, zone: str) -> None:
    app = app_factory(auto_approve_threshold=0.0, auto_approve_min_history=0)
    folder = _org(tmp_path / "org", {"ana": zone}, [])
    app.import_bundle(folder)
    day = datetime.now(UTC).date() + timedelta(days=20)
    approved = app.service.handle("ana", f"I need Editor in WikiWiki until {day}").outcome
    assert approved.decision is Decision.APPROVED and approved.access_until == _end_of(day, zone)
    # The system of record recorded the grant after the approval, and exports its end as the date.
    recorded = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    with (folder / "user_roles.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"ana,wiki-editor,{recorded},{day},active\n")
    report = app.import_bundle(folder)
    assert (report.kept_grants, report.reverted_grants, report.dropped_grants) == (0, 0, 0)
    assert _grant(app, "ana", "wiki-editor")["expires_at"] == approved.access_until
