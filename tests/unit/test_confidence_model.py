"""The confidence model on generated decisions: it learns the signal and its probabilities are calibrated."""

from __future__ import annotations

import random

import numpy as np

from validators.confidence_model import (
    ConfidenceModel,
    Counts,
    FeatureInputs,
    expected_calibration_error,
    fit,
    roc_auc,
)


def synthetic(n: int, seed: int) -> tuple[list[FeatureInputs], list[bool]]:
    rng = random.Random(seed)
    rows, labels = [], []
    for _ in range(n):
        good = rng.random() < 0.6
        p = 0.93 if good else 0.2
        approved = rng.random() < p
        peers_total = rng.randint(0, 20)
        holders = sum(rng.random() < (0.8 if good else 0.1) for _ in range(peers_total))
        similar = [(rng.uniform(0.5, 1), rng.random() < p) for _ in range(rng.randint(0, 10))]
        attr = [Counts(rng.randint(0, 10) * (3 if good else 1), rng.randint(0, 10) * (1 if good else 3))
                for _ in range(4)]
        rows.append(FeatureInputs(global_rate=0.6, role=Counts(30, 20), attributes=attr, neighbours=similar,
                                  peers=(holders, peers_total), team=(0, 0)))
        labels.append(approved)
    return rows, labels


def test_fitted_model_ranks_and_calibrates_held_out_rows() -> None:
    train, train_labels = synthetic(3000, 1)
    test, test_labels = synthetic(3000, 2)
    model = fit(train, train_labels, 0.6)
    scores = np.array([model.probability(row) for row in test])
    labels = np.array(test_labels, dtype=float)
    assert roc_auc(labels, scores) > 0.8
    assert expected_calibration_error(labels, scores) < 0.05
    restored = ConfidenceModel.from_json(model.to_json())
    assert restored.probability(test[0]) == model.probability(test[0])


def test_roc_auc_and_ece_on_known_values() -> None:
    assert roc_auc(np.array([0, 0, 1, 1.0]), np.array([0.1, 0.4, 0.35, 0.8])) == 0.75
    assert roc_auc(np.array([0, 1.0]), np.array([0.5, 0.5])) == 0.5
    assert expected_calibration_error(np.array([1.0, 0.0]), np.array([1.0, 0.0])) == 0.0


def test_too_little_history_falls_back_to_the_role_rate() -> None:
    model = fit([], [], 0.5)
    assert model.metrics == {}
    row = FeatureInputs(global_rate=0.5, role=Counts(9, 1), attributes=[], neighbours=[])
    assert 0.7 < model.probability(row) < 0.9
