"""Folding and tokenising free text so that names match however they are typed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# Letters and digits of any script ("łukasz", "王伟"), joined by inner dots and apostrophes.
_TOKEN = re.compile(r"[^\W_]+(?:[.'][^\W_]+)*")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})
# Letters that Unicode does not decompose into a base letter and a mark, written as the base letter on keyboards
# without them ("Lukasz" for "Łukasz", "Soren" for "Søren"). One letter for one, so folded text keeps its length.
# Migration 0014 writes the same table in SQL for rows folded before it: keep the two alike.
UNMARKED_LETTERS = str.maketrans("łøđðħıŀŧ", "loddhilt")

# Control characters and zero-width marks are dropped before anything else looks at the text.
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn"}

MAX_TEXT_CHARS = 4000


def clean(text: str) -> str:
    """Remove invisible characters and squeeze white space; long input is cut at MAX_TEXT_CHARS."""
    visible = "".join(
        " " if ch in "\t\r\n" else ch for ch in text[: MAX_TEXT_CHARS * 2] if ch in "\t\r\n" or
        unicodedata.category(ch) not in _INVISIBLE
    )
    return " ".join(visible.split())[:MAX_TEXT_CHARS]


def fold(text: str) -> str:
    """Lower-case, strip accents and compatibility forms ("Ｗｏｒｋｄａｙ" and "workday", "Łódź" and "lodz" fold
    alike)."""
    if text.isascii():  # nothing to decompose or strip: the common case, and the catalog's names at start-up
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_QUOTES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().translate(UNMARKED_LETTERS)


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


def is_caseless_letter(ch: str) -> bool:
    """A letter of a script without case (Han, kana, Hangul, Thai, Arabic...): such text is written without spaces
    between words, so where it meets letters with case is where a word ends ("王伟需要Jira" is 王伟需要 and jira)."""
    return ch.isalpha() and ch.lower() == ch.upper()


def is_caseless_word(word: str) -> bool:
    """A word written wholly in letters of scripts without case ("王伟", "飞书")."""
    return bool(word) and all(is_caseless_letter(ch) for ch in word)


def _split_at_scripts(word: str, start: int) -> list[tuple[str, int]]:
    """The parts of a word where it changes between caseless letters and everything else."""
    if word.isascii():
        return [(word, start)]
    parts: list[tuple[str, int]] = []
    begin = 0
    for index in range(1, len(word) + 1):
        if index == len(word) or (word[index].isalnum() and word[index - 1].isalnum() and
                                  is_caseless_letter(word[index]) != is_caseless_letter(word[index - 1])):
            parts.append((word[begin:index], start + begin))
            begin = index
    return parts


def tokens(text: str) -> list[Token]:
    """Word tokens of the folded text with their positions; possessive 's is split off."""
    folded = fold(text)
    found: list[Token] = []
    for match in _TOKEN.finditer(folded):
        for word, start in _split_at_scripts(match.group(0), match.start()):
            end = start + len(word)
            if word.endswith("'s"):
                found.append(Token(word[:-2], start, end - 2))
                found.append(Token("'s", end - 2, end))
            else:
                found.append(Token(word.replace("'", ""), start, end))
    return found


@lru_cache(maxsize=65_536)
def phrase_tokens(phrase: str) -> tuple[str, ...]:
    """The words of a name (catalog names are tokenised by several matchers: once each)."""
    return tuple(token.text for token in tokens(phrase) if token.text != "'s")


def name_key(name: str) -> str:
    """A display name as the words a sentence would show it by: "Siobhán O'Brien" and "Mary-Jane Watson" read as
    "siobhan obrien" and "mary jane watson", the form `tokens` gives the same names typed in a request."""
    return " ".join(phrase_tokens(name))


def capitals_shape(text: str) -> str:
    """The text with each letter that can begin a name but is not an ASCII capital (Ł, Ö, and the letters of
    scripts without case, 王) written as "X". The length is unchanged, so a pattern that finds names by their
    capital ([A-Z]) runs on this and takes the span from the original text."""
    if text.isascii():
        return text
    return "".join("X" if not ch.isascii() and ch.isalpha() and not ch.islower() else ch for ch in text)


def emails(text: str) -> list[str]:
    return [match.group(0).casefold() for match in _EMAIL.finditer(text)]


def numbered(labels: Iterable[str], start: int = 1) -> str:
    """Choices as a question lists them: "1. Viewer; 2. Editor" (`start`: the first one's number)."""
    return "; ".join(f"{number}. {label}" for number, label in enumerate(labels, start))
