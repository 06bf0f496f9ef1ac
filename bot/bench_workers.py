"""Concurrent requesters for `askiam bench`: N worker processes (each its own service, pool and connections, as
each concurrent Lambda invocation is) or N threads sharing one service (bounded by the GIL).

Each worker warms up, waits at a barrier, then asks its share; throughput is every answered request over the time
from the first start to the last finish.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bot.bench_measure import percentile
from bot.bootstrap import Application, build
from bot.settings import Settings

# Connections each worker process may open: the rules, confidence and policy lookups run at once.
WORKER_POOL_SIZE = 4


@dataclass(frozen=True)
class WorkerResult:
    latencies_ms: list[float]
    started: float
    finished: float
    in_parallel: int = 0  # requests whose lookups ran on threads of their own


@dataclass(frozen=True)
class ConcurrentRun:
    mode: str
    concurrency: int
    requests: int
    wall_s: float
    latencies_ms: list[float]
    in_parallel: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "concurrency": self.concurrency,
            "concurrency_mode": self.mode,
            "throughput_rps": round(self.requests / self.wall_s, 1) if self.wall_s else None,
            "concurrent_p50_ms": round(percentile(self.latencies_ms, 0.50), 2),
            "concurrent_p95_ms": round(percentile(self.latencies_ms, 0.95), 2),
            "concurrent_lookups_in_parallel_share": round(self.in_parallel / self.requests, 3) if self.requests
            else None,
        }


def _ask_all(app: Application, pairs: Sequence[tuple[str, str]]) -> tuple[list[float], int]:
    """The latency of each request, and how many ran their lookups in parallel."""
    latencies, in_parallel = [], 0
    for requester_id, text in pairs:
        started = time.perf_counter()
        turn = app.service.handle(requester_id, text, channel="bench")
        latencies.append((time.perf_counter() - started) * 1000)
        in_parallel += turn.timings.parallel
    return latencies, in_parallel


def _worker(settings: Settings, warm: list[tuple[str, str]], pairs: list[tuple[str, str]], barrier: Any,
            results: Any) -> None:
    app = build(settings)
    try:
        _ask_all(app, warm)
        barrier.wait()
        started = time.monotonic()
        latencies, in_parallel = _ask_all(app, pairs)
        results.put(WorkerResult(latencies, started, time.monotonic(), in_parallel))
    finally:
        app.close()


def _split(items: Sequence[Any], parts: int) -> list[list[Any]]:
    return [list(items[index::parts]) for index in range(parts)]


def run_processes(settings: Settings, warm: Sequence[tuple[str, str]], pairs: Sequence[tuple[str, str]],
                  concurrency: int, timeout_s: float = 900.0) -> ConcurrentRun:
    """`concurrency` fresh processes against the database of `settings` (which must name it by URL)."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(concurrency)
    results = context.Queue()
    worker_settings = settings.model_copy(update={"pool_size": WORKER_POOL_SIZE, "migrate_on_start": False})
    processes = [context.Process(target=_worker, args=(worker_settings, warm_part, part, barrier, results))
                 for warm_part, part in zip(_split(warm, concurrency), _split(pairs, concurrency), strict=True)]
    for process in processes:
        process.start()
    done: list[WorkerResult] = []
    try:
        for _ in processes:
            done.append(results.get(timeout=timeout_s))
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
    wall = max(r.finished for r in done) - min(r.started for r in done)
    latencies = [value for r in done for value in r.latencies_ms]
    return ConcurrentRun("processes", concurrency, len(latencies), wall, latencies, sum(r.in_parallel for r in done))


def run_threads(app: Application, pairs: Sequence[tuple[str, str]], concurrency: int) -> ConcurrentRun:
    """`concurrency` threads sharing this process's service."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        parts = list(pool.map(lambda part: _ask_all(app, part), _split(pairs, concurrency)))
    wall = time.perf_counter() - started
    latencies = [value for part, _ in parts for value in part]
    return ConcurrentRun("threads", concurrency, len(latencies), wall, latencies, sum(count for _, count in parts))
