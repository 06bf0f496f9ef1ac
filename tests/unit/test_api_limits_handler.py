"""The HTTP API's limits through the Lambda handler, without a database: responses that stay within what one
Lambda response carries, bodies measured as sent, configuration failures, media types and query parameters."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import pytest

from bot.api import limits, runtime
from bot.api.gateway import HttpRequest, to_event
from bot.api.handler import lambda_handler, use_application
from bot.api.settings import MAX_BODY_BYTES
from bot.conversation import ConversationState
from bot.domain import Decision, Outcome, Person, Reason
from bot.ports import NoTelemetry
from bot.service import Turn
from bot.settings import Settings
from tests.unit.test_api_handler import _Rows as Rows
from validators.approvals import PendingItem
from validators.audit_query import decode_cursor

EVENTS = Path(__file__).resolve().parents[1] / "events" / "apigw"
# Lambda's synchronous response quota, which the serialized response (not just its body) must keep under.
LAMBDA_LIMIT = 6_291_456
AUDITOR = "aud"
# What makes a body grow when it is escaped into the Lambda response: quotes, backslashes, CJK, emoji.
HEAVY = ('"\\' * 600 + "\u6211\u9700\u8981\u8bbf\u95ee\u6743\u9650" * 200 + "\U0001f510" * 100)[:3900]


def _outcome(request_id: str) -> Outcome:
    return Outcome(request_id=request_id, decision=Decision.PENDING_APPROVAL, reason=Reason.PRIVILEGED_ROLE,
                   user_id="ana", app_id="ledgerly", role_id="ldg-admin", confidence=0.5, checks=[], evidence=[],
                   message="Sent for approval.", requester_id="ana")


class Service:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def requester(self, requester_id: str, channel: str, text: str) -> Person:
        return Person(user_id=requester_id, email=f"{requester_id}@corp.test", display_name=requester_id,
                      status="active")

    def handle(self, requester_id: str, text: str, *, channel: str = "cli", state: ConversationState | None = None,
               conversation_id: str | None = None, idempotency_key: str | None = None) -> Turn:
        self.texts.append(text)
        return Turn(outcome=_outcome("R-1000"), state=None)



def audit_row(seq: int, text: str) -> dict[str, Any]:
    payload = {"details": {"text": text, "decided_by": "askiam", "message": text[:500]}}
    return {"seq": seq, "created_at": datetime(2026, 1, 1, tzinfo=UTC), "event_type": "access_request.decided",
            "request_id": f"R-{seq}", "requester_id": "ana", "target_id": "ana", "app_id": "ledgerly",
            "role_id": "ldg-admin", "decision": "DENIED", "reason": "SOD_CONFLICT", "channel": "api",
            "payload": json.dumps(payload, ensure_ascii=False), "hash": "ab" * 32}


class AuditDatabase:
    """The auditor holds the role; the audit log's newest records come back as PostgreSQL would send them."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows  # newest first

    @contextmanager
    def connection(self) -> Iterator[Any]:
        rows = self.rows

        class Conn:
            def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows:
                if "AS held" in sql:
                    return Rows([{"held": params[0] == AUDITOR}])
                if "FROM audit_log" in sql:
                    below = params[-2] if "seq <" in sql else None
                    selected = [row for row in rows if below is None or row["seq"] < below]
                    return Rows(selected[: params[-1]])
                return Rows([])

        yield Conn()

    reading = connection  # the directory and the audit filters read through it too (and find no one by name)


class Approvals:
    def __init__(self, items: list[PendingItem]) -> None:
        self.items = items

    def expire(self) -> int:
        return 0

    def pending_for(self, approver_id: str) -> list[PendingItem]:
        return self.items


class Store:
    def get(self, request_id: str) -> Outcome | None:
        return _outcome(request_id)


class App:
    def __init__(self, rows: list[dict[str, Any]] | None = None, pending: list[PendingItem] | None = None) -> None:
        self.settings = Settings(env="local")  # type: ignore[arg-type]
        self.service = Service()
        self.store = Store()
        self.database = AuditDatabase(rows or [])
        self.approvals = Approvals(pending or [])


@pytest.fixture
def install() -> Iterator[Callable[..., App]]:
    def make(**kwargs: Any) -> App:
        app = App(**kwargs)
        use_application(app)  # type: ignore[arg-type]
        return app

    yield make
    use_application(None)


def event(method: str, target: str, body: bytes = b"", *, user: str | None = None,
          headers: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    sent = [("Host", "127.0.0.1:8080"), *headers]
    if user is not None:
        sent.append(("Authorization", f"Bearer dev:{user}"))
    return to_event(HttpRequest(method, target, tuple(sent), body, "127.0.0.1"))


def answer(result: dict[str, Any]) -> tuple[int, Any]:
    body = result.get("body") or ""
    return result["statusCode"], json.loads(body) if body else None


def lambda_size(result: dict[str, Any]) -> int:
    """The response as the Lambda runtime serializes it (ASCII-escaped, the larger of the runtimes' two ways)."""
    return len(json.dumps(result).encode("utf-8"))


# D1: GET /audit/events and GET /approvals within one Lambda response.

def test_a_page_of_long_records_is_cut_to_fit_one_response_and_the_cursor_continues(install) -> None:  # type: ignore[no-untyped-def]
    rows = [audit_row(seq, HEAVY) for seq in range(2000, 999, -1)]
    install(rows=rows)

    result = lambda_handler(event("GET", "/audit/events?limit=1000", user=AUDITOR), None)  # type: ignore[arg-type]
    status, page = answer(result)

    assert status == 200
    assert lambda_size(result) <= LAMBDA_LIMIT
    assert 0 < len(page["records"]) < 1000 and page["truncated"] is True
    assert decode_cursor(page["next_cursor"]) == page["records"][-1]["seq"]
    seen = [record["seq"] for record in page["records"]]
    cursor = page["next_cursor"]
    while cursor:
        result = lambda_handler(event("GET", f"/audit/events?limit=1000&cursor={cursor}", user=AUDITOR), None)  # type: ignore[arg-type]
        status, page = answer(result)
        assert status == 200 and lambda_size(result) <= LAMBDA_LIMIT
        seen.extend(record["seq"] for record in page["records"])
        cursor = page["next_cursor"]
    assert seen == [row["seq"] for row in rows]  # every record once, in order, across the cut pages


def test_a_page_that_fits_is_whole_and_not_marked(install) -> None:  # type: ignore[no-untyped-def]
    install(rows=[audit_row(seq, "I need the Viewer role in Ledgerly") for seq in range(30, 0, -1)])
    status, page = answer(lambda_handler(event("GET", "/audit/events?limit=10", user=AUDITOR), None))  # type: ignore[arg-type]
    assert status == 200 and len(page["records"]) == 10 and page["truncated"] is False
    assert decode_cursor(page["next_cursor"]) == 21


def test_a_record_too_large_for_any_response_is_a_413_not_a_500(install, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    install(rows=[audit_row(2, HEAVY), audit_row(1, "short")])
    monkeypatch.setattr(limits, "RESPONSE_BUDGET", 5_000)  # one HEAVY record escapes to ~30 KB
    status, body = answer(lambda_handler(event("GET", "/audit/events", user=AUDITOR), None))  # type: ignore[arg-type]
    assert (status, body["error"]["code"]) == (413, "RESPONSE_TOO_LARGE")
    assert "audit record 2" in body["error"]["message"]


def _pending(number: int, text: str) -> PendingItem:
    now = datetime.now(UTC)
    return PendingItem(request_id=f"R-{number}", created_at=now, expires_at=now + timedelta(days=7),
                       requester_id="ana", target_id="ana", app_id="ledgerly", role_id="ldg-admin",
                       reason="PRIVILEGED_ROLE", confidence=0.5, capacity="application owner", message=text,
                       text=text)


def test_a_queue_too_long_for_one_response_keeps_the_oldest_and_counts_the_rest(install) -> None:  # type: ignore[no-untyped-def]
    install(pending=[_pending(number, HEAVY) for number in range(1, 1001)])

    result = lambda_handler(event("GET", "/approvals", user="own"), None)  # type: ignore[arg-type]
    status, queue = answer(result)

    assert status == 200
    assert lambda_size(result) <= LAMBDA_LIMIT
    assert 0 < len(queue["items"]) < 1000
    assert queue["omitted"] == 1000 - len(queue["items"])
    assert [item["request_id"] for item in queue["items"]] == [f"R-{n}" for n in range(1, len(queue["items"]) + 1)]


def test_a_short_queue_is_whole(install) -> None:  # type: ignore[no-untyped-def]
    install(pending=[_pending(1, "I need the Administrator role in Ledgerly")])
    status, queue = answer(lambda_handler(event("GET", "/approvals", user="own"), None))  # type: ignore[arg-type]
    assert status == 200 and len(queue["items"]) == 1 and queue["omitted"] == 0


# D2: the export measured as the Lambda response carries it.

def _export_of(text: str) -> Callable[..., int]:
    def export(database: Any, filter: Any, fmt: str, stream: TextIO, *, batch: int = 1000) -> int:
        for start in range(0, len(text), 4096):
            stream.write(text[start:start + 4096])
        return 1

    return export


def test_an_export_that_would_escape_past_the_lambda_limit_is_refused(install, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.api import console

    install()
    quoted = '"\\' * (2 * 1024 * 1024)  # 4 MiB of body, 8 MiB once escaped into the response
    monkeypatch.setattr(console.audit_query, "export", _export_of(quoted))

    result = lambda_handler(event("GET", "/audit/export?format=csv", user=AUDITOR), None)  # type: ignore[arg-type]

    assert lambda_size(result) <= LAMBDA_LIMIT
    status, body = answer(result)
    assert (status, body["error"]["code"]) == (413, "EXPORT_TOO_LARGE")


def test_an_export_within_the_limit_as_sent_is_returned_whole(install, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.api import console

    install()
    text = "seq,request_id\n" + "1,R-1\n" * 500_000  # 3 MB of ASCII without quotes: escaped, the same
    monkeypatch.setattr(console.audit_query, "export", _export_of(text))

    result = lambda_handler(event("GET", "/audit/export?format=csv", user=AUDITOR), None)  # type: ignore[arg-type]

    assert result["statusCode"] == 200 and result["body"] == text
    assert lambda_size(result) <= LAMBDA_LIMIT


def test_the_handler_never_returns_a_response_lambda_would_refuse(install, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.api import console

    install()
    monkeypatch.setattr(console, "MAX_EXPORT_BYTES", 50 * 1024 * 1024)  # a route that forgot its budget
    monkeypatch.setattr(console.audit_query, "export", _export_of("\u6211" * 1_100_000))

    result = lambda_handler(event("GET", "/audit/export?format=csv", user=AUDITOR), None)  # type: ignore[arg-type]

    status, body = answer(result)
    assert (status, body["error"]["code"]) == (413, "RESPONSE_TOO_LARGE")


# D4: base64 bodies are measured decoded.

def _base64_chat(size: int) -> dict[str, Any]:
    text = json.dumps({"text": "I need the Viewer role in Ledgerly"})
    body = text[:-1] + " " * (size - len(text)) + "}"
    assert len(body.encode()) == size
    sent = event("POST", "/chat", body.encode(), user="ana", headers=[("Content-Type", "application/json")])
    sent.update(body=base64.b64encode(body.encode()).decode("ascii"), isBase64Encoded=True)
    return sent


def test_a_base64_body_within_the_limit_decoded_is_accepted(install) -> None:  # type: ignore[no-untyped-def]
    app = install()
    assert answer(lambda_handler(_base64_chat(13_046), None))[0] == 200  # type: ignore[arg-type]
    assert answer(lambda_handler(_base64_chat(MAX_BODY_BYTES), None))[0] == 200  # type: ignore[arg-type]
    assert app.service.texts == ["I need the Viewer role in Ledgerly"] * 2


def test_a_base64_body_over_the_limit_decoded_is_a_413(install) -> None:  # type: ignore[no-untyped-def]
    app = install()
    status, body = answer(lambda_handler(_base64_chat(MAX_BODY_BYTES + 1), None))  # type: ignore[arg-type]
    assert (status, body["error"]["code"]) == (413, "BODY_TOO_LARGE")
    absurd = _base64_chat(200)
    absurd["body"] = "A" * 5_000_000
    status, body = answer(lambda_handler(absurd, None))  # type: ignore[arg-type]
    assert (status, body["error"]["code"]) == (413, "BODY_TOO_LARGE")
    assert app.service.texts == []


# D5: settings that do not validate.

def test_an_invalid_setting_is_a_503_json_error_not_an_exception(monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ASKIAM_AUTO_APPROVE_THRESHOLD", "abc")
    monkeypatch.setattr(runtime, "lambda_telemetry", NoTelemetry)
    use_application(None)
    try:
        aws = json.loads((EVENTS / "aws_post_chat_jwt.json").read_text())
        result = lambda_handler(aws, None)  # type: ignore[arg-type]
    finally:
        use_application(None)
    status, body = answer(result)
    assert (status, body["error"]["code"]) == (503, "TRY_AGAIN")
    assert "try again" in body["error"]["message"]
    assert result["headers"]["Retry-After"]
    assert "auto_approve_threshold" in caplog.text.lower()


# D7: media types.

@pytest.mark.parametrize("content_type", ["Application/JSON", "application/json; charset=UTF-8",
                                          "APPLICATION/JSON;charset=utf-8"])
def test_json_media_types_are_read_whatever_their_case_and_parameters(install, content_type: str) -> None:  # type: ignore[no-untyped-def]
    app = install()
    sent = event("POST", "/chat", json.dumps({"text": "hello there"}).encode(), user="ana",
                 headers=[("Content-Type", content_type)])
    assert answer(lambda_handler(sent, None))[0] == 200  # type: ignore[arg-type]
    assert app.service.texts == ["hello there"]


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                          "text/plain"])
def test_a_body_other_than_json_is_a_415(install, content_type: str) -> None:  # type: ignore[no-untyped-def]
    app = install()
    sent = event("POST", "/chat", b"text=hello", user="ana", headers=[("Content-Type", content_type)])
    status, body = answer(lambda_handler(sent, None))  # type: ignore[arg-type]
    assert (status, body["error"]["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
    assert app.service.texts == []


# D8/D9: repeated and empty query parameters.

@pytest.mark.parametrize("query, name", [("decision=APPROVED&decision=DENIED", "decision"),
                                         ("limit=5&limit=10", "limit"), ("user=a&user=a", "user")])
def test_a_query_parameter_given_twice_is_named_as_such(install, query: str, name: str) -> None:  # type: ignore[no-untyped-def]
    install(rows=[audit_row(1, "x")])
    status, body = answer(lambda_handler(event("GET", f"/audit/events?{query}", user=AUDITOR), None))  # type: ignore[arg-type]
    assert (status, body["error"]["code"]) == (422, "VALIDATION_FAILED")
    assert body["error"]["message"] == f"query.{name}: given more than once; give it once"


@pytest.mark.parametrize("target, name", [("/audit/events?decision=", "decision"),
                                          ("/audit/events?limit=1&user=", "user"),
                                          ("/audit/export?format=csv&since=", "since")])
def test_an_empty_filter_is_a_422_not_dropped(install, target: str, name: str) -> None:  # type: ignore[no-untyped-def]
    install(rows=[audit_row(1, "x")])
    status, body = answer(lambda_handler(event("GET", target, user=AUDITOR), None))  # type: ignore[arg-type]
    assert (status, body["error"]["code"]) == (422, "VALIDATION_FAILED")
    assert body["error"]["message"] == f"{name}: empty value"
