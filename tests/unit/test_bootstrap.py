"""The composition root picks adapters from settings alone (nothing connects until used)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.bootstrap import build
from bot.settings import Settings


def test_opensearch_and_bedrock_are_chosen_by_settings(tmp_path: Path) -> None:
    pytest.importorskip("opensearchpy")
    from retrieval.embeddings.bedrock import BedrockTitanEmbedder
    from retrieval.opensearch_index import OpenSearchHistoryIndex, OpenSearchPolicyIndex

    app = build(Settings(home=tmp_path, database_url="postgresql://nobody@127.0.0.1:1/none", env="aws",
                         vector_index="opensearch", opensearch_endpoint="http://127.0.0.1:9", opensearch_auth="none",
                         embedding_model="bedrock", bedrock_embedding_dimension=256, aws_region="eu-west-1"))
    assert isinstance(app.embedder, BedrockTitanEmbedder) and app.embedder.dimension == 256
    assert isinstance(app.history_index, OpenSearchHistoryIndex)
    assert isinstance(app.policy_index, OpenSearchPolicyIndex)
    assert app.opensearch[0].history_index == "askiam-history"
    app.close()


def test_the_embedded_defaults(tmp_path: Path) -> None:
    from retrieval.embeddings.minilm import MiniLMEmbedder
    from retrieval.pgvector_index import PgHistoryIndex

    app = build(Settings(home=tmp_path, database_url="postgresql://nobody@127.0.0.1:1/none", env="aws"))
    assert isinstance(app.embedder, MiniLMEmbedder)
    assert isinstance(app.history_index, PgHistoryIndex)
    assert Settings(home=tmp_path).migrates_on_start and not Settings(home=tmp_path, env="aws").migrates_on_start
    app.close()


def test_opensearch_without_an_endpoint_is_a_settings_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="OPENSEARCH_ENDPOINT"):
        Settings(home=tmp_path, vector_index="opensearch")
