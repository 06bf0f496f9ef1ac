"""Audit filters as people type them: a person, an application or a role by name, email or an id in another case
("Hannah Bergström", "HBERGSTROM", "BambooHR", "Payment Approver") is read as the id the log records it by.

An auditor reads "0 records" as "nothing happened", so a value that names nobody is refused rather than matched
against nothing, and one that names several is refused with their ids. What is tried, in order: the directory's
and the catalog's ids, emails, names (and applications' aliases); ids the audit log records (people, applications
and roles removed by a later import keep their records); for people and applications, part of a name (a surname,
a first name: "O'Brien", "Priya"); and names the audit records resolved them under (a name since changed, or of
someone since removed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.understanding.text import name_key
from validators.audit_query import APPROVER_SQL, AuditFilter
from validators.db import Database

# Who decided: AskIAM itself, when nobody did.
_SYSTEM_DECIDERS = frozenset({"askiam"})
_MAX_LISTED = 5

Found = list[tuple[str, str]]  # (id, the name it goes by)


class FilterNameError(ValueError):
    """A filter value that does not name exactly one person, application or role."""


class AmbiguousFilterError(FilterNameError):
    """A filter value that names several people, applications or roles."""


class UnknownFilterError(FilterNameError):
    """A filter value that names no person, application or role, now or in the audit log."""


@dataclass(frozen=True)
class _Kind:
    """How one kind of thing is looked up: in the directory or catalog, then in the audit log."""

    entity: str  # the kind of the audit records' resolved entities ("user", "application", "role")
    unknown: str  # what a value naming none of them is told
    current: Callable[[Any, str], Found]
    recorded_columns: tuple[str, ...]  # audit_log expressions holding its ids
    partial: Callable[[Any, str], Found] | None = None


def with_recorded_ids(database: Database, selected: AuditFilter) -> AuditFilter:
    """The filter with every person, application and role given as the id the audit log records; raises
    UnknownFilterError or AmbiguousFilterError (both ValueError) for a value that names none or several."""
    changes: dict[str, str] = {}
    with database.reading() as conn:
        for field, what in (("target_id", "user"), ("requester_id", "requester"), ("approver", "approver")):
            value = getattr(selected, field)
            if value is not None and value not in _SYSTEM_DECIDERS:
                changes[field] = _resolve(conn, what, value, _PEOPLE)
        if selected.app_id is not None:
            changes["app_id"] = _resolve(conn, "app", selected.app_id, _APPLICATIONS)
        if selected.role_id is not None:
            changes["role_id"] = _resolve(conn, "role", selected.role_id, _ROLES)
    return selected.model_copy(update=changes)


def _resolve(conn: Any, what: str, value: str, kind: _Kind) -> str:
    """The first step that finds anything decides: whole ids and names before parts of names, and the cheap
    lookups (the directory, the audit log's indexes) before the scans of the audit log."""
    steps: list[Callable[[], Found]] = [lambda: kind.current(conn, value),
                                        lambda: _recorded_ids(conn, kind, value, exactly=True)]
    if kind.partial is not None:
        partial = kind.partial
        steps.append(lambda: partial(conn, value))
    steps += [lambda: _recorded_ids(conn, kind, value, exactly=False), lambda: _recorded_names(conn, kind, value)]
    for step in steps:
        found = step()
        if found:
            return _one(what, value, found)
    raise UnknownFilterError(f"{what} {value!r}: {kind.unknown}")


def _one(what: str, value: str, found: Found) -> str:
    """The id a value names: itself when it is an id as recorded, the one id it names otherwise."""
    ids = sorted({found_id for found_id, _ in found})
    if value in ids:
        return value
    if len(ids) == 1:
        return ids[0]
    named = sorted({(found_id, label) for found_id, label in found})
    listed = ", ".join(f"{label} ({found_id})" for found_id, label in named[:_MAX_LISTED])
    more = f" and {len(ids) - _MAX_LISTED} more" if len(ids) > _MAX_LISTED else ""
    raise AmbiguousFilterError(f"{what} {value!r} names {len(ids)}: {listed}{more}; give the id")


def _people(conn: Any, value: str) -> Found:
    rows = conn.execute(
        "SELECT user_id, display_name FROM users WHERE user_id = %s OR lower(user_id) = lower(%s) "
        "OR lower(email) = lower(%s) OR folded_name = %s", (value, value, value, name_key(value))).fetchall()
    return [(row["user_id"], row["display_name"]) for row in rows]


def _people_by_part_of_name(conn: Any, value: str) -> Found:
    """People whose name has every word typed ("O'Brien", "Priya", "Maria Garcia" for María José García)."""
    words = name_key(value).split()
    if not words:
        return []
    rows = conn.execute("SELECT user_id, display_name FROM users WHERE string_to_array(folded_name, ' ') @> %s",
                        (words,)).fetchall()
    return [(row["user_id"], row["display_name"]) for row in rows]


def _applications(conn: Any, value: str) -> Found:
    rows = conn.execute(
        "SELECT app_id, name FROM applications WHERE app_id = %s OR lower(app_id) = lower(%s) "
        "OR lower(name) = lower(%s) OR EXISTS (SELECT 1 FROM unnest(aliases) alias WHERE lower(alias) = lower(%s))",
        (value, value, value, value)).fetchall()
    return [(row["app_id"], row["name"]) for row in rows]


def _applications_by_part_of_name(conn: Any, value: str) -> Found:
    words = name_key(value).split()
    if not words:
        return []
    rows = conn.execute("SELECT app_id, name FROM applications").fetchall()
    return [(row["app_id"], row["name"]) for row in rows if set(words) <= set(name_key(row["name"]).split())]


def _roles(conn: Any, value: str) -> Found:
    """By id, by name ("Payment Approver"), or by name and application ("Viewer in Looker")."""
    parts = re.split(r"\s+in\s+", value.strip(), flags=re.IGNORECASE)
    role_name, app_name = (" in ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else (value, "")
    rows = conn.execute(
        "SELECT r.role_id, r.name || ' in ' || a.name AS label FROM roles r JOIN applications a USING (app_id) "
        "WHERE r.role_id = %s OR lower(r.role_id) = lower(%s) OR lower(r.name) = lower(%s) "
        "OR (lower(r.name) = lower(%s) AND (lower(a.name) = lower(%s) OR lower(a.app_id) = lower(%s)))",
        (value, value, value, role_name.strip(), app_name.strip(), app_name.strip())).fetchall()
    return [(row["role_id"], row["label"]) for row in rows]


def _recorded_ids(conn: Any, kind: _Kind, value: str, *, exactly: bool) -> Found:
    """The id as the audit log records it: exactly (each column's index), or in another case (plain columns
    only: reading who decided means reading every payload)."""
    for column in kind.recorded_columns:
        if not exactly and column == APPROVER_SQL:
            continue
        compare = f"{column} = %s" if exactly else f"lower({column}) = lower(%s)"
        row = conn.execute(f"SELECT {column} AS id FROM audit_log WHERE {compare} LIMIT 1",
                           (value,)).fetchone()  # columns are constants of this module
        if row is not None:
            return [(row["id"], row["id"])]
    return []


def _recorded_names(conn: Any, kind: _Kind, value: str) -> Found:
    """Ids by the names the audit records resolved them under: a name since changed, or of someone since
    removed."""
    key = name_key(value)
    if not key:
        return []
    rows = conn.execute("""
        SELECT DISTINCT m ->> 'id' AS id, m ->> 'label' AS label
        FROM audit_log, LATERAL (SELECT audit_details(payload) -> 'entities' -> 'matches' AS matches) found,
             jsonb_array_elements(CASE WHEN jsonb_typeof(found.matches) = 'array' THEN found.matches
                                       ELSE '[]'::jsonb END) m
        WHERE event_type = 'access_request.decided' AND m ->> 'kind' = %s""", (kind.entity,)).fetchall()
    return [(row["id"], row["label"]) for row in rows
            if isinstance(row["label"], str) and isinstance(row["id"], str) and name_key(row["label"]) == key]


_PEOPLE = _Kind("user", "nobody by that id, email or name is known (in the directory or the audit log)", _people,
                ("target_id", "requester_id", APPROVER_SQL), _people_by_part_of_name)
_APPLICATIONS = _Kind("application", "no application by that id, name or alias is known (in the catalog or the "
                      "audit log)", _applications, ("app_id",), _applications_by_part_of_name)
_ROLES = _Kind("role", "no role by that id or name is known (in the catalog or the audit log)", _roles, ("role_id",))
