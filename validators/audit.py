"""The append-only, hash-chained audit log: appending inside a decision's transaction, and verifying the chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg

from validators.db import Database

GENESIS_HASH = "0" * 64
# Columns copied out of the payload for querying; verify checks each copy against the hashed payload.
INDEXED_FIELDS = ("event_type", "request_id", "requester_id", "target_id", "app_id", "role_id", "decision", "reason",
                  "channel")


def canonical_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_hash(prev_hash: str, payload_text: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{payload_text}".encode()).hexdigest()


def append(conn: psycopg.Connection[Any], event: dict[str, Any]) -> tuple[int, str]:
    """Append one record, linked to the current head; call inside the transaction that makes the change.

    The head row is locked for the rest of the transaction, so concurrent appends link in commit order.
    """
    head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE").fetchone()
    assert head is not None
    seq = int(head["seq"]) + 1
    created_at = datetime.now(UTC)
    payload = {field: event.get(field) for field in INDEXED_FIELDS}
    payload["details"] = event.get("details", {})
    payload["seq"] = seq
    payload["created_at"] = created_at.isoformat()
    text = canonical_json(payload)
    digest = chain_hash(head["hash"], text)
    conn.execute(
        "INSERT INTO audit_log (seq, created_at, event_type, request_id, requester_id, target_id, app_id, role_id, "
        "decision, reason, channel, payload, prev_hash, hash) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (seq, created_at, *(payload[field] for field in INDEXED_FIELDS), text, head["hash"], digest),
    )
    conn.execute("UPDATE audit_head SET seq = %s, hash = %s WHERE id = 1", (seq, digest))
    return seq, digest


@dataclass(frozen=True)
class VerifyReport:
    records: int
    ok: bool
    first_bad_seq: int | None = None
    problem: str = ""
    head_hash: str = GENESIS_HASH


def verify(database: Database, batch: int = 2000) -> VerifyReport:
    """Walk the whole chain in order and report the first broken link, streaming in bounded memory."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    with database.connection() as conn, conn.transaction(), conn.cursor(name="audit_walk") as cursor:
        cursor.itersize = batch
        cursor.execute("SELECT * FROM audit_log ORDER BY seq")
        for row in cursor:
            problem = _check_record(row, expected_seq, expected_prev)
            if problem:
                return VerifyReport(records=count, ok=False, first_bad_seq=int(row["seq"]), problem=problem,
                                    head_hash=expected_prev)
            expected_prev = row["hash"]
            expected_seq += 1
            count += 1
    with database.connection() as conn:
        head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    assert head is not None
    if int(head["seq"]) != count or head["hash"] != expected_prev:
        return VerifyReport(records=count, ok=False, first_bad_seq=count + 1 if int(head["seq"]) > count else None,
                            problem=f"the chain ends at record {count} but its head says {head['seq']}: "
                                    "records at the end were removed or the head was rewritten",
                            head_hash=expected_prev)
    return VerifyReport(records=count, ok=True, head_hash=expected_prev)


def _check_record(row: dict[str, Any], expected_seq: int, expected_prev: str) -> str:
    seq = int(row["seq"])
    if seq != expected_seq:
        return f"record {expected_seq} is missing (found {seq} next)"
    if row["prev_hash"] != expected_prev:
        return f"record {seq} does not link to record {seq - 1} (prev_hash differs)"
    if chain_hash(row["prev_hash"], row["payload"]) != row["hash"]:
        return f"record {seq} was altered (its hash does not match its content)"
    try:
        payload = json.loads(row["payload"])
    except json.JSONDecodeError:
        return f"record {seq} holds a payload that is not JSON"
    if payload.get("seq") != seq:
        return f"record {seq} carries sequence {payload.get('seq')} in its payload"
    for field in INDEXED_FIELDS:
        if payload.get(field) != row[field]:
            return f"record {seq} column {field} differs from its hashed payload"
    return ""
