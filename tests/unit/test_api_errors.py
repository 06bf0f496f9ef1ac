"""The one mapping from exceptions to HTTP statuses, stable codes and human messages."""

from __future__ import annotations

import binascii
import json

import pytest
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from bot.api.errors import (
    BodyTooLargeError,
    DevTokenRejectedError,
    MethodNotAllowedError,
    ResourceNotFoundError,
    UnauthenticatedError,
    UnknownReferenceError,
    http_error,
)
from bot.errors import (
    AskIamError,
    DuplicateRequestError,
    InvalidRequestError,
    RateLimitedError,
    RequesterError,
    ServiceUnavailableError,
)
from validators.errors import EmbeddedServerError, StoreUnavailableError


@pytest.mark.parametrize(("exc", "status", "code"), [
    (RequesterError("'x' cannot make requests: unknown requester"), 403, "REQUESTER_NOT_ALLOWED"),
    (InvalidRequestError("the request text is empty"), 400, "INVALID_REQUEST"),
    (AskIamError("something the caller should see"), 400, "ERROR"),
    (ServiceUnavailableError("down"), 503, "TRY_AGAIN"),
    (RateLimitedError("more than 30 requests in 60 seconds", retry_after_s=60), 429, "RATE_LIMITED"),
    (DuplicateRequestError("key seen"), 409, "DUPLICATE_REQUEST"),
    (StoreUnavailableError("cannot connect"), 503, "TRY_AGAIN"),
    (EmbeddedServerError("cannot start"), 503, "TRY_AGAIN"),
    (UnauthenticatedError("no identity"), 401, "UNAUTHENTICATED"),
    (DevTokenRejectedError("not here"), 401, "DEV_TOKEN_REJECTED"),
    (ResourceNotFoundError("none", code="REQUEST_NOT_FOUND"), 404, "REQUEST_NOT_FOUND"),
    (MethodNotAllowedError("GET", "/chat", ["POST"]), 405, "METHOD_NOT_ALLOWED"),
    (BodyTooLargeError("too big"), 413, "BODY_TOO_LARGE"),
    (UnknownReferenceError("no such role", code="UNKNOWN_ROLE"), 422, "UNKNOWN_ROLE"),
    (RequestUnsupportedContentType("nope", errors=[]), 415, "UNSUPPORTED_MEDIA_TYPE"),
    (binascii.Error("bad base64"), 400, "INVALID_BODY"),
    (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), 400, "INVALID_BODY"),
])
def test_each_error_has_its_status_and_stable_code(exc: Exception, status: int, code: str) -> None:
    error = http_error(exc)
    assert (error.status, error.code) == (status, code)
    assert error.message


def test_unavailable_stores_ask_to_retry_later() -> None:
    for exc in (StoreUnavailableError("x"), ServiceUnavailableError("y")):
        error = http_error(exc)
        assert int(error.headers["Retry-After"]) > 0
        assert "nothing was changed" in error.message


def test_a_rate_limit_says_when_to_come_back() -> None:
    assert http_error(RateLimitedError("slow down", retry_after_s=60)).headers == {"Retry-After": "60"}


def test_auth_and_method_errors_carry_their_headers() -> None:
    assert http_error(UnauthenticatedError("x")).headers == {"WWW-Authenticate": "Bearer"}
    assert http_error(MethodNotAllowedError("DELETE", "/health", ["GET", "HEAD"])).headers == {"Allow": "GET, HEAD"}


def test_malformed_json_is_a_400_and_schema_problems_a_422_naming_the_field() -> None:
    malformed = RequestValidationError([{"type": "json_invalid", "loc": ("body", 1), "msg": "JSON decode error"}])
    assert (http_error(malformed).status, http_error(malformed).code) == (400, "INVALID_JSON")
    missing = RequestValidationError([{"type": "missing", "loc": ("body", "text"), "msg": "Field required"},
                                      {"type": "string_type", "loc": ("body", "conversation_id"),
                                       "msg": "Input should be a valid string"}])
    error = http_error(missing)
    assert (error.status, error.code) == (422, "VALIDATION_FAILED")
    assert error.message == "text: is required; conversation_id: Input should be a valid string"


def test_an_unexpected_error_is_a_500_that_does_not_leak_its_text() -> None:
    error = http_error(RuntimeError("password=hunter2 in /srv/secret.py"))
    assert (error.status, error.code) == (500, "INTERNAL_ERROR")
    assert "hunter2" not in error.message and "secret" not in error.message


def test_the_error_body_is_exactly_code_and_message() -> None:
    body = json.loads(http_error(RequesterError("refused")).body())
    assert body == {"error": {"code": "REQUESTER_NOT_ALLOWED", "message": "refused"}}
