"""Filling the vector indexes from the system of record: policy passages (embedded) and past decisions."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Protocol

import numpy as np

from bot.ports import Embedder
from retrieval.policies import Passage, split_document

log = logging.getLogger(__name__)


class PassageSink(Protocol):
    def replace_all(self, passages: list[Passage], vectors: np.ndarray, model_id: str) -> int: ...


# Passages embedded per call (progress is reported after each).
EMBED_BATCH = 64


def index_policies(documents: Iterable[tuple[str, str, str]], embedder: Embedder, sink: PassageSink,
                   progress: Callable[[int, int], None] | None = None) -> int:
    """Split each (document, title, body) into passages, embed "title: text", and replace the policy index.
    `progress`, if given, is called with (passages embedded so far, passages in all)."""
    passages = [passage for document, title, body in documents for passage in split_document(document, title, body)]
    texts = [f"{p.title}: {p.text}" for p in passages]
    parts = []
    for start in range(0, len(texts), EMBED_BATCH):
        parts.append(embedder.embed(texts[start : start + EMBED_BATCH]))
        if progress is not None:
            progress(min(start + EMBED_BATCH, len(texts)), len(texts))
    vectors = np.vstack(parts) if parts else np.zeros((0, embedder.dimension), dtype=np.float32)
    count = sink.replace_all(passages, vectors, embedder.model_id)
    log.info("indexed %d policy passages", count)
    return count
