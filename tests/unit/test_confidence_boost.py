"""The numpy boosted trees: they learn interactions, explain their scores exactly, and round-trip through JSON."""

from __future__ import annotations

import numpy as np

from validators.confidence_boost import BoostedTrees, BoostParams, average_ensembles, fit_boosted
from validators.confidence_model import roc_auc


def interaction(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Approved when exactly one of the first two features is high: no single feature says anything."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 4))
    signal = (x[:, 0] > 0.5) ^ (x[:, 1] > 0.5)
    y = (rng.random(n) < np.where(signal, 0.9, 0.1)).astype(float)
    return x, y


def test_trees_learn_an_interaction_no_single_feature_shows() -> None:
    x, y = interaction(4000, 1)
    test_x, test_y = interaction(2000, 2)
    trees = fit_boosted(x, y, BoostParams(trees=80, depth=3, learning_rate=0.2))
    assert roc_auc(test_y, trees.margin(test_x)) > 0.85
    assert roc_auc(test_y, test_x[:, 0]) < 0.6


def test_contributions_add_up_to_the_margin() -> None:
    x, y = interaction(2000, 3)
    trees = fit_boosted(x, y, BoostParams(trees=30, depth=4))
    contributions = trees.contributions(x[:100])
    expected = trees.margin(x[:100]) - trees.base - trees.prefixes[:, 0].sum()
    assert np.allclose(contributions.sum(axis=1), expected)
    # The features that carry the signal explain most of it.
    assert np.abs(contributions[:, :2]).sum() > 3 * np.abs(contributions[:, 2:]).sum()


def test_one_walk_gives_the_same_margin_and_contributions_as_two() -> None:
    x, y = interaction(2000, 6)
    trees = fit_boosted(x, y, BoostParams(trees=25, depth=4))
    margin, contributions = trees.explain(x[:50])
    assert np.array_equal(margin, trees.margin(x[:50]))
    assert np.array_equal(contributions, trees.contributions(x[:50]))
    empty = BoostedTrees(trees.base, np.zeros((0, 4), dtype=np.int64), np.zeros((0, 4)), np.zeros((0, 16)),
                         np.zeros((0, 15)))
    assert np.array_equal(empty.explain(x[:3])[0], np.full(3, trees.base))


def test_held_out_rows_stop_the_boosting_and_json_round_trips() -> None:
    x, y = interaction(3000, 4)
    noise = np.random.default_rng(5).random(len(y)) < 0.5
    trees = fit_boosted(x[:, 2:], y, BoostParams(trees=400, patience=20), x[:500, 2:], noise[:500].astype(float))
    assert len(trees.leaves) < 400  # nothing to learn from pure noise: cut early
    restored = BoostedTrees.from_json(trees.to_json())
    assert np.array_equal(restored.margin(x[:, 2:]), trees.margin(x[:, 2:]))


def test_an_average_of_ensembles_scores_the_mean_margin() -> None:
    x, y = interaction(1500, 6)
    first = fit_boosted(x, y, BoostParams(trees=20, depth=3, seed=1))
    second = fit_boosted(x, y, BoostParams(trees=35, depth=3, seed=2))
    both = average_ensembles([first, second])
    assert np.allclose(both.margin(x), (first.margin(x) + second.margin(x)) / 2)
    assert len(both.leaves) == 55
