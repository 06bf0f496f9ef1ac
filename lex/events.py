"""The Lex V2 code-hook input event, as pydantic models, and the one function that reads it.

Lex may add fields without changing `messageVersion`, so unknown fields are ignored rather than refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import InvalidRequestError
from lex.errors import MalformedEventError
from lex.settings import MAX_TRANSCRIPT_CHARS

# Reasons a person is told (after "Sorry, I could not read that message: ").
LEX_V1 = ("this is a Lex V1 event; AskIAM needs Lex V2. Please contact the service desk: the bot is connected to "
          "the wrong version of Lex.")
NOT_TEXT = "it holds characters that are not valid text. Please type it again."
# Keys only a Lex V1 code-hook event has.
_LEX_V1_KEYS = frozenset({"currentIntent", "outputDialogMode", "recentIntentSummaryView"})

InvocationSource = Literal["DialogCodeHook", "FulfillmentCodeHook"]
ConfirmationState = Literal["Confirmed", "Denied", "None"]
MAX_EVENT_ATTRIBUTES = 100


class LexModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SlotValue(LexModel):
    original_value: str | None = Field(default=None, alias="originalValue")
    interpreted_value: str | None = Field(default=None, alias="interpretedValue")
    resolved_values: list[str] = Field(default_factory=list, alias="resolvedValues")


class Slot(LexModel):
    shape: str | None = None
    value: SlotValue | None = None
    values: list[Slot] | None = None

    def text(self) -> str:
        """What the slot holds: the interpreted value, else what was said; list slots joined by ', '."""
        if self.value is not None:
            chosen = self.value.interpreted_value or self.value.original_value or ""
            if chosen.strip():
                return chosen.strip()
        return ", ".join(part for part in (slot.text() for slot in self.values or []) if part)


class Intent(LexModel):
    name: str = Field(min_length=1, max_length=100)
    slots: dict[str, Slot | None] = Field(default_factory=dict)
    state: str | None = None
    confirmation_state: ConfirmationState = Field(default="None", alias="confirmationState")

    @field_validator("slots", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("confirmation_state", mode="before")
    @classmethod
    def _missing_is_none(cls, value: Any) -> Any:
        return "None" if value is None else value

    def slot_text(self, name: str) -> str:
        slot = self.slots.get(name)
        return slot.text() if slot is not None else ""


class SessionState(LexModel):
    session_attributes: dict[str, str] = Field(default_factory=dict, alias="sessionAttributes")
    intent: Intent | None = None
    originating_request_id: str | None = Field(default=None, alias="originatingRequestId")

    @field_validator("session_attributes", mode="before")
    @classmethod
    def _strings_only(cls, value: Any) -> Any:
        # Lex only ever sends strings; anything else is dropped rather than trusted or echoed back.
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ValueError("sessionAttributes must be an object")
        if len(value) > MAX_EVENT_ATTRIBUTES:
            raise ValueError("too many session attributes")
        return {key: item for key, item in value.items() if isinstance(key, str) and key and isinstance(item, str)}


class Bot(LexModel):
    name: str = ""
    locale_id: str = Field(default="", alias="localeId")


class Interpretation(LexModel):
    intent: Intent | None = None


class LexEvent(LexModel):
    """One Lex V2 code-hook invocation (DialogCodeHook or FulfillmentCodeHook)."""

    message_version: str = Field(default="1.0", alias="messageVersion")
    invocation_source: InvocationSource = Field(alias="invocationSource")
    input_mode: str | None = Field(default=None, alias="inputMode")
    session_id: str = Field(default="", alias="sessionId", max_length=256)
    input_transcript: str = Field(default="", alias="inputTranscript")
    bot: Bot = Field(default_factory=Bot)
    interpretations: list[Interpretation] = Field(default_factory=list)
    session_state: SessionState = Field(alias="sessionState")

    @field_validator("input_transcript", mode="before")
    @classmethod
    def _null_transcript_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("session_id", mode="before")
    @classmethod
    def _null_session_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value

    @property
    def intent(self) -> Intent | None:
        return self.session_state.intent

    @property
    def intent_name(self) -> str:
        return self.intent.name if self.intent else ""

    @property
    def attributes(self) -> dict[str, str]:
        return self.session_state.session_attributes


def parse_event(raw: object) -> LexEvent:
    """Read a Lex V2 code-hook event.

    Raises
    ------
    MalformedEventError
        The event is not a Lex V2 code-hook event (missing sessionState, wrong types, unknown invocationSource), or
        holds text that is not valid Unicode.
    InvalidRequestError
        The event is well formed but the text is longer than Lex itself ever sends.
    """
    if not isinstance(raw, Mapping):
        raise MalformedEventError("the event is not a JSON object")
    if _is_lex_v1(raw):
        raise MalformedEventError("a Lex V1 event (currentIntent, no sessionState)", told=LEX_V1)
    where = _not_unicode(raw)
    if where is not None:
        raise MalformedEventError(f"{where}: text that is not valid Unicode (a lone surrogate)", told=NOT_TEXT)
    try:
        event = LexEvent.model_validate(raw)
    except ValidationError as exc:
        raise MalformedEventError(_describe(exc)) from exc
    if len(event.input_transcript) > MAX_TRANSCRIPT_CHARS:
        raise InvalidRequestError(f"the message is longer than {MAX_TRANSCRIPT_CHARS} characters")
    return event


def _is_lex_v1(raw: Mapping[str, Any]) -> bool:
    """A Lex V1 event: no sessionState, and V1's own keys (or V1's bot, which has an alias name and no id)."""
    if "sessionState" in raw:
        return False
    bot = raw.get("bot")
    return bool(_LEX_V1_KEYS & raw.keys()) or (isinstance(bot, Mapping) and "alias" in bot and "id" not in bot)


def _describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "event"
    return f"{where}: {first['msg']}"


def _not_unicode(raw: Mapping[str, Any]) -> str | None:
    """Where the first string of the event that is not valid Unicode sits, or None.

    JSON's escapes can spell a lone surrogate ("\\ud800"), which no UTF-8 text holds: PostgreSQL cannot store it and
    pydantic refuses it wherever a length is checked, so it would fail far from here, after the core had read it.
    Walked without recursion: how deep the event nests is the caller's choice.
    """
    pending: list[tuple[str, object]] = [("", raw)]
    while pending:
        where, value = pending.pop()
        if isinstance(value, str):
            if not _is_unicode(value):
                return where or "event"
        elif isinstance(value, Mapping):
            for key, item in value.items():
                if isinstance(key, str) and not _is_unicode(key):
                    return where or "event"
                pending.append((f"{where}.{key}" if where else str(key), item))
        elif isinstance(value, list):
            pending.extend((f"{where}[{number}]", item) for number, item in enumerate(value))
    return None


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
