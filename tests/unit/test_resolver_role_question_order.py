"""The "which role?" question lists first the roles whose names share a word with the request ("admin access":
the administrator roles), when no role is named whole; otherwise its list is as before."""

from __future__ import annotations

import pytest

from bot.domain import Application, Role
from bot.ports import Catalog
from bot.understanding.resolver import CatalogVocabulary, resolve, resolve_role
from tests.fakes.directory import MemoryDirectory, person

ME = person("kim", "Kim Tanaka")


def _catalog() -> Catalog:
    apps = [Application(app_id="wikiland", name="Wikiland", aliases=("wiki",)),
            Application(app_id="ledger", name="Ledger Pro", aliases=())]
    roles = [Role(role_id="wl-reader", app_id="wikiland", name="Reader"),
             Role(role_id="wl-contributor", app_id="wikiland", name="Contributor", aliases=("edit pages",)),
             Role(role_id="wl-space-admin", app_id="wikiland", name="Space Administrator", aliases=("space admin",)),
             Role(role_id="wl-site-admin", app_id="wikiland", name="Site Administrator", aliases=("wiki owner",)),
             Role(role_id="wl-legal", app_id="wikiland", name="Legal Space Editor"),
             Role(role_id="lp-poster", app_id="ledger", name="Journal Poster")]
    return Catalog(version=1, applications={a.app_id: a for a in apps}, roles={r.role_id: r for r in roles})


VOCAB = CatalogVocabulary.build(_catalog())


def role_question(text: str) -> tuple[str, list[str]]:
    asked = resolve(text, ME, VOCAB, MemoryDirectory([ME])).clarification
    assert asked is not None and asked.slot == "role"
    return asked.question, [candidate.id for candidate in asked.candidates]


@pytest.mark.parametrize(("text", "first"), [
    ("I need admin access in Wikiland", ["wl-site-admin", "wl-space-admin"]),   # a word of an alias, or its start
    ("Wikiland admin rights please", ["wl-site-admin", "wl-space-admin"]),
    ("I need read access to Wikiland", ["wl-reader"]),                           # "read" begins "Reader"
    ("I need edit rights in Wikiland", ["wl-contributor", "wl-legal"]),          # "edit pages", "Editor"
])
def test_roles_sharing_a_word_with_the_request_are_listed_first(text: str, first: list[str]) -> None:
    question, ids = role_question(text)
    assert ids[:len(first)] == first and set(ids) == {role.role_id for role in VOCAB.catalog.roles_of("wikiland")}
    assert "The closest to what you said come first." in question
    assert f"; or another: {len(first) + 1}. " in question, question


@pytest.mark.parametrize("text", ["I need Wikiland access", "wiki please",   # the application's own words do not count
                                  "I need something in Wikiland"])
def test_without_such_a_word_the_list_is_alphabetical_as_before(text: str) -> None:
    question, ids = role_question(text)
    assert ids == ["wl-contributor", "wl-legal", "wl-reader", "wl-site-admin", "wl-space-admin"]
    assert question.startswith("Which role in Wikiland do you need? Options: 1. Contributor; 2. Legal Space Editor")


def test_the_earlier_words_of_a_conversation_order_the_list_for_the_application_chosen_later() -> None:
    app = VOCAB.catalog.applications["wikiland"]
    role, _, asked = resolve_role(VOCAB, app, ["wikiland"], VOCAB.words_of("I need admin access"))
    assert role is None and asked is not None
    assert [candidate.id for candidate in asked.candidates][:2] == ["wl-site-admin", "wl-space-admin"]
