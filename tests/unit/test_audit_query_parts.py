"""The pure parts of audit queries, exports and the CLI: filters to SQL, cursors, CSV cells, times, the report."""

from __future__ import annotations

import argparse
import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from bot.cli import audit as audit_cli
from bot.cli.audit import render_report
from bot.when import parse_when
from validators.audit_errors import InvalidCursorError
from validators.audit_query import (
    APPROVER_SQL,
    CSV_COLUMNS,
    NOT_WITHDRAWN_SQL,
    AuditFilter,
    AuditRecord,
    csv_cells,
    decode_cursor,
    encode_cursor,
)
from validators.audit_reports import (
    AuditReport,
    AutoApproval,
    DecisionLatency,
    OutcomeCount,
    OutcomeRatio,
    PrivilegedGrant,
    RoleCount,
    SodDenial,
)

NOW = datetime(2025, 6, 4, 15, 30, tzinfo=UTC)  # a Wednesday


def test_every_filter_field_becomes_one_parameterized_condition() -> None:
    selected = AuditFilter(target_id="ana", requester_id="boss", approver="own", decision="approved",
                           since=datetime(2025, 6, 1), until=NOW)
    conditions, params = selected.where()
    assert conditions == ["target_id = %s", "requester_id = %s", "decision = %s", f"{APPROVER_SQL} = %s",
                          NOT_WITHDRAWN_SQL, "created_at >= %s", "created_at < %s"]
    assert params == ["ana", "boss", "APPROVED", "own", datetime(2025, 6, 1, tzinfo=UTC), NOW]
    assert AuditFilter().where() == ([], [])


def test_a_filter_refuses_unknown_fields_and_a_backwards_range() -> None:
    with pytest.raises(ValidationError):
        AuditFilter(user="ana")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="until is before since"):
        AuditFilter(since=NOW, until=NOW - timedelta(days=1))


def test_a_since_in_the_future_is_refused_past_a_few_minutes_of_clock_skew() -> None:
    now = datetime.now(UTC)
    with pytest.raises(ValidationError, match="since is in the future"):
        AuditFilter(since=now + timedelta(days=1))
    with pytest.raises(ValidationError, match="since is in the future"):
        AuditFilter(since=now + timedelta(days=1), until=now + timedelta(days=2))
    assert AuditFilter(since=now + timedelta(minutes=1)).since == now + timedelta(minutes=1)


def test_cursors_round_trip_and_anything_else_is_refused() -> None:
    assert decode_cursor(encode_cursor(12345)) == 12345
    for bad in ("", "abc", encode_cursor(1)[:-2] + "!!", "YXVkaXQ6djE6LTE", "YXVkaXQ6djE6MA"):
        with pytest.raises(InvalidCursorError):
            decode_cursor(bad)


def record(**changes: object) -> AuditRecord:
    values: dict[str, object] = {
        "seq": 3, "created_at": NOW, "event_type": "access_request.decided", "request_id": "R-1", "requester_id": "ana",
        "target_id": "ana", "app_id": "wiki", "role_id": "wiki-editor", "decision": "APPROVED",
        "reason": "AUTO_APPROVED", "channel": "cli", "approver": "askiam", "hash": "ab" * 32,
        "details": {"text": "=HYPERLINK(\"x\")", "decided_by": "askiam"}}
    return AuditRecord.model_validate({**values, **changes})


def test_csv_cells_keep_details_as_json_and_defuse_formula_cells() -> None:
    cells = csv_cells(record(requester_id="=cmd|' /C calc'!A0", channel=None))
    row = dict(zip(CSV_COLUMNS, cells, strict=True))
    assert row["requester_id"].startswith("'=") and row["channel"] == ""
    assert row["details"].startswith("{") and "HYPERLINK" in row["details"]
    assert row["created_at"] == "2025-06-04T15:30:00+00:00"
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == cells


def test_a_record_from_a_row_takes_the_approver_and_details_from_the_payload() -> None:
    row = {"seq": 1, "created_at": NOW, "event_type": "access_request.approved", "request_id": "R-1",
           "requester_id": "rui", "target_id": "rui", "app_id": "ldg", "role_id": "ldg-admin", "decision": "APPROVED",
           "reason": "APPROVED_BY_APPROVER", "channel": "cli", "hash": "h",
           "payload": '{"details":{"decided_by":"own","granted":true}}'}
    parsed = AuditRecord.from_row(row)
    assert parsed.approver == "own" and parsed.details["granted"] is True
    assert AuditRecord.from_row({**row, "payload": "not json"}).details == {}


@pytest.mark.parametrize(("text", "expected"), [
    ("today", datetime(2025, 6, 4, tzinfo=UTC)),
    ("yesterday", datetime(2025, 6, 3, tzinfo=UTC)),
    ("this-week", datetime(2025, 6, 2, tzinfo=UTC)),
    ("this-month", datetime(2025, 6, 1, tzinfo=UTC)),
    ("7d", NOW - timedelta(days=7)),
    ("24h", NOW - timedelta(hours=24)),
    ("2w", NOW - timedelta(weeks=2)),
    ("2025-05-01", datetime(2025, 5, 1, tzinfo=UTC)),
    ("2025-05-01T09:30Z", datetime(2025, 5, 1, 9, 30, tzinfo=UTC)),
])
def test_times_on_the_command_line(text: str, expected: datetime) -> None:
    assert parse_when(text, NOW) == expected


@pytest.mark.parametrize("text", ["last tuesday", "253402300800", "9999999d", "2025-13-01", ""])
def test_a_time_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a time"):
        parse_when(text, NOW)


def test_on_the_command_line_a_time_that_is_not_one_is_a_usage_error() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="not a time"):
        audit_cli.parse_when("last tuesday")


def test_the_report_renders_every_section() -> None:
    report = AuditReport(
        filter=AuditFilter(since=datetime(2025, 6, 2, tzinfo=UTC)), bucket="day",
        over_time=[OutcomeCount(period=date(2025, 6, 2), decision="APPROVED", count=3),
                   OutcomeCount(period=date(2025, 6, 2), decision="DENIED", count=1)],
        auto_approval=AutoApproval(decided=4, auto_approved=3, rate=0.75),
        outcomes=OutcomeRatio(requests=6, approved=3, denied=1, pending=1, withdrawn=1, other=0, approved_share=0.75),
        top_roles=[RoleCount(app_id="wiki", role_id="wiki-editor", requests=4, approved=3, denied=1, pending=0)],
        privileged_grants_total=1,
        privileged_grants=[PrivilegedGrant(seq=9, created_at=NOW, request_id="R-9", target_id="rui",
                                           requester_id="rui", app_id="ldg", role_id="ldg-admin", approver="own")],
        sod_denials_total=1,
        sod_denials=[SodDenial(seq=4, created_at=NOW, request_id="R-4", target_id="ana", requester_id="ana",
                               app_id="ldg", role_id="ldg-approver", detail="conflicts with ldg-poster held")],
        time_to_decision=DecisionLatency(decisions=5, median_seconds=0.2, by_approver=1,
                                         median_by_approver_seconds=7200.0))
    text = "\n".join(render_report(report))
    assert "audit report, 2025-06-02 00:00Z to now" in text
    assert "outcomes: 6 access requests: 3 approved, 1 denied, 1 pending, 1 withdrawn, 0 already held; " \
           "approved/(approved+denied) 75.0%\nnot requests for access: 0 questions answered, 0 clarifying " \
           "questions" in text
    assert "auto-approval: 3 of 4 decided requests (75.0%)" in text
    assert "median 0.2 s over 5 decisions" in text and "median 2.0 h over 1" in text
    assert "2025-06-02  APPROVED 3  DENIED 1" in text
    assert "rui got ldg/ldg-admin, approved by own (R-9, asked by rui)" in text
    assert "SoD denials: 1\n  2025-06-04 15:30:00Z  ana: ldg/ldg-approver (R-4): conflicts with ldg-poster held" in text


def test_channel_event_and_request_id_are_read_whatever_their_case() -> None:
    from validators.audit_query import AuditFilter

    given = AuditFilter(channel=" API ", event_type="Access_Request.Decided", request_id="r-0012")
    assert (given.channel, given.event_type, given.request_id) == ("api", "access_request.decided", "R-12")


def _row(reason: str | None, event_type: str, details: str) -> dict[str, object]:
    return {"seq": 5, "created_at": NOW, "event_type": event_type, "request_id": "R-5", "requester_id": "kk",
            "target_id": "kk", "app_id": "wiki", "role_id": "wiki-editor", "decision": "DENIED" if reason else None,
            "reason": reason, "channel": "api", "payload": '{"details": ' + details + '}', "hash": "h"}


def test_a_withdrawal_is_by_the_person_who_withdrew_it_not_an_approver() -> None:
    withdrawn = AuditRecord.from_row(_row("WITHDRAWN", "access_request.withdrawn",
                                          '{"decided_by": "kk", "comment": "not needed"}'))
    assert (withdrawn.approver, withdrawn.withdrawn_by) == (None, "kk")
    line = audit_cli._record_line(withdrawn)
    assert "withdrawn_by=kk" in line and "decided_by" not in line and line.endswith('comment="not needed"')
    denied = AuditRecord.from_row(_row("DENIED_BY_APPROVER", "access_request.denied", '{"decided_by": "own"}'))
    assert (denied.approver, denied.withdrawn_by) == ("own", None)


def test_a_refused_attempt_to_decide_says_who_tried_and_why() -> None:
    refused = AuditRecord.from_row(_row(None, "access_request.decision_refused", (
        '{"attempted_by": "alopes", "action": "approve", "code": "NOT_AN_APPROVER", '
        '"why": "alopes may not decide R-5, a request they made"}')))
    line = audit_cli._record_line(refused)
    assert "attempted_by=alopes" in line and line.endswith('why="alopes may not decide R-5, a request they made"')
