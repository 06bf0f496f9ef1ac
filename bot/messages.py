"""What the chat says to the person: one short answer with its reasons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.domain import FAILURE_REASON, CheckName, CheckResult, Decision, Evidence, Outcome, Person, Reason, Review, Role
from bot.ports import Catalog
from bot.understanding.time_limits import shown_end

_PEER_KINDS = ("peer_share", "similar_requests", "team_share")


def _who(target: Person, is_requester: bool) -> str:
    return "you" if is_requester else target.display_name


def described_access(catalog: Catalog, app_id: str | None, role_id: str | None, who: str) -> str:
    """'Viewer in Ledgerly for you': the access a request is about; "" when the catalog has not (or no longer) got
    its role or application."""
    app = catalog.applications.get(app_id or "")
    role = catalog.roles.get(role_id or "")
    return f"{role.name} in {app.name} for {who}" if role is not None and app is not None else ""


def decision_message(
    decision: Decision,
    reason: Reason,
    target: Person,
    is_requester: bool,
    role: Role,
    app_name: str,
    request_id: str | None,
    failed: CheckResult | None,
    confidence: float | None,
    evidence: Sequence[Evidence],
    thin: str = "",
    until: datetime | None = None,
    zone: str = "",
    also_failed: Sequence[CheckResult] = (),
) -> str:
    """The answer for a complete request (`thin`: why the history says too little to approve it unaided; `until`:
    the end of the access asked for; `zone`: the reader's time zone, the clock ends are shown on; `also_failed`:
    the checks a denial failed besides `failed`, so that fixing one reason does not lead to the next)."""
    who = _who(target, is_requester)
    what = f"{role.name} in {app_name}" + (f" until {shown_end(until, zone)}" if until is not None else "")
    ref = f" (request {request_id})" if request_id else ""
    policy = next((item for item in evidence if item.kind == "policy"), None)
    cite = f" See {policy.title or policy.summary.split(': ', 1)[0]}." if policy else ""
    if decision is Decision.APPROVED:
        # What speaks for it: shares of peers or similar requests of one half or more (a "0 of 4 people hold this
        # role" is evidence, but not a reason to approve).
        support = "; ".join(item.summary for item in evidence
                            if item.kind in _PEER_KINDS and item.score is not None and item.score >= 0.5)
        because = f" Approval confidence {confidence:.0%}" + (f": {support}." if support else ".")
        return f"Approved: {who} now {'have' if is_requester else 'has'} {what}{ref}.{because}"
    if decision is Decision.ALREADY_GRANTED:  # held, for at least as long as asked
        held = failed.data.get("held_until") if failed is not None else None
        held_until = f" until {shown_end(datetime.fromisoformat(held), zone)}" if held else ""
        return (f"{who[:1].upper()}{who[1:]} already {'have' if is_requester else 'has'} {role.name} in "
                f"{app_name}{held_until}. Nothing to do.")
    if decision is Decision.DENIED:
        detail = failed.detail if failed else reason.value
        also = "".join(f" Also: {_denial_text(FAILURE_REASON[check.name])} ({check.detail})."
                       for check in also_failed if check is not failed)
        return f"Denied: {what} for {who}{ref}. Reason: {_denial_text(reason)} ({detail}).{also}{cite}"
    if reason is Reason.PRIVILEGED_ROLE:
        until_said = f" until {shown_end(until, zone)}" if until is not None else ""
        return (f"Sent for approval{ref}: {role.name} in {app_name} is a privileged role, so the application owner "
                f"must approve it for {who}{until_said}.{cite}")
    if confidence is None:
        return (f"Sent for approval{ref}: {what} for {who}. The approval confidence is unavailable at the moment, so "
                "an approver will decide.")
    shown = f"{confidence:.0%}"
    if reason is Reason.INSUFFICIENT_EVIDENCE:
        return (f"Sent for approval{ref}: {what} for {who}. The approval confidence is {shown}, but {thin}, so an "
                "approver will decide.")
    return (f"Sent for approval{ref}: {what} for {who}. The approval confidence ({shown}) is below the "
            "auto-approval threshold, so an approver will decide.")


def extension_note(decision: Decision, checks: Sequence[CheckResult], target: Person, is_requester: bool,
                   until: datetime | None, zone: str = "") -> str:
    """Added to the answer for a request for a role held until a date, granted or sent for approval: that it
    changes the end of a grant held (to `until`, or to none), not a new grant."""
    if decision not in (Decision.APPROVED, Decision.PENDING_APPROVAL):
        return ""
    held = next((check.data.get("held_until") for check in checks if check.name is CheckName.NOT_ALREADY_GRANTED),
                None)
    if not held:
        return ""
    who = _who(target, is_requester)
    ends = shown_end(datetime.fromisoformat(held), zone)
    new_end = "no end" if until is None else "the new end"
    if decision is Decision.APPROVED:
        return f" This extends the grant {who} held until {ends}: it has {new_end} now."
    holds = "hold" if is_requester else "holds"
    return f" This would extend the grant {who} {holds} until {ends} ({new_end} if approved)."


def _denial_text(reason: Reason) -> str:
    return {
        Reason.NOT_AUTHORIZED_FOR_TARGET: "you may only request access for yourself, your reports, or as a delegate",
        Reason.USER_INACTIVE: "the person is not active",
        Reason.SOD_CONFLICT: "it would create a segregation-of-duties conflict",
        Reason.PREREQUISITE_MISSING: "a prerequisite role is missing",
        Reason.NOT_ELIGIBLE: "the person is not eligible for this role",
    }.get(reason, reason.value)


def _overruled_text(reason: Reason) -> str:
    """Why an approval did not stand, where no check says it (the catalog or the time asked for changed)."""
    return {Reason.NO_LONGER_IN_CATALOG: "the role or the person is no longer in the catalog",
            Reason.EXPIRED: "the access asked for had already ended"}.get(reason, _denial_text(reason))


# Added to a pending request's answer when nobody may decide it: the owner is the requester (or has left) and has
# no active manager, so it would wait unseen until it expires.
NO_APPROVER_NOTE = (" But nobody can decide it at the moment: the application's owner cannot (they asked for it, "
                    "it is for them, or they have left) and has no active manager. Please contact your IAM team; "
                    "unless someone is made able to decide it, it expires.")


def explanation(outcome: Outcome, decider: str = "") -> str:
    """The reasons of a recorded decision, asked for after it ("why?"): its answer again, and every check it did
    not pass where more than the first failed; first what was decided since, if anything was (`decider`: the name
    of whoever decided it)."""
    failed = [check.detail for check in outcome.checks if not check.passed and check.detail]
    more = f" Checks not passed: {'; '.join(failed)}." if len(failed) > 1 else ""
    return f"About request {outcome.request_id}: {since_filed(outcome, decider)}{outcome.message}{more}"


def since_filed(outcome: Outcome, decider: str = "") -> str:
    """What happened to a recorded request after it was filed, leading into its answer at filing ("Denied by Lina
    Reyes on 2026-12-05: "not needed". When it was filed: ..."); "" when nothing did."""
    review = outcome.review
    if review is None:
        return ""
    when = f"{review.decided_at.astimezone(UTC):%Y-%m-%d}"
    comment = review.comment.strip()
    said = f" (\"{comment}\")" if comment else ""
    if review.action == "approve" and review.decision is not Decision.APPROVED:
        # The approver approved; the checks run again at approval overruled it.
        why = review.checks_failed or _overruled_text(review.reason)
        what = (f"{status_text(review.decision).capitalize()} on {when}: {decider or review.decided_by} approved "
                f"it{said}, but when approved it failed the checks: {why}.")
    elif review.reason is Reason.EXPIRED:
        what = f"Denied on {when}: it expired before anyone decided it."
    elif review.reason is Reason.WITHDRAWN:
        what = f"Withdrawn by {decider or review.decided_by} on {when}."
    else:
        said = f": \"{comment}\"" if comment else ""
        what = f"{status_text(review.decision).capitalize()} by {decider or review.decided_by} on {when}{said}."
    return f"{what}{_FILED_LEAD}"


# Leads from what happened since filing into the answer given at filing.
_FILED_LEAD = " When it was filed: "


def for_an_approver(outcome: Outcome, what: str, decider: str) -> str:
    """A recorded request as one of its approvers reads it (not its requester, nor the person it is for): `what`
    it asks for and for whom (" (Viewer in Box for Ana Ferreira)"), its state, and where to decide it while it
    waits, as the chat tells an approver. The answer given at filing spoke to the requester ("... for you") and is
    left out; `decider`: who decided since filing, as the approver reads it ("you", a name)."""
    ref = f"Request {outcome.request_id}{what}"
    if outcome.decision is Decision.PENDING_APPROVAL:
        return (f"{ref} is waiting for approval, and you are one of its approvers: decide it in the console "
                f"(/console) or with `askiam approvals decide {outcome.request_id} approve|deny`.")
    if outcome.review is not None:
        return f"{ref}: {since_filed(outcome, decider).removesuffix(_FILED_LEAD)}"
    return f"{ref} is {status_text(outcome.decision, outcome.reason)}."


def closed_text(request_id: str, review: Review, decider: str) -> str:
    """Why a request no longer waits for a decision, told to an approver who tries to decide it (the API's 409, the
    command line, Lex), in the console's words: who closed it, when and how. `review`: its latest decision (the
    filing's if nobody decided since); `decider`: who took it, as named to the approver ("Kwame Kamau (kkamau)")."""
    when = f"{review.decided_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    status = status_text(review.decision, review.reason)
    if review.reason is Reason.WITHDRAWN:
        return f"{decider} withdrew {request_id} on {when}, before your decision"
    if review.action == "approve" and review.decision is not Decision.APPROVED:
        why = review.checks_failed or _overruled_text(review.reason)
        return (f"{decider} approved {request_id} on {when}, but it failed the checks run again then and was "
                f"{status}: {why}")
    if review.reason is Reason.EXPIRED:
        why = f" ({review.comment})" if review.comment else ""
        return f"{request_id} expired on {when} before anyone decided it{why}"
    if review.action is None:  # the filing's own decision: approved on its own, denied, or already held
        return f"AskIAM decided {request_id} when it was asked, on {when} ({status})"
    said = f": \"{review.comment}\"" if review.comment else ""
    return f"{request_id} was already {status} by {decider} on {when}{said}"


def pending_again_message(request_id: str, role: Role, app_name: str, pending_until: datetime | None = None,
                          asked_until: datetime | None = None, zone: str = "") -> str:
    """The answer to asking again for a role still waiting for approval, with the end that request has (on the
    clock of `zone`); an other end asked for now is said not to apply."""
    until = f" until {shown_end(pending_until, zone)}" if pending_until else ""
    message = f"This request is already waiting for approval as {request_id} ({role.name} in {app_name}{until})."
    if asked_until != pending_until:
        asked = f"until {shown_end(asked_until, zone)}" if asked_until else "without an end"
        message += (f" It keeps that end; the one asked for now ({asked}) is not added to it. To change it, withdraw "
                    f"it (\"cancel {request_id}\") and ask again with the end you need.")
    return message


_STATUS_TEXT = {
    Decision.APPROVED: "approved",
    Decision.PENDING_APPROVAL: "waiting for approval",
    Decision.DENIED: "denied",
    Decision.ALREADY_GRANTED: "closed: the access was already there",
    Decision.NEEDS_CLARIFICATION: "not complete: it was waiting for more details",
}


# A denial nobody chose is said as what it was.
_CLOSED_TEXT = {Reason.WITHDRAWN: "withdrawn", Reason.EXPIRED: "expired (denied: nobody decided it in time)"}


def status_text(decision: Decision, reason: Reason | str | None = None) -> str:
    """A request's state in words: "waiting for approval", "denied", "withdrawn", ..."""
    if decision is Decision.DENIED and reason is not None and Reason(reason) in _CLOSED_TEXT:
        return _CLOSED_TEXT[Reason(reason)]
    return _STATUS_TEXT.get(decision, decision.value.lower().replace("_", " "))
