"""A long Lex V2 conversation through the Lambda handler on a real PostgreSQL: the session attributes stay
bounded whatever is typed, and the conversation still ends in a decision."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from lex import handler
from lex.session import MAX_OWN_ATTRIBUTE_BYTES
from tests.integration import test_lex_approvals
from tests.unit.test_lex_support import assert_valid_response, load_event

pytestmark = pytest.mark.integration

app = test_lex_approvals.app  # the same org behind the same handler

# What Lex carries: session attributes well under its limits, the whole response under 25 KB.
ATTRIBUTES_BOUND = 10 * 1024
RESPONSE_BOUND = 25 * 1024
FILLERS = [("\u6211\u9700\u8981\u8bbf\u95ee\u6743\u9650\u8bf7\u6279\u51c6" * 100)[:1000], '"\\' * 500,
           ("\u201c\u8bf7\u201d \\ " * 200)[:1000]]




def _size(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8"))


def test_many_long_turns_keep_the_attributes_bounded_and_the_request_is_decided(app) -> None:  # type: ignore[no-untyped-def]
    attributes: dict[str, str] = {}

    def say(name: str, transcript: str | None = None, *, no_role: bool = False) -> dict[str, Any]:
        nonlocal attributes
        event = load_event(name)
        event["sessionId"] = "lex-long-turns"
        if transcript is not None:
            event["inputTranscript"] = transcript
        if no_role:
            for intent in (event["sessionState"]["intent"], *(i["intent"] for i in event["interpretations"])):
                intent["slots"]["RoleName"] = None
        event["sessionState"]["sessionAttributes"] = {**event["sessionState"]["sessionAttributes"], **attributes}
        response = handler.lambda_handler(copy.deepcopy(event), None)
        assert_valid_response(response)
        attributes = response["sessionState"]["sessionAttributes"]
        own = {key: value for key, value in attributes.items() if key.startswith("askiam_")}
        assert _size(own) <= MAX_OWN_ATTRIBUTE_BYTES
        assert _size(attributes) <= ATTRIBUTES_BOUND
        assert _size(response) <= RESPONSE_BOUND
        return response

    first = say("ana_01_access_ledgerly.json")
    assert first["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "RoleName"}
    for turn in range(8):  # replies that answer nothing, each a full transcript of what grows most when escaped
        asked = say("ana_02_viewer_for_me.json", FILLERS[turn % len(FILLERS)], no_role=True)
        assert asked["sessionState"]["dialogAction"]["type"] == "ElicitSlot", turn  # still asking
        assert "askiam_state" in attributes

    confirm = say("ana_02_viewer_for_me.json")
    assert confirm["sessionState"]["dialogAction"] == {"type": "ConfirmIntent"}
    decided = say("ana_03_confirmed_fulfillment.json")
    assert decided["sessionState"]["dialogAction"] == {"type": "Close"}
    request_id = attributes["askiam_request_id"]
    with app.database.connection() as conn:
        row = conn.execute("SELECT target_id, role_id, status FROM requests WHERE request_id = %s",
                           (request_id,)).fetchone()
    assert (row["target_id"], row["role_id"]) == ("ana", "ldg-viewer") and row["status"] != "NEEDS_CLARIFICATION"
