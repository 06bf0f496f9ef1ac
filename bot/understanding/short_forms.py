"""Short forms of application names that people type although no one listed them as aliases: "GCP" for Google
Cloud Production, "Jira SM" for Jira Service Management."""

from __future__ import annotations

from collections.abc import Iterable

from bot.understanding.catalog_matcher import FILLER_WORDS
from bot.understanding.text import phrase_tokens

# Words left out of an initialism: "Identity and Access Management" is IAM.
_LINK_WORDS = frozenset({"and", "of", "the", "for", "a", "an", "to", "in", "on", "at", "by", "with"})
MIN_WORDS = 3


def short_forms(name: str) -> list[str]:
    """For a name of three or more words: its initials ("gcp") and its first word followed by the initials of the
    rest ("jira sm"). Names with a word not starting with a letter ("SAP S/4 HANA") have none."""
    words = [word for word in phrase_tokens(name) if word not in _LINK_WORDS]
    if len(words) < MIN_WORDS or not all(word[0].isalpha() and word[0].isascii() for word in words):
        return []
    return ["".join(word[0] for word in words), f"{words[0]} {''.join(word[0] for word in words[1:])}"]


def application_short_forms(apps: Iterable[tuple[str, str]], app_names: Iterable[tuple[str, str]],
                            role_names: Iterable[str]) -> list[tuple[str, str]]:
    """(app_id, short form) for each short form that belongs to one application only and is no name, alias or
    word of a name already in the catalog (an org's own alias or role always wins); a word of the application's
    own alias does not count against it ("GCP" of Google Cloud Production, whose alias is "GCP prod").

    `app_names` are (app_id, name or alias) pairs; `role_names` the names and aliases of every role."""
    app_names = list(app_names)
    role_phrases = {phrase_tokens(name) for name in role_names}
    taken_phrases = {phrase_tokens(name) for _, name in app_names} | role_phrases
    role_words = {word for phrase in role_phrases for word in phrase}
    word_apps: dict[str, set[str]] = {}
    for app_id, name in app_names:
        for word in phrase_tokens(name):
            word_apps.setdefault(word, set()).add(app_id)
    owners: dict[str, set[str]] = {}
    for app_id, name in apps:
        for form in short_forms(name):
            owners.setdefault(form, set()).add(app_id)
    return sorted(
        (owner, form) for form, ids in owners.items()
        if len(ids) == 1 and phrase_tokens(form) not in taken_phrases and form not in FILLER_WORDS
        and (owner := next(iter(ids)))
        and not (" " not in form and (form in role_words or word_apps.get(form, set()) - {owner}))
    )
