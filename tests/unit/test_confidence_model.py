"""The confidence model on generated decisions: it learns the signal and its probabilities are calibrated."""

from __future__ import annotations

import numpy as np

from validators.confidence_features import FeatureSchema, GroupCounts, feature_matrix
from validators.confidence_model import (
    ConfidenceModel,
    expected_calibration_error,
    fit,
    isotonic_fit,
    roc_auc,
)

SCHEMA = FeatureSchema(("department", "title"), ("department", "title"))


def synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts whose groups speak for the outcome: good requests come with mostly approved groups."""
    rng = np.random.default_rng(seed)
    good = rng.random(n) < 0.6
    labels = rng.random(n) < np.where(good, 0.93, 0.2)
    groups = len(SCHEMA.groups)
    total = rng.integers(0, 15, (n, groups)).astype(float)
    share = np.where(good[:, None], rng.uniform(0.6, 1.0, (n, groups)), rng.uniform(0.0, 0.6, (n, groups)))
    approved = np.round(total * share)
    peers = np.zeros((n, 4))
    peers[:, 1] = rng.integers(0, 20, n)
    peers[:, 0] = np.round(peers[:, 1] * np.where(good, 0.8, 0.1))
    return feature_matrix(SCHEMA, GroupCounts(approved, total, peers, np.zeros(len(total))), 0.6), labels.astype(float)


def test_fitted_model_ranks_and_calibrates_held_out_rows() -> None:
    train, train_labels = synthetic(6000, 1)
    test, test_labels = synthetic(4000, 2)
    model = fit(train, train_labels, 0.6, SCHEMA, seed=3)
    scores = model.probabilities(test)
    assert roc_auc(test_labels, scores) > 0.8
    assert expected_calibration_error(test_labels, scores) < 0.03
    assert model.metrics["samples"] == 6000
    restored = ConfidenceModel.from_json(model.to_json())
    assert np.array_equal(restored.probabilities(test[:50]), scores[:50])


def test_small_histories_are_cross_fitted_and_bagged_sets_average() -> None:
    train, labels = synthetic(400, 5)
    model = fit([train, train + 0.01], labels, 0.6, SCHEMA, seed=1)
    assert model.metrics["calibration_samples"] == 400  # every row scored by trees not fitted on it
    assert model.metrics["bags"] == 2
    test, test_labels = synthetic(2000, 6)
    assert roc_auc(test_labels, model.probabilities(test)) > 0.75


def test_roc_auc_and_ece_on_known_values() -> None:
    assert roc_auc(np.array([0, 0, 1, 1.0]), np.array([0.1, 0.4, 0.35, 0.8])) == 0.75
    assert roc_auc(np.array([0, 1.0]), np.array([0.5, 0.5])) == 0.5
    assert roc_auc(np.array([0, 1, 1.0]), np.array([0.2, 0.2, 0.9])) == 0.75
    assert expected_calibration_error(np.array([1.0, 0.0]), np.array([1.0, 0.0])) == 0.0
    assert abs(expected_calibration_error(np.array([1.0, 0.0, 1.0, 1.0]), np.array([0.75] * 4))) < 1e-12
    assert abs(expected_calibration_error(np.array([0.0, 0.0]), np.array([0.55, 0.65])) - 0.6) < 1e-12


def test_isotonic_map_is_monotone_and_does_not_claim_certainty() -> None:
    rng = np.random.default_rng(0)
    scores = rng.random(3000)
    labels = (rng.random(3000) < scores).astype(float)
    knots, rates = isotonic_fit(scores, labels, prior=0.5)
    assert all(b >= a for a, b in zip(rates, rates[1:], strict=False))
    assert all(b > a for a, b in zip(knots, knots[1:], strict=False))
    assert rates[0] > 0.0 and rates[-1] < 1.0


def test_too_little_history_falls_back_to_the_role_rate() -> None:
    model = fit(np.zeros((0, len(SCHEMA.feature_names()))), np.zeros(0), 0.5, SCHEMA)
    assert model.metrics == {} and model.trees is None
    counts = GroupCounts.empty(1, SCHEMA)
    counts.approved[0, 0], counts.total[0, 0] = 9, 10
    probability = float(model.probabilities(feature_matrix(SCHEMA, counts, 0.5))[0])
    assert abs(probability - (9 + 0.5) / 11) < 1e-9


def test_an_older_stored_model_reads_as_untrained() -> None:
    model = ConfidenceModel.from_json({"weights": [0.1] * 7, "global_rate": 0.7})
    assert model.trees is None and model.prior == 0.7
