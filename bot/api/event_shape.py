"""What the handler needs of an API Gateway HTTP API event (payload format 2.0), checked before routing.

API Gateway builds these events itself, so one of another shape (a REST API or payload 1.0 integration, a test
invoke by hand) means the deployment is wired wrongly: it is answered with a 400 naming the problem, and counted as
an error, instead of failing somewhere inside the router.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.api.errors import HttpError


class _Http(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    method: str
    path: str


class _Jwt(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    claims: dict[str, Any] = {}


class _Authorizer(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    jwt: _Jwt | None = None


class _RequestContext(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    http: _Http
    authorizer: _Authorizer | None = None


class _HttpApiEvent(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    rawPath: str  # noqa: N815 - API Gateway's names
    requestContext: _RequestContext  # noqa: N815
    headers: dict[str, str] | None = None
    queryStringParameters: dict[str, str] | None = None  # noqa: N815
    pathParameters: dict[str, str] | None = None  # noqa: N815
    cookies: list[str] | None = None
    body: str | None = None
    isBase64Encoded: bool = False  # noqa: N815


def event_problem(event: object) -> str | None:
    """What makes `event` unlike an HTTP API payload 2.0 event, or None when it is one."""
    if not isinstance(event, dict):
        return "the event is not a JSON object"
    try:
        _HttpApiEvent.model_validate(event)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the event"
        return f"{where}: {first['msg']}"
    return None


def unsupported_event_response(problem: str) -> dict[str, Any]:
    error = HttpError(HTTPStatus.BAD_REQUEST, "UNSUPPORTED_EVENT",
                      f"not an API Gateway HTTP API (payload format 2.0) event: {problem}")
    return {"statusCode": error.status, "headers": {"Content-Type": "application/json"}, "body": error.body(),
            "isBase64Encoded": False}
