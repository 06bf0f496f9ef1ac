"""`askiam bench`: builds a synthetic org in a database of its own and measures requests through the service."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.bootstrap import Application
from bot.demo.generator import OrgSize, generate_bundle
from bot.service import AccessRequestService, Timings


@dataclass(frozen=True)
class BenchOptions:
    size: OrgSize
    requests: int = 300
    warmup: int = 30
    concurrency: int = 4


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def _requests(app: Application, count: int, seed: int) -> list[tuple[str, str]]:
    """Distinct (requester, text) pairs: active people asking for a role they do not hold, by its plain name."""
    catalog = app.service.vocabulary().catalog
    with app.database.connection() as conn:
        people = [row["user_id"] for row in conn.execute(
            "SELECT user_id FROM users WHERE status = 'active' ORDER BY user_id").fetchall()]
    rng = random.Random(seed)
    roles = sorted(catalog.roles.values(), key=lambda role: role.role_id)
    seen: set[tuple[str, str]] = set()
    pairs: list[tuple[str, str]] = []
    while len(pairs) < count and len(seen) < len(people) * len(roles):
        person, role = rng.choice(people), rng.choice(roles)
        if (person, role.role_id) in seen:
            continue
        seen.add((person, role.role_id))
        app_name = catalog.applications[role.app_id].name
        pairs.append((person, f"I need the {role.name} role in {app_name}"))
    return pairs


def _measure(service: AccessRequestService, pairs: list[tuple[str, str]]) -> tuple[list[Timings], dict[str, int]]:
    service.ports.policies.clear_cache()
    timings: list[Timings] = []
    decisions: dict[str, int] = {}
    for requester_id, text in pairs:
        turn = service.handle(requester_id, text, channel="bench")
        if turn.timings.parallel_ms:
            timings.append(turn.timings)
        decisions[turn.outcome.decision.value] = decisions.get(turn.outcome.decision.value, 0) + 1
    return timings, decisions


_COLD_START = """
import time
started = time.perf_counter()
import {module}
from bot.bootstrap import build
app = build()
app.service.vocabulary()
sys.stdout.write(str((time.perf_counter() - started) * 1000))
app.close()
"""


def cold_start_ms(app: Application, module: str, runs: int = 3) -> float:
    """Import a Lambda handler module and build the application against the bench database in a fresh process:
    the work a Lambda does on its first request before the request itself (median of `runs`)."""
    env = {**os.environ, "ASKIAM_DATABASE_URL": app.database_url, "ASKIAM_ENV": "aws"}
    timings = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", "import sys" + _COLD_START.format(module=module)],
                              capture_output=True, text=True, env=env, timeout=120, check=True)
        timings.append(float(done.stdout.strip().splitlines()[-1]))
    return round(statistics.median(timings), 1)


def run_bench(app: Application, options: BenchOptions) -> dict[str, Any]:
    """Generate, import, warm up, then measure; the figures are what this machine did in this run."""
    result: dict[str, Any] = {"org": {"users": options.size.users, "applications": options.size.applications,
                                      "roles": options.size.roles, "history": options.size.history,
                                      "policies": options.size.policies}}
    with tempfile.TemporaryDirectory(prefix="askiam-bench-") as folder:
        started = time.perf_counter()
        generate_bundle(Path(folder), options.size)
        result["generate_s"] = round(time.perf_counter() - started, 2)
        report = app.import_bundle(Path(folder))
    result["import_s"] = {key: round(value, 2) for key, value in report.seconds.items()}
    result["index_records_per_s"] = round(report.indexed_history / max(report.seconds["index_history"], 1e-9))
    result["confidence_fit"] = {key: round(value, 4) for key, value in report.model_metrics.items()}

    total = options.warmup + options.requests * 3
    pairs = _requests(app, total, seed=options.size.seed)
    warm = pairs[: options.warmup]
    measured = pairs[options.warmup: options.warmup + options.requests]
    baseline = pairs[options.warmup + options.requests: options.warmup + 2 * options.requests]
    concurrent = pairs[options.warmup + 2 * options.requests:]
    for requester_id, text in warm:
        app.service.handle(requester_id, text, channel="bench")
    # The same path with the checks and retrieval one after the other, on other requests of the same kind,
    # each pass starting with an empty query-embedding cache.
    timings, decisions = _measure(app.service, measured)
    sequential, _ = _measure(app.service.with_parallelism(False), baseline)
    totals = [t.total_ms for t in timings]
    result.update({
        "requests": len(timings),
        "decisions": decisions,
        "p50_ms": round(_percentile(totals, 0.50), 2),
        "p95_ms": round(_percentile(totals, 0.95), 2),
        "p99_ms": round(_percentile(totals, 0.99), 2),
        "rules_ms": round(statistics.mean(t.rules_ms for t in timings), 2),
        "retrieval_ms": round(statistics.mean(t.retrieval_ms for t in timings), 2),
        "parallel_section_ms": round(statistics.mean(t.parallel_ms for t in timings), 2),
        "sequential_section_ms": round(statistics.mean(t.parallel_ms for t in sequential), 2),
        "sequential_p50_ms": round(_percentile([t.total_ms for t in sequential], 0.50), 2),
        "sequential_p95_ms": round(_percentile([t.total_ms for t in sequential], 0.95), 2),
    })
    result["parallel_speedup"] = round(result["sequential_section_ms"] / result["parallel_section_ms"], 2)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=options.concurrency) as pool:
        list(pool.map(lambda pair: app.service.handle(pair[0], pair[1], channel="bench"), concurrent))
    wall = time.perf_counter() - started
    result["concurrency"] = options.concurrency
    result["throughput_rps"] = round(len(concurrent) / wall, 1) if concurrent else None
    result["cold_start_ms"] = cold_start_ms(app, "lex.handler")
    return result
