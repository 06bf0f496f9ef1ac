"""Refused attempts on what is not the caller's, through the Lambda handler on a real PostgreSQL: each answers as
before (nothing tells that the id exists) and leaves one audit record, in the hash chain, of who tried what."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.api.handler import use_application
from tests.fakes.bundles import rules_org
from tests.integration.test_api_routes import Response, call
from validators.audit_query import AuditFilter, count
from validators.audit_reports import report
from validators.decisions import REFUSED_ATTEMPT_EVENT

pytestmark = pytest.mark.integration

NOBODYS_REQUEST = "R-999999"
NOBODYS_CONVERSATION = "c-" + "0" * 32


@pytest.fixture
def app(app_factory, tmp_path: Path) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    application = app_factory()
    application.import_bundle(rules_org(tmp_path / "org"))
    use_application(application)
    yield application
    use_application(None)


def _tables(app: Any) -> dict[str, int]:
    with app.database.connection() as conn:
        return {table: int(conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"])
                for table in ("requests", "request_decisions", "audit_log", "outbox", "conversations", "user_roles")}


def _refusals(app: Any) -> list[dict[str, Any]]:
    with app.database.connection() as conn:
        rows = conn.execute("SELECT request_id, requester_id, channel, decision, payload FROM audit_log "
                            "WHERE event_type = %s ORDER BY seq", (REFUSED_ATTEMPT_EVENT,)).fetchall()
    return rows  # type: ignore[no-any-return]


def _pending_for_tess() -> str:
    status, _, filed = call("POST", "/access-requests", {"user_id": "tess", "app_id": "ledgerly",
                                                         "role_id": "ldg-viewer"}, user="tess")
    assert (status, filed["decision"]) == (201, "PENDING_APPROVAL"), filed
    return str(filed["request_id"])


def _same_answer(refused: Response, missing: Response, named: str, nobody: str) -> None:
    """The answer about what exists but is not the caller's is the answer about nothing, word for word."""
    assert refused[0] == missing[0]
    assert refused[2] == {"error": {**missing[2]["error"], "message": missing[2]["error"]["message"].replace(
        nobody, named)}}


def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, home: Path,
         *args: str) -> tuple[int, str]:
    from bot.cli.main import main

    monkeypatch.setenv("ASKIAM_DATABASE_URL", url)
    monkeypatch.setenv("ASKIAM_HOME", str(home))
    capsys.readouterr()
    code = main(list(args))
    return code, capsys.readouterr().out


def test_a_refused_attempt_on_what_is_not_the_callers_is_audited_and_answered_as_nothing(  # type: ignore[no-untyped-def]
        app, fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    request_id = _pending_for_tess()
    _, _, started = call("POST", "/chat", {"text": "Please give Pat Rivera the Editor role in WikiWiki"}, user="boss")
    conversation = started["conversation_id"]
    before = _tables(app)

    # Ids that name nothing: answered as before, and not audited (an id naming nothing is no one's).
    missing_withdrawal = call("POST", f"/access-requests/{NOBODYS_REQUEST}/withdraw", user="rui")
    missing_read = call("GET", f"/access-requests/{NOBODYS_REQUEST}", user="rui")
    missing_chat = call("POST", "/chat", {"text": "2", "conversation_id": NOBODYS_CONVERSATION}, user="rui")
    assert _tables(app) == before

    withdrawal = call("POST", f"/access-requests/{request_id}/withdraw", user="rui")
    read = call("GET", f"/access-requests/{request_id.lower()}", user="rui")
    chat = call("POST", "/chat", {"text": "2", "conversation_id": conversation}, user="rui")
    audit = [call("GET", path, user="rui") for path in ("/audit/events", "/audit/export?format=csv",
                                                        "/audit/reports")]

    _same_answer(withdrawal, missing_withdrawal, request_id, NOBODYS_REQUEST)
    _same_answer(read, missing_read, request_id, NOBODYS_REQUEST)
    _same_answer(chat, missing_chat, conversation, NOBODYS_CONVERSATION)
    assert withdrawal[2]["error"]["code"] == read[2]["error"]["code"] == "REQUEST_NOT_FOUND"
    assert chat[2]["error"]["code"] == "CONVERSATION_NOT_FOUND"
    assert [(status, body["error"]["code"]) for status, _, body in audit] == [(403, "NOT_AN_AUDITOR")] * 3

    # One record each, and nothing else changed: the request still waits, the conversation is boss's.
    after = _tables(app)
    assert after == {**before, "audit_log": before["audit_log"] + 6}
    assert call("GET", f"/access-requests/{request_id}", user="tess")[2]["status"] == "PENDING_APPROVAL"
    records = _refusals(app)
    assert [(r["request_id"], r["requester_id"], r["channel"], r["decision"]) for r in records] == [
        (request_id, None, "api", None), (request_id, None, "api", None), *[(None, None, "api", None)] * 4]
    details = [json.loads(r["payload"])["details"] for r in records]
    assert {d["attempted_by"] for d in details} == {"rui"}
    assert [(d["route"], d["code"]) for d in details] == [
        (f"POST /access-requests/{request_id}/withdraw", "REQUEST_NOT_FOUND"),
        (f"GET /access-requests/{request_id.lower()}", "REQUEST_NOT_FOUND"),
        ("POST /chat", "CONVERSATION_NOT_FOUND"),
        ("GET /audit/events", "NOT_AN_AUDITOR"), ("GET /audit/export", "NOT_AN_AUDITOR"),
        ("GET /audit/reports", "NOT_AN_AUDITOR")]
    assert details[2]["conversation_id"] == conversation
    assert all(d["why"] for d in details)

    # The chain holds them like any record.
    code, out = _cli(monkeypatch, capsys, fresh_database_url, tmp_path / "home", "audit", "verify")
    assert code == 0 and "audit log OK" in out, out

    # Counted apart: they are no access requests, and the request they name is counted by its own records.
    refused = count(app.database, AuditFilter(event_type=REFUSED_ATTEMPT_EVENT))
    assert (refused.records, refused.requests, refused.questions_answered, refused.refused_attempts) == (6, 0, 0, 6)
    about = count(app.database, AuditFilter(request_id=request_id))
    assert (about.records, about.requests, about.refused_attempts) == (3, 1, 2)  # its filing, two attempts
    outcomes = report(app.database, AuditFilter()).outcomes
    assert (outcomes.requests, outcomes.pending, outcomes.refused_attempts) == (1, 1, 6)
    code, out = _cli(monkeypatch, capsys, fresh_database_url, tmp_path / "home", "audit", "query", "--event",
                     REFUSED_ATTEMPT_EVENT, "--count")
    assert out.strip() == "6 records, about 0 access requests, 0 questions answered, 0 clarifying questions, " \
                          "6 refused attempts"
    code, out = _cli(monkeypatch, capsys, fresh_database_url, tmp_path / "home", "audit", "query", "--request",
                     request_id, "--event", REFUSED_ATTEMPT_EVENT)
    assert f'attempted_by=rui channel=api route="POST /access-requests/{request_id}/withdraw" why="' in out, out
