"""The ports the core talks to. Adapters live in validators/ (PostgreSQL) and retrieval/ (vectors, embeddings)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    import numpy as np

from bot.domain import (
    Application,
    CheckResult,
    Confidence,
    Decision,
    Evidence,
    Outcome,
    Person,
    Reason,
    ResolvedRequest,
    Role,
)


@dataclass(frozen=True)
class Catalog:
    """A snapshot of the applications and roles, keyed by id, with the version it was read at."""

    version: int
    applications: dict[str, Application]
    roles: dict[str, Role]

    def roles_of(self, app_id: str) -> list[Role]:
        return list(self._roles_by_application.get(app_id, ()))

    def application_by_id(self, app_id: str) -> Application | None:
        """The application of this id typed in any case ("LOOKER" is looker), as every channel reads names."""
        return _in_any_case(self.applications, app_id)

    def role_by_id(self, role_id: str) -> Role | None:
        """The role of this id typed in any case ("Wiki-Viewer" is wiki-viewer)."""
        return _in_any_case(self.roles, role_id)

    @cached_property
    def _roles_by_application(self) -> dict[str, tuple[Role, ...]]:
        """Built once per snapshot: each request looks up the roles of its application."""
        grouped: dict[str, list[Role]] = {}
        for role in self.roles.values():
            grouped.setdefault(role.app_id, []).append(role)
        return {app_id: tuple(roles) for app_id, roles in grouped.items()}


_Item = TypeVar("_Item")


def _in_any_case(by_id: Mapping[str, _Item], given: str) -> _Item | None:
    """The entry of exactly this id, else of the one id equal to it ignoring case; None when no id is, or several
    are (ids that differ only in case are told apart by their case alone)."""
    if given in by_id:
        return by_id[given]
    folded = given.casefold()
    matches = [item for item_id, item in by_id.items() if item_id.casefold() == folded]
    return matches[0] if len(matches) == 1 else None


class Directory(Protocol):
    """People lookups for understanding requests and checking the requester."""

    def get_person(self, user_id: str) -> Person | None: ...

    def find_people(self, *, emails: Sequence[str], names: Sequence[str], user_ids: Sequence[str]) -> list[Person]:
        """People whose email, folded display name or user id is one of the given values."""
        ...

    def suggest_people(self, phrase: str, limit: int = 5, manager_id: str | None = None) -> list[Person]:
        """The people whose names are closest to a phrase that matched nobody exactly; only `manager_id`'s
        reports, if given."""
        ...

    def reports_of(self, manager_id: str, limit: int = 8) -> list[Person]:
        """The active people whose manager is `manager_id`, by name."""
        ...


class CatalogSource(Protocol):
    def catalog(self) -> Catalog:
        """The current catalog; cheap to call per request (adapters cache by version)."""
        ...


class RulesChecker(Protocol):
    def run_checks(self, requester_id: str, target_id: str, role_id: str,
                   until: datetime | None = None) -> list[CheckResult]:
        """Every hard check, in CHECK_ORDER, evaluated against the rules store; `until`, the end of the access asked
        for (None: without an end), which a grant held until sooner does not cover."""
        ...


class Embedder(Protocol):
    @property
    def dimension(self) -> int: ...

    @property
    def model_id(self) -> str: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class PastDecision:
    """One historical access decision retrieved as similar to the request at hand."""

    history_id: str
    role_id: str
    approved: bool
    similarity: float
    attributes: dict[str, str]


class HistoryIndex(Protocol):
    """The vector index of past access decisions."""

    def similar(self, role_id: str, profile: dict[str, str], k: int) -> list[PastDecision]: ...

    def similar_in_application(self, app_id: str, profile: dict[str, str], k: int) -> list[PastDecision]:
        """The nearest past decisions for any role of the application (evidence for a role with none of its own)."""
        ...


@dataclass(frozen=True)
class PolicyPassage:
    passage_id: str
    document: str
    title: str
    text: str
    score: float


class PolicyIndex(Protocol):
    """The vector index of policy passages."""

    def search(self, vector: np.ndarray, k: int) -> list[PolicyPassage]: ...

    def search_by_key(self, key: str, k: int) -> list[PolicyPassage] | None:
        """Search with a query vector stored under `key`; None when no such query was stored."""
        ...

    def store_queries(self, keys: Sequence[str], texts: Sequence[str], vectors: np.ndarray, model_id: str) -> int:
        """Replace the stored query vectors."""
        ...


class ConfidenceEstimator(Protocol):
    def estimate(self, target: Person, role: Role) -> Confidence: ...


@dataclass(frozen=True)
class DecisionRecord:
    """Everything one request writes, in one transaction."""

    request_id: str
    requester_id: str
    channel: str
    text: str
    resolved: ResolvedRequest
    decision: Decision
    reason: Reason
    checks: Sequence[CheckResult]
    evidence: Sequence[Evidence]
    confidence: float | None
    message: str
    grant: bool
    conversation_id: str | None = None
    idempotency_key: str | None = None
    extra: dict[str, Any] | None = None
    # The catalog version the request was understood and checked against; the store reads the current one if unset.
    catalog_version: int | None = None
    # The end of the access asked for ("for two weeks"); None for access without an end.
    access_until: datetime | None = None


@dataclass(frozen=True)
class HeldRole:
    """A role a person holds now, and when it ends (None: no end)."""

    role_id: str
    expires_at: datetime | None = None


@dataclass(frozen=True)
class RequestSummary:
    """One decided request, as a person's list of their requests shows it."""

    request_id: str
    created_at: datetime
    decision: str
    reason: str
    requester_id: str
    target_id: str
    app_id: str
    role_id: str
    access_until: datetime | None = None
    decided_at: datetime | None = None  # the latest decision on it (an approver's, or the answer when filed)


class AccessLedger(Protocol):
    """What a person may learn of their own access: the roles they hold, the requests made by or for them."""

    def roles_held(self, user_id: str) -> list[HeldRole]:
        """The roles the person holds now (active, not expired)."""
        ...

    def requests_about(self, user_id: str, limit: int) -> list[RequestSummary]:
        """The latest decided requests made by or for the person, newest first (questions left out)."""
        ...

    def awaiting_decision_by(self, approver_id: str) -> int:
        """How many requests wait for this person's decision as an approver (their queue's length)."""
        ...

    def decides(self, request_id: str, person_id: str) -> bool:
        """Whether the person is one of the request's approvers (so may learn its state)."""
        ...


class WithdrawalResult(StrEnum):
    WITHDRAWN = "withdrawn"
    # Withdrawn before, by this or an earlier call: asking again changes nothing.
    ALREADY_WITHDRAWN = "already_withdrawn"
    # No request of the person's by that id (someone else's reads the same).
    NOT_FOUND = "not_found"
    # Decided, expired or never sent for approval.
    NOT_PENDING = "not_pending"


@dataclass(frozen=True)
class Withdrawal:
    """What came of calling off a request; `status`, the request's state when it was not pending."""

    request_id: str
    result: WithdrawalResult
    status: Decision | None = None


@dataclass(frozen=True)
class RefusedAttempt:
    """An attempt refused because what it named is not the caller's: who tried, where (`route`, e.g. "POST
    /access-requests/R-1/withdraw"), what they were answered (`code`) and why. `request_id` when it named a
    request, `conversation_id` when a conversation."""

    attempted_by: str
    channel: str
    route: str
    code: str
    why: str
    request_id: str | None = None
    conversation_id: str | None = None


class RequestWithdrawals(Protocol):
    def withdraw(self, request_id: str, person_id: str, channel: str, comment: str = "") -> Withdrawal:
        """Close a request waiting for approval as DENIED (WITHDRAWN), audited (with `comment`, why), for the person
        who asked for it or the one it is for; to anyone else the request reads as missing."""
        ...


class DecisionStore(Protocol):
    def pending_request(self, target_id: str, role_id: str) -> Outcome | None:
        """The open PENDING_APPROVAL request for this person and role, if any."""
        ...

    def by_idempotency_key(self, key: str) -> Outcome | None:
        """The request recorded under this idempotency key, if any."""
        ...

    def get(self, request_id: str) -> Outcome | None:
        """A recorded request with its checks and evidence, or None."""
        ...

    def note_if_undecidable(self, request_id: str, note: str) -> bool:
        """When nobody may decide the recorded pending request (no active owner or manager who is not its requester
        or target), add `note` to its recorded answer and return True."""
        ...

    def recent_requests(self, requester_id: str, seconds: int, not_on: frozenset[str] = frozenset()) -> int:
        """How many requests this requester made in the last `seconds`, on any channel but those in `not_on`."""
        ...

    def new_request_id(self) -> str:
        """A fresh request id (ids are never reused; a failed write leaves a gap)."""
        ...

    def record(self, record: DecisionRecord) -> None:
        """Write the request, its checks, evidence, decision, grant and audit record atomically."""
        ...

    def record_refusal(self, requester_id: str, channel: str, text: str, why: str) -> None:
        """Audit a request refused before it was understood (unknown or inactive requester)."""
        ...

    def record_repeat(self, pending: Outcome, requester_id: str, channel: str, text: str,
                      asked_until: datetime | None) -> None:
        """Audit a request asked again while the same one still waits for approval: nothing new is filed, and the
        record says who asked, in what words and for what end, against the request that waits."""
        ...

    def record_refused_attempt(self, attempt: RefusedAttempt) -> None:
        """Audit an attempt on something that exists but is not the caller's (someone else's request or
        conversation, the audit log without the auditor role): the caller is told nothing exists, the log keeps
        who tried."""
        ...


@dataclass(frozen=True)
class OutboxEvent:
    """A decision event as written in the decision's transaction; `event_id` is unique and stable."""

    event_id: int
    request_id: str
    event_type: str
    payload: dict[str, Any]
    created_at: str


class EventPublisher(Protocol):
    def publish(self, events: Sequence[OutboxEvent]) -> None:
        """Deliver every event or raise; events not acknowledged stay in the outbox and are sent again."""
        ...


@dataclass(frozen=True)
class ApprovalGrant:
    """A grant AskIAM made by approval (request `request_id`), as an import found it: `until` is the end it had
    ("2027-02-03 09:35 UTC", None: no end); `bundle` what the bundle says of that grant ("" when it does not list
    it)."""

    request_id: str
    user_id: str
    role_id: str
    until: str | None
    bundle: str = ""


@dataclass(frozen=True)
class ImportCounts:
    """What an org bundle import wrote into the rules store. The `*_named` lists name the first of each count
    (at most `validators.importer.NAMED_AT_MOST`), so that a summary can say which ones."""

    users: int
    applications: int
    roles: int
    grants: int
    rules: int
    history: int
    policies: int
    catalog_version: int
    # Grants made by approvals in AskIAM since the export: kept (the bundle does not list them, or lists an older
    # record of the grant that ends sooner); reverted to the bundle's row (it marks the grant not held, or was
    # recorded after the approval and ends sooner); dropped because the person or the role is no longer in it.
    kept_grants: int
    reverted_grants: int
    dropped_grants: int
    # Grants as imported that break the catalog's own rules (both roles of an SoD rule held; a prerequisite not held).
    sod_breaches: int
    prerequisite_breaches: int
    # Applications whose owner is missing or not active (their privileged requests may have no approver).
    ownerless_applications: int
    # Grants listed as held whose end has already passed: not held (every check reads the end), told at import.
    lapsed_grants: int
    kept_named: tuple[ApprovalGrant, ...]
    reverted_named: tuple[ApprovalGrant, ...]
    dropped_named: tuple[ApprovalGrant, ...]
    sod_breaches_named: tuple[str, ...]
    prerequisite_breaches_named: tuple[str, ...]
    ownerless_applications_named: tuple[str, ...]
    lapsed_grants_named: tuple[str, ...]


@dataclass(frozen=True)
class JudgeFinding:
    """The optional policy judge's reading of a request against the passages: complies, violates or unclear."""

    verdict: str
    cited_passage_ids: tuple[str, ...] = ()
    rationale: str = ""
    source: str = "model"


class PolicyJudge(Protocol):
    def review(self, text: str, app: Application, role: Role, target: Person,
               passages: Sequence[PolicyPassage]) -> JudgeFinding:
        """Never raises: a failure or a timeout is an "unclear" finding."""
        ...


class Telemetry(Protocol):
    """Logs, traces and metrics of the service; the Lambda functions plug in Powertools, everything else NoTelemetry."""

    def begin(self, context: object) -> None:
        """A Lambda invocation starts: what its log lines carry (the Lambda request id) is reset for it."""
        ...

    def span(self, name: str) -> AbstractContextManager[Any]:
        """Trace one step of a request (rules, retrieval, policies, embeddings, judge)."""
        ...

    def decided(self, outcome: Outcome, *, channel: str, latency_ms: Mapping[str, float]) -> None:
        """One request was answered: `latency_ms` by component (rules, retrieval, total) for those that ran."""
        ...

    def error(self, component: str) -> None:
        """A failure worth counting that the request survived or that a channel turned into an answer."""
        ...


class NoTelemetry:
    """Telemetry that records nothing: the command line, the local server and the tests."""

    def begin(self, context: object) -> None:
        return None

    def span(self, name: str) -> AbstractContextManager[Any]:
        return nullcontext()

    def decided(self, outcome: Outcome, *, channel: str, latency_ms: Mapping[str, float]) -> None:
        return None

    def error(self, component: str) -> None:
        return None
