"""An answer cites the policy behind a denial by its document's whole title, colons included."""

from __future__ import annotations

from bot.domain import CheckName, CheckResult, Decision, Evidence, Person, Reason, Role
from bot.evidence import passage_evidence
from bot.messages import decision_message
from bot.ports import PolicyPassage


def test_a_title_with_a_colon_is_cited_whole() -> None:
    passage = PolicyPassage(passage_id="p1", document="access.md", title="St. Brigid's Hospital: Access Standard",
                            text="Contractors may never approve payments.", score=0.71)
    evidence = passage_evidence([passage])
    assert evidence[0].title == "St. Brigid's Hospital: Access Standard"
    failed = CheckResult(name=CheckName.ELIGIBLE, passed=False, detail="employment_type is 'contractor'")
    message = decision_message(Decision.DENIED, Reason.NOT_ELIGIBLE, Person(user_id="u", email="u@x.test",
                               display_name="U", status="active"), True, Role(role_id="r", app_id="a",
                               name="Payment Approver"), "LedgerOne", "R-1", failed, None, evidence)
    assert message.endswith("See St. Brigid's Hospital: Access Standard.")
    # Evidence recorded before titles were kept still cites the title before the passage.
    older = Evidence(evidence_id="policy:p1", kind="policy", summary="Access Standard: Contractors may not ...")
    assert decision_message(Decision.DENIED, Reason.NOT_ELIGIBLE, Person(user_id="u", email="u@x.test",
                            display_name="U", status="active"), True, Role(role_id="r", app_id="a", name="X"), "A",
                            "R-1", failed, None, [older]).endswith("See Access Standard.")
