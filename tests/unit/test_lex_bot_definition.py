"""The bot definition as data, rendered to the `AWS::Lex::Bot` shape, and its export from a catalog."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.domain import Application, Role
from bot.ports import Catalog
from lex.bot_definition import APPLICATION_TYPE, ROLE_TYPE, askiam_bot
from lex.export import BOT_FILE, export_bot

NAME = re.compile(r"^([0-9a-zA-Z][_-]?)+$")  # the resource schema's pattern for every Name
SLOT_REFERENCE = re.compile(r"\{(\w+)\}")


def catalog() -> Catalog:
    apps = [Application(app_id="ledgerly", name="Ledgerly", aliases=("LDG", "the ledger")),
            Application(app_id="wikiwiki", name="WikiWiki", aliases=("wiki", "LDG")),
            Application(app_id="orbit", name="Orbit")]
    roles = [Role(role_id="ldg-viewer", app_id="ledgerly", name="Viewer", aliases=("read only",)),
             Role(role_id="wiki-viewer", app_id="wikiwiki", name="Viewer", aliases=("reader", "read only")),
             Role(role_id="ldg-admin", app_id="ledgerly", name="Administrator", aliases=("admin", "viewer")),
             Role(role_id="orbit-pilot", app_id="orbit", name="  Pilot  ", aliases=())]
    return Catalog(version=3, applications={app.app_id: app for app in apps},
                   roles={role.role_id: role for role in roles})


@pytest.fixture
def locale() -> dict[str, Any]:
    document = askiam_bot(catalog()).to_cloudformation()
    assert len(document["BotLocales"]) == 1
    rendered: dict[str, Any] = document["BotLocales"][0]
    return rendered


def _values(locale: dict[str, Any], type_name: str) -> dict[str, list[str]]:
    slot_type = next(item for item in locale["SlotTypes"] if item["Name"] == type_name)
    return {value["SampleValue"]["Value"]: [synonym["Value"] for synonym in value.get("Synonyms", [])]
            for value in slot_type["SlotTypeValues"]}


def test_the_bot_has_its_five_intents_and_fallback_is_the_built_in(locale) -> None:  # type: ignore[no-untyped-def]
    intents = {intent["Name"]: intent for intent in locale["Intents"]}
    assert set(intents) == {"AccessRequest", "CheckRequestStatus", "DecideRequest", "ListPendingApprovals",
                            "FallbackIntent"}
    assert intents["FallbackIntent"]["ParentIntentSignature"] == "AMAZON.FallbackIntent"
    assert "SampleUtterances" not in intents["FallbackIntent"]
    assert [slot["Name"] for slot in intents["AccessRequest"]["Slots"]] == ["UserName", "ApplicationName", "RoleName"]
    assert intents["AccessRequest"]["DialogCodeHook"] == {"Enabled": True}
    assert intents["AccessRequest"]["FulfillmentCodeHook"] == {"Enabled": True}
    assert intents["CheckRequestStatus"]["Slots"][0]["ValueElicitationSetting"]["SlotConstraint"] == "Optional"


def test_the_approver_intents_and_the_decision_slot_type(locale) -> None:  # type: ignore[no-untyped-def]
    intents = {intent["Name"]: intent for intent in locale["Intents"]}
    decide = {slot["Name"]: slot for slot in intents["DecideRequest"]["Slots"]}
    assert {name: slot["SlotTypeName"] for name, slot in decide.items()} == {
        "RequestId": "AMAZON.AlphaNumeric", "Decision": "ApproveOrDeny", "Comment": "AMAZON.FreeFormInput"}
    assert all(slot["ValueElicitationSetting"]["SlotConstraint"] == "Optional" for slot in decide.values())
    utterances = [u["Utterance"] for u in intents["DecideRequest"]["SampleUtterances"]]
    assert "Approve {RequestId}" in utterances and not any("{Comment}" in u for u in utterances)
    assert not any(re.search(r"\}\s*\{", u) for u in utterances)  # no two slots side by side
    listing = [u["Utterance"] for u in intents["ListPendingApprovals"]["SampleUtterances"]]
    assert "What is waiting for me" in listing and "Slots" not in intents["ListPendingApprovals"]
    assert _values(locale, "ApproveOrDeny") == {"approve": ["accept", "grant", "yes"],
                                                "deny": ["reject", "decline", "no"]}


def test_application_values_carry_aliases_as_synonyms_without_clashes(locale) -> None:  # type: ignore[no-untyped-def]
    apps = _values(locale, APPLICATION_TYPE)
    assert apps == {"Ledgerly": ["LDG", "the ledger"], "Orbit": [], "WikiWiki": ["wiki"]}  # 'LDG' only once


def test_role_names_shared_by_apps_are_one_value(locale) -> None:  # type: ignore[no-untyped-def]
    roles = _values(locale, ROLE_TYPE)
    assert roles == {"Administrator": ["admin"], "Pilot": [], "Viewer": ["read only", "reader"]}


def test_the_rendering_keeps_to_the_resource_schema(locale) -> None:  # type: ignore[no-untyped-def]
    """The constraints of the `AWS::Lex::Bot` resource schema that a generated definition could break."""
    assert locale["LocaleId"] == "en_US" and 0 <= locale["NluConfidenceThreshold"] <= 1
    type_names = {slot_type["Name"] for slot_type in locale["SlotTypes"]}
    for slot_type in locale["SlotTypes"]:
        assert NAME.match(slot_type["Name"]) and len(slot_type["Description"]) <= 200
        assert slot_type["ValueSelectionSetting"]["ResolutionStrategy"] in {"ORIGINAL_VALUE", "TOP_RESOLUTION"}
        assert 1 <= len(slot_type["SlotTypeValues"]) <= 10_000
        for value in slot_type["SlotTypeValues"]:
            assert set(value) <= {"SampleValue", "Synonyms"} and 1 <= len(value["SampleValue"]["Value"]) <= 140
    for intent in locale["Intents"]:
        assert NAME.match(intent["Name"]) and len(intent["Description"]) <= 200
        slots = {slot["Name"] for slot in intent.get("Slots", [])}
        for slot in intent.get("Slots", []):
            assert slot["SlotTypeName"] in type_names or slot["SlotTypeName"].startswith("AMAZON.")
            prompt = slot["ValueElicitationSetting"]["PromptSpecification"]
            assert 0 <= prompt["MaxRetries"] <= 5 and 1 <= len(prompt["MessageGroupsList"]) <= 5
        assert sorted(p["SlotName"] for p in intent.get("SlotPriorities", [])) == sorted(slots)
        for utterance in intent.get("SampleUtterances", []):
            assert set(SLOT_REFERENCE.findall(utterance["Utterance"])) <= slots, utterance
        confirmation = intent.get("IntentConfirmationSetting")
        if confirmation:
            assert {"MessageGroupsList", "MaxRetries"} <= set(confirmation["PromptSpecification"])
            assert confirmation["DeclinationResponse"]["MessageGroupsList"]
    json.dumps(locale)


def test_export_writes_the_definition_for_the_apps_catalog(tmp_path: Path) -> None:
    app = SimpleNamespace(service=SimpleNamespace(vocabulary=lambda: SimpleNamespace(catalog=catalog())))
    path = export_bot(app, tmp_path / "out")  # type: ignore[arg-type]
    assert path == tmp_path / "out" / BOT_FILE
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["Name"] == "AskIAM" and "RoleArn" not in document
    assert document["BotLocales"][0]["Intents"][0]["Name"] == "AccessRequest"
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_export_refuses_an_empty_catalog(tmp_path: Path) -> None:
    empty = Catalog(version=0, applications={}, roles={})
    app = SimpleNamespace(service=SimpleNamespace(vocabulary=lambda: SimpleNamespace(catalog=empty)))
    with pytest.raises(ValueError, match="import an org bundle"):
        export_bot(app, tmp_path)  # type: ignore[arg-type]
