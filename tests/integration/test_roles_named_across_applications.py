"""A role named in full, and the application question that follows a role named without its application: on a real
PostgreSQL through the service. The application chosen never swaps the role named for another of its own."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.domain import Decision
from tests.fakes.bundles import rules_org

pytestmark = pytest.mark.integration

# Roles whose names hold another application's role name ("Editor", "Viewer" are WikiWiki's too).
_EXTRA_ROLES = [
    {"role_id": "ldg-report-editor", "app_id": "ledgerly", "name": "Report Editor", "aliases": "ledger reports",
     "privileged": "false", "description": "Edit ledger reports"},
    {"role_id": "ldg-audit-viewer", "app_id": "ledgerly", "name": "Audit Trail Viewer", "aliases": "",
     "privileged": "false", "description": "Read the audit trail"},
]


@pytest.fixture
def app(app_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    folder = rules_org(tmp_path / "org")
    with (folder / "roles.csv").open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(_EXTRA_ROLES[0]))
        writer.writerows(_EXTRA_ROLES)
    application = app_factory()
    application.import_bundle(folder)
    return application


@pytest.mark.parametrize(("text", "role_id"), [
    ("I need the Period Closer role", "ldg-closer"),
    ("need Report Editor", "ldg-report-editor"),
    ("Can I get Audit Trail Viewer?", "ldg-audit-viewer"),
])
def test_a_role_named_in_full_is_decided_in_its_application(app, text: str, role_id: str) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("ana", text).outcome
    assert outcome.decision is not Decision.NEEDS_CLARIFICATION, outcome.message
    assert (outcome.app_id, outcome.role_id) == ("ledgerly", role_id)


def test_an_alias_only_one_role_has_is_asked_about_with_that_role(app) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("ana", "ledger reports please").outcome
    assert outcome.message.startswith("Is this for Report Editor in Ledgerly?"), outcome.message
    confirmed = app.service.handle("ana", "yes", state=app.service.handle("ana", "ledger reports please").state)
    assert (confirmed.outcome.app_id, confirmed.outcome.role_id) == ("ledgerly", "ldg-report-editor")


@pytest.mark.parametrize(("text", "offered"), [
    ("I need Editor", ["wikiwiki"]),              # not Ledgerly, whose Report Editor is not what was named
    ("I need Viewer", ["ledgerly", "wikiwiki"]),
])
def test_only_applications_with_the_role_named_are_offered(app, text: str, offered: list[str]) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("ana", text).outcome
    assert outcome.clarification is not None and outcome.clarification.slot == "application"
    assert [candidate.id for candidate in outcome.clarification.candidates] == offered


@pytest.mark.parametrize(("text", "reply"), [
    ("I need Report Editor in Snowflake", "WikiWiki"),
    ("I need Audit Trail Viewer in Workday", "wikiwiki please"),
])
def test_another_application_chosen_asks_for_its_role_rather_than_swapping_the_role_named(  # type: ignore[no-untyped-def]
        app, text: str, reply: str) -> None:
    first = app.service.handle("ana", text)
    assert first.outcome.clarification is not None and first.outcome.clarification.slot == "application"
    second = app.service.handle("ana", reply, state=first.state).outcome
    assert second.decision is Decision.NEEDS_CLARIFICATION and second.role_id is None, second.message
    # the role named belongs to another application: said so, then WikiWiki's own roles offered
    assert second.message.startswith("WikiWiki has no ") and "Which role in WikiWiki do you need?" in second.message, \
        second.message


@pytest.mark.parametrize(("text", "reply", "role_id"), [
    ("I need the Closer role in Workday", "yes", "ldg-closer"),
    ("I need Report Editor in Snowflake", "Ledgerly", "ldg-report-editor"),
    ("I need the Trail role", "yes please", "ldg-audit-viewer"),
])
def test_confirming_the_application_keeps_the_role_the_question_named(  # type: ignore[no-untyped-def]
        app, text: str, reply: str, role_id: str) -> None:
    first = app.service.handle("ana", text)
    assert first.outcome.clarification is not None and first.outcome.clarification.mentioned == role_id
    second = app.service.handle("ana", reply, state=first.state).outcome
    assert (second.app_id, second.role_id) == ("ledgerly", role_id), second.message


def test_the_roles_sharing_a_word_with_the_request_are_listed_first_once_the_application_is_chosen(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", "I need view access")
    assert first.outcome.clarification is not None and first.outcome.clarification.slot == "application"
    second = app.service.handle("ana", "Ledgerly", state=first.state).outcome
    assert second.clarification is not None and second.clarification.slot == "role"
    ids = [candidate.id for candidate in second.clarification.candidates]
    assert ids[:2] == ["ldg-audit-viewer", "ldg-viewer"] and len(ids) == 7, second.message
    assert "The closest to what you said come first." in second.message


def test_a_role_question_with_nothing_to_go_by_lists_every_role_alphabetically(app) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("ana", "I need something in Ledgerly").outcome
    assert outcome.clarification is not None and outcome.clarification.slot == "role"
    assert [candidate.label for candidate in outcome.clarification.candidates][:2] == ["Administrator",
                                                                                       "Audit Trail Viewer"]
    assert "closest" not in outcome.message


def test_no_to_the_role_and_application_named_declines_the_role_too(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", "I need the Closer role")
    assert first.outcome.clarification is not None and first.outcome.clarification.mentioned == "ldg-closer"
    second = app.service.handle("ana", "no", state=first.state)
    third = app.service.handle("ana", "Ledgerly", state=second.state).outcome
    assert third.role_id is None and third.clarification is not None and third.clarification.slot == "role"
