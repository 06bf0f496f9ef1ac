"""Messages that only make sense right after a decision: asking why ("why?", "why was it denied?") and changing
one thing of the request just decided ("same for Daniel", "actually make that Reader", "what about Jira?").

Only the shape of the whole message counts here; what it names is read by the rest of the understanding.
"""

from __future__ import annotations

import re

from bot.understanding.text import fold

NOTHING_TO_EXPLAIN = ("I have no decision in this conversation to explain. Each answer gives its reasons; to ask "
                      "about an earlier request, give its id (for example \"status of R-1234\").")
_WHY = re.compile(
    r"^(?:(?:but|and|so|ok(?:ay)?|hmm+|huh|oh|really|wait|sorry)[\s,.!?]*)*"
    r"(?:why(?: not)?(?: (?:is|was|has|did|does) (?:it|that|this|my request|the request|he|she|they)"
    r"(?: been)?(?: (?:denied|rejected|refused|declined|pending|sent (?:for|to) (?:approval|an approver)|"
    r"not approved|approved|not granted))?)?|how come|what(?:'s| is| was) the reason|for what reason|"
    r"what does (?:that|this|it) mean|explain(?: (?:that|this|it|why))?(?: please)?|reason|reasons)"
    r"[\s,.!?]*(?:please)?[\s,.!?]*$")
# Said right after a decision, these change one part of it and keep the rest.
_CONTINUES_AT_START = re.compile(
    r"^(?:(?:ok(?:ay)?|and|but|oh|hmm+|sorry|great|thanks?|thank you|perfect|cool|also|now)[\s,.!]+)*"
    r"(?:same(?: thing| again| access| role| one| request)?(?: please)?(?:\s|[,.!?]|$)|"
    r"(?:and|also|plus)\b|(?:what|how) about\b|actually\b|instead\b|for\b|to\b|"
    r"(?:no[\s,.!]+)?(?:it'?s|it is|this is|that'?s|that is|i meant?|i mean) (?:for|to)\b|"
    r"(?:make|change|switch) (?:that|it|this)(?: one)?(?: to| into)?\b|rather\b|"
    r"(?:the )?(?:same|identical) (?:for|to)\b|do the same\b|likewise\b)")
_CONTINUES_AT_END = re.compile(r"(?:\b(?:too|as well|also|instead|likewise)|\bthe same(?: please)?)[\s,.!?]*$")


def _folded(text: str) -> str:
    return re.sub(r"\s+", " ", fold(text).replace("\u2019", "'")).strip()


def asks_why(text: str) -> bool:
    """Whether the whole message asks for the reasons of what was just answered ("why?", "why was it denied?")."""
    return bool(_WHY.match(_folded(text)))


def continues(text: str) -> bool:
    """Whether the message changes one part of the request just decided and keeps the rest ("same for Daniel",
    "actually make that Reader", "what about Jira?", "Daniel too")."""
    folded = _folded(text)
    return bool(_CONTINUES_AT_START.match(folded) or _CONTINUES_AT_END.search(folded))
