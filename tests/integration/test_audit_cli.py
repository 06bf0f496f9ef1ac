"""`askiam audit ...` handlers as main.py will call them: parsed arguments in, lines and an exit code out."""

from __future__ import annotations

import argparse
import json
import stat
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.cli.audit import add_commands
from validators import audit

pytestmark = pytest.mark.integration


def run(app: Any, *argv: str) -> int:
    root = argparse.ArgumentParser(prog="askiam")
    add_commands(root.add_subparsers(dest="command", required=True))
    args = root.parse_args(list(argv))
    code: int = args.handler(app, args)
    return code


@pytest.fixture
def app(app_factory):  # type: ignore[no-untyped-def]
    app = app_factory()
    events = [("ana", "ana", "wiki-editor", "APPROVED", "AUTO_APPROVED", "askiam", "cli"),
              ("ana", "ana", "ldg-approver", "DENIED", "SOD_CONFLICT", "askiam", "web"),
              ("rui", "rui", "ldg-admin", "PENDING_APPROVAL", "PRIVILEGED_ROLE", "askiam", "web"),
              ("rui", "rui", "ldg-admin", "APPROVED", "APPROVED_BY_APPROVER", "own", "cli")]
    with app.database.connection() as conn, conn.transaction():
        for number, (requester, target, role, decision, reason, by, channel) in enumerate(events, 1):
            audit.append(conn, {
                "event_type": "access_request.approved" if by != "askiam" else "access_request.decided",
                "request_id": f"R-{1000 + min(number, 3)}", "requester_id": requester, "target_id": target,
                "app_id": role.split("-")[0], "role_id": role, "decision": decision, "reason": reason,
                "channel": channel, "details": {"decided_by": by, "granted": decision == "APPROVED",
                                                **({"capacity": "application owner", "comment": 'the "Q3" close'}
                                                   if by != "askiam" else {})}})
    return app


def test_verify_keeps_its_output_and_checkpoint_signs_with_a_key_made_on_first_use(app, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(app, "audit", "verify") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("audit log OK: 4 records, chain head ")
    assert lines[1].startswith("checkpoints: none yet") and len(lines) == 2
    key_file = app.settings.home / "audit" / "signing-key.pem"
    assert not key_file.exists()  # verify signs only where a key already exists

    assert run(app, "audit", "checkpoint") == 0
    output = capsys.readouterr().out
    assert "checkpoint signed: record 4, head " in output and "signing-key.pub" in output
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    assert audit.maybe_checkpoint(app.database, _key(app), every=1) is None  # nothing new since record 4
    with app.database.connection() as conn, conn.transaction():
        audit.append(conn, {"event_type": "access_request.refused", "requester_id": "nobody", "details": {}})
    assert run(app, "audit", "verify") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("audit log OK: 5 records")
    assert lines[1].startswith("checkpoints: 1 verified with trusted keys; the latest at record 4")
    assert lines[2].startswith("checkpoint signed at record 5 by key ")

    assert run(app, "audit", "public-key") == 0
    assert "BEGIN PUBLIC KEY" in capsys.readouterr().out


def _key(app: Any) -> Any:
    from validators.audit_keys import load_signing_key

    return load_signing_key(app.settings.home / "audit" / "signing-key.pem")


def test_verify_reports_a_broken_chain_and_checkpoint_refuses_to_sign_it(app, capsys, fresh_database_url) -> None:  # type: ignore[no-untyped-def]
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("UPDATE audit_log SET payload = payload || ' ' WHERE seq = 2")
    assert run(app, "audit", "verify") == 1
    assert "audit log BROKEN at record 2: record 2 was altered" in capsys.readouterr().out
    assert run(app, "audit", "checkpoint", "--full") == 1
    assert "BROKEN at record 2" in capsys.readouterr().out


def test_verify_with_an_auditors_public_key_and_witness(app, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    witness = tmp_path / "witness.jsonl"
    assert run(app, "audit", "checkpoint", "--witness", str(witness)) == 0
    public = app.settings.home / "audit" / "signing-key.pub"
    capsys.readouterr()
    assert run(app, "audit", "verify", "--public-key", str(public), "--witness", str(witness),
               "--no-checkpoint") == 0
    assert "checkpoints: 1 verified with trusted keys" in capsys.readouterr().out
    assert len(witness.read_text().splitlines()) == 1


def test_query_prints_a_page_and_the_cursor_to_the_next(app, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(app, "audit", "query", "--limit", "2") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("#4 ") and "access_request.approved R-1003 requester=rui target=rui" in lines[0]
    assert "role=ldg/ldg-admin decision=APPROVED/APPROVED_BY_APPROVER decided_by=own channel=cli" in lines[0]
    # Why `own` could decide, and the comment, quoted.
    assert lines[0].endswith(' capacity="application owner" comment="the \\"Q3\\" close"')
    assert lines[1].startswith("#3 ") and lines[2].startswith("2 records; older ones with --cursor ")
    cursor = lines[2].rsplit(" ", 1)[1]
    assert run(app, "audit", "query", "--limit", "2", "--cursor", cursor, "--json") == 0
    page = json.loads(capsys.readouterr().out)
    assert [r["seq"] for r in page["records"]] == [2, 1] and page["next_cursor"] is None
    assert run(app, "audit", "query", "--approver", "own") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 record"
    assert run(app, "audit", "query", "--requester", "ana", "--since", "this-week", "--count") == 0
    assert capsys.readouterr().out.strip() == "2 records, about 2 access requests, 0 questions answered, 0 " \
                                              "clarifying questions, 0 refused attempts"
    assert run(app, "audit", "query", "--cursor", "garbage") == 2
    assert "cursor is not valid" in capsys.readouterr().err
    assert run(app, "audit", "query", "--since", "today", "--until", "yesterday") == 2
    assert "until is before since" in capsys.readouterr().err
    # Nobody by that name: refused, never "0 records"; the log's own ids still select.
    assert run(app, "audit", "query", "--user", "O'Nobody", "--count") == 2
    assert capsys.readouterr().err.strip() == ("askiam: invalid filter: user \"O'Nobody\": nobody by that id, email "
                                               "or name is known (in the directory or the audit log)")
    assert run(app, "audit", "report", "--app", "Nope") == 2
    assert "app 'Nope': no application by that id, name or alias is known" in capsys.readouterr().err


def test_export_writes_csv_to_a_file_and_jsonl_to_stdout(app, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "audit.csv"
    assert run(app, "audit", "export", "--format", "csv", "--decision", "approved", "--out", str(target)) == 0
    assert capsys.readouterr().out.strip() == f"exported 2 records (csv) to {target}"
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("seq,created_at,event_type") and len(lines) == 3
    assert run(app, "audit", "export", "--format", "jsonl", "--channel", "web") == 0
    captured = capsys.readouterr()
    assert [json.loads(line)["seq"] for line in captured.out.splitlines()] == [3, 2]
    assert "exported 2 records (jsonl)" in captured.err


def test_report_prints_the_sections_and_json(app, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(app, "audit", "report", "--since", "7d") == 0
    text = capsys.readouterr().out
    assert "outcomes: 3 access requests: 2 approved, 1 denied, 0 pending" in text
    assert "privileged grants: 1" in text and "rui got ldg/ldg-admin, approved by own" in text
    assert "SoD denials: 1" in text
    assert run(app, "audit", "report", "--json", "--bucket", "week") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["outcomes"]["approved"] == 2 and data["bucket"] == "week"


def test_a_key_or_witness_that_cannot_be_used_is_a_clear_error(app, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run(app, "audit", "verify", "--public-key", str(tmp_path / "missing.pem")) == 2
    assert "cannot read the public key" in capsys.readouterr().err
    not_a_key = tmp_path / "not-a-key.pem"
    not_a_key.write_text("hello\n")
    assert run(app, "audit", "verify", "--public-key", str(not_a_key)) == 2
    assert "not a PEM public key" in capsys.readouterr().err
    witness = tmp_path / "witness.jsonl"
    witness.write_text('{"seq": "many"}\n')
    assert run(app, "audit", "verify", "--witness", str(witness)) == 1
    message = capsys.readouterr().err
    assert f"{witness}:1: not a checkpoint: seq:" in message and "pydantic" not in message, message


def test_checkpoint_says_which_records_it_verified_and_when_nothing_new_was_signed(  # type: ignore[no-untyped-def]
        app, capsys, fresh_database_url) -> None:
    assert run(app, "audit", "checkpoint") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("checkpoint signed: record 4, head ") and lines[1] == "verified: the whole chain, " \
        "records 1 to 4"
    assert run(app, "audit", "checkpoint") == 0  # the head is signed already: nothing is signed again
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("nothing new to sign: the chain head, record 4, was signed already (key ")
    assert lines[1].startswith("verified: record 4; records before 4 were verified when the checkpoint at record 4 "
                               "was signed (")
    # An old record edited behind the checkpoint: the walk from the checkpoint does not see it, and says so.
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("UPDATE audit_log SET payload = replace(payload, 'SOD_CONFLICT', 'AUTO_APPROVED') WHERE seq = 2")
    with app.database.connection() as conn, conn.transaction():
        audit.append(conn, {"event_type": "access_request.refused", "requester_id": "nobody", "details": {}})
    assert run(app, "audit", "checkpoint") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("checkpoint signed: record 5, head ")
    assert lines[1].startswith("verified: records 4 to 5; records before 4 were verified when the checkpoint at "
                               "record 4 was signed (") and lines[1].endswith(
        "; `askiam audit verify` (or `audit checkpoint --full`) walks the whole chain")
    assert run(app, "audit", "checkpoint", "--full") == 1
    assert "BROKEN at record 2" in capsys.readouterr().out
