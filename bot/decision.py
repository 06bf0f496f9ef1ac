"""The decision rules: pure functions from check results and confidence to one decision and its reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain import CHECK_ORDER, FAILURE_REASON, CheckName, CheckResult, Decision, Reason, Role

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


@dataclass(frozen=True)
class Support:
    """What the history holds about this very request: the role's past decisions and, among the past requests for
    the role from requesters with a similar profile, how many were approved."""

    role_decisions: int
    similar: int
    similar_approved: int
    # Past requests for the role from requesters in the same department or with the same title, plus the people
    # in the same department with the same title who hold it.
    like_requester: int = 0


def thin_evidence(support: Support | None, min_role_decisions: int) -> str:
    """Why the history says too little about this request to approve it without a person ("" when it says enough;
    always "" when `min_role_decisions` is 0, which turns the rule off).

    A model's confidence for a request unlike anything it learned from (a role nobody asked for yet, a requester
    unlike every past requester of the role) is an extrapolation: high as it may be, an approver decides."""
    if support is None or min_role_decisions <= 0:
        return ""
    if support.role_decisions < min_role_decisions:
        have = "no past decisions" if support.role_decisions == 0 else (
            f"only {support.role_decisions} past decision{'s' if support.role_decisions != 1 else ''}")
        return f"this role has {have} (automatic approval needs at least {min_role_decisions})"
    if support.like_requester == 0:
        return "nobody in the same department or with the same title has asked for this role or holds it"
    if 2 * support.similar_approved < support.similar:
        return (f"only {support.similar_approved} of the {support.similar} nearest past requests for this role were "
                "approved")
    return ""


def decide(checks: Sequence[CheckResult], role: Role, confidence: float | None, threshold: float,
           thin: str = "") -> Verdict:
    """Combine the hard checks, the role's privilege and the approval confidence.

    The hard checks always win: confidence can only choose between auto-approval and an approver,
    and only when every check passed and the role is not privileged. A missing confidence (the index
    was unavailable) never approves, and neither does one the history says too little about (`thin`, from
    `thin_evidence`).
    """
    failed = first_failure(checks)
    if failed is not None:
        reason = FAILURE_REASON[failed.name]
        decision = Decision.ALREADY_GRANTED if reason is Reason.ALREADY_GRANTED else Decision.DENIED
        return Verdict(decision, reason)
    if role.privileged:
        return Verdict(Decision.PENDING_APPROVAL, Reason.PRIVILEGED_ROLE)
    if confidence is not None and confidence >= threshold:
        if thin:
            return Verdict(Decision.PENDING_APPROVAL, Reason.INSUFFICIENT_EVIDENCE)
        return Verdict(Decision.APPROVED, Reason.AUTO_APPROVED)
    return Verdict(Decision.PENDING_APPROVAL, Reason.LOW_CONFIDENCE)


def decide_on_review(checks: Sequence[CheckResult], approve: bool, in_catalog: bool = True) -> Verdict:
    """An approver's decision: a denial stands; an approval stands only if every hard check still passes, the role
    and the person are still in the catalog (an import may have removed them) and the person is still active (a
    leaver's request is denied as such, whatever else changed)."""
    if not approve:
        return Verdict(Decision.DENIED, Reason.DENIED_BY_APPROVER)
    if not in_catalog:
        return Verdict(Decision.DENIED, Reason.NO_LONGER_IN_CATALOG)
    if any(check.name is CheckName.TARGET_ACTIVE and not check.passed for check in checks):
        return Verdict(Decision.DENIED, Reason.USER_INACTIVE)
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
