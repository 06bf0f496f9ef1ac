"""Gradient-boosted oblivious trees in numpy: the combiner of the approval-confidence features.

An oblivious tree asks the same question (feature above a threshold) of every node of one level, so a tree of
depth d is d comparisons and a table of 2**d leaf values. That shape fits numpy both ways: fitting builds one
histogram per level for all nodes at once (bincount), and scoring any number of rows is a handful of vectorised
comparisons, so the per-request path and the batch path run the same code. Trees also say which feature moved a
score: each level's share of the change between the prior and the leaf is credited to the feature it split on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_MARGIN_CLIP = 30.0


@dataclass(frozen=True)
class BoostParams:
    trees: int = 400
    learning_rate: float = 0.05
    depth: int = 5
    bins: int = 32
    l2: float = 2.0
    min_leaf_hessian: float = 1.0
    subsample: float = 0.7
    # Stop when the held-out log loss has not improved for this many trees (only with held-out rows).
    patience: int = 60
    seed: int = 0


@dataclass(frozen=True)
class BoostedTrees:
    """The fitted ensemble: margin(x) = base + sum over trees of leaves[t, leaf index of x in tree t]."""

    base: float
    features: np.ndarray  # (trees, depth) int: the feature each level splits on
    thresholds: np.ndarray  # (trees, depth) float: a row goes to the upper child when x > threshold
    leaves: np.ndarray  # (trees, 2**depth) float, learning rate applied
    # (trees, 2**depth - 1): the hessian-weighted mean of the leaves under each prefix of a path, level by level
    # (heap order: level l holds 2**l values); used only to explain a score.
    prefixes: np.ndarray

    @property
    def depth(self) -> int:
        return int(self.features.shape[1]) if self.features.size else 0

    def _leaf_index(self, x: np.ndarray) -> np.ndarray:
        """(rows, trees) leaf numbers."""
        bits = x[:, self.features] > self.thresholds[None, :, :]  # (rows, trees, depth)
        weights = (1 << np.arange(self.depth))[::-1]  # the first level is the most significant bit
        return (bits * weights).sum(axis=2)  # type: ignore[no-any-return]

    def margin(self, x: np.ndarray, chunk: int = 2048) -> np.ndarray:
        """The log-odds of approval for each row of x (rows, features)."""
        x = np.asarray(x, dtype=np.float64)
        out = np.full(len(x), self.base)
        if not len(self.leaves):
            return out
        tree_numbers = np.arange(len(self.leaves))
        for start in range(0, len(x), chunk):
            leaf = self._leaf_index(x[start : start + chunk])
            out[start : start + chunk] += self.leaves[tree_numbers[None, :], leaf].sum(axis=1)
        return out

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """(rows, features): how much each feature moved each row's margin away from the ensemble's average.

        Per tree, the change from the tree's mean leaf value to the prefix after each question goes to the feature
        asked, so the row sums are margin - base - (sum of the trees' mean leaf values).
        """
        return self.explain(x)[1]

    def explain(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The margin and the contributions of each row, the rows' leaves found once for both."""
        x = np.asarray(x, dtype=np.float64)
        result = np.zeros(x.shape)
        if not len(self.leaves):
            return np.full(len(x), self.base), result
        leaf = self._leaf_index(x)
        trees = np.arange(len(self.leaves))
        margin = self.base + self.leaves[trees[None, :], leaf].sum(axis=1)
        previous = self.prefixes[trees[None, :], np.zeros_like(leaf)]
        # Each (row, feature) as one flat cell, so that a level's changes are summed by one bincount.
        row_cells = np.arange(len(x))[:, None] * x.shape[1]
        cells = result.size
        for level in range(1, self.depth + 1):
            node = leaf >> (self.depth - level)  # the path prefix after `level` questions
            if level < self.depth:
                current = self.prefixes[trees[None, :], (1 << level) - 1 + node]
            else:
                current = self.leaves[trees[None, :], node]
            flat = (row_cells + self.features[None, :, level - 1]).ravel()
            result += np.bincount(flat, weights=(current - previous).ravel(), minlength=cells).reshape(result.shape)
            previous = current
        return margin, result

    def to_json(self) -> dict[str, object]:
        return {"base": self.base, "features": self.features.tolist(), "thresholds": self.thresholds.tolist(),
                "leaves": self.leaves.tolist(), "prefixes": self.prefixes.tolist()}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> BoostedTrees:
        features = np.array(data["features"], dtype=np.int64)
        depth = features.shape[1] if features.ndim == 2 else 0
        return cls(float(data["base"]),  # type: ignore[arg-type]
                   features.reshape(-1, depth),
                   np.array(data["thresholds"], dtype=np.float64).reshape(-1, depth),
                   np.array(data["leaves"], dtype=np.float64).reshape(-1, 1 << depth),
                   np.array(data["prefixes"], dtype=np.float64).reshape(-1, (1 << depth) - 1))


def average_ensembles(ensembles: list[BoostedTrees]) -> BoostedTrees:
    """One ensemble whose margin is the mean of the given ensembles' margins (bagging)."""
    if len(ensembles) == 1:
        return ensembles[0]
    share = 1.0 / len(ensembles)
    return BoostedTrees(float(np.mean([e.base for e in ensembles])),
                        np.vstack([e.features for e in ensembles]), np.vstack([e.thresholds for e in ensembles]),
                        np.vstack([e.leaves for e in ensembles]) * share,
                        np.vstack([e.prefixes for e in ensembles]) * share)


def _bin_edges(column: np.ndarray, bins: int) -> np.ndarray:
    """Candidate thresholds: distinct quantiles of the column (a split is `x > edge`)."""
    quantiles = np.quantile(column, np.linspace(0, 1, bins + 1)[1:-1], method="lower")
    edges = np.unique(quantiles)
    # A threshold equal to the maximum never separates anything.
    return edges[edges < column.max()] if len(edges) else edges


def _sigmoid(z: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -_MARGIN_CLIP, _MARGIN_CLIP)))
    return result


def _log_loss(y: np.ndarray, margin: np.ndarray) -> float:
    p = np.clip(_sigmoid(margin), 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def fit_boosted(x: np.ndarray, y: np.ndarray, params: BoostParams, x_valid: np.ndarray | None = None,
                y_valid: np.ndarray | None = None) -> BoostedTrees:
    """Newton boosting of oblivious trees on the log loss.

    With held-out rows the ensemble is cut at the tree count with the lowest held-out loss.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    rows, width = x.shape
    rate = float(np.clip(y.mean(), 1e-4, 1 - 1e-4))
    base = float(np.log(rate / (1 - rate)))
    edges = [_bin_edges(x[:, f], params.bins) for f in range(width)]
    bins = max(1, max((len(e) for e in edges), default=0) + 1)
    binned = np.empty((rows, width), dtype=np.int32)
    for f in range(width):
        binned[:, f] = np.searchsorted(edges[f], x[:, f], side="left")
    # Edge e of feature f: rows with bin <= e have x <= edges[f][e]. Padded with +inf for empty bins.
    thresholds_of = np.full((width, bins), np.inf)
    for f in range(width):
        thresholds_of[f, : len(edges[f])] = edges[f]
    flat = binned + (np.arange(width, dtype=np.int32) * bins)[None, :]
    depth = params.depth
    leaves_n = 1 << depth
    rng = np.random.default_rng(params.seed)
    margin = np.full(rows, base)
    valid_margin = None if x_valid is None else np.full(len(x_valid), base)
    best = (np.inf, 0)
    feats: list[np.ndarray] = []
    thrs: list[np.ndarray] = []
    leaf_values: list[np.ndarray] = []
    prefix_values: list[np.ndarray] = []
    cells = width * bins
    for tree in range(params.trees):
        p = _sigmoid(margin)
        gradient, hessian = p - y, p * (1 - p)
        sample = np.flatnonzero(rng.random(rows) < params.subsample) if params.subsample < 1 else np.arange(rows)
        g, h = gradient[sample], hessian[sample]
        sample_flat = flat[sample]
        node = np.zeros(len(sample), dtype=np.int64)
        tree_features = np.zeros(depth, dtype=np.int64)
        tree_bins = np.zeros(depth, dtype=np.int64)
        hist_g = np.bincount(sample_flat.ravel(), np.repeat(g, width), cells).reshape(1, width, bins)
        hist_h = np.bincount(sample_flat.ravel(), np.repeat(h, width), cells).reshape(1, width, bins)
        for level in range(depth):
            if level:
                hist_g, hist_h = _split_histograms(hist_g, hist_h, node, sample_flat, g, h, cells)
            f_best, b_best = _best_split(hist_g, hist_h, thresholds_of, params)
            tree_features[level], tree_bins[level] = f_best, b_best
            node = node * 2 + (binned[sample, f_best] > b_best)
        g_leaf = np.bincount(node, g, leaves_n)
        h_leaf = np.bincount(node, h, leaves_n)
        values = -g_leaf / (h_leaf + params.l2) * params.learning_rate
        thresholds = thresholds_of[tree_features, tree_bins]
        all_nodes = np.zeros(rows, dtype=np.int64)
        for level in range(depth):
            all_nodes = all_nodes * 2 + (binned[:, tree_features[level]] > tree_bins[level])
        margin += values[all_nodes]
        feats.append(tree_features)
        thrs.append(thresholds)
        leaf_values.append(values)
        prefix_values.append(_prefix_means(values, h_leaf + 1e-12, depth))
        if valid_margin is not None and x_valid is not None and y_valid is not None:
            valid_nodes = np.zeros(len(x_valid), dtype=np.int64)
            for level in range(depth):
                valid_nodes = valid_nodes * 2 + (x_valid[:, tree_features[level]] > thresholds[level])
            valid_margin += values[valid_nodes]
            loss = _log_loss(y_valid, valid_margin)
            if loss < best[0] - 1e-7:
                best = (loss, tree + 1)
            elif tree + 1 - best[1] >= params.patience:
                break
    keep = best[1] if valid_margin is not None else len(feats)
    if not keep:
        return BoostedTrees(base, np.zeros((0, depth), dtype=np.int64), np.zeros((0, depth)),
                            np.zeros((0, leaves_n)), np.zeros((0, leaves_n - 1)))
    return BoostedTrees(base, np.vstack(feats[:keep]), np.vstack(thrs[:keep]), np.vstack(leaf_values[:keep]),
                        np.vstack(prefix_values[:keep]))


def _split_histograms(hist_g: np.ndarray, hist_h: np.ndarray, node: np.ndarray, sample_flat: np.ndarray,
                      g: np.ndarray, h: np.ndarray, cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Histograms of the children from the parents': count the smaller side, subtract for the other."""
    parents, width, bins = hist_g.shape
    upper = (node & 1).astype(bool)
    counted_upper = int(upper.sum()) * 2 <= len(node)
    chosen = np.nonzero(upper if counted_upper else ~upper)[0]
    index = ((node[chosen] >> 1)[:, None] * cells + sample_flat[chosen]).ravel()
    part_g = np.bincount(index, np.repeat(g[chosen], width), parents * cells).reshape(parents, width, bins)
    part_h = np.bincount(index, np.repeat(h[chosen], width), parents * cells).reshape(parents, width, bins)
    rest_g, rest_h = hist_g - part_g, hist_h - part_h
    lower_g, upper_g = (rest_g, part_g) if counted_upper else (part_g, rest_g)
    lower_h, upper_h = (rest_h, part_h) if counted_upper else (part_h, rest_h)
    # Node 2p is the lower child of parent p, node 2p + 1 the upper one.
    return (np.stack([lower_g, upper_g], axis=1).reshape(2 * parents, width, bins),
            np.stack([lower_h, upper_h], axis=1).reshape(2 * parents, width, bins))


def _best_split(hist_g: np.ndarray, hist_h: np.ndarray, thresholds_of: np.ndarray,
                params: BoostParams) -> tuple[int, int]:
    """The (feature, bin) whose split, asked of every node of the level, gains the most."""
    # Nodes too light to give two children enough weight cannot gain; leave them out of the arithmetic.
    active = hist_h[:, 0, :].sum(axis=1) >= 2 * params.min_leaf_hessian
    if not active.any():
        return 0, 0
    if not active.all():
        hist_g, hist_h = hist_g[active], hist_h[active]
    left_g, left_h = np.cumsum(hist_g, axis=2), np.cumsum(hist_h, axis=2)
    total_g, total_h = left_g[:, :, -1:], left_h[:, :, -1:]
    right_g, right_h = total_g - left_g, total_h - left_h
    gain = (left_g**2 / (left_h + params.l2) + right_g**2 / (right_h + params.l2)
            - total_g**2 / (total_h + params.l2))
    # A node whose split would leave a child without enough weight gains nothing from it.
    ok = (left_h >= params.min_leaf_hessian) & (right_h >= params.min_leaf_hessian)
    score = np.where(ok, gain, 0.0).sum(axis=0)
    score[~np.isfinite(thresholds_of)] = -np.inf  # past a feature's last edge every row is on one side
    f_best, b_best = np.unravel_index(int(np.argmax(score)), score.shape)
    return int(f_best), int(b_best)


def _prefix_means(values: np.ndarray, weights: np.ndarray, depth: int) -> np.ndarray:
    """Heap-ordered weighted means of the leaves under every internal node of an oblivious tree."""
    out = np.zeros((1 << depth) - 1)
    for level in range(depth):
        groups = 1 << level
        v = (values * weights).reshape(groups, -1).sum(axis=1)
        w = weights.reshape(groups, -1).sum(axis=1)
        out[groups - 1 : 2 * groups - 1] = v / w
    return out
