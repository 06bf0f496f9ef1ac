"""Reading an approver's words: request ids, approve/deny and a comment, and which free text is a decision."""

from __future__ import annotations

import pytest

from lex.approvals import (
    Asked,
    comment_in_text,
    decision_in_text,
    looks_like_a_decision,
    looks_like_a_queue_question,
    parse_decision,
    parse_request_id,
    request_id_in_text,
)
from lex.events import parse_event
from tests.unit.test_lex_support import load_event


@pytest.mark.parametrize(("value", "expected"), [
    ("R-123", "R-123"), ("r 123", "R-123"), ("123", "R-123"), ("R123", "R-123"), ("r-0042", "R-42"),
    ("#7", "R-7"), (" R - 9 ", "R-9"), ("request 5", "R-5"),
    ("", None), (None, None), ("R-", None), ("abc", None), ("R-12a", None), ("1234567890123", None),
    ("R-1 R-2", None),
])
def test_request_id_slot_values(value: str | None, expected: str | None) -> None:
    assert parse_request_id(value) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("approve R-123 please", "R-123"), ("deny r 1042 because not needed", "R-1042"),
    ("what about request 77", "R-77"), ("approve #8", "R-8"), ("deny 42 because no", "R-42"),
    ("approve it", None), ("I need 3 roles", None),
])
def test_request_ids_in_sentences(text: str, expected: str | None) -> None:
    assert request_id_in_text(text) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("approve", True), ("Accept", True), ("grant", True), ("yes", True), ("approved", True),
    ("deny", False), ("REJECT", False), ("decline", False), ("no", False),
    ("maybe", None), ("", None), (None, None), ("approve deny", None),
])
def test_decision_slot_values(value: str | None, expected: bool | None) -> None:
    assert parse_decision(value) is expected if expected is None else parse_decision(value) == expected


@pytest.mark.parametrize(("text", "decision", "comment"), [
    ("approve R-123", True, ""),
    ("Please approve request R-9", True, ""),
    ("deny R-1042 because not needed", False, "not needed"),
    ("reject r 12 reason: no ticket", False, "no ticket"),
    ("decline 5 since   they left", False, "they left"),
    ("deny R-7, they should ask for Reader instead", False, "they should ask for Reader instead"),
    ("deny R-7 \u2013 wrong role", False, "wrong role"),
    ("deny R-7, please", False, ""),
    ("approve R-7, thanks!", True, ""),
    ("I need the Viewer role in Ledgerly", None, ""),
    ("approve the budget", None, ""),
    ("grant Ana access to WikiWiki", None, ""),  # an access request, not a decision
    ("what is the status of R-12", None, ""),
])
def test_decisions_in_free_text(text: str, decision: bool | None, comment: str) -> None:
    assert decision_in_text(text) == decision
    assert looks_like_a_decision(text) is (decision is not None)
    assert comment_in_text(text) == comment


@pytest.mark.parametrize(("text", "expected"), [
    ("what is waiting for me", True), ("show my approvals", True), ("anything waiting for my approval?", True),
    ("what do I need to approve", True), ("I need the Viewer role", False), ("status of my last request", False),
])
def test_queue_questions(text: str, expected: bool) -> None:
    assert looks_like_a_queue_question(text) is expected


def test_the_slots_win_over_the_words_and_are_sent_back_canonical() -> None:
    event = parse_event(load_event("approver_01_approve_by_id.json"))
    asked = Asked.read(event)
    assert asked == Asked("R-1234", True, "")
    slots = asked.slots()
    assert slots["RequestId"] is not None and slots["RequestId"].value.interpreted_value == "R-1234"
    assert slots["Decision"] is not None and slots["Decision"].value.interpreted_value == "approve"
    assert slots["Comment"] is None


def test_fallback_text_is_read_whole() -> None:
    asked = Asked.read(parse_event(load_event("fallback_deny_with_reason.json")))
    assert asked == Asked("R-1234", False, "not needed")


def test_an_elicited_decision_keeps_the_id_from_the_slot() -> None:
    asked = Asked.read(parse_event(load_event("approver_choose_deny.json")))
    assert asked == Asked("R-1234", False, "")


@pytest.mark.parametrize(("comment", "no_comment"), [
    ("skip", True), ("No", True), ("none, thanks", True), ("n/a", True), ("-", True), ("no comment", True),
    ("none", True), ("no longer needed", False), ("not needed", False), ("nothing in the ticket", False),
])
def test_a_reply_that_gives_no_reason_is_told_from_a_reason(comment: str, no_comment: bool) -> None:
    event = load_event("approver_choose_deny.json")
    event["sessionState"]["intent"]["slots"]["Comment"] = {
        "shape": "Scalar", "value": {"originalValue": comment, "interpretedValue": comment, "resolvedValues": []}}
    asked = Asked.read(parse_event(event))
    assert asked == (Asked("R-1234", False, "", no_comment=True) if no_comment else Asked("R-1234", False, comment))
    assert not asked.needs_a_reason


def test_only_a_denial_without_a_reason_needs_one() -> None:
    assert Asked("R-1", False, "").needs_a_reason
    assert not Asked("R-1", True, "").needs_a_reason
    assert not Asked("R-1", None, "").needs_a_reason
    assert not Asked("R-1", False, "left the team").needs_a_reason
    slots = Asked("R-1", False, "", no_comment=True).slots()
    assert slots["Comment"] is not None and slots["Comment"].value.interpreted_value == "none"
