"""Approvers: routing, no self-approval, re-check at approval, grants, expiry, audit and events."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.domain import Decision, Reason
from tests.fakes.bundles import rules_org
from validators.approvals import ReviewError
from validators.audit import verify

pytestmark = pytest.mark.integration


@pytest.fixture
def app(app_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    application = app_factory()
    application.import_bundle(rules_org(tmp_path / "org"))
    return application


def pending(app, requester: str, text: str) -> str:  # type: ignore[no-untyped-def]
    outcome = app.service.handle(requester, text).outcome
    assert outcome.decision is Decision.PENDING_APPROVAL, outcome.message
    return outcome.request_id


def queue(app, approver: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [item.request_id for item in app.approvals.pending_for(approver)]


def test_a_pending_request_goes_to_the_owner_and_the_targets_manager(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", "I need the Viewer role in Ledgerly")
    assert request_id in queue(app, "own") and request_id in queue(app, "boss")
    assert request_id not in queue(app, "rui") and request_id not in queue(app, "tess")
    capacities = {item.capacity for item in app.approvals.pending_for("boss")}
    assert capacities == {"manager"}


def test_asking_again_points_at_the_pending_request_only_for_those_who_may_ask(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", "I need the Viewer role in Ledgerly")
    again = app.service.handle("tess", "I need the Viewer role in Ledgerly").outcome
    assert again.repeated and again.request_id == request_id
    manager = app.service.handle("boss", "Tess Okoro needs Viewer in Ledgerly").outcome  # may ask for her
    assert manager.repeated and manager.request_id == request_id
    stranger = app.service.handle("ana", "Tess Okoro needs Viewer in Ledgerly").outcome  # may not
    assert not stranger.repeated and stranger.request_id != request_id
    assert (stranger.decision, stranger.reason) == (Decision.DENIED, Reason.NOT_AUTHORIZED_FOR_TARGET)
    assert request_id not in stranger.message and "R-" + request_id[2:] not in str(stranger.checks)
    with app.database.connection() as conn:
        audited = conn.execute("SELECT count(*) AS n FROM audit_log WHERE request_id = %s",
                               (stranger.request_id,)).fetchone()
    assert audited["n"] == 1  # the attempt is on the record


def test_approval_grants_in_one_transaction_and_is_audited_and_published(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", "I need the Viewer role in Ledgerly")
    result = app.approvals.decide(request_id, "boss", True, "needed for the Q3 audit", "cli")
    assert (result.verdict.decision, result.verdict.reason, result.granted) == (
        Decision.APPROVED, Reason.APPROVED_BY_APPROVER, True)
    with app.database.connection() as conn:
        grant = conn.execute("SELECT source FROM user_roles WHERE user_id = 'tess' AND role_id = 'ldg-viewer'"
                             ).fetchone()
        record = conn.execute("SELECT event_type, payload FROM audit_log WHERE request_id = %s ORDER BY seq DESC "
                              "LIMIT 1", (request_id,)).fetchone()
        events = conn.execute("SELECT event_type FROM outbox WHERE request_id = %s ORDER BY event_id",
                              (request_id,)).fetchall()
        history = conn.execute("SELECT decision, decided_by, comment FROM request_decisions WHERE request_id = %s "
                               "ORDER BY decided_at", (request_id,)).fetchall()
    assert grant["source"] == f"request:{request_id}"
    assert record["event_type"] == "access_request.approved" and "needed for the Q3 audit" in record["payload"]
    details = json.loads(record["payload"])["details"]
    assert (details["decided_by"], details["capacity"]) == ("boss", "manager")  # why boss could decide
    assert [e["event_type"] for e in events] == ["access_request.decided", "access_request.approved"]
    assert [(h["decision"], h["decided_by"]) for h in history] == [("PENDING_APPROVAL", "askiam"),
                                                                  ("APPROVED", "boss")]
    assert app.store.get(request_id).decision is Decision.APPROVED
    with pytest.raises(ReviewError) as again:
        app.approvals.decide(request_id, "own", False, "", "cli")
    assert again.value.code == "ALREADY_DECIDED"
    assert verify(app.database).ok


def test_privileged_roles_need_the_application_owner(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "ana", "I need admin in Ledgerly")
    assert request_id not in queue(app, "boss")
    with pytest.raises(ReviewError) as refused:
        app.approvals.decide(request_id, "boss", True, "", "cli")
    assert refused.value.code == "NOT_FOUND"  # not one of its approvers: it reads like a missing request
    assert app.approvals.decide(request_id, "own", True, "", "cli").granted


def test_only_approvers_and_the_people_a_request_is_about_learn_of_it(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", "I need the Viewer role in Ledgerly")

    def code(person: str) -> tuple[str | None, str | None]:
        """(the read-only refusal, the refusal of an actual decision) for this person."""
        seen = app.approvals.refusal(request_id, person)
        try:
            app.approvals.decide(request_id, person, False, "", "cli")
        except ReviewError as exc:
            return (seen.code if seen else None), exc.code
        return (seen.code if seen else None), None

    with pytest.raises(ReviewError) as missing:
        app.approvals.decide("R-999999", "rui", True, "", "cli")
    with pytest.raises(ReviewError) as hidden:
        app.approvals.decide(request_id, "rui", True, "", "cli")
    assert (missing.value.code, hidden.value.code) == ("NOT_FOUND", "NOT_FOUND")
    assert str(hidden.value) == str(missing.value).replace("R-999999", request_id)
    assert code("tess") == ("NOT_AN_APPROVER", "NOT_AN_APPROVER")  # the requester knows it exists
    assert app.approvals.refusal(request_id, "boss") is None
    assert app.approvals.decide(request_id, "boss", True, "", "cli").granted
    # Once decided: its approvers are told so, a colleague still cannot tell it from a missing request.
    assert code("boss") == ("ALREADY_DECIDED", "ALREADY_DECIDED")
    assert code("rui") == ("NOT_FOUND", "NOT_FOUND")
    assert app.store.get(request_id).decision is Decision.APPROVED


def test_nobody_approves_their_own_request_or_one_for_themselves(app) -> None:  # type: ignore[no-untyped-def]
    own_request = pending(app, "own", "I need Journal Poster in Ledgerly")  # own owns Ledgerly
    with pytest.raises(ReviewError, match=f"^own may not decide {own_request}, a request they made for themselves$"):
        app.approvals.decide(own_request, "own", True, "", "cli")
    for_dele = pending(app, "dele", "Rui Costa needs Editor in WikiWiki")  # a delegate asking for someone
    # Said as what it is, to them and in the audit record: the delegate made it; it is about Rui.
    with pytest.raises(ReviewError, match=f"^dele may not decide {for_dele}, a request they made$"):
        app.approvals.decide(for_dele, "dele", True, "", "cli")
    with pytest.raises(ReviewError, match=f"^rui may not decide {for_dele}, a request about them$"):
        app.approvals.decide(for_dele, "rui", True, "", "cli")
    with app.database.connection() as conn:
        why = [row["why"] for row in conn.execute(
            "SELECT audit_details(payload) ->> 'why' AS why FROM audit_log WHERE request_id = %s "
            "AND event_type = 'access_request.decision_refused' ORDER BY seq", (for_dele,)).fetchall()]
    assert why == [f"dele may not decide {for_dele}, a request they made",
                   f"rui may not decide {for_dele}, a request about them"]
    with pytest.raises(ReviewError) as unknown:
        app.approvals.decide("R-999999", "boss", True, "", "cli")
    assert unknown.value.code == "NOT_FOUND"


def test_checks_run_again_at_approval_time(app, fresh_database_url: str) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "rui", "I need the Journal Approver role in Ledgerly")
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:  # the world changes meanwhile
        conn.execute("INSERT INTO user_roles (user_id, role_id) VALUES ('rui', 'ldg-poster')")
    result = app.approvals.decide(request_id, "boss", True, "", "cli")
    assert (result.verdict.decision, result.verdict.reason, result.granted) == (
        Decision.DENIED, Reason.SOD_CONFLICT, False)
    with app.database.connection() as conn:
        held = conn.execute("SELECT count(*) AS n FROM user_roles WHERE user_id = 'rui' AND role_id = 'ldg-approver'"
                            ).fetchone()
    assert held["n"] == 0


def test_two_approvals_of_a_segregated_pair_at_once_grant_one(app_factory, fresh_database_url: str,  # type: ignore[no-untyped-def]
                                                               tmp_path: Path) -> None:
    app = app_factory(auto_approve_threshold=1.0)  # nothing approves on its own: both wait for an approver
    app.import_bundle(rules_org(tmp_path / "org"))
    poster = pending(app, "rui", "I need the Journal Poster role in Ledgerly")
    approver = pending(app, "rui", "I need the Journal Approver role in Ledgerly")
    results: dict[str, Any] = {}

    def decide(request_id: str) -> None:
        results[request_id] = app.approvals.decide(request_id, "boss", True, "", "cli")

    # Both decisions start while the audit head is held elsewhere: without turns, each checks against grants
    # without the other's, then both wait here and both commit.
    with psycopg.connect(fresh_database_url) as holder:
        holder.execute("SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE")
        threads = [threading.Thread(target=decide, args=(request_id,)) for request_id in (poster, approver)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        holder.rollback()
    for thread in threads:
        thread.join(timeout=60)
    granted = [request_id for request_id, result in results.items() if result.granted]
    denied = [result.verdict.reason for result in results.values() if not result.granted]
    assert len(granted) == 1 and denied == [Reason.SOD_CONFLICT]
    with app.database.connection() as conn:
        held = conn.execute("SELECT count(*) AS n FROM user_roles WHERE user_id = 'rui' AND status = 'active' "
                            "AND role_id IN ('ldg-poster', 'ldg-approver')").fetchone()
    assert held["n"] == 1


def test_a_request_its_application_owner_cannot_decide_goes_to_the_owners_manager(  # type: ignore[no-untyped-def]
        app, fresh_database_url: str) -> None:
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:
        conn.execute("UPDATE users SET manager_id = 'boss' WHERE user_id = 'own'")
    request_id = pending(app, "own", "I need admin in Ledgerly")  # privileged, and own owns Ledgerly
    assert request_id in queue(app, "boss")
    result = app.approvals.decide(request_id, "boss", True, "", "cli")
    assert result.granted


def test_approval_checks_that_the_requester_is_still_active(app, fresh_database_url: str) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "boss", "Tess Okoro needs Viewer in Ledgerly")
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:  # the manager leaves meanwhile
        conn.execute("UPDATE users SET status = 'inactive' WHERE user_id = 'boss'")
    result = app.approvals.decide(request_id, "own", True, "", "cli")
    assert (result.verdict.decision, result.verdict.reason, result.granted) == (
        Decision.DENIED, Reason.NOT_AUTHORIZED_FOR_TARGET, False)
    assert "the requester Quinn Marlowe is inactive" in result.checks[0].detail


def test_an_automatic_grant_checks_again_in_its_write(app, app_factory, fresh_database_url: str,  # type: ignore[no-untyped-def]
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Journal Poster has no past decisions: an application that approves whatever passes the checks.
    app = app_factory(auto_approve_threshold=0.0, auto_approve_min_history=0)
    rules = app.service.ports.rules
    checked = rules.run_checks

    def checks_then_a_grant_meanwhile(requester: str, target: str, role: str, until: Any = None) -> Any:
        result = checked(requester, target, role, until)
        monkeypatch.setattr(rules, "run_checks", checked)  # once: the partner is granted between checks and write
        with psycopg.connect(fresh_database_url, autocommit=True) as conn:
            conn.execute("INSERT INTO user_roles (user_id, role_id) VALUES ('rui', 'ldg-approver')")
        return result

    monkeypatch.setattr(rules, "run_checks", checks_then_a_grant_meanwhile)
    outcome = app.service.handle("rui", "I need the Journal Poster role in Ledgerly").outcome
    assert (outcome.decision, outcome.reason) == (Decision.DENIED, Reason.SOD_CONFLICT)
    with app.database.connection() as conn:
        held = conn.execute("SELECT count(*) AS n FROM user_roles WHERE user_id = 'rui' AND role_id = 'ldg-poster'"
                            ).fetchone()
        written = conn.execute("SELECT count(*) AS n FROM requests WHERE requester_id = 'rui'").fetchone()
    assert held["n"] == 0 and written["n"] == 1  # the first decision was never written


def test_a_comment_with_control_characters_or_too_long_decides_nothing(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", "I need the Viewer role in Ledgerly")
    for comment in ("ok \x1b[2J\x1b[31mAPPROVED", "x" * 2001):  # a terminal escape; past what the API takes
        with pytest.raises(ReviewError) as refused:
            app.approvals.decide(request_id, "boss", True, comment, "cli")
        assert refused.value.code == "INVALID_COMMENT"
    assert request_id in queue(app, "boss")
    assert app.approvals.decide(request_id, "boss", True, "line one\nline two\tok", "cli").granted


def test_a_denial_is_recorded_with_the_comment(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", "I need the Viewer role in Ledgerly")
    result = app.approvals.decide(request_id, "own", False, "not for contractors", "cli")
    assert (result.verdict.decision, result.verdict.reason) == (Decision.DENIED, Reason.DENIED_BY_APPROVER)
    assert request_id not in queue(app, "boss")


def test_stale_requests_expire(app, fresh_database_url: str) -> None:  # type: ignore[no-untyped-def]
    old = pending(app, "tess", "I need the Viewer role in Ledgerly")
    fresh = pending(app, "rui", "I need the Journal Approver role in Ledgerly")
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:
        conn.execute("UPDATE requests SET created_at = now() - interval '15 days' WHERE request_id = %s", (old,))
    item = next(i for i in app.approvals.pending_for("boss") if i.request_id == old)
    assert item.expires_at - item.created_at == timedelta(days=14)
    assert app.approvals.expire() == [old]
    assert app.store.get(old).reason is Reason.EXPIRED
    assert app.store.get(fresh).decision is Decision.PENDING_APPROVAL
    assert verify(app.database).ok


def test_the_cli_lists_and_decides(app, fresh_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.cli.main import main

    request_id = pending(app, "tess", "I need the Viewer role in Ledgerly")
    monkeypatch.setenv("ASKIAM_DATABASE_URL", fresh_database_url)
    assert main(["approvals", "list", "--as", "boss"]) == 0
    listed = capsys.readouterr().out
    assert request_id in listed and "Viewer in Ledgerly for Tess Okoro (tess)" in listed
    assert "asked by Tess Okoro (tess)" in listed
    assert main(["approvals", "decide", request_id, "approve", "--as", "rui"]) == 2
    assert "NOT_FOUND" in capsys.readouterr().err
    assert main(["approvals", "decide", request_id, "approve", "--as", "boss", "--comment", "ok"]) == 0
    assert "APPROVED" in capsys.readouterr().out
    # The approver's decision and the refused attempt are told apart from `askiam ask` requests (channel cli).
    with app.database.connection() as conn:
        channels = conn.execute("SELECT event_type, channel FROM audit_log WHERE request_id = %s ORDER BY seq",
                                (request_id,)).fetchall()
        published = conn.execute("SELECT payload->>'channel' AS channel FROM outbox WHERE request_id = %s AND "
                                 "event_type = 'access_request.approved'", (request_id,)).fetchone()
    assert [(row["event_type"], row["channel"]) for row in channels] == [
        ("access_request.decided", "cli"), ("access_request.decision_refused", "cli-approvals"),
        ("access_request.approved", "cli-approvals")]
    assert published["channel"] == "cli-approvals"


def test_the_cli_says_when_the_checks_overrule_an_approval(  # type: ignore[no-untyped-def]
        app, fresh_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from bot.cli.main import main

    request_id = pending(app, "rui", "I need the Journal Approver role in Ledgerly")
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:
        conn.execute("INSERT INTO user_roles (user_id, role_id, status) VALUES ('rui', 'ldg-poster', 'active')")
    monkeypatch.setenv("ASKIAM_DATABASE_URL", fresh_database_url)
    assert main(["approvals", "decide", request_id, "approve", "--as", "boss"]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"{request_id}: DENIED (SOD_CONFLICT); your approval did not stand, nothing was granted: "
                           "conflicts with Journal Poster in Ledgerly"), said


def test_the_scheduled_expiry_function_expires_overdue_requests_with_their_event(  # type: ignore[no-untyped-def]
        app, fresh_database_url: str) -> None:
    from bot import scheduled_jobs
    from bot.expiry_job import lambda_handler

    old = pending(app, "tess", "I need the Viewer role in Ledgerly")
    fresh = pending(app, "rui", "I need the Journal Approver role in Ledgerly")
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:
        conn.execute("UPDATE requests SET created_at = now() - interval '15 days' WHERE request_id = %s", (old,))
    scheduled_jobs.use_application(app)
    try:
        assert lambda_handler({"source": "aws.events", "detail-type": "Scheduled Event"}, None) == {"expired": 1}
        assert lambda_handler({"source": "aws.events", "detail-type": "Scheduled Event"}, None) == {"expired": 0}
    finally:
        scheduled_jobs.use_application(None)
    assert app.store.get(old).reason is Reason.EXPIRED
    assert app.store.get(fresh).decision is Decision.PENDING_APPROVAL
    with app.database.connection() as conn:
        events = conn.execute("SELECT event_type FROM outbox WHERE request_id = %s ORDER BY event_id",
                              (old,)).fetchall()
    assert [e["event_type"] for e in events][-1] == "access_request.expired"
    assert verify(app.database).ok


def test_a_running_local_server_expires_overdue_requests_without_a_visit_to_the_queue(  # type: ignore[no-untyped-def]
        app, fresh_database_url: str) -> None:
    from bot.api.local_server import serving

    old = pending(app, "tess", "I need the Viewer role in Ledgerly")
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:
        conn.execute("UPDATE requests SET created_at = now() - interval '15 days' WHERE request_id = %s", (old,))
    with serving(app):
        deadline = time.monotonic() + 30
        while app.store.get(old).decision is Decision.PENDING_APPROVAL and time.monotonic() < deadline:
            time.sleep(0.05)
    assert app.store.get(old).reason is Reason.EXPIRED


def _edit_csv(path: Path, change: Any) -> None:
    """Rewrite a bundle file row by row: `change(row)` returns the row to keep (possibly edited) or None."""
    import csv

    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        rows = [kept for row in reader if (kept := change(row)) is not None]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def _reimport_without(app, folder: Path, *, user: str | None = None, role: str | None = None,  # type: ignore[no-untyped-def]
                      edit_user: Any = None) -> None:
    def keep(row: dict[str, str]) -> dict[str, str] | None:
        if user is not None and user in (row.get("user_id"), row.get("manager_id")):
            return None
        if role is not None and role in (row.get("role_id"), row.get("role_a"), row.get("role_b"),
                                         row.get("requires_role_id")):
            return None
        return edit_user(row) if edit_user is not None and "display_name" in row else row

    for name in ("users.csv", "roles.csv", "user_roles.csv", "access_history.csv", "eligibility.csv",
                 "sod_rules.csv", "prerequisites.csv"):
        _edit_csv(folder / name, keep)
    app.import_bundle(folder)


@pytest.fixture
def org_folder(app_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    application = app_factory()
    folder = rules_org(tmp_path / "org2")
    application.import_bundle(folder)
    return application, folder


def test_approving_a_request_whose_role_an_import_removed_is_denied_not_an_error(org_folder) -> None:  # type: ignore[no-untyped-def]
    app, folder = org_folder
    request_id = pending(app, "rui", "I need admin in Ledgerly")  # privileged: the owner decides
    _reimport_without(app, folder, role="ldg-admin")
    result = app.approvals.decide(request_id, "own", True, "ok", "cli")
    assert (result.verdict.decision, result.verdict.reason) == (Decision.DENIED, Reason.NO_LONGER_IN_CATALOG)
    assert not result.granted and verify(app.database).ok


def test_approving_for_a_person_who_left_is_denied_as_such(org_folder) -> None:  # type: ignore[no-untyped-def]
    app, folder = org_folder
    gone = pending(app, "tess", "I need the Viewer role in Ledgerly")
    _reimport_without(app, folder, user="tess")
    result = app.approvals.decide(gone, "own", True, "ok", "cli")
    assert (result.verdict.decision, result.verdict.reason) == (Decision.DENIED, Reason.NO_LONGER_IN_CATALOG)


def test_approving_for_a_person_now_inactive_is_denied_user_inactive(org_folder) -> None:  # type: ignore[no-untyped-def]
    app, folder = org_folder
    request_id = pending(app, "tess", "I need the Viewer role in Ledgerly")
    _reimport_without(app, folder, edit_user=lambda row: {**row, "status": "inactive"} if row["user_id"] == "tess"
                      else row)
    result = app.approvals.decide(request_id, "own", True, "ok", "cli")
    assert (result.verdict.decision, result.verdict.reason) == (Decision.DENIED, Reason.USER_INACTIVE)


def test_an_application_owner_who_left_is_replaced_by_their_manager_and_never_listed(org_folder) -> None:  # type: ignore[no-untyped-def]
    app, folder = org_folder
    _reimport_without(app, folder, edit_user=lambda row: {**row, "status": "inactive", "manager_id": "boss"}
                      if row["user_id"] == "own" else row)
    request_id = pending(app, "rui", "I need admin in Ledgerly")
    approvers = {item.request_id: item.capacity for item in app.approvals.pending_for("boss")}
    assert approvers.get(request_id) == "manager of the application owner"
    with app.database.connection() as conn:
        listed = conn.execute("SELECT approver_id FROM request_approvers WHERE request_id = %s",
                              (request_id,)).fetchall()
    assert [row["approver_id"] for row in listed] == ["boss"]


@pytest.mark.parametrize("given", ["", "   ", "hello", "R-", "R-99999999999999999999", "x" * 5000])
def test_a_decision_on_something_that_is_no_request_id_is_refused_and_writes_nothing(app, given: str) -> None:  # type: ignore[no-untyped-def]
    with app.database.connection() as conn:
        before = conn.execute("SELECT count(*) AS n FROM audit_log").fetchone()["n"]
    with pytest.raises(ReviewError) as refused:
        app.approvals.decide(given, "boss", True, "", "cli")
    assert refused.value.code == "NOT_FOUND" and "not a request id" in str(refused.value)
    assert len(str(refused.value)) < 200  # a long input is not echoed whole
    with app.database.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM audit_log").fetchone()["n"] == before


def test_a_decision_too_late_says_who_closed_the_request_when_and_how(  # type: ignore[no-untyped-def]
        app, fresh_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from bot.cli.main import main

    def refused(request_id: str) -> str:
        with pytest.raises(ReviewError) as caught:
            app.approvals.decide(request_id, "own", True, "", "api")
        assert caught.value.code == "ALREADY_DECIDED"
        return str(caught.value)

    withdrawn = pending(app, "tess", "I need the Viewer role in Ledgerly")
    app.approvals.withdraw(withdrawn, "tess", "api")
    assert re.fullmatch(rf"Tess Okoro \(tess\) withdrew {withdrawn} on \d{{4}}-\d\d-\d\d \d\d:\d\d UTC, before your "
                        "decision; it is not pending, so nothing was changed", refused(withdrawn))
    expired = pending(app, "rui", "I need the Journal Approver role in Ledgerly")
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:
        conn.execute("UPDATE requests SET created_at = now() - interval '15 days' WHERE request_id = %s", (expired,))
    assert app.approvals.expire() == [expired]
    assert re.fullmatch(rf"{expired} expired on [-\d]+ [:\d]+ UTC before anyone decided it \(pending for more than 14 "
                        r"days\); it is not pending, so nothing was changed", refused(expired))
    denied = pending(app, "boss", "I need the Viewer role in Ledgerly")
    app.approvals.decide(denied, "own", False, "use the reports", "api")
    assert re.fullmatch(rf'{denied} was already denied by Olu Bankole \(own\) on [-\d]+ [:\d]+ UTC: "use the reports"; '
                        "it is not pending, so nothing was changed", refused(denied))
    auto = app.service.handle("ana", "I need the approver role in Ledgerly").outcome  # denied when asked (SoD)
    with pytest.raises(ReviewError) as caught:
        app.approvals.decide(auto.request_id, "boss", True, "", "api")
    assert re.match(rf"AskIAM decided {auto.request_id} when it was asked, on [-\d]+ [:\d]+ UTC \(denied\)",
                    str(caught.value))
    # The command line says the same.
    monkeypatch.setenv("ASKIAM_DATABASE_URL", fresh_database_url)
    assert main(["approvals", "decide", withdrawn, "approve", "--as", "own"]) == 2
    assert f"askiam: ALREADY_DECIDED: Tess Okoro (tess) withdrew {withdrawn} on " in capsys.readouterr().err


def test_the_cli_queue_says_when_a_request_extends_a_grant(  # type: ignore[no-untyped-def]
        app, fresh_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from bot.cli.main import main

    held_until = (datetime.now(UTC) + timedelta(days=5)).replace(second=0, microsecond=0)
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:  # Tess holds Viewer for five more days
        conn.execute("INSERT INTO user_roles (user_id, role_id, expires_at) VALUES ('tess', 'ldg-viewer', %s)",
                     (held_until,))
    extension = pending(app, "tess", "I need the Viewer role in Ledgerly for 30 days")
    fresh = pending(app, "tess", "I need Editor in WikiWiki")
    monkeypatch.setenv("ASKIAM_DATABASE_URL", fresh_database_url)
    assert main(["approvals", "list", "--as", "boss"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert f" UTC, an extension: holds it until {held_until:%Y-%m-%d %H:%M} UTC (asked by" in lines[extension]
    assert "extension" not in lines[fresh] and "holds it" not in lines[fresh]
    assert main(["approvals", "list", "--as", "boss", "--json"]) == 0
    listed = {item["request_id"]: item for item in map(json.loads, capsys.readouterr().out.splitlines())}
    assert listed[extension]["held"] and datetime.fromisoformat(listed[extension]["held_until"]) == held_until
    assert (listed[fresh]["held"], listed[fresh]["held_until"]) == (False, None)
