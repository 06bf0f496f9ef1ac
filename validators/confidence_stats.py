"""The statistics tables the approval confidence reads, and the set-based queries that read them.

Rebuilt from `access_history` on every import (`rebuild_stats`, called by `validators.importer`): per role, per
(role, attribute, value), per (attribute, value) and per pair of attribute values, the approved and denied
counts. The same query reads them for one request or for thousands (`fetch_counts`), so the decision path and
batch scoring cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
from psycopg.rows import tuple_row

from validators.confidence_features import (
    ATTRIBUTE,
    PAIR,
    ROLE,
    ROLE_ATTRIBUTE,
    FeatureSchema,
    GroupCounts,
    HistoryArrays,
    choose_schema,
    encode_history,
)
from validators.confidence_linear import Indicators
from validators.db import analyze, int_array, text_array

_STATS_TABLES = ("attribute_pair_stats", "attribute_stats", "history_attributes", "role_attribute_stats",
                 "role_stats")
# Requests per statement: the arrays of one statement stay a few MB.
BATCH = 2000


def rebuild_stats(conn: psycopg.Connection[Any]) -> FeatureSchema:
    """Aggregate the history into the statistics tables; returns the attribute schema chosen for it."""
    for table in _STATS_TABLES:
        conn.execute(f"DELETE FROM {table}")  # table names are constants of this module
    conn.execute(
        "INSERT INTO role_stats (role_id, approved, denied) "
        "SELECT role_id, count(*) FILTER (WHERE approved), count(*) FILTER (WHERE NOT approved) "
        "FROM access_history GROUP BY role_id"
    )
    # Requests from one requester profile for one role are counted once per profile, then spread over its values.
    conn.execute(
        "INSERT INTO role_attribute_stats (role_id, attribute, value, approved, denied) "
        "SELECT p.role_id, a.key, a.value, sum(p.approved), sum(p.denied) FROM ("
        "  SELECT role_id, attributes, count(*) FILTER (WHERE approved) AS approved, "
        "         count(*) FILTER (WHERE NOT approved) AS denied "
        "  FROM access_history GROUP BY role_id, attributes) p "
        "CROSS JOIN LATERAL jsonb_each_text(p.attributes) AS a(key, value) "
        "GROUP BY p.role_id, a.key, a.value"
    )
    coverage = {str(row[0]): int(row[1]) for row in conn.cursor(row_factory=tuple_row).execute(
        "SELECT k, count(*) FROM access_history CROSS JOIN LATERAL jsonb_object_keys(attributes) AS k GROUP BY k")}
    schema = choose_schema(coverage)
    with conn.cursor().copy("COPY history_attributes (attribute, position, paired, coverage) FROM STDIN") as copy:
        for position, name in enumerate(schema.attributes):
            copy.write_row((name, position, name in schema.paired, coverage[name]))
    conn.execute(
        "CREATE TEMPORARY TABLE askiam_profiles ON COMMIT DROP AS "
        "SELECT row_number() OVER () AS profile, attributes, count(*) FILTER (WHERE approved) AS approved, "
        "       count(*) FILTER (WHERE NOT approved) AS denied "
        "FROM access_history GROUP BY attributes"
    )
    conn.execute(
        "INSERT INTO attribute_stats (attribute, value, approved, denied) "
        "SELECT a.key, a.value, sum(p.approved), sum(p.denied) FROM askiam_profiles p "
        "CROSS JOIN LATERAL jsonb_each_text(p.attributes) AS a(key, value) GROUP BY a.key, a.value"
    )
    # Pairs are ordered by code point (COLLATE "C"), as FeatureSchema.pairs orders them in Python.
    conn.execute(
        "WITH cells AS (SELECT p.profile, p.approved, p.denied, a.key, a.value FROM askiam_profiles p "
        "  CROSS JOIN LATERAL jsonb_each_text(p.attributes) AS a(key, value) WHERE a.key = ANY(%s::text[])) "
        "INSERT INTO attribute_pair_stats (attribute_a, value_a, attribute_b, value_b, approved, denied) "
        "SELECT x.key, x.value, y.key, y.value, sum(x.approved), sum(x.denied) FROM cells x "
        "JOIN cells y ON y.profile = x.profile AND x.key COLLATE \"C\" < y.key COLLATE \"C\" "
        "GROUP BY x.key, x.value, y.key, y.value",
        (list(schema.paired),),
    )
    conn.execute("DROP TABLE askiam_profiles")
    for table in _STATS_TABLES:
        analyze(conn, table)  # fresh planner statistics for the lookups that follow
    return schema


def stored_schema(conn: psycopg.Connection[Any]) -> FeatureSchema:
    rows = conn.cursor(row_factory=tuple_row).execute(
        "SELECT attribute, paired FROM history_attributes ORDER BY position").fetchall()
    return FeatureSchema(tuple(str(r[0]) for r in rows), tuple(str(r[0]) for r in rows if r[1]))


@dataclass(frozen=True)
class Requester:
    """Who asks, as far as peers go: the directory entry of the person the role is for."""

    user_id: str
    department: str
    title: str
    manager_id: str | None


@dataclass(frozen=True)
class ScoreRequest:
    """One (requester profile, role) pair to score; requester is None when there is no directory entry."""

    role_id: str
    profile: Mapping[str, str]
    requester: Requester | None = None


_COUNTS_SQL = """
WITH q AS (SELECT * FROM unnest(%(q_i)s::int[], %(q_role)s::text[]) AS q(i, role_id)),
a AS (SELECT * FROM unnest(%(a_i)s::int[], %(a_slot)s::int[], %(a_role)s::text[], %(a_name)s::text[],
                           %(a_value)s::text[]) AS a(i, slot, role_id, attribute, value)),
p AS (SELECT * FROM unnest(%(p_i)s::int[], %(p_slot)s::int[], %(p_a)s::text[], %(p_av)s::text[], %(p_b)s::text[],
                           %(p_bv)s::text[]) AS p(i, slot, attribute_a, value_a, attribute_b, value_b))
SELECT 0 AS kind, q.i, 0 AS slot, s.approved, s.denied, s.weight FROM q
  -- A probe of the key per request, in the generic plan too (a join would read the whole table for one request).
  CROSS JOIN LATERAL (SELECT approved, denied, weight FROM role_stats WHERE role_stats.role_id = q.role_id
                      OFFSET 0) s
UNION ALL
SELECT 1, a.i, a.slot, s.approved, s.denied, s.weight FROM a
  JOIN role_attribute_stats s ON s.role_id = a.role_id AND s.attribute = a.attribute AND s.value = a.value
UNION ALL
SELECT 2, a.i, a.slot, s.approved, s.denied, s.weight FROM a
  JOIN attribute_stats s ON s.attribute = a.attribute AND s.value = a.value
UNION ALL
SELECT 3, p.i, p.slot, s.approved, s.denied, s.weight FROM p
  JOIN attribute_pair_stats s ON s.attribute_a = p.attribute_a AND s.value_a = p.value_a
   AND s.attribute_b = p.attribute_b AND s.value_b = p.value_b
"""

_PEERS_SQL = """
SELECT q.i,
  (SELECT count(*) FROM user_roles r
   WHERE r.role_id = q.role_id AND r.holder_department = q.department AND r.holder_title = q.title
     AND r.user_id <> q.user_id AND r.holder_active AND r.status = 'active'
     AND (r.expires_at IS NULL OR r.expires_at > now())) AS peer_holders,
  (SELECT count(*) FROM users u WHERE u.department = q.department AND u.title = q.title
     AND u.user_id <> q.user_id AND u.status = 'active') AS peer_total,
  (SELECT count(*) FROM user_roles r
   WHERE r.role_id = q.role_id AND r.holder_manager_id = q.manager_id
     AND r.user_id <> q.user_id AND r.holder_active AND r.status = 'active'
     AND (r.expires_at IS NULL OR r.expires_at > now())) AS team_holders,
  (SELECT count(*) FROM users u WHERE u.manager_id = q.manager_id AND u.user_id <> q.user_id
     AND u.status = 'active') AS team_total
FROM unnest(%s::int[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[])
  AS q(i, user_id, role_id, department, title, manager_id)
"""


_INT_PARAMS = frozenset({"q_i", "a_i", "a_slot", "p_i", "p_slot"})


def _chunks(count: int) -> Iterator[range]:
    for start in range(0, count, BATCH):
        yield range(start, min(count, start + BATCH))


def fetch_counts(conn: psycopg.Connection[Any], schema: FeatureSchema, requests: Sequence[ScoreRequest],
                 peers: bool = True) -> GroupCounts:
    """Every group's counts, and the sum of their linear weights, for every request, in a few set-based statements
    (one per BATCH requests)."""
    counts = GroupCounts.empty(len(requests), schema)
    k = len(schema.attributes)
    offsets = {0: 0, 1: 1, 2: 1 + k, 3: 1 + 2 * k}
    pair_names = [(schema.attributes[i], schema.attributes[j]) for i, j in schema.pairs]
    cursor = conn.cursor(row_factory=tuple_row)
    for chunk in _chunks(len(requests)):
        params: dict[str, list[Any]] = {name: [] for name in (
            "q_i", "q_role", "a_i", "a_slot", "a_role", "a_name", "a_value", "p_i", "p_slot", "p_a", "p_av", "p_b",
            "p_bv")}
        for i in chunk:
            request = requests[i]
            params["q_i"].append(i)
            params["q_role"].append(request.role_id)
            for slot, name in enumerate(schema.attributes):
                value = request.profile.get(name)
                if value:
                    params["a_i"].append(i)
                    params["a_slot"].append(slot)
                    params["a_role"].append(request.role_id)
                    params["a_name"].append(name)
                    params["a_value"].append(value)
            for slot, (a, b) in enumerate(pair_names):
                value_a, value_b = request.profile.get(a), request.profile.get(b)
                if value_a and value_b:
                    for key, item in (("p_i", i), ("p_slot", slot), ("p_a", a), ("p_av", value_a), ("p_b", b),
                                      ("p_bv", value_b)):
                        params[key].append(item)
        rows = cursor.execute(_COUNTS_SQL, {name: int_array(values) if name in _INT_PARAMS else text_array(values)
                                            for name, values in params.items()}).fetchall()
        if rows:
            data = np.array(rows, dtype=np.float64)
            which = data[:, :3].astype(np.int64)
            columns = np.array([offsets[kind] for kind in range(4)])[which[:, 0]] + which[:, 2]
            counts.approved[which[:, 1], columns] = data[:, 3]
            counts.total[which[:, 1], columns] = data[:, 3] + data[:, 4]
            np.add.at(counts.linear, which[:, 1], data[:, 5])
    if peers:
        counts.peers[:] = fetch_peers(conn, requests)
    return counts


def fetch_peers(conn: psycopg.Connection[Any], requests: Sequence[ScoreRequest]) -> np.ndarray:
    """(rows, 4): peer holders, peers, team holders, team members (zeros without a directory entry)."""
    result = np.zeros((len(requests), 4))
    known = [i for i, request in enumerate(requests) if request.requester is not None]
    cursor = conn.cursor(row_factory=tuple_row)
    for start in range(0, len(known), BATCH):
        part = known[start : start + BATCH]
        people = [requester for i in part if (requester := requests[i].requester) is not None]
        rows = cursor.execute(_PEERS_SQL, (
            int_array(part), text_array(p.user_id for p in people), text_array(requests[i].role_id for i in part),
            text_array(p.department for p in people), text_array(p.title for p in people),
            text_array(p.manager_id for p in people))).fetchall()
        for row in rows:
            result[int(row[0])] = [float(v) for v in row[1:]]
    return result


@dataclass(frozen=True)
class LoadedHistory:
    arrays: HistoryArrays
    user_ids: list[str | None]
    roles: list[str]
    profiles: list[dict[str, str]]
    profile_of_row: np.ndarray


def load_history(conn: psycopg.Connection[Any], schema: FeatureSchema) -> LoadedHistory:
    """The whole history as codes, in history_id order; each distinct requester profile is parsed once."""
    index: dict[str, int] = {}
    profiles: list[dict[str, str]] = []
    roles: list[str] = []
    approved: list[bool] = []
    users: list[str | None] = []
    profile_of_row: list[int] = []
    with conn.cursor(name="confidence_history", row_factory=tuple_row) as scan:
        scan.itersize = 20_000
        scan.execute("SELECT role_id, approved, attributes::text, user_id FROM access_history ORDER BY history_id")
        for role, ok, text, user in scan:
            number = index.get(text)
            if number is None:
                number = index[text] = len(profiles)
                profiles.append({str(k): str(v) for k, v in json.loads(text).items()})
            roles.append(role)
            approved.append(bool(ok))
            users.append(user)
            profile_of_row.append(number)
    rows = np.asarray(profile_of_row, dtype=np.int64)
    return LoadedHistory(encode_history(roles, approved, rows, profiles, schema), users, roles, profiles, rows)



# The weight columns of the statistics tables, and the key columns that name one row of each (by group kind).
_WEIGHT_TABLES = {
    ROLE: ("role_stats", ("role_id",)),
    ROLE_ATTRIBUTE: ("role_attribute_stats", ("role_id", "attribute", "value")),
    ATTRIBUTE: ("attribute_stats", ("attribute", "value")),
    PAIR: ("attribute_pair_stats", ("attribute_a", "value_a", "attribute_b", "value_b")),
}


def store_linear_weights(conn: psycopg.Connection[Any], schema: FeatureSchema, history: LoadedHistory,
                         rows: np.ndarray, found: Indicators, weights: np.ndarray) -> int:
    """Write the linear score's weights beside the counts (every other row's weight becomes 0); returns how many
    rows got a weight. `found` numbers the indicators of the history rows `rows`."""
    keyed: dict[str, list[tuple[Any, ...]]] = {kind: [] for kind in _WEIGHT_TABLES}
    for indicator, (group, example) in enumerate(zip(found.group_of.tolist(), found.example_row.tolist(),
                                                      strict=True)):
        kind, members = schema.groups[group]
        row = int(rows[example])
        profile = history.profiles[int(history.profile_of_row[row])]
        names = [schema.attributes[m] for m in members]
        values = [part for name in names for part in (name, profile[name])]
        key = (history.roles[row], *values) if kind in (ROLE, ROLE_ATTRIBUTE) else tuple(values)
        keyed[kind].append((*key, float(weights[indicator])))
    stored = 0
    for kind, (table, columns) in _WEIGHT_TABLES.items():  # table and column names are constants of this module
        conn.execute(f"UPDATE {table} SET weight = 0 WHERE weight <> 0")
        if not keyed[kind]:
            continue
        key_columns = ", ".join(f"{column} text NOT NULL" for column in columns)
        conn.execute(f"CREATE TEMPORARY TABLE askiam_weights ({key_columns}, weight double precision NOT NULL) "
                     "ON COMMIT DROP")
        with conn.cursor().copy(f"COPY askiam_weights ({', '.join(columns)}, weight) FROM STDIN") as copy:
            for record in keyed[kind]:
                copy.write_row(record)
        match = " AND ".join(f"s.{column} = w.{column}" for column in columns)
        stored += conn.execute(f"UPDATE {table} s SET weight = w.weight FROM askiam_weights w WHERE {match}").rowcount
        conn.execute("DROP TABLE askiam_weights")
    return stored
