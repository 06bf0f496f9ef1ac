"""Calling off one's own request while it waits for approval: "cancel R-1482", "please withdraw request #1482",
"cancel that" (right after a request was sent for approval); and "withdraw my request", which is answered with the
person's pending requests to choose from.

A withdrawal cannot be undone, so only an order names one: the verb opens a clause ("please cancel ...", "can you
withdraw ...", "I want to cancel ...") and its object is the request. Questions ("Can I cancel my request?", "Why
did you cancel it?"), purposes ("... so I can cancel the change request") and a message that also asks for access
are not withdrawals. Only a request is withdrawn here, never access already held ("revoke my Reader role" asks for
a removal, which the rest of the understanding answers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.understanding.questions import folded_text, request_ids_in

_VERBS = r"cancel|withdraw|retract|rescind|revoke|call\s+off|take\s+back|delete|scrap|abandon"
# Words that may open the clause before the verb: "please", "no,", "actually", "can you", "I want to".
_LEAD = r"(?:(?:please|pls|kindly|ok(?:ay)?|actually|oh|hmm|wait|sorry|no|so|and|also|then|hi|hello|hey)[\s,.!]+)*"
_POLITE = (r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|i\s+(?:want|would\s+like|'d\s+like|wish|need)\s+to\s+"
           r"|i'?m\s+(?:going|looking)\s+to\s+|let'?s\s+|please\s+)?")
_ORDER = re.compile(rf"(?:^|[.;!?,]\s*)\s*{_LEAD}{_POLITE}(?P<verb>{_VERBS})\s+(?P<object>[^.;!?]*)")
# What the order acts on: a request named by id, "my request", "the Okta request", "it" / "that".
_REQUEST_OBJECT = re.compile(r"^(?:(?:my|the|this|that|our)\s+(?:[\w-]+\s+){0,3}?(?:access\s+)?(?:request|ticket)s?"
                             r"|(?:request\s+)?(?:#\s*)?r\s*-?\s*\d|request\s+(?:id\s+)?#?\s*\d)")
_THAT_ONE = re.compile(r"^(?:it|that|this)(?:\s+(?:one|request))?(?:\s+(?:please|pls|now|thanks?|thank\s+you))*\s*$")
# "Can I cancel my request?", "Why did you cancel it?", "What happens if I withdraw ...": asked, not ordered.
_QUESTION = re.compile(r"^(?:(?:hi|hello|hey|so|ok(?:ay)?)[\s,.!]+)*(?:why|what|how|when|where|who|should|shall|"
                       r"can\s+i|could\s+i|may\s+i|do\s+i|is\s+it|is\s+there|will|would\s+it|am\s+i)\b")
# The same message asking for access too: never guessed which of the two was meant.
_ASKING_ACCESS = re.compile(r"\b(?:i\s+(?:also\s+)?(?:need|want|require)|give\s+me|grant\s+me|i'?d\s+like|"
                            r"i\s+would\s+like|can\s+i\s+(?:get|have))\b(?!\s+to\s+(?:" + _VERBS + r"))")
_NOT = re.compile(rf"\b(?:don'?t|do\s+not|not|never|no\s+need\s+to|without)\s+(?:\w+\s+)?(?:{_VERBS})\b")


@dataclass(frozen=True)
class WithdrawalAsked:
    """What a message about withdrawing asks: withdraw the request named (`request_id`) or the one just made
    (`that_one`); or, with neither, which of the person's pending requests there are to withdraw. `question`: it
    asks how, rather than orders it; `mixed`: it asks for access too; `several`: it names more than one request."""

    request_id: str | None = None
    that_one: bool = False
    question: bool = False
    mixed: bool = False
    several: bool = False


def withdrawal_in(text: str) -> WithdrawalAsked | None:
    """The withdrawal the message asks about, if it asks about one."""
    folded = folded_text(text)
    if _NOT.search(folded):
        return None
    order = next((found for found in _ORDER.finditer(folded) if _is_about_a_request(found.group("object"))), None)
    if order is None:
        return None
    ids = request_ids_in(text)
    if (_QUESTION.match(folded) or folded.rstrip().endswith("?")) and not _POLITE_ORDER.match(folded):
        return WithdrawalAsked(question=True)
    if _ASKING_ACCESS.search(folded):
        return WithdrawalAsked(mixed=True)
    if len(ids) > 1:
        return WithdrawalAsked(several=True)
    if ids:
        return WithdrawalAsked(request_id=ids[0])
    return WithdrawalAsked(that_one=bool(_THAT_ONE.match(order.group("object"))))


def _is_about_a_request(what: str) -> bool:
    return bool(_REQUEST_OBJECT.match(what) or _THAT_ONE.match(what))


# "Can you cancel R-1482?": an order, politely asked.
_POLITE_ORDER = re.compile(r"^(?:(?:please|pls|hi|hello|hey)[\s,.!]+)*(?:can|could|would|will)\s+you\b")
