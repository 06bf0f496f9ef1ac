"""Working out for whom access is asked: the requester, or a person named by email, id or display name."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bot.domain import Candidate, Clarification, MatchedEntity, Person
from bot.ports import Directory
from bot.understanding.catalog_matcher import FILLER_WORDS
from bot.understanding.small_talk import ENDED_SLOT
from bot.understanding.text import capitals_shape, emails, fold, is_caseless_word, name_key, numbered, tokens
from bot.understanding.third_person import described_beneficiary, right_after_the_access, third_person_subject

_SELF = re.compile(r"\b(?:i|me|my|myself|mine)\b|\bi['\u2019](?:d|m|ll|ve)\b", re.IGNORECASE)
# The requester as the one who asks or gets, not only as an owner ("my team"): "I", "me".
# "I" in scripts without spaces between words, where \b does not find it: 我 (zh; not 我们, "we"), 私 / 僕 / 俺
# before a particle (ja; 私有 is "private"), 저 / 나 as a word with its particle (ko).
_CASELESS_SELF = re.compile(r"我(?![们們])|(?:私|僕|俺)(?=[はがにのをもへ])"
                            r"|(?:^|\s)(?:저는|제가|저에게|저를|저도|나는|내가|나에게|나를|나도)")
_STRONG_SELF = re.compile(r"\b(?:i|me|myself)\b|\bi['\u2019](?:d|m|ll|ve)\b", re.IGNORECASE)
# "@gblack": a user id, wherever it stands (not the "@" of an email address).
_AT_MENTION = re.compile(r"(?<![\w.@])@(?P<id>[A-Za-z0-9][\w-]*(?:\.[\w-]+)*)")
# A word given something, written as an id: "give xyz123 the Reader role", "grant user u4411 Viewer".
_GIVEN_ID = re.compile(r"\b(?:give|grant|add|provision|onboard)\s+(?:user\s+)?(?P<id>[\w.-]+)\s+(?:the|a|an)\b",
                       re.IGNORECASE)
# Lower-case words inside surnames: "De la Cruz", "van der Berg", "Ibn al Haytham".
_PARTICLES = r"(?:de|la|le|du|da|di|del|della|des|dos|das|do|van|von|der|den|ten|ter|bin|ibn|al|el|y)"
_NEXT_NAME_WORD = rf"\s+(?:{_PARTICLES}\s+){{0,2}}[A-Z][\w'\u2019.-]*"
_NAME = rf"[A-Z][\w'\u2019.-]*(?:{_NEXT_NAME_WORD}){{1,2}}"
# One capitalised word that reads as a given name or a surname: a letter after the capital (not "Q3"), also past an
# apostrophe ("O'Neil", "D'Angelo"), maybe after initials ("J. Smith") or ending in a period ("St.").
_GIVEN_NAME = r"(?:[A-Z]\.\s?)*[A-Z](?:['\u2019][A-Z])?[^\W\d_][\w'\u2019-]*\.?"
_ANY_NAME = rf"(?:{_PARTICLES}\s+){{0,2}}{_GIVEN_NAME}(?:{_NEXT_NAME_WORD}){{0,2}}"
# What a sentence says of the person who is to get access, as its subject: "Grace needs", "Oliver joined".
_SUBJECT_VERBS = (r"needs|wants|requires|should get|must get|is asking|would like|will need|has to get|is joining|"
                  r"joins|joined|has joined|just joined|starts|started|has started|is starting|will start|will join|"
                  r"is new|moved|has moved|transferred")
# Relations of someone the requester manages, standing before their name: "my report Oliver".
_REPORTING = (r"direct\s+reports?|reports?|hires?|starters?|joiners?|team\s+members?|teammates?|employees?|"
              r"contractors?|interns?|assistants?|deputy")
# Named beside the relation: "for my report Oliver", "my new hire Grace Black".
_NAMED_BESIDE_RELATION = re.compile(
    rf"\b(?i:my|our)\s+(?i:new\s+)?(?P<relation>(?i:{_REPORTING}))\s+(?P<name>{_ANY_NAME})")
_OPENING = r"^\W*(?:(?i:hi|hello|hey|dear|please|pls)\W+)*(?:(?i:dr|mr|mrs|ms|mx|prof)\.?\s+)?"
_VERBS = r"(?i:give|add|grant|provision|onboard|enrol+|let|allow|sign\s+up|set\s+up|get)"
_ACCESS_NOUN = r"(?i:access|role|roles|permission|permissions|rights|seat|license|licence)\b"
_WORD_AHEAD = re.compile(r"[\w'\u2019-]+")
# Places in a sentence where a third person's name stands, typed in capitals as names usually are. Strong places
# name the beneficiary whatever else the sentence says; a weak place ("for Q3 Planning", "Project Atlas's docs") is
# read as a person only when the requester does not speak of themselves.
_SUBJECT_SLOT = re.compile(rf"{_OPENING}(?P<name>{_ANY_NAME})\s+(?i:{_SUBJECT_VERBS})\b")
_STRONG_SLOTS = (
    re.compile(rf"\b{_VERBS}\s+(?P<name>{_NAME})"),
    re.compile(rf"\b{_VERBS}\s+(?P<name>{_GIVEN_NAME})\b(?!\s+{_ACCESS_NOUN})"),
    re.compile(rf"\b(?i:set|sets|setting)\s+(?P<name>{_ANY_NAME})\s+(?i:up)\b"),
    _SUBJECT_SLOT,
    _NAMED_BESIDE_RELATION,
    re.compile(rf"\b(?i:on behalf of)\s+(?P<name>{_ANY_NAME})"),
    re.compile(rf"\b(?i:like|want|need|ask for)\s+(?P<name>{_ANY_NAME})\s+to\s+(?i:have|get|be|receive|access|use)\b"),
    re.compile(rf"^(?:\W*)(?:(?:hi|hello|hey|please)\W+)*(?:can|could|may|should|would)\s+(?P<name>{_ANY_NAME})\s+"
               r"(?:get|have|be|receive|obtain|also get|also have)\b", re.I),
)
_WEAK_SLOTS = (
    re.compile(rf"\b(?i:for)\s+(?P<name>{_NAME})"),
    re.compile(rf"\b(?i:for)\s+(?P<name>{_GIVEN_NAME})\s*(?:(?i:please|pls|thanks|thank you|asap)\b)?\s*"
               r"(?:[:;,.!?]|$)"),
    re.compile(rf"(?P<name>{_NAME})['\u2019]s\b"),
)
# Someone named only by how they relate to the requester: "my new hire", "a new starter", "my direct report".
_RELATIVE = (r"(?:direct\s+reports?|hires?|starters?|joiners?|colleagues?|teammates?|team\s+members?|team|manager|"
             r"boss|employees?|contractors?|interns?|co-?workers?|assistants?|deputy|peers?|staff)")
_WHO = rf"(?:(?:my|our)\s+(?:new\s+)?|(?:the|a)\s+new\s+){_RELATIVE}|(?:my|our|the|a)\s+new\s+reports?"
_MY = re.compile(r"\b(?:my|our)\b", re.I)
_MANAGER = re.compile(r"my\s+(?:manager|boss)", re.I)
_LISTED_REPORTS = 8
# Relations that are usually someone the requester manages: their reports are offered as the answer.
_SOMEONE_REPORTING = re.compile(r"reports?|team\b|team\s+members?|staff|employees?|hires?|starters?|joiners?|"
                                r"interns?|contractors?|assistants?|deputy", re.I)
# "he also needs ...", "give her ...": someone named earlier, which a single message does not carry.
PRONOUNS = frozenset({"he", "she", "they", "him", "her", "them"})
_PRONOUN_TARGETS = (
    re.compile(r"^\W*(?:(?:and|also|then|so|now|oh|ok|okay|plus)\W+)*(?P<who>he|she|they)\s+(?:also\s+|too\s+)?"
               r"(?:needs?|wants?|requires?|should|must|will|would|is|are|has|have|could|can|may)\b", re.I),
    re.compile(r"\b(?:for|give|add|grant|provision|onboard|enrol+|let|allow|set\s+up|sign\s+up)\s+"
               r"(?P<who>him|her|them)\b", re.I),
)
_RELATIONS = (
    # After a verb that names the beneficiary: "access for my new hire", "set up my new starter with ...".
    re.compile(rf"\b(?:for|give|add|grant|provision|onboard|enrol+|let|allow|sign\s+up|set\s+up|get|on\s+behalf\s+of)"
               rf"\s+(?P<who>{_WHO})\b(?!['\u2019]s)", re.I),
    # Given to "my report": a person ("for my report" may be a document).
    re.compile(r"\b(?:give|add|grant|provision|onboard|enrol+|sign\s+up|set\s+up)\s+(?P<who>(?:my|our)\s+reports?)\b"
               r"(?!['\u2019]s)", re.I),
    # As the subject of the request: "my new hire needs ...", "can my report get ...".
    re.compile(r"^\W*(?:(?:hi|hello|hey|please)\W+)*(?:(?:can|could|may|would|should)\s+)?"
               rf"(?P<who>{_WHO}|(?:my|our)\s+reports?)(?:\s+(?!(?:i|we)\b)\w+){{0,3}}?\s+(?:needs?|wants?|requires?|"
               r"get|have|is joining|joins|starts|should get|must get|will need)\b", re.I),
)
# Two people joined in the beneficiary's place: "Marcus and Marc Johnson need ...", "give Ana and Rui ...".
_JOINED = (
    re.compile(rf"{_OPENING}(?P<a>{_ANY_NAME})\s+(?:and|&|plus)\s+(?P<b>{_ANY_NAME})\s+(?i:need|want|require|"
               r"should get|must get|both need)\b"),
    re.compile(rf"\b(?:{_VERBS}|(?i:for))\s+(?P<a>{_ANY_NAME})\s+(?:and|&)\s+(?P<b>{_ANY_NAME})"),
)
# A bare user id after a verb; not the first word of a capitalised full name ("give Lou Burg ...").
_ID_SLOT = re.compile(r"\b(?:[Ff]or|[Gg]ive|[Aa]dd|[Gg]rant|[Pp]rovision|[Oo]nboard)\s+(?:user\s+)?@?(?P<id>[\w.-]+)"
                      r"(?![\w.-])(?P<capital_follows>\s+[A-Z][\w'-])?")
# A bare user id as the subject of the sentence: "mhuang needs Light Agent in Zendesk".
_ID_SUBJECT = re.compile(r"^\W*(?P<id>[\w.-]+)\s+(?:needs|wants|requires|should get|must get|is asking|would like|"
                         r"will need|has to get)\b")
_LOWER_SUBJECT = re.compile(rf"^\W*(?:(?:hi|hello|hey|please)\W+)*(?P<name>[^\W\d_][\w'\u2019-]*"
                            rf"(?:\s+[^\W\d_][\w'\u2019-]*){{0,2}})\s+(?:{_SUBJECT_VERBS})\b", re.IGNORECASE)
# Subjects that are no one in particular ("everyone needs", "the whole team needs", "nobody else needs").
_NOT_SUBJECTS = frozenset("""anyone anybody everyone everybody someone somebody nobody noone who whoever team teams
    group department dept whole entire each every both none other others else user users people staff manager boss
    colleague colleagues hire hires report reports starter starters joiner joiners intern interns contractor
    contractors employee employees request requests ticket application app system it this that which what""".split())
# Quotation marks around a name ('Add "Zorro" to ...') stand where a space would.
_QUOTE_MARKS = str.maketrans({mark: " " for mark in "\"\u201c\u201d\u201e\u00ab\u00bb"})
# A capitalised word written as a given name ("Lou" of "give Lou Burg ..."), not as an id ("lukasz-w", "ANA.S").
_GIVEN_NAME_WORD = re.compile(r"[A-Z][a-z]+")
_NOT_A_NAME_START = {"the", "a", "an", "my", "our", "this", "that", "me", "us", "all", "any", "some", "it", "i",
                     "we", "you", "everyone", "everybody", "someone", "somebody", "nobody", "they", "he", "she",
                     "anyone", "anybody", "u", "ya", "yall", "there", "one"}
_MAX_NAME_TOKENS = 4
# Names in scripts without case are looked for inside runs of up to this many letters, as 2 to 4 letters (王伟).
_MAX_CASELESS_RUN = 24
_MAX_CASELESS_NAME = 4
_CLOSE_NAME = 80
_SUGGESTED = 5


@dataclass
class TargetFinding:
    """The target person, or the question to ask about them."""

    person: Person | None = None
    is_requester: bool = False
    clarification: Clarification | None = None
    matches: list[MatchedEntity] = field(default_factory=list)


def person_label(person: Person) -> str:
    details = ", ".join(part for part in (person.email, person.department, person.title) if part)
    return f"{person.display_name} ({details})"


def _name_windows(text: str) -> list[str]:
    """Every run of 2 to 4 words, folded: the display names a sentence might contain."""
    words = [token.text for token in tokens(text) if token.text != "'s"]
    # A name in a script without case is written without spaces, inside the words around it ("王伟需要").
    runs = _caseless_words(words)
    inside_runs = {word[start : start + size] for word in runs if len(word) <= _MAX_CASELESS_RUN
                   for size in range(2, _MAX_CASELESS_NAME + 1) for start in range(len(word) - size + 1)}
    return sorted(
        {" ".join(words[start : start + size]) for size in range(2, _MAX_NAME_TOKENS + 1)
         for start in range(len(words) - size + 1)} | inside_runs | set(runs)
    )


def _caseless_words(words: Sequence[str]) -> list[str]:
    return [word for word in words if len(word) > 1 and is_caseless_word(word)]


def _id_slots(text: str) -> list[str]:
    """Words in the place of a user id, folded; a capitalised given name followed by another capitalised word is
    the start of a full name instead."""
    after_verbs = [match.group("id").casefold() for match in _ID_SLOT.finditer(text)
                   if not (match.group("capital_follows") and _GIVEN_NAME_WORD.fullmatch(match.group("id")))]
    subject = _ID_SUBJECT.match(text)
    as_id = subject is not None and not _GIVEN_NAME_WORD.fullmatch(subject.group("id"))  # "Ana needs": a name
    mentions = [match.group("id").casefold() for match in _AT_MENTION.finditer(text)]
    return after_verbs + ([subject.group("id").casefold()] if subject and as_id else []) + mentions


def _unknown_ids(text: str, catalog_words: set[str]) -> list[str]:
    """Words that can only be a person's id ("@gblack", "give xyz123 the ...", "user u4411"), for when nobody in the
    directory has them: they are asked about, not dropped."""
    found = [f"@{match.group('id')}" for match in _AT_MENTION.finditer(text)]
    for match in _GIVEN_ID.finditer(text):
        word = match.group("id")
        folded = fold(word)
        if folded not in _NOT_A_NAME_START and folded not in catalog_words and folded not in FILLER_WORDS and \
                not re.fullmatch(_ACCESS_NOUN, word):
            found.append(word)
    return found


def _unresolved_names(text: str, catalog_words: set[str], directory: Directory) -> list[str]:
    """Name-like phrases in a target slot: someone is named, whether or not the directory knows them. When the
    requester speaks of themselves, a weak place counts only for a name close to someone's in the directory
    ("I need X for Hana" when there is a Hannah; not "I need X for Finance")."""
    speaks_of_self = bool(_SELF.search(text))
    says_i = bool(_STRONG_SELF.search(text))
    found: list[str] = []
    slots = [(pattern, False) for pattern in _STRONG_SLOTS] + [(pattern, True) for pattern in _WEAK_SLOTS]
    # Names that begin with Ł, are written 王伟 or stand in quotes are found by the same patterns.
    shape = capitals_shape(text).translate(_QUOTE_MARKS)
    for pattern, weak in slots:
        for match in pattern.finditer(shape):
            if _names_access(text, match.start("name"), catalog_words):
                continue  # "give Full Viewer access": what is given, not to whom
            possessive = re.match(r"['\u2019]s\b", text[match.end("name") - 2 : match.end("name") + 1]) or \
                re.match(r"['\u2019]s\b", text[match.end("name") :])
            if possessive and says_i:
                continue  # "I need Viewer for Ana's audit", "... to review Ana's dashboard": whose, not who
            words = text[match.start("name") : match.end("name")].strip(".'\u2019 ").split()
            # "Kiran Viewer in Looker": the role follows; "for my report Oliver I need ...": the requester does.
            while len(words) > 1 and (fold(words[-1]) in catalog_words or fold(words[-1]) in _NOT_A_NAME_START):
                words.pop()
            folded = [fold(word) for word in words]
            if not folded or folded[0] in _NOT_A_NAME_START:
                continue
            if all(word in catalog_words or word in FILLER_WORDS for word in folded) and \
                    not _still_a_name(folded, pattern is _SUBJECT_SLOT, catalog_words, directory):
                continue  # "give Viewer ...": a role; but "Read needs ..." where someone is called Mark Read
            name = " ".join(words)
            if weak and speaks_of_self and not _close_to_someone(name, directory):
                continue
            found.append(name)
    return found


def _still_a_name(folded: Sequence[str], as_subject: bool, catalog_words: set[str], directory: Directory) -> bool:
    """Whether words of the catalog or common words in a person's place are someone's name after all: "Will" of
    Will Page ("setting Will up with ..."), or as the subject a catalog word ("Read needs ..." for Mark Read). A
    catalog word after a verb ("give Viewer ...") stays the role it names."""
    if not as_subject and any(word in catalog_words for word in folded):
        return False
    return _someones_name_word(folded, directory)


def _someones_name_word(folded: Sequence[str], directory: Directory) -> bool:
    """Whether every word is a word of one person's display name ("read" of Mark Read)."""
    wanted = set(folded)
    return any(wanted <= set(fold(person.display_name).split())
               for person in directory.suggest_people(" ".join(folded)))


def _lower_case_subject(text: str, catalog_words: set[str]) -> str | None:
    """A name typed in lower case as the subject ("soeren nielsen needs ..."), or None: words that name nothing in
    the catalog, nor a pronoun, nor an access noun."""
    found = _LOWER_SUBJECT.match(text)
    if found is None:
        return None
    words = found.group("name").split()
    folded = [fold(word) for word in words]
    if any(word in _NOT_A_NAME_START or word in catalog_words or word in FILLER_WORDS or word in PRONOUNS
           or re.fullmatch(_ACCESS_NOUN, word) or word in _NOT_SUBJECTS for word in folded):
        return None
    return found.group("name")


def _names_access(text: str, start: int, catalog_words: set[str]) -> bool:
    """Whether the capitalised words from `start` lead, past catalog words, to "access", "role" and the like."""
    following = _WORD_AHEAD.findall(text[start:])[:_MAX_NAME_TOKENS + 2]
    for word in following[1:]:
        if re.fullmatch(_ACCESS_NOUN, word):
            return True
        if not (word[:1].isupper() and fold(word) in catalog_words):  # only role names may come in between
            return False
    return False


def _named(mention: str, candidates: list[Person], requester: Person) -> TargetFinding:
    """The one person the mention names, or the question which of them it is."""
    if len(candidates) > 1:
        question = f"More than one person is called {candidates[0].display_name}."
        return TargetFinding(clarification=_ask_which(candidates, question, mention))
    person = candidates[0]
    match = MatchedEntity(kind="user", id=person.user_id, label=person.display_name, score=1.0, matched_text=mention)
    return TargetFinding(person=person, is_requester=person.user_id == requester.user_id, matches=[match])


def _names_a_report(text: str) -> bool:
    """Whether the name comes with a relation saying the person reports to the requester ("my report Oliver",
    "my new hire Oliver")."""
    return any(_SOMEONE_REPORTING.search(found.group("relation"))
               for found in _NAMED_BESIDE_RELATION.finditer(capitals_shape(text)))


def _reports_among(text: str, candidates: list[Person], requester: Person) -> list[Person]:
    """Of the people sharing a name, the requester's own reports when the text says so; everyone when it does not,
    or when none of them reports to the requester."""
    reports = [person for person in candidates if person.manager_id == requester.user_id] \
        if _names_a_report(text) else []
    return reports or candidates


def _close_to_someone(name: str, directory: Directory) -> bool:
    """Whether a word of the name is spelt nearly like a word of someone's display name."""
    words = fold(name).split()
    return any(fuzz.ratio(word, part) >= _CLOSE_NAME for person in directory.suggest_people(name)
               for part in fold(person.display_name).split() for word in words)


def find_target(text: str, requester: Person, directory: Directory, catalog_words: set[str],
                app_words: Collection[str] = frozenset()) -> TargetFinding:
    """Decide whose access this is, or what to ask to find out.

    Parameters
    ----------
    text:
        The cleaned request text.
    requester:
        The authenticated person asking.
    directory:
        Where people are looked up.
    catalog_words:
        Folded words of application and role names, which are never taken for a person's name.
    app_words:
        Words of application names: someone described with one ("the NetSuite integration needs ...") is a thing.
    """
    return _manager_of_named(text, requester, directory) or _named_or_asked(text, requester, directory, catalog_words,
                                                                            app_words)


def _named_or_asked(text: str, requester: Person, directory: Directory, catalog_words: set[str],
                    app_words: Collection[str]) -> TargetFinding:
    """`find_target` for everyone but someone's manager."""
    mentioned_emails = emails(text)
    id_slots = _id_slots(text)
    people = directory.find_people(emails=mentioned_emails, names=_name_windows(text), user_ids=id_slots)
    by_id = {person.user_id: person for person in people}

    unknown_emails = [email for email in mentioned_emails if all(p.email.casefold() != email for p in people)]
    if unknown_emails:
        return _ask_unknown(unknown_emails[0], directory)

    groups = _group_by_mention(text, list(by_id.values()), mentioned_emails, id_slots)
    # A name outside the places where the beneficiary is named ("approved by my manager X") is not the target.
    folded_text = _words_text(text)
    slotted = {mention: group for mention, group in groups.items()
               if mention in mentioned_emails or mention in id_slots
               or _in_target_slot(folded_text, mention, possessive=not _STRONG_SELF.search(text))}
    others = {mention: group for mention, group in groups.items()
              if any(person.user_id != requester.user_id for person in group)}
    if slotted:
        groups = slotted
    elif _STRONG_SELF.search(text) or not others:
        groups = {} if _SELF.search(text) else groups
    elif _SELF.search(text):
        # "Grace Black joined my team, she'll need ...": someone named, the requester only as "my": ask whose.
        return TargetFinding(clarification=_ask_whether_self(others, requester))
    if len(groups) > 1:
        distinct = [person for group in groups.values() for person in group]
        return TargetFinding(clarification=_ask_which(distinct, "Your request names several people.", ""))
    several = _several_people(text, catalog_words, groups, directory)
    if several is not None:
        return TargetFinding(clarification=several)
    if groups and not slotted:
        # "Grace needs whatever Lena Reader has": the one asked for is the unresolved name in the target's place,
        # not the person named elsewhere.
        placed = _unresolved_names(text, catalog_words, directory)
        if placed and all(fold(placed[0]) != mention for mention in groups):
            return _ask_unknown(placed[0], directory)
    if len(groups) == 1:
        mention, candidates = next(iter(groups.items()))
        return _named(mention, _reports_among(text, candidates, requester) if len(candidates) > 1 else candidates,
                      requester)

    lower_case = _lower_case_subject(text, catalog_words)
    unresolved = _unknown_ids(text, catalog_words) + _unresolved_names(text, catalog_words, directory) + \
        ([lower_case] if lower_case else [])
    if unresolved:
        return _ask_unknown(unresolved[0], directory,
                            manager_id=requester.user_id if _names_a_report(text) else None,
                            requester_id=requester.user_id)
    relation = _relation_named(text, catalog_words)
    if relation:
        who = relation.group("who")
        return _relative(who[:1].lower() + who[1:], requester, directory)  # "The new hire" asked as "the new hire"
    pronoun = next((found for pattern in _PRONOUN_TARGETS if (found := pattern.search(text))), None)
    if pronoun:
        who = pronoun.group("who").lower()
        question = f"Who do you mean by \"{who}\"? Please give the person's name or email address."
        return TargetFinding(clarification=Clarification(slot="user", question=question, mentioned=who))
    subject = third_person_subject(text, catalog_words, app_words) or described_beneficiary(text, catalog_words)
    if subject:
        # "The contractor needs ...", "Our CFO needs ...": someone else, whom no name here tells.
        return TargetFinding(clarification=_ask_relative(subject, requester, directory))
    self_text = _SELF.search(text) or _CASELESS_SELF.search(text)
    unread = [word for word in _caseless_words([token.text for token in tokens(text)]) if word not in catalog_words]
    if unread and not self_text:
        # "李娜需要Jira的Read权限": a name may stand in words no pattern here reads; the requester is not assumed.
        question = "Who should get the access? Please give their name or email address (or say \"me\")."
        return TargetFinding(clarification=Clarification(slot="user", question=question, mentioned=unread[0]))
    match = MatchedEntity(kind="user", id=requester.user_id, label=requester.display_name, score=1.0,
                          matched_text=self_text.group(0) if self_text else "")
    return TargetFinding(person=requester, is_requester=True, matches=[match])


_SLOT_VERBS = r"(?:for|give|add|grant|provision|onboard|enrol+|let|allow|enable|set up|sign up|get|on behalf of)"


# "Ivana Eriksen's manager needs ...", "give Rui's boss ...": the manager of someone named, where the one to get
# access stands.
_MANAGER_OF = re.compile(
    rf"(?:(?P<verb>\b(?:{_VERBS}|(?i:for|on\s+behalf\s+of))\s+)|{_OPENING}(?P<can>(?i:can|could|may|should)\s+)?)"
    rf"(?P<name>{_ANY_NAME})['\u2019]s\s+(?i:line\s+manager|manager|boss|supervisor)\b(?!['\u2019]s)"
    r"(?P<subject>\s+(?i:" + _SUBJECT_VERBS + r"|get|have)\b)?")


def _manager_of_named(text: str, requester: Person, directory: Directory) -> TargetFinding | None:
    """The manager the directory gives someone named ("Ivana Eriksen's manager needs ..."), or the question who
    they are when the name is not one person's or that person has no manager; None when no one is so named."""
    speaks_of_self = bool(_STRONG_SELF.search(text))
    found = next((match for match in _MANAGER_OF.finditer(text) if _names_the_manager(match, speaks_of_self)), None)
    if found is None:
        return None
    name = found.group("name")
    people = directory.find_people(emails=[], names=[name_key(name)], user_ids=[])
    manager = directory.get_person(people[0].manager_id) if len(people) == 1 and people[0].manager_id else None
    if manager is not None:
        return _named(f"{name}'s manager", [manager], requester)
    question = (f"Who is {name}'s manager? Please give the name or email address of the person who should get the "
                "access.")
    return TargetFinding(clarification=Clarification(slot="user", question=question, mentioned=f"{name}'s manager"))


def _names_the_manager(found: re.Match[str], speaks_of_self: bool) -> bool:
    """Whether "X's manager" stands where the one to get access does: given something ("give X's manager ..."),
    as the subject ("X's manager needs ...", "Can X's manager get ..."); after "for" only when the requester does
    not speak of themselves ("I'm covering for X's manager, I need ..." is the requester's)."""
    verb = (found.group("verb") or "").strip().lower()
    if verb:
        return not (speaks_of_self and verb.startswith(("for", "on behalf")))
    subject = (found.group("subject") or "").strip().lower()
    if found.group("can"):
        return subject in ("get", "have")
    return bool(subject) and subject not in ("get", "have")


def _words_text(text: str) -> str:
    """The sentence as its words, folded, one space apart ("'s" kept on its word): the form mentions take."""
    return "".join(token.text if token.text == "'s" else f" {token.text}" for token in tokens(text)).strip()


def _in_target_slot(folded_text: str, mention: str, *, possessive: bool = True) -> bool:
    """Whether the mention stands where the one to get access does. "Ana's" counts only with `possessive` (not
    when the requester speaks of themselves: "I need Viewer to review Ana's dashboard" is theirs)."""
    name = re.escape(mention)
    patterns = (
        rf"\b{_SLOT_VERBS}\s+(?:user\s+)?{name}\b(?!['\u2019]s)",  # "for Ana's manager" is not for Ana
        rf"^\W*(?:(?:hi|hello|hey|please)\W+)*(?:can|could|may|should|would)\s+{name}\s+(?:also\s+)?"
        r"(?:get|have|be|receive|obtain)\b",
        *([rf"\b{name}['\u2019]s\b"] if possessive else []),
        rf"^\W*(?:\w+\W+){{0,2}}{name}\s+(?:{_SUBJECT_VERBS})\b",
        rf"\b(?:like|want|need|ask for)\s+{name}\s+to\s+(?:have|get|be|receive|access|use)\b",
        rf"\bset(?:s|ting)?\s+{name}\s+up\b",
        rf"\b(?:my|our)\s+(?:new\s+)?(?:{_REPORTING})\s+{name}\b",
    )
    return any(re.search(pattern, folded_text) for pattern in patterns)


def _group_by_mention(
    text: str, people: Sequence[Person], mentioned_emails: Sequence[str], id_slots: Sequence[str]
) -> dict[str, list[Person]]:
    """People found, grouped by the words that named them; one group per distinct mention."""
    folded_names = set(_name_windows(text))
    groups: dict[str, list[Person]] = {}
    for person in people:
        if person.email.casefold() in mentioned_emails:
            mention = person.email.casefold()
        elif person.user_id.casefold() in id_slots:
            mention = person.user_id
        elif name_key(person.display_name) in folded_names:
            mention = name_key(person.display_name)
        else:
            continue
        groups.setdefault(mention, []).append(person)
    # A display name that is also part of a longer display name found in the text is not a mention of its own.
    for mention in list(groups):
        if any(mention != other and mention in other for other in groups):
            del groups[mention]
    # Several mentions of one and the same person (name and email) are one mention.
    unique: dict[str, list[Person]] = {}
    seen: set[tuple[str, ...]] = set()
    for mention, group in groups.items():
        key = tuple(sorted(person.user_id for person in group))
        if key not in seen:
            seen.add(key)
            unique[mention] = sorted(group, key=lambda person: person.user_id)
    return unique


_SENTENCE_END = re.compile(r"(?P<word>[\w'\u2019-]*)[.!?;]+\s+")
# Words a period follows without ending the sentence: titles, "St." and an initial ("J. Smith").
_ABBREVIATIONS = frozenset({"dr", "mr", "mrs", "ms", "mx", "prof", "st", "jr", "sr", "no", "vs", "etc", "eg", "ie"})


def _later_sentences(text: str) -> list[int]:
    """Where each sentence after the first begins; a period after a title or an initial ends none."""
    starts = []
    for end in _SENTENCE_END.finditer(text):
        word = end.group("word")
        if len(word) <= 1 or fold(word) in _ABBREVIATIONS:
            continue
        starts.append(end.end())
    return starts
# In a later sentence, someone else who needs access too: "Also Rui needs it.", "He needs it too."
_LATER_SUBJECT = re.compile(rf"\s*(?:(?i:also|and|plus|oh|then|ps|p\.s\.)\W+)*(?P<name>{_ANY_NAME}|(?i:he|she|they))"
                            r"\s+(?i:needs|wants|requires|should get|must get|will need|also needs|too)\b"
                            r"(?!\s+to\s+(?:approve|sign|review|confirm|check|know|decide|see))")

# The requester and someone else together: "Miguel Huang and I need ...", "give me and my new hire ...", "for Ana
# and me", "I need Agent in Zendesk; also add Hannah".
_OTHER = (rf"(?P<other>(?i:my|our)\s+(?i:new\s+)?(?i:{_RELATIVE})(?:\s+(?i:lead|leader|manager|members?|mates?))?"
          rf"(?:\s+{_ANY_NAME})?|{_ANY_NAME})(?!['\u2019]s)")
# Where a clause starts: "Isaac Sharma and I need ..." also after "For the Q3 audit, " or "As discussed - ".
_CLAUSE = r"(?:^|[,;:.!?]\s+|\s[-\u2013\u2014]\s+)\W*(?:(?i:hi|hello|hey|dear|please|pls|team|all|everyone)\W+)*"
_ME = r"(?i:me|myself|I)"
_AND = r"\s+(?:(?i:and|plus|as\s+well\s+as)|&)\s+"
_TOGETHER_VERBS = r"\s+(?i:need|want|require|both\s+need|would\s+like|should\s+get|must\s+get)\b"
# After the requester's own request, a further clause: "...; also ...", "..., and ...".
_FURTHER = r"(?:[;,.]\s*|\s+(?i:and)\s+)(?i:also\s+)?"
_WITH_REQUESTER = (
    re.compile(rf"{_CLAUSE}{_OTHER}{_AND}{_ME}{_TOGETHER_VERBS}"),
    re.compile(rf"{_CLAUSE}{_ME}{_AND}{_OTHER}{_TOGETHER_VERBS}"),
    re.compile(rf"\b(?:{_VERBS}|(?i:for))\s+(?i:me|myself){_AND}{_OTHER}"),
    re.compile(rf"\b(?:{_VERBS}|(?i:for))\s+{_OTHER}{_AND}(?i:me|myself)\b"),
    # After the requester's own request: "... Please also give Li Na the same", "..., same for Rui", "...; also add
    # Rui" (the last only for someone the directory knows).
    re.compile(rf"{_FURTHER}(?i:please\s+)?(?i:also\s+)?(?i:add|give|grant)\s+(?i:also\s+)?{_OTHER}"
               r"\s+(?i:the\s+same|too|as\s+well)"),
    re.compile(rf"{_FURTHER}(?i:the\s+)?(?i:same)\s+(?i:for|goes\s+for)\s+{_OTHER}"),
    re.compile(rf"{_FURTHER}(?i:please\s+)?(?i:add|give|grant|include)\s+(?i:also\s+)?{_OTHER}"),
    # The same in lower case ("...; also add isaac sharma"), where the name ends the clause.
    re.compile(rf"{_FURTHER}(?i:please\s+)?(?i:add|give|grant|include)\s+(?i:also\s+)?"
               r"(?P<other>[^\W\d_][\w'\u2019-]*(?:\s+(?!(?i:too|as|please)\b)[^\W\d_][\w'\u2019-]*)?)"
               r"(?=\s*(?:$|[.,;!?]|(?i:too|as\s+well|please)\b))"),
)
# Further clauses that may name a thing instead of a person: they count only for someone the directory knows.
_ADDED = _WITH_REQUESTER[-2:]


def _with_the_requester(text: str, catalog_words: set[str], directory: Directory) -> str | None:
    """Someone asked for together with the requester, as typed; None when no one is."""
    for pattern in _WITH_REQUESTER:
        found = pattern.search(text)
        if found is None:
            continue
        added = pattern in _ADDED
        if added and not _STRONG_SELF.search(text[: found.start()]):
            continue  # "Please add Hannah to ...": Hannah alone
        words = found.group("other").strip(".'\u2019 ").split()
        if fold(words[0]) in ("my", "our"):
            return " ".join(words)  # "my new hire"
        while len(words) > 1 and fold(words[-1]) in catalog_words:
            words.pop()  # "Miguel Huang Team Lead in Zendesk": the name ends before the role
        if fold(words[0]) in catalog_words or fold(words[0]) in _NOT_A_NAME_START:
            continue
        # "...; also add Finance dashboards": only someone the directory knows (every word typed a word of their
        # name) is added, not a thing.
        if not added:
            return " ".join(words)
        known = _known_as(" ".join(words), directory)
        if known:
            return known
    return None


def _known_as(name: str, directory: Directory) -> str | None:
    """`name` as the directory writes it, when it has someone with every word of `name` among the words of their
    name (the whole directory name for exactly one such person typed in lower case, else `name` as typed); None
    when it has no one."""
    words = set(fold(name).split())
    people = [person for person in directory.suggest_people(name, 5) if words <= set(fold(person.display_name).split())]
    if not people:
        return None
    return people[0].display_name if len(people) == 1 and name.islower() else name


def _several_people(text: str, catalog_words: set[str], groups: dict[str, list[Person]],
                    directory: Directory) -> Clarification | None:
    """The answer when the message asks for more than one person: two joined by "and" (asked which first), or a
    later sentence asking for someone else ("I need Manager in Rota. Also Rui needs it.", answered: a request for
    the first would silently leave out the second)."""
    joined = _joined_names(text, catalog_words)
    if joined:
        return _ask_one_of(joined, groups, directory)
    together = _with_the_requester(text, catalog_words, directory)
    if together:
        return Clarification(slot=ENDED_SLOT, mentioned=together, question=(
            f"Your message asks for access for you and for {_MY.sub('your', together)}, and I handle one person per "
            "request, so nothing was requested. Please ask for each person on their own."))
    shape = capitals_shape(text)
    for start in _later_sentences(shape):
        found = _LATER_SUBJECT.match(shape, start)
        if found is None:
            continue
        name = text[found.start("name") : found.end("name")]
        folded = [fold(word) for word in name.split()]
        if folded[0] in ("he", "she", "they"):
            # "He needs it too" after "I need ...": someone else; after "Ana needs ...": most likely Ana.
            other = bool(_STRONG_SELF.search(text)) and not groups
        else:
            named_before = any(set(folded) <= set(mention.split()) for mention in groups)
            other = not named_before and folded[0] not in _NOT_A_NAME_START and \
                not all(word in catalog_words or word in FILLER_WORDS for word in folded)
        if other:
            return Clarification(slot=ENDED_SLOT, mentioned=name, question=(
                f"Your message asks for access for more than one person (\"{name}\" in a later sentence), and I "
                "handle one person per request, so nothing was requested. Please ask for each person on their own."))
    return None


def _joined_names(text: str, catalog_words: set[str]) -> list[str]:
    """Two names joined by "and" where the beneficiary is named, neither of them a catalog word ("for Jira and
    Confluence" names applications)."""
    shape = capitals_shape(text)
    for pattern in _JOINED:
        found = pattern.search(shape)
        if found is None:
            continue
        names = [text[found.start(part) : found.end(part)].strip(".'\u2019 ") for part in ("a", "b")]
        if all(names) and not any(fold(name.split()[0]) in catalog_words for name in names):
            return names
    return []


def _ask_one_of(names: Sequence[str], groups: dict[str, list[Person]], directory: Directory) -> Clarification:
    """Several people asked for at once: AskIAM handles one per request, so which first."""
    people: dict[str, Person] = {}
    for name in names:
        exact = groups.get(name_key(name), [])
        for person in exact or directory.suggest_people(name, 3):
            people.setdefault(person.user_id, person)
    lead = (f"Your request names {len(names)} people ({', '.join(names)}), and I handle one person per request: "
            "who first?")
    if not people:
        return Clarification(slot="user", question=f"{lead} Please give the name or email address of one of them.",
                             mentioned=names[0])
    return _ask_which(list(people.values()), lead, names[0], ask="")


def _options(people: Sequence[Person]) -> tuple[Candidate, ...]:
    return tuple(Candidate(id=person.user_id, label=person_label(person)) for person in people)


def _ask_which(candidates: Sequence[Person], lead: str, mention: str,
               ask: str = "Which one do you mean?") -> Clarification:
    options = _options(candidates)
    question = " ".join(part for part in (lead, ask, f"{numbered(o.label for o in options)}.") if part)
    return Clarification(slot="user", question=f"{question} Reply with the number or the email address.",
                         candidates=options, mentioned=mention)


def _ask_whether_self(groups: dict[str, list[Person]], requester: Person) -> Clarification:
    """Someone named where the sentence does not say they get the access, and the requester only as "my": whose?"""
    people = {person.user_id: person for group in groups.values() for person in group}
    people.setdefault(requester.user_id, requester)
    names = " or ".join(sorted({person.display_name for person in people.values()
                                if person.user_id != requester.user_id}))
    return _ask_which(list(people.values()), f"Is this access for {names}, or for you?", next(iter(groups)),
                      ask="Who should get it?")


def _relation_named(text: str, catalog_words: set[str]) -> re.Match[str] | None:
    """Where the text names the one to get access by relation ("my new hire needs ..."); not "My manager wants
    me to have ...", where the manager asks for the requester, nor "I need Reader to prepare slides for my
    manager", where "for" gives a purpose, not the access."""
    for pattern in _RELATIONS:
        relation = pattern.search(text)
        if relation is None:
            continue
        purpose = relation.group(0)[:3].lower() == "for" and _STRONG_SELF.search(text) \
            and not right_after_the_access(text[: relation.start()], catalog_words)
        if purpose:
            continue
        # As the subject, "my manager" may speak for the requester ("My manager wants me to have ..."); in the
        # beneficiary's place ("I need Viewer for my manager") it is the one to get access.
        as_subject = pattern is _RELATIONS[-1]
        if as_subject and _MANAGER.fullmatch(relation.group("who")) and _STRONG_SELF.search(text):
            return None
        return relation
    return None


def _relative(who: str, requester: Person, directory: Directory) -> TargetFinding:
    """The person "my manager" is (the directory knows); for anyone else ("my new hire"), the question who."""
    manager = directory.get_person(requester.manager_id) if _MANAGER.fullmatch(who) and requester.manager_id \
        else None
    if manager is not None:
        return _named(who, [manager], requester)
    return TargetFinding(clarification=_ask_relative(who, requester, directory))


_GROUP = re.compile(r"\b(?:team|staff|department|group|squad)$", re.IGNORECASE)
_PLURAL = re.compile(r"\b(?:reports|hires|starters|joiners|colleagues|teammates|members|employees|contractors|"
                     r"interns|assistants|peers|people|consultants|vendors)$", re.IGNORECASE)


# Some of a group: "one of my team", "someone on my team", "two of my engineers", "everyone in my squad".
_SOME_OF = re.compile(r"^(?P<how_many>(?:just\s+)?(?:one|someone|somebody|anyone|anybody|a\s+person|a\s+member|each|"
                      r"everyone|everybody|all|both|two|three|four|five|several|some|a\s+few|a\s+couple|few|many|"
                      r"most|members?|people|the\s+rest))\s+(?:of|in|on|from|among)\s+(?P<group>.+)$", re.IGNORECASE)
_ONE_OF = re.compile(r"(?:just\s+)?(?:one|someone|somebody|anyone|anybody|a\s+person|a\s+member|each)", re.IGNORECASE)
_WHOLE = re.compile(r"\b(?:whole|entire|all)\b", re.IGNORECASE)
_ONE_EACH = " I handle one person per request: name one, and ask again for each of the others."


def _ask_relative(who: str, requester: Person, directory: Directory) -> Clarification:
    """Who "my report", "my new hire" is: the requester's reports are offered, when they have any."""
    some = _SOME_OF.match(who)
    group = some.group("group") if some else who
    shown = _MY.sub("your", group)  # asked back: "Who is your report?"
    # A group is asked who in it: "Who in your team?", "Who among the contractors?".
    ask = f"Who in {shown}?" if _GROUP.search(group) else \
        f"Who among {shown}?" if _PLURAL.search(group) or (some and fold(group).endswith("s")) else f"Who is {shown}?"
    if (some and not _ONE_OF.fullmatch(some.group("how_many"))) or _WHOLE.search(group):
        ask += _ONE_EACH
    reports = directory.reports_of(requester.user_id, _LISTED_REPORTS + 1) if _SOMEONE_REPORTING.search(who) else []
    if not reports:
        question = f"{ask} Please give the name or email address of the person who should get the access."
        return Clarification(slot="user", question=question, mentioned=who)
    options = _options(reports[:_LISTED_REPORTS])
    listing = numbered(option.label for option in options)
    more = "; and others" if len(reports) > _LISTED_REPORTS else ""
    question = (f"{ask} Your reports: {listing}{more}. Reply with the number, or the name or email address of "
                "someone else.")
    return Clarification(slot="user", question=question, candidates=options, mentioned=who)


def _ask_unknown(mention: str, directory: Directory, manager_id: str | None = None,
                 requester_id: str | None = None) -> TargetFinding:
    """What to ask of a name nobody has in full. With `manager_id` ("my report Oliver"), that manager's reports
    with a name like it, if there are any, however many others share the name; otherwise anyone's, the
    requester's own reports first (a manager asking for "Hannah" most likely means theirs)."""
    suggestions = directory.suggest_people(mention, manager_id=manager_id) if manager_id is not None else []
    if not suggestions:
        own = directory.suggest_people(mention, manager_id=requester_id) if requester_id is not None else []
        anyone = directory.suggest_people(mention)
        listed = {person.user_id for person in own}
        suggestions = [*own, *(person for person in anyone if person.user_id not in listed)][:_SUGGESTED]
    options = _options(suggestions)
    words = set(fold(mention).split())
    # "Alvarez" as part of someone's name: a question of which (or whether), not of a name nobody has.
    part_of_a_name = any(words <= set(fold(person.display_name).split()) for person in suggestions)
    if len(options) == 1:  # one possibility: a yes settles it
        lead = f"Do you mean {options[0].label}?" if part_of_a_name else \
            f"I could not find anyone called '{mention}'. Did you mean {options[0].label}?"
        question = f"{lead} Reply yes, or give the person's name or email address."
        return TargetFinding(clarification=Clarification(slot="user", question=question, candidates=options,
                                                         mentioned=mention))
    if options:
        listing = numbered(option.label for option in options)
        lead = f"Who do you mean by '{mention}'?" if part_of_a_name else \
            f"I could not find anyone called '{mention}'. Did you mean one of these?"
        question = f"{lead} {listing}. Reply with the number or the person's email address."
    else:
        question = f"I could not find anyone called '{mention}'. Who should get the access? Please give their email."
    return TargetFinding(clarification=Clarification(slot="user", question=question, candidates=options,
                                                     mentioned=mention))


def uses_pronoun(text: str) -> bool:
    """Whether the message speaks of someone as "he", "she", "them", ... ("he also needs Editor")."""
    return any(word in PRONOUNS for word in re.findall(r"\w+", fold(text)))


# Words that start or end a follow-up rather than name someone ("Actually, ...", "What about ...", "... too").
_FOLLOW_UP_WORDS = frozenset("actually what how about too instead rather same also and plus then sorry great cool "
                             "perfect thanks thank ok okay yes no".split())
_CAPITALISED_WORD = re.compile(r"(?<![\w'\u2019-])[A-Z][\w'\u2019-]+")


# How a reply to "who?" may open before the name it gives: "no, I meant Noah", "sorry - it's Noah", "neither, Noah".
_REPLY_OPENING = re.compile(
    r"^\W*(?:(?:no|nope|nah|sorry|oops|actually|neither|none\s+of\s+(?:them|those|these)|not\s+(?:him|her|them|"
    r"that\s+one|those|these)|wrong\s+(?:one|person))\b\W*)*(?:(?:i\s+(?:meant|mean|was\s+(?:talking\s+about|"
    r"referring\s+to|thinking\s+of))|it\s*['\u2019]?s|it\s+is|it\s+was|that\s+is|that\s*['\u2019]s)\b\W*)?",
    re.IGNORECASE)
# Replies to "who?" that name no one: "no one", "idk", "stop", "skip".
_NO_ONE = re.compile(r"(?:no\s*-?\s*one|nobody|none(?:\s+of\s+(?:them|those|these))?|neither|nah|no|nope)")
_NOT_A_REPLY_NAME = frozenset("""idk dunno unsure unknown stop cancel skip nevermind whatever help huh what why how
    anyone anybody someone somebody everyone everybody nobody none noone""".split())
# A name given alone as a reply: one to three words of letters (any case), "O'Neil", "Anne-Marie", "J. Smith".
_NAME_ALONE = re.compile(r"(?:[^\W\d_][\w'\u2019.-]*)(?:\s+[^\W\d_][\w'\u2019.-]*){0,2}")


def name_in_reply(text: str, catalog_words: set[str], directory: Directory,
                  requester_id: str | None = None) -> TargetFinding | None:
    """The person a reply to "who?" names on its own ("Noah", "no, I meant noah ferreira"): that person when the
    directory has exactly one by that whole name, else the question of which; None when the reply is not a name
    alone, or names the requester ("me", "I meant me") or no one the directory comes close to."""
    if _NO_ONE.fullmatch(fold(text).strip(" .!?,;:")):
        return None
    name = without_reply_opening(text).strip(" .!?,;:")
    if not name or not _NAME_ALONE.fullmatch(name):
        return None
    folded = fold(name).split()
    if any(word in _FOLLOW_UP_WORDS or word in PRONOUNS or word in _NOT_A_REPLY_NAME or _SELF.fullmatch(word)
           for word in folded):
        return None
    whole = directory.find_people(emails=[], names=[name_key(name)], user_ids=[])
    if len(whole) == 1:
        match = MatchedEntity(kind="user", id=whole[0].user_id, label=whole[0].display_name, score=1.0,
                              matched_text=name)
        return TargetFinding(person=whole[0], matches=[match])
    if len(whole) > 1:
        return TargetFinding(clarification=_ask_which(whole, f"More than one person is called '{name}'.", name))
    # Not a whole name: a word of the catalog ("Viewer") or a filler is no one's; anything else close to a name is
    # asked about.
    if any(word in catalog_words or word in FILLER_WORDS for word in folded) or not directory.suggest_people(name):
        return None
    return _ask_unknown(name, directory, requester_id=requester_id)


def without_reply_opening(text: str) -> str:
    """A reply to "who?" without what opens it ("no, I meant ...", "sorry, it's ..."); "no one" is left whole."""
    if _NO_ONE.fullmatch(fold(text).strip(" .!?,;:")):
        return text
    return _REPLY_OPENING.sub("", text, count=1)


def name_in_passing(text: str, catalog_words: set[str], directory: Directory) -> Clarification | None:
    """The question about a capitalised word that can only be someone's name, said without a verb around it
    ("and also Rui", "Rui too", "what about Rui?"): only for a follow-up, where the rest is already settled."""
    for found in _CAPITALISED_WORD.finditer(capitals_shape(text)):
        word = text[found.start() : found.end()]
        folded = fold(word)
        if folded in catalog_words or folded in FILLER_WORDS or folded in _NOT_A_NAME_START or \
                folded in _FOLLOW_UP_WORDS:
            continue
        if directory.suggest_people(word):
            return _ask_unknown(word, directory).clarification
    return None
