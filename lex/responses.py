"""The Lex V2 code-hook response, as pydantic models, and every way AskIAM renders an answer into it.

`error_response` is the one mapping from an error to what Lex shows the person.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from bot.domain import Candidate, Clarification, Decision, Evidence
from bot.errors import (
    ConversationTooLongError,
    InvalidRequestError,
    RateLimitedError,
    RequesterError,
    ServiceUnavailableError,
)
from bot.understanding.examples import Examples
from lex.bot_definition import APPLICATION_SLOT, FALLBACK_INTENT, ROLE_SLOT, USER_SLOT
from lex.errors import IdentityConfigError, MalformedEventError, NotSignedInError
from lex.session import LexSession
from validators.errors import StoreUnavailableError

log = logging.getLogger(__name__)

# Limits of the Lex V2 runtime: a message holds at most 1,000 characters, a card at most 5 buttons of 50.
MAX_MESSAGE_CHARS = 1000
MAX_BUTTONS = 5
MAX_BUTTON_CHARS = 50
MAX_CARD_TITLE_CHARS = 250
MAX_EVIDENCE_LINES = 3

IntentState = Literal["Failed", "Fulfilled", "InProgress", "ReadyForFulfillment"]
ConfirmationState = Literal["Confirmed", "Denied", "None"]
DialogActionType = Literal["Close", "ConfirmIntent", "Delegate", "ElicitIntent", "ElicitSlot"]

# Which Lex slot answers which of the core's clarification slots.
CLARIFICATION_SLOTS = {"user": USER_SLOT, "application": APPLICATION_SLOT, "role": ROLE_SLOT}


class Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid")


class OutSlotValue(Out):
    original_value: str = Field(min_length=1)
    interpreted_value: str = Field(min_length=1)
    resolved_values: list[str] = Field(default_factory=list)


class OutSlot(Out):
    shape: Literal["Scalar"] = "Scalar"
    value: OutSlotValue

    @classmethod
    def of(cls, interpreted: str, original: str | None = None) -> OutSlot:
        return cls(value=OutSlotValue(original_value=original or interpreted, interpreted_value=interpreted,
                                      resolved_values=[interpreted]))


Slots = dict[str, OutSlot | None]


class OutIntent(Out):
    name: str = Field(min_length=1)
    slots: Slots | None = None
    state: IntentState
    confirmation_state: ConfirmationState = "None"


class DialogAction(Out):
    type: DialogActionType
    slot_to_elicit: str | None = None


class OutSessionState(Out):
    session_attributes: dict[str, str]
    dialog_action: DialogAction
    intent: OutIntent | None = None


def utf16_units(text: str) -> int:
    """The length of `text` as Lex counts it: UTF-16 code units (a character past U+FFFF takes two)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def clip(text: str, limit: int) -> str:
    """`text` within `limit` UTF-16 code units, cut with an ellipsis when longer (between characters, so never
    inside a surrogate pair)."""
    text = text.strip()
    if utf16_units(text) <= limit:
        return text
    units = 0
    for end, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit - 1:  # room for the ellipsis, one unit
            return text[:end].rstrip() + "\u2026"
    return text  # pragma: no cover - the text was longer than the limit


def _within(limit: int) -> AfterValidator:
    def check(text: str) -> str:
        if utf16_units(text) > limit:
            raise ValueError(f"longer than {limit} UTF-16 code units")
        return text

    return AfterValidator(check)


class Button(Out):
    text: Annotated[str, Field(min_length=1, max_length=MAX_BUTTON_CHARS), _within(MAX_BUTTON_CHARS)]
    value: Annotated[str, Field(min_length=1, max_length=MAX_BUTTON_CHARS), _within(MAX_BUTTON_CHARS)]


class ImageResponseCard(Out):
    title: Annotated[str, Field(min_length=1, max_length=MAX_CARD_TITLE_CHARS), _within(MAX_CARD_TITLE_CHARS)]
    buttons: list[Button] = Field(default_factory=list, max_length=MAX_BUTTONS)


class Message(Out):
    content_type: Literal["PlainText", "ImageResponseCard"] = "PlainText"
    content: Annotated[str, _within(MAX_MESSAGE_CHARS)] | None = None
    image_response_card: ImageResponseCard | None = None


class LexResponse(Out):
    session_state: OutSessionState
    messages: list[Message] | None = None

    def to_event(self) -> dict[str, Any]:
        """The JSON object the Lambda returns to Lex."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")

    @property
    def dialog_action(self) -> DialogActionType:
        return self.session_state.dialog_action.type


def plain(text: str) -> Message:
    return Message(content=clip(text, MAX_MESSAGE_CHARS) or "\u2026")


def _candidate_card(candidates: Sequence[Candidate]) -> Message | None:
    """Buttons for a short list of candidates; a button sends its number, which the core reads as the choice."""
    if not 0 < len(candidates) <= MAX_BUTTONS:
        return None
    buttons = [Button(text=clip(f"{number}. {candidate.label}", MAX_BUTTON_CHARS), value=str(number))
               for number, candidate in enumerate(candidates, 1)]
    return Message(content_type="ImageResponseCard",
                   image_response_card=ImageResponseCard(title="Choose one", buttons=buttons))


# The dialog actions. Each takes the session to send back; none builds a dict by hand.

def close(intent_name: str, state: Literal["Fulfilled", "Failed"], messages: Sequence[str], session: LexSession,
          slots: Slots | None = None) -> LexResponse:
    return LexResponse(
        session_state=OutSessionState(session_attributes=session.attributes(), dialog_action=DialogAction(type="Close"),
                                      intent=OutIntent(name=intent_name or FALLBACK_INTENT, slots=slots, state=state)),
        messages=[plain(text) for text in messages if text.strip()] or None,
    )


def elicit_slot(intent_name: str, slot: str, slots: Slots, messages: Sequence[Message],
                session: LexSession) -> LexResponse:
    return LexResponse(
        session_state=OutSessionState(
            session_attributes=session.attributes(), dialog_action=DialogAction(type="ElicitSlot", slot_to_elicit=slot),
            intent=OutIntent(name=intent_name, slots={**slots, slot: None}, state="InProgress"),
        ),
        messages=list(messages) or None,
    )


def confirm_intent(intent_name: str, slots: Slots, question: str, session: LexSession) -> LexResponse:
    return LexResponse(
        session_state=OutSessionState(
            session_attributes=session.attributes(), dialog_action=DialogAction(type="ConfirmIntent"),
            intent=OutIntent(name=intent_name, slots=slots, state="InProgress", confirmation_state="None"),
        ),
        messages=[plain(question)],
    )


def delegate(intent_name: str, slots: Slots, session: LexSession) -> LexResponse:
    """Let Lex go on: after a yes, it moves to fulfilment, where the decision is made."""
    return LexResponse(session_state=OutSessionState(
        session_attributes=session.attributes(), dialog_action=DialogAction(type="Delegate"),
        intent=OutIntent(name=intent_name, slots=slots, state="ReadyForFulfillment", confirmation_state="Confirmed"),
    ))


def elicit_intent(message: str, session: LexSession) -> LexResponse:
    return LexResponse(
        session_state=OutSessionState(session_attributes=session.attributes(),
                                      dialog_action=DialogAction(type="ElicitIntent")),
        messages=[plain(message)],
    )


# What AskIAM says.

def lex_help(examples: Examples) -> str:
    """What the bot does, with an example request from the org's catalog."""
    return ("I can request access for you or for someone you may request for, and tell you the status of a "
            f"request. Try '{examples.request}' or 'What is the status of R-1234?'. Approvers can ask 'what is "
            "waiting for me' and say 'approve R-1234' or 'deny R-1234 because ...'.")


NOT_SERVED = "Sorry, I can only help with access requests and their status here."
DECLINED = "All right, I have not sent that request. Tell me what you need whenever you are ready."
def clarification_reply(intent_name: str, clarification: Clarification | None, question: str, slots: Slots,
                        session: LexSession) -> LexResponse:
    """Ask the core's question as the slot it is about, with the candidates as buttons when there are few."""
    slot = CLARIFICATION_SLOTS.get(clarification.slot if clarification else "", APPLICATION_SLOT)
    card = _candidate_card(clarification.candidates) if clarification else None
    return elicit_slot(intent_name, slot, slots, [plain(question), *([card] if card else [])], session)


def decision_reply(intent_name: str, decision: Decision, message: str, evidence: Sequence[Evidence], slots: Slots,
                   session: LexSession) -> LexResponse:
    """The decision as the end of the intent: fulfilled unless denied, with up to three lines of evidence.

    Access already held gets none: lines on who else holds the role argue for a decision there was no need to take.
    """
    state: Literal["Fulfilled", "Failed"] = "Failed" if decision is Decision.DENIED else "Fulfilled"
    shown = () if decision is Decision.ALREADY_GRANTED else evidence[:MAX_EVIDENCE_LINES]
    lines = [f"- {item.summary}" for item in shown if item.summary.strip()]
    return close(intent_name, state, [message, "\n".join(lines)], session, slots)


def error_response(exc: BaseException, intent_name: str, attributes: Mapping[str, str]) -> LexResponse:
    """The one mapping from an error to a Lex answer: a Close that says what happened and what to do."""
    session = LexSession.read(attributes)
    if isinstance(exc, IdentityConfigError):
        log.error("Lex identity is not configured: %s", exc)
        text = "Sign-in is not set up for AskIAM yet, so I cannot take requests. Please contact the service desk."
    elif isinstance(exc, NotSignedInError):
        log.info("refused a Lex turn without a verified identity: %s", exc)
        text = "Please sign in first: I can only take access requests from a signed-in user."
    elif isinstance(exc, RequesterError):
        text = ("Your account cannot make access requests (it is unknown or not active). "
                "Please contact the service desk.")
    elif isinstance(exc, RateLimitedError):
        text = "You have sent a lot of requests in the last minute. Please wait a minute and try again."
    elif isinstance(exc, ServiceUnavailableError | StoreUnavailableError):
        log.warning("a store is unavailable: %s", exc)
        text = "AskIAM is unavailable for a moment and nothing was changed. Please try again in a minute."
    elif isinstance(exc, MalformedEventError):
        log.warning("malformed Lex event: %s", exc)
        text = f"Sorry, I could not read that message: {exc.told}"
    elif isinstance(exc, ConversationTooLongError):
        session = session.finished()  # the next message starts afresh
        text = f"{str(exc)[:1].upper()}{str(exc)[1:]}."
    elif isinstance(exc, InvalidRequestError):
        text = f"Sorry, I cannot handle that message: {exc}."
    else:
        log.exception("unexpected failure in the Lex handler", exc_info=exc)
        text = "Sorry, something went wrong on my side. Please try again later."
    return close(intent_name or FALLBACK_INTENT, "Failed", [text], session)
