"""Questions auditors ask of the audit log: filtered, newest first, paged with an opaque keyset cursor on seq, and
exported as CSV or JSON Lines through a server-side cursor in bounded memory."""

from __future__ import annotations

import base64
import binascii
import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TextIO

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from bot.domain import Decision, Reason
from validators.audit_errors import InvalidCursorError
from validators.db import Database
from validators.decisions import REFUSED_ATTEMPT_EVENT, canonical_request_id

# Who decided, as the expression index of migration 0006 has it: keep the two identical or the index goes unused.
APPROVER_SQL = "(audit_details(payload) ->> 'decided_by')"
# A withdrawal's record names the person who called the request off (its requester, or the one it was for) as
# decided_by: they decided nothing as an approver, so the approver filter and `AuditRecord.approver` leave it out.
NOT_WITHDRAWN_SQL = f"reason IS DISTINCT FROM '{Reason.WITHDRAWN.value}'"
MAX_LIMIT = 1000
_CURSOR_PREFIX = "audit:v1:"
_SELECT = ("SELECT seq, created_at, event_type, request_id, requester_id, target_id, app_id, role_id, decision, "
           "reason, channel, payload, hash FROM audit_log")
# Filter field -> audit_log column; each has an index ending in seq (migration 0006).
_COLUMN_FILTERS = {"target_id": "target_id", "requester_id": "requester_id", "app_id": "app_id",
                   "role_id": "role_id", "decision": "decision", "reason": "reason", "channel": "channel",
                   "event_type": "event_type", "request_id": "request_id"}
ExportFormat = Literal["csv", "jsonl"]

# What is a request, one definition for queries and reports. Every message AskIAM answers gets a request id and an
# audit record; a request id is one with the record of its filing (FILING_EVENT), so an id only named elsewhere (a
# refused attempt to decide "R-9999") stands for nothing. Its filing says what it was: an access request (decided
# on access: approved, sent for approval, denied, already held), a question answered (NOTHING_REQUESTED: "status
# of R-1", "what access do I have?"; REMOVAL_NOT_HANDLED), or a clarifying question asked back (which role? who?).
FILING_EVENT = "access_request.decided"
ACCESS_REQUEST, QUESTION_ANSWERED, CLARIFYING_QUESTION = "access_request", "question_answered", "clarifying_question"
ANSWERED_REASONS = (Reason.NOTHING_REQUESTED.value, Reason.REMOVAL_NOT_HANDLED.value)
# Not a decision on access: a record of this decision is a question, answered or asked back.
QUESTION_DECISION = Decision.NEEDS_CLARIFICATION.value
# Records of attempts refused: a requester who may not use AskIAM, an attempt to decide, and one on something not
# the caller's (another's request or conversation, the audit log without the auditor role). Counted apart: one
# naming a request ("withdraw R-1", someone else's) is no access request, nor a record about one.
REFUSED_EVENTS = ("access_request.refused", "access_request.decision_refused", REFUSED_ATTEMPT_EVENT)


def request_kind_sql(filing: str) -> str:
    """SQL for the kind of a request (ACCESS_REQUEST, ...), from its filing record (`filing`: an audit_log alias)."""
    answered = ", ".join(f"'{reason}'" for reason in ANSWERED_REASONS)
    return (f"CASE WHEN {filing}.seq IS NULL THEN NULL "  # no filing: the id stands for no request
            f"WHEN {filing}.decision <> '{QUESTION_DECISION}' THEN '{ACCESS_REQUEST}' "
            f"WHEN {filing}.reason IN ({answered}) THEN '{QUESTION_ANSWERED}' ELSE '{CLARIFYING_QUESTION}' END")


def filing_join(filing: str, request_id: str) -> str:
    """SQL joining the filing record (as `filing`) of the request whose id is the expression `request_id`; a
    LEFT JOIN, so records about no request keep a row (with no kind)."""
    return (f"LEFT JOIN audit_log {filing} ON {filing}.request_id = {request_id} "
            f"AND {filing}.event_type = '{FILING_EVENT}'")


# A `since` this far ahead of this machine's clock may be the caller's clock running fast; past it, refused.
CLOCK_SKEW = timedelta(minutes=5)


class AuditFilter(BaseModel):
    """What to select; every field given must match (AND). Times: `since` inclusive, `until` exclusive, UTC when
    no zone is given."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target_id: str | None = Field(default=None, description="The person the access is for.")
    requester_id: str | None = Field(default=None, description="Who asked.")
    approver: str | None = Field(default=None, description="Who decided: 'askiam' or an approver's user id.")
    app_id: str | None = None
    role_id: str | None = None
    decision: str | None = Field(default=None, description="APPROVED, DENIED, PENDING_APPROVAL, ...")
    reason: str | None = Field(default=None, description="AUTO_APPROVED, SOD_CONFLICT, ...")
    channel: str | None = None
    event_type: str | None = Field(default=None, description="e.g. access_request.decided")
    request_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    @field_validator("decision", "reason")
    @classmethod
    def _known(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Upper-cased, and one of the values decisions are recorded with: a typo is an error, not an empty
        answer."""
        if not value:
            return value
        known = [member.value for member in (Decision if info.field_name == "decision" else Reason)]
        value = value.strip().upper()
        if value not in known:
            raise ValueError(f"unknown {info.field_name} {value!r} (one of {', '.join(known)})")
        return value

    @field_validator("channel", "event_type")
    @classmethod
    def _lower_case(cls, value: str | None) -> str | None:
        """Channels ("api", "lex") and event types ("access_request.decided") are recorded in lower case: "API" is
        the same channel, not an empty answer."""
        return value.strip().lower() if value else value

    @field_validator("request_id")
    @classmethod
    def _request_id(cls, value: str | None) -> str | None:
        return canonical_request_id(value) if value else value

    @field_validator("since", "until")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value

    @model_validator(mode="after")
    def _ordered(self) -> AuditFilter:
        if self.since and self.until and self.until < self.since:
            raise ValueError("until is before since")
        if self.since and self.since > datetime.now(UTC) + CLOCK_SKEW:
            raise ValueError(f"since is in the future ({self.since:%Y-%m-%d %H:%M}Z): no record is that new yet")
        return self

    def where(self) -> tuple[list[str], list[Any]]:
        """SQL conditions (parameterized) and their parameters."""
        conditions: list[str] = []
        params: list[Any] = []
        for field, column in _COLUMN_FILTERS.items():
            value = getattr(self, field)
            if value is not None:
                conditions.append(f"{column} = %s")
                params.append(value)
        if self.approver is not None:
            conditions.append(f"{APPROVER_SQL} = %s")
            params.append(self.approver)
            conditions.append(NOT_WITHDRAWN_SQL)
        if self.since is not None:
            conditions.append("created_at >= %s")
            params.append(self.since)
        if self.until is not None:
            conditions.append("created_at < %s")
            params.append(self.until)
        return conditions, params


class AuditRecord(BaseModel):
    """One audit record: the queryable columns and the details of its hashed payload."""

    model_config = ConfigDict(frozen=True)

    seq: int
    created_at: datetime
    event_type: str
    request_id: str | None
    requester_id: str | None
    target_id: str | None
    app_id: str | None
    role_id: str | None
    decision: str | None
    reason: str | None
    channel: str | None
    approver: str | None = Field(description="details.decided_by: 'askiam' or the approver's user id; null for a "
                                             "withdrawal, which no approver decided (see `withdrawn_by`).")
    withdrawn_by: str | None = Field(default=None, description=(
        "Who withdrew the request (its requester, or the person it was for): details.decided_by of a withdrawal."))
    details: dict[str, Any]
    hash: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AuditRecord:
        try:
            payload = json.loads(row["payload"])
        except json.JSONDecodeError:
            payload = {}  # `audit verify` reports such a record; a query still lists it
        details = payload.get("details") if isinstance(payload, dict) else None
        details = details if isinstance(details, dict) else {}
        decided_by = details.get("decided_by")
        decided_by = decided_by if isinstance(decided_by, str) else None
        withdrawn = row.get("reason") == Reason.WITHDRAWN.value
        return cls(**{key: value for key, value in row.items() if key != "payload"},
                   approver=None if withdrawn else decided_by, withdrawn_by=decided_by if withdrawn else None,
                   details=details)


class AuditPage(BaseModel):
    """A page of records, newest first; `next_cursor` fetches the next (older) page, None on the last one."""

    model_config = ConfigDict(frozen=True)

    records: list[AuditRecord]
    next_cursor: str | None


class AuditCount(BaseModel):
    """How many records match, and what they are about: distinct access requests, questions answered and clarifying
    questions asked (each message gets a request id; only the first are requests for access)."""

    model_config = ConfigDict(frozen=True)

    records: int
    requests: int = Field(description="Access requests the records are about (ids of questions and of nothing are "
                                      "not counted).")
    questions_answered: int = Field(default=0, description="Questions answered in the chat (NOTHING_REQUESTED: a "
                                                           "request's status, one's own access; REMOVAL_NOT_HANDLED).")
    clarifying_questions: int = Field(default=0, description="Clarifying questions asked back (which role? who?).")
    refused_attempts: int = Field(default=0, description="Records of refused attempts (a requester refused, an "
                                                         "attempt to decide, one on something not the caller's).")


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode("ascii")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The seq a cursor points below; InvalidCursorError for anything this module did not hand out."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursorError("the page cursor is not valid") from exc
    number = text.removeprefix(_CURSOR_PREFIX)
    if number == text or not number.isdigit() or int(number) < 1:
        raise InvalidCursorError("the page cursor is not valid")
    return int(number)


def query(database: Database, filter: AuditFilter, limit: int = 50, cursor: str | None = None) -> AuditPage:
    """One page of matching records, newest first.

    Parameters
    ----------
    database
        The store to read.
    filter
        What to select.
    limit
        Records per page, 1 to 1000.
    cursor
        The `next_cursor` of the previous page (keyset: records appended meanwhile never shift a page).
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
    conditions, params = filter.where()
    if cursor is not None:
        conditions.append("seq < %s")
        params.append(decode_cursor(cursor))
    sql = f"{_SELECT}{_where_sql(conditions)} ORDER BY seq DESC LIMIT %s"
    with database.connection() as conn:
        rows = conn.execute(sql, (*params, limit + 1)).fetchall()
    records = [AuditRecord.from_row(row) for row in rows[:limit]]
    next_cursor = encode_cursor(records[-1].seq) if len(rows) > limit else None
    return AuditPage(records=records, next_cursor=next_cursor)


def count(database: Database, filter: AuditFilter) -> AuditCount:
    """How many records match, and how many distinct access requests, questions answered and clarifying questions
    they are about ("how many requests from X this week": the access requests)."""
    conditions, params = filter.where()
    # A request id counts by the records about it, and a refused attempt naming it is none.
    kinds = ", ".join(f"count(*) FILTER (WHERE m.n > m.refused AND {request_kind_sql('f')} = '{kind}') AS {kind}"
                      for kind in (ACCESS_REQUEST, QUESTION_ANSWERED, CLARIFYING_QUESTION))
    sql = (f"SELECT coalesce(sum(m.n), 0) AS records, coalesce(sum(m.refused), 0) AS refused, {kinds} "
           "FROM (SELECT request_id, count(*) AS n, count(*) FILTER (WHERE event_type = ANY(%s)) AS refused "
           f"FROM audit_log{_where_sql(conditions)} GROUP BY request_id) m {filing_join('f', 'm.request_id')}")
    with database.connection() as conn:
        row = conn.execute(sql, [list(REFUSED_EVENTS), *params]).fetchone()
    assert row is not None
    return AuditCount(records=int(row["records"]), requests=int(row[ACCESS_REQUEST]),
                      questions_answered=int(row[QUESTION_ANSWERED]),
                      clarifying_questions=int(row[CLARIFYING_QUESTION]), refused_attempts=int(row["refused"]))


def iter_records(database: Database, filter: AuditFilter, batch: int = 1000) -> Iterator[AuditRecord]:
    """Every matching record, newest first, fetched `batch` at a time through a server-side cursor."""
    conditions, params = filter.where()
    sql = f"{_SELECT}{_where_sql(conditions)} ORDER BY seq DESC"
    with database.connection() as conn, conn.transaction(), conn.cursor(name="audit_export") as cursor:
        cursor.itersize = batch
        cursor.execute(sql, params)
        for row in cursor:
            yield AuditRecord.from_row(row)


CSV_COLUMNS = ("seq", "created_at", "event_type", "request_id", "requester_id", "target_id", "app_id", "role_id",
               "decision", "reason", "channel", "approver", "details", "hash")
# Spreadsheets run a cell starting with one of these as a formula (CSV injection); such cells get a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export(database: Database, filter: AuditFilter, fmt: ExportFormat, stream: TextIO, *, batch: int = 1000) -> int:
    """Write every matching record to `stream`, newest first, and return how many were written.

    Memory stays bounded by `batch` whatever the number of records: rows come through a server-side cursor and are
    written one at a time. CSV has one column per field and `details` as JSON; JSON Lines has one record a line.
    """
    written = 0
    if fmt == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for record in iter_records(database, filter, batch):
            writer.writerow(csv_cells(record))
            written += 1
    elif fmt == "jsonl":
        for record in iter_records(database, filter, batch):
            stream.write(record.model_dump_json() + "\n")
            written += 1
    else:
        raise ValueError(f"unknown export format {fmt!r}; use csv or jsonl")
    return written


def csv_cells(record: AuditRecord) -> list[str]:
    """One CSV row: times in ISO 8601 UTC, details as compact JSON, empty for a missing value."""
    cells: list[str] = []
    for column in CSV_COLUMNS:
        value = getattr(record, column)
        if value is None:
            cells.append("")
        elif column == "details":
            cells.append(json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str))
        elif isinstance(value, datetime):
            cells.append(value.astimezone(UTC).isoformat())
        else:
            text = str(value)
            cells.append("'" + text if text.startswith(_FORMULA_STARTS) else text)
    return cells


def _where_sql(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""

