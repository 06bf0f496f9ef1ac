"""What API Gateway does around the Lambda: an HTTP request into a payload-format-2.0 event, and back.

The event follows the HTTP API Lambda integration, payload format version 2.0: header names lower-cased and
repeated headers joined with commas, cookies moved from the Cookie header into `cookies`, `rawPath` decoded,
`rawQueryString` as sent, repeated query parameters joined with commas, and a body that is not text sent in
base64. The response's `cookies` become Set-Cookie headers.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field

LOCAL_ACCOUNT_ID = "000000000000"
LOCAL_API_ID = "local"
_TEXT_TYPES = ("text/", "application/json", "application/x-www-form-urlencoded", "application/xml",
               "application/javascript")


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request as a server received it."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"


def _is_text(content_type: str) -> bool:
    return not content_type or content_type.strip().lower().startswith(_TEXT_TYPES)


def to_event(request: HttpRequest, *, now: datetime | None = None, request_id: str | None = None,
             host: str = "127.0.0.1") -> dict[str, Any]:
    """The API Gateway HTTP API (payload format 2.0) event for one request, without an authorizer."""
    now = now or datetime.now(UTC)
    parts = urlsplit(request.target)
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    authority = headers.get("host", host)
    domain, _, port = authority.rpartition(":") if authority.rpartition(":")[2].isdigit() else (authority, "", "")
    headers.setdefault("x-forwarded-for", request.source_ip)
    if port:
        headers.setdefault("x-forwarded-port", port)
    headers.setdefault("x-forwarded-proto", "http")
    query: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    path = unquote(parts.path or "/")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": parts.query,
        "headers": headers,
        "requestContext": {
            "accountId": LOCAL_ACCOUNT_ID,
            "apiId": LOCAL_API_ID,
            "domainName": domain,
            "domainPrefix": domain.split(".", 1)[0],
            "http": {
                "method": request.method.upper(),
                "path": path,
                "protocol": request.protocol,
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id or secrets.token_urlsafe(12),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if request.body:
        text = _text(request.body) if _is_text(headers.get("content-type", "")) else None
        if text is None:
            event["body"] = base64.b64encode(request.body).decode("ascii")
            event["isBase64Encoded"] = True
        else:
            event["body"] = text
    return event


def _text(body: bytes) -> str | None:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


class LambdaResponse(BaseModel):
    """What a Lambda behind an HTTP API returns (payload format 2.0, the structured form)."""

    model_config = ConfigDict(extra="ignore")

    status_code: int = Field(default=200, alias="statusCode", ge=100, le=599)
    headers: dict[str, str] = Field(default_factory=dict)
    cookies: list[str] = Field(default_factory=list)
    body: str | None = None
    is_base64_encoded: bool = Field(default=False, alias="isBase64Encoded")


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def from_response(result: Mapping[str, Any]) -> HttpResponse:
    """The HTTP response API Gateway sends for a Lambda's result."""
    parsed = LambdaResponse.model_validate(result)
    body = b"" if parsed.body is None else (
        base64.b64decode(parsed.body) if parsed.is_base64_encoded else parsed.body.encode("utf-8"))
    headers: list[tuple[str, str]] = [(name, value) for name, value in parsed.headers.items()
                                      if name.lower() not in ("content-length", "set-cookie")]
    headers.extend(("Set-Cookie", cookie) for cookie in parsed.cookies)
    headers.append(("Content-Length", str(len(body))))
    return HttpResponse(parsed.status_code, tuple(headers), body)


def header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of a header, by case-insensitive name."""
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)
