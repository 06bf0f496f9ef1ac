"""The append-only, hash-chained audit log: appending inside a decision's transaction, verifying the chain and
its signed checkpoints, and signing new checkpoints."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

from validators.db import Database

if TYPE_CHECKING:
    # Checkpoints need `cryptography`; appending (the decision path) does not, so they load only when used.
    from validators.audit_checkpoints import Checkpoint, CheckpointIssue
    from validators.audit_keys import CheckpointSigner, TrustedKeys

GENESIS_HASH = "0" * 64
# Columns copied out of the payload for querying; verify checks each copy against the hashed payload.
INDEXED_FIELDS = ("event_type", "request_id", "requester_id", "target_id", "app_id", "role_id", "decision", "reason",
                  "channel")
# Written by `maybe_checkpoint` when this many records have been appended since this key's last checkpoint.
DEFAULT_CHECKPOINT_EVERY = 1000


def canonical_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_hash(prev_hash: str, payload_text: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{payload_text}".encode()).hexdigest()


@dataclass(frozen=True)
class AuditRow:
    """One audit_log row exactly as it is stored; `values()` is in the column order of INSERT_COLUMNS."""

    seq: int
    created_at: datetime
    fields: tuple[str | None, ...]
    payload: str
    prev_hash: str
    hash: str

    def values(self) -> tuple[Any, ...]:
        return (self.seq, self.created_at, *self.fields, self.payload, self.prev_hash, self.hash)


INSERT_COLUMNS = ("seq", "created_at", *INDEXED_FIELDS, "payload", "prev_hash", "hash")


def _payload(event: Mapping[str, Any], seq: int | str, created_at: datetime) -> dict[str, Any]:
    """What a record hashes: the event's indexed fields and details, its sequence number and time."""
    payload = {field: event.get(field) for field in INDEXED_FIELDS}
    payload["details"] = event.get("details", {})
    payload["seq"] = seq
    payload["created_at"] = created_at.isoformat()
    return payload


def build_row(seq: int, prev_hash: str, event: Mapping[str, Any], created_at: datetime) -> AuditRow:
    """The row that links `event` after the record whose hash is `prev_hash` (pure: what `append` computes in the
    server, given the same time)."""
    payload = _payload(event, seq, created_at)
    text = canonical_json(payload)
    return AuditRow(seq, created_at, tuple(payload[field] for field in INDEXED_FIELDS), text, prev_hash,
                    chain_hash(prev_hash, text))


# One statement appends: it locks the head, numbers and hashes the record in the server, stores it and moves the
# head. The lock is held from this statement to the commit, with no round trip to the client in between (with the
# head read by the client first, every concurrent decision queued behind one that waited for the CPU).
# `build_row` is the same computation in Python; the payload's "seq" arrives as a placeholder the server fills in.
_APPEND_SQL = f"""
WITH head AS (
    SELECT seq + 1 AS seq, hash AS prev_hash FROM audit_head WHERE id = 1 FOR UPDATE
), numbered AS (
    SELECT seq, prev_hash, replace(%(payload)s, %(placeholder)s, seq::text) AS payload FROM head
), hashed AS (
    SELECT seq, prev_hash, payload,
           encode(sha256(convert_to(prev_hash || E'\\n' || payload, 'UTF8')), 'hex') AS hash
    FROM numbered
), moved AS (
    UPDATE audit_head SET seq = hashed.seq, hash = hashed.hash FROM hashed WHERE audit_head.id = 1
)
INSERT INTO audit_log ({', '.join(INSERT_COLUMNS)})
SELECT hashed.seq, %(created_at)s, {', '.join(f'%({field})s' for field in INDEXED_FIELDS)},
       hashed.payload, hashed.prev_hash, hashed.hash
FROM hashed
"""


def append(conn: psycopg.Connection[Any], event: Mapping[str, Any]) -> None:
    """Append one record, linked to the current head; call inside the transaction that makes the change.

    The head row is locked for the rest of the transaction, so concurrent appends link in commit order. Nothing
    is read back, so in a pipeline the commit follows without a round trip.
    """
    placeholder = f"seq-{uuid.uuid4().hex}"  # as a JSON string, no event can contain it by chance
    created_at = datetime.now(UTC)
    payload = _payload(event, placeholder, created_at)
    conn.execute(_APPEND_SQL, {"payload": canonical_json(payload), "placeholder": json.dumps(placeholder),
                               "created_at": created_at, **{field: payload[field] for field in INDEXED_FIELDS}})


@dataclass(frozen=True)
class VerifyReport:
    """What verify found. `records` is the number of records verified (all of them when ok).

    `checkpoints` counts the signed checkpoints that matched the chain; `walked` the records checked past the
    checkpoint an incremental walk started from (all of them otherwise); `key_source` says which public keys their
    signatures were checked with: "trusted" (given from outside the database), "database" (read from
    audit_signing_keys: no evidence against whoever administers the database) or "none" (no checkpoints).
    """

    records: int
    ok: bool
    first_bad_seq: int | None = None
    problem: str = ""
    head_hash: str = GENESIS_HASH
    checkpoints: int = 0
    latest_checkpoint: Checkpoint | None = None
    key_source: str = "none"
    bad_checkpoint: bool = False
    walked: int = 0

    @property
    def walked_from(self) -> int:
        """The first record this walk checked: 1 for the whole chain; for a walk from a checkpoint, the record it
        signed (checked again), the records before it having been verified when it was signed."""
        return max(self.records - self.walked, 1) if self.records else 0


def verify(database: Database, batch: int = 2000, *, trusted_keys: TrustedKeys | None = None,
           witness: Path | None = None, from_checkpoint: bool = False) -> VerifyReport:
    """Walk the chain in order and report the first broken link or checkpoint, streaming in bounded memory.

    Parameters
    ----------
    database
        The store whose audit log is verified, read in one snapshot (appends meanwhile are not seen).
    batch
        Records fetched per round trip.
    trusted_keys
        Public keys (by key id) to check checkpoint signatures with. None trusts the keys registered in the
        database, which detects accidents and clumsy tampering but not a database administrator.
    witness
        A file of checkpoint copies kept outside the database; each must still be in the database, unchanged.
    from_checkpoint
        Start at the latest checkpoint whose signature verifies instead of at genesis: the signature vouches for
        the records before it (an edit that was not rehashed there is only found by a full walk).
    """
    from validators import audit_checkpoints  # noqa: PLC0415

    witnessed = audit_checkpoints.read_witness(witness) if witness else []
    with database.connection() as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        assert head is not None
        stored = audit_checkpoints.load(conn)
        keys: TrustedKeys = trusted_keys if trusted_keys is not None else audit_checkpoints.database_keys(conn)
        screened = audit_checkpoints.screen(stored, witnessed, keys)
        start = screened.valid[-1] if from_checkpoint and screened.valid and screened.issue is None else None
        with conn.cursor(name="audit_walk") as cursor:
            cursor.itersize = batch
            if start is None:
                cursor.execute("SELECT * FROM audit_log ORDER BY seq")
            else:
                cursor.execute("SELECT * FROM audit_log WHERE seq >= %s ORDER BY seq", (start.seq,))
            report = check_chain(cursor, (int(head["seq"]), head["hash"]), screened.valid, screened.issue,
                                 start=start)
        if report.ok:
            report = _reconciled(conn, report)
    source = "none" if not stored and not witnessed else ("trusted" if trusted_keys is not None else "database")
    return _with(report, key_source=source)


# At most this many requests without an audit record are named in the report.
_UNAUDITED_SHOWN = 5


def _reconciled(conn: psycopg.Connection[Any], report: VerifyReport) -> VerifyReport:
    """The chain's verdict, failed when a request has no audit record: every request is written with one, so a
    request without is a record cut from the chain's end (with the head moved back) or a row written around it."""
    rows = conn.execute(
        "SELECT r.request_id FROM requests r WHERE NOT EXISTS "
        "(SELECT 1 FROM audit_log a WHERE a.request_id = r.request_id) ORDER BY r.created_at, r.request_id LIMIT %s",
        (_UNAUDITED_SHOWN + 1,)).fetchall()
    if not rows:
        return report
    named = ", ".join(row["request_id"] for row in rows[:_UNAUDITED_SHOWN])
    more = " and more" if len(rows) > _UNAUDITED_SHOWN else ""
    return _with(report, ok=False, problem=f"request {named}{more} has no audit record: the record was removed "
                                           "(and the chain head moved back), or the request written around the log")


def check_chain(rows: Iterable[Mapping[str, Any]], head: tuple[int, str], checkpoints: list[Checkpoint],
                issue: CheckpointIssue | None = None, *, start: Checkpoint | None = None) -> VerifyReport:
    """The verdict on a chain walked in seq order (pure: `verify` feeds it rows from the database).

    `checkpoints` are those whose signatures verified, in seq order; `issue` the first one that did not (or was
    missing), reported when the walk reaches its seq. With `start`, `rows` begin at the record it signed.
    """
    walk = _Walk(checkpoints, start)
    for row in rows:
        seq = int(row["seq"])
        if issue is not None and seq > issue.seq:
            return walk.bad_checkpoint(issue)
        expected = walk.expected_seq
        problem = walk.record(row)
        if problem:
            return walk.bad(min(seq, expected), problem)  # a missing record is the first bad one, not its successor
        problem = walk.checkpoints_at(row)
        if problem:
            return walk.bad(walk.rewritten_from, problem, bad_checkpoint=True)
    if issue is not None:
        return walk.bad_checkpoint(issue)
    if start is not None and walk.rows == 0:
        return walk.bad(start.seq, f"the chain ends before record {start.seq} but the {start.label()} covers it: "
                                   "records at the end were removed", bad_checkpoint=True)
    beyond = walk.next_checkpoint()
    if beyond is not None:
        return walk.bad(walk.count + 1, f"the chain ends at record {walk.count} but the {beyond.label()} covers "
                                        f"record {beyond.seq}: records at the end were removed")
    head_seq, head_hash = head
    if head_seq != walk.count or head_hash != walk.expected_prev:
        return walk.bad(walk.count + 1 if head_seq > walk.count else None,
                        f"the chain ends at record {walk.count} but its head says {head_seq}: "
                        "records at the end were removed or the head was rewritten")
    return walk.good()


class _Walk:
    """The state of a chain walk: the next expected record and link, and the checkpoints still ahead."""

    def __init__(self, checkpoints: list[Checkpoint], start: Checkpoint | None) -> None:
        self.expected_seq = start.seq if start else 1
        self.expected_prev: str | None = None if start else GENESIS_HASH
        self.count = (start.seq - 1) if start else 0
        self._start_seq = start.seq if start else 0
        self.rows = 0
        self.walked = 0
        self.matched = 0
        self.latest: Checkpoint | None = None
        # The last record known to be as signed. A walk from `start` reads nothing before it, so a mismatch at
        # `start` may come from any record up to it: an earlier checkpoint signed those records as they were then,
        # and is not compared with them now.
        self.last_matched_seq = 0
        self.rewritten_from: int | None = None
        self._ahead = [checkpoint for checkpoint in checkpoints if start is None or checkpoint.seq >= start.seq]
        self._position = 0

    def record(self, row: Mapping[str, Any]) -> str:
        problem = _check_record(row, self.expected_seq, self.expected_prev)
        if not problem:
            self.expected_prev = row["hash"]
            self.expected_seq += 1
            self.count += 1
            self.rows += 1
            # The record a starting checkpoint signed is checked again but is not new.
            self.walked += 1 if self.count > self._start_seq else 0
        return problem

    def checkpoints_at(self, row: Mapping[str, Any]) -> str:
        seq = int(row["seq"])
        checkpoint = self.next_checkpoint()
        while checkpoint is not None and checkpoint.seq <= seq:
            if checkpoint.head_hash != row["hash"]:
                self.rewritten_from = self.last_matched_seq + 1
                span = (f"record {seq} was" if self.rewritten_from == seq
                        else f"one or more of records {self.rewritten_from} to {seq} were")
                return (f"the chain at record {seq} differs from the {checkpoint.label()}: {span} rewritten and the "
                        "chain rehashed after it was signed")
            self.matched += 1
            self.latest = checkpoint
            self.last_matched_seq = seq
            self._position += 1
            checkpoint = self.next_checkpoint()
        return ""

    def next_checkpoint(self) -> Checkpoint | None:
        return self._ahead[self._position] if self._position < len(self._ahead) else None

    def bad(self, seq: int | None, problem: str, *, bad_checkpoint: bool = False) -> VerifyReport:
        return VerifyReport(records=self.count, ok=False, first_bad_seq=seq, problem=problem,
                            head_hash=self.expected_prev or GENESIS_HASH, checkpoints=self.matched,
                            latest_checkpoint=self.latest, bad_checkpoint=bad_checkpoint, walked=self.walked)

    def bad_checkpoint(self, issue: CheckpointIssue) -> VerifyReport:
        return self.bad(issue.seq, issue.problem, bad_checkpoint=True)

    def good(self) -> VerifyReport:
        return VerifyReport(records=self.count, ok=True, head_hash=self.expected_prev or GENESIS_HASH,
                            checkpoints=self.matched, latest_checkpoint=self.latest, walked=self.walked)


def _check_record(row: Mapping[str, Any], expected_seq: int, expected_prev: str | None) -> str:
    seq = int(row["seq"])
    if seq != expected_seq:
        return f"record {expected_seq} is missing (found {seq} next)"
    if expected_prev is not None and row["prev_hash"] != expected_prev:
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
    if not _same_time(payload.get("created_at"), row["created_at"]):  # what time filters and reports read
        return f"record {seq} column created_at differs from its hashed payload"
    return ""


def _same_time(hashed: object, stored: object) -> bool:
    if not isinstance(hashed, str) or not isinstance(stored, datetime):
        return False
    try:
        return datetime.fromisoformat(hashed) == stored
    except ValueError:
        return False


def _with(report: VerifyReport, **changes: Any) -> VerifyReport:
    return VerifyReport(**{**report.__dict__, **changes})


@dataclass(frozen=True)
class CheckpointResult:
    """A verification and the checkpoint it led to (None when the chain is broken or empty)."""

    report: VerifyReport
    checkpoint: Checkpoint | None

    @property
    def signed_now(self) -> bool:
        """Whether this run signed a checkpoint: False when the head it verified was signed already (or none was)."""
        return self.checkpoint is not None and self.checkpoint != self.report.latest_checkpoint


def checkpoint(database: Database, key: CheckpointSigner, *, trusted_keys: TrustedKeys | None = None,
               witness: Path | None = None, full: bool = False, batch: int = 2000) -> CheckpointResult:
    """Verify the chain (from the latest good checkpoint unless `full`), then sign the head that was verified.

    Only a verified head is signed, so a checkpoint never vouches for a chain already broken. The key's own public
    half is always trusted; `trusted_keys` adds others (e.g. keys of other hosts that write checkpoints).
    """
    keys = {**(trusted_keys or {}), key.key_id: key.public_key}
    report = verify(database, batch, trusted_keys=keys, witness=witness, from_checkpoint=not full)
    return CheckpointResult(report, sign_verified(database, key, report, witness))


def sign_verified(database: Database, key: CheckpointSigner, report: VerifyReport,
                  witness: Path | None = None) -> Checkpoint | None:
    """Sign the head that `report` verified, unless the chain is broken or empty or this key signed it already."""
    from validators import audit_checkpoints  # noqa: PLC0415

    if not report.ok or report.records == 0:
        return None
    latest = report.latest_checkpoint
    if latest is not None and latest.seq == report.records and latest.key_id == key.key_id:
        return latest
    signed = audit_checkpoints.sign(key, report.records, report.head_hash)
    return audit_checkpoints.store(database, key, signed, witness)


def maybe_checkpoint(database: Database, key: CheckpointSigner, every: int = DEFAULT_CHECKPOINT_EVERY, *,
                     trusted_keys: TrustedKeys | None = None, witness: Path | None = None) -> CheckpointResult | None:
    """Verify and sign when `every` records or more were appended since this key's last checkpoint.

    Meant for the composition root to call after decisions (or from a schedule): two small queries when nothing
    is due (None), an incremental verification of the new records when one is. A result whose report is not ok
    means the chain or a checkpoint is broken and nothing was signed: log it loudly, do not fail the decision.
    """
    from validators import audit_checkpoints  # noqa: PLC0415

    with database.connection() as conn:
        head = conn.execute("SELECT seq FROM audit_head WHERE id = 1").fetchone()
    assert head is not None
    if int(head["seq"]) - audit_checkpoints.latest_seq(database, key.key_id) < every:
        return None
    return checkpoint(database, key, trusted_keys=trusted_keys, witness=witness)
