"""Measuring approval confidence on held-out decisions: the split, ranking, calibration and auto-approval."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from validators.confidence_model import expected_calibration_error, roc_auc


def stratified_split(labels: np.ndarray, test_share: float, seed: int) -> np.ndarray:
    """A test mask holding `test_share` of the approved and of the denied rows (rounded), chosen at random."""
    rng = np.random.default_rng(seed)
    test = np.zeros(len(labels), dtype=bool)
    for value in (False, True):
        members = np.nonzero(labels == value)[0]
        test[rng.permutation(members)[: round(test_share * len(members))]] = True
    return test


@dataclass(frozen=True)
class OperatingPoint:
    """Auto-approving at or above `threshold` lets through `denied_share` of the denied requests and approves
    `approved_share` of the approved ones."""

    max_denied_share: float
    threshold: float
    approved_share: float
    denied_share: float


def operating_point(labels: np.ndarray, scores: np.ndarray, max_denied_share: float) -> OperatingPoint:
    """The lowest threshold that lets through at most `max_denied_share` of the denied requests."""
    labels = np.asarray(labels, dtype=bool)
    negatives, positives = int((~labels).sum()), int(labels.sum())
    values = np.unique(scores)[::-1]  # candidate thresholds, highest first
    order = np.argsort(-scores, kind="stable")
    sorted_scores, sorted_labels = scores[order], labels[order]
    # Rows at or above each candidate: the count of sorted scores >= value.
    above = np.searchsorted(-sorted_scores, -values, side="right")
    denied = np.concatenate([[0], np.cumsum(~sorted_labels)])[above]
    approved = np.concatenate([[0], np.cumsum(sorted_labels)])[above]
    allowed = denied <= max_denied_share * negatives
    if not allowed.any() or not negatives or not positives:
        return OperatingPoint(max_denied_share, float("inf"), 0.0, 0.0)
    best = int(np.nonzero(allowed)[0].max())
    return OperatingPoint(max_denied_share, float(values[best]), float(approved[best] / positives),
                          float(denied[best] / negatives))


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    count: int
    mean_confidence: float
    approved_share: float


def reliability(labels: np.ndarray, scores: np.ndarray, bins: int = 10) -> list[ReliabilityBin]:
    index = np.clip((scores * bins).astype(np.int64), 0, bins - 1)
    result = []
    for b in range(bins):
        mask = index == b
        count = int(mask.sum())
        result.append(ReliabilityBin(b / bins, (b + 1) / bins, count,
                                     float(scores[mask].mean()) if count else float("nan"),
                                     float(labels[mask].mean()) if count else float("nan")))
    return result


@dataclass(frozen=True)
class Metrics:
    rows: int
    approved_rows: int
    auc: float
    ece: float
    brier: float
    log_loss: float
    operating_points: tuple[OperatingPoint, ...]
    bins: tuple[ReliabilityBin, ...]

    def as_dict(self) -> dict[str, object]:
        return {"rows": self.rows, "approved_rows": self.approved_rows, "auc": round(self.auc, 5),
                "ece": round(self.ece, 5), "brier": round(self.brier, 5), "log_loss": round(self.log_loss, 5),
                "auto_approval": [{"max_denied_share": p.max_denied_share, "threshold": round(p.threshold, 6),
                                   "approved_share": round(p.approved_share, 5),
                                   "denied_share": round(p.denied_share, 5)} for p in self.operating_points],
                "reliability": [{"bin": f"{b.low:.1f}-{b.high:.1f}", "count": b.count,
                                 "mean_confidence": None if b.count == 0 else round(b.mean_confidence, 5),
                                 "approved_share": None if b.count == 0 else round(b.approved_share, 5)}
                                for b in self.bins]}


def measure(labels: np.ndarray, scores: np.ndarray, denied_shares: tuple[float, ...] = (0.01, 0.05)) -> Metrics:
    y = np.asarray(labels, dtype=np.float64)
    p = np.clip(np.asarray(scores, dtype=np.float64), 1e-12, 1 - 1e-12)
    return Metrics(
        rows=len(y), approved_rows=int(y.sum()), auc=roc_auc(y, p), ece=expected_calibration_error(y, p),
        brier=float(np.mean((p - y) ** 2)), log_loss=float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
        operating_points=tuple(operating_point(y.astype(bool), p, share) for share in denied_shares),
        bins=tuple(reliability(y, p)))
