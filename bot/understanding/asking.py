"""Whether a message asks for access at all, before anything is filed for the role it names.

A message naming a role is not thereby a request: "thanks for the Confluence Reader access!", "Mai already has
Looker Viewer, right?", "If I had Admin I could fix it", "Tell me about Payroll Processor" name roles and ask for
none. Filed as requests they would be granted to whoever they seem to be for. So a message is read as a request
only when it says it asks ("I need", "can I get", "please add me", "Ana needs", "for me", "please"), or when it is
no more than the access itself ("Reader in Confluence", "looker viewer for 2 weeks"). Anything else is asked about
("Do you want to ask for ...?") and a "yes" files it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from bot.domain import Candidate, Clarification, Person, ResolvedRequest
from bot.understanding.text import fold

# The question asked of a message that names access without asking for it; "yes" files it, "no" ends it.
CONFIRM_SLOT = "confirm"

_NEED = r"(?:need|ne+d|nede|nedd|neeed|want|wnat|wan+a|require|request|like|love)"
_ASKING = re.compile("|".join((
    # "I need", "we'd like", "I really need", "i ned"; not "I might need", "I'm not asking for"
    rf"\b(?:i|we)(?:'d|'ll|\s+(?:would|will|do|really|also|still|urgently|just|now|definitely|actually|only|"
    rf"kindly|badly|truly|then))*\s+{_NEED}\b",
    r"\b(?:i|we)(?:'m|\s+am|'re|\s+are)\s+(?:requesting|asking\s+for|applying\s+for|looking\s+for)\b",
    # "need Planner in GitLab", "requesting Viewer": the message starts with the need
    rf"^(?:(?:hi|hello|hey|ok|so|also)\W+)*(?:{_NEED}s?|requesting|looking\s+for)\b",
    # "please add me to ...", "give me ...", "can you set me up with ...": asked of AskIAM
    r"(?:^|[.!?;:,]\s*|\b(?:please|pls|plz|kindly|and|also|then|just)\s+)(?:please\s+|pls\s+|kindly\s+)?"
    r"(?:give|grant|add|provision|assign|enable|set\s+\w+\s+up|set\s+up|get\s+(?:me|us|him|her|them)|"
    r"onboard|enrol+|sign\s+\w+\s+up|put\s+(?:me|us|him|her|them))\b",
    r"\b(?:can|could|may|might|shall)\s+(?:i|we)\s+(?:please\s+|also\s+|maybe\s+|possibly\s+|just\s+|now\s+)?"
    r"(?:get|have|be\s+given|be\s+granted|request|obtain|be\s+added|access|ask\s+for|apply\s+for)\b",
    r"\b(?:can|could|would|will)\s+(?:you|someone|somebody|u)\s+(?:please\s+|pls\s+|kindly\s+|also\s+)?"
    r"(?:give|grant|add|set|get|enable|provision|assign|request|help\s+(?:me|us)\s+get|sort\s+(?:me|us)\s+out)\b",
    r"\bis\s+it\s+possible\s+(?:for\s+(?:me|us)\s+)?to\s+(?:get|have|be)\b|\bwould\s+it\s+be\s+possible\b|"
    r"\bany\s+chance\b|\bhelp\s+me\s+get\b|\bwondering\s+if\s+(?:i|we)\s+could\b|"
    r"\b(?:am|are)\s+(?:i|we)\s+able\s+to\s+(?:get|have)\b|\bis\s+there\s+a\s+way\s+(?:for\s+me\s+)?to\s+get\b|"
    r"\basked\s+(?:me|us)\s+to\s+(?:get|request|ask\s+for|apply\s+for)\b",
    # "Ana needs ...", "my new hire should get ...", "the contractors need ...", "she'll need": for someone else
    r"\b(?:need|needs|requires|wants|should\s+get|should\s+have|must\s+have|has\s+to\s+have|have\s+to\s+(?:get|have)|"
    r"is\s+to\s+get|would\s+like|'d\s+like|on\s+behalf\s+of)\b",
    # "can the contractor get ...", "could Grace get ...", "can Will have ..."
    r"\b(?:can|could|may)\s+(?:\S+\s+){1,3}?(?:also\s+)?(?:get|have|be\s+given|be\s+granted|receive)\b",
    # "would you mind setting Grace up with ...", "set me up with ..."
    r"\bset(?:s|ting)?\s+(?:\S+\s+){0,2}up\s+with\b",
    # "I don't want Viewer, just Editor": the other one asked for
    r"\b(?:don't|dont|do\s+not)\s+(?:want|need)\b[^.!?]{1,60}?\b(?:just|only|but|rather|instead)\b",
    r"\bfor\s+(?:me|us|myself|ourselves)\b",
    r"\b(?:please|pls|plz|kindly|asap)\b",
)))
# Asking in scripts without spaces, read on the text as written (folding takes Hangul apart): "需要" (zh),
# "お願いします" / "必要" (ja), "필요" / "신청" (ko).
_ASKING_UNSPACED = re.compile(r"需要|申请|請求|お願い|必要|欲しい|필요|신청|부탁")
# Words that take back what a request cue says: thanks for what was had, "but I said no", "might need", "requested
# by mistake", "please ignore", "never mind".
_TAKEN_BACK = re.compile(r"\b(?:thanks|thank\s+you|thx|cheers|grateful)\s+(?:so\s+much\s+|a\s+lot\s+)?for\b|"
                         r"\b(?:i|we)\s+(?:said\s+no|declined|refused|rejected)\b|"
                         # maybe, later, whether: not now
                         r"\b(?:might|may|probably|possibly|maybe|ever)\s+(?:\w+\s+)?(?:need|want)\b|\bwhether\b|"
                         r"\bin\s+case\s+(?:i|we)\s+(?:ever\s+)?(?:need|want)\b|\bat\s+some\s+point\b|\bsomeday\b|\beventually\b|\bone\s+day\b|"
                         r"\bnot\s+(?:now|yet)\b|\bnot\s+sure\b(?![^.!?]*\bbut\b)|\blet\s+me\s+think\b|\bcheck\s+if\b|\breminder\b|"
                         r"\b(?:i|we)(?:'ll|\s+will)\s+(?:request|ask\s+for|apply\s+for)\b|"
                         # about what was asked or decided: "was approved for me last week, right?", "why was it denied"
                         r"\b(?:was|were)\s+(?:approved|granted|given|denied|rejected|refused)\b|\bright\s*\?|"
                         r"\bwhy\s+(?:was|were|did|is|are|has|have|does|do)\b|"
                         r"\b(?:did|has|have)\s+\S+(?:\s+\S+){0,3}?\s+(?:ask|asked|request|requested)\b|"
                         r"^(?:does|did|why\s+does|why\s+would)\s+\S+(?:\s+\S+){0,3}?\s+(?:really\s+)?need\b|"
                         r"\b(?:requested|asked\s+for|filed)\b[^.!?]{0,60}\bby\s+mistake\b|\bplease\s+ignore\b|"
                         r"\bignore\s+(?:this|that|it|me|my\s+(?:last\s+)?message)\b|"
                         r"\btesting\b|\bnever\s*mind\b|\bforget\s+(?:it|that|this|the|about)\b|\bwrong\s+chat\b")
# A word written as a name is ("O'Connor", "Hana"; not "SLA").
_CAPITALISED = re.compile(r"(?<![\w@])[A-Z\u00c0-\u024f][a-z\u00df-\u024f'-][\w'-]*")
# Words a message that is only the access itself may have besides the catalog's names and the end it gives.
_BARE = frozenset("""
    i me my myself mine we us our a an the to in on at of for with and or role roles access permission permissions
    rights right app application account please pls plz thanks thank thx hi hello hey ok okay asap urgent urgently
    kindly just only also too as well via level s from team new hire report reports direct colleague
    until till til through thru starting start as of by if possible today tomorrow tonight now next this end eom eod
    eow eoy week weeks day days month months hour hours year years quarter fortnight weekend business working one two
    three four five six seven eight nine ten couple half monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december jan feb mar apr jun jul
    aug sep sept oct nov dec q1 q2 q3 q4
""".split())
# What a bare request may say besides the access: "no rush", and why it is needed ("so I can read the tickets", "to
# build the quarterly dashboards", "because ...").
_ASIDES = re.compile(r"\bno\s+(?:rush|hurry|pressure)\b|\b(?:so\s+(?:that\s+)?(?:i|we)\s+(?:can|could)|in\s+order\s+to|"
                     r"because|since|as\s+i|to\s+(?:be\s+able\s+to\s+)?(?:do|see|read|check|build|review|fix|"
                     r"update|edit|run|help|work|look|access|view|approve|manage|create|support|finish|prepare)\b)"
                     r"[^.!?]*")


def asks_for_access(text: str, catalog_words: Collection[str], also_known: Iterable[str] = ()) -> bool:
    """Whether the message asks for access: it says so, or it is only the access asked for. `catalog_words`: the
    words of the catalog's names; `also_known`: other words the message is allowed to be made of (the name of the
    person it is for, the words of the end it gives)."""
    folded = re.sub(r"\s+", " ", fold(text).replace("\u2019", "'")).strip()
    if _TAKEN_BACK.search(folded):
        return False
    if _ASKING.search(folded) or _ASKING_UNSPACED.search(text):
        return True
    known = {word for phrase in also_known for word in re.findall(r"\w+", fold(phrase))}
    # A word written with a capital (outside the catalog's names) is taken for a person's name ("Viewer in WikiWiki
    # for O'Connor"), as is an @id.
    # not a sentence's first word, unless a name's next word follows ("Grace Black from my team, ...")
    named = {fold(found.group(0)) for found in _CAPITALISED.finditer(text)
             if not re.search(r"(?:^|[.!?:;]\s*)$", text[:found.start()])
             or _CAPITALISED.match(text, found.end() + 1)}
    words = re.findall(r"\w+", _ASIDES.sub(" ", re.sub(r"(?<![\w.])@[\w.-]+", " ", folded)))
    return bool(words) and all(word in _BARE or word in catalog_words or word in known
                               or re.fullmatch(r"\d+(?:st|nd|rd|th)?", word)
                               or any(word in re.findall(r"\w+", name) for name in named) for word in words)


def whether_meant(resolved: ResolvedRequest, requester: Person) -> ResolvedRequest:
    """The request a message names without asking for it, held back behind a question: "Do you want to ask for
    Viewer in Looker?" (its role is what "yes" settles)."""
    assert resolved.role is not None and resolved.application is not None and resolved.target is not None
    role, app, target = resolved.role, resolved.application, resolved.target
    whose = "" if target.user_id == requester.user_id else f" for {target.display_name}"
    question = (f"Nothing was requested: I could not tell whether you are asking for access. Do you want to ask for "
                f"{role.name} in {app.name}{whose}? Reply yes to ask for it.")
    return resolved.model_copy(update={"role": None, "clarification": Clarification(
        slot=CONFIRM_SLOT, question=question, candidates=(Candidate(id=role.role_id, label=role.name),),
        mentioned=app.app_id)})


def not_asking_answer(example: str) -> str:
    """The answer to a message that names access, asks for none, and leaves it unclear which access it is."""
    return (f"I could not tell whether you are asking for access, so nothing was requested. To ask for it, say what "
            f"you need, for example \"{example}\".")
