"""Which hard checks a recorded request shows as its current ones: as last run, at filing or at approval."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain import CHECK_ORDER, CheckName, CheckResult, Decision, Outcome, Reason, Review

_AT = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
_FILED = [CheckResult(name=name, passed=True, detail=f"{name.value.lower()} ok") for name in CHECK_ORDER]


def _outcome(review: Review | None) -> Outcome:
    return Outcome(request_id="R-7", decision=review.decision if review else Decision.PENDING_APPROVAL,
                   reason=review.reason if review else Reason.LOW_CONFIDENCE, user_id="u1", app_id="orbit",
                   role_id="orbit-viewer", confidence=0.2, checks=_FILED, evidence=[], message="Sent for approval.",
                   requester_id="u1", review=review)


def _denied_at_approval(**kept: object) -> Review:
    return Review(decision=Decision.DENIED, reason=Reason.SOD_CONFLICT, decided_by="lr", decided_at=_AT,
                  action="approve", checks_failed="conflicts with Poster in Orbit, already held", **kept)  # type: ignore[arg-type]


def test_the_checks_at_filing_while_nothing_ran_them_again() -> None:
    assert _outcome(None).checks_now() == _FILED
    withdrawn = Review(decision=Decision.DENIED, reason=Reason.WITHDRAWN, decided_by="u1", decided_at=_AT)
    assert _outcome(withdrawn).checks_now() == _FILED


def test_the_checks_as_run_again_at_approval() -> None:
    rerun = tuple(check if check.name is not CheckName.NO_SOD_CONFLICT else
                  CheckResult(name=check.name, passed=False, detail="conflicts with Poster in Orbit")
                  for check in _FILED)
    assert _outcome(_denied_at_approval(checks=rerun)).checks_now() == list(rerun)


def test_a_decision_recorded_before_its_checks_were_kept_shows_the_check_its_reason_stands_for_failed() -> None:
    shown = _outcome(_denied_at_approval()).checks_now()
    failed = [check for check in shown if not check.passed]
    assert [(check.name, check.detail) for check in failed] == [
        (CheckName.NO_SOD_CONFLICT, "conflicts with Poster in Orbit, already held")]
    assert [check.name for check in shown] == list(CHECK_ORDER)
