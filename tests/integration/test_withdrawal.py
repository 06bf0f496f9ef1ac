"""Calling off one's own request while it waits for approval ("cancel R-1482"), through the service on a real
PostgreSQL: closed as DENIED (WITHDRAWN), audited with its event, gone from the approvers' queue, and never
possible for anyone else's request or for one already decided."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.domain import Decision, Reason
from tests.fakes.bundles import rules_org
from validators.audit_query import AuditFilter
from validators.audit_reports import outcomes, time_to_decision, top_roles

pytestmark = pytest.mark.integration


@pytest.fixture
def app(app_factory, tmp_path: Path) -> Any:  # type: ignore[no-untyped-def]
    application = app_factory()
    application.import_bundle(rules_org(tmp_path / "org"))
    return application


def _pending(app: Any, who: str, text: str) -> str:
    outcome = app.service.handle(who, text).outcome
    assert outcome.decision is Decision.PENDING_APPROVAL, outcome.message
    return str(outcome.request_id)


def _say(app: Any, who: str, text: str, state: Any = None) -> str:
    outcome = app.service.handle(who, text, state=state).outcome
    assert (outcome.decision, outcome.reason) == (Decision.NEEDS_CLARIFICATION, Reason.NOTHING_REQUESTED), \
        outcome.message
    return str(outcome.message)


def _status(app: Any, request_id: str) -> tuple[str, str]:
    with app.database.connection() as conn:
        row = conn.execute("SELECT status, reason FROM requests WHERE request_id = %s", (request_id,)).fetchone()
    return row["status"], row["reason"]


def test_a_pending_request_named_by_id_is_withdrawn_audited_and_leaves_the_queue(app: Any) -> None:
    request_id = _pending(app, "tess", "I need the Viewer role in Ledgerly")
    assert request_id in [item.request_id for item in app.approvals.pending_for("boss")]
    answer = _say(app, "tess", f"please cancel {request_id}")
    assert answer == (f"Withdrawn: request {request_id} (Viewer in Ledgerly for you) is closed and will not be "
                      "decided; its approvers no longer see it.")
    assert _status(app, request_id) == ("DENIED", "WITHDRAWN")
    assert request_id not in [item.request_id for item in app.approvals.pending_for("boss")]
    with app.database.connection() as conn:
        record = conn.execute("SELECT event_type, decision, reason FROM audit_log WHERE request_id = %s "
                              "ORDER BY seq DESC LIMIT 1", (request_id,)).fetchone()
        events = [row["event_type"] for row in conn.execute(
            "SELECT event_type FROM outbox WHERE request_id = %s ORDER BY event_id", (request_id,)).fetchall()]
    assert (record["event_type"], record["decision"], record["reason"]) == (
        "access_request.withdrawn", "DENIED", "WITHDRAWN")
    assert events[-1] == "access_request.withdrawn"
    # Once withdrawn: not again, not decided by an approver, and said so when asked about.
    assert _say(app, "tess", f"withdraw {request_id}") == (
        f"Request {request_id} (Viewer in Ledgerly for you) is already withdrawn.")
    with pytest.raises(Exception, match="Tess Okoro \\(tess\\) withdrew .* before your decision; it is not pending"):
        app.approvals.decide(request_id, "boss", True, "", "cli")
    assert "Withdrawn by you on " in _say(app, "tess", f"what is {request_id}?")
    # In the audit report it is withdrawn, not a denial; in the list of the person's requests, too.
    counted = outcomes(app.database, AuditFilter(requester_id="tess"))
    assert (counted.withdrawn, counted.denied) == (1, 0), counted
    roles = top_roles(app.database, AuditFilter(requester_id="tess"))
    assert [(role.role_id, role.denied, role.withdrawn) for role in roles] == [("ldg-viewer", 0, 1)], roles
    assert time_to_decision(app.database, AuditFilter(requester_id="tess")).decisions == 0  # no decision taken
    listed = _say(app, "tess", "show my requests")
    assert f"{request_id} (" in listed and "Viewer in Ledgerly for you, withdrawn" in listed, listed


def test_someone_elses_request_or_a_decided_one_is_never_withdrawn(app: Any) -> None:
    request_id = _pending(app, "tess", "I need the Viewer role in Ledgerly")
    assert _say(app, "rui", f"cancel {request_id}").startswith(
        f"I could not find request {request_id} among your requests.")
    assert _say(app, "rui", "cancel R-999999").startswith("I could not find request R-999999 among your requests.")
    assert _status(app, request_id) == ("PENDING_APPROVAL", "LOW_CONFIDENCE")
    app.approvals.decide(request_id, "boss", True, "fine", "cli")
    assert _say(app, "tess", f"cancel {request_id}").endswith(
        "is already approved, so it cannot be withdrawn. Access already granted is not withdrawn here: to give it "
        "up, ask your IAM team or the application's owner.")
    assert _status(app, request_id) == ("APPROVED", "APPROVED_BY_APPROVER")


def test_the_person_it_is_for_may_withdraw_a_request_made_for_them(app: Any) -> None:
    request_id = _pending(app, "boss", "Tess Okoro needs the Viewer role in Ledgerly")
    assert _say(app, "tess", f"withdraw {request_id}").startswith(f"Withdrawn: request {request_id}")


def test_without_an_id_the_pending_requests_are_listed_and_none_is_withdrawn(app: Any) -> None:
    assert _say(app, "tess", "please withdraw my request").startswith(
        "None of your requests is waiting for approval, so there is nothing to withdraw.")
    ledger = _pending(app, "tess", "I need the Viewer role in Ledgerly")
    only = _say(app, "tess", "please withdraw my request")
    assert only.startswith(f"Your request waiting for approval: 1. {ledger} (") and '"withdraw R-1234"' in only
    wiki = _pending(app, "tess", "I need Editor in WikiWiki")
    several = _say(app, "tess", "cancel my request")
    assert several.startswith("Your 2 requests waiting for approval: ") and ledger in several and wiki in several
    narrowed = _say(app, "tess", "withdraw my WikiWiki request")
    assert wiki in narrowed and ledger not in narrowed
    by_role = _say(app, "tess", "cancel my Editor request")
    assert wiki in by_role and ledger not in by_role
    assert _say(app, "tess", "cancel my Journal Approver request").startswith(
        "None of your requests of the kind you name is waiting for approval")
    assert _status(app, ledger)[0] == _status(app, wiki)[0] == "PENDING_APPROVAL"


@pytest.mark.parametrize("text", [
    "Can I cancel my request?", "Can I cancel R-{id}?", "How do I withdraw R-{id}?",
    "What happens if I withdraw my request?", "I need Viewer in WikiWiki so I can "
    "cancel the change request", "please cancel R-{id} and R-999999", "I need Editor in WikiWiki; please withdraw "
    "my Ledgerly request", "don't cancel my request", "cancel his request"])
def test_questions_purposes_and_mixed_messages_withdraw_nothing(app: Any, text: str) -> None:
    request_id = _pending(app, "tess", "I need the Viewer role in Ledgerly")
    app.service.handle("tess", text.replace("{id}", request_id.removeprefix("R-")))
    assert _status(app, request_id)[0] == "PENDING_APPROVAL"


def test_an_overdue_request_is_expired_not_withdrawn(app: Any) -> None:
    request_id = _pending(app, "tess", "I need the Viewer role in Ledgerly")
    with app.database.connection() as conn:
        conn.execute("UPDATE requests SET created_at = now() - interval '60 days' WHERE request_id = %s",
                     (request_id,))
    assert "already expired (denied: nobody decided it in time)" in _say(app, "tess", f"cancel {request_id}")
    assert _status(app, request_id) == ("DENIED", "EXPIRED")


def test_cancel_that_right_after_a_request_withdraws_it_and_while_a_question_waits_calls_it_off(app: Any) -> None:
    turn = app.service.handle("tess", "I need the Viewer role in Ledgerly")
    assert turn.outcome.decision is Decision.PENDING_APPROVAL
    assert _say(app, "tess", "cancel that", state=turn.state).startswith(
        f"Withdrawn: request {turn.outcome.request_id} ")
    asking = app.service.handle("tess", "I need access to WikiWiki")
    assert asking.outcome.clarification is not None
    called_off = app.service.handle("tess", "cancel that", state=asking.state).outcome
    assert called_off.decision is Decision.NEEDS_CLARIFICATION and "withdrawn" not in called_off.message.lower()
    assert _say(app, "tess", "cancel that").startswith("There is no request")


def test_a_change_to_a_pending_request_files_a_new_one_and_says_the_earlier_one_stands(app: Any) -> None:
    first = app.service.handle("tess", "I need the Viewer role in Ledgerly")
    assert first.outcome.decision is Decision.PENDING_APPROVAL, first.outcome.message
    changed = app.service.handle("tess", "actually make that Journal Poster", state=first.state).outcome
    assert changed.role_id == "ldg-poster" and changed.request_id != first.outcome.request_id, changed.message
    earlier = first.outcome.request_id
    assert changed.message.endswith(f"Your earlier request {earlier} (Viewer in Ledgerly) is still waiting for "
                                    f"approval; if this one replaces it, say \"cancel {earlier}\"."), changed.message
    assert _status(app, str(earlier))[0] == "PENDING_APPROVAL"  # never withdrawn on a reading of "actually"
    # Another person's request after it is no change of the earlier one: no note.
    other = app.service.handle("boss", "I need the Viewer role in WikiWiki")
    same_for = app.service.handle("boss", "same for Rui Costa", state=other.state).outcome
    assert "earlier request" not in same_for.message, same_for.message


def test_asking_whether_or_how_to_withdraw_is_answered_with_how_and_the_requests_that_can_be(app: Any) -> None:
    request_id = _pending(app, "tess", "I need the Viewer role in Ledgerly")
    answer = _say(app, "tess", "Can I cancel my request?")
    assert answer.startswith("Yes, while it waits for approval. Your request waiting for approval: 1. " + request_id)
    assert '"withdraw R-1234"' in answer and "can only handle requests for new access" not in answer
    assert _say(app, "rui", "how do I cancel my request?").startswith("None of your requests is waiting")
