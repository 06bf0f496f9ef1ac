"""What AskIAM keeps in the Lex session attributes between turns.

The client can set session attributes too, so nothing here is trusted for who may do what: the requester comes
from the verified identity, a pending confirmation is decided again by the service with every rule, and a request
id is shown only to the people it concerns.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.conversation import ConversationState, after
from bot.understanding.text import clean

log = logging.getLogger(__name__)

STATE_ATTRIBUTE = "askiam_state"
CONFIRM_ATTRIBUTE = "askiam_confirm"
REQUEST_ID_ATTRIBUTE = "askiam_request_id"
_OWN = (STATE_ATTRIBUTE, CONFIRM_ATTRIBUTE, REQUEST_ID_ATTRIBUTE)
# Read: an attribute longer than this is dropped. Written: AskIAM's own attributes (state, confirmation, request
# id) take at most MAX_OWN_ATTRIBUTE_BYTES as sent, so that with a client's own (an ID token of 1 to 2 KB) the
# attributes stay near 10 KB, well within what Lex carries, however long the texts typed.
MAX_ATTRIBUTE_CHARS = 24_000
MAX_OWN_ATTRIBUTE_BYTES = 8 * 1024
REQUEST_ID = re.compile(r"^R-\d{1,12}$")
M = TypeVar("M", bound=BaseModel)


class PendingConfirmation(BaseModel):
    """A complete request waiting for the person's yes: the text that completed it and what it resolved to.

    Deciding replays that text against the state it was typed in, so the service resolves it again itself.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(max_length=2048)
    target_id: str
    app_id: str
    role_id: str
    access_until: datetime | None = None


class LexSession(BaseModel):
    """The session attributes, split into AskIAM's own and everyone else's (kept as they came)."""

    model_config = ConfigDict(frozen=True)

    state: ConversationState | None = None
    pending: PendingConfirmation | None = None
    last_request_id: str | None = None
    others: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def read(cls, attributes: Mapping[str, str]) -> LexSession:
        """AskIAM's attributes; one that is unreadable (edited by the client, or from an older version) is dropped."""
        last = attributes.get(REQUEST_ID_ATTRIBUTE)
        return cls(
            state=_load(ConversationState, attributes.get(STATE_ATTRIBUTE)),
            pending=_load(PendingConfirmation, attributes.get(CONFIRM_ATTRIBUTE)),
            last_request_id=last if last and REQUEST_ID.match(last) else None,
            others={key: value for key, value in attributes.items() if key not in _OWN},
        )

    def attributes(self) -> dict[str, str]:
        """The session attributes to send back to Lex, AskIAM's own within `MAX_OWN_ATTRIBUTE_BYTES`."""
        own: dict[str, str] = {}
        if self.pending is not None:
            own[CONFIRM_ATTRIBUTE] = self.pending.model_dump_json()
        if self.last_request_id is not None:
            own[REQUEST_ID_ATTRIBUTE] = self.last_request_id
        if self.state is not None:
            state = _bounded(self.state, MAX_OWN_ATTRIBUTE_BYTES - sent_size(own) - sent_size({STATE_ATTRIBUTE: ""}))
            if state is not None:
                own[STATE_ATTRIBUTE] = state
        return {**self.others, **own}

    def asking(self, state: ConversationState | None) -> LexSession:
        """Waiting on a question: the new conversation state, no confirmation pending."""
        return self.model_copy(update={"state": state, "pending": None})

    def confirming(self, state: ConversationState | None, pending: PendingConfirmation) -> LexSession:
        """Waiting on a yes or no: the state the completing text was typed in, and that text."""
        return self.model_copy(update={"state": state, "pending": pending})

    def finished(self, request_id: str | None = None) -> LexSession:
        """The conversation is over; remember the request it produced, if any. Of the state, only the request
        decided last stays (what "same for Daniel" next would change), never a question."""
        return self.model_copy(update={"state": after(self.state), "pending": None,
                                       "last_request_id": request_id or self.last_request_id})


def sent_size(attributes: Mapping[str, str]) -> int:
    """Bytes the attributes take in the JSON Lex gets (UTF-8, quotes and backslashes escaped), and gets back."""
    return len(json.dumps(attributes, ensure_ascii=False, separators=(",", ":")).encode("utf-8")) - 2


def _bounded(state: ConversationState, budget: int) -> str | None:
    """The state as an attribute of at most `budget` bytes as sent.

    The texts of the turns are what grows (every turn adds one, of up to a transcript's length): past the budget,
    the longest are cut to a common length, so short turns (where the request was usually named) stay whole, then
    dropped; the settled target, application, role and the question waiting are kept. None (the conversation
    starts over) only when even those do not fit.
    """
    def sent(candidate: ConversationState) -> int:
        return sent_size({"": candidate.model_dump_json()})

    if sent(state) <= budget:
        return state.model_dump_json()
    texts = state.texts

    def cut(length: int) -> ConversationState:
        return state.model_copy(update={"texts": [clean(text[:length]) for text in texts]})

    low, high = 0, max((len(text) for text in texts), default=0)  # the longest length that fits, by bisection
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if sent(cut(middle)) <= budget else (low, middle - 1)
    shortened = cut(low)
    if low == 0 and sent(shortened) > budget:
        shortened = state.model_copy(update={"texts": []})
        if sent(shortened) > budget:
            log.warning("the conversation state is too large for the session attributes; starting over")
            return None
    log.info("cut the earlier texts of a conversation to %d characters to keep the session attributes small", low)
    return shortened.model_dump_json()


def _load(model: type[M], text: str | None) -> M | None:
    if not text:
        return None
    if len(text) > MAX_ATTRIBUTE_CHARS:
        log.warning("ignoring an oversized %s session attribute", model.__name__)
        return None
    try:
        if _has_control_characters(json.loads(text)):
            raise ValueError("control characters")
        return model.model_validate_json(text)
    except (ValueError, ValidationError):  # json's and pydantic's errors are both ValueErrors
        log.warning("ignoring an unreadable %s session attribute", model.__name__)
        return None


def _has_control_characters(value: object) -> bool:
    """Whether any string in a parsed attribute holds a control character other than tab and line breaks (a NUL
    cannot even be stored in PostgreSQL): AskIAM never writes one there, so the client put it in."""
    if isinstance(value, str):
        return any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in value)
    if isinstance(value, dict):
        return any(_has_control_characters(key) or _has_control_characters(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_control_characters(item) for item in value)
    return False
