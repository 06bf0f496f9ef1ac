"""What the requester already holds, set apart from what they ask for (pure text)."""

from __future__ import annotations

import itertools

import pytest

from bot.understanding.held_access import split_held

_HELD_FORMS = ["I have {held}", "I already have {held}", "I've got {held}", "I currently hold {held}",
               "We still have {held}", "i have got {held}"]
_JOINS = [", ", " but ", ", but now ", " and ", "; ", ". "]
_ASKS = ["I need {asked}", "need {asked} too", "please add {asked}", "I want {asked} instead"]


@pytest.mark.parametrize(("held_form", "join", "ask"), list(itertools.product(_HELD_FORMS, _JOINS, _ASKS)))
def test_a_held_clause_is_taken_out_and_the_request_kept(held_form: str, join: str, ask: str) -> None:
    held, asked = "Quill Reader in Vantor Hub", "Quill Author"
    split = split_held(held_form.format(held=held) + join + ask.format(asked=asked))
    assert split is not None
    assert [clause.strip() for clause in split.held] == [held]
    assert asked in split.asked and "Reader" not in split.asked


def test_the_held_clause_may_come_last() -> None:
    split = split_held("I need Author in Quill; I already have Reader")
    assert split is not None and split.held == (" Reader",) and "Author in Quill" in split.asked


@pytest.mark.parametrize("text", [
    "I have Reader in Quill",  # nothing asked beside it
    "Can I have Reader in Quill please", "Could we have Reader in Quill?", "Do I have Reader in Quill? I need it",
    "I have to get Reader in Quill please", "I have been told to request Reader in Quill",
    "I've got to get Reader in Quill", "I don't have Reader in Quill, please add it", "I need Reader in Quill",
])
def test_requests_and_questions_are_not_statements_of_what_is_held(text: str) -> None:
    assert split_held(text) is None


def test_a_list_of_what_is_held_stays_together_and_a_statement_asks_nothing_alone() -> None:
    split = split_held("I have Reader in Quill and Viewer in Vantor, I need Author")
    assert split is not None and [clause.strip() for clause in split.held] == ["Reader in Quill and Viewer in Vantor"]
    kept = split_held("I have a contractor starting Monday, give him Reader in Quill")
    assert kept is not None and "give him Reader in Quill" in kept.asked  # the rest is the request, untouched


@pytest.mark.parametrize("text", ["I have Reader in Quill and Hannah said I should get Author",
                                  "I have Reader in Quill and wish to get Author",
                                  "I have Reader in Quill and am requesting Author",
                                  "I have Reader in Quill and kindly request Author",
                                  "I have Reader in Quill and thus need Author"])
def test_and_before_a_clause_of_its_own_ends_what_is_held(text: str) -> None:
    split = split_held(text)
    assert split is not None and [clause.strip() for clause in split.held] == ["Reader in Quill"]
    assert "Author" in split.asked
