"""The rule that keeps an extrapolated confidence from approving on its own: pure logic."""

from __future__ import annotations

import numpy as np
import pytest

from bot.decision import Support, decide, thin_evidence
from bot.domain import CheckName, CheckResult, Decision, Reason, Role
from validators.confidence import decision_groups
from validators.confidence_model import _folds, _stratified_folds

PASSED = [CheckResult(name=name, passed=True, detail="ok") for name in CheckName]
ROLE = Role(role_id="r", app_id="a", name="Reader", privileged=False)


@pytest.mark.parametrize(("support", "why"), [
    (Support(0, 0, 0, 0), "this role has no past decisions (automatic approval needs at least 5)"),
    (Support(4, 4, 4, 4), "this role has only 4 past decisions (automatic approval needs at least 5)"),
    (Support(1, 1, 1, 1), "this role has only 1 past decision (automatic approval needs at least 5)"),
    (Support(60, 25, 25, 0),
     "nobody in the same department or with the same title has asked for this role or holds it"),
    (Support(60, 25, 10, 8), "only 10 of the 25 nearest past requests for this role were approved"),
    (Support(60, 25, 13, 1), ""), (Support(5, 1, 1, 3), ""), (Support(5, 0, 0, 2), ""),
])
def test_what_the_history_must_hold_before_an_automatic_approval(support: Support, why: str) -> None:
    assert thin_evidence(support, 5) == why
    assert thin_evidence(support, 0) == ""  # the rule turned off
    verdict = decide(PASSED, ROLE, 0.99, 0.95, thin_evidence(support, 5))
    expected = (Decision.PENDING_APPROVAL, Reason.INSUFFICIENT_EVIDENCE) if why else (Decision.APPROVED,
                                                                                     Reason.AUTO_APPROVED)
    assert (verdict.decision, verdict.reason) == expected


def test_thin_evidence_changes_nothing_below_the_threshold_or_when_a_check_fails() -> None:
    thin = thin_evidence(Support(0, 0, 0), 5)
    assert decide(PASSED, ROLE, 0.5, 0.95, thin).reason is Reason.LOW_CONFIDENCE
    failing = [CheckResult(name=c.name, passed=c.name is not CheckName.ELIGIBLE, detail="") for c in PASSED]
    assert decide(failing, ROLE, 0.99, 0.95, thin).reason is Reason.NOT_ELIGIBLE


def test_repeated_decisions_of_one_person_for_one_role_form_one_group() -> None:
    count, groups = decision_groups(["ann", "bob", "ann", None, "ann", None], ["r1", "r1", "r1", "r1", "r2", "r1"])
    assert count == 5
    assert groups.tolist() == [0, 1, 0, 2, 3, 4]
    singletons, rows = decision_groups([None] * 4, ["r"] * 4)
    assert singletons == 4 and rows.tolist() == [0, 1, 2, 3]  # ids in row order: folds drawn as for rows


def test_grouped_folds_keep_each_group_whole_and_singletons_fold_as_before() -> None:
    labels = np.array([1, 1, 1, 0, 0, 0, 1, 1, 0, 1] * 6, dtype=np.float64)
    groups = np.repeat(np.arange(10), 6)
    folds = _folds(labels, 3, np.random.default_rng(1), groups)
    for group in range(10):
        assert len(set(folds[groups == group].tolist())) == 1
    assert len(set(folds.tolist())) == 3
    plain = _folds(labels, 3, np.random.default_rng(1), np.arange(len(labels)))
    assert plain.tolist() == _stratified_folds(labels, 3, np.random.default_rng(1)).tolist()
