"""Policy passages that apply to a request, found by meaning in the policy index."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

import numpy as np

from bot.domain import Application, CheckResult, Evidence, Reason, Role
from bot.ports import Embedder, PolicyIndex, PolicyPassage

# What each denial is about, in words a policy would use; the passage nearest to it is cited with the denial.
REASON_TOPICS: dict[Reason, str] = {
    Reason.SOD_CONFLICT: "segregation of duties: toxic combinations of roles one person must not hold together",
    Reason.PREREQUISITE_MISSING: "a role that may only be granted after another role is already held",
    Reason.NOT_ELIGIBLE: "who may hold the role: restricted to departments or employment types",
    Reason.NOT_AUTHORIZED_FOR_TARGET: "who may request access on behalf of another person: managers and delegates",
    Reason.USER_INACTIVE: "access for inactive, suspended or departed people is removed and not granted",
    Reason.PRIVILEGED_ROLE: "privileged and administrative roles always need a human approval",
}
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


class PolicyFinder:
    """Embeds the question and asks the policy index; query vectors are cached (requests repeat)."""

    def __init__(self, embedder: Embedder, index: PolicyIndex, passages: int) -> None:
        self._embedder = embedder
        self._index = index
        self._passages = passages
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = Lock()

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

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def for_request(self, app: Application, role: Role) -> list[PolicyPassage]:
        """Passages about the role and application asked for (runs before the checks are known)."""
        privileged = "privileged administrative " if role.privileged else ""
        query = f"access to the {privileged}{role.name} role in {app.name}: {role.description}"
        found = self._index.search(self._vector(query), self._passages)
        return [passage for passage in found if passage.score >= MIN_REQUEST_SCORE]

    def for_reason(
        self, reason: Reason, app: Application, role: Role, failed: CheckResult | None
    ) -> list[PolicyPassage]:
        """The passage that speaks to why the request was denied or sent to an approver."""
        topic = REASON_TOPICS.get(reason)
        if topic is None:
            return []
        subject = f"the {role.name} role in {app.name}"
        if failed is not None:
            subject += _failure_subject(failed)
        found = self._index.search(self._vector(f"{subject}: {topic}"), 1)
        return [passage for passage in found if passage.score >= MIN_REASON_SCORE]


def passage_evidence(passages: list[PolicyPassage]) -> list[Evidence]:
    seen: set[str] = set()
    evidence: list[Evidence] = []
    for passage in passages:
        if passage.passage_id in seen:
            continue
        seen.add(passage.passage_id)
        evidence.append(Evidence(evidence_id=f"policy:{passage.passage_id}", kind="policy",
                                 summary=f"{passage.title}: {passage.text}", score=round(passage.score, 3),
                                 source=passage.document))
    return evidence
