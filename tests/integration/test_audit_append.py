"""The audit append runs in the server (one statement, the head locked until commit): what it stores is exactly
what the Python reference `build_row` computes, whatever the event holds, and concurrent appenders link one chain."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from validators import audit
from validators.audit import GENESIS_HASH, build_row, verify

pytestmark = pytest.mark.integration

AWKWARD_EVENTS: list[dict[str, Any]] = [
    {"event_type": "access_request.decided", "request_id": "R-1", "requester_id": "ana", "decision": "APPROVED",
     "details": {"text": "Zugang für Müller — 日本語 ✓ 🙂", "confidence": 0.97}},
    # The payload's own key, and strings that look like the placeholder, inside the event.
    {"event_type": "access_request.decided", "request_id": "R-2", "requester_id": "bo",
     "details": {"seq": 99, "text": '"seq":"seq-0123" and "seq-" "\\n" \\ \u0000 \u202e\u2066 \r\n\t',
                 "nested": {"seq": "seq-abc", "list": [1, None, True, {"seq": -1}]}}},
    {"event_type": "access_request.refused", "requester_id": "x" * 300, "channel": "api", "details": {}},
    {"event_type": "approval.decided", "request_id": "R-1", "details": {"comment": "'; DROP TABLE audit_log; --"}},
]


def _stored(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cursor:
        return cursor.execute("SELECT * FROM audit_log ORDER BY seq").fetchall()


def test_the_server_stores_what_the_python_reference_computes(app_factory) -> None:  # type: ignore[no-untyped-def]
    app = app_factory()
    with app.database.connection() as conn:
        for event in AWKWARD_EVENTS:
            with conn.transaction():
                audit.append(conn, event)
        rows = _stored(conn)

    assert [row["seq"] for row in rows] == [1, 2, 3, 4]
    previous = GENESIS_HASH
    for row, event in zip(rows, AWKWARD_EVENTS, strict=True):
        expected = build_row(row["seq"], previous, event, row["created_at"])
        assert row["payload"] == expected.payload
        assert (row["prev_hash"], row["hash"]) == (expected.prev_hash, expected.hash)
        assert tuple(row[field] for field in audit.INDEXED_FIELDS) == expected.fields
        previous = row["hash"]
    with app.database.connection() as conn:
        head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    assert head is not None and (head["seq"], head["hash"]) == (4, previous)
    assert verify(app.database).ok


def test_an_append_rolled_back_with_its_transaction_leaves_no_trace(app_factory) -> None:  # type: ignore[no-untyped-def]
    app = app_factory()
    with app.database.connection() as conn:
        with conn.transaction():
            audit.append(conn, AWKWARD_EVENTS[0])
        with pytest.raises(RuntimeError), conn.transaction():
            audit.append(conn, AWKWARD_EVENTS[1])
            raise RuntimeError("the decision's write failed after the append")
        with conn.transaction():
            audit.append(conn, AWKWARD_EVENTS[2])
        rows = _stored(conn)
    assert [(row["seq"], row["requester_id"]) for row in rows] == [(1, "ana"), (2, "x" * 300)]
    assert verify(app.database).ok


def test_concurrent_appenders_link_one_chain(app_factory) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(pool_size=6)
    appenders, each = 6, 25
    start = threading.Barrier(appenders)
    failures: list[BaseException] = []

    def appender(number: int) -> None:
        try:
            start.wait()
            for index in range(each):
                with app.database.connection() as conn, conn.pipeline(), conn.transaction():
                    audit.append(conn, {"event_type": "test.event", "request_id": f"T{number}-{index}",
                                        "details": {"appender": number, "index": index}})
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=appender, args=(number,)) for number in range(appenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    report = verify(app.database)
    assert report.ok and report.records == appenders * each
    with app.database.connection() as conn:
        ids = {row["request_id"] for row in _stored(conn)}
    assert ids == {f"T{number}-{index}" for number in range(appenders) for index in range(each)}
