"""Multi-turn state: what a conversation has settled so far and the question it is waiting on."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from rapidfuzz import fuzz

from bot.domain import Candidate, Clarification, Decision, Outcome, ResolvedRequest
from bot.understanding.asking import CONFIRM_SLOT
from bot.understanding.small_talk import ENDED_SLOT
from bot.understanding.text import clean, emails, fold

MAX_TURNS = 12
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "last": -1}
_YES = frozenset({"yes", "y", "yeah", "yep", "yup", "sure", "correct", "right", "that's right", "ok", "okay",
                  "yes please", "that one", "exactly"})
_FILLER = {"the", "option", "number", "no", "please", "choice"}
# Words around a candidate's details in a reply ("the one in engineering", "the finance one").
_DETAIL_FILLER = frozenset("the one in from at of who is works working person guy lady team department dept with "
                           "a an that which please pls thanks".split())
# "No" to a yes/no question about one candidate: it is not that one.
_DECLINED = re.compile(r"^(?:no|nope|nah|n|no way|not (?:him|her|them|that one|this one|that|this|quite)|"
                       r"wrong(?: person| one| app| application| role)?|neither|none of (?:those|these|them))"
                       r"(?:[\s,.!]+(?:sorry|thanks?|thank you|please))*[\s,.!]*$")
# The open question asked after such a "no", by the slot it was about.
_ASKED_OPENLY = {
    "user": "Then who should get the access? Please give their full name or email address.",
    "application": "Then which application do you mean? Please give its name.",
    "role": "Then which role do you mean? Please give its name.",
}
_WORD = re.compile(r"\w+")
# A reply word spelt this close to a word of one candidate's name picks it (a letter off in a 5-letter word is 80).
_FUZZY_WORD = 80
_FUZZY_MIN_LETTERS = 4
# A list number, not a signed one ("-1" picks nothing).
_NUMBER = re.compile(r"^(?!\s*[-+\u2212])\W*(?:(?:number|option|choice|no\.?|#)\s*)?(\d{1,2})\W*"
                     r"(?:(?:please|pls|thanks?|thank you)\W*)*$", re.IGNORECASE)


class LastRequest(BaseModel):
    """The request a conversation last decided: what "why?" or "same for Daniel" right after it refers to."""

    model_config = ConfigDict(extra="forbid")

    request_id: str = Field(max_length=40)
    target_id: str
    # Whether the request named its person (anyone but the requester, or the requester by name): "he" may then
    # refer to that person.
    target_explicit: bool = False
    app_id: str
    role_id: str
    # The end of the access it asked for: "same for Daniel" asks until then too.
    until: datetime | None = None


class ConversationState(BaseModel):
    """Serializable, so channels can keep it in a session attribute or a table."""

    model_config = ConfigDict(extra="forbid")

    target_id: str | None = None
    target_explicit: bool = False
    app_id: str | None = None
    role_id: str | None = None
    asked: Clarification | None = None
    # The texts typed so far, each as `clean` left it; never more turns than a conversation may have.
    texts: list[str] = Field(default_factory=list, max_length=MAX_TURNS)
    turns: int = Field(default=0, ge=0, le=MAX_TURNS)
    # Set between requests: the one just decided, until the next turn starts another.
    last: LastRequest | None = None
    # The end of the access asked for so far ("same for Rui" after a request for two weeks), while a question waits.
    until: datetime | None = None

    @field_validator("texts")
    @classmethod
    def _texts_are_clean(cls, texts: list[str]) -> list[str]:
        if any(text != clean(text) for text in texts):
            raise ValueError("a conversation's texts are kept cleaned")
        return texts

    @property
    def waiting(self) -> bool:
        return self.asked is not None


def remember(previous: ConversationState | None, resolved: ResolvedRequest, text: str) -> ConversationState:
    """The state after a turn that ended in a question."""
    target_explicit = names_whose(resolved)
    return ConversationState(
        target_id=resolved.target.user_id if resolved.target else None,
        target_explicit=target_explicit,
        app_id=resolved.application.app_id if resolved.application else None,
        role_id=resolved.role.role_id if resolved.role else None,
        asked=resolved.clarification,
        until=resolved.until,
        texts=[*(previous.texts if previous else []), clean(text)][-MAX_TURNS:],
        turns=(previous.turns if previous else 0) + 1,
    )


def decided(resolved: ResolvedRequest, request_id: str) -> ConversationState:
    """The state after a decision: no question waiting, a new request may follow, referring to this one."""
    assert resolved.target is not None and resolved.application is not None and resolved.role is not None
    return ConversationState(last=LastRequest(
        request_id=request_id, target_id=resolved.target.user_id, target_explicit=names_whose(resolved),
        app_id=resolved.application.app_id, role_id=resolved.role.role_id, until=resolved.until))


def decided_as_recorded(outcome: Outcome) -> ConversationState | None:
    """The state `decided` gave a decision, rebuilt from its record: a retried turn answered with the first answer
    leaves the conversation where the first left it, so "why?" or "same for Daniel" still follow.

    Whose access it is counts as said: it was, for anyone but the requester, and for the requester as "I", "me" or
    "my" (the record does not keep whether they were left unsaid, which makes no difference to what follows). None
    for a question, whose state the record does not hold.
    """
    if outcome.decision is Decision.NEEDS_CLARIFICATION or not (outcome.user_id and outcome.app_id
                                                                  and outcome.role_id):
        return None
    return ConversationState(last=LastRequest(
        request_id=outcome.request_id, target_id=outcome.user_id, target_explicit=True, app_id=outcome.app_id,
        role_id=outcome.role_id, until=outcome.access_until))


def after(state: ConversationState | None) -> ConversationState | None:
    """What a turn that asks for nothing new (a thanks, a "why?") keeps: the request decided last, if any."""
    last = state.last if state is not None and not state.waiting else None
    return ConversationState(last=last) if last is not None else None


def names_whose(resolved: ResolvedRequest) -> bool:
    """Whether the words said whose access it is: a person named, or the requester as "I", "me", "my"."""
    return bool(resolved.target) and not (resolved.target_is_requester and not _named_self(resolved))


_NOT_READ = re.compile(r"^Sorry, I could not read .*? as an answer\. ")
_QUOTED_MAX = 40


def asked_again(asked: Clarification, question: Clarification, reply: str) -> Clarification:
    """The question to ask after a reply that answered nothing: when it is the one just asked, it says so first
    ("Sorry, I could not read "xyz" as an answer. Which one ..."), so the same words are not simply repeated."""
    original = _NOT_READ.sub("", asked.question)
    if question.slot != asked.slot or _NOT_READ.sub("", question.question) != original:
        return question
    shown = clean(reply)
    shown = shown if len(shown) <= _QUOTED_MAX else shown[:_QUOTED_MAX - 1] + "\u2026"
    return question.model_copy(update={"question": f"Sorry, I could not read \"{shown}\" as an answer. {original}"})


def _named_self(resolved: ResolvedRequest) -> bool:
    return any(match.kind == "user" and match.matched_text for match in resolved.matches)


_NONE_OF_THEM = re.compile(r"(?:no\s*-?\s*one|nobody|none|neither)(?:\s+of\s+(?:them|those|these))?")


def choose_candidate(reply: str, candidates: tuple[Candidate, ...]) -> Candidate | None:
    """The candidate a short reply picks: by number, ordinal word, id, email or exact label."""
    if not candidates:
        return None
    text = clean(reply)
    number = _NUMBER.match(text)
    if number:
        index = int(number.group(1))
        return candidates[index - 1] if 1 <= index <= len(candidates) else None
    folded = fold(text).strip(" .!?")
    if _NONE_OF_THEM.fullmatch(folded):
        return None  # "no one", "none of them": not the first one
    words = [word for word in _WORD.findall(folded) if word not in _FILLER]
    if len(words) > 1:  # "the second one", "the viewer one": here "one" stands for a candidate, it is not a number
        words = [word for word in words if word != "one"]
    # An ordinal and nothing else ("the second one", "number two", "last"); "the viewer one" names its candidate
    # by the other words, which the caller matches as names.
    if len(words) == 1 and words[0] in _ORDINALS:
        index = _ORDINALS[words[0]]
        if index == -1:
            return candidates[-1]
        return candidates[index - 1] if index <= len(candidates) else None
    if len(candidates) == 1 and folded in _YES:
        return candidates[0]  # "Is this for X? Reply yes"
    mentioned = set(emails(text))
    for candidate in candidates:
        label = fold(candidate.label)
        if fold(candidate.id) == folded or candidate.id.casefold() in mentioned:
            return candidate
        if any(email in label for email in mentioned):
            return candidate
        if folded and (folded == label or folded == label.split(" (")[0] and
                       sum(1 for c in candidates if fold(c.label).split(" (")[0] == folded) == 1):
            return candidate
    return _by_words(words, candidates)


def _by_words(words: list[str], candidates: tuple[Candidate, ...]) -> Candidate | None:
    """The one candidate whose name has every word of the reply ("Marcus" for Marcus Johnson, "verification" for
    Order Verification), else the one whose words are all spelt nearly so ("Mrcus Jonson", "Raeder"); None when no
    candidate or several fit."""
    if not words:
        return None
    names = [_WORD.findall(fold(candidate.label).split(" (")[0]) for candidate in candidates]
    exact = [i for i, name in enumerate(names) if all(word in name for word in words)]
    if len(exact) == 1:
        return candidates[exact[0]]
    if exact:
        return None
    close = [i for i, name in enumerate(names) if all(_spelt_like(word, name) for word in words)]
    if len(close) == 1:
        return candidates[close[0]]
    if close:
        return None
    # "the one in engineering": the words are those of one candidate's details (department, title, email).
    details = [set(_WORD.findall(fold(candidate.label).partition(" (")[2])) for candidate in candidates]
    content = [word for word in words if word not in _DETAIL_FILLER]
    described = [i for i, found in enumerate(details) if content and all(word in found for word in content)]
    return candidates[described[0]] if len(described) == 1 else None


def _spelt_like(word: str, name: list[str]) -> bool:
    """Whether the word is a word of the name or, from 4 letters, spelt nearly like one."""
    if len(word) < _FUZZY_MIN_LETTERS:
        return word in name
    return any(fuzz.ratio(word, part) >= _FUZZY_WORD for part in name)


def declined(asked: Clarification, reply: str) -> Clarification | None:
    """The open question to ask when the reply is a plain "no" to a question offering one candidate ("Do you mean
    Łukasz Wiśniewski?" "no"), else None."""
    if len(asked.candidates) != 1 or asked.slot not in (*_ASKED_OPENLY, CONFIRM_SLOT):
        return None
    if not _DECLINED.match(fold(clean(reply)).replace("\u2019", "'")):
        return None
    if asked.slot == CONFIRM_SLOT:  # "Do you want to ask for Viewer in Looker?" "no": nothing is asked for
        return Clarification(slot=ENDED_SLOT, question="Nothing was requested.")
    # A role the application question named ("is this for Explore Analyst in Zendesk?") is declined with it.
    mentioned = "" if asked.slot == "application" else asked.mentioned
    return Clarification(slot=asked.slot, question=_ASKED_OPENLY[asked.slot], mentioned=mentioned)
