"""`askiam bench`: builds a synthetic org in a database of its own and measures requests through the service.

The figures are what this machine did in this run: one requester at a time (latency and where it goes), the same
with the three lookups one after the other (the parallel speed-up), N concurrent requesters, the cold start of the
Lambda handlers, the plans of the request's statements, and optionally the latency at several history sizes.
"""

from __future__ import annotations

import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.bench_measure import Run, measure
from bot.bootstrap import Application, ImportReport
from bot.demo.generator import OrgSize, generate_bundle

# Each concurrent worker warms up (catalog, pool, caches) with this many requests before the clock starts.
WORKER_WARMUP = 5
COLD_START_RUNS = 3


@dataclass(frozen=True)
class BenchOptions:
    size: OrgSize
    requests: int = 300
    warmup: int = 30
    concurrency: int = 8
    concurrent_requests: int = 800
    workers: str = "processes"
    curve: tuple[int, ...] = ()
    curve_requests: int = 100
    plans: bool = True


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


class _Pairs:
    """Hands out distinct request pairs, so that no request repeats one still pending from earlier in the run."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs
        self._next = 0

    def take(self, count: int) -> list[tuple[str, str]]:
        taken = self._pairs[self._next: self._next + count]
        self._next += count
        return taken


def _pairs_needed(options: BenchOptions) -> int:
    # Three passes of `requests`: in parallel, one after the other, and in parallel again when every processor was
    # busy during the first (see `_single`).
    return (options.warmup + 3 * options.requests + 1 + COLD_START_RUNS + options.concurrent_requests
            + options.concurrency * WORKER_WARMUP + len(options.curve) * (options.curve_requests + options.warmup))


def _import_figures(report: ImportReport, wall_s: float) -> dict[str, Any]:
    records = (report.users + report.applications + report.roles + report.grants + report.rules + report.history
               + report.policies)
    loading = report.seconds["validate"] + report.seconds["load"]
    return {
        "import_s": {**{key: round(value, 2) for key, value in report.seconds.items()}, "total": round(wall_s, 2)},
        "import_records": records,
        # Reading, validating and writing every row of the bundle (the history indexing is the next figure).
        "import_records_per_s": round(records / max(loading, 1e-9)),
        "index_records_per_s": round(report.indexed_history / max(report.seconds["index_history"], 1e-9)),
        "confidence_fit": {key: round(value, 4) for key, value in report.model_metrics.items()},
    }


def _timed_import(app: Application, folder: Path) -> tuple[ImportReport, float]:
    started = time.perf_counter()
    report = app.import_bundle(folder)
    return report, time.perf_counter() - started


def _single(app: Application, pairs: _Pairs, options: BenchOptions) -> tuple[dict[str, Any], Run]:
    for requester_id, text in pairs.take(options.warmup):
        app.service.handle(requester_id, text, channel="bench")
    # The same path with the checks and retrieval one after the other, on other requests of the same kind,
    # each pass starting with an empty query-embedding cache.
    run = measure(app.service, pairs.take(options.requests))
    sequential = measure(app.service.with_parallelism(False), pairs.take(options.requests))
    parts, sequential_parts = run.parts(), sequential.parts()
    sequential_latency = sequential.latency()
    figures: dict[str, Any] = {
        "requests": len(run.timings), "decisions": run.decisions, **run.latency(), **parts,
        "sequential_section_ms": sequential_parts.get("parallel_section_ms"),
        "sequential_p50_ms": sequential_latency["p50_ms"], "sequential_p95_ms": sequential_latency["p95_ms"],
        "single_requester_rps": round(len(run.timings) / run.wall_s, 1) if run.wall_s else None,
    }
    in_parallel = run.section_ms(parallel=True)
    if not in_parallel:  # every processor was busy, so `auto` ran the lookups one after the other: run them beside
        in_parallel = measure(app.service.with_parallelism(True), pairs.take(options.requests)).section_ms(
            parallel=True)
    if in_parallel and sequential_parts:
        figures["parallel_speedup"] = round(sequential_parts["parallel_section_ms"] / in_parallel, 2)
    return figures, run


def _plans(app: Application, pair: tuple[str, str]) -> dict[str, Any]:
    from bot.bootstrap import build  # noqa: PLC0415
    from validators.query_plans import RecordingDatabase, explain  # noqa: PLC0415

    probe = build(app.settings.model_copy(update={"database_url": app.database_url, "migrate_on_start": False}))
    try:
        recording = RecordingDatabase(probe.database)
        probe.__dict__["database"] = recording  # the adapters are built on first use, over this database
        probe.service.handle(pair[0], pair[1], channel="bench")
        plans = explain(probe.database, recording.statements)
    finally:
        probe.close()
    return {"statements": len(plans), "full_scans": [scan for plan in plans for scan in plan.unexpected_scans],
            "read_whole_by_design": [scan for plan in plans for scan in plan.scans
                                     if scan not in plan.unexpected_scans],
            "all_indexed": all(not plan.unexpected_scans for plan in plans),
            "detail": [plan.summary() for plan in plans]}


def _concurrent(app: Application, pairs: _Pairs, options: BenchOptions) -> dict[str, Any]:
    from bot.bench_workers import run_processes, run_threads  # noqa: PLC0415

    warm = pairs.take(options.concurrency * WORKER_WARMUP)
    work = pairs.take(options.concurrent_requests)
    if options.workers == "threads":
        for requester_id, text in warm:
            app.service.handle(requester_id, text, channel="bench")
        return run_threads(app, work, options.concurrency).summary()
    settings = app.settings.model_copy(update={"database_url": app.database_url})
    return run_processes(settings, warm, work, options.concurrency).summary()


def _cold_start(app: Application, pairs: _Pairs) -> dict[str, Any]:
    from bot.bench_cold import HANDLERS, cold_start, interpreter_ms  # noqa: PLC0415

    asks = pairs.take(COLD_START_RUNS)
    by_handler = {module: cold_start(app.database_url, module, asks) for module in HANDLERS}
    # The slower handler is the figure: either can be the first to start.
    worst = max(by_handler.values(), key=lambda figures: figures["cold_start_ms"])
    return {"cold_start_ms": worst["cold_start_ms"], "cold_first_request_ms": worst["first_request_ms"],
            "cold_start": {**by_handler, "interpreter_ms": interpreter_ms()}}


def _vacuum(database_url: str) -> float:
    """VACUUM ANALYZE the bench's own database (as its owner, outside any transaction); returns its seconds."""
    import psycopg  # noqa: PLC0415

    started = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    return time.perf_counter() - started


def _curve(app: Application, bundle: Path, pairs: _Pairs, options: BenchOptions, full: Run) -> list[dict[str, Any]]:
    from bot.bench_curve import measure_curve, point  # noqa: PLC0415

    def import_bundle(folder: Path) -> float:
        return _timed_import(app, folder)[1]

    def measure_size(size: int) -> Run:
        for requester_id, text in pairs.take(options.warmup):
            app.service.handle(requester_id, text, channel="bench")
        return measure(app.service, pairs.take(options.curve_requests))

    def settle() -> float:
        return _vacuum(app.database_url)

    smaller = [size for size in options.curve if size < options.size.history]
    points = measure_curve(bundle, smaller, options.size.seed, import_bundle, measure_size, settle)
    return [*points, point(options.size.history, full)]


def run_bench(app: Application, options: BenchOptions) -> dict[str, Any]:
    """Generate, import, warm up, then measure; the figures are what this machine did in this run."""
    size = options.size
    result: dict[str, Any] = {"org": {"users": size.users, "applications": size.applications, "roles": size.roles,
                                      "history": size.history, "policies": size.policies}}
    with tempfile.TemporaryDirectory(prefix="askiam-bench-") as folder:
        bundle = Path(folder)
        started = time.perf_counter()
        generate_bundle(bundle, size)
        result["generate_s"] = round(time.perf_counter() - started, 2)
        result.update(_import_figures(*_timed_import(app, bundle)))
        # Measured on a settled database (as every point of the curve): not while autovacuum catches up.
        result["vacuum_s"] = round(_vacuum(app.database_url), 2)
        pairs = _Pairs(_requests(app, _pairs_needed(options), seed=size.seed))
        figures, full = _single(app, pairs, options)
        result.update(figures)
        if options.plans:
            result["plans"] = _plans(app, pairs.take(1)[0])
        result.update(_concurrent(app, pairs, options))
        result.update(_cold_start(app, pairs))
        if options.curve:
            result["curve"] = _curve(app, bundle, pairs, options, full)
    return result
