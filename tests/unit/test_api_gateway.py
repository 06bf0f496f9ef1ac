"""The translation between HTTP and API Gateway HTTP API (payload format 2.0) events, checked on recorded events."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model

from bot.api.gateway import HttpRequest, from_response, header, to_event

EVENTS = Path(__file__).resolve().parents[1] / "events" / "apigw"
RECORDED = sorted(EVENTS.glob("*.json"))
# The keys of a payload-format-2.0 event in AWS's documentation; the rest are optional (absent when empty).
DOCUMENTED_KEYS = {"version", "routeKey", "rawPath", "rawQueryString", "headers", "requestContext", "isBase64Encoded"}
DOCUMENTED_CONTEXT_KEYS = {"accountId", "apiId", "domainName", "domainPrefix", "http", "requestId", "routeKey",
                           "stage", "time", "timeEpoch"}
WHEN = datetime(2025, 3, 12, 19, 3, 58, 390000, tzinfo=UTC)


def _request(method: str = "GET", target: str = "/health", headers: tuple[tuple[str, str], ...] = (),
             body: bytes = b"") -> HttpRequest:
    return HttpRequest(method, target, (("Host", "127.0.0.1:8080"), *headers), body, "127.0.0.1")


def _load(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((EVENTS / name).read_text())


def test_there_are_recorded_events_of_both_origins() -> None:
    names = {path.name for path in RECORDED}
    assert any(name.startswith("aws_") for name in names) and any(name.startswith("local_") for name in names)


@pytest.mark.parametrize("path", RECORDED, ids=lambda path: path.stem)
def test_recorded_events_have_the_payload_format_2_shape(path: Path) -> None:
    event = json.loads(path.read_text())
    APIGatewayProxyEventV2Model.model_validate(event)
    assert event["version"] == "2.0"
    assert set(event) >= DOCUMENTED_KEYS
    assert set(event["requestContext"]) >= DOCUMENTED_CONTEXT_KEYS
    assert all(name == name.lower() for name in event["headers"])
    assert "cookie" not in event["headers"]


def test_the_local_server_event_is_the_recorded_one() -> None:
    body = json.dumps({"text": "I need the approver role in Ledgerly"}).encode()
    request = HttpRequest("POST", "/chat", (
        ("Host", "127.0.0.1:8080"), ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0"), ("Accept", "*/*"),
        ("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Authorization", "Bearer dev:ana"),
        ("Origin", "http://127.0.0.1:8080"), ("Cookie", "theme=light; lang=en")), body, "127.0.0.1")
    event = to_event(request, now=WHEN, request_id="local-req-1")
    assert event == _load("local_post_chat_dev_token.json")


def test_the_local_event_has_the_same_keys_as_the_aws_one_but_the_authorizer() -> None:
    local = _load("local_post_chat_dev_token.json")
    aws = _load("aws_post_chat_jwt.json")
    assert set(local) - {"cookies"} == set(aws)
    assert set(local["requestContext"]) == set(aws["requestContext"]) - {"authorizer"}
    assert set(local["requestContext"]["http"]) == set(aws["requestContext"]["http"])


def test_headers_are_lower_cased_and_repeated_ones_joined_with_commas() -> None:
    event = to_event(_request(headers=(("X-Trace", "a"), ("x-trace", "b"), ("Accept", "text/html"))))
    assert event["headers"]["x-trace"] == "a,b"
    assert event["headers"]["accept"] == "text/html"
    assert event["headers"]["x-forwarded-proto"] == "http" and event["headers"]["x-forwarded-port"] == "8080"


def test_cookies_move_from_the_header_into_their_own_list() -> None:
    event = to_event(_request(headers=(("Cookie", "a=1; b=2"), ("Cookie", "c=3"))))
    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    assert "cookie" not in event["headers"]


def test_the_path_is_decoded_and_the_query_string_kept_as_sent() -> None:
    event = to_event(_request(target="/access-requests/R%2D1000?x=1&x=2&y=a%20b"))
    assert event["rawPath"] == "/access-requests/R-1000"
    assert event["requestContext"]["http"]["path"] == "/access-requests/R-1000"
    assert event["rawQueryString"] == "x=1&x=2&y=a%20b"
    assert event["queryStringParameters"] == {"x": "1,2", "y": "a b"}


def test_no_body_key_without_a_body_and_no_query_parameters_without_a_query() -> None:
    event = to_event(_request())
    assert "body" not in event and "queryStringParameters" not in event and "cookies" not in event
    assert event["isBase64Encoded"] is False


def test_text_bodies_are_sent_as_text_and_binary_ones_in_base64() -> None:
    text = to_event(_request("POST", "/chat", (("Content-Type", "application/json"),), '{"text": "olá"}'.encode()))
    assert (text["body"], text["isBase64Encoded"]) == ('{"text": "olá"}', False)
    binary = to_event(_request("POST", "/chat", (("Content-Type", "application/octet-stream"),), b"\x00\xff"))
    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == b"\x00\xff"
    not_utf8 = to_event(_request("POST", "/chat", (("Content-Type", "application/json"),), b"\xff\xfe{}"))
    assert not_utf8["isBase64Encoded"] is True


def test_powertools_reads_what_the_local_event_says() -> None:
    event = APIGatewayProxyEventV2(_load("local_post_chat_dev_token.json"))
    assert (event.http_method, event.path) == ("POST", "/chat")
    assert event.headers["Authorization"] == "Bearer dev:ana"
    assert event.json_body == {"text": "I need the approver role in Ledgerly"}
    assert event.cookies == ["theme=light", "lang=en"]
    assert not event.request_context.authorizer.jwt_claim


def test_a_named_stage_is_a_prefix_of_the_raw_path() -> None:
    event = APIGatewayProxyEventV2(_load("aws_post_access_request_stage_base64.json"))
    assert event.raw_path == "/prod/access-requests" and event.path == "/access-requests"
    assert json.loads(event.decoded_body or "")["role_id"] == "wiki-viewer"


def test_a_lambda_result_becomes_the_http_response() -> None:
    response = from_response({"statusCode": 201, "headers": {"Content-Type": "application/json", "X-A": "1, 2"},
                              "cookies": ["a=1; Path=/", "b=2"], "body": '{"ok":true}', "isBase64Encoded": False})
    assert response.status == 201
    assert response.body == b'{"ok":true}'
    assert header(response.headers, "content-type") == "application/json"
    assert header(response.headers, "x-a") == "1, 2"
    assert [value for name, value in response.headers if name == "Set-Cookie"] == ["a=1; Path=/", "b=2"]
    assert header(response.headers, "content-length") == str(len(response.body))


def test_a_base64_result_is_decoded_and_a_missing_status_is_200() -> None:
    response = from_response({"body": base64.b64encode(b"\x89PNG").decode(), "isBase64Encoded": True})
    assert (response.status, response.body) == (200, b"\x89PNG")
    assert from_response({"statusCode": 204}).body == b""
