"""Request and response bodies of the HTTP API; the OpenAPI document is generated from them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.domain import CheckResult, Clarification, Decision, Evidence, Outcome, PublicOutcome, Reason
from validators.approvals import MAX_COMMENT_CHARS
from validators.audit_query import AuditPage

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,199}$"
CONVERSATION_ID_PATTERN = r"^c-[0-9a-f]{32}$"
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_.:-]{8,100}$"
MAX_TEXT_CHARS = 4000
# Free text an API caller may send (a comment, a filter): any characters but control characters other than tab and
# line breaks (a NUL cannot even be stored).
PRINTABLE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
# What each pattern asks for, in words: a 422 says this rather than the expression.
PATTERN_MEANINGS = {
    ID_PATTERN: "must be an id: a letter or digit, then letters, digits and . _ @ : + - (at most 200 characters)",
    CONVERSATION_ID_PATTERN: "must be a conversation id as POST /chat returned it (c- and 32 hexadecimal digits)",
    IDEMPOTENCY_KEY_PATTERN: "must be 8 to 100 characters of letters, digits and _ . : -",
    PRINTABLE_PATTERN: "must not contain control characters (tab and line breaks are allowed)",
}


class _Body(BaseModel):
    # A body names exactly what it asks: a misspelt field ("conversaton_id") is an error, not a silent new
    # conversation, and a body claiming to be someone else ("requester_id") is refused, never trusted.
    model_config = ConfigDict(extra="forbid")


class ChatRequest(_Body):
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="What the person typed.")
    conversation_id: str | None = Field(
        default=None, pattern=CONVERSATION_ID_PATTERN,
        description="The conversation this turn continues; omit it to start a new one.",
    )

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not "".join(ch for ch in value if ch.isprintable()).strip():  # control characters alone are blank too
            raise ValueError("the text is blank")
        return value


class AccessRequestBody(_Body):
    user_id: str = Field(pattern=ID_PATTERN, description="Who should get the access.")
    app_id: str = Field(pattern=ID_PATTERN, description="The application.")
    role_id: str = Field(pattern=ID_PATTERN, description="The role in that application.")
    access_until: date | None = Field(default=None, description="The last day of the access (it ends at 23:59:59 "
                                                                "that day on the caller's clock: their time_zone in "
                                                                "the directory, else UTC); left out, the access has "
                                                                "no end.")


class DecisionView(PublicOutcome):
    """The decision on one request: the fields of `Outcome.public_dict`."""

    model_config = ConfigDict(extra="ignore")

    @classmethod
    def fields_of(cls, outcome: Outcome) -> dict[str, object]:
        return {name: getattr(outcome, name) for name in DecisionView.model_fields}


class ChatResponse(DecisionView):
    conversation_id: str = Field(pattern=CONVERSATION_ID_PATTERN)
    clarification: Clarification | None = Field(
        default=None, description="The question asked when the decision is NEEDS_CLARIFICATION, with candidates.",
    )
    repeated: bool = Field(default=False, description="True when this repeats an earlier open request.")

    @classmethod
    def of(cls, conversation_id: str, outcome: Outcome) -> ChatResponse:
        return cls(conversation_id=conversation_id, clarification=outcome.clarification, repeated=outcome.repeated,
                   **cls.fields_of(outcome))  # type: ignore[arg-type]


class AccessRequestResponse(DecisionView):
    repeated: bool = False

    @classmethod
    def of(cls, outcome: Outcome) -> AccessRequestResponse:
        return cls(repeated=outcome.repeated, **cls.fields_of(outcome))  # type: ignore[arg-type]


class DecisionEntry(BaseModel):
    decided_at: datetime
    decision: str
    reason: str
    decided_by: str
    comment: str = ""
    action: Literal["approve", "deny"] | None = Field(
        default=None, description="What the approver chose; a denial after `approve` is the checks', run again at "
                                  "approval. Null for the filing, an expiry or a withdrawal.")
    checks_failed: str = Field(default="", description="The checks that did not pass when this was decided.")


class RequestStatusResponse(BaseModel):
    request_id: str
    status: Decision
    reason: Reason
    requester_id: str
    user_id: str | None
    app_id: str | None
    role_id: str | None
    confidence: float | None
    message: str = Field(description=(
        "What the requester is told of the request now, as the chat's status answer says it: what was decided since "
        "it was made (by whom, when, with what comment; an approval the checks run again turned down; an expiry; a "
        "withdrawal), then the answer given when it was made. While nothing was decided since, the answer given when "
        "it was made (`filed_message`). To one of its approvers (not its requester, nor the person it is for): the "
        "request about the person it is for, its state, and where to decide it while it waits."))
    filed_message: str = Field(description="What AskIAM answered when the request was made.")
    checks: list[CheckResult] = Field(description=(
        "The hard checks as last run: when an approver decided, as run again then (a check failed at approval shows "
        "failed here); otherwise as run when the request was made (`checks_at_filing`)."))
    checks_at_filing: list[CheckResult] = Field(description="The hard checks as run when the request was made.")
    evidence: list[Evidence]
    history: list[DecisionEntry] = Field(description="Every decision on the request, oldest first.")

    @classmethod
    def of(cls, outcome: Outcome, history: list[DecisionEntry], message_now: str) -> RequestStatusResponse:
        """`message_now`: what the reader would be told now (`bot.own_access.current_answer`, or
        `bot.messages.for_an_approver` for an approver)."""
        return cls(
            request_id=outcome.request_id, status=outcome.decision, reason=outcome.reason,
            requester_id=outcome.requester_id, user_id=outcome.user_id, app_id=outcome.app_id,
            role_id=outcome.role_id, confidence=outcome.confidence, message=message_now,
            filed_message=outcome.message, checks=outcome.checks_now(), checks_at_filing=outcome.checks,
            evidence=outcome.evidence, history=history,
        )


class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"
    database: Literal["ok"] = "ok"


class DemoUser(BaseModel):
    user_id: str
    display_name: str
    title: str
    department: str


class DemoUsersResponse(BaseModel):
    users: list[DemoUser]


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable, machine-readable code, e.g. VALIDATION_FAILED or TRY_AGAIN.")
    message: str = Field(description="What went wrong, for a person.")


class ErrorResponse(BaseModel):
    error: ErrorDetail


class PendingApproval(BaseModel):
    """A request waiting for the caller's decision, with what the decision was based on."""

    request_id: str
    created_at: datetime
    expires_at: datetime = Field(description="When it is denied as EXPIRED if nobody decides it.")
    expiring_soon: bool = Field(description="True when it expires within two days.")
    requester_id: str
    user_id: str = Field(description="Who the access is for.")
    app_id: str
    role_id: str
    requester_name: str = Field(default="", description="The requester's display name (the id if no longer known).")
    user_name: str = Field(default="", description="The display name of the person the access is for.")
    app_name: str = Field(default="", description="The application's name in the catalog now.")
    role_name: str = Field(default="", description="The role's name in the catalog now.")
    reason: Reason
    confidence: float | None
    capacity: str = Field(description="Why the caller may decide: 'application owner', 'manager' or both.")
    message: str = Field(description="The answer the requester was given.")
    text: str = Field(default="", description="What the requester typed (or the structured request, as text).")
    access_until: datetime | None = Field(default=None, description="The end of the access asked for, if any: an "
                                                                    "approval grants until then.")
    checks: list[CheckResult]
    evidence: list[Evidence]


class ApprovalQueueResponse(BaseModel):
    approver_id: str
    items: list[PendingApproval] = Field(description="Oldest first: the first to expire first.")
    omitted: int = Field(default=0, ge=0, description=(
        "How many more requests wait than one response can carry (they follow the last of `items`); decide "
        "those, or list them all with `askiam approvals list`. 0 when `items` is the whole queue."))


class AuditEventsPage(AuditPage):
    """A page of audit records as the HTTP API returns it."""

    truncated: bool = Field(default=False, description=(
        "True when the page holds fewer records than `limit` because one response could carry no more; "
        "`next_cursor` continues after the last record."))


class WithdrawalBody(_Body):
    # Optional; when sent, read like any other body: malformed JSON or an unknown field changes nothing.
    comment: str = Field(default="", max_length=MAX_COMMENT_CHARS, pattern=PRINTABLE_PATTERN,
                         description="Why it is withdrawn, for the audit record.")


class ApprovalDecisionBody(_Body):
    # A misspelt field ("commment") is an error, not a lost comment.
    action: Literal["approve", "deny"]
    comment: str = Field(default="", max_length=MAX_COMMENT_CHARS, pattern=PRINTABLE_PATTERN,
                         description="Why, for the audit record.")


class ApprovalDecisionResponse(BaseModel):
    request_id: str
    status: Decision = Field(description="APPROVED, or DENIED (by the approver, or because a re-run check failed).")
    reason: Reason
    granted: bool = Field(description="True when the role was granted in the same transaction.")
    checks: list[CheckResult] = Field(description="The hard checks, run again when approving.")
