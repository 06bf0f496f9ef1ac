"""Messages that ask for nothing, as pure logic: asking for help, closing words said while a question waits, and
text with nothing a request could be made of."""

from __future__ import annotations

import pytest

from bot.understanding.resolver import CatalogVocabulary
from bot.understanding.small_talk import asks_for_help, closes, names_nothing, only_thanks
from tests.fakes.directory import catalog

VOCAB = CatalogVocabulary.build(catalog())


@pytest.mark.parametrize("text", [
    "help", "can you help me?", "I need help", "Could someone help me please", "we need some help",
    "please help", "hi, can you help?", "I'd like", "I'm stuck", "would you help us",
])
def test_asking_for_help_in_its_usual_phrasings(text: str) -> None:
    assert asks_for_help(text) is (text != "I'd like")


@pytest.mark.parametrize("text", [
    "I need help with Orbit CRM", "can you help me get Viewer in PeopleHub?", "help Lou get the Sales Rep role",
    "I need the Viewer role in PeopleHub",
])
def test_help_with_something_named_is_not_a_request_for_help_alone(text: str) -> None:
    assert not asks_for_help(text)


@pytest.mark.parametrize(("text", "closing"), [
    ("ok thanks", True), ("thanks!", True), ("great, cheers", True), ("bye", True), ("that's all, thank you", True),
    ("ok", False), ("fine", False), ("perfect", False), ("ok then the Viewer one", False), ("thanks, Viewer", False),
])
def test_only_closing_words_that_answer_no_question_close_a_waiting_conversation(text: str, closing: bool) -> None:
    assert closes(text) is closing
    if closing:
        assert only_thanks(text)


def words(text: str) -> list[str]:
    return VOCAB.words_of(text)


@pytest.mark.parametrize("text", [
    "test", "asdf", "lorem ipsum", "hello world 123", "<img src=x onerror=alert(1)>", "<script>alert(1)</script>",
    "${jndi:ldap://x}",
])
def test_text_with_nothing_a_request_could_be_made_of(text: str) -> None:
    assert names_nothing(text, words(text), VOCAB.words)


@pytest.mark.parametrize("text", [
    "Orbit", "orbbit", "viewer", "I need admin access", "sys admin please", "people hub", "add me to the team",
    "I want the approval role", "我需要权限", "finanz",
])
def test_a_word_of_the_catalog_a_near_misspelling_of_one_or_a_word_about_access_is_something(text: str) -> None:
    assert not names_nothing(text, words(text), VOCAB.words)
