"""The hash-chained audit log: verify passes on an honest log and finds the first tampered record."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests.fakes.bundles import rules_org
from validators.audit import verify

pytestmark = pytest.mark.integration


@pytest.fixture
def app_with_log(app_factory, tmp_path: Path, fresh_database_url: str):  # type: ignore[no-untyped-def]
    app = app_factory()
    app.import_bundle(rules_org(tmp_path / "org"))
    for text in ("I need Editor in WikiWiki", "I need the approver role in Ledgerly", "I need admin access",
                 "Viewer in WikiWiki please", "Period Closer in Ledgerly please"):
        app.service.handle("ana", text)
    return app, fresh_database_url


def _as_owner(url: str, *statements: str) -> None:
    """Tamper the way a database administrator could: with the append-only triggers bypassed."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def test_an_honest_log_verifies(app_with_log) -> None:  # type: ignore[no-untyped-def]
    app, _ = app_with_log
    report = verify(app.database)
    assert report.ok and report.records == 6  # the import's record, then the five requests


def test_an_edited_payload_is_found(app_with_log) -> None:  # type: ignore[no-untyped-def]
    app, url = app_with_log
    _as_owner(url, "UPDATE audit_log SET payload = replace(payload, 'DENIED', 'APPROVED') WHERE seq = 3")
    report = verify(app.database)
    assert not report.ok and report.first_bad_seq == 3 and "altered" in report.problem


def test_an_edited_query_column_is_found(app_with_log) -> None:  # type: ignore[no-untyped-def]
    app, url = app_with_log
    _as_owner(url, "UPDATE audit_log SET decision = 'APPROVED' WHERE seq = 3")
    report = verify(app.database)
    assert not report.ok and report.first_bad_seq == 3 and "column decision" in report.problem


def test_a_deleted_record_is_found(app_with_log) -> None:  # type: ignore[no-untyped-def]
    app, url = app_with_log
    _as_owner(url, "DELETE FROM audit_log WHERE seq = 4")
    report = verify(app.database)
    assert not report.ok and report.first_bad_seq == 4 and "record 4 is missing" in report.problem


def test_a_record_moved_in_time_is_found(app_with_log) -> None:  # type: ignore[no-untyped-def]
    app, url = app_with_log
    # Time filters and reports read the column; the hashed payload holds the time it was written.
    _as_owner(url, "UPDATE audit_log SET created_at = created_at - interval '5 years' WHERE seq = 3")
    report = verify(app.database)
    assert not report.ok and report.first_bad_seq == 3 and "column created_at" in report.problem


def test_a_rehashed_record_breaks_the_next_link(app_with_log) -> None:  # type: ignore[no-untyped-def]
    app, url = app_with_log
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT payload, prev_hash FROM audit_log WHERE seq = 3").fetchone()
    from validators.audit import chain_hash

    forged = row[0].replace("DENIED", "APPROVED")
    assert forged != row[0]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("UPDATE audit_log SET payload = %s, hash = %s, decision = 'APPROVED' WHERE seq = 3",
                     (forged, chain_hash(row[1], forged)))
    report = verify(app.database)
    assert not report.ok and report.first_bad_seq == 4 and "does not link" in report.problem


def test_a_truncated_tail_is_found_against_the_head(app_with_log) -> None:  # type: ignore[no-untyped-def]
    app, url = app_with_log
    _as_owner(url, "DELETE FROM audit_log WHERE seq = 6")
    report = verify(app.database)
    assert not report.ok and "ends at record 5" in report.problem


def test_the_cli_reports_the_broken_link(app_with_log, monkeypatch: pytest.MonkeyPatch, capsys,  # type: ignore[no-untyped-def]
                                         tmp_path: Path) -> None:
    from bot.cli.main import main

    app, url = app_with_log
    monkeypatch.setenv("ASKIAM_DATABASE_URL", url)
    monkeypatch.setenv("ASKIAM_HOME", str(tmp_path / "cli-home"))  # never the developer's own home (and key)
    assert main(["audit", "verify"]) == 0
    assert "audit log OK: 6 records" in capsys.readouterr().out
    _as_owner(url, "UPDATE audit_log SET payload = payload || ' ' WHERE seq = 1")
    assert main(["audit", "verify"]) == 1
    assert "BROKEN at record 1" in capsys.readouterr().out


def test_a_decision_record_holds_what_auditors_need(app_with_log) -> None:  # type: ignore[no-untyped-def]
    import json

    app, _ = app_with_log
    with app.database.connection() as conn:
        row = conn.execute("SELECT payload FROM audit_log WHERE decision = 'DENIED' ORDER BY seq LIMIT 1").fetchone()
    payload = json.loads(row["payload"])
    details = payload["details"]
    assert payload["requester_id"] == "ana" and payload["channel"] == "cli" and payload["created_at"]
    assert details["text"] == "I need the approver role in Ledgerly"
    assert {m["kind"] for m in details["entities"]["matches"]} == {"user", "application", "role"}
    assert all("score" in m for m in details["entities"]["matches"])
    assert len(details["checks"]) == 6 and details["evidence_ids"] and details["catalog_version"] == 1
    assert details["decided_by"] == "askiam"
