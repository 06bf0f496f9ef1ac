"""What PostgreSQL does for each statement of a request: record the statements one request runs, then replay them
under EXPLAIN ANALYZE in one transaction that is rolled back, and report any full scan of a large table."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg

from validators.db import Database

# A sequential scan that reads more rows than this is a scan, not a lookup (small tables are read whole cheaply).
SCAN_ROWS = 1000
# Tables read whole on purpose, whose size does not grow with people or history: the catalog (read once per import
# by each process, then cached) and the policy passages (an exact nearest-passage search over a few thousand rows).
READ_WHOLE = frozenset({"applications", "roles", "vector_policy"})


@dataclass
class Statement:
    sql: str
    params: Any = None


@dataclass
class _Recorder:
    statements: list[Statement] = field(default_factory=list)

    def add(self, sql: Any, params: Any) -> None:
        self.statements.append(Statement(str(sql), params))


class _RecordingCursor:
    def __init__(self, cursor: Any, recorder: _Recorder) -> None:
        self._cursor = cursor
        self._recorder = recorder

    def execute(self, sql: Any, params: Any = None, **kwargs: Any) -> Any:
        self._recorder.add(sql, params)
        self._cursor.execute(sql, params, **kwargs)
        return self

    def executemany(self, sql: Any, params_seq: Any, **kwargs: Any) -> None:
        rows = list(params_seq)
        for params in rows:
            self._recorder.add(sql, params)
        self._cursor.executemany(sql, rows, **kwargs)

    def __enter__(self) -> _RecordingCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self._cursor.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class _RecordingConnection:
    def __init__(self, conn: psycopg.Connection[Any], recorder: _Recorder) -> None:
        self._conn = conn
        self._recorder = recorder

    def execute(self, sql: Any, params: Any = None, **kwargs: Any) -> Any:
        self._recorder.add(sql, params)
        return self._conn.execute(sql, params, **kwargs)

    def cursor(self, *args: Any, **kwargs: Any) -> _RecordingCursor:
        return _RecordingCursor(self._conn.cursor(*args, **kwargs), self._recorder)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class RecordingDatabase:
    """A Database whose connections record every statement run through them (in the order they ran)."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._recorder = _Recorder()
        self.url = database.url

    @property
    def statements(self) -> list[Statement]:
        return list(self._recorder.statements)

    def open(self) -> None:
        self._database.open()

    def close(self) -> None:
        self._database.close()

    @contextmanager
    def connection(self) -> Iterator[Any]:
        with self._database.connection() as conn:
            yield _RecordingConnection(conn, self._recorder)

    @contextmanager
    def reading(self) -> Iterator[Any]:
        with self._database.reading() as conn:
            yield _RecordingConnection(conn, self._recorder)


@dataclass(frozen=True)
class Plan:
    sql: str
    ms: float
    indexes: tuple[str, ...]
    scans: tuple[str, ...]
    planning_ms: float = 0.0
    # The plan made once for any parameters (what a prepared statement runs under PLAN_CACHE_MODE), planned only.
    generic_scans: tuple[str, ...] = ()

    @property
    def unexpected_scans(self) -> tuple[str, ...]:
        """Full scans of tables that grow with people or history, in the plan for these parameters or the generic
        one."""
        return tuple(scan for scan in self.scans if not scan.endswith(", by design")) + tuple(
            f"{scan} in the generic plan" for scan in self.generic_scans if not scan.endswith(", by design"))

    def summary(self) -> dict[str, Any]:
        return {"sql": re.sub(r"\s+", " ", self.sql).strip()[:90], "ms": round(self.ms, 3),
                "planning_ms": round(self.planning_ms, 3), "indexes": list(self.indexes),
                "full_scans": list(self.scans), "generic_plan_full_scans": list(self.generic_scans)}


_PLACEHOLDER = re.compile(r"%%|%\((\w+)\)s|%s")


def numbered(sql: str) -> str:
    """psycopg's placeholders (%s, %(name)s) as PostgreSQL's ($1, $2 ...; a name keeps its number), %% as %."""
    names: dict[str, int] = {}
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(0) == "%%":
            return "%"
        name = match.group(1)
        if name is not None and name in names:
            return f"${names[name]}"
        count += 1
        if name is not None:
            names[name] = count
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql)


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def read_plan(sql: str, explained: dict[str, Any], table_rows: Callable[[str], int] | None = None) -> Plan:
    """The indexes a plan uses and the large tables it scans whole (EXPLAIN (ANALYZE, FORMAT JSON) output).

    A plan that was not run says only how many rows a scan returns; `table_rows` then tells how many it reads."""
    indexes: list[str] = []
    scans: list[str] = []
    for node in _walk(explained["Plan"]):
        if node.get("Index Name"):
            indexes.append(str(node["Index Name"]))
        if node.get("Node Type") == "Seq Scan":
            if "Actual Rows" in node:
                read = (int(node["Actual Rows"]) + int(node.get("Rows Removed by Filter", 0))) \
                    * int(node.get("Actual Loops", 1))
            elif table_rows is not None:  # planned only: a full scan reads the whole table
                read = table_rows(str(node.get("Relation Name")))
            else:  # planned only: the planner's estimate of what it returns
                read = int(node.get("Plan Rows", 0))
            if read > SCAN_ROWS:
                scans.append(f"{node.get('Relation Name')} ({read} rows)")
    scans = [scan for scan in scans if scan.split(" ", 1)[0] not in READ_WHOLE] + \
        [f"{scan}, by design" for scan in scans if scan.split(" ", 1)[0] in READ_WHOLE]
    return Plan(sql, float(explained.get("Execution Time", 0.0)), tuple(dict.fromkeys(indexes)), tuple(scans),
                float(explained.get("Planning Time", 0.0)))


def _reads(sql: str) -> bool:
    words = sql.split()
    first = words[0].upper() if words else ""
    return first in {"SELECT", "WITH"} and not any(word.upper() in {"INSERT", "UPDATE", "DELETE"} for word in words)


def _explained(conn: Any, sql: str, params: Any = None) -> dict[str, Any]:
    row = conn.execute(sql, params).fetchone()
    assert row is not None
    document = next(iter(row.values())) if isinstance(row, dict) else row[0]
    parsed = json.loads(document) if isinstance(document, str) else document
    return parsed[0]  # type: ignore[no-any-return]


def _generic_scans(conn: Any, statement: Statement) -> tuple[str, ...]:
    """The full scans of the statement's generic plan (EXPLAIN (GENERIC_PLAN), PostgreSQL 16 and later)."""
    if not statement.params or conn.info.server_version < 160000:
        return ()
    with conn.transaction():  # a savepoint: a parameter whose type the plan cannot tell must not end the replay
        try:
            explained = _explained(conn, f"EXPLAIN (GENERIC_PLAN, FORMAT JSON) {numbered(statement.sql)}")
        except psycopg.errors.Error:
            return ("(no generic plan: a parameter's type is not known without its value)",)

    def table_rows(name: str) -> int:
        row = conn.execute("SELECT reltuples::bigint AS n FROM pg_class WHERE oid = to_regclass(%s)",
                           (name,)).fetchone()
        value = (row["n"] if isinstance(row, dict) else row[0]) if row is not None else 0
        return max(0, int(value or 0))

    return read_plan(statement.sql, explained, table_rows).scans


def explain(database: Database, statements: list[Statement]) -> list[Plan]:
    """Replay the statements in order in one transaction that is rolled back: reads under EXPLAIN ANALYZE; writes
    are only planned (the request they came from is already stored, so running them again would collide). Each
    statement's generic plan is checked too."""
    plans: list[Plan] = []
    with database.connection() as conn, conn.transaction(force_rollback=True):
        for statement in statements:
            options = "ANALYZE, FORMAT JSON" if _reads(statement.sql) else "FORMAT JSON"
            plan = read_plan(statement.sql, _explained(conn, f"EXPLAIN ({options}) {statement.sql}",
                                                       statement.params))
            plans.append(dataclasses.replace(plan, generic_scans=_generic_scans(conn, statement)))
    return plans
