"""The HTTP API through the Lambda handler, in-process, on a real PostgreSQL with the rules org."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.api.gateway import HttpRequest, to_event
from bot.api.handler import lambda_handler, use_application
from bot.api.settings import ApiSettings
from tests.fakes.bundles import rules_org

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[1] / "events" / "apigw"
SOD_REQUEST = "I need the approver role in Ledgerly"


@pytest.fixture
def app(app_factory, tmp_path: Path) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    application = app_factory()
    application.import_bundle(rules_org(tmp_path / "org"))
    use_application(application)
    yield application
    use_application(None)


Response = tuple[int, dict[str, str], Any]


def call(method: str, target: str, body: Any = None, *, user: str | None = None, raw: bytes | None = None,
         headers: Sequence[tuple[str, str]] = ()) -> Response:
    sent = [("Host", "127.0.0.1:8080"), *headers]
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    if data:
        sent.append(("Content-Type", "application/json"))
    if user is not None:
        sent.append(("Authorization", f"Bearer dev:{user}"))
    return _result(lambda_handler(to_event(HttpRequest(method, target, tuple(sent), data, "127.0.0.1")), None))  # type: ignore[arg-type]


def _result(result: dict[str, Any]) -> Response:
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return (result["statusCode"], {k.lower(): v for k, v in result["headers"].items()},
            json.loads(body) if body else None)


def _code(response: Response) -> tuple[int, str]:
    status, _, body = response
    assert set(body) == {"error"}, body
    return status, body["error"]["code"]


def _counts(app: Any) -> dict[str, int]:
    with app.database.connection() as conn:
        return {table: int(conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"])
                for table in ("requests", "request_decisions", "audit_log", "outbox", "conversations", "user_roles")}


def test_a_chat_turn_returns_the_recorded_decision(app) -> None:  # type: ignore[no-untyped-def]
    status, _, body = call("POST", "/chat", {"text": SOD_REQUEST}, user="ana")
    assert status == 200
    assert (body["decision"], body["reason"], body["role_id"]) == ("DENIED", "SOD_CONFLICT", "ldg-approver")
    recorded = app.store.get(body["request_id"]).public_dict()
    assert {key: body[key] for key in recorded} == recorded
    with app.database.connection() as conn:
        row = conn.execute("SELECT channel, conversation_id, requester_id FROM requests WHERE request_id = %s",
                           (body["request_id"],)).fetchone()
    assert row == {"channel": "api", "conversation_id": body["conversation_id"], "requester_id": "ana"}


def test_a_clarification_continues_in_the_conversation_kept_on_the_server(app) -> None:  # type: ignore[no-untyped-def]
    _, _, first = call("POST", "/chat", {"text": "Please give Pat Rivera the Editor role in WikiWiki"}, user="boss")
    assert first["decision"] == "NEEDS_CLARIFICATION"
    assert [c["id"] for c in first["clarification"]["candidates"]] == ["pat1", "pat2"]
    conversation = first["conversation_id"]
    _, _, second = call("POST", "/chat", {"text": "2", "conversation_id": conversation}, user="boss")
    assert (second["user_id"], second["role_id"], second["conversation_id"]) == ("pat2", "wiki-editor", conversation)
    assert second["decision"] != "NEEDS_CLARIFICATION"
    with app.database.connection() as conn:
        row = conn.execute("SELECT requester_id, turns, state FROM conversations WHERE conversation_id = %s",
                           (conversation,)).fetchone()
    assert (row["requester_id"], row["turns"]) == ("boss", 2)
    assert row["state"]["asked"] is None  # answered: the next message starts a new request


def test_nobody_continues_someone_elses_conversation(app) -> None:  # type: ignore[no-untyped-def]
    _, _, first = call("POST", "/chat", {"text": "Please give Pat Rivera the Editor role in WikiWiki"}, user="boss")
    before = _counts(app)
    stolen = call("POST", "/chat", {"text": "2", "conversation_id": first["conversation_id"]}, user="rui")
    assert _code(stolen) == (404, "CONVERSATION_NOT_FOUND")
    unknown = call("POST", "/chat", {"text": "2", "conversation_id": "c-" + "0" * 32}, user="boss")
    assert _code(unknown) == (404, "CONVERSATION_NOT_FOUND")
    assert _counts(app) == {**before, "audit_log": before["audit_log"] + 1}  # the attempt, audited


def test_the_identity_comes_from_the_token_never_the_body(app) -> None:  # type: ignore[no-untyped-def]
    before = _counts(app)
    body = {"text": "Give Ana Ferreira the Viewer role in WikiWiki", "user_id": "boss", "requester_id": "boss"}
    assert _code(call("POST", "/chat", body, user="rui")) == (422, "VALIDATION_FAILED")
    assert _counts(app) == before
    _, _, answer = call("POST", "/chat", {"text": body["text"]}, user="rui")
    assert (answer["decision"], answer["reason"]) == ("DENIED", "NOT_AUTHORIZED_FOR_TARGET")
    assert app.store.get(answer["request_id"]).requester_id == "rui"


@pytest.mark.parametrize(("target", "body"), [
    ("/chat", {"text": "I need Viewer in WikiWiki", "conversaton_id": "c-" + "0" * 32}),
    ("/access-requests", {"user_id": "ana", "app_id": "wikiwiki", "role_id": "wiki-viewer", "justification": "x"}),
])
def test_a_body_with_a_field_it_does_not_have_is_refused_and_changes_nothing(  # type: ignore[no-untyped-def]
        app, target: str, body: dict[str, str]) -> None:
    before = _counts(app)
    response = call("POST", target, body, user="ana")
    assert _code(response) == (422, "VALIDATION_FAILED")
    unknown = next(field for field in body if field not in {"text", "user_id", "app_id", "role_id"})
    assert f"{unknown}: is not a field of this body" in response[2]["error"]["message"]
    assert _counts(app) == before
    # A field name is the client's text: a long one is shown in part.
    long_name = call("POST", target, {**body, "x" * 5000: "y"}, user="ana")
    assert _code(long_name) == (422, "VALIDATION_FAILED") and len(long_name[2]["error"]["message"]) < 400


def test_a_recorded_aws_event_with_jwt_claims_is_decided_for_the_claimed_user(app_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    application = app_factory(env="aws", migrate_on_start=True)
    application.import_bundle(rules_org(tmp_path / "org"))
    use_application(application, ApiSettings(identity_claim="custom:user_id"))
    try:
        event = json.loads((EVENTS / "aws_post_chat_jwt.json").read_text())
        status, _, body = _result(lambda_handler(event, None))  # type: ignore[arg-type]
        assert status == 200
        assert (body["decision"], body["reason"], body["user_id"]) == ("DENIED", "SOD_CONFLICT", "ana")
        assert application.store.get(body["request_id"]).requester_id == "ana"  # not the body's "boss"
        dev = call("POST", "/chat", {"text": SOD_REQUEST}, user="ana")
        assert _code(dev) == (401, "DEV_TOKEN_REJECTED")
        assert _code(call("GET", "/demo/users")) == (404, "NOT_FOUND")
    finally:
        use_application(None)


def test_a_structured_request_is_decided_by_the_same_rules_as_the_chat(app) -> None:  # type: ignore[no-untyped-def]
    status, headers, body = call("POST", "/access-requests",
                                 {"user_id": "ana", "app_id": "ledgerly", "role_id": "ldg-approver"}, user="ana")
    assert status == 201 and headers["content-type"] == "application/json"
    assert (body["decision"], body["reason"], body["user_id"]) == ("DENIED", "SOD_CONFLICT", "ana")
    _, _, chat = call("POST", "/chat", {"text": SOD_REQUEST}, user="ana")
    assert [c["name"] for c in body["checks"] if not c["passed"]] == [c["name"] for c in chat["checks"]
                                                                      if not c["passed"]]


def test_a_structured_request_with_an_end_day_is_asked_until_then(app) -> None:  # type: ignore[no-untyped-def]
    day = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    status, _, body = call("POST", "/access-requests", {"user_id": "tess", "app_id": "ledgerly",
                                                        "role_id": "ldg-viewer", "access_until": day}, user="tess")
    assert status == 201 and body["access_until"] == f"{day}T23:59:59Z"
    assert f"until the end of {day} (UTC)" in body["message"]
    before = _request_count(app)
    status, _, error = call("POST", "/access-requests", {"user_id": "tess", "app_id": "ledgerly",
                                                         "role_id": "ldg-viewer", "access_until": "2020-01-01"},
                            user="tess")
    assert (status, error["error"]["code"]) == (400, "INVALID_REQUEST")
    assert "has already passed" in error["error"]["message"]
    assert _request_count(app) == before


def _request_count(app) -> int:  # type: ignore[no-untyped-def]
    with app.database.connection() as conn:
        row = conn.execute("SELECT count(*) AS n FROM requests").fetchone()
    return int(row["n"])


def test_a_structured_request_for_a_namesake_resolves_by_id(app) -> None:  # type: ignore[no-untyped-def]
    _, _, body = call("POST", "/access-requests", {"user_id": "pat2", "app_id": "wikiwiki",
                                                   "role_id": "wiki-editor"}, user="boss")
    assert (body["user_id"], body["app_id"], body["role_id"]) == ("pat2", "wikiwiki", "wiki-editor")
    assert body["decision"] in {"APPROVED", "PENDING_APPROVAL"}


def test_a_structured_request_for_someone_one_may_not_ask_for_is_denied(app) -> None:  # type: ignore[no-untyped-def]
    _, _, body = call("POST", "/access-requests", {"user_id": "ana", "app_id": "wikiwiki",
                                                   "role_id": "wiki-viewer"}, user="rui")
    assert (body["decision"], body["reason"]) == ("DENIED", "NOT_AUTHORIZED_FOR_TARGET")


@pytest.mark.parametrize(("role_id", "role_name"), [
    ("ldg-poster", "Journal Poster"), ("ldg-approver", "Journal Approver"), ("ldg-viewer", "Viewer"),
    ("ldg-closer", "Period Closer")])
def test_a_refused_request_tells_nothing_about_the_person_asked_for(app, role_id: str, role_name: str) -> None:  # type: ignore[no-untyped-def]
    """Ana holds Poster (which clashes with Approver), lacks the Viewer that Closer needs, and eleven of her peers
    hold Viewer: none of that reaches Rui, who may not ask for her, whether answered, read back or explained."""
    _, _, body = call("POST", "/access-requests", {"user_id": "ana", "app_id": "ledgerly", "role_id": role_id},
                      user="rui")
    assert (body["decision"], body["reason"]) == ("DENIED", "NOT_AUTHORIZED_FOR_TARGET")
    assert [(c["name"], c["passed"]) for c in body["checks"]] == [("AUTHORIZED_FOR_TARGET", False)]
    assert body["confidence"] is None
    assert {e["kind"] for e in body["evidence"]} <= {"policy"}
    _, _, read_back = call("GET", f"/access-requests/{body['request_id']}", user="rui")
    chat = call("POST", "/chat", {"text": f"Give Ana Ferreira {role_name} in Ledgerly"}, user="rui")[2]
    why = call("POST", "/chat", {"text": "why?", "conversation_id": chat["conversation_id"]}, user="rui")[2]
    assert chat["reason"] == "NOT_AUTHORIZED_FOR_TARGET"
    for answer in (body, read_back, chat, why):
        told = json.dumps(answer).lower()
        for secret in ("ana is active", "ana ferreira is active", "already holds", "does not hold", "conflicts with",
                       "requires",
                       "prerequisites", "clearance", "eligible", "accountant", "peers", "similar"):
            assert secret not in told, (secret, answer)
    # The audit record keeps what was decided on: the refusal.
    with app.database.connection() as conn:
        row = conn.execute("SELECT payload FROM audit_log WHERE request_id = %s", (body["request_id"],)).fetchone()
    assert [c["name"] for c in json.loads(row["payload"])["details"]["checks"]] == ["AUTHORIZED_FOR_TARGET"]


def test_an_open_request_asked_again_is_the_same_request(app) -> None:  # type: ignore[no-untyped-def]
    ids = {"user_id": "ana", "app_id": "wikiwiki", "role_id": "wiki-editor"}
    _, _, first = call("POST", "/access-requests", ids, user="ana")
    assert first["decision"] == "PENDING_APPROVAL" and first["repeated"] is False
    _, _, again = call("POST", "/access-requests", ids, user="ana")
    assert (again["request_id"], again["repeated"]) == (first["request_id"], True)


def test_a_retry_with_the_same_idempotency_key_is_answered_once(app) -> None:  # type: ignore[no-untyped-def]
    key = [("Idempotency-Key", "web-retry-0001")]
    _, _, first = call("POST", "/chat", {"text": "I need viewer access"}, user="ana", headers=key)
    conversation = first["conversation_id"]
    before = _counts(app)
    _, _, again = call("POST", "/chat", {"text": "I need viewer access", "conversation_id": conversation},
                       user="ana", headers=key)
    assert (again["request_id"], again["repeated"], again["decision"]) == (first["request_id"], True,
                                                                          "NEEDS_CLARIFICATION")
    assert _counts(app) == {**before, "conversations": before["conversations"]}
    # The question is still open in the conversation: the answer to it completes the request.
    _, _, answer = call("POST", "/chat", {"text": "2", "conversation_id": conversation}, user="ana")
    assert (answer["app_id"], answer["role_id"]) == ("wikiwiki", "wiki-viewer")


def test_a_structured_retry_is_one_request(app) -> None:  # type: ignore[no-untyped-def]
    ids = {"user_id": "ana", "app_id": "ledgerly", "role_id": "ldg-viewer"}
    key = [("Idempotency-Key", "structured-0001")]
    _, _, first = call("POST", "/access-requests", ids, user="ana", headers=key)
    before = _counts(app)
    _, _, again = call("POST", "/access-requests", ids, user="ana", headers=key)
    assert (again["request_id"], again["decision"], again["repeated"]) == (first["request_id"], first["decision"],
                                                                          True)
    assert _counts(app) == before


def test_an_idempotency_key_reused_for_another_request_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    key = [("Idempotency-Key", "reused-key-0001")]
    _, _, first = call("POST", "/chat", {"text": "I need Editor in WikiWiki"}, user="ana", headers=key)
    before = _counts(app)
    status, _, body = call("POST", "/chat", {"text": "I need the Viewer role in Ledgerly"}, user="ana", headers=key)
    assert (status, body["error"]["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert first["request_id"] in body["error"]["message"]
    ids = {"user_id": "ana", "app_id": "ledgerly", "role_id": "ldg-viewer"}
    status, _, body = call("POST", "/access-requests", ids, user="ana", headers=key)
    assert (status, body["error"]["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert _counts(app) == before
    # The same key from someone else is theirs: it names nothing of ana's.
    assert call("POST", "/chat", {"text": "I need Editor in WikiWiki"}, user="rui", headers=key)[0] == 200


def test_too_many_requests_are_a_429_to_retry_later(app_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    application = app_factory(rate_limit_per_minute=2)
    application.import_bundle(rules_org(tmp_path / "org"))
    use_application(application)
    try:
        # What the person did on this machine's own command line does not count against the remote limit.
        for _ in range(3):
            application.service.handle("ana", SOD_REQUEST, channel="cli")
        for _ in range(2):
            assert call("POST", "/chat", {"text": SOD_REQUEST}, user="ana")[0] == 200
        status, headers, body = call("POST", "/chat", {"text": SOD_REQUEST}, user="ana")
        assert (status, body["error"]["code"], headers["retry-after"]) == (429, "RATE_LIMITED", "60")
    finally:
        use_application(None)


@pytest.mark.parametrize(("ids", "code"), [
    ({"user_id": "ana", "app_id": "starship", "role_id": "wiki-viewer"}, "UNKNOWN_APPLICATION"),
    ({"user_id": "ana", "app_id": "wikiwiki", "role_id": "warp-drive"}, "UNKNOWN_ROLE"),
    ({"user_id": "ana", "app_id": "wikiwiki", "role_id": "ldg-viewer"}, "UNKNOWN_ROLE"),
    ({"user_id": "nobody", "app_id": "wikiwiki", "role_id": "wiki-viewer"}, "UNKNOWN_USER"),
])
def test_unknown_ids_are_a_422_that_records_nothing(app, ids: dict[str, str], code: str) -> None:  # type: ignore[no-untyped-def]
    before = _counts(app)
    assert _code(call("POST", "/access-requests", ids, user="boss")) == (422, code)
    assert _counts(app) == before


def test_ids_are_read_in_any_case_as_the_catalog_has_them(app) -> None:  # type: ignore[no-untyped-def]
    status, _, body = call("POST", "/access-requests", {"user_id": "ana", "app_id": "WIKIWIKI",
                                                        "role_id": "Wiki-Editor"}, user="ana")
    assert status == 201, body
    assert (body["app_id"], body["role_id"], body["user_id"]) == ("wikiwiki", "wiki-editor", "ana")
    before = _counts(app)
    assert _code(call("POST", "/access-requests", {"user_id": "ana", "app_id": "STARSHIP", "role_id": "WIKI-EDITOR"},
                      user="ana")) == (422, "UNKNOWN_APPLICATION")
    assert _code(call("POST", "/access-requests", {"user_id": "ana", "app_id": "WikiWiki", "role_id": "LDG-VIEWER"},
                      user="ana")) == (422, "UNKNOWN_ROLE")
    assert _counts(app) == before


def test_a_request_shows_its_status_checks_evidence_and_history(app) -> None:  # type: ignore[no-untyped-def]
    _, _, created = call("POST", "/chat", {"text": "Please give Ana Ferreira the Viewer role in WikiWiki"},
                         user="boss")
    request_id = created["request_id"]
    for viewer in ("boss", "ana"):
        status, _, body = call("GET", f"/access-requests/{request_id}", user=viewer)
        assert status == 200
        assert (body["status"], body["requester_id"], body["user_id"]) == (created["decision"], "boss", "ana")
        assert body["checks"] == created["checks"] and body["evidence"] == created["evidence"]
        assert [(h["decision"], h["decided_by"]) for h in body["history"]] == [(created["decision"], "askiam")]
    assert _code(call("GET", f"/access-requests/{request_id}", user="rui")) == (404, "REQUEST_NOT_FOUND")
    assert _code(call("GET", "/access-requests/R-999999", user="boss")) == (404, "REQUEST_NOT_FOUND")


def test_bad_requests_change_nothing(app) -> None:  # type: ignore[no-untyped-def]
    before = _counts(app)
    answers = [
        call("POST", "/chat", raw=b'{"text": "I need', user="ana"),
        call("POST", "/chat", {"text": SOD_REQUEST + " " + "x" * 17_000}, user="ana"),
        call("POST", "/chat", {"text": ["I need", "Ledgerly"]}, user="ana"),
        call("POST", "/chat", {"conversation_id": None}, user="ana"),
        call("POST", "/access-requests", {"user_id": 7, "app_id": "ledgerly", "role_id": "ldg-approver"}, user="ana"),
        call("POST", "/chat", {"text": SOD_REQUEST}),
        call("POST", "/chat", {"text": SOD_REQUEST}, headers=[("Authorization", "Basic YW5hOmFuYQ==")]),
        call("GET", "/chat", user="ana"),
        call("DELETE", "/access-requests/R-1000", user="ana"),
        call("POST", "/admin/approve-everything", {"text": SOD_REQUEST}, user="ana"),
    ]
    assert [status for status, _, _ in answers] == [400, 413, 422, 422, 422, 401, 401, 405, 405, 404]
    assert all(set(body) == {"error"} for _, _, body in answers)
    assert _counts(app) == before


def test_an_unknown_requester_is_refused_and_the_refusal_audited(app) -> None:  # type: ignore[no-untyped-def]
    before = _counts(app)
    assert _code(call("POST", "/chat", {"text": SOD_REQUEST}, user="mallory")) == (403, "REQUESTER_NOT_ALLOWED")
    assert _code(call("POST", "/chat", {"text": SOD_REQUEST}, user="gone")) == (403, "REQUESTER_NOT_ALLOWED")
    after = _counts(app)
    assert after["audit_log"] == before["audit_log"] + 2
    assert {key: value for key, value in after.items() if key != "audit_log"} == \
        {key: value for key, value in before.items() if key != "audit_log"}


def test_demo_users_are_active_people_with_their_titles(app) -> None:  # type: ignore[no-untyped-def]
    status, _, body = call("GET", "/demo/users")
    assert status == 200
    users = {user["user_id"]: user for user in body["users"]}
    assert 3 <= len(users) <= 15
    assert users["ana"]["title"] == "Accountant" and users["boss"]["title"] == "Director"
    assert "gone" not in users


def test_health_checks_the_database(app) -> None:  # type: ignore[no-untyped-def]
    assert call("GET", "/health") == (200, {"content-type": "application/json"}, {"status": "ok", "database": "ok"})


def test_an_unreachable_database_is_a_503_to_retry(tmp_path: Path) -> None:
    from bot.bootstrap import build
    from bot.settings import Settings

    # Nothing listens on port 1 of the loopback: the connection is refused at once.
    down = build(Settings(home=tmp_path, database_url="postgresql://askiam@127.0.0.1:1/askiam?connect_timeout=2"))
    use_application(down)
    try:
        status, headers, body = call("POST", "/chat", {"text": SOD_REQUEST}, user="ana")
        assert (status, body["error"]["code"]) == (503, "TRY_AGAIN") and int(headers["retry-after"]) > 0
        assert _code(call("GET", "/health")) == (503, "TRY_AGAIN")
    finally:
        use_application(None)
        down.close()


def test_a_value_of_the_wrong_form_is_explained_in_words_not_as_an_expression(app) -> None:  # type: ignore[no-untyped-def]
    cases = [
        (call("POST", "/chat", {"text": "hello", "conversation_id": "bogus"}, user="ana"), "conversation id"),
        (call("GET", "/access-requests/R%20x", user="ana"), "must be an id"),
        (call("POST", "/chat", {"text": "I need Viewer in WikiWiki"}, user="ana", headers=[("Idempotency-Key", "k1")]),
         "8 to 100 characters"),
    ]
    for (status, _, body), words in cases:
        assert status == 422 and body["error"]["code"] == "VALIDATION_FAILED", body
        assert words in body["error"]["message"] and "pattern" not in body["error"]["message"], body


def test_withdrawing_a_pending_request_over_http(app) -> None:  # type: ignore[no-untyped-def]
    _, _, filed = call("POST", "/access-requests", {"user_id": "tess", "app_id": "ledgerly", "role_id": "ldg-viewer"},
                       user="tess")
    assert filed["decision"] == "PENDING_APPROVAL", filed
    request_id = filed["request_id"]
    before = _counts(app)
    # Someone it is not about: 404, as for a request that does not exist; nothing changes.
    assert _code(call("POST", f"/access-requests/{request_id}/withdraw", user="rui")) == (404, "REQUEST_NOT_FOUND")
    assert _code(call("POST", "/access-requests/R-999999/withdraw", user="tess")) == (404, "REQUEST_NOT_FOUND")
    before = {**before, "audit_log": before["audit_log"] + 1}  # rui's attempt, audited
    assert _counts(app) == before
    # A body, optional, is read as any other: malformed or with a field it does not have, nothing is withdrawn.
    assert _code(call("POST", f"/access-requests/{request_id}/withdraw", raw=b"garbage{", user="tess")) == (
        400, "INVALID_JSON")
    assert _code(call("POST", f"/access-requests/{request_id}/withdraw", {"confirm": True}, user="tess")) == (
        422, "VALIDATION_FAILED")
    assert _counts(app) == before
    status, _, body = call("POST", f"/access-requests/{request_id.lower()}/withdraw",
                           {"comment": "no longer needed"}, user="tess")
    assert status == 200 and (body["request_id"], body["status"], body["reason"]) == (request_id, "DENIED",
                                                                                      "WITHDRAWN")
    assert [(entry["decision"], entry["reason"], entry["decided_by"], entry["comment"])
            for entry in body["history"]][-1] == ("DENIED", "WITHDRAWN", "tess", "no longer needed")
    # A retry (the first answer lost) answers the same; the request stays as it is.
    again_status, _, again = call("POST", f"/access-requests/{request_id}/withdraw", user="tess")
    assert (again_status, again["status"], again["reason"], len(again["history"])) == (
        200, "DENIED", "WITHDRAWN", len(body["history"]))
    assert _code(call("POST", f"/approvals/{request_id}/decision", {"action": "approve"}, user="boss")) == (
        409, "ALREADY_DECIDED")
    _, _, approved = call("POST", "/access-requests", {"user_id": "tess", "app_id": "wikiwiki",
                                                       "role_id": "wiki-editor"}, user="tess")
    call("POST", f"/approvals/{approved['request_id']}/decision", {"action": "approve"}, user="boss")
    assert _code(call("POST", f"/access-requests/{approved['request_id']}/withdraw", user="tess")) == (
        409, "NOT_PENDING")


def test_a_development_sign_in_in_another_case_is_the_directorys_person(app) -> None:  # type: ignore[no-untyped-def]
    status, _, body = call("POST", "/chat", {"text": "I need the approver role in Ledgerly"}, user="ANA")
    assert status == 200 and (body["user_id"], body["reason"]) == ("ana", "SOD_CONFLICT"), body
    assert _code(call("POST", "/chat", {"text": "I need Editor in WikiWiki"}, user="NOBODY")) == (
        403, "REQUESTER_NOT_ALLOWED")


def test_a_request_read_after_its_approval_failed_the_checks_says_so_at_the_top(  # type: ignore[no-untyped-def]
        app, fresh_database_url: str) -> None:
    _, _, filed = call("POST", "/chat", {"text": "I need the Journal Approver role in Ledgerly"}, user="rui")
    assert filed["decision"] == "PENDING_APPROVAL" and all(check["passed"] for check in filed["checks"])
    import psycopg

    with psycopg.connect(fresh_database_url, autocommit=True) as conn:  # the other half of the pair, meanwhile
        conn.execute("INSERT INTO user_roles (user_id, role_id) VALUES ('rui', 'ldg-poster')")
    status, _, decided = call("POST", f"/approvals/{filed['request_id']}/decision",
                              {"action": "approve", "comment": "ok"}, user="boss")
    assert (status, decided["status"], decided["reason"]) == (200, "DENIED", "SOD_CONFLICT")
    for viewer in ("rui", "boss"):
        _, _, body = call("GET", f"/access-requests/{filed['request_id']}", user=viewer)
        assert (body["status"], body["reason"]) == ("DENIED", "SOD_CONFLICT")
        # The top level is the outcome now: the chat's status answer, and the checks as run at approval; the
        # approver reads it about Rui, without what Rui was told at filing.
        decider, said = ("Quinn Marlowe", filed["message"]) if viewer == "rui" else ("you", "")
        assert f"Denied on {datetime.now(UTC):%Y-%m-%d}: {decider} approved it (\"ok\"), but when approved it " \
            "failed the checks: " in body["message"] and body["message"].endswith(said)
        sod = {check["name"]: check for check in body["checks"]}["NO_SOD_CONFLICT"]
        assert not sod["passed"] and "Journal Poster" in sod["detail"]
        # What was said and checked at filing stays, under its own names.
        assert body["filed_message"] == filed["message"] and body["checks_at_filing"] == filed["checks"]


def test_an_approver_reads_a_request_about_the_person_it_is_for(app) -> None:  # type: ignore[no-untyped-def]
    request_id = _pending_for("tess", "ldg-viewer")
    _, _, asked = call("GET", f"/access-requests/{request_id}", user="tess")
    assert "for you" in asked["message"]
    _, _, waiting = call("GET", f"/access-requests/{request_id}", user="boss")  # tess's manager, an approver
    assert waiting["message"] == (
        f"Request {request_id} (Viewer in Ledgerly for Tess Okoro) is waiting for approval, and you are one of its "
        f"approvers: decide it in the console (/console) or with `askiam approvals decide {request_id} approve|deny`.")
    call("POST", f"/approvals/{request_id}/decision", {"action": "deny", "comment": "use the report"}, user="boss")
    day = f"{datetime.now(UTC):%Y-%m-%d}"
    for reader, decider in (("boss", "you"), ("own", "Quinn Marlowe")):  # the owner, the other approver
        _, _, body = call("GET", f"/access-requests/{request_id}", user=reader)
        assert body["message"] == (f"Request {request_id} (Viewer in Ledgerly for Tess Okoro): Denied by {decider} "
                                   f"on {day}: \"use the report\".")
        assert body["filed_message"] == asked["message"]  # what tess was told stays, under its own name


def _pending_for(user: str, role_id: str) -> str:
    _, _, filed = call("POST", "/access-requests", {"user_id": user, "app_id": "ledgerly", "role_id": role_id},
                       user=user)
    assert filed["decision"] == "PENDING_APPROVAL", filed
    return str(filed["request_id"])


def test_a_request_nothing_happened_to_since_reads_as_filed(app) -> None:  # type: ignore[no-untyped-def]
    _, _, filed = call("POST", "/chat", {"text": "I need the Journal Approver role in Ledgerly"}, user="rui")
    _, _, body = call("GET", f"/access-requests/{filed['request_id']}", user="rui")
    assert body["message"] == body["filed_message"] == filed["message"]
    assert body["checks"] == body["checks_at_filing"] == filed["checks"]
    call("POST", f"/access-requests/{filed['request_id']}/withdraw", {"comment": "not needed"}, user="rui")
    _, _, withdrawn = call("GET", f"/access-requests/{filed['request_id']}", user="rui")
    assert withdrawn["message"].startswith("Withdrawn by you on ") and withdrawn["checks"] == filed["checks"]
