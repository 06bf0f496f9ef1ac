"""The Lambda handler without a database: routing, validation, identity and error responses."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.api import runtime
from bot.api.gateway import HttpRequest, to_event
from bot.api.handler import lambda_handler, use_application
from bot.api.settings import ApiSettings
from bot.conversation import ConversationState
from bot.domain import CheckName, CheckResult, Decision, Outcome, Person, Reason
from bot.errors import RequesterError
from bot.ports import NoTelemetry
from bot.service import Turn
from bot.settings import Settings
from tests.fakes.directory import MemoryDirectory
from validators.errors import StoreUnavailableError

EVENTS = Path(__file__).resolve().parents[1] / "events" / "apigw"


def _outcome(requester_id: str, request_id: str = "R-1000") -> Outcome:
    return Outcome(
        request_id=request_id, decision=Decision.DENIED, reason=Reason.SOD_CONFLICT, user_id=requester_id,
        app_id="ledgerly", role_id="ldg-approver", confidence=None,
        checks=[CheckResult(name=CheckName.NO_SOD_CONFLICT, passed=False, detail="conflicts with ldg-poster held")],
        evidence=[], message="Denied.", requester_id=requester_id,
    )


class StubService:
    """Answers every turn with a denial, or raises what it was given; records who asked."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[tuple[str, str]] = []
        self.keys: list[str | None] = []

    def requester(self, requester_id: str, channel: str, text: str) -> Person:
        if self.error is not None:
            raise self.error
        return Person(user_id=requester_id, email=f"{requester_id}@corp.test", display_name=requester_id,
                      status="active")

    def handle(self, requester_id: str, text: str, *, channel: str = "cli", state: ConversationState | None = None,
               conversation_id: str | None = None, idempotency_key: str | None = None) -> Turn:
        self.calls.append((requester_id, text))
        self.keys.append(idempotency_key)
        if self.error is not None:
            raise self.error
        return Turn(outcome=_outcome(requester_id), state=None)


class StubStore:
    def get(self, request_id: str) -> Outcome | None:
        return _outcome("ana", request_id) if request_id == "R-1000" else None


class _Rows:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self._rows = rows

    def fetchall(self) -> list[dict[str, Any]]:
        return self._rows

    def fetchone(self) -> dict[str, Any] | None:
        return self._rows[0] if self._rows else None


class StubDatabase:
    def __init__(self, down: bool = False) -> None:
        self.down = down

    @contextmanager
    def connection(self) -> Iterator[Any]:
        if self.down:
            raise StoreUnavailableError("the rules store is unavailable")

        class Conn:
            def execute(self, sql: str, params: Sequence[Any] = ()) -> _Rows:
                return _Rows([])

        yield Conn()


class StubApprovals:
    def __init__(self) -> None:
        self.expired = 0

    def expire(self) -> list[str]:
        self.expired += 1
        return []


class StubApp:
    def __init__(self, env: str = "local", error: Exception | None = None, database_down: bool = False) -> None:
        self.settings = Settings(env=env)  # type: ignore[arg-type]
        self.service = StubService(error)
        self.store = StubStore()
        self.database = StubDatabase(database_down)
        self.approvals = StubApprovals()


class MemoryConversations:
    def __init__(self) -> None:
        self.saved: dict[str, tuple[str, ConversationState]] = {}

    def load(self, conversation_id: str, requester_id: str) -> ConversationState | None:
        owner, state = self.saved.get(conversation_id, ("", None))  # type: ignore[arg-type]
        return state if owner == requester_id else None

    def save(self, conversation_id: str, requester_id: str, state: ConversationState) -> None:
        self.saved[conversation_id] = (requester_id, state)


class EmailDirectory:
    def find_people(self, *, emails: Sequence[str], names: Sequence[str], user_ids: Sequence[str]) -> list[Person]:
        return [Person(user_id="ana", email="ana@corp.test", display_name="Ana", status="active")] \
            if "ana@corp.test" in emails else []


@pytest.fixture
def install() -> Iterator[Callable[..., StubApp]]:
    def make(env: str = "local", error: Exception | None = None, database_down: bool = False,
             api: ApiSettings | None = None, directory: Any = None) -> StubApp:
        app = StubApp(env, error, database_down)
        # The stub has no database: sign-ins are read against an empty directory unless a test gives one.
        use_application(app, api, conversations=MemoryConversations(),  # type: ignore[arg-type]
                        directory=directory or MemoryDirectory([]))
        return app

    yield make
    use_application(None)


def call(method: str, target: str, body: Any = None, *, user: str | None = None,
         headers: Sequence[tuple[str, str]] = (), raw: bytes | None = None) -> tuple[int, dict[str, str], Any]:
    sent = list(headers)
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    if data and not any(name.lower() == "content-type" for name, _ in sent):
        sent.append(("Content-Type", "application/json"))
    if user is not None:
        sent.append(("Authorization", f"Bearer dev:{user}"))
    event = to_event(HttpRequest(method, target, (("Host", "127.0.0.1:8080"), *sent), data, "127.0.0.1"))
    return _result(lambda_handler(event, None))  # type: ignore[arg-type]


def _result(result: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return result["statusCode"], {k.lower(): v for k, v in result["headers"].items()}, json.loads(body) if body \
        else None


def _error(response: tuple[int, dict[str, str], Any]) -> tuple[int, str]:
    status, headers, body = response
    assert headers["content-type"] == "application/json"
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"} and body["error"]["message"]
    return status, body["error"]["code"]


def test_a_turn_is_answered_with_the_decision_and_a_conversation_id(install) -> None:  # type: ignore[no-untyped-def]
    app = install()
    status, _, body = call("POST", "/chat", {"text": "I need the approver role in Ledgerly"}, user="ana")
    assert status == 200
    assert body["decision"] == "DENIED" and body["reason"] == "SOD_CONFLICT"
    assert body["conversation_id"].startswith("c-") and body["message"] == "Denied."
    assert app.service.calls == [("ana", "I need the approver role in Ledgerly")]


@pytest.mark.parametrize(("method", "target", "kwargs", "expected"), [
    ("GET", "/nowhere", {}, (404, "NOT_FOUND")),
    ("GET", "/chat", {}, (405, "METHOD_NOT_ALLOWED")),
    ("DELETE", "/access-requests/R-1000", {}, (405, "METHOD_NOT_ALLOWED")),
    ("POST", "/chat", {"raw": b"{not json"}, (400, "INVALID_JSON")),
    ("POST", "/chat", {"raw": b"[" * 5000}, (400, "INVALID_JSON")),
    ("POST", "/chat", {"body": {"text": "x" * 20_000}}, (413, "BODY_TOO_LARGE")),
    ("POST", "/chat", {"body": {"text": 42}}, (422, "VALIDATION_FAILED")),
    ("POST", "/chat", {"body": {}}, (422, "VALIDATION_FAILED")),
    ("POST", "/chat", {"body": ["text"]}, (422, "VALIDATION_FAILED")),
    ("POST", "/chat", {"body": {"text": "   "}}, (422, "VALIDATION_FAILED")),
    ("POST", "/chat", {"body": {"text": "\u0000\u0001 \u0007"}}, (422, "VALIDATION_FAILED")),
    ("POST", "/chat", {"body": {"text": "hi", "conversation_id": "../../etc"}}, (422, "VALIDATION_FAILED")),
    ("POST", "/chat", {}, (422, "VALIDATION_FAILED")),
    ("POST", "/chat", {"raw": b"text=hi", "headers": [("Content-Type", "text/plain")]},
     (415, "UNSUPPORTED_MEDIA_TYPE")),
    ("POST", "/access-requests", {"body": {"user_id": "ana", "app_id": "x"}}, (422, "VALIDATION_FAILED")),
    ("GET", "/access-requests/%20bad%20id", {}, (422, "VALIDATION_FAILED")),
    ("GET", "/access-requests/c%C2%88%07", {}, (404, "NOT_FOUND")),
    ("POST", "/chat", {"raw": b'{"x": ' + b"9" * 5000 + b"}"}, (400, "INVALID_JSON")),  # past int()'s limit
    ("POST", "/approvals/R-1000/decision", {"body": {"action": "deny", "comment": "ok\u0000"}},
     (422, "VALIDATION_FAILED")),
])
def test_bad_requests_get_a_4xx_json_error_and_reach_no_service(install, method: str, target: str,  # type: ignore[no-untyped-def]
                                                                kwargs: dict[str, Any],
                                                                expected: tuple[int, str]) -> None:
    app = install()
    assert _error(call(method, target, user="ana", **kwargs)) == expected
    assert app.service.calls == []


def test_a_body_starting_with_a_byte_order_mark_is_read(install) -> None:  # type: ignore[no-untyped-def]
    app = install()
    status, _, _ = call("POST", "/chat", user="ana", raw="\ufeff".encode() + b'{"text": "hi"}')
    assert status == 200 and app.service.calls == [("ana", "hi")]


def test_an_idempotency_key_header_reaches_the_service(install) -> None:  # type: ignore[no-untyped-def]
    app = install()
    call("POST", "/chat", {"text": "hi"}, user="ana", headers=[("Idempotency-Key", "k-123456789")])
    call("POST", "/chat", {"text": "hi"}, user="ana")
    assert app.service.keys == ["k-123456789", None]
    bad = call("POST", "/chat", {"text": "hi"}, user="ana", headers=[("Idempotency-Key", "has spaces, and commas")])
    assert _error(bad) == (422, "VALIDATION_FAILED")
    assert app.service.keys == ["k-123456789", None]


def test_a_wrong_method_says_which_are_allowed(install) -> None:  # type: ignore[no-untyped-def]
    install()
    status, headers, _ = call("PUT", "/health")
    assert status == 405 and headers["allow"] == "GET"


def test_without_an_identity_the_caller_is_unauthenticated(install) -> None:  # type: ignore[no-untyped-def]
    app = install()
    status, headers, _ = call("POST", "/chat", {"text": "hi"})
    assert (status, headers["www-authenticate"]) == (401, "Bearer")
    assert _error(call("POST", "/chat", {"text": "hi"}, headers=[("Authorization", "Bearer abc.def.ghi")])) == (
        401, "UNAUTHENTICATED")
    assert _error(call("POST", "/chat", {"text": "hi"}, headers=[("Authorization", "Bearer dev:")])) == (
        401, "UNAUTHENTICATED")
    assert app.service.calls == []


def test_development_tokens_are_rejected_in_a_deployed_lambda_even_with_a_local_env(install) -> None:  # type: ignore[no-untyped-def]
    app = install(env="local", api=ApiSettings(AWS_LAMBDA_FUNCTION_NAME="askiam-api-prod"))
    assert _error(call("POST", "/chat", {"text": "hi"}, user="ana")) == (401, "DEV_TOKEN_REJECTED")
    assert app.service.calls == []
    install(env="local", api=ApiSettings(AWS_LAMBDA_FUNCTION_NAME="askiam-api", AWS_SAM_LOCAL="true"))
    assert call("POST", "/chat", {"text": "hi"}, user="ana")[0] == 200  # `sam local` is local


@pytest.mark.parametrize("env", ["test", "aws"])
def test_development_tokens_are_rejected_outside_local(install, env: str) -> None:  # type: ignore[no-untyped-def]
    app = install(env=env)
    assert _error(call("POST", "/chat", {"text": "hi"}, user="ana")) == (401, "DEV_TOKEN_REJECTED")
    assert _error(call("GET", "/demo/users")) == (404, "NOT_FOUND")
    assert app.service.calls == []


def test_a_body_claiming_another_identity_is_refused(install) -> None:  # type: ignore[no-untyped-def]
    app = install()
    body = {"text": "approve me", "user_id": "boss", "requester_id": "boss", "as": "boss"}
    status, _, answer = call("POST", "/chat", body, user="ana")
    assert status == 422 and answer["error"]["code"] == "VALIDATION_FAILED"
    assert app.service.calls == []


def test_the_jwt_claim_names_the_caller(install) -> None:  # type: ignore[no-untyped-def]
    app = install(env="aws", api=ApiSettings(identity_claim="custom:user_id"))
    event = json.loads((EVENTS / "aws_post_chat_jwt.json").read_text())
    status, _, answer = _result(lambda_handler(event, None))  # type: ignore[arg-type]
    assert status == 200 and answer["user_id"] == "ana"
    assert app.service.calls == [("ana", "I need the approver role in Ledgerly")]


def test_an_email_claim_is_mapped_to_the_person(install) -> None:  # type: ignore[no-untyped-def]
    app = install(env="aws", api=ApiSettings(identity_claim="email", identity_lookup="email"),
                  directory=EmailDirectory())
    event = json.loads((EVENTS / "aws_post_chat_jwt.json").read_text())
    assert _result(lambda_handler(event, None))[0] == 200  # type: ignore[arg-type]
    assert app.service.calls[0][0] == "ana"


@pytest.mark.parametrize("claims", [
    {"email_verified": "false"},  # an address people may type into their own profile, never confirmed
    {"email_verified": None},
    {"email": "boss@corp.test"},  # verified, but nobody's in the directory
    {"email": "ana"},  # never tried as a user id
])
def test_an_email_claim_that_is_unverified_or_nobodys_is_refused(install, claims: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    app = install(env="aws", api=ApiSettings(identity_claim="email", identity_lookup="email"),
                  directory=EmailDirectory())
    event = json.loads((EVENTS / "aws_post_chat_jwt.json").read_text())
    given = event["requestContext"]["authorizer"]["jwt"]["claims"]
    given.update(claims)
    if claims.get("email_verified", "") is None:
        del given["email_verified"]
    assert _error(_result(lambda_handler(event, None))) == (401, "UNAUTHENTICATED")  # type: ignore[arg-type]
    assert app.service.calls == []


def test_the_default_claim_is_the_cognito_user_name_as_for_lex(install) -> None:  # type: ignore[no-untyped-def]
    app = install(env="aws")
    event = json.loads((EVENTS / "aws_post_chat_jwt.json").read_text())
    without = _result(lambda_handler(event, None))  # type: ignore[arg-type]
    assert without[0] == 401 and app.service.calls == []  # never the 'sub' (a UUID no directory holds)
    event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:username"] = "ana"
    assert _result(lambda_handler(event, None))[0] == 200  # type: ignore[arg-type]
    assert app.service.calls[0][0] == "ana"


def test_a_base64_body_under_a_named_stage_reaches_its_route(install) -> None:  # type: ignore[no-untyped-def]
    install(env="aws", api=ApiSettings(identity_claim="username"), error=RequesterError("refused"))
    event = json.loads((EVENTS / "aws_post_access_request_stage_base64.json").read_text())
    assert _error(_result(lambda_handler(event, None))) == (403, "REQUESTER_NOT_ALLOWED")  # type: ignore[arg-type]


def test_an_invalid_base64_body_is_a_400(install) -> None:  # type: ignore[no-untyped-def]
    install()
    event = json.loads((EVENTS / "local_post_chat_dev_token.json").read_text())
    event.update(body="%%%not base64", isBase64Encoded=True)
    assert _error(_result(lambda_handler(event, None))) == (400, "INVALID_BODY")  # type: ignore[arg-type]


def _aws_event() -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / "aws_post_chat_jwt.json").read_text())
    return event


def _rest_api_v1_event() -> dict[str, Any]:
    return {"resource": "/chat", "path": "/chat", "httpMethod": "POST", "headers": {}, "body": "{}",
            "requestContext": {"resourcePath": "/chat", "httpMethod": "POST"}, "isBase64Encoded": False}


def _edited(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    event = _aws_event()
    change(event)
    return event


@pytest.mark.parametrize("event", [
    _rest_api_v1_event(),
    _edited(lambda e: e.pop("requestContext")),
    _edited(lambda e: e.pop("rawPath")),
    _edited(lambda e: e["requestContext"]["http"].update(method=None)),
    _edited(lambda e: e["headers"].update({"x-count": 3})),
    _edited(lambda e: e.update(body={"text": "hi"})),
    _edited(lambda e: e["requestContext"]["authorizer"]["jwt"].update(claims=["sub", "ana"])),
    _edited(lambda e: e.update(queryStringParameters={"user": None})),
    [],
], ids=["rest-v1", "no-context", "no-path", "null-method", "int-header", "object-body", "list-claims",
        "null-query", "not-an-object"])
def test_an_event_api_gateway_never_sends_is_a_400_and_counted(install, event: Any,  # type: ignore[no-untyped-def]
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    app = install(env="aws", api=ApiSettings(identity_claim="custom:user_id"))
    errors: list[str] = []
    monkeypatch.setattr(runtime.current().telemetry, "error", errors.append)
    assert _error(_result(lambda_handler(event, None))) == (400, "UNSUPPORTED_EVENT")  # type: ignore[arg-type]
    assert app.service.calls == [] and errors == ["api"]


def test_a_claim_with_a_control_character_is_not_an_identity(install) -> None:  # type: ignore[no-untyped-def]
    app = install(env="aws", api=ApiSettings(identity_claim="custom:user_id"))
    event = _edited(lambda e: e["requestContext"]["authorizer"]["jwt"]["claims"].update({"custom:user_id": "a\u0000"}))
    assert _error(_result(lambda_handler(event, None))) == (401, "UNAUTHENTICATED")  # type: ignore[arg-type]
    assert app.service.calls == []


def test_a_recorded_status_request_returns_status_and_history(install) -> None:  # type: ignore[no-untyped-def]
    install(env="aws", api=ApiSettings(identity_claim="custom:user_id"))
    event = json.loads((EVENTS / "aws_get_access_request_jwt.json").read_text())
    status, _, body = _result(lambda_handler(event, None))  # type: ignore[arg-type]
    assert status == 200
    assert (body["request_id"], body["status"], body["history"]) == ("R-1000", "DENIED", [])
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/access-requests/R-9"
    assert _error(_result(lambda_handler(event, None))) == (404, "REQUEST_NOT_FOUND")  # type: ignore[arg-type]


def test_an_unavailable_store_is_a_503_with_retry_after(install) -> None:  # type: ignore[no-untyped-def]
    install(error=StoreUnavailableError("cannot connect"))
    response = call("POST", "/chat", {"text": "I need the approver role in Ledgerly"}, user="ana")
    assert _error(response) == (503, "TRY_AGAIN")
    assert int(response[1]["retry-after"]) > 0


def test_health_reports_a_database_that_is_down(install) -> None:  # type: ignore[no-untyped-def]
    install(database_down=True)
    assert _error(call("GET", "/health")) == (503, "TRY_AGAIN")


def test_an_unexpected_failure_is_a_json_500(install) -> None:  # type: ignore[no-untyped-def]
    install(error=ZeroDivisionError("boom"))
    assert _error(call("POST", "/chat", {"text": "hi"}, user="ana")) == (500, "INTERNAL_ERROR")


def test_the_openapi_document_describes_every_route_and_its_errors(install) -> None:  # type: ignore[no-untyped-def]
    install()
    status, headers, document = call("GET", "/openapi.json")
    assert status == 200 and headers["content-type"] == "application/json"
    operations = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert operations == {("POST", "/chat"), ("POST", "/access-requests"), ("GET", "/access-requests/{request_id}"),
                          ("POST", "/access-requests/{request_id}/withdraw"), ("GET", "/health"),
                          ("GET", "/demo/users"), ("GET", "/approvals"),
                          ("POST", "/approvals/{request_id}/decision"), ("GET", "/audit/events"),
                          ("GET", "/audit/export"), ("GET", "/audit/reports")}
    for item in document["paths"].values():
        for operation in item.values():
            for code, response in operation["responses"].items():
                if int(code) >= 400:
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/ErrorResponse"}
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_application_is_built_lazily_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Settings] = []

    def fake_build(settings: Settings, **kwargs: object) -> StubApp:
        built.append(settings)
        return StubApp()

    monkeypatch.setattr(runtime, "build", fake_build)
    monkeypatch.setattr(runtime, "lambda_telemetry", NoTelemetry)  # the real one reconfigures logging
    use_application(None)
    try:
        assert built == []  # importing the handler built nothing
        call("GET", "/demo/users")
        call("GET", "/health")
        assert len(built) == 1
    finally:
        use_application(None)
