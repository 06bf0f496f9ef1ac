"""Approvers' edges on a real PostgreSQL: a request nobody may decide says so; refused decision attempts are
audited; text-direction marks in comments are refused; a request whose audit record was cut away fails verify."""

from __future__ import annotations

import psycopg
import pytest

from bot.domain import Decision
from validators import audit
from validators.approvals import ReviewError

pytestmark = pytest.mark.integration


@pytest.fixture
def app(rules_app):  # type: ignore[no-untyped-def]
    return rules_app


def test_a_request_nobody_may_decide_tells_the_requester(app) -> None:  # type: ignore[no-untyped-def]
    # 'own' owns Ledgerly and has no manager: their own privileged request has no approver at all.
    outcome = app.service.handle("own", "I need the Administrator role in Ledgerly").outcome
    assert outcome.decision is Decision.PENDING_APPROVAL
    assert "nobody can decide it at the moment" in outcome.message
    recorded = app.store.get(outcome.request_id)
    assert recorded is not None and "nobody can decide it" in recorded.message
    # A request someone can decide says nothing of the kind.
    other = app.service.handle("rui", "I need the Administrator role in Ledgerly").outcome
    assert other.decision is Decision.PENDING_APPROVAL and "nobody can decide" not in other.message


def test_a_refused_decision_attempt_is_audited_and_changes_nothing(app) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("rui", "I need the Administrator role in Ledgerly").outcome
    for who, code in (("rui", "NOT_AN_APPROVER"), ("tess", "NOT_FOUND")):
        with pytest.raises(ReviewError) as refused:
            app.approvals.decide(outcome.request_id, who, True, "", "cli")
        assert refused.value.code == code
    with app.database.connection() as conn:
        rows = conn.execute("SELECT payload FROM audit_log WHERE event_type = 'access_request.decision_refused' "
                            "AND request_id = %s ORDER BY seq", (outcome.request_id,)).fetchall()
        status = conn.execute("SELECT status FROM requests WHERE request_id = %s", (outcome.request_id,)).fetchone()
    assert [('"attempted_by":"rui"' in row["payload"], '"attempted_by":"tess"' in row["payload"]) for row in rows] == [
        (True, False), (False, True)]
    assert status["status"] == "PENDING_APPROVAL"
    assert audit.verify(app.database).ok


@pytest.mark.parametrize("comment", ["approved\u202e", "ok\u2066hidden\u2069", "line\rover", "a\u2028b"])
def test_a_comment_with_text_direction_marks_or_a_bare_carriage_return_is_refused(app, comment: str) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("rui", "I need the Administrator role in Ledgerly").outcome
    with pytest.raises(ReviewError) as refused:
        app.approvals.decide(outcome.request_id, "own", True, comment, "cli")
    assert refused.value.code == "INVALID_COMMENT"
    assert app.approvals.decide(outcome.request_id.lower(), "own", True, "fine\r\nthanks", "cli").granted


def test_verify_fails_when_a_requests_audit_record_was_cut_from_the_end(app) -> None:  # type: ignore[no-untyped-def]
    app.service.handle("ana", "I need Viewer in WikiWiki")
    assert audit.verify(app.database).ok
    cut = app.service.handle("rui", "I need Editor in WikiWiki").outcome
    # What a database administrator could do: the append-only triggers bypassed, the last record dropped and the
    # head moved back onto the one before it.
    with psycopg.connect(app.database_url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        last = conn.execute("SELECT seq, prev_hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        assert last is not None
        conn.execute("DELETE FROM audit_log WHERE seq = %s", (last[0],))
        conn.execute("UPDATE audit_head SET seq = %s, hash = %s WHERE id = 1", (last[0] - 1, last[1]))
    report = audit.verify(app.database)
    assert not report.ok and f"request {cut.request_id} has no audit record" in report.problem
