"""Request understanding as pure logic: names, aliases, misspellings, people, and what is left unclear."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import validators
from bot.domain import Application, Role
from bot.ports import Catalog
from bot.understanding.caseless import split_at_terms
from bot.understanding.resolver import CatalogVocabulary, resolve
from bot.understanding.text import UNMARKED_LETTERS, fold, tokens
from tests.fakes.directory import MemoryDirectory, catalog, person

ME = person("kim", "Kim Tanaka", department="Sales")
PEOPLE = [ME, person("lou", "Lou Berg"), person("sam1", "Sam Ortiz"), person("sam2", "Sam Ortiz"),
          person("zoe", "Zoé Müller")]
VOCAB = CatalogVocabulary.build(catalog())
DIRECTORY = MemoryDirectory(PEOPLE)


def understand(text: str):  # type: ignore[no-untyped-def]
    return resolve(text, ME, VOCAB, DIRECTORY)


@pytest.mark.parametrize(("text", "app", "role"), [
    ("I need the Sales Rep role in Orbit CRM", "crm", "crm-rep"),
    ("give me orbit - sys admin", "crm", "crm-admin"),
    ("can I get sysadmin in CRM?", "crm", "crm-admin"),
    ("standard user access to orbit please", "crm", "crm-rep"),
    ("need accounts payable clerk in finanz s/4 asap", "s4", "s4-clerk"),
    ("AP Approver on S4", "s4", "s4-approver"),
    ("I'd like hr reporting in people hub", "hr", "hr-analyst"),
    ("Viewer in PeopleHub", "hr", "hr-viewer"),
    ("I need the Sales Rpe role in Orbbit CRM", "crm", "crm-rep"),
    ("ＶＩＥＷＥＲ in ＰｅｏｐｌｅＨｕｂ", "hr", "hr-viewer"),
])
def test_applications_and_roles_by_name_alias_and_misspelling(text: str, app: str, role: str) -> None:
    resolved = understand(text)
    assert resolved.is_complete, resolved.clarification
    assert (resolved.application.app_id, resolved.role.role_id) == (app, role)
    assert resolved.target.user_id == "kim"


@pytest.mark.parametrize(("text", "slot"), [
    ("I need admin access", "application"),
    ("I need viewer", "application"),
    ("Orbit CRM please", "role"),
    ("I need the Quantum role in Nowhere Portal", "application"),
    ("Viewer in Orbit and PeopleHub", "application"),
])
def test_missing_or_ambiguous_catalog_entities_ask_one_question(text: str, slot: str) -> None:
    resolved = understand(text)
    assert not resolved.is_complete
    assert resolved.clarification is not None and resolved.clarification.slot == slot
    assert resolved.clarification.question.endswith((".", "?"))


def test_a_role_name_shared_by_apps_lists_both_apps() -> None:
    resolved = understand("I need viewer")
    assert {c.id for c in resolved.clarification.candidates} == {"crm", "hr"}


@pytest.mark.parametrize(("text", "target"), [
    ("Please give Lou Berg the Viewer role in Orbit", "lou"),
    ("Viewer in Orbit for lou@unit.test", "lou"),
    ("Can Zoe Muller get Viewer in Orbit?", "zoe"),
    ("I need Viewer in Orbit", "kim"),
    ("viewer in orbit for me, my manager Lou Berg agreed", "kim"),
    ("add lou to Orbit as viewer", "lou"),
])
def test_the_target_person(text: str, target: str) -> None:
    resolved = understand(text)
    assert resolved.target is not None and resolved.target.user_id == target


def test_a_shared_display_name_is_never_guessed() -> None:
    resolved = understand("Please give Sam Ortiz the Viewer role in Orbit")
    assert resolved.clarification is not None and resolved.clarification.slot == "user"
    assert [c.id for c in resolved.clarification.candidates] == ["sam1", "sam2"]


def test_an_unknown_person_is_asked_about_with_the_closest_names() -> None:
    resolved = understand("Please give Lou Burg the Viewer role in Orbit")
    assert resolved.clarification is not None and resolved.clarification.slot == "user"
    assert resolved.clarification.candidates[0].id == "lou"


def test_an_unknown_email_is_asked_about() -> None:
    resolved = understand("Viewer in Orbit for nobody@unit.test")
    assert resolved.clarification is not None and "nobody@unit.test" in resolved.clarification.question


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_resolves_without_error(text: str) -> None:
    resolved = understand(text)
    assert resolved.is_complete or resolved.clarification is not None


def test_migration_0014_folds_with_the_same_letters_as_fold() -> None:
    sql = (Path(validators.__file__).parent / "migrations" / "0014_unmarked_letters.sql").read_text(encoding="utf-8")
    tables = set(re.findall(r"translate\(\w+, '([^']+)', '([^']+)'\)", sql))
    assert len(tables) == 1 and str.maketrans(*tables.pop()) == UNMARKED_LETTERS
    assert fold("Łódź Søren Đorđe Ħal Iıyas") == "lodz soren dorde hal iiyas"


@pytest.mark.parametrize(("text", "words"), [
    ("王伟需要Jira的Read权限", ["王伟需要", "jira", "的", "read", "权限"]),
    ("Łukasz's SAP2 access", ["lukasz", "'s", "sap2", "access"]),
    ("ＷｏｒｋｄａｙのHR Analyst", ["workday", "の", "hr", "analyst"]),
])
def test_words_end_where_a_script_without_case_meets_one_with_case(text: str, words: list[str]) -> None:
    assert [token.text for token in tokens(text)] == words


SPEAKING_ROLES = CatalogVocabulary.build(Catalog(
    version=1,
    applications={"box": Application(app_id="box", name="Box")},
    roles={role.role_id: role for role in (Role(role_id="box-owner", app_id="box", name="Owner"),
                                          Role(role_id="box-approver", app_id="box", name="Approver"),
                                          Role(role_id="box-editor", app_id="box", name="Editor"),
                                          Role(role_id="box-billing", app_id="box", name="Billing"))},
))


@pytest.mark.parametrize(("text", "role_id"), [
    ("I need Box access, the owner said it's fine", None),
    ("I need Box access, my manager approved it", None),
    ("I need Box access, it has been approved already", None),
    ("I need Box access, the repo owner already agreed", None),
    ("I need Box access for editing", None),
    ("I need the Owner role in Box", "box-owner"),
    ("I need Owner in Box, approved by my manager", "box-owner"),
    ("I need Approver in Box, my manager approved it", "box-approver"),
    ("I need Aprover in Box", "box-approver"),
    ("Box Editor please, the owner knows", "box-editor"),
    ("I need Biling in Box", "box-billing"),
])
def test_who_said_or_approved_something_is_not_the_role_asked_for(text: str, role_id: str | None) -> None:
    resolved = resolve(text, ME, SPEAKING_ROLES, DIRECTORY)
    assert (resolved.role.role_id if resolved.role else None) == role_id, text
    if role_id is None:
        assert resolved.clarification is not None and resolved.clarification.slot == "role", text


SHORT_FORMS = CatalogVocabulary.build(Catalog(
    version=1,
    applications={app.app_id: app for app in (
        Application(app_id="jira", name="Jira"),
        Application(app_id="jsm", name="Jira Service Management"),
        Application(app_id="gcp", name="Google Cloud Production"),
        Application(app_id="pps", name="Payroll Processing System"),
        Application(app_id="pps2", name="Purchase Posting Service"),
        Application(app_id="iam", name="Identity and Access Management"),
        Application(app_id="hris", name="Human Resources Information System", aliases=("Workday",)),
        Application(app_id="tea", name="The Expense App"),
    )},
    roles={role.role_id: role for role in (
        Role(role_id="jira-user", app_id="jira", name="User"), Role(role_id="jsm-user", app_id="jsm", name="User"),
        Role(role_id="gcp-viewer", app_id="gcp", name="Viewer"), Role(role_id="pps-clerk", app_id="pps", name="Clerk"),
        Role(role_id="pps2-clerk", app_id="pps2", name="Clerk"), Role(role_id="iam-admin", app_id="iam", name="Admin"),
        Role(role_id="hris-reader", app_id="hris", name="Reader"), Role(role_id="tea-ea", app_id="tea", name="EA"),
    )},
))


@pytest.mark.parametrize(("text", "app_id"), [
    ("I need User in Jira SM", "jsm"),
    ("I need User in JSM", "jsm"),
    ("I need User in Jira", "jira"),
    ("Viewer in GCP please", "gcp"),
    ("I need Admin in IAM", "iam"),
    ("I need Reader in HRIS", "hris"),
    ("I need Clerk in PPS", None),  # two applications share the initials: neither gets them
    ("I need EA in TEA", None),  # "The" is left out: Expense App has two words, too few for initials
])
def test_initials_of_an_application_name_name_it_when_only_it_has_them(text: str, app_id: str | None) -> None:
    resolved = resolve(text, ME, SHORT_FORMS, DIRECTORY)
    assert (resolved.application.app_id if resolved.application else None) == app_id, text


OWN_ALIAS_WORDS = CatalogVocabulary.build(Catalog(
    version=1,
    applications={app.app_id: app for app in (
        Application(app_id="gcp-prod", name="Google Cloud Production", aliases=("GCP prod",)),
        Application(app_id="hcm", name="Human Capital Management"),
        Application(app_id="crm", name="Customer Relationship Manager"),
        Application(app_id="legacy", name="Legacy Portal", aliases=("old CRM portal",)),
        Application(app_id="apm", name="Application Performance Monitoring"),
    )},
    roles={role.role_id: role for role in (
        Role(role_id="gcp-owner", app_id="gcp-prod", name="Owner"), Role(role_id="gcp-op", app_id="gcp-prod",
                                                                          name="Operator"),
        Role(role_id="hcm-reader", app_id="hcm", name="Reader"), Role(role_id="crm-rep", app_id="crm", name="Rep"),
        Role(role_id="legacy-user", app_id="legacy", name="User"), Role(role_id="apm-viewer", app_id="apm",
                                                                         name="Viewer"),
        Role(role_id="hcm-apm", app_id="hcm", name="APM Liaison"),
    )},
))


@pytest.mark.parametrize(("text", "app_id", "role_id"), [
    ("I need Operator in GCP", "gcp-prod", "gcp-op"),  # its own alias "GCP prod" does not take "GCP" from it
    ("Owner in GCP prod please", "gcp-prod", "gcp-owner"),
    ("I need Reader in HCM", "hcm", "hcm-reader"),
    ("I need Rep in CRM", None, None),  # "CRM" is a word of another application's alias: never a guess
    ("I need Viewer in APM", None, None),  # "APM" is a word of a role's name
])
def test_initials_stay_the_applications_beside_its_own_aliases_but_not_beside_others(
        text: str, app_id: str | None, role_id: str | None) -> None:
    resolved = resolve(text, ME, OWN_ALIAS_WORDS, DIRECTORY)
    found = (resolved.application.app_id if resolved.application else None,
             resolved.role.role_id if resolved.role else None)
    if app_id is not None:
        assert found == (app_id, role_id), text
    else:  # asked about, not read as the application with those initials
        assert found[0] not in {"crm", "apm"} and resolved.clarification is not None, (text, found)


CASELESS_CATALOG = CatalogVocabulary.build(Catalog(
    version=1,
    applications={"feishu": Application(app_id="feishu", name="飞书", aliases=("Feishu",))},
    roles={role.role_id: role for role in (Role(role_id="fs-admin", app_id="feishu", name="管理员"),
                                          Role(role_id="fs-member", app_id="feishu", name="成员"))},
))


def test_catalog_names_are_found_inside_text_written_without_spaces() -> None:
    directory = MemoryDirectory([*PEOPLE, person("wwang", "王伟")])
    named = resolve("王伟需要飞书的管理员权限", ME, CASELESS_CATALOG, directory)
    assert (named.target.user_id if named.target else None, named.application.app_id if named.application else None,
            named.role.role_id if named.role else None) == ("wwang", "feishu", "fs-admin")
    unnamed = resolve("李娜需要飞书的成员权限", ME, CASELESS_CATALOG, directory)  # nobody known is named: ask who
    assert unnamed.role is not None and unnamed.role.role_id == "fs-member"
    assert unnamed.clarification is not None and unnamed.clarification.slot == "user"
    mine = resolve("我需要飞书的成员权限", ME, CASELESS_CATALOG, directory)  # 我: "I"
    assert mine.target == ME and mine.clarification is None
    mixed = resolve("I need 成员 in Feishu", ME, CASELESS_CATALOG, directory)
    assert mixed.target == ME and mixed.role is not None and mixed.role.role_id == "fs-member"


def test_split_at_terms_cuts_runs_around_the_longest_known_term() -> None:
    terms = frozenset({"飞书", "飞书文档", "管理员"})
    assert split_at_terms(["我需要飞书文档的管理员权限", "jira"], terms) == [
        "我需要", "飞书文档", "的", "管理员", "权限", "jira"]
    assert split_at_terms(["权限"], terms) == ["权限"] and split_at_terms(["飞书"], frozenset()) == ["飞书"]


def test_a_list_cut_short_says_how_many_it_leaves_out() -> None:
    from bot.domain import Application
    from bot.understanding.resolver import MAX_LISTED, _ask_app

    apps = [Application(app_id=f"a{n}", name=f"App {n:02d}", aliases=(), owner_id=None, description="")
            for n in range(MAX_LISTED + 3)]
    question = _ask_app(apps, "Several applications have that role.")
    assert len(question.candidates) == MAX_LISTED
    assert question.question.endswith("; and 3 more: name the one you mean.")
    assert _ask_app(apps[:2], "Two.").question.endswith("2. App 01.")


@pytest.mark.parametrize(("typed", "found"), [("veiwer", "viewer"), ("agnet", "agent"), ("raeder", "reader"),
                                              ("reporter", "reporter")])
def test_two_neighbouring_letters_swapped_still_name_the_role(typed: str, found: str) -> None:
    from bot.understanding.catalog_matcher import PhraseMatcher

    matcher = PhraseMatcher([("viewer", "Viewer"), ("agent", "Agent"), ("reader", "Reader"),
                             ("reporter", "Reporter")])
    assert {hit.entity_id for hit in matcher.find(["i", "need", typed])} == {found}


@pytest.mark.parametrize("typed", ["leader", "header", "agenda", "review"])
def test_other_words_one_letter_from_a_short_name_are_not_it(typed: str) -> None:
    from bot.understanding.catalog_matcher import PhraseMatcher

    matcher = PhraseMatcher([("viewer", "Viewer"), ("agent", "Agent"), ("reader", "Reader")])
    assert matcher.fuzzy(["a", typed]) == ()


@pytest.mark.parametrize(("text", "asked"), [
    ("do I have admin in okta", "my_access"), ("am I an Editor in WikiWiki?", "my_access"),
    ("who is my manager?", "my_manager"), ("who do I report to", "my_manager"),
    ("am I right in thinking I need Explorer in Looker", None),
    ("Have I got time to request Explorer in Looker before Friday", None),
    ("do I have anyone in Finance who can approve Explorer", None), ("Do I have to request Reader in Box?", None),
])
def test_questions_about_ones_own_access_and_requests_that_only_sound_like_them(text: str, asked: str | None) -> None:
    from bot.understanding.questions import question_in

    found = question_in(text)
    assert (found.asked.value if found else None) == asked
