"""Decision events: written with each decision, relayed at least once, never lost when publishing fails."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from botocore.stub import Stubber

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
