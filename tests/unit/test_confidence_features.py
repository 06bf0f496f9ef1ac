"""Counts and features of the approval confidence: folds leave a decision out of its own evidence."""

from __future__ import annotations

import numpy as np

from validators.confidence_features import (
    MAX_ATTRIBUTES,
    MAX_PAIRED_ATTRIBUTES,
    FeatureSchema,
    GroupCounts,
    HistoryArrays,
    choose_schema,
    encode_history,
    feature_matrix,
    history_counts,
    history_counts_per_folds,
)

SCHEMA = FeatureSchema(("dept", "title", "manager"), ("dept", "manager", "title"))
PROFILES = [{"dept": "fin", "title": "acct", "manager": "m1"}, {"dept": "fin", "title": "acct"},
            {"dept": "ops", "title": "acct", "manager": "m1"}]
#          role  approved  profile
ROWS = [("viewer", True, 0), ("viewer", True, 0), ("viewer", False, 2), ("viewer", True, 1), ("admin", False, 0),
        ("admin", True, 2)]


def history() -> HistoryArrays:
    return encode_history([r[0] for r in ROWS], [r[1] for r in ROWS], [r[2] for r in ROWS], PROFILES, SCHEMA)


def column(label: str) -> int:
    return [SCHEMA.group_label(g) for g in range(len(SCHEMA.groups))].index(label)


def test_schema_orders_groups_and_pairs_by_name() -> None:
    assert SCHEMA.pairs == ((0, 2), (0, 1), (2, 1))  # dept+manager, dept+title, manager+title
    assert SCHEMA.group_label(0) == "role" and SCHEMA.group_label(len(SCHEMA.groups) - 1) == "pair:manager+title"
    assert len(SCHEMA.feature_names()) == 3 * len(SCHEMA.groups) + 4 + len(SCHEMA.attributes) + 1
    assert FeatureSchema.from_json(SCHEMA.to_json()) == SCHEMA


def test_schema_keeps_the_best_covered_attributes_within_the_caps() -> None:
    coverage = {f"a{i:02d}": 100 - i for i in range(30)} | {"zz": 1000}
    schema = choose_schema(coverage)
    assert schema.attributes[0] == "zz" and len(schema.attributes) == MAX_ATTRIBUTES
    assert schema.paired == schema.attributes[:MAX_PAIRED_ATTRIBUTES]
    assert choose_schema({"b": 5, "a": 5}).attributes == ("a", "b")


def test_counts_without_folds_are_the_plain_aggregates() -> None:
    counts = history_counts(SCHEMA, history(), np.arange(len(ROWS)), None)
    assert (counts.total[0, column("role")], counts.approved[0, column("role")]) == (4, 3)
    assert (counts.total[0, column("role_attribute:dept")], counts.approved[0, column("role_attribute:dept")]) == (
        3, 3)
    assert counts.total[0, column("attribute:manager")] == 5  # rows with manager m1, any role
    assert counts.total[3, column("attribute:manager")] == 0  # the requester has no manager
    assert counts.total[0, column("pair:dept+title")] == 4 and counts.approved[0, column("pair:dept+title")] == 3


def test_a_row_never_counts_its_own_fold_and_outsiders_count_nothing() -> None:
    folds = np.array([0, 1, 0, 1, 1, -1])  # the last row is a request, not history
    counts = history_counts(SCHEMA, history(), np.arange(len(ROWS)), folds, fold_count=2)
    role = column("role")
    # Row 0 (fold 0) sees the viewer rows of fold 1 only (rows 1 and 3, approved), doubled back to full scale.
    assert (counts.total[0, role], counts.approved[0, role]) == (4, 4)
    # Row 5 (a request) sees every admin decision of the history (row 4) at face value.
    assert (counts.total[5, role], counts.approved[5, role]) == (1, 0)
    # Row 4 (fold 1, admin) has no other admin decision in fold 0, and row 5 is not history.
    assert counts.total[4, role] == 0
    several = history_counts_per_folds(SCHEMA, history(), np.arange(len(ROWS)), np.vstack([folds, folds]), 2)
    assert np.array_equal(several[1].total, counts.total)


def test_features_fall_back_to_the_prior_without_evidence() -> None:
    counts = GroupCounts.empty(2, SCHEMA)
    counts.total[1], counts.approved[1] = 9.0, 0.0
    features = feature_matrix(SCHEMA, counts, prior=0.8)
    assert np.allclose(features[0, 0], np.log(0.8 / 0.2))
    assert features[1, 0] < -1.5 and np.isclose(features[1, 2], np.log(10.0))
    assert features.shape == (2, len(SCHEMA.feature_names()))
