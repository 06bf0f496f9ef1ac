"""`askiam serve` over real HTTP: the page, the API, limits, and the events the Lambda handler receives."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model

from bot.api import local_server

pytestmark = pytest.mark.integration


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every event the local server hands to the Lambda handler."""
    seen: list[dict[str, Any]] = []
    handler = local_server.lambda_handler

    def recording(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(event)
        return handler(event, context)

    monkeypatch.setattr(local_server, "lambda_handler", recording)
    return seen


@pytest.fixture
def conn(events, server_url: str) -> Iterator[http.client.HTTPConnection]:  # type: ignore[no-untyped-def]
    parts = urlsplit(server_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    yield connection
    connection.close()


def _json(response: http.client.HTTPResponse) -> Any:
    assert response.getheader("Content-Type") == "application/json"
    return json.loads(response.read())


def test_the_page_and_its_assets_are_served_offline_safe(conn) -> None:  # type: ignore[no-untyped-def]
    for path, kind in (("/", "text/html"), ("/app.js", "text/javascript"), ("/labels.js", "text/javascript"),
                       ("/style.css", "text/css")):
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200 and (response.getheader("Content-Type") or "").startswith(kind)
        assert "default-src 'self'" in (response.getheader("Content-Security-Policy") or "")
        assert b"http://" not in body and b"https://" not in body  # no CDN, nothing from elsewhere
    conn.request("HEAD", "/")
    response = conn.getresponse()
    assert response.status == 200 and response.read() == b""


def test_a_chat_turn_over_http_is_the_lambda_event_round_trip(conn, events) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps({"text": "I need the approver role in Ledgerly"})
    conn.request("POST", "/chat?trace=1&trace=2", body=body, headers={
        "Content-Type": "application/json", "Authorization": "Bearer dev:ana", "Cookie": "a=1; b=2",
        "X-Custom": "v"})
    response = conn.getresponse()
    answer = _json(response)
    assert response.status == 200 and (answer["decision"], answer["reason"]) == ("DENIED", "SOD_CONFLICT")

    event = events[-1]
    APIGatewayProxyEventV2Model.model_validate(event)
    assert (event["version"], event["routeKey"], event["rawPath"]) == ("2.0", "$default", "/chat")
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["rawQueryString"] == "trace=1&trace=2" and event["queryStringParameters"] == {"trace": "1,2"}
    assert event["cookies"] == ["a=1", "b=2"] and "cookie" not in event["headers"]
    assert event["headers"]["x-custom"] == "v" and event["headers"]["authorization"] == "Bearer dev:ana"
    assert json.loads(event["body"]) == json.loads(body) and event["isBase64Encoded"] is False
    assert "authorizer" not in event["requestContext"]  # no JWT authorizer runs locally


def test_an_oversize_body_is_refused_before_it_is_read(server_url: str, events) -> None:  # type: ignore[no-untyped-def]
    head, body = _raw_exchange(server_url, b"POST /chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                           b"Authorization: Bearer dev:ana\r\nContent-Length: 10000000\r\n\r\n"
                                           b"{\"text\": \"")
    assert head.startswith(b"HTTP/1.1 413")
    assert json.loads(body)["error"]["code"] == "BODY_TOO_LARGE"
    assert events == []


@pytest.mark.parametrize(("headers", "status", "code"), [
    ({"Transfer-Encoding": "chunked"}, 411, "LENGTH_REQUIRED"),
    ({"Content-Length": "twelve"}, 400, "BAD_CONTENT_LENGTH"),
])
def test_bodies_without_a_usable_length_are_refused(conn, events, headers: dict[str, str], status: int,  # type: ignore[no-untyped-def]
                                                    code: str) -> None:
    conn.putrequest("POST", "/chat")
    for name, value in {"Content-Type": "application/json", **headers}.items():
        conn.putheader(name, value)
    conn.endheaders()
    response = conn.getresponse()
    assert (response.status, _json(response)["error"]["code"]) == (status, code)
    assert events == []


def _raw_exchange(server_url: str, request: bytes) -> tuple[bytes, bytes]:
    parts = urlsplit(server_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as raw:
        raw.sendall(request)
        reply = b""
        while chunk := raw.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    return head, body


@pytest.mark.parametrize(("request_bytes", "status", "code"), [
    (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", 431,
     "REQUEST_HEADER_FIELDS_TOO_LARGE"),
    (b"GET /health HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(120)) + b"\r\n", 431,
     "REQUEST_HEADER_FIELDS_TOO_LARGE"),
    (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414, "REQUEST_URI_TOO_LONG"),
    (b"NONSENSE\r\n\r\n", 400, "BAD_REQUEST"),
    (b"GET /health HTTP/9.9\r\n\r\n", 505, "HTTP_VERSION_NOT_SUPPORTED"),
    (b"BREW /health HTTP/1.1\r\nHost: x\r\n\r\n", 501, "NOT_IMPLEMENTED"),
])
def test_requests_the_server_cannot_read_get_json_errors(server_url: str, events, request_bytes: bytes,  # type: ignore[no-untyped-def]
                                                        status: int, code: str) -> None:
    head, body = _raw_exchange(server_url, request_bytes)
    assert head.startswith(b"HTTP/1.") and head.split()[1] == str(status).encode(), head[:200]
    assert b"Content-Type: application/json" in head
    assert json.loads(body)["error"]["code"] == code
    assert events == []


def test_unknown_routes_and_wrong_methods_are_json_errors(conn) -> None:  # type: ignore[no-untyped-def]
    conn.request("GET", "/nope")
    response = conn.getresponse()
    assert (response.status, _json(response)["error"]["code"]) == (404, "NOT_FOUND")
    conn.request("PATCH", "/chat", body="{}", headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    assert (response.status, response.getheader("Allow"), _json(response)["error"]["code"]) == (
        405, "POST", "METHOD_NOT_ALLOWED")


def test_the_openapi_document_and_health_are_served(conn) -> None:  # type: ignore[no-untyped-def]
    conn.request("GET", "/openapi.json")
    response = conn.getresponse()
    assert response.status == 200 and "/chat" in _json(response)["paths"]
    conn.request("GET", "/health")
    response = conn.getresponse()
    assert (response.status, _json(response)) == (200, {"status": "ok", "database": "ok"})


def test_concurrent_callers_each_get_their_own_answer(server_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    parts = urlsplit(server_url)
    people = ["ana", "rui", "boss", "fin1", "fin2", "dele"]

    def ask(user: str) -> tuple[str, int, Any]:
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        try:
            connection.request("POST", "/chat", body=json.dumps({"text": "I need the Viewer role in WikiWiki"}),
                               headers={"Content-Type": "application/json", "Authorization": f"Bearer dev:{user}"})
            response = connection.getresponse()
            return user, response.status, json.loads(response.read())
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        answers = list(pool.map(ask, people))
    assert [(user, status, body["user_id"]) for user, status, body in answers] == [
        (user, 200, user) for user in people]
