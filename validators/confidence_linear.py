"""A sparse logistic regression over the evidence groups, one input of the approval-confidence trees.

Every evidence group value is one indicator: this role; this role among requesters with one attribute value; one
attribute value for any role; one pair of values for any role (the groups of `FeatureSchema`). The regression
gives each indicator a weight, fitted jointly with an L2 penalty, so that a value seen in few past decisions
borrows strength from the others a requester has. The weights are stored beside the counts in the statistics
tables (`validators.confidence_stats`), and a request's linear score is the sum of the weights of the rows its
lookup finds: the same statement serves counts and weights.

Pure numpy: limited-memory BFGS on the penalised log loss; a row touches one weight per group, so the loss and
its gradient are a gather and a bincount.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from validators.confidence_features import ROLE, ROLE_ATTRIBUTE, FeatureSchema, HistoryArrays, group_keys

# The penalty on the squared weights, against the summed log loss (a "C" of 1 in other libraries' terms).
L2 = 1.0
MAX_ITERATIONS = 200
TOLERANCE = 1e-7
HISTORY_LENGTH = 10
MARGIN_CLIP = 30.0


@dataclass(frozen=True)
class Indicators:
    """Rows as indicator ids (rows, groups), -1 where a group does not apply, and where each id came from."""

    ids: np.ndarray  # (rows, groups) int64
    group_of: np.ndarray  # (indicators,) the group of each id
    example_row: np.ndarray  # (indicators,) a row (index into the rows given) that has this indicator

    @property
    def count(self) -> int:
        return len(self.group_of)


def indicators(schema: FeatureSchema, history: HistoryArrays, rows: np.ndarray) -> Indicators:
    """The indicators of the history rows `rows`, numbered group by group."""
    ids = np.full((len(rows), len(schema.groups)), -1, dtype=np.int64)
    group_of: list[np.ndarray] = []
    example_row: list[np.ndarray] = []
    offset = 0
    for g, (kind, members) in enumerate(schema.groups):
        keys = group_keys(history, members, kind in (ROLE, ROLE_ATTRIBUTE))[rows]
        valid = keys >= 0
        unique, first, inverse = np.unique(keys[valid], return_index=True, return_inverse=True)
        ids[valid, g] = inverse + offset
        group_of.append(np.full(len(unique), g, dtype=np.int64))
        example_row.append(np.nonzero(valid)[0][first])
        offset += len(unique)
    return Indicators(ids, np.concatenate(group_of) if group_of else np.zeros(0, dtype=np.int64),
                      np.concatenate(example_row) if example_row else np.zeros(0, dtype=np.int64))


@dataclass(frozen=True)
class LinearFit:
    weights: np.ndarray  # (indicators,)
    bias: float

    def margin(self, ids: np.ndarray) -> np.ndarray:
        """The log-odds for rows given as indicator ids (-1: absent)."""
        padded = np.append(self.weights, 0.0)
        return np.asarray(padded[np.where(ids >= 0, ids, len(self.weights))].sum(axis=1) + self.bias)


def fit_linear(ids: np.ndarray, labels: np.ndarray, count: int, start: LinearFit | None = None) -> LinearFit:
    """Minimise sum(log loss) + L2/2 * |w|^2 over the rows' indicators (the bias is not penalised)."""
    y = np.asarray(labels, dtype=np.float64)
    absent = count  # one extra slot that absent groups point at; its weight stays 0
    flat = np.where(ids >= 0, ids, absent)
    groups = ids.shape[1]

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:count], theta[count]
        z = np.clip(np.append(w, 0.0)[flat].sum(axis=1) + b, -MARGIN_CLIP, MARGIN_CLIP)
        loss = float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * L2 * np.dot(w, w))
        residual = 1.0 / (1.0 + np.exp(-z)) - y
        gradient = np.bincount(flat.ravel(), np.repeat(residual, groups), minlength=count + 1)[: count]
        return loss, np.append(gradient + L2 * w, residual.sum())

    theta = np.zeros(count + 1) if start is None else np.append(start.weights, start.bias)
    theta = _lbfgs(loss_and_gradient, theta)
    return LinearFit(theta[:count], float(theta[count]))


def out_of_fold_margins(ids: np.ndarray, labels: np.ndarray, count: int, folds: np.ndarray,
                        full: LinearFit) -> np.ndarray:
    """Each row's margin from a fit on the other folds (warm-started from the fit on every row)."""
    margins = np.zeros(len(labels))
    for fold in np.unique(folds):
        held = folds == fold
        fitted = fit_linear(ids[~held], labels[~held], count, start=full)
        margins[held] = fitted.margin(ids[held])
    return margins


def _lbfgs(objective: Callable[[np.ndarray], tuple[float, np.ndarray]], x: np.ndarray) -> np.ndarray:
    """Limited-memory BFGS with a backtracking (Armijo) line search; stops on a small relative change."""
    value, gradient = objective(x)
    steps: list[np.ndarray] = []
    changes: list[np.ndarray] = []
    for _ in range(MAX_ITERATIONS):
        direction = -_two_loop(gradient, steps, changes)
        slope = float(np.dot(gradient, direction))
        if slope >= 0:  # not a descent direction: start the memory again
            steps.clear()
            changes.clear()
            direction, slope = -gradient, -float(np.dot(gradient, gradient))
        t = 1.0 if steps else 1.0 / max(1.0, float(np.abs(gradient).max()))
        while True:
            candidate = x + t * direction
            new_value, new_gradient = objective(candidate)
            if new_value <= value + 1e-4 * t * slope or t < 1e-10:
                break
            t *= 0.5
        step, change = candidate - x, new_gradient - gradient
        if float(np.dot(step, change)) > 1e-10:
            steps.append(step)
            changes.append(change)
            if len(steps) > HISTORY_LENGTH:
                steps.pop(0)
                changes.pop(0)
        done = abs(value - new_value) <= TOLERANCE * max(1.0, abs(value))
        x, value, gradient = candidate, new_value, new_gradient
        if done:
            break
    return x


def _two_loop(gradient: np.ndarray, steps: list[np.ndarray], changes: list[np.ndarray]) -> np.ndarray:
    """The inverse-Hessian approximation applied to the gradient."""
    q = gradient.copy()
    alphas = []
    for step, change in zip(reversed(steps), reversed(changes), strict=True):
        alpha = float(np.dot(step, q) / np.dot(change, step))
        alphas.append(alpha)
        q -= alpha * change
    if steps:
        q *= float(np.dot(steps[-1], changes[-1]) / np.dot(changes[-1], changes[-1]))
    for (step, change), alpha in zip(zip(steps, changes, strict=True), reversed(alphas), strict=True):
        beta = float(np.dot(change, q) / np.dot(change, step))
        q += step * (alpha - beta)
    return q
