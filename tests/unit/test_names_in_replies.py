"""A name given alone in reply to "who?" is that person, or the question which one; replies that name no one
("idk", "no one") are no name, and the "I" of "I meant" is never the requester."""

from __future__ import annotations

import pytest

from bot.understanding.people import name_in_reply, without_reply_opening
from tests.fakes.directory import MemoryDirectory, person

DIRECTORY = MemoryDirectory([person("ieriksen", "Ivana Eriksen"), person("nf", "Noah Ferreira"),
                             person("nn", "Noah Narayan")])


@pytest.mark.parametrize("reply", ["idk", "stop", "no one", "nobody", "skip", "none of them", "me", "I meant me"])
def test_a_reply_that_names_no_one_else_is_no_name(reply: str) -> None:
    assert name_in_reply(reply, set(), DIRECTORY) is None


@pytest.mark.parametrize(("reply", "user_id"), [("no, I meant Noah Ferreira", "nf"), ("sorry - it's ivana eriksen",
                                                                                     "ieriksen")])
def test_a_whole_name_after_an_opening_is_that_person(reply: str, user_id: str) -> None:
    found = name_in_reply(reply, set(), DIRECTORY)
    assert found is not None and found.person is not None and found.person.user_id == user_id


def test_part_of_names_several_have_is_asked_which() -> None:
    found = name_in_reply("I meant Noah", set(), DIRECTORY)
    assert found is not None and found.clarification is not None
    assert {candidate.id for candidate in found.clarification.candidates} == {"nf", "nn"}


@pytest.mark.parametrize("reply", ["no one", "nobody", "none of them"])
def test_no_one_keeps_its_no(reply: str) -> None:
    assert without_reply_opening(reply) == reply
