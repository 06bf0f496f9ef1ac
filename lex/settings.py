"""Settings of the Lex channel only; the core's settings stay in bot.settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from bot.lambda_placement import LambdaPlacement

# Lex V2 accepts at most 1,024 characters of text input; anything longer did not come from Lex.
MAX_TRANSCRIPT_CHARS = 1024


class LexSettings(LambdaPlacement):
    """How the Lex handler verifies the signed-in user. Environment variables carry the ASKIAM_LEX_ prefix."""

    model_config = SettingsConfigDict(env_prefix="ASKIAM_LEX_", extra="ignore", frozen=True)

    cognito_region: str = Field(default="", description="Region of the Cognito user pool, e.g. eu-west-1.")
    cognito_user_pool_id: str = Field(default="", description="The user pool that issues the ID tokens.")
    cognito_app_client_ids: str = Field(
        default="", description="Comma-separated app client ids whose ID tokens are accepted (the token's 'aud').",
    )
    identity_claim: str = Field(
        default="cognito:username", min_length=1,
        description="The ID-token claim naming the requester, e.g. 'cognito:username', 'custom:user_id' or 'email'.",
    )
    identity_lookup: Literal["user_id", "email"] = Field(
        default="user_id", description="Whether the claim holds a directory user id or an email address.",
    )
    jwks_json: str = Field(
        default="",
        description="The user pool's key set (the JSON document at <issuer>/.well-known/jwks.json), used instead of "
                    "fetching it: for a function with no network path to Cognito. Empty: fetched and cached.",
    )
    jwks_cache_seconds: int = Field(default=3600, ge=60, le=86400)
    clock_skew_seconds: int = Field(default=60, ge=0, le=300)

    @property
    def cognito_issuer(self) -> str:
        return f"https://cognito-idp.{self.cognito_region}.amazonaws.com/{self.cognito_user_pool_id}"

    @property
    def app_client_ids(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.cognito_app_client_ids.split(",") if part.strip())

    @property
    def cognito_configured(self) -> bool:
        return bool(self.cognito_region and self.cognito_user_pool_id and self.app_client_ids)
