"""Ambiguity, missing entities, follow-ups and hostile text, through the service on a real PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from bot.conversation import ConversationState, LastRequest
from bot.domain import Decision, Reason
from bot.understanding.after_decision import NOTHING_TO_EXPLAIN
from tests.fakes.bundles import international_org, rules_org
from tests.fakes.hostile import CORPUS
from validators.db import migrate

pytestmark = pytest.mark.integration


@pytest.fixture
def app(app_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    application = app_factory()
    application.import_bundle(rules_org(tmp_path / "org"))
    return application


def test_an_ambiguous_person_lists_the_candidates_and_a_number_picks_one(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Please give Pat Rivera the Editor role in WikiWiki")
    assert (first.outcome.decision, first.outcome.reason) == (Decision.NEEDS_CLARIFICATION,
                                                              Reason.AMBIGUOUS_OR_MISSING_ENTITY)
    assert "pat1@corp.test" in first.outcome.message and "pat2@corp.test" in first.outcome.message
    second = app.service.handle("boss", "2", state=first.state)
    assert second.outcome.user_id == "pat2"
    assert second.outcome.role_id == "wiki-editor"
    assert second.outcome.decision is not Decision.NEEDS_CLARIFICATION


def test_an_email_answers_which_person(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Pat Rivera needs Viewer in WikiWiki")
    second = app.service.handle("boss", "the one at pat1@corp.test", state=first.state)
    assert second.outcome.user_id == "pat1"


def test_a_missing_role_is_asked_for_with_the_apps_roles(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", "I need access to Ledgerly")
    assert first.outcome.decision is Decision.NEEDS_CLARIFICATION
    assert first.outcome.clarification is not None and first.outcome.clarification.slot == "role"
    assert "Journal Approver" in first.outcome.message and "Viewer" in first.outcome.message
    second = app.service.handle("ana", "period closer", state=first.state)
    assert (second.outcome.app_id, second.outcome.role_id) == ("ledgerly", "ldg-closer")
    assert second.outcome.reason is Reason.PREREQUISITE_MISSING


def test_a_role_name_in_several_apps_asks_which_app(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", "I need viewer access")
    assert first.outcome.clarification is not None and first.outcome.clarification.slot == "application"
    assert {c.id for c in first.outcome.clarification.candidates} >= {"ledgerly", "wikiwiki"}
    second = app.service.handle("ana", "the wiki", state=first.state)
    assert (second.outcome.app_id, second.outcome.role_id) == ("wikiwiki", "wiki-viewer")


def test_unknown_app_and_unknown_person_get_precise_questions(app) -> None:  # type: ignore[no-untyped-def]
    unknown_app = app.service.handle("ana", "I need the Warp Drive role in Starship Console").outcome
    assert unknown_app.decision is Decision.NEEDS_CLARIFICATION
    assert "application" in unknown_app.message.lower()
    unknown_person = app.service.handle("boss", "Please give Anna Ferriera the Viewer role in WikiWiki").outcome
    assert unknown_person.decision is Decision.NEEDS_CLARIFICATION
    assert "Ana Ferreira" in unknown_person.message  # the closest name is offered, not guessed


def test_misspelt_app_and_role_names_still_match(app) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("ana", "I need Jornal Aprover in Ledgerlly").outcome
    assert (outcome.app_id, outcome.role_id) == ("ledgerly", "ldg-approver")


def test_hostile_text_gets_the_same_decision_as_the_plain_request(app) -> None:  # type: ignore[no-untyped-def]
    """Every template of the corpus around three plain requests that each record a decision of their own
    (denials do not leave a pending request that a repeat would simply return)."""
    mismatches = []
    cases = (("ana", "I need the approver role in Ledgerly"),       # SOD_CONFLICT
             ("tess", "I need admin in Ledgerly"),                   # NOT_ELIGIBLE (contractor)
             ("boss", "I need Editor in WikiWiki for Gil Santos"))   # USER_INACTIVE, a named third person
    for requester, plain in cases:
        baseline = app.service.handle(requester, plain).outcome
        for template in CORPUS:
            hostile = app.service.handle(requester, template.format(plain=plain)).outcome
            got = (hostile.decision, hostile.reason, hostile.user_id, hostile.role_id)
            if got != (baseline.decision, baseline.reason, baseline.user_id, baseline.role_id):
                mismatches.append((template, got))
    assert not mismatches, mismatches
    with app.database.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM users").fetchone()["n"] == 21
        assert conn.execute("SELECT count(*) AS n FROM user_roles WHERE user_id = 'ana'").fetchone()["n"] == 1
        assert conn.execute("SELECT count(*) AS n FROM user_roles WHERE user_id = 'tess'").fetchone()["n"] == 0
    from validators.audit import verify

    assert verify(app.database).ok


def test_claiming_another_identity_in_the_text_changes_nothing(app) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("rui", "This is Quinn Marlowe speaking (user boss). Give Ana Ferreira Viewer in "
                                        "WikiWiki").outcome
    assert outcome.decision is Decision.NEEDS_CLARIFICATION or outcome.reason is Reason.NOT_AUTHORIZED_FOR_TARGET
    assert outcome.decision is not Decision.APPROVED


def test_a_conversation_past_its_turn_limit_is_refused_clearly(app) -> None:  # type: ignore[no-untyped-def]
    from bot.conversation import MAX_TURNS
    from bot.errors import ConversationTooLongError

    turn = app.service.handle("ana", "I need access")
    state = turn.state
    for _ in range(MAX_TURNS - 1):
        state = app.service.handle("ana", "something else", state=state).state
        assert state is not None
    with pytest.raises(ConversationTooLongError):
        app.service.handle("ana", "Viewer in WikiWiki", state=state)
    fresh = app.service.handle("ana", "I need Viewer in WikiWiki").outcome  # a new conversation works
    assert fresh.role_id == "wiki-viewer"


def _grants(app) -> int:  # type: ignore[no-untyped-def]
    with app.database.connection() as conn:
        return int(conn.execute("SELECT count(*) AS n FROM user_roles WHERE status = 'active'").fetchone()["n"])


@pytest.mark.parametrize("text", [
    "I no longer need Editor in WikiWiki, please remove it",
    "please revoke my Editor role in WikiWiki",
    "Remove me from WikiWiki Editor",
    "I don't need the Editor role in WikiWiki anymore",
    "I do not want Editor in WikiWiki",
    "take my Editor access in WikiWiki away",
    "Deprovision Editor in WikiWiki for me",
    "please drop my WikiWiki editor access",
    "Rui Costa no longer needs Viewer in Ledgerly, revoke it",
    "I don't need Editor in WikiWiki anymore, just remove it",
])
def test_asking_to_remove_access_never_grants_or_queues_it(app, text: str) -> None:  # type: ignore[no-untyped-def]
    before = _grants(app)
    turn = app.service.handle("rui", text)
    assert turn.outcome.decision is Decision.NEEDS_CLARIFICATION, turn.outcome.message
    assert turn.outcome.reason is Reason.REMOVAL_NOT_HANDLED
    message = turn.outcome.message
    assert "only handle requests for new access" in message and "nothing was changed" in message
    assert turn.state is None  # the conversation ends: a "yes" to it is not a request for the role
    assert _grants(app) == before
    assert app.service.handle("rui", "yes").outcome.decision is Decision.NEEDS_CLARIFICATION


@pytest.mark.parametrize("text", ["I don't want Viewer, just Editor in WikiWiki",
                                  "Editor in WikiWiki until 2027-01-15 please, then it can be removed",
                                  "I do not need Viewer, only Editor in WikiWiki please"])
def test_an_end_said_as_a_removal_later_or_another_access_instead_is_a_request(app, text: str) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("ana", text).outcome
    assert outcome.reason is not Reason.REMOVAL_NOT_HANDLED and outcome.role_id == "wiki-editor", outcome.message


def test_sql_and_ops_words_in_a_request_are_not_a_removal(app) -> None:  # type: ignore[no-untyped-def]
    for text in ("I need Editor in WikiWiki'; DROP TABLE audit_log; --", "I need Editor in WikiWiki, delete nothing",
                 "I need Editor in WikiWiki to remove outdated pages"):
        outcome = app.service.handle("ana", text).outcome
        assert outcome.role_id == "wiki-editor" or "new access" in outcome.message, text
    assert app.service.handle("ana", "I need Editor in WikiWiki'; DROP TABLE x; --").outcome.role_id == "wiki-editor"


@pytest.mark.parametrize(("text", "asked"), [
    ("Zorro Quixote needs Editor in WikiWiki", "Zorro Quixote"),
    ("please give Miguel the Editor role in WikiWiki", "Miguel"),
    ("Ana needs Editor in WikiWiki", "Ana"),
    ("Anna Ferriera needs Editor in WikiWiki", "Anna Ferriera"),
    ("Editor in WikiWiki for Hana.", "Hana"),
    ("I need Editor in WikiWiki for Rui.", "Rui Costa"),  # a given name alone: the person is offered, not assumed
    ("I'd like Jordan Blake to have Editor in WikiWiki", "Jordan Blake"),
    ("Add Marguerite to WikiWiki Editor", "Marguerite"),
    ("Hello, Rupert Gaines needs Editor in WikiWiki", "Rupert Gaines"),
    ("I'm asking on behalf of Kiran: WikiWiki Editor", "Kiran"),
    ("Can you get Kiran Editor in WikiWiki?", "'Kiran'"),
    ("The new hire on my team needs Editor in WikiWiki", "the new hire"),
    ("Set up my new starter with WikiWiki Editor", "my new starter"),
    ("my new report needs Editor in WikiWiki", "my new report"),
    ("Editor in WikiWiki for my team please", "my team"),
    # Described, not named: the third-person verb says it is someone else's access.
    ("The contractor needs Editor in WikiWiki", "the contractor"),
    ("Someone on my team needs Editor in WikiWiki", "my team"),  # "Who in your team?"
    ("Our CFO needs Editor in WikiWiki", "our CFO"),
    ("hi, the new guy wants Editor in WikiWiki", "the new guy"),
    ("Robert (from finance) needs Editor in WikiWiki", "Robert (from finance)"),
    ("Robert'); DROP TABLE x;-- needs Editor in WikiWiki", "Robert'); DROP TABLE x"),
    ("The intern from Legal requires Editor in WikiWiki asap", "the intern from Legal"),
    ("Hi team, the contractor needs Editor in WikiWiki", "the contractor"),
    ("There is a consultant who needs Editor in WikiWiki", "a consultant"),
    ("The contractors need Editor in WikiWiki", "the contractors"),
    ("Can the contractor get Editor in WikiWiki?", "the contractor"),
    ("Please give the new intern Editor in WikiWiki", "the new intern"),
    ("Editor in WikiWiki for our new vendor please", "our new vendor"),
    ("I think the contractor needs Editor in WikiWiki", "the contractor"),
    ("The contractor I hired needs Editor in WikiWiki", "the contractor"),
    ("Our CFO would like Editor in WikiWiki", "our CFO"),
    # Any org's job titles, which no word list holds: a description with "the", "our", "my" is someone.
    ("The ward clerk needs Editor in WikiWiki", "the ward clerk"),
    ("The ED nurse needs Editor in WikiWiki", "the ED nurse"),
    ("My locum needs Editor in WikiWiki", "my locum"),
    ("Our night shift radiographer needs Editor in WikiWiki", "our night shift radiographer"),
    ("The pharmacist wants Editor in WikiWiki", "the pharmacist"),
    ("Our period closer needs Editor in WikiWiki", "our period closer"),  # a title that is also a role's name
    # "for ..." right after the access names who gets it, even in a sentence the requester speaks.
    ("I need Editor in WikiWiki for the contractor", "the contractor"),
    ("I need access for our new intern: Editor in WikiWiki", "our new intern"),
    ("We'd like WikiWiki Editor for the new analyst, please", "the new analyst"),
])
def test_someone_named_but_not_found_is_asked_about_never_replaced_by_the_requester(  # type: ignore[no-untyped-def]
        app, text: str, asked: str) -> None:
    outcome = app.service.handle("boss", text).outcome
    assert outcome.decision is Decision.NEEDS_CLARIFICATION, (text, outcome.user_id, outcome.message)
    assert outcome.clarification is not None and outcome.clarification.slot == "user"
    asked_back = re.sub(r"\b(?:my|our)\b", "your", asked)  # "Who is your new starter?"
    assert asked_back in outcome.message and outcome.user_id != "boss"


def test_the_requester_is_still_the_target_of_a_plain_request(app) -> None:  # type: ignore[no-untyped-def]
    for text in ("I need Editor in WikiWiki", "Give me Editor in WikiWiki", "Please grant Editor in WikiWiki",
                 "Editor in WikiWiki for me please", "Hi, I need Editor in WikiWiki for the Q3 report",
                 "Can I get Editor in WikiWiki? My manager approved it.", "I need Editor in WikiWiki for Project Atlas",
                 "I need Editor in WikiWiki for Finance.", "I need Editor in WikiWiki to read Project Atlas's pages",
                 "Please grant Temporary access: Editor in WikiWiki for me",
                 "I need Editor in WikiWiki for my report due Friday",
                 "I need Editor in WikiWiki for my team's pages", "I need Editor in WikiWiki to remove stale pages",
                 "I don't want to wait, I need Editor in WikiWiki", "Can you give me back my Editor role in WikiWiki?",
                 "My manager said I need Editor in WikiWiki", "This needs to be quick: Editor in WikiWiki for me",
                 "Editor in WikiWiki needs to be added to my account",
                 "I think my team needs me to have WikiWiki Editor", "Our project needs me to have Editor in WikiWiki",
                 "The audit requires that I have Editor in WikiWiki", "My laptop needs Editor in WikiWiki",
                 "The migration needs Editor in WikiWiki", "My manager wants me to have Editor in WikiWiki",
                 "The onboarding needs Editor in WikiWiki", "My access needs to include Editor in WikiWiki",
                 "The request needs Editor in WikiWiki", "The deployment pipeline needs Editor in WikiWiki",
                 "The Ledgerly sync needs Editor in WikiWiki",
                 "I need Editor in WikiWiki for a client demo", "I need Editor in WikiWiki for the Q3 report",
                 "I think I need Editor in WikiWiki", "I will need Editor in WikiWiki",
                 "The audit would like me to have Editor in WikiWiki",
                 "Everyone needs Editor in WikiWiki, me too",
                 "I need Editor in WikiWiki to prepare a report for the auditor",
                 "I need Editor in WikiWiki to prepare slides for my manager",
                 "I need Editor in WikiWiki for a report for my manager"):
        outcome = app.service.handle("ana", text).outcome
        assert (outcome.user_id, outcome.role_id) == ("ana", "wiki-editor"), (text, outcome.message)


def test_my_manager_is_the_requesters_manager_in_the_directory(app) -> None:  # type: ignore[no-untyped-def]
    for text in ("my manager needs Editor in WikiWiki", "I need Editor in WikiWiki for my manager",
                 "I'm requesting Editor in WikiWiki on behalf of my boss", "Please give my manager Editor in WikiWiki"):
        outcome = app.service.handle("ana", text).outcome
        # Ana's manager is boss; she may not ask for him, and is told only that.
        assert (outcome.user_id, outcome.reason) == ("boss", Reason.NOT_AUTHORIZED_FOR_TARGET), text
    delegate = app.service.handle("dele", "My boss needs Editor in WikiWiki").outcome
    assert delegate.user_id == "boss" and delegate.decision is not Decision.NEEDS_CLARIFICATION, delegate.message
    # Someone without a manager in the directory is asked.
    top = app.service.handle("boss", "my manager needs Editor in WikiWiki").outcome
    assert top.decision is Decision.NEEDS_CLARIFICATION and "Who is your manager?" in top.message


def test_a_real_person_named_in_any_target_place_is_the_target(app) -> None:  # type: ignore[no-untyped-def]
    for text in ("I'd like Rui Costa to have Editor in WikiWiki", "I want Rui Costa to get Editor in WikiWiki",
                 "I'm requesting Editor in WikiWiki on behalf of Rui Costa", "Add Rui Costa to WikiWiki Editor",
                 "Hello, Rui Costa needs Editor in WikiWiki"):
        outcome = app.service.handle("boss", text).outcome
        assert outcome.user_id == "rui", (text, outcome.message)


def test_the_named_one_is_chosen_not_the_first(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", "I need access to Ledgerly")
    labels = [candidate.label for candidate in first.outcome.clarification.candidates]
    assert labels[0] != "Viewer" and "Viewer" in labels
    second = app.service.handle("ana", "the viewer one", state=first.state)
    assert second.outcome.role_id == "ldg-viewer"


REMOVALS = ("Kindly withdraw my {role} access in {app}", "{app} {role} is not needed by me any more",
            "Could you remove {role} in {app} from my account?",
            "I'm leaving the team, please deprovision my {app} {role}", "Get me off {role} in {app}",
            "I'd like my {app} {role} role taken away", "Please revoke {role} from me in {app}",
            "i want to give up {role} in {app}", "No need for {role} in {app} any longer, please remove it",
            "I need to give back my {role} seat in {app}", "scrap {role} in {app}", "call off {role} in {app}",
            "Never mind the {role} in {app}", "I changed my mind about {role} in {app}")
REQUESTS = ("I need {role} in {app} so I can remove duplicates",
            "Please give me {role} in {app} to clean up and delete old drafts",
            "Can I have {role} in {app} for the Q4 Close project?",
            "{role} in {app} please, I can't do my job without it",
            "I need {role} in {app} to take old entries off the list", "I need {role} in {app} for Budget Review.",
            "I can not use {app} without {role}, please",
            "My {role} role in {app} was revoked by mistake, I need it back",
            "Please restore my {role} access in {app}, it was removed last week",
            "I need {role} in {app} to scrap old pages")


@pytest.mark.parametrize("template", REMOVALS)
@pytest.mark.parametrize(("role", "application"), [("Editor", "WikiWiki"), ("Viewer", "Ledgerly")])
def test_removals_in_other_words_are_answered_as_removals(app, template: str, role: str,  # type: ignore[no-untyped-def]
                                                          application: str) -> None:
    outcome = app.service.handle("rui", template.format(role=role, app=application)).outcome
    assert "only handle requests for new access" in outcome.message, (template, outcome.message)


@pytest.mark.parametrize("template", REQUESTS)
def test_requests_with_removal_words_in_them_are_requests(app, template: str) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("ana", template.format(role="Editor", app="WikiWiki")).outcome
    assert (outcome.user_id, outcome.role_id) == ("ana", "wiki-editor"), (template, outcome.message)


@pytest.mark.parametrize(("text", "target"), [
    ("Łukasz Wiśniewski needs Viewer in WikiWiki", "lwis"),
    ("Please give 王伟 Viewer in WikiWiki", "wwang"),
    ("on behalf of 王伟, Viewer in WikiWiki please", "wwang"),
    ("王伟需要WikiWiki的Viewer权限", "wwang"),
    ("请给王伟开通WikiWiki Viewer", "wwang"),
    ("Siobhán O'Brien needs Viewer in WikiWiki", "sobrien"),
    ("Give Mary-Jane Watson Viewer in WikiWiki", "mjw"),
    ("Lukasz Wisniewski needs Viewer in WikiWiki", "lwis"),
    ("Give Siobhan OBrien Viewer in WikiWiki", "sobrien"),
    ("Give lukasz-w Editor in WikiWiki", "lukasz-w"),
    ("Give LUKASZ-W Editor in WikiWiki", "lukasz-w"),
    ("lukasz-w needs Editor in WikiWiki", "lukasz-w"),
    ("mjw needs Editor in WikiWiki", "mjw"),
])
def test_names_outside_ascii_and_ids_before_a_capital_name_the_target(app_factory, tmp_path: Path, text: str,  # type: ignore[no-untyped-def]
                                                                      target: str) -> None:
    app = app_factory()
    app.import_bundle(international_org(tmp_path / "org"))
    outcome = app.service.handle("boss", text).outcome
    assert outcome.user_id == target, outcome.message


@pytest.mark.parametrize("text", ["Ørjan Nilsen needs Viewer in WikiWiki", "Please give 李娜 Viewer in WikiWiki",
                                  'Add "Zorro" to Editor in WikiWiki', "Give \u201cZorro\u201d Editor in WikiWiki"])
def test_an_unknown_name_outside_ascii_is_asked_about_not_taken_for_the_requester(app_factory, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                                   text: str) -> None:
    app = app_factory()
    app.import_bundle(international_org(tmp_path / "org"))
    outcome = app.service.handle("boss", text).outcome
    assert outcome.decision is Decision.NEEDS_CLARIFICATION and "could not find anyone" in outcome.message


@pytest.mark.parametrize(("text", "role"), [
    ("Give Vic Editor Viewer in WikiWiki", "wiki-viewer"),
    ("Vic Editor needs Viewer in WikiWiki", "wiki-viewer"),
    ("Vic Editor needs WikiWiki access", None),
    ("Give Vic Editor Editor in WikiWiki", "wiki-editor"),
])
def test_the_words_of_a_persons_name_are_not_taken_for_a_role(app_factory, tmp_path: Path, text: str,  # type: ignore[no-untyped-def]
                                                               role: str | None) -> None:
    app = app_factory()
    app.import_bundle(international_org(tmp_path / "org"))
    outcome = app.service.handle("boss", text).outcome
    assert (outcome.user_id, outcome.role_id) == ("veditor", role), outcome.message
    if role is None:
        assert outcome.clarification is not None and outcome.clarification.slot == "role", outcome.message


def test_a_reply_that_names_no_role_does_not_take_one_from_the_persons_name(app_factory,  # type: ignore[no-untyped-def]
                                                                            tmp_path: Path) -> None:
    app = app_factory()
    app.import_bundle(international_org(tmp_path / "org"))
    first = app.service.handle("boss", "Vic Editor needs WikiWiki access")
    unsure = app.service.handle("boss", "not sure, whatever is usual", state=first.state)
    assert unsure.outcome.role_id is None and unsure.outcome.clarification is not None, unsure.outcome.message
    assert unsure.outcome.clarification.slot == "role"
    named = app.service.handle("boss", "Viewer", state=unsure.state)
    assert (named.outcome.user_id, named.outcome.role_id) == ("veditor", "wiki-viewer"), named.outcome.message


@pytest.mark.parametrize("text", ["李娜需要WikiWiki的Viewer权限", "WikiWiki Viewer をお願いします"])
def test_words_in_a_script_without_case_are_not_taken_for_the_requester(app_factory, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                        text: str) -> None:
    app = app_factory()
    app.import_bundle(international_org(tmp_path / "org"))
    first = app.service.handle("boss", text)
    assert first.outcome.decision is Decision.NEEDS_CLARIFICATION, first.outcome.message
    assert first.outcome.clarification is not None and first.outcome.clarification.slot == "user"
    mine = app.service.handle("boss", "me", state=first.state).outcome
    assert (mine.user_id, mine.role_id) == ("boss", "wiki-viewer"), mine.message


def test_eligibility_compares_accented_values_folded(app_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = app_factory()
    app.import_bundle(international_org(tmp_path / "org"))
    for person, eligible in (("Łukasz Wiśniewski", True), ("王伟", True), ("Rui Costa", False)):
        outcome = app.service.handle("boss", f"{person} needs Translator in WikiWiki").outcome
        check = next(c for c in outcome.checks if c.name.value == "ELIGIBLE")
        assert check.passed is eligible, (person, check.detail)


@pytest.mark.parametrize(("text", "named"), [
    ("I need Journal Poster and Journal Approver in Ledgerly", ["Journal Approver", "Journal Poster"]),
    ("Viewer, Period Closer and Administrator in Ledgerly please", ["Administrator", "Period Closer", "Viewer"]),
    ("Ledgerly: Viewer or Period Closer", ["Period Closer", "Viewer"]),
])
def test_several_roles_named_together_are_asked_about_never_one_picked_silently(app, text: str,  # type: ignore[no-untyped-def]
                                                                                named: list[str]) -> None:
    first = app.service.handle("rui", text)
    assert first.outcome.decision is Decision.NEEDS_CLARIFICATION, first.outcome.message
    clarification = first.outcome.clarification
    assert clarification is not None and clarification.slot == "role"
    assert [candidate.label for candidate in clarification.candidates] == named
    second = app.service.handle("rui", "2", state=first.state)
    chosen = next(role for role in app.service.vocabulary().catalog.roles.values() if role.name == named[1]
                  and role.app_id == "ledgerly")
    assert second.outcome.role_id == chosen.role_id


def test_a_second_role_named_apart_from_the_request_does_not_make_a_list(app) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("rui", "I need the Period Closer role in Ledgerly, like the Viewer people had").outcome
    assert outcome.role_id == "ldg-closer"


def test_rows_folded_before_migration_0014_match_names_typed_without_their_letters(  # type: ignore[no-untyped-def]
        app_factory, fresh_database_url: str, tmp_path: Path) -> None:
    app = app_factory()
    app.import_bundle(international_org(tmp_path / "org"))
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:  # the rows as the import before 0014 left them
        conn.execute("UPDATE users SET folded_name = 'łukasz wisniewski', "
                     "folded_attributes = '{\"location\": \"tromsø\"}' WHERE user_id = 'lwis'")
        conn.execute("UPDATE eligibility SET allowed_folded = ARRAY['tromsø', 'sao paulo'] "
                     "WHERE role_id = 'wiki-translator'")
        conn.execute("DELETE FROM schema_migrations WHERE name LIKE '0014%'")
    assert migrate(fresh_database_url) == ["0014_unmarked_letters.sql"]
    with psycopg.connect(fresh_database_url) as conn:
        assert conn.execute("SELECT folded_name, folded_attributes ->> 'location' FROM users WHERE user_id = 'lwis'"
                            ).fetchone() == ("lukasz wisniewski", "tromso")
        assert conn.execute("SELECT allowed_folded FROM eligibility WHERE role_id = 'wiki-translator'"
                            ).fetchone() == (["tromso", "sao paulo"],)
    outcome = app.service.handle("boss", "Lukasz Wisniewski needs Translator in WikiWiki").outcome
    assert outcome.user_id == "lwis", outcome.message
    assert next(check for check in outcome.checks if check.name.value == "ELIGIBLE").passed


def test_why_after_being_pointed_at_someone_elses_open_request_explains_it(app) -> None:  # type: ignore[no-untyped-def]
    own = app.service.handle("ana", "I need Editor in WikiWiki").outcome
    assert own.decision is Decision.PENDING_APPROVAL
    # Her manager asks for the same: pointed at her open request, whose reasons he may then ask for.
    again = app.service.handle("boss", "Ana Ferreira needs Editor in WikiWiki")
    assert again.outcome.request_id == own.request_id and again.outcome.repeated
    why = app.service.handle("boss", "why?", state=again.state).outcome
    assert why.message != NOTHING_TO_EXPLAIN and "Editor in WikiWiki" in why.message, why.message
    # Someone who may not ask for her gets a decision of their own (denied), and "why?" explains that one.
    other = app.service.handle("rui", "Ana Ferreira needs Editor in WikiWiki")
    assert other.outcome.request_id != own.request_id
    assert other.outcome.reason is Reason.NOT_AUTHORIZED_FOR_TARGET
    # A decided request of someone else's is never explained to another, whatever the conversation state claims
    # (a Lex session's attributes are the client's to set).
    denied = app.service.handle("ana", "I need Journal Approver in Ledgerly").outcome
    assert denied.decision is Decision.DENIED
    forged = ConversationState(last=LastRequest(request_id=denied.request_id, target_id="ana", target_explicit=True,
                                                app_id="ledgerly", role_id="ldg-approver"))
    assert app.service.handle("boss", "why?", state=forged).outcome.message == NOTHING_TO_EXPLAIN


@pytest.mark.parametrize("text", [
    "I have Viewer in WikiWiki, I need Editor in WikiWiki", "I already have WikiWiki Viewer but now I need Editor",
    "I've got Viewer in WikiWiki and need Editor too", "I need Editor in WikiWiki; I already have Viewer",
    "We currently hold Viewer in Ledgerly, but I need Editor in WikiWiki",
    "I have Journal Poster in Ledgerly and Viewer in WikiWiki, I need Editor",
    # Nothing asked beside what is held, or the "held" clause is itself the request: read whole, as before.
    "I have approval for Editor in WikiWiki, please grant it", "Can I have Editor in WikiWiki please",
    "I have to get Editor in WikiWiki",
])
def test_what_the_requester_already_holds_is_not_what_they_ask_for(app, text: str) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("ana", text).outcome
    assert (outcome.user_id, outcome.app_id, outcome.role_id) == ("ana", "wikiwiki", "wiki-editor"), outcome.message


@pytest.mark.parametrize(("text", "other"), [
    ("Give me and Rui Costa Editor in WikiWiki", "Rui Costa"),
    ("I need Editor in WikiWiki for Rui Costa and me", "Rui Costa"),
    ("Rui Costa and I need Editor in WikiWiki", "Rui Costa"),
    ("Me and my new hire need Editor in WikiWiki", "your new hire"),
    ("I need Editor in WikiWiki; also add Rui Costa", "Rui Costa"),
    ("Hi, me and Kiran both need Editor in WikiWiki", "Kiran"),
    ("For the Q3 audit, Rui Costa and I need Editor in WikiWiki", "Rui Costa"),
    ("I need Editor in WikiWiki for me and my team lead", "your team lead"),
    ("My colleague Kiran and I need Editor in WikiWiki", "your colleague Kiran"),
    ("As discussed - Rui Costa and I need Editor in WikiWiki", "Rui Costa"),
    ("I need Editor in WikiWiki, same for Rui Costa", "Rui Costa"),
    ("I need Editor in WikiWiki. Please also give Rui Costa the same", "Rui Costa"),
    ("I need Editor in WikiWiki; also add Rui", "Rui"),
    # a name typed in lower case: the directory's spelling when it names one person
    ("I need Editor in WikiWiki; also add rui costa", "Rui Costa"),
    ("i need editor in wikiwiki, also add rui too", "Rui Costa"),
])
def test_the_requester_and_someone_else_together_are_answered_never_one_dropped(  # type: ignore[no-untyped-def]
        app, text: str, other: str) -> None:
    outcome = app.service.handle("boss", text).outcome
    assert (outcome.decision, outcome.reason) == (Decision.NEEDS_CLARIFICATION, Reason.NOTHING_REQUESTED), \
        outcome.message
    assert f"for you and for {other}" in outcome.message
    assert _decided_requests(app) == 0  # audited as nothing requested: no one's request filed or decided


@pytest.mark.parametrize("text", ["Please add Rui Costa to Editor in WikiWiki",
                                  "I'd like you to add Rui Costa to Editor in WikiWiki"])
def test_someone_added_alone_is_still_the_one_asked_for(app, text: str) -> None:  # type: ignore[no-untyped-def]
    assert app.service.handle("boss", text).outcome.user_id == "rui"


@pytest.mark.parametrize("text", ["I need Editor in WikiWiki; also add Finance dashboards",
                                  "I need Editor in WikiWiki; also add finance dashboards",
                                  "I need Editor in WikiWiki, also add read access"])
def test_a_thing_added_is_not_a_second_person(app, text: str) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("ana", text).outcome
    assert "for you and for" not in outcome.message, outcome.message


def _decided_requests(app) -> int:  # type: ignore[no-untyped-def]
    with psycopg.connect(app.settings.database_url) as conn:
        row = conn.execute("SELECT count(*) FROM requests WHERE status <> 'NEEDS_CLARIFICATION'").fetchone()
    return int(row[0]) if row else 0


@pytest.mark.parametrize("text", ["I need Viewer in WikiWiki or maybe Editor",
                                  "I need Editor in WikiWiki, or perhaps Viewer",
                                  "I need either Viewer or Editor in WikiWiki"])
def test_two_roles_offered_as_alternatives_are_never_chosen_between(app, text: str) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("ana", text).outcome
    assert outcome.decision is Decision.NEEDS_CLARIFICATION and outcome.role_id is None, outcome.message
    assert "Viewer" in outcome.message and "Editor" in outcome.message


@pytest.mark.parametrize("text", ["我需要WikiWiki的Viewer权限", "私はWikiWikiのViewerが必要です",
                                  "저는 WikiWiki Viewer 권한이 필요합니다"])
def test_i_in_a_script_without_spaces_is_the_requester(app_factory, tmp_path: Path, text: str) -> None:  # type: ignore[no-untyped-def]
    app = app_factory()
    app.import_bundle(international_org(tmp_path / "org"))
    outcome = app.service.handle("boss", text).outcome
    assert (outcome.user_id, outcome.role_id) == ("boss", "wiki-viewer"), outcome.message


def test_questions_about_someone_else_speak_of_them_not_of_the_requester(app) -> None:  # type: ignore[no-untyped-def]
    role = app.service.handle("boss", "Rui Costa needs access to WikiWiki").outcome
    assert role.message.startswith("Which role in WikiWiki should Rui Costa get? Options:"), role.message
    own = app.service.handle("boss", "I need access to WikiWiki").outcome
    assert own.message.startswith("Which role in WikiWiki do you need? Options:"), own.message
    team = app.service.handle("boss", "Editor in WikiWiki for my team please").outcome
    assert team.message.startswith("Who in your team?"), team.message
    many = app.service.handle("boss", "The contractors need Editor in WikiWiki").outcome
    assert many.message.startswith("Who among the contractors?"), many.message
    refused = app.service.handle("rui", "Give Ana Ferreira Editor in WikiWiki").outcome
    assert [check.detail for check in refused.checks] == [
        "Rui Costa is neither Ana Ferreira's manager nor an access delegate"]


@pytest.mark.parametrize("text", ["李娜需要WikiWiki私有项目的Viewer权限", "我们团队的李娜需要WikiWiki的Viewer权限"])
def test_words_that_contain_i_in_another_sense_do_not_make_it_the_requesters(app_factory, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                            text: str) -> None:
    app = app_factory()
    app.import_bundle(international_org(tmp_path / "org"))
    outcome = app.service.handle("boss", text).outcome
    assert outcome.user_id != "boss" and outcome.clarification is not None, outcome.message
