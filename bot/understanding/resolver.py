"""From a sentence to (person, application, role), or to the one question that settles what is missing."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cached_property

from bot.domain import Application, Candidate, Clarification, MatchedEntity, Person, ResolvedRequest, Role
from bot.ports import Catalog, Directory
from bot.understanding.caseless import caseless_terms, split_at_terms
from bot.understanding.catalog_matcher import (
    FILLER_WORDS,
    PhraseHit,
    PhraseMatcher,
    best_hits,
    inside_longer_name,
    winners,
    with_cues,
)
from bot.understanding.examples import Examples, examples_of
from bot.understanding.held_access import split_held
from bot.understanding.intent import naming_words
from bot.understanding.people import find_target
from bot.understanding.short_forms import application_short_forms
from bot.understanding.small_talk import ENDED_SLOT
from bot.understanding.text import clean, emails, fold, numbered, phrase_tokens, tokens
from bot.understanding.unknown_application import ROLE_NOUNS, unknown_application

MAX_LISTED = 8


@dataclass(frozen=True)
class CatalogVocabulary:
    """Matchers over one catalog version, built once and reused for every request."""

    catalog: Catalog
    apps: PhraseMatcher
    roles: PhraseMatcher
    words: frozenset[str]
    roles_by_word: dict[str, frozenset[str]]
    # The words of application and of role names that can show what a removal acts on (`intent.naming_words`).
    app_words: frozenset[str] = frozenset()
    role_words: frozenset[str] = frozenset()
    # Words of names in scripts without case, looked for inside runs written without spaces.
    caseless: frozenset[str] = frozenset()

    @classmethod
    def build(cls, catalog: Catalog) -> CatalogVocabulary:
        app_names = [(app.app_id, name) for app in catalog.applications.values() for name in (app.name, *app.aliases)]
        role_names = [(role.role_id, name) for role in catalog.roles.values() for name in (role.name, *role.aliases)]
        app_names += application_short_forms(
            [(app.app_id, app.name) for app in catalog.applications.values()], app_names,
            [name for _, name in role_names])
        words = {word for _, name in app_names + role_names for word in phrase_tokens(name)}
        roles_by_word: dict[str, set[str]] = {}
        for role_id, name in role_names:
            for word in phrase_tokens(name):
                roles_by_word.setdefault(word, set()).add(role_id)
        return cls(catalog, PhraseMatcher(app_names), PhraseMatcher(role_names), frozenset(words),
                   {word: frozenset(ids) for word, ids in roles_by_word.items()},
                   naming_words(word for _, name in app_names for word in phrase_tokens(name)),
                   naming_words(roles_by_word), caseless_terms(words))

    def words_of(self, text: str) -> list[str]:
        """The request's words (`request_words`), with the catalog's names cut out of runs without spaces."""
        return split_at_terms(request_words(text), self.caseless)

    @cached_property
    def examples(self) -> Examples:
        """The requests the answers give as examples, from this catalog (worked out on first use)."""
        def resolves_to(text: str) -> Role | None:
            _, role, _, question = resolve_app_and_role(self.words_of(text), self)
            return role if question is None else None

        return examples_of(self.catalog, resolves_to)


def request_words(text: str) -> list[str]:
    """Folded words of the request with email addresses taken out (their parts are not catalog names)."""
    without_emails = text
    for email in emails(text):
        start = fold(without_emails).find(email)
        if start >= 0:
            without_emails = without_emails[:start] + " " + without_emails[start + len(email):]
    return [token.text for token in tokens(without_emails) if token.text != "'s"]


def resolve(text: str, requester: Person, vocabulary: CatalogVocabulary, directory: Directory) -> ResolvedRequest:
    """Understand one request sentence.

    Parameters
    ----------
    text:
        What the person typed.
    requester:
        The authenticated requester ("I", "me" and "my" refer to them).
    vocabulary:
        Matchers for the current catalog.
    directory:
        People lookups.
    """
    text = clean(text)
    words = _asked_words(text, vocabulary)
    target = find_target(text, requester, directory, set(vocabulary.words), vocabulary.app_words)
    others = target.person.display_name if target.person is not None and not target.is_requester else None
    # Whose something is ("Ana Ferreira's access") names a person, never an application or a role.
    possessors = [name for name in _POSSESSOR.findall(text)
                  if not any(word in vocabulary.words for word in phrase_tokens(name))]
    app, role, app_role_matches, app_role_question = resolve_app_and_role(
        without_names(words, [*(match.matched_text for match in target.matches), *possessors]), vocabulary,
        for_whom=others)
    matches = tuple(target.matches + app_role_matches)
    clarification = target.clarification or app_role_question
    return ResolvedRequest(
        target=target.person,
        application=app,
        role=role,
        matches=matches,
        clarification=clarification,
        target_is_requester=target.is_requester,
    )


_POSSESSOR = re.compile(r"((?:[A-Z][\w-]*\s+){0,2}[A-Z][\w-]*)['\u2019]s\b")


# What the requester says they are or where they work ("As a route planner, ...", "I'm a fleet manager", "I work in
# the Route Planner team"), which may be an application's name too.
_SELF_DESCRIBED = re.compile(
    r"\b(?:as|i'?m|i\s+am)\s+(?:a|an|the)\s+[\w'-]+(?:\s+[\w'-]+){0,3}?"
    r"(?=\s*(?:[,.;:!?]|$)|\s+(?:i|and|i'd|i'll|who|working|need|needs|want|would|could|can|please)\b)"
    r"|\bi\s+work\s+(?:in|on|for|with)\s+(?:the\s+)?[\w'-]+(?:\s+[\w'-]+){0,3}?\s+"
    r"(?:team|department|dept|group|unit|squad|office)\b", re.IGNORECASE)


def _without_self_description(text: str, vocabulary: CatalogVocabulary) -> str:
    """The text without what the requester says they are, where that names an application and the rest names
    another ("As a route planner I need Viewer in Fleet": Fleet, not Route Planner). A description naming no
    application stays ("add me to Fleet as a dispatcher" names the Dispatcher role)."""
    spans = [found for found in _SELF_DESCRIBED.finditer(text)
             if vocabulary.apps.find(vocabulary.words_of(found.group(0)))]
    if not spans:
        return text
    masked = text
    for found in reversed(spans):
        masked = masked[:found.start()] + " , " + masked[found.end():]
    return masked if vocabulary.apps.find(vocabulary.words_of(masked)) else text


def _asked_words(text: str, vocabulary: CatalogVocabulary) -> list[str]:
    """The request's words without what the requester says they already hold ("I already have Reader in
    Confluence, but now I need Editor"), where the rest names a role of its own; the held clause's application
    stays, after the rest, for a rest that names none; and without a description of the requester that names an
    application, where the rest names another."""
    text = _without_self_description(text, vocabulary)
    words = vocabulary.words_of(text)
    split = split_held(text)
    if split is None:
        return words
    asked = vocabulary.words_of(split.asked)
    role_hits = vocabulary.roles.exact(asked) or vocabulary.roles.fuzzy(asked)
    if not role_hits:
        return words  # "I have approval for Reader in Confluence, please grant it": the held clause is the request
    if vocabulary.apps.find(asked):
        return asked
    # The held clause's applications, those with a role of the name asked for first ("I have Reader in Confluence
    # and Viewer in Looker, I need Explorer": Looker).
    asked_in = {vocabulary.catalog.roles[hit.entity_id].app_id for hit in role_hits}
    held_apps = [(held[hit.start : hit.end], hit.entity_id) for held in map(vocabulary.words_of, split.held)
                 for hit in winners(vocabulary.apps.find(held))]
    fitting = [name for name, app_id in held_apps if app_id in asked_in] or [name for name, _ in held_apps]
    for name in fitting:
        asked += ["\x00", *name]
    return asked


def without_names(words: Sequence[str], names: Sequence[str]) -> list[str]:
    """The words with the first mention of each person's name taken out: the "Read" of "Mark Read needs Box access"
    names the person, not a role."""
    remaining = list(words)
    for mention in names:
        name = phrase_tokens(mention)
        for start in range(len(remaining) - len(name) + 1):
            if name and tuple(remaining[start : start + len(name)]) == name:
                remaining[start : start + len(name)] = ["\x00"] * len(name)
                break
    return remaining


def resolve_app_and_role(
    words: Sequence[str], vocabulary: CatalogVocabulary, *, for_whom: str | None = None
) -> tuple[Application | None, Role | None, list[MatchedEntity], Clarification | None]:
    """The application and role named in the words, with the question to ask if either is unclear (`for_whom`:
    the name of the person the access is for, when it is not the requester)."""
    catalog = vocabulary.catalog
    app_hits = winners(vocabulary.apps.find(words))
    if len(app_hits) > 1:
        other = _role_asked_in_another_app(words, vocabulary, app_hits[0])
        if other is not None and _own_role_beside(words, vocabulary, app_hits[0]):
            # "Viewer in NetSuite and Explorer in Looker": two requests, never one of them chosen.
            return None, None, [], _two_applications(catalog.applications[app_hits[0].entity_id], other)
        # "Lab Technologist in EHR", where two applications go by "EHR": those with the role named.
        having_role = [hit for hit in app_hits if _names_a_role_of(words, vocabulary, hit)]
        if len(having_role) != 1:
            options = [catalog.applications[hit.entity_id] for hit in having_role or app_hits]
            return None, None, [], _ask_app(options, "Your request could mean more than one application.")
        app_hits = having_role
    if not app_hits:
        named = _role_named_in_full(words, vocabulary)
        if named is not None:
            whole = catalog.roles[named.entity_id]
            return catalog.applications[whole.app_id], whole, [
                _matched("role", whole.role_id, whole.name, named, words)], None
        return None, None, [], _ask_missing_app(words, vocabulary)

    app_hit = app_hits[0]
    app = catalog.applications[app_hit.entity_id]
    app_match = _matched("application", app.app_id, app.name, app_hit, words)
    other = _role_asked_in_another_app(words, vocabulary, app_hit)
    if other is not None:  # "Viewer in Imaging Archive and Reader in Pharmacy": never one of them dropped
        return app, None, [app_match], _two_applications(app, other)
    outside = [word if not (app_hit.start <= index < app_hit.end) else "\x00" for index, word in enumerate(words)]
    # Words of the application's name are tried last: "the access delegate role" may name both.
    role, role_matches, question = resolve_role(vocabulary, app, outside, words, anchor=(app_hit.start, app_hit.end),
                                                for_whom=for_whom)
    return app, role, [app_match, *role_matches], question


def _whole_role_hits(words: Sequence[str], vocabulary: CatalogVocabulary) -> list[PhraseHit]:
    """The roles named by a whole name or alias; a word of a longer name typed in full is that name's ("Reader" in
    "PII Reader"), not another role's."""
    return best_hits(vocabulary.roles.exact(without_speakers(words)))


def _role_named_in_full(words: Sequence[str], vocabulary: CatalogVocabulary) -> PhraseHit | None:
    """The one role named by a name of several words that no other role has ("LookML Developer"), in a request
    naming no application: role names are unique only inside an application, so such a
    name settles the application too. A single word ("Recruiter", "standard"), or one with an access word ("read
    access"), is too often ordinary words to settle it without asking, and an application named but unknown ("PII
    Reader in Snowflake") is asked about."""
    hits = _whole_role_hits(words, vocabulary)
    if len(hits) != 1 or _unknown_application(words, vocabulary):
        return None
    # By its name only: an alias ("standard user", "prod admin") is often everyday words, so it is asked about
    # ("Is this for ... ?"), never filed on its own.
    if tuple(phrase_tokens(vocabulary.catalog.roles[hits[0].entity_id].name)) != tuple(hits[0].phrase):
        return None
    telling = [word for word in hits[0].phrase if word not in FILLER_WORDS and word not in ROLE_NOUNS]
    return hits[0] if len(telling) >= 2 else None


def resolve_role(
    vocabulary: CatalogVocabulary, app: Application, *attempts: Sequence[str], anchor: tuple[int, int] | None = None,
    for_whom: str | None = None,
) -> tuple[Role | None, list[MatchedEntity], Clarification | None]:
    """The role of `app` named in the first word list that names any, or the question listing what fits
    (`for_whom`: the person the access is for, when it is not the requester: "Which role should Ana get?")."""
    catalog = vocabulary.catalog
    role_ids = {role.role_id for role in catalog.roles_of(app.app_id)}
    role_hits: list[PhraseHit] = []
    words: Sequence[str] = ()
    for words in attempts:
        role_hits = _role_hits(words, vocabulary, role_ids, anchor)
        if role_hits:
            break
    listed = _listed_roles(words, vocabulary, role_ids) if role_hits else []
    if len(listed) < 2 and role_hits:
        # Named apart ("Reader on Box to me and Editor on Box to Anna"): each may be meant for someone else, which
        # a choice between them would lose, so the request is answered, not continued.
        apart = [catalog.roles[role_id] for role_id in _named_roles(words, vocabulary, role_ids)]
        if len(apart) > 1:
            names = ", ".join(role.name for role in apart)
            return None, [], Clarification(slot=ENDED_SLOT, question=(
                f"Your request names {len(apart)} roles in {app.name} ({names}), and I handle one role for one "
                f"person per request, so nothing was requested. Please ask for each on its own, for example "
                f"\"I need {apart[0].name} in {app.name}\"."))
    if len(listed) > 1:  # "AP Clerk and Payment Approver": never one of them picked silently
        roles = [catalog.roles[role_id] for role_id in listed]
        return None, [], _ask_role(app, roles, f"Your request names {len(roles)} roles in {app.name}, and I handle "
                                               "one role per request: which one first? Ask again for the next.")
    if len(role_hits) == 1:
        role = catalog.roles[role_hits[0].entity_id]
        return role, [_matched("role", role.role_id, role.name, role_hits[0], words)], None
    if role_hits:
        roles = [catalog.roles[hit.entity_id] for hit in role_hits]
        return None, [], _ask_role(app, roles, f"More than one role in {app.name} fits your request.")
    which = f"should {for_whom} get" if for_whom else "do you need"
    roles = catalog.roles_of(app.app_id)
    missing = _role_only_elsewhere(vocabulary, app, attempts)
    lead = f"{app.name} has no {missing} role. " if missing else ""
    return None, [], _ask_role(app, roles, f"{lead}Which role in {app.name} {which}?",
                               fitting=_roles_sharing_words(app, roles, attempts))


def _role_only_elsewhere(vocabulary: CatalogVocabulary, app: Application,
                         attempts: Sequence[Sequence[str]]) -> str | None:
    """The name of the role asked for, written whole, when only other applications have it ("Viewer in WMS", where
    WMS has none): said, so that the list of WMS's roles does not read as if Viewer were among them."""
    for words in attempts:
        names = {vocabulary.catalog.roles[hit.entity_id].name for hit in winners(vocabulary.roles.exact(words))
                 if vocabulary.catalog.roles[hit.entity_id].app_id != app.app_id}
        if names:
            return names.pop() if len({name.casefold() for name in names}) == 1 else None
    return None


def _roles_sharing_words(app: Application, roles: Sequence[Role], attempts: Sequence[Sequence[str]]) -> set[str]:
    """The roles with a word of their name or alias typed, or begun with four letters or more ("admin" of "Site
    Administrator", "read" of "Reader"): listed first when no role is named whole ("admin access" in Confluence).
    Words of the application's own names do not count ("Confluence" of the alias "confluence admin")."""
    own = {word for name in (app.name, *app.aliases) for word in phrase_tokens(name)}
    typed = {word for words in attempts for word in words
             if word.isalpha() and word not in FILLER_WORDS and word not in own}
    fitting: set[str] = set()
    for role in roles:
        role_words = {word for name in (role.name, *role.aliases) for word in phrase_tokens(name)} - own
        if any(word in role_words or (len(word) >= 4 and any(name_word.startswith(word) for name_word in role_words))
               for word in typed):
            fitting.add(role.role_id)
    return fitting


def _named_roles(words: Sequence[str], vocabulary: CatalogVocabulary, role_ids: set[str]) -> list[str]:
    """The roles of one application each named by its exact name or alias in its own words of the sentence."""
    words = without_speakers(words)
    # "as the application owner": whose something is, not a role asked for.
    hits = best_hits([hit for hit in vocabulary.roles.exact(words) if hit.entity_id in role_ids
                      and not (hit.start > 0 and words[hit.start - 1] in _OWNED_BY)])
    named: list[str] = []
    taken: list[tuple[int, int]] = []
    for hit in sorted(hits, key=lambda hit: hit.start):
        if any(hit.start < end and start < hit.end for start, end in taken) or not _asked_for(hit, words, vocabulary):
            continue
        taken.append((hit.start, hit.end))
        if hit.entity_id not in named:
            named.append(hit.entity_id)
    return named


def _role_asked_in_another_app(words: Sequence[str], vocabulary: CatalogVocabulary,
                               chosen: PhraseHit) -> Application | None:
    """Another application named by its exact name with one of its own roles right beside it ("Reader in
    Pharmacy", "Pharmacy Reader"), apart from the chosen application's mention."""
    for hit in best_hits(vocabulary.apps.exact(words)):
        if hit.entity_id == chosen.entity_id or (hit.start < chosen.end and chosen.start < hit.end):
            continue
        if _own_role_beside(words, vocabulary, hit):
            return vocabulary.catalog.applications[hit.entity_id]
    return None


def _two_applications(app: Application, other: Application) -> Clarification:
    return Clarification(slot=ENDED_SLOT, question=(
        f"Your request names roles in {app.name} and in {other.name}, and I handle one role in one application "
        "per request, so nothing was requested. Please ask for each on its own."))


def _names_a_role_of(words: Sequence[str], vocabulary: CatalogVocabulary, app_hit: PhraseHit) -> bool:
    """Whether the words name one of the application's roles by its exact name or alias, outside its mention."""
    role_ids = {role.role_id for role in vocabulary.catalog.roles_of(app_hit.entity_id)}
    return any(hit.entity_id in role_ids and not (hit.start < app_hit.end and app_hit.start < hit.end)
               for hit in vocabulary.roles.exact(words))


def _own_role_beside(words: Sequence[str], vocabulary: CatalogVocabulary, app_hit: PhraseHit) -> bool:
    """Whether one of the application's own roles stands right beside its mention ("Reader in Pharmacy",
    "Pharmacy Reader")."""
    role_ids = {role.role_id for role in vocabulary.catalog.roles_of(app_hit.entity_id)}
    for role_hit in vocabulary.roles.exact(words):
        if role_hit.entity_id not in role_ids:
            continue
        linked = role_hit.end + 1 == app_hit.start and words[role_hit.end] in _APP_LINKS
        if linked or role_hit.end == app_hit.start or role_hit.start == app_hit.end:
            return True
    return False


def _asked_for(hit: PhraseHit, words: Sequence[str], vocabulary: CatalogVocabulary) -> bool:
    """Whether a role's name stands where a request names what it asks for: beside an application ("Reader on
    Box", "Box Reader"), before "role" or "access", or after "also"/"and" ("..., also Editor"); not in "like the
    Viewer people had" or "[approver comment: ...]"."""
    after = words[hit.end : hit.end + 2]
    before = words[hit.start - 1] if hit.start > 0 else ""
    app_words = vocabulary.app_words | {"\x00"}  # the application's own mention, blanked out of the role's words
    beside_app = (len(after) == 2 and after[0] in _APP_LINKS and after[1] in app_words) or before in app_words
    return beside_app or (bool(after) and after[0] in ROLE_NOUNS) or before in _ALSO


_APP_LINKS = frozenset({"in", "on", "for", "at", "of", "within"})
# Before a role asked for beside another: "..., also Editor", "... or maybe Team Lead".
_ALSO = frozenset({"also", "and", "plus", "both", "or", "maybe", "perhaps", "possibly", "alternatively"})
_OWNED_BY = frozenset({"application", "app", "system", "product", "business", "data", "process", "budget"})
# Words that may stand between role names listed together ("Read, Write and Maintain"; commas are not words).
_LIST_JOINERS = frozenset({"and", "or", "plus", "also", "both", "as", "well", "the", "a", "an", "role", "roles", "n",
                           "maybe", "perhaps", "possibly", "either"})


def _listed_roles(words: Sequence[str], vocabulary: CatalogVocabulary, role_ids: set[str]) -> list[str]:
    """The roles named in a list, in the order typed: names as in the catalog, next to each other or joined by
    "and", "or", "plus" and the like. A single role, or names apart in the sentence, give an empty list."""
    hits = sorted(best_hits([hit for hit in vocabulary.roles.exact(words) if hit.entity_id in role_ids]),
                  key=lambda hit: hit.start)
    listed: list[str] = []
    for previous, hit in zip(hits, hits[1:], strict=False):
        between = words[previous.end : hit.start]
        if previous.end <= hit.start and all(word in _LIST_JOINERS for word in between):
            listed.extend(role_id for role_id in (previous.entity_id, hit.entity_id) if role_id not in listed)
    return listed


# Someone whose word is followed by what they said or did is a speaker, not a role asked for: "the owner said it's
# fine", "my manager approved it", "the repo owner already agreed".
_REPORTING_VERBS = frozenset({"said", "says", "agreed", "agrees", "approved", "approves", "confirmed", "confirms",
                              "okayed", "oked", "signed", "allowed", "asked", "told", "suggested", "knows"})
_BETWEEN_SPEAKER_AND_VERB = frozenset({"already", "has", "have", "had", "just", "also", "verbally", "personally",
                                       "explicitly", "did"})
_SPEAKER_DETERMINERS = frozenset({"the", "my", "our", "your", "his", "her", "their", "its", "a", "an"})


def without_speakers(words: Sequence[str]) -> list[str]:
    """The words with each speaker and their reporting verb taken out. A speaker is a word after a determiner
    (or after a determiner and one more word: "the repo owner") followed by a reporting verb not in the passive
    ("approved by" reports who approved: the word before it is what was approved)."""
    remaining = list(words)
    for index in range(1, len(words)):
        verb = index + 1
        while verb < len(words) and words[verb] in _BETWEEN_SPEAKER_AND_VERB:
            verb += 1
        if verb >= len(words) or words[verb] not in _REPORTING_VERBS:
            continue
        if verb + 1 < len(words) and words[verb + 1] == "by":
            continue
        if words[index - 1] in _SPEAKER_DETERMINERS or (index > 1 and words[index - 2] in _SPEAKER_DETERMINERS):
            remaining[index] = remaining[verb] = "\x00"
    return remaining


def _role_hits(words: Sequence[str], vocabulary: CatalogVocabulary, role_ids: set[str],
               anchor: tuple[int, int] | None = None) -> list[PhraseHit]:
    words = without_speakers(words)
    every_exact = vocabulary.roles.exact(words)
    # "Developer" typed as part of "LookML Developer" (another application's role) is not this application's
    # Developer, whether typed exactly or nearly.
    hits = [hit for hit in every_exact if hit.entity_id in role_ids and not inside_longer_name(hit, every_exact)]
    if not hits:
        # A verb form is not a misspelt role: "approved" is not "Approver", "editing" not "Editor" (but "Biling" is
        # "Billing").
        every_fuzzy = vocabulary.roles.fuzzy(words)
        hits = [hit for hit in every_fuzzy if hit.entity_id in role_ids
                and not _verb_form_of(words[hit.start : hit.end], hit.phrase)
                and not inside_longer_name(hit, [*every_exact, *every_fuzzy])]
    return winners(with_cues(hits, words, anchor))


def _verb_form_of(typed: Sequence[str], name: Sequence[str]) -> bool:
    """Whether one typed word is a past or -ing form where the name's word is not ("approved" for "Approver")."""
    if len(typed) != 1 or not name:
        return False
    suffix = next((ending for ending in ("ed", "ing") if typed[0].endswith(ending)), None)
    return suffix is not None and not name[-1].endswith(suffix)


def _matched(kind: str, entity_id: str, label: str, hit: PhraseHit, words: Sequence[str]) -> MatchedEntity:
    return MatchedEntity(kind=kind, id=entity_id, label=label, score=round(hit.score, 3),
                         matched_text=" ".join(words[hit.start:hit.end]))


def _ask_app(options: Sequence[Application], lead: str, *, why_one: str = "", pointed: Role | None = None
             ) -> Clarification:
    """Which of the options; one option is asked as yes or no (after `lead` and `why_one`, when the application
    named is unknown: "The role you name is in Confluence: is this for Confluence?"; `why_one` gets the application
    and what the yes would settle). `pointed` is the one role of the one option that the request fits: the question
    names it, and keeps it as `mentioned`, so that a yes settles the role as well."""
    candidates = tuple(Candidate(id=app.app_id, label=app.name) for app in options[:MAX_LISTED])
    if len(candidates) == 1:  # one possibility: a yes settles it
        meant = f"{pointed.name} in {candidates[0].label}" if pointed is not None else candidates[0].label
        asked = f"{lead} {why_one.format(candidates[0].label, meant)}" if why_one else f"Is this for {meant}?"
        return Clarification(slot="application", candidates=candidates, mentioned=pointed.role_id if pointed else "",
                             question=f"{asked} Reply yes, or name the application.")
    listing = numbered(option.label for option in candidates)
    return Clarification(slot="application", candidates=candidates,
                         question=f"{lead} Which application do you mean? {listing}{_more(options, candidates)}.")


def pointed_role(asked: Clarification | None, app: Application | None, catalog: Catalog) -> Role | None:
    """The role an application question named for its one option ("is this for Explore Analyst in Zendesk?"),
    when the application settled is that option: a yes keeps the role rather than asking for it again."""
    if asked is None or asked.slot != "application" or app is None:
        return None
    role = catalog.roles.get(asked.mentioned)
    return role if role is not None and role.app_id == app.app_id else None


def _more(options: Sequence[object], shown: Sequence[object]) -> str:
    """What a list cut short leaves out, said rather than hidden."""
    left = len(options) - len(shown)
    return f"; and {left} more: name the one you mean" if left > 0 else ""


def _ask_missing_app(words: Sequence[str], vocabulary: CatalogVocabulary) -> Clarification:
    """No application named: list the applications where a role of that name exists, or the closest names."""
    catalog = vocabulary.catalog
    unknown = _unknown_application(words, vocabulary)
    lead = f"I do not know an application called \"{unknown}\"." if unknown else ""
    # Roles named in full come first: "Viewer" is in the applications that have a Viewer, not in one that has only
    # a "Reports Viewer"; only when no name is whole do the words of names count.
    role_ids = {hit.entity_id for hit in _whole_role_hits(words, vocabulary)}
    if not role_ids:
        meaningful = [word for word in words if word in vocabulary.words and word not in FILLER_WORDS]
        for word in meaningful:
            role_ids |= vocabulary.roles_by_word.get(word, frozenset())
    if not role_ids and not unknown:  # a role spelt nearly like one; not beside an application nobody knows
        role_ids = {hit.entity_id for hit in vocabulary.roles.fuzzy(words)}
    app_ids = sorted({catalog.roles[role_id].app_id for role_id in role_ids})
    if app_ids:
        options = [catalog.applications[app_id] for app_id in app_ids]
        fitting = [catalog.roles[role_id] for role_id in role_ids]
        # The text names no application this catalog knows (it may name one it does not).
        return _ask_app(options, lead or "I could not tell which application you mean.",
                        why_one="The role you name is in {0}: is this for {1}?" if unknown else "",
                        pointed=fitting[0] if len(fitting) == 1 else None)
    phrase = unknown or " ".join(words)
    closest = vocabulary.apps.closest(phrase, {app.app_id: app.name for app in catalog.applications.values()},
                                      whole=bool(unknown))
    if closest:
        options = [catalog.applications[app_id] for app_id in closest]
        return _ask_app(options, lead or "I could not find that application among the ones I know.",
                        why_one="Did you mean {1}?" if unknown else "")
    names = ", ".join(sorted(app.name for app in catalog.applications.values())[:MAX_LISTED])
    return Clarification(slot="application", candidates=(), question=(
        f"{lead} Which application is this for? For example: {names}.".strip()))


def _unknown_application(words: Sequence[str], vocabulary: CatalogVocabulary) -> str:
    """The words where an application would stand that name nothing in the catalog ("Godmode in salesforce",
    "Need salesforce admin": "salesforce"); "" when there are none."""
    return unknown_application(words, vocabulary.words, vocabulary.roles_by_word,
                               lambda named: bool(vocabulary.roles.fuzzy(named) or vocabulary.apps.fuzzy(named)))


def _ask_role(app: Application, roles: Sequence[Role], lead: str, fitting: Collection[str] = ()) -> Clarification:
    """Which of the roles; those `fitting` what was said come first, said to be the closest, unless all do."""
    ordered = sorted(roles, key=lambda role: (role.role_id not in fitting, role.name.casefold()))[:MAX_LISTED * 2]
    candidates = tuple(Candidate(id=role.role_id, label=role.name) for role in ordered)
    close = sum(1 for role in ordered if role.role_id in fitting)
    listing = numbered(option.label for option in candidates)
    if 0 < close < len(candidates):
        listing = (f"{numbered(option.label for option in candidates[:close])}; "
                   f"or another: {numbered((option.label for option in candidates[close:]), close + 1)}")
        lead = f"{lead} The closest to what you said come first."
    return Clarification(slot="role", question=f"{lead} Options: {listing}{_more(roles, candidates)}.",
                         candidates=candidates, mentioned=app.app_id)
