"""What the Lex tests share: the recorded events, AWS's response schema, and checks of both."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "tests" / "events" / "lex"
SHARED_LEXV2 = ROOT.parent / "shared" / "fixtures" / "lexv2"
SCHEMA_FILE = SHARED_LEXV2 / "LexCodeHookResponseSchema.json"


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def assert_valid_response(response: object) -> None:
    """The response validates against the Lex V2 code-hook response schema and the runtime's own rules."""
    if not SCHEMA_FILE.exists():
        pytest.skip("../shared/fixtures/lexv2 is not beside the project")
    errors = sorted(_validator().iter_errors(response), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(error.path)}: {error.message}" for error in errors)
    assert isinstance(response, dict)
    json.dumps(response)  # plain JSON, nothing a Lambda could not return
    state = response["sessionState"]
    action = state["dialogAction"]["type"]
    # What the schema leaves out but the runtime requires (Lex V2 developer guide, "Response format").
    if action != "ElicitIntent":
        assert state.get("intent", {}).get("name"), "every dialog action but ElicitIntent names the intent"
    if action == "Close":
        assert state["intent"]["state"] in {"Fulfilled", "Failed"}
    if action in {"ConfirmIntent", "ElicitIntent"}:
        assert response.get("messages"), f"{action} needs a message"
    if action == "ElicitSlot":
        assert state["dialogAction"]["slotToElicit"] in state["intent"]["slots"]
    for message in response.get("messages", []):
        if message["contentType"] == "PlainText":
            assert 0 < len(message["content"]) <= 1000
        else:
            card = message["imageResponseCard"]
            assert len(card["buttons"]) <= 5
            assert all(len(button["text"]) <= 50 and len(button["value"]) <= 50 for button in card["buttons"])
    for slot in (state.get("intent") or {}).get("slots", {}).values():
        if slot is not None:
            assert slot["value"]["interpretedValue"]


def messages_of(response: dict[str, Any]) -> list[str]:
    return [message["content"] for message in response.get("messages", []) if message["contentType"] == "PlainText"]


def load_event(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return document


def shared_events() -> list[Path]:
    return sorted(SHARED_LEXV2.glob("*-event.json"))


def test_the_schema_is_a_valid_json_schema() -> None:
    if not SCHEMA_FILE.exists():
        pytest.skip("../shared/fixtures/lexv2 is not beside the project")
    assert _validator() is not None


def test_the_schema_rejects_what_lex_rejects() -> None:
    if not SCHEMA_FILE.exists():
        pytest.skip("../shared/fixtures/lexv2 is not beside the project")
    bad = [
        {"sessionState": {"sessionAttributes": {}, "dialogAction": {"type": "ElicitSlot"}}},
        {"sessionState": {"sessionAttributes": {}, "dialogAction": {"type": "ElicitIntent"}}},
        {"sessionState": {"sessionAttributes": {"n": 1}, "dialogAction": {"type": "Close"}}},
        {"sessionState": {"sessionAttributes": {}, "dialogAction": {"type": "Close"}}, "messages": [{"content": "x"}]},
    ]
    for response in bad:
        assert list(_validator().iter_errors(response))


def test_every_recorded_event_is_json_with_a_session_state() -> None:
    names = sorted(EVENTS.glob("*.json"))
    assert len(names) >= 10
    for path in names:
        event = json.loads(path.read_text(encoding="utf-8"))
        assert event["messageVersion"] == "1.0" and "sessionState" in event, path.name
