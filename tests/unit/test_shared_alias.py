"""Two applications that go by the same alias: the role named settles which one is meant; only when both have it
(or neither) is the person asked, and then only about those that have it."""

from __future__ import annotations

import pytest

from bot.domain import Application, Role
from bot.ports import Catalog
from bot.understanding.resolver import CatalogVocabulary, resolve_app_and_role

CATALOG = Catalog(1, {
    "lis": Application(app_id="lis", name="LabTrack LIS", aliases=("EHR", "LIS")),
    "chart": Application(app_id="chart", name="CareChart", aliases=("EHR",)),
    "hr": Application(app_id="hr", name="Workday", aliases=()),
}, {
    "lis-tech": Role(role_id="lis-tech", app_id="lis", name="Lab Technologist"),
    "lis-viewer": Role(role_id="lis-viewer", app_id="lis", name="Viewer"),
    "chart-clin": Role(role_id="chart-clin", app_id="chart", name="Clinician"),
    "chart-viewer": Role(role_id="chart-viewer", app_id="chart", name="Viewer"),
    "hr-viewer": Role(role_id="hr-viewer", app_id="hr", name="Viewer"),
})
VOCABULARY = CatalogVocabulary.build(CATALOG)


@pytest.mark.parametrize(("text", "role_id"), [
    ("I need Lab Technologist in EHR", "lis-tech"),
    ("Clinician in EHR please", "chart-clin"),
])
def test_the_role_named_settles_which_application_a_shared_alias_means(text: str, role_id: str) -> None:
    app, role, _, question = resolve_app_and_role(VOCABULARY.words_of(text), VOCABULARY)
    assert question is None and role is not None and (role.role_id, app and app.app_id) == (role_id, role.app_id)


def test_a_role_both_have_is_asked_about_offering_only_the_applications_the_alias_names() -> None:
    _, role, _, question = resolve_app_and_role(VOCABULARY.words_of("I need Viewer in EHR"), VOCABULARY)
    assert role is None and question is not None
    assert sorted(candidate.id for candidate in question.candidates) == ["chart", "lis"]
    assert "Workday" not in question.question
