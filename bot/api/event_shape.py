"""What the handler needs of an API Gateway HTTP API event (payload format 2.0), checked before routing.

API Gateway builds these events itself, so one of another shape (a REST API or payload 1.0 integration, a test
invoke by hand) means the deployment is wired wrongly: it is answered with a 400 naming the problem, and counted as
an error, instead of failing somewhere inside the router.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.api.errors import HttpError, not_json

JSON = "application/json"
_BODILESS = ("GET", "HEAD", "OPTIONS", "DELETE")


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
    return error_response(HttpError(HTTPStatus.BAD_REQUEST, "UNSUPPORTED_EVENT",
                                    f"not an API Gateway HTTP API (payload format 2.0) event: {problem}"))


def error_response(error: HttpError) -> dict[str, Any]:
    """The Lambda response for an error answered before (or instead of) routing."""
    return {"statusCode": int(error.status), "headers": {"Content-Type": "application/json", **error.headers},
            "body": error.body(), "isBase64Encoded": False}


def media_type(event: dict[str, Any]) -> str:
    """The request's media type, lower-cased and without parameters ('' when there is no Content-Type)."""
    headers = event.get("headers") or {}
    value = next((value for name, value in headers.items() if name.lower() == "content-type"), "")
    return value.split(";", 1)[0].strip().lower()


def unsupported_media_type(event: dict[str, Any]) -> HttpError | None:
    """A 415 for a request that carries a body other than JSON (every route that reads a body reads JSON: a form
    would otherwise be parsed and fail field by field). Media types are case-insensitive and may have parameters."""
    method = str(event["requestContext"]["http"]["method"]).upper()
    if method in _BODILESS or not event.get("body") or media_type(event) in ("", JSON):
        return None
    return not_json()


def with_json_media_type(event: dict[str, Any]) -> dict[str, Any]:
    """The event with a JSON Content-Type spelt as the router compares it (lower case); other events as they are."""
    headers = event.get("headers") or {}
    name = next((name for name in headers if name.lower() == "content-type"), None)
    if name is None or media_type(event) != JSON or headers[name].startswith(JSON):
        return event
    _, _, parameters = headers[name].partition(";")
    value = f"{JSON};{parameters}" if parameters else JSON
    return {**event, "headers": {**headers, name: value}}
