"""What the approvers' and auditors' console asks of the application: the queue, decisions, the audit log.

Who may read the audit log is decided here: holders of the role `AUDITOR_ROLE_ID` in `user_roles` (granted like
any other role, through an org bundle or an approved request). It is a module constant rather than a setting so
that a deployment cannot widen the audit log's readership by an environment variable.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from bot import when
from bot.api import limits, repository
from bot.api.errors import ExportTooLargeError, ForbiddenError, InvalidQueryError, ResponseTooLargeError
from bot.api.models import ApprovalDecisionResponse, ApprovalQueueResponse, AuditEventsPage, PendingApproval
from bot.api.runtime import ApiRuntime
from bot.cli.approvals import EXPIRING_SOON
from bot.domain import Reason
from bot.ports import RefusedAttempt
from validators import audit_query
from validators.audit_names import FilterNameError, with_recorded_ids
from validators.audit_query import AuditFilter, AuditPage, ExportFormat, encode_cursor
from validators.db import Database

AUDITOR_ROLE_ID = "askiam-auditor"
# A Lambda response carries at most 6 MB, measured as sent: the export as escaped in the response (a quote takes
# two bytes, and more for non-ASCII). A larger export is refused, never cut short (`askiam audit export` has no
# limit).
MAX_EXPORT_BYTES = limits.RESPONSE_BUDGET
EXPORT_CONTENT_TYPES: dict[str, str] = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


def approval_queue(rt: ApiRuntime, approver_id: str, channel: str, *,
                   now: datetime | None = None) -> ApprovalQueueResponse:
    """The approver's pending requests, each with its checks and evidence, after expiring the overdue ones."""
    rt.app.service.requester(approver_id, channel, "(approvals queue)")
    rt.app.approvals.expire()
    now = now or datetime.now(UTC)
    items: list[PendingApproval] = []
    for pending in rt.app.approvals.pending_for(approver_id):
        outcome = rt.app.store.get(pending.request_id)
        items.append(PendingApproval(
            request_id=pending.request_id, created_at=pending.created_at, expires_at=pending.expires_at,
            expiring_soon=pending.expires_at - now < EXPIRING_SOON, requester_id=pending.requester_id,
            user_id=pending.target_id, app_id=pending.app_id, role_id=pending.role_id,
            requester_name=pending.requester_name, user_name=pending.target_name, app_name=pending.app_name,
            role_name=pending.role_name, reason=Reason(pending.reason),
            confidence=pending.confidence, capacity=pending.capacity, message=pending.message,
            text=pending.text, access_until=pending.access_until,
            checks=outcome.checks if outcome else [], evidence=outcome.evidence if outcome else [],
        ))
    return _within_one_response(ApprovalQueueResponse(approver_id=approver_id, items=items))


def _within_one_response(queue: ApprovalQueueResponse) -> ApprovalQueueResponse:
    """The queue, cut after the oldest requests one Lambda response can carry (the rest are counted)."""
    kept = limits.fitting(queue.items, queue.model_copy(update={"items": [], "omitted": len(queue.items)}),
                          limits.RESPONSE_BUDGET)
    if kept == len(queue.items):
        return queue
    if kept == 0:
        raise ResponseTooLargeError(f"request {queue.items[0].request_id} is too large for one response; see it "
                                    "with `askiam approvals list` or GET /access-requests/{id}")
    return queue.model_copy(update={"items": queue.items[:kept], "omitted": len(queue.items) - kept})


def decide(rt: ApiRuntime, request_id: str, approver_id: str, approve: bool, comment: str,
           channel: str) -> ApprovalDecisionResponse:
    """Approve or deny once (ReviewError when it cannot be: unknown, not the caller's, or decided already)."""
    rt.app.service.requester(approver_id, channel, f"(decide {request_id})")
    rt.app.approvals.expire()
    result = rt.app.approvals.decide(request_id, approver_id, approve, comment, channel)
    return ApprovalDecisionResponse(request_id=result.request_id, status=result.verdict.decision,
                                    reason=result.verdict.reason, granted=result.granted, checks=result.checks)


def require_auditor(rt: ApiRuntime, user_id: str, channel: str, route: str) -> str:
    """The caller's id if they hold the auditor role; ForbiddenError otherwise, and the attempt (`route`, what was
    called) audited."""
    rt.app.service.requester(user_id, channel, "(audit log)")
    if not repository.holds_role(rt.app.database.connection, user_id, AUDITOR_ROLE_ID):
        refused = ForbiddenError(f"reading the audit log needs the {AUDITOR_ROLE_ID} role", code="NOT_AN_AUDITOR")
        rt.app.store.record_refused_attempt(RefusedAttempt(
            attempted_by=user_id, channel=channel, route=route, code=refused.code,
            why=f"does not hold the {AUDITOR_ROLE_ID} role"))
        raise refused
    return user_id


def audit_filter(database: Database, **fields: Any) -> AuditFilter:
    """The filter from query parameters, people, applications and roles read as the ids the log records (names,
    emails, ids in any case); 422 when they contradict each other (e.g. until before since), a time is not one
    (times are read as the command line reads them) or a name is nobody's or several people's (applications',
    roles')."""
    for name in ("since", "until"):
        if isinstance(fields.get(name), str) and fields[name]:
            try:
                fields[name] = when.parse_when(fields[name])
            except ValueError as exc:
                raise InvalidQueryError(f"{name}: {exc}") from exc
    try:
        return with_recorded_ids(database, AuditFilter(**{name: value for name, value in fields.items()
                                                          if value not in (None, "")}))
    except FilterNameError as exc:
        raise InvalidQueryError(str(exc)) from exc
    except ValidationError as exc:
        problems = "; ".join(str(error.get("msg", "is invalid")).removeprefix("Value error, ")
                             for error in exc.errors())
        raise InvalidQueryError(problems) from exc


class _BoundedText(io.StringIO):
    """An in-memory text stream that refuses to grow past `limit` bytes as escaped in the Lambda response."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self._limit = limit
        self._size = 0

    def write(self, text: str) -> int:
        self._size += limits.escaped_size(text)
        if self._size > self._limit:
            raise ExportTooLargeError(f"the export is larger than one response may carry ({self._limit} bytes as "
                                      "sent); narrow the filters (e.g. since/until) or use `askiam audit export`")
        return super().write(text)


def export(rt: ApiRuntime, filter: AuditFilter, fmt: ExportFormat, *, limit: int | None = None) -> str:
    """Every matching record as CSV or JSON Lines, within one Lambda response.

    API Gateway HTTP APIs cannot stream a Lambda's response, so the export is built in memory and bounded:
    past `limit` bytes as escaped in the response (default `MAX_EXPORT_BYTES`) it is refused with 413 rather than
    truncated.
    """
    stream = _BoundedText(MAX_EXPORT_BYTES if limit is None else limit)
    audit_query.export(rt.app.database, filter, fmt, stream)
    return stream.getvalue()


def within_one_response(page: AuditPage, budget: int | None = None) -> AuditEventsPage:
    """The page, cut after the records one Lambda response can carry; `next_cursor` then continues after the last
    record kept, so paging goes on as if `limit` had been smaller."""
    budget = limits.RESPONSE_BUDGET if budget is None else budget
    records = page.records
    # The longest cursor there can be: the measure never depends on which record the page ends at.
    widest = AuditEventsPage(records=[], next_cursor=encode_cursor(2**63), truncated=True)
    kept = limits.fitting(records, widest, budget)
    if kept == len(records):
        return AuditEventsPage(records=records, next_cursor=page.next_cursor)
    if kept == 0:
        raise ResponseTooLargeError(f"audit record {records[0].seq} alone is larger than one response may carry; "
                                    "read it with `askiam audit query` or `askiam audit export`")
    return AuditEventsPage(records=records[:kept], next_cursor=encode_cursor(records[kept - 1].seq), truncated=True)
