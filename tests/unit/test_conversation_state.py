from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.conversation import LastRequest, choose_candidate, decided_as_recorded
from bot.domain import Candidate, Clarification, Decision, Outcome, Reason

CANDIDATES = (Candidate(id="sam1", label="Sam Ortiz (sam1@x.test, Sales)"),
              Candidate(id="sam2", label="Sam Ortiz (sam2@x.test, Legal)"),
              Candidate(id="crm", label="Orbit CRM"))


@pytest.mark.parametrize(("reply", "chosen"), [
    ("2", "sam2"), ("#1", "sam1"), ("option 3", "crm"), ("the second", "sam2"), ("last", "crm"),
    ("sam2@x.test", "sam2"), ("sam1", "sam1"), ("Orbit CRM", "crm"), ("7", None), ("Sam Ortiz", None),
    ("something else entirely", None), ("number two", "sam2"), ("the last one", "crm"), ("third, please", "crm"),
    # "one" as a pronoun: the candidate is named by the other words, never taken as the first.
    ("the crm one", "crm"), ("the legal one", "sam2"), ("the one in sales", "sam1"), ("one", "sam1"),
    ("the first one", "sam1"),
    ("two or three", None),
    # Part of a name picks the one candidate that has it; a word two candidates share picks none.
    ("Orbit", "crm"), ("ortiz", None), ("Orbt CRM", "crm"), ("Smа Ortiz", None), ("Sam", None),
])
def test_a_short_reply_picks_a_candidate(reply: str, chosen: str | None) -> None:
    found = choose_candidate(reply, CANDIDATES)
    assert (found.id if found else None) == chosen


@pytest.mark.parametrize("reply", ["no one", "No-one", "none of them", "nobody", "neither"])
def test_a_reply_that_picks_none_is_not_the_first_candidate(reply: str) -> None:
    assert choose_candidate(reply, CANDIDATES) is None


def _recorded(decision: Decision, **fields: object) -> Outcome:
    values: dict[str, object] = {
        "request_id": "R-42", "decision": decision, "reason": Reason.LOW_CONFIDENCE, "user_id": "bob",
        "app_id": "ledgerly", "role_id": "ledgerly-viewer", "confidence": 0.6, "checks": [], "evidence": [],
        "message": "sent to an approver", "requester_id": "ana", **fields}
    return Outcome.model_validate(values)


def test_a_recorded_decision_gives_back_the_request_decided_last() -> None:
    until = datetime(2027, 1, 15, 23, 59, 59, tzinfo=UTC)
    state = decided_as_recorded(_recorded(Decision.PENDING_APPROVAL, access_until=until))
    assert state is not None and not state.waiting and state.texts == []
    assert state.last == LastRequest(request_id="R-42", target_id="bob", target_explicit=True, app_id="ledgerly",
                                     role_id="ledgerly-viewer", until=until)


def test_a_recorded_question_or_an_incomplete_request_gives_no_state() -> None:
    question = Clarification(slot="role", question="Which role?")
    assert decided_as_recorded(_recorded(Decision.NEEDS_CLARIFICATION, role_id=None, clarification=question)) is None
    assert decided_as_recorded(_recorded(Decision.DENIED, app_id=None, role_id=None)) is None
