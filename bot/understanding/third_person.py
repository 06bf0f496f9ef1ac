"""Someone other than the requester as the subject of a request, described rather than named.

"The contractor needs ...", "Our CFO needs ...", "The ward clerk needs ...", "Someone on my team wants ...",
"Robert (from finance) needs ...":
the verb's third-person form, with a subject that reads as a person, says the access is for someone else, even
where no name in the sentence can be read. Such a request is asked about, never taken as the requester's own.
A subject that is a thing ("My laptop needs ...", "The audit requires that I have ...") and any sentence in which
the requester speaks of themselves ("... needs me to have ...", "I think ...") are left to the other rules.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from bot.understanding.catalog_matcher import FILLER_WORDS
from bot.understanding.text import fold

# Third-person forms ("I should get", "we will need" speak of the requester); the plural ones count only after
# people ("The contractors need ...").
_THIRD_PERSON_VERB = re.compile(r"\b(?:(?P<one>needs|wants|requires|is\s+asking\s+for|has\s+asked\s+for|"
                                r"has\s+to\s+get|is\s+joining|joins|has\s+joined|starts|will\s+need|should\s+get|"
                                r"must\s+get|would\s+like)|(?P<many>need|want|require|are\s+joining))\b",
                                re.IGNORECASE)
# The requester as a reporter of what someone else needs, not as its beneficiary: "I think the contractor needs
# ...", "The contractor I hired needs ...".
_HEARSAY = re.compile(r"^\W*(?:i\s+think|i\s+believe|i\s+guess|i\s+understand|i['\u2019]m\s+told|i\s+was\s+told|"
                      r"i\s+hear|i\s+heard)(?:\s+that)?\s+", re.IGNORECASE)
_WHOM_I = re.compile(r"\s+(?:(?:that|who|whom)\s+)?(?:i|we)\s+(?:hired|manage|onboarded|recruited|engaged|supervise|"
                     r"sponsor|work\s+with|brought\s+in)\b", re.IGNORECASE)
# The requester speaking of themselves anywhere in the message.
_SELF = re.compile(r"\b(?:i|me|myself|we|us)\b|\b(?:i|we)['\u2019](?:d|m|ll|ve|re)\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")
# Nouns for people: relations, roles in an organisation, job titles.
_PERSON_NOUNS = frozenset("""
    someone somebody person people guy girl man woman lady gentleman colleague colleagues coworker co-worker
    teammate teammates hire hires starter starters joiner joiners newcomer newbie report reports employee
    employees staff contractor contractors consultant consultants vendor vendors supplier freelancer intern
    interns trainee apprentice temp assistant assistants deputy manager managers boss supervisor lead director
    head chief officer president vp svp evp ceo cfo cto coo cio ciso cpo partner associate analyst engineer
    developer designer accountant auditor auditors admin administrator recruiter specialist coordinator
    representative rep agent member members owner client customer visitor guest student successor replacement
    predecessor counterpart peer peers team teams squad skip-level skiplevel directs
    """.split())
# Words that stand before a subject without being part of it: greetings, "FYI", "urgent".
_LEAD_WORDS = frozenset({"hi", "hello", "hey", "dear", "please", "pls", "ok", "okay", "so", "fyi", "urgent",
                         "also", "and", "but", "then", "now", "team", "folks", "good", "morning", "afternoon",
                         "evening"})
_QUESTION_WORDS = frozenset({"who", "whom", "whoever", "what", "which", "why", "how", "when", "where", "whether",
                             "does", "do", "did", "is", "are", "if"})
_EVERYONE = frozenset({"everyone", "everybody", "anyone", "anybody", "nobody", "all"})
# Words that start a description of someone ("the ward clerk", "our locum").
_DETERMINERS = frozenset({"the", "our", "my", "a", "an", "this", "that", "his", "her", "their", "your", "one"})
# Words of a subject that is the access itself or a thing, not a person ("my access needs ...", "the request
# needs ...", "the ETL job needs ...").
_NOT_A_PERSON = frozenset("""
    access accesses role roles permission permissions right rights account accounts license licence seat login
    request requests ticket tickets approval change project report audit deadline system systems app apps
    application applications tool service server laptop computer machine device job script pipeline bot process
    it this that which what one migration upgrade rollout release launch build deployment integration dashboard
    page site database data export import backup test demo meeting presentation workflow quarter budget
    """.split())
# Endings of nouns for things, events and activities, not people ("the migration", "the onboarding", "the
# compliance", "the procurement", "the security").
_THING_ENDINGS = ("tion", "sion", "ment", "ing", "ance", "ence", "ity", "ship", "ness", "ure", "ysis", "ics")
_MAX_SUBJECT_WORDS = 8
_MAX_SHOWN = 60


def third_person_subject(text: str, catalog_words: set[str], app_words: Collection[str] = frozenset()) -> str | None:
    """The person a request describes as the one who needs it ("the contractor", "Robert (from finance)"), as
    typed, or None when the subject is not someone other than the requester. `app_words`: the words of the
    catalog's application names (a description holding one is of a thing: "the NetSuite integration")."""
    text = _WHOM_I.sub("", _HEARSAY.sub("", text, count=1))
    verb = _THIRD_PERSON_VERB.search(text)
    if verb is None or _SELF.search(text):
        return None
    # The subject is what stands after the last break before the verb: "Hi team, the contractor needs".
    before = text[: verb.start()]
    subject = re.split(r"[,:.!?]\s+|[,:!?]$|\s[-\u2013\u2014]\s", before)[-1].strip()
    subject = re.sub(r"^(?:there\s+is|there's|we\s+have)\s+", "", subject, flags=re.IGNORECASE)
    subject = re.sub(r"\s+(?:who|that)$", "", subject, flags=re.IGNORECASE)
    spans = list(_WORD.finditer(subject))
    while len(spans) > 1 and fold(spans[0].group()) in _LEAD_WORDS:
        spans = spans[1:]
    subject = subject[spans[0].start():] if spans else ""
    typed = [span.group() for span in spans]
    words = [fold(word) for word in typed]
    if not words or len(words) > _MAX_SUBJECT_WORDS or words[0] in _QUESTION_WORDS:
        return None
    if words[0] in _EVERYONE and not any(word in _PERSON_NOUNS for word in words[1:]):
        return None  # "Everyone needs ..." alone names no one; "Everyone on my team needs ..." several people
    if not _reads_as_a_person(typed, words, catalog_words, app_words):
        return None
    if verb.group("many") and not (words[-1].endswith("s") and words[-1].rstrip("s") in _PERSON_NOUNS
                                   or words[-1] in {"people", "staff"}):
        return None
    shown = " ".join(subject.split()).strip(" \"'\u201c\u201d\u2018\u2019.,;:!?-")[:_MAX_SHOWN]
    if words[0] in FILLER_WORDS or words[0] in {"someone", "somebody"}:
        shown = shown[:1].lower() + shown[1:]  # asked back as "Who is the contractor?"
    return shown or None


def _reads_as_a_person(typed: list[str], words: list[str], catalog_words: set[str], app_words: Collection[str]) -> bool:
    """A noun for a person ("contractor", "CFO"); someone described with a determiner ("the ward clerk", "our ED
    nurse", "my locum": any org's job titles, which no word list holds, and which role names share: "AP Clerk"),
    unless the words name an application, the access or a thing ("the Looker dashboard", "my access", "the
    request"); or a name: a capitalised word that is no catalog word and not only the capital that starts a sentence
    ("Robert", not "The" or "My")."""
    if any(word in _PERSON_NOUNS or word.rstrip("s") in _PERSON_NOUNS for word in words):
        return True
    described = [word for word in words[1:] if word not in FILLER_WORDS]  # "the new nurse", "the doctor on call"
    if words[0] in _DETERMINERS and described and not any(
            word in app_words or word in _NOT_A_PERSON or word.endswith(_THING_ENDINGS) for word in described):
        return True
    return any(word[:1].isupper() and not word.isupper() and folded not in catalog_words
               and folded not in FILLER_WORDS for word, folded in zip(typed, words, strict=True))


def described_beneficiary(text: str, catalog_words: set[str]) -> str | None:
    """Someone described, not named, in the place of the one to get access: "Please give the contractor ...",
    "Viewer in Orbit for our new vendor", "Can the auditor get ...". None when the words after the noun show it
    is something else ("for a client demo")."""
    for pattern in _BENEFICIARY_SLOTS:
        for found in pattern.finditer(text):
            if found.group(0)[:3].lower() == "for" and _SELF.search(text) \
                    and not right_after_the_access(text[: found.start()], catalog_words):
                continue  # "I need Viewer to prepare a report for the auditor": the requester's own
            following = _WORD.findall(text[found.end():])[:1]
            if not following or fold(following[0]) in _FOLLOWERS or fold(following[0]) in catalog_words \
                    or following[0][:1].isupper():
                who = " ".join(found.group("who").split())
                return who[:1].lower() + who[1:]
    return None


def right_after_the_access(before: str, catalog_words: set[str]) -> bool:
    """Whether "for ..." follows the access itself ("I need Viewer in Orbit for the contractor", "I need access
    for our new intern"), where it names who gets it, rather than a purpose ("... to prepare a report for ...")."""
    words = _WORD.findall(before)
    return bool(words) and (fold(words[-1]) in catalog_words or fold(words[-1]) in _ACCESS_WORDS)


_ACCESS_WORDS = frozenset({"access", "role", "roles", "permission", "permissions", "rights", "account", "license",
                           "licence", "it"})
# In the beneficiary's place only nouns that name no document or event ("for the Q3 report", "for a client demo").
_SLOT_NOUNS = frozenset("""
    someone somebody person guy girl colleague coworker co-worker teammate hire starter joiner newcomer employee
    contractor consultant vendor supplier freelancer intern trainee apprentice temp assistant deputy manager boss
    supervisor director ceo cfo cto coo cio ciso vp analyst engineer developer designer accountant auditor
    administrator recruiter specialist coordinator successor replacement team squad
    """.split())
_NOUNS = "|".join(sorted(_SLOT_NOUNS, key=len, reverse=True))
_DESCRIBED = rf"(?:the|our|my|a|an|this|that|his|her|their)\s+(?:[\w-]+\s+){{0,2}}?(?:{_NOUNS})s?"
_BENEFICIARY_SLOTS = (
    re.compile(rf"\b(?:for|give|add|grant|provision|onboard|enrol+|set\s+up|sign\s+up|on\s+behalf\s+of)\s+"
               rf"(?P<who>{_DESCRIBED})\b(?!['\u2019]s)", re.IGNORECASE),
    re.compile(rf"^\W*(?:(?:hi|hello|hey|please)\W+)*(?:can|could|may|should|would)\s+(?P<who>{_DESCRIBED})\s+"
               r"(?:get|have|be|receive|obtain)\b", re.IGNORECASE),
)
# What may follow the person in such a place: the access, where it is, or the end of a clause.
_FOLLOWERS = frozenset({"to", "in", "on", "with", "access", "the", "a", "an", "please", "pls", "asap", "thanks",
                        "thank", "as", "who", "that", "starting", "from", "joining", "when", "so", "and", "too",
                        "also", "for", "until", "till", "by", "read", "write", "admin", "role", "roles"})
