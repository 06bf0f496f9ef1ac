"""Words where a request names its application that the catalog does not know: said to be unknown, while ordinary
words in the same places (kinds of access, things one needs) and names the catalog has are not."""

from __future__ import annotations

import pytest

from bot.domain import Application, Role
from bot.ports import Catalog
from bot.understanding.resolver import CatalogVocabulary, resolve
from tests.fakes.directory import MemoryDirectory, person

ME = person("kim", "Kim Tanaka")


def _catalog() -> Catalog:
    apps = [Application(app_id="harbor", name="Harbor", aliases=("registry",)),
            Application(app_id="prism", name="Prism Analytics", aliases=("BI",))]
    roles = [Role(role_id="harbor-dev", app_id="harbor", name="Developer"),
             Role(role_id="harbor-admin", app_id="harbor", name="Registry Administrator", aliases=("admin",)),
             Role(role_id="prism-viewer", app_id="prism", name="Viewer"),
             Role(role_id="prism-admin", app_id="prism", name="Admin")]
    return Catalog(version=1, applications={a.app_id: a for a in apps}, roles={r.role_id: r for r in roles})


VOCAB = CatalogVocabulary.build(_catalog())


def question(text: str) -> str:
    resolved = resolve(text, ME, VOCAB, MemoryDirectory([ME]))
    assert resolved.clarification is not None and resolved.clarification.slot == "application"
    return resolved.clarification.question


@pytest.mark.parametrize(("text", "unknown"), [
    ("I need admin in Salesforce", "salesforce"),      # after "in", as before
    ("Need salesforce admin", "salesforce"),
    ("I need salesforce admin access", "salesforce"),
    ("Need jira", "jira"),
    ("I need Jira access", "jira"),
    ("jira access please", "jira"),
    ("can I get a Workday license?", "workday"),
    ("I'd like zendesk viewer", "zendesk"),
    ("I want to use Figma", "figma"),
    ("I need google sheets access", "google sheets"),
    ("I need tableau editor", "tableau"),               # a role word the catalog lacks still shows the place
    ("Hi, jira access please", "jira"),
])
def test_a_name_where_the_application_stands_that_the_catalog_lacks_is_said_to_be_unknown(text: str,
                                                                                          unknown: str) -> None:
    assert question(text).startswith(f'I do not know an application called "{unknown}".'), question(text)


@pytest.mark.parametrize("text", [
    "I need elevated access", "I need temporary access", "I need more permissions", "I need help",
    "I need access", "I need something", "I need the same access as my team", "I need admin access",
    "I need Viewer", "I need Viewr access",           # a role, and a role misspelt, are no application
    "How do I get started?", "I need full access", "I need production access", "I need database access",
    "I need a new laptop", "I need jira for the sprint review",  # nothing after the name shows it is one
])
def test_ordinary_words_and_catalog_names_in_those_places_are_not_called_applications(text: str) -> None:
    assert "do not know an application" not in question(text), question(text)


@pytest.mark.parametrize("text", ["I need Admin in Harbor", "I need registry admin", "Need Prism Analytics viewer"])
def test_known_applications_are_unchanged(text: str) -> None:
    resolved = resolve(text, ME, VOCAB, MemoryDirectory([ME]))
    assert resolved.application is not None and resolved.role is not None


@pytest.mark.parametrize("text", ["I need Viewer on the build server", "I need admin on our Jenkins box",
                                  "I would like zendesk viewer"])
def test_a_name_after_a_link_and_an_article_is_an_application_asked_about(text: str) -> None:
    assert question(text).startswith("I do not know an application called"), question(text)


@pytest.mark.parametrize("text", ["I need the same access as Ana", "give me access like Ana",
                                  "I want Ana Ferreira's access", "I need Ana's access"])
def test_a_person_compared_with_or_whose_access_it_is_is_no_application(text: str) -> None:
    assert "do not know an application" not in question(text), question(text)
