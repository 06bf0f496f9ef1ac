"""The `askiam` command as a person runs it: a real process, real PostgreSQL, output and exit codes."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

from tests.fakes.bundles import rules_org

pytestmark = pytest.mark.integration


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli.main", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=180, cwd=Path(__file__).resolve().parents[2])


@pytest.fixture
def env(fresh_database_url: str, tmp_path: Path) -> dict[str, str]:
    environment = {**os.environ, "ASKIAM_DATABASE_URL": fresh_database_url, "ASKIAM_HOME": str(tmp_path / "home")}
    result = run(["import", str(rules_org(tmp_path / "org"))], environment)
    assert result.returncode == 0, result.stderr
    assert "imported" in result.stdout and "approval confidence fitted" in result.stdout
    return environment


def test_ask_json_prints_one_object_with_the_documented_fields(env: dict[str, str]) -> None:
    result = run(["ask", "--as", "ana", "I need the approver role in Ledgerly", "--json"], env)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert set(outcome) == {"request_id", "decision", "reason", "user_id", "app_id", "role_id", "confidence",
                            "checks", "evidence", "message", "access_until"}
    assert (outcome["decision"], outcome["reason"]) == ("DENIED", "SOD_CONFLICT")
    assert len(outcome["checks"]) == 6
    # The requester's id typed in another case is the directory's: the same person, the same answer.
    shouted = run(["ask", "--as", "ANA", "I need the approver role in Ledgerly", "--json"], env)
    assert shouted.returncode == 0, shouted.stderr
    assert (json.loads(shouted.stdout)["user_id"], json.loads(shouted.stdout)["reason"]) == ("ana", "SOD_CONFLICT")
    # and by the email address only she has
    mailed = run(["ask", "--as", "Ana@corp.test", "I need the approver role in Ledgerly", "--json"], env)
    assert mailed.returncode == 0, mailed.stderr
    assert json.loads(mailed.stdout)["reason"] == "SOD_CONFLICT"
    assert run(["ask", "--as", "nobody@corp.test", "I need Viewer in Ledgerly"], env).returncode == 4


def test_ask_jsonl_answers_every_line_in_order_and_a_bad_line_gets_an_error_object(env: dict[str, str]) -> None:
    lines = "\n".join([
        json.dumps({"as": "ana", "text": "I need Editor in WikiWiki"}),
        "{not json",
        json.dumps({"as": "nobody", "text": "I need Editor in WikiWiki"}),
        json.dumps({"as": "ana", "text": 42}),
        "",
        '{"as": "ana", "text": "I need Viewer in WikiWiki", "as": "rui"}',
        json.dumps({"as": "ana", "text": "I need Viewer in WikiWiki", "until": "friday"}),
        json.dumps({"as": "rui", "text": "Viewer in WikiWiki please"}),
    ])
    result = run(["ask", "--jsonl", "-"], env, stdin=lines)
    assert result.returncode == 1 and "6 line(s) were errors" in result.stderr, result.stderr  # every line answered
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == 8  # one to one with the lines read, the blank one included
    assert answers[0]["user_id"] == "ana" and answers[7]["user_id"] == "rui"
    assert answers[1]["error"]["code"] == "INVALID_JSON" and answers[1]["line"] == 2
    assert answers[2]["error"]["code"] == "REQUESTER_NOT_ALLOWED"
    assert answers[3]["error"]["code"] == "INVALID_REQUEST"
    assert (answers[4]["error"]["code"], answers[4]["line"]) == ("INVALID_JSON", 5)
    # A requester given twice is never read as whichever came last; a field the line cannot have is refused.
    assert [answers[n]["error"]["code"] for n in (5, 6)] == ["INVALID_REQUEST", "INVALID_REQUEST"]


def test_errors_are_one_clear_line_with_an_exit_code_and_no_traceback(env: dict[str, str], tmp_path: Path) -> None:
    refused = run(["ask", "--as", "nobody", "I need Editor in WikiWiki"], env)
    assert refused.returncode == 4 and "refused" in refused.stderr and "Traceback" not in refused.stderr
    as_json = run(["ask", "--as", "nobody", "I need Editor in WikiWiki", "--json"], env)
    assert as_json.returncode == 4 and json.loads(as_json.stdout)["error"]["code"] == "REQUESTER_NOT_ALLOWED"
    both = run(["ask", "--as", "ana", "--jsonl", "-", "I need Editor in WikiWiki"], env, stdin="")
    assert both.returncode == 2 and "either --jsonl" in both.stderr and both.stdout == ""
    empty = run(["ask", "--as", "ana", "   "], env)
    assert empty.returncode == 2 and "empty" in empty.stderr
    for port in ("99999", "-1", "abc"):
        no_port = run(["serve", "--port", port], env)
        assert no_port.returncode == 2 and "invalid port" in no_port.stderr and "Traceback" not in no_port.stderr
    broken = rules_org(tmp_path / "broken")
    (broken / "users.csv").write_text((broken / "users.csv").read_text().replace("ana@corp.test", "ana-at-corp"))
    failed = run(["import", str(broken)], env)
    assert failed.returncode == 2 and "users.csv:3: email" in failed.stderr and "Traceback" not in failed.stderr
    down = run(["ask", "--as", "ana", "hi"], {**env, "ASKIAM_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert down.returncode == 3 and "try again" in down.stderr and "Traceback" not in down.stderr


def test_chat_continues_a_request_across_turns(env: dict[str, str]) -> None:
    result = run(["chat", "--as", "boss"], env, stdin="Pat Rivera needs Editor in WikiWiki\n2\nquit\n")
    assert result.returncode == 0, result.stderr
    assert "Which one do you mean?" in result.stdout
    assert "Pat Rivera" in result.stdout.split("Which one do you mean?")[1]
    assert "[PENDING_APPROVAL]" in result.stdout or "[APPROVED]" in result.stdout


def test_audit_verify_and_db_url(env: dict[str, str]) -> None:
    run(["ask", "--as", "ana", "I need Editor in WikiWiki"], env)
    verified = run(["audit", "verify"], env)
    assert verified.returncode == 0 and "audit log OK" in verified.stdout
    url = run(["db", "url"], env)
    assert url.stdout.strip() == env["ASKIAM_DATABASE_URL"]
    assert url.stderr == ""  # a database of one's own stays up without the command
    counted = run(["db", "psql", "--", "-tA", "-c", "SELECT count(*) FROM audit_log"], env)
    assert counted.returncode == 0 and int(counted.stdout) >= 1


def test_the_embedded_default_starts_its_own_postgresql(tmp_path: Path) -> None:
    home = Path(tempfile.mkdtemp(prefix="askiam-cli-home-"))
    home.chmod(0o755)
    try:
        environment = {k: v for k, v in os.environ.items() if k != "ASKIAM_DATABASE_URL"}
        environment["ASKIAM_HOME"] = str(home)
        assert run(["import", str(rules_org(tmp_path / "org"))], environment).returncode == 0
        url = run(["db", "url"], environment)
        assert url.stdout.strip().startswith("postgresql://") and str(home) in url.stdout
        assert "askiam db psql" in url.stderr  # the server stops with the command: the way to a shell is named
        shell = run(["db", "psql", "-tA", "-c", "SELECT count(*) FROM users"], environment)
        assert shell.returncode == 0 and int(shell.stdout) == len(
            (tmp_path / "org" / "users.csv").read_text().splitlines()) - 1
        failed = run(["db", "psql", "-c", "SELECT no_such_column FROM users"], environment)
        assert failed.returncode != 0 and "no_such_column" in failed.stderr
        answer = run(["ask", "--as", "ana", "I need the approver role in Ledgerly", "--json"], environment)
        assert json.loads(answer.stdout)["reason"] == "SOD_CONFLICT"
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_serve_stopped_with_sigterm_stops_its_embedded_postgresql(tmp_path: Path) -> None:
    home = Path(tempfile.mkdtemp(prefix="askiam-cli-home-"))
    home.chmod(0o755)
    environment = {k: v for k, v in os.environ.items() if k != "ASKIAM_DATABASE_URL"}
    environment["ASKIAM_HOME"] = str(home)
    try:
        assert run(["import", str(rules_org(tmp_path / "org"))], environment).returncode == 0
        server = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "serve", "--port", "0"], env=environment,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  cwd=Path(__file__).resolve().parents[2])
        try:
            assert server.stdout is not None
            assert "AskIAM is listening" in server.stdout.readline()
            assert (home / "pgdata" / "postmaster.pid").exists()  # the embedded server runs
            server.terminate()  # SIGTERM, as `kill` sends
            assert server.wait(timeout=60) == 0
        finally:
            if server.poll() is None:
                server.kill()
        assert not (home / "pgdata" / "postmaster.pid").exists()  # and was stopped with the command
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_a_command_after_a_killed_server_still_stops_the_embedded_postgresql(tmp_path: Path) -> None:
    home = Path(tempfile.mkdtemp(prefix="askiam-cli-home-"))
    home.chmod(0o755)
    environment = {k: v for k, v in os.environ.items() if k != "ASKIAM_DATABASE_URL"}
    environment["ASKIAM_HOME"] = str(home)
    try:
        assert run(["import", str(rules_org(tmp_path / "org"))], environment).returncode == 0
        server = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "serve", "--port", "0"], env=environment,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  cwd=Path(__file__).resolve().parents[2])
        try:
            assert server.stdout is not None
            assert "AskIAM is listening" in server.stdout.readline()
            server.kill()  # SIGKILL: no clean-up runs, the embedded server is left behind
            server.wait(timeout=60)
        finally:
            if server.poll() is None:
                server.kill()
        assert (home / "pgdata" / "postmaster.pid").exists()
        verified = run(["audit", "verify"], environment)  # the next command joins the server left behind
        assert verified.returncode == 0, verified.stderr
        assert not (home / "pgdata" / "postmaster.pid").exists()  # and, the last one on it, stops it
    finally:
        _stop_embedded(home)
        shutil.rmtree(home, ignore_errors=True)


def _stop_embedded(home: Path) -> None:
    """Stop a server a failed test may have left running (SIGQUIT to the postmaster: immediate shutdown)."""
    pid_file = home / "pgdata" / "postmaster.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGQUIT)


def test_a_path_that_cannot_be_used_is_a_usage_error(env: dict[str, str], tmp_path: Path) -> None:
    missing = run(["ask", "--jsonl", str(tmp_path / "nowhere.jsonl")], env)
    assert (missing.returncode, missing.stdout) == (2, "")
    assert "nowhere.jsonl" in missing.stderr and "unexpected" not in missing.stderr
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    export = run(["audit", "export", "--format", "csv", "--out", str(blocked / "x.csv")], env)
    assert export.returncode == 2 and "unexpected" not in export.stderr, export.stderr


def test_a_reader_that_stops_early_is_not_an_error(env: dict[str, str]) -> None:
    lines = "".join(json.dumps({"as": "ana", "text": "I need the approver role in Ledgerly"}) + "\n"
                    for _ in range(300))  # far more output than a pipe holds
    command = f"{sys.executable} -m bot.cli.main ask --jsonl - | head -n 1"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], input=lines, capture_output=True, text=True,
                            env=env, timeout=300, cwd=Path(__file__).resolve().parents[2])
    assert json.loads(result.stdout)["reason"] == "SOD_CONFLICT"
    assert result.stderr == "" and result.returncode == 0


def test_an_unknown_decision_or_reason_filter_is_a_usage_error(env: dict[str, str]) -> None:
    for option, value in (("--decision", "BOGUS"), ("--reason", "sod_conflit")):
        result = run(["audit", "query", option, value], env)
        assert result.returncode == 2 and "unknown" in result.stderr and "Value error" not in result.stderr, option
    assert run(["audit", "query", "--reason", "sod_conflict", "--count"], env).returncode == 0


def test_the_demo_never_replaces_an_imported_org_unless_reset(env: dict[str, str]) -> None:
    def source() -> tuple[str, int]:
        with psycopg.connect(env["ASKIAM_DATABASE_URL"]) as conn:
            row = conn.execute("SELECT source, version FROM catalog_meta WHERE id = 1").fetchone()
        assert row is not None
        return str(row[0]), int(row[1])

    before = source()
    refused = run(["demo", "--no-chat"], env)
    assert refused.returncode == 2 and "--reset" in refused.stderr and "Traceback" not in refused.stderr
    assert source() == before
    reset = run(["demo", "--reset", "--no-chat"], env)
    assert reset.returncode == 0, reset.stderr
    assert source()[0].endswith("demo-org") and source()[1] == before[1] + 1
    again = run(["demo", "--no-chat"], env)  # the demo org itself is simply used again
    assert again.returncode == 0 and source()[1] == before[1] + 1, again.stderr


def test_a_port_in_use_or_a_malformed_database_url_is_a_clear_usage_error(env: dict[str, str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        served = run(["serve", "--port", str(port)], env)
    assert served.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in served.stderr, served.stderr
    no_host = run(["serve", "--host", "256.1.1.1", "--port", "0"], env)
    assert no_host.returncode == 2 and "'256.1.1.1' is not an address" in no_host.stderr, no_host.stderr
    assert "Traceback" not in no_host.stderr and "unexpected error" not in no_host.stderr
    malformed = run(["ask", "--as", "ana", "I need Viewer in WikiWiki"], {**env, "ASKIAM_DATABASE_URL": "not a url"})
    assert malformed.returncode == 2 and "ASKIAM_DATABASE_URL: not a PostgreSQL connection string" in malformed.stderr


def test_db_url_prints_the_configured_url_without_connecting(env: dict[str, str]) -> None:
    unreachable = "postgresql://nobody@127.0.0.1:1/nothing"
    printed = run(["db", "url"], {**env, "ASKIAM_DATABASE_URL": unreachable})
    assert printed.returncode == 0 and printed.stdout.strip() == unreachable, printed.stderr


def test_a_password_in_the_database_url_is_used_but_never_printed(env: dict[str, str]) -> None:
    parts = psycopg.conninfo.conninfo_to_dict(env["ASKIAM_DATABASE_URL"])
    with_password = psycopg.conninfo.make_conninfo("", **{**parts, "password": "not-shown-7"})
    settings = {**env, "ASKIAM_DATABASE_URL": with_password}
    printed = run(["db", "url"], settings)
    assert printed.returncode == 0 and "not-shown-7" not in printed.stdout + printed.stderr, printed.stdout
    asked = run(["ask", "--as", "ana", "I need Viewer in WikiWiki"], settings)
    assert asked.returncode == 0 and "not-shown-7" not in asked.stdout + asked.stderr, asked.stderr


def test_events_publish_appends_each_event_once_and_refuses_a_path_it_cannot_write(env: dict[str, str],
                                                                                  tmp_path: Path) -> None:
    assert run(["ask", "--as", "ana", "I need Viewer in WikiWiki"], env).returncode == 0
    events = tmp_path / "out" / "events.jsonl"
    first = run(["events", "publish", "--to", str(events)], env)
    assert first.returncode == 0, first.stderr
    published = [json.loads(line) for line in events.read_text().splitlines()]
    assert len(published) >= 1 and f"published {len(published)} event(s)" in first.stdout
    assert run(["events", "publish", "--to", str(events)], env).stdout.startswith("published 0 event(s)")
    assert len(events.read_text().splitlines()) == len(published)
    refused = run(["events", "publish", "--to", "/proc/no-such-dir/events.jsonl"], env)
    assert refused.returncode == 2 and "/proc/no-such-dir" in refused.stderr and "Traceback" not in refused.stderr
