"""Understanding a request without deciding it, so the person can confirm before anything is recorded.

The preview is the service itself over the same ports, except that the decision store records nothing: the
core stays the one place that understands and checks a request, and the Lex dialog only adds a yes/no step.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.bootstrap import Application
from bot.domain import Outcome
from bot.ports import DecisionRecord, DecisionStore
from bot.service import AccessRequestService

PREVIEW_REQUEST_ID = "R-PREVIEW"


class PreviewStore:
    """The DecisionStore port that reads through and writes nothing but refusals (those are audited for real).

    Previews are not counted by the rate limit (nothing is recorded), but they are held to it.
    """

    def __init__(self, store: DecisionStore) -> None:
        self._store = store

    def pending_request(self, target_id: str, role_id: str) -> Outcome | None:
        return self._store.pending_request(target_id, role_id)

    def by_idempotency_key(self, key: str) -> Outcome | None:
        return self._store.by_idempotency_key(key)

    def get(self, request_id: str) -> Outcome | None:
        return self._store.get(request_id)

    def note_if_undecidable(self, request_id: str, note: str) -> bool:
        return False  # nothing was recorded; the decision itself says so

    def recent_requests(self, requester_id: str, seconds: int, not_on: frozenset[str] = frozenset()) -> int:
        return self._store.recent_requests(requester_id, seconds, not_on)

    def new_request_id(self) -> str:
        return PREVIEW_REQUEST_ID

    def record(self, record: DecisionRecord) -> None:
        return None

    def record_refusal(self, requester_id: str, channel: str, text: str, why: str) -> None:
        self._store.record_refusal(requester_id, channel, text, why)

    def record_repeat(self, pending: Outcome, requester_id: str, channel: str, text: str,
                      asked_until: datetime | None) -> None:
        # Asked again while it waits: answered at once, with no confirmation after it, so recorded now.
        self._store.record_repeat(pending, requester_id, channel, text, asked_until)


def preview_service(app: Application) -> AccessRequestService:
    """The application's service with a store that records nothing."""
    service = app.service
    ports = replace(service.ports, store=PreviewStore(service.ports.store))
    return AccessRequestService(ports, app.executor, app.settings.auto_approve_threshold,
                                app.settings.retrieval_timeout_s, rate_limit=app.settings.rate_limit_per_minute)
