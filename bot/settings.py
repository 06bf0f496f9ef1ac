"""Typed settings, read from the environment once, at the composition root."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.decision import DEFAULT_AUTO_APPROVE_THRESHOLD


def default_home() -> Path:
    return Path.home() / ".askiam"


class Settings(BaseSettings):
    """Everything AskIAM can be configured with. Environment variables carry the ASKIAM_ prefix."""

    model_config = SettingsConfigDict(env_prefix="ASKIAM_", extra="ignore", frozen=True)

    home: Path = Field(default_factory=default_home, description="Where the embedded database lives.")
    database_url: str | None = Field(default=None, description="Use this PostgreSQL instead of the embedded one.")
    env: Literal["local", "test", "aws"] = "local"
    auto_approve_threshold: float = Field(default=DEFAULT_AUTO_APPROVE_THRESHOLD, ge=0.0, le=1.0)
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
    audit_signing_key_path: Path | None = Field(
        default=None, description="Ed25519 key that signs audit checkpoints (default: $ASKIAM_HOME/audit/).")
    audit_witness_path: Path | None = Field(default=None, description="A copy of each checkpoint kept outside the "
                                                                     "database.")
    event_bus_name: str | None = Field(default=None, description="EventBridge bus for decision events (AWS).")
    pool_size: int = Field(default=8, ge=1, le=64)
    retrieval_timeout_s: float = Field(default=5.0, gt=0)
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

    @field_validator("home")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("database_url")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None
