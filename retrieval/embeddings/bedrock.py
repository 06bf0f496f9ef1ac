"""Amazon Titan Text Embeddings V2 on Amazon Bedrock (`bedrock-runtime` InvokeModel), behind the Embedder port.

One InvokeModel call embeds one text (the model takes no batch), so a list is embedded by a few concurrent calls.
Request `{"inputText", "dimensions", "normalize": true, "embeddingTypes": ["float"]}`; response
`{"embedding": [...], "inputTextTokenCount": n, "embeddingsByType": {"float": [...]}}`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from retrieval.aws_errors import EmbeddingServiceError

if TYPE_CHECKING:
    from botocore.client import BaseClient

__all__ = ["TITAN_V2", "BedrockTitanEmbedder", "TitanDimension", "titan_request"]

TITAN_V2: Final = "amazon.titan-embed-text-v2:0"
# Titan V2 reads at most 8,192 tokens or 50,000 characters; longer text is refused, so it is cut here.
MAX_INPUT_CHARS: Final = 50_000
TitanDimension = Literal[256, 512, 1024]


class _TitanResponse(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    embedding: list[float] | None = None
    embeddings_by_type: dict[str, list[float]] | None = Field(default=None, alias="embeddingsByType")
    input_text_token_count: int | None = Field(default=None, alias="inputTextTokenCount")

    def floats(self) -> list[float]:
        if self.embeddings_by_type and self.embeddings_by_type.get("float"):
            return self.embeddings_by_type["float"]
        if self.embedding:
            return self.embedding
        raise ValueError("no float embedding in the response")


def titan_request(text: str, dimensions: TitanDimension) -> str:
    """The InvokeModel body for one text."""
    return json.dumps({"inputText": text[:MAX_INPUT_CHARS], "dimensions": dimensions, "normalize": True,
                       "embeddingTypes": ["float"]})


def default_client(region: str | None, *, timeout_s: float, max_connections: int) -> BaseClient:
    """A bedrock-runtime client with bounded timeouts and the SDK's standard retries (throttling included)."""
    import boto3  # noqa: PLC0415 - AWS only
    from botocore.config import Config  # noqa: PLC0415

    config = Config(connect_timeout=min(timeout_s, 3.0), read_timeout=timeout_s, max_pool_connections=max_connections,
                    retries={"mode": "standard", "max_attempts": 3})
    client: BaseClient = boto3.client("bedrock-runtime", region_name=region, config=config)
    return client


class BedrockTitanEmbedder:
    """Titan Text Embeddings V2: unit vectors of 256, 512 or 1024 dimensions.

    Parameters
    ----------
    dimensions:
        The output size; the vector index is created with the same dimension.
    client:
        A `bedrock-runtime` client; None builds one for `region` on first use (once per process).
    concurrency:
        How many InvokeModel calls run at once when a list is embedded (import embeds every passage).
    """

    def __init__(self, *, dimensions: TitanDimension = 512, model_id: str = TITAN_V2, region: str | None = None,
                 client: BaseClient | None = None, concurrency: int = 8, timeout_s: float = 10.0) -> None:
        if dimensions not in (256, 512, 1024):
            raise ValueError(f"Titan V2 embeds in 256, 512 or 1024 dimensions, not {dimensions}")
        self._dimensions: TitanDimension = dimensions
        self._model = model_id
        self._region = region
        self._client = client
        self._concurrency = max(1, concurrency)
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    @property
    def dimension(self) -> int:
        return self._dimensions

    @property
    def model_id(self) -> str:
        """The model and its output size: vectors of two sizes must never be compared or share stored queries."""
        return f"{self._model}@{self._dimensions}"

    @property
    def client(self) -> BaseClient:
        with self._lock:
            if self._client is None:
                self._client = default_client(self._region, timeout_s=self._timeout_s,
                                              max_connections=self._concurrency)
            return self._client

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=self._concurrency, thread_name_prefix="titan")
            return self._executor

    def _embed_one(self, text: str) -> np.ndarray:
        if not text.strip():
            # Titan refuses empty input; blank text means nothing, and the zero vector matches nothing.
            return np.zeros(self._dimensions, dtype=np.float32)
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        try:
            response: dict[str, Any] = self.client.invoke_model(
                modelId=self._model, body=titan_request(text, self._dimensions),
                contentType="application/json", accept="application/json",
            )
            payload = response["body"].read()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            raise EmbeddingServiceError(f"Bedrock refused to embed with {self._model}: {code}") from exc
        except BotoCoreError as exc:
            raise EmbeddingServiceError(f"Bedrock unreachable while embedding with {self._model}: {exc}") from exc
        try:
            floats = _TitanResponse.model_validate_json(payload).floats()
        except (ValidationError, ValueError) as exc:
            raise EmbeddingServiceError(f"{self._model} answered with no usable embedding") from exc
        if len(floats) != self._dimensions:
            raise EmbeddingServiceError(f"{self._model} answered {len(floats)} values for {self._dimensions}")
        return np.asarray(floats, dtype=np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit row per text, in order; raises EmbeddingServiceError when any call fails."""
        if not texts:
            return np.zeros((0, self._dimensions), dtype=np.float32)
        if len(texts) == 1:
            return self._embed_one(texts[0])[np.newaxis, :]
        return np.vstack(list(self._pool().map(self._embed_one, texts)))

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
