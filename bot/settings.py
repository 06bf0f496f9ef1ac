"""Typed settings, read once, at the composition root: from the environment and, in AWS, Parameter Store.

Precedence, highest first: an ASKIAM_ environment variable (or a value given in code), a parameter under
`ASKIAM_PARAMETERS_PATH` (only with ASKIAM_ENV=aws), the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.decision import DEFAULT_AUTO_APPROVE_THRESHOLD
from bot.errors import ConfigurationError

# Parameter Store names (under ASKIAM_PARAMETERS_PATH) and the settings they set. Anything else under the path is
# ignored with a warning, so a parameter for a newer release does not stop an older one.
PARAMETER_FIELDS: dict[str, str] = {
    "auto-approve-threshold": "auto_approve_threshold",
    "auto-approve-min-history": "auto_approve_min_history",
    "history-neighbours": "history_neighbours",
    "retrieval-timeout-s": "retrieval_timeout_s",
    "approval-expiry-days": "approval_expiry_days",
    "rate-limit-per-minute": "rate_limit_per_minute",
    "opensearch/endpoint": "opensearch_endpoint",
    "opensearch/history-index": "opensearch_history_index",
    "opensearch/policy-index": "opensearch_policy_index",
    "opensearch/query-index": "opensearch_query_index",
    "features/embedding-model": "embedding_model",
    "features/policy-judge": "policy_judge",
    "features/policy-judge-model-id": "policy_judge_model_id",
    "features/policy-judge-timeout-s": "policy_judge_timeout_s",
}


def default_home() -> Path:
    return Path.home() / ".askiam"


class Settings(BaseSettings):
    """Everything AskIAM can be configured with. Environment variables carry the ASKIAM_ prefix."""

    model_config = SettingsConfigDict(env_prefix="ASKIAM_", extra="ignore", frozen=True)

    home: Path = Field(default_factory=default_home, description="Where the embedded database lives.")
    database_url: str | None = Field(default=None, description="Use this PostgreSQL instead of the embedded one.")
    env: Literal["local", "test", "aws"] = "local"
    auto_approve_threshold: float = Field(default=DEFAULT_AUTO_APPROVE_THRESHOLD, ge=0.0, le=1.0)
    auto_approve_min_history: int = Field(
        default=5, ge=0, description="Past decisions a role needs before AskIAM approves it on its own; also, most "
                                     "similar past requests for it must have been approved (0: neither rule).")
    delegate_role_id: str = "askiam-delegate"
    embedding_model: Literal["minilm", "bedrock"] = Field(
        default="minilm", description="minilm: all-MiniLM-L6-v2 on this machine; bedrock: Titan Text Embeddings V2.")
    bedrock_embedding_model_id: str = "amazon.titan-embed-text-v2:0"
    bedrock_embedding_dimension: Literal[256, 512, 1024] = 512
    bedrock_concurrency: int = Field(default=8, ge=1, le=32)
    aws_region: str | None = Field(default=None, validation_alias=AliasChoices("ASKIAM_AWS_REGION", "AWS_REGION"))
    policy_judge: bool = Field(default=False, description="Ask an LLM on Bedrock whether an auto-approval complies "
                                                         "with the cited policies (it can only stop one).")
    policy_judge_model_id: str = "amazon.nova-lite-v1:0"
    policy_judge_timeout_s: float = Field(default=3.0, gt=0, le=30)
    vector_index: Literal["pgvector", "opensearch"] = Field(
        default="pgvector", description="pgvector: in the rules store's PostgreSQL; opensearch: OpenSearch/AOSS.")
    opensearch_endpoint: str | None = None
    opensearch_auth: Literal["aoss", "es", "basic", "none"] = "aoss"
    opensearch_username: str | None = None
    opensearch_password: SecretStr | None = None
    opensearch_history_index: str = "askiam-history"
    opensearch_policy_index: str = "askiam-policy"
    opensearch_query_index: str = "askiam-policy-query"
    opensearch_timeout_s: float = Field(default=5.0, gt=0)
    opensearch_publish_timeout_s: float = Field(default=180.0, gt=0)
    history_neighbours: int = Field(default=25, ge=1, le=200)
    policy_passages: int = Field(default=3, ge=1, le=10)
    rate_limit_per_minute: int | None = Field(default=30, ge=1, description="Requests per requester per minute.")
    approval_expiry_days: int = Field(default=14, ge=1, le=365)
    expiry_sweep_minutes: int = Field(
        default=15, ge=1, le=1440, description="How often `askiam serve` expires overdue requests (in AWS, the "
                                               "schedule of the expiry function).")
    audit_signing_key_path: Path | None = Field(
        default=None, description="Ed25519 key that signs audit checkpoints (default: $ASKIAM_HOME/audit/).")
    audit_signing_kms_key_id: str | None = Field(
        default=None, description="A KMS key (ECC_NIST_EDWARDS25519, SIGN_VERIFY: id, ARN or alias) that signs "
                                  "checkpoints in place of a key file (AWS).")
    audit_witness_path: Path | None = Field(default=None, description="A copy of each checkpoint kept outside the "
                                                                     "database.")
    event_bus_name: str | None = Field(default=None, description="EventBridge bus for decision events (AWS).")
    parameters_path: str | None = Field(
        default=None, description="Parameter Store path read with ASKIAM_ENV=aws, e.g. /askiam/prod/.")
    parameters_max_age_s: int = Field(default=300, ge=0, le=3600, description="How long parameters and the "
                                                                               "database secret are cached.")
    database_host: str | None = Field(default=None, description="PostgreSQL host, when no URL is given.")
    database_port: int = Field(default=5432, ge=1, le=65535)
    database_name: str | None = None
    database_user: str | None = None
    database_iam_auth: bool = Field(default=False, description="Sign in with a fresh RDS IAM token per connection "
                                                               "(over TLS) instead of a password.")
    database_secret_arn: str | None = Field(
        default=None, description="Secrets Manager secret (ARN or name) holding the database username and password.")
    pool_size: int = Field(default=8, ge=1, le=64)
    retrieval_timeout_s: float = Field(default=5.0, gt=0)
    parallel_lookups: Literal["auto", "always", "never"] = Field(
        default="auto", description="Run a request's hard checks, history retrieval and policy lookup on threads "
                                    "of their own: always, never, or auto (unless every processor is busy).")
    log_level: str = "WARNING"
    migrate_on_start: bool | None = Field(
        default=None, description="Apply migrations when a process starts; default: yes except in AWS, where "
                                  "`askiam db migrate` runs once per deployment instead of on every cold start.")

    @property
    def migrates_on_start(self) -> bool:
        return self.migrate_on_start if self.migrate_on_start is not None else self.env != "aws"

    @model_validator(mode="after")
    def _opensearch_needs_an_endpoint(self) -> Settings:
        if self.vector_index == "opensearch" and not self.opensearch_endpoint:
            raise ValueError("ASKIAM_VECTOR_INDEX=opensearch needs ASKIAM_OPENSEARCH_ENDPOINT")
        return self

    @model_validator(mode="after")
    def _one_way_to_sign_in(self) -> Settings:
        if self.database_iam_auth and self.database_secret_arn:
            raise ValueError("ASKIAM_DATABASE_IAM_AUTH and ASKIAM_DATABASE_SECRET_ARN are two ways to sign in "
                             "to PostgreSQL; set one")
        if self.database_iam_auth and not self.database_url and not (self.database_host and self.database_user):
            raise ValueError("ASKIAM_DATABASE_IAM_AUTH needs ASKIAM_DATABASE_HOST and ASKIAM_DATABASE_USER "
                             "(or ASKIAM_DATABASE_URL)")
        return self

    @property
    def reads_parameter_store(self) -> bool:
        return self.env == "aws" and bool(self.parameters_path)

    def with_parameters(self, parameters: Mapping[str, str]) -> Settings:
        """These settings with values from Parameter Store (names relative to `parameters_path`) filled in.

        A setting given explicitly (an environment variable) keeps its value. A parameter with a value the setting
        does not accept raises ConfigurationError naming the parameter.
        """
        path = (self.parameters_path or "").rstrip("/")
        by_field = {PARAMETER_FIELDS[name]: (name, value) for name, value in parameters.items()
                    if name in PARAMETER_FIELDS and PARAMETER_FIELDS[name] not in self.model_fields_set}
        if not by_field:
            return self
        values: dict[str, Any] = {name: getattr(self, name) for name in self.model_fields_set}
        values.update({field: value for field, (_, value) in by_field.items()})
        try:
            return type(self)(**values)
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else ""
                where = f"{path}/{by_field[field][0]}" if field in by_field else "the settings"
                problems.append(f"{where}: {str(error['msg']).removeprefix('Value error, ')}")
            raise ConfigurationError("invalid configuration in Parameter Store: " + "; ".join(problems)) from exc

    @field_validator("bedrock_embedding_dimension", mode="before")
    @classmethod
    def _dimension_as_number(cls, value: object) -> object:
        """The environment gives text ("512"); the allowed values are numbers."""
        return int(value) if isinstance(value, str) and value.strip().isdigit() else value

    @field_validator("parameters_path")
    @classmethod
    def _a_path(cls, value: str | None) -> str | None:
        if value and not value.startswith("/"):
            raise ValueError("must be a Parameter Store path starting with /, e.g. /askiam/prod/")
        return value or None

    @field_validator("home")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("database_url")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        if value:
            from psycopg.conninfo import conninfo_to_dict  # noqa: PLC0415

            try:
                conninfo_to_dict(value)
            except Exception as exc:  # psycopg.ProgrammingError: the text is neither a URL nor key=value pairs
                raise ValueError("not a PostgreSQL connection string: use postgresql://USER@HOST:PORT/DBNAME or "
                                 "key=value pairs") from exc
        return value or None


class PowertoolsSettings(BaseSettings):
    """What the Lambda functions' telemetry is named by (the variables Powertools itself reads)."""

    model_config = SettingsConfigDict(env_prefix="POWERTOOLS_", extra="ignore", frozen=True)

    service_name: str = "askiam"
    metrics_namespace: str = "AskIAM"
