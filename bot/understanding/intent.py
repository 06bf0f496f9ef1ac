"""Whether a sentence asks to take access away rather than to be given it.

AskIAM decides requests for access. "I no longer need Reader in Confluence, please remove it" names an application
and a role just like a request for them, so it must be recognised before anything is resolved: read as a request,
it could be granted.

A removal word alone does not make a removal: "I need Contributor to remove stale pages" asks for access. Two
things decide. A removal word that states the purpose of a request ("... Contributor to remove", "so I can take
them off") is not one; "I need to remove", "I want to give up" are. And what the word acts on must be access: the
requester ("me", "my"), access itself ("access", "role", "seat", "it"), an application's name, or a role's name
written as a name ("Viewer", not the "pages" of "stale pages"). Verbs are recognised in any form and with one typo
("revoked", "removal", "remvoe").
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

from rapidfuzz.distance import OSA

from bot.understanding.catalog_matcher import FILLER_WORDS
from bot.understanding.examples import Examples
from bot.understanding.text import fold

# Verbs (and their nouns) that, acting on access, mean taking it away; matched by stem, or whole with one typo.
_STEMS = ("remov", "revok", "revoc", "rescind", "relinquish", "renounc", "surrender", "deactivat", "deprovision",
          "unprovision", "unassign", "offboard", "unsubscrib", "withdr", "disabl", "delet", "cancel", "drop",
          "strip", "retir", "terminat", "scrap", "retract", "abandon", "undo", "stornier", "annul")
_TYPO_TARGETS = ("remove", "revoke", "rescind", "relinquish", "renounce", "surrender", "deactivate", "deprovision",
                 "unassign", "offboard")
_ABBREVIATIONS = {"rmv", "rm"}
# Phrasal forms, on the folded words: the object window starts where the match ends.
_PHRASES = re.compile(
    r"\b(?:give|gives|giving|given|gave|hand|hands|handing|handed|take|takes|taking|taken|took|get|gets|getting|got|"
    r"gotten|kick|kicked|kicking|cut|cutting|switch|switched|switching|turn|turned|turning|pull|pulled|pulling)\s+"
    r"(?:(?:me|him|her|them|us|it|my|the|this|that)\s+)?(?:\w+\s+){0,5}?(?:up|back|away|off|out)\b"
    r"|\bget(?:ting)? rid of\b|\bopt(?:ing)? (?:me |him |her |them |us )?out\b|\bwant(?:s)? out\b"
    r"|\bstop(?:ping)? having\b|\blet\s+(?:\w+\s+){1,6}?expire\b"
    r"|\b(?:return|returning|lose|losing|close|closing|end|ending|pull|pulling|stop|stopping)\s+my\b"
    r"|\bcall(?:s|ed|ing)?\s+off\b|\bnever\s*mind\s+(?:the|my)\b|\bchanged?\s+my\s+mind\s+(?:about|on)\b")
# "Give me back ...", "hand us back ...": access returned to the person, which is a request.
_GIVEN_BACK = re.compile(r"^(?:give|gives|giving|given|gave|hand|hands|handing|handed)\s+(?:me|him|her|them|us)\b")
# "No longer needed", "don't need": a lack of need for what follows (or, for "needed", what came before).
_NO_NEED = re.compile(
    r"\b(?:no longer|no further|don't|dont|do not|doesn't|does not|never|not)\s+(?:\w+\s+)?"
    r"(?P<verb>need|needs|needed|want|wants|wanted|require|requires|required|necessary|use|using)\b"
    r"|\bno (?:further |more )?need\b")
# Access lost and wanted back is a request, whatever took it away ("my role was revoked, I need it back").
_RESTORE = re.compile(r"\b(?:need|needs|want|wants|get|have|like)\s+(?:(?!to\b)\w+\s+){0,4}?back\b|\brestor|\breinstat"
                      r"|\bre-?enabl|\bre-?grant|\bre-?activat")
# The access asked for, ended later ("until 15 January, then it can be removed"), or chosen instead of another
# ("I don't want admin, just Reader"): a request, not a removal.
_REMOVED_LATER = re.compile(r"\b(?:then|after(?:wards|\s+that)?|once\s+(?:done|finished|it\s+ends))\s*,?\s+"
                            r"(?:it|that|the\s+access|access|the\s+role)\s+(?:can|could|should|will|may)\s+be\s+"
                            r"(?:removed|revoked|taken\s+away|deleted|disabled|withdrawn)")
_INSTEAD_OF = re.compile(r"\b(?:don't|dont|do\s+not)\s+(?:want|need)\s+[^.;!?]{1,60}?[,-]?\s+"
                         r"(?:just|only|but|rather)\s+(?!not\b)\w")
# A need that ends later is a request with an end date, not a removal ("I need it, won't need it after March").
_FUTURE = re.compile(r"\b(?:won't|will not|wouldn't|would not)\s+(?:\w+\s+)?(?:need|want|require)")
_ACCESS_WORDS = frozenset("""
    me my myself mine it access accesses role roles permission permissions right rights seat seats license licence
    licenses licences account membership memberships entitlement entitlements privilege privileges
""".split())
_NOT_AN_OBJECT = frozenset("to anything anyone anybody more else much nothing".split())
_WINDOW = 5
_CLAUSE_BREAK = re.compile(r"[.;!?\n]+|--+")
# Provisioning phrases that end in "up": "set up", "signed up", "hooked up".
_SETS_UP = re.compile(r"\b(?:set|sets|setting|sign|signs|signed|signing|hook|hooked|hooking|log|logged)\s+up$")

REMOVAL_SLOT = "removal"


def removal_answer(examples: Examples) -> str:
    return ("I can only handle requests for new access, so nothing was changed. To have access removed, ask the "
            "application's owner or your IAM team. To request access, say what you need, for example "
            f"\"{examples.request}\". To withdraw a request still waiting for approval, say \"withdraw\" and its "
            "id, for example \"withdraw R-1234\".")



_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_POLITE = frozenset("please pls plz kindly".split())
_CAPITALISED = re.compile(r"\b[A-Z][\w'-]*")
# Words before "to" that make what follows the wish itself ("I want to give up ..."), not a request's purpose.
_DESIRES = frozenset("want wants wanted like need needs wish wishes have has had going plan planning would love "
                     "prefer asking ask please able".split())


def naming_words(words: Iterable[str]) -> frozenset[str]:
    """The words of catalog names that can show what a removal acts on (not "the", "to" and other fillers); built
    once per catalog, for `asks_for_removal`."""
    return frozenset(word for word in words if len(word) > 2 and word not in FILLER_WORDS)


def asks_for_removal(text: str, app_words: Collection[str], role_words: Collection[str]) -> bool:
    """Whether the text asks to remove, revoke or give up access (see the module's description). `app_words` and
    `role_words` are the `naming_words` of the catalog's application and role names."""
    folded = re.sub(r"\b(un|de)-(?=[a-z])", r"\1", fold(text).replace("\u2019", "'"))
    if _RESTORE.search(folded) or _REMOVED_LATER.search(folded) or _instead_of(folded):
        return False
    written_as_names = {fold(word) for word in _CAPITALISED.findall(text)}
    # A removal word acts on what its own sentence names: "'; DROP TABLE users; -- I need Box Editor" is a request.
    clauses = [clause for clause in _CLAUSE_BREAK.split(folded) if clause.strip()]
    return any(_removal_in(clause, app_words, role_words, written_as_names) for clause in clauses)


def _instead_of(folded: str) -> bool:
    """"I don't want admin, just Reader": another access asked for instead, with no removal word after it ("I don't
    need Editor anymore, just remove it" is a removal)."""
    found = _INSTEAD_OF.search(folded)
    return found is not None and not any(_is_removal_word(word) for word in _WORD.findall(folded[found.end() - 1:]))


def _removal_in(folded: str, app_words: Collection[str], role_words: Collection[str],
                written_as_names: Collection[str]) -> bool:
    """`asks_for_removal` for one clause of the folded text."""
    words = _WORD.findall(folded)

    def names_access(window: Sequence[str]) -> bool:
        return any(word in _ACCESS_WORDS or word in app_words or (word in role_words and word in written_as_names)
                   for word in window)

    for position, word in enumerate(words):
        if not _is_removal_word(word) or _states_a_purpose(words[:position]):
            continue
        after = words[position + 1 : position + 1 + _WINDOW]
        before = words[max(0, position - _WINDOW) : position]
        if after and after[0] in _NOT_AN_OBJECT:
            continue  # "to remove anything", "delete nothing"
        # The object comes before a passive form ("my role ... revoked"), or before a verb that ends the sentence
        # ("Looker Viewer: please remove").
        ends_a_request = not after and bool(before) and before[-1] in _POLITE
        if names_access(after) or ((_passive(word) or ends_a_request) and names_access(before)):
            return True
    for match in _PHRASES.finditer(folded):
        if _GIVEN_BACK.match(match.group(0)) or _states_a_purpose(_WORD.findall(folded[: match.start()])):
            continue
        particle = _WORD.findall(match.group(0))[-1]
        if particle in role_words or particle in app_words or _SETS_UP.search(match.group(0)):
            continue  # "give Zoe the Back Office role", "get Daniel set up with Jira", "get Mateo signed up"
        inside = [word for word in _WORD.findall(match.group(0))[1:] if word != "my"]
        after = _WORD.findall(folded[match.end():])[:_WINDOW]
        before = _WORD.findall(folded[: match.start()])[-_WINDOW:]
        # Said last, the phrase acts on what came before it ("my Editor role taken away").
        if names_access(inside) or names_access(after) or (not after and names_access(before)):
            return True
    if _FUTURE.search(folded):
        return False
    for match in _NO_NEED.finditer(folded):
        after = _WORD.findall(folded[match.end():])[:_WINDOW]
        before = _WORD.findall(folded[: match.start()])[-_WINDOW:]
        if (after and after[0] in _NOT_AN_OBJECT) or "without" in after:
            continue  # "don't want to wait", "don't need anything more", "can not use Looker without Viewer"
        passive = (match.group("verb") or "") in {"needed", "required", "necessary", "wanted"}
        if names_access(after) or ((passive or not after) and names_access(before)):
            return True
    return False


def _states_a_purpose(before: Sequence[str]) -> bool:
    """Whether the words before a removal word end in a purpose: "... Contributor to", "so I can", not "I need to"."""
    if len(before) >= 2 and before[-1] == "to":
        return before[-2] not in _DESIRES
    return len(before) >= 3 and before[-3:-1] in (["so", "i"], ["so", "we"], ["that", "i"]) and before[-1] in {
        "can", "could", "may", "might"}


def _is_removal_word(word: str) -> bool:
    if word in _ABBREVIATIONS:
        return True
    if any(word.startswith(stem) for stem in _STEMS):
        return True
    return len(word) >= 5 and any(OSA.distance(word, target) <= 1 for target in _TYPO_TARGETS)


def _passive(word: str) -> bool:
    """A form whose object comes before it: "my role ... removed", "... revocation", "it can be deleted"."""
    return word.endswith(("ed", "al", "ion", "ment"))
