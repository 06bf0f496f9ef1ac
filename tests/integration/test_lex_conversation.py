"""Recorded Lex V2 events replayed through the Lambda handler against a real PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.conversation import ConversationState
from bot.domain import Decision
from lex import handler
from tests.conftest import make_app
from tests.fakes.bundles import rules_org
from tests.unit.test_lex_support import EVENTS, assert_valid_response, messages_of

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def database(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One database with the rules org for the whole module; each test keeps to its own Lex sessions."""
    import os

    import psycopg

    name = f"askiam_lex_{os.getpid()}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = psycopg.conninfo.make_conninfo(postgres_url, dbname=name)
    home = tmp_path_factory.mktemp("lex-home")
    application = make_app(url, home)
    try:
        application.import_bundle(rules_org(home / "org"))
    finally:
        application.close()
    yield url, home
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def shared_app(database: tuple[str, Path]) -> Iterator[Any]:
    application = make_app(*database)
    yield application
    application.close()


@pytest.fixture
def app(shared_app) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    handler.set_application(shared_app)
    yield shared_app
    handler.set_application(None)


class Conversation:
    """Plays recorded events in order, carrying the session attributes each response returns, as Lex does."""

    def __init__(self, session_id: str | None = None) -> None:
        self.attributes: dict[str, str] | None = None
        self.session_id = session_id

    def say(self, name: str, replace: dict[str, str] | None = None,
            slots: dict[str, Any] | None = None) -> dict[str, Any]:
        """`slots`: the intent's slots as the last response left them (Lex sends them back with the next turn)."""
        text = (EVENTS / name).read_text(encoding="utf-8")
        for old, new in (replace or {}).items():
            text = text.replace(old, new)
        event = json.loads(text)
        if slots is not None:
            event["sessionState"]["intent"]["slots"] = slots
        if self.session_id:
            event["sessionId"] = self.session_id
        if self.attributes is not None:
            event["sessionState"]["sessionAttributes"] = {**event["sessionState"]["sessionAttributes"],
                                                          **self.attributes}
        response = handler.lambda_handler(event, None)
        assert_valid_response(response)
        self.attributes = response["sessionState"]["sessionAttributes"]
        return response


def _requests(app, session_id: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    with app.database.connection() as conn:
        return conn.execute("SELECT request_id, status, target_id, role_id, channel, text FROM requests "
                            "WHERE conversation_id = %s ORDER BY created_at, request_id", (session_id,)).fetchall()


def test_ambiguous_person_missing_role_confirmation_then_the_decision(app) -> None:  # type: ignore[no-untyped-def]
    chat = Conversation("lex-pat")

    first = chat.say("pat_01_give_pat_rivera_wikiwiki.json")
    action = first["sessionState"]["dialogAction"]
    assert action == {"type": "ElicitSlot", "slotToElicit": "UserName"}
    assert first["sessionState"]["intent"]["slots"]["UserName"] is None
    assert first["sessionState"]["intent"]["slots"]["ApplicationName"]["value"]["interpretedValue"] == "WikiWiki"
    question = messages_of(first)[0]
    assert "pat1@corp.test" in question and "pat2@corp.test" in question
    card = first["messages"][1]["imageResponseCard"]
    assert [button["value"] for button in card["buttons"]] == ["1", "2"]
    assert "askiam_state" in chat.attributes and chat.attributes["requester_id"] == "boss"

    second = chat.say("pat_02_choose_2.json")
    assert second["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "RoleName"}
    assert second["sessionState"]["intent"]["slots"]["UserName"]["value"]["interpretedValue"] == "pat2"
    assert "Editor" in messages_of(second)[0] and "Viewer" in messages_of(second)[0]

    third = chat.say("pat_03_role_editor.json")
    assert third["sessionState"]["dialogAction"] == {"type": "ConfirmIntent"}
    assert messages_of(third) == ["Request Editor in WikiWiki for Pat Rivera (pat2@corp.test)?"]
    assert all(row["status"] == "NEEDS_CLARIFICATION" for row in _requests(app, "lex-pat"))  # no decision yet

    fourth = chat.say("pat_04_confirm_yes.json")
    assert fourth["sessionState"]["dialogAction"] == {"type": "Delegate"}
    assert fourth["sessionState"]["intent"]["state"] == "ReadyForFulfillment"

    before_the_decision = dict(chat.attributes)
    fifth = chat.say("pat_05_fulfillment.json")
    assert fifth["sessionState"]["dialogAction"] == {"type": "Close"}
    assert fifth["sessionState"]["intent"]["state"] in {"Fulfilled", "Failed"}
    request_id = chat.attributes["askiam_request_id"]
    assert request_id.startswith("R-") and request_id in messages_of(fifth)[0]
    assert "askiam_confirm" not in chat.attributes
    # Only the request decided stays, for a "same for ..." next; no question waits.
    kept = ConversationState.model_validate_json(chat.attributes["askiam_state"])
    assert not kept.waiting and kept.texts == [] and kept.last is not None
    assert (kept.last.request_id, kept.last.target_id, kept.last.role_id) == (request_id, "pat2", "wiki-editor")
    rows = _requests(app, "lex-pat")
    decided = [row for row in rows if row["status"] != "NEEDS_CLARIFICATION"]
    assert [(row["request_id"], row["target_id"], row["role_id"], row["channel"]) for row in decided] == [
        (request_id, "pat2", "wiki-editor", "lex")]
    # The clarifying questions were recorded like every channel's; the decision carries the whole conversation.
    assert sum(row["status"] == "NEEDS_CLARIFICATION" for row in rows) == 2
    assert decided[0]["text"] == "Please give Pat Rivera access to WikiWiki / 2 / Editor"

    # The same fulfilment delivered again (a retry) is answered with the first decision, not a second one.
    retry = Conversation("lex-pat")
    retry.attributes = before_the_decision
    again = retry.say("pat_05_fulfillment.json")
    assert retry.attributes["askiam_request_id"] == request_id and messages_of(again) == messages_of(fifth)
    # ... and leaves the session as the first did, so "same for ..." or "why?" next still refer to it.
    assert retry.attributes["askiam_state"] == chat.attributes["askiam_state"]
    assert len([row for row in _requests(app, "lex-pat") if row["status"] != "NEEDS_CLARIFICATION"]) == 1

    by_last = chat.say("status_last_request.json")
    assert by_last["sessionState"]["dialogAction"] == {"type": "Close"}
    assert by_last["sessionState"]["intent"]["state"] == "Fulfilled"
    headline = messages_of(by_last)[0]
    assert headline.startswith(f"Request {request_id} is ")
    assert headline.endswith(": Editor in WikiWiki for Pat Rivera (pat2@corp.test).")

    by_id = chat.say("status_by_id.json", {"1234": request_id.removeprefix("R-")})
    assert by_id["sessionState"]["intent"]["slots"]["RequestId"]["value"]["interpretedValue"] == request_id
    assert messages_of(by_id)[0] == headline

    # Someone the request does not concern learns nothing about it, not even that it exists.
    other = Conversation("lex-rui-status")
    other.attributes = {"requester_id": "rui"}
    hidden = other.say("status_by_id.json", {"1234": request_id.removeprefix("R-"), '"boss"': '"rui"'})
    assert hidden["sessionState"]["intent"]["state"] == "Failed"
    assert messages_of(hidden) == [f"I could not find request {request_id} among your requests."]


def test_for_me_fills_the_user_and_a_lex_confirmed_fulfilment_decides(app) -> None:  # type: ignore[no-untyped-def]
    chat = Conversation("lex-ana-yes")
    first = chat.say("ana_01_access_ledgerly.json")
    assert first["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "RoleName"}
    assert first["sessionState"]["intent"]["slots"]["UserName"]["value"] == {
        "originalValue": "me", "interpretedValue": "ana", "resolvedValues": ["ana"]}
    assert "Period Closer" in messages_of(first)[0]
    assert len(first["messages"][1]["imageResponseCard"]["buttons"]) == 5

    second = chat.say("ana_02_viewer_for_me.json")
    assert second["sessionState"]["dialogAction"] == {"type": "ConfirmIntent"}
    assert messages_of(second) == ["Request Viewer in Ledgerly for you?"]

    third = chat.say("ana_03_confirmed_fulfillment.json")
    assert third["sessionState"]["dialogAction"] == {"type": "Close"}
    decided = [row for row in _requests(app, "lex-ana-yes") if row["status"] != "NEEDS_CLARIFICATION"]
    assert [(row["target_id"], row["role_id"]) for row in decided] == [("ana", "ldg-viewer")]
    assert third["sessionState"]["sessionAttributes"]["askiam_request_id"] == decided[0]["request_id"]
    assert third["sessionState"]["intent"]["state"] == ("Failed" if decided[0]["status"] == "DENIED" else "Fulfilled")
    assert 1 <= len(third["messages"]) <= 2


def test_declining_the_confirmation_records_no_decision(app) -> None:  # type: ignore[no-untyped-def]
    chat = Conversation("lex-ana-no")
    chat.attributes = {"requester_id": "dele"}  # Ana may hold Viewer in Ledgerly by now: that is not confirmed
    chat.say("ana_01_access_ledgerly.json")
    chat.say("ana_02_viewer_for_me.json")
    declined = chat.say("ana_03_declined.json")
    assert declined["sessionState"]["dialogAction"] == {"type": "Close"}
    assert declined["sessionState"]["intent"]["state"] == "Failed"
    assert "not sent" in messages_of(declined)[0]
    assert [row["status"] for row in _requests(app, "lex-ana-no")] == ["NEEDS_CLARIFICATION"]
    assert "askiam_confirm" not in chat.attributes and "askiam_state" not in chat.attributes


def test_fallback_free_text_goes_to_the_core_and_switches_to_the_access_intent(app) -> None:  # type: ignore[no-untyped-def]
    response = Conversation().say("fallback_free_text.json")
    assert response["sessionState"]["dialogAction"] == {"type": "ConfirmIntent"}
    assert response["sessionState"]["intent"]["name"] == "AccessRequest"
    assert messages_of(response) == ["Request Viewer in WikiWiki for Ana Ferreira (ana@corp.test)?"]


def test_fallback_off_topic_text_gets_the_help_and_records_nothing(app) -> None:  # type: ignore[no-untyped-def]
    response = Conversation().say("fallback_off_topic.json")
    assert response["sessionState"]["dialogAction"] == {"type": "ElicitIntent"}
    assert "Viewer role in Ledgerly" in messages_of(response)[0]
    assert _requests(app, "lexsess-boss-0003") == []


def test_forged_session_state_is_ignored_not_an_error(app) -> None:  # type: ignore[no-untyped-def]
    """A client-edited state (here a NUL, which PostgreSQL cannot store) is dropped: the turn is answered as a new
    conversation, nothing fails and no error is logged or counted."""
    forged = {"asked": {"slot": "role", "question": "Which role?"}, "texts": ["I need WikiWiki\u0000"], "turns": 1}
    chat = Conversation("lex-forged")
    chat.attributes = {"askiam_state": json.dumps(forged)}
    response = chat.say("pat_01_give_pat_rivera_wikiwiki.json")
    assert response["sessionState"]["intent"]["state"] != "Failed"
    assert "went wrong" not in messages_of(response)[0]
    assert response["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "UserName"}
    assert [row["text"] for row in _requests(app, "lex-forged")] == ["Please give Pat Rivera access to WikiWiki"]


def test_a_request_to_remove_access_is_closed_with_the_answer_and_grants_nothing(app) -> None:  # type: ignore[no-untyped-def]
    chat = Conversation("lex-removal")
    typed = {"Please give Pat Rivera access to WikiWiki": "Please revoke my Editor role in WikiWiki"}
    response = chat.say("pat_01_give_pat_rivera_wikiwiki.json", replace=typed)
    assert response["sessionState"]["dialogAction"] == {"type": "Close"}
    assert response["sessionState"]["intent"]["state"] == "Failed"
    assert "only handle requests for new access" in messages_of(response)[0]
    assert "askiam_state" not in chat.attributes
    assert [row["status"] for row in _requests(app, "lex-removal")] == ["NEEDS_CLARIFICATION"]


def test_an_unknown_requester_is_refused_and_audited(app) -> None:  # type: ignore[no-untyped-def]
    chat = Conversation("lex-nobody")
    chat.attributes = {"requester_id": "nobody"}
    response = chat.say("ana_01_access_ledgerly.json")
    assert response["sessionState"]["dialogAction"] == {"type": "Close"}
    assert "cannot make access requests" in messages_of(response)[0]
    with app.database.connection() as conn:
        refusals = conn.execute("SELECT count(*) AS n FROM audit_log WHERE requester_id = 'nobody' "
                                "AND event_type = 'access_request.refused'").fetchone()["n"]
    assert refusals == 1


def test_a_store_outage_is_a_polite_close(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from validators.errors import StoreUnavailableError

    def down(*args: object, **kwargs: object) -> None:
        raise StoreUnavailableError("connection refused")

    monkeypatch.setattr(app.service, "requester", down)
    response = Conversation("lex-outage").say("status_by_id.json")
    assert response["sessionState"]["intent"]["state"] == "Failed"
    assert "try again" in messages_of(response)[0]


def test_production_takes_the_requester_from_the_verified_id_token(database) -> None:  # type: ignore[no-untyped-def]
    import time

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    from lex.identity import CognitoJwksVerifier
    from lex.settings import LexSettings

    application = make_app(*database, env="aws")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = {"keys": [{**jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": "k1"}]}
    lex = LexSettings(cognito_region="eu-west-1", cognito_user_pool_id="eu-west-1_Pool", cognito_app_client_ids="c1")
    handler.set_application(application, lex=lex,
                            verifier=CognitoJwksVerifier.from_settings(lex, jwks_source=lambda: jwks))
    try:
        now = int(time.time())
        token = jwt.encode({"sub": "s-rui", "aud": "c1", "iss": lex.cognito_issuer, "token_use": "id",
                            "cognito:username": "rui", "iat": now, "exp": now + 600}, key, algorithm="RS256",
                           headers={"kid": "k1"})
        response = Conversation().say("prod_access_request_signed_in.json", {"{{ID_TOKEN}}": token})
    finally:
        handler.set_application(None)
        application.close()
    # The session also says requester_id=boss; in production only the verified token counts.
    assert response["sessionState"]["dialogAction"] == {"type": "ConfirmIntent"}
    assert messages_of(response) == ["Request Viewer in WikiWiki for you?"]
    assert response["sessionState"]["intent"]["slots"]["UserName"]["value"]["interpretedValue"] == "rui"


def test_export_reads_the_imported_catalog(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from lex.export import export_bot

    document = json.loads(export_bot(app, tmp_path / "lex").read_text(encoding="utf-8"))
    slot_types = {item["Name"]: item for item in document["BotLocales"][0]["SlotTypes"]}
    apps = {value["SampleValue"]["Value"]: [s["Value"] for s in value.get("Synonyms", [])]
            for value in slot_types["AskiamApplication"]["SlotTypeValues"]}
    assert apps["Ledgerly"] == ["LDG", "the ledger"] and apps["WikiWiki"] == ["wiki"]


def test_never_mind_while_a_question_waits_closes_the_conversation_and_requests_nothing(app) -> None:  # type: ignore[no-untyped-def]
    chat = Conversation("lex-cancel")
    first = chat.say("pat_01_give_pat_rivera_wikiwiki.json")
    assert first["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "UserName"}
    second = chat.say("pat_02_choose_2.json", replace={'"2"': '"never mind"'})
    assert second["sessionState"]["dialogAction"] == {"type": "Close"}
    assert messages_of(second)[0].startswith("Cancelled: nothing was requested")
    assert "askiam_state" not in chat.attributes
    assert {row["status"] for row in _requests(app, "lex-cancel")} == {"NEEDS_CLARIFICATION"}


def test_same_for_someone_after_a_decision_asks_to_confirm_the_same_access_for_them(app) -> None:  # type: ignore[no-untyped-def]
    chat = Conversation("lex-same-for")
    for name in ("pat_01_give_pat_rivera_wikiwiki.json", "pat_02_choose_2.json", "pat_03_role_editor.json",
                 "pat_04_confirm_yes.json", "pat_05_fulfillment.json"):
        chat.say(name)
    decided = chat.attributes["askiam_request_id"]
    # Typed next in the same session: Lex matches no intent, so the fallback carries the text. (Pat's request may be
    # pending from an earlier test of this module, answered as such: "same for" follows that answer as well.)
    same = chat.say("fallback_free_text.json",
                    {"Ana Ferreira should get Viewer on the wiki please": "same for Rui Costa"})
    assert same["sessionState"]["dialogAction"] == {"type": "ConfirmIntent"}
    assert same["sessionState"]["intent"]["name"] == "AccessRequest"
    assert messages_of(same) == ["Request Editor in WikiWiki for Rui Costa (rui@corp.test)?"]
    slots = same["sessionState"]["intent"]["slots"]
    assert slots["UserName"]["value"]["interpretedValue"] == "rui"
    assert not [row for row in _requests(app, "lex-same-for")  # nothing decided for Rui before the yes
                if row["target_id"] == "rui" and row["status"] != "NEEDS_CLARIFICATION"]
    assert chat.attributes.get("askiam_request_id", decided) == decided

    # Yes, then Lex's fulfilment: decided for Rui, and the session now remembers Rui's request.
    assert chat.say("pat_04_confirm_yes.json", slots=slots)["sessionState"]["dialogAction"] == {"type": "Delegate"}
    done = chat.say("pat_05_fulfillment.json", slots=slots)
    assert done["sessionState"]["dialogAction"] == {"type": "Close"}
    second = chat.attributes["askiam_request_id"]
    assert second != decided and second in messages_of(done)[0]
    rows = {row["request_id"]: row for row in _requests(app, "lex-same-for")}
    assert (rows[second]["target_id"], rows[second]["role_id"], rows[second]["channel"]) == ("rui", "wiki-editor",
                                                                                             "lex")


def test_withdrawing_a_pending_request_by_id_and_from_free_text(app) -> None:  # type: ignore[no-untyped-def]
    first = app.service.handle("tess", "I need the Viewer role in Ledgerly").outcome
    second = app.service.handle("tess", "I need Editor in WikiWiki").outcome
    assert first.decision is second.decision is Decision.PENDING_APPROVAL
    chat = Conversation("lex-tess-withdraw")
    chat.attributes = {"requester_id": "tess"}
    by_id = chat.say("withdraw_by_id.json", {"1234": first.request_id.removeprefix("R-")})
    assert by_id["sessionState"]["dialogAction"] == {"type": "Close"}
    # The intent Lex invoked is the one closed, done (not a failed AccessRequest, which analytics would count).
    assert {key: by_id["sessionState"]["intent"].get(key) for key in ("name", "state")} == {
        "name": "WithdrawRequest", "state": "Fulfilled"}
    assert messages_of(by_id) == [f"Withdrawn: request {first.request_id} (Viewer in Ledgerly for you) is closed "
                                  "and will not be decided; its approvers no longer see it."]
    # Lex heard "R-<id>" into the slot from other words: the slot's request is the one withdrawn.
    heard = chat.say("withdraw_by_id.json", {"Cancel R-1234": "Cancel that one please",
                                             "1234": second.request_id.removeprefix("R-")})
    assert messages_of(heard)[0].startswith(f"Withdrawn: request {second.request_id} ")
    with app.database.connection() as conn:
        rows = conn.execute("SELECT status, reason FROM requests WHERE request_id = ANY(%s)",
                            ([first.request_id, second.request_id],)).fetchall()
    assert [(row["status"], row["reason"]) for row in rows] == [("DENIED", "WITHDRAWN")] * 2
    # In free text the core reads it; the status then says who withdrew it and when.
    free = Conversation("lex-tess-free")
    free.attributes = {"requester_id": "tess"}
    nothing = free.say("fallback_free_text.json", {"Ana Ferreira should get Viewer on the wiki please":
                                                   "please withdraw my request", '"boss"': '"tess"'})
    assert messages_of(nothing)[0].startswith("None of your requests is waiting for approval")
    status = free.say("status_by_id.json", {"1234": first.request_id.removeprefix("R-"), '"boss"': '"tess"'})
    assert messages_of(status)[1].startswith("Withdrawn by you on ")


@pytest.mark.parametrize("typed", ["Please don't cancel my request", "Cancel WikiWiki", "Cancel my request"])
def test_the_withdraw_intent_never_withdraws_what_was_not_named(app, typed: str) -> None:  # type: ignore[no-untyped-def]
    pending = app.service.handle("tess", "I need the Viewer role in Ledgerly").outcome
    assert pending.decision is Decision.PENDING_APPROVAL
    chat = Conversation(f"lex-tess-{abs(hash(typed))}")
    chat.attributes = {"requester_id": "tess"}
    event_text = json.loads((EVENTS / "withdraw_by_id.json").read_text(encoding="utf-8"))
    event_text["inputTranscript"] = typed
    for intent in (event_text["interpretations"][0]["intent"], event_text["sessionState"]["intent"]):
        intent["slots"] = {"RequestId": None} if typed != "Cancel WikiWiki" else {"RequestId": {
            "shape": "Scalar", "value": {"originalValue": "WikiWiki", "interpretedValue": "WikiWiki",
                                         "resolvedValues": []}}}
    event_text["sessionState"]["sessionAttributes"]["requester_id"] = "tess"
    response = handler.lambda_handler(event_text, None)
    assert_valid_response(response)
    with app.database.connection() as conn:
        status = conn.execute("SELECT status FROM requests WHERE request_id = %s",
                              (pending.request_id,)).fetchone()["status"]
    assert status == "PENDING_APPROVAL", messages_of(response)
    with app.database.connection() as conn:  # leave the module's shared database as it was
        conn.execute("UPDATE requests SET status = 'DENIED', reason = 'WITHDRAWN' WHERE request_id = %s",
                     (pending.request_id,))


def test_the_status_of_my_last_request_in_a_new_session_lists_the_latest_requests(app) -> None:  # type: ignore[no-untyped-def]
    pending = app.service.handle("rui", "I need Editor in WikiWiki").outcome
    assert pending.decision is Decision.PENDING_APPROVAL
    event = json.loads((EVENTS / "status_last_request.json").read_text(encoding="utf-8"))
    event["sessionId"] = "lex-rui-status-new-session"
    event["sessionState"]["sessionAttributes"] = {"requester_id": "rui"}
    response = handler.lambda_handler(event, None)
    assert_valid_response(response)
    assert response["sessionState"]["dialogAction"] == {"type": "Close"}, messages_of(response)
    assert {key: response["sessionState"]["intent"].get(key) for key in ("name", "state")} == {
        "name": "CheckRequestStatus", "state": "Fulfilled"}
    assert pending.request_id in messages_of(response)[0] and "Editor in WikiWiki" in messages_of(response)[0]
    with app.database.connection() as conn:  # leave the module's shared database as it was
        conn.execute("UPDATE requests SET status = 'DENIED', reason = 'WITHDRAWN' WHERE request_id = %s",
                     (pending.request_id,))


def test_access_already_held_is_answered_at_once_and_recorded(app) -> None:  # type: ignore[no-untyped-def]
    """No "Request Viewer in Ledgerly for you?" for what Rui holds: the answer comes at once, decided and recorded
    through the service as every channel records it, without the peer lines that argue for a decision."""
    chat = Conversation("lex-rui-held")
    chat.attributes = {"requester_id": "rui"}
    response = chat.say("ana_02_viewer_for_me.json", {'"requester_id": "ana"': '"requester_id": "rui"'})
    assert response["sessionState"]["dialogAction"] == {"type": "Close"}, messages_of(response)
    assert {key: response["sessionState"]["intent"][key] for key in ("name", "state")} == {
        "name": "AccessRequest", "state": "Fulfilled"}
    (answer,) = messages_of(response)
    assert "already" in answer and "Viewer in Ledgerly" in answer
    assert "askiam_confirm" not in chat.attributes
    decided = [row for row in _requests(app, "lex-rui-held") if row["status"] != "NEEDS_CLARIFICATION"]
    assert [(row["status"], row["target_id"], row["role_id"], row["channel"]) for row in decided] == [
        ("ALREADY_GRANTED", "rui", "ldg-viewer", "lex")]
    assert chat.attributes["askiam_request_id"] == decided[0]["request_id"]

    # The same from free text, for someone else: his manager is told at once too.
    other = Conversation("lex-boss-rui-held")
    told = other.say("fallback_free_text.json", {"Ana Ferreira should get Viewer on the wiki please":
                                                 "Rui Costa should get Viewer in Ledgerly please"})
    assert told["sessionState"]["dialogAction"] == {"type": "Close"}, messages_of(told)
    assert len(messages_of(told)) == 1 and "already" in messages_of(told)[0]
    assert [row["status"] for row in _requests(app, "lex-boss-rui-held")] == ["ALREADY_GRANTED"]


def test_a_request_the_rules_deny_is_still_confirmed_before_it_is_decided(app) -> None:  # type: ignore[no-untyped-def]
    """Only access already held skips the yes: a denial (here Ana's SoD conflict) is read back first."""
    chat = Conversation("lex-ana-sod")
    response = chat.say("fallback_free_text.json", {"Ana Ferreira should get Viewer on the wiki please":
                                                    "I need Journal Approver in Ledgerly",
                                                    '"requester_id": "boss"': '"requester_id": "ana"'})
    assert response["sessionState"]["dialogAction"] == {"type": "ConfirmIntent"}, messages_of(response)
    assert messages_of(response) == ["Request Journal Approver in Ledgerly for you?"]
    assert _requests(app, "lex-ana-sod") == []
