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


def test_every_example_the_answers_give_is_understood_on_the_demo_org(app_factory: Any) -> None:
    """The help, the greeting and the other answers that say how to ask give examples; asked as written on the demo
    org (an example for someone else with a demo manager's report put first), each is understood: a request names
    its application and role, a question is answered."""
    from bot.domain import Reason
    from bot.own_access import OTHERS_ACCESS_ANSWER
    from bot.understanding import small_talk
    from bot.understanding.intent import REMOVAL_ANSWER

    app = app_factory(rate_limit_per_minute=None)
    ensure_demo_org(app)
    answers = [small_talk.HELP_ANSWER, small_talk.GREETING_ANSWER, small_talk.NO_QUESTION_OPEN,
               small_talk.NOTHING_TO_CANCEL, small_talk.NOT_UNDERSTOOD, REMOVAL_ANSWER, OTHERS_ACCESS_ANSWER]
    # Said only after an answer ("why?", "same for" and a name), a word quoted in passing ("I", "help"), or an id
    # that stands for any.
    in_passing = {"why?", "same for", "I", "help", "withdraw"}
    examples = {example for answer in answers for example in re.findall(r'"([^"]+)"', answer)
                if example not in in_passing and "R-1234" not in example}
    manager = "santiago.ramirez"
    report = app.service.ports.directory.reports_of(manager)[0]
    asked = 0
    for example in sorted(examples):
        who, text = ("hbergstrom", example) if not example.startswith("...") else \
            (manager, report.display_name + example[3:])
        outcome = app.service.handle(who, text, channel="cli").outcome
        assert "do not know an application" not in outcome.message, (example, outcome.message)
        assert outcome.reason is not Reason.AMBIGUOUS_OR_MISSING_ENTITY, (example, outcome.message)
        if " in " in example:  # a request, or a question about an application: it names one
            assert outcome.app_id is not None or outcome.reason is Reason.NOTHING_REQUESTED, (example, outcome)
        if example.startswith(("I need", "...")):
            assert outcome.role_id is not None, (example, outcome.message)
        asked += 1
    assert asked >= 5, examples
