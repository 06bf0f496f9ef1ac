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


@pytest.mark.parametrize("org", ["demo", "rules"])
def test_every_example_the_answers_give_is_understood_on_the_org_they_are_given_on(app_factory: Any, tmp_path: Any,
                                                                                  org: str) -> None:
    """The help, the greeting and the other answers that say how to ask give examples from the org's catalog; asked
    as written on that org (the demo, and a small org of other applications; an example for someone else with a
    manager's report put first), each is understood: a request names its application and role, a question is
    answered."""
    from bot.domain import Reason
    from bot.own_access import others_access_answer
    from bot.understanding import small_talk
    from bot.understanding.intent import removal_answer
    from tests.fakes.bundles import rules_org

    app = app_factory(rate_limit_per_minute=None)
    if org == "demo":
        ensure_demo_org(app)
        requester, manager = "hbergstrom", "santiago.ramirez"
    else:
        app.import_bundle(rules_org(tmp_path / "org"))
        requester, manager = "ana", "boss"
    examples = app.service.vocabulary().examples
    answers = [small_talk.help_answer(examples), small_talk.greeting_answer(examples),
               small_talk.no_question_open(examples), small_talk.nothing_to_cancel(examples),
               small_talk.not_understood(examples), removal_answer(examples), others_access_answer(examples)]
    assert all("Looker" not in answer for answer in answers) or org == "demo"
    # Said only after an answer ("why?", "same for" and a name), a word quoted in passing ("I", "help"), or an id
    # that stands for any.
    in_passing = {"why?", "same for", "I", "help", "withdraw"}
    said = {example for answer in answers for example in re.findall(r'"([^"]+)"', answer)
            if example not in in_passing and "R-1234" not in example}
    report = app.service.ports.directory.reports_of(manager)[0]
    asked = 0
    for example in sorted(said):
        who, text = (requester, example) if not example.startswith("...") else \
            (manager, report.display_name + example[3:])
        outcome = app.service.handle(who, text, channel="cli").outcome
        assert "do not know an application" not in outcome.message, (example, outcome.message)
        assert outcome.reason is not Reason.AMBIGUOUS_OR_MISSING_ENTITY, (example, outcome.message)
        if " in " in example:  # a request, or a question about an application: it names one
            assert outcome.app_id is not None or outcome.reason is Reason.NOTHING_REQUESTED, (example, outcome)
        if example.startswith(("I need", "...")):
            assert outcome.role_id is not None, (example, outcome.message)
        asked += 1
    assert asked >= 5, said
