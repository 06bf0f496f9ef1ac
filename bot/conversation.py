"""Multi-turn state: what a conversation has settled so far and the question it is waiting on."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.domain import Candidate, Clarification, ResolvedRequest
from bot.understanding.text import clean, emails, fold

MAX_TURNS = 12
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "last": -1}
_FILLER = {"the", "option", "number", "no", "please", "choice"}
_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"^\W*(?:(?:number|option|no\.?|#)\s*)?(\d{1,2})\W*$", re.IGNORECASE)


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
    target_explicit = bool(resolved.target) and not (resolved.target_is_requester and not _named_self(resolved))
    return ConversationState(
        target_id=resolved.target.user_id if resolved.target else None,
        target_explicit=target_explicit,
        app_id=resolved.application.app_id if resolved.application else None,
        role_id=resolved.role.role_id if resolved.role else None,
        asked=resolved.clarification,
        texts=[*(previous.texts if previous else []), clean(text)][-MAX_TURNS:],
        turns=(previous.turns if previous else 0) + 1,
    )


def _named_self(resolved: ResolvedRequest) -> bool:
    return any(match.kind == "user" and match.matched_text for match in resolved.matches)


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
    return None
