"""Messages right after a decision, on a real PostgreSQL through the service: "why?" gives the reasons of the
request just decided; "same for Rui", "actually make that the Viewer role", "what about WikiWiki?" change one part
of it and keep the rest; a message that changes nothing recognisable is asked about, never decided again."""

from __future__ import annotations

import pytest

from bot.conversation import ConversationState
from bot.domain import Decision, Reason

pytestmark = pytest.mark.integration


@pytest.fixture
def app(rules_app):  # type: ignore[no-untyped-def]
    return rules_app


def decided_count(app) -> int:  # type: ignore[no-untyped-def]
    with app.database.connection() as conn:
        row = conn.execute("SELECT count(*) AS n FROM requests WHERE status <> %s",
                           (Decision.NEEDS_CLARIFICATION.value,)).fetchone()
    return int(row["n"])


@pytest.mark.parametrize("why", ["why?", "Why not?", "but why was it denied?", "how come", "explain please",
                                 "what's the reason?"])
def test_why_after_a_denial_gives_its_reasons_and_requests_nothing(app, why: str) -> None:  # type: ignore[no-untyped-def]
    denied = app.service.handle("ana", "I need the Journal Approver role in Ledgerly")  # SoD with her Poster role
    assert denied.outcome.reason is Reason.SOD_CONFLICT
    before = decided_count(app)
    answer = app.service.handle("ana", why, state=denied.state)
    assert (answer.outcome.decision, answer.outcome.reason) == (Decision.NEEDS_CLARIFICATION,
                                                                Reason.NOTHING_REQUESTED)
    assert answer.outcome.message.startswith(f"About request {denied.outcome.request_id}: Denied: Journal Approver")
    assert "segregation-of-duties" in answer.outcome.message
    assert decided_count(app) == before
    # The request stays the one "same for ..." would change.
    assert answer.state is not None and answer.state.last == denied.state.last  # type: ignore[union-attr]


def test_why_lists_every_check_that_failed(app) -> None:  # type: ignore[no-untyped-def]
    # Gil is suspended and lacks Period Closer's prerequisite: two checks fail.
    denied = app.service.handle("boss", "Gil Santos needs Period Closer in Ledgerly")
    assert denied.outcome.decision is Decision.DENIED
    failed = [check.detail for check in denied.outcome.checks if not check.passed]
    assert len(failed) >= 2
    answer = app.service.handle("boss", "why?", state=denied.state)
    assert all(detail in answer.outcome.message for detail in failed)


def test_why_with_nothing_decided_says_so_and_why_is_never_read_as_a_request(app) -> None:  # type: ignore[no-untyped-def]
    fresh = app.service.handle("ana", "why?")
    assert (fresh.outcome.decision, fresh.outcome.reason) == (Decision.NEEDS_CLARIFICATION, Reason.NOTHING_REQUESTED)
    assert fresh.outcome.app_id is None
    assert fresh.outcome.message.startswith("I have no decision in this conversation to explain")
    assert decided_count(app) == 0


def test_why_does_not_show_a_request_of_someone_else(app) -> None:  # type: ignore[no-untyped-def]
    theirs = app.service.handle("boss", "Rui Costa needs Journal Approver in Ledgerly")
    assert theirs.state is not None and theirs.state.last is not None
    # A state carried to another requester (a forged or mixed-up session) shows nothing of it.
    answer = app.service.handle("tess", "why?", state=theirs.state)
    assert theirs.outcome.request_id not in answer.outcome.message
    assert answer.outcome.message.startswith("I have no decision in this conversation to explain")


@pytest.mark.parametrize("text", ["same for Rui Costa", "and for Rui Costa", "Rui Costa too", "what about Rui Costa?",
                                  "ok thanks, same for rui@corp.test please", "same for Rui",
                                  "what about Rui for a week?", "and Rui, for 2 weeks"])
def test_same_for_another_person_keeps_the_application_and_role(app, text: str) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Ana Ferreira needs Viewer in WikiWiki")
    assert first.outcome.decision is not Decision.NEEDS_CLARIFICATION
    second = app.service.handle("boss", text, state=first.state)
    if second.outcome.decision is Decision.NEEDS_CLARIFICATION:  # "Rui" alone may be asked about: then answered
        assert second.outcome.clarification is not None and second.outcome.clarification.slot == "user"
        second = app.service.handle("boss", "1", state=second.state)
    assert (second.outcome.user_id, second.outcome.app_id, second.outcome.role_id) == ("rui", "wikiwiki",
                                                                                      "wiki-viewer")
    assert second.outcome.decision is not Decision.NEEDS_CLARIFICATION


@pytest.mark.parametrize("text", ["actually make that Editor", "what about the Editor role?", "Editor instead",
                                  "change it to Editor please"])
def test_changing_the_role_keeps_the_person_and_application(app, text: str) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Rui Costa needs Viewer in WikiWiki")
    second = app.service.handle("boss", text, state=first.state)
    assert (second.outcome.user_id, second.outcome.app_id, second.outcome.role_id) == ("rui", "wikiwiki",
                                                                                      "wiki-editor")


def test_changing_the_application_finds_the_role_of_the_same_name_there(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", "I need Viewer in WikiWiki")
    second = app.service.handle("ana", "what about Ledgerly?", state=first.state)
    assert (second.outcome.user_id, second.outcome.app_id) == ("ana", "ledgerly")
    # Ledgerly's own Viewer, or a question about its roles: never WikiWiki's role in Ledgerly's name.
    assert second.outcome.role_id in (None, "ldg-viewer")


@pytest.mark.parametrize("text", ["actually make that Reader", "same please", "what about tomorrow?"])
def test_a_change_naming_nothing_known_is_asked_about_not_decided_again(app, text: str) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Rui Costa needs Viewer in WikiWiki")
    before = decided_count(app)
    second = app.service.handle("boss", text, state=first.state)
    assert second.outcome.decision is Decision.NEEDS_CLARIFICATION
    assert second.outcome.role_id is None
    assert decided_count(app) == before
    assert second.outcome.message.startswith("I could not tell what to change in your last request (Viewer in "
                                             "WikiWiki for Rui Costa)")
    # A reply that answers nothing does not fall back to the last request's role either.
    third = app.service.handle("boss", "hmm", state=second.state)
    assert third.outcome.decision is Decision.NEEDS_CLARIFICATION and decided_count(app) == before
    chosen = app.service.handle("boss", "Editor", state=third.state)
    assert (chosen.outcome.user_id, chosen.outcome.role_id) == ("rui", "wiki-editor")


def test_same_for_someone_unknown_asks_who_and_never_keeps_the_last_person(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Rui Costa needs Viewer in WikiWiki")
    before = decided_count(app)
    second = app.service.handle("boss", "same for Zorro Quixote", state=first.state)
    assert second.outcome.decision is Decision.NEEDS_CLARIFICATION and second.outcome.user_id is None
    third = app.service.handle("boss", "what?", state=second.state)
    assert third.outcome.decision is Decision.NEEDS_CLARIFICATION and third.outcome.user_id is None
    assert decided_count(app) == before


def test_a_pronoun_after_the_requesters_own_request_is_still_asked_about(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "I need Viewer in WikiWiki")
    second = app.service.handle("boss", "he needs it too", state=first.state)
    assert second.outcome.decision is Decision.NEEDS_CLARIFICATION and second.outcome.user_id is None
    assert second.outcome.message.startswith("Who do you mean by")


def test_a_pronoun_after_a_request_for_someone_refers_to_them(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Rui Costa needs Viewer in WikiWiki")
    second = app.service.handle("boss", "he also needs Editor", state=first.state)
    assert (second.outcome.user_id, second.outcome.role_id) == ("rui", "wiki-editor")


def test_a_new_whole_request_after_a_decision_is_read_on_its_own(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Rui Costa needs Viewer in WikiWiki")
    second = app.service.handle("boss", "I need Editor in WikiWiki", state=first.state)
    assert (second.outcome.user_id, second.outcome.role_id) == ("boss", "wiki-editor")
    plain = app.service.handle("boss", "Journal Poster in Ledgerly for Ana Ferreira", state=second.state)
    assert (plain.outcome.user_id, plain.outcome.role_id) == ("ana", "ldg-poster")


def test_the_state_after_a_decision_is_small_and_round_trips(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Rui Costa needs Viewer in WikiWiki")
    assert first.state is not None
    dumped = first.state.model_dump_json()
    assert len(dumped) < 400
    assert ConversationState.model_validate_json(dumped) == first.state


def test_same_for_another_application_takes_its_role_of_the_same_name(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("ana", "I need Viewer in WikiWiki")
    second = app.service.handle("ana", "same for Ledgerly", state=first.state)
    assert (second.outcome.user_id, second.outcome.role_id) == ("ana", "ldg-viewer")


@pytest.mark.parametrize("text", ["and also Rui Costa", "also Rui Costa please", "and Rui Costa"])
def test_and_also_someone_keeps_the_application_and_role(app, text: str) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("boss", "Ana Ferreira needs Viewer in WikiWiki")
    second = app.service.handle("boss", text, state=first.state)
    assert (second.outcome.user_id, second.outcome.role_id) == ("rui", "wiki-viewer")
