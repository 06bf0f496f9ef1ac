"""Finding applications and roles in a request by name, alias or a close misspelling."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.understanding.text import phrase_tokens

# Words that carry no name on their own: a fuzzy match may not begin or end on one of them.
FILLER_WORDS = frozenset(
    """
    i me my myself mine id im we us our you your he she they them it its this that these those a an the
    to in on at of for with as by from into onto and or but not no yes is am are be been being was were
    do does did have has had can could would should will shall may might must please pls plz thanks
    thank thx hi hello hey ok okay asap urgent urgently now today need needs want wants like would get
    give grant add provision request requesting require required role roles access permission
    permissions rights right app application applications system tool account some any all same also
    just only new more
    """.split()
)

FUZZY_CUTOFF = 86.0
WHOLE_NAME_CUTOFF = 75.0
FUZZY_MIN_CHARS = 5
# Texts whose hits each matcher keeps: one request's reading asks about the same words several times (a common role
# name such as "Reader" is hundreds of hits in a large catalog).
HIT_CACHE_TEXTS = 64


@dataclass(frozen=True)
class PhraseHit:
    """A catalog entity named in the text: which one, where, how closely."""

    entity_id: str
    phrase: tuple[str, ...]
    start: int
    end: int
    score: float

    @property
    def length(self) -> int:
        return self.end - self.start

    def overlaps(self, other: PhraseHit) -> bool:
        return self.start < other.end and other.start < self.end


class PhraseMatcher:
    """Matches a fixed set of named entities against token sequences.

    Exact matches are hash lookups over every window of the text; fuzzy ones compare the joined
    window with every joined phrase in one vectorised call, so a catalog of thousands of names stays fast.
    """

    def __init__(self, names: Iterable[tuple[str, str]]) -> None:
        self._exact: dict[tuple[str, ...], set[str]] = defaultdict(set)
        self._joined: dict[str, set[str]] = defaultdict(set)
        self._joined_phrase: dict[str, tuple[str, ...]] = {}
        for entity_id, name in names:
            phrase = phrase_tokens(name)
            if not phrase:
                continue
            self._exact[phrase].add(entity_id)
            joined = "".join(phrase)
            self._joined[joined].add(entity_id)
            self._joined_phrase.setdefault(joined, phrase)
        self._max_len = max((len(phrase) for phrase in self._exact), default=0)
        self._fuzzy_keys = [key for key in self._joined if len(key) >= FUZZY_MIN_CHARS]
        # Two neighbouring letters swapped ("veiwer", "agnet"), the commonest slip, which the ratio scores too low
        # to pass for a short name. Other single edits of a short name are often another word ("leader").
        self._swapped: dict[str, set[str]] = defaultdict(set)
        for key in self._fuzzy_keys:
            for index in range(len(key) - 1):
                if key[index] != key[index + 1]:
                    self._swapped[key[:index] + key[index + 1] + key[index] + key[index + 2:]].add(key)
        self._exact_hits = lru_cache(maxsize=HIT_CACHE_TEXTS)(self._find_exact)
        self._fuzzy_hits = lru_cache(maxsize=HIT_CACHE_TEXTS)(self._find_fuzzy)

    def exact(self, words: Sequence[str]) -> tuple[PhraseHit, ...]:
        """Names typed as in the catalog, or with the spaces between their words left out ("sysadmin")."""
        return self._exact_hits(tuple(words))

    def fuzzy(self, words: Sequence[str]) -> tuple[PhraseHit, ...]:
        """Close misspellings of a name, for windows that do not start or end on a filler word."""
        return self._fuzzy_hits(tuple(words))

    def _find_exact(self, words: tuple[str, ...]) -> tuple[PhraseHit, ...]:
        hits: list[PhraseHit] = []
        for start in range(len(words)):
            for end in range(start + 1, min(len(words), start + self._max_len + 1) + 1):
                window = tuple(words[start:end])
                exact_ids = self._exact.get(window)
                if exact_ids:
                    hits.extend(PhraseHit(entity_id, window, start, end, 1.0) for entity_id in exact_ids)
                joined = "".join(window)
                joined_ids = self._joined.get(joined)
                if joined_ids:
                    hits.extend(PhraseHit(entity_id, self._joined_phrase[joined], start, end, 0.97)
                                for entity_id in joined_ids if not exact_ids or entity_id not in exact_ids)
        return tuple(hits)

    def _find_fuzzy(self, words: tuple[str, ...]) -> tuple[PhraseHit, ...]:
        if not self._fuzzy_keys:
            return ()
        windows: list[tuple[int, int, str]] = []
        for start in range(len(words)):
            if words[start] in FILLER_WORDS:
                continue
            for size in range(1, self._max_len + 2):
                end = start + size
                if end > len(words) or words[end - 1] in FILLER_WORDS:
                    continue
                joined = "".join(words[start:end])
                if len(joined) >= FUZZY_MIN_CHARS:
                    windows.append((start, end, joined))
        if not windows:
            return ()
        scores = process.cdist(
            [joined for _, _, joined in windows], self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
        )
        hits: list[PhraseHit] = []
        for row, (start, end, joined) in enumerate(windows):
            found = {self._fuzzy_keys[int(column)]: float(scores[row][column])
                     for column in scores[row].nonzero()[0]}
            for key in self._swapped.get(joined, ()):
                found.setdefault(key, fuzz.ratio(joined, key))
            for key, ratio in found.items():
                for entity_id in self._joined[key]:
                    hits.append(PhraseHit(entity_id, self._joined_phrase[key], start, end, ratio / 100.0 * 0.9))
        return tuple(hits)

    def find(self, words: Sequence[str]) -> tuple[PhraseHit, ...]:
        """Exact hits when there are any, otherwise fuzzy ones."""
        return self.exact(words) or self.fuzzy(words)

    def closest(self, text: str, choices: dict[str, str], limit: int = 3, *, whole: bool = False) -> list[str]:
        """Entity ids whose label is nearest to the text, for suggesting names when nothing matched. With
        `whole`, the text is one name as typed ("salesforce"), compared whole and strictly: a short name has no
        near neighbours by its parts."""
        scorer, cutoff = (fuzz.ratio, WHOLE_NAME_CUTOFF) if whole else (fuzz.partial_ratio, 50)
        found = process.extract(text, {key: label.casefold() for key, label in choices.items()} if whole else choices,
                                scorer=scorer, limit=limit, score_cutoff=cutoff)
        return [key for _, _, key in found]


# Words around a role name that mark it as the thing asked for ("the approver role", "as admin").
_CUES_AFTER = frozenset({"role", "roles", "access", "permission", "permissions", "rights", "privileges", "profile"})
_CUES_BEFORE = frozenset({"as", "the", "an", "a"})
CUE_BONUS = 0.01


def with_cues(
    hits: Sequence[PhraseHit], words: Sequence[str], anchor: tuple[int, int] | None = None
) -> list[PhraseHit]:
    """Hits standing where a request names its role score a little higher, so that they win a tie: before "role"
    or "access", after "as" or "the", or next to the application's name ("admin in Ledgerly", "Orbit - viewer")."""
    cued: list[PhraseHit] = []
    for hit in hits:
        after = words[hit.end] if hit.end < len(words) else ""
        before = words[hit.start - 1] if hit.start > 0 else ""
        beside_app = anchor is not None and (0 <= hit.start - anchor[1] <= 1 or 0 <= anchor[0] - hit.end <= 1)
        if after in _CUES_AFTER or before in _CUES_BEFORE or beside_app:
            hit = PhraseHit(hit.entity_id, hit.phrase, hit.start, hit.end, hit.score + CUE_BONUS)
        cued.append(hit)
    return cued


def best_hits(hits: Sequence[PhraseHit]) -> list[PhraseHit]:
    """The strongest hit per entity, strongest first; longer spans beat shorter ones at equal score."""
    by_entity: dict[str, PhraseHit] = {}
    for hit in hits:
        current = by_entity.get(hit.entity_id)
        if current is None or (hit.score, hit.length) > (current.score, current.length):
            by_entity[hit.entity_id] = hit
    ranked = sorted(by_entity.values(), key=lambda hit: (hit.score, hit.length), reverse=True)
    # A hit inside a longer hit for another entity is that other name's word, not a name of its own.
    kept: list[PhraseHit] = []
    for hit in ranked:
        swallowed = any(
            other.start <= hit.start and hit.end <= other.end and other.length > hit.length and other.score >= 0.95
            for other in ranked
        )
        if not swallowed:
            kept.append(hit)
    return kept


def inside_longer_name(hit: PhraseHit, others: Sequence[PhraseHit]) -> bool:
    """Whether the hit's words are only part of a longer name typed for another entity ("Developer" in "LookML
    Developer"): then they name that entity, not this one. The longer name must be typed in full, or, for a
    misspelt hit, at least as closely ("developr" in "LookML Developr")."""
    return any(
        other.entity_id != hit.entity_id and other.score >= min(hit.score, 0.95) and other.length > hit.length
        and other.start <= hit.start and hit.end <= other.end
        for other in others
    )


def winners(hits: Sequence[PhraseHit]) -> list[PhraseHit]:
    """The hits tied for first place (by score, then span length).

    Exact names tie only when equally cued; misspellings tie within a wider margin, because a slightly
    closer misspelling is no reason to pick one name over another.
    """
    ranked = best_hits(hits)
    if not ranked:
        return []
    top = ranked[0]
    tolerance = CUE_BONUS / 2 if top.score >= 0.95 else 0.03
    return [hit for hit in ranked if top.score - hit.score <= tolerance and hit.length == top.length]
