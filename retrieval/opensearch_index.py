"""OpenSearch vector indexes behind the HistoryIndex and PolicyIndex ports: Amazon OpenSearch Serverless (AOSS,
a VECTORSEARCH collection, SigV4 for service `aoss`) in production, any self-managed OpenSearch elsewhere.

Every logical index (past decisions, policy passages, stored policy queries) is an alias over one physical
*generation* `{alias}-g{stamp}`. A rebuild writes a new generation, waits until all of it is searchable, moves the
alias in one `_aliases` call and drops the old generation. That shape follows from three limits of AOSS vector
collections:

- no custom document ids (`_id` on index/create is refused): documents carry their key in a keyword field and are
  never updated one by one; a rebuild replaces a whole generation, so nothing needs an id;
- no `_refresh` API and no `refresh=` parameter; documents become searchable only after the collection's refresh
  interval (up to a minute): the adapter polls `_count` on the new generation until it holds every document and
  publishes it only then, so a reader never sees a half-filled index, and the old one serves until the switch;
- no `_delete_by_query`: nothing is deleted by query; old generations are dropped as whole indexes.

A self-managed OpenSearch runs the same code and is refreshed explicitly instead of polled.

Vectors are stored with the Faiss HNSW engine and the `innerproduct` space: every vector written or searched is
L2-normalised here, so the inner product is the cosine (AOSS refuses the Lucene engine and Faiss IVF; `cosinesimil`
would refuse the zero vector of an empty requester profile). Faiss scores an inner product p as 1 + p when p >= 0
and 1 / (1 - p) otherwise; `cosine_from_score` turns it back into the cosine the core's thresholds expect.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np

from bot.ports import PastDecision, PolicyPassage
from retrieval.attributes import PROFILE_DIMENSION, profile_vector, shared_share
from retrieval.aws_compat import import_opensearchpy
from retrieval.aws_errors import VectorIndexError, VectorIndexNotReadyError, VectorIndexUnavailableError
from retrieval.policies import Passage

if TYPE_CHECKING:
    from opensearchpy import OpenSearch

    from validators.db import Database

log = logging.getLogger(__name__)

Auth = Literal["aoss", "es", "basic", "none"]
VECTOR_FIELD = "embedding"
# HNSW build parameters: the OpenSearch defaults, good for the tens of thousands of vectors an org has.
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 128
# Bulk chunks stay well under the request size limits of AOSS and of small self-managed clusters.
BULK_CHUNK_DOCS = 500
BULK_CHUNK_BYTES = 5 * 1024 * 1024
_MAX_REPORTED_ERRORS = 3


@dataclass(frozen=True)
class OpenSearchConfig:
    """Where the indexes live and how to reach them; built by the composition root from the settings.

    `auth="aoss"` signs requests with SigV4 for OpenSearch Serverless (and so applies its limits), `"es"` signs for
    an Amazon OpenSearch Service domain, `"basic"` uses a user name and password, `"none"` nothing (local test
    servers).
    """

    endpoint: str
    auth: Auth = "aoss"
    region: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    history_index: str = "askiam-history"
    policy_index: str = "askiam-policy"
    query_index: str = "askiam-policy-query"
    timeout_s: float = 5.0
    max_retries: int = 3
    bulk_retries: int = 5
    bulk_initial_backoff_s: int = 1
    bulk_max_backoff_s: int = 30
    publish_timeout_s: float = 180.0
    verify_certs: bool = True
    # None: inferred from the auth (`aoss` is OpenSearch Serverless); tests force the serverless behaviour on a
    # local server with True.
    serverless_mode: bool | None = None

    @property
    def serverless(self) -> bool:
        """Whether to work within AOSS's limits: no `_refresh`, visibility by polling `_count`."""
        return self.auth == "aoss" if self.serverless_mode is None else self.serverless_mode


def build_client(config: OpenSearchConfig, *, session: Any = None) -> OpenSearch:
    """An OpenSearch client for `config`: SigV4 with the boto3 credential chain for `aoss`/`es`, else basic or none.

    Parameters
    ----------
    config:
        The endpoint, authentication and timeouts.
    session:
        A boto3 session whose credentials sign the requests (the default session when None). The credentials
        object refreshes itself (Lambda role credentials rotate), and the signer freezes it once per request.
    """
    osp = import_opensearchpy()
    http_auth: Any = None
    if config.auth in ("aoss", "es"):
        if not config.region:
            raise VectorIndexError(f"OpenSearch auth '{config.auth}' needs a region")
        import boto3  # noqa: PLC0415

        credentials = (session or boto3.Session()).get_credentials()
        if credentials is None:
            raise VectorIndexError("no AWS credentials found to sign OpenSearch requests")
        http_auth = osp.AWSV4SignerAuth(credentials, config.region, config.auth)
    elif config.auth == "basic":
        if not config.username or config.password is None:
            raise VectorIndexError("OpenSearch basic auth needs a user name and a password")
        http_auth = (config.username, config.password)
    client: OpenSearch = osp.OpenSearch(
        hosts=[config.endpoint],
        http_auth=http_auth,
        use_ssl=config.endpoint.startswith("https://"),
        verify_certs=config.verify_certs,
        connection_class=osp.RequestsHttpConnection,
        timeout=config.timeout_s,
        max_retries=config.max_retries,
        retry_on_timeout=True,
        retry_on_status=(429, 502, 503, 504),
        pool_maxsize=16,
    )
    return client


# --- request bodies (pure; validated against the OpenSearch API specification in tests) -------------------------


def normalised(vector: np.ndarray) -> list[float]:
    """The unit vector as a JSON-ready list, rounded to 7 decimals (float32 noise level, a third of the JSON)."""
    values = np.asarray(vector, dtype=np.float64).reshape(-1)
    norm = float(np.linalg.norm(values))
    if norm > 0:
        values = values / norm
    return cast(list[float], np.round(values, 7).tolist())


def cosine_from_score(score: float) -> float:
    """The inner product (cosine, for unit vectors) behind a Faiss `innerproduct` k-NN score."""
    if score >= 1.0:
        return score - 1.0
    return 1.0 - 1.0 / score if score > 0 else -1.0


def knn_vector_mapping(dimension: int) -> dict[str, Any]:
    return {
        "type": "knn_vector",
        "dimension": dimension,
        "method": {
            "name": "hnsw",
            "engine": "faiss",
            "space_type": "innerproduct",
            "parameters": {"m": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION},
        },
    }


def _index_body(properties: dict[str, Any], *, knn: bool) -> dict[str, Any]:
    # No shard or replica settings: AOSS refuses them, and a self-managed cluster's defaults suit an index this size.
    body: dict[str, Any] = {"mappings": {"dynamic": "strict", "properties": properties}}
    if knn:
        body["settings"] = {"index": {"knn": True}}
    return body


def history_index_body() -> dict[str, Any]:
    """Past decisions: the requester profile vector, filtered by role or application inside the k-NN search."""
    return _index_body({
        "history_id": {"type": "keyword"},
        "role_id": {"type": "keyword"},
        "app_id": {"type": "keyword"},
        "approved": {"type": "boolean"},
        "attributes": {"type": "object", "enabled": False},
        VECTOR_FIELD: knn_vector_mapping(PROFILE_DIMENSION),
    }, knn=True)


def policy_index_body(dimension: int) -> dict[str, Any]:
    """Policy passages with their text embeddings."""
    return _index_body({
        "passage_id": {"type": "keyword"},
        "document": {"type": "keyword"},
        "title": {"type": "text", "index": False},
        "text": {"type": "text", "index": False},
        "model": {"type": "keyword"},
        VECTOR_FIELD: knn_vector_mapping(dimension),
    }, knn=True)


def query_index_body() -> dict[str, Any]:
    """Query vectors embedded at import, looked up by key: stored, not searched by vector (no k-NN graph)."""
    return _index_body({
        "query_key": {"type": "keyword"},
        "text": {"type": "text", "index": False},
        "model": {"type": "keyword"},
        VECTOR_FIELD: {"type": "float", "index": False, "doc_values": False},
    }, knn=False)


def knn_search_body(vector: np.ndarray, k: int, *, role_id: str | None = None,
                    app_id: str | None = None) -> dict[str, Any]:
    """A k-NN search; with `role_id` and/or `app_id` the filter runs inside the k-NN clause (Faiss efficient
    filtering), so `k` neighbours of that role or application come back however rare it is, instead of k overall
    filtered afterwards."""
    clause: dict[str, Any] = {"vector": normalised(vector), "k": k}
    terms = [{"term": {name: value}} for name, value in (("role_id", role_id), ("app_id", app_id))
             if value is not None]
    if len(terms) == 1:
        clause["filter"] = terms[0]
    elif terms:
        clause["filter"] = {"bool": {"filter": terms}}
    return {"size": k, "_source": {"excludes": [VECTOR_FIELD]}, "query": {"knn": {VECTOR_FIELD: clause}}}


def key_lookup_body(field_name: str, key: str) -> dict[str, Any]:
    return {"size": 1, "_source": [VECTOR_FIELD], "query": {"term": {field_name: key}}}


def alias_swap_body(alias: str, new_index: str, old_indexes: Sequence[str]) -> dict[str, Any]:
    """One atomic `_aliases` call: readers see either the old generation or the new one, never none or both."""
    actions: list[dict[str, Any]] = [{"remove": {"index": old, "alias": alias}} for old in old_indexes]
    actions.append({"add": {"index": new_index, "alias": alias}})
    return {"actions": actions}


def history_document(history_id: str, role_id: str, approved: bool, attributes: Mapping[str, str],
                     app_id: str = "") -> dict[str, Any]:
    return {"history_id": history_id, "role_id": role_id, "app_id": app_id, "approved": approved,
            "attributes": dict(attributes), VECTOR_FIELD: normalised(profile_vector(dict(attributes)))}


def passage_document(passage: Passage, vector: np.ndarray, model_id: str) -> dict[str, Any]:
    return {"passage_id": passage.passage_id, "document": passage.document, "title": passage.title,
            "text": passage.text, "model": model_id, VECTOR_FIELD: normalised(vector)}


def query_document(key: str, text: str, vector: np.ndarray, model_id: str) -> dict[str, Any]:
    return {"query_key": key, "text": text, "model": model_id, VECTOR_FIELD: normalised(vector)}


def bulk_actions(index: str, documents: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Index actions without `_id` (AOSS vector collections assign ids themselves)."""
    for document in documents:
        yield {"_op_type": "index", "_index": index, "_source": document}


# --- index lifecycle -----------------------------------------------------------------------------------------------


def _error_type(exc: Exception) -> str:
    info = getattr(exc, "info", None)
    if isinstance(info, dict):
        error = info.get("error")
        if isinstance(error, dict):
            return str(error.get("type", ""))
    return str(getattr(exc, "error", ""))


def _translate(exc: Exception, what: str) -> VectorIndexError:
    osp = import_opensearchpy()
    if isinstance(exc, osp.ConnectionError):
        return VectorIndexUnavailableError(f"OpenSearch unreachable while {what}: {exc}")
    if isinstance(exc, osp.TransportError):
        status = exc.status_code
        if isinstance(status, int) and (status == 429 or status >= 500):
            return VectorIndexUnavailableError(f"OpenSearch busy or failing while {what}: {status} {_error_type(exc)}")
        return VectorIndexError(f"OpenSearch refused {what}: {status} {_error_type(exc)}")
    return VectorIndexError(f"OpenSearch failed while {what}: {exc}")


def _is_not_found(exc: Exception) -> bool:
    return isinstance(exc, import_opensearchpy().NotFoundError)


def ensure_index(client: OpenSearch, name: str, body: dict[str, Any]) -> bool:
    """Create `name` unless it exists; returns whether it was created. Safe when two processes race to create it."""
    osp = import_opensearchpy()
    try:
        if client.indices.exists(index=name):
            return False
        client.indices.create(index=name, body=body)
    except osp.RequestError as exc:
        if _error_type(exc) == "resource_already_exists_exception":
            return False
        raise _translate(exc, f"creating index {name}") from exc
    except osp.TransportError as exc:
        raise _translate(exc, f"creating index {name}") from exc
    return True


class IndexGenerations:
    """The alias of one logical index and the generation behind it; replaces a generation whole."""

    def __init__(self, client: OpenSearch, alias: str, config: OpenSearchConfig, *,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self.alias = alias
        self._config = config
        self._sleep = sleep
        self._clock = clock

    def new_name(self) -> str:
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
        return f"{self.alias}-g{stamp}{secrets.token_hex(3)}"

    def live(self) -> list[str]:
        """The physical indexes the alias points to (none before the first build)."""
        osp = import_opensearchpy()

        try:
            found = self._client.indices.get_alias(name=self.alias)
        except osp.TransportError as exc:
            if _is_not_found(exc):
                return []
            raise _translate(exc, f"reading alias {self.alias}") from exc
        return sorted(cast(dict[str, Any], found))

    def ensure(self, body: dict[str, Any]) -> None:
        """Give the alias an empty generation if it has none, so searches before the first import find nothing
        instead of failing."""
        if not self.live():
            self.replace(body, [])

    def replace(self, body: dict[str, Any], documents: Iterable[dict[str, Any]]) -> int:
        """Write `documents` into a new generation, publish it once searchable, drop the old one.

        On any failure the new generation is deleted and the alias still points to the old one.
        """
        old = self.live()
        name = self.new_name()
        ensure_index(self._client, name, body)
        try:
            written = self._bulk(name, documents)
            self._await_searchable(name, written)
            self._swap(name, old)
        except BaseException:
            self._drop([name])
            raise
        self._drop(old)
        log.info("published %s as %s with %d documents", name, self.alias, written)
        return written

    def _bulk(self, index: str, documents: Iterable[dict[str, Any]]) -> int:
        osp = import_opensearchpy()
        from opensearchpy import helpers  # noqa: PLC0415 - loaded by import_opensearchpy

        written, refused = 0, 0
        examples: list[Any] = []
        try:
            # max_retries re-sends items refused with 429 (AOSS throttling while it scales) with exponential
            # back-off; connection errors and 5xx are retried by the client's transport before surfacing here.
            for ok, item in helpers.streaming_bulk(
                self._client, bulk_actions(index, documents), chunk_size=BULK_CHUNK_DOCS,
                max_chunk_bytes=BULK_CHUNK_BYTES, raise_on_error=False, raise_on_exception=True,
                max_retries=self._config.bulk_retries, initial_backoff=self._config.bulk_initial_backoff_s,
                max_backoff=self._config.bulk_max_backoff_s,
            ):
                if ok:
                    written += 1
                    continue
                refused += 1
                if len(examples) < _MAX_REPORTED_ERRORS:
                    examples.append(item)
        except osp.TransportError as exc:
            raise _translate(exc, f"loading {index}") from exc
        if refused:
            raise VectorIndexError(f"{refused} documents were refused by {index}, e.g. {examples}")
        return written

    def _count(self, index: str) -> int:
        osp = import_opensearchpy()

        try:
            return int(self._client.count(index=index)["count"])
        except osp.TransportError as exc:
            raise _translate(exc, f"counting {index}") from exc

    def _await_searchable(self, index: str, expected: int) -> None:
        osp = import_opensearchpy()

        if not self._config.serverless:
            try:
                self._client.indices.refresh(index=index)
            except osp.TransportError as exc:
                raise _translate(exc, f"refreshing {index}") from exc
            found = self._count(index)
            if found != expected:
                raise VectorIndexError(f"{index} holds {found} documents after loading {expected}")
            return
        # AOSS: no refresh; poll until the collection's own refresh has made every document searchable.
        deadline = self._clock() + self._config.publish_timeout_s
        delay = 0.5
        while True:
            found = self._count(index)
            if found >= expected:
                return
            if self._clock() + delay > deadline:
                raise VectorIndexNotReadyError(
                    f"{index} shows {found} of {expected} documents after {self._config.publish_timeout_s:.0f} s; "
                    "the previous generation stays live"
                )
            self._sleep(delay)
            delay = min(delay * 2, 5.0)

    def _swap(self, new_index: str, old: Sequence[str]) -> None:
        osp = import_opensearchpy()

        try:
            self._client.indices.update_aliases(body=alias_swap_body(self.alias, new_index, old))
        except osp.TransportError as exc:
            raise _translate(exc, f"moving alias {self.alias} to {new_index}") from exc

    def _drop(self, indexes: Sequence[str]) -> None:
        osp = import_opensearchpy()

        for index in indexes:
            try:
                self._client.indices.delete(index=index)
            except osp.TransportError as exc:
                # A leftover generation costs storage, not correctness: it is not behind the alias.
                if not _is_not_found(exc):
                    log.warning("could not delete old index generation %s: %s", index, exc)


# --- the adapters --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRecord:
    """One past decision as read from the system of record."""

    history_id: str
    role_id: str
    approved: bool
    attributes: dict[str, str]
    app_id: str = ""  # the role's application ("" for a role no longer in the catalog)


def access_history_records(database: Database, batch: int = 5000) -> Iterator[HistoryRecord]:
    """Every row of access_history, streamed with a server-side cursor."""
    with database.connection() as conn, conn.transaction(), conn.cursor(name="opensearch_history_scan") as scan:
        scan.execute("SELECT h.history_id, h.role_id, h.approved, h.attributes, coalesce(r.app_id, '') AS app_id "
                     "FROM access_history h LEFT JOIN roles r ON r.role_id = h.role_id ORDER BY h.history_id")
        while rows := scan.fetchmany(batch):
            for row in rows:
                yield HistoryRecord(str(row["history_id"]), str(row["role_id"]), bool(row["approved"]),
                                    dict(row["attributes"] or {}), str(row["app_id"]))


class _Adapter:
    def __init__(self, config: OpenSearchConfig, client: OpenSearch | None) -> None:
        self.config = config
        self._client = client

    @property
    def client(self) -> OpenSearch:
        if self._client is None:
            self._client = build_client(self.config)
        return self._client

    def _search(self, index: str, body: dict[str, Any], what: str) -> list[dict[str, Any]] | None:
        """The hits, or None when the index (alias) does not exist yet."""
        osp = import_opensearchpy()

        try:
            response = self.client.search(index=index, body=body)
        except osp.TransportError as exc:
            if _is_not_found(exc):
                return None
            raise _translate(exc, what) from exc
        return cast(list[dict[str, Any]], response["hits"]["hits"])


class OpenSearchHistoryIndex(_Adapter):
    """Past decisions as requester-profile vectors; k-NN within the requested role."""

    def __init__(self, config: OpenSearchConfig, *, client: OpenSearch | None = None,
                 records: Callable[[], Iterable[HistoryRecord]] | None = None) -> None:
        super().__init__(config, client)
        self._records = records

    @property
    def generations(self) -> IndexGenerations:
        return IndexGenerations(self.client, self.config.history_index, self.config)

    def ensure(self) -> None:
        self.generations.ensure(history_index_body())

    def similar(self, role_id: str, profile: dict[str, str], k: int) -> list[PastDecision]:
        return self._similar(profile, k, role_id=role_id)

    def similar_in_application(self, app_id: str, profile: dict[str, str], k: int) -> list[PastDecision]:
        return self._similar(profile, k, app_id=app_id)

    def _similar(self, profile: dict[str, str], k: int, **where: str) -> list[PastDecision]:
        hits = self._search(self.config.history_index, knn_search_body(profile_vector(profile), k, **where),
                            "searching similar past decisions")
        found = []
        for hit in hits or []:
            source = hit["_source"]
            attributes = {str(key): str(value) for key, value in (source.get("attributes") or {}).items()}
            found.append((-float(hit.get("_score") or 0.0), str(source["history_id"]), PastDecision(
                history_id=str(source["history_id"]), role_id=str(source["role_id"]),
                approved=bool(source["approved"]), similarity=shared_share(profile, attributes),
                attributes=attributes,
            )))
        found.sort(key=lambda item: (item[0], item[1]))
        return [decision for _, _, decision in found[:k]]

    def rebuild(self, batch: int = 5000, progress: Callable[[int], None] | None = None) -> int:
        """Re-index every past decision from the system of record; returns the number indexed. `progress`, if
        given, is called with the number read for indexing so far, every `batch` records."""
        if self._records is None:
            raise VectorIndexError("the OpenSearch history index was built without a source of past decisions")
        documents = (history_document(r.history_id, r.role_id, r.approved, r.attributes, r.app_id)
                     for r in self._records())
        return self.generations.replace(history_index_body(), _counted(documents, batch, progress))


def _counted(documents: Iterable[dict[str, Any]], every: int,
             progress: Callable[[int], None] | None) -> Iterator[dict[str, Any]]:
    """The documents, calling `progress` with the count so far every `every` documents and at the end."""
    count = 0
    for count, document in enumerate(documents, start=1):
        yield document
        if progress is not None and count % every == 0:
            progress(count)
    if progress is not None and count % every:
        progress(count)


class OpenSearchPolicyIndex(_Adapter):
    """Policy passages and the query vectors embedded at import."""

    def __init__(self, config: OpenSearchConfig, dimension: int, *, client: OpenSearch | None = None,
                 documents: Callable[[], Iterable[tuple[str, str, str]]] | None = None) -> None:
        super().__init__(config, client)
        self.dimension = dimension
        self._documents = documents

    def ensure(self) -> None:
        IndexGenerations(self.client, self.config.policy_index, self.config).ensure(policy_index_body(self.dimension))
        IndexGenerations(self.client, self.config.query_index, self.config).ensure(query_index_body())

    @staticmethod
    def _passages(hits: Iterable[dict[str, Any]]) -> list[PolicyPassage]:
        found = []
        for hit in hits:
            source = hit["_source"]
            found.append(PolicyPassage(
                passage_id=str(source["passage_id"]), document=str(source["document"]), title=str(source["title"]),
                text=str(source["text"]), score=cosine_from_score(float(hit.get("_score") or 0.0)),
            ))
        found.sort(key=lambda passage: (-passage.score, passage.passage_id))
        return found

    def _check_dimension(self, vector: np.ndarray) -> None:
        if vector.shape[-1] != self.dimension:
            raise VectorIndexError(f"a {vector.shape[-1]}-dimensional vector for a {self.dimension}-dimensional index")

    def search(self, vector: np.ndarray, k: int) -> list[PolicyPassage]:
        self._check_dimension(vector)
        hits = self._search(self.config.policy_index, knn_search_body(vector, k), "searching policy passages")
        return self._passages(hits or [])[:k]

    def search_by_key(self, key: str, k: int) -> list[PolicyPassage] | None:
        hits = self._search(self.config.query_index, key_lookup_body("query_key", key), "looking up a stored query")
        if not hits:
            return None
        vector = np.asarray(hits[0]["_source"][VECTOR_FIELD], dtype=np.float32)
        return self.search(vector, k)

    def store_queries(self, keys: Sequence[str], texts: Sequence[str], vectors: np.ndarray, model_id: str) -> int:
        if len(keys) != len(texts) or len(keys) != len(vectors):
            raise ValueError("keys, texts and vectors differ in length")
        documents = (query_document(key, text, vector, model_id)
                     for key, text, vector in zip(keys, texts, vectors, strict=True))
        return IndexGenerations(self.client, self.config.query_index, self.config).replace(
            query_index_body(), documents)

    def replace_all(self, passages: Sequence[Passage], vectors: np.ndarray, model_id: str) -> int:
        if len(passages) != len(vectors):
            raise ValueError("passages and vectors differ in length")
        if len(passages):
            self._check_dimension(vectors)
        documents = (passage_document(passage, vector, model_id)
                     for passage, vector in zip(passages, vectors, strict=True))
        return IndexGenerations(self.client, self.config.policy_index, self.config).replace(
            policy_index_body(self.dimension), documents)

    def documents(self) -> Iterable[tuple[str, str, str]]:
        """The policy documents to split and embed, from the system of record (OpenSearch holds only passages)."""
        if self._documents is None:
            raise VectorIndexError("the OpenSearch policy index was built without a source of policy documents")
        return self._documents()
