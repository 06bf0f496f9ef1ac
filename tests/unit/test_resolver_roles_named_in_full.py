"""A role named in full settles its application; a word of a longer role name is not another application's role;
the application question offers only the applications that have a role named as the request names it."""

from __future__ import annotations

import pytest

from bot.domain import Application, Clarification, Role
from bot.ports import Catalog
from bot.understanding.resolver import CatalogVocabulary, pointed_role, resolve
from tests.fakes.directory import MemoryDirectory, person

ME = person("kim", "Kim Tanaka")


def _catalog() -> Catalog:
    apps = [Application(app_id="harbor", name="Harbor", aliases=("registry",)),
            Application(app_id="prism", name="Prism", aliases=("BI",)),
            Application(app_id="keystone", name="Keystone", aliases=())]
    roles = [Role(role_id="harbor-dev", app_id="harbor", name="Developer", aliases=("push", "push access")),
             Role(role_id="harbor-release", app_id="harbor", name="Release Manager", aliases=("release captain",)),
             Role(role_id="harbor-viewer", app_id="harbor", name="Viewer", aliases=("read only",)),
             Role(role_id="prism-model-dev", app_id="prism", name="Model Developer", aliases=("semantic layer",)),
             Role(role_id="prism-sensitive", app_id="prism", name="Sensitive Reader", aliases=("pii",),
                  privileged=True),
             Role(role_id="prism-viewer", app_id="prism", name="Viewer", aliases=("read only",)),
             Role(role_id="keystone-reader", app_id="keystone", name="Reader"),
             Role(role_id="keystone-reports", app_id="keystone", name="Reports Viewer"),
             Role(role_id="keystone-eu", app_id="keystone", name="EU Case Access", aliases=("eu cases",))]
    return Catalog(version=1, applications={a.app_id: a for a in apps}, roles={r.role_id: r for r in roles})


VOCAB = CatalogVocabulary.build(_catalog())


def understand(text: str):  # type: ignore[no-untyped-def]
    return resolve(text, ME, VOCAB, MemoryDirectory([ME]))


@pytest.mark.parametrize(("text", "role_id"), [
    ("need Model Developer", "prism-model-dev"),
    ("I'd like the model developer role please", "prism-model-dev"),
    ("I need Sensitive Reader", "prism-sensitive"),
    ("can I get sensitive reader access?", "prism-sensitive"),
    ("I need EU Case Access", "keystone-eu"),
    ("Release Manager for me", "harbor-release"),
])
def test_a_role_named_in_full_that_only_one_application_has_settles_the_application(text: str, role_id: str) -> None:
    resolved = understand(text)
    assert resolved.is_complete, resolved.clarification
    assert resolved.role.role_id == role_id and resolved.application.app_id == resolved.role.app_id


@pytest.mark.parametrize(("text", "role_id"), [
    ("eu cases please", "keystone-eu"), ("give me release captain", "harbor-release"),
    ("I need semantic layer access", "prism-model-dev"),
])
def test_an_alias_only_one_role_has_is_asked_about_with_that_role(text: str, role_id: str) -> None:
    resolved = understand(text)
    assert resolved.role is None and resolved.clarification is not None, resolved
    role = _catalog().roles[role_id]
    assert resolved.clarification.question.startswith(f"Is this for {role.name} in "), resolved.clarification


@pytest.mark.parametrize("text", [
    "I need Viewer",              # a name several applications have
    "I need read only access",    # an alias several applications have
    "I need Model Developer or Viewer",  # two roles named
    "I need pii",                 # a single word: too often an ordinary one to settle it unasked
    "I need push access",         # one word and an access word, likewise
    "I need Model Developer in Snowflake",  # beside an application nobody knows
    "I need the Reader role",
])
def test_other_requests_without_an_application_still_ask_which(text: str) -> None:
    resolved = understand(text)
    assert resolved.application is None and resolved.role is None
    assert resolved.clarification is not None and resolved.clarification.slot == "application"


@pytest.mark.parametrize(("text", "offered"), [
    ("I need Viewer", {"harbor", "prism"}),                       # not Keystone, which has only a Reports Viewer
    ("I need read only access", {"harbor", "prism"}),
    ("I need Model Developer or Viewer", {"harbor", "prism"}),
    ("I need the Reader role", {"keystone"}),                      # not Prism's Sensitive Reader
    ("I need something for reports", {"keystone"}),                # no whole name: the words of names count
])
def test_the_applications_offered_have_a_role_named_as_the_request_names_it(text: str, offered: set[str]) -> None:
    resolved = understand(text)
    assert resolved.clarification is not None
    assert {candidate.id for candidate in resolved.clarification.candidates} == offered


@pytest.mark.parametrize("text", ["I need Model Developer in Harbor", "Harbor: model developer please",
                                  "I need the Sensitive Reader role in Keystone", "model developr in harbor"])
def test_a_word_of_another_applications_role_named_in_full_is_not_this_applications_role(text: str) -> None:
    resolved = understand(text)
    assert resolved.role is None, resolved.role
    assert resolved.clarification is not None and resolved.clarification.slot == "role"


@pytest.mark.parametrize(("text", "app_id", "role_id"), [
    ("I need Developer in Harbor", "harbor", "harbor-dev"),
    ("Harbor developer please", "harbor", "harbor-dev"),
    ("I need Reader in Keystone", "keystone", "keystone-reader"),
    ("I need Viewer in Prism", "prism", "prism-viewer"),
    ("Reports Viewer in Keystone", "keystone", "keystone-reports"),
])
def test_a_role_named_beside_its_application_is_unchanged(text: str, app_id: str, role_id: str) -> None:
    resolved = understand(text)
    assert resolved.is_complete, resolved.clarification
    assert (resolved.application.app_id, resolved.role.role_id) == (app_id, role_id)


@pytest.mark.parametrize(("text", "question", "role_id"), [
    ("I need the Release role", "Is this for Release Manager in Harbor? Reply yes, or name the application.",
     "harbor-release"),
    ("I need Model Developer in Snowflake", 'I do not know an application called "snowflake". The role you name is '
     "in Prism: is this for Model Developer in Prism? Reply yes, or name the application.", "prism-model-dev"),
])
def test_a_question_with_one_application_names_the_one_role_it_points_at(text: str, question: str,
                                                                        role_id: str) -> None:
    asked = understand(text).clarification
    assert asked is not None and asked.question == question and asked.mentioned == role_id


def test_the_role_pointed_at_is_kept_only_for_its_own_application() -> None:
    catalog = VOCAB.catalog
    asked = Clarification(slot="application", question="Is this for Release Manager in Harbor?",
                          mentioned="harbor-release")
    assert pointed_role(asked, catalog.applications["harbor"], catalog) == catalog.roles["harbor-release"]
    assert pointed_role(asked, catalog.applications["prism"], catalog) is None
    assert pointed_role(asked.model_copy(update={"slot": "role"}), catalog.applications["harbor"], catalog) is None
    assert pointed_role(None, catalog.applications["harbor"], catalog) is None


def test_a_role_only_other_applications_have_is_said_missing_before_the_applications_roles() -> None:
    resolved = understand("I need Viewer in Keystone")
    assert resolved.role is None and resolved.clarification is not None
    assert resolved.clarification.question.startswith(
        "Keystone has no Viewer role. Which role in Keystone do you need?"), resolved.clarification.question
    vague = understand("I need something in Keystone")
    assert vague.clarification is not None and vague.clarification.question.startswith("Which role in Keystone")
