"""People and catalog lookups in the rules store."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from rapidfuzz import fuzz, process

from bot.domain import Application, Person, Role
from bot.ports import Catalog
from bot.understanding.text import fold, name_key
from validators.db import Database
from validators.user_columns import STANDARD_USER_COLUMNS

_PERSON_COLUMNS = "user_id, email, display_name, status, employment_type, department, title, manager_id, location, " \
                  "attributes"
_MAX_SUGGESTION_SCAN = 5000


def person_from_row(row: dict[str, Any]) -> Person:
    extra = {key: str(value) for key, value in (row["attributes"] or {}).items() if key not in STANDARD_USER_COLUMNS}
    return Person(
        user_id=row["user_id"], email=row["email"], display_name=row["display_name"], status=row["status"],
        employment_type=row["employment_type"], department=row["department"], title=row["title"],
        manager_id=row["manager_id"], location=row["location"], attributes=extra,
    )


class SqlDirectory:
    """The Directory port over the users table."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def get_person(self, user_id: str) -> Person | None:
        with self._database.reading() as conn:
            row = conn.execute(f"SELECT {_PERSON_COLUMNS} FROM users WHERE user_id = %s", (user_id,)).fetchone()
        return person_from_row(row) if row else None

    def find_people(self, *, emails: Sequence[str], names: Sequence[str], user_ids: Sequence[str]) -> list[Person]:
        if not (emails or names or user_ids):
            return []
        with self._database.reading() as conn:
            rows = conn.execute(
                f"SELECT {_PERSON_COLUMNS} FROM users WHERE lower(email) = ANY(%s) OR folded_name = ANY(%s) "
                "OR lower(user_id) = ANY(%s) ORDER BY user_id",
                ([e.casefold() for e in emails], list(names), [u.casefold() for u in user_ids]),
            ).fetchall()
        return [person_from_row(row) for row in rows]

    def suggest_people(self, phrase: str, limit: int = 5, manager_id: str | None = None) -> list[Person]:
        words = [word for word in name_key(phrase).split() if len(word) >= 2]
        if not words:
            return []
        patterns = [f"%{word[:4]}%" for word in words]
        with self._database.reading() as conn:
            if manager_id is None:
                rows = conn.execute(
                    f"SELECT {_PERSON_COLUMNS} FROM users WHERE folded_name LIKE ANY(%s) LIMIT %s",
                    (patterns, _MAX_SUGGESTION_SCAN),
                ).fetchall()
            else:
                rows = conn.execute(
                    f"SELECT {_PERSON_COLUMNS} FROM users WHERE manager_id = %s AND folded_name LIKE ANY(%s) LIMIT %s",
                    (manager_id, patterns, _MAX_SUGGESTION_SCAN),
                ).fetchall()
        people = {row["user_id"]: person_from_row(row) for row in rows}
        choices = {user_id: fold(person.display_name) for user_id, person in people.items()}
        ranked = process.extract(fold(phrase), choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
        return [people[key] for _, _, key in ranked]


    def reports_of(self, manager_id: str, limit: int = 8) -> list[Person]:
        with self._database.reading() as conn:
            rows = conn.execute(
                f"SELECT {_PERSON_COLUMNS} FROM users WHERE manager_id = %s AND status = 'active' "
                "ORDER BY display_name, user_id LIMIT %s", (manager_id, limit)).fetchall()
        return [person_from_row(row) for row in rows]


class SqlCatalogSource:
    """The catalog, re-read only when an import has changed its version."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._cached: Catalog | None = None
        self._lock = threading.Lock()

    def catalog(self) -> Catalog:
        cached = self._cached
        if cached is not None:
            # The common case: one statement, outside a transaction, to learn that nothing changed.
            with self._database.reading() as conn:
                if self._version(conn) == cached.version:
                    return cached
        with self._database.connection() as conn:
            # The version, applications and roles from one snapshot.
            version = self._version(conn)
            apps = conn.execute("SELECT app_id, name, aliases, owner_id, description FROM applications").fetchall()
            roles = conn.execute(
                "SELECT role_id, app_id, name, aliases, privileged, description FROM roles"
            ).fetchall()
        catalog = Catalog(
            version=version,
            applications={row["app_id"]: Application(app_id=row["app_id"], name=row["name"],
                                                      aliases=tuple(row["aliases"]), owner_id=row["owner_id"],
                                                      description=row["description"]) for row in apps},
            roles={row["role_id"]: Role(role_id=row["role_id"], app_id=row["app_id"], name=row["name"],
                                        aliases=tuple(row["aliases"]), privileged=row["privileged"],
                                        description=row["description"]) for row in roles},
        )
        with self._lock:
            self._cached = catalog
        return catalog

    @staticmethod
    def _version(conn: Any) -> int:
        return catalog_version(conn) or 0


def catalog_version(conn: Any) -> int | None:
    """The catalog version in force (every import bumps it); None before the store has its meta row."""
    row = conn.execute("SELECT version FROM catalog_meta WHERE id = 1").fetchone()
    return int(row["version"]) if row else None
