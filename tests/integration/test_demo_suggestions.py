"""The demo's suggestions promise outcomes; asking each through the service must give the outcome promised."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.api.handler import use_application
from bot.demo.loader import ensure_demo_org

pytestmark = pytest.mark.integration

EXPECTED = {
    "auto-approval": ("APPROVED", "AUTO_APPROVED"),
    "unusual: sent to an approver": ("PENDING_APPROVAL", "LOW_CONFIDENCE"),
    "segregation-of-duties conflict": ("DENIED", "SOD_CONFLICT"),
    "prerequisite missing": ("DENIED", "PREREQUISITE_MISSING"),
    "not eligible": ("DENIED", "NOT_ELIGIBLE"),
    "privileged: owner approves": ("PENDING_APPROVAL", "PRIVILEGED_ROLE"),
    "which application? a clarifying question": ("NEEDS_CLARIFICATION", "AMBIGUOUS_OR_MISSING_ENTITY"),
}
_LINE = re.compile(r"^as (?P<user>\S+): I need (?P<text>.+?)\s+\((?P<hint>[^)]*)\)$")


def test_every_promised_outcome_is_what_the_service_does(app_factory: Any) -> None:
    app = app_factory(rate_limit_per_minute=None)
    demo = ensure_demo_org(app)
    asked = 0
    columns = set()
    for line in demo.suggestions:
        match = _LINE.match(line.strip())
        if match is None:
            continue  # the manager's free-form suggestion
        columns.add(match.start("hint"))
        hint = next((key for key in EXPECTED if key in match["hint"]), None)
        assert hint is not None, line
        outcome = app.service.handle(match["user"], f"I need {match['text']}", channel="cli").outcome
        assert (outcome.decision.value, outcome.reason.value) == EXPECTED[hint], line
        asked += 1
    assert asked == len(EXPECTED)
    assert len(columns) == 1  # the notes line up in one column


def test_the_web_chat_offers_the_people_the_demo_suggests_first(app_factory: Any) -> None:
    from tests.integration.test_api_routes import call

    app = app_factory(rate_limit_per_minute=None)
    demo = ensure_demo_org(app)
    suggested = list(dict.fromkeys(match["user"] for line in demo.suggestions
                                   if (match := re.match(r"^as (?P<user>\S+):", line.strip())) is not None)
                     ) or pytest.fail("no suggestion names a person")
    use_application(app)
    try:
        status, _, body = call("GET", "/demo/users")
    finally:
        use_application(None)
    assert status == 200
    offered = [user["user_id"] for user in body["users"]]
    assert offered[:len(suggested)] == suggested, (offered, suggested)
