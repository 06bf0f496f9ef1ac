"""Words standing where a request names its application that name no application of the catalog ("admin in
salesforce", "I need Jira access", "Need salesforce admin"), so the answer can say the application is unknown."""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence

from bot.understanding.catalog_matcher import FILLER_WORDS

ROLE_NOUNS = frozenset({"role", "roles", "access", "permission", "permissions", "rights", "privileges", "seat"})
# Where an application is named after a role ("Reader in Box"); "for" often names a person or a purpose instead.
_LINKS = frozenset({"in", "on", "within", "inside"})
_MAX_WORDS = 3
# Words after which "to" names where the access is: "access to Slack", "log into Figma".
_ACCESS_TO = frozenset({"access", "permission", "permissions", "rights", "privileges", "login", "log", "sign",
                        "signin", "admission"})
# Words after "in"/"on" that name when or why, not an application ("on Monday", "in order to", "in production").
NOT_APPLICATIONS = frozenset("""
    monday tuesday wednesday thursday friday saturday sunday weekend weekday morning afternoon evening tonight
    tomorrow yesterday january february march april may june july august september october november december
    minute minutes hour hours day days week weeks month months quarter year years time advance case order
    general particular addition person progress place parallel charge future total detail full short fact
    production prod staging test testing dev development practice principle private public turn touch
    """.split())
# Role words a catalog may not have: never an application's name, but after one they show it was one
# ("salesforce admin").
_GENERIC_ROLES = frozenset("""
    admin administrator superuser owner editor viewer reader writer developer manager member user guest contributor
    approver analyst operator auditor maintainer moderator author publisher reviewer agent lead
    """.split())
# Words that, right after "I need" or before "access", say what kind of access or what for, never which application:
# kinds and levels of access, and ordinary things one needs.
_ORDINARY = _GENERIC_ROLES | frozenset("""
    elevated temporary temp permanent additional extra higher lower basic limited special normal regular usual
    default partial complete proper correct different other another similar standard privileged emergency standing
    read write edit view delete create update manage modify execute deploy approve submit administrative super root
    sudo help assistance support something anything everything nothing stuff thing things info information details
    question questions answer approval approvals everyone someone somebody anyone nobody local global remote physical
    external internal shared personal database db server servers machine laptop computer desktop phone printer
    environment env sandbox uat qa preprod team group project folder folders file files repo repository data report
    reports dashboard dashboards quick quickly again back still already really same
    page pages document documents spreadsheet spreadsheets ticket tickets space spaces channel channels board
    boards site sites records accounts invoices customers logs
    """.split())
# The verbs of a request: the application is named right after them ("I need Jira", "can I get salesforce admin").
_ASKING = frozenset({"need", "needs", "want", "wants", "get", "request", "requesting", "require", "requires", "like"})
_BEFORE_NAME = frozenset({"a", "an", "the", "some", "my", "our", "me", "him", "her", "them", "us"})
_COMPARING = frozenset({"as", "like", "than", "of"})
# What may follow an application's name there: the end, a role or access word, or a word that closes the request.
_AFTER_NAME = ROLE_NOUNS | frozenset({"account", "accounts", "license", "licence", "login", "seats"})
_CLOSING = frozenset({"please", "pls", "plz", "asap", "now", "today", "urgently", "thanks", "thx", "thank", "too"})


def unknown_application(words: Sequence[str], known: Container[str], role_words: Container[str],
                        spelt_like_known: Callable[[Sequence[str]], bool]) -> str:
    """The words where an application would stand that name nothing in the catalog; "" when there are none.

    Parameters
    ----------
    words:
        The request's folded words.
    known:
        Every word of the catalog's application and role names and aliases.
    role_words:
        The words of role names and aliases: after an unknown name they show it was an application's
        ("salesforce admin").
    spelt_like_known:
        Whether words are a close misspelling of a catalog name ("Viewr"), which is that name, not an unknown one.
    """
    named = _after_a_link(words, known) or _after_asking(words, known, role_words)
    return "" if not named or spelt_like_known(named) else " ".join(named)


def _after_a_link(words: Sequence[str], known: Container[str]) -> list[str]:
    """After "in"/"on" ("Godmode in salesforce"), or "to" after an access word ("access to Slack")."""
    for index, word in enumerate(words):
        to_access = word in ("to", "into") and index > 0 and words[index - 1] in _ACCESS_TO
        if word not in _LINKS and not to_access:
            continue
        start = index + 1
        while start < len(words) and words[start] in _BEFORE_NAME:
            start += 1  # "on the build server", "in our data warehouse"; but "access to the pages" names no place
        named = _name_at(words, start, known, _ORDINARY if start > index + 1 else frozenset())
        if named:
            return named
    return []


def _after_asking(words: Sequence[str], known: Container[str], role_words: Container[str]) -> list[str]:
    """Right after the verb of the request or at the start of the message ("I need Jira access", "Need salesforce
    admin", "jira access please"), when what follows the name shows it is one: the end of the message, a role or
    access word, or "please" and the like. Ordinary words there ("I need elevated access", "I need help") are not."""
    starts = [next((index for index, word in enumerate(words) if word not in FILLER_WORDS), len(words))]
    starts += [index + 1 for index, word in enumerate(words) if _asks(words, index)
               or (word in ("access", "use") and index > 0 and words[index - 1] == "to")]  # "to use Jira"
    for start in starts:
        if start > 0 and words[start - 1] in _COMPARING and not _asks(words, start - 1):
            continue  # "the same access as Ana", "access like Ana's": a person, not an application
        while start < len(words) and words[start] in _BEFORE_NAME:
            start += 1
        named = _name_at(words, start, known, _ORDINARY)
        if not named or any(map(_verb_form, named)):
            continue
        after = words[start + len(named)] if start + len(named) < len(words) else ""
        if not after or after in _AFTER_NAME or after in _CLOSING or after in role_words or after in _GENERIC_ROLES:
            return named
    return []


def _asks(words: Sequence[str], index: int) -> bool:
    """Whether the word at `index` is the verb of the request; "like" only as "would like" / "I'd like"."""
    if words[index] == "like":
        return index > 0 and words[index - 1] in ("would", "id", "d", "i'd")
    return words[index] in _ASKING


def _name_at(words: Sequence[str], start: int, known: Container[str],
             ordinary: Container[str] = frozenset()) -> list[str]:
    """The words from `start` that could be an application's name no catalog word is part of."""
    named: list[str] = []
    for following in words[start : start + _MAX_WORDS]:
        if following in FILLER_WORDS or following in known or following in _AFTER_NAME \
                or following in NOT_APPLICATIONS or following in ordinary or not following.isalpha():
            break
        named.append(following)
    return named


def _verb_form(word: str) -> bool:
    """A past or -ing form ("started", "onboarding"): what is done, not a name."""
    return len(word) >= 6 and word.endswith(("ed", "ing"))
