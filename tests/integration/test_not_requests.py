"""Messages that are not requests and name nothing of one, through the service on a real PostgreSQL: asking for
help, text nothing could be read from, and closing words while a question waits. Each is answered, requests nothing
and leaves no question open; requests beside them stay requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.domain import Decision, Reason
from bot.understanding.small_talk import THANKS_WHILE_ASKING, help_answer, not_understood
from tests.fakes.bundles import rules_org

pytestmark = pytest.mark.integration


@pytest.fixture
def app(app_factory: Any, tmp_path: Path) -> Any:
    application = app_factory()
    application.import_bundle(rules_org(tmp_path / "org"))
    return application


def answered(app: Any, text: str, state: Any = None) -> Any:
    turn = app.service.handle("ana", text, state=state)
    assert (turn.outcome.decision, turn.outcome.reason) == (Decision.NEEDS_CLARIFICATION, Reason.NOTHING_REQUESTED), \
        turn.outcome.message
    assert turn.state is None or not turn.state.waiting  # no question left open
    return turn


@pytest.mark.parametrize("text", ["can you help me?", "I need help", "Could someone help me please", "please help"])
def test_asking_for_help_gets_the_help(app: Any, text: str) -> None:
    assert answered(app, text).outcome.message == help_answer(app.service.vocabulary().examples)


@pytest.mark.parametrize("text", ["test", "asdf qwerty", "<img src=x onerror=alert(1)>", "lorem ipsum dolor"])
def test_text_nothing_can_be_read_from_is_said_not_understood(app: Any, text: str) -> None:
    assert answered(app, text).outcome.message == not_understood(app.service.vocabulary().examples)


@pytest.mark.parametrize(("text", "slot"), [
    ("Ledgerly", "role"), ("ledgrly", "role"), ("I need admin access", "application"),
    ("Rui Costa", "application"), ("I need the Closer role", "application"),
])
def test_a_message_naming_something_of_a_request_is_still_asked_about(app: Any, text: str, slot: str) -> None:
    outcome = app.service.handle("ana", text).outcome
    assert outcome.reason is Reason.AMBIGUOUS_OR_MISSING_ENTITY, outcome.message
    assert outcome.clarification is not None and outcome.clarification.slot == slot


def test_closing_words_while_a_question_waits_end_the_conversation(app: Any) -> None:
    first = app.service.handle("ana", "I need the Closer role")
    assert first.state is not None and first.state.waiting
    closed = answered(app, "ok thanks", first.state)
    assert closed.outcome.message == THANKS_WHILE_ASKING
    # "yes" still answers the question ("Is this for Ledgerly?").
    again = app.service.handle("ana", "I need the Closer role")
    assert app.service.handle("ana", "yes", state=again.state).outcome.role_id == "ldg-closer"


def test_ordinary_requests_stay_requests(app: Any) -> None:
    for text in ("I need Editor in WikiWiki", "Viewer in the ledger please", "give me wiki viewer"):
        outcome = app.service.handle("rui", text).outcome
        assert outcome.role_id is not None and outcome.decision is not Decision.NEEDS_CLARIFICATION, outcome.message


def _grants(app: Any) -> list[tuple[str, str]]:
    with app.database.connection() as conn:
        rows = conn.execute("SELECT user_id, role_id FROM user_roles WHERE status = 'active' ORDER BY 1, 2").fetchall()
    return [(row["user_id"], row["role_id"]) for row in rows]


@pytest.mark.parametrize(("who", "text", "says"), [
    ("fin1", "who holds Editor in WikiWiki?", "not what someone else holds"),
    ("fin1", "which of my teammates has Editor in WikiWiki?", "not what someone else holds"),
    ("fin1", "list everyone with Viewer in WikiWiki", "not what someone else holds"),
    ("fin1", "how many people have Viewer in Ledgerly?", "not what someone else holds"),
    ("fin1", "My colleague got Editor in WikiWiki yesterday", "not what someone else holds"),
    ("fin1", "Is Rui Costa a Ledgerly Viewer?", "not what someone else holds"),
    ("fin1", "How do I get Editor in WikiWiki?", "Editor in WikiWiki: Edit pages. To ask for it, say"),
    ("fin1", "Do I need Editor in WikiWiki to fix a typo?", "Editor in WikiWiki: Edit pages."),
    ("fin1", "I never asked for Editor in WikiWiki", "Nothing was requested: I read that as access not to be given"),
    ("fin1", "don't give me Editor in WikiWiki", "Nothing was requested: I read that as access not to be given"),
    ("boss", "Do not give Ana Ferreira Editor in WikiWiki", "Nothing was requested: I read that as access not"),
    ("boss", "Ana Ferreira should not get Editor in WikiWiki", "Nothing was requested: I read that as access not"),
    ("boss", "who are my reports?", "people report to you: 1. "),
])
def test_questions_about_others_how_to_and_refusals_grant_nothing_and_file_nothing(app: Any, who: str, text: str,
                                                                                 says: str) -> None:
    before = _grants(app)
    outcome = app.service.handle(who, text).outcome
    assert (outcome.decision, outcome.reason) == (Decision.NEEDS_CLARIFICATION, Reason.NOTHING_REQUESTED), \
        outcome.message
    assert says in outcome.message, outcome.message
    assert _grants(app) == before
    assert app.approvals.pending_for("boss") == [] and app.approvals.pending_for("own") == []


@pytest.mark.parametrize(("who", "text"), [
    ("fin1", "thanks for the Editor access in WikiWiki!"), ("fin1", "Editor in WikiWiki works now, thank you"),
    ("fin1", "If I had Editor in WikiWiki I could fix the typo myself"), ("fin1", "I heard Editor in WikiWiki is slow"),
    ("boss", "Should I give Ana Ferreira Editor in WikiWiki?"),
    ("boss", "Ana Ferreira already has Editor in WikiWiki, right?"),
    ("boss", "Ana Ferreira wants Editor in WikiWiki but I said no"), ("fin1", "I already have Editor in WikiWiki"),
    ("rui", "Ana Ferreira has Editor in WikiWiki"),
])
def test_a_message_naming_access_without_asking_for_it_files_nothing_until_confirmed(app: Any, who: str,
                                                                                   text: str) -> None:
    before = _grants(app)
    turn = app.service.handle(who, text)
    outcome = turn.outcome
    assert outcome.decision is Decision.NEEDS_CLARIFICATION, outcome.message
    assert outcome.message.startswith("Nothing was requested: I could not tell whether you are asking for access. "
                                      "Do you want to ask for Editor in WikiWiki"), outcome.message
    assert _grants(app) == before and app.approvals.pending_for("boss") == []
    with app.database.connection() as conn:  # nothing filed: only the question is on record
        statuses = {row["status"] for row in conn.execute("SELECT status FROM requests").fetchall()}
    assert statuses <= {"NEEDS_CLARIFICATION"}, statuses
    # "no" ends it; asked again, "yes" files it as a request like any other
    assert app.service.handle(who, "no", state=turn.state).outcome.message == "Nothing was requested."
    again = app.service.handle(who, text)
    filed = app.service.handle(who, "yes", state=again.state).outcome
    assert filed.decision is not Decision.NEEDS_CLARIFICATION and filed.role_id == "wiki-editor", filed.message
