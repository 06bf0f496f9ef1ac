"""Every labelled sample request through the service, against the sample org on a real PostgreSQL."""

from __future__ import annotations

import json

import pytest

from bot.domain import Decision, Reason
from tests.conftest import SAMPLE_REQUESTS

pytestmark = pytest.mark.integration


def _load() -> list[dict]:  # type: ignore[type-arg]
    if not SAMPLE_REQUESTS.exists():
        pytest.skip("../shared/fixtures/requests-sample.jsonl is not beside the project")
    return [json.loads(line) for line in SAMPLE_REQUESTS.read_text().splitlines() if line.strip()]


def test_every_hard_rule_line_gets_the_expected_decision_and_reason(sample_app) -> None:  # type: ignore[no-untyped-def]
    lines = _load()
    mismatches = []
    for line in lines:
        expect = line["expect"]
        outcome = sample_app.service.handle(line["as"], line["text"]).outcome
        got = outcome.public_dict()
        if expect.get("soft"):
            continue
        wrong = {key: (value, got.get(key)) for key, value in expect.items() if got.get(key) != value}
        if wrong:
            mismatches.append((line["as"], line["text"], wrong))
    assert not mismatches, mismatches
    assert sum(1 for line in lines if not line["expect"].get("soft")) >= 30


def test_soft_lines_mostly_match_each_on_the_org_as_imported(app_factory) -> None:  # type: ignore[no-untyped-def]
    """Soft outcomes depend on the confidence; each is asked on a freshly imported org, as the label assumes."""
    from tests.conftest import SAMPLE_ORG

    soft = [line for line in _load() if line["expect"].get("soft")]
    app = app_factory()
    app.import_bundle(SAMPLE_ORG)
    matched = 0
    for line in soft:
        # Grants from an earlier line's approval would turn the next into ALREADY_GRANTED, and an import keeps
        # grants made by approval: they go first, so that each line meets the org as exported.
        with app.database.connection() as conn:
            conn.execute("DELETE FROM user_roles WHERE source LIKE 'request:%%'")
        app.import_bundle(SAMPLE_ORG)
        outcome = app.service.handle(line["as"], line["text"]).outcome
        assert outcome.user_id == line["expect"]["user_id"]
        assert outcome.role_id == line["expect"]["role_id"]
        assert outcome.decision in (Decision.APPROVED, Decision.PENDING_APPROVAL)
        matched += outcome.decision.value == line["expect"]["decision"]
    assert matched / len(soft) >= 0.6, f"{matched} of {len(soft)} soft lines matched"


def test_no_unsafe_outcome_on_the_sample(sample_app) -> None:  # type: ignore[no-untyped-def]
    catalog = sample_app.service.vocabulary().catalog
    for line in _load():
        outcome = sample_app.service.handle(line["as"], line["text"]).outcome
        if outcome.decision is Decision.APPROVED:
            assert all(check.passed for check in outcome.checks)
            assert not catalog.roles[outcome.role_id].privileged
            assert outcome.reason is Reason.AUTO_APPROVED
            assert outcome.confidence is not None and outcome.confidence >= 0.95
