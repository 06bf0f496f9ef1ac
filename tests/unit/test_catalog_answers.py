"""Answers about the catalog as pure logic: an application's roles and what a role is for, whatever the person
asking holds."""

from __future__ import annotations

import pytest

from bot.catalog_answers import application_roles, role_described
from bot.domain import Application, Role
from bot.ports import Catalog
from bot.understanding.resolver import CatalogVocabulary
from tests.fakes.directory import catalog

VOCAB = CatalogVocabulary.build(catalog())


@pytest.mark.parametrize("text", [
    "what roles does Orbit CRM have?", "which roles are there in Orbit?", "what can I request in CRM?",
    "list the roles of orbit crm",
])
def test_the_roles_of_the_application_named_are_listed_with_how_to_ask(text: str) -> None:
    answer = application_roles(VOCAB, text)
    assert answer is not None
    assert answer.startswith("Orbit CRM has 3 roles: 1. Sales Rep; 2. System Administrator (privileged); 3. Viewer.")
    assert answer.endswith("say for example \"I need Sales Rep in Orbit CRM\". Nothing was requested.")


def test_descriptions_are_shown_where_the_catalog_has_them() -> None:
    described = Catalog(version=1, applications={"box": Application(app_id="box", name="Box",
                                                                    description="File sharing.")},
                        roles={"box-reader": Role(role_id="box-reader", app_id="box", name="Reader",
                                                  description="Read shared folders.")})
    vocabulary = CatalogVocabulary.build(described)
    assert application_roles(vocabulary, "what roles are there in Box?") == (
        "Box (File sharing) has 1 role: 1. Reader: Read shared folders. To ask for one, say for example \"I need "
        "Reader in Box\". Nothing was requested.")
    assert role_described(vocabulary, "what does the Reader role give me?") == (
        "Reader in Box: Read shared folders. To ask for it, say \"I need Reader in Box\". Nothing was requested.")


def test_no_application_named_lists_the_applications() -> None:
    answer = application_roles(VOCAB, "which roles exist?")
    assert answer is not None and "Applications: Finanz S/4, Orbit CRM, PeopleHub." in answer


def test_a_subject_that_names_no_application_is_not_a_catalog_question() -> None:
    assert application_roles(VOCAB, "what roles does Lou Berg have?", "lou berg") is None
    assert application_roles(VOCAB, "does Lou Berg have a Viewer role?", "lou berg") is None
    assert application_roles(VOCAB, "what roles does PeopleHub have?", "peoplehub") is not None
    # "Does PeopleHub have a Viewer role?": the role, described.
    assert application_roles(VOCAB, "Does PeopleHub have a Viewer role?", "peoplehub") == (
        "Viewer in PeopleHub. To ask for it, say \"I need Viewer in PeopleHub\". Nothing was requested.")


def test_a_role_is_described_in_its_application_or_in_each_that_has_one_of_its_name() -> None:
    assert role_described(VOCAB, "what does the System Administrator role give me?").startswith(
        "System Administrator in Orbit CRM. It is a privileged role: the application's owner approves")
    both = role_described(VOCAB, "what does Viewer let me do?")
    assert both.startswith("Viewer is a role in 2 applications: 1. in Orbit CRM: Viewer; 2. in PeopleHub: Viewer.")
    assert role_described(VOCAB, "what is the Viewer role in PeopleHub?").startswith("Viewer in PeopleHub.")
    # An application named without one of its roles: its roles.
    assert role_described(VOCAB, "what does Finanz S/4 give me?").startswith("Finanz S/4 has 2 roles")
    assert role_described(VOCAB, "what does the frobnicator role do?").startswith(
        "I could not tell which role you mean. Name the application")
