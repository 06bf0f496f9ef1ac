"""The approval-confidence features: what the history says about one (requester, role) pair, as numbers.

Evidence comes in groups of past decisions that share something with the request: the same role; the same role
and one attribute value (requests for this role from Finance); one attribute value for any role (requests from
people whose manager is M); two attribute values for any role (title T under manager M). For each group the
features are the smoothed approval rate (log-odds), the number of past requests and the number of denials. The
peer features are the shares of people in the same department and title, and with the same manager, who hold
the role.

One function, `feature_matrix`, turns counts into features for every path: counts read from the statistics
tables for a request being decided or for a batch of requests, and counts computed in numpy on the history
itself when fitting (each decision's own fold left out, see `history_counts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

# Pseudo-observations at the overall approval rate added to every group before taking its rate.
PRIOR_STRENGTH = 1.0
LOGIT_CLIP = 8.0
PER_GROUP = ("rate", "requests", "denials")
PEER_FEATURES = ("peer_share", "peer_count", "team_share", "team_count")
# After the peers: per attribute, how typical the role is for requesters with that value (log of this role's share
# of their requests), then the linear score of `validators.confidence_linear`.
LINEAR_FEATURE = "linear_score"
# Group kinds, in the order their columns appear.
ROLE, ROLE_ATTRIBUTE, ATTRIBUTE, PAIR = "role", "role_attribute", "attribute", "pair"
# Past this many attributes the rarest are left out (singles), and pairs are built among the first few only:
# pairs grow with the square of the attribute count.
MAX_ATTRIBUTES = 16
MAX_PAIRED_ATTRIBUTES = 10


@dataclass(frozen=True)
class FeatureSchema:
    """The requester attributes the model reads, in order, and which pairs of them are counted."""

    attributes: tuple[str, ...]
    paired: tuple[str, ...]

    # Cached: every request reads them (a frozen dataclass, so they never change).
    @cached_property
    def pairs(self) -> tuple[tuple[int, int], ...]:
        """Index pairs (i < j) into `attributes` of the paired attributes, in name order."""
        index = {name: i for i, name in enumerate(self.attributes)}
        names = sorted(self.paired)
        return tuple((index[a], index[b]) for position, a in enumerate(names) for b in names[position + 1 :])

    @cached_property
    def groups(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """Every evidence group as (kind, attribute indexes), in column order."""
        k = range(len(self.attributes))
        return ((ROLE, ()), *((ROLE_ATTRIBUTE, (i,)) for i in k), *((ATTRIBUTE, (i,)) for i in k),
                *((PAIR, pair) for pair in self.pairs))

    def group_label(self, group: int) -> str:
        kind, members = self.groups[group]
        names = "+".join(self.attributes[i] for i in members)
        return kind if not names else f"{kind}:{names}"

    def feature_names(self) -> list[str]:
        return [f"{self.group_label(g)}:{part}" for g in range(len(self.groups)) for part in PER_GROUP] + list(
            PEER_FEATURES) + [f"role_share:{name}" for name in self.attributes] + [LINEAR_FEATURE]

    def to_json(self) -> dict[str, object]:
        return {"attributes": list(self.attributes), "paired": list(self.paired)}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> FeatureSchema:
        attributes = data.get("attributes", [])
        paired = data.get("paired", [])
        assert isinstance(attributes, list) and isinstance(paired, list)
        return cls(tuple(str(a) for a in attributes), tuple(str(p) for p in paired))


def choose_schema(coverage: dict[str, int]) -> FeatureSchema:
    """The attributes most often present in the history first (name breaks ties), within the caps."""
    ranked = sorted(coverage, key=lambda name: (-coverage[name], name))[:MAX_ATTRIBUTES]
    return FeatureSchema(tuple(ranked), tuple(ranked[:MAX_PAIRED_ATTRIBUTES]))


@dataclass(frozen=True)
class GroupCounts:
    """Past decisions per request (rows) and evidence group (columns), and the peer counts."""

    approved: np.ndarray  # (rows, groups)
    total: np.ndarray  # (rows, groups)
    peers: np.ndarray  # (rows, 4): peer holders, peers, team holders, team members
    linear: np.ndarray  # (rows,): the summed weights of the linear score's indicators (out of fold when fitting)

    @classmethod
    def empty(cls, rows: int, schema: FeatureSchema) -> GroupCounts:
        groups = len(schema.groups)
        return cls(np.zeros((rows, groups)), np.zeros((rows, groups)), np.zeros((rows, 4)), np.zeros(rows))


def smoothed_rate(approved: np.ndarray, total: np.ndarray, prior: float) -> np.ndarray:
    return (approved + PRIOR_STRENGTH * prior) / (total + PRIOR_STRENGTH)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.clip(np.log(p / (1 - p)), -LOGIT_CLIP, LOGIT_CLIP)  # type: ignore[no-any-return]


def feature_matrix(schema: FeatureSchema, counts: GroupCounts, prior: float,
                   linear_bias: float = 0.0) -> np.ndarray:
    """(rows, 3 * groups + 4 + attributes + 1) features; the one feature function of fitting, batch scoring and
    decisions. `linear_bias` is the linear score's intercept (0 when `counts.linear` already holds whole scores)."""
    approved, total = counts.approved, counts.total
    attributes = len(schema.attributes)
    rate = _logit(smoothed_rate(approved, total, prior))
    per_group = np.stack([rate, np.log1p(total), np.log1p(np.maximum(total - approved, 0.0))], axis=2)
    holders, peers, team_holders, team = (counts.peers[:, i] for i in range(4))
    peer_part = np.column_stack([holders / (peers + 1.0), np.log1p(peers), team_holders / (team + 1.0),
                                 np.log1p(team)])
    # The role's share of the requests from people with each attribute value (both counts from the history).
    role_share = np.log1p(total[:, 1 : 1 + attributes]) - np.log1p(total[:, 1 + attributes : 1 + 2 * attributes])
    linear = np.clip(counts.linear + linear_bias, -4 * LOGIT_CLIP, 4 * LOGIT_CLIP)[:, None]
    return np.hstack([per_group.reshape(len(total), -1), peer_part, role_share, linear])


def group_contributions(schema: FeatureSchema, contributions: np.ndarray) -> np.ndarray:
    """Per-feature contributions (rows, features) summed to groups (rows, groups + 1: the peers, role shares and
    linear score together last)."""
    groups = len(schema.groups)
    per_group = contributions[:, : groups * len(PER_GROUP)].reshape(len(contributions), groups, -1).sum(axis=2)
    return np.hstack([per_group, contributions[:, groups * len(PER_GROUP) :].sum(axis=1, keepdims=True)])


# ----------------------------------------------------------------------------------------------------------------
# Counts on the history itself, for fitting


@dataclass(frozen=True)
class HistoryArrays:
    """The history as integer codes: one row per past decision, in a stable order."""

    role: np.ndarray  # (n,) role codes
    approved: np.ndarray  # (n,) bool
    attributes: np.ndarray  # (n, attributes) value codes, -1 where the requester had no value

    def __len__(self) -> int:
        return len(self.role)


def group_keys(history: HistoryArrays, members: tuple[int, ...], with_role: bool) -> np.ndarray:
    """One int64 key per row for a group, -1 where a member attribute is missing."""
    key = history.role.astype(np.int64) if with_role else np.zeros(len(history), dtype=np.int64)
    valid = np.ones(len(history), dtype=bool)
    for member in members:
        codes = history.attributes[:, member].astype(np.int64)
        valid &= codes >= 0
        key = key * (int(history.attributes[:, member].max(initial=0)) + 1) + np.maximum(codes, 0)
    return np.where(valid, key, -1)


def history_counts(schema: FeatureSchema, history: HistoryArrays, rows: np.ndarray, folds: np.ndarray | None,
                   fold_count: int = 1) -> GroupCounts:
    """Counts for the history rows `rows` from the history, leaving out each row's own fold.

    With folds, a row in fold f (0 <= f < fold_count) gets the counts of the other folds, scaled up by
    fold_count / (fold_count - 1) so that they read like counts from the whole history, as at decision time. A
    row in fold -1 is not part of the history: it is counted nowhere and gets the counts of every fold, unscaled
    (what the statistics tables would say about it). Without folds nothing is left out: the statistics tables
    hold exactly these counts. Peer counts are not part of the history (zeros here).
    """
    fold_sets = None if folds is None else np.asarray(folds, dtype=np.int64)[None, :]
    return history_counts_per_folds(schema, history, rows, fold_sets, fold_count)[0]


def history_counts_per_folds(schema: FeatureSchema, history: HistoryArrays, rows: np.ndarray,
                             fold_sets: np.ndarray | None, fold_count: int = 1) -> list[GroupCounts]:
    """`history_counts` for several fold assignments at once (fold_sets: (assignments, history rows))."""
    if fold_sets is None:
        fold_sets, buckets = np.zeros((1, len(history)), dtype=np.int64), 1
    else:
        buckets = fold_count
    results = [GroupCounts.empty(len(rows), schema) for _ in range(len(fold_sets))]
    approved = history.approved.astype(np.float64)
    up = buckets / (buckets - 1) if buckets > 1 else 1.0
    for g, (kind, members) in enumerate(schema.groups):
        keys = group_keys(history, members, kind in (ROLE, ROLE_ATTRIBUTE))
        valid = keys >= 0
        unique, inverse = np.unique(keys[valid], return_inverse=True)
        slot = np.full(len(history), -1)
        slot[valid] = inverse
        wanted = slot[rows]
        present = wanted >= 0
        group = wanted[present]
        for result, fold_of in zip(results, fold_sets, strict=True):
            use = valid & (fold_of >= 0)
            cell = slot[use] * buckets + fold_of[use]
            total = np.bincount(cell, minlength=len(unique) * buckets).reshape(-1, buckets).astype(np.float64)
            yes = np.bincount(cell, approved[use], minlength=len(unique) * buckets).reshape(-1, buckets)
            mine = fold_of[rows][present]
            # Without folds (buckets == 1) every row is "in" the only bucket, and nothing is left out.
            excluded = (mine >= 0) & (buckets > 1)
            own = np.maximum(mine, 0)
            scale = np.where(excluded, up, 1.0)
            result.total[present, g] = (total[group].sum(axis=1) - np.where(excluded, total[group, own], 0)) * scale
            result.approved[present, g] = (yes[group].sum(axis=1) - np.where(excluded, yes[group, own], 0)) * scale
    return results


def encode_history(roles: Sequence[str], approved: Sequence[bool], profiles: Sequence[int] | np.ndarray,
                   profile_values: Sequence[dict[str, str]], schema: FeatureSchema) -> HistoryArrays:
    """Integer codes for history rows given as role ids and indexes into a list of distinct profiles."""
    role_codes = _codes(roles)
    table = np.full((len(profile_values), len(schema.attributes)), -1, dtype=np.int64)
    for a, name in enumerate(schema.attributes):
        values = [profile.get(name) or "" for profile in profile_values]
        codes = _codes(values)
        table[:, a] = np.where(np.array([bool(v) for v in values], dtype=bool), codes, -1)
    index = np.asarray(profiles, dtype=np.int64)
    return HistoryArrays(role_codes, np.asarray(approved, dtype=bool),
                         table[index] if len(index) else np.zeros((0, len(schema.attributes)), dtype=np.int64))


def _codes(values: Sequence[str]) -> np.ndarray:
    mapping: dict[str, int] = {}
    return np.array([mapping.setdefault(value, len(mapping)) for value in values], dtype=np.int64)
