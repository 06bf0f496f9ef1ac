"""Reports over the audit log for auditors: decisions over time, auto-approval rate, approved/denied ratio, top
requested roles, privileged grants and who approved them, SoD denials, and the time requests wait for a decision.

Every section takes the same `AuditFilter` as queries (e.g. only `since`/`until` for "this week"). The sections
read the audit log, the tamper-evident record; only the time to decision reads `requests` and
`request_decisions`, where a request's creation time lives.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from validators.audit_query import (
    ACCESS_REQUEST,
    APPROVER_SQL,
    CLARIFYING_QUESTION,
    FILING_EVENT,
    QUESTION_ANSWERED,
    QUESTION_DECISION,
    REFUSED_EVENTS,
    AuditFilter,
    filing_join,
    request_kind_sql,
)
from validators.db import Database
from validators.decisions import SYSTEM_DECIDER

Bucket = Literal["day", "week"]
DECIDED_EVENT = FILING_EVENT
# Answers that are not an access decision: left out of the auto-approval rate.
NOT_DECISIONS = (QUESTION_DECISION, "ALREADY_GRANTED")
# A record deciding on access: a question's record (answered or asked back) decides nothing.
ON_ACCESS = f"decision <> '{QUESTION_DECISION}'"
_DETAILS = "audit_details(payload)"  # the payload's details as jsonb (migration 0006), NULL if unreadable


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class OutcomeCount(_Model):
    period: date
    decision: str
    count: int


class AutoApproval(_Model):
    """Requests decided when asked (clarifications and already-held roles left out) and the share approved
    automatically."""

    decided: int
    auto_approved: int
    rate: float | None


class OutcomeRatio(_Model):
    """Each access request's latest outcome in the window; `approved_share` = approved / (approved + denied). A
    request its requester withdrew is counted as `withdrawn`, not as denied: nobody refused it. Questions answered
    and clarifying questions asked are counted apart: they are not requests for access (`audit_query.FILING_EVENT`
    says what is)."""

    requests: int = Field(description="Access requests: approved + denied + pending + withdrawn + already_granted "
                                      "+ other.")
    approved: int
    denied: int
    pending: int
    withdrawn: int = 0
    already_granted: int = Field(default=0, description="Answered that the person already holds the role.")
    other: int
    approved_share: float | None
    questions_answered: int = Field(default=0, description="Questions answered in the chat (a request's status, "
                                                           "one's own access; NOTHING_REQUESTED, REMOVAL_NOT_HANDLED).")
    clarifying_questions: int = Field(default=0, description="Clarifying questions asked back (which role? who?).")
    refused_attempts: int = Field(default=0, description="Records of refused attempts (a requester refused, an "
                                                         "attempt to decide, one on something not the caller's).")


class RoleCount(_Model):
    app_id: str | None
    role_id: str
    requests: int
    approved: int
    denied: int
    pending: int
    withdrawn: int = 0
    already_granted: int = Field(default=0, description="Answered that the person already held the role.")


class _AuditedRequest(_Model):
    """The audit record of one request, as the reports list it."""

    seq: int
    created_at: datetime
    request_id: str | None
    target_id: str | None
    requester_id: str | None
    app_id: str | None
    role_id: str | None


class PrivilegedGrant(_AuditedRequest):
    approver: str | None


class SodDenial(_AuditedRequest):
    detail: str | None


class DecisionLatency(_Model):
    """From a request's creation to its final decision; `by_approver` counts those a person decided."""

    decisions: int
    median_seconds: float | None
    by_approver: int
    median_by_approver_seconds: float | None


class AuditReport(_Model):
    filter: AuditFilter
    bucket: Bucket
    over_time: list[OutcomeCount]
    auto_approval: AutoApproval
    outcomes: OutcomeRatio
    top_roles: list[RoleCount]
    privileged_grants_total: int
    privileged_grants: list[PrivilegedGrant]
    sod_denials_total: int
    sod_denials: list[SodDenial]
    time_to_decision: DecisionLatency


def decisions_over_time(database: Database, filter: AuditFilter, bucket: Bucket = "day") -> list[OutcomeCount]:
    """Decision records on access requests per day or ISO week (UTC, weeks start on Monday) and outcome, oldest
    period first (questions, answered or asked back, decide nothing)."""
    if bucket not in ("day", "week"):
        raise ValueError("bucket must be day or week")
    conditions, params = _conditions(filter, "decision IS NOT NULL", ON_ACCESS)
    rows = _fetch(database, "SELECT date_trunc(%s, created_at AT TIME ZONE 'UTC')::date AS period, decision, "
                            f"count(*) AS count FROM audit_log WHERE {conditions} "
                            "GROUP BY period, decision ORDER BY period, decision", [bucket, *params])
    return [OutcomeCount(**row) for row in rows]


def auto_approval(database: Database, filter: AuditFilter) -> AutoApproval:
    conditions, params = _request_conditions(filter, "event_type = %s", "decision <> ALL(%s)")
    row = _fetch(database, "SELECT count(*) AS decided, count(*) FILTER (WHERE reason = 'AUTO_APPROVED') AS auto "
                           f"FROM audit_log WHERE {conditions}", [DECIDED_EVENT, list(NOT_DECISIONS), *params])[0]
    decided, auto = int(row["decided"]), int(row["auto"])
    return AutoApproval(decided=decided, auto_approved=auto, rate=auto / decided if decided else None)


def outcomes(database: Database, filter: AuditFilter) -> OutcomeRatio:
    """The approved/denied ratio: each access request counted once, with its latest outcome; questions answered
    and asked back, and records of refused attempts, counted apart."""
    conditions, params = _conditions(filter, "request_id IS NOT NULL", "decision IS NOT NULL")
    rows = _fetch(database, f"SELECT {request_kind_sql('f')} AS kind, CASE WHEN latest.reason = 'WITHDRAWN' THEN "
                            "'WITHDRAWN' ELSE latest.decision END AS outcome, count(*) AS n "
                            "FROM (SELECT DISTINCT ON (request_id) request_id, decision, reason "
                            f"FROM audit_log WHERE {conditions} ORDER BY request_id, seq DESC) latest "
                            f"{filing_join('f', 'latest.request_id')} WHERE f.seq IS NOT NULL "
                            "GROUP BY kind, outcome", params)
    counts = {row["outcome"]: int(row["n"]) for row in rows if row["kind"] == ACCESS_REQUEST}
    approved, denied = counts.pop("APPROVED", 0), counts.pop("DENIED", 0)
    pending, withdrawn = counts.pop("PENDING_APPROVAL", 0), counts.pop("WITHDRAWN", 0)
    held = counts.pop("ALREADY_GRANTED", 0)
    other = sum(counts.values())
    questions = {kind: sum(int(row["n"]) for row in rows if row["kind"] == kind)
                 for kind in (QUESTION_ANSWERED, CLARIFYING_QUESTION)}
    refused_conditions, refused_params = _conditions(filter, "event_type = ANY(%s)")
    refused = int(_fetch(database, f"SELECT count(*) AS n FROM audit_log WHERE {refused_conditions}",
                         [list(REFUSED_EVENTS), *refused_params])[0]["n"])
    return OutcomeRatio(requests=approved + denied + pending + withdrawn + held + other, approved=approved,
                        denied=denied, pending=pending, withdrawn=withdrawn, already_granted=held, other=other,
                        approved_share=approved / (approved + denied) if approved + denied else None,
                        questions_answered=questions[QUESTION_ANSWERED],
                        clarifying_questions=questions[CLARIFYING_QUESTION], refused_attempts=refused)


def top_roles(database: Database, filter: AuditFilter, limit: int = 10) -> list[RoleCount]:
    """The most requested roles, each access request counted with its latest outcome (an approver's decision or an
    expiry replaces the "sent for approval" it started with); a question naming a role ("do I have Viewer?") is
    none."""
    conditions, params = _request_conditions(filter, "event_type = %s", "role_id IS NOT NULL", ON_ACCESS)
    rows = _fetch(database, f"WITH asked AS (SELECT request_id, app_id, role_id FROM audit_log WHERE {conditions}), "
                            "latest AS (SELECT DISTINCT ON (l.request_id) l.request_id, l.decision, l.reason "
                            "FROM audit_log l "
                            "WHERE l.request_id IN (SELECT request_id FROM asked) AND l.decision IS NOT NULL "
                            "ORDER BY l.request_id, l.seq DESC) "
                            "SELECT a.app_id, a.role_id, count(*) AS requests, "
                            "count(*) FILTER (WHERE l.decision = 'APPROVED') AS approved, "
                            "count(*) FILTER (WHERE l.decision = 'DENIED' AND l.reason <> 'WITHDRAWN') AS denied, "
                            "count(*) FILTER (WHERE l.reason = 'WITHDRAWN') AS withdrawn, "
                            "count(*) FILTER (WHERE l.decision = 'PENDING_APPROVAL') AS pending, "
                            "count(*) FILTER (WHERE l.decision = 'ALREADY_GRANTED') AS already_granted "
                            "FROM asked a LEFT JOIN latest l ON l.request_id = a.request_id "
                            "GROUP BY a.app_id, a.role_id ORDER BY requests DESC, a.role_id LIMIT %s",
                  [DECIDED_EVENT, *params, limit])
    return [RoleCount(**row) for row in rows]


def privileged_grants(database: Database, filter: AuditFilter, limit: int = 100) -> tuple[int, list[PrivilegedGrant]]:
    """Grants of privileged roles and who approved them, newest first: (how many, the latest `limit`).

    A role counts as privileged if the catalog says so now or the request was routed as PRIVILEGED_ROLE, so a role
    re-imported as ordinary still shows the grants made while it was privileged.
    """
    conditions, params = _conditions(filter, "a.decision = 'APPROVED'", f"{_DETAILS} ->> 'granted' = 'true'",
                                     alias="a")
    privileged = (f"WHERE {conditions} AND (coalesce(ro.privileged, false) OR EXISTS (SELECT 1 FROM audit_log p "
                  "WHERE p.request_id = a.request_id AND p.reason = 'PRIVILEGED_ROLE'))")
    source = "FROM audit_log a LEFT JOIN roles ro ON ro.role_id = a.role_id " + privileged
    total = int(_fetch(database, f"SELECT count(*) AS n {source}", params)[0]["n"])
    rows = _fetch(database, "SELECT a.seq, a.created_at, a.request_id, a.target_id, a.requester_id, a.app_id, "
                            f"a.role_id, {APPROVER_SQL.replace('payload', 'a.payload')} AS approver "
                            f"{source} ORDER BY a.seq DESC LIMIT %s", [*params, limit])
    return total, [PrivilegedGrant(**row) for row in rows]


def sod_denials(database: Database, filter: AuditFilter, limit: int = 100) -> tuple[int, list[SodDenial]]:
    """Segregation-of-duties denials, newest first, with the failed check's detail: (how many, the latest)."""
    conditions, params = _conditions(filter, "decision = 'DENIED'", "reason = 'SOD_CONFLICT'")
    total = int(_fetch(database, f"SELECT count(*) AS n FROM audit_log WHERE {conditions}", params)[0]["n"])
    rows = _fetch(database, "SELECT seq, created_at, request_id, target_id, requester_id, app_id, role_id, "
                            "(SELECT c ->> 'detail' FROM jsonb_array_elements("
                            f"coalesce({_DETAILS} -> 'checks', '[]'::jsonb)) c "
                            "WHERE c ->> 'name' = 'NO_SOD_CONFLICT' LIMIT 1) AS detail "
                            f"FROM audit_log WHERE {conditions} ORDER BY seq DESC LIMIT %s", [*params, limit])
    return total, [SodDenial(**row) for row in rows]


def time_to_decision(database: Database, filter: AuditFilter) -> DecisionLatency:
    """Median time from a request's creation to its final decision (approved, denied, expired, ...); a withdrawal
    is no decision (the requester called the request off) and is not counted.

    The filter applies to the request (requester, target, app, role, channel, id) and to its final decision
    (decision, reason, approver = who decided, since/until = when); `event_type` does not apply here.
    """
    conditions: list[str] = ["TRUE"]
    params: list[Any] = []
    mapping = {"requester_id": "r.requester_id", "target_id": "r.target_id", "app_id": "r.app_id",
               "role_id": "r.role_id", "channel": "r.channel", "request_id": "r.request_id",
               "decision": "f.decision", "reason": "f.reason", "approver": "f.decided_by"}
    for field, column in mapping.items():
        value = getattr(filter, field)
        if value is not None:
            conditions.append(f"{column} = %s")
            params.append(value)
    if filter.since is not None:
        conditions.append("f.decided_at >= %s")
        params.append(filter.since)
    # A decision taken after `until` was not final yet at `until`: choose the final one among those before it.
    before = "AND d.decided_at < %s" if filter.until is not None else ""
    seconds = "extract(epoch FROM f.decided_at - r.created_at)"
    row = _fetch(database,
                 "WITH f AS (SELECT DISTINCT ON (d.request_id) d.request_id, d.decided_at, d.decision, d.reason, "
                 "d.decided_by FROM request_decisions d WHERE d.decision NOT IN ('PENDING_APPROVAL', "
                 f"'NEEDS_CLARIFICATION') AND d.reason <> 'WITHDRAWN' {before} "
                 "ORDER BY d.request_id, d.decided_at DESC) "
                 f"SELECT count(*) AS decisions, percentile_cont(0.5) WITHIN GROUP (ORDER BY {seconds}) AS median, "
                 "count(*) FILTER (WHERE f.decided_by <> %s) AS by_approver, "
                 f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {seconds}) FILTER (WHERE f.decided_by <> %s) "
                 "AS median_by_approver "
                 f"FROM f JOIN requests r ON r.request_id = f.request_id WHERE {' AND '.join(conditions)}",
                 [*([filter.until] if filter.until is not None else []), SYSTEM_DECIDER, SYSTEM_DECIDER, *params])[0]
    return DecisionLatency(decisions=int(row["decisions"]), median_seconds=_float(row["median"]),
                           by_approver=int(row["by_approver"]),
                           median_by_approver_seconds=_float(row["median_by_approver"]))


def report(database: Database, filter: AuditFilter, bucket: Bucket = "day", *, top: int = 10,
           listed: int = 100) -> AuditReport:
    """Every section at once, as `askiam audit report` prints it."""
    privileged_total, privileged = privileged_grants(database, filter, listed)
    sod_total, sod = sod_denials(database, filter, listed)
    return AuditReport(filter=filter, bucket=bucket, over_time=decisions_over_time(database, filter, bucket),
                       auto_approval=auto_approval(database, filter), outcomes=outcomes(database, filter),
                       top_roles=top_roles(database, filter, top), privileged_grants_total=privileged_total,
                       privileged_grants=privileged, sod_denials_total=sod_total, sod_denials=sod,
                       time_to_decision=time_to_decision(database, filter))


def _conditions(filter: AuditFilter, *extra: str, alias: str = "") -> tuple[str, list[Any]]:
    conditions, params = filter.where()
    if alias:
        conditions = [_qualify(condition, alias) for condition in conditions]
    return " AND ".join([*extra, *conditions]) or "TRUE", params


# Filters on how a request ended, which its first record (as asked) does not carry.
_OUTCOME_FIELDS = ("decision", "reason", "approver")


def _request_conditions(filter: AuditFilter, *extra: str) -> tuple[str, list[Any]]:
    """Conditions on the records of requests as asked, for the sections about requests (automatic approvals, top
    roles). A filter on how requests ended (decision, reason, approver) selects the requests that have a record
    matching the whole filter, whichever record that is, so that "--reason APPROVED_BY_APPROVER" counts the roles
    those requests asked for, as the outcomes section counts the requests themselves."""
    if not any(getattr(filter, name) for name in _OUTCOME_FIELDS):
        return _conditions(filter, *extra)
    matching, matching_params = _conditions(filter, "request_id IS NOT NULL")
    rest = filter.model_copy(update={name: None for name in (*_OUTCOME_FIELDS, "since", "until", "event_type")})
    conditions, params = _conditions(rest, *extra,
                                     f"request_id IN (SELECT request_id FROM audit_log WHERE {matching})")
    return conditions, [*matching_params, *params]


def _qualify(condition: str, alias: str) -> str:
    """Prefix the audit_log column a filter condition starts with, for queries that join other tables."""
    if condition.startswith(APPROVER_SQL):
        return APPROVER_SQL.replace("payload", f"{alias}.payload") + condition[len(APPROVER_SQL):]
    return f"{alias}.{condition}"


def _fetch(database: Database, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    with database.connection() as conn:
        return conn.execute(sql, params).fetchall()


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
