"""Signed checkpoints of the audit chain head, after CloudTrail's digest files.

A checkpoint says "the chain had reached record `seq`, whose hash is `head_hash`", signed with an Ed25519 key kept
outside the database. Verification recomputes the chain and compares it with every checkpoint: records removed
after a checkpoint (even with `audit_head` rewritten to match) or a chain rebuilt from genesis with altered content
no longer match a signed hash, and nobody without the key can sign a new one.

A copy of each checkpoint can also be appended to a witness file outside the database, so that deleting the latest
checkpoints (the one thing a database administrator can still do unseen) is found too.

When checkpoints are written: by `askiam audit checkpoint` (which creates the key on first use); by every
`askiam audit verify` on a host that holds the key, signing the head it has just verified; and by
`validators.audit.maybe_checkpoint`, which the composition root can call after decisions to sign at least every N
records. Only a verified head is ever signed.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from validators.audit_errors import AuditError
from validators.audit_keys import ALGORITHM, CheckpointSigner, TrustedKeys, parse_public_key, signature_verifies
from validators.db import Database

MESSAGE_PREFIX = "askiam-audit-checkpoint/v1"


class Checkpoint(BaseModel):
    """One signed checkpoint, as stored in `audit_checkpoints` and in the witness file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int
    head_hash: str
    signed_at: datetime
    signature: str
    key_id: str

    @field_validator("signed_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def label(self) -> str:
        return f"checkpoint at record {self.seq} (signed {self.signed_at:%Y-%m-%dT%H:%M:%SZ} by key {self.key_id})"


def signed_message(seq: int, head_hash: str, signed_at: datetime, key_id: str) -> bytes:
    """The exact bytes a checkpoint's signature covers: fixed fields, one a line, times in UTC to the microsecond."""
    when = signed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{MESSAGE_PREFIX}\n{seq}\n{head_hash}\n{when}\n{key_id}".encode("ascii")


def sign(key: CheckpointSigner, seq: int, head_hash: str, signed_at: datetime | None = None) -> Checkpoint:
    """A checkpoint of the chain at `seq`; the caller has verified the chain up to there."""
    # PostgreSQL keeps microseconds: drop nothing finer, so the stored time signs the same message.
    when = (signed_at or datetime.now(UTC)).astimezone(UTC)
    signature = key.sign(signed_message(seq, head_hash, when, key.key_id))
    return Checkpoint(seq=seq, head_hash=head_hash, signed_at=when, signature=base64.b64encode(signature).decode(),
                      key_id=key.key_id)


def signature_problem(checkpoint: Checkpoint, keys: TrustedKeys) -> str:
    """Why this checkpoint's signature cannot be trusted, or "" when it verifies with a trusted key."""
    public_key = keys.get(checkpoint.key_id)
    if public_key is None:
        known = ", ".join(sorted(keys)) or "none"
        return (f"{checkpoint.label()} is signed by a key that is not trusted (trusted: {known}); "
                "if it is a retired AskIAM key, pass its public key")
    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
    except (binascii.Error, ValueError):
        return f"{checkpoint.label()} has a signature that is not base64: the checkpoint was forged or altered"
    message = signed_message(checkpoint.seq, checkpoint.head_hash, checkpoint.signed_at, checkpoint.key_id)
    if not signature_verifies(public_key, signature, message):
        return f"{checkpoint.label()} has a signature that does not verify: the checkpoint was forged or altered"
    return ""


@dataclass(frozen=True)
class CheckpointIssue:
    seq: int
    problem: str


@dataclass(frozen=True)
class ScreenedCheckpoints:
    """Checkpoints whose signatures verify, in chain order, and the first one (by seq) that is wrong."""

    valid: list[Checkpoint]
    issue: CheckpointIssue | None


def screen(stored: Sequence[Checkpoint], witnessed: Sequence[Checkpoint], keys: TrustedKeys) -> ScreenedCheckpoints:
    """Check every signature, and that each checkpoint in the witness file is still in the database, unchanged."""
    issues: list[CheckpointIssue] = []
    valid: dict[tuple[int, str], Checkpoint] = {}
    by_identity = {(checkpoint.seq, checkpoint.key_id): checkpoint for checkpoint in stored}
    for checkpoint in stored:
        problem = signature_problem(checkpoint, keys)
        if problem:
            issues.append(CheckpointIssue(checkpoint.seq, problem))
        else:
            valid[(checkpoint.seq, checkpoint.key_id)] = checkpoint
    for copy in witnessed:
        problem = signature_problem(copy, keys)
        if problem:
            issues.append(CheckpointIssue(copy.seq, f"in the witness file: {problem}"))
            continue
        identity = (copy.seq, copy.key_id)
        if identity not in by_identity:
            issues.append(CheckpointIssue(copy.seq, f"{copy.label()}, kept in the witness file, is missing from "
                                                    "audit_checkpoints: checkpoints were deleted"))
        elif by_identity[identity] != copy:
            issues.append(CheckpointIssue(copy.seq, f"{copy.label()} differs from its copy in the witness file"))
        valid.setdefault(identity, copy)
    ordered = sorted(valid.values(), key=lambda checkpoint: (checkpoint.seq, checkpoint.key_id))
    return ScreenedCheckpoints(ordered, min(issues, key=lambda issue: issue.seq) if issues else None)


def load(conn: psycopg.Connection[Any]) -> list[Checkpoint]:
    """Every stored checkpoint, in chain order (one per N records or per verify: a small table)."""
    rows = conn.execute("SELECT seq, head_hash, signed_at, signature, key_id FROM audit_checkpoints "
                        "ORDER BY seq, key_id").fetchall()
    return [Checkpoint(**_as_dict(row)) for row in rows]


def database_keys(conn: psycopg.Connection[Any]) -> dict[str, Ed25519PublicKey]:
    """The public keys registered in the database: trusted only when no key from outside it was given."""
    rows = conn.execute("SELECT key_id, public_key FROM audit_signing_keys WHERE algorithm = %s",
                        (ALGORITHM,)).fetchall()
    keys: dict[str, Ed25519PublicKey] = {}
    for row in rows:
        values = _as_dict(row)
        try:
            keys[values["key_id"]] = parse_public_key(values["public_key"])
        except AuditError:
            continue  # an unusable key verifies nothing; its checkpoints are reported as signed by an unknown key
    return keys


def store(database: Database, key: CheckpointSigner, checkpoint: Checkpoint, witness: Path | None = None) -> Checkpoint:
    """Record a checkpoint (and its key's public half); the stored one wins if this key already signed that seq."""
    with database.connection() as conn, conn.transaction():
        conn.execute("INSERT INTO audit_signing_keys (key_id, algorithm, public_key) VALUES (%s, %s, %s) "
                     "ON CONFLICT (key_id) DO NOTHING", (key.key_id, ALGORITHM, key.public_pem))
        conn.execute("INSERT INTO audit_checkpoints (seq, head_hash, signed_at, signature, key_id) "
                     "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (seq, key_id) DO NOTHING",
                     (checkpoint.seq, checkpoint.head_hash, checkpoint.signed_at, checkpoint.signature,
                      checkpoint.key_id))
        row = conn.execute("SELECT seq, head_hash, signed_at, signature, key_id FROM audit_checkpoints "
                           "WHERE seq = %s AND key_id = %s", (checkpoint.seq, checkpoint.key_id)).fetchone()
    assert row is not None
    kept = Checkpoint(**_as_dict(row))
    if witness is not None:
        append_witness(witness, kept)
    return kept


def latest_seq(database: Database, key_id: str) -> int:
    """The last record this key has signed a checkpoint of (0 when none)."""
    with database.connection() as conn:
        row = conn.execute("SELECT coalesce(max(seq), 0) AS seq FROM audit_checkpoints WHERE key_id = %s",
                           (key_id,)).fetchone()
    return int(_as_dict(row)["seq"]) if row else 0


def append_witness(path: Path, checkpoint: Checkpoint) -> None:
    """Append a copy outside the database; one JSON line, written with one append so lines never interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(checkpoint.model_dump_json() + "\n")


def read_witness(path: Path) -> list[Checkpoint]:
    """The checkpoints in a witness file; a line that is not a checkpoint is an error, not something to skip."""
    if not path.exists():
        return []
    checkpoints: list[Checkpoint] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                checkpoints.append(Checkpoint.model_validate(json.loads(line)))
            except json.JSONDecodeError as exc:
                raise AuditError(f"{path}:{number}: not a checkpoint: not JSON ({exc.msg})") from exc
            except ValidationError as exc:
                first = exc.errors()[0]
                field = ".".join(str(part) for part in first["loc"]) or "the line"
                raise AuditError(f"{path}:{number}: not a checkpoint: {field}: {first['msg']}") from exc
    return _unique(checkpoints)


def _unique(checkpoints: Iterable[Checkpoint]) -> list[Checkpoint]:
    seen: dict[tuple[int, str, str], Checkpoint] = {}
    for checkpoint in checkpoints:
        seen.setdefault((checkpoint.seq, checkpoint.key_id, checkpoint.signature), checkpoint)
    return list(seen.values())


def _as_dict(row: Any) -> dict[str, Any]:
    return dict(row)
