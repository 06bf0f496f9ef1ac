"""Errors of the HTTP channel, and the one mapping from any exception to an HTTP status, code and message."""

from __future__ import annotations

import binascii
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
    ResponseValidationError,
)

from bot.api.models import PATTERN_MEANINGS, ErrorDetail, ErrorResponse
from bot.api.settings import RETRY_AFTER_S
from bot.errors import (
    AskIamError,
    DuplicateRequestError,
    GrantRecheckFailedError,
    IdempotencyKeyReusedError,
    InvalidRequestError,
    RateLimitedError,
    RequesterError,
    ServiceUnavailableError,
)
from validators.approvals import ReviewError
from validators.audit_errors import InvalidCursorError
from validators.errors import StoreUnavailableError

log = logging.getLogger(__name__)

# An approver's decision that cannot be taken, by ReviewError's stable code.
_REVIEW_STATUS = {"NOT_FOUND": HTTPStatus.NOT_FOUND, "NOT_AN_APPROVER": HTTPStatus.FORBIDDEN,
                  "ALREADY_DECIDED": HTTPStatus.CONFLICT, "INVALID_COMMENT": HTTPStatus.UNPROCESSABLE_ENTITY}


# Errors of the core whose status follows from their kind alone (their code and message go out as they are).
_CORE_STATUS: tuple[tuple[type[AskIamError], HTTPStatus], ...] = (
    (RequesterError, HTTPStatus.FORBIDDEN), (InvalidRequestError, HTTPStatus.BAD_REQUEST),
    (IdempotencyKeyReusedError, HTTPStatus.UNPROCESSABLE_ENTITY), (DuplicateRequestError, HTTPStatus.CONFLICT),
    (GrantRecheckFailedError, HTTPStatus.CONFLICT),
)


class ApiError(Exception):
    """An error of the HTTP channel itself, carrying its status and stable code."""

    status: HTTPStatus = HTTPStatus.BAD_REQUEST
    code: str = "BAD_REQUEST"

    def __init__(self, message: str, *, code: str | None = None, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.headers = dict(headers or {})


class HttpProtocolError(ApiError):
    """A request the HTTP server itself cannot read (headers too large, a garbled request line): the status is the
    server's, the code its name ("REQUEST_HEADER_FIELDS_TOO_LARGE")."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message, code=status.name)
        self.status = status


class UnauthenticatedError(ApiError):
    status = HTTPStatus.UNAUTHORIZED
    code = "UNAUTHENTICATED"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message, code=code, headers={"WWW-Authenticate": "Bearer"})


class DevTokenRejectedError(UnauthenticatedError):
    code = "DEV_TOKEN_REJECTED"


class ResourceNotFoundError(ApiError):
    status = HTTPStatus.NOT_FOUND
    code = "NOT_FOUND"


class MethodNotAllowedError(ApiError):
    status = HTTPStatus.METHOD_NOT_ALLOWED
    code = "METHOD_NOT_ALLOWED"

    def __init__(self, method: str, path: str, allowed: Sequence[str]) -> None:
        super().__init__(f"{method} is not allowed on {path}; use {', '.join(allowed)}",
                         headers={"Allow": ", ".join(allowed)})


class BodyTooLargeError(ApiError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    code = "BODY_TOO_LARGE"


class MalformedBodyError(ApiError):
    code = "INVALID_JSON"


class ForbiddenError(ApiError):
    """The caller is known but may not do this (e.g. read the audit log without the auditor role)."""

    status = HTTPStatus.FORBIDDEN
    code = "FORBIDDEN"


class ConflictError(ApiError):
    """The request is in a state that does not allow this (e.g. withdrawing one already decided)."""

    status = HTTPStatus.CONFLICT
    code = "CONFLICT"


class InvalidQueryError(ApiError):
    """Query parameters that are each well-formed but do not make a valid question together."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "VALIDATION_FAILED"


class ExportTooLargeError(ApiError):
    """An export larger than one Lambda response may carry."""

    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    code = "EXPORT_TOO_LARGE"


class ResponseTooLargeError(ApiError):
    """An answer larger than one Lambda response may carry, which cannot be split any further."""

    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    code = "RESPONSE_TOO_LARGE"


class UnknownReferenceError(ApiError):
    """A structured request names a person, application or role that does not exist."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "UNKNOWN_REFERENCE"


@dataclass(frozen=True)
class HttpError:
    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> str:
        """The JSON body every error response carries: {"error": {"code", "message"}}."""
        return ErrorResponse(error=ErrorDetail(code=self.code, message=self.message)).model_dump_json()


def not_json() -> HttpError:
    """The 415 for a body that is not JSON, the only kind any route reads."""
    return HttpError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE",
                     "the body must be JSON (Content-Type: application/json)")


def http_error(exc: BaseException, *, repeated: Collection[str] = ()) -> HttpError:
    """The HTTP answer for any exception: the one place where errors become statuses.

    `repeated` names the query parameters the request gave more than once, which a validation error then names
    as such rather than by the type of the values joined.
    """
    if isinstance(exc, ApiError):
        return HttpError(exc.status, exc.code, exc.message, exc.headers)
    if isinstance(exc, RequestValidationError):
        return _validation_error(exc.errors(), repeated)
    if isinstance(exc, RequestUnsupportedContentType):
        return not_json()
    if isinstance(exc, ReviewError):
        return HttpError(_REVIEW_STATUS.get(exc.code, HTTPStatus.BAD_REQUEST), exc.code, str(exc))
    if isinstance(exc, InvalidCursorError):
        return HttpError(HTTPStatus.BAD_REQUEST, "INVALID_CURSOR", str(exc))
    for kind, status in _CORE_STATUS:
        if isinstance(exc, kind):
            return HttpError(status, exc.code, str(exc))
    if isinstance(exc, StoreUnavailableError | ServiceUnavailableError):
        return HttpError(HTTPStatus.SERVICE_UNAVAILABLE, ServiceUnavailableError.code,
                         "a store the decision depends on is unavailable; nothing was changed, please try again",
                         {"Retry-After": str(RETRY_AFTER_S)})
    if isinstance(exc, RateLimitedError):
        return HttpError(HTTPStatus.TOO_MANY_REQUESTS, exc.code, str(exc), {"Retry-After": str(exc.retry_after_s)})
    if isinstance(exc, AskIamError):
        return HttpError(HTTPStatus.BAD_REQUEST, exc.code, str(exc))
    if isinstance(exc, binascii.Error | UnicodeDecodeError):
        return HttpError(HTTPStatus.BAD_REQUEST, "INVALID_BODY", "the body is not valid UTF-8 (or base64) text")
    if isinstance(exc, ServiceError):
        return HttpError(exc.status_code, HTTPStatus(exc.status_code).name, str(exc.msg))
    if isinstance(exc, ResponseValidationError):
        log.error("a response broke its own schema: %s", exc.errors())
    else:
        log.error("unexpected failure", exc_info=exc)
    return HttpError(HTTPStatus.INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
                     "something unexpected went wrong; it was logged")


def _validation_error(errors: Sequence[Any], repeated: Collection[str] = ()) -> HttpError:
    if any(error.get("type") == "json_invalid" for error in errors):
        return HttpError(HTTPStatus.BAD_REQUEST, "INVALID_JSON", "the body is not valid JSON")
    problems = [_describe(error, repeated) for error in errors[:5]]
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return HttpError(HTTPStatus.UNPROCESSABLE_ENTITY, "VALIDATION_FAILED", "; ".join(problems) + more)


_MAX_FIELD_SHOWN = 60


def _describe(error: Mapping[str, Any], repeated: Collection[str] = ()) -> str:
    # The location names the field; pydantic's message says what is wrong with it, never the value sent.
    location = [str(part) for part in error.get("loc", ()) if part != "body"]
    where = ".".join(location) or "body"
    if len(where) > _MAX_FIELD_SHOWN:  # a field name is the client's text: shown in part
        where = where[:_MAX_FIELD_SHOWN] + "..."
    if len(location) >= 2 and location[0] == "query" and location[1] in repeated:
        return f"{where}: given more than once; give it once"
    what = {"missing": "is required", "model_attributes_type": "must be a JSON object",
            "extra_forbidden": "is not a field of this body"}.get(
        str(error.get("type")), str(error.get("msg") or error.get("type") or "is invalid"))
    if error.get("type") == "string_pattern_mismatch":
        what = PATTERN_MEANINGS.get(str((error.get("ctx") or {}).get("pattern")), "has characters it may not have")
    if what.startswith("Value error, "):
        what = what[len("Value error, "):]
    return f"{where}: {what}"
