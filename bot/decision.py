"""The decision rules: pure functions from check results and confidence to one decision and its reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain import CHECK_ORDER, FAILURE_REASON, CheckResult, Decision, Reason, Role

DEFAULT_AUTO_APPROVE_THRESHOLD = 0.95


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    reason: Reason


def first_failure(checks: Sequence[CheckResult]) -> CheckResult | None:
    """The first failed check in the fixed order of the rules (2 to 7 of the spec)."""
    by_name = {check.name: check for check in checks}
    missing = [name for name in CHECK_ORDER if name not in by_name]
    if missing:
        raise ValueError(f"hard checks missing from the result: {', '.join(missing)}")
    for name in CHECK_ORDER:
        if not by_name[name].passed:
            return by_name[name]
    return None


def decide(checks: Sequence[CheckResult], role: Role, confidence: float | None, threshold: float) -> Verdict:
    """Combine the hard checks, the role's privilege and the approval confidence.

    The hard checks always win: confidence can only choose between auto-approval and an approver,
    and only when every check passed and the role is not privileged. A missing confidence (the index
    was unavailable) never approves.
    """
    failed = first_failure(checks)
    if failed is not None:
        reason = FAILURE_REASON[failed.name]
        decision = Decision.ALREADY_GRANTED if reason is Reason.ALREADY_GRANTED else Decision.DENIED
        return Verdict(decision, reason)
    if role.privileged:
        return Verdict(Decision.PENDING_APPROVAL, Reason.PRIVILEGED_ROLE)
    if confidence is not None and confidence >= threshold:
        return Verdict(Decision.APPROVED, Reason.AUTO_APPROVED)
    return Verdict(Decision.PENDING_APPROVAL, Reason.LOW_CONFIDENCE)


def decide_on_review(checks: Sequence[CheckResult], approve: bool) -> Verdict:
    """An approver's decision: a denial stands; an approval stands only if every hard check still passes."""
    if not approve:
        return Verdict(Decision.DENIED, Reason.DENIED_BY_APPROVER)
    failed = first_failure(checks)
    if failed is not None:
        reason = FAILURE_REASON[failed.name]
        return Verdict(Decision.ALREADY_GRANTED if reason is Reason.ALREADY_GRANTED else Decision.DENIED, reason)
    return Verdict(Decision.APPROVED, Reason.APPROVED_BY_APPROVER)


def confidence_after_judge(confidence: float | None, verdict: str | None) -> float | None:
    """The approval confidence after the optional policy judge: never higher than before.

    "violates" removes it (None never auto-approves, whatever the threshold), so an approver decides; "complies",
    "unclear" and no verdict at all leave it as it was.
    """
    if verdict == "violates":
        return None
    return confidence
