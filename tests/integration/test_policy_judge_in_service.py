"""The optional policy judge inside a decision: Bedrock's Converse answered through botocore's Stubber with the
recorded response shape; a violation stops an auto-approval, and the judge is never asked when it cannot matter."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import ANY, Stubber

from bot.domain import Decision, Reason
from retrieval.policy_judge import BedrockJudgePort, BedrockPolicyJudge
from tests.fakes.bundles import rules_org

pytestmark = pytest.mark.integration
RECORDED = json.loads((Path(__file__).resolve().parents[1] / "events" / "aws" / "bedrock_converse_tool_use.json")
                      .read_text(encoding="utf-8"))


def _response(verdict: str, cited: list[str]) -> dict:  # type: ignore[type-arg]
    response = copy.deepcopy(RECORDED)
    tool = response["output"]["message"]["content"][0]["toolUse"]
    tool["input"] = {"verdict": verdict, "cited_passage_ids": cited, "rationale": "checked against the passages"}
    return response


@pytest.fixture
def judged_app(app_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    app = app_factory()
    folder = rules_org(tmp_path / "org")
    (folder / "policies" / "ledger-read.md").write_text(
        "# Ledger Read Access\nRead-only access to the Ledgerly general ledger (the Viewer role) is for people who "
        "work with the ledger's journal entries; it is not granted for curiosity.\n")
    app.import_bundle(folder)
    client = boto3.client("bedrock-runtime", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")
    stub = Stubber(client)
    stub.activate()
    object.__setattr__(app.service.ports, "judge", BedrockJudgePort(BedrockPolicyJudge(client=client, timeout_s=5)))
    yield app, stub
    stub.deactivate()


def test_a_violation_turns_an_auto_approval_into_a_human_decision(judged_app) -> None:  # type: ignore[no-untyped-def]
    app, stub = judged_app
    # ana's Viewer request is otherwise auto-approved (12 of 12 peers hold it); the only passage it cites is asked.
    passages = app.service.ports.policies.for_request(app.service.vocabulary().catalog.applications["ledgerly"],
                                                      app.service.vocabulary().catalog.roles["ldg-viewer"])
    cited = [p.passage_id for p in passages][:1]
    stub.add_response("converse", _response("violates", cited), {"modelId": ANY, "system": ANY, "messages": ANY,
                                                                 "inferenceConfig": ANY, "toolConfig": ANY})
    assert passages, "the ledger read-access passage should be found for the Viewer role"
    outcome = app.service.handle("ana", "I need the Viewer role in Ledgerly").outcome
    assert (outcome.decision, outcome.reason) == (Decision.PENDING_APPROVAL, Reason.LOW_CONFIDENCE)
    assert any(item.kind == "policy_judge" and "violates" in item.summary for item in outcome.evidence)
    stub.assert_no_pending_responses()


def test_the_judge_is_not_asked_about_denials(judged_app) -> None:  # type: ignore[no-untyped-def]
    app, stub = judged_app
    outcome = app.service.handle("ana", "I need the approver role in Ledgerly").outcome  # SoD denial
    assert outcome.reason is Reason.SOD_CONFLICT
    assert not any(item.kind == "policy_judge" for item in outcome.evidence)
    stub.assert_no_pending_responses()  # no converse call was expected, none was made
