"""Approvers in the Lex channel: DecideRequest and ListPendingApprovals replayed on a real PostgreSQL.

The recorded events name request R-1234 and the approver `own`; each test puts in its real request id and approver.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.domain import Decision
from lex import handler
from tests.fakes.bundles import rules_org
from tests.unit.test_lex_support import EVENTS, assert_valid_response, messages_of

pytestmark = pytest.mark.integration

TESS_VIEWER = "I need the Viewer role in Ledgerly"


@pytest.fixture
def app(app_factory, tmp_path: Path) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    application = app_factory()
    application.import_bundle(rules_org(tmp_path / "org"))
    handler.set_application(application)
    yield application
    handler.set_application(None)


def pending(app: Any, requester: str, text: str) -> str:
    outcome = app.service.handle(requester, text).outcome
    assert outcome.decision is Decision.PENDING_APPROVAL, outcome.message
    return str(outcome.request_id)


class Chat:
    """Plays recorded events in order as one approver, carrying the session attributes back as Lex does."""

    def __init__(self, approver: str, request_id: str = "R-1234") -> None:
        self.approver = approver
        self.number = request_id.removeprefix("R-")
        self.attributes: dict[str, str] = {}

    def say(self, name: str, carry: dict[str, Any] | None = None,
            replace: dict[str, str] | None = None) -> dict[str, Any]:
        """Play one event; `carry` is an earlier response whose slots Lex sends back on this turn."""
        text = (EVENTS / name).read_text(encoding="utf-8").replace("1234", self.number)
        for old, new in (replace or {}).items():
            text = text.replace(old, new)
        event = json.loads(text)
        if carry is not None:
            event["sessionState"]["intent"]["slots"] = carry["sessionState"]["intent"]["slots"]
        event["sessionState"]["sessionAttributes"] = {**event["sessionState"]["sessionAttributes"],
                                                      **self.attributes, "requester_id": self.approver}
        response = handler.lambda_handler(event, None)
        assert_valid_response(response)
        self.attributes = response["sessionState"]["sessionAttributes"]
        return response


def action(response: dict[str, Any]) -> dict[str, Any]:
    return dict(response["sessionState"]["dialogAction"])


def slot_value(response: dict[str, Any], name: str) -> str | None:
    slot = response["sessionState"]["intent"]["slots"].get(name)
    return slot["value"]["interpretedValue"] if slot else None


def status_of(app: Any, request_id: str) -> tuple[str, list[tuple[str, str, str]]]:
    with app.database.connection() as conn:
        status = conn.execute("SELECT status FROM requests WHERE request_id = %s", (request_id,)).fetchone()["status"]
        decisions = conn.execute("SELECT decision, decided_by, comment FROM request_decisions WHERE request_id = %s "
                                 "AND decision <> 'PENDING_APPROVAL' ORDER BY decided_at", (request_id,)).fetchall()
    return status, [(row["decision"], row["decided_by"], row["comment"]) for row in decisions]


def test_approve_by_id_asks_for_the_yes_then_decides_and_grants(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", TESS_VIEWER)
    chat = Chat("own", request_id)

    first = chat.say("approver_01_approve_by_id.json")
    assert action(first) == {"type": "ConfirmIntent"}
    assert first["sessionState"]["intent"]["name"] == "DecideRequest"
    assert messages_of(first) == [f"Approve {request_id}: Viewer in Ledgerly for Tess Okoro?"]
    assert slot_value(first, "RequestId") == request_id and slot_value(first, "Decision") == "approve"
    assert status_of(app, request_id) == ("PENDING_APPROVAL", [])  # nothing decided before the yes

    second = chat.say("approver_02_confirm_yes.json")
    assert action(second) == {"type": "Delegate"}
    assert second["sessionState"]["intent"]["state"] == "ReadyForFulfillment"

    third = chat.say("approver_03_fulfillment.json")
    assert action(third) == {"type": "Close"} and third["sessionState"]["intent"]["state"] == "Fulfilled"
    assert messages_of(third) == [f"{request_id} approved; the role was granted."]
    assert status_of(app, request_id) == ("APPROVED", [("APPROVED", "own", "")])
    with app.database.connection() as conn:
        audit = conn.execute("SELECT payload FROM audit_log WHERE request_id = %s ORDER BY seq DESC LIMIT 1",
                             (request_id,)).fetchone()["payload"]
    assert '"channel": "lex"' in audit or '"channel":"lex"' in audit

    # A second decision (the other approver, or the same fulfilment delivered again) changes nothing.
    late = Chat("boss", request_id).say("approver_01_approve_by_id.json")
    assert action(late) == {"type": "Close"} and late["sessionState"]["intent"]["state"] == "Failed"
    (said,) = messages_of(late)  # who decided it, and when
    assert said.startswith(f"{request_id} was already approved by Olu Bankole (own) on ") and said.endswith(
        " UTC; it is not pending, so nothing was changed."), said
    retry = chat.say("approver_03_fulfillment.json")
    assert retry["sessionState"]["intent"]["state"] == "Failed" and "it is not pending" in messages_of(retry)[0]
    assert len(status_of(app, request_id)[1]) == 1


def test_already_decided_between_the_question_and_the_yes(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", TESS_VIEWER)
    chat = Chat("own", request_id)
    assert action(chat.say("approver_01_approve_by_id.json")) == {"type": "ConfirmIntent"}
    app.approvals.decide(request_id, "boss", False, "not now", "cli")  # the other approver is quicker
    response = chat.say("approver_03_fulfillment.json")
    assert response["sessionState"]["intent"]["state"] == "Failed"
    said = messages_of(response)[0]
    assert said.startswith(f"{request_id} was already denied by Quinn Marlowe (boss) on ") and '"not now"' in said
    assert status_of(app, request_id) == ("DENIED", [("DENIED", "boss", "not now")])


def test_no_at_the_confirmation_records_nothing(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", TESS_VIEWER)
    chat = Chat("own", request_id)
    chat.say("approver_01_approve_by_id.json")
    response = chat.say("approver_02_confirm_no.json")
    assert action(response) == {"type": "Close"} and response["sessionState"]["intent"]["state"] == "Failed"
    assert messages_of(response) == [f"All right, I have not recorded a decision on {request_id}."]
    assert status_of(app, request_id) == ("PENDING_APPROVAL", [])


def test_without_an_id_several_pending_are_offered_as_buttons(app) -> None:  # type: ignore[no-untyped-def]
    first_id = pending(app, "tess", TESS_VIEWER)
    second_id = pending(app, "tess", "I need the Journal Poster role in Ledgerly")
    chat = Chat("own")
    asked = chat.say("approver_decide_without_id.json")
    assert action(asked) == {"type": "ElicitSlot", "slotToElicit": "RequestId"}
    assert slot_value(asked, "Decision") == "approve"
    assert messages_of(asked) == ["2 requests are waiting for your decision. Which one?"]
    buttons = asked["messages"][1]["imageResponseCard"]["buttons"]
    assert [button["value"] for button in buttons] == [first_id, second_id]
    assert buttons[0]["text"] == f"{first_id}: Viewer in Ledgerly for Tess Okoro"

    chosen = Chat("own", second_id)
    chosen.attributes = chat.attributes
    confirm = chosen.say("approver_choose_id.json")
    assert action(confirm) == {"type": "ConfirmIntent"}
    assert messages_of(confirm) == [f"Approve {second_id}: Journal Poster in Ledgerly for Tess Okoro?"]


def test_without_an_id_the_only_pending_request_is_taken(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", TESS_VIEWER)
    response = Chat("own").say("approver_decide_without_id.json")
    assert action(response) == {"type": "ConfirmIntent"}
    assert messages_of(response) == [f"Approve {request_id}: Viewer in Ledgerly for Tess Okoro?"]


def test_nothing_pending_and_no_id_closes(app) -> None:  # type: ignore[no-untyped-def]
    response = Chat("own").say("approver_decide_without_id.json")
    assert action(response) == {"type": "Close"}
    assert messages_of(response) == ["Nothing is waiting for your decision."]


def test_a_missing_decision_is_asked_with_buttons_then_a_denial(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", TESS_VIEWER)
    chat = Chat("boss", request_id)
    asked = chat.say("approver_id_without_decision.json")  # "r 1234"
    assert action(asked) == {"type": "ElicitSlot", "slotToElicit": "Decision"}
    assert slot_value(asked, "RequestId") == request_id
    assert messages_of(asked) == [f"Approve or deny {request_id}: Viewer in Ledgerly for Tess Okoro?"]
    assert [b["value"] for b in asked["messages"][1]["imageResponseCard"]["buttons"]] == ["approve", "deny"]

    why = chat.say("approver_choose_deny.json")
    assert action(why) == {"type": "ElicitSlot", "slotToElicit": "Comment"}
    assert slot_value(why, "Decision") == "deny"
    confirm = chat.say("approver_comment_reply.json", replace={"they moved to another team": "skip"})
    assert messages_of(confirm) == [f"Deny {request_id}: Viewer in Ledgerly for Tess Okoro, without a comment?"]
    assert slot_value(confirm, "Decision") == "deny"


def test_a_denial_without_a_reason_is_asked_why_once_then_recorded_with_it(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", TESS_VIEWER)
    chat = Chat("boss", request_id)
    why = chat.say("approver_choose_deny.json")  # "reject", the id and the decision in the slots, no comment
    assert action(why) == {"type": "ElicitSlot", "slotToElicit": "Comment"}
    assert why["sessionState"]["intent"]["name"] == "DecideRequest"
    assert (slot_value(why, "RequestId"), slot_value(why, "Decision")) == (request_id, "deny")
    assert messages_of(why) == [f"Why deny {request_id}: Viewer in Ledgerly for Tess Okoro? Your reason is recorded "
                                "with the decision and shown to the requester; say 'skip' to give none."]
    assert status_of(app, request_id) == ("PENDING_APPROVAL", [])

    confirm = chat.say("approver_comment_reply.json")  # Lex puts the answer in the Comment slot
    assert action(confirm) == {"type": "ConfirmIntent"}
    assert messages_of(confirm) == [f'Deny {request_id}: Viewer in Ledgerly for Tess Okoro, with the comment "they '
                                    'moved to another team"?']
    assert chat.say("approver_02_confirm_yes.json", carry=confirm)["sessionState"]["dialogAction"] == {
        "type": "Delegate"}
    done = chat.say("approver_03_fulfillment.json", carry=confirm)
    assert messages_of(done) == [f"{request_id} denied."]
    assert status_of(app, request_id) == ("DENIED", [("DENIED", "boss", "they moved to another team")])


@pytest.mark.parametrize("reply", ["skip", "No", "none, thanks", "n/a"])
def test_no_reason_given_is_asked_once_and_the_denial_has_no_comment(app, reply: str) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", TESS_VIEWER)
    chat = Chat("boss", request_id)
    chat.say("approver_choose_deny.json")
    confirm = chat.say("approver_comment_reply.json", replace={"they moved to another team": reply})
    assert action(confirm) == {"type": "ConfirmIntent"}, messages_of(confirm)
    assert slot_value(confirm, "Comment") == "none"  # Lex sends it back: the reason is not asked again
    again = chat.say("approver_choose_deny.json", carry=confirm)  # e.g. Lex re-running the dialog hook
    assert action(again) == {"type": "ConfirmIntent"}
    done = chat.say("approver_03_fulfillment.json", carry=confirm)
    assert messages_of(done) == [f"{request_id} denied."]
    assert status_of(app, request_id) == ("DENIED", [("DENIED", "boss", "")])


def test_an_approval_is_not_asked_for_a_reason(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", TESS_VIEWER)
    asked = Chat("boss", request_id).say("approver_choose_deny.json", replace={'"interpretedValue": "deny"':
                                                                             '"interpretedValue": "approve"'})
    assert action(asked) == {"type": "ConfirmIntent"}
    assert messages_of(asked) == [f"Approve {request_id}: Viewer in Ledgerly for Tess Okoro?"]


def test_a_non_approver_is_refused_and_nothing_changes(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", TESS_VIEWER)
    response = Chat("rui", request_id).say("approver_01_approve_by_id.json")
    assert action(response) == {"type": "Close"} and response["sessionState"]["intent"]["state"] == "Failed"
    # A colleague is not told that the request exists: the same answer as for a missing id.
    assert messages_of(response)[0].startswith(f"I could not find request {request_id}.")
    # Even a fulfilment sent straight away (no confirmation asked) is refused by the store.
    forced = Chat("rui", request_id).say("approver_03_fulfillment.json")
    assert forced["sessionState"]["intent"]["state"] == "Failed"
    assert messages_of(forced)[0].startswith(f"I could not find request {request_id}.")
    unknown = Chat("own", "R-999999").say("approver_01_approve_by_id.json")
    assert messages_of(unknown)[0].startswith("I could not find request R-999999.")
    requester = Chat("tess", request_id).say("approver_01_approve_by_id.json")
    assert messages_of(requester) == [f"You are not an approver of {request_id}, so I cannot record a decision "
                                      "on it for you."]
    assert status_of(app, request_id) == ("PENDING_APPROVAL", [])


def test_the_approver_is_the_signed_in_user_not_a_name_in_the_text(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", TESS_VIEWER)
    chat = Chat("rui", request_id)
    chat.attributes = {"approver": "own", "requester": "own"}  # client-set attributes are not an identity
    response = chat.say("approver_03_fulfillment.json")
    assert messages_of(response)[0].startswith(f"I could not find request {request_id}.")


def test_list_pending_approvals(app) -> None:  # type: ignore[no-untyped-def]
    first_id = pending(app, "tess", TESS_VIEWER)
    second_id = pending(app, "tess", "I need the Journal Poster role in Ledgerly")
    response = Chat("own").say("approver_list_pending.json")
    assert action(response) == {"type": "Close"} and response["sessionState"]["intent"]["state"] == "Fulfilled"
    headline, lines, hint = messages_of(response)
    assert headline == "2 requests are waiting for your decision:"
    assert lines.splitlines()[0].startswith(f"- {first_id}: Viewer in Ledgerly for Tess Okoro, expires 20")
    assert lines.splitlines()[1].startswith(f"- {second_id}: Journal Poster in Ledgerly for Tess Okoro")
    assert "approve R-123" in hint
    assert messages_of(Chat("rui").say("approver_list_pending.json")) == ["Nothing is waiting for your decision."]


def test_fallback_decision_text_goes_to_decide_request(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", TESS_VIEWER)
    chat = Chat("own", request_id)
    response = chat.say("fallback_deny_with_reason.json")  # "deny R-1234 because not needed"
    assert action(response) == {"type": "ConfirmIntent"}
    assert response["sessionState"]["intent"]["name"] == "DecideRequest"
    assert messages_of(response) == [f'Deny {request_id}: Viewer in Ledgerly for Tess Okoro, with the comment '
                                     '"not needed"?']
    assert slot_value(response, "Comment") == "not needed"
    with app.database.connection() as conn:
        written = conn.execute("SELECT count(*) AS n FROM requests WHERE conversation_id = 'lexsess-own-0001'"
                               ).fetchone()["n"]
    assert written == 0  # not read as an access request

    # Lex sends the slots the hook returned back with the yes; the denial is recorded with the comment.
    done = chat.say("approver_03_fulfillment.json", carry=response)
    assert done["sessionState"]["intent"]["state"] == "Fulfilled"
    assert messages_of(done) == [f"{request_id} denied."]
    assert status_of(app, request_id) == ("DENIED", [("DENIED", "own", "not needed")])
    waiting = Chat("boss").say("fallback_whats_waiting.json")
    assert waiting["sessionState"]["intent"]["name"] == "ListPendingApprovals"


def test_control_characters_in_a_comment_are_dropped_not_an_error(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", TESS_VIEWER)
    chat = Chat("own", request_id)
    asked = chat.say("fallback_deny_with_reason.json")
    comment = asked["sessionState"]["intent"]["slots"]["Comment"]["value"]
    comment["interpretedValue"] = comment["originalValue"] = "not\u0000 needed\u0007"  # a NUL cannot be stored
    done = chat.say("approver_03_fulfillment.json", carry=asked)
    assert done["sessionState"]["intent"]["state"] == "Fulfilled", messages_of(done)
    assert status_of(app, request_id) == ("DENIED", [("DENIED", "own", "not needed")])


def test_a_decision_that_mentions_withdrawing_is_still_a_decision(app) -> None:  # type: ignore[no-untyped-def]
    request_id = pending(app, "tess", TESS_VIEWER)
    event = json.loads((EVENTS / "fallback_deny_with_reason.json").read_text(encoding="utf-8"))
    event["inputTranscript"] = f"deny {request_id}, they should withdraw it and ask for Reader instead"
    event["sessionState"]["sessionAttributes"] = {**event["sessionState"]["sessionAttributes"],
                                                  "requester_id": "own"}
    response = handler.lambda_handler(event, None)
    assert_valid_response(response)
    assert response["sessionState"]["intent"]["name"] == "DecideRequest"
    assert messages_of(response)[0].startswith(f"Deny {request_id}: Viewer in Ledgerly for Tess Okoro")
    assert status_of(app, request_id)[0] == "PENDING_APPROVAL"  # asked to confirm, not withdrawn
