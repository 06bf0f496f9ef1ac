"""Faults with a real PostgreSQL: the index failing or slow, the model failing, the connection killed mid-write,
and retries carrying the same idempotency key."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psycopg
import pytest

from bot.domain import Decision, Reason
from tests.fakes.bundles import rules_org
from validators import audit
from validators.audit import verify
from validators.errors import StoreUnavailableError

pytestmark = pytest.mark.integration
CONFIDENT = ("ana", "I need the Viewer role in Ledgerly")  # auto-approved when the index answers


@pytest.fixture
def app(app_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    application = app_factory(retrieval_timeout_s=0.5)
    application.import_bundle(rules_org(tmp_path / "org"))
    return application


def counts(app) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with app.database.connection() as conn:
        requests = conn.execute("SELECT count(*) AS n FROM requests").fetchone()["n"]
        records = conn.execute("SELECT count(*) AS n FROM audit_log").fetchone()["n"]
    return requests, records


def test_a_failing_index_sends_to_an_approver_and_says_why(app, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args: object) -> None:
        raise ConnectionError("vector index unreachable")

    monkeypatch.setattr(app.history_index, "similar", broken)
    outcome = app.service.handle(*CONFIDENT).outcome
    assert (outcome.decision, outcome.reason, outcome.confidence) == (Decision.PENDING_APPROVAL,
                                                                     Reason.LOW_CONFIDENCE, None)
    assert any(item.kind == "notice" for item in outcome.evidence)
    assert "unavailable" in outcome.message


def test_a_slow_index_is_not_waited_for(app, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    original = app.history_index.similar

    def slow(*args: object):  # type: ignore[no-untyped-def]
        time.sleep(2)
        return original(*args)

    monkeypatch.setattr(app.history_index, "similar", slow)
    outcome = app.service.handle(*CONFIDENT).outcome
    assert outcome.decision is Decision.PENDING_APPROVAL and outcome.confidence is None


def test_a_slow_index_run_in_the_requests_own_thread_is_not_used_either(app_factory, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_factory(retrieval_timeout_s=0.5, parallel_lookups="never")  # as `auto` does when every CPU is busy
    app.import_bundle(rules_org(tmp_path / "org"))
    original = app.history_index.similar

    def slow(*args: object):  # type: ignore[no-untyped-def]
        time.sleep(1)
        return original(*args)

    monkeypatch.setattr(app.history_index, "similar", slow)
    outcome = app.service.handle(*CONFIDENT).outcome
    assert outcome.decision is Decision.PENDING_APPROVAL and outcome.confidence is None


def test_a_failing_embedding_model_still_decides_on_the_hard_checks(app, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    def broken(texts: object) -> None:
        raise RuntimeError("model weights unreadable")

    monkeypatch.setattr(app.embedder, "embed", broken)
    app.service.ports.policies.clear_cache()
    denied = app.service.handle("ana", "I need the approver role in Ledgerly").outcome
    assert (denied.decision, denied.reason) == (Decision.DENIED, Reason.SOD_CONFLICT)


def test_a_connection_killed_mid_write_leaves_nothing_and_the_next_request_works(  # type: ignore[no-untyped-def]
        app, monkeypatch: pytest.MonkeyPatch, fresh_database_url: str) -> None:
    before = counts(app)
    original = audit.append

    def die(conn, event):  # type: ignore[no-untyped-def]
        pid = conn.execute("SELECT pg_backend_pid() AS pid").fetchone()["pid"]
        with psycopg.connect(fresh_database_url, autocommit=True) as admin:  # the server drops the session
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return original(conn, event)

    monkeypatch.setattr(audit, "append", die)
    with pytest.raises(StoreUnavailableError):
        app.service.handle(*CONFIDENT)
    monkeypatch.setattr(audit, "append", original)
    assert counts(app) == before
    with app.database.connection() as conn:
        granted = conn.execute("SELECT count(*) AS n FROM user_roles WHERE user_id = 'ana' AND role_id = 'ldg-viewer'"
                               ).fetchone()["n"]
    assert granted == 0
    outcome = app.service.handle(*CONFIDENT).outcome
    assert outcome.decision is Decision.APPROVED
    assert verify(app.database).ok


def test_the_same_idempotency_key_gives_one_decision_and_one_audit_record(app) -> None:  # type: ignore[no-untyped-def]
    before = counts(app)
    first = app.service.handle(*CONFIDENT, idempotency_key="lex-retry-1").outcome
    again = app.service.handle(*CONFIDENT, idempotency_key="lex-retry-1").outcome
    assert again.request_id == first.request_id and again.decision is first.decision
    assert counts(app) == (before[0] + 1, before[1] + 1)
    other_person = app.service.handle("rui", "I need Editor in WikiWiki", idempotency_key="lex-retry-1").outcome
    assert other_person.request_id != first.request_id  # keys are per requester


@pytest.mark.parametrize(("requester", "text"), [
    CONFIDENT, ("boss", "Rui Costa needs Editor in WikiWiki for 2 weeks")], ids=["for me", "for someone, until"])
def test_a_retried_decision_leaves_the_conversation_as_the_first_did(app, requester: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """"Why?" or "same for Daniel" after a retried delivery refer to the request decided, as after the first."""
    first = app.service.handle(requester, text, idempotency_key="retry-state-1")
    again = app.service.handle(requester, text, idempotency_key="retry-state-1")
    assert again.outcome.repeated and again.outcome.request_id == first.outcome.request_id
    assert first.state is not None and first.state.last is not None
    assert again.state == first.state


def test_concurrent_retries_with_one_key_record_once(app) -> None:  # type: ignore[no-untyped-def]
    before = counts(app)
    results: list[str] = []
    barrier = threading.Barrier(4)

    def attempt() -> None:
        barrier.wait()
        results.append(app.service.handle("rui", "I need Editor in WikiWiki", idempotency_key="click-7")
                       .outcome.request_id)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1
    assert counts(app) == (before[0] + 1, before[1] + 1)
    assert verify(app.database).ok


def test_a_requester_over_the_rate_limit_is_told_when_to_retry(app_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from bot.errors import InvalidRequestError, RateLimitedError

    limited = app_factory(rate_limit_per_minute=3)
    limited.import_bundle(rules_org(tmp_path / "limited"))
    for text in ("I need Editor in WikiWiki", "I need Viewer in WikiWiki", "I need admin access"):
        limited.service.handle("rui", text, channel="api")
    with pytest.raises(RateLimitedError) as caught:
        limited.service.handle("rui", "I need the Viewer role in Ledgerly", channel="api")
    assert caught.value.retry_after_s == 60
    limited.service.handle("ana", "I need Editor in WikiWiki", channel="api")  # other people are not affected
    limited.service.handle("rui", "I need the Viewer role in Ledgerly", channel="cli")  # the operator's CLI is not
    with pytest.raises(InvalidRequestError):
        limited.service.handle("ana", "x" * 5000, channel="api")
    with pytest.raises(InvalidRequestError):
        limited.service.handle("ana", " \u200b\t ", channel="api")


def test_a_failing_index_is_not_hammered(app, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    calls = []

    def broken(*args: object) -> None:
        calls.append(args)
        raise ConnectionError("vector index unreachable")

    monkeypatch.setattr(app.history_index, "similar", broken)
    for number in range(1, 9):  # eight people, so each request is evaluated (a repeat would return the pending one)
        outcome = app.service.handle(f"fin{number}", "I need Editor in WikiWiki", channel="cli").outcome
        assert outcome.decision is not Decision.APPROVED
    assert len(calls) == 5  # the breaker opened after five failures; later requests did not call the index
