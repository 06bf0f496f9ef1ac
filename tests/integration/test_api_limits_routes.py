"""The HTTP API's response limits on a real PostgreSQL: audit pages cut by size continue with their cursor,
and empty or repeated query parameters are the caller's error."""

from __future__ import annotations

import pytest

from bot.api import limits
from tests.fakes.console_org import AUDITOR
from tests.integration import test_api_console_routes
from tests.integration.test_api_routes import call

pytestmark = pytest.mark.integration

app = test_api_console_routes.app  # the same org, served the same way




def test_pages_cut_by_size_continue_with_their_cursor(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for text in ("I need the approver role in Ledgerly", "I need the Viewer role in WikiWiki",
                 "I need the Administrator role in Ledgerly", "I need the Editor role in WikiWiki"):
        assert call("POST", "/chat", {"text": text + ' "\\ \u6211\u9700\u8981' * 20}, user="ana")[0] == 200
    everything = call("GET", "/audit/events?limit=1000", user=AUDITOR)[2]
    assert everything["truncated"] is False and everything["next_cursor"] is None
    expected = [record["seq"] for record in everything["records"]]
    assert len(expected) >= 4

    monkeypatch.setattr(limits, "RESPONSE_BUDGET", 4_000)  # room for one or two of these records a page
    seen: list[int] = []
    cursor = ""
    pages = 0
    while True:
        status, _, page = call("GET", f"/audit/events?limit=1000{cursor}", user=AUDITOR)
        assert status == 200, page
        pages += 1
        seen.extend(record["seq"] for record in page["records"])
        if page["next_cursor"] is None:
            assert page["truncated"] is False
            break
        assert page["truncated"] is True and page["records"]
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == expected and pages > 1


def test_empty_and_repeated_filters_are_the_callers_error(app) -> None:  # type: ignore[no-untyped-def]
    status, _, body = call("GET", "/audit/events?requester=", user=AUDITOR)
    assert (status, body["error"]) == (422, {"code": "VALIDATION_FAILED", "message": "requester: empty value"})
    status, _, body = call("GET", "/audit/events?requester=ana&requester=rui", user=AUDITOR)
    assert (status, body["error"]) == (422, {"code": "VALIDATION_FAILED",
                                             "message": "query.requester: given more than once; give it once"})
