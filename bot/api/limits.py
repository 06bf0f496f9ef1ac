"""How much one Lambda response may carry, measured as the Lambda runtime sends it.

A function behind API Gateway returns its response as one JSON document (status, headers, and the body as a JSON
string), and Lambda refuses a synchronous response past 6 MB, which API Gateway answers with a bare 500. The body
is escaped once more in that document: a quote or backslash takes two bytes, and a JSON body's own escapes
(`\\"`, `\\u4e2d`) one more each. So the limits are measured on the escaped body, never on its length.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024  # 6,291,456 bytes: Lambda's synchronous response payload quota
# What a route's escaped body may fill; the rest of the limit is headroom for the status, headers and rounding.
RESPONSE_BUDGET = 5 * 1024 * 1024
# Past this many characters a body might, escaped, come near the limit (12 bytes is the most one character takes).
_ALWAYS_FITS_CHARS = (LAMBDA_RESPONSE_LIMIT - 64 * 1024) // 12


def escaped_size(text: str) -> int:
    """Bytes `text` takes as a JSON string in the Lambda response, without its quotes.

    Measured as `json.dumps` writes it by default (ensure_ascii), as the runtimes before Python 3.12 send it; the
    3.12 and later runtimes send non-ASCII characters unescaped, which is never longer, so this is an upper bound
    whichever runtime runs the function.
    """
    return len(json.dumps(text)) - 2


def body_json(value: BaseModel) -> str:
    """A model as the router serializes a route's result into the body: compact JSON, ASCII-escaped."""
    return json.dumps(value.model_dump(mode="json"), separators=(",", ":"))


def fitting(items: Sequence[BaseModel], empty: BaseModel, budget: int) -> int:
    """How many of `items`, in order, fit in one response whose body is `empty` with them in its one list.

    The size is additive: each item adds its escaped JSON and a comma to the escaped body of `empty`.
    """
    size = escaped_size(body_json(empty))
    for count, item in enumerate(items):
        size += escaped_size(body_json(item)) + 1
        if size > budget:
            return count
    return len(items)


def response_size(response: Mapping[str, Any]) -> int:
    """Bytes of the whole Lambda response as the runtime serializes it (ASCII-escaped: the upper bound)."""
    return len(json.dumps(response).encode("utf-8"))


def fits_lambda(response: Mapping[str, Any]) -> bool:
    """Whether the Lambda runtime can return `response` (cheap for the many small ones)."""
    body = response.get("body")
    if not isinstance(body, str) or len(body) <= _ALWAYS_FITS_CHARS:
        return True
    return response_size(response) <= LAMBDA_RESPONSE_LIMIT
