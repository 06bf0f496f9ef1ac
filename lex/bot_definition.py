"""The AskIAM Lex V2 bot as plain data: intents, sample utterances, slots and slot types.

The models render to the `BotLocales` shape of the CloudFormation resource `AWS::Lex::Bot`. Slot type values for
applications and roles come from the catalog (`lex.export.export_bot`); everything else is fixed here.

The application and role slot types keep what the person typed (ORIGINAL_VALUE): AskIAM resolves names itself, and
the answer to a clarification is often a button's number ("2"), which a slot type restricted to its own values
(TOP_RESOLUTION) would not let through to the code hook. Their values and synonyms only teach Lex where a name sits
in a sentence, so a catalog past Lex's quotas loses training data, not requests: the export keeps every name it can
and leaves out aliases first (see `catalog_slot_types`); a name longer than Lex takes is cut at a word break.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.ports import Catalog

log = logging.getLogger(__name__)

ACCESS_INTENT = "AccessRequest"
STATUS_INTENT = "CheckRequestStatus"
FALLBACK_INTENT = "FallbackIntent"
DECIDE_INTENT = "DecideRequest"
LIST_APPROVALS_INTENT = "ListPendingApprovals"
WITHDRAW_INTENT = "WithdrawRequest"

USER_SLOT = "UserName"
APPLICATION_SLOT = "ApplicationName"
ROLE_SLOT = "RoleName"
REQUEST_ID_SLOT = "RequestId"
DECISION_SLOT = "Decision"
COMMENT_SLOT = "Comment"

PERSON_TYPE = "AskiamPerson"
APPLICATION_TYPE = "AskiamApplication"
ROLE_TYPE = "AskiamRole"
DECISION_TYPE = "ApproveOrDeny"

# Build-time quotas of Lex V2: values and synonyms together, at most 10,000 per custom slot type and 50,000 per
# locale; a value or synonym at most 140 characters.
MAX_SLOT_TYPE_ENTRIES = 10_000
MAX_LOCALE_ENTRIES = 50_000
MAX_VALUE_CHARS = 140
# How many left-out names the export's warning shows.
_SHOWN_LEFT_OUT = 10


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SlotTypeValue(Model):
    value: str = Field(min_length=1, max_length=MAX_VALUE_CHARS)
    synonyms: tuple[str, ...] = ()


class SlotType(Model):
    name: str
    description: str
    values: tuple[SlotTypeValue, ...]
    resolution: Literal["ORIGINAL_VALUE", "TOP_RESOLUTION"] = "ORIGINAL_VALUE"

    @property
    def entries(self) -> int:
        """Values plus synonyms: what Lex counts against its quotas."""
        return sum(1 + len(item.synonyms) for item in self.values)

    @model_validator(mode="after")
    def _within_the_quota(self) -> SlotType:
        if self.entries > MAX_SLOT_TYPE_ENTRIES:
            raise ValueError(f"slot type {self.name} has {self.entries} values and synonyms; Lex builds at most "
                             f"{MAX_SLOT_TYPE_ENTRIES}")
        return self


class SlotDefinition(Model):
    name: str
    slot_type: str
    description: str
    prompt: str
    required: bool = True


class IntentDefinition(Model):
    name: str
    description: str
    utterances: tuple[str, ...] = ()
    slots: tuple[SlotDefinition, ...] = ()
    confirmation_prompt: str | None = None
    declination: str | None = None
    parent_signature: str | None = None
    dialog_code_hook: bool = True
    fulfillment_code_hook: bool = True


class BotLocaleDefinition(Model):
    locale_id: str = "en_US"
    description: str = "AskIAM: ask for access in plain words; every request is checked and audited."
    nlu_confidence_threshold: float = Field(default=0.40, ge=0.0, le=1.0)
    intents: tuple[IntentDefinition, ...]
    slot_types: tuple[SlotType, ...]

    @model_validator(mode="after")
    def _within_the_quota(self) -> BotLocaleDefinition:
        entries = sum(slot_type.entries for slot_type in self.slot_types)
        if entries > MAX_LOCALE_ENTRIES:
            raise ValueError(f"locale {self.locale_id} has {entries} slot values and synonyms; Lex builds at most "
                             f"{MAX_LOCALE_ENTRIES}")
        return self

    def to_cloudformation(self) -> dict[str, Any]:
        """One element of `AWS::Lex::Bot` `BotLocales`."""
        return {
            "LocaleId": self.locale_id,
            "Description": self.description,
            "NluConfidenceThreshold": self.nlu_confidence_threshold,
            "SlotTypes": [_slot_type(slot_type) for slot_type in self.slot_types],
            "Intents": [_intent(intent) for intent in self.intents],
        }


class BotDefinition(Model):
    name: str = "AskIAM"
    description: str = "Chat-first access-request validator."
    idle_session_ttl_seconds: int = Field(default=900, ge=60, le=86400)
    locales: tuple[BotLocaleDefinition, ...]

    def to_cloudformation(self) -> dict[str, Any]:
        """The properties of `AWS::Lex::Bot`, without `RoleArn` and the code hook's alias settings."""
        return {
            "Name": self.name,
            "Description": self.description,
            "DataPrivacy": {"ChildDirected": False},
            "IdleSessionTTLInSeconds": self.idle_session_ttl_seconds,
            "AutoBuildBotLocales": True,
            "BotLocales": [locale.to_cloudformation() for locale in self.locales],
        }


def _messages(text: str) -> dict[str, Any]:
    return {"MessageGroupsList": [{"Message": {"PlainTextMessage": {"Value": text}}}]}


def _slot_type(slot_type: SlotType) -> dict[str, Any]:
    return {
        "Name": slot_type.name,
        "Description": slot_type.description,
        "SlotTypeValues": [
            {"SampleValue": {"Value": item.value}, **({"Synonyms": [{"Value": s} for s in item.synonyms]}
                                                      if item.synonyms else {})}
            for item in slot_type.values
        ],
        "ValueSelectionSetting": {"ResolutionStrategy": slot_type.resolution},
    }


def _slot(slot: SlotDefinition) -> dict[str, Any]:
    return {
        "Name": slot.name,
        "Description": slot.description,
        "SlotTypeName": slot.slot_type,
        "ValueElicitationSetting": {
            "SlotConstraint": "Required" if slot.required else "Optional",
            "PromptSpecification": {**_messages(slot.prompt), "MaxRetries": 2, "AllowInterrupt": True},
        },
    }


def _intent(intent: IntentDefinition) -> dict[str, Any]:
    rendered: dict[str, Any] = {"Name": intent.name, "Description": intent.description}
    if intent.parent_signature:
        rendered["ParentIntentSignature"] = intent.parent_signature
    if intent.utterances:
        rendered["SampleUtterances"] = [{"Utterance": utterance} for utterance in intent.utterances]
    if intent.slots:
        rendered["Slots"] = [_slot(slot) for slot in intent.slots]
        rendered["SlotPriorities"] = [{"Priority": number, "SlotName": slot.name}
                                      for number, slot in enumerate(intent.slots, 1)]
    if intent.dialog_code_hook:
        rendered["DialogCodeHook"] = {"Enabled": True}
    if intent.fulfillment_code_hook:
        rendered["FulfillmentCodeHook"] = {"Enabled": True}
    if intent.confirmation_prompt:
        rendered["IntentConfirmationSetting"] = {
            "PromptSpecification": {**_messages(intent.confirmation_prompt), "MaxRetries": 2},
            **({"DeclinationResponse": _messages(intent.declination)} if intent.declination else {}),
        }
    return rendered


def _request_id_slot(description: str) -> SlotDefinition:
    """The optional slot for a request id ("R-1234"), as every intent about one request has it."""
    return SlotDefinition(name=REQUEST_ID_SLOT, slot_type="AMAZON.AlphaNumeric", required=False,
                          description=description, prompt="Which request? Please give its id, for example R-1234.")


ACCESS_REQUEST = IntentDefinition(
    name=ACCESS_INTENT,
    description="Ask for a role in an application, for yourself or for someone else.",
    utterances=(
        "I need access to {ApplicationName}",
        "I need {RoleName} in {ApplicationName}",
        "I need the {RoleName} role in {ApplicationName}",
        "I need {RoleName} access to {ApplicationName}",
        "Can I get {RoleName} in {ApplicationName}",
        "Request {RoleName} in {ApplicationName} for {UserName}",
        "Give {UserName} {RoleName} in {ApplicationName}",
        "Please give {UserName} the {RoleName} role in {ApplicationName}",
        "{UserName} needs {RoleName} in {ApplicationName}",
        "{UserName} needs access to {ApplicationName}",
        "Grant {UserName} access to {ApplicationName}",
        "I need {RoleName} access",
        "I need access",
        "Request access",
        "New access request",
    ),
    slots=(
        SlotDefinition(name=USER_SLOT, slot_type=PERSON_TYPE, description="Who gets the access ('me' for yourself).",
                       prompt="Who should get the access? Say 'me' for yourself, or give their name or email."),
        SlotDefinition(name=APPLICATION_SLOT, slot_type=APPLICATION_TYPE, description="The application.",
                       prompt="Which application is this for?"),
        SlotDefinition(name=ROLE_SLOT, slot_type=ROLE_TYPE, description="The role in that application.",
                       prompt="Which role do you need?"),
    ),
    confirmation_prompt="Shall I send this request?",
    declination="All right, I have not sent that request.",
)

CHECK_REQUEST_STATUS = IntentDefinition(
    name=STATUS_INTENT,
    description="Tell the status of one of your requests, by id or the last one.",
    utterances=(
        "What is the status of {RequestId}",
        "Status of {RequestId}",
        "Check request {RequestId}",
        "Is {RequestId} approved",
        "What happened to my last request",
        "Status of my last request",
        "Check my request",
        "Check my last request",
    ),
    slots=(
        _request_id_slot("A request id such as R-1234."),
    ),
)

DECIDE_REQUEST = IntentDefinition(
    name=DECIDE_INTENT,
    description="An approver approves or denies a request waiting for them.",
    utterances=(
        "{Decision} request {RequestId}",
        "I {Decision} request {RequestId}",
        "Approve {RequestId}",
        "Deny {RequestId}",
        "Reject {RequestId}",
        "Decline {RequestId}",
        "Accept {RequestId}",
        "Please approve {RequestId}",
        "Please deny {RequestId}",
        "Decide request {RequestId}",
        "Decide a request",
        "Approve a request",
        "Deny a request",
    ),
    slots=(
        _request_id_slot("The request to decide, such as R-1234."),
        SlotDefinition(name=DECISION_SLOT, slot_type=DECISION_TYPE, required=False,
                       description="Approve or deny.", prompt="Approve or deny?"),
        SlotDefinition(name=COMMENT_SLOT, slot_type="AMAZON.FreeFormInput", required=False,
                       description="Why, in the approver's words (recorded with the decision).",
                       prompt="Any comment for the record?"),
    ),
)

LIST_PENDING_APPROVALS = IntentDefinition(
    name=LIST_APPROVALS_INTENT,
    description="List the requests waiting for the approver's decision.",
    utterances=(
        "What is waiting for me",
        "What is waiting for my approval",
        "My approvals",
        "Show my approvals",
        "List my pending approvals",
        "Pending approvals",
        "What do I need to approve",
        "Anything to approve",
    ),
    fulfillment_code_hook=True,
)

WITHDRAW_REQUEST = IntentDefinition(
    name=WITHDRAW_INTENT,
    description="Withdraw one of your requests while it waits for approval.",
    utterances=(
        "Cancel {RequestId}",
        "Withdraw {RequestId}",
        "Cancel request {RequestId}",
        "Withdraw request {RequestId}",
        "Please withdraw {RequestId}",
        "Cancel my request",
        "Withdraw my request",
        "I want to withdraw my request",
        "Call off my request",
    ),
    slots=(
        _request_id_slot("The request to withdraw, such as R-1234."),
    ),
)

FALLBACK = IntentDefinition(
    name=FALLBACK_INTENT,
    description="Anything else: handed to AskIAM's own understanding of free text.",
    parent_signature="AMAZON.FallbackIntent",
    dialog_code_hook=False,
)

PERSON = SlotType(
    name=PERSON_TYPE,
    description="A person: 'me', a name or an email; AskIAM looks the words up in the directory itself.",
    values=(SlotTypeValue(value="me", synonyms=("myself", "for me")),),
    resolution="ORIGINAL_VALUE",
)


APPROVE_OR_DENY = SlotType(
    name=DECISION_TYPE,
    description="An approver's decision.",
    values=(SlotTypeValue(value="approve", synonyms=("accept", "grant", "yes")),
            SlotTypeValue(value="deny", synonyms=("reject", "decline", "no"))),
    resolution="TOP_RESOLUTION",
)


def _values(what: str, pairs: Iterable[tuple[str, Iterable[str]]],
            budget: int = MAX_SLOT_TYPE_ENTRIES) -> tuple[SlotTypeValue, ...]:
    """One value per distinct name (folded), with its aliases as synonyms; no synonym is another value's name.

    A name or alias longer than Lex allows (MAX_VALUE_CHARS) is cut at a word break, and each one cut is reported;
    one that would then read as another name (or a name's alias as another's) is left out, and reported too: it
    would train Lex to place the other's words.

    At most `budget` values and synonyms together. Past it, aliases go first: every name's first alias is kept
    before any name's second, and so on. Only when the names alone are too many are names left out too (the last
    in alphabetical order). What is left out is logged as a warning.
    """
    names, synonyms, cut = _fitted_names(what, pairs)
    ordered = sorted(names.items())
    kept_names, left_out_names = ordered[:budget], ordered[budget:]
    taken = set(names)
    wanted: dict[str, list[str]] = {}
    for key, _ in kept_names:
        wanted[key] = []
        for alias, original in synonyms[key]:
            if alias.casefold() not in taken:
                taken.add(alias.casefold())
                wanted[key].append(alias)
                if original is not None:
                    cut[alias] = original
            elif original is not None:
                _report_cut(f"{what} alias", original, alias, left_out=True)
    room = budget - len(kept_names)
    kept: dict[str, list[str]] = {key: [] for key in wanted}
    rank = 0
    while room > 0 and any(len(aliases) > rank for aliases in wanted.values()):
        for key, aliases in wanted.items():
            if room > 0 and len(aliases) > rank:
                kept[key].append(aliases[rank])
                room -= 1
        rank += 1
    for key, value in kept_names:
        for exported in (value, *kept[key]):
            if exported in cut:
                _report_cut(what if exported == value else f"{what} alias", cut[exported], exported, left_out=False)
    left_out_aliases = sum(len(wanted[key]) - len(kept[key]) for key in wanted)
    if left_out_names or left_out_aliases:
        _warn_left_out(what, budget, left_out_aliases, sum(map(len, wanted.values())),
                       [value for _, value in left_out_names], len(ordered))
    return tuple(SlotTypeValue(value=value, synonyms=tuple(kept[key])) for key, value in kept_names)


def _fitted_names(what: str, pairs: Iterable[tuple[str, Iterable[str]]]) -> tuple[
        dict[str, str], dict[str, list[tuple[str, str | None]]], dict[str, str]]:
    """The names as Lex takes them, by folded value; each one's aliases as (value, the original where it was cut);
    and the names that were cut, each with its original.

    A cut name that reads as another name once cut is left out with its aliases, and reported: a name that fits
    keeps its value, and two names cut alike are both left out.
    """
    spelled: dict[str, tuple[str, list[str]]] = {}  # by the whole name, folded: its first spelling, its aliases
    for name, aliases in pairs:
        original = " ".join(name.split())
        if original:
            spelled.setdefault(original.casefold(), (original, []))[1].extend(aliases)
    values = {key: _fitted(original) for key, (original, _) in spelled.items()}
    readers = Counter(value.casefold() for value, _ in values.values())
    names: dict[str, str] = {}
    synonyms: dict[str, list[tuple[str, str | None]]] = {}
    cut: dict[str, str] = {}
    for whole, (original, aliases) in spelled.items():
        value, was_cut = values[whole]
        if was_cut and readers[value.casefold()] > 1:
            _report_cut(what, original, value, left_out=True)
            continue
        if was_cut:
            cut[value] = original
        key = value.casefold()
        names[key] = value
        synonyms[key] = []
        for alias in (" ".join(alias.split()) for alias in aliases):
            if alias:
                fitted, alias_cut = _fitted(alias)
                synonyms[key].append((fitted, alias if alias_cut else None))
    return names, synonyms, cut


def _fitted(text: str) -> tuple[str, bool]:
    """`text` within MAX_VALUE_CHARS, Lex's limit for a slot value, and whether it had to be cut: at the last word
    break that fits, mid-word only where a single word is longer than the limit."""
    if len(text) <= MAX_VALUE_CHARS:
        return text, False
    head = text[:MAX_VALUE_CHARS + 1]
    words = head.rsplit(" ", 1)[0].rstrip() if " " in head else ""
    return words or text[:MAX_VALUE_CHARS], True


def _report_cut(what: str, original: str, value: str, *, left_out: bool) -> None:
    """One warning per name or alias longer than Lex takes: the export says what it changed or left out."""
    if left_out:
        log.warning('Lex takes slot values of at most %d characters: the %s "%s" is left out, as cut to "%s" it '
                    "would read as another name.", MAX_VALUE_CHARS, what, original, value)
    else:
        log.warning('Lex takes slot values of at most %d characters: the %s "%s" is exported cut to "%s".',
                    MAX_VALUE_CHARS, what, original, value)


def _warn_left_out(what: str, budget: int, aliases: int, all_aliases: int, names: list[str], all_names: int) -> None:
    dropped = f"{aliases} of {all_aliases} aliases (each name's later aliases first)"
    if names:
        shown = ", ".join(names[:_SHOWN_LEFT_OUT]) + (", ..." if len(names) > _SHOWN_LEFT_OUT else "")
        dropped += f" and {len(names)} of {all_names} names ({shown})"
    log.warning("Lex builds at most %d values and synonyms per slot type: the %s slot type leaves out %s. The slot "
                "keeps whatever is typed, so AskIAM still resolves these words itself; they no longer train the bot.",
                budget, what, dropped)


def catalog_slot_types(catalog: Catalog) -> tuple[SlotType, SlotType]:
    """The application and role slot types for this catalog (role names shared by several apps appear once).

    Each holds at most MAX_SLOT_TYPE_ENTRIES values and synonyms (Lex's quota per slot type); past it, aliases are
    left out before names, with a warning. Two such types and the fixed ones stay within the locale's quota.
    """
    applications = SlotType(
        name=APPLICATION_TYPE, description="Applications in the AskIAM catalog.", resolution="ORIGINAL_VALUE",
        values=_values("application", ((app.name, app.aliases) for app in catalog.applications.values())),
    )
    roles = SlotType(
        name=ROLE_TYPE, description="Role names in the AskIAM catalog.", resolution="ORIGINAL_VALUE",
        values=_values("role", ((role.name, role.aliases) for role in catalog.roles.values())),
    )
    return applications, roles


def askiam_bot(catalog: Catalog, *, locale_id: str = "en_US") -> BotDefinition:
    """The whole bot definition for one catalog."""
    applications, roles = catalog_slot_types(catalog)
    locale = BotLocaleDefinition(
        locale_id=locale_id,
        intents=(ACCESS_REQUEST, CHECK_REQUEST_STATUS, DECIDE_REQUEST, LIST_PENDING_APPROVALS, WITHDRAW_REQUEST,
                 FALLBACK),
        slot_types=(PERSON, applications, roles, APPROVE_OR_DENY),
    )
    return BotDefinition(locales=(locale,))
