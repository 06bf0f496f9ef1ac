"""Splitting policy documents into passages that can be cited on their own."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PASSAGE_CHARS = 700
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Passage:
    passage_id: str
    document: str
    title: str
    text: str


def split_document(document: str, title: str, body: str) -> list[Passage]:
    """Passages of whole paragraphs, long paragraphs split at sentence ends; the title heads each passage's text
    for embedding (the passage alone may not say what it is about)."""
    without_title = re.sub(r"^\s*#[^\n]*\n", "", body, count=1)
    # Headings inside the document start paragraphs of their own.
    blocks = re.split(r"\n\s*\n|\n(?=\s*#)", without_title)
    paragraphs = [" ".join(part.split()) for part in blocks if part.strip()]
    pieces: list[str] = []
    for paragraph in paragraphs:
        text = paragraph.lstrip("# ") if paragraph.startswith("#") else paragraph
        if len(text) <= MAX_PASSAGE_CHARS:
            pieces.append(text)
            continue
        current = ""
        for sentence in _SENTENCE_END.split(text):
            if current and len(current) + len(sentence) + 1 > MAX_PASSAGE_CHARS:
                pieces.append(current)
                current = sentence
            else:
                current = f"{current} {sentence}".strip()
        if current:
            pieces.append(current[: MAX_PASSAGE_CHARS * 2])
    merged: list[str] = []
    for piece in pieces:
        # Tiny fragments (a heading, a one-line list item) read better joined to their neighbour.
        if merged and (len(merged[-1]) < 120 or len(piece) < 60) and len(merged[-1]) + len(piece) < MAX_PASSAGE_CHARS:
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return [Passage(f"{document}#{number}", document, title, text) for number, text in enumerate(merged, 1)]
