"""The console's routes through the Lambda handler, in-process, on a real PostgreSQL: the approver's queue and
decisions, and the auditors' search, export and reports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.api.console import AUDITOR_ROLE_ID
from bot.api.handler import use_application
from tests.fakes.console_org import AUDITOR, console_org
from tests.integration.test_api_routes import call

pytestmark = pytest.mark.integration

ADMIN_REQUEST = "I need the Administrator role in Ledgerly"  # privileged: pending, decided by the owner 'own'
EDITOR_REQUEST = "I need the Editor role in WikiWiki"  # pending for the owner and the manager 'boss'


@pytest.fixture
def app(app_factory, tmp_path: Path) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    application = app_factory()
    application.import_bundle(console_org(tmp_path / "org"))
    use_application(application)
    yield application
    use_application(None)


def _ask(text: str, user: str = "ana") -> dict[str, Any]:
    status, _, body = call("POST", "/chat", {"text": text}, user=user)
    assert status == 200, body
    return body  # type: ignore[no-any-return]


def _pending(text: str, user: str = "ana") -> str:
    body = _ask(text, user)
    assert body["decision"] == "PENDING_APPROVAL", body
    return str(body["request_id"])


def _grant(app: Any, user_id: str, role_id: str) -> dict[str, Any] | None:
    with app.database.connection() as conn:
        return conn.execute("SELECT status, source FROM user_roles WHERE user_id = %s AND role_id = %s",
                            (user_id, role_id)).fetchone()  # type: ignore[no-any-return]


def test_the_queue_lists_what_the_caller_may_decide_with_checks_and_evidence(app) -> None:  # type: ignore[no-untyped-def]
    request_id = _pending(ADMIN_REQUEST)

    status, _, body = call("GET", "/approvals", user="own")

    assert status == 200
    assert body["approver_id"] == "own"
    [item] = [item for item in body["items"] if item["request_id"] == request_id]
    assert (item["user_id"], item["role_id"], item["reason"]) == ("ana", "ldg-admin", "PRIVILEGED_ROLE")
    assert (item["user_name"], item["requester_name"], item["app_name"], item["role_name"]) == (
        "Ana Ferreira", "Ana Ferreira", "Ledgerly", "Administrator")
    assert item["capacity"] == "application owner"
    assert item["text"] == ADMIN_REQUEST  # the words the requester typed, beside the answer they were given
    assert item["expiring_soon"] is False and item["expires_at"] > item["created_at"]
    assert {check["name"] for check in item["checks"]} >= {"NO_SOD_CONFLICT", "ELIGIBLE"}
    assert all(check["passed"] for check in item["checks"])
    assert isinstance(item["evidence"], list)
    # A privileged role goes to the owner only: the manager's queue does not have it, nor the requester's.
    assert request_id not in [i["request_id"] for i in call("GET", "/approvals", user="boss")[2]["items"]]
    assert call("GET", "/approvals", user="ana")[2]["items"] == []


def test_approving_grants_the_role_and_a_second_decision_is_a_conflict(app) -> None:  # type: ignore[no-untyped-def]
    request_id = _pending(ADMIN_REQUEST)

    status, _, body = call("POST", f"/approvals/{request_id}/decision", {"action": "approve", "comment": "ok"},
                           user="own")

    assert status == 200, body
    assert (body["status"], body["reason"], body["granted"]) == ("APPROVED", "APPROVED_BY_APPROVER", True)
    assert _grant(app, "ana", "ldg-admin") == {"status": "active", "source": f"request:{request_id}"}
    assert call("GET", "/approvals", user="own")[2]["items"] == []
    # The requester sees the decision, with the approver and comment, in the request's history.
    _, _, seen = call("GET", f"/access-requests/{request_id}", user="ana")
    assert seen["status"] == "APPROVED"
    assert (seen["history"][-1]["decided_by"], seen["history"][-1]["comment"]) == ("own", "ok")

    again = call("POST", f"/approvals/{request_id}/decision", {"action": "deny"}, user="own")
    assert (again[0], again[2]["error"]["code"]) == (409, "ALREADY_DECIDED")
    # Why it is closed: by whom, when, with what comment.
    said = again[2]["error"]["message"]
    assert said.startswith(f"{request_id} was already approved by Olu Bankole (own) on ") and said.endswith(
        ' UTC: "ok"; it is not pending, so nothing was changed'), said
    # How it was decided is not told to someone who was never its approver.
    colleague = call("POST", f"/approvals/{request_id}/decision", {"action": "deny"}, user="rui")
    assert (colleague[0], colleague[2]["error"]["code"]) == (404, "NOT_FOUND")


def test_denying_records_the_comment_and_grants_nothing(app) -> None:  # type: ignore[no-untyped-def]
    request_id = _pending(EDITOR_REQUEST)

    status, _, body = call("POST", f"/approvals/{request_id}/decision",
                           {"action": "deny", "comment": "not for this team"}, user="boss")

    assert status == 200, body
    assert (body["status"], body["reason"], body["granted"]) == ("DENIED", "DENIED_BY_APPROVER", False)
    assert _grant(app, "ana", "wiki-editor") is None
    with app.database.connection() as conn:
        row = conn.execute("SELECT decided_by, comment FROM request_decisions WHERE request_id = %s "
                           "ORDER BY decided_at DESC LIMIT 1", (request_id,)).fetchone()
    assert row == {"decided_by": "boss", "comment": "not for this team"}


def test_someone_who_may_not_decide_is_refused_and_nothing_changes(app) -> None:  # type: ignore[no-untyped-def]
    request_id = _pending(ADMIN_REQUEST)

    missing = call("POST", "/approvals/R-999999/decision", {"action": "approve"}, user="rui")
    for user in ("rui", "boss"):  # a colleague, the manager of a privileged request: as if it did not exist
        status, _, body = call("POST", f"/approvals/{request_id}/decision", {"action": "approve"}, user=user)
        assert (status, body["error"]["code"]) == (404, "NOT_FOUND"), user
        assert body["error"]["message"] == missing[2]["error"]["message"].replace("R-999999", request_id)
    status, _, body = call("POST", f"/approvals/{request_id}/decision", {"action": "approve"}, user="ana")
    assert (status, body["error"]["code"]) == (403, "NOT_AN_APPROVER")  # the requester knows of it already
    assert _grant(app, "ana", "ldg-admin") is None
    assert call("GET", f"/access-requests/{request_id}", user="ana")[2]["status"] == "PENDING_APPROVAL"


def test_decision_errors_unknown_request_bad_action_no_identity(app) -> None:  # type: ignore[no-untyped-def]
    missing = call("POST", "/approvals/r-nope/decision", {"action": "approve"}, user="own")
    assert (missing[0], missing[2]["error"]["code"]) == (404, "NOT_FOUND")
    bad = call("POST", "/approvals/r-nope/decision", {"action": "maybe"}, user="own")
    assert (bad[0], bad[2]["error"]["code"]) == (422, "VALIDATION_FAILED")
    anonymous = call("POST", "/approvals/r-nope/decision", {"action": "approve"})
    assert anonymous[0] == 401
    assert call("GET", "/approvals")[0] == 401


def test_an_approver_may_read_the_request_and_others_may_not(app) -> None:  # type: ignore[no-untyped-def]
    request_id = _pending(EDITOR_REQUEST)

    for approver in ("own", "boss"):
        status, _, body = call("GET", f"/access-requests/{request_id}", user=approver)
        assert (status, body["request_id"], body["status"]) == (200, request_id, "PENDING_APPROVAL"), approver
    status, _, body = call("GET", f"/access-requests/{request_id}", user="rui")
    assert (status, body["error"]["code"]) == (404, "REQUEST_NOT_FOUND")


@pytest.mark.parametrize("target", ["/audit/events", "/audit/export?format=csv", "/audit/reports"])
def test_the_audit_routes_are_for_auditors_only(app, target: str) -> None:  # type: ignore[no-untyped-def]
    for user in ("ana", "boss", "own"):
        status, _, body = call("GET", target, user=user)
        assert (status, body["error"]["code"]) == (403, "NOT_AN_AUDITOR"), user
        assert AUDITOR_ROLE_ID in body["error"]["message"]
    assert call("GET", target)[0] == 401


def test_an_auditor_finds_the_decision_records_and_pages_through_them(app) -> None:  # type: ignore[no-untyped-def]
    denied = _ask("I need the approver role in Ledgerly")  # SoD
    request_id = _pending(ADMIN_REQUEST)
    call("POST", f"/approvals/{request_id}/decision", {"action": "approve", "comment": "ok"}, user="own")

    status, _, page = call("GET", "/audit/events?user=ana&reason=sod_conflict", user=AUDITOR)
    assert status == 200
    assert [(r["request_id"], r["decision"]) for r in page["records"]] == [(denied["request_id"], "DENIED")]
    assert page["next_cursor"] is None

    _, _, approved = call("GET", "/audit/events?approver=own", user=AUDITOR)
    assert [(r["request_id"], r["decision"], r["approver"]) for r in approved["records"]] == [
        (request_id, "APPROVED", "own")]
    # By name, or an id in another case: the same records; a name several roles have is a 422 naming them.
    by_name = call("GET", "/audit/events?user=Ana%20Ferreira&reason=sod_conflict&app=LEDGERLY", user=AUDITOR)[2]
    assert [r["request_id"] for r in by_name["records"]] == [denied["request_id"]]
    status, _, several = call("GET", "/audit/events?role=Viewer", user=AUDITOR)
    assert status == 422 and "give the id" in several["error"]["message"], several
    status, _, unknown = call("GET", "/audit/events?app=Nope", user=AUDITOR)
    assert (status, unknown["error"]["code"]) == (422, "VALIDATION_FAILED")
    assert "app 'Nope': no application by that id, name or alias is known" in unknown["error"]["message"]
    assert call("GET", "/audit/export?format=jsonl&user=Rivera", user=AUDITOR)[0] == 422  # Pat and Pat

    first = call("GET", "/audit/events?requester=ana&limit=1", user=AUDITOR)[2]
    assert len(first["records"]) == 1 and first["next_cursor"]
    second = call("GET", f"/audit/events?requester=ana&limit=1&cursor={first['next_cursor']}", user=AUDITOR)[2]
    assert second["records"][0]["seq"] < first["records"][0]["seq"]

    one = call("GET", f"/audit/events?request={request_id}", user=AUDITOR)[2]["records"]
    assert {r["request_id"] for r in one} == {request_id} and len(one) == 2  # asked, then approved
    decided = call("GET", f"/audit/events?request={request_id}&event=access_request.approved", user=AUDITOR)[2]
    assert [r["approver"] for r in decided["records"]] == ["own"]


def test_audit_query_errors_are_the_callers(app) -> None:  # type: ignore[no-untyped-def]
    cursor = call("GET", "/audit/events?cursor=bogus", user=AUDITOR)
    assert (cursor[0], cursor[2]["error"]["code"]) == (400, "INVALID_CURSOR")
    order = call("GET", "/audit/events?since=2026-02-01&until=2026-01-01", user=AUDITOR)
    assert (order[0], order[2]["error"]["code"]) == (422, "VALIDATION_FAILED")
    assert "until is before since" in order[2]["error"]["message"]
    ahead = call("GET", "/audit/reports?since=2999-01-01", user=AUDITOR)
    assert (ahead[0], ahead[2]["error"]["code"]) == (422, "VALIDATION_FAILED")
    assert "since is in the future" in ahead[2]["error"]["message"]
    limit = call("GET", "/audit/events?limit=0", user=AUDITOR)
    assert limit[0] == 422
    fmt = call("GET", "/audit/export?format=xml", user=AUDITOR)
    assert fmt[0] == 422
    for target in ("/audit/events?user=%00", "/audit/events?reason=a%01b", "/audit/export?format=jsonl&user=%00",
                   "/audit/events?cursor=%00"):  # control characters: no filter can match them
        status, _, body = call("GET", target, user=AUDITOR)
        assert (status, body["error"]["code"]) == (422, "VALIDATION_FAILED"), target
    for target in ("/audit/events?request_id=R-1000", "/audit/export?format=jsonl&foo=bar",
                   "/audit/reports?x=1"):  # an unknown filter must not widen the search silently
        status, _, body = call("GET", target, user=AUDITOR)
        assert (status, body["error"]["code"]) == (422, "VALIDATION_FAILED"), target
        assert "unknown query parameter" in body["error"]["message"]
    typo = call("GET", "/audit/events?decision=aproved", user=AUDITOR)  # a typo is an error, not an empty page
    assert (typo[0], typo[2]["error"]["code"]) == (422, "VALIDATION_FAILED")
    assert "unknown decision 'APROVED'" in typo[2]["error"]["message"]
    epoch = call("GET", "/audit/events?since=253402300800", user=AUDITOR)  # not read as a count of seconds
    assert (epoch[0], epoch[2]["error"]["code"]) == (422, "VALIDATION_FAILED")
    assert "not a time" in epoch[2]["error"]["message"]


def test_audit_times_are_read_as_on_the_command_line(app) -> None:  # type: ignore[no-untyped-def]
    _ask("I need the approver role in Ledgerly")
    everything = call("GET", "/audit/events?limit=200", user=AUDITOR)[2]["records"]
    assert everything
    for since in ("7d", "24h", "1w"):  # every record was written a moment ago
        status, _, page = call("GET", f"/audit/events?since={since}&limit=200", user=AUDITOR)
        assert status == 200 and page["records"] == everything, since
    for until in ("yesterday", "2000-01-01"):
        status, _, page = call("GET", f"/audit/events?until={until}", user=AUDITOR)
        assert (status, page["records"]) == (200, []), until
    assert call("GET", "/audit/reports?since=7d", user=AUDITOR)[0] == 200


def _raw(target: str, user: str) -> tuple[int, dict[str, str], str]:
    from bot.api.gateway import HttpRequest, to_event
    from bot.api.handler import lambda_handler

    headers = (("Host", "127.0.0.1:8080"), ("Authorization", f"Bearer dev:{user}"))
    result = lambda_handler(to_event(HttpRequest("GET", target, headers, b"", "127.0.0.1")), None)  # type: ignore[arg-type]
    return result["statusCode"], {k.lower(): v for k, v in result["headers"].items()}, result["body"]


def test_the_export_is_csv_or_json_lines_with_the_same_filters(app) -> None:  # type: ignore[no-untyped-def]
    denied = _ask("I need the approver role in Ledgerly")
    _ask("I need the Viewer role in WikiWiki", user="rui")

    status, headers, text = _raw("/audit/export?format=csv&user=ana", AUDITOR)
    assert status == 200
    assert headers["content-type"].startswith("text/csv")
    assert "attachment" in headers["content-disposition"] and ".csv" in headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {row["target_id"] for row in rows} == {"ana"}
    assert denied["request_id"] in {row["request_id"] for row in rows}

    status, headers, text = _raw("/audit/export?format=jsonl&user=ana", AUDITOR)
    assert status == 200
    assert headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["seq"] for line in lines] == sorted((int(row["seq"]) for row in rows), reverse=True)


def test_an_export_too_large_for_one_response_is_refused_not_truncated(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.api import console

    _ask("I need the approver role in Ledgerly")
    monkeypatch.setattr(console, "MAX_EXPORT_BYTES", 100)
    status, _, body = call("GET", "/audit/export?format=jsonl", user=AUDITOR)
    assert (status, body["error"]["code"]) == (413, "EXPORT_TOO_LARGE")


def test_an_auditor_gets_the_reports(app) -> None:  # type: ignore[no-untyped-def]
    _ask("I need the approver role in Ledgerly")
    request_id = _pending(ADMIN_REQUEST)
    call("POST", f"/approvals/{request_id}/decision", {"action": "approve"}, user="own")

    status, _, report = call("GET", "/audit/reports?since=2020-01-01T00:00:00Z", user=AUDITOR)

    assert status == 200
    assert report["sod_denials_total"] == 1 and report["sod_denials"][0]["role_id"] == "ldg-approver"
    assert {row["decision"] for row in report["over_time"]} >= {"DENIED", "APPROVED"}
    assert any(role["role_id"] == "ldg-admin" for role in report["top_roles"])
    assert report["privileged_grants_total"] == 1 and report["privileged_grants"][0]["approver"] == "own"
    assert set(report["auto_approval"]) == {"decided", "auto_approved", "rate"}
    status, _, by_owner = call("GET", "/audit/reports?approver=own&reason=approved_by_approver", user=AUDITOR)
    assert status == 200 and [role["role_id"] for role in by_owner["top_roles"]] == ["ldg-admin"]
    assert by_owner["outcomes"]["approved"] == 1 and by_owner["sod_denials_total"] == 0


def test_the_openapi_document_describes_the_console_routes(app) -> None:  # type: ignore[no-untyped-def]
    _, _, document = call("GET", "/openapi.json")
    paths = document["paths"]
    assert {"/approvals", "/approvals/{request_id}/decision", "/audit/events", "/audit/export",
            "/audit/reports"} <= set(paths)
    names = {parameter["name"] for parameter in paths["/audit/events"]["get"]["parameters"]}
    assert {"user", "requester", "approver", "since", "until", "limit", "cursor"} <= names


def test_a_decision_body_with_a_misspelt_or_repeated_field_decides_nothing(app) -> None:  # type: ignore[no-untyped-def]
    request_id = _pending(EDITOR_REQUEST)
    status, _, body = call("POST", f"/approvals/{request_id}/decision",
                           {"action": "approve", "commment": "typo"}, user="boss")
    assert status == 422, body
    raw = b'{"action": "deny", "action": "approve"}'
    status, _, body = call("POST", f"/approvals/{request_id}/decision", raw=raw, user="boss")
    assert status == 400 and "'action' more than once" in body["error"]["message"], body
    assert _grant(app, "ana", "wiki-editor") is None
    with app.database.connection() as conn:
        row = conn.execute("SELECT status FROM requests WHERE request_id = %s", (request_id,)).fetchone()
    assert row["status"] == "PENDING_APPROVAL"


def test_a_request_id_in_lower_case_is_the_same_request(app) -> None:  # type: ignore[no-untyped-def]
    request_id = _pending(EDITOR_REQUEST)
    status, _, body = call("GET", f"/access-requests/{request_id.lower()}", user="ana")
    assert status == 200 and body["request_id"] == request_id
    status, _, body = call("POST", f"/approvals/{request_id.lower()}/decision", {"action": "deny"}, user="boss")
    assert status == 200 and body["request_id"] == request_id
