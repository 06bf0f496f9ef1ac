"""One Lex V2 turn: route the intent, ask the core, and choose the dialog action.

AccessRequest: the core understands the words (slot values only add what the words left out). A missing or
ambiguous entity is asked for as the slot it concerns; a complete request is read back for a yes (ConfirmIntent);
the yes is decided by the service, which records it. Access the person already holds is answered at once.
CheckRequestStatus: a request id, or the session's last one.
FallbackIntent: the text goes to the core's understanding; what it cannot place gets the help text.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.conversation import ConversationState
from bot.domain import Decision, Outcome
from bot.messages import described_access, since_filed, status_text
from bot.own_access import decider_name
from bot.ports import Directory
from bot.service import AccessRequestService, Turn
from bot.understanding.after_decision import asks_why
from bot.understanding.catalog_matcher import FILLER_WORDS
from bot.understanding.intent import REMOVAL_SLOT
from bot.understanding.questions import Asked, question_in, request_id_in
from bot.understanding.resolver import request_words
from bot.understanding.small_talk import ENDED_SLOT, NOT_UNDERSTOOD_LEAD
from bot.understanding.text import fold
from bot.understanding.time_limits import shown_end
from bot.understanding.withdrawal import withdrawal_in
from lex import approvals as approver_turns
from lex.bot_definition import (
    ACCESS_INTENT,
    APPLICATION_SLOT,
    DECIDE_INTENT,
    FALLBACK_INTENT,
    LIST_APPROVALS_INTENT,
    REQUEST_ID_SLOT,
    ROLE_SLOT,
    STATUS_INTENT,
    USER_SLOT,
    WITHDRAW_INTENT,
)
from lex.events import LexEvent
from lex.responses import (
    DECLINED,
    NOT_SERVED,
    LexResponse,
    OutSlot,
    Slots,
    clarification_reply,
    close,
    confirm_intent,
    decision_reply,
    delegate,
    elicit_intent,
    elicit_slot,
    lex_help,
    plain,
)
from lex.session import LexSession, PendingConfirmation

log = logging.getLogger(__name__)

CHANNEL = "lex"
SERVED_INTENTS = frozenset({ACCESS_INTENT, STATUS_INTENT, DECIDE_INTENT, LIST_APPROVALS_INTENT, WITHDRAW_INTENT,
                            FALLBACK_INTENT})
_REQUEST_ID_IN_TEXT = re.compile(r"\b(?:R\s*-?\s*|request\s+(?:id\s+)?#?\s*)(\d{1,12})\b", re.IGNORECASE)
_REQUEST_ID_SLOT_VALUE = re.compile(r"^\s*(?:R\s*-?\s*)?#?(\d{1,12})\s*$", re.IGNORECASE)
_STATUS_WORDS = re.compile(r"\b(?:status|happened to|last request|my request|approved yet)\b", re.IGNORECASE)
_ACCESS_WORDS = frozenset("access role roles permission permissions request grant give need want add".split())
# How the words a slot holds are added to a sentence that does not already contain them.
_SLOT_PHRASES = ((ROLE_SLOT, "the {} role"), (APPLICATION_SLOT, "in {}"), (USER_SLOT, "for {}"))


class RequestLookup(Protocol):
    def get(self, request_id: str) -> Outcome | None:
        """A recorded request, or None."""
        ...


@dataclass(frozen=True)
class LexPorts:
    """What a Lex turn needs from the application."""

    service: AccessRequestService
    preview: AccessRequestService
    requests: RequestLookup
    approvals: approver_turns.Approvals | None = None

    @property
    def directory(self) -> Directory:
        return self.service.ports.directory


class Channel(Protocol):
    """The application behind the channel and the verified requester; both are fetched only when a turn needs them."""

    @property
    def ports(self) -> LexPorts: ...

    def requester_id(self, attributes: Mapping[str, str]) -> str: ...


def respond(channel: Channel, event: LexEvent) -> LexResponse:
    """Answer one Lex V2 code-hook invocation.

    Parameters
    ----------
    channel:
        Gives the ports and the requester, read from the session's verified identity.
    event:
        The parsed code-hook event.
    """
    session = LexSession.read(event.attributes)
    name = event.intent_name
    if name not in SERVED_INTENTS:
        # Another bot's intent (a shared Lambda, a misrouted alias): nothing to look up, so no sign-in needed.
        return close(name, "Failed", [NOT_SERVED], session)
    if name == ACCESS_INTENT and event.intent and event.intent.confirmation_state == "Denied":
        return close(ACCESS_INTENT, "Failed", [DECLINED], session.finished())
    requester = channel.requester_id(event.attributes)
    ports = channel.ports
    if name == STATUS_INTENT:
        return _status(ports, event, requester, session)
    if name == DECIDE_INTENT:
        return approver_turns.decide_request(ports, event, requester, session)
    if name == LIST_APPROVALS_INTENT:
        return approver_turns.list_pending(ports, requester, session)
    if name == WITHDRAW_INTENT:
        return _withdraw(ports, event, requester, session)
    if name == FALLBACK_INTENT:
        return _fallback(ports, event, requester, session)
    return _access_request(ports, event, requester, session)


def _access_request(ports: LexPorts, event: LexEvent, requester: str, session: LexSession) -> LexResponse:
    intent = event.intent
    confirmed = intent is not None and intent.confirmation_state == "Confirmed"
    if confirmed and session.pending is not None:
        if event.invocation_source == "DialogCodeHook":
            pending = session.pending
            slots = _slots(ports, requester, pending.target_id, pending.app_id, pending.role_id)
            return delegate(ACCESS_INTENT, slots, session)
        return _decide(ports, event, requester, session.pending.text, session.state, session,
                       idempotency_key=_idempotency_key(event, session.pending, session.state))
    text = _turn_text(event, session.state)
    if not text:
        question = f"What access do you need? For example: '{ports.service.vocabulary().examples.request}'."
        return elicit_slot(ACCESS_INTENT, APPLICATION_SLOT, {}, [plain(question)], session.asking(None))
    preview = ports.preview.handle(requester, text, channel=CHANNEL, state=session.state,
                                   conversation_id=event.session_id or None)
    return _after_preview(ports, event, requester, session, text, preview, lex_confirmed=confirmed)


def _after_preview(ports: LexPorts, event: LexEvent, requester: str, session: LexSession, text: str,
                   preview: Turn, *, lex_confirmed: bool) -> LexResponse:
    outcome = preview.outcome
    if outcome.decision is Decision.NEEDS_CLARIFICATION:
        # Asked for real, so the question is recorded like every channel's.
        return _decide(ports, event, requester, text, session.state, session)
    if outcome.repeated:
        slots = _slots(ports, requester, outcome.user_id, outcome.app_id, outcome.role_id)
        # Kept as the request decided last, as a new decision is: "same for Rui" may follow "already pending".
        return decision_reply(ACCESS_INTENT, outcome.decision, outcome.message, [], slots,
                              session.finished(outcome.request_id).asking(preview.state))
    if lex_confirmed or outcome.decision is Decision.ALREADY_GRANTED:
        # Lex asked for the yes itself (no dialog code hook), or there is nothing to ask a yes for (the access is
        # already held): decided now, and recorded as every channel records it.
        return _decide(ports, event, requester, text, session.state, session)
    assert outcome.user_id and outcome.app_id and outcome.role_id
    pending = PendingConfirmation(text=text, target_id=outcome.user_id, app_id=outcome.app_id,
                                  role_id=outcome.role_id, access_until=outcome.access_until)
    slots = _slots(ports, requester, outcome.user_id, outcome.app_id, outcome.role_id)
    return confirm_intent(ACCESS_INTENT, slots, _confirmation_question(ports, requester, pending),
                          session.confirming(session.state, pending))


def _decide(ports: LexPorts, event: LexEvent, requester: str, text: str, state: ConversationState | None,
            session: LexSession, *, idempotency_key: str | None = None, answering: str = ACCESS_INTENT) -> LexResponse:
    """The core's answer to the text. A question it asks is this intent's slot; an answer that ends the turn (a
    question answered, a withdrawal) closes `answering`, the intent Lex invoked, fulfilled unless nothing was done."""
    turn = ports.service.handle(requester, text, channel=CHANNEL, state=state,
                                conversation_id=event.session_id or None, idempotency_key=idempotency_key)
    outcome = turn.outcome
    slots = _slots(ports, requester, outcome.user_id, outcome.app_id, outcome.role_id)
    if outcome.clarification is not None and outcome.clarification.slot in (REMOVAL_SLOT, ENDED_SLOT):
        done = outcome.clarification.slot == ENDED_SLOT and not outcome.message.startswith(NOT_UNDERSTOOD_LEAD)
        return close(answering, "Fulfilled" if done else "Failed", [outcome.message], session.finished(),
                     slots if answering == ACCESS_INTENT else None)  # nothing to ask
    if outcome.decision is Decision.NEEDS_CLARIFICATION:
        return clarification_reply(ACCESS_INTENT, outcome.clarification, outcome.message, slots,
                                   session.asking(turn.state))
    pending = session.pending if idempotency_key else None
    if pending is not None and (outcome.user_id, outcome.role_id) != (pending.target_id, pending.role_id):
        log.warning("request %s resolved differently than confirmed (the catalog changed in between)",
                    outcome.request_id)
    # The state keeps the request just decided, which "same for Daniel" next may change one part of.
    return decision_reply(ACCESS_INTENT, outcome.decision, outcome.message, outcome.evidence, slots,
                          session.finished(outcome.request_id).asking(turn.state))


def _idempotency_key(event: LexEvent, pending: PendingConfirmation, state: ConversationState | None) -> str:
    """For the yes to a confirmation: the same fulfilment delivered twice is decided once."""
    parts = [event.session_id, event.session_state.originating_request_id or "", pending.model_dump_json(),
             state.model_dump_json() if state else ""]
    return "lex-" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:40]


def _withdraw(ports: LexPorts, event: LexEvent, requester: str, session: LexSession) -> LexResponse:
    """WithdrawRequest: the core reads the words ("cancel R-1234", "withdraw my request"); a slot value Lex
    filled from other words is given to it as "withdraw R-1234"."""
    text = event.input_transcript.strip()
    slot_value = event.intent.slot_text(REQUEST_ID_SLOT) if event.intent else ""
    request_id = _request_id(slot_value, _REQUEST_ID_SLOT_VALUE)
    if request_id and request_id_in(text) is None:
        text = f"withdraw {request_id}"  # the id Lex heard, in whatever words
    return _decide(ports, event, requester, text or "withdraw my request", session.state, session,
                   answering=WITHDRAW_INTENT)


def _fallback(ports: LexPorts, event: LexEvent, requester: str, session: LexSession) -> LexResponse:
    text = event.input_transcript.strip()
    if approver_turns.looks_like_a_decision(text):
        return approver_turns.decide_request(ports, event, requester, session)
    if withdrawal_in(text) is not None and (session.state is None or not session.state.waiting):
        # answered by the core, and audited
        return _decide(ports, event, requester, text, session.state, session, answering=FALLBACK_INTENT)
    if session.state is not None and session.state.waiting:
        return _access_request(ports, event, requester, session.asking(session.state))
    if not text:
        return elicit_intent(lex_help(ports.service.vocabulary().examples), session.finished())
    if approver_turns.looks_like_a_queue_question(text):
        return approver_turns.list_pending(ports, requester, session)
    question = question_in(text)
    # Questions the core answers ("do I have ...", "was I approved?", "what roles does Looker have?"); a request's
    # status, by id or as the one just made, is this dialog's own.
    if question is not None and question.asked is not Asked.ONE_REQUEST and not (
            question.asked is Asked.MY_REQUESTS and session.last_request_id is not None):
        # answered by the core, and audited
        return _decide(ports, event, requester, text, session.state, session, answering=FALLBACK_INTENT)
    if _STATUS_WORDS.search(text) or _REQUEST_ID_IN_TEXT.search(text) or \
            (asks_why(text) and session.last_request_id is not None):
        return _status(ports, event, requester, session)
    # Whatever was pending confirmation was left unanswered; this text starts afresh, or from the request decided
    # last ("same for Daniel").
    fresh = session.finished()
    preview = ports.preview.handle(requester, text, channel=CHANNEL, state=fresh.state,
                                   conversation_id=event.session_id or None)
    if not _understood(ports, text, preview):
        return elicit_intent(lex_help(ports.service.vocabulary().examples), fresh)
    return _after_preview(ports, event, requester, fresh, text, preview, lex_confirmed=False)


def _understood(ports: LexPorts, text: str, preview: Turn) -> bool:
    """Whether the text was about access at all: it named something, or used words of the catalog or of asking."""
    outcome = preview.outcome
    if outcome.decision is not Decision.NEEDS_CLARIFICATION or outcome.app_id or outcome.role_id:
        return True
    if preview.state is not None and preview.state.target_explicit:
        return True
    catalog_words = ports.service.vocabulary().words - FILLER_WORDS
    return any(word in catalog_words or word in _ACCESS_WORDS for word in request_words(text))


def _status(ports: LexPorts, event: LexEvent, requester: str, session: LexSession) -> LexResponse:
    slot_value = event.intent.slot_text(REQUEST_ID_SLOT) if event.intent else ""
    request_id = _request_id(slot_value, _REQUEST_ID_SLOT_VALUE) or _request_id(event.input_transcript,
                                                                                _REQUEST_ID_IN_TEXT)
    request_id = request_id or session.last_request_id
    done = session.finished()
    if request_id is None:
        # "What happened to my last request?" in a new session: the person's latest requests, as the core lists
        # them (each with its id to ask about), never a question for an id they may not have at hand.
        return _decide(ports, event, requester, MY_REQUESTS_QUESTION, None, done, answering=STATUS_INTENT)
    ports.service.requester(requester, CHANNEL, f"(status of {request_id})")
    outcome = ports.requests.get(request_id)
    slots: Slots = {REQUEST_ID_SLOT: OutSlot.of(request_id)}
    if outcome is None or requester not in {outcome.requester_id, outcome.user_id}:
        # Not told apart from a request that does not exist: ids are not a way to learn about others' requests.
        return close(STATUS_INTENT, "Failed", [f"I could not find request {request_id} among your requests."],
                     done, slots)
    what = _describe(ports, requester, outcome.user_id, outcome.app_id, outcome.role_id)
    headline = f"Request {request_id} is {status_text(outcome.decision, outcome.reason)}{f': {what}' if what else ''}."
    since = since_filed(outcome, decider_name(outcome, requester, ports.directory))
    return close(STATUS_INTENT, "Fulfilled", [headline, since + outcome.message], done.finished(request_id), slots)


# How a status question without an id is put to the core.
MY_REQUESTS_QUESTION = "what is the status of my requests?"


def _request_id(text: str, pattern: re.Pattern[str]) -> str | None:
    match = pattern.search(text or "")
    return f"R-{int(match.group(1))}" if match else None


def _turn_text(event: LexEvent, state: ConversationState | None) -> str:
    """What the person said this turn; on a first turn, slot values the words do not contain are added."""
    transcript = " ".join(event.input_transcript.split())
    intent = event.intent
    if intent is None:
        return transcript
    if state is not None and state.waiting:
        return transcript or next((intent.slot_text(name) for name, _ in _SLOT_PHRASES if intent.slot_text(name)),
                                  "")
    folded = fold(transcript)
    extras = [phrase.format(value) for name, phrase in _SLOT_PHRASES
              if (value := " ".join(intent.slot_text(name).split())) and fold(value) not in folded]
    return " ".join([transcript, *extras]).strip()


def _slots(ports: LexPorts, requester: str, user_id: str | None, app_id: str | None, role_id: str | None) -> Slots:
    """The AccessRequest slots for what the core resolved; the requester is 'me'."""
    catalog = ports.service.vocabulary().catalog
    slots: Slots = {USER_SLOT: None, APPLICATION_SLOT: None, ROLE_SLOT: None}
    if user_id:
        person = ports.directory.get_person(user_id) if user_id != requester else None
        slots[USER_SLOT] = OutSlot.of(user_id, "me" if user_id == requester else
                                      (person.display_name if person else user_id))
    app = catalog.applications.get(app_id or "")
    if app is not None:
        slots[APPLICATION_SLOT] = OutSlot.of(app.name)
    role = catalog.roles.get(role_id or "")
    if role is not None:
        slots[ROLE_SLOT] = OutSlot.of(role.name)
    return slots


def _describe(ports: LexPorts, requester: str, user_id: str | None, app_id: str | None,
              role_id: str | None) -> str:
    """'Viewer in Ledgerly for Ana Ferreira (ana@corp.test)'; "" unless the catalog still has the role and
    application (the person is looked up only then)."""
    catalog = ports.service.vocabulary().catalog
    for_you = described_access(catalog, app_id, role_id, "you")
    if not for_you or not user_id or user_id == requester:
        return for_you
    person = ports.directory.get_person(user_id)
    return described_access(catalog, app_id, role_id, f"{person.display_name} ({person.email})" if person else user_id)


def _confirmation_question(ports: LexPorts, requester: str, pending: PendingConfirmation) -> str:
    asker = ports.directory.get_person(requester) if pending.access_until else None
    until = f" until {shown_end(pending.access_until, asker.time_zone if asker else '')}" \
        if pending.access_until else ""
    return f"Request {_describe(ports, requester, pending.target_id, pending.app_id, pending.role_id)}{until}?"
