"""The pieces of `askiam bench` that need no database: options, sizes, percentiles, sampling, plan reading."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.bench_curve import parse_sizes, sample_bundle
from bot.bench_measure import percentile
from bot.bench_workers import _split
from bot.cli.main import parser
from validators.query_plans import Plan, numbered, read_plan


def test_defaults_are_the_issue_org_size() -> None:
    args = parser().parse_args(["bench"])
    assert (args.users, args.applications, args.roles, args.history, args.policies) == \
        (50_000, 200, 2000, 1_000_000, 500)
    assert args.concurrency == 8 and args.workers == "processes"
    assert args.curve == ""


def test_scaling_options() -> None:
    args = parser().parse_args(["bench", "--users", "300", "--apps", "12", "--history", "2000", "--curve", "",
                                "--workers", "threads", "--json"])
    assert (args.users, args.applications, args.history, args.curve, args.workers, args.json) == \
        (300, 12, 2000, "", "threads", True)


def test_curve_sizes_cannot_exceed_the_history(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli.bench import cmd_bench

    args = parser().parse_args(["bench", "--history", "1000", "--curve", "500,2000"])
    assert cmd_bench(None, args) == 2  # type: ignore[arg-type]
    assert "at most --history" in capsys.readouterr().err


def test_parse_sizes() -> None:
    assert parse_sizes("1e5, 1000,10_000,1000") == (1000, 10_000, 100_000)
    with pytest.raises(ValueError):
        parse_sizes("0,10")


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 51.0 and percentile(values, 0.95) == 95.0 and percentile(values, 1.0) == 100.0
    assert percentile([], 0.5) != percentile([], 0.5)  # NaN


def test_split_deals_every_item_once() -> None:
    parts = _split(list(range(10)), 3)
    assert sorted(v for part in parts for v in part) == list(range(10)) and len(parts) == 3


def test_sample_bundle_keeps_the_org_and_samples_the_history(tmp_path: Path) -> None:
    bundle = tmp_path / "org"
    (bundle / "policies").mkdir(parents=True)
    (bundle / "users.csv").write_text("user_id\nu1\n", encoding="utf-8")
    rows = [[f"req-{i}", "u1", "r1", "approved"] for i in range(50)]
    with open(bundle / "access_history.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["request_id", "user_id", "role_id", "decision"], *rows])
    out = tmp_path / "sampled"
    out.mkdir()
    assert sample_bundle(bundle, out, 20, seed=1) == 20
    kept = list(csv.reader((out / "access_history.csv").read_text(encoding="utf-8").splitlines()))
    assert kept[0] == ["request_id", "user_id", "role_id", "decision"] and len(kept) == 21
    assert all(row in rows for row in kept[1:]) and len({row[0] for row in kept[1:]}) == 20
    assert (out / "users.csv").read_text(encoding="utf-8") == "user_id\nu1\n" and (out / "policies").is_dir()


def test_read_plan_flags_only_large_full_scans() -> None:
    plan = {"Execution Time": 1.5, "Plan": {"Node Type": "Nested Loop", "Plans": [
        {"Node Type": "Index Scan", "Index Name": "users_pkey", "Relation Name": "users", "Actual Rows": 1},
        {"Node Type": "Seq Scan", "Relation Name": "catalog_meta", "Actual Rows": 1, "Actual Loops": 1},
        {"Node Type": "Seq Scan", "Relation Name": "access_history", "Actual Rows": 3,
         "Rows Removed by Filter": 99_997, "Actual Loops": 1},
        {"Node Type": "Seq Scan", "Relation Name": "vector_policy", "Actual Rows": 1500, "Actual Loops": 1},
    ]}}
    read = read_plan("SELECT 1", plan)
    assert read.indexes == ("users_pkey",)
    assert read.scans == ("access_history (100000 rows)", "vector_policy (1500 rows), by design")
    assert read.unexpected_scans == ("access_history (100000 rows)",)
    assert read.ms == 1.5


@pytest.mark.parametrize(("sql", "expected"), [
    ("SELECT 1", "SELECT 1"),
    ("SELECT * FROM t WHERE a = %s AND b = %s", "SELECT * FROM t WHERE a = $1 AND b = $2"),
    ("SELECT %(x)s, %(y)s, %(x)s", "SELECT $1, $2, $1"),
    ("SELECT '100%%' WHERE v LIKE %s", "SELECT '100%' WHERE v LIKE $1"),
    ("SELECT %(a_1)s::text[], %(b)s", "SELECT $1::text[], $2"),
])
def test_psycopg_placeholders_become_numbered_parameters(sql: str, expected: str) -> None:
    assert numbered(sql) == expected


def test_a_scan_in_the_generic_plan_is_unexpected_too() -> None:
    plan = Plan("SELECT 1", 0.1, ("users_pkey",), (), generic_scans=("role_stats (2000 rows)",
                                                                      "roles (2000 rows), by design"))
    assert plan.unexpected_scans == ("role_stats (2000 rows) in the generic plan",)
    assert plan.summary()["generic_plan_full_scans"] == ["role_stats (2000 rows)", "roles (2000 rows), by design"]
