"""Policy passages that apply to a request, found by meaning in the policy index."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

from bot.domain import Application, CheckName, CheckResult, Evidence, Reason, Role
from bot.ports import Catalog, Embedder, PolicyIndex, PolicyPassage

# What each denial is about, in words a policy would use; the passage nearest to it is cited with the denial.
REASON_TOPICS: dict[Reason, str] = {
    Reason.SOD_CONFLICT: "segregation of duties: toxic combinations of roles one person must not hold together",
    Reason.PREREQUISITE_MISSING: "a role that may only be granted after another role is already held",
    Reason.NOT_ELIGIBLE: "who may hold the role: restricted to departments or employment types",
    Reason.NOT_AUTHORIZED_FOR_TARGET: "who may request access on behalf of another person: managers and delegates",
    Reason.USER_INACTIVE: "access for inactive, suspended or departed people is removed and not granted",
    Reason.PRIVILEGED_ROLE: "privileged and administrative roles always need a human approval",
}
# Reasons that come from the person the request is for, not from the role.
_ABOUT_THE_PERSON = frozenset({Reason.NOT_AUTHORIZED_FOR_TARGET, Reason.USER_INACTIVE})
_CACHE_SIZE = 512
# Cosine similarities below these are topical noise for all-MiniLM-L6-v2 (measured on the demo and sample policies).
MIN_REQUEST_SCORE = 0.5
MIN_REASON_SCORE = 0.3


def _failure_subject(failed: CheckResult) -> str:
    """Words of the failed check that a policy would use: the conflicting role, the attribute that decides."""
    conflicts = failed.data.get("conflicts") or []
    if conflicts:
        return " together with " + ", ".join(str(item.get("held_role_id", "")) for item in conflicts)
    missing = failed.data.get("missing") or []
    if missing:
        return " before holding " + ", ".join(str(item) for item in missing)
    rules = failed.data.get("failed") or []
    if rules:
        return " restricted by " + ", ".join(str(item.get("attribute", "")).replace("_", " ") for item in rules)
    return ""


@dataclass(frozen=True)
class RoleRules:
    """The static rules of one role, from which the failures a request can meet are known in advance."""

    sod_partners: tuple[str, ...] = ()
    prerequisites: tuple[str, ...] = ()
    eligibility_attributes: tuple[str, ...] = ()


def query_key(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\n{text}".encode()).hexdigest()


class PolicyFinder:
    """Finds passages by meaning. Query vectors for every question a request can ask are embedded at import
    (`precompute`) and looked up by key in the index, so a request embeds nothing in the common case; a query
    not seen at import is embedded on demand and kept in a small in-process cache."""

    def __init__(self, embedder: Embedder, index: PolicyIndex, passages: int) -> None:
        self._embedder = embedder
        self._index = index
        self._passages = passages
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = Lock()

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def _vector(self, text: str) -> np.ndarray:
        with self._lock:
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                return cached
        vector: np.ndarray = self._embedder.embed([text])[0]
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return vector

    def _search(self, text: str, k: int) -> list[PolicyPassage]:
        found = self._index.search_by_key(query_key(self._embedder.model_id, text), k)
        if found is None:
            found = self._index.search(self._vector(text), k)
        return found

    @staticmethod
    def request_query(app: Application, role: Role) -> str:
        privileged = "privileged administrative " if role.privileged else ""
        return f"access to the {privileged}{role.name} role in {app.name}: {role.description}"

    @staticmethod
    def reason_query(reason: Reason, app: Application, role: Role, failed: CheckResult | None) -> str | None:
        topic = REASON_TOPICS.get(reason)
        if topic is None:
            return None
        if reason in _ABOUT_THE_PERSON:
            return topic  # who the request is for decides, whatever the role: its passage is the rule about people
        subject = f"the {role.name} role in {app.name}"
        if failed is not None:
            subject += _failure_subject(failed)
        return f"{subject}: {topic}"

    def for_request(self, app: Application, role: Role) -> list[PolicyPassage]:
        """Passages about the role and application asked for (runs before the checks are known)."""
        found = self._search(self.request_query(app, role), self._passages)
        return [passage for passage in found if passage.score >= MIN_REQUEST_SCORE]

    def for_reason(
        self, reason: Reason, app: Application, role: Role, failed: CheckResult | None
    ) -> list[PolicyPassage]:
        """The passage that speaks to why the request was denied or sent to an approver."""
        text = self.reason_query(reason, app, role, failed)
        if text is None:
            return []
        # A reason about the person is asked without the role's words, so a passage that only shares the request's
        # vocabulary scores lower, and one about the topic higher (0.32 and 0.78 on the test and demo policies): it
        # takes the request's bar.
        least = MIN_REQUEST_SCORE if reason in _ABOUT_THE_PERSON else MIN_REASON_SCORE
        return [passage for passage in self._search(text, 1) if passage.score >= least]

    def precompute(self, catalog: Catalog, rules: dict[str, RoleRules]) -> int:
        """Embed every request and reason query the catalog and its rules can produce; store them by key."""
        texts: set[str] = set()
        for role in catalog.roles.values():
            app = catalog.applications[role.app_id]
            texts.add(self.request_query(app, role))
            for reason, failed in _possible_failures(role, rules.get(role.role_id, RoleRules())):
                text = self.reason_query(reason, app, role, failed)
                if text:
                    texts.add(text)
        ordered = sorted(texts)
        if not ordered:
            return 0
        vectors = self._embedder.embed(ordered)
        keys = [query_key(self._embedder.model_id, text) for text in ordered]
        return self._index.store_queries(keys, ordered, vectors, self._embedder.model_id)


def _possible_failures(role: Role, rules: RoleRules) -> list[tuple[Reason, CheckResult | None]]:
    """Each failure a request for the role can meet, shaped as the check reports it (one rule at a time)."""
    possible: list[tuple[Reason, CheckResult | None]] = [
        (Reason.NOT_AUTHORIZED_FOR_TARGET, CheckResult(name=CheckName.AUTHORIZED_FOR_TARGET, passed=False, detail="")),
        (Reason.USER_INACTIVE, CheckResult(name=CheckName.TARGET_ACTIVE, passed=False, detail="")),
    ]
    if role.privileged:
        possible.append((Reason.PRIVILEGED_ROLE, None))
    possible += [(Reason.SOD_CONFLICT, CheckResult(name=CheckName.NO_SOD_CONFLICT, passed=False, detail="",
                                                   data={"conflicts": [{"held_role_id": partner}]}))
                 for partner in rules.sod_partners]
    possible += [(Reason.PREREQUISITE_MISSING, CheckResult(name=CheckName.PREREQUISITES_MET, passed=False, detail="",
                                                           data={"missing": [required]}))
                 for required in rules.prerequisites]
    possible += [(Reason.NOT_ELIGIBLE, CheckResult(name=CheckName.ELIGIBLE, passed=False, detail="",
                                                   data={"failed": [{"attribute": attribute}]}))
                 for attribute in rules.eligibility_attributes]
    return possible


def passage_evidence(passages: list[PolicyPassage]) -> list[Evidence]:
    seen: set[str] = set()
    evidence: list[Evidence] = []
    for passage in passages:
        if passage.passage_id in seen:
            continue
        seen.add(passage.passage_id)
        evidence.append(Evidence(evidence_id=f"policy:{passage.passage_id}", kind="policy",
                                 summary=f"{passage.title}: {passage.text}", score=round(passage.score, 3),
                                 source=passage.document, title=passage.title))
    return evidence
