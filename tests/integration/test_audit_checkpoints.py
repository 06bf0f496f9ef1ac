"""Signed checkpoints on a real PostgreSQL: what a database administrator can rewrite and how verify finds it."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bot.cli.audit import _broken
from validators import audit, audit_checkpoints
from validators.audit_keys import SigningKey, load_or_create_signing_key, trusted

pytestmark = pytest.mark.integration


class Log:
    """A database with a ten-record audit log, signed at records 6 and 10 by a key outside it."""

    def __init__(self, app: Any, url: str, key: SigningKey, witness: Path) -> None:
        self.app, self.url, self.key, self.witness = app, url, key, witness
        self.keys = trusted([key.public_key])

    def verify(self, **options: Any) -> audit.VerifyReport:
        options.setdefault("trusted_keys", self.keys)
        return audit.verify(self.app.database, **options)

    def tamper(self, *statements: str, params: tuple[Any, ...] = ()) -> None:
        """As the database owner, with the append-only triggers bypassed."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SET session_replication_role = replica")
            for statement in statements:
                conn.execute(statement, params if "%s" in statement else None)

    def rebuild(self, altered_seq: int, keep: int | None = None) -> None:
        """Rewrite one record's content and rehash every record from genesis, head included: a consistent chain."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SET session_replication_role = replica")
            rows = conn.execute("SELECT seq, payload FROM audit_log ORDER BY seq").fetchall()
            if keep is not None:
                conn.execute("DELETE FROM audit_log WHERE seq > %s", (keep,))
                rows = rows[:keep]
            previous = audit.GENESIS_HASH
            for seq, text in rows:
                payload = json.loads(text)
                if seq == altered_seq:
                    payload["decision"] = "APPROVED"
                    payload["details"]["decided_by"] = "someone-else"
                text = audit.canonical_json(payload)
                digest = audit.chain_hash(previous, text)
                conn.execute("UPDATE audit_log SET payload = %s, decision = %s, prev_hash = %s, hash = %s "
                             "WHERE seq = %s", (text, payload["decision"], previous, digest, seq))
                previous = digest
            conn.execute("UPDATE audit_head SET seq = %s, hash = %s", (len(rows), previous))


def append(app: Any, count: int) -> None:
    with app.database.connection() as conn, conn.transaction():
        for number in range(count):
            audit.append(conn, {"event_type": "access_request.decided", "request_id": f"R-{number}",
                                "requester_id": "ana", "target_id": "ana", "role_id": "wiki-editor",
                                "decision": "DENIED", "reason": "SOD_CONFLICT", "channel": "cli",
                                "details": {"decided_by": "askiam"}})


@pytest.fixture
def log(app_factory, fresh_database_url: str, tmp_path: Path) -> Log:  # type: ignore[no-untyped-def]
    app = app_factory()
    key = load_or_create_signing_key(tmp_path / "keys" / "signing-key.pem")
    witness = tmp_path / "witness.jsonl"
    append(app, 6)
    first = audit.checkpoint(app.database, key, witness=witness)
    append(app, 4)
    second = audit.checkpoint(app.database, key, witness=witness)
    assert first.checkpoint is not None and first.checkpoint.seq == 6
    assert second.checkpoint is not None and second.checkpoint.seq == 10 and second.report.walked == 4
    return Log(app, fresh_database_url, key, witness)


def test_an_honest_log_verifies_with_its_checkpoints(log: Log) -> None:
    report = log.verify(witness=log.witness)
    assert report.ok and report.records == 10 and report.checkpoints == 2 and report.key_source == "trusted"
    assert report.latest_checkpoint is not None and report.latest_checkpoint.seq == 10
    plain = audit.verify(log.app.database)  # as existing callers do: keys from the database
    assert plain.ok and plain.key_source == "database" and plain.checkpoints == 2


def test_an_edited_record_is_found(log: Log) -> None:
    log.tamper("UPDATE audit_log SET payload = replace(payload, 'DENIED', 'APPROVED') WHERE seq = 3")
    report = log.verify()
    assert not report.ok and report.first_bad_seq == 3 and "altered" in report.problem


def test_a_deleted_record_is_found(log: Log) -> None:
    log.tamper("DELETE FROM audit_log WHERE seq = 4")
    report = log.verify()
    assert not report.ok and report.first_bad_seq == 4 and "record 4 is missing" in report.problem


def test_a_truncated_tail_with_the_head_rewritten_is_found_through_the_signature(log: Log) -> None:
    with psycopg.connect(log.url) as conn:
        row = conn.execute("SELECT hash FROM audit_log WHERE seq = 7").fetchone()
    assert row is not None
    log.tamper("DELETE FROM audit_log WHERE seq > 7", "UPDATE audit_head SET seq = 7, hash = %s", params=(row[0],))
    report = log.verify()
    assert not report.ok and report.first_bad_seq == 8
    assert "ends at record 7" in report.problem and "covers record 10" in report.problem
    assert report.checkpoints == 1  # the one at record 6 still matches


def test_a_chain_rebuilt_from_genesis_is_found_through_the_signature(log: Log, capsys) -> None:  # type: ignore[no-untyped-def]
    log.rebuild(altered_seq=8)
    report = log.verify()
    assert not report.ok and report.bad_checkpoint and report.first_bad_seq == 7
    assert "one or more of records 7 to 10 were rewritten" in report.problem
    log.rebuild(altered_seq=2)
    report = log.verify()
    assert not report.ok and report.first_bad_seq == 1 and "records 1 to 6" in report.problem
    # Said without contradiction: the records link to each other, not to what was signed.
    _broken(report)
    said = capsys.readouterr().out
    assert said.startswith("audit log BROKEN from record 1: the chain at record 6 differs from the checkpoint ")
    assert said.rstrip().endswith("(6 records link to each other, not to what was signed)")
    # A checkpoint walks only from the latest one (at 10), which cannot tell where before it the rewrite is: it
    # names every record up to 10, not the records after the earlier checkpoint at 6, and signs nothing.
    incremental = audit.checkpoint(log.app.database, log.key, witness=log.witness)
    assert incremental.checkpoint is None and not incremental.report.ok
    assert "one or more of records 1 to 10 were rewritten" in incremental.report.problem


def test_a_rebuilt_and_truncated_chain_is_found(log: Log) -> None:
    log.rebuild(altered_seq=3, keep=5)  # below the first checkpoint: only its seq is past the end
    report = log.verify()
    assert not report.ok and "ends at record 5" in report.problem and "covers record 6" in report.problem


def test_a_forged_checkpoint_is_reported_as_such(log: Log) -> None:
    with psycopg.connect(log.url) as conn:
        row = conn.execute("SELECT hash FROM audit_log WHERE seq = 8").fetchone()
    assert row is not None
    bogus = base64.b64encode(b"\x01" * 64).decode()
    log.tamper("INSERT INTO audit_checkpoints (seq, head_hash, signed_at, signature, key_id) "
               "VALUES (8, %s, now(), %s, %s)", params=(row[0], bogus, log.key.key_id))
    report = log.verify()
    assert not report.ok and report.bad_checkpoint and report.first_bad_seq == 8
    assert "signature that does not verify" in report.problem
    assert not audit.verify(log.app.database).ok  # also with the keys from the database


def test_an_attackers_own_key_is_not_trusted(log: Log) -> None:
    """Rebuild the chain, then sign it with a key of one's own and register that key in the database."""
    log.rebuild(altered_seq=4)
    attacker = SigningKey(Ed25519PrivateKey.generate(), log.key.path)
    log.tamper("DELETE FROM audit_checkpoints")
    forged = audit.checkpoint(log.app.database, attacker, full=True)
    assert forged.checkpoint is not None and forged.report.ok
    assert audit.verify(log.app.database).ok  # with the database's own keys the forgery passes ...
    report = log.verify()  # ... the key from outside the database does not vouch for it
    assert not report.ok and "not trusted" in report.problem


def test_deleted_checkpoints_are_found_through_the_witness_file(log: Log) -> None:
    log.rebuild(altered_seq=4)
    log.tamper("DELETE FROM audit_checkpoints")
    assert log.verify().ok  # nothing in the database is left to contradict the rebuilt chain
    report = log.verify(witness=log.witness)
    assert not report.ok and report.first_bad_seq == 1 and "one or more of records 1 to 6" in report.problem


def test_checkpoints_deleted_from_an_honest_log_are_reported_through_the_witness_file(log: Log) -> None:
    log.tamper("DELETE FROM audit_checkpoints WHERE seq = 10")
    report = log.verify(witness=log.witness)
    assert not report.ok and report.bad_checkpoint and report.first_bad_seq == 10
    assert "kept in the witness file, is missing from audit_checkpoints" in report.problem


def test_checkpoint_tables_are_append_only(log: Log) -> None:
    with log.app.database.connection() as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM audit_checkpoints")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE audit_signing_keys SET public_key = 'x'")
        conn.rollback()
    with psycopg.connect(log.url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        conn.execute("UPDATE audit_checkpoints SET seq = 1")


def test_checkpoints_are_written_every_n_records(log: Log) -> None:
    assert audit.maybe_checkpoint(log.app.database, log.key, every=3) is None
    append(log.app, 3)
    written = audit.maybe_checkpoint(log.app.database, log.key, every=3)
    assert written is not None and written.report.ok and written.report.walked == 3
    assert written.checkpoint is not None and written.checkpoint.seq == 13
    assert audit.maybe_checkpoint(log.app.database, log.key, every=3) is None
    stored = [c.seq for c in audit_checkpoints.read_witness(log.witness)]
    assert stored == [6, 10]  # no witness given to maybe_checkpoint here
    assert log.verify().checkpoints == 3


def test_a_checkpoint_is_not_signed_over_a_broken_chain(log: Log) -> None:
    append(log.app, 2)
    log.tamper("UPDATE audit_log SET payload = payload || ' ' WHERE seq = 11")
    result = audit.checkpoint(log.app.database, log.key)
    assert not result.report.ok and result.checkpoint is None and result.report.first_bad_seq == 11
    assert audit_checkpoints.latest_seq(log.app.database, log.key.key_id) == 10


class LocalKms:
    """KMS's GetPublicKey and Sign answered with a key held here: no AWS account runs these tests."""

    def __init__(self) -> None:
        self.private_key = Ed25519PrivateKey.generate()
        self.signed: list[dict[str, Any]] = []

    def get_public_key(self, **request: Any) -> dict[str, Any]:
        from cryptography.hazmat.primitives import serialization

        der = self.private_key.public_key().public_bytes(serialization.Encoding.DER,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo)
        return {"KeyId": f"arn:aws:kms:eu-west-1:111122223333:key/{request['KeyId']}", "PublicKey": der,
                "KeySpec": "ECC_NIST_EDWARDS25519", "KeyUsage": "SIGN_VERIFY"}

    def sign(self, **request: Any) -> dict[str, Any]:
        self.signed.append(request)
        return {"Signature": self.private_key.sign(request["Message"]), "SigningAlgorithm": "ED25519_SHA_512"}


@pytest.fixture
def scheduled(app_factory, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, LocalKms]]:  # type: ignore[no-untyped-def]
    """The scheduled checkpoint function's application, signing with a local stand-in for the KMS key, after 5
    records and the hourly run that signed them."""
    from bot import checkpoint_job, scheduled_jobs

    kms = LocalKms()
    monkeypatch.setattr("validators.audit_kms_key.default_client", lambda region: kms)
    app = app_factory(audit_signing_kms_key_id="alias/askiam-audit")
    append(app, 5)
    scheduled_jobs.use_application(app)
    try:
        assert checkpoint_job.lambda_handler({"source": "aws.events"}, None) == {"checkpoint_seq": 5}
        yield app, kms
    finally:
        scheduled_jobs.use_application(None)


def test_the_scheduled_checkpoint_function_signs_the_verified_head_with_the_kms_key(  # type: ignore[no-untyped-def]
        scheduled, fresh_database_url: str) -> None:
    from bot import checkpoint_job

    app, kms = scheduled
    append(app, 2)
    assert checkpoint_job.lambda_handler({"source": "aws.events"}, None) == {"checkpoint_seq": 7}
    assert [r["MessageType"] for r in kms.signed] == ["RAW", "RAW"]
    report = audit.verify(app.database, trusted_keys=trusted([kms.private_key.public_key()]))
    assert report.ok and report.checkpoints == 2 and report.key_source == "trusted"

    with psycopg.connect(fresh_database_url, autocommit=True) as conn:  # a record edited, chain not rehashed
        conn.execute("SET session_replication_role = replica")
        conn.execute("UPDATE audit_log SET payload = replace(payload, 'DENIED', 'APPROVED') WHERE seq = 7")
    with pytest.raises(checkpoint_job.BrokenChainError, match="record 7"):
        checkpoint_job.lambda_handler({"source": "aws.events"}, None)
    assert len(kms.signed) == 2  # a broken chain is never signed


def test_the_daily_checkpoint_run_walks_the_whole_chain_and_finds_an_old_edit(  # type: ignore[no-untyped-def]
        scheduled, fresh_database_url: str) -> None:
    from bot import checkpoint_job

    app, kms = scheduled
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:  # behind the checkpoint, not rehashed
        conn.execute("SET session_replication_role = replica")
        conn.execute("UPDATE audit_log SET payload = replace(payload, 'DENIED', 'APPROVED') WHERE seq = 2")
    append(app, 1)
    # The hourly run walks from the checkpoint at record 5 and cannot see it; the daily one, from genesis, does.
    assert checkpoint_job.lambda_handler({"source": "aws.events"}, None) == {"checkpoint_seq": 6}
    with pytest.raises(checkpoint_job.BrokenChainError, match="record 2"):
        checkpoint_job.lambda_handler({"full": True}, None)
    assert len(kms.signed) == 2


def test_the_cli_signs_and_shows_the_kms_key_when_one_is_configured(  # type: ignore[no-untyped-def]
        app_factory, fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from bot.cli.main import main
    from validators.audit_keys import key_id, public_pem

    kms = LocalKms()
    monkeypatch.setattr("validators.audit_kms_key.default_client", lambda region: kms)
    append(app_factory(), 3)
    monkeypatch.setenv("ASKIAM_DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("ASKIAM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ASKIAM_AUDIT_SIGNING_KMS_KEY_ID", "alias/askiam-audit")
    assert main(["audit", "public-key"]) == 0
    shown = capsys.readouterr().out
    assert public_pem(kms.private_key.public_key()).strip() in shown and key_id(kms.private_key.public_key()) in shown
    assert main(["audit", "checkpoint"]) == 0
    assert "record 3" in capsys.readouterr().out and len(kms.signed) == 1
    assert not (tmp_path / "home" / "audit").exists()  # no key file was made beside the KMS key
    monkeypatch.setattr("validators.audit_kms_key.default_client", lambda region: _refusing_kms())
    assert main(["audit", "public-key"]) == 2
    assert "AccessDeniedException" in capsys.readouterr().err


def _refusing_kms() -> Any:
    from botocore.exceptions import ClientError

    class Refusing:
        def get_public_key(self, **request: Any) -> dict[str, Any]:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no kms:GetPublicKey"}},
                              "GetPublicKey")

    return Refusing()
