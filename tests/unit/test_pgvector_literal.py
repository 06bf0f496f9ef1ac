"""pgvector's text form of a vector: every entry, zeros written short, the others to 6 significant digits."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.attributes import profile_vector
from retrieval.pgvector_index import _literal


def _every_entry_formatted(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{value:.6g}" for value in vector.tolist()) + "]"


@pytest.mark.parametrize("nonzero", [0, 1, 7, 64, 256])
def test_the_literal_holds_every_entry(nonzero: int) -> None:
    rng = np.random.default_rng(nonzero)
    vector = np.zeros(256, dtype=np.float32)
    vector[rng.choice(256, nonzero, replace=False)] = rng.normal(size=nonzero).astype(np.float32)
    text = _literal(vector)
    assert text == _every_entry_formatted(vector)
    assert np.allclose(np.array([float(part) for part in text[1:-1].split(",")]), vector, rtol=1e-5, atol=0)


def test_a_profile_vector_round_trips() -> None:
    vector = profile_vector({"department": "Finance", "title": "Accountant", "location": "Oslo", "cost_centre": "7"})
    assert _literal(vector) == _every_entry_formatted(vector)
