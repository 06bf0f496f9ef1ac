"""The decision rules as pure functions: order of reasons, privilege, threshold, and no unsafe outcome ever."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.decision import decide, first_failure
from bot.domain import CHECK_ORDER, FAILURE_REASON, CheckResult, Decision, Reason, Role

ROLE = Role(role_id="r", app_id="a", name="R")
PRIVILEGED = Role(role_id="p", app_id="a", name="P", privileged=True)


def checks(failing: set[int]) -> list[CheckResult]:
    return [CheckResult(name=name, passed=index not in failing, detail="") for index, name in enumerate(CHECK_ORDER)]


@pytest.mark.parametrize("index", range(len(CHECK_ORDER)))
def test_the_first_failing_check_is_the_reason(index: int) -> None:
    verdict = decide(checks({index, len(CHECK_ORDER) - 1}), ROLE, 0.99, 0.95)
    assert verdict.reason is FAILURE_REASON[CHECK_ORDER[index]]
    expected = Decision.ALREADY_GRANTED if verdict.reason is Reason.ALREADY_GRANTED else Decision.DENIED
    assert verdict.decision is expected


def test_privileged_goes_to_approver_and_threshold_decides_the_rest() -> None:
    assert decide(checks(set()), PRIVILEGED, 1.0, 0.95).reason is Reason.PRIVILEGED_ROLE
    assert decide(checks(set()), ROLE, 0.95, 0.95).decision is Decision.APPROVED
    assert decide(checks(set()), ROLE, 0.9499, 0.95).reason is Reason.LOW_CONFIDENCE
    assert decide(checks(set()), ROLE, None, 0.0).reason is Reason.LOW_CONFIDENCE


def test_a_missing_check_is_an_error_not_a_pass() -> None:
    with pytest.raises(ValueError, match="missing"):
        first_failure(checks(set())[:-1])


@given(failing=st.sets(st.integers(0, len(CHECK_ORDER) - 1)), privileged=st.booleans(),
       confidence=st.one_of(st.none(), st.floats(0, 1)), threshold=st.floats(0, 1))
def test_never_approved_when_a_check_fails_or_the_role_is_privileged(failing: set[int], privileged: bool,
                                                                     confidence: float | None,
                                                                     threshold: float) -> None:
    verdict = decide(checks(failing), PRIVILEGED if privileged else ROLE, confidence, threshold)
    if failing or privileged or confidence is None:
        assert verdict.decision is not Decision.APPROVED
    else:
        assert (verdict.decision is Decision.APPROVED) == (confidence >= threshold)
