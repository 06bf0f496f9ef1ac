"""Someone other than the requester as the subject of a request, however they are described.

"The contractor needs ...", "Our CFO needs ...", "Someone on my team wants ...", "Robert (from finance) needs ...":
the verb's third-person form says the access is for someone else, even where no name in the sentence can be read.
Such a request is asked about, never taken as the requester's own.
"""

from __future__ import annotations

import re

from bot.understanding.catalog_matcher import FILLER_WORDS
from bot.understanding.text import fold

# Third-person forms only: "I should get", "we will need" speak of the requester.
_THIRD_PERSON_VERB = re.compile(r"\b(?:needs|wants|requires|is\s+asking\s+for|has\s+to\s+get|is\s+joining|joins|"
                                r"has\s+joined|starts)\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")
# The requester in the subject ("I think she needs", "me and Ana") leaves the subject to the other rules.
_SELF_WORDS = frozenset({"i", "me", "myself", "we", "us", "im", "id", "ive"})
# A sentence that asks something ("who needs ...?", "does it need ...?") has no beneficiary as its subject.
_QUESTION_WORDS = frozenset({"who", "whom", "whoever", "what", "which", "why", "how", "when", "where", "whether",
                             "does", "do", "did", "is", "are", "if"})
# Subjects that are things, not people: "this needs approval", "my request needs ...", "everything needs ...".
# Everyone at once is no one in particular: other rules read "everyone needs X, me too".
_THINGS = frozenset({"everything", "nothing", "something", "anything", "there", "here", "ticket", "change",
                     "work", "one", "everyone", "everybody", "anyone", "anybody", "nobody"})
_GREETING = re.compile(r"^\W*(?:(?:hi|hello|hey|dear|please|pls|ok|okay|so)\b\W*)*", re.IGNORECASE)
_MAX_SUBJECT_WORDS = 8
_MAX_SHOWN = 60


def third_person_subject(text: str, catalog_words: set[str]) -> str | None:
    """The words before the first third-person verb, when they describe a person other than the requester:
    shown as typed without a greeting or punctuation at either end ("the contractor", "Robert (from finance)"), or
    None."""
    verb = _THIRD_PERSON_VERB.search(text)
    if verb is None:
        return None
    subject = _GREETING.sub("", text[: verb.start()])
    words = [fold(word) for word in _WORD.findall(subject)]
    if not words or len(words) > _MAX_SUBJECT_WORDS or words[0] in _QUESTION_WORDS:
        return None
    if any(word in _SELF_WORDS for word in words):
        return None
    if all(word in FILLER_WORDS or word in catalog_words or word in _THINGS for word in words):
        return None
    shown = " ".join(subject.split()).strip(" \"'\u201c\u201d\u2018\u2019.,;:!?-")[:_MAX_SHOWN]
    if words[0] in FILLER_WORDS or words[0] in {"someone", "somebody"}:
        shown = shown[:1].lower() + shown[1:]  # asked back as "Who is the contractor?"
    return shown or None
