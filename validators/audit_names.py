"""Audit filters as people type them: a person, an application or a role by name, email or an id in another case
("Hannah Bergström", "HBERGSTROM", "BambooHR", "Payment Approver") is read as the id the log records it by. A name
nobody has stays as typed (it then matches nothing, as an unknown id does); one that several have is refused."""

from __future__ import annotations

import re
from typing import Any

from bot.understanding.text import name_key
from validators.audit_query import AuditFilter
from validators.db import Database

# Who decided: AskIAM itself, when nobody did.
_SYSTEM_DECIDERS = frozenset({"askiam"})
_MAX_LISTED = 5


class AmbiguousFilterError(ValueError):
    """A filter value that names several people, applications or roles."""


def with_recorded_ids(database: Database, selected: AuditFilter) -> AuditFilter:
    """The filter with every person, application and role given as the id the audit log records."""
    changes: dict[str, str] = {}
    with database.reading() as conn:
        for field in ("target_id", "requester_id", "approver"):
            value = getattr(selected, field)
            if value is not None and value not in _SYSTEM_DECIDERS:
                changes[field] = _one(field, value, _people(conn, value))
        if selected.app_id is not None:
            changes["app_id"] = _one("app", selected.app_id, _applications(conn, selected.app_id))
        if selected.role_id is not None:
            changes["role_id"] = _one("role", selected.role_id, _roles(conn, selected.role_id))
    return selected.model_copy(update=changes)


def _one(what: str, value: str, found: list[tuple[str, str]]) -> str:
    """The id a value names: itself when it is an id as recorded, the one id it names otherwise."""
    ids = sorted({found_id for found_id, _ in found})
    if value in ids or not ids:
        return value
    if len(ids) == 1:
        return ids[0]
    listed = ", ".join(f"{label} ({found_id})" for found_id, label in sorted(found)[:_MAX_LISTED])
    raise AmbiguousFilterError(f"{what.removesuffix('_id')} {value!r} names {len(ids)}: {listed}; give the id")


def _people(conn: Any, value: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT user_id, display_name FROM users WHERE user_id = %s OR lower(user_id) = lower(%s) "
        "OR lower(email) = lower(%s) OR folded_name = %s", (value, value, value, name_key(value))).fetchall()
    return [(row["user_id"], row["display_name"]) for row in rows]


def _applications(conn: Any, value: str) -> list[tuple[str, str]]:
    rows = conn.execute("SELECT app_id, name FROM applications WHERE app_id = %s OR lower(app_id) = lower(%s) "
                        "OR lower(name) = lower(%s)", (value, value, value)).fetchall()
    return [(row["app_id"], row["name"]) for row in rows]


def _roles(conn: Any, value: str) -> list[tuple[str, str]]:
    """By id, by name ("Payment Approver"), or by name and application ("Viewer in Looker")."""
    parts = re.split(r"\s+in\s+", value.strip(), flags=re.IGNORECASE)
    role_name, app_name = (" in ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else (value, "")
    rows = conn.execute(
        "SELECT r.role_id, r.name || ' in ' || a.name AS label FROM roles r JOIN applications a USING (app_id) "
        "WHERE r.role_id = %s OR lower(r.role_id) = lower(%s) OR lower(r.name) = lower(%s) "
        "OR (lower(r.name) = lower(%s) AND (lower(a.name) = lower(%s) OR lower(a.app_id) = lower(%s)))",
        (value, value, value, role_name.strip(), app_name.strip(), app_name.strip())).fetchall()
    return [(row["role_id"], row["label"]) for row in rows]
