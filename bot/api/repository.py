"""What the HTTP channel keeps and reads in PostgreSQL: conversation state, decision history, demo users."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from bot.api.models import DecisionEntry, DemoUser
from bot.conversation import ConversationState

Connect = Callable[[], AbstractContextManager[Any]]
DEMO_USERS_LIMIT = 15


def new_conversation_id() -> str:
    return f"c-{secrets.token_hex(16)}"


class ConversationRepository:
    """The `conversations` table: one row per conversation, owned by the requester who started it."""

    def __init__(self, connect: Connect) -> None:
        self._connect = connect

    def load(self, conversation_id: str, requester_id: str) -> ConversationState | None:
        """The state of the requester's conversation; None when it is unknown or someone else's."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT state FROM conversations WHERE conversation_id = %s AND requester_id = %s",
                (conversation_id, requester_id),
            ).fetchone()
        return ConversationState.model_validate(row["state"]) if row else None

    def exists(self, conversation_id: str) -> bool:
        """Whether anyone's conversation has this id (to tell someone else's, whose use is audited, from none)."""
        with self._connect() as conn:
            row = conn.execute("SELECT EXISTS (SELECT 1 FROM conversations WHERE conversation_id = %s) AS found",
                               (conversation_id,)).fetchone()
        return bool(row and row["found"])

    def save(self, conversation_id: str, requester_id: str, state: ConversationState) -> None:
        """Insert or replace the state; a row owned by another requester is never overwritten."""
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO conversations (conversation_id, requester_id, state, turns, updated_at) "
                "VALUES (%s, %s, %s, 1, now()) "
                "ON CONFLICT (conversation_id) DO UPDATE SET state = EXCLUDED.state, "
                "turns = conversations.turns + 1, updated_at = now() "
                "WHERE conversations.requester_id = EXCLUDED.requester_id",
                (conversation_id, requester_id, json.dumps(state.model_dump(mode="json"))),
            )


def decision_history(connect: Connect, request_id: str) -> list[DecisionEntry]:
    """Every decision recorded on a request, oldest first."""
    with connect() as conn:
        rows = conn.execute(
            "SELECT decided_at, decision, reason, decided_by, comment, action, checks_failed FROM request_decisions "
            "WHERE request_id = %s ORDER BY decided_at, ctid", (request_id,),
        ).fetchall()
    return [DecisionEntry(**row) for row in rows]


def demo_users(connect: Connect, featured: Sequence[str] = (), limit: int = DEMO_USERS_LIMIT) -> list[DemoUser]:
    """A handful of active people to try the chat as: the `featured` ones first (in that order), then managers,
    then by name."""
    with connect() as conn:
        rows = conn.execute(
            "SELECT u.user_id, u.display_name, u.title, u.department FROM users u "
            "WHERE u.status = 'active' "
            "ORDER BY array_position(%s::text[], u.user_id) NULLS LAST, "
            "EXISTS (SELECT 1 FROM users r WHERE r.manager_id = u.user_id) DESC, u.display_name, u.user_id "
            "LIMIT %s", (list(featured), limit),
        ).fetchall()
    return [DemoUser(**row) for row in rows]


def ping(connect: Connect) -> None:
    with connect() as conn:
        conn.execute("SELECT 1")


def holds_role(connect: Connect, user_id: str, role_id: str) -> bool:
    """Whether the person holds the role now: active and not expired, as the rules read a held role."""
    with connect() as conn:
        row = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM user_roles WHERE user_id = %s AND role_id = %s AND status = 'active' "
            "AND (expires_at IS NULL OR expires_at > now())) AS held", (user_id, role_id),
        ).fetchone()
    return bool(row and row["held"])


def is_approver(connect: Connect, request_id: str, user_id: str) -> bool:
    """Whether the person may decide the request, by the one rule that says so: the `request_approvers` view."""
    with connect() as conn:
        row = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM request_approvers WHERE request_id = %s AND approver_id = %s) AS allowed",
            (request_id, user_id),
        ).fetchone()
    return bool(row and row["allowed"])
