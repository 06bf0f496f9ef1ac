"""Calling off one's own request while it waits for approval: "cancel R-1482", "please withdraw my Confluence
request", "cancel that" (right after a request was sent for approval).

Only a request is withdrawn here, never access already held: "remove my Reader role" asks for a removal, which
the rest of the understanding answers. Only the shape of the message counts; which request it means is settled
with the person's own pending requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.understanding.questions import request_id_in
from bot.understanding.text import fold

_VERBS = r"cancel|withdraw|retract|rescind|revoke|call\s+off|take\s+back|delete|scrap|abandon"
_WITHDRAW = re.compile(rf"\b(?:{_VERBS})\b")
# "Don't cancel it", "no need to withdraw": not a withdrawal.
_NOT = re.compile(rf"\b(?:don'?t|do\s+not|not|never|no\s+need\s+to|without)\s+(?:\w+\s+)?(?:{_VERBS})\b")
# "my request", "the Okta request", "that access request" after the verb; not "pull requests".
_REQUEST_WORD = re.compile(r"\b(?:my|the|this|that|our|his|her|their)\s+(?:[\w-]+\s+){0,3}?(?<!pull )(?<!merge )"
                           r"(?:request|requests|ticket)\b")
# "Cancel that", "withdraw it please": the request just made in this conversation, said in a few words.
_THAT_ONE = re.compile(r"^(?:(?:please|pls|ok(?:ay)?|actually|oh|hmm|wait|sorry)[\s,.!]+)*(?:please\s+)?"
                       r"(?:cancel|withdraw|retract|call\s+off|scrap)\s+(?:it|that|this)(?:\s+one)?"
                       r"(?:[\s,.!]+(?:please|pls|thanks?|thank\s+you))*[\s,.!]*$")
_MAX_THAT_ONE_CHARS = 60


@dataclass(frozen=True)
class WithdrawalAsked:
    """A request for a withdrawal: of the request named (`request_id`), of the one just made (`that_one`), or of
    one of the person's pending requests (neither)."""

    request_id: str | None = None
    that_one: bool = False


def withdrawal_in(text: str) -> WithdrawalAsked | None:
    """The withdrawal the message asks for, if it asks for one."""
    folded = re.sub(r"\s+", " ", fold(text).replace("\u2019", "'")).strip()
    verb = _WITHDRAW.search(folded)
    if verb is None or _NOT.search(folded):
        return None
    request_id = request_id_in(text)
    if request_id is not None:
        return WithdrawalAsked(request_id=request_id)
    if _REQUEST_WORD.search(folded, verb.end()):
        return WithdrawalAsked()
    if len(folded) <= _MAX_THAT_ONE_CHARS and _THAT_ONE.match(folded):
        return WithdrawalAsked(that_one=True)
    return None
