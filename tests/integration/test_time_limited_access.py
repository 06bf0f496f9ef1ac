"""Access asked for a time ("for two weeks", "until Friday") on a real PostgreSQL: the grant made on its own or by
an approver ends then; a request whose time is over is never granted; an end that cannot be used is asked about."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain import Decision, Reason
from tests.fakes.bundles import rules_org

pytestmark = pytest.mark.integration


@pytest.fixture
def app(app_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    # Whatever passes the checks and is not privileged is approved on its own (threshold 0, no evidence rule).
    application = app_factory(auto_approve_threshold=0.0, auto_approve_min_history=0)
    application.import_bundle(rules_org(tmp_path / "org"))
    return application


def grant_expiry(app, user_id: str, role_id: str):  # type: ignore[no-untyped-def]
    with app.database.connection() as conn:
        row = conn.execute("SELECT expires_at FROM user_roles WHERE user_id = %s AND role_id = %s",
                           (user_id, role_id)).fetchone()
    assert row is not None, "no grant"
    return row["expires_at"]


def test_an_approval_on_its_own_grants_until_the_end_asked_for(app) -> None:  # type: ignore[no-untyped-def]
    before = datetime.now(UTC)
    outcome = app.service.handle("ana", "I need Viewer in WikiWiki for two weeks").outcome
    assert outcome.decision is Decision.APPROVED
    assert outcome.access_until is not None
    assert before + timedelta(weeks=2) <= outcome.access_until <= datetime.now(UTC) + timedelta(weeks=2)
    assert grant_expiry(app, "ana", "wiki-viewer") == outcome.access_until
    assert f"until {outcome.access_until:%Y-%m-%d %H:%M} UTC" in outcome.message
    recorded = app.store.get(outcome.request_id)
    assert recorded is not None and recorded.access_until == outcome.access_until


def test_access_without_an_end_is_granted_without_one(app) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("ana", "I need Viewer in WikiWiki").outcome
    assert outcome.decision is Decision.APPROVED and outcome.access_until is None
    assert grant_expiry(app, "ana", "wiki-viewer") is None


def test_an_approver_grants_until_the_end_asked_for_and_the_queue_shows_it(app) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("rui", "I need admin in Ledgerly until the end of the month").outcome
    assert (outcome.decision, outcome.reason) == (Decision.PENDING_APPROVAL, Reason.PRIVILEGED_ROLE)
    assert outcome.access_until is not None and outcome.access_until.time().isoformat() == "23:59:59"
    [item] = [item for item in app.approvals.pending_for("own") if item.request_id == outcome.request_id]
    assert item.access_until == outcome.access_until and item.expires_at <= outcome.access_until
    result = app.approvals.decide(outcome.request_id, "own", True, "ok", "cli")
    assert result.granted
    assert grant_expiry(app, "rui", "ldg-admin") == outcome.access_until


def test_a_request_whose_time_is_over_is_never_granted(app) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("rui", "I need admin in Ledgerly for 3 days").outcome
    assert outcome.decision is Decision.PENDING_APPROVAL
    with app.database.connection() as conn:  # three days pass before anyone decides
        conn.execute("UPDATE requests SET access_until = now() - interval '1 minute' WHERE request_id = %s",
                     (outcome.request_id,))
    result = app.approvals.decide(outcome.request_id, "own", True, "fine", "cli")
    assert not result.granted and result.verdict.reason is Reason.EXPIRED
    with app.database.connection() as conn:
        held = conn.execute("SELECT count(*) AS n FROM user_roles WHERE user_id = 'rui' AND role_id = 'ldg-admin'"
                            ).fetchone()
    assert held is not None and held["n"] == 0


def test_the_expiry_sweep_denies_requests_whose_time_is_over(app) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("rui", "I need admin in Ledgerly just for today").outcome
    with app.database.connection() as conn:
        conn.execute("UPDATE requests SET access_until = now() - interval '1 minute' WHERE request_id = %s",
                     (outcome.request_id,))
    assert outcome.request_id in app.approvals.expire()
    recorded = app.store.get(outcome.request_id)
    assert recorded is not None and (recorded.decision, recorded.reason) == (Decision.DENIED, Reason.EXPIRED)


def test_an_end_that_has_passed_is_asked_about_then_a_reply_gives_it(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", "I need Viewer in WikiWiki until 2020-01-01")
    assert first.outcome.decision is Decision.NEEDS_CLARIFICATION
    assert first.outcome.message.startswith('The end you gave ("until 2020-01-01") has already passed.')
    assert first.outcome.role_id == "wiki-viewer"
    unclear = app.service.handle("ana", "hmm", state=first.state)
    assert unclear.outcome.decision is Decision.NEEDS_CLARIFICATION
    assert unclear.outcome.message.startswith('Sorry, I could not read "hmm" as an answer.')
    done = app.service.handle("ana", "for 3 days", state=unclear.state)
    assert done.outcome.decision is Decision.APPROVED and done.outcome.access_until is not None
    assert grant_expiry(app, "ana", "wiki-viewer") == done.outcome.access_until


def test_no_end_date_as_the_reply_grants_without_an_end(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", "I need Viewer in WikiWiki for 10 years")
    assert first.outcome.decision is Decision.NEEDS_CLARIFICATION
    done = app.service.handle("ana", "no end date", state=first.state)
    assert done.outcome.decision is Decision.APPROVED and done.outcome.access_until is None
    assert done.outcome.message.startswith("Approved: you now have Viewer in WikiWiki"), done.outcome.message


def test_a_time_given_in_an_earlier_turn_is_kept(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", "I need WikiWiki access for two weeks")
    assert first.outcome.decision is Decision.NEEDS_CLARIFICATION  # which role?
    done = app.service.handle("ana", "Viewer", state=first.state)
    assert done.outcome.decision is Decision.APPROVED and done.outcome.access_until is not None


def test_same_for_someone_else_keeps_the_end_asked_for(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Rui Costa needs Viewer in WikiWiki for two weeks")
    assert first.outcome.access_until is not None
    second = app.service.handle("boss", "same for Ana Ferreira", state=first.state)
    assert (second.outcome.user_id, second.outcome.access_until) == ("ana", first.outcome.access_until)
    asked = app.service.handle("boss", "same for Pat Rivera", state=second.state)  # two Pats: which?
    assert asked.outcome.decision is Decision.NEEDS_CLARIFICATION
    third = app.service.handle("boss", "2", state=asked.state)
    assert (third.outcome.user_id, third.outcome.access_until) == ("pat2", first.outcome.access_until)
    longer = app.service.handle("boss", "same for Tess Okoro for 3 days", state=third.state)
    assert longer.outcome.access_until is not None and longer.outcome.access_until < first.outcome.access_until


@pytest.mark.parametrize("text", ["I need Viewer in WikiWiki until yesterday", "I need temporary access to Viewer in "
                                  "WikiWiki", "I need Viewer in WikiWiki until the migration is done"])
def test_an_end_that_is_past_missing_or_unreadable_is_asked_about_never_dropped(app, text: str) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", text)
    assert first.outcome.decision is Decision.NEEDS_CLARIFICATION
    assert "until when do you need" in first.outcome.message.lower()
    done = app.service.handle("ana", "for a fortnight", state=first.state)
    assert done.outcome.decision is Decision.APPROVED and done.outcome.access_until is not None


def test_asking_again_with_another_end_says_which_end_the_pending_request_keeps(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("rui", "I need admin in Ledgerly for 3 days").outcome
    again = app.service.handle("rui", "I need admin in Ledgerly for two weeks").outcome
    assert again.request_id == first.request_id and again.repeated
    assert "It keeps that end; the one asked for now (until " in again.message, again.message
    assert again.message.endswith(f"To change it, withdraw it (\"cancel {first.request_id}\") and ask again with the "
                                  "end you need."), again.message
    # Nothing new is filed, but the message is audited against the request that waits, with the end asked for.
    with app.database.connection() as conn:
        rows = conn.execute("SELECT event_type, requester_id, decision, payload FROM audit_log WHERE request_id = %s "
                            "ORDER BY seq", (first.request_id,)).fetchall()
    assert [row["event_type"] for row in rows] == ["access_request.decided", "access_request.repeated"]
    repeat = rows[1]
    details = json.loads(repeat["payload"])["details"]
    assert (repeat["requester_id"], repeat["decision"]) == ("rui", None)
    assert details["text"] == "I need admin in Ledgerly for two weeks" and details["asked_until"]
    assert details["answer"] == again.message


def test_only_an_end_said_after_a_request_applies_to_that_request(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("rui", "I need admin in Ledgerly")
    assert first.outcome.decision is Decision.PENDING_APPROVAL, first.outcome.message
    then = app.service.handle("rui", "for 2 weeks please", state=first.state).outcome
    assert then.request_id == first.outcome.request_id and then.repeated, then.message
    assert "the one asked for now (until " in then.message and "could not tell" not in then.message


def test_a_grant_that_ends_sooner_than_asked_is_extended_and_one_that_lasts_is_already_there(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", "I need Viewer in WikiWiki for two weeks").outcome
    assert first.decision is Decision.APPROVED and first.access_until is not None
    # Asked for again for the same time minutes later, or for less: already there, with the end it has.
    again = app.service.handle("ana", "I need Viewer in WikiWiki for two weeks").outcome
    assert again.decision is Decision.ALREADY_GRANTED, again.message
    shorter = app.service.handle("ana", "I need Viewer in WikiWiki for 3 days").outcome
    assert shorter.decision is Decision.ALREADY_GRANTED, shorter.message
    assert shorter.message == (f"You already have Viewer in WikiWiki until {first.access_until:%Y-%m-%d %H:%M} UTC. "
                               "Nothing to do.")
    # For longer, or without an end: a request of its own, decided as any other, which moves the end.
    longer = app.service.handle("ana", "I need Viewer in WikiWiki for 3 months").outcome
    assert longer.decision is Decision.APPROVED, longer.message
    held = next(check for check in longer.checks if check.name.value == "NOT_ALREADY_GRANTED")
    assert held.passed and held.detail.endswith(": this would extend it"), held.detail
    assert grant_expiry(app, "ana", "wiki-viewer") == longer.access_until > first.access_until
    open_ended = app.service.handle("ana", "I need Viewer in WikiWiki").outcome
    assert open_ended.decision is Decision.APPROVED and grant_expiry(app, "ana", "wiki-viewer") is None
    assert app.service.handle("ana", "I need Viewer in WikiWiki for a week").outcome.decision \
        is Decision.ALREADY_GRANTED


def _with_time_zones(folder: Path, zones: dict[str, str]) -> Path:
    """The bundle with a time_zone column, giving these people theirs (everyone else none)."""
    import csv  # noqa: PLC0415

    path = folder / "users.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, [*rows[0].keys(), "time_zone"])
        writer.writeheader()
        writer.writerows({**row, "time_zone": zones.get(row["user_id"], "")} for row in rows)
    return folder


def test_a_requester_in_another_time_zone_gets_the_end_of_their_own_day(app_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    application = app_factory(auto_approve_threshold=0.0, auto_approve_min_history=0)
    application.import_bundle(_with_time_zones(rules_org(tmp_path / "org"), {"ana": "Pacific/Auckland"}))
    auckland = ZoneInfo("Pacific/Auckland")
    tomorrow = datetime.now(auckland).date() + timedelta(days=1)
    outcome = application.service.handle("ana", "I need Viewer in WikiWiki until tomorrow").outcome
    assert outcome.decision is Decision.APPROVED
    assert outcome.access_until == datetime(tomorrow.year, tomorrow.month, tomorrow.day, 23, 59, 59, tzinfo=auckland)
    assert grant_expiry(application, "ana", "wiki-viewer") == outcome.access_until
    assert f"until the end of {tomorrow:%Y-%m-%d} (Pacific/Auckland)" in outcome.message
    # Her own list reads the stored end (UTC) back on her clock; someone without a zone is on UTC.
    held = application.service.handle("ana", "what access do I have?").outcome.message
    assert f"Viewer in WikiWiki (until the end of {tomorrow:%Y-%m-%d} (Pacific/Auckland))" in held
    rui = application.service.handle("rui", "I need Viewer in WikiWiki until tomorrow").outcome
    assert rui.access_until is not None and rui.access_until.utcoffset() == timedelta(0)
    assert "(UTC)" in rui.message


def test_a_time_zone_that_is_not_one_is_refused_at_import_and_changes_nothing(app_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from validators.errors import ImportRowError  # noqa: PLC0415

    application = app_factory()
    application.import_bundle(_with_time_zones(rules_org(tmp_path / "good"), {"ana": "Europe/Lisbon"}))
    with pytest.raises(ImportRowError, match=r"users\.csv:3: .*time_zone 'Europe/Lisbn' is not an IANA time zone"):
        application.import_bundle(_with_time_zones(rules_org(tmp_path / "bad"), {"ana": "Europe/Lisbn"}))
    person = application.service.requester("ana", "test", "(check)")
    assert person.time_zone == "Europe/Lisbon"
