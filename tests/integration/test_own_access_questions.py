"""Questions about one's own access in the chat ("what access do I have?", "do I have access to WikiWiki?",
"status of my requests", "what is R-1001?"), on a real PostgreSQL through the service and the Lex handler: answered
from the person's own grants and requests, audited, never read as a request, never showing anyone else's."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.domain import Decision, Reason
from lex import handler
from tests.fakes.bundles import rules_org
from tests.unit.test_lex_support import EVENTS, assert_valid_response, messages_of

pytestmark = pytest.mark.integration


@pytest.fixture
def app(app_factory, tmp_path: Path) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    application = app_factory()
    application.import_bundle(rules_org(tmp_path / "org"))
    handler.set_application(application)
    yield application
    handler.set_application(None)


def decided(app: Any) -> int:
    with app.database.connection() as conn:
        row = conn.execute("SELECT count(*) AS n FROM requests WHERE status <> 'NEEDS_CLARIFICATION'").fetchone()
    return int(row["n"])


def ask(app: Any, who: str, text: str) -> str:
    before = decided(app)
    outcome = app.service.handle(who, text).outcome
    assert (outcome.decision, outcome.reason) == (Decision.NEEDS_CLARIFICATION, Reason.NOTHING_REQUESTED), \
        outcome.message
    assert decided(app) == before  # a question requests nothing
    return outcome.message


@pytest.mark.parametrize("text", ["what access do I have?", "show my roles", "What roles do I have?",
                                  "my access?"])
def test_what_access_do_i_have_lists_the_roles_held(app: Any, text: str) -> None:
    assert ask(app, "ana", text) == "You hold 1 role: 1. Journal Poster in Ledgerly."


def test_access_in_one_application_and_one_role(app: Any) -> None:
    assert ask(app, "rui", "do I have the Viewer role in Ledgerly?") == (
        "Yes: you hold Viewer in Ledgerly (no end date). Nothing was requested.")
    assert ask(app, "rui", "Do I have Editor access in WikiWiki?").startswith(
        "No: you do not hold Editor in WikiWiki.")
    assert ask(app, "ana", "Do I have access to WikiWiki?").startswith("You hold no role in WikiWiki.")


def test_questions_without_their_mark_and_about_ones_manager(app: Any) -> None:
    assert ask(app, "rui", "do I have Viewer in Ledgerly") == (
        "Yes: you hold Viewer in Ledgerly (no end date). Nothing was requested.")
    assert ask(app, "rui", "am I an Editor in WikiWiki?").startswith("No: you do not hold Editor in WikiWiki.")
    assert ask(app, "ana", "who is my manager?") == (
        "Your manager is Quinn Marlowe (boss@corp.test). Nothing was requested.")
    assert ask(app, "boss", "who do I report to") == "The directory lists no manager for you. Nothing was requested."


@pytest.mark.parametrize("text", [
    "do I have Ledgerly Viewer?", "Do I already have the ledger viewer", "have I got Viewer in Ledgerly",
    "am I a Ledgerly viewer?", "is my Ledgerly Viewer access still active?",
    "When does my Ledgerly Viewer access expire?", "how long do I have Viewer in Ledgerly for?",
    "do I still hold read only in LDG", "until when do I have Viewer in Ledgerly?",
])
def test_yes_or_no_questions_about_holding_a_role_are_answered_with_its_end(app: Any, text: str) -> None:
    # "do I have ...?" is answered "Yes: ...", "when does ... expire?" not (it asked when, not whether)
    yes = "You" if re.search(r"when|how long|expire", text, re.IGNORECASE) else "Yes: you"
    assert ask(app, "rui", text) == f"{yes} hold Viewer in Ledgerly (no end date). Nothing was requested."
    with app.database.connection() as conn:
        conn.execute("UPDATE user_roles SET expires_at = '2099-01-15 23:59:59+00' WHERE user_id = 'rui'")
    assert ask(app, "rui", text) == (
        f"{yes} hold Viewer in Ledgerly (until the end of 2099-01-15 (UTC)). Nothing was requested.")


@pytest.mark.parametrize("text", [
    "do I have Ledgerly admin?", "Do I already have the Administrator role in Ledgerly", "am I a Ledgerly admin?",
    "when does my Ledgerly Administrator access expire?",
])
def test_a_role_not_held_is_answered_no_and_never_requested(app: Any, text: str) -> None:
    assert ask(app, "rui", text) == "No: you do not hold Administrator in Ledgerly."


def test_only_a_pending_request_for_the_role_asked_about_is_mentioned(app: Any) -> None:
    pending = app.service.handle("tess", "I need the Viewer role in Ledgerly").outcome
    assert pending.decision is Decision.PENDING_APPROVAL, pending.message
    assert ask(app, "tess", "do I have the Period Closer role in Ledgerly?") == (
        "No: you do not hold Period Closer in Ledgerly.")
    assert ask(app, "tess", "do I have Viewer in Ledgerly?") == (
        f"No: you do not hold Viewer in Ledgerly. Your request for it is waiting for approval: {pending.request_id}.")
    # Asked about the application, every pending request in it, each with its role.
    assert ask(app, "tess", "do I have access to Ledgerly?").startswith(
        f"You hold no role in Ledgerly. Waiting for approval: {pending.request_id} (Viewer).")


def test_ordinary_requests_stay_requests(app: Any) -> None:
    for text in ("I need Editor in WikiWiki", "I already have Viewer in WikiWiki, now I need Editor"):
        outcome = app.service.handle("ana", text).outcome
        assert (outcome.role_id, outcome.decision) != (None, Decision.NEEDS_CLARIFICATION), outcome.message
        assert outcome.reason is not Reason.NOTHING_REQUESTED, outcome.message


@pytest.mark.parametrize("text", [
    "what roles does Ledgerly have?", "which roles are there in the ledger?", "what can I request in Ledgerly?",
    "list the roles in LDG", "show me all Ledgerly roles", "show me the Ledgerly roles please",
])
def test_an_applications_roles_are_listed_from_the_catalog(app: Any, text: str) -> None:
    assert ask(app, "tess", text) == (
        "Ledgerly (General ledger) has 5 roles: 1. Administrator (privileged): Administer Ledgerly; 2. Journal "
        "Approver: Approve journal entries; 3. Journal Poster: Post journal entries; 4. Period Closer: Close "
        "accounting periods; 5. Viewer: Read the ledger. To ask for one, say for example \"I need Administrator in "
        "Ledgerly\". Nothing was requested.")


def test_what_a_role_gives_and_someone_elses_roles(app: Any) -> None:
    assert ask(app, "tess", "what does the Period Closer role give me?") == (
        "Period Closer in Ledgerly: Close accounting periods. To ask for it, say \"I need Period Closer in "
        "Ledgerly\". Nothing was requested.")
    assert ask(app, "tess", "What does Editor in WikiWiki let me do?").startswith("Editor in WikiWiki: Edit pages.")
    assert ask(app, "tess", "what roles does Rui Costa have?").startswith(
        "I can tell you about your own access (\"what access do I have?\")")
    assert ask(app, "tess", "Does Ledgerly have a Viewer role?").startswith("Viewer in Ledgerly: Read the ledger.")
    assert ask(app, "tess", "does Rui Costa have a Viewer role?").startswith(
        "I can tell you about your own access (\"what access do I have?\")")


def test_was_i_approved_and_why_was_i_denied_answer_from_the_latest_requests(app: Any) -> None:
    assert ask(app, "tess", "why was I denied?").startswith("None of your recent requests was denied.")
    assert ask(app, "tess", "was I approved?").startswith("You have no requests yet.")
    denied = app.service.handle("tess", "I need Administrator in Ledgerly").outcome  # employees only
    assert denied.decision is Decision.DENIED, denied.message
    pending = app.service.handle("tess", "I need Editor in WikiWiki").outcome
    for text in ("why was I denied?", "why did my request get denied", "Why was my Ledgerly request rejected?"):
        answer = ask(app, "tess", text)
        assert answer.startswith(f"About request {denied.request_id}: Denied: Administrator in Ledgerly"), answer
        assert pending.request_id not in answer
    assert ask(app, "tess", "why was my WikiWiki request denied?").startswith(
        "None of your recent requests in WikiWiki was denied.")
    latest = ask(app, "tess", "was I approved?")
    assert latest.startswith(f"Your latest request, {pending.request_id} (Editor in WikiWiki for you) is ")
    assert ask(app, "tess", "have I been approved for Administrator in Ledgerly?").startswith(
        f"Your latest request in Ledgerly, {denied.request_id} (Administrator in Ledgerly for you) is denied.")
    app.approvals.decide(pending.request_id, "boss", False, "not now", "cli")
    assert ask(app, "tess", "did my request go through?").startswith(
        f"Your latest request, {pending.request_id} (Editor in WikiWiki for you): Denied by Quinn Marlowe on ")
    # the denial decided last is the one asked about, though the request was filed after the other
    assert ask(app, "tess", "why was I denied?").startswith(f"About request {pending.request_id}: ")
    # someone refused for asking on tess's behalf made no request of hers: not in her answers
    refused = app.service.handle("rui", "Tess Okoro needs Viewer in Ledgerly").outcome
    assert refused.reason is Reason.NOT_AUTHORIZED_FOR_TARGET, refused.message
    for text in ("why was I denied?", "was I approved?", "my requests"):
        assert refused.request_id not in ask(app, "tess", text)
    assert ask(app, "tess", "why was I denied?").startswith(f"About request {pending.request_id}: ")


def test_an_approvers_queue_is_counted_and_decided_elsewhere(app: Any) -> None:
    pending = app.service.handle("tess", "I need Editor in WikiWiki").outcome
    assert pending.decision is Decision.PENDING_APPROVAL, pending.message
    for text in ("show me my approval queue", "what requests are waiting for my approval?",
                 f"approve {pending.request_id}"):
        answer = ask(app, "boss", text)
        assert answer.startswith("1 request is waiting for your decision. I do not decide requests in the chat"), \
            answer
        assert "askiam approvals list --as boss" in answer and "/console" in answer
    assert ask(app, "ana", "anything for me to approve?").startswith("No request is waiting for your decision.")
    # Nothing was decided in the chat: the request is still waiting.
    assert app.service.ports.store.get(pending.request_id).decision is Decision.PENDING_APPROVAL


def test_figures_over_everyones_requests_point_to_the_audit_report(app: Any) -> None:
    for text in ("how many requests were auto-approved this week?", "what is the denial rate?"):
        answer = ask(app, "ana", text)
        assert "askiam audit report" in answer and "/console" in answer, answer


def test_a_long_list_of_roles_says_how_to_see_it_all(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import own_access

    monkeypatch.setattr(own_access, "LISTED", 1)
    with app.database.connection() as conn:
        conn.execute("INSERT INTO user_roles (user_id, role_id, granted_at, status, source) "
                     "VALUES ('ana', 'wiki-viewer', now(), 'active', 'test')")
    short = ask(app, "ana", "what access do I have?")
    assert short == ("You hold 2 roles: 1. Journal Poster in Ledgerly; and 1 more. Ask \"show all my access\" for "
                     "the whole list.")
    assert ask(app, "ana", "show all my access") == (
        "You hold 2 roles: 1. Journal Poster in Ledgerly; 2. Viewer in WikiWiki.")


def test_a_time_limited_grant_shows_its_end(app: Any) -> None:
    with app.database.connection() as conn:
        conn.execute("UPDATE user_roles SET expires_at = '2099-01-31 23:59:59+00' WHERE user_id = 'ana'")
    assert ask(app, "ana", "what access do I have?") == (
        "You hold 1 role: 1. Journal Poster in Ledgerly (until the end of 2099-01-31 (UTC)).")


def test_the_status_of_my_requests_lists_those_made_by_and_for_me(app: Any) -> None:
    assert ask(app, "tess", "what's the status of my request?").startswith("You have no requests yet.")
    mine = app.service.handle("tess", "I need the Viewer role in Ledgerly").outcome
    for_her = app.service.handle("boss", "Tess Okoro needs Editor in WikiWiki").outcome
    app.service.handle("ana", "I need Viewer in WikiWiki")  # someone else's: never listed for tess
    answer = ask(app, "tess", "show my requests")
    assert mine.request_id in answer and for_her.request_id in answer
    assert "Viewer in Ledgerly for you" in answer and "Editor in WikiWiki for you" in answer
    assert "ana" not in answer.lower()
    # "pending": those waiting for a decision only.
    denied = app.service.handle("tess", "I need Administrator in Ledgerly").outcome  # employees only
    assert denied.decision is Decision.DENIED
    waiting = {o.request_id for o in (mine, for_her) if o.decision is Decision.PENDING_APPROVAL}
    assert waiting, (mine.decision, for_her.decision)
    pending = ask(app, "tess", "show my pending requests")
    assert denied.request_id not in pending and denied.request_id in ask(app, "tess", "show my requests")
    assert pending.startswith("Your requests waiting for approval: ")
    assert ask(app, "dele", "show my pending requests").startswith("None of your requests is waiting for approval.")
    not_pending = ask(app, "tess", "show my requests that are not pending")
    assert not_pending.startswith("Your latest requests") and denied.request_id in not_pending
    assert all(request_id in pending for request_id in waiting), pending
    only_wiki = ask(app, "tess", "is my WikiWiki request approved yet?")
    assert for_her.request_id in only_wiki and mine.request_id not in only_wiki


def test_one_request_by_id_is_shown_only_to_the_people_it_is_about(app: Any) -> None:
    outcome = app.service.handle("tess", "I need the Viewer role in Ledgerly").outcome
    answer = ask(app, "tess", f"What is {outcome.request_id}?")
    assert answer.startswith(f"Request {outcome.request_id} (Viewer in Ledgerly for you) is ")
    assert ask(app, "rui", f"status of {outcome.request_id}") == (
        f"I could not find request {outcome.request_id} among your requests.")
    assert ask(app, "rui", "status of R-999999") == "I could not find request R-999999 among your requests."
    assert ask(app, "rui", "what is R-99999999999999999999?") == (
        "I could not find request R-99999999999999999999 among your requests.")
    # One of its approvers (tess's manager, who is pointed at it when asking the same) may ask too.
    assert ask(app, "boss", f"status of {outcome.request_id}") == (
        f"Request {outcome.request_id} (Viewer in Ledgerly for Tess Okoro) is waiting for approval, and you are one "
        f"of its approvers: decide it in the console (/console) or with `askiam approvals decide "
        f"{outcome.request_id} approve|deny`.")
    app.approvals.decide(outcome.request_id, "boss", False, "", "cli")  # decided: no longer theirs to see
    assert ask(app, "boss", f"status of {outcome.request_id}") == (
        f"I could not find request {outcome.request_id} among your requests.")


def test_a_request_decided_since_says_by_whom_when_and_why_and_what_it_was_filed_as(app: Any) -> None:
    pending = app.service.handle("tess", "I need the Viewer role in Ledgerly").outcome
    assert pending.decision is Decision.PENDING_APPROVAL, pending.message
    before = ask(app, "tess", f"What is {pending.request_id}?")
    assert before == f"Request {pending.request_id} (Viewer in Ledgerly for you) is waiting for approval. " \
                     f"{pending.message}"
    app.approvals.decide(pending.request_id, "boss", False, "not for contractors", "cli")
    answer = ask(app, "tess", f"What is {pending.request_id}?")
    today = _last_decided_on(app, pending.request_id)
    assert answer == (f"Request {pending.request_id} (Viewer in Ledgerly for you): Denied by Quinn Marlowe on {today}: "
                      f"\"not for contractors\". When it was filed: {pending.message}")
    # Expired: said so, not "an approver will decide".
    other = app.service.handle("tess", "I need Editor in WikiWiki").outcome
    assert other.decision is Decision.PENDING_APPROVAL, other.message
    app.approvals.expire(now=datetime.now(UTC) + timedelta(days=365))
    expired = ask(app, "tess", f"status of {other.request_id}")
    expired_on = _last_decided_on(app, other.request_id)
    assert f"Denied on {expired_on}: it expired before anyone decided it. When it was filed: " in expired


def test_an_approval_the_checks_overrule_reads_as_such_not_as_the_approvers_denial(app: Any) -> None:
    pending = app.service.handle("rui", "I need Journal Approver in Ledgerly").outcome
    assert pending.decision is Decision.PENDING_APPROVAL, pending.message
    with app.database.connection() as conn:  # meanwhile Rui is given the role it conflicts with
        conn.execute("INSERT INTO user_roles (user_id, role_id, status) VALUES ('rui', 'ldg-poster', 'active')")
    result = app.approvals.decide(pending.request_id, "boss", True, "fine by me", "cli")
    assert (result.verdict.decision, result.verdict.reason) == (Decision.DENIED, Reason.SOD_CONFLICT)
    answer = ask(app, "rui", f"status of {pending.request_id}")
    today = _last_decided_on(app, pending.request_id)
    assert answer.startswith(
        f"Request {pending.request_id} (Journal Approver in Ledgerly for you): Denied on {today}: Quinn Marlowe "
        "approved it (\"fine by me\"), but when approved it failed the checks: conflicts with Journal Poster in "
        "Ledgerly, already held (Who posts a journal entry must not approve it.). When it was filed: "), answer
    with app.database.connection() as conn:  # the audit record keeps what the approver chose
        row = conn.execute("SELECT payload FROM audit_log WHERE request_id = %s AND event_type = "
                           "'access_request.denied'", (pending.request_id,)).fetchone()
    details = json.loads(row["payload"])["details"]
    assert (details["action"], details["decided_by"]) == ("approve", "boss")


def _last_decided_on(app: Any, request_id: str) -> str:
    """The day (UTC) of the last decision on a request."""
    with app.database.connection() as conn:
        row = conn.execute("SELECT max(decided_at) AS at FROM request_decisions WHERE request_id = %s",
                           (request_id,)).fetchone()
    return f"{row['at'].astimezone(UTC):%Y-%m-%d}"


def test_the_question_is_audited(app: Any) -> None:
    ask(app, "ana", "what access do I have?")
    with app.database.connection() as conn:
        row = conn.execute("SELECT count(*) AS n FROM audit_log WHERE requester_id = 'ana' "
                           "AND reason = 'NOTHING_REQUESTED'").fetchone()
    assert row["n"] == 1


def test_lex_answers_what_access_do_i_have_from_the_fallback(app: Any) -> None:
    event = json.loads((EVENTS / "fallback_free_text.json").read_text(encoding="utf-8"))
    event["inputTranscript"] = "what access do I have?"
    event["sessionState"]["sessionAttributes"] = {"requester_id": "ana"}
    response = handler.lambda_handler(event, None)
    assert_valid_response(response)
    assert response["sessionState"]["dialogAction"]["type"] == "Close"
    assert messages_of(response)[0] == "You hold 1 role: 1. Journal Poster in Ledgerly."


@pytest.mark.parametrize("text", ["Does Rui Costa have Viewer in Ledgerly?", "Is Tess Okoro allowed Administrator in "
                                  "Ledgerly?", "Check whether Rui Costa has Viewer in Ledgerly",
                                  "What roles does Rui Costa have?"])
def test_a_question_about_someone_elses_access_is_not_a_request(app: Any, text: str) -> None:
    answer = ask(app, "boss", text)
    assert answer.startswith("I can tell you about your own access")


def test_who_approves_names_the_owner(app: Any) -> None:
    answer = ask(app, "ana", "Who approves Viewer in Ledgerly?")
    assert answer.startswith("Requests for roles in Ledgerly go to its owner, Olu Bankole,")
    assert "Privileged roles (Administrator) go to the owner only." in answer
    assert ask(app, "ana", "who do I ask for access?").startswith("A request goes to the application's owner")
    # An owner who cannot decide: their manager does, and is named; with neither, the answer says who remains.
    with app.database.connection() as conn:  # Olu has no manager in this org
        conn.execute("UPDATE users SET status = 'inactive' WHERE user_id = 'own'")
    nobody = ask(app, "ana", "Who approves Viewer in Ledgerly?")
    assert nobody.startswith("Requests for roles in Ledgerly go to the manager of the person they are for")
    assert "Privileged roles (Administrator) wait until they expire." in nobody
    with app.database.connection() as conn:
        conn.execute("UPDATE users SET manager_id = 'boss' WHERE user_id = 'own'")
        boss = conn.execute("SELECT display_name FROM users WHERE user_id = 'boss'").fetchone()["display_name"]
    standing_in = ask(app, "ana", "Who approves Viewer in Ledgerly?")
    assert standing_in.startswith(f"Requests for roles in Ledgerly go to its owner's manager, {boss} (the owner is "
                                  "not active now), and to the manager"), standing_in
    assert "Privileged roles (Administrator) go to the owner's manager only." in standing_in


@pytest.mark.parametrize(("text", "opening"), [
    ("what roles does Ledgerly have?", "Ledgerly"), ("do I have Viewer in Ledgerly?", "No: you do not hold Viewer"),
    ("was I approved?", "You have no requests"), ("why was I denied?", "None of your recent requests was denied"),
])
def test_lex_answers_the_new_questions_from_the_fallback_and_files_nothing(app: Any, text: str, opening: str) -> None:
    event = json.loads((EVENTS / "fallback_free_text.json").read_text(encoding="utf-8"))
    event["inputTranscript"] = text
    event["sessionState"]["sessionAttributes"] = {"requester_id": "tess"}
    before = decided(app)
    response = handler.lambda_handler(event, None)
    assert_valid_response(response)
    assert response["sessionState"]["dialogAction"]["type"] == "Close", response
    assert messages_of(response)[0].startswith(opening), messages_of(response)
    assert decided(app) == before


def test_lex_answers_help_with_its_own_help_and_waits_for_the_request(app: Any) -> None:
    event = json.loads((EVENTS / "fallback_free_text.json").read_text(encoding="utf-8"))
    event["inputTranscript"] = "can you help me?"
    event["sessionState"]["sessionAttributes"] = {"requester_id": "tess"}
    before = decided(app)
    response = handler.lambda_handler(event, None)
    assert_valid_response(response)
    assert response["sessionState"]["dialogAction"]["type"] == "ElicitIntent"
    assert messages_of(response)[0].startswith("I can request access for you") and decided(app) == before


def test_when_a_role_named_without_its_application_ends_is_that_grants_end(app: Any) -> None:
    with app.database.connection() as conn:
        conn.execute("UPDATE user_roles SET expires_at = '2099-01-31 23:59:59+00' WHERE user_id = 'ana'")
    assert ask(app, "ana", "when does my Journal Poster access expire?") == (
        "You hold Journal Poster in Ledgerly (until the end of 2099-01-31 (UTC)). Nothing was requested.")
    # A role of that name not held is said not held, not answered with the whole list.
    assert ask(app, "ana", "when does my Editor access expire?").startswith("No: you hold no role named Editor.")


def test_why_after_the_status_of_a_request_explains_that_request(app: Any) -> None:
    filed = app.service.handle("rui", "I need the Viewer role in Ledgerly").outcome
    assert filed.request_id
    status = app.service.handle("rui", f"status of {filed.request_id}")
    why = app.service.handle("rui", "why?", state=status.state).outcome
    assert why.message.startswith(f"About request {filed.request_id}"), why.message
    # Someone else's request named by id is not taken up: "why?" then has nothing to explain.
    other = app.service.handle("tess", f"status of {filed.request_id}")
    assert "About request" not in app.service.handle("tess", "why?", state=other.state).outcome.message


def test_my_requests_for_a_role_named_are_those_requests(app: Any) -> None:
    editor = app.service.handle("tess", "I need Editor in WikiWiki").outcome
    admin = app.service.handle("tess", "I need Administrator in Ledgerly").outcome
    answer = ask(app, "tess", "is my Editor request approved yet?")
    assert editor.request_id in answer and admin.request_id not in answer, answer
    # a role none of the requests is for: all of them, as before
    everything = ask(app, "tess", "is my Viewer request approved yet?")
    assert editor.request_id in everything and admin.request_id in everything, everything
