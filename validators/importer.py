"""Writing a validated org bundle into the rules store, all or nothing."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import psycopg

from bot.ports import ImportCounts
from bot.time_zones import zone_label, zone_named
from bot.understanding.text import fold, name_key
from validators import audit
from validators.approved_grants import reconcile
from validators.bundle import Bundle
from validators.confidence_stats import rebuild_stats
from validators.db import Database, analyze
from validators.errors import ImportBusyError
from validators.user_columns import IDENTITY_COLUMNS

log = logging.getLogger(__name__)

# Replaced on every import. Requests, decisions, the audit log and the outbox are kept.
_CATALOG_TABLES = ("role_attribute_stats", "role_stats", "access_history", "eligibility", "prerequisites",
                   "sod_rules", "user_roles", "roles", "applications", "users", "policy_documents")


# At most this many grants, people or applications are named per count in an import's report and audit record.
NAMED_AT_MOST = 20


# One import at a time per database: two at once would each fit the other's data, and report it as their own.
_IMPORT_LOCK = 0x61736B69616D  # "askiam"


@contextmanager
def one_import_at_a_time(database: Database) -> Iterator[None]:
    """Hold the database's import lock for the block (a session advisory lock, released however the block ends,
    and by PostgreSQL if the process dies); another import meanwhile is refused at once, changing nothing."""
    with database.reading() as conn:
        row = conn.execute("SELECT pg_try_advisory_lock(%s) AS got", (_IMPORT_LOCK,)).fetchone()
        if row is None or not row["got"]:
            raise ImportBusyError("another import into this database is in progress")
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_IMPORT_LOCK,))


def similarity_attributes(attributes: dict[str, str]) -> dict[str, str]:
    """The attributes that describe a requester's position (identity columns are left out)."""
    return {key: value for key, value in attributes.items() if key not in IDENTITY_COLUMNS and value}


def write_bundle(database: Database, bundle: Bundle) -> ImportCounts:
    """Replace the catalog with the bundle's contents in one transaction."""
    with database.connection() as conn, conn.transaction():
        # Grants made here by approval since the export: the bundle (an export of the system of record) may not
        # show them yet (validators.approved_grants says which survive).
        approved = conn.execute(
            "SELECT user_id, role_id, granted_at, expires_at, status, source FROM user_roles "
            "WHERE source LIKE 'request:%' AND status = 'active' ORDER BY granted_at, user_id, role_id").fetchall()
        for table in _CATALOG_TABLES:
            conn.execute(f"DELETE FROM {table}")  # table names are constants above
        _copy(conn, "users", ("user_id", "email", "display_name", "folded_name", "status", "employment_type",
                              "department", "title", "manager_id", "location", "attributes", "folded_attributes"),
              ((u.row.user_id, u.row.email, u.row.display_name, name_key(u.row.display_name), u.row.status,
                u.row.employment_type, u.row.department, u.row.title, u.row.manager_id, u.row.location,
                json.dumps(u.attributes), json.dumps({name: fold(value) for name, value in u.attributes.items()}))
               for u in bundle.users))
        _copy(conn, "applications", ("app_id", "name", "aliases", "owner_id", "description"),
              ((a.app_id, a.name, list(a.aliases), a.owner_id, a.description) for a in bundle.applications))
        _copy(conn, "roles", ("role_id", "app_id", "name", "aliases", "privileged", "description"),
              ((r.role_id, r.app_id, r.name, list(r.aliases), r.privileged, r.description) for r in bundle.roles))
        grants = {(g.user_id, g.role_id): g for g in bundle.user_roles}
        imported_at = datetime.now(UTC)  # the date of a grant whose row leaves granted_at empty
        reconciled = reconcile(approved, grants, {u.row.user_id for u in bundle.users},
                               {r.role_id for r in bundle.roles})
        written = {key: (g.user_id, g.role_id, g.granted_at or imported_at, g.expires_at, g.status, "import")
                   for key, g in grants.items()}
        written.update({(g["user_id"], g["role_id"]): (g["user_id"], g["role_id"], g["granted_at"], g["expires_at"],
                                                       g["status"], g["source"]) for g in reconciled.kept})
        _copy(conn, "user_roles", ("user_id", "role_id", "granted_at", "expires_at", "status", "source"),
              written.values())
        _copy(conn, "sod_rules", ("rule_id", "role_a", "role_b", "description"),
              ((s.rule_id, s.role_a, s.role_b, s.description) for s in bundle.sod_rules))
        prerequisites = {(p.role_id, p.requires_role_id) for p in bundle.prerequisites}
        _copy(conn, "prerequisites", ("role_id", "requires_role_id"), sorted(prerequisites))
        merged: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
        for rule, folded in bundle.folded_eligibility():
            # Several rows for one role and attribute must all hold: keep the values every row allows.
            key = (rule.role_id, rule.attribute)
            if key in merged:
                kept = [(v, f) for v, f in zip(*merged[key], strict=True) if f in folded]
                merged[key] = ([v for v, _ in kept], [f for _, f in kept])
            else:
                merged[key] = (list(rule.allowed_values), folded)
        _copy(conn, "eligibility", ("role_id", "attribute", "allowed_values", "allowed_folded"),
              ((role_id, attribute, values, folded) for (role_id, attribute), (values, folded) in merged.items()))
        attributes_of = {u.row.user_id: similarity_attributes(u.attributes) for u in bundle.users}
        _copy(conn, "access_history", ("history_id", "user_id", "role_id", "approved", "decided_at", "decided_by",
                                       "attributes"),
              ((h.request_id, h.user_id, h.role_id, h.decision, h.decided_at, h.decided_by,
                json.dumps(attributes_of.get(h.user_id, {}))) for h in bundle.history))
        _copy(conn, "policy_documents", ("document", "title", "body", "sha256"),
              ((p.document, p.title, p.body, p.sha256) for p in bundle.policies))
        for table in ("users", "user_roles", "access_history"):
            analyze(conn, table)  # the request path's plans, from the moment the import commits
        rebuild_history_stats(conn)
        row = conn.execute(
            "UPDATE catalog_meta SET version = version + 1, imported_at = now(), source = %s WHERE id = 1 "
            "RETURNING version", (bundle.source[:500],)
        ).fetchone()
        assert row is not None
        counts = ImportCounts(
            users=len(bundle.users), applications=len(bundle.applications), roles=len(bundle.roles),
            grants=len(written), rules=len(bundle.sod_rules) + len(prerequisites) + len(merged),
            history=len(bundle.history), policies=len(bundle.policies), catalog_version=int(row["version"]),
            kept_grants=len(reconciled.kept_named), reverted_grants=len(reconciled.reverted_named),
            dropped_grants=len(reconciled.dropped_named), kept_named=tuple(reconciled.kept_named[:NAMED_AT_MOST]),
            reverted_named=tuple(reconciled.reverted_named[:NAMED_AT_MOST]),
            dropped_named=tuple(reconciled.dropped_named[:NAMED_AT_MOST]), **_rule_breaches(conn),
        )
        # The rules changed: who imported what, and when, is on the record like every decision.
        audit.append(conn, {"event_type": "catalog.imported", "channel": "import",
                            "details": {"source": bundle.source[:500], **asdict(counts)}})
    return counts


_HELD = ("WITH held AS (SELECT user_id, role_id FROM user_roles "
         "WHERE status = 'active' AND (expires_at IS NULL OR expires_at > now())) ")
# Each query names one breach a row, the first NAMED_AT_MOST in order, with the count of all of them.
_BREACHES = {
    "sod_breaches": _HELD + """
        SELECT a.user_id || ' (' || string_agg(s.rule_id || ': ' || s.role_a || ' and ' || s.role_b, '; '
                                               ORDER BY s.rule_id) || ')' AS name, count(*) OVER () AS total
        FROM sod_rules s JOIN held a ON a.role_id = s.role_a
        JOIN held b ON b.role_id = s.role_b AND b.user_id = a.user_id
        GROUP BY a.user_id ORDER BY a.user_id LIMIT %s""",
    "prerequisite_breaches": _HELD + """
        SELECT h.user_id || ': ' || h.role_id || ' without ' || p.requires_role_id AS name, count(*) OVER () AS total
        FROM held h JOIN prerequisites p ON p.role_id = h.role_id
        WHERE NOT EXISTS (SELECT 1 FROM held r WHERE r.user_id = h.user_id AND r.role_id = p.requires_role_id)
        ORDER BY h.user_id, h.role_id, p.requires_role_id LIMIT %s""",
    "lapsed_grants": """
        SELECT g.user_id || ': ' || g.role_id || ' ended ' AS name, g.expires_at AS ended,
               u.attributes ->> 'time_zone' AS time_zone, count(*) OVER () AS total
        FROM user_roles g LEFT JOIN users u ON u.user_id = g.user_id
        WHERE g.status = 'active' AND g.expires_at <= now()
        ORDER BY g.user_id, g.role_id LIMIT %s""",
    "ownerless_applications": """
        SELECT a.name || ' (' || a.app_id || ', ' || CASE WHEN a.owner_id IS NULL THEN 'no owner'
               ELSE 'owner ' || a.owner_id || ' is ' || coalesce(o.status, 'unknown') END || ')' AS name,
               count(*) OVER () AS total
        FROM applications a LEFT JOIN users o ON o.user_id = a.owner_id
        WHERE o.status IS DISTINCT FROM 'active' ORDER BY a.app_id LIMIT %s""",
}


def _rule_breaches(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """Grants as imported that the catalog's own rules forbid: people holding both roles of a segregation-of-duties
    rule, and grants whose prerequisite role is not held; grants listed as held whose end has passed; and
    applications without an active owner. Imported as
    they are (they are the system of record's), counted and named so that the import can say which."""
    found: dict[str, Any] = {}
    for kind, query in _BREACHES.items():
        rows = conn.execute(query, (NAMED_AT_MOST,)).fetchall()
        found[kind] = int(rows[0]["total"]) if rows else 0
        found[f"{kind}_named"] = tuple(str(row["name"]) + (_ended(row) if "ended" in row else "") for row in rows)
    return found


def _ended(row: dict[str, Any]) -> str:
    """When a lapsed grant ended, on the person's clock, where a date alone in the bundle was read: "2026-12-18
    23:59 America/Los_Angeles"."""
    ended = row["ended"].astimezone(zone_named(row["time_zone"] or "UTC") or UTC)
    return f"{ended:%Y-%m-%d %H:%M} {zone_label(ended)}"


def rebuild_history_stats(conn: psycopg.Connection[Any]) -> None:
    """Aggregate the history per role, per (role, attribute, value), per attribute value and per pair of values;
    the confidence reads these (validators.confidence_stats)."""
    rebuild_stats(conn)


def _copy(conn: psycopg.Connection[Any], table: str, columns: tuple[str, ...], rows: Any) -> None:
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"  # identifiers are constants of this module
    with conn.cursor().copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
