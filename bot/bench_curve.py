"""The latency curve of `askiam bench --curve`: the same org imported with samples of its access history of
several sizes, and requests measured one at a time after each import."""

from __future__ import annotations

import csv
import random
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.bench_measure import Run

HISTORY_FILE = "access_history.csv"


def parse_sizes(text: str) -> tuple[int, ...]:
    """"1000,10000,1e5" -> (1000, 10000, 100000): positive, distinct, ascending."""
    sizes = sorted({int(float(part)) for part in text.replace("_", "").split(",") if part.strip()})
    if any(size <= 0 for size in sizes):
        raise ValueError("history sizes must be positive")
    return tuple(sizes)


def sample_bundle(bundle: Path, folder: Path, history: int, seed: int) -> int:
    """A copy of `bundle` (linked, not copied) whose access history is a uniform sample of `history` rows."""
    for entry in bundle.iterdir():
        if entry.name != HISTORY_FILE:
            (folder / entry.name).symlink_to(entry.resolve())
    with open(bundle / HISTORY_FILE, newline="", encoding="utf-8") as source:
        reader = csv.reader(source)
        header = next(reader)
        rows = list(reader)
    kept = sorted(random.Random(seed).sample(range(len(rows)), min(history, len(rows))))
    with open(folder / HISTORY_FILE, "w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(header)
        writer.writerows(rows[index] for index in kept)
    return len(kept)


def point(history: int, run: Run, import_s: float | None = None, vacuum_s: float | None = None) -> dict[str, Any]:
    latency = run.latency()
    parts = run.parts()
    return {"history": history, "requests": len(run.timings), "p50_ms": latency["p50_ms"],
            "p95_ms": latency["p95_ms"], "rules_ms": parts.get("rules_ms"),
            "retrieval_ms": parts.get("retrieval_ms"), "decision_ms": parts.get("decision_ms"),
            **({"import_s": round(import_s, 2)} if import_s is not None else {}),
            **({"vacuum_s": round(vacuum_s, 2)} if vacuum_s is not None else {})}


def measure_curve(bundle: Path, sizes: Sequence[int], seed: int, import_bundle: Callable[[Path], float],
                  measure: Callable[[int], Run], settle: Callable[[], float] | None = None) -> list[dict[str, Any]]:
    """For each size: import the sampled bundle (`import_bundle` returns its seconds), then `measure(size)`.

    Each import replaces the previous one's rows; `settle` (returning its seconds) cleans them up before the
    measurement, so that each point is the steady state of its size rather than autovacuum catching up."""
    points = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="askiam-bench-curve-") as folder:
            kept = sample_bundle(bundle, Path(folder), size, seed)
            seconds = import_bundle(Path(folder))
        vacuum_s = settle() if settle is not None else None
        points.append(point(kept, measure(size), seconds, vacuum_s))
    return points
