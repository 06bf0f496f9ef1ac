"""Questions a person asks about their own access instead of asking for access: "what access do I have?",
"do I have access to Box?", "do I already have Box Reader?", "when does my Box access expire?", "what's the status
of my request?", "show my pending requests", "what is R-1159?".

Only the shape of the message counts here; which application it names is read by the rest of the understanding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.understanding.text import fold


class Asked(StrEnum):
    MY_ACCESS = "my_access"
    MY_REQUESTS = "my_requests"
    ONE_REQUEST = "one_request"
    # "Does Jin Murphy have Dispenser in Pharmacy?": someone else's access, which is not the asker's to learn.
    OTHERS_ACCESS = "others_access"
    # "Who approves Reader in the Ledger?"
    WHO_APPROVES = "who_approves"
    # "Who is my manager?"
    MY_MANAGER = "my_manager"


@dataclass(frozen=True)
class SelfQuestion:
    asked: Asked
    request_id: str | None = None


# "R-1159", "r-1159", "R1159", "request 1159", "request #1159" (not "SAP R3").
_REQUEST_ID = re.compile(r"\b(?:r\s*-\s*|r\s*#\s*|request\s+(?:id\s+)?#?\s*)(\d{1,30})\b|\br\s?(\d{3,30})\b")
# Another id written after one with only its number: "R-1482/1483", "R-1482 & 1483".
_NEXT_ID = re.compile(r"\s*(?:/|&|\+)\s*(?:r\s*-?\s*)?(\d{1,30})\b")
# Words of asking for access: a message with them and a request id is a request that mentions an id.
_ASKING = re.compile(r"\b(?:i need|i want|i'd like|give me|grant me|please add|needs|wants)\b")
_LEAD = r"^(?:(?:hi|hello|hey|please|ok(?:ay)?|so|quick question|and|also)[\s,.!:]+)*"
# The message carries on with a request of its own ("do I have Viewer in Looker? if not, I need it" stays a
# question; "... so I can request Editor" does not make one).
_NOT_ASKING_TO_ACT = r"(?![^.!?]*\b(?:request|apply|ask\s+for|approve)\b)"
_MY_ACCESS = re.compile(
    _LEAD + r"(?:"
    r"(?:what|which)\s+(?:\w+\s+){0,2}(?:access(?:es)?|roles?|permissions?|rights|entitlements?|applications?|apps?)\s+"
    r"(?:do|have|did)\s+i\s+(?:have|got|hold|own)\b"
    r"|(?:what|which)\s+(?:access(?:es)?|roles?|permissions?|rights|entitlements?)\s+"
    r"(?:i\s+have|have\s+i\s+got|are mine)\b"
    r"|(?:can you\s+)?(?:show|list|tell)(?:\s+me)?\s+(?:all\s+)?(?:of\s+)?my\s+(?:current\s+)?(?:access(?:es)?|roles?|"
    r"permissions?|rights|entitlements?)\b"
    r"|my\s+(?:current\s+)?(?:access(?:es)?|roles|permissions|entitlements)\s*\??$"
    r"|what\s+can\s+i\s+access\b"
    r"|(?:do|have)\s+i\s+(?:already\s+)?(?:have|got|hold)\s+(?:any\s+|the\s+|a\s+)?(?:\w+\s+){0,4}?"
    r"(?:access|role|roles|permission|permissions|rights)\b[^.!]*\?\s*$"
    # "do I have GCP prod owner?", "do I already have Looker Viewer", "have I got Editor in WikiWiki?": the question
    # form, with or without its mark, whatever it names (the answer reads the application and role).
    r"|(?:do|have)\s+i\s+(?:(?:already|still|currently|actually|really|even)\s+)*(?:have|got|hold|own)\s+"
    r"(?!to\b|been\b|a\s+question\b|time\b|anyone\b|someone\b|anybody\b|somebody\b|a\s+way\b|any\s+way\b|"
    r"enough\b|what\s+it\s+takes\b|a\s+minute\b)" + _NOT_ASKING_TO_ACT + r"\w"
    # "am I an Editor in WikiWiki?", "am I a GitLab maintainer?"; not "am I allowed to ...", "am I approved?".
    r"|am\s+i\s+(?:(?:already|still|currently)\s+)?(?:an?\s+)?(?!right\b|wrong\b|able\b|allowed\b|supposed\b|"
    r"going\b|meant\b|ok\b|okay\b|correct\b|sure\b|eligible\b|approved\b|denied\b|rejected\b|getting\b|being\b|"
    r"still\b|already\b)\w+(?:\s+(?:in|on)\s+\S|(?:\s+\w+){0,4}\s*\?*\s*$)"
    # "is my Looker access still active?", "are my GitLab roles still valid?"
    r"|(?:is|are)\s+my\s+(?![^.!?]*\brequests?\b)[^.!?]*?\b(?:still\s+)?(?:active|valid|current|live|in\s+place|"
    r"working|expired|expiring)\b"
    # "when does my GitLab Maintainer access expire?", "until when do I have Viewer in Looker?"
    r"|when\s+(?:does|do|will|did)\s+my\s+(?![^.!?]*\brequests?\b)[^.!?]*?\b(?:expire|end|run\s+out|lapse|stop)"
    r"|(?:does|will|did)\s+my\s+(?![^.!?]*\brequests?\b)[^.!?]*?\b(?:expire|end|run\s+out|lapse)\b"
    r"|(?:until|till)\s+when\s+(?:do|can|will)\s+i\s+(?:have|hold|keep|use)\b"
    r"|how\s+long\s+(?:do|will|can)\s+i\s+(?:still\s+)?(?:have|hold|keep)\b"
    r"|how\s+long\s+(?:is|are)\s+my\s+(?![^.!?]*\brequests?\b)"
    r"|what(?:'s|\s+is)\s+the\s+(?:end|expiry|expiration)(?:\s+date)?\s+(?:of|for|on)\s+my\b"
    r")")
_MY_MANAGER = re.compile(
    r"^(?:(?:hi|hello|hey|please|ok(?:ay)?|so)[\s,.!]+)*(?:"
    r"who(?:'s| is)\s+my\s+(?:current\s+|direct\s+|line\s+)?(?:manager|boss|supervisor)\b"
    r"|(?:who|whom)\s+do\s+i\s+report\s+to\b"
    r"|(?:what(?:'s| is)|tell me)\s+(?:the\s+name\s+of\s+)?my\s+(?:manager|boss|supervisor)(?:'s\s+name)?\s*\??$"
    r")")
_MY_REQUESTS = re.compile(
    r"^(?:(?:hi|hello|hey|please|ok(?:ay)?|so)[\s,.!]+)*(?:"
    r"(?:what(?:'s| is)|any|is there (?:an?|any))\s+(?:the\s+)?(?:status|update|news|progress)\s+(?:of|on|for|with)\s+"
    r"(?:my|our)\b"
    r"|(?:can you\s+)?(?:show|list|check)(?:\s+me)?\s+(?:all\s+)?(?:of\s+)?(?:my|our)\s+(?:\w+\s+){0,2}requests?\b"
    r"|(?:what|where)(?:'s| is| are)?\s+(?:happened to\s+|happening with\s+)?(?:my|our)\s+(?:\w+\s+){0,2}requests?\b"
    r"|(?:is|has|was|were|are)\s+(?:my|our)\s+(?:\w+\s+){0,3}(?:request|requests|access)\s+(?:been\s+)?"
    r"(?:approved|granted|done|ready|decided|denied|processed|through)\b"
    r"|(?:my|our)\s+(?:pending|open|recent|last|latest)?\s*requests?\s*\??$"
    r"|status\s*\??$"
    r")")


_OTHERS_ACCESS = re.compile(
    r"^(?:(?:hi|hello|hey|please|ok(?:ay)?|so|quick question)[\s,.!:]+)*(?:"
    r"(?:does|did|is|was|has)\s+(?!it\b|there\b|this\b|that\b|i\b|my\b)(?:\S+\s+){1,4}?"
    r"(?:have|got|hold|own|already have|still have|allowed|permitted|able|entitled|in)\b"
    r"|(?:can you\s+)?(?:check|see|find out|tell me|verify)\s+(?:whether|if)\s+(?!i\b)"
    r"|(?:what|which)\s+(?:access|roles?|permissions?)\s+(?:does|do|has|have)\s+(?!i\b)"
    r")")
_WHO_APPROVES = re.compile(
    r"^(?:(?:hi|hello|hey|please|ok(?:ay)?|so|quick question)[\s,.!:]+)*(?:who|which person|whom)\s+"
    r"(?:approves|can approve|will approve|would approve|decides|owns|is the owner of|signs off|needs to approve|"
    r"has to approve|should approve|do i ask|should i ask)\b")


def request_id_in(text: str) -> str | None:
    """The request id the text names, in its canonical form ("r1159" and "request #1159" are "R-1159")."""
    ids = request_ids_in(text)
    return ids[0] if ids else None


def request_ids_in(text: str) -> list[str]:
    """Every request id the text names, once each, in the order given."""
    return _ids_in(folded_text(text))


def _ids_in(folded: str) -> list[str]:
    found: list[str] = []
    for match in _REQUEST_ID.finditer(folded):
        found.append(f"R-{int(match.group(1) or match.group(2))}")
        end = match.end()
        while (more := _NEXT_ID.match(folded, end)) is not None:
            found.append(f"R-{int(more.group(1))}")
            end = more.end()
    return list(dict.fromkeys(found))


def folded_text(text: str) -> str:
    """The text folded as these patterns read it: case and accents folded, curly apostrophes straight, spaces
    single."""
    return re.sub(r"\s+", " ", fold(text).replace("\u2019", "'")).strip()


def question_in(text: str) -> SelfQuestion | None:
    """The question about the person's own access or requests the message asks, if it asks one."""
    folded = folded_text(text)
    ids = _ids_in(folded)
    if ids and not _ASKING.search(folded):
        return SelfQuestion(Asked.ONE_REQUEST, ids[0])
    if _MY_REQUESTS.search(folded):
        return SelfQuestion(Asked.MY_REQUESTS)
    if _MY_ACCESS.search(folded):
        return SelfQuestion(Asked.MY_ACCESS)
    if _WHO_APPROVES.search(folded):
        return SelfQuestion(Asked.WHO_APPROVES)
    if _MY_MANAGER.search(folded):
        return SelfQuestion(Asked.MY_MANAGER)
    if _OTHERS_ACCESS.search(folded):
        return SelfQuestion(Asked.OTHERS_ACCESS)
    return None
