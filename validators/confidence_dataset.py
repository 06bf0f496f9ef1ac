"""Past decisions from a flat CSV file (one row per request: the requested role, the requester's attributes and,
for history, the decision), loaded into a store through the product's own ingestion, and requests scored through
the product's own confidence path.

The Amazon Employee Access file has this shape: RESOURCE is the role, ACTION the decision, every other column an
attribute of the requester.
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from validators.confidence import assess, current_model, fit_from_store
from validators.confidence_stats import ScoreRequest
from validators.db import Database
from validators.errors import ImportRowError, MissingColumnsError
from validators.importer import rebuild_history_stats

_APPROVED = {"1", "true", "yes", "approved", "y"}
_DENIED = {"0", "false", "no", "denied", "n"}
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class TableSpec:
    """Which columns are what; every other column is an attribute of the requester."""

    label_column: str = "ACTION"
    resource_column: str = "RESOURCE"
    id_column: str | None = None


@dataclass(frozen=True)
class RequestTable:
    """Rows of a request file: the role, the requester's attributes and, for history only, the decisions."""

    roles: list[str]
    profiles: list[dict[str, str]]
    labels: list[bool] | None = None
    attribute_columns: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.roles)


def read_table(path: Path, spec: TableSpec, with_labels: bool) -> RequestTable:
    """Read a request file. Without labels, the label column (if present) is dropped unread: its cells are never
    looked at, so scores cannot depend on them."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = [name.strip() for name in next(reader, [])]
        missing = [name for name in (spec.resource_column, *((spec.label_column,) if with_labels else ()))
                   if name not in header]
        if spec.id_column and spec.id_column not in header:
            missing.append(spec.id_column)
        if missing:
            raise MissingColumnsError(path.name, missing)
        skip = {spec.label_column, spec.resource_column, spec.id_column}
        attribute_index = [(i, name) for i, name in enumerate(header) if name not in skip]
        resource_index = header.index(spec.resource_column)
        label_index = header.index(spec.label_column) if with_labels else -1
        roles: list[str] = []
        profiles: list[dict[str, str]] = []
        labels: list[bool] = []
        problems: list[str] = []
        for line, cells in enumerate(reader, start=2):
            if not cells or not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                problems.append(f"{path.name}:{line}: expected {len(header)} cells, found {len(cells)}")
                continue
            role = cells[resource_index].strip()
            if not role:
                problems.append(f"{path.name}:{line}: {spec.resource_column} is empty")
                continue
            if with_labels:
                decision = cells[label_index].strip().lower()
                if decision not in _APPROVED | _DENIED:
                    problems.append(f"{path.name}:{line}: {spec.label_column} must be 1/0 (approved/denied), "
                                    f"not '{decision[:20]}'")
                    continue
                labels.append(decision in _APPROVED)
            roles.append(role)
            profiles.append({name: cells[i].strip() for i, name in attribute_index if cells[i].strip()})
            if len(problems) >= MAX_PROBLEMS:
                break
    if problems:
        raise ImportRowError(problems, where=path.name)
    return RequestTable(roles, profiles, labels if with_labels else None, tuple(name for _, name in attribute_index))


# Columns written with the decision (who decided, when, the decision again) describe the decision, not the
# requester: as attributes they would leak it into the score.
_WRITTEN_WITH_THE_DECISION = re.compile(r"^(decided|decision|approved|approver|denied|reviewed|reviewer)([ _.-]|$)",
                                        re.IGNORECASE)
# A column with a different value on every row (a request id, a timestamp) names the row, never something two
# requesters share; in a history this short a real attribute may still differ on every row by chance.
MIN_ROWS_FOR_UNIQUE = 20


def columns_left_out(history: RequestTable) -> dict[str, str]:
    """The history's columns that are not attributes of the requester, each with why: written with the decision,
    or a different value on every row."""
    why: dict[str, str] = {}
    for column in history.attribute_columns:
        if _WRITTEN_WITH_THE_DECISION.match(column):
            why[column] = "written with the decision: it describes the decision, not the requester"
            continue
        values = [profile.get(column) for profile in history.profiles]
        if len(values) >= MIN_ROWS_FOR_UNIQUE and None not in values and len(set(values)) == len(values):
            why[column] = "a different value on every row: it identifies the row, not the requester"
    return why


def without_columns(table: RequestTable, columns: set[str]) -> RequestTable:
    """The table with these attribute columns dropped from every profile."""
    if not columns & set(table.attribute_columns):
        return table
    return RequestTable(table.roles, [{k: v for k, v in profile.items() if k not in columns}
                                      for profile in table.profiles], table.labels,
                        tuple(name for name in table.attribute_columns if name not in columns))


@dataclass(frozen=True)
class ColumnComparison:
    """A request file's attribute columns against the history's: those it lacks, and those the history lacks."""

    lacking: tuple[str, ...]
    extra: tuple[str, ...]


def compare_columns(history: RequestTable, requests: RequestTable) -> ColumnComparison:
    """Requests scored without an attribute the history has are scored on less than it learned from (renamed
    columns: on nothing at all); attributes the history lacks are never used."""
    known, asked = set(history.attribute_columns), set(requests.attribute_columns)
    return ColumnComparison(tuple(c for c in history.attribute_columns if c not in asked),
                            tuple(c for c in requests.attribute_columns if c not in known))


def _history_rows(table: RequestTable) -> Iterator[tuple[str, None, str, bool, str]]:
    assert table.labels is not None
    width = len(str(len(table)))
    # Ids from row numbers: nothing downstream depends on the ids in the file, which may be renamed.
    for number, (role, profile, approved) in enumerate(zip(table.roles, table.profiles, table.labels, strict=True)):
        yield f"h{number + 1:0{width}d}", None, role, approved, json.dumps(profile, sort_keys=True)


@dataclass(frozen=True)
class ImportTimings:
    rows: int
    load_s: float
    index_s: float
    stats_s: float
    fit_s: float
    model_metrics: dict[str, float]


def import_history(database: Database, history_index: Any, table: RequestTable, seed: int = 11) -> ImportTimings:
    """Replace the access history with the table's rows, then index, aggregate and fit as an org import does."""
    started = time.perf_counter()
    with database.connection() as conn, conn.transaction():
        conn.execute("DELETE FROM access_history")
        with conn.cursor().copy(
            "COPY access_history (history_id, user_id, role_id, approved, attributes) FROM STDIN"
        ) as copy:
            for row in _history_rows(table):
                copy.write_row(row)
    loaded = time.perf_counter()
    history_index.rebuild()
    indexed = time.perf_counter()
    with database.connection() as conn, conn.transaction():
        rebuild_history_stats(conn)
    aggregated = time.perf_counter()
    model = fit_from_store(database, seed)
    fitted = time.perf_counter()
    return ImportTimings(len(table), loaded - started, indexed - loaded, aggregated - indexed, fitted - aggregated,
                         model.metrics)


def score_table(database: Database, table: RequestTable) -> np.ndarray:
    """The approval confidence of every row, through the decisions' own path (`assess`)."""
    requests = [ScoreRequest(role, profile) for role, profile in zip(table.roles, table.profiles, strict=True)]
    with database.connection() as conn:
        model = current_model(conn)
        return assess(conn, model, requests).probabilities


def write_scores(path: Path, scores: np.ndarray) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "confidence"])
        for number, score in enumerate(scores.tolist(), start=1):
            writer.writerow([number, f"{score:.6f}"])
