"""What the requester says they already hold, set apart from what they ask for.

"I already have Reader in Confluence, but now I need Editor": the first clause tells what the requester has, the
second what they want. Read as one, the sentence names two roles (or, worse, the one already held). Such a clause
is taken out of the words a role is read from; the application it names stays available for a request that names
none of its own ("... but now I need Editor"). A sentence with nothing asked beside the clause ("I have Reader in
Confluence") is left whole: what it means is for the other rules to say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words that make what follows "and" a clause of its own ("... and Hannah said I should get Editor").
_VERBS = (r"i|we|need|needs|want|wants|wish|said|says|told|asked|request|requesting|requested|require|requires|get|"
          r"gets|am|is|are|was|were|would|should|could|can|will|must|may|might|kindly|also|now|please|thus|hence|"
          r"therefore")
# "I have X", "I already have X", "I've got X", "we currently hold X" up to the end of the clause; not "I have to
# get", "I have been told", "I have a question" (nothing held is named there, so taking it out changes nothing).
_HELD = re.compile(
    r"\b(?:i|we)(?:['\u2019]ve|\s+have)?\s+(?:(?:already|currently|still|now|do|also)\s+)*"
    r"(?:have|hold|own|got)\b(?!\s+(?:to|been|got\s+to)\b)(?P<held>[^.;,!?\n]*?)"
    r"(?=[.;,!?\n]|\s+(?:but|so|now|however|yet|though|although|while|whereas|thus|hence|therefore)\b"
    # "and" ends the clause, unless what follows it is more of what is held, "<role> in <application>" with no
    # verb ("I have Reader in Confluence and Viewer in Looker, ...").
    rf"|\s+(?:and|plus)\s+(?!(?:(?!\b(?:{_VERBS})\b)[^,.;!?\n])*?\s(?:in|on)\s)|$)",
    re.IGNORECASE)
# "Can I have ...", "Do I have ...": a request or a question, not a statement of what is held.
_ASKED_FORM = re.compile(r"\b(?:can|could|may|might|shall|should|will|would|do|does|did|let)\s*$", re.IGNORECASE)
# What shows that the sentence also asks for something.
_ASKING = re.compile(
    r"\b(?:need|needs|want|wants|request|requesting|like|get|give|grant|add|upgrade|upgraded|switch|switched|"
    r"change|changed|move|moved|require|apply|instead|also\s+need|please)\b", re.IGNORECASE)


@dataclass(frozen=True)
class HeldSplit:
    """The message with what is already held taken out (`asked`), and the clauses taken out (`held`)."""

    asked: str
    held: tuple[str, ...]


def split_held(text: str) -> HeldSplit | None:
    """The clauses in which the requester says what they already hold, apart from the rest; None when there are
    none, or when nothing outside them asks for anything."""
    found = [match for match in _HELD.finditer(text)
             if match.group("held").strip() and not _ASKED_FORM.search(text[: match.start()])]
    if not found:
        return None
    asked = text
    for match in reversed(found):
        asked = asked[: match.start()] + " , " + asked[match.end():]
    if not _ASKING.search(asked):
        return None
    return HeldSplit(asked=asked, held=tuple(match.group("held") for match in found))
