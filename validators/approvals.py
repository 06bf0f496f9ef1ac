"""Approvers' decisions in PostgreSQL: the queue, a decision under lock with the checks re-run, expiry."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.decision import Verdict, decide_on_review
from bot.domain import CheckResult, Decision, Reason, Review
from bot.messages import closed_text
from bot.ports import Withdrawal, WithdrawalResult
from validators import audit, outbox
from validators.db import Database
from validators.decisions import canonical_request_id, is_request_id
from validators.directory import catalog_version
from validators.rules import SqlRulesChecker


@dataclass(frozen=True)
class PendingItem:
    request_id: str
    created_at: datetime
    expires_at: datetime
    requester_id: str
    target_id: str
    app_id: str
    role_id: str
    reason: str
    confidence: float | None
    capacity: str
    message: str
    text: str = ""  # what the requester typed
    access_until: datetime | None = None  # the end of the access asked for, if any
    # Names as the catalog and directory have them now (the ids where they no longer do).
    role_name: str = ""
    app_name: str = ""
    target_name: str = ""
    requester_name: str = ""
    # Whether the person holds the role now, and until when: a request for a role held until a date is an extension.
    held: bool = False
    held_until: datetime | None = None

    def described(self, *, ids: bool = True) -> str:
        """'HR Reporting in BambooHR for Hannah Bergström (hbergstrom)'; without `ids`, '... for Hannah Bergström'
        (the id only where the directory no longer has the name)."""
        who = with_id(self.target_name, self.target_id) if ids else self.target_name or self.target_id
        return f"{self.role_name or self.role_id} in {self.app_name or self.app_id} for {who}"


def with_id(name: str, user_id: str) -> str:
    """'Hannah Bergström (hbergstrom)'; the id alone when the directory no longer has the person's name."""
    return f"{name} ({user_id})" if name and name != user_id else user_id


@dataclass(frozen=True)
class ReviewResult:
    request_id: str
    verdict: Verdict
    checks: list[CheckResult]
    granted: bool


# Why an approver may decide, as one text: their rows of request_approvers for one request.
_CAPACITIES = "string_agg(capacity, ' and ' ORDER BY capacity) AS capacity"
# An approver's comment, from any channel: kept in the audit log and shown to auditors and in terminals.
MAX_COMMENT_CHARS = 2000
# Control characters other than tab and line breaks (terminal escape sequences among them), a carriage return not
# ending a line (it rewrites a terminal line), and the marks that reorder or split displayed text (a comment must
# read as it was written: U+202E can make "approved" display as "devorppa").
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
                      r"|\r(?!\n)")


class ReviewError(Exception):
    """The decision cannot be taken (unknown request, not pending, or not an allowed approver)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class SqlApprovals:
    def __init__(self, database: Database, rules: SqlRulesChecker, expiry_days: int) -> None:
        self._database = database
        self._rules = rules
        self._expiry = timedelta(days=expiry_days)

    def pending_for(self, approver_id: str) -> list[PendingItem]:
        """The approver's queue, oldest first (the first to expire first)."""
        with self._database.connection() as conn:
            rows = conn.execute(
                "SELECT r.request_id, r.created_at, r.requester_id, r.target_id, r.app_id, r.role_id, r.reason, "
                "r.confidence, r.message, r.text, r.access_until, "
                "coalesce(ro.name, r.role_id) AS role_name, coalesce(ap.name, r.app_id) AS app_name, "
                "coalesce(t.display_name, r.target_id) AS target_name, "
                "coalesce(q.display_name, r.requester_id) AS requester_name, "
                "g.user_id IS NOT NULL AS held, g.expires_at AS held_until, "
                f"{_CAPACITIES} "
                "FROM requests r JOIN request_approvers a ON a.request_id = r.request_id "
                "LEFT JOIN roles ro ON ro.role_id = r.role_id LEFT JOIN applications ap ON ap.app_id = r.app_id "
                "LEFT JOIN users t ON t.user_id = r.target_id LEFT JOIN users q ON q.user_id = r.requester_id "
                # The grant held now, as the rules read a held role (active, not past its end).
                "LEFT JOIN user_roles g ON g.user_id = r.target_id AND g.role_id = r.role_id AND g.status = 'active' "
                "AND (g.expires_at IS NULL OR g.expires_at > now()) "
                "WHERE r.status = 'PENDING_APPROVAL' AND a.approver_id = %s "
                "GROUP BY r.request_id, ro.name, ap.name, t.display_name, q.display_name, g.user_id, g.expires_at "
                "ORDER BY r.created_at, r.request_id",
                (approver_id,),
            ).fetchall()
        # Undecided, a request is denied when the queue's expiry comes, or sooner when the access asked for ends.
        return [PendingItem(expires_at=min(filter(None, (row["created_at"] + self._expiry, row["access_until"]))),
                            **row) for row in rows]

    def decide(self, request_id: str, approver_id: str, approve: bool, comment: str, channel: str) -> ReviewResult:
        """Approve or deny once. On approval the hard checks run again under the request's lock. An attempt that
        is refused (not an approver, already decided, a bad comment) decides nothing and is audited as such; an id
        that is no request id at all ("", "hello") is refused without an audit record, since it names nothing."""
        request_id = canonical_request_id(request_id)
        if not is_request_id(request_id):
            raise ReviewError("NOT_FOUND", f"{request_id[:40]!r} is not a request id (they look like R-1234); "
                                           "nothing was decided")
        try:
            return self._decide(request_id, approver_id, approve, comment, channel)
        except ReviewError as refused:
            self._audit_refusal(request_id, approver_id, approve, refused, channel)
            raise

    def _audit_refusal(self, request_id: str, approver_id: str, approve: bool, refused: ReviewError,
                       channel: str) -> None:
        with self._database.connection() as conn, conn.transaction():
            audit.append(conn, {
                "event_type": "access_request.decision_refused", "request_id": request_id, "channel": channel,
                "details": {"attempted_by": approver_id, "action": "approve" if approve else "deny",
                            "code": refused.code, "why": str(refused)},
            })

    def _decide(self, request_id: str, approver_id: str, approve: bool, comment: str, channel: str) -> ReviewResult:
        if len(comment) > MAX_COMMENT_CHARS or _CONTROL.search(comment):
            raise ReviewError("INVALID_COMMENT", f"a comment is at most {MAX_COMMENT_CHARS} characters, without "
                                                 "control characters or text-direction marks; nothing was decided")
        with self._database.connection() as conn, conn.transaction():
            request = conn.execute("SELECT * FROM requests WHERE request_id = %s FOR UPDATE",
                                   (request_id,)).fetchone()
            capacity = _capacity(conn, request_id, approver_id)
            refused = _refusal(request_id, request, approver_id, capacity, _closed(conn, request))
            if refused is not None:
                raise refused
            assert request is not None
            # Decisions on one person's requests take turns: two approvals of a segregation-of-duties pair decided
            # at once would each check against grants without the other's and both pass. Held to the commit, so
            # the next one's checks see this one's grant.
            conn.execute("SELECT 1 FROM users WHERE user_id = %s FOR UPDATE", (request["target_id"],))
            checks = self._rules.run_checks_in(conn, request["requester_id"], request["target_id"],
                                               request["role_id"], request["access_until"])
            # An import since the request may have taken the role or the person out of the catalog.
            present = conn.execute(
                "SELECT EXISTS (SELECT 1 FROM users WHERE user_id = %s) AS person, "
                "EXISTS (SELECT 1 FROM roles WHERE role_id = %s) AS role",
                (request["target_id"], request["role_id"])).fetchone()
            assert present is not None
            verdict = decide_on_review(checks, approve, in_catalog=bool(present["person"] and present["role"]))
            ended = conn.execute("SELECT %s::timestamptz <= now() AS ended", (request["access_until"],)).fetchone()
            if verdict.decision is Decision.APPROVED and ended is not None and ended["ended"]:
                # The time the access was asked for is over: granting now would grant what nobody asked for.
                verdict = Verdict(Decision.DENIED, Reason.EXPIRED)
                comment = f"{comment} (the access asked for ended at {request['access_until']:%Y-%m-%d %H:%M} UTC)"
            granted = verdict.decision is Decision.APPROVED
            self._write(conn, request, verdict, checks, approver_id, comment.strip(), channel, granted,
                        capacity=capacity, action="approve" if approve else "deny")
        return ReviewResult(request_id, verdict, checks, granted)

    def withdraw(self, request_id: str, person_id: str, channel: str, comment: str = "") -> Withdrawal:
        """Call off a request waiting for approval, for the person who asked or the one it is for: it is closed as
        DENIED (WITHDRAWN), audited, and no approver can decide it after. An overdue request is expired first (it
        is EXPIRED, whichever channel asks). To anyone else the request reads as missing."""
        request_id = canonical_request_id(request_id)
        if not is_request_id(request_id):
            return Withdrawal(request_id[:40], WithdrawalResult.NOT_FOUND)
        self.expire()
        with self._database.connection() as conn, conn.transaction():
            request = conn.execute("SELECT * FROM requests WHERE request_id = %s FOR UPDATE",
                                   (request_id,)).fetchone()
            if request is None or person_id not in (request["requester_id"], request["target_id"]):
                return Withdrawal(request_id, WithdrawalResult.NOT_FOUND)
            status = Decision(request["status"])
            if request["reason"] == Reason.WITHDRAWN.value:
                return Withdrawal(request_id, WithdrawalResult.ALREADY_WITHDRAWN, status)
            if status is not Decision.PENDING_APPROVAL:
                return Withdrawal(request_id, WithdrawalResult.NOT_PENDING, status)
            self._write(conn, request, Verdict(Decision.DENIED, Reason.WITHDRAWN), [], person_id, comment, channel,
                        False)
        return Withdrawal(request_id, WithdrawalResult.WITHDRAWN)

    def refusal(self, request_id: str, person_id: str) -> ReviewError | None:
        """Why `person_id` cannot decide the request now (None if they can), read without locking or deciding."""
        request_id = canonical_request_id(request_id)
        with self._database.connection() as conn:
            request = conn.execute("SELECT * FROM requests WHERE request_id = %s", (request_id,)).fetchone()
            return _refusal(request_id, request, person_id, _capacity(conn, request_id, person_id),
                            _closed(conn, request))

    def expire(self, now: datetime | None = None) -> list[str]:
        """Deny every request pending for longer than the expiry; returns their ids."""
        expired: list[str] = []
        with self._database.connection() as conn, conn.transaction():
            if now is None:
                row = conn.execute("SELECT now() AS t").fetchone()
                assert row is not None
                now = row["t"]
            cutoff = now - self._expiry
            rows = conn.execute(
                "SELECT * FROM requests WHERE status = 'PENDING_APPROVAL' AND (created_at < %s OR access_until <= %s) "
                "ORDER BY created_at FOR UPDATE SKIP LOCKED", (cutoff, now),
            ).fetchall()
            for request in rows:
                verdict = Verdict(Decision.DENIED, Reason.EXPIRED)
                why = f"pending for more than {self._expiry.days} days" if request["created_at"] < cutoff else \
                    f"the access asked for ended at {request['access_until']:%Y-%m-%d %H:%M} UTC before a decision"
                self._write(conn, request, verdict, [], "askiam", why, "system", False)
                expired.append(request["request_id"])
        return expired

    def _write(self, conn: Any, request: dict[str, Any], verdict: Verdict, checks: list[CheckResult],
               decided_by: str, comment: str, channel: str, granted: bool, capacity: str | None = None,
               action: str | None = None) -> None:
        """`capacity`: why the approver could decide ('application owner', 'manager' or both); None for the sweep.
        `action`: what an approver chose ('approve' or 'deny'), which the checks may have overruled."""
        request_id = request["request_id"]
        conn.execute("UPDATE requests SET status = %s, reason = %s WHERE request_id = %s",
                     (verdict.decision.value, verdict.reason.value, request_id))
        failed = "; ".join(check.detail for check in checks if not check.passed)
        ran = json.dumps([check.model_dump(mode="json") for check in checks], default=str) if checks else None
        conn.execute(
            "INSERT INTO request_decisions (request_id, decision, reason, decided_by, comment, action, checks_failed, "
            "checks) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (request_id, verdict.decision.value, verdict.reason.value, decided_by, comment, action, failed, ran),
        )
        if granted:
            conn.execute(
                "INSERT INTO user_roles (user_id, role_id, granted_at, expires_at, status, source) "
                "VALUES (%s, %s, now(), %s, 'active', %s) ON CONFLICT (user_id, role_id) DO UPDATE SET "
                "status = 'active', granted_at = now(), expires_at = EXCLUDED.expires_at, source = EXCLUDED.source",
                (request["target_id"], request["role_id"], request["access_until"], f"request:{request_id}"),
            )
        version = catalog_version(conn)
        event_type = {Reason.EXPIRED: "access_request.expired", Reason.WITHDRAWN: "access_request.withdrawn"}.get(
            verdict.reason, "access_request.approved" if granted else "access_request.denied")
        event = {
            "event_type": event_type, "request_id": request_id, "requester_id": request["requester_id"],
            "target_id": request["target_id"], "app_id": request["app_id"], "role_id": request["role_id"],
            "decision": verdict.decision.value, "reason": verdict.reason.value, "channel": channel,
            "details": {"decided_by": decided_by, "capacity": capacity, "action": action, "comment": comment,
                        "granted": granted,
                        "access_until": request["access_until"].isoformat() if request["access_until"] else None,
                        "catalog_version": version,
                        "checks": [{"name": c.name.value, "passed": c.passed, "detail": c.detail} for c in checks]},
        }
        audit.append(conn, event)
        outbox.enqueue(conn, event, request["access_until"])


def _capacity(conn: Any, request_id: str, person_id: str) -> str | None:
    """Why the person may decide the request, as the queue shows it ('application owner and manager'); None when
    they are not one of its approvers."""
    row = conn.execute(f"SELECT {_CAPACITIES} FROM request_approvers WHERE request_id = %s AND approver_id = %s",
                       (request_id, person_id)).fetchone()
    return row["capacity"] if row else None


def _closed(conn: Any, request: dict[str, Any] | None) -> str:
    """Why a request no longer waits for a decision, from its latest decision (`messages.closed_text`); "" while it
    waits."""
    if request is None or request["status"] == Decision.PENDING_APPROVAL.value:
        return ""
    row = conn.execute(
        "SELECT d.decision, d.reason, d.decided_by, d.decided_at, d.comment, d.action, d.checks_failed, "
        "coalesce(u.display_name, '') AS name FROM request_decisions d LEFT JOIN users u ON u.user_id = d.decided_by "
        "WHERE d.request_id = %s ORDER BY d.decided_at DESC, d.ctid DESC LIMIT 1", (request["request_id"],),
    ).fetchone()
    if row is None:
        return f"{request['request_id']} is {request['status']}"
    name = row.pop("name")
    return closed_text(request["request_id"], Review(**row), with_id(name, row["decided_by"]))


def _their_part(request: dict[str, Any], person_id: str) -> str:
    """How the request is the person's, which is why they may not decide it: they asked for it, it is for them, or
    both."""
    if person_id == request["target_id"]:
        return "a request they made for themselves" if person_id == request["requester_id"] else \
            "a request about them"
    return "a request they made"


def _refusal(request_id: str, request: dict[str, Any] | None, person_id: str,
             capacity: str | None, closed: str = "") -> ReviewError | None:
    """Why the person cannot decide the request (`capacity`: why they may, None for someone not its approver;
    `closed`: why it no longer waits for a decision, from `_closed`).
    Whether a request exists, and how it was decided, is told only to its approvers and to the people it is about:
    to anyone else an existing request reads exactly like a missing one, so request ids are not a way to learn
    about others' requests."""
    unknown = ReviewError("NOT_FOUND", f"no request {request_id} for you to decide")
    if request is None:
        return unknown
    if capacity is None:
        if person_id in (request["requester_id"], request["target_id"]):
            return ReviewError("NOT_AN_APPROVER", f"{person_id} may not decide {request_id}, "
                                                  f"{_their_part(request, person_id)}")
        return unknown
    if request["status"] != Decision.PENDING_APPROVAL.value:
        return ReviewError("ALREADY_DECIDED", f"{closed or request_id + ' is ' + request['status']}; it is not "
                                              "pending, so nothing was changed")
    return None
