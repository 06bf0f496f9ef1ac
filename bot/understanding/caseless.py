"""Finding catalog names inside text written without spaces ("我需要飞书的管理员权限" holds 飞书 and 管理员)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.understanding.text import is_caseless_word


def caseless_terms(words: Iterable[str]) -> frozenset[str]:
    """The catalog's words written in a script without case: the ones to look for inside runs of such letters."""
    return frozenset(word for word in words if is_caseless_word(word))


def split_at_terms(words: Sequence[str], terms: frozenset[str]) -> list[str]:
    """The words with each run of caseless letters cut around the known terms inside it, longest term first at
    each place ("我需要飞书的管理员权限" -> 我需要, 飞书, 的, 管理员, 权限). Other words are kept as they are."""
    if not terms:
        return list(words)
    longest = max(len(term) for term in terms)
    split: list[str] = []
    for word in words:
        if word in terms or not is_caseless_word(word):
            split.append(word)
            continue
        pending, index = "", 0
        while index < len(word):
            found = next((word[index : index + size] for size in range(min(longest, len(word) - index), 0, -1)
                          if word[index : index + size] in terms), None)
            if found is None:
                pending += word[index]
                index += 1
                continue
            if pending:
                split.append(pending)
                pending = ""
            split.append(found)
            index += len(found)
        if pending:
            split.append(pending)
    return split
