"""Decision events: written with each decision, relayed at least once, never lost when publishing fails."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from botocore.stub import Stubber

from bot.domain import Decision
from bot.ports import OutboxEvent
from outbox.publishers import EventBridgePublisher, JsonlPublisher, PublishError
from tests.fakes.bundles import rules_org
from validators.outbox import pending_count, relay

pytestmark = pytest.mark.integration


class FlakyPublisher:
    def __init__(self, inner: JsonlPublisher, failures: int) -> None:
        self.inner, self.failures = inner, failures

    def publish(self, events: Sequence[OutboxEvent]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("subscriber unreachable")
        self.inner.publish(events)


@pytest.fixture
def app(app_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    application = app_factory()
    application.import_bundle(rules_org(tmp_path / "org"))
    for text in ("I need Editor in WikiWiki", "I need the approver role in Ledgerly",
                 "I need the Viewer role in Ledgerly"):
        application.service.handle("ana", text)
    return application


def test_every_decision_is_published_once_and_a_failure_loses_nothing(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sink = tmp_path / "events.jsonl"
    flaky = FlakyPublisher(JsonlPublisher(sink), failures=1)
    with pytest.raises(ConnectionError):
        relay(app.database, flaky, batch=2)
    assert pending_count(app.database) == 3 and not sink.exists()
    assert relay(app.database, flaky, batch=2) == 3
    assert relay(app.database, flaky, batch=2) == 0
    events = [json.loads(line) for line in sink.read_text().splitlines()]
    with app.database.connection() as conn:
        requests = [row["request_id"] for row in conn.execute("SELECT request_id FROM requests ORDER BY request_id")]
    assert sorted(event["request_id"] for event in events) == requests
    assert len({event["event_id"] for event in events}) == 3


def test_eventbridge_batches_and_a_partial_failure_retries_the_batch() -> None:
    import boto3

    client = boto3.client("events", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")
    events = [OutboxEvent(event_id=n, request_id=f"R-{n}", event_type="access_request.decided",
                          payload={"decision": "DENIED"}, created_at="2026-11-23") for n in range(12)]
    with Stubber(client) as stub:
        stub.add_response("put_events", {"FailedEntryCount": 0, "Entries": [{"EventId": str(n)} for n in range(10)]})
        stub.add_response("put_events", {"FailedEntryCount": 1, "Entries": [
            {"EventId": "a"}, {"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}]})
        with pytest.raises(PublishError, match="ThrottlingException"):
            EventBridgePublisher("askiam-bus", client=client).publish(events)
        stub.assert_no_pending_responses()


def _published(app, tmp_path: Path, name: str) -> list[dict]:  # type: ignore[no-untyped-def]
    sink = tmp_path / name
    relay(app.database, JsonlPublisher(sink))
    return [json.loads(line) for line in sink.read_text().splitlines()] if sink.exists() else []


def test_an_approval_event_says_until_when_by_whom_and_why(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _published(app, tmp_path, "before.jsonl")
    filed = app.service.handle("tess", "I need the Viewer role in Ledgerly for two weeks").outcome
    assert filed.access_until is not None
    app.approvals.decide(filed.request_id, "boss", True, "for the Q3 audit", "cli-approvals")
    events = _published(app, tmp_path, "events.jsonl")
    assert [event["event_type"] for event in events] == ["access_request.decided", "access_request.approved"]
    filing, approval = events
    end = filed.access_until.astimezone(UTC)
    for event in events:
        # ISO 8601 in UTC, written with Z as the API writes times.
        assert event["created_at"].endswith("Z") and datetime.fromisoformat(event["created_at"]).tzinfo is not None
        assert datetime.fromisoformat(event["access_until"]) == end and event["access_until"].endswith("Z")
        # The fields subscribers already read are all still there.
        assert {"event_id", "request_id", "event_type", "requester_id", "target_id", "app_id", "role_id",
                "decision", "reason", "channel"} <= set(event)
    assert (filing["decided_by"], filing["granted"], filing["comment"], filing["capacity"]) == (
        "askiam", False, "", None)
    assert (approval["decision"], approval["granted"], approval["decided_by"], approval["capacity"],
            approval["action"], approval["comment"], approval["channel"]) == (
        "APPROVED", True, "boss", "manager", "approve", "for the Q3 audit", "cli-approvals")


def test_a_grant_without_an_end_says_so(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _published(app, tmp_path, "before.jsonl")
    filed = app.service.handle("tess", "I need the Viewer role in Ledgerly").outcome
    app.approvals.decide(filed.request_id, "own", True, "", "api")
    approval = _published(app, tmp_path, "events.jsonl")[-1]
    assert (approval["event_type"], approval["access_until"], approval["capacity"]) == (
        "access_request.approved", None, "application owner")


def test_questions_answered_or_asked_back_are_not_decision_events(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _published(app, tmp_path, "before.jsonl")
    questions = ["what access do I have?", "status of my requests", "I need access", "ok thanks",
                 "I no longer need Viewer in Ledgerly, please remove it"]
    outcomes = [app.service.handle("rui", text).outcome for text in questions]
    assert {outcome.decision for outcome in outcomes} == {Decision.NEEDS_CLARIFICATION}
    assert pending_count(app.database) == 0
    with app.database.connection() as conn:  # each is still on the record
        audited = conn.execute("SELECT count(*) AS n FROM audit_log WHERE request_id = ANY(%s)",
                               ([outcome.request_id for outcome in outcomes],)).fetchone()
    assert audited["n"] == len(questions)
    denied = app.service.handle("ana", "I need the approver role in Ledgerly").outcome  # a decision: published
    assert [event["request_id"] for event in _published(app, tmp_path, "events.jsonl")] == [denied.request_id]
