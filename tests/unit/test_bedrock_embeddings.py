"""Titan Text Embeddings V2 through bedrock-runtime InvokeModel, with botocore's Stubber (no network).

The response in tests/events/aws/bedrock_titan_embed_text_v2_invoke_model.json has the shape the Bedrock user guide
documents for Titan V2 (`embedding`, `inputTextTokenCount`, `embeddingsByType.float`); its values are synthetic.
Stubber checks every request against the bedrock-runtime service model shipped with botocore.
"""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from retrieval.aws_errors import EmbeddingServiceError
from retrieval.embeddings.bedrock import TITAN_V2, BedrockTitanEmbedder, titan_request

RECORDED = Path(__file__).resolve().parents[1] / "events" / "aws" / "bedrock_titan_embed_text_v2_invoke_model.json"


def _client() -> Any:
    return boto3.client("bedrock-runtime", region_name="eu-west-1", aws_access_key_id="test",
                        aws_secret_access_key="test")


def _body(payload: bytes) -> dict[str, Any]:
    return {"body": StreamingBody(io.BytesIO(payload), len(payload)), "contentType": "application/json"}


def _expected(text: str, dimensions: int = 256) -> dict[str, Any]:
    return {"modelId": TITAN_V2, "body": titan_request(text, dimensions),  # type: ignore[arg-type]
            "contentType": "application/json", "accept": "application/json"}


def test_embeds_one_text_with_the_documented_request_and_response() -> None:
    client = _client()
    payload = RECORDED.read_bytes()
    with Stubber(client) as stub:
        stub.add_response("invoke_model", _body(payload), _expected("I need the HR Analyst role in Workday"))
        embedder = BedrockTitanEmbedder(dimensions=256, client=client)
        vectors = embedder.embed(["I need the HR Analyst role in Workday"])
        stub.assert_no_pending_responses()
    assert vectors.shape == (1, 256) and vectors.dtype == np.float32
    assert np.allclose(vectors[0], json.loads(payload)["embeddingsByType"]["float"], atol=1e-7)
    assert abs(float(np.linalg.norm(vectors[0])) - 1.0) < 1e-5
    assert json.loads(titan_request("x", 256)) == {"inputText": "x", "dimensions": 256, "normalize": True,
                                                   "embeddingTypes": ["float"]}


def test_dimension_and_model_id_follow_the_configuration() -> None:
    for dimensions in (256, 512, 1024):
        embedder = BedrockTitanEmbedder(dimensions=dimensions, client=_client())  # type: ignore[arg-type]
        assert embedder.dimension == dimensions
        assert embedder.model_id == f"{TITAN_V2}@{dimensions}"
    with pytest.raises(ValueError, match="256, 512 or 1024"):
        BedrockTitanEmbedder(dimensions=384, client=_client())  # type: ignore[arg-type]


def test_a_list_keeps_its_order_across_concurrent_calls() -> None:
    class Fake:
        def __init__(self) -> None:
            self.active = self.peak = 0
            self.lock = threading.Lock()

        def invoke_model(self, **params: Any) -> dict[str, Any]:
            with self.lock:
                self.active += 1
                self.peak = max(self.peak, self.active)
            time.sleep(0.02)
            number = int(json.loads(params["body"])["inputText"].split()[-1])
            vector = np.zeros(256)
            vector[number] = 1.0
            with self.lock:
                self.active -= 1
            return _body(json.dumps({"embedding": vector.tolist(), "inputTextTokenCount": 2}).encode())

    fake = Fake()
    embedder = BedrockTitanEmbedder(dimensions=256, client=fake, concurrency=4)  # type: ignore[arg-type]
    vectors = embedder.embed([f"text {number}" for number in range(12)])
    embedder.close()
    assert [int(np.argmax(row)) for row in vectors] == list(range(12))
    assert 1 < fake.peak <= 4


def test_blank_text_and_empty_lists_make_no_call() -> None:
    client = _client()
    with Stubber(client) as stub:
        embedder = BedrockTitanEmbedder(dimensions=512, client=client)
        assert embedder.embed([]).shape == (0, 512)
        assert not embedder.embed(["   "]).any()
        stub.assert_no_pending_responses()


def test_service_errors_and_wrong_answers_are_embedding_service_errors() -> None:
    client = _client()
    with Stubber(client) as stub:
        stub.add_client_error("invoke_model", service_error_code="ThrottlingException", http_status_code=429)
        stub.add_response("invoke_model", _body(b'{"message": "no vector"}'))
        stub.add_response("invoke_model", _body(json.dumps({"embedding": [0.1] * 255}).encode()))
        embedder = BedrockTitanEmbedder(dimensions=256, client=client)
        with pytest.raises(EmbeddingServiceError, match="ThrottlingException"):
            embedder.embed(["a"])
        with pytest.raises(EmbeddingServiceError, match="no usable embedding"):
            embedder.embed(["a"])
        with pytest.raises(EmbeddingServiceError, match="255 values for 256"):
            embedder.embed(["a"])


def test_long_text_is_cut_to_the_model_limit() -> None:
    assert len(json.loads(titan_request("x" * 60_000, 256))["inputText"]) == 50_000


def test_the_default_client_is_built_once_with_bounded_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    embedder = BedrockTitanEmbedder(dimensions=256, region="us-east-1", timeout_s=4.0)
    client = embedder.client
    assert embedder.client is client
    assert client.meta.region_name == "us-east-1"
    assert client.meta.config.read_timeout == 4.0 and client.meta.config.retries["mode"] == "standard"
