"""Recording requests and decisions: the request, its checks, evidence, grant, audit record and event, atomically."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import deque
from datetime import datetime
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from bot.decision import first_failure
from bot.domain import CheckResult, Decision, Evidence, Outcome, Reason, Review
from bot.errors import DuplicateRequestError, GrantRecheckFailedError
from bot.ports import DecisionRecord, RefusedAttempt
from validators import audit, outbox
from validators.db import Database
from validators.directory import catalog_version
from validators.rules import SqlRulesChecker

log = logging.getLogger(__name__)

SYSTEM_DECIDER = "askiam"
# An attempt on something that exists but is not the caller's (someone else's request or conversation, the audit
# log without the auditor role), refused as if it did not exist.
REFUSED_ATTEMPT_EVENT = "resource_access.refused"
# The unique index that makes a retried request (same requester and idempotency key) one request.
IDEMPOTENCY_CONSTRAINT = "requests_idempotency_key_key"
# Request numbers are taken from the sequence this many at a time, one statement per block instead of one per
# request. Numbers stay unique; across processes they interleave, and a process that ends leaves a gap.
REQUEST_NUMBER_BLOCK = 16


_REQUEST_ID = re.compile(r"\s*[rR]\s*-?\s*0*(\d{1,12})\s*")
_CANONICAL_ID = re.compile(r"R-[1-9]\d{0,11}|R-0")


def is_request_id(text: str) -> bool:
    """Whether the text is a request id as AskIAM writes it ("R-1000")."""
    return _CANONICAL_ID.fullmatch(text) is not None


def canonical_request_id(given: str) -> str:
    """A request id as AskIAM writes it ("r-1000", "R1000" -> "R-1000"); anything else unchanged."""
    found = _REQUEST_ID.fullmatch(given)
    return f"R-{int(found.group(1))}" if found else given


class SqlDecisionStore:
    """The DecisionStore port over PostgreSQL."""

    def __init__(self, database: Database, rules: SqlRulesChecker | None = None) -> None:
        self._database = database
        # With it, a grant runs the hard checks again under the target's lock, inside the write (see `_write_in`).
        self._rules = rules
        self._numbers: deque[int] = deque()
        self._numbers_lock = threading.Lock()

    def pending_request(self, target_id: str, role_id: str) -> Outcome | None:
        with self._database.reading() as conn:
            row = conn.execute(
                "SELECT request_id FROM requests WHERE target_id = %s AND role_id = %s "
                "AND status = 'PENDING_APPROVAL' ORDER BY created_at LIMIT 1",
                (target_id, role_id),
            ).fetchone()
        return self.get(row["request_id"]) if row else None

    def by_idempotency_key(self, key: str) -> Outcome | None:
        with self._database.reading() as conn:
            row = conn.execute("SELECT request_id FROM requests WHERE idempotency_key = %s", (key,)).fetchone()
        return self.get(row["request_id"]) if row else None

    def get(self, request_id: str) -> Outcome | None:
        """A recorded request as an outcome, with its checks and evidence."""
        request_id = canonical_request_id(request_id)
        with self._database.reading() as conn:
            row = conn.execute("SELECT * FROM requests WHERE request_id = %s", (request_id,)).fetchone()
            if row is None:
                return None
            checks = conn.execute(
                "SELECT name, passed, detail, data FROM request_checks WHERE request_id = %s ORDER BY position",
                (request_id,),
            ).fetchall()
            evidence = conn.execute(
                "SELECT evidence_id, kind, summary, score, source FROM request_evidence WHERE request_id = %s "
                "ORDER BY position", (request_id,),
            ).fetchall()
            # The filing's own decision is the first; any after it was taken later.
            decisions = conn.execute(
                "SELECT decision, reason, decided_by, decided_at, comment, action, checks_failed, checks "
                "FROM request_decisions WHERE request_id = %s ORDER BY decided_at DESC, ctid DESC LIMIT 2",
                (request_id,),
            ).fetchall()
        return Outcome(
            request_id=row["request_id"], decision=Decision(row["status"]), reason=Reason(row["reason"]),
            user_id=row["target_id"], app_id=row["app_id"], role_id=row["role_id"], confidence=row["confidence"],
            checks=[CheckResult(**check) for check in checks], evidence=[Evidence(**item) for item in evidence],
            message=row["message"], requester_id=row["requester_id"], text=row["text"],
            access_until=row["access_until"], review=Review(**decisions[0]) if len(decisions) > 1 else None,
        )

    def note_if_undecidable(self, request_id: str, note: str) -> bool:
        with self._database.connection() as conn, conn.transaction():
            row = conn.execute(
                "UPDATE requests SET message = message || %s WHERE request_id = %s AND status = 'PENDING_APPROVAL' "
                "AND NOT EXISTS (SELECT 1 FROM request_approvers WHERE request_id = %s) RETURNING request_id",
                (note, request_id, request_id)).fetchone()
        if row is not None:
            log.warning("request %s has no approver: nobody can decide it before it expires", request_id)
        return row is not None

    def recent_requests(self, requester_id: str, seconds: int, not_on: frozenset[str] = frozenset()) -> int:
        with self._database.reading() as conn:
            row = conn.execute(
                "SELECT count(*) AS n FROM requests WHERE requester_id = %s "
                "AND created_at > now() - make_interval(secs => %s) AND channel <> ALL(%s)",
                (requester_id, seconds, sorted(not_on)),
            ).fetchone()
        return int(row["n"]) if row else 0

    def new_request_id(self) -> str:
        with self._numbers_lock:
            if not self._numbers:
                with self._database.reading() as conn:
                    rows = conn.execute("SELECT nextval('request_number_seq') AS n FROM generate_series(1, %s)",
                                        (REQUEST_NUMBER_BLOCK,)).fetchall()
                self._numbers.extend(sorted(int(row["n"]) for row in rows))
            return f"R-{self._numbers.popleft()}"

    def record(self, record: DecisionRecord) -> None:
        try:
            self._write(record)
        except (DuplicateRequestError, GrantRecheckFailedError):
            raise  # a retry of a request already recorded, or a grant to decide again: nothing failed
        except Exception as exc:
            # One line per failed write; the alarm on the log marker counts them. The transaction rolled back.
            log.error("audit_write_failed request_id=%s error=%s: the decision, its audit record and its event "
                      "were not written", record.request_id, type(exc).__name__)
            raise

    def _recheck_grant(self, conn: psycopg.Connection[Any], requester_id: str, target_id: str, role_id: str,
                       until: datetime | None) -> None:
        """Decisions that grant to one person take turns (approvals take the same lock), and the checks run again
        inside the turn: the checks run before it could miss a grant made meanwhile, such as the other half of a
        segregation-of-duties pair approved at the same moment."""
        conn.execute("SELECT 1 FROM users WHERE user_id = %s FOR UPDATE", (target_id,))
        if self._rules is None:
            return
        failed = first_failure(self._rules.run_checks_in(conn, requester_id, target_id, role_id, until))
        if failed is not None:
            raise GrantRecheckFailedError(f"{failed.name.value} no longer passes: {failed.detail}")

    def _write(self, record: DecisionRecord) -> None:
        resolved = record.resolved
        target_id = resolved.target.user_id if resolved.target else None
        app_id = resolved.application.app_id if resolved.application else None
        entities = {"matches": [m.model_dump(mode="json") for m in resolved.matches],
                    "clarification": resolved.clarification.model_dump(mode="json") if resolved.clarification
                    else None}
        # Pipelined: the statements go out without waiting for each other's replies; the transaction costs three
        # round trips (up to the catalog version, up to the audit head, the commit) instead of one per statement.
        try:
            with self._database.connection() as conn, conn.pipeline(), conn.transaction():
                self._write_in(conn, record, target_id, app_id, entities)
        except pg_errors.UniqueViolation as exc:
            if exc.diag.constraint_name == IDEMPOTENCY_CONSTRAINT:
                raise DuplicateRequestError(record.idempotency_key or "") from exc
            raise

    def _write_in(self, conn: psycopg.Connection[Any], record: DecisionRecord, target_id: str | None,
                  app_id: str | None, entities: dict[str, Any]) -> None:
        role = record.resolved.role
        request_id = record.request_id
        if record.grant and target_id and role:
            self._recheck_grant(conn, record.requester_id, target_id, role.role_id, record.access_until)
        conn.execute(
            "INSERT INTO requests (request_id, requester_id, target_id, app_id, role_id, channel, text, "
            "status, reason, confidence, message, entities, conversation_id, idempotency_key, access_until) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (request_id, record.requester_id, target_id, app_id, role.role_id if role else None,
             record.channel, record.text, record.decision.value, record.reason.value, record.confidence,
             record.message, json.dumps(entities), record.conversation_id, record.idempotency_key,
             record.access_until),
        )
        _insert_details(conn, request_id, record.checks, record.evidence)
        conn.execute(
            "INSERT INTO request_decisions (request_id, decision, reason, decided_by) VALUES (%s, %s, %s, %s)",
            (request_id, record.decision.value, record.reason.value, SYSTEM_DECIDER),
        )
        if record.grant and target_id and role:
            conn.execute(
                "INSERT INTO user_roles (user_id, role_id, granted_at, expires_at, status, source) "
                "VALUES (%s, %s, now(), %s, 'active', %s) "
                "ON CONFLICT (user_id, role_id) DO UPDATE SET status = 'active', granted_at = now(), "
                "expires_at = EXCLUDED.expires_at, source = EXCLUDED.source",
                (target_id, role.role_id, record.access_until, f"request:{request_id}"),
            )
        version = record.catalog_version if record.catalog_version is not None else catalog_version(conn)
        event = {
            "event_type": "access_request.decided", "request_id": request_id,
            "requester_id": record.requester_id, "target_id": target_id, "app_id": app_id,
            "role_id": role.role_id if role else None, "decision": record.decision.value,
            "reason": record.reason.value, "channel": record.channel,
            "details": {
                "text": record.text, "entities": entities, "confidence": record.confidence,
                "checks": [{"name": c.name.value, "passed": c.passed, "detail": c.detail} for c in record.checks],
                "evidence_ids": [item.evidence_id for item in record.evidence],
                "granted": bool(record.grant), "decided_by": SYSTEM_DECIDER,
                "access_until": record.access_until.isoformat() if record.access_until else None,
                # The catalog version names the rules and policies in force (every import bumps it).
                "catalog_version": version, **(record.extra or {}),
            },
        }
        if outbox.is_event(record.decision):
            outbox.enqueue(conn, event, record.access_until)
        # Last: the append locks the chain head until commit, and every concurrent decision waits for it.
        audit.append(conn, event)

    def record_refusal(self, requester_id: str, channel: str, text: str, why: str) -> None:
        with self._database.connection() as conn, conn.transaction():
            audit.append(conn, {
                "event_type": "access_request.refused", "requester_id": requester_id, "channel": channel,
                "details": {"text": text, "why": why},
            })

    def record_repeat(self, pending: Outcome, requester_id: str, channel: str, text: str,
                      asked_until: datetime | None) -> None:
        with self._database.connection() as conn, conn.transaction():
            audit.append(conn, _repeat_event(pending, requester_id, channel, text, asked_until))

    def record_refused_attempt(self, attempt: RefusedAttempt) -> None:
        # Who tried goes in the details, as for a refused decision: they asked for nothing, so they are no
        # requester, and the request named keeps its own requester.
        details: dict[str, Any] = {"attempted_by": attempt.attempted_by, "route": attempt.route,
                                   "code": attempt.code, "why": attempt.why}
        if attempt.conversation_id is not None:
            details["conversation_id"] = attempt.conversation_id
        with self._database.connection() as conn, conn.transaction():
            audit.append(conn, {"event_type": REFUSED_ATTEMPT_EVENT, "request_id": attempt.request_id,
                                "channel": attempt.channel, "details": details})


def _repeat_event(pending: Outcome, requester_id: str, channel: str, text: str,
                  asked_until: datetime | None) -> dict[str, Any]:
    return {"event_type": "access_request.repeated", "request_id": pending.request_id, "requester_id": requester_id,
            "target_id": pending.user_id, "app_id": pending.app_id, "role_id": pending.role_id, "channel": channel,
            # No decision of its own (reports count decisions): the request it points to still waits.
            "details": {"text": text, "asked_until": asked_until.isoformat() if asked_until else None,
                        "answer": pending.message}}


def _insert_details(
    conn: psycopg.Connection[Any], request_id: str, checks: Any, evidence: Any
) -> None:
    """The request's checks and evidence, each list in one statement (arrays unnested in order)."""
    if checks:
        conn.execute(
            "INSERT INTO request_checks (request_id, position, name, passed, detail, data) "
            "SELECT %s, position - 1, name, passed, detail, data::jsonb "
            "FROM unnest(%s::text[], %s::boolean[], %s::text[], %s::text[]) "
            "WITH ORDINALITY AS c(name, passed, detail, data, position)",
            (request_id, [check.name.value for check in checks], [check.passed for check in checks],
             [check.detail for check in checks], [json.dumps(check.data, default=str) for check in checks]),
        )
    if evidence:
        conn.execute(
            "INSERT INTO request_evidence (request_id, position, evidence_id, kind, summary, score, source) "
            "SELECT %s, position - 1, evidence_id, kind, summary, score, source "
            "FROM unnest(%s::text[], %s::text[], %s::text[], %s::double precision[], %s::text[]) "
            "WITH ORDINALITY AS e(evidence_id, kind, summary, score, source, position)",
            (request_id, [item.evidence_id for item in evidence], [item.kind for item in evidence],
             [item.summary for item in evidence], [item.score for item in evidence],
             [item.source for item in evidence]),
        )
