"""The OpenSearch adapters against a real OpenSearch-compatible server (osmem-server, in memory, started here).

osmem serves index creation, mappings, aliases, bulk, counts and filters, but no k-NN query: the k-NN request
bodies are checked against the OpenSearch API specification in tests/unit/test_opensearch_bodies.py, and here the
role filter that runs inside the k-NN clause is run on its own to show it selects what it should.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from retrieval.aws_compat import import_opensearchpy
from retrieval.aws_errors import VectorIndexError, VectorIndexNotReadyError, VectorIndexUnavailableError
from retrieval.opensearch_index import (
    VECTOR_FIELD,
    HistoryRecord,
    IndexGenerations,
    OpenSearchConfig,
    OpenSearchHistoryIndex,
    OpenSearchPolicyIndex,
    build_client,
    ensure_index,
    history_index_body,
    knn_search_body,
    policy_index_body,
)
from retrieval.policies import Passage

try:
    import_opensearchpy()
except ImportError:  # pragma: no cover - opensearch-py is an AWS extra
    pytest.skip("opensearch-py is not installed", allow_module_level=True)
osmem = pytest.importorskip("osmem_server", reason="osmem-server (an in-memory OpenSearch) is not installed")

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    with osmem.OsmemServer.start(japanese=False) as running:
        yield running


@pytest.fixture
def config(server: Any) -> Iterator[OpenSearchConfig]:
    """A clone of the empty base cluster per test (copy-on-write, milliseconds)."""
    with server.clone() as clone:
        yield OpenSearchConfig(endpoint=clone.url, auth="none", timeout_s=5.0, bulk_initial_backoff_s=0,
                               publish_timeout_s=2.0)


@pytest.fixture
def client(config: OpenSearchConfig) -> Any:
    return build_client(config)


def _records(count: int) -> list[HistoryRecord]:
    return [HistoryRecord(f"h{number:05d}", f"role-{number % 3}", number % 4 != 0,
                          {"department": ["Finance", "HR"][number % 2], "title": f"T{number % 5}"},
                          app_id="app-a" if number % 3 < 2 else "app-b")
            for number in range(count)]


def test_ensure_is_idempotent_and_searches_before_any_import_find_nothing(config: OpenSearchConfig,
                                                                          client: Any) -> None:
    history = OpenSearchHistoryIndex(config, client=client)
    policy = OpenSearchPolicyIndex(config, 4, client=client)
    assert policy.search_by_key("never-stored", 3) is None  # no alias yet: nothing, not an error
    history.ensure()
    first = history.generations.live()
    history.ensure()
    policy.ensure()
    policy.ensure()
    assert history.generations.live() == first and len(first) == 1
    assert client.count(index=config.history_index)["count"] == 0
    assert policy.search_by_key("never-stored", 3) is None


def test_index_creation_tolerates_an_index_created_concurrently(client: Any) -> None:
    body = policy_index_body(8)
    assert ensure_index(client, "race-g1", body) is True
    assert ensure_index(client, "race-g1", body) is False

    class Racing:
        """Another process creates the index between our exists check and our create."""

        def __init__(self, inner: Any) -> None:
            self.indices = self
            self._inner = inner

        def exists(self, index: str) -> bool:
            return False

        def create(self, index: str, body: dict[str, Any]) -> Any:
            return self._inner.indices.create(index=index, body=body)

    assert ensure_index(Racing(client), "race-g1", body) is False  # resource_already_exists_exception


def test_server_accepts_the_faiss_hnsw_mapping(config: OpenSearchConfig, client: Any) -> None:
    OpenSearchHistoryIndex(config, client=client).ensure()
    mappings = client.indices.get_mapping(index=config.history_index)
    (physical,) = mappings
    vector = mappings[physical]["mappings"]["properties"][VECTOR_FIELD]
    assert vector["type"] == "knn_vector" and vector["dimension"] == 256
    assert vector["method"]["engine"] == "faiss" and vector["method"]["space_type"] == "innerproduct"
    assert mappings[physical]["mappings"]["dynamic"] == "strict"


def test_rebuild_bulk_loads_in_chunks_and_swaps_generations(config: OpenSearchConfig, client: Any) -> None:
    records = _records(1203)  # three bulk chunks
    history = OpenSearchHistoryIndex(config, client=client, records=lambda: records)
    assert history.rebuild() == 1203
    (first,) = history.generations.live()
    assert client.count(index=config.history_index)["count"] == 1203
    seen: list[int] = []
    assert history.rebuild(batch=500, progress=seen.append) == 1203
    assert seen == [500, 1000, 1203]  # every batch, and the end
    (second,) = history.generations.live()
    assert second != first
    assert not client.indices.exists(index=first)  # the old generation is dropped, not left behind


def test_the_role_filter_inside_the_knn_clause_selects_that_role_only(config: OpenSearchConfig, client: Any) -> None:
    records = _records(60)
    OpenSearchHistoryIndex(config, client=client, records=lambda: records).rebuild()
    clause = knn_search_body(np.ones(256), 25, role_id="role-1")["query"]["knn"][VECTOR_FIELD]
    found = client.search(index=config.history_index,
                          body={"size": 100, "query": {"bool": {"filter": [clause["filter"]]}}})
    roles = {hit["_source"]["role_id"] for hit in found["hits"]["hits"]}
    assert roles == {"role-1"} and found["hits"]["total"]["value"] == 20


def test_the_application_filter_selects_that_applications_roles(config: OpenSearchConfig, client: Any) -> None:
    records = _records(60)
    OpenSearchHistoryIndex(config, client=client, records=lambda: records).rebuild()
    for where, expected_roles, expected_count in (({"app_id": "app-a"}, {"role-0", "role-1"}, 40),
                                                  ({"app_id": "app-a", "role_id": "role-0"}, {"role-0"}, 20)):
        clause = knn_search_body(np.ones(256), 25, **where)["query"]["knn"][VECTOR_FIELD]
        found = client.search(index=config.history_index,
                              body={"size": 100, "query": {"bool": {"filter": [clause["filter"]]}}})
        hits = found["hits"]["hits"]
        assert {hit["_source"]["role_id"] for hit in hits} == expected_roles
        assert {hit["_source"]["app_id"] for hit in hits} == {"app-a"} and len(hits) == expected_count


def test_a_refused_document_leaves_the_live_generation_alone(config: OpenSearchConfig, client: Any) -> None:
    generations = IndexGenerations(client, config.policy_index, config)
    good = {"passage_id": "a#1", "document": "a", "title": "A", "text": "t", "model": "m",
            VECTOR_FIELD: [1.0, 0.0, 0.0, 0.0]}
    generations.replace(policy_index_body(4), [good])
    (live,) = generations.live()
    with pytest.raises(VectorIndexError, match="1 documents were refused"):
        generations.replace(policy_index_body(4), [good, {**good, "unexpected": 1}])  # strict mapping refuses it
    assert generations.live() == [live]
    assert client.count(index=config.policy_index)["count"] == 1
    assert sorted(client.indices.get(index=f"{config.policy_index}-g*")) == [live]  # the failed one is deleted


def test_throttled_items_are_sent_again_with_back_off(config: OpenSearchConfig, client: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """AOSS answers 429 per item while it scales; those items are re-sent, the others are not duplicated."""
    real_bulk = client.bulk
    calls: list[int] = []

    def throttling_bulk(body: str, **kwargs: Any) -> Any:
        lines = body.strip("\n").split("\n")
        pairs = [(lines[i], lines[i + 1]) for i in range(0, len(lines), 2)]
        calls.append(len(pairs))
        if len(calls) > 1:
            return real_bulk(body=body, **kwargs)
        kept = [pair for number, pair in enumerate(pairs) if number % 3]
        sent = real_bulk(body="\n".join(line for pair in kept for line in pair) + "\n", **kwargs)["items"]
        items, answered = [], iter(sent)
        for number, (action, _) in enumerate(pairs):
            if number % 3:
                items.append(next(answered))
            else:
                index = json.loads(action)["index"]["_index"]
                items.append({"index": {"_index": index, "status": 429,
                                        "error": {"type": "es_rejected_execution_exception", "reason": "busy"}}})
        return {"took": 1, "errors": True, "items": items}

    monkeypatch.setattr(client, "bulk", throttling_bulk)
    records = _records(30)
    assert OpenSearchHistoryIndex(config, client=client, records=lambda: records).rebuild() == 30
    assert calls == [30, 10]
    assert client.count(index=config.history_index)["count"] == 30


def test_serverless_mode_polls_instead_of_refreshing(config: OpenSearchConfig, client: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    serverless = replace(config, serverless_mode=True)

    def no_refresh(**kwargs: Any) -> None:
        raise AssertionError("OpenSearch Serverless has no _refresh API")

    monkeypatch.setattr(client.indices, "refresh", no_refresh)
    records = _records(40)
    assert OpenSearchHistoryIndex(serverless, client=client, records=lambda: records).rebuild() == 40


def test_a_generation_that_never_becomes_searchable_is_not_published(config: OpenSearchConfig, client: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    serverless = replace(config, serverless_mode=True, publish_timeout_s=0.0)
    history = OpenSearchHistoryIndex(serverless, client=client, records=lambda: _records(5))
    history.ensure()
    (live,) = history.generations.live()
    real_count = client.count
    monkeypatch.setattr(client, "count", lambda **kwargs: {**real_count(**kwargs), "count": 0})
    with pytest.raises(VectorIndexNotReadyError, match="previous generation stays live"):
        history.rebuild()
    assert history.generations.live() == [live]
    assert sorted(client.indices.get(index=f"{config.history_index}-g*")) == [live]


def test_stored_queries_are_found_by_key_and_replaced_whole(config: OpenSearchConfig, client: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    policy = OpenSearchPolicyIndex(config, 4, client=client)
    assert policy.store_queries(["k1", "k2"], ["one", "two"],
                                np.array([[1, 0, 0, 0], [0, 3, 4, 0]], dtype=np.float32), "model-a") == 2
    searched: list[tuple[list[float], int]] = []
    monkeypatch.setattr(policy, "search", lambda vector, k: searched.append((vector.tolist(), k)) or [])
    assert policy.search_by_key("k2", 3) == []
    assert searched == [([0.0, pytest.approx(0.6), pytest.approx(0.8), 0.0], 3)]
    policy.store_queries(["k3"], ["three"], np.array([[0, 0, 0, 1]], dtype=np.float32), "model-a")
    assert policy.search_by_key("k1", 3) is None  # the previous set is gone, not merged


def test_passages_replace_all_and_dimension_checks(config: OpenSearchConfig, client: Any) -> None:
    policy = OpenSearchPolicyIndex(config, 4, client=client, documents=lambda: [("sod", "SoD", "# SoD\n\nText.")])
    passages = [Passage("sod#1", "sod", "SoD", "No one holds both."), Passage("sod#2", "sod", "SoD", "Exceptions.")]
    assert policy.replace_all(passages, np.eye(2, 4, dtype=np.float32), "model-a") == 2
    assert client.count(index=config.policy_index)["count"] == 2
    assert list(policy.documents()) == [("sod", "SoD", "# SoD\n\nText.")]
    with pytest.raises(VectorIndexError, match="a 3-dimensional vector for a 4-dimensional index"):
        policy.replace_all(passages, np.ones((2, 3), dtype=np.float32), "model-a")
    with pytest.raises(VectorIndexError, match="3-dimensional"):
        policy.search(np.ones(3, dtype=np.float32), 2)


def test_a_refused_query_is_a_vector_index_error(config: OpenSearchConfig, client: Any) -> None:
    policy = OpenSearchPolicyIndex(config, 4, client=client)
    policy.replace_all([Passage("a#1", "a", "A", "t")], np.eye(1, 4, dtype=np.float32), "m")
    with pytest.raises(VectorIndexError, match="refused searching policy passages: 400"):
        policy.search(np.ones(4, dtype=np.float32), 2)  # osmem has no k-NN query


def test_an_unreachable_server_is_unavailable_not_refused() -> None:
    config = OpenSearchConfig(endpoint="http://127.0.0.1:9", auth="none", timeout_s=0.5, max_retries=0)
    history = OpenSearchHistoryIndex(config)
    with pytest.raises(VectorIndexUnavailableError, match="unreachable"):
        history.similar("role-1", {"department": "Finance"}, 5)


def test_history_without_a_source_cannot_rebuild(config: OpenSearchConfig) -> None:
    with pytest.raises(VectorIndexError, match="without a source of past decisions"):
        OpenSearchHistoryIndex(config).rebuild()


def test_history_index_body_round_trips_through_the_server(config: OpenSearchConfig, client: Any) -> None:
    assert ensure_index(client, "roundtrip-g1", history_index_body()) is True
    with pytest.raises(import_opensearchpy().RequestError):
        client.index(index="roundtrip-g1", body={"role_id": "r", "surprise": True})  # dynamic: strict holds
