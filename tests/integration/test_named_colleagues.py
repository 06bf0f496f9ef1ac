"""Someone named in the ways people really write it ("Can Oliver have ...", "setting Grace up with ...",
"@gblack", "my report Oliver", "Grace Black joined my team, she'll need ...") is the person asked about, never
replaced by the requester; on a real PostgreSQL through the service. The org is generated here: surnames that are
words of the catalog (Viewer), given names two people share."""

from __future__ import annotations

import csv
import os

import psycopg
import pytest

from bot.domain import Decision, Reason
from tests.conftest import make_app
from tests.fakes.bundles import USER_COLUMNS, rules_org, user

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def app(postgres_url: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One org for the module (an import takes seconds); no test here depends on another's requests."""
    database = f"askiam_named_{os.getpid()}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    folder = rules_org(tmp_path_factory.mktemp("org"))
    with (folder / "users.csv").open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=USER_COLUMNS)
        for user_id, name in (("obox", "Oliver Bexley"), ("gblack", "Grace Black"), ("mview", "Mara Viewer"),
                              ("snielsen", "Søren Kierkegaard Nielsen"), ("wpage", "Will Page")):
            writer.writerow(user(user_id, name, manager="boss"))
        # Other Olivers, who do not report to boss: one with a name of their own, one with Oliver Bexley's.
        writer.writerow(user("oquist", "Oliver Quist", manager="own"))
        writer.writerow(user("obexley", "Oliver Bexley", manager="own", dept="Sales"))
    application = make_app(psycopg.conninfo.make_conninfo(postgres_url, dbname=database), folder)
    application.import_bundle(folder)
    yield application
    application.close()


def _decided(app, user_id: str) -> int:  # type: ignore[no-untyped-def]
    with app.database.connection() as conn:
        row = conn.execute("SELECT count(*) AS n FROM requests WHERE target_id = %s AND status <> %s",
                           (user_id, Decision.NEEDS_CLARIFICATION.value)).fetchone()
    return int(row["n"])


@pytest.mark.parametrize(("text", "meant"), [
    ("Can Oliver have Viewer in WikiWiki please", "obox"),
    ("Could Grace get Viewer in WikiWiki?", "gblack"),
    ("Would you mind setting Grace up with Viewer in WikiWiki?", "gblack"),
    ("for my report Oliver I need Viewer in WikiWiki", "obox"),
    ("Hi, could Oliver also get Editor in WikiWiki", "obox"),
    ("Viewer in WikiWiki pls @gblack", "gblack"),
    ("Grace Black joined my team, she'll need Viewer in WikiWiki", "gblack"),
    ("Grace Black has joined, Viewer in WikiWiki for my new starter please", "gblack"),
    ("Viewer needs Editor in WikiWiki", "mview"),
    ("soren kierkegaard nielsen needs Viewer in WikiWiki", "snielsen"),
    ("Would you mind setting Will up with Viewer in WikiWiki?", "wpage"),
    ("Can Will have Editor in WikiWiki", "wpage"),
])
def test_the_person_named_is_the_one_asked_about_never_the_requester(app, text: str, meant: str) -> None:  # type: ignore[no-untyped-def]
    before = _decided(app, "boss")
    turn = app.service.handle("boss", text)
    outcome = turn.outcome
    assert outcome.user_id != "boss"
    if outcome.decision is Decision.NEEDS_CLARIFICATION:
        # Asked about: the person meant is among the choices, and choosing them completes the request.
        assert outcome.clarification is not None and outcome.clarification.slot == "user"
        choices = [candidate.id for candidate in outcome.clarification.candidates]
        assert meant in choices
        turn = app.service.handle("boss", str(choices.index(meant) + 1), state=turn.state)
        outcome = turn.outcome
    assert outcome.user_id == meant
    assert _decided(app, "boss") == before


@pytest.mark.parametrize("text", ["for my report Oliver I need Viewer in WikiWiki",
                                  "My new hire Oliver needs Viewer in WikiWiki",
                                  "Viewer in WikiWiki for my direct report Oliver please"])
def test_my_report_with_a_shared_name_is_the_requesters_report(app, text: str) -> None:  # type: ignore[no-untyped-def]
    # Three Olivers; only obox (Oliver Bexley) reports to boss. A given name alone is confirmed with one question,
    # the full name he shares with obexley is him at once.
    turn = app.service.handle("boss", text)
    clarification = turn.outcome.clarification
    assert clarification is not None and [candidate.id for candidate in clarification.candidates] == ["obox"]
    assert turn.outcome.message.startswith("Do you mean Oliver Bexley")
    assert app.service.handle("boss", "yes", state=turn.state).outcome.user_id == "obox"
    full = app.service.handle("boss", text.replace("Oliver", "Oliver Bexley")).outcome
    assert full.user_id == "obox" and full.decision is not Decision.NEEDS_CLARIFICATION, full.message
    # Said by someone none of them reports to, or without "my report": all are offered.
    for requester, asked in (("tess", text), ("boss", "Can Oliver have Viewer in WikiWiki please")):
        other = app.service.handle(requester, asked).outcome
        assert other.decision is Decision.NEEDS_CLARIFICATION and other.clarification is not None, asked
        assert {"obox", "oquist", "obexley"} <= {candidate.id for candidate in other.clarification.candidates}


@pytest.mark.parametrize("text", ["please give xyz123 the Viewer role in WikiWiki", "Viewer in WikiWiki for @nobody42",
                                  "zed quorrin needs Viewer in WikiWiki"])
def test_an_unknown_id_or_lower_case_name_is_asked_about(app, text: str) -> None:  # type: ignore[no-untyped-def]
    before = _decided(app, "boss")
    outcome = app.service.handle("boss", text).outcome
    assert outcome.decision is Decision.NEEDS_CLARIFICATION and outcome.user_id is None
    assert outcome.message.startswith("I could not find anyone called")
    assert _decided(app, "boss") == before


def test_someone_named_beside_my_without_i_is_asked_whose_access_it_is(app) -> None:  # type: ignore[no-untyped-def]
    turn = app.service.handle("boss", "Grace Black from my team, Viewer in WikiWiki")
    outcome = turn.outcome
    assert outcome.decision is Decision.NEEDS_CLARIFICATION
    assert outcome.message.startswith("Is this access for Grace Black, or for you?")
    assert outcome.clarification is not None
    assert {candidate.id for candidate in outcome.clarification.candidates} == {"gblack", "boss"}
    mine = app.service.handle("boss", "me", state=turn.state)
    assert mine.outcome.user_id == "boss"


@pytest.mark.parametrize("text", ["I need Viewer in WikiWiki, Grace Black said it is fine",
                                  "My manager Ana Ferreira approved it: I need Viewer in WikiWiki",
                                  "everyone needs Viewer in WikiWiki, me too"])
def test_the_requester_speaking_of_themselves_keeps_the_request_theirs(app, text: str) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("rui", text).outcome
    assert outcome.user_id == "rui"


@pytest.mark.parametrize("text", ["Please grant Viewer in WikiWiki to me and Editor in WikiWiki to Ana Ferreira",
                                  "I need Viewer in WikiWiki, also Editor"])
def test_two_roles_named_apart_are_answered_not_continued(app, text: str) -> None:  # type: ignore[no-untyped-def]
    # Each role may be meant for someone else ("... to me and Editor ... to Ana"): a choice between them would lose
    # whose each is, so nothing is requested and nothing waits for a reply.
    before = _decided(app, "boss")
    turn = app.service.handle("boss", text)
    assert (turn.outcome.decision, turn.outcome.reason) == (Decision.NEEDS_CLARIFICATION, Reason.NOTHING_REQUESTED)
    assert "names 2 roles in WikiWiki (" in turn.outcome.message
    assert turn.state is None or not turn.state.waiting
    assert _decided(app, "boss") == before


def test_same_for_someone_whose_surname_is_a_role_keeps_the_role(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Ana Ferreira needs Editor in WikiWiki")
    second = app.service.handle("boss", "same for Mara Viewer", state=first.state)
    assert (second.outcome.user_id, second.outcome.role_id) == ("mview", "wiki-editor")
    third = app.service.handle("boss", "and also Will Page", state=second.state)
    assert (third.outcome.user_id, third.outcome.role_id) == ("wpage", "wiki-editor")


@pytest.mark.parametrize("text", ["Rui too", "what about Rui?", "and also Rui"])
def test_a_first_name_alone_after_a_decision_is_asked_about(app, text: str) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Ana Ferreira needs Viewer in WikiWiki")
    second = app.service.handle("boss", text, state=first.state)
    assert second.outcome.decision is Decision.NEEDS_CLARIFICATION and second.outcome.user_id is None
    assert second.outcome.clarification is not None and "rui" in [c.id for c in second.outcome.clarification.candidates]
    third = app.service.handle("boss", "yes" if len(second.outcome.clarification.candidates) == 1 else "Rui Costa",
                               state=second.state)
    assert (third.outcome.user_id, third.outcome.role_id) == ("rui", "wiki-viewer")


@pytest.mark.parametrize("text", ["I need Viewer in WikiWiki. Also Grace needs it.",
                                  "I need Viewer in WikiWiki. He needs it too."])
def test_a_later_sentence_asking_for_someone_else_is_never_left_out(app, text: str) -> None:  # type: ignore[no-untyped-def]
    before = _decided(app, "boss")
    turn = app.service.handle("boss", text)
    assert (turn.outcome.decision, turn.outcome.reason) == (Decision.NEEDS_CLARIFICATION, Reason.NOTHING_REQUESTED)
    assert turn.outcome.message.startswith("Your message asks for access for more than one person")
    assert _decided(app, "boss") == before


def test_a_later_sentence_about_the_same_person_is_no_second_person(app) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("boss", "Grace Black needs Viewer in WikiWiki. She needs it for the audit.").outcome
    assert (outcome.user_id, outcome.role_id) == ("gblack", "wiki-viewer")


def test_roles_in_two_applications_in_one_message_are_never_one_dropped(app) -> None:  # type: ignore[no-untyped-def]
    # "the ledger" (an alias of two words) outranks "WikiWiki" as the application mentioned: WikiWiki's Viewer,
    # named right beside it, must not be dropped for it.
    turn = app.service.handle("rui", "I need Viewer in WikiWiki for two weeks and Journal Poster in the ledger")
    assert (turn.outcome.decision, turn.outcome.reason) == (Decision.NEEDS_CLARIFICATION, Reason.NOTHING_REQUESTED)
    assert "names roles in Ledgerly and in WikiWiki" in turn.outcome.message
    purpose = app.service.handle("rui", "I need Journal Poster in the ledger to document the WikiWiki pages").outcome
    assert (purpose.app_id, purpose.role_id) == ("ledgerly", "ldg-poster")


@pytest.mark.parametrize("text", ["I need Viewer in WikiWiki and Journal Poster in Ledgerly",
                                  "I need Viewer in Ledgerly and Editor in WikiWiki",
                                  "WikiWiki Editor plus Ledgerly Viewer please"])
def test_two_applications_each_with_its_role_are_answered_alike_whichever_comes_first(  # type: ignore[no-untyped-def]
        app, text: str) -> None:
    turn = app.service.handle("rui", text)
    assert (turn.outcome.decision, turn.outcome.reason) == (Decision.NEEDS_CLARIFICATION, Reason.NOTHING_REQUESTED)
    assert "names roles in " in turn.outcome.message
    assert turn.state is None or not turn.state.waiting
    # Two applications and no role: which application is asked, and the conversation goes on.
    both = app.service.handle("rui", "I need WikiWiki or Ledgerly access")
    assert both.outcome.clarification is not None and both.outcome.clarification.slot == "application"


@pytest.fixture(scope="module")
def crowded(postgres_url: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """An org where more people share the given name Oliver than a suggestion lists; one of them reports to boss,
    with the longest name (the furthest from "Oliver" alone)."""
    database = f"askiam_olivers_{os.getpid()}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    folder = rules_org(tmp_path_factory.mktemp("olivers"))
    surnames = ("Abbot", "Berg", "Cole", "Dunn", "Ek", "Fox", "Gray", "Hart")
    with (folder / "users.csv").open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=USER_COLUMNS)
        for surname in surnames:
            writer.writerow(user(f"o{surname.lower()}", f"Oliver {surname}", manager="own"))
        writer.writerow(user("ozk", "Oliver Zimmermann-Kowalczyk", manager="boss"))
    application = make_app(psycopg.conninfo.make_conninfo(postgres_url, dbname=database), folder)
    application.import_bundle(folder)
    yield application
    application.close()


def test_my_report_is_found_among_more_namesakes_than_a_suggestion_lists(crowded) -> None:  # type: ignore[no-untyped-def]
    anyone = crowded.service.handle("tess", "Can Oliver have Viewer in WikiWiki please").outcome
    assert anyone.clarification is not None
    offered = [candidate.id for candidate in anyone.clarification.candidates]
    assert "ozk" not in offered and len(offered) == 5  # the premise: the report is not among those anyone is offered
    turn = crowded.service.handle("boss", "My new hire Oliver needs Viewer in WikiWiki")
    assert turn.outcome.clarification is not None
    assert [candidate.id for candidate in turn.outcome.clarification.candidates] == ["ozk"]
    assert turn.outcome.message.startswith("Do you mean Oliver Zimmermann-Kowalczyk")
    assert crowded.service.handle("boss", "yes", state=turn.state).outcome.user_id == "ozk"


def test_a_managers_own_report_is_offered_first_among_namesakes(crowded) -> None:  # type: ignore[no-untyped-def]
    # Without "my report": still asked which Oliver, but boss's own report leads the list he is offered.
    turn = crowded.service.handle("boss", "Can Oliver have Viewer in WikiWiki please")
    assert turn.outcome.clarification is not None
    offered = [candidate.id for candidate in turn.outcome.clarification.candidates]
    assert offered[0] == "ozk" and len(offered) == 5
    assert crowded.service.handle("boss", "1", state=turn.state).outcome.user_id == "ozk"


def _filed_for(app, requester: str) -> int:  # type: ignore[no-untyped-def]
    with app.database.connection() as conn:
        row = conn.execute("SELECT count(*) AS n FROM requests WHERE requester_id = %s AND target_id = %s "
                           "AND status <> 'NEEDS_CLARIFICATION'", (requester, requester)).fetchone()
    return int(row["n"])


@pytest.mark.parametrize(("reply", "user_id", "asked_about"), [
    ("no, I meant Will Page", "wpage", ""), ("sorry I meant will page", "wpage", ""),
    ("neither - it's Will Page", "wpage", ""),
    # a name part of someone's: asked which, never the requester's
    ("no, I meant Grace", None, "Grace Black"), ("Grace", None, "Grace Black"),
    ("I meant me", "boss", ""),
])
def test_a_name_given_in_reply_to_who_is_that_person_and_the_i_in_it_is_not_the_requester(  # type: ignore[no-untyped-def]
        app, reply: str, user_id: str | None, asked_about: str) -> None:
    first = app.service.handle("boss", "Can Pat Rivera get Viewer in WikiWiki?")
    assert first.outcome.clarification is not None and first.outcome.clarification.slot == "user"
    before = _filed_for(app, "boss")
    second = app.service.handle("boss", reply, state=first.state).outcome
    assert second.user_id == user_id, second.message
    assert asked_about in second.message
    if user_id != "boss":
        assert _filed_for(app, "boss") == before


@pytest.mark.parametrize(("text", "question", "several"), [
    ("one of my team needs Viewer in WikiWiki", "Who in your team?", False),
    ("Someone on my team needs Viewer in WikiWiki", "Who in your team?", False),
    ("everyone on my team needs Viewer in WikiWiki", "Who in your team?", True),
    ("my whole team needs Viewer in WikiWiki", "Who in your whole team?", True),
    ("two of my engineers need Viewer in WikiWiki", "Who among your engineers?", True),
    ("a few of my reports need Viewer in WikiWiki", "Who among your reports?", True),
    ("my skip-level needs Viewer in WikiWiki", "Who is your skip-level?", False),
    ("I need Viewer in WikiWiki for the team", "Who in the team?", False),
])
def test_some_of_a_group_or_a_relation_is_asked_who_never_the_requester(  # type: ignore[no-untyped-def]
        app, text: str, question: str, several: bool) -> None:
    outcome = app.service.handle("boss", text).outcome
    assert outcome.decision is Decision.NEEDS_CLARIFICATION and outcome.user_id is None, outcome.message
    assert outcome.message.startswith(question), outcome.message
    assert ("I handle one person per request" in outcome.message) is several


def test_someones_manager_is_the_manager_the_directory_gives_them(app) -> None:  # type: ignore[no-untyped-def]
    named = app.service.handle("dele", "Ana Ferreira's manager needs Viewer in WikiWiki").outcome
    assert named.user_id == "boss", named.message
    given = app.service.handle("dele", "Please give Rui Costa's boss Editor in WikiWiki").outcome
    assert given.user_id == "boss", given.message
    unknown = app.service.handle("dele", "Olu Bankole's manager needs Viewer in WikiWiki").outcome
    assert unknown.user_id is None and unknown.message.startswith("Who is Olu Bankole's manager?"), unknown.message


def test_someones_thing_in_a_requesters_own_sentence_is_not_who_gets_access(app) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("ana", "I need Viewer in WikiWiki to review Rui Costa's pages").outcome
    assert outcome.user_id == "ana", outcome.message


@pytest.mark.parametrize("text", ["I'm covering for Ana Ferreira's manager, I need Viewer in WikiWiki",
                                  "I need Viewer in WikiWiki for Ana Ferreira's manager review",
                                  "I need Viewer in WikiWiki for Rui Costa's audit"])
def test_someone_named_as_whose_something_is_in_the_requesters_sentence_is_not_the_one(app, text: str) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("dele", text).outcome
    assert outcome.user_id == "dele", outcome.message


def test_can_someones_manager_get_is_that_manager(app) -> None:  # type: ignore[no-untyped-def]
    assert app.service.handle("dele", "Can Ana Ferreira's manager get Viewer in WikiWiki").outcome.user_id == "boss"
