"""`askiam bench` on a tiny org: the one JSON object it prints, its curve, and the audit chain after concurrent
worker processes. No timing is asserted: speed is measured by the command, not by the tests."""

from __future__ import annotations

import json
import math

import pytest

from bot.bench import BenchOptions, run_bench
from bot.demo.generator import OrgSize
from validators.audit import verify

pytestmark = pytest.mark.integration

REQUIRED = ("p50_ms", "p95_ms", "p99_ms", "throughput_rps", "concurrency", "rules_ms", "retrieval_ms", "decision_ms",
            "parallel_speedup", "index_records_per_s", "import_records_per_s", "cold_start_ms", "org", "curve",
            "plans")


def test_bench_reports_every_figure_and_the_curve(app_factory) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(rate_limit_per_minute=None)
    size = OrgSize(users=200, applications=8, roles=40, history=1500, policies=6, seed=5)
    options = BenchOptions(size=size, requests=12, warmup=3, concurrency=2, concurrent_requests=10,
                           curve=(300, 700), curve_requests=6)
    result = json.loads(json.dumps(run_bench(app, options)))

    assert all(key in result for key in REQUIRED), [key for key in REQUIRED if key not in result]
    assert result["org"] == {"users": 200, "applications": 8, "roles": 40, "history": 1500, "policies": 6}
    assert result["concurrency"] == 2 and result["concurrency_mode"] == "processes"
    for key in ("p50_ms", "p95_ms", "p99_ms", "throughput_rps", "rules_ms", "retrieval_ms", "decision_ms",
                "parallel_speedup", "index_records_per_s", "import_records_per_s", "cold_start_ms"):
        assert isinstance(result[key], int | float) and math.isfinite(result[key]) and result[key] > 0, key
    assert result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]
    assert set(result["cold_start"]) == {"lex.handler", "bot.api.handler", "interpreter_ms"}

    assert [point["history"] for point in result["curve"]] == [300, 700, 1500]
    for point in result["curve"]:
        assert point["requests"] > 0 and point["p50_ms"] <= point["p95_ms"]
    plans = result["plans"]
    assert plans["statements"] > 5 and isinstance(plans["all_indexed"], bool)
    assert plans["all_indexed"] == (plans["full_scans"] == []) and "read_whole_by_design" in plans
    assert any("vector_history" in item["sql"] for item in plans["detail"])

    # Every request of the run, from this process and the worker processes, linked into one intact chain.
    report = verify(app.database)
    assert report.ok and report.records > options.requests * 2 + options.concurrent_requests


def test_threads_mode_without_curve_or_plans(app_factory) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(rate_limit_per_minute=None)
    options = BenchOptions(size=OrgSize(users=150, applications=6, roles=30, history=800, policies=4, seed=2),
                           requests=6, warmup=2, concurrency=2, concurrent_requests=6, workers="threads",
                           plans=False)
    result = run_bench(app, options)
    assert result["concurrency_mode"] == "threads" and "curve" not in result and "plans" not in result
    assert result["throughput_rps"] > 0
