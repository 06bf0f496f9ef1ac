"""Calling off one's own request while it waits for approval: "cancel R-1482", "please withdraw request #1482",
"cancel that" (right after a request was sent for approval); and "withdraw my request", which is answered with the
person's pending requests to choose from.

A withdrawal cannot be undone, so only a message that is the order and nothing more withdraws: the verb opens it
("please cancel ...", "can you withdraw ...", "I want to cancel ..."), its object is one request, and what follows
is at most a reason ("I no longer need it") or thanks. Anything else about withdrawing ("Cancel R-1482 next week",
"cancel R-1482. Actually no, keep it", "Can you cancel R-1482 or is it too late?", "Why did you cancel it?")
withdraws nothing and is answered with how to; a message that also asks for access is answered that it asks for
two things. Only a request is withdrawn here, never access already held ("revoke my Reader role" asks for a
removal, which the rest of the understanding answers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.understanding.questions import folded_text, request_ids_in

_VERBS = r"cancel|withdraw|retract|rescind|revoke|call\s+off|take\s+back|delete|scrap|abandon"
# Words that may open the message before the verb: "please", "no,", "actually", "can you", "I want to".
_LEAD = r"(?:(?:please|pls|kindly|ok(?:ay)?|actually|oh|hmm|sorry|no|so|and|also|then|hi|hello|hey)[\s,.!]+)*"
_POLITE = (r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|i\s+(?:want|would\s+like|'d\s+like|wish|need)\s+to\s+"
           r"|i'?m\s+(?:going|looking)\s+to\s+|let'?s\s+|please\s+)?")
_ID = r"(?:request\s+(?:id\s+)?)?(?:#\s*)?r\s*-?\s*\d+|request\s+(?:id\s+)?#?\s*\d+"
# "it", "that": only where nothing follows that would make it something else ("cancel that order in Shopify").
_THAT = (r"(?:it|that|this)(?:\s+(?:one|request))?(?=\s*(?:$|[,.;:!?-]|(?:please|pls|thanks?|thank|thx|now|as|because|"
         r"since|i|we|actually|oh|wait|just)\b))")
_DESCRIBED = r"(?:my|the|this|that|our)\s+(?:[\w-]+\s+){0,3}?(?:access\s+)?(?:request|ticket)s?"
# Asking whether or how to withdraw, rather than ordering it: "Can I cancel my request?", "How do I withdraw R-12?".
_ASKS_HOW = re.compile(rf"^\s*{_LEAD}(?:(?:can|could|may|should)\s+i|how\s+(?:do|can|could|would|should)\s+i|"
                       rf"how\s+to|is\s+it\s+possible\s+to)\s+(?:still\s+)?(?:{_VERBS})\s+"
                       rf"(?:{_ID}|{_THAT}|{_DESCRIBED})\b")
# The whole message as an order: the verb first, then its object, then `rest`.
_ALONE = re.compile(rf"^\s*{_LEAD}{_POLITE}(?:{_VERBS})\s+(?:(?P<id>{_ID})|(?P<that>{_THAT})|{_DESCRIBED})\b"
                    r"(?P<rest>.*)$")
# An order about a request opening a clause of a longer message ("Tomorrow, cancel R-1482"); not a purpose ("... so
# I can cancel the change request"), and not "it" there ("Rui no longer needs Viewer, revoke it" is a removal).
_ORDER = re.compile(rf"(?:^|[.;!?,]\s*)\s*{_LEAD}{_POLITE}(?:{_VERBS})\s+(?:{_ID}|{_DESCRIBED})\b")
_THANKS = r"(?:(?:please|pls|thanks?|thank\s+you|thx|asap|now|right\s+away|today)[\s,.!?]*)*"
# What may follow the order: thanks, and at most a reason for it.
_TRAILER = re.compile(
    rf"^[\s,.;:!?-]*{_THANKS}(?:(?:as|because|since|-)\s+)?(?:"
    r"(?:i|we)\s+(?:no\s+longer|don'?t|do\s+not)\s+need\s+it(?:\s+any\s*more)?"
    # someone else no longer needing it: "hannah doesn't need it anymore", "she no longer needs it"
    r"|(?!(?:if|when|once|unless|until|till|in\s+case|whether|as\s+soon\s+as|after|before)\b)"
    r"(?:he|she|they|[a-z][\w'-]*(?:\s+[a-z][\w'-]*)?)\s+"
    r"(?:no\s+longer\s+needs|doesn'?t\s+need|does\s+not\s+need|won'?t\s+need)\s+it"
    r"(?:\s+any\s*more)?"
    r"|(?:it\s+was\s+|it'?s\s+)?(?:for\s+)?(?:the\s+)?wrong\s+(?:role|person|app(?:lication)?|one)"
    r"|(?:it'?s|it\s+is)\s+(?:no\s+longer\s+needed|not\s+needed(?:\s+any\s*more)?)|not\s+needed(?:\s+any\s*more)?"
    r"|no\s+longer\s+needed|(?:i|we)\s+changed\s+(?:my|our)\s+minds?|(?:it\s+was\s+)?(?:filed|sent|made)\s+by\s+mistake"
    r"|by\s+mistake|(?:it'?s\s+a\s+)?duplicate)?"
    rf"[\s,.!?]*{_THANKS}$")
# The same message asking for access too: never guessed which of the two was meant.
_ASKING_ACCESS = re.compile(r"\b(?:need|want|like|request(?:ing)?|add\s+me|give|grant|switch|instead|require|get\s+me|"
                            r"get\s+\w+\s+(?:in|on|for)\b)")
_NOT = re.compile(rf"\b(?:don'?t|do\s+not|not|never|no\s+need\s+to|without)\s+(?:\w+\s+)?(?:{_VERBS})\b")


@dataclass(frozen=True)
class WithdrawalAsked:
    """What a message about withdrawing asks: withdraw the request named (`request_id`) or the one just made
    (`that_one`); or, with neither, which of the person's pending requests there are to withdraw. `question`: it
    speaks of withdrawing without being the order alone; `mixed`: it asks for access too; `several`: it names more
    than one request; `how`: it asks whether or how to withdraw ("Can I cancel my request?")."""

    request_id: str | None = None
    that_one: bool = False
    question: bool = False
    mixed: bool = False
    several: bool = False
    how: bool = False


def withdrawal_in(text: str) -> WithdrawalAsked | None:
    """The withdrawal the message asks about, if it asks about one."""
    folded = folded_text(text)
    if _NOT.search(folded):
        return None
    if _ASKS_HOW.match(folded):  # "Can I cancel my request?": answered with how, and nothing withdrawn on it
        return WithdrawalAsked(how=True)
    ids = request_ids_in(text)
    alone = _ALONE.match(folded)
    if alone is not None and not (alone.group("id") or alone.group("that")):
        return WithdrawalAsked(mixed=bool(_ASKING_ACCESS.search(alone.group("rest"))))  # "withdraw my request"
    if alone is not None and len(ids) <= 1 and _TRAILER.match(alone.group("rest")):
        return WithdrawalAsked(request_id=ids[0]) if alone.group("id") else WithdrawalAsked(that_one=True)
    if alone is None and _ORDER.search(folded) is None:
        return None
    if len(ids) > 1:
        return WithdrawalAsked(several=True)
    rest = _ORDER.sub(" ", folded)
    return WithdrawalAsked(mixed=True) if _ASKING_ACCESS.search(rest) else WithdrawalAsked(question=True)
