"""`askiam index rebuild`: the vector indexes re-ingested from PostgreSQL, with progress, as a person runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from bot.demo.generator import OrgSize, generate_bundle

pytestmark = pytest.mark.integration

HISTORY = 45_000


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli.main", *args], capture_output=True, text=True, env=env,
                          timeout=600, cwd=Path(__file__).resolve().parents[2])


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
                for table in ("access_history", "vector_history", "vector_policy", "vector_policy_query")}


def test_rebuild_restores_emptied_indexes_and_reports_progress(fresh_database_url: str, tmp_path: Path) -> None:
    org = generate_bundle(tmp_path / "org", OrgSize(users=300, applications=6, roles=30, history=HISTORY, seed=4))
    env = {**os.environ, "ASKIAM_DATABASE_URL": fresh_database_url, "ASKIAM_HOME": str(tmp_path / "home")}
    assert run(["import", str(org.folder)], env).returncode == 0
    imported = counts(fresh_database_url)
    assert imported["access_history"] == imported["vector_history"] == HISTORY
    assert imported["vector_policy"] > 0 and imported["vector_policy_query"] > 0
    with psycopg.connect(fresh_database_url) as conn:
        conn.execute("DELETE FROM vector_history")
        conn.execute("DELETE FROM vector_policy")
        conn.execute("DELETE FROM vector_policy_query")

    result = run(["index", "rebuild"], env)
    assert result.returncode == 0, result.stderr
    assert counts(fresh_database_url) == imported
    assert f"{HISTORY:,} past decisions" in result.stdout and "policy passages" in result.stdout
    # Not a terminal: a line each tenth of the way (batches of 20,000: 44%, 88%, 100%), never thousands.
    history_lines = [line for line in result.stderr.splitlines() if line.startswith("past decisions [")]
    assert 2 <= len(history_lines) <= 11 and history_lines[-1].count("#") == 30
    assert f"{HISTORY:,}/{HISTORY:,}" in history_lines[-1]
    assert any(line.startswith("policy passages [") and " 100% " in line for line in result.stderr.splitlines())


def test_rebuild_of_one_index_leaves_the_other_alone(fresh_database_url: str, tmp_path: Path) -> None:
    org = generate_bundle(tmp_path / "org", OrgSize(users=120, applications=4, roles=24, history=2000, seed=6))
    env = {**os.environ, "ASKIAM_DATABASE_URL": fresh_database_url, "ASKIAM_HOME": str(tmp_path / "home")}
    assert run(["import", str(org.folder)], env).returncode == 0
    with psycopg.connect(fresh_database_url) as conn:
        conn.execute("DELETE FROM vector_history")
        conn.execute("DELETE FROM vector_policy")
    result = run(["index", "rebuild", "--only", "policies"], env)
    assert result.returncode == 0, result.stderr
    after = counts(fresh_database_url)
    assert after["vector_history"] == 0 and after["vector_policy"] > 0
    assert "past decisions" not in result.stdout + result.stderr
    assert run(["index", "rebuild", "--only", "nothing"], env).returncode == 2
