"""The vocabulary of AskIAM: people, catalog entries, checks, evidence and decisions."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Decision(StrEnum):
    APPROVED = "APPROVED"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    DENIED = "DENIED"
    ALREADY_GRANTED = "ALREADY_GRANTED"
    NEEDS_CLARIFICATION = "NEEDS_CLARIFICATION"


class Reason(StrEnum):
    AUTO_APPROVED = "AUTO_APPROVED"
    LOW_CONFIDENCE = "LOW_CONFIDENCE"
    # Confident enough, but the history says too little about this very request (see bot.decision.thin_evidence).
    INSUFFICIENT_EVIDENCE = "INSUFFICIENT_EVIDENCE"
    PRIVILEGED_ROLE = "PRIVILEGED_ROLE"
    ALREADY_GRANTED = "ALREADY_GRANTED"
    NOT_AUTHORIZED_FOR_TARGET = "NOT_AUTHORIZED_FOR_TARGET"
    USER_INACTIVE = "USER_INACTIVE"
    SOD_CONFLICT = "SOD_CONFLICT"
    PREREQUISITE_MISSING = "PREREQUISITE_MISSING"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    AMBIGUOUS_OR_MISSING_ENTITY = "AMBIGUOUS_OR_MISSING_ENTITY"
    # A request to remove access: answered (AskIAM handles new access only) and the conversation ended.
    REMOVAL_NOT_HANDLED = "REMOVAL_NOT_HANDLED"
    # A message that asks for nothing ("never mind" calling off the request in progress, "ok thanks"): answered and
    # the conversation ended.
    NOTHING_REQUESTED = "NOTHING_REQUESTED"
    APPROVED_BY_APPROVER = "APPROVED_BY_APPROVER"
    DENIED_BY_APPROVER = "DENIED_BY_APPROVER"
    EXPIRED = "EXPIRED"
    # Called off while waiting for approval by the person who asked or the one it was for.
    WITHDRAWN = "WITHDRAWN"
    # Approved after an import took the role or the person out of the catalog: nothing can be granted.
    NO_LONGER_IN_CATALOG = "NO_LONGER_IN_CATALOG"


class CheckName(StrEnum):
    """The hard checks, in the order in which the first failure becomes the reason."""

    AUTHORIZED_FOR_TARGET = "AUTHORIZED_FOR_TARGET"
    TARGET_ACTIVE = "TARGET_ACTIVE"
    NOT_ALREADY_GRANTED = "NOT_ALREADY_GRANTED"
    NO_SOD_CONFLICT = "NO_SOD_CONFLICT"
    PREREQUISITES_MET = "PREREQUISITES_MET"
    ELIGIBLE = "ELIGIBLE"


CHECK_ORDER: tuple[CheckName, ...] = tuple(CheckName)

FAILURE_REASON: dict[CheckName, Reason] = {
    CheckName.AUTHORIZED_FOR_TARGET: Reason.NOT_AUTHORIZED_FOR_TARGET,
    CheckName.TARGET_ACTIVE: Reason.USER_INACTIVE,
    CheckName.NOT_ALREADY_GRANTED: Reason.ALREADY_GRANTED,
    CheckName.NO_SOD_CONFLICT: Reason.SOD_CONFLICT,
    CheckName.PREREQUISITES_MET: Reason.PREREQUISITE_MISSING,
    CheckName.ELIGIBLE: Reason.NOT_ELIGIBLE,
}


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Person(Frozen):
    user_id: str
    email: str
    display_name: str
    status: str
    employment_type: str = ""
    department: str = ""
    title: str = ""
    manager_id: str | None = None
    location: str = ""
    attributes: dict[str, str] = Field(default_factory=dict)

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def attribute(self, name: str) -> str | None:
        """The value of a directory attribute, standard column or extra one."""
        standard = {
            "user_id": self.user_id,
            "email": self.email,
            "display_name": self.display_name,
            "status": self.status,
            "employment_type": self.employment_type,
            "department": self.department,
            "title": self.title,
            "manager_id": self.manager_id,
            "location": self.location,
        }
        if name in standard:
            return standard[name]
        return self.attributes.get(name)

    @property
    def time_zone(self) -> str:
        """The IANA name of the person's time zone (users.csv's `time_zone`), or "" for UTC."""
        return self.attributes.get("time_zone", "")

    def profile(self) -> dict[str, str]:
        """Attributes that describe the person's position, as used for peer similarity."""
        values = {
            "department": self.department,
            "title": self.title,
            "manager_id": self.manager_id or "",
            "location": self.location,
            "employment_type": self.employment_type,
            **self.attributes,
        }
        return {key: value for key, value in values.items() if value}


class Application(Frozen):
    app_id: str
    name: str
    aliases: tuple[str, ...] = ()
    owner_id: str | None = None
    description: str = ""


class Role(Frozen):
    role_id: str
    app_id: str
    name: str
    aliases: tuple[str, ...] = ()
    privileged: bool = False
    description: str = ""


class CheckResult(Frozen):
    name: CheckName
    passed: bool
    detail: str
    data: dict[str, Any] = Field(default_factory=dict)


class Evidence(Frozen):
    """One piece of retrieved evidence: a similar past decision, a peer statistic or a policy passage."""

    evidence_id: str
    kind: str
    summary: str
    score: float | None = None
    source: str | None = None
    # A policy passage's document title, whole ("St. Brigid's Hospital: Access Standard"), for citing it in the answer
    # (the summary leads with it); None for other kinds. Not stored or shown apart: the summary holds it.
    title: str | None = Field(default=None, exclude=True)


class Confidence(Frozen):
    probability: float
    evidence: tuple[Evidence, ...] = ()
    features: dict[str, float] = Field(default_factory=dict)
    available: bool = True
    note: str = ""


class MatchedEntity(Frozen):
    kind: str
    id: str
    label: str
    score: float
    matched_text: str


class Candidate(Frozen):
    id: str
    label: str


class Clarification(Frozen):
    """What is missing or ambiguous, and the one question that settles it."""

    slot: str
    question: str
    candidates: tuple[Candidate, ...] = ()
    mentioned: str = ""


class ResolvedRequest(Frozen):
    """The entities understood from the text, complete or with one clarification outstanding."""

    target: Person | None = None
    application: Application | None = None
    role: Role | None = None
    matches: tuple[MatchedEntity, ...] = ()
    clarification: Clarification | None = None
    target_is_requester: bool = False
    # The end of the access asked for, when the request gives one.
    until: datetime | None = None

    @property
    def is_complete(self) -> bool:
        return self.clarification is None and None not in (self.target, self.application, self.role)


class PublicOutcome(BaseModel):
    """The decision on one request as every channel shows it (`askiam ask --json`, the HTTP API)."""

    model_config = ConfigDict(extra="forbid")

    request_id: str
    decision: Decision
    reason: Reason
    user_id: str | None
    app_id: str | None
    role_id: str | None
    confidence: float | None
    checks: list[CheckResult]
    evidence: list[Evidence]
    message: str
    # When the access granted, or asked for, ends ("for two weeks"); None for access without an end. Always UTC
    # (read on the requester's clock, it is the same moment), as the records store it.
    access_until: datetime | None = None

    @field_validator("access_until")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        return value.astimezone(UTC) if value is not None and value.tzinfo is not None else value


class Review(Frozen):
    """A decision taken on a request after it was filed: an approver's, or the expiry of one nobody decided."""

    decision: Decision
    reason: Reason
    decided_by: str
    decided_at: datetime
    comment: str = ""
    # What an approver chose ("approve", "deny"; None for an expiry or a withdrawal), and the checks that did not
    # pass when it was decided: an approval the checks overrule is a denial the approver did not choose.
    action: str | None = None
    checks_failed: str = ""
    # The hard checks as this decision ran them (an approver's decision runs them again under the request's lock);
    # None where none ran (an expiry, a withdrawal) or the decision was recorded before they were kept.
    checks: tuple[CheckResult, ...] | None = None


class Outcome(PublicOutcome):
    """The result of one request: the public fields, and what the core keeps for the conversation."""

    requester_id: str
    clarification: Clarification | None = None
    repeated: bool = False
    # The request's text as recorded (a conversation's turns joined by " / "); empty on a fresh outcome.
    text: str = ""
    # The last decision taken after filing, on a recorded request read back; `message` is the answer at filing.
    review: Review | None = None

    def checks_now(self) -> list[CheckResult]:
        """The hard checks as last run: at the decision taken since filing when it ran them again, else at filing.
        A decision recorded before its checks were kept still says which check turned it down: the one its reason
        stands for is shown failed, with what was recorded then."""
        review = self.review
        if review is None:
            return list(self.checks)
        if review.checks is not None:
            return list(review.checks)
        failed = next((name for name, reason in FAILURE_REASON.items() if reason is review.reason), None)
        if not review.checks_failed or failed is None:
            return list(self.checks)
        return [check.model_copy(update={"passed": False, "detail": review.checks_failed}) if check.name is failed
                else check for check in self.checks]

    def public_dict(self) -> dict[str, Any]:
        """The JSON object `askiam ask --json` prints."""
        return self.model_dump(mode="json", include=set(PublicOutcome.model_fields))
