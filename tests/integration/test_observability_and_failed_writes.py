"""Telemetry of real decisions through the composition root, the audit-write failure marker, and a pool that signs
each new connection in with a fresh password (as RDS IAM authentication does), against the real PostgreSQL."""

from __future__ import annotations

import io
import json
import logging
import os
from itertools import count
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aws_lambda_powertools import Logger
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bot.observability import PowertoolsTelemetry
from bot.settings import PowertoolsSettings
from tests.fakes.bundles import rules_org
from tests.unit.test_observability import emf_documents, metric

pytestmark = pytest.mark.integration
_roles = count(1)


def test_a_real_decision_writes_emf_metrics_and_a_log_line(app_factory, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    app = app_factory()
    stream = io.StringIO()
    app.telemetry = PowertoolsTelemetry(PowertoolsSettings(service_name="askiam-it"),
                                        logger=Logger(service="askiam-it",
                                                      logger_handler=logging.StreamHandler(stream)))
    app.import_bundle(rules_org(tmp_path / "org"))
    capsys.readouterr()
    outcome = app.service.handle("ana", "I need the approver role in Ledgerly", channel="api").outcome
    assert outcome.decision.value == "DENIED"
    documents = emf_documents(capsys.readouterr().out)
    assert metric(documents, "AccessRequestCount", decision="DENIED") == [("AskIAM", [1.0], "Count")]
    for component in ("rules", "retrieval", "total"):
        ((_, (value,), unit),) = metric(documents, "ValidationLatency", component=component)
        assert unit == "Milliseconds" and value > 0
    assert metric(documents, "RAGConfidence") == [("AskIAM", [outcome.confidence], "None")]
    (line,) = [json.loads(text) for text in stream.getvalue().splitlines()
               if json.loads(text)["message"] == "access request decided"]
    assert (line["request_id"], line["user"], line["decision"]) == (outcome.request_id, "ana", "DENIED")


def _rows(url: str, request_id: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table} WHERE request_id = %s",  # noqa: S608
                                    (request_id,)).fetchone()[0]  # type: ignore[index]
                for table in ("requests", "request_checks", "request_decisions", "outbox")}


def test_a_failed_audit_write_logs_the_marker_once_and_writes_nothing(  # type: ignore[no-untyped-def]
        app_factory, fresh_database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = app_factory()
    app.import_bundle(rules_org(tmp_path / "org"))
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:  # the test server's superuser
        conn.execute("CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
                     "$$ BEGIN RAISE EXCEPTION 'audit storage refused the write'; END $$")
        conn.execute("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW "
                     "EXECUTE FUNCTION refuse_audit()")
        audited_before = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]  # type: ignore[index]
    with caplog.at_level(logging.ERROR), pytest.raises(psycopg.errors.RaiseException):
        app.service.handle("ana", "I need the approver role in Ledgerly")
    marked = [record for record in caplog.records if "audit_write_failed" in record.getMessage()]
    assert len(marked) == 1 and marked[0].levelno == logging.ERROR
    (request_id,) = [word.split("=", 1)[1] for word in marked[0].getMessage().split() if word.startswith("request_id=")]
    assert request_id.startswith("R-") and "error=RaiseException" in marked[0].getMessage()
    assert _rows(fresh_database_url, request_id) == {"requests": 0, "request_checks": 0, "request_decisions": 0,
                                                      "outbox": 0}
    with psycopg.connect(fresh_database_url) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audited_before  # type: ignore[index]


def test_a_successful_write_logs_no_marker(app_factory, tmp_path: Path,  # type: ignore[no-untyped-def]
                                           caplog: pytest.LogCaptureFixture) -> None:
    app = app_factory()
    app.import_bundle(rules_org(tmp_path / "org"))
    with caplog.at_level(logging.ERROR):
        app.service.handle("ana", "I need the approver role in Ledgerly")
    assert "audit_write_failed" not in caplog.text


def test_each_new_pool_connection_signs_in_with_a_fresh_password(fresh_database_url: str) -> None:
    from validators.db import Database

    role, password = f"askiam_iam_t{os.getpid()}_{next(_roles)}", "first-and-only-password"
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    parts = conninfo_to_dict(fresh_database_url)
    parts.pop("password", None)
    url = make_conninfo(**{**parts, "user": role})  # type: ignore[arg-type]
    issued: list[str] = []

    def token() -> str:
        issued.append(password)
        return password

    database = Database(url, pool_size=2, password=token)
    try:
        with database.connection() as first, database.connection() as second:
            users = {first.execute("SELECT current_user AS u").fetchone()["u"],  # type: ignore[index]
                     second.execute("SELECT current_user AS u").fetchone()["u"]}  # type: ignore[index]
            pids: set[Any] = {first.info.backend_pid, second.info.backend_pid}
        assert users == {role} and len(pids) == 2
        assert len(issued) >= 2  # one password per connection opened, not one per pool
    finally:
        database.close()
