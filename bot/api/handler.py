"""The Lambda entry point behind API Gateway (HTTP API, payload format 2.0)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from bot.api.routes import resolver
from bot.api.runtime import current
from bot.api.runtime import install as use_application

__all__ = ["lambda_handler", "use_application"]


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    telemetry = current().telemetry
    telemetry.begin(context)
    response: dict[str, Any] = resolver.resolve(event, context)
    if int(response.get("statusCode", 200)) >= 500:  # a store down or a bug; 4xx are the caller's
        telemetry.error("api")
    return response
