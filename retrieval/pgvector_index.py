"""The embedded vector index: pgvector tables in the same PostgreSQL, behind the HistoryIndex and PolicyIndex ports.

An OpenSearch index can replace either class; the core sees only the ports.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import psycopg
from psycopg.rows import tuple_row

from bot.ports import PastDecision, PolicyPassage
from retrieval.attributes import PROFILE_DIMENSION, profile_vector, shared_share
from retrieval.policies import Passage
from validators.db import Database, analyze

HISTORY_TABLE = "vector_history"
POLICY_TABLE = "vector_policy"
QUERY_TABLE = "vector_policy_query"
# The nearest passages of each stored query, worked out when the queries are stored: the passages only change
# together with the queries (`askiam import`, `askiam index rebuild`), so a request reads its answer by key
# instead of comparing its query with every passage.
ANSWER_TABLE = "vector_policy_answer"
ANSWER_DEPTH = 10  # the most passages a request asks for (the `policy_passages` setting's upper bound)
_ANSWER_CHUNK = 2_000
# Distinct requester profiles whose vectors are kept while re-indexing (about 1.5 kB each).
_PROFILE_CACHE = 100_000


def _literal(vector: np.ndarray) -> str:
    """pgvector's text form. A profile vector is mostly zeros: only its non-zero entries are formatted."""
    parts = ["0"] * len(vector)
    for index in np.flatnonzero(vector).tolist():
        parts[index] = f"{float(vector[index]):.6g}"
    return "[" + ",".join(parts) + "]"


def ensure_tables(conn: psycopg.Connection[Any], policy_dimension: int) -> None:
    """Create the index tables if missing (idempotent); recreate the policy table if the model's dimension changed."""
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (history_id text PRIMARY KEY, role_id text NOT NULL, "
        f"approved boolean NOT NULL, attributes jsonb NOT NULL, embedding vector({PROFILE_DIMENSION}) NOT NULL)"
    )
    conn.execute(f"CREATE INDEX IF NOT EXISTS {HISTORY_TABLE}_role_idx ON {HISTORY_TABLE} (role_id)")
    row = conn.execute(
        "SELECT atttypmod FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = 'embedding'",
        (POLICY_TABLE,),
    ).fetchone()
    current = None if row is None else (row["atttypmod"] if isinstance(row, dict) else row[0])
    if current is not None and current != policy_dimension:
        conn.execute(f"DROP TABLE {POLICY_TABLE}")
        conn.execute(f"DROP TABLE IF EXISTS {QUERY_TABLE}")
        conn.execute(f"DROP TABLE IF EXISTS {ANSWER_TABLE}")
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {POLICY_TABLE} (passage_id text PRIMARY KEY, document text NOT NULL, "
        f"title text NOT NULL, text text NOT NULL, model text NOT NULL, embedding vector({policy_dimension}) NOT NULL)"
    )
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {QUERY_TABLE} (query_key text PRIMARY KEY, text text NOT NULL, "
        f"model text NOT NULL, embedding vector({policy_dimension}) NOT NULL)"
    )
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {ANSWER_TABLE} (query_key text NOT NULL, rank int NOT NULL, "
        "passage_id text NOT NULL, score double precision NOT NULL, PRIMARY KEY (query_key, rank))"
    )


class PgHistoryIndex:
    """Past decisions as profile vectors; k-NN within the requested role (a B-tree narrows, the vector orders)."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def similar(self, role_id: str, profile: dict[str, str], k: int) -> list[PastDecision]:
        return self._nearest(f"SELECT * FROM {HISTORY_TABLE} WHERE role_id = %s", role_id, profile, k)

    def similar_in_application(self, app_id: str, profile: dict[str, str], k: int) -> list[PastDecision]:
        return self._nearest(f"SELECT h.* FROM {HISTORY_TABLE} h JOIN roles r ON r.role_id = h.role_id "
                             "WHERE r.app_id = %s", app_id, profile, k)

    def _nearest(self, candidates: str, key: str, profile: dict[str, str], k: int) -> list[PastDecision]:
        """The k past decisions among `candidates` (a query taking `key`) nearest to the profile's vector."""
        with self._database.reading() as conn:
            rows = conn.cursor(row_factory=tuple_row).execute(
                f"SELECT history_id, role_id, approved, attributes::text FROM ({candidates}) c "
                "ORDER BY embedding <=> %s::vector, history_id LIMIT %s",
                (key, _literal(profile_vector(profile)), k),
            ).fetchall()
        # The k attribute objects decoded as one JSON array: a third of the time of decoding them one by one.
        attributes = json.loads("[" + ",".join(row[3] for row in rows) + "]")
        return [
            PastDecision(history_id=history_id, role_id=role_id, approved=approved,
                         similarity=shared_share(profile, attrs), attributes=attrs)
            for (history_id, role_id, approved, _), attrs in zip(rows, attributes, strict=True)
        ]

    def rebuild(self, batch: int = 20_000, progress: Callable[[int], None] | None = None) -> int:
        """Re-index every past decision from the access_history table; returns the number indexed. `progress`, if
        given, is called with the number indexed so far after each batch.

        Rows are written grouped by role, so that one role's past decisions (what a k-NN query reads) sit on
        neighbouring pages. A requester's attributes repeat on each of their decisions; each distinct profile is
        turned into a vector once.
        """
        count = 0
        vectors: dict[str, str] = {}
        with self._database.connection() as conn, conn.transaction():
            conn.execute(f"DELETE FROM {HISTORY_TABLE}")
            with conn.cursor(name="history_scan", row_factory=tuple_row) as scan:
                scan.itersize = batch
                scan.execute("SELECT history_id, role_id, approved, attributes::text FROM access_history "
                             "ORDER BY role_id, history_id")
                # Read a batch, then copy it: a connection cannot fetch from a cursor while a COPY is open.
                while rows := scan.fetchmany(batch):
                    with conn.cursor().copy(
                        f"COPY {HISTORY_TABLE} (history_id, role_id, approved, attributes, embedding) FROM STDIN"
                    ) as copy:
                        for history_id, role_id, approved, attributes in rows:
                            vector = vectors.get(attributes)
                            if vector is None:
                                if len(vectors) >= _PROFILE_CACHE:
                                    vectors.clear()
                                vector = vectors[attributes] = _literal(profile_vector(json.loads(attributes)))
                            copy.write_row((history_id, role_id, approved, attributes, vector))
                    count += len(rows)
                    if progress is not None:
                        progress(count)
            analyze(conn, HISTORY_TABLE)
        return count


def _passage(row: dict[str, Any]) -> PolicyPassage:
    return PolicyPassage(passage_id=row["passage_id"], document=row["document"], title=row["title"],
                         text=row["text"], score=float(row["score"]))


def _stored_vectors(conn: psycopg.Connection[Any]) -> tuple[list[str], np.ndarray]:
    """The passages' ids and vectors as stored, in passage id order."""
    rows = conn.cursor(row_factory=tuple_row).execute(
        f"SELECT passage_id, embedding::text FROM {POLICY_TABLE} ORDER BY passage_id").fetchall()
    if not rows:  # an org without policy documents
        return [], np.zeros((0, 0))
    vectors = [np.array(text[1:-1].split(","), dtype=np.float64) for _, text in rows]
    return [passage_id for passage_id, _ in rows], np.array(vectors).reshape(len(rows), -1)


def nearest(queries: np.ndarray, passages: np.ndarray, depth: int) -> list[list[tuple[int, float]]]:
    """For each query, the `depth` nearest passages by cosine distance as (position, similarity); among equal
    distances the earlier position (the passages come in id order), as the SQL search orders them."""
    if not len(passages) or not len(queries):
        return [[] for _ in range(len(queries))]
    unit = passages / np.maximum(np.linalg.norm(passages, axis=1, keepdims=True), 1e-12)
    answers: list[list[tuple[int, float]]] = []
    for start in range(0, len(queries), _ANSWER_CHUNK):
        chunk = np.asarray(queries[start:start + _ANSWER_CHUNK], dtype=np.float64)
        chunk = chunk / np.maximum(np.linalg.norm(chunk, axis=1, keepdims=True), 1e-12)
        similarity = chunk @ unit.T
        order = np.argsort(-similarity, axis=1, kind="stable")[:, :depth]
        answers.extend([(int(p), float(similarity[row, p])) for p in order[row]] for row in range(len(chunk)))
    return answers


class PgPolicyIndex:
    """Policy passages with their text embeddings; cosine distance, exact (a policy set is small)."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def search(self, vector: np.ndarray, k: int) -> list[PolicyPassage]:
        with self._database.reading() as conn:
            rows = conn.execute(
                f"SELECT passage_id, document, title, text, 1 - (embedding <=> %s::vector) AS score "
                f"FROM {POLICY_TABLE} ORDER BY embedding <=> %s::vector, passage_id LIMIT %s",
                (_literal(vector), _literal(vector), k),
            ).fetchall()
        return [_passage(row) for row in rows]

    def search_by_key(self, key: str, k: int) -> list[PolicyPassage] | None:
        with self._database.reading() as conn:
            if k <= ANSWER_DEPTH:
                # One primary-key probe per answer, whatever the statistics say (OFFSET 0 keeps the lateral from
                # being flattened into a join the planner might hash over every passage).
                rows = conn.execute(
                    f"SELECT p.passage_id, p.document, p.title, p.text, a.score FROM {ANSWER_TABLE} a "
                    f"CROSS JOIN LATERAL (SELECT v.passage_id, v.document, v.title, v.text FROM {POLICY_TABLE} v "
                    "WHERE v.passage_id = a.passage_id OFFSET 0) p WHERE a.query_key = %s AND a.rank <= %s "
                    "ORDER BY a.rank", (key, k),
                ).fetchall()
                if rows:
                    return [_passage(row) for row in rows]
            # No stored answer (a key not stored, no passages at all, or more passages than stored): search.
            rows = conn.execute(
                f"WITH q AS (SELECT embedding FROM {QUERY_TABLE} WHERE query_key = %s) "
                f"SELECT p.passage_id, p.document, p.title, p.text, 1 - (p.embedding <=> q.embedding) AS score, "
                f"true AS found FROM q LEFT JOIN LATERAL (SELECT * FROM {POLICY_TABLE} "
                f"ORDER BY embedding <=> q.embedding, passage_id LIMIT %s) p ON true",
                (key, k),
            ).fetchall()
        if not rows:
            return None
        return [_passage(row) for row in rows if row["passage_id"]]

    def store_queries(self, keys: Sequence[str], texts: Sequence[str], vectors: np.ndarray, model_id: str) -> int:
        """Store the query vectors and, for each, its nearest passages (cosine distance, then passage id)."""
        with self._database.connection() as conn, conn.transaction():
            conn.execute(f"DELETE FROM {QUERY_TABLE}")
            conn.execute(f"DELETE FROM {ANSWER_TABLE}")
            with conn.cursor().copy(f"COPY {QUERY_TABLE} (query_key, text, model, embedding) FROM STDIN") as copy:
                for key, text, vector in zip(keys, texts, vectors, strict=True):
                    copy.write_row((key, text, model_id, _literal(vector)))
            passage_ids, passage_vectors = _stored_vectors(conn)
            with conn.cursor().copy(f"COPY {ANSWER_TABLE} (query_key, rank, passage_id, score) FROM STDIN") as copy:
                for key, ranked in zip(keys, nearest(np.asarray(vectors), passage_vectors, ANSWER_DEPTH),
                                       strict=True):
                    for rank, (position, score) in enumerate(ranked, start=1):
                        copy.write_row((key, rank, passage_ids[position], score))
            analyze(conn, ANSWER_TABLE)
        return len(keys)

    def replace_all(self, passages: Sequence[Passage], vectors: np.ndarray, model_id: str) -> int:
        with self._database.connection() as conn, conn.transaction():
            conn.execute(f"DELETE FROM {POLICY_TABLE}")
            conn.execute(f"DELETE FROM {ANSWER_TABLE}")  # answers named the passages being replaced
            with conn.cursor().copy(
                f"COPY {POLICY_TABLE} (passage_id, document, title, text, model, embedding) FROM STDIN"
            ) as copy:
                for passage, vector in zip(passages, vectors, strict=True):
                    copy.write_row((passage.passage_id, passage.document, passage.title, passage.text, model_id,
                                    _literal(vector)))
        return len(passages)

    def documents(self) -> Iterable[tuple[str, str, str]]:
        with self._database.connection() as conn:
            rows = conn.execute("SELECT document, title, body FROM policy_documents ORDER BY document").fetchall()
        return [(row["document"], row["title"], row["body"]) for row in rows]
