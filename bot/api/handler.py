"""The Lambda entry point behind API Gateway (HTTP API, payload format 2.0)."""

from __future__ import annotations

import logging
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from bot.api.errors import ResponseTooLargeError, http_error
from bot.api.event_shape import (
    error_response,
    event_problem,
    unsupported_event_response,
    unsupported_media_type,
    with_json_media_type,
)
from bot.api.limits import fits_lambda, response_size
from bot.api.routes import resolver
from bot.api.runtime import current
from bot.api.runtime import install as use_application
from bot.errors import ConfigurationError

__all__ = ["lambda_handler", "use_application"]

log = logging.getLogger(__name__)


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        telemetry = current().telemetry
        telemetry.begin(context)
    except Exception as exc:  # settings that do not validate, an adapter that cannot be built: never a bare 500
        log.error("the HTTP API cannot start: %s", exc, exc_info=exc)
        return error_response(http_error(ConfigurationError("the service cannot start")))
    problem = event_problem(event)
    if problem is not None:  # API Gateway never sends this: the integration is wired wrongly
        log.error("unsupported event: %s", problem)
        telemetry.error("api")
        return unsupported_event_response(problem)
    refused = unsupported_media_type(event)
    if refused is not None:
        return error_response(refused)
    response: dict[str, Any] = resolver.resolve(with_json_media_type(event), context)
    if not fits_lambda(response):  # the routes keep within the budget; past it Lambda would fail, API Gateway 500
        log.error("a %s response of %d bytes is past the Lambda limit", event["rawPath"], response_size(response))
        response = error_response(http_error(ResponseTooLargeError(
            "the answer is larger than one response may carry; narrow the request (filters, limit)")))
    if int(response.get("statusCode", 200)) >= 500:  # a store down or a bug; 4xx are the caller's
        telemetry.error("api")
    return response
