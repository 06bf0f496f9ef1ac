"""The composition root: builds every adapter from settings, once per process, lazily."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cpu_load import CpuLoad
from bot.evidence import PolicyFinder
from bot.ports import Embedder, ImportCounts, NoTelemetry, Telemetry
from bot.service import AccessRequestService, ServicePorts
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.observability import PowertoolsTelemetry
    from validators.db_auth import DatabaseTarget

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportReport(ImportCounts):
    """The import's counts, what was indexed, the fitted confidence model's metrics and the time of each step."""

    passages: int
    indexed_history: int
    model_metrics: dict[str, float]
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RebuiltIndexes:
    """What a re-ingestion wrote: past decisions, policy passages, stored query vectors; seconds per index."""

    history: int
    passages: int
    queries: int
    seconds: dict[str, float]


class Application:
    """Everything a channel needs, built on first use.

    `telemetry` is NoTelemetry except in the Lambda functions (see `lambda_telemetry`); `clients` replaces the boto3
    clients of the configuration readers ("ssm", "secretsmanager", "rds") in tests.
    """

    def __init__(self, settings: Settings, *, telemetry: Telemetry | None = None,
                 clients: Mapping[str, Any] | None = None) -> None:
        self.given_settings = settings
        self.telemetry: Telemetry = telemetry or NoTelemetry()
        self._clients = dict(clients or {})
        self._closed = False

    @cached_property
    def settings(self) -> Settings:
        """The settings, with Parameter Store's values filled in (ASKIAM_ENV=aws with ASKIAM_PARAMETERS_PATH only).

        Read on first use, once per process; a failure (ConfigurationError) is not cached, so the next call retries.
        """
        given = self.given_settings
        if not given.reads_parameter_store:
            return given
        from bot.aws_config import ParameterStore  # noqa: PLC0415

        assert given.parameters_path is not None
        store = ParameterStore(region=given.aws_region, max_age_s=given.parameters_max_age_s,
                               client=self._clients.get("ssm"))
        try:
            return given.with_parameters(store.read(given.parameters_path))
        except Exception as exc:
            log.error("configuration failed: %s", exc)
            raise

    @cached_property
    def database_target(self) -> DatabaseTarget:
        """Where the rules store is and how to sign in, migrated first when the settings say so."""
        target = self.located_database
        if self.settings.migrates_on_start:
            self.migrate(target)
        return target

    @cached_property
    def located_database(self) -> DatabaseTarget:
        """Where the rules store is and how to sign in: URL, embedded server, or an AWS sign-in (secret or IAM).
        Nothing is connected to."""
        from bot.aws_config import database_target  # noqa: PLC0415
        from validators.db import start_embedded  # noqa: PLC0415 - adapters load only when used
        from validators.db_auth import DatabaseTarget, given_target  # noqa: PLC0415

        try:
            target = database_target(self.settings, self._clients)
        except Exception as exc:
            log.error("database configuration failed: %s", exc)
            raise
        if target is None:
            target = given_target(self.settings.database_url) if self.settings.database_url else DatabaseTarget(
                start_embedded(self.settings.home), embedded=True)
        return target

    @property
    def database_url(self) -> str:
        """The rules store's URL, without any password (safe to print)."""
        return self.database_target.url

    def migrate(self, target: DatabaseTarget | None = None) -> list[str]:
        """Apply pending schema migrations and create the vector index tables; idempotent."""
        import psycopg  # noqa: PLC0415

        from retrieval.pgvector_index import ensure_tables  # noqa: PLC0415
        from validators.db import migrate  # noqa: PLC0415

        target = target or self.database_target
        applied = migrate(target.url, target.password)
        with psycopg.connect(target.url, autocommit=True, **target.connect_kwargs()) as conn:
            ensure_tables(conn, self.embedder.dimension)
        return applied

    @cached_property
    def database(self):  # type: ignore[no-untyped-def]
        from validators.db import Database  # noqa: PLC0415

        target = self.database_target
        return Database(target.url, pool_size=self.settings.pool_size, password=target.password)

    @cached_property
    def embedder(self) -> Embedder:
        embedder = self._plain_embedder()
        if isinstance(self.telemetry, NoTelemetry):
            return embedder
        from bot.observability import TracedEmbedder  # noqa: PLC0415

        return TracedEmbedder(embedder, self.telemetry)

    def _plain_embedder(self) -> Embedder:
        settings = self.settings
        if settings.embedding_model == "bedrock":
            from retrieval.embeddings.bedrock import BedrockTitanEmbedder  # noqa: PLC0415

            return BedrockTitanEmbedder(dimensions=settings.bedrock_embedding_dimension,
                                        model_id=settings.bedrock_embedding_model_id, region=settings.aws_region,
                                        concurrency=settings.bedrock_concurrency)
        from retrieval.embeddings.minilm import MiniLMEmbedder  # noqa: PLC0415

        return MiniLMEmbedder()

    @cached_property
    def opensearch(self):  # type: ignore[no-untyped-def]
        """The OpenSearch configuration and one client shared by both indexes."""
        from retrieval.opensearch_index import OpenSearchConfig, build_client  # noqa: PLC0415

        settings = self.settings
        assert settings.opensearch_endpoint is not None  # checked by the settings
        config = OpenSearchConfig(
            endpoint=settings.opensearch_endpoint, auth=settings.opensearch_auth, region=settings.aws_region,
            username=settings.opensearch_username,
            password=settings.opensearch_password.get_secret_value() if settings.opensearch_password else None,
            history_index=settings.opensearch_history_index, policy_index=settings.opensearch_policy_index,
            query_index=settings.opensearch_query_index, timeout_s=settings.opensearch_timeout_s,
            publish_timeout_s=settings.opensearch_publish_timeout_s,
        )
        return config, build_client(config)

    @cached_property
    def executor(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=max(4, self.settings.pool_size * 2), thread_name_prefix="askiam")

    @cached_property
    def history_index(self):  # type: ignore[no-untyped-def]
        if self.settings.vector_index == "opensearch":
            from retrieval.opensearch_index import OpenSearchHistoryIndex, access_history_records  # noqa: PLC0415

            config, client = self.opensearch
            return OpenSearchHistoryIndex(config, client=client, records=lambda: access_history_records(self.database))
        from retrieval.pgvector_index import PgHistoryIndex  # noqa: PLC0415

        return PgHistoryIndex(self.database)

    @cached_property
    def policy_index(self):  # type: ignore[no-untyped-def]
        from retrieval.pgvector_index import PgPolicyIndex  # noqa: PLC0415

        if self.settings.vector_index == "opensearch":
            from retrieval.opensearch_index import OpenSearchPolicyIndex  # noqa: PLC0415

            config, client = self.opensearch
            return OpenSearchPolicyIndex(config, self.embedder.dimension, client=client,
                                         documents=PgPolicyIndex(self.database).documents)
        return PgPolicyIndex(self.database)

    def ensure_indexes(self) -> None:
        """Create the OpenSearch indexes if missing (the operator's path; the functions can only read)."""
        if self.settings.vector_index == "opensearch":
            self.history_index.ensure()
            self.policy_index.ensure()

    @cached_property
    def store(self):  # type: ignore[no-untyped-def]
        from validators.decisions import SqlDecisionStore  # noqa: PLC0415
        from validators.rules import SqlRulesChecker  # noqa: PLC0415

        return SqlDecisionStore(self.database, SqlRulesChecker(self.database, self.settings.delegate_role_id))

    @cached_property
    def service(self) -> AccessRequestService:
        from validators.confidence import SqlConfidenceEstimator  # noqa: PLC0415
        from validators.directory import SqlCatalogSource, SqlDirectory  # noqa: PLC0415
        from validators.ledger import SqlAccessLedger  # noqa: PLC0415
        from validators.rules import SqlRulesChecker  # noqa: PLC0415

        ports = ServicePorts(
            directory=SqlDirectory(self.database),
            catalog=SqlCatalogSource(self.database),
            rules=SqlRulesChecker(self.database, self.settings.delegate_role_id),
            confidence=SqlConfidenceEstimator(self.database, self.history_index, self.settings.history_neighbours),
            policies=PolicyFinder(self.embedder, self.policy_index, self.settings.policy_passages),
            store=self.store,
            judge=self.policy_judge,
            telemetry=self.telemetry,
            ledger=SqlAccessLedger(self.database),
            withdrawals=self.approvals,
        )
        lookups = self.settings.parallel_lookups
        return AccessRequestService(ports, self.executor, self.settings.auto_approve_threshold,
                                    self.settings.retrieval_timeout_s, parallel=lookups != "never",
                                    cpu_busy=CpuLoad().saturated if lookups == "auto" else None,
                                    rate_limit=self.settings.rate_limit_per_minute,
                                    min_role_history=self.settings.auto_approve_min_history)

    @cached_property
    def approvals(self):  # type: ignore[no-untyped-def]
        from validators.approvals import SqlApprovals  # noqa: PLC0415
        from validators.rules import SqlRulesChecker  # noqa: PLC0415

        rules = SqlRulesChecker(self.database, self.settings.delegate_role_id)
        return SqlApprovals(self.database, rules, self.settings.approval_expiry_days)

    @cached_property
    def policy_judge(self):  # type: ignore[no-untyped-def]
        if not self.settings.policy_judge:
            return None
        from retrieval.policy_judge import BedrockJudgePort, BedrockPolicyJudge  # noqa: PLC0415

        return BedrockJudgePort(BedrockPolicyJudge(model_id=self.settings.policy_judge_model_id,
                                                   region=self.settings.aws_region,
                                                   timeout_s=self.settings.policy_judge_timeout_s))

    def checkpoint_signer(self, key_file: Path | None = None, *, create: bool = False):  # type: ignore[no-untyped-def]
        """What signs audit checkpoints: `key_file` when given; else the KMS key when one is configured; else the
        key file configured or under ASKIAM_HOME (created when `create`; None when there is none)."""
        from validators import audit_keys  # noqa: PLC0415

        kms_key = self.settings.audit_signing_kms_key_id
        if key_file is None and kms_key:
            from validators.audit_kms_key import KmsSigningKey, default_client  # noqa: PLC0415

            return KmsSigningKey(kms_key, default_client(self.settings.aws_region))
        path = self.checkpoint_key_path(key_file)
        return audit_keys.load_or_create_signing_key(path) if create else audit_keys.load_signing_key(path)

    def checkpoint_key_path(self, key_file: Path | None = None) -> Path:
        """Where the checkpoint key file is: `key_file`, else the configured path, else under ASKIAM_HOME."""
        from validators.audit_keys import default_key_path  # noqa: PLC0415

        return key_file or self.settings.audit_signing_key_path or default_key_path(self.settings.home)

    def import_bundle(self, folder: Path) -> ImportReport:
        """Validate, load, index and fit: the catalog is replaced only if every row is valid. One import at a time
        per database (another is refused with ImportBusyError, changing nothing)."""
        from validators.importer import one_import_at_a_time  # noqa: PLC0415

        with one_import_at_a_time(self.database):
            return self._import_locked(folder)

    def _import_locked(self, folder: Path) -> ImportReport:
        from validators.bundle import read_bundle  # noqa: PLC0415
        from validators.confidence import fit_from_store  # noqa: PLC0415
        from validators.errors import ImportIncompleteError  # noqa: PLC0415
        from validators.importer import write_bundle  # noqa: PLC0415

        seconds: dict[str, float] = {}
        started = time.perf_counter()
        bundle = read_bundle(folder)
        self.ensure_indexes()
        seconds["validate"] = time.perf_counter() - started
        started = time.perf_counter()
        counts = write_bundle(self.database, bundle)
        seconds["load"] = time.perf_counter() - started
        # The catalog is committed: a failure or an interrupt from here on is reported as such, never as "nothing
        # was changed". Until the model is fitted for this catalog, no request is approved without a person.
        step = "indexing"
        try:
            rebuilt = self.rebuild_indexes()
            seconds.update(rebuilt.seconds)
            started = time.perf_counter()
            step = "fitting the approval confidence"
            model = fit_from_store(self.database)
        except (Exception, KeyboardInterrupt) as exc:
            raise ImportIncompleteError(counts.catalog_version, step, f"`askiam import {folder}` again", exc) \
                from exc
        seconds["fit_confidence"] = time.perf_counter() - started
        # Field by field: asdict would turn the named grants into dicts.
        counted = {item.name: getattr(counts, item.name) for item in fields(counts)}
        return ImportReport(**counted, passages=rebuilt.passages, indexed_history=rebuilt.history,
                            model_metrics=model.metrics, seconds=seconds)

    def rebuild_indexes(self, *, history: bool = True, policies: bool = True,
                        history_progress: Callable[[int], None] | None = None,
                        policy_progress: Callable[[int, int], None] | None = None) -> RebuiltIndexes:
        """Re-ingest the vector indexes from PostgreSQL: past decisions, then policy passages and the stored query
        vectors of the catalog's requests (what an import does after loading, and `askiam index rebuild`)."""
        from retrieval.ingestion import index_policies  # noqa: PLC0415
        from validators.rules import static_role_rules  # noqa: PLC0415

        seconds: dict[str, float] = {}
        indexed = passages = queries = 0
        if history:
            started = time.perf_counter()
            indexed = self.history_index.rebuild(progress=history_progress)
            seconds["index_history"] = time.perf_counter() - started
        if policies:
            started = time.perf_counter()
            passages = index_policies(self.policy_index.documents(), self.embedder, self.policy_index,
                                      progress=policy_progress)
            queries = self.service.ports.policies.precompute(self.service.vocabulary().catalog,
                                                             static_role_rules(self.database))
            seconds["index_policies"] = time.perf_counter() - started
        return RebuiltIndexes(indexed, passages, queries, seconds)

    def is_empty(self) -> bool:
        with self.database.connection() as conn:
            row = conn.execute("SELECT count(*) AS n FROM users").fetchone()
        return not row or int(row["n"]) == 0

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if "executor" in self.__dict__:
            self.executor.shutdown(wait=False, cancel_futures=True)
        if "database" in self.__dict__:
            self.database.close()


def build(settings: Settings | None = None, *, telemetry: Telemetry | None = None) -> Application:
    """The application for these settings (environment variables when none are given)."""
    return Application(settings or Settings(), telemetry=telemetry)


def lambda_telemetry() -> PowertoolsTelemetry:
    """Powertools logs, traces and metrics, for the Lambda entry points only (EMF goes to standard output)."""
    from bot.observability import PowertoolsTelemetry  # noqa: PLC0415

    telemetry = PowertoolsTelemetry()
    telemetry.route_package_logs()
    return telemetry
