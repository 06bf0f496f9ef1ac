"""Questions a person asks instead of asking for access: about their own access ("what access do I have?", "do I
have access to Box?", "when does my Box access expire?"), their requests ("what's the status of my request?", "show
my pending requests", "what is R-1159?", "was I approved?", "why was I denied?"), the catalog ("what roles does Box
have?", "what does the Reader role give me?"), and the approvers' and auditors' work, which is done elsewhere
("show my approval queue", "how many requests were auto-approved this week?").

Only the shape of the message counts here; which application it names is read by the rest of the understanding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.understanding.after_decision import asks_why
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
    # "Was I approved?": the latest request made by or for the person.
    LATEST_REQUEST = "latest_request"
    # "Why was I denied?": the reasons of the latest denied request.
    WHY_DENIED = "why_denied"
    # "What roles does Looker have?", "what can I request in GitLab?": an application's roles.
    APP_ROLES = "app_roles"
    # "What does the PII Reader role give me?": what a role is for.
    ROLE_INFO = "role_info"
    # "Show my approval queue", "approve R-1482": an approver's work, done in the approvals list or the console.
    APPROVAL_QUEUE = "approval_queue"
    # "How many requests were auto-approved this week?": figures over everyone's requests, for the audit report.
    AUDIT_FIGURES = "audit_figures"
    # "Who are my reports?"
    MY_REPORTS = "my_reports"
    # "Don't give me Viewer in Looker", "I never asked for Editor", "Hannah should not get Admin": access named in
    # order not to be given, which must never be read as a request for it.
    DECLINED = "declined"


@dataclass(frozen=True)
class SelfQuestion:
    asked: Asked
    request_id: str | None = None
    # "What roles does <subject> have?": an application's roles, or someone else's access when it names no
    # application; which it is depends on the catalog.
    subject: str | None = None


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
    r"|(?:the\s+)?(?:status|progress)\s+(?:of|on|for)\s+(?:my|our)\s+(?:\w+\s+){0,2}requests?\b"
    r"|(?:is|are)\s+my\s+(?:\w+\s+){0,3}requests?\s+still\s+(?:pending|open|active|waiting)\b"
    r")")
# "was I approved?", "have I been approved for Viewer in Looker?", "did my request go through?"
_LATEST_REQUEST = re.compile(
    _LEAD + r"(?:"
    r"(?:was|were|have|has|am|did)\s+i\s+(?:(?:been|get|got|already|finally)\s+)*"
    r"(?:approved|denied|rejected|refused|declined|granted|accepted)\b"
    r"|did\s+my\s+(?:\w+\s+){0,3}request\s+(?:get\s+|go\s+)?(?:approved|denied|rejected|through|accepted)\b"
    r"|(?:has|have)\s+my\s+(?:\w+\s+){0,3}requests?\s+(?:gone|been|got)\s+through\b"
    r"|did\s+i\s+get\s+(?:the\s+|my\s+)?(?:access|role|approval)\b"
    r")")
# "why was I denied?", "why did my request get denied", "why was my Looker request rejected?"
_WHY_DENIED = re.compile(
    _LEAD + r"(?:why\s+(?:was|were|did|have|has|is|am)\s+|how\s+come\s+(?:(?:was|were|did|have|has|is|am)\s+)?)"
    r"(?:i|my\s+(?:\w+\s+){0,4}?requests?(?:\s+for\s+[^.!?]*?)?)\s+(?:(?:was|were|been|get|got|being)\s+)?"
    r"(?:denied|rejected|refused|declined|turned\s+down|not\s+approved)\b")
# An approver's queue, or deciding in the chat: "show me my approval queue", "what requests are waiting for my
# approval?", "anything for me to approve?", "approve R-1482".
_APPROVAL_QUEUE = re.compile(
    _LEAD + r"(?:"
    r"(?:can you\s+)?(?:show|list|open|check|see|view)(?:\s+me)?\s+(?:my\s+|the\s+)?(?:approval|approvals|approver)"
    r"(?:\s+(?:queue|list|inbox|requests|tasks))?\b"
    r"|(?:what|which|any|how\s+many)\s+(?:\w+\s+){0,2}?requests?\s+(?:are\s+|is\s+|do\s+i\s+have\s+)?"
    r"(?:waiting|pending|awaiting|open)\s+(?:for\s+)?(?:my|me\s+to)\s+(?:approv|decid|review|sign)"
    r"|(?:my\s+)?(?:approval|approvals|approver)\s+(?:queue|list|inbox)\s*\??$"
    r"|(?:my\s+)?(?:pending|open)\s+approvals\s*\??$"
    r"|(?:(?:do\s+i\s+have|is\s+there|are\s+there)\s+)?(?:anything|any\w*|something)\s+(?:\w+\s+)?"
    r"(?:to|for\s+me\s+to|waiting\s+for\s+me\s+to)\s+(?:approve|decide|review)"
    r"|what\s+(?:do|should|can)\s+i\s+(?:need\s+to\s+)?(?:approve|decide|review)\b"
    r"|(?:approve|deny|reject|decline)\s+(?:request\s+)?(?:#?r\s*-?\s*\d+|it|this|that|the request|all)\b"
    r")")
# Figures over everyone's requests: "how many requests were auto-approved this week?", "what is the denial rate?"
_AUDIT_FIGURES = re.compile(
    _LEAD + r"(?:"
    r"how\s+many\s+(?:\w+\s+){0,3}?(?:requests?|decisions?|approvals?|denials?|grants?)\b(?![^.!?]*\b(?:i|my|me)\b)"
    r"|what(?:'s|\s+is|\s+was)\s+the\s+(?:auto-?approval|approval|denial)\s+rate\b"
    r"|(?:show|give|get)\s+(?:me\s+)?(?:the\s+)?(?:audit|decision)\s+(?:report|log|stats|statistics|numbers|figures)\b"
    r"|(?:audit|decision)\s+(?:report|stats|statistics)\s*\??$"
    r")")
# An application's roles: "which roles are there in Looker?", "what can I request in GitLab?", "list Looker roles".
_ROLE_NOUNS = r"(?:roles?|access(?:es)?|permissions?|options|access\s+levels|entitlements?)"
_APP_ROLES = re.compile(
    _LEAD + r"(?:"
    r"(?:what|which)\s+" + _ROLE_NOUNS + r"\s+(?:are\s+there|exist|are\s+available|is\s+available|are\s+offered|"
    r"(?:can|could|may)\s+(?:i|one|someone|we)\s+(?:request|ask\s+for|get|have|choose|apply\s+for)|"
    r"do\s+you\s+have|are\s+(?:in|on|of))\b"
    r"|what\s+(?:can|could|may)\s+(?:i|one|we)\s+(?:request|ask\s+for|get|apply\s+for)\s+(?:in|on|for|from)\s+\S"
    r"|what(?:'s|\s+is|\s+are)\s+(?:available|there|on\s+offer)\s+(?:in|on|for)\s+\S"
    r"|(?:can\s+you\s+)?(?:list|show)(?:\s+me)?\s+(?:all\s+)?(?:of\s+)?(?:the\s+)?(?:available\s+)?"
    r"(?:roles?|access\s+levels)\s+(?:in|on|of|for)\s+\S"
    r"|(?:can\s+you\s+)?(?:list|show)(?:\s+me)?\s+(?:all\s+)?(?:the\s+)?(?:\w+\s+){1,3}roles(?:\s+please)?\s*\??$"
    r"|what\s+are\s+(?:the\s+|all\s+the\s+)?(?:available\s+)?(?:roles?|options)\s+(?:in|on|of|for)\s+\S"
    r"|what\s+are\s+(?:the\s+|all\s+the\s+)?(?:\w+\s+){1,3}roles(?:\s+please)?\s*\??$"
    r"|(?:what|which)\s+roles\s+(?:in|on|of|for)\s+\S"
    r")")
# "What roles does Looker have?", "does Looker have a Viewer role?": the subject is an application or a person,
# which only the catalog can tell.
_ROLES_OF_SUBJECT = re.compile(
    _LEAD + r"(?:(?:what|which)\s+(?:roles?|permissions?|access\s+levels)\s+(?:does|do)\s+"
    r"(?P<subject>(?:\S+\s+){0,3}?\S+)\s+(?:have|offer|provide|support|come\s+with|include)"
    r"|(?:does|do)\s+(?P<owner>(?:\S+\s+){0,3}?\S+)\s+(?:have|offer)\s+(?:a|an|the|any)\s+[^.!?]*?\broles?)"
    r"\s*\??\s*$")
# What a role is for: "what does the PII Reader role give me?", "what is the Maintainer role in GitLab?"; not
# "what does that mean?" (a question about the answer just given).
_ROLE_INFO = re.compile(
    _LEAD + r"(?:"
    r"what\s+(?:does|do|will|would|can)\s+(?!(?:that|this|it|they|he|she)\b)(?:the\s+|a\s+|an\s+)?\S[^.!?]*?\s+"
    r"(?:give|gives|let|lets|allow|allows|grant|grants|do|include|includes|cover|covers|provide|provides|entail|"
    r"unlock|mean)\b"
    r"|what(?:'s|\s+is)\s+(?:the\s+|a\s+|an\s+)?(?!(?:that|this|it)\b)\S[^.!?]*?\s+role\b"
    r"|(?:tell\s+me\s+(?:more\s+)?about|describe|explain)\s+(?:the\s+|a\s+)?\S[^.!?]*?\s+role\b"
    r"|(?:tell\s+me\s+(?:more\s+)?about|what\s+is\s+the\s+sla\s+for)\s+(?!my\b|your\b|it\b|that\b|this\b)\S"
    r"|what\s+(?:can|could)\s+i\s+do\s+with\s+\S"
    # "how do I get Requester in ServiceNow?", "do I need Requisitioner in Coupa to raise a PO?": how, not a request
    r"|where\s+(?:do|can|should|would)\s+(?:i|we|one)\s+(?:request|ask\s+for|apply\s+for|get)\b"
    r"|can\s+(?:i|we)\s+(?:request|ask\s+for)\s+[^.!?]*\bfor\s+(?:someone|somebody|others?|other\s+people)\b"
    r"|how\s+(?:do|can|could|would|should|does|may)\s+(?:i|we|one|someone|somebody|a\s+person)\s+(?:get|obtain|"
    r"request|apply\s+for|ask\s+for|be\s+given|be\s+granted|qualify\s+for)\b"
    r"|do\s+(?:i|we)\s+(?:really\s+|actually\s+|even\s+)?need\s+(?!to\b|it\b|access\s+to\s+\w+\s+(?:for|to)\b)"
    r"[^.!?]+\b(?:to|for)\s+\w+[^.!?]*\?\s*$"
    r")")


_OTHERS_ACCESS = re.compile(
    r"^(?:(?:hi|hello|hey|please|ok(?:ay)?|so|quick question)[\s,.!:]+)*(?:"
    r"(?:does|did|is|was|has)\s+(?!it\b|there\b|this\b|that\b|i\b|my\b)(?:\S+\s+){1,4}?"
    r"(?:have|got|hold|own|already have|still have|allowed|permitted|able|entitled|in)\b"
    r"|(?:can you\s+)?(?:check|see|find out|tell me|verify)\s+(?:whether|if)\s+(?!i\b)"
    r"|(?:what|which)\s+(?:access|roles?|permissions?)\s+(?:does|do|has|have)\s+(?!i\b)"
    r")")
# Questions about who holds access and remarks about someone else's: "who holds Reader in Confluence?", "which of
# my teammates has Agent in Zendesk?", "list everyone with End User in Okta", "how many people have Sales User?", "is
# Mia Eriksen a ServiceNow Requester?", "my colleague got Employee Self-Service yesterday", "what's the status of
# Alejandro's request?", "who is Alejandro's manager?". Named roles in them are never requests.
_PEOPLE = (r"(?:people|persons|users|colleagues|coworkers|co-workers|teammates|team\s+members|employees|members|staff|"
           r"reports|folks|ones?|of\s+(?:us|them))")
_HAVING = r"(?:has|have|had|hold|holds|held|got|own|owns|use|uses|can\s+access|is\s+allowed|are\s+allowed)"
_ABOUT_OTHERS = re.compile(
    _LEAD + r"(?:"
    rf"who\s+(?:else\s+)?(?:already\s+|currently\s+|still\s+)?{_HAVING}\b"
    rf"|which\s+(?:of\s+)?(?:my\s+|our\s+|the\s+)?(?:\w+\s+)?{_PEOPLE}\s+(?:\w+\s+)?{_HAVING}\b"
    rf"|how\s+many\s+(?:\w+\s+)?{_PEOPLE}\s+(?:\w+\s+)?{_HAVING}\b"
    r"|(?:can\s+you\s+)?(?:list|show|tell|name|give)(?:\s+me)?\s+(?:everyone|everybody|anyone|all\s+(?:the\s+)?"
    rf"(?:{_PEOPLE}|holders)|(?:the\s+)?(?:{_PEOPLE}|holders))\s+(?:with|who|that|having|holding)\b"
    r"|(?:is|are)\s+(?!i\b|my\b|it\b|this\b|that\b|there\b|the\b|a\b|an\b|you\b)(?:\S+\s+){1,3}?an?\s+"
    r"(?![^?]*\broles?\b)[^?]*\?\s*$"
    r"|(?:my|our)\s+(?:\w+\s+)?(?:colleague|coworker|co-worker|teammate|team\s*mate|manager|boss|friend|peer|"
    r"report|neighbou?r)s?\s+(?:\w+\s+)?(?:got|has|have|holds?|received|was\s+given|were\s+given|already\s+has)\b"
    r"|(?:(?:what(?:'s|\s+is)|any|is\s+there\s+(?:an?|any))\s+(?:the\s+)?)?(?:status|progress|update|news)\s+"
    r"(?:of|on|for|with)\s+(?!my\b|our\b)[^.!?]{1,40}?'s\s+(?:\w+\s+){0,2}requests?\b"
    r"|who(?:'s|\s+is|\s+are)\s+(?!my\b)[^.!?]{1,40}?'s\s+(?:manager|boss|supervisor|reports?|team|approver)\b"
    r")")
_MY_REPORTS = re.compile(
    _LEAD + r"(?:who\s+(?:are|is)\s+(?:in\s+)?my\s+(?:direct\s+)?(?:reports|team|team\s+members)\b"
    r"|(?:can\s+you\s+)?(?:list|show)(?:\s+me)?\s+(?:all\s+)?my\s+(?:direct\s+)?(?:reports|team(?:\s+members)?)\s*"
    r"(?:please\s*)?\??\s*$"
    r"|who\s+reports\s+to\s+me\b)")
# Access named in order not to be given ("don't give me", "do not grant Hannah", "I never asked for", "she should
# not get"): whatever else the message names, no request of it.
_DECLINED = re.compile(
    r"\b(?:don't|dont|do\s+not|never|shouldn't|should\s+not|must\s+not|mustn't|no\s+need\s+to)\s+(?:\w+\s+)?"
    r"(?:give|grant|add|provision|assign|approve|ask(?:ed)?|request(?:ed)?|put|enable|set|sign|file|submit|raise|"
    r"log|open)\b"
    # "No Marketing User for me, thanks"
    r"|^(?:no|not)\s+(?!rush\b|hurry\b|worries\b|problem\b|pressure\b|need\b)(?:[\w'-]+\s+){1,5}?for\s+"
    r"(?:me|us|him|her|them)\b"
    r"|\b(?:should|must|may)(?:n't|\s+not)\s+(?:\w+\s+)?(?:get|have|be\s+given|be\s+granted|receive|hold)\b")
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
    """The question the message asks instead of asking for access, if it asks one."""
    folded = folded_text(text)
    declined = _DECLINED.search(folded)
    if declined is not None and not _ASKING.search(_DECLINED.sub(" ", folded)):
        return SelfQuestion(Asked.DECLINED)  # "don't give me X": the "give me" is in what is declined
    # A message that also asks for access ("What does the Viewer role give me? I need it for 2 weeks") is a
    # request: answering only the question would file nothing of what was asked.
    asking = bool(_ASKING.search(_ROLE_INFO.sub(" ", folded)))  # not "what does the X role give me?" itself
    if _APPROVAL_QUEUE.search(folded) and not asking:  # before the id: "approve R-1482" decides nothing here
        return SelfQuestion(Asked.APPROVAL_QUEUE)
    ids = _ids_in(folded)
    if ids and not asking:
        return SelfQuestion(Asked.ONE_REQUEST, ids[0])
    if asking:
        return _asked_beside_a_request(folded)
    return _asked(folded, text)


def _asked_beside_a_request(folded: str) -> SelfQuestion | None:
    """Beside a request, only the questions that could not be one ("do I have Viewer? if not, I need it")."""
    if _MY_ACCESS.search(folded):
        return SelfQuestion(Asked.MY_ACCESS)
    if _MY_MANAGER.search(folded):
        return SelfQuestion(Asked.MY_MANAGER)
    return None


def _asked(folded: str, text: str) -> SelfQuestion | None:
    """The question a message that asks for no access asks, if any."""
    if _AUDIT_FIGURES.search(folded):
        return SelfQuestion(Asked.AUDIT_FIGURES)
    if _WHY_DENIED.search(folded) and not asks_why(text):  # "why was my request denied?" means the last decision
        return SelfQuestion(Asked.WHY_DENIED)
    if _LATEST_REQUEST.search(folded):
        return SelfQuestion(Asked.LATEST_REQUEST)
    if _MY_REQUESTS.search(folded):
        return SelfQuestion(Asked.MY_REQUESTS)
    if _MY_ACCESS.search(folded):
        return SelfQuestion(Asked.MY_ACCESS)
    if _APP_ROLES.search(folded):
        return SelfQuestion(Asked.APP_ROLES)
    if (subject := _ROLES_OF_SUBJECT.search(folded)) is not None:
        return SelfQuestion(Asked.APP_ROLES, subject=subject.group("subject") or subject.group("owner"))
    if _ROLE_INFO.search(folded):
        return SelfQuestion(Asked.ROLE_INFO)
    if _WHO_APPROVES.search(folded):
        return SelfQuestion(Asked.WHO_APPROVES)
    if _MY_MANAGER.search(folded):
        return SelfQuestion(Asked.MY_MANAGER)
    if _MY_REPORTS.search(folded):
        return SelfQuestion(Asked.MY_REPORTS)
    if _OTHERS_ACCESS.search(folded) or _ABOUT_OTHERS.search(folded):
        return SelfQuestion(Asked.OTHERS_ACCESS)
    return None
