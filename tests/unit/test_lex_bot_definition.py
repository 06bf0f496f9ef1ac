"""The bot definition as data, rendered to the `AWS::Lex::Bot` shape, and its export from a catalog."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.domain import Application, Role
from bot.ports import Catalog
from lex.bot_definition import (
    APPLICATION_SLOT,
    APPLICATION_TYPE,
    MAX_LOCALE_ENTRIES,
    MAX_SLOT_TYPE_ENTRIES,
    ROLE_SLOT,
    ROLE_TYPE,
    SlotType,
    SlotTypeValue,
    askiam_bot,
)
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


def test_the_bot_has_its_six_intents_and_fallback_is_the_built_in(locale) -> None:  # type: ignore[no-untyped-def]
    intents = {intent["Name"]: intent for intent in locale["Intents"]}
    assert set(intents) == {"AccessRequest", "CheckRequestStatus", "DecideRequest", "ListPendingApprovals",
                            "WithdrawRequest", "FallbackIntent"}
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


def test_the_slots_clarifications_elicit_keep_what_is_typed(locale) -> None:  # type: ignore[no-untyped-def]
    """A clarification is answered with a button's number ("2") or a name AskIAM resolves itself: a slot type
    restricted to its own values (TOP_RESOLUTION) would not let either through to the code hook."""
    access = next(intent for intent in locale["Intents"] if intent["Name"] == "AccessRequest")
    types = {slot["Name"]: slot["SlotTypeName"] for slot in access["Slots"]}
    strategies = {item["Name"]: item["ValueSelectionSetting"]["ResolutionStrategy"] for item in locale["SlotTypes"]}
    assert strategies[types[APPLICATION_SLOT]] == "ORIGINAL_VALUE"
    assert strategies[types[ROLE_SLOT]] == "ORIGINAL_VALUE"


def _entries(slot_type: dict[str, Any]) -> int:
    return sum(1 + len(value.get("Synonyms", [])) for value in slot_type["SlotTypeValues"])


def _big_catalog(roles: int, aliases: int) -> Catalog:
    apps = {"a": Application(app_id="a", name="Ledgerly")}
    return Catalog(version=1, applications=apps, roles={
        f"r{n}": Role(role_id=f"r{n}", app_id="a", name=f"Role {n:05d}",
                      aliases=tuple(f"alias {k} of role {n:05d}" for k in range(aliases)))
        for n in range(roles)})


def test_a_catalog_past_the_slot_type_quota_leaves_out_later_aliases_first(
        caplog: pytest.LogCaptureFixture) -> None:
    # 3,000 roles with 3 aliases each: 12,000 values and synonyms, over Lex's 10,000 per slot type.
    with caplog.at_level(logging.WARNING, logger="lex.bot_definition"):
        (locale,) = askiam_bot(_big_catalog(3_000, 3)).to_cloudformation()["BotLocales"]
    roles = next(item for item in locale["SlotTypes"] if item["Name"] == ROLE_TYPE)
    assert _entries(roles) == MAX_SLOT_TYPE_ENTRIES
    assert sum(_entries(item) for item in locale["SlotTypes"]) <= MAX_LOCALE_ENTRIES
    synonyms = {value["SampleValue"]["Value"]: [s["Value"] for s in value.get("Synonyms", [])]
                for value in roles["SlotTypeValues"]}
    assert len(synonyms) == 3_000  # every name kept
    assert all(aliases[:1] == [f"alias 0 of {name.lower()}"] for name, aliases in synonyms.items())
    assert sum(len(aliases) == 3 for aliases in synonyms.values()) == 1_000  # the third aliases went first
    (warning,) = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert "role slot type leaves out 2000 of 9000 aliases" in warning and "names (" not in warning


def test_a_catalog_with_more_names_than_the_quota_keeps_the_first_and_names_the_others(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="lex.bot_definition"):
        (locale,) = askiam_bot(_big_catalog(MAX_SLOT_TYPE_ENTRIES + 12, 1)).to_cloudformation()["BotLocales"]
    roles = next(item for item in locale["SlotTypes"] if item["Name"] == ROLE_TYPE)
    assert _entries(roles) == len(roles["SlotTypeValues"]) == MAX_SLOT_TYPE_ENTRIES
    assert roles["SlotTypeValues"][-1]["SampleValue"]["Value"] == "Role 09999"
    (warning,) = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert "12 of 10012 names (Role 10000, Role 10001" in warning and ", ...)" in warning
    assert "leaves out 10000 of 10000 aliases" in warning


def test_a_small_catalog_leaves_nothing_out(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="lex.bot_definition"):
        askiam_bot(catalog())
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_a_slot_type_over_the_quota_cannot_be_built() -> None:
    values = tuple(SlotTypeValue(value=f"v{n}", synonyms=(f"s{n}",)) for n in range(MAX_SLOT_TYPE_ENTRIES // 2 + 1))
    with pytest.raises(ValueError, match="at most 10000"):
        SlotType(name=ROLE_TYPE, description="too many", values=values)


def test_the_rendering_keeps_to_the_resource_schema(locale) -> None:  # type: ignore[no-untyped-def]
    """The constraints of the `AWS::Lex::Bot` resource schema that a generated definition could break."""
    assert locale["LocaleId"] == "en_US" and 0 <= locale["NluConfidenceThreshold"] <= 1
    type_names = {slot_type["Name"] for slot_type in locale["SlotTypes"]}
    for slot_type in locale["SlotTypes"]:
        assert NAME.match(slot_type["Name"]) and len(slot_type["Description"]) <= 200
        assert slot_type["ValueSelectionSetting"]["ResolutionStrategy"] in {"ORIGINAL_VALUE", "TOP_RESOLUTION"}
        assert slot_type["SlotTypeValues"] and _entries(slot_type) <= 10_000
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


def _catalog_of(roles: dict[str, tuple[str, ...]]) -> Catalog:
    apps = {"a": Application(app_id="a", name="Ledgerly")}
    return Catalog(version=1, applications=apps, roles={
        f"r{number}": Role(role_id=f"r{number}", app_id="a", name=name, aliases=aliases)
        for number, (name, aliases) in enumerate(roles.items())})


def _role_values(catalog: Catalog, caplog: pytest.LogCaptureFixture) -> tuple[dict[str, list[str]], list[str]]:
    with caplog.at_level(logging.WARNING, logger="lex.bot_definition"):
        (locale,) = askiam_bot(catalog).to_cloudformation()["BotLocales"]
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    return _values(locale, ROLE_TYPE), warnings


LONG = " ".join(f"Segment{number:02d}" for number in range(20))  # 20 words of 9 letters: 199 characters


def test_a_name_longer_than_lex_takes_is_cut_at_a_word_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    roles, warnings = _role_values(_catalog_of({LONG: ("short alias",), "Viewer": ()}), caplog)
    cut = " ".join(f"Segment{number:02d}" for number in range(14))  # 139 characters; a 15th word would pass 140
    assert roles == {cut: ["short alias"], "Viewer": []}
    assert warnings == [f'Lex takes slot values of at most 140 characters: the role "{LONG}" is exported cut to '
                        f'"{cut}".']


def test_a_single_word_longer_than_lex_takes_is_cut_where_the_limit_falls(caplog: pytest.LogCaptureFixture) -> None:
    word = "x" * 150
    roles, warnings = _role_values(_catalog_of({word: (), "Viewer": ()}), caplog)
    assert set(roles) == {"x" * 140, "Viewer"} and len(warnings) == 1 and "exported cut to" in warnings[0]


def test_a_name_that_reads_as_another_once_cut_is_left_out_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    first = LONG[:139]  # a name that fits: kept
    roles, warnings = _role_values(_catalog_of({
        LONG: ("its alias",), first: (), LONG + " Alpha": (), "Viewer": ()}), caplog)
    # LONG and LONG + " Alpha" both cut to the name that fits: it stays, the two are left out with their aliases.
    assert roles == {first: [], "Viewer": []}
    assert len(warnings) == 2 and all(" is left out, as cut to " in warning for warning in warnings)
    assert {warning.split('"')[1] for warning in warnings} == {LONG, LONG + " Alpha"}


def test_an_alias_longer_than_lex_takes_is_cut_or_left_out_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    roles, warnings = _role_values(_catalog_of({"Viewer": (LONG,), "Editor": (LONG + " Beta", "writer")}), caplog)
    cut = LONG[:139]
    assert roles == {"Editor": [cut, "writer"], "Viewer": []}  # Editor's comes first, alphabetically
    assert sorted(warnings) == sorted([
        f'Lex takes slot values of at most 140 characters: the role alias "{LONG + " Beta"}" is exported cut to '
        f'"{cut}".',
        f'Lex takes slot values of at most 140 characters: the role alias "{LONG}" is left out, as cut to "{cut}" '
        "it would read as another name."])
