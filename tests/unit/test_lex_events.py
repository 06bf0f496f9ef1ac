"""Reading Lex V2 code-hook events: AWS's own examples, AskIAM's recorded events and malformed ones."""

from __future__ import annotations

import copy
import json

import pytest

from bot.errors import InvalidRequestError
from lex.errors import MalformedEventError
from lex.events import LEX_V1, parse_event
from tests.unit.test_lex_support import EVENTS, load_event, shared_events


@pytest.mark.parametrize("path", shared_events(), ids=lambda path: path.name)
def test_aws_example_events_parse(path) -> None:  # type: ignore[no-untyped-def]
    event = parse_event(json.loads(path.read_text(encoding="utf-8")))
    assert event.invocation_source in {"DialogCodeHook", "FulfillmentCodeHook"}
    assert event.intent_name in {"CheckBalance", "TestAction"}


def test_the_dotnet_event_reads_list_and_null_slots() -> None:
    paths = [path for path in shared_events() if path.name.startswith("dotnet")]
    if not paths:
        pytest.skip("../shared/fixtures/lexv2 is not beside the project")
    event = parse_event(json.loads(paths[0].read_text(encoding="utf-8")))
    assert event.intent is not None
    assert event.intent.slot_text("ActionType") == "Action Value"
    assert event.intent.slots["ActionDate"] is None and event.intent.slot_text("ActionDate") == ""
    assert event.attributes == {"sessionattribute1": "sessionvalue1", "sessionattribute2": "sessionvalue2"}


@pytest.mark.parametrize("path", sorted(EVENTS.glob("*.json")), ids=lambda path: path.name)
def test_recorded_events_parse(path) -> None:  # type: ignore[no-untyped-def]
    event = parse_event(json.loads(path.read_text(encoding="utf-8")))
    assert event.intent_name in {"AccessRequest", "CheckRequestStatus", "DecideRequest", "ListPendingApprovals",
                                 "WithdrawRequest", "FallbackIntent"}
    assert event.session_id


def test_slot_values_prefer_the_interpreted_value() -> None:
    event = parse_event(load_event("pat_03_role_editor.json"))
    assert event.intent is not None
    assert event.intent.slot_text("UserName") == "pat2"
    assert event.intent.slot_text("RoleName") == "Editor"
    assert event.intent.slot_text("NoSuchSlot") == ""
    assert event.intent.confirmation_state == "None"


def test_new_fields_are_ignored_and_non_string_attributes_dropped() -> None:
    raw = load_event("ana_01_access_ledgerly.json")
    raw["someFieldAddedLater"] = {"x": 1}
    raw["sessionState"]["sessionAttributes"] = {"requester_id": "ana", "n": 3, "flag": None, "": "x"}
    event = parse_event(raw)
    assert event.attributes == {"requester_id": "ana"}


def _broken(mutate) -> dict:  # type: ignore[no-untyped-def,type-arg]
    raw = copy.deepcopy(load_event("ana_01_access_ledgerly.json"))
    mutate(raw)
    return raw


MALFORMED = {
    "not an object": ["a", "list"],
    "no sessionState": _broken(lambda raw: raw.pop("sessionState")),
    "sessionState not an object": _broken(lambda raw: raw.update(sessionState="x")),
    "unknown invocationSource": _broken(lambda raw: raw.update(invocationSource="PostTextHook")),
    "no invocationSource": _broken(lambda raw: raw.pop("invocationSource")),
    "intent without a name": _broken(lambda raw: raw["sessionState"]["intent"].pop("name")),
    "slots of the wrong type": _broken(lambda raw: raw["sessionState"]["intent"].update(slots=["a"])),
    "confirmation state unknown": _broken(lambda raw: raw["sessionState"]["intent"].update(confirmationState="Y")),
    "transcript not a string": _broken(lambda raw: raw.update(inputTranscript={"text": "hi"})),
    "attributes not an object": _broken(lambda raw: raw["sessionState"].update(sessionAttributes=[1])),
    # JSON's "\\ud800" escape: a lone surrogate, which is no Unicode text (the HTTP API answers it 422).
    "a lone surrogate in the transcript": _broken(lambda raw: raw.update(inputTranscript="I need Viewer \ud800")),
    "a lone surrogate in a slot value": _broken(lambda raw: raw["sessionState"]["intent"]["slots"].update(
        RoleName={"shape": "Scalar", "value": {"originalValue": "\udc00", "interpretedValue": "\udc00"}})),
    "a lone surrogate in a session attribute": _broken(
        lambda raw: raw["sessionState"]["sessionAttributes"].update(note="\ud83d")),
}


@pytest.mark.parametrize("raw", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_events_are_refused_with_a_reason(raw) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MalformedEventError) as caught:
        parse_event(raw)
    assert str(caught.value)


def test_a_huge_transcript_is_an_invalid_request() -> None:
    raw = load_event("ana_01_access_ledgerly.json")
    raw["inputTranscript"] = "I need access " * 10_000
    with pytest.raises(InvalidRequestError, match="longer than 1024"):
        parse_event(raw)


def test_null_transcript_and_slots_are_empty() -> None:
    raw = load_event("status_last_request.json")
    raw["inputTranscript"] = None
    raw["sessionState"]["intent"]["slots"] = None
    raw["sessionState"]["intent"]["confirmationState"] = None
    event = parse_event(raw)
    assert event.input_transcript == "" and event.intent is not None and event.intent.slots == {}
    assert event.intent.confirmation_state == "None"


def test_text_that_is_not_unicode_is_refused_where_it_sits() -> None:
    raw = load_event("ana_01_access_ledgerly.json")
    raw["inputTranscript"] = "I need Viewer in Ledgerly \ud800"
    with pytest.raises(MalformedEventError, match=r"^inputTranscript: text that is not valid Unicode"):
        parse_event(raw)
    raw = load_event("ana_01_access_ledgerly.json")
    raw["interpretations"][0]["intent"]["slots"]["ApplicationName"]["value"]["resolvedValues"] = ["\udfff"]
    with pytest.raises(MalformedEventError, match=r"^interpretations\[0\]\.intent\.slots\.ApplicationName\."):
        parse_event(raw)


def test_characters_past_the_basic_plane_are_unicode() -> None:
    raw = load_event("ana_01_access_ledgerly.json")
    raw["inputTranscript"] = "I need access to Ledgerly \U0001f680 \u98de\u4e66"
    assert parse_event(raw).input_transcript.endswith("\U0001f680 \u98de\u4e66")


V1_EVENT = {"messageVersion": "1.0", "invocationSource": "DialogCodeHook", "userId": "ana", "inputTranscript": "hi",
            "bot": {"name": "AskIAM", "alias": "$LATEST", "version": "$LATEST"}, "outputDialogMode": "Text",
            "currentIntent": {"name": "AccessRequest", "slots": {}, "confirmationStatus": "None"},
            "sessionAttributes": {}}


@pytest.mark.parametrize("raw", [V1_EVENT, {key: value for key, value in V1_EVENT.items()
                                            if key in {"bot", "invocationSource", "inputTranscript"}}],
                         ids=["whole", "only V1's bot"])
def test_a_lex_v1_event_is_told_apart_from_other_malformed_events(raw) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MalformedEventError) as caught:
        parse_event(raw)
    assert caught.value.told == LEX_V1


def test_a_v2_event_without_its_session_state_is_not_taken_for_v1() -> None:
    raw = load_event("ana_01_access_ledgerly.json")
    raw.pop("sessionState")
    with pytest.raises(MalformedEventError) as caught:
        parse_event(raw)
    assert caught.value.told != LEX_V1 and str(caught.value).startswith("sessionState: ")
