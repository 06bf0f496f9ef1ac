"""Measuring requests one at a time through the service, and summarising what was measured."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.service import AccessRequestService, Timings


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank value at `share` (0..1) of the sorted values; NaN for none."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Run:
    """The timings of the decided requests of one run (a repeat of a pending request is not one), its decisions
    and its wall time."""

    timings: list[Timings] = field(default_factory=list)
    decisions: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0

    @property
    def totals(self) -> list[float]:
        return [t.total_ms for t in self.timings]

    def latency(self) -> dict[str, float]:
        totals = self.totals
        return {"p50_ms": round(percentile(totals, 0.50), 2), "p95_ms": round(percentile(totals, 0.95), 2),
                "p99_ms": round(percentile(totals, 0.99), 2),
                "mean_ms": round(statistics.mean(totals), 2) if totals else float("nan")}

    def parts(self) -> dict[str, float]:
        """Mean time of each part of a request: the three lookups, the decision and the rest (understanding)."""
        if not self.timings:
            return {}

        def mean(values: list[float]) -> float:
            return round(statistics.mean(values), 2)

        return {
            "rules_ms": mean([t.rules_ms for t in self.timings]),
            "retrieval_ms": mean([t.retrieval_ms for t in self.timings]),
            "parallel_section_ms": mean([t.parallel_ms for t in self.timings]),
            "decision_ms": mean([t.decision_ms for t in self.timings]),
            "write_ms": mean([t.write_ms for t in self.timings]),
            "understanding_and_rest_ms": mean([t.total_ms - t.parallel_ms - t.decision_ms for t in self.timings]),
            # ASKIAM_PARALLEL_LOOKUPS=auto runs them one after the other while every processor is busy.
            "lookups_in_parallel_share": round(sum(t.parallel for t in self.timings) / len(self.timings), 3),
        }

    def section_ms(self, *, parallel: bool) -> float | None:
        """Mean time of the three lookups over the requests that ran them in parallel (or one after the other)."""
        sections = [t.parallel_ms for t in self.timings if t.parallel == parallel]
        return round(statistics.mean(sections), 2) if sections else None


def measure(service: AccessRequestService, pairs: Sequence[tuple[str, str]]) -> Run:
    """Ask every (requester, text) in turn, warm, starting with an empty query-embedding cache."""
    service.ports.policies.clear_cache()
    run = Run()
    started = time.perf_counter()
    for requester_id, text in pairs:
        turn = service.handle(requester_id, text, channel="bench")
        if turn.timings.parallel_ms:
            run.timings.append(turn.timings)
        decision = turn.outcome.decision.value
        run.decisions[decision] = run.decisions.get(decision, 0) + 1
    run.wall_s = time.perf_counter() - started
    return run
