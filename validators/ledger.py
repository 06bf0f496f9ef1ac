"""A person's own access, read for the chat's questions ("what access do I have?", "status of my requests")."""

from __future__ import annotations

from bot.ports import HeldRole, RequestSummary
from validators.db import Database


class SqlAccessLedger:
    """The AccessLedger port over PostgreSQL."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def roles_held(self, user_id: str) -> list[HeldRole]:
        with self._database.reading() as conn:
            rows = conn.execute(
                "SELECT role_id, expires_at FROM user_roles WHERE user_id = %s AND status = 'active' "
                "AND (expires_at IS NULL OR expires_at > now()) ORDER BY role_id", (user_id,),
            ).fetchall()
        return [HeldRole(**row) for row in rows]

    def requests_about(self, user_id: str, limit: int) -> list[RequestSummary]:
        with self._database.reading() as conn:
            rows = conn.execute(
                "SELECT request_id, created_at, status AS decision, reason, requester_id, target_id, app_id, role_id, "
                "access_until, (SELECT max(d.decided_at) FROM request_decisions d WHERE d.request_id = r.request_id) "
                "AS decided_at FROM requests r WHERE (requester_id = %s OR target_id = %s) "
                "AND status <> 'NEEDS_CLARIFICATION' AND role_id IS NOT NULL "
                # someone refused for asking on their behalf made no request of theirs ("why was I denied?")
                "AND NOT (requester_id <> %s AND reason = 'NOT_AUTHORIZED_FOR_TARGET') "
                "ORDER BY created_at DESC, request_id DESC LIMIT %s", (user_id, user_id, user_id, limit),
            ).fetchall()
        return [RequestSummary(**row) for row in rows]

    def awaiting_decision_by(self, approver_id: str) -> int:
        # The one rule of who may decide what is the request_approvers view, as for the queue itself.
        with self._database.reading() as conn:
            row = conn.execute(
                "SELECT count(DISTINCT r.request_id) AS n FROM requests r "
                "JOIN request_approvers a ON a.request_id = r.request_id "
                "WHERE r.status = 'PENDING_APPROVAL' AND a.approver_id = %s", (approver_id,),
            ).fetchone()
        return int(row["n"]) if row is not None else 0

    def decides(self, request_id: str, person_id: str) -> bool:
        with self._database.reading() as conn:
            row = conn.execute("SELECT EXISTS (SELECT 1 FROM request_approvers WHERE request_id = %s "
                               "AND approver_id = %s) AS decides", (request_id, person_id)).fetchone()
        return bool(row and row["decides"])
