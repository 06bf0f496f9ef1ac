"""Replies that answer a question only in part, or not at all, and messages that ask for nothing: on a real
PostgreSQL through the service. Whatever the reply, the access never silently goes to the requester instead."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.domain import Decision, Reason
from tests.fakes.bundles import USER_COLUMNS, rules_org, user

pytestmark = pytest.mark.integration


@pytest.fixture
def app(app_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    folder = rules_org(tmp_path / "org")
    with (folder / "users.csv").open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=USER_COLUMNS)
        writer.writerow(user("mjohnson", "Marcus Johnson", manager="boss"))
        writer.writerow(user("marcj", "Marc Johnson", manager="boss"))
        for user_id, name in (("soneil", "Sean O'Neil"), ("soneill", "Siobhán O'Neill"), ("dlc", "Maria De la Cruz"),
                              ("vdb", "Anna van der Berg"), ("jsmith", "John Smith"), ("stj", "Paul St. John")):
            writer.writerow(user(user_id, name, manager="boss"))
    application = app_factory()
    application.import_bundle(folder)
    return application


def requests_for(app, user_id: str) -> int:  # type: ignore[no-untyped-def]
    with app.database.connection() as conn:
        row = conn.execute("SELECT count(*) AS n FROM requests WHERE target_id = %s AND status <> %s",
                           (user_id, Decision.NEEDS_CLARIFICATION.value)).fetchone()
    return int(row["n"])


@pytest.mark.parametrize("reply", ["3", "both", "what's the weather like?", "Ortiz", "the one in marketing please"])
def test_a_reply_naming_nobody_asks_again_and_never_falls_back_to_the_requester(  # type: ignore[no-untyped-def]
        app, reply: str) -> None:
    first = app.service.handle("boss", "Pat Rivera needs Viewer in WikiWiki")
    assert first.outcome.clarification is not None and first.outcome.clarification.slot == "user"
    second = app.service.handle("boss", reply, state=first.state)
    assert second.outcome.decision is Decision.NEEDS_CLARIFICATION
    assert second.outcome.user_id is None
    assert second.outcome.message.startswith("Sorry, I could not read")
    assert second.outcome.clarification is not None
    assert [c.id for c in second.outcome.clarification.candidates] == ["pat1", "pat2"]
    third = app.service.handle("boss", "2", state=second.state)
    assert (third.outcome.user_id, third.outcome.role_id) == ("pat2", "wiki-viewer")
    assert requests_for(app, "boss") == 0


def test_a_question_about_someone_unnamed_is_not_answered_by_a_number(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", "Give my new hire Viewer in WikiWiki")  # ana manages nobody
    assert first.outcome.clarification is not None and first.outcome.clarification.slot == "user"
    assert not first.outcome.clarification.candidates
    second = app.service.handle("ana", "1", state=first.state)
    assert second.outcome.decision is Decision.NEEDS_CLARIFICATION and second.outcome.user_id is None
    third = app.service.handle("ana", "me", state=second.state)  # saying "me" is still an answer
    assert third.outcome.user_id == "ana"


def test_my_report_is_asked_about_with_the_requesters_reports(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Please give my report Viewer in WikiWiki")
    clarification = first.outcome.clarification
    assert clarification is not None and first.outcome.message.startswith("Who is your report? Your reports: 1.")
    assert "; and others. Reply" in first.outcome.message  # boss has more than the 8 listed
    candidates = [c.id for c in clarification.candidates]
    assert "ana" in candidates and "gone" not in candidates and len(candidates) == 8  # active, at most 8
    second = app.service.handle("boss", str(candidates.index("ana") + 1), state=first.state)
    assert (second.outcome.user_id, second.outcome.role_id) == ("ana", "wiki-viewer")
    other = app.service.handle("boss", "Please give my report Viewer in WikiWiki")
    named = app.service.handle("boss", "Tess Okoro", state=other.state)  # one not listed, by name
    assert named.outcome.user_id == "tess"


@pytest.mark.parametrize(("reply", "chosen"), [("Marc", "marcj"), ("Marcus", "mjohnson"),
                                               ("Mrcus Jonson", "mjohnson")])
def test_part_of_a_name_or_a_misspelling_picks_the_one_candidate_it_fits(  # type: ignore[no-untyped-def]
        app, reply: str, chosen: str) -> None:
    first = app.service.handle("boss", "Johnson needs Viewer in WikiWiki")
    assert first.outcome.clarification is not None
    assert {c.id for c in first.outcome.clarification.candidates} >= {"marcj", "mjohnson"}
    second = app.service.handle("boss", reply, state=first.state)
    assert (second.outcome.user_id, second.outcome.role_id) == (chosen, "wiki-viewer")


def test_a_misspelt_role_answers_which_role(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", "I need access to Ledgerly")
    second = app.service.handle("ana", "Closr", state=first.state)
    assert (second.outcome.role_id, second.outcome.reason) == ("ldg-closer", Reason.PREREQUISITE_MISSING)


def test_an_unreadable_answer_to_which_role_says_so_and_keeps_the_choices(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", "I need access to Ledgerly")
    second = app.service.handle("ana", "xyzzy", state=first.state)
    assert second.outcome.message.startswith('Sorry, I could not read "xyzzy" as an answer.')
    assert second.outcome.clarification is not None and second.outcome.clarification.slot == "role"
    third = app.service.handle("ana", "plugh", state=second.state)
    assert third.outcome.message.count("Sorry") == 1 and '"plugh"' in third.outcome.message


@pytest.mark.parametrize("reply", ["never mind", "Cancel", "ok, forget it", "scratch that", "I changed my mind"])
def test_calling_off_a_request_in_progress_ends_it_and_requests_nothing(app, reply: str) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Pat Rivera needs Viewer in WikiWiki")
    second = app.service.handle("boss", reply, state=first.state)
    assert (second.outcome.decision, second.outcome.reason) == (Decision.NEEDS_CLARIFICATION,
                                                                Reason.NOTHING_REQUESTED)
    assert second.state is None and second.outcome.message.startswith("Cancelled")
    assert requests_for(app, "boss") == requests_for(app, "pat1") == requests_for(app, "pat2") == 0


def test_thanks_after_an_answer_is_not_a_new_request_and_cancel_with_nothing_open_says_so(  # type: ignore[no-untyped-def]
        app) -> None:
    done = app.service.handle("ana", "I need the Viewer role in WikiWiki")
    assert done.outcome.decision is not Decision.NEEDS_CLARIFICATION
    assert done.state is not None and not done.state.waiting  # nothing asked; it holds the request decided
    thanks = app.service.handle("ana", "ok thanks!", state=done.state)
    assert thanks.outcome.reason is Reason.NOTHING_REQUESTED and "welcome" in thanks.outcome.message
    assert thanks.state is not None and thanks.state.last == done.state.last and not thanks.state.waiting
    cancel = app.service.handle("ana", "cancel")
    assert cancel.outcome.reason is Reason.NOTHING_REQUESTED and "no request in progress" in cancel.outcome.message
    while_asked = app.service.handle("ana", "I need access to Ledgerly")
    ok = app.service.handle("ana", "ok", state=while_asked.state)  # while a question waits, "ok" is not thanks
    assert ok.outcome.reason is Reason.AMBIGUOUS_OR_MISSING_ENTITY and ok.state is not None


@pytest.mark.parametrize("text", ["he also needs Viewer in WikiWiki", "And she needs the Editor role in WikiWiki",
                                  "please give him Viewer in WikiWiki"])
def test_a_pronoun_with_nobody_named_before_is_asked_about(app, text: str) -> None:  # type: ignore[no-untyped-def]
    turn = app.service.handle("boss", text)
    assert turn.outcome.decision is Decision.NEEDS_CLARIFICATION and turn.outcome.user_id is None
    assert turn.outcome.message.startswith("Who do you mean by")
    assert requests_for(app, "boss") == 0


def test_a_pronoun_in_a_reply_is_the_person_the_conversation_is_about(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Tess Okoro needs access to WikiWiki")
    assert first.outcome.clarification is not None and first.outcome.clarification.slot == "role"
    second = app.service.handle("boss", "she needs the Viewer role", state=first.state)
    assert (second.outcome.user_id, second.outcome.role_id) == ("tess", "wiki-viewer")


def test_a_question_with_one_possible_answer_is_a_yes_or_no(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", "I need the Closer role")
    assert first.outcome.message == "Is this for Period Closer in Ledgerly? Reply yes, or name the application."
    second = app.service.handle("ana", "yes", state=first.state)
    assert (second.outcome.app_id, second.outcome.role_id) == ("ledgerly", "ldg-closer")


def test_part_of_a_known_name_is_asked_about_as_such(app) -> None:  # type: ignore[no-untyped-def]
    turn = app.service.handle("boss", "Rivera needs Viewer in WikiWiki").outcome
    assert turn.message.startswith("Who do you mean by 'Rivera'?") or turn.message.startswith("More than one")
    assert "could not find" not in turn.message
    assert {c.id for c in turn.clarification.candidates} >= {"pat1", "pat2"}


@pytest.mark.parametrize(("text", "among"), [
    ("O'Neil needs Viewer in WikiWiki", {"soneil", "soneill"}), ("O\u2019Neil needs Viewer in WikiWiki", {"soneil"}),
    ("Dr. O'Neil needs Viewer in WikiWiki", {"soneil"}), ("De la Cruz needs Viewer in WikiWiki", {"dlc"}),
    ("van der Berg needs Viewer in WikiWiki", {"vdb"}), ("J. Smith needs Viewer in WikiWiki", {"jsmith"}),
    ("St. John needs Viewer in WikiWiki", {"stj"}), ("Viewer in WikiWiki, for O'Connor", set()),
    ("D'Angelo needs Viewer in WikiWiki", set()),
])
def test_surnames_with_apostrophes_particles_or_initials_are_asked_about_never_the_requesters(  # type: ignore[no-untyped-def]
        app, text: str, among: set[str]) -> None:
    turn = app.service.handle("boss", text).outcome
    assert turn.decision is Decision.NEEDS_CLARIFICATION and turn.user_id is None, turn.message
    assert turn.clarification is not None and turn.clarification.slot == "user"
    assert among <= {c.id for c in turn.clarification.candidates}
    assert requests_for(app, "boss") == 0


@pytest.mark.parametrize("text", ["Maria De la Cruz needs Viewer in WikiWiki", "Anna van der Berg needs Viewer in "
                                  "WikiWiki", "Please give Sean O'Neil Viewer in WikiWiki"])
def test_full_names_with_particles_or_apostrophes_are_found(app, text: str) -> None:  # type: ignore[no-untyped-def]
    turn = app.service.handle("boss", text).outcome
    assert turn.user_id in {"dlc", "vdb", "soneil"} and turn.decision is not Decision.NEEDS_CLARIFICATION


@pytest.mark.parametrize("reply", ["-1", "+2", "\u22121"])
def test_a_signed_number_picks_no_candidate(app, reply: str) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Pat Rivera needs Viewer in WikiWiki")
    second = app.service.handle("boss", reply, state=first.state)
    assert second.outcome.user_id is None and second.outcome.message.startswith("Sorry, I could not read")


def test_a_greeting_alone_is_answered_and_asks_for_nothing(app) -> None:  # type: ignore[no-untyped-def]
    turn = app.service.handle("ana", "Hi there!")
    assert turn.outcome.reason is Reason.NOTHING_REQUESTED and turn.state is None
    assert turn.outcome.message.startswith("Hello! Tell me what access you need")


def test_a_relative_is_asked_back_in_the_second_person(app) -> None:  # type: ignore[no-untyped-def]
    turn = app.service.handle("ana", "Give my new hire Viewer in WikiWiki").outcome
    assert turn.message.startswith("Who is your new hire?")


def test_one_close_person_is_a_yes_or_no_question(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Give Tess Okoroo Viewer in WikiWiki")
    assert "Did you mean Tess Okoro" in first.outcome.message and "Reply yes" in first.outcome.message
    second = app.service.handle("boss", "yes", state=first.state)
    assert (second.outcome.user_id, second.outcome.role_id) == ("tess", "wiki-viewer")


@pytest.mark.parametrize("text", ["Marcus and Marc Johnson need Viewer in WikiWiki",
                                  "Please give Tess Okoro and Rui Costa Viewer in WikiWiki",
                                  "Viewer in WikiWiki for Tess Okoro and Rui Costa"])
def test_two_people_at_once_are_asked_about_one_at_a_time(app, text: str) -> None:  # type: ignore[no-untyped-def]
    turn = app.service.handle("boss", text).outcome
    assert turn.decision is Decision.NEEDS_CLARIFICATION and turn.user_id is None, turn.message
    assert "and I handle one person per request: who first?" in turn.message
    assert turn.clarification is not None and len(turn.clarification.candidates) >= 2


@pytest.mark.parametrize("text", ["I need Viewer for WikiWiki and Ledgerly", "Tess Okoro needs Viewer in WikiWiki",
                                  "Give Tess Okoro Viewer and Editor in WikiWiki"])
def test_and_between_applications_or_roles_is_not_two_people(app, text: str) -> None:  # type: ignore[no-untyped-def]
    turn = app.service.handle("boss", text).outcome
    assert "one person per request" not in turn.message


@pytest.mark.parametrize("text", ["help", "What can you do?", "how does this work?"])
def test_help_is_answered_not_read_as_a_request(app, text: str) -> None:  # type: ignore[no-untyped-def]
    turn = app.service.handle("ana", text)
    assert turn.outcome.reason is Reason.NOTHING_REQUESTED and turn.outcome.app_id is None
    assert turn.outcome.message.startswith("I handle requests for access.")


@pytest.mark.parametrize("text", ["yes", "no", "nope", "1", "#2", "\U0001f600", "3 !"])
def test_a_bare_yes_or_no_with_no_question_open_says_so(app, text: str) -> None:  # type: ignore[no-untyped-def]
    turn = app.service.handle("ana", text)
    assert turn.outcome.reason is Reason.NOTHING_REQUESTED and turn.outcome.app_id is None
    assert turn.outcome.message.startswith("There is no question open")


def test_a_number_still_answers_an_open_question(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", "I need access to Ledgerly")
    assert first.outcome.clarification is not None and first.outcome.clarification.candidates
    second = app.service.handle("ana", "1", state=first.state)
    assert second.outcome.role_id == first.outcome.clarification.candidates[0].id


def test_several_ways_of_calling_off_in_one_message_call_it_off(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", "I need access to Ledgerly")
    second = app.service.handle("ana", "never mind, forget it", state=first.state)
    assert second.outcome.reason is Reason.NOTHING_REQUESTED and second.outcome.message.startswith("Cancelled")


def test_no_to_the_one_person_offered_asks_openly_and_never_takes_them(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Ana Fereira needs Viewer in WikiWiki")  # "Did you mean Ana Ferreira?"
    asked = first.outcome.clarification
    assert asked is not None and len(asked.candidates) == 1, first.outcome.message
    second = app.service.handle("boss", "no", state=first.state)
    assert second.outcome.decision is Decision.NEEDS_CLARIFICATION and second.outcome.user_id is None
    assert second.outcome.message.startswith("Then who should get the access?")
    third = app.service.handle("boss", "Rui Costa", state=second.state)
    assert (third.outcome.user_id, third.outcome.role_id) == ("rui", "wiki-viewer")


@pytest.mark.parametrize("reply", ["the one in legal please", "the Counsel", "option 2 please"])
def test_a_reply_describing_one_candidate_picks_them(app, reply: str) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Pat Rivera needs Viewer in WikiWiki")
    second = app.service.handle("boss", reply, state=first.state)
    assert (second.outcome.user_id, second.outcome.role_id) == ("pat2", "wiki-viewer")


def test_a_whole_new_request_sent_instead_of_a_reply_replaces_the_one_asked_about(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "I need something in Ledgerly")
    assert first.outcome.clarification is not None and first.outcome.clarification.slot == "role"
    # Two Pat Riveras: the new request asks which, and keeps its own application and role meanwhile.
    second = app.service.handle("boss", "Pat Rivera needs Editor in WikiWiki", state=first.state)
    assert second.outcome.clarification is not None and second.outcome.clarification.slot == "user"
    assert (second.outcome.app_id, second.outcome.role_id) == ("wikiwiki", "wiki-editor")
    choices = [candidate.id for candidate in second.outcome.clarification.candidates]
    third = app.service.handle("boss", str(choices.index("pat2") + 1), state=second.state).outcome
    assert (third.user_id, third.app_id, third.role_id) == ("pat2", "wikiwiki", "wiki-editor")
    assert third.decision is not Decision.NEEDS_CLARIFICATION


def test_a_new_request_for_the_same_person_keeps_the_end_asked_for(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", "I need something in Ledgerly for 3 days")
    assert first.outcome.clarification is not None
    second = app.service.handle("ana", "I need Editor in WikiWiki", state=first.state).outcome
    assert (second.user_id, second.role_id) == ("ana", "wiki-editor") and second.access_until is not None


def test_a_reply_naming_only_application_and_role_stays_the_reply_for_the_person_asked_about(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Rui Costa needs access to Ledgerly")
    assert first.outcome.clarification is not None and first.outcome.clarification.slot == "role"
    second = app.service.handle("boss", "Viewer in Ledgerly", state=first.state).outcome
    assert (second.user_id, second.role_id) == ("rui", "ldg-viewer")


@pytest.mark.parametrize(("text", "asked"), [
    ("I need the Period Closer role in Salesforce", 'I do not know an application called "salesforce". The role you '
                                                    "name is in Ledgerly: is this for Period Closer in Ledgerly?"),
    ("I need Godmode in Workday", 'I do not know an application called "workday".'),
    ("Viewer in Tableau please", 'I do not know an application called "tableau". Which application do you mean?'),
    ("I need access to Slack", 'I do not know an application called "slack".'),
    ("Please give me permissions to Figma as Viewer", 'I do not know an application called "figma".'),
    ("Need salesforce admin", 'I do not know an application called "salesforce".'),
    ("I need salesforce admin access", 'I do not know an application called "salesforce".'),
    ("Need jira", 'I do not know an application called "jira".'),
    ("I need Jira access", 'I do not know an application called "jira".'),
])
def test_an_application_nobody_knows_is_said_to_be_unknown_not_guessed(app, text: str, asked: str) -> None:  # type: ignore[no-untyped-def]
    turn = app.service.handle("ana", text)
    assert turn.outcome.decision is Decision.NEEDS_CLARIFICATION and turn.outcome.app_id is None
    assert turn.outcome.message.startswith(asked), turn.outcome.message
    assert turn.outcome.clarification is not None and turn.outcome.clarification.slot == "application"


@pytest.mark.parametrize("reply", ["he needs Viewer in Ledgerly", "give him Viewer in Ledgerly",
                                   "Viewer in Ledgerly for him"])
def test_a_reply_about_him_stays_about_the_person_asked_about(app, reply: str) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Rui Costa needs access to Ledgerly")
    assert first.outcome.clarification is not None and first.outcome.clarification.slot == "role"
    second = app.service.handle("boss", reply, state=first.state).outcome
    assert (second.user_id, second.role_id) == ("rui", "ldg-viewer"), second.message


@pytest.mark.parametrize("text", ["I need Viewer on Monday", "I need Viewer in order to read the pages",
                                  "I need Viewer access to the pages",
                                  "I need Viewer in case the audit asks", "I need Viewer in production"])
def test_when_or_why_after_in_or_on_is_no_unknown_application(app, text: str) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("ana", text).outcome
    assert outcome.clarification is not None and outcome.clarification.slot == "application"
    assert "do not know an application" not in outcome.message, outcome.message


@pytest.mark.parametrize("text", ["I need elevated access", "I need help with access", "I need temporary access",
                                  "I need Viewr access", "I need the same access as Rui Costa"])
def test_ordinary_words_where_an_application_would_stand_are_no_unknown_application(app, text: str) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("ana", text).outcome
    assert "do not know an application" not in outcome.message, outcome.message


def test_a_short_unknown_name_gets_no_far_fetched_guess(app) -> None:  # type: ignore[no-untyped-def]
    outcome = app.service.handle("ana", "I need Godmode in Box").outcome
    assert outcome.message.startswith('I do not know an application called "box".')
    assert "Did you mean" not in outcome.message, outcome.message


def test_an_unreadable_reply_to_who_is_asked_again_before_any_other_question(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "he needs Godmode in WikiWiki")  # the role is unclear too
    assert first.outcome.clarification is not None and first.outcome.clarification.slot == "user"
    second = app.service.handle("boss", "xyz", state=first.state).outcome
    assert second.clarification is not None and second.clarification.slot == "user", second.message
    assert second.message.startswith('Sorry, I could not read "xyz" as an answer. Who do you mean by "he"?')
    third = app.service.handle("boss", "Rui Costa", state=app.service.handle("boss", "xyz", state=first.state).state)
    assert third.outcome.user_id == "rui" and third.outcome.clarification is not None
    assert third.outcome.clarification.slot == "role"
