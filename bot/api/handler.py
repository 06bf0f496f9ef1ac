"""The Lambda entry point behind API Gateway (HTTP API, payload format 2.0)."""

from __future__ import annotations

import logging
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from bot.api.event_shape import event_problem, unsupported_event_response
from bot.api.routes import resolver
from bot.api.runtime import current
from bot.api.runtime import install as use_application

__all__ = ["lambda_handler", "use_application"]

log = logging.getLogger(__name__)


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    telemetry = current().telemetry
    telemetry.begin(context)
    problem = event_problem(event)
    if problem is not None:  # API Gateway never sends this: the integration is wired wrongly
        log.error("unsupported event: %s", problem)
        telemetry.error("api")
        return unsupported_event_response(problem)
    response: dict[str, Any] = resolver.resolve(event, context)
    if int(response.get("statusCode", 200)) >= 500:  # a store down or a bug; 4xx are the caller's
        telemetry.error("api")
    return response
