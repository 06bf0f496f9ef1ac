"""Text helpers of the generated org: ids and logins from names, lists joined for CSV cells and for prose."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

# Several values in one CSV cell (aliases, allowed values), as the import format reads them.
LIST_SEPARATOR = "|"

_SPECIAL_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ß": "ss", "æ": "ae", "Æ": "AE",
                                  "đ": "d", "Đ": "D", "ı": "i"})


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    return "".join(ch for ch in decomposed if ch.isascii() and not unicodedata.combining(ch))


def slug(text: str) -> str:
    """'São Paulo Ops' -> 'sao-paulo-ops'."""
    return re.sub(r"[^a-z0-9]+", "-", _ascii(text).lower()).strip("-")


def login(text: str) -> str:
    """A login part from a name: ASCII letters, digits and hyphens."""
    return re.sub(r"[^a-z0-9-]+", "", _ascii(text).lower()).strip("-")


def joined(values: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(values)


def listing(items: Sequence[str], limit: int) -> str:
    """'a; b; and 3 more listed in the rules catalog': a list for prose, at most `limit` items named."""
    if not items:
        return "none at present"
    shown = list(items[:limit])
    if len(items) > limit:
        shown.append(f"{len(items) - limit} more listed in the rules catalog")
    if len(shown) <= 2:
        return " and ".join(shown)
    return "; ".join(shown[:-1]) + "; and " + shown[-1]
