"""Settings of the HTTP channel only; the core's settings stay in bot.settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from bot.lambda_placement import LambdaPlacement

MAX_BODY_BYTES = 16 * 1024
RETRY_AFTER_S = 5


class ApiSettings(LambdaPlacement):
    """How the caller's identity is read from a verified JWT. Environment variables carry the ASKIAM_API_ prefix."""

    model_config = SettingsConfigDict(env_prefix="ASKIAM_API_", extra="ignore", frozen=True)

    identity_claim: str = Field(
        default="cognito:username", min_length=1,
        description="The JWT claim naming the caller, e.g. 'sub', 'custom:user_id' or 'email'.",
    )
    identity_lookup: Literal["user_id", "email"] = Field(
        default="user_id", description="Whether the claim holds a directory user id or an email address.",
    )
