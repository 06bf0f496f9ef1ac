"""The approver's side of the Lex channel: DecideRequest and ListPendingApprovals.

The approver is the signed-in requester of the session (lex/identity.py), never a name in the text. Nothing is
decided before the approver's yes (ConfirmIntent); the decision itself is `SqlApprovals.decide`, which checks
again under the request's lock that the request is pending and that this person may decide it. A denial given
without a reason is asked for one first (the Comment slot), once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.domain import Decision
from bot.understanding.text import clean
from bot.understanding.time_limits import shown_end
from lex.bot_definition import (
    COMMENT_SLOT,
    DECIDE_INTENT,
    DECISION_SLOT,
    LIST_APPROVALS_INTENT,
    REQUEST_ID_SLOT,
)
from lex.events import LexEvent
from lex.responses import (
    MAX_BUTTON_CHARS,
    MAX_BUTTONS,
    Button,
    ImageResponseCard,
    LexResponse,
    Message,
    OutSlot,
    Slots,
    clip,
    close,
    confirm_intent,
    delegate,
    elicit_slot,
    plain,
)
from lex.session import LexSession

if TYPE_CHECKING:
    from datetime import datetime

    from lex.dialog import LexPorts
    from validators.approvals import PendingItem, ReviewError, ReviewResult

log = logging.getLogger(__name__)

CHANNEL = "lex"
MAX_LISTED = 5
MAX_COMMENT_CHARS = 500

# "R-123", "r 123", "R123", "#123", "123": the number is the id.
_ID_VALUE = re.compile(r"^\s*(?:r(?:equest)?\s*-?\s*)?#?\s*(\d{1,12})\s*$", re.IGNORECASE)
_ID_IN_TEXT = re.compile(r"(?:\b(?:r\s*-?\s*|request\s+(?:id\s+)?#?\s*)|#)(\d{1,12})\b", re.IGNORECASE)
_APPROVE_WORDS = frozenset({"approve", "approved", "accept", "accepted", "grant", "granted", "yes", "ok", "okay"})
_DENY_WORDS = frozenset({"deny", "denied", "reject", "rejected", "decline", "declined", "no", "refuse"})
# Free text that is an approver's decision: a decision verb next to a request id, in either order.
_DECIDE_TEXT = re.compile(r"^\s*(?:please\s+)?(approve|accept|grant|deny|reject|decline)\s+(?:request\s+)?"
                          r"(?:r\s*-?\s*|#)?(\d{1,12})\b", re.IGNORECASE)
_COMMENT_IN_TEXT = re.compile(r"\b(?:because|since|reason\s*:?|comment\s*:?)\s+(.+)$", re.IGNORECASE)
# Or set off after the id: "deny R-12, they left the team", "deny R-12 - wrong role".
_COMMENT_AFTER_ID = re.compile(r"^\s*[,;:\u2013\u2014-]+\s*(.+)$")
_COURTESY = re.compile(r"^(?:\W*(?:please|pls|thanks?|thank you|ok|okay)\W*)*$", re.IGNORECASE)
# A reply to "why deny?" that gives no reason ("skip", "no", "none", "n/a", "no comment, thanks").
_NO_COMMENT = re.compile(r"^\W*(?:skip(?: it)?|no|none|nope|nah|nothing|n/?a|-+|no (?:comment|reason)s?|"
                         r"nothing to add)(?:\W+(?:thanks?|thank you|please))*\W*$", re.IGNORECASE)
# The Comment slot's value once the approver said they give none: read back as none, so it is asked only once.
NO_COMMENT = "none"
_LIST_TEXT = re.compile(r"\b(?:waiting for me|my approvals|pending approvals|(?:need|needs|for me) to approve|"
                        r"waiting for my (?:approval|decision))\b", re.IGNORECASE)


class Approvals(Protocol):
    """What the channel uses of `validators.approvals.SqlApprovals`."""

    def pending_for(self, approver_id: str) -> list[PendingItem]: ...

    def decide(self, request_id: str, approver_id: str, approve: bool, comment: str,
               channel: str) -> ReviewResult: ...

    def expire(self, now: datetime | None = None) -> list[str]: ...

    def refusal(self, request_id: str, person_id: str) -> ReviewError | None: ...


# --- parsing -------------------------------------------------------------------------------------------------------


def parse_request_id(value: str | None) -> str | None:
    """A slot value ('R-123', 'r 123', 'R123', '123') as the canonical id 'R-123', or None."""
    match = _ID_VALUE.match(value or "")
    return f"R-{int(match.group(1))}" if match else None


def request_id_in_text(text: str | None) -> str | None:
    """The request id of a decision sentence ('deny 42 because ...'), else the first written as one ('R-123')."""
    match = _DECIDE_TEXT.match(text or "") or _ID_IN_TEXT.search(text or "")
    return f"R-{int(match.group(match.lastindex or 1))}" if match else None


def parse_decision(value: str | None) -> bool | None:
    """True for approve (and its synonyms), False for deny (and its synonyms), None for anything else."""
    words = re.findall(r"[a-z]+", (value or "").casefold())
    if len(words) != 1:
        return None
    if words[0] in _APPROVE_WORDS:
        return True
    if words[0] in _DENY_WORDS:
        return False
    return None


def decision_in_text(text: str | None) -> bool | None:
    """The decision a sentence leads with ('approve R-1', 'please deny R-2 because ...'), or None."""
    match = _DECIDE_TEXT.match(text or "")
    return parse_decision(match.group(1)) if match else None


def comment_in_text(text: str | None) -> str:
    """What follows 'because' (or 'reason:', 'comment:') in a sentence that carries a decision, else what is set off
    after its request id by a comma or a dash (a mere 'please' is no comment)."""
    decision = _DECIDE_TEXT.match(text or "")
    if decision is None or parse_decision(decision.group(1)) is None:
        return ""
    match = _COMMENT_IN_TEXT.search(text or "") or _COMMENT_AFTER_ID.match((text or "")[decision.end():])
    comment = clean(match.group(1))[:MAX_COMMENT_CHARS] if match else ""
    return "" if _COURTESY.match(comment) else comment


def looks_like_a_decision(text: str | None) -> bool:
    """Free text such as 'approve R-123' or 'deny r 1042 because not needed'."""
    return decision_in_text(text) is not None


def looks_like_a_queue_question(text: str | None) -> bool:
    """Free text such as 'what is waiting for me' or 'my approvals'."""
    return bool(_LIST_TEXT.search(text or ""))


# --- the intents ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    """What this turn knows of the decision: from the slots first, the words of the turn second.

    `no_comment`: the approver was asked why and chose to give no reason ("skip").
    """

    request_id: str | None
    approve: bool | None
    comment: str
    no_comment: bool = False

    @classmethod
    def read(cls, event: LexEvent) -> Asked:
        intent = event.intent
        text = event.input_transcript

        def slot(name: str) -> str:
            return intent.slot_text(name) if intent is not None and intent.name == DECIDE_INTENT else ""

        request_id = (parse_request_id(slot(REQUEST_ID_SLOT)) or parse_request_id(text)
                      or request_id_in_text(text))
        approve = parse_decision(slot(DECISION_SLOT))
        if approve is None:
            approve = decision_in_text(text)
        comment = clean(slot(COMMENT_SLOT))[:MAX_COMMENT_CHARS]
        if _NO_COMMENT.match(comment):
            return cls(request_id, approve, "", no_comment=True)
        return cls(request_id, approve, comment or comment_in_text(text))

    @property
    def needs_a_reason(self) -> bool:
        """A denial is asked for its reason once (the requester is shown it); an approval needs none."""
        return self.approve is False and not self.comment and not self.no_comment

    def slots(self) -> Slots:
        comment = self.comment or (NO_COMMENT if self.no_comment else "")
        return {
            REQUEST_ID_SLOT: OutSlot.of(self.request_id) if self.request_id else None,
            DECISION_SLOT: None if self.approve is None else OutSlot.of("approve" if self.approve else "deny"),
            COMMENT_SLOT: OutSlot.of(comment) if comment else None,
        }


def decide_request(ports: LexPorts, event: LexEvent, approver: str, session: LexSession) -> LexResponse:
    """One turn of DecideRequest (also reached from FallbackIntent text such as 'approve R-123')."""
    approvals = _approvals(ports)
    asked = Asked.read(event)
    done = session.finished()
    intent = event.intent
    confirmation = intent.confirmation_state if intent is not None and intent.name == DECIDE_INTENT else "None"
    if confirmation == "Denied":
        what = f" on {asked.request_id}" if asked.request_id else ""
        return close(DECIDE_INTENT, "Failed", [f"All right, I have not recorded a decision{what}."], done,
                     asked.slots())
    ports.service.requester(approver, CHANNEL, f"(decide {asked.request_id or '?'})")
    if confirmation == "Confirmed" and asked.request_id and asked.approve is not None:
        if event.invocation_source == "DialogCodeHook":
            return delegate(DECIDE_INTENT, asked.slots(), done)
        return _decide(ports, approvals, approver, asked, done)
    approvals.expire()
    queue = approvals.pending_for(approver)
    if asked.request_id is None:
        if not queue:
            return close(DECIDE_INTENT, "Fulfilled", ["Nothing is waiting for your decision."], done, asked.slots())
        if len(queue) > 1:
            return _elicit_request_id(queue, asked, done)
        asked = Asked(queue[0].request_id, asked.approve, asked.comment)
    item = next((item for item in queue if item.request_id == asked.request_id), None)
    if item is None:
        refused = approvals.refusal(asked.request_id or "", approver)  # read without deciding (no yes was given)
        # None: it joined the queue after it was read.
        return _refused(refused.code if refused else "NOT_FOUND", asked.request_id or "", asked, done,
                        str(refused) if refused else "")
    if asked.approve is None:
        question = f"Approve or deny {item.request_id}: {_describe(item)}?"
        buttons = [Button(text="Approve", value="approve"), Button(text="Deny", value="deny")]
        card = Message(content_type="ImageResponseCard",
                       image_response_card=ImageResponseCard(title="Your decision", buttons=buttons))
        return elicit_slot(DECIDE_INTENT, DECISION_SLOT, asked.slots(), [plain(question), card], done)
    if asked.needs_a_reason:
        question = (f"Why deny {item.request_id}: {_describe(item)}? Your reason is recorded with the decision and "
                    "shown to the requester; say 'skip' to give none.")
        return elicit_slot(DECIDE_INTENT, COMMENT_SLOT, asked.slots(), [plain(question)], done)
    verb = "Approve" if asked.approve else "Deny"
    note = f', with the comment "{asked.comment}"' if asked.comment else (", without a comment" if asked.no_comment
                                                                         else "")
    return confirm_intent(DECIDE_INTENT, asked.slots(), f"{verb} {item.request_id}: {_describe(item)}{note}?",
                          done)


def list_pending(ports: LexPorts, approver: str, session: LexSession) -> LexResponse:
    """ListPendingApprovals: the count and up to five of the approver's queue, the first to expire first."""
    approvals = _approvals(ports)
    ports.service.requester(approver, CHANNEL, "(approvals list)")
    approvals.expire()
    queue = approvals.pending_for(approver)
    done = session.finished()
    if not queue:
        return close(LIST_APPROVALS_INTENT, "Fulfilled", ["Nothing is waiting for your decision."], done)
    count = len(queue)
    headline = (f"{count} request{'s are' if count != 1 else ' is'} waiting for your decision"
                + (f"; the {MAX_LISTED} that expire first:" if count > MAX_LISTED else ":"))
    lines = [f"- {item.request_id}: {_describe(item)}, expires {item.expires_at:%Y-%m-%d}"
             for item in queue[:MAX_LISTED]]
    return close(LIST_APPROVALS_INTENT, "Fulfilled",
                 [headline, "\n".join(lines), "Say 'approve R-123' or 'deny R-123 because ...' to decide."], done)


# --- helpers -------------------------------------------------------------------------------------------------------


def _approvals(ports: LexPorts) -> Approvals:
    if ports.approvals is None:
        raise RuntimeError("the Lex channel was built without the approvals store")
    return ports.approvals


def _decide(ports: LexPorts, approvals: Approvals, approver: str, asked: Asked, done: LexSession) -> LexResponse:
    from validators.approvals import ReviewError  # noqa: PLC0415 - the SQL side is loaded only when deciding

    assert asked.request_id is not None and asked.approve is not None
    approvals.expire()
    try:
        result = approvals.decide(asked.request_id, approver, asked.approve, asked.comment, CHANNEL)
    except ReviewError as exc:
        log.info("lex decision on %s refused: %s", asked.request_id, exc.code)
        return _refused(exc.code, asked.request_id, asked, done, str(exc))
    verdict = result.verdict
    if result.granted:
        text = f"{result.request_id} approved; the role was granted."
        return close(DECIDE_INTENT, "Fulfilled", [text], done.finished(result.request_id), asked.slots())
    if not asked.approve:
        return close(DECIDE_INTENT, "Fulfilled", [f"{result.request_id} denied."], done.finished(result.request_id),
                     asked.slots())
    # Approved by the approver, but a hard check failed when it ran again: the request is closed without a grant.
    failed = next((check for check in result.checks if not check.passed), None)
    why = failed.detail if failed is not None and failed.detail else verdict.reason.value
    state = "closed: the access was already there" if verdict.decision is Decision.ALREADY_GRANTED else "denied"
    text = f"{result.request_id} could not be approved: {why}. It is now {state}; nothing was granted."
    return close(DECIDE_INTENT, "Failed", [text], done.finished(result.request_id), asked.slots())


REFUSALS = {
    "NOT_FOUND": "I could not find request {id}. Please check the id; 'what is waiting for me' lists yours.",
    "NOT_AN_APPROVER": "You are not an approver of {id}, so I cannot record a decision on it for you.",
    "ALREADY_DECIDED": "{id} is no longer waiting for a decision (it was decided or expired); nothing was changed.",
}


def _refused(code: str, request_id: str, asked: Asked, done: LexSession, said: str = "") -> LexResponse:
    """The refusal in the channel's words; one already decided says who closed it, when and how (`said`: the
    refusal's own message, which says so to its approvers only)."""
    if code == "ALREADY_DECIDED" and said:
        text = f"{said[:1].upper()}{said[1:]}."
    else:
        text = REFUSALS.get(code, "I could not record a decision on {id}; nothing was changed.").format(id=request_id)
    return close(DECIDE_INTENT, "Failed", [text], done, asked.slots())


def _elicit_request_id(queue: Sequence[PendingItem], asked: Asked, done: LexSession) -> LexResponse:
    shown = queue[:MAX_BUTTONS]
    more = f" (showing the {len(shown)} that expire first)" if len(queue) > len(shown) else ""
    question = f"{len(queue)} requests are waiting for your decision{more}. Which one?"
    buttons = [Button(text=clip(f"{item.request_id}: {_describe(item)}", MAX_BUTTON_CHARS),
                      value=item.request_id) for item in shown]
    card = Message(content_type="ImageResponseCard",
                   image_response_card=ImageResponseCard(title="Waiting for you", buttons=buttons))
    return elicit_slot(DECIDE_INTENT, REQUEST_ID_SLOT, asked.slots(), [plain(question), card], done)


def _describe(item: PendingItem) -> str:
    """'Viewer in Ledgerly for Tess Okoro', with the names the queue's statement read (the ids where the catalog or
    directory no longer has them)."""
    until = f" until {shown_end(item.access_until)}" if item.access_until else ""
    return item.described(ids=False) + until


