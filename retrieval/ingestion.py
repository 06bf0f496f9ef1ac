"""Filling the vector indexes from the system of record: policy passages (embedded) and past decisions."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol

import numpy as np

from bot.ports import Embedder
from retrieval.policies import Passage, split_document

log = logging.getLogger(__name__)


class PassageSink(Protocol):
    def replace_all(self, passages: list[Passage], vectors: np.ndarray, model_id: str) -> int: ...


def index_policies(documents: Iterable[tuple[str, str, str]], embedder: Embedder, sink: PassageSink) -> int:
    """Split each (document, title, body) into passages, embed "title: text", and replace the policy index."""
    passages = [passage for document, title, body in documents for passage in split_document(document, title, body)]
    vectors = embedder.embed([f"{p.title}: {p.text}" for p in passages]) if passages else \
        np.zeros((0, embedder.dimension), dtype=np.float32)
    count = sink.replace_all(passages, vectors, embedder.model_id)
    log.info("indexed %d policy passages", count)
    return count
