"""What a recorded request says about the decisions taken after it was filed (pure wording)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bot.domain import Decision, Outcome, Reason, Review
from bot.messages import closed_text, explanation, since_filed

_FILED = "Sent for approval (request R-7): Viewer in Orbit for you. An approver will decide."


def _outcome(review: Review | None) -> Outcome:
    return Outcome(request_id="R-7", decision=review.decision if review else Decision.PENDING_APPROVAL,
                   reason=review.reason if review else Reason.LOW_CONFIDENCE, user_id="u1", app_id="orbit",
                   role_id="orbit-viewer", confidence=0.2, checks=[], evidence=[], message=_FILED,
                   requester_id="u1", review=review)


def test_nothing_decided_since_leaves_the_answer_at_filing() -> None:
    assert since_filed(_outcome(None)) == ""
    assert explanation(_outcome(None)) == f"About request R-7: {_FILED}"


def test_an_approvers_decision_leads_with_who_when_and_the_comment() -> None:
    # 00:30 at +02:00 is the day before in UTC: the day shown is UTC's.
    at = datetime(2026, 12, 6, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    denied = Review(decision=Decision.DENIED, reason=Reason.DENIED_BY_APPROVER, decided_by="lr", decided_at=at,
                    comment="  not needed ")
    assert explanation(_outcome(denied), "Lina Reyes") == (
        f"About request R-7: Denied by Lina Reyes on 2026-12-05: \"not needed\". When it was filed: {_FILED}")
    approved = Review(decision=Decision.APPROVED, reason=Reason.APPROVED_BY_APPROVER, decided_by="lr", decided_at=at)
    assert since_filed(_outcome(approved)) == "Approved by lr on 2026-12-05. When it was filed: "


def test_an_expiry_says_nobody_decided() -> None:
    expired = Review(decision=Decision.DENIED, reason=Reason.EXPIRED, decided_by="askiam",
                     decided_at=datetime(2026, 12, 5, 9, 0, tzinfo=UTC), comment="pending for 14 days")
    assert since_filed(_outcome(expired)) == "Denied on 2026-12-05: it expired before anyone decided it. " \
                                             "When it was filed: "


def test_an_approver_too_late_is_told_who_closed_the_request_and_how() -> None:
    at = datetime(2026, 12, 5, 9, 24, tzinfo=UTC)
    overruled = Review(decision=Decision.DENIED, reason=Reason.SOD_CONFLICT, decided_by="lk", decided_at=at,
                       action="approve", checks_failed="conflicts with AP Clerk in NetSuite, already held")
    assert closed_text("R-7", overruled, "Leila Kaur (lk)") == (
        "Leila Kaur (lk) approved R-7 on 2026-12-05 09:24 UTC, but it failed the checks run again then and was "
        "denied: conflicts with AP Clerk in NetSuite, already held")
    ended = Review(decision=Decision.DENIED, reason=Reason.EXPIRED, decided_by="askiam", decided_at=at,
                   comment="the access asked for ended at 2026-12-04 00:00 UTC before a decision")
    assert closed_text("R-7", ended, "askiam") == (
        "R-7 expired on 2026-12-05 09:24 UTC before anyone decided it (the access asked for ended at 2026-12-04 "
        "00:00 UTC before a decision)")
    withdrawn = Review(decision=Decision.DENIED, reason=Reason.WITHDRAWN, decided_by="kk", decided_at=at)
    assert closed_text("R-7", withdrawn, "Kwame Kamau (kk)") == (
        "Kwame Kamau (kk) withdrew R-7 on 2026-12-05 09:24 UTC, before your decision")
