"""Rendering AskIAM's answers as Lex V2 responses; every one validated against AWS's response schema."""

from __future__ import annotations

import pytest

from bot.conversation import ConversationState
from bot.domain import Candidate, Clarification, Decision, Evidence
from bot.errors import InvalidRequestError, RateLimitedError, RequesterError, ServiceUnavailableError
from bot.understanding.examples import Examples
from lex.errors import IdentityConfigError, MalformedEventError, NotSignedInError, TokenRejectedError
from lex.responses import (
    OutSlot,
    clarification_reply,
    close,
    confirm_intent,
    decision_reply,
    delegate,
    elicit_intent,
    elicit_slot,
    error_response,
    lex_help,
    plain,
)
from lex.session import LexSession, PendingConfirmation
from tests.unit.test_lex_support import assert_valid_response, messages_of
from validators.errors import StoreUnavailableError

SESSION = LexSession.read({"requester_id": "ana", "idtokenjwt": "a.b.c"})
SLOTS = {"UserName": OutSlot.of("ana", "me"), "ApplicationName": OutSlot.of("Ledgerly"), "RoleName": None}
EVIDENCE = [Evidence(evidence_id=f"e{n}", kind="peer_share", summary=f"line {n}") for n in range(5)]


def test_close_keeps_null_slots_and_other_attributes() -> None:
    response = close("AccessRequest", "Fulfilled", ["Done."], SESSION, SLOTS).to_event()
    assert_valid_response(response)
    assert response["sessionState"]["intent"]["slots"]["RoleName"] is None
    assert response["sessionState"]["sessionAttributes"] == {"requester_id": "ana", "idtokenjwt": "a.b.c"}
    assert response["messages"] == [{"contentType": "PlainText", "content": "Done."}]


def test_elicit_slot_empties_the_slot_it_asks_for() -> None:
    slots = {**SLOTS, "RoleName": OutSlot.of("Viewer")}
    response = elicit_slot("AccessRequest", "RoleName", slots, [plain("Which role?")], SESSION).to_event()
    assert_valid_response(response)
    assert response["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "RoleName"}
    assert response["sessionState"]["intent"]["slots"]["RoleName"] is None
    assert response["sessionState"]["intent"]["state"] == "InProgress"


@pytest.mark.parametrize(("slot", "lex_slot"), [("user", "UserName"), ("application", "ApplicationName"),
                                                ("role", "RoleName"), ("something new", "ApplicationName")])
def test_a_clarification_elicits_the_slot_it_names(slot, lex_slot) -> None:  # type: ignore[no-untyped-def]
    candidates = tuple(Candidate(id=f"c{n}", label=f"Candidate number {n} " + "x" * 60) for n in range(3))
    clarification = Clarification(slot=slot, question="Which one?", candidates=candidates)
    response = clarification_reply("AccessRequest", clarification, "Which one?", SLOTS, SESSION).to_event()
    assert_valid_response(response)
    assert response["sessionState"]["dialogAction"]["slotToElicit"] == lex_slot
    buttons = response["messages"][1]["imageResponseCard"]["buttons"]
    assert [button["value"] for button in buttons] == ["1", "2", "3"]
    assert all(len(button["text"]) <= 50 for button in buttons)


def test_many_candidates_are_listed_in_the_text_only() -> None:
    candidates = tuple(Candidate(id=f"c{n}", label=f"C{n}") for n in range(6))
    clarification = Clarification(slot="role", question="Options: ...", candidates=candidates)
    response = clarification_reply("AccessRequest", clarification, "Options: ...", SLOTS, SESSION).to_event()
    assert_valid_response(response)
    assert [message["contentType"] for message in response["messages"]] == ["PlainText"]


def test_confirm_intent_asks_the_question_and_keeps_the_pending_request() -> None:
    pending = PendingConfirmation(text="Viewer", target_id="ana", app_id="ledgerly", role_id="ldg-viewer")
    session = SESSION.confirming(ConversationState(), pending)
    full = {**SLOTS, "RoleName": OutSlot.of("Viewer")}
    response = confirm_intent("AccessRequest", full, "Request Viewer in Ledgerly for you?", session).to_event()
    assert_valid_response(response)
    assert response["sessionState"]["dialogAction"] == {"type": "ConfirmIntent"}
    assert response["sessionState"]["intent"]["confirmationState"] == "None"
    assert LexSession.read(response["sessionState"]["sessionAttributes"]).pending == pending


def test_delegate_after_a_yes_is_ready_for_fulfilment() -> None:
    response = delegate("AccessRequest", {**SLOTS, "RoleName": OutSlot.of("Viewer")}, SESSION).to_event()
    assert_valid_response(response)
    assert "messages" not in response
    assert response["sessionState"]["intent"]["state"] == "ReadyForFulfillment"


def test_elicit_intent_has_a_message_and_no_intent() -> None:
    response = elicit_intent(lex_help(Examples.generic()), SESSION).to_event()
    assert_valid_response(response)
    assert "intent" not in response["sessionState"]


@pytest.mark.parametrize(("decision", "state"), [
    (Decision.APPROVED, "Fulfilled"), (Decision.PENDING_APPROVAL, "Fulfilled"), (Decision.DENIED, "Failed"),
])
def test_a_decision_closes_with_its_message_and_three_evidence_lines(decision, state) -> None:  # type: ignore[no-untyped-def]
    session = SESSION.finished("R-1042")
    response = decision_reply("AccessRequest", decision, "The answer.", EVIDENCE, SLOTS, session).to_event()
    assert_valid_response(response)
    assert response["sessionState"]["intent"]["state"] == state
    assert messages_of(response) == ["The answer.", "- line 0\n- line 1\n- line 2"]
    assert response["sessionState"]["sessionAttributes"]["askiam_request_id"] == "R-1042"


def test_access_already_held_is_answered_without_evidence_lines() -> None:
    """Peer lines ("0 of 3 people ... hold this role") beside "already has it" read as an argument, and can read
    wrong: the person is one of those peers."""
    session = SESSION.finished("R-1042")
    response = decision_reply("AccessRequest", Decision.ALREADY_GRANTED, "Ana already has it.", EVIDENCE, SLOTS,
                              session).to_event()
    assert_valid_response(response)
    assert response["sessionState"]["intent"]["state"] == "Fulfilled"
    assert messages_of(response) == ["Ana already has it."]


def test_a_decision_without_evidence_has_one_message() -> None:
    response = decision_reply("AccessRequest", Decision.APPROVED, "Yes.", [], SLOTS, SESSION).to_event()
    assert messages_of(response) == ["Yes."]


def test_long_messages_are_clipped_to_what_lex_accepts() -> None:
    response = close("AccessRequest", "Failed", ["word " * 400], SESSION).to_event()
    assert_valid_response(response)
    assert len(response["messages"][0]["content"]) == 1000 and response["messages"][0]["content"].endswith("\u2026")


@pytest.mark.parametrize(("error", "text"), [
    (NotSignedInError("no token"), "Please sign in first"),
    (TokenRejectedError("expired"), "Please sign in first"),
    (IdentityConfigError("no pool"), "Sign-in is not set up"),
    (RequesterError("'x' cannot make requests"), "cannot make access requests"),
    (RateLimitedError("too many", retry_after_s=60), "Please wait a minute"),
    (ServiceUnavailableError("down"), "nothing was changed"),
    (StoreUnavailableError("down"), "nothing was changed"),
    (MalformedEventError("sessionState: Field required"), "could not read that message: it did not arrive"),
    (MalformedEventError("a Lex V1 event", told="this is a Lex V1 event"), "message: this is a Lex V1 event"),
    (InvalidRequestError("the message is empty"), "cannot handle that message: the message is empty"),
    (KeyError("boom"), "something went wrong on my side"),
])
def test_each_error_maps_to_one_polite_close(error, text) -> None:  # type: ignore[no-untyped-def]
    response = error_response(error, "", {"requester_id": "ana", "askiam_request_id": "R-7"}).to_event()
    assert_valid_response(response)
    assert response["sessionState"]["intent"] == {"name": "FallbackIntent", "state": "Failed",
                                                  "confirmationState": "None"}
    assert text in messages_of(response)[0]
    assert response["sessionState"]["sessionAttributes"]["askiam_request_id"] == "R-7"


def test_unreadable_session_state_is_dropped_not_trusted() -> None:
    session = LexSession.read({"askiam_state": "{not json", "askiam_confirm": '{"text": 1}',
                               "askiam_request_id": "R-1; DROP", "x": "y"})
    assert (session.state, session.pending, session.last_request_id) == (None, None, None)
    assert session.attributes() == {"x": "y"}


@pytest.mark.parametrize("forged", [
    '{"texts": ["a\\u0000"], "turns": 1}',  # a NUL, which PostgreSQL cannot store
    '{"texts": ["a\\u0007b"], "turns": 1}',  # any other control character
    '{"texts": ["  two   spaces "], "turns": 1}',  # not as `clean` leaves a text
    '{"role_id": "r\\u0000", "turns": 1}',  # a control character in any field
    '{"turns": -1000000000}',  # a way around the turn limit
    '{"turns": 13}',
    '{"texts": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"], "turns": 1}',
])
def test_session_state_the_service_never_writes_is_dropped(forged: str) -> None:
    assert LexSession.read({"askiam_state": forged}).state is None


def test_a_pending_confirmation_with_a_control_character_is_dropped() -> None:
    pending = '{"text": "I need Editor%s", "target_id": "ana", "app_id": "wiki", "role_id": "wiki-editor"}'
    assert LexSession.read({"askiam_confirm": pending % "\\u0000"}).pending is None
    kept = LexSession.read({"askiam_confirm": pending % ""}).pending
    assert kept is not None and kept.text == "I need Editor"


def test_session_state_as_the_service_writes_it_is_kept() -> None:
    written = '{"texts": ["I need access \\u00e0 Workday", "2"], "turns": 2, "role_id": "hr-analyst"}'
    session = LexSession.read({"askiam_state": written})
    assert session.state is not None and session.state.texts == ["I need access à Workday", "2"]
    assert session.state.turns == 2
