"""The approval-confidence model: features from history counts, similar decisions and peers, and a logistic
combination fitted on the history itself. Pure numpy; the same feature code serves fitting and scoring."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

FEATURE_NAMES = ("bias", "role_rate", "attribute_evidence", "similar_decisions", "peer_share", "team_share",
                 "role_volume")
_CLIP = 8.0
_PRIOR_STRENGTH = 2.0


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return max(-_CLIP, min(_CLIP, math.log(p / (1 - p))))


@dataclass(frozen=True)
class Counts:
    approved: float
    denied: float

    @property
    def total(self) -> float:
        return self.approved + self.denied


@dataclass(frozen=True)
class FeatureInputs:
    """What is known about one (requester, role) pair, leaving out the pair's own outcome."""

    global_rate: float
    role: Counts
    attributes: Sequence[Counts]
    neighbours: Sequence[tuple[float, bool]]
    peers: tuple[int, int] = (0, 0)
    team: tuple[int, int] = (0, 0)


def role_rate(inputs: FeatureInputs) -> float:
    return (inputs.role.approved + _PRIOR_STRENGTH * inputs.global_rate) / (inputs.role.total + _PRIOR_STRENGTH)


def neighbour_rate(inputs: FeatureInputs, prior: float) -> float:
    weights = [(similarity**2, approved) for similarity, approved in inputs.neighbours]
    weight = sum(w for w, _ in weights)
    approved = sum(w for w, ok in weights if ok)
    return (approved + _PRIOR_STRENGTH * prior) / (weight + _PRIOR_STRENGTH)


def features(inputs: FeatureInputs) -> np.ndarray:
    prior = role_rate(inputs)
    base = _logit(prior)
    evidence = sum(
        _logit((counts.approved + _PRIOR_STRENGTH * prior) / (counts.total + _PRIOR_STRENGTH)) - base
        for counts in inputs.attributes
    )
    peer_holders, peer_total = inputs.peers
    team_holders, team_total = inputs.team
    return np.array([
        1.0,
        base,
        max(-3 * _CLIP, min(3 * _CLIP, evidence)),
        _logit(neighbour_rate(inputs, prior)),
        peer_holders / (peer_total + 1.0),
        team_holders / (team_total + 1.0),
        math.log1p(inputs.role.total) / 5.0,
    ])


MIN_CALIBRATION_ROWS = 500


def isotonic_fit(scores: np.ndarray, labels: np.ndarray) -> tuple[list[float], list[float]]:
    """Pool-adjacent-violators: the monotone step function from raw score to observed approval rate."""
    order = np.argsort(scores, kind="mergesort")
    blocks: list[list[float]] = []  # [sum of labels, count, max score]
    for index in order:
        blocks.append([float(labels[index]), 1.0, float(scores[index])])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            total, count, top = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
            blocks[-1][2] = top
    # A block's rate is shrunk toward one half by half a pseudo-observation each way, so that a small block of
    # unanimous outcomes does not claim certainty; a running maximum keeps the map monotone after shrinking.
    shrunk = np.maximum.accumulate([(total + 0.5) / (count + 1.0) for total, count, _ in blocks])
    return [block[2] for block in blocks], [float(rate) for rate in shrunk]


@dataclass(frozen=True)
class ConfidenceModel:
    weights: tuple[float, ...]
    global_rate: float
    metrics: dict[str, float] = field(default_factory=dict)
    # Isotonic calibration of the logistic score: knots (raw score) and the approval rate observed there.
    knots: tuple[float, ...] = ()
    rates: tuple[float, ...] = ()

    def raw(self, inputs: FeatureInputs) -> float:
        z = float(np.dot(np.array(self.weights), features(inputs)))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def calibrate(self, raw: float) -> float:
        if not self.knots:
            return raw
        return float(np.interp(raw, self.knots, self.rates))

    def probability(self, inputs: FeatureInputs) -> float:
        return self.calibrate(self.raw(inputs))

    def to_json(self) -> dict[str, object]:
        return {"weights": list(self.weights), "global_rate": self.global_rate, "metrics": self.metrics,
                "features": list(FEATURE_NAMES), "knots": list(self.knots), "rates": list(self.rates)}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ConfidenceModel:
        weights = data.get("weights")
        if not isinstance(weights, list) or len(weights) != len(FEATURE_NAMES):
            return cls.untrained(float(data.get("global_rate", 0.5)))  # type: ignore[arg-type]
        return cls(tuple(float(w) for w in weights), float(data["global_rate"]),  # type: ignore[arg-type]
                   dict(data.get("metrics", {})),  # type: ignore[call-overload]
                   tuple(float(k) for k in data.get("knots", [])),  # type: ignore[attr-defined]
                   tuple(float(r) for r in data.get("rates", [])))  # type: ignore[attr-defined]

    @classmethod
    def untrained(cls, global_rate: float = 0.5) -> ConfidenceModel:
        """Before any history is fitted: the role's smoothed approval rate, on its own."""
        weights = [0.0] * len(FEATURE_NAMES)
        weights[1] = 1.0
        return cls(tuple(weights), global_rate, {})


def fit(rows: Sequence[FeatureInputs], labels: Sequence[bool], global_rate: float, l2: float = 1.0) -> ConfidenceModel:
    """Logistic regression by Newton's method with an L2 penalty (not on the bias)."""
    if len(rows) < 20 or len(set(labels)) < 2:
        return ConfidenceModel.untrained(global_rate)
    x = np.vstack([features(row) for row in rows])
    y = np.array(labels, dtype=float)
    w = np.zeros(x.shape[1])
    w[1] = 1.0
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    raw = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
    knots: tuple[float, ...] = ()
    rates: tuple[float, ...] = ()
    if len(rows) >= MIN_CALIBRATION_ROWS:
        # Calibrate on the half the weights were not fitted on would cost half the data; the rows already carry
        # leave-one-out features, so the in-sample scores are honest enough for a monotone map.
        fitted_knots, fitted_rates = isotonic_fit(raw, y)
        knots, rates = tuple(fitted_knots), tuple(fitted_rates)
    predictions = np.interp(raw, knots, rates) if knots else raw
    metrics = {"samples": float(len(rows)), "auc": roc_auc(y, predictions),
               "ece": expected_calibration_error(y, predictions), "positive_rate": float(y.mean())}
    return ConfidenceModel(tuple(float(v) for v in w), global_rate, metrics, knots, rates)


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve by the rank-sum formula, ties averaged."""
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))


def expected_calibration_error(labels: np.ndarray, scores: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        mask = (scores >= low) & ((scores < high) if high < 1.0 else (scores <= high))
        if mask.any():
            total += float(mask.sum()) * abs(float(scores[mask].mean()) - float(labels[mask].mean()))
    return total / max(len(labels), 1)
