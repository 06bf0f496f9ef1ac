"""Writing to the terminal, and the exit codes every command uses."""

from __future__ import annotations

import re
import sys
from typing import TextIO

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3
EXIT_REFUSED = 4


def out(text: str = "", stream: TextIO | None = None) -> None:
    target = stream or sys.stdout
    target.write(text + "\n")
    target.flush()


def err(text: str) -> None:
    out(text, sys.stderr)


def quantity(number: int, noun: str, plural: str | None = None) -> str:
    """ "1 record", "2 records"; `plural` for nouns that do not take an s ("person", "people")."""
    return f"{number} {noun}" if number == 1 else f"{number} {plural or noun + 's'}"


_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def visible(text: str) -> str:
    """A stored value as a terminal may show it: control characters, escape sequences and text-direction marks
    written as escapes (`\\x1b`), so a value cannot recolour, move or reorder what the terminal shows."""
    return _UNSAFE.sub(lambda found: found.group(0).encode("unicode_escape").decode("ascii"), text)
