"""Exports stream through a server-side cursor: 100,000 records out in bounded memory, as CSV and JSON Lines."""

from __future__ import annotations

import csv
import io
import json
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from validators import audit
from validators.audit_query import CSV_COLUMNS, AuditFilter, export

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RECORDS = 100_000
T0 = datetime(2025, 1, 1, tzinfo=UTC)


class Sink(io.TextIOBase):
    """Counts what is written and keeps only the first and last lines, like a file would cost no memory."""

    def __init__(self) -> None:
        self.chars = 0
        self.lines = 0
        self.first: list[str] = []
        self.last = ""

    def write(self, text: str) -> int:
        self.chars += len(text)
        self.lines += text.count("\n")
        if len(self.first) < 3:
            self.first.append(text)
        self.last = text
        return len(text)


def _event(number: int) -> dict[str, Any]:
    person = f"user{number % 997}"
    return {"event_type": "access_request.decided", "request_id": f"R-{number}", "requester_id": person,
            "target_id": person, "app_id": f"app{number % 40}", "role_id": f"role{number % 400}",
            "decision": ("APPROVED", "DENIED", "PENDING_APPROVAL")[number % 3], "reason": "AUTO_APPROVED",
            "channel": "cli",
            "details": {"decided_by": "askiam" if number % 5 else f"approver{number % 7}",
                        "text": f"I need role {number % 400} in app {number % 40}, " + "for the quarter close " * 12,
                        "confidence": 0.5, "checks": [{"name": "ELIGIBLE", "passed": True, "detail": "ok"}] * 6}}


@pytest.fixture(scope="module")
def big_log(postgres_url: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A database holding a valid chain of 100,000 records, written with COPY (append would take minutes)."""
    from tests.conftest import make_app

    name = f"askiam_audit_export_{id(tmp_path_factory)}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = psycopg.conninfo.make_conninfo(postgres_url, dbname=name)
    app = make_app(url, tmp_path_factory.mktemp("audit-export"))
    started = time.perf_counter()
    payload_chars = 0
    previous = audit.GENESIS_HASH
    with psycopg.connect(app.database_url) as conn:
        with conn.cursor().copy(f"COPY audit_log ({', '.join(audit.INSERT_COLUMNS)}) FROM STDIN") as copy:
            for seq in range(1, RECORDS + 1):
                row = audit.build_row(seq, previous, _event(seq), T0 + timedelta(seconds=seq * 60))
                copy.write_row(row.values())
                payload_chars += len(row.payload)
                previous = row.hash
        conn.execute("UPDATE audit_head SET seq = %s, hash = %s", (RECORDS, previous))
    print(f"\nloaded {RECORDS} records ({payload_chars / 1e6:.0f} MB of payload) in "
          f"{time.perf_counter() - started:.1f} s")
    yield app, payload_chars
    app.close()


def _measure(app: Any, fmt: str, selected: AuditFilter) -> tuple[Sink, int, float]:
    sink = Sink()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        written = export(app.database, selected, fmt, sink)  # type: ignore[arg-type]
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    assert written == (sink.lines - 1 if fmt == "csv" else sink.lines)
    return sink, written, peak


def test_a_jsonl_export_of_100k_records_stays_in_bounded_memory(big_log) -> None:  # type: ignore[no-untyped-def]
    app, payload_chars = big_log
    started = time.perf_counter()
    sink, written, peak = _measure(app, "jsonl", AuditFilter())
    seconds = time.perf_counter() - started
    print(f"\njsonl: {written} records, {sink.chars / 1e6:.0f} MB in {seconds:.1f} s, peak Python memory "
          f"growth {peak / 1e6:.1f} MB")
    assert written == RECORDS and sink.chars > payload_chars
    assert peak < 8_000_000 and peak < payload_chars / 10
    newest = json.loads(sink.first[0])
    assert newest["seq"] == RECORDS and newest["details"]["confidence"] == 0.5
    assert json.loads(sink.last)["seq"] == 1


def test_a_filtered_csv_export_streams_too(big_log) -> None:  # type: ignore[no-untyped-def]
    app, payload_chars = big_log
    started = time.perf_counter()
    half = AuditFilter(approver="askiam", until=T0 + timedelta(seconds=(RECORDS // 2 + 1) * 60))
    sink, written, peak = _measure(app, "csv", half)
    print(f"\ncsv (approver=askiam, first half): {written} records in {time.perf_counter() - started:.1f} s, peak "
          f"Python memory growth {peak / 1e6:.1f} MB")
    assert written == (RECORDS // 2) - (RECORDS // 2) // 5
    assert peak < 8_000_000 and peak < payload_chars / 10
    rows = list(csv.reader(io.StringIO("".join(sink.first))))
    assert tuple(rows[0]) == CSV_COLUMNS
    first = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert first["approver"] == "askiam" and json.loads(first["details"])["decided_by"] == "askiam"
    assert first["seq"] == str(max(seq for seq in range(1, RECORDS // 2 + 1) if seq % 5))


def test_the_chain_of_100k_records_verifies(big_log) -> None:  # type: ignore[no-untyped-def]
    app, _ = big_log
    started = time.perf_counter()
    report = audit.verify(app.database)
    print(f"\nverify: {report.records} records in {time.perf_counter() - started:.1f} s")
    assert report.ok and report.records == RECORDS
