"""Typed settings, read from the environment once, at the composition root."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
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
    embedding_model: Literal["minilm"] = Field(default="minilm", description="The text embedding model.")
    history_neighbours: int = Field(default=25, ge=1, le=200)
    policy_passages: int = Field(default=3, ge=1, le=10)
    rate_limit_per_minute: int | None = Field(default=30, ge=1, description="Requests per requester per minute.")
    approval_expiry_days: int = Field(default=14, ge=1, le=365)
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

    @field_validator("home")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("database_url")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None
