"""The request bodies the OpenSearch adapter sends, checked against the OpenSearch API specification.

The k-NN query cannot run against any server available here, so its body (and the mappings, bulk actions and
alias swap) are validated against the OpenAPI description maintained by the OpenSearch project
(`../shared/opensearch-api-spec`): first with a JSON Schema validator, then strictly, so that a key the
specification does not declare (a typo such as `filer` for `filter`) fails too.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

import numpy as np
import pytest
import yaml

from retrieval.attributes import PROFILE_DIMENSION, profile_vector
from retrieval.opensearch_index import (
    VECTOR_FIELD,
    alias_swap_body,
    bulk_actions,
    cosine_from_score,
    history_document,
    history_index_body,
    key_lookup_body,
    knn_search_body,
    normalised,
    passage_document,
    policy_index_body,
    query_document,
    query_index_body,
)
from retrieval.policies import Passage

jsonschema = pytest.importorskip("jsonschema")
referencing = pytest.importorskip("referencing")

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "opensearch-api-spec" / "spec"
pytestmark = pytest.mark.skipif(not SPEC.is_dir(), reason="the OpenSearch API specification is not in ../shared")

SEARCH = "namespaces/_core.yaml#/components/requestBodies/search/content/application~1json/schema"
COUNT = "namespaces/_core.yaml#/components/requestBodies/count/content/application~1json/schema"
BULK_ITEM = "namespaces/_core.yaml#/components/requestBodies/bulk/content/application~1x-ndjson/schema/items"
OPERATION = "schemas/_core.bulk.yaml#/components/schemas/OperationContainer"
CREATE_INDEX = "namespaces/indices.yaml#/components/requestBodies/indices.create/content/application~1json/schema"
ALIASES = ("namespaces/indices.yaml#/components/requestBodies/indices.update_aliases/content/"
           "application~1json/schema")
KNN_QUERY = "schemas/_common.query_dsl.yaml#/components/schemas/KnnQuery"


class Spec:
    """The specification's YAML files as one JSON Schema registry, loaded lazily by URI."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.base = root.as_uri() + "/"
        self.registry = referencing.Registry(retrieve=self._retrieve)  # type: ignore[call-arg]

    @functools.cache  # noqa: B019 - one Spec per test session
    def _document(self, uri: str) -> Any:
        path = Path(uri.removeprefix("file://"))
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader

    def _retrieve(self, uri: str) -> Any:
        return referencing.Resource.from_contents(
            self._document(uri), default_specification=referencing.jsonschema.DRAFT202012)

    def uri(self, relative: str) -> str:
        return urljoin(self.base, relative)

    def lookup(self, uri: str) -> Any:
        return self.registry.resolver().lookup(uri).contents

    def errors(self, instance: Any, uri: str) -> list[str]:
        validator = jsonschema.Draft202012Validator({"$ref": uri}, registry=self.registry)
        return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(instance)]

    def is_valid(self, instance: Any, uri: str) -> bool:
        return not self.errors(instance, uri)

    # Strict check: every key sent must be declared somewhere in the schema that applies to it.

    def _declared(self, uri: str, instance: Any) -> tuple[dict[str, str], str | None, bool, str | None]:
        """(declared properties -> schema URI, additionalProperties URI, open, items URI) of one schema node."""
        schema = self.lookup(uri)
        properties: dict[str, str] = {}
        extra: str | None = None
        items: str | None = None
        open_ = False
        if not isinstance(schema, dict):
            return properties, extra, True, items
        document = urldefrag(uri).url
        parts: list[str] = []
        if "$ref" in schema:
            parts.append(urljoin(document, schema["$ref"]))
        parts += [f"{uri}/allOf/{i}" for i in range(len(schema.get("allOf", [])))]
        for keyword in ("oneOf", "anyOf"):
            for i in range(len(schema.get(keyword, []))):
                branch = f"{uri}/{keyword}/{i}"
                if self.is_valid(instance, branch):
                    parts.append(branch)
        for part in parts:
            more, more_extra, more_open, more_items = self._declared(part, instance)
            properties.update(more)
            extra = extra or more_extra
            items = items or more_items
            open_ = open_ or more_open
        for name in schema.get("properties", {}):
            properties[name] = f"{uri}/properties/{name.replace('~', '~0').replace('/', '~1')}"
        additional = schema.get("additionalProperties")
        if isinstance(additional, dict) and additional:
            extra = f"{uri}/additionalProperties"
        elif additional is True or (isinstance(additional, dict) and not additional) or "patternProperties" in schema:
            open_ = True
        if "items" in schema and isinstance(schema["items"], dict):
            items = f"{uri}/items"
        if not parts and "properties" not in schema and extra is None and schema.get("type") in (None, "object"):
            open_ = True  # a free-form object (a document's _source)
        return properties, extra, open_, items

    def unknown_keys(self, instance: Any, uri: str, path: str = "$") -> list[str]:
        properties, extra, open_, items = self._declared(uri, instance)
        problems: list[str] = []
        if isinstance(instance, dict):
            for key, value in instance.items():
                where = f"{path}.{key}"
                if key in properties:
                    problems += self.unknown_keys(value, properties[key], where)
                elif extra is not None:
                    problems += self.unknown_keys(value, extra, where)
                elif not open_:
                    problems.append(where)
        elif isinstance(instance, list) and items is not None:
            for number, value in enumerate(instance):
                problems += self.unknown_keys(value, items, f"{path}[{number}]")
        return problems

    def check(self, instance: Any, relative: str) -> None:
        uri = self.uri(relative)
        assert self.errors(instance, uri) == []
        assert self.unknown_keys(instance, uri) == []


@pytest.fixture(scope="module")
def spec() -> Spec:
    return Spec(SPEC)


def test_the_strict_check_catches_a_misspelt_knn_key(spec: Spec) -> None:
    body = knn_search_body(np.ones(4), 3, role_id="r1")
    body["query"]["knn"][VECTOR_FIELD]["filer"] = body["query"]["knn"][VECTOR_FIELD].pop("filter")
    assert spec.unknown_keys(body, spec.uri(SEARCH)) == [f"$.query.knn.{VECTOR_FIELD}.filer"]
    body = knn_search_body(np.ones(4), 3)
    body["query"]["knn"][VECTOR_FIELD]["k"] = "three"
    assert spec.errors(body, spec.uri(SEARCH))


def test_filtered_knn_search_body_matches_the_specification(spec: Spec) -> None:
    body = knn_search_body(profile_vector({"department": "Finance"}), 25, role_id="wd-hr-analyst")
    spec.check(body, SEARCH)
    clause = body["query"]["knn"][VECTOR_FIELD]
    # Efficient filtering: the role filter is inside the k-NN clause, not a post-filter around it.
    assert clause["filter"] == {"term": {"role_id": "wd-hr-analyst"}}
    assert clause["k"] == body["size"] == 25
    assert len(clause["vector"]) == PROFILE_DIMENSION
    assert body["_source"] == {"excludes": [VECTOR_FIELD]}
    spec.check(clause, KNN_QUERY)


def test_knn_search_bodies_filtered_by_application_match_the_specification(spec: Spec) -> None:
    body = knn_search_body(profile_vector({"department": "Finance"}), 10, app_id="workday")
    spec.check(body, SEARCH)
    assert body["query"]["knn"][VECTOR_FIELD]["filter"] == {"term": {"app_id": "workday"}}
    both = knn_search_body(profile_vector({"department": "Finance"}), 10, role_id="wd-hr", app_id="workday")
    spec.check(both, SEARCH)
    spec.check(both["query"]["knn"][VECTOR_FIELD], KNN_QUERY)
    assert both["query"]["knn"][VECTOR_FIELD]["filter"] == {
        "bool": {"filter": [{"term": {"role_id": "wd-hr"}}, {"term": {"app_id": "workday"}}]}}


def test_unfiltered_knn_and_key_lookup_bodies_match_the_specification(spec: Spec) -> None:
    body = knn_search_body(np.arange(1, 385, dtype=np.float32), 3)
    spec.check(body, SEARCH)
    assert "filter" not in body["query"]["knn"][VECTOR_FIELD]
    spec.check(key_lookup_body("query_key", "abc"), SEARCH)
    spec.check({"query": {"match_all": {}}}, COUNT)


@pytest.mark.parametrize("body", [history_index_body(), policy_index_body(384), policy_index_body(1024),
                                  query_index_body()], ids=["history", "policy-384", "policy-1024", "query"])
def test_index_bodies_match_the_specification(spec: Spec, body: dict[str, Any]) -> None:
    spec.check(body, CREATE_INDEX)
    assert body["mappings"]["dynamic"] == "strict"


def test_vector_mappings_use_faiss_hnsw_inner_product() -> None:
    history = history_index_body()["mappings"]["properties"][VECTOR_FIELD]
    policy = policy_index_body(512)["mappings"]["properties"][VECTOR_FIELD]
    assert history["dimension"] == PROFILE_DIMENSION and policy["dimension"] == 512
    for mapping in (history, policy):
        # AOSS vector collections refuse the Lucene engine and Faiss IVF; HNSW on Faiss is what they run.
        assert mapping["method"]["engine"] == "faiss" and mapping["method"]["name"] == "hnsw"
        assert mapping["method"]["space_type"] == "innerproduct"
    assert history_index_body()["settings"] == {"index": {"knn": True}}
    assert "settings" not in query_index_body()  # stored vectors only, no k-NN graph


def test_bulk_actions_carry_no_document_id_and_match_the_specification(spec: Spec) -> None:
    documents = [
        history_document("h1", "r1", True, {"department": "Finance", "title": "Accountant"}),
        passage_document(Passage("sod#1", "sod", "SoD", "Text"), np.ones(8), "m"),
        query_document("k", "text", np.ones(8), "m"),
    ]
    for action in bulk_actions("idx-g1", documents):
        # AOSS vector collections refuse `_id` on index operations ("Document ID is not supported").
        assert "_id" not in action
        meta = {action["_op_type"]: {"_index": action["_index"]}}
        spec.check(meta, OPERATION)
        assert spec.errors(meta, spec.uri(BULK_ITEM)) == []
        assert spec.errors(action["_source"], spec.uri(BULK_ITEM)) == []


def test_alias_swap_is_one_atomic_request(spec: Spec) -> None:
    body = alias_swap_body("askiam-policy", "askiam-policy-g2", ["askiam-policy-g1"])
    spec.check(body, ALIASES)
    assert body["actions"] == [{"remove": {"index": "askiam-policy-g1", "alias": "askiam-policy"}},
                               {"add": {"index": "askiam-policy-g2", "alias": "askiam-policy"}}]
    spec.check(alias_swap_body("a", "a-g1", []), ALIASES)


def test_documents_hold_unit_vectors_and_their_keys() -> None:
    document = history_document("h1", "r1", False, {"department": "Finance"})
    assert set(document) == set(history_index_body()["mappings"]["properties"])
    assert abs(np.linalg.norm(document[VECTOR_FIELD]) - 1.0) < 1e-5
    passage = passage_document(Passage("p#1", "p", "Policy", "Text"), np.array([3.0, 4.0]), "m")
    assert set(passage) == set(policy_index_body(2)["mappings"]["properties"])
    assert passage[VECTOR_FIELD] == [0.6, 0.8]
    assert set(query_document("k", "t", np.ones(2), "m")) == set(query_index_body()["mappings"]["properties"])
    assert normalised(np.zeros(3)) == [0.0, 0.0, 0.0]  # an empty profile stays the zero vector


@pytest.mark.parametrize("cosine", [1.0, 0.73, 0.5, 0.0, -0.2, -1.0])
def test_faiss_inner_product_scores_convert_back_to_cosine(cosine: float) -> None:
    # Faiss innerproduct: d = -p; score = 1 / (1 + d) when d >= 0, else 1 - d (OpenSearch k-NN spaces table).
    distance = -cosine
    score = 1.0 / (1.0 + distance) if distance >= 0 else 1.0 - distance
    assert cosine_from_score(score) == pytest.approx(cosine)
