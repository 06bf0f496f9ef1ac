"""The approval-confidence model: boosted trees over the history features, then isotonic calibration.

Pure numpy. The trees combine the evidence groups of `validators.confidence_features` (the role's approval rate,
the rate for this role among requesters sharing each attribute, the rate of each attribute value and pair of
values across roles, the peer shares); the calibration maps the trees' score to the approval rate observed on
decisions the trees were not fitted on. Before any history is fitted the model is the role's smoothed approval
rate on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from validators.confidence_boost import BoostedTrees, BoostParams, average_ensembles, fit_boosted
from validators.confidence_features import FeatureSchema

MIN_FIT_ROWS = 20
# The stored model's shape: a model of another kind (an older feature layout) reads as the untrained model until
# the next import fits a new one.
MODEL_KIND = "boosted-trees+linear"
# Up to this many fitted decisions, calibration scores come from 5-fold cross-fitting (every row scored by trees
# not fitted on it: the calibration map is estimated on all of them); past it, from a held-out fifth.
CROSS_FIT_MAX_ROWS = 20_000
# Up to this many, shallower trees with coarser thresholds and a faster learning rate.
SMALL_HISTORY_ROWS = 5000
CROSS_FOLDS = 5
HOLDOUT_SHARE = 0.2


def _sigmoid(z: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))
    return result


@dataclass(frozen=True)
class ConfidenceModel:
    schema: FeatureSchema
    prior: float
    trees: BoostedTrees | None = None
    # Isotonic calibration of the trees' probability: knots (raw probability) and the approval rate observed there.
    knots: tuple[float, ...] = ()
    rates: tuple[float, ...] = ()
    metrics: dict[str, float] = field(default_factory=dict)
    # The intercept of the linear score whose weights are stored beside the counts (one of the trees' inputs).
    linear_bias: float = 0.0

    @property
    def global_rate(self) -> float:
        return self.prior

    def margin(self, features: np.ndarray) -> np.ndarray:
        """The uncalibrated log-odds; without trees, the role's smoothed approval rate (the first feature)."""
        if self.trees is None:
            return np.asarray(features[:, 0], dtype=np.float64)
        return self.trees.margin(features)

    def raw(self, features: np.ndarray) -> np.ndarray:
        return _sigmoid(self.margin(features))

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        if not self.knots:
            return raw
        calibrated: np.ndarray = np.interp(raw, self.knots, self.rates)
        return calibrated

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return self.calibrate(self.raw(features))

    def explained(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The probabilities, and how much each feature moved each row's score (log-odds), for explanations (the
        trees walked once for both)."""
        if self.trees is None:
            result = np.zeros(features.shape)
            result[:, 0] = features[:, 0]
            return self.probabilities(features), result
        margin, contributions = self.trees.explain(features)
        return self.calibrate(_sigmoid(margin)), contributions

    def to_json(self) -> dict[str, object]:
        return {"kind": MODEL_KIND, "schema": self.schema.to_json(), "prior": self.prior,
                "trees": self.trees.to_json() if self.trees is not None else None, "knots": list(self.knots),
                "rates": list(self.rates), "metrics": self.metrics, "linear_bias": self.linear_bias}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ConfidenceModel:
        """A stored model; anything of an older shape reads as the untrained model."""
        if data.get("kind") != MODEL_KIND:
            rate = data.get("global_rate", 0.5)
            return cls.untrained(float(rate) if isinstance(rate, int | float) else 0.5)
        schema, trees, metrics = data["schema"], data.get("trees"), data.get("metrics", {})
        knots, rates, prior = data.get("knots", []), data.get("rates", []), data["prior"]
        bias = data.get("linear_bias", 0.0)
        assert isinstance(schema, dict) and isinstance(knots, list) and isinstance(rates, list)
        assert isinstance(metrics, dict) and isinstance(prior, int | float) and isinstance(bias, int | float)
        return cls(FeatureSchema.from_json(schema), float(prior),
                   BoostedTrees.from_json(trees) if isinstance(trees, dict) else None,
                   tuple(float(k) for k in knots), tuple(float(r) for r in rates),
                   {str(k): float(v) for k, v in metrics.items()}, float(bias))

    @classmethod
    def untrained(cls, prior: float = 0.5, schema: FeatureSchema | None = None) -> ConfidenceModel:
        """Before any history is fitted: the role's smoothed approval rate, on its own."""
        return cls(schema or FeatureSchema((), ()), prior)


def _stratified_folds(labels: np.ndarray, folds: int, rng: np.random.Generator) -> np.ndarray:
    assignment = np.empty(len(labels), dtype=np.int64)
    for value in (0.0, 1.0):
        members = np.nonzero(labels == value)[0]
        assignment[rng.permutation(members)] = np.arange(len(members)) % folds
    return assignment


def _folds(labels: np.ndarray, folds: int, rng: np.random.Generator, groups: np.ndarray | None) -> np.ndarray:
    """Stratified folds; with `groups` (one id per row), each group whole in one fold, so that a decision repeated
    in the history is never scored by trees fitted on its repeats. Groups are stratified by their majority."""
    if groups is None or len(np.unique(groups)) == len(labels):
        return _stratified_folds(labels, folds, rng)
    ids, inverse = np.unique(groups, return_inverse=True)
    majority = (np.bincount(inverse, labels, len(ids)) * 2 >= np.bincount(inverse, minlength=len(ids)))
    return _stratified_folds(majority.astype(np.float64), folds, rng)[inverse]


def boost_params(rows: int, seed: int) -> BoostParams:
    """Tree settings for a history of this many fitted decisions: small histories get shallower trees, coarser
    thresholds and a faster learning rate (they support less, and an import should stay quick)."""
    if rows <= SMALL_HISTORY_ROWS:
        return BoostParams(trees=300, learning_rate=0.1, depth=4, bins=16, patience=30, seed=seed)
    return BoostParams(seed=seed)


def fit(features: np.ndarray | Sequence[np.ndarray], labels: np.ndarray, prior: float, schema: FeatureSchema,
        seed: int = 0, params: BoostParams | None = None, groups: np.ndarray | None = None) -> ConfidenceModel:
    """Fit the trees and their calibration on history rows whose features leave out the row's own decision.

    `features` may hold several matrices of the same rows (features from different fold assignments): one tree
    ensemble is fitted on each and their margins are averaged, which evens out the noise of any one assignment.
    `groups` (one id per row) keeps rows of one group together when rows are held out for calibration.
    """
    sets = [np.asarray(features, dtype=np.float64)] if isinstance(features, np.ndarray) and np.ndim(features) == 2 \
        else [np.asarray(x, dtype=np.float64) for x in features]
    y = np.asarray(labels, dtype=np.float64)
    if len(y) < MIN_FIT_ROWS or len(np.unique(y)) < 2:
        return ConfidenceModel.untrained(prior, schema)
    params = params or boost_params(len(y), seed)
    bag_params = [replace(params, seed=params.seed + bag) for bag in range(len(sets))]
    rng = np.random.default_rng(seed)
    if len(y) <= CROSS_FIT_MAX_ROWS:
        folds = _folds(y, CROSS_FOLDS, rng, groups)
        margins = np.zeros(len(y))
        sizes = []
        for fold in range(CROSS_FOLDS):
            held = folds == fold
            for x, p in zip(sets, bag_params, strict=True):
                trees = fit_boosted(x[~held], y[~held], p, x[held], y[held])
                margins[held] += trees.margin(x[held]) / len(sets)
                sizes.append(len(trees.leaves))
        count = max(1, int(np.median(sizes)))
        final = average_ensembles([fit_boosted(x, y, replace(p, trees=count))
                                   for x, p in zip(sets, bag_params, strict=True)])
        calibration_labels = y
    else:
        held = _folds(y, round(1 / HOLDOUT_SHARE), rng, groups) == 0
        ensembles = [fit_boosted(x[~held], y[~held], p, x[held], y[held]) for x, p in zip(sets, bag_params,
                                                                                             strict=True)]
        margins = np.mean([e.margin(x[held]) for e, x in zip(ensembles, sets, strict=True)], axis=0)
        final = average_ensembles(ensembles)
        calibration_labels = y[held]
    scores = _sigmoid(margins)
    knots, rates = isotonic_fit(scores, calibration_labels, prior)
    calibrated = np.interp(scores, knots, rates)
    metrics = {"samples": float(len(y)), "calibration_samples": float(len(scores)),
               "auc": roc_auc(calibration_labels, scores),
               "ece": expected_calibration_error(calibration_labels, calibrated),
               "positive_rate": float(y.mean()), "trees": float(len(final.leaves)), "bags": float(len(sets))}
    return ConfidenceModel(schema, prior, final, tuple(knots), tuple(rates), metrics)


def isotonic_fit(scores: np.ndarray, labels: np.ndarray, prior: float = 0.5) -> tuple[list[float], list[float]]:
    """Pool-adjacent-violators: the monotone step function from raw score to observed approval rate."""
    unique, inverse = np.unique(scores, return_inverse=True)
    sums = np.bincount(inverse, labels).tolist()
    counts = np.bincount(inverse).astype(np.float64).tolist()
    blocks: list[list[float]] = []  # [sum of labels, count, max score]
    for total, count, top in zip(sums, counts, unique.tolist(), strict=True):
        blocks.append([total, count, top])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            total_b, count_b, top_b = blocks.pop()
            blocks[-1][0] += total_b
            blocks[-1][1] += count_b
            blocks[-1][2] = top_b
    # A block's rate gets one pseudo-observation at the overall rate, so that a small block of unanimous outcomes
    # does not claim certainty; a running maximum keeps the map monotone after that.
    shrunk = np.maximum.accumulate([(total + prior) / (count + 1.0) for total, count, _ in blocks])
    return [block[2] for block in blocks], [float(rate) for rate in shrunk]


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve by the rank-sum formula, ties averaged."""
    labels = np.asarray(labels, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    positives = float(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    unique, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    upper = np.cumsum(counts)
    average_rank = upper - (counts - 1) / 2.0
    ranks = average_rank[inverse]
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))


def expected_calibration_error(labels: np.ndarray, scores: np.ndarray, bins: int = 10) -> float:
    """Mean |predicted - observed| over equal-width probability bins, weighted by the bins' shares of rows."""
    labels = np.asarray(labels, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    index = np.clip((scores * bins).astype(np.int64), 0, bins - 1)
    count = np.bincount(index, minlength=bins)
    gap = np.abs(np.bincount(index, scores, bins) - np.bincount(index, labels, bins))
    return float(gap.sum() / max(len(labels), 1)) if count.any() else 0.0
