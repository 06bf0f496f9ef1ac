"""The chain walk and checkpoint screening, on rows built in memory: no database."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from validators.audit import GENESIS_HASH, AuditRow, build_row, chain_hash, check_chain
from validators.audit_checkpoints import Checkpoint, screen, sign, signature_problem, signed_message
from validators.audit_keys import SigningKey, trusted

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def event(number: int, decision: str = "APPROVED") -> dict[str, Any]:
    return {"event_type": "access_request.decided", "request_id": f"R-{number}", "requester_id": "ana",
            "target_id": "ana", "app_id": "wiki", "role_id": "wiki-editor", "decision": decision,
            "reason": "AUTO_APPROVED", "channel": "cli", "details": {"decided_by": "askiam", "n": number}}


def chain(count: int, start_hash: str = GENESIS_HASH, altered: int | None = None) -> list[AuditRow]:
    """`count` linked rows; with `altered`, that record says DENIED and every later one is rehashed to match."""
    rows: list[AuditRow] = []
    previous = start_hash
    for seq in range(1, count + 1):
        row = build_row(seq, previous, event(seq, "DENIED" if seq == altered else "APPROVED"),
                        T0 + timedelta(minutes=seq))
        rows.append(row)
        previous = row.hash
    return rows


def as_dicts(rows: list[AuditRow]) -> list[dict[str, Any]]:
    columns = ("seq", "created_at", "event_type", "request_id", "requester_id", "target_id", "app_id", "role_id",
               "decision", "reason", "channel", "payload", "prev_hash", "hash")
    return [dict(zip(columns, row.values(), strict=True)) for row in rows]


def head_of(rows: list[AuditRow]) -> tuple[int, str]:
    return (rows[-1].seq, rows[-1].hash) if rows else (0, GENESIS_HASH)


@pytest.fixture(scope="module")
def key() -> SigningKey:
    from pathlib import Path

    return SigningKey(Ed25519PrivateKey.generate(), Path("/nonexistent/key.pem"))


def test_build_row_links_to_the_previous_hash_and_hashes_its_canonical_payload() -> None:
    row = build_row(1, GENESIS_HASH, event(1), T0)
    assert row.hash == chain_hash(GENESIS_HASH, row.payload)
    assert '"seq":1' in row.payload and row.fields[0] == "access_request.decided"


def test_an_honest_chain_with_matching_checkpoints_verifies(key: SigningKey) -> None:
    rows = chain(10)
    checkpoints = [sign(key, 4, rows[3].hash), sign(key, 10, rows[9].hash)]
    report = check_chain(as_dicts(rows), head_of(rows), checkpoints)
    assert report.ok and report.records == 10 and report.checkpoints == 2
    assert report.latest_checkpoint == checkpoints[1] and report.head_hash == rows[9].hash


def test_a_rebuilt_chain_matches_its_own_head_but_not_the_signed_checkpoint(key: SigningKey) -> None:
    honest = chain(10)
    checkpoints = [sign(key, 3, honest[2].hash), sign(key, 8, honest[7].hash)]
    rebuilt = chain(10, altered=6)  # record 6 rewritten, every record after it rehashed, head rewritten to match
    report = check_chain(as_dicts(rebuilt), head_of(rebuilt), checkpoints)
    assert not report.ok and report.bad_checkpoint
    assert report.first_bad_seq == 4 and "one or more of records 4 to 8 were rewritten" in report.problem
    assert report.checkpoints == 1


def test_a_truncated_tail_with_a_rewritten_head_is_found_through_the_checkpoint(key: SigningKey) -> None:
    rows = chain(10)
    checkpoints = [sign(key, 9, rows[8].hash)]
    kept = rows[:6]
    report = check_chain(as_dicts(kept), head_of(kept), checkpoints)
    assert not report.ok and report.first_bad_seq == 7
    assert "ends at record 6" in report.problem and "covers record 9" in report.problem


def test_a_forged_checkpoint_is_reported_at_its_place_in_the_chain(key: SigningKey) -> None:
    rows = chain(6)
    good = sign(key, 2, rows[1].hash)
    forged = good.model_copy(update={"seq": 5, "head_hash": rows[4].hash})  # a signature of something else
    screened = screen([good, forged], [], trusted([key.public_key]))
    assert screened.valid == [good] and screened.issue is not None and screened.issue.seq == 5
    report = check_chain(as_dicts(rows), head_of(rows), screened.valid, screened.issue)
    assert not report.ok and report.bad_checkpoint and report.first_bad_seq == 5
    assert "does not verify" in report.problem and report.records == 5


def test_a_record_problem_before_a_bad_checkpoint_is_the_one_reported(key: SigningKey) -> None:
    rows = chain(6)
    tampered = as_dicts(rows)
    tampered[1]["payload"] = tampered[1]["payload"].replace("APPROVED", "DENIED")
    forged = Checkpoint(seq=5, head_hash=rows[4].hash, signed_at=T0, signature="AAAA", key_id=key.key_id)
    screened = screen([forged], [], trusted([key.public_key]))
    report = check_chain(tampered, head_of(rows), screened.valid, screened.issue)
    assert report.first_bad_seq == 2 and "altered" in report.problem and not report.bad_checkpoint


def test_signatures_need_a_trusted_key_and_the_exact_fields(key: SigningKey) -> None:
    checkpoint = sign(key, 7, "ab" * 32, T0)
    keys = trusted([key.public_key])
    assert signature_problem(checkpoint, keys) == ""
    assert "not trusted" in signature_problem(checkpoint, trusted([Ed25519PrivateKey.generate().public_key()]))
    for change in ({"seq": 8}, {"head_hash": "cd" * 32}, {"signed_at": T0 + timedelta(microseconds=1)}):
        assert "does not verify" in signature_problem(checkpoint.model_copy(update=change), keys)
    assert "not base64" in signature_problem(checkpoint.model_copy(update={"signature": "*"}), keys)


def test_an_attackers_own_key_does_not_make_a_checkpoint_trusted(key: SigningKey) -> None:
    attacker = SigningKey(Ed25519PrivateKey.generate(), key.path)
    forged = sign(attacker, 3, "ef" * 32)
    assert "not trusted" in signature_problem(forged, trusted([key.public_key]))
    relabelled = forged.model_copy(update={"key_id": key.key_id})
    assert "does not verify" in signature_problem(relabelled, trusted([key.public_key]))


def test_the_signed_message_is_the_same_for_one_instant_in_any_time_zone() -> None:
    other_zone = T0.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert signed_message(1, "h", T0, "k") == signed_message(1, "h", other_zone, "k")
    assert signed_message(1, "h", T0, "k").startswith(b"askiam-audit-checkpoint/v1\n1\nh\n2025-06-02T09:00:00.000000Z")


def test_a_checkpoint_missing_from_the_database_but_kept_in_the_witness_file_is_reported(key: SigningKey) -> None:
    rows = chain(5)
    kept, deleted = sign(key, 2, rows[1].hash), sign(key, 5, rows[4].hash)
    screened = screen([kept], [kept, deleted], trusted([key.public_key]))
    assert screened.issue is not None and screened.issue.seq == 5 and "missing" in screened.issue.problem
    assert deleted in screened.valid  # and the copy still pins the chain
    altered_copy = kept.model_copy(update={"signed_at": T0})
    assert screen([kept], [altered_copy], trusted([key.public_key])).issue is not None


def test_incremental_walk_starts_at_the_latest_checkpoint(key: SigningKey) -> None:
    rows = chain(12)
    start = sign(key, 8, rows[7].hash)
    report = check_chain(as_dicts(rows[7:]), head_of(rows), [start], start=start)
    assert report.ok and report.records == 12 and report.walked == 4
    rebuilt = chain(12, altered=10)
    report = check_chain(as_dicts(rebuilt[7:]), head_of(rebuilt), [start], start=start)
    assert report.ok  # an alteration after the checkpoint, rehashed consistently, is not something it can see
    rebuilt = chain(12, altered=3)
    report = check_chain(as_dicts(rebuilt[7:]), head_of(rebuilt), [start], start=start)
    assert not report.ok and "differs from the checkpoint at record 8" in report.problem
    # An earlier checkpoint (at 5) signed records 1 to 5 as they were then; a walk from 8 does not compare them
    # now, so the rewrite may be anywhere up to 8 (record 3 here), not only after 5.
    report = check_chain(as_dicts(rebuilt[7:]), head_of(rebuilt), [sign(key, 5, rows[4].hash), start], start=start)
    assert not report.ok and report.first_bad_seq == 1
    assert "one or more of records 1 to 8 were rewritten" in report.problem
    report = check_chain([], head_of(rows[:5]), [start], start=start)
    assert not report.ok and "ends before record 8" in report.problem


def test_a_deleted_middle_record_and_a_rewritten_head_are_reported_as_before() -> None:
    rows = as_dicts(chain(5))
    report = check_chain(rows[:3] + rows[4:], (5, rows[4]["hash"]), [])
    assert report.first_bad_seq == 4 and "record 4 is missing" in report.problem  # the missing one is the bad one
    report = check_chain(rows[:4], (5, rows[4]["hash"]), [])
    assert report.first_bad_seq == 5 and "ends at record 4 but its head says 5" in report.problem


def test_signature_is_base64_of_64_bytes(key: SigningKey) -> None:
    checkpoint = sign(key, 1, GENESIS_HASH)
    assert len(base64.b64decode(checkpoint.signature)) == 64 and checkpoint.key_id == key.key_id
