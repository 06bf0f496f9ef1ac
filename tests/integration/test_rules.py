"""Each decision rule on an org written by the test, through the service and a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from bot.domain import CheckName, Decision, Reason
from bot.errors import RequesterError
from tests.fakes.bundles import rules_org

pytestmark = pytest.mark.integration


@pytest.fixture
def app(app_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    application = app_factory()
    application.import_bundle(rules_org(tmp_path / "org"))
    return application


def ask(app, requester: str, text: str):  # type: ignore[no-untyped-def]
    return app.service.handle(requester, text).outcome


def test_asking_for_someone_else_needs_manager_or_delegate(app) -> None:  # type: ignore[no-untyped-def]
    denied = ask(app, "rui", "please give Ana Ferreira the viewer role in Ledgerly")
    assert (denied.decision, denied.reason) == (Decision.DENIED, Reason.NOT_AUTHORIZED_FOR_TARGET)
    assert denied.user_id == "ana"
    by_manager = ask(app, "boss", "please give ana@corp.test the viewer role in Ledgerly")
    assert by_manager.reason is not Reason.NOT_AUTHORIZED_FOR_TARGET
    by_delegate = ask(app, "dele", "Rui Costa needs Editor in WikiWiki")
    assert by_delegate.user_id == "rui"
    assert by_delegate.reason is not Reason.NOT_AUTHORIZED_FOR_TARGET


def test_a_refusal_for_the_person_cites_no_passage_about_the_role(app) -> None:  # type: ignore[no-untyped-def]
    asked = "please give Ana Ferreira the Journal Approver role in Ledgerly"
    by_manager = ask(app, "boss", asked)
    assert any(item.source == "ledger-duties" for item in by_manager.evidence)  # the role's own passage
    refused = ask(app, "rui", asked)
    assert refused.reason is Reason.NOT_AUTHORIZED_FOR_TARGET
    assert not any(item.source == "ledger-duties" for item in refused.evidence), refused.evidence


def test_a_denial_names_every_reason_it_has_but_not_to_one_who_may_not_ask(  # type: ignore[no-untyped-def]
        app, tmp_path: Path) -> None:
    # tess lacks the prerequisite (Viewer) and the clearance: fixing the first alone would not do
    folder = rules_org(tmp_path / "uncleared")
    users = folder / "users.csv"
    rows = users.read_text().splitlines()
    users.write_text("\n".join(row[: -len("basic")] + "none" if row.startswith("tess,") else row for row in rows))
    app.import_bundle(folder)
    outcome = ask(app, "tess", "I need Period Closer in Ledgerly")
    assert (outcome.decision, outcome.reason) == (Decision.DENIED, Reason.PREREQUISITE_MISSING)
    assert "Reason: a prerequisite role is missing (" in outcome.message
    assert "Also: the person is not eligible for this role (clearance" in outcome.message, outcome.message
    # one reason alone: no "Also"
    single = ask(app, "ana", "I need the approver role in Ledgerly")
    assert single.reason is Reason.SOD_CONFLICT and "Also:" not in single.message, single.message
    # someone who may not ask for tess learns nothing else about her
    refused = ask(app, "rui", "Tess Okoro needs Period Closer in Ledgerly")
    assert refused.reason is Reason.NOT_AUTHORIZED_FOR_TARGET
    assert "Also:" not in refused.message and "clearance" not in refused.message, refused.message


def test_inactive_target_is_denied(app) -> None:  # type: ignore[no-untyped-def]
    outcome = ask(app, "boss", "I need Editor in WikiWiki for Gil Santos")
    assert (outcome.decision, outcome.reason) == (Decision.DENIED, Reason.USER_INACTIVE)


def test_held_role_is_already_granted(app) -> None:  # type: ignore[no-untyped-def]
    outcome = ask(app, "ana", "can I get Journal Poster in the ledger")
    assert (outcome.decision, outcome.reason) == (Decision.ALREADY_GRANTED, Reason.ALREADY_GRANTED)


def test_sod_conflict_is_denied_and_cites_the_policy(app) -> None:  # type: ignore[no-untyped-def]
    outcome = ask(app, "ana", "I need the approver role in Ledgerly")
    assert (outcome.decision, outcome.reason) == (Decision.DENIED, Reason.SOD_CONFLICT)
    sod = next(check for check in outcome.checks if check.name is CheckName.NO_SOD_CONFLICT)
    assert not sod.passed and "Journal Poster in Ledgerly" in sod.detail
    assert sod.data["conflicts"][0]["held_role_id"] == "ldg-poster"
    cited = [item for item in outcome.evidence if item.kind == "policy"]
    assert cited and cited[0].source == "ledger-duties"
    assert all(item.source != "office" for item in cited)


def test_missing_prerequisite_is_denied(app) -> None:  # type: ignore[no-untyped-def]
    outcome = ask(app, "ana", "Period Closer in Ledgerly please")
    assert (outcome.decision, outcome.reason) == (Decision.DENIED, Reason.PREREQUISITE_MISSING)


def test_a_role_may_not_outlive_its_prerequisite(app) -> None:  # type: ignore[no-untyped-def]
    # rui holds the Viewer prerequisite for two more days only: Period Closer without an end, or past that, would
    # outlive it (a short grant of the prerequisite would otherwise carry the role for good)
    with app.database.connection() as conn:
        conn.execute("UPDATE user_roles SET expires_at = now() + interval '2 days' "
                     "WHERE user_id = 'rui' AND role_id = 'ldg-viewer'")
    for text in ("I need Period Closer in Ledgerly", "I need Period Closer in Ledgerly for 3 days"):
        outcome = ask(app, "rui", text)
        assert (outcome.decision, outcome.reason) == (Decision.DENIED, Reason.PREREQUISITE_MISSING), outcome.message
        assert "requires Viewer in Ledgerly for as long as this access, and it is held only until " in outcome.message
        assert "ask until then, or extend it first" in outcome.message
    within = ask(app, "rui", "I need Period Closer in Ledgerly for 1 day")
    assert within.reason is not Reason.PREREQUISITE_MISSING, within.message
    assert within.decision is Decision.PENDING_APPROVAL, within.message
    # the prerequisite cut shorter before the approval: the approval does not stand
    with app.database.connection() as conn:
        conn.execute("UPDATE user_roles SET expires_at = now() + interval '1 hour' "
                     "WHERE user_id = 'rui' AND role_id = 'ldg-viewer'")
    reviewed = app.approvals.decide(within.request_id, "boss", True, "", "cli")
    assert (reviewed.verdict.decision, reviewed.verdict.reason) == (Decision.DENIED, Reason.PREREQUISITE_MISSING)


def test_eligibility_on_an_extra_attribute_and_on_department(app) -> None:  # type: ignore[no-untyped-def]
    outcome = ask(app, "boss", "give Tess Okoro the Journal Approver role in Ledgerly")
    assert (outcome.decision, outcome.reason) == (Decision.DENIED, Reason.NOT_ELIGIBLE)
    closer = ask(app, "rui", "I need Period Closer in LDG")  # rui holds the viewer prerequisite, clearance basic
    assert closer.reason is not Reason.NOT_ELIGIBLE


def test_privileged_role_goes_to_an_approver_even_with_high_confidence(app) -> None:  # type: ignore[no-untyped-def]
    outcome = ask(app, "ana", "I need admin in Ledgerly")
    assert (outcome.decision, outcome.reason) == (Decision.PENDING_APPROVAL, Reason.PRIVILEGED_ROLE)


def test_all_checks_reported_and_reason_is_the_first_failure(app) -> None:  # type: ignore[no-untyped-def]
    # tess is in Sales (Journal Approver is for Finance only); boss, her manager, may ask for her.
    outcome = ask(app, "boss", "give Tess Okoro the Journal Approver role in Ledgerly")
    assert [check.name for check in outcome.checks] == list(CheckName)
    assert outcome.reason is Reason.NOT_ELIGIBLE
    assert not next(c for c in outcome.checks if c.name is CheckName.ELIGIBLE).passed
    # Asked by someone who may not ask for her, the first failure is that, and it is all they are told.
    refused = ask(app, "rui", "give Tess Okoro the Journal Approver role in Ledgerly")
    assert refused.reason is Reason.NOT_AUTHORIZED_FOR_TARGET
    assert [check.name for check in refused.checks] == [CheckName.AUTHORIZED_FOR_TARGET]


def test_confident_request_is_approved_and_granted_in_the_same_transaction(app) -> None:  # type: ignore[no-untyped-def]
    outcome = ask(app, "fin1", "I need Journal Poster in Ledgerly")
    assert outcome.decision in (Decision.APPROVED, Decision.PENDING_APPROVAL)
    viewer = ask(app, "ana", "I need the Viewer role in Ledgerly")  # 12 of 12 Finance accountants hold it
    assert (viewer.decision, viewer.reason) == (Decision.APPROVED, Reason.AUTO_APPROVED), viewer.confidence
    with app.database.connection() as conn:
        grant = conn.execute("SELECT source FROM user_roles WHERE user_id = 'ana' AND role_id = 'ldg-viewer'"
                             ).fetchone()
        audit = conn.execute("SELECT decision FROM audit_log WHERE request_id = %s", (viewer.request_id,)).fetchone()
    assert grant["source"] == f"request:{viewer.request_id}"
    assert audit["decision"] == "APPROVED"
    again = ask(app, "ana", "I need the Viewer role in Ledgerly")
    assert again.decision is Decision.ALREADY_GRANTED


def test_low_confidence_goes_to_an_approver_and_a_repeat_returns_the_same_request(app) -> None:  # type: ignore[no-untyped-def]
    first = ask(app, "tess", "I need the Viewer role in Ledgerly")  # people like tess were always denied
    assert (first.decision, first.reason) == (Decision.PENDING_APPROVAL, Reason.LOW_CONFIDENCE)
    assert first.confidence is not None and first.confidence < 0.5
    second = ask(app, "tess", "can I have ledgerly viewer access")
    assert second.request_id == first.request_id
    with app.database.connection() as conn:
        count = conn.execute("SELECT count(*) AS n FROM requests WHERE target_id = 'tess'").fetchone()
    assert count["n"] == 1


def test_unknown_or_inactive_requester_is_refused_and_only_the_refusal_is_audited(app) -> None:  # type: ignore[no-untyped-def]
    with app.database.connection() as conn:
        before = conn.execute("SELECT count(*) AS n FROM requests").fetchone()["n"]
    for requester in ("nobody", "gone"):
        with pytest.raises(RequesterError):
            ask(app, requester, "I need Viewer in WikiWiki")
    with app.database.connection() as conn:
        after = conn.execute("SELECT count(*) AS n FROM requests").fetchone()["n"]
        refusals = conn.execute("SELECT requester_id FROM audit_log WHERE event_type = 'access_request.refused' "
                                "ORDER BY seq").fetchall()
    assert after == before
    assert [row["requester_id"] for row in refusals] == ["nobody", "gone"]


def test_application_role_cannot_rewrite_the_audit_log(app) -> None:  # type: ignore[no-untyped-def]
    ask(app, "ana", "I need Editor in WikiWiki")
    with app.database.connection() as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE audit_log SET decision = 'APPROVED'")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM audit_log")
        conn.rollback()
        user = conn.execute("SELECT current_user AS u").fetchone()
    assert user["u"] == "askiam_app"


def test_a_request_for_a_role_held_until_a_date_says_it_extends_that_grant(app) -> None:  # type: ignore[no-untyped-def]
    with app.database.connection() as conn:
        conn.execute("UPDATE user_roles SET expires_at = '2099-01-15 23:59:59+00' "
                     "WHERE user_id = 'rui' AND role_id = 'ldg-viewer'")
    outcome = ask(app, "rui", "I need Viewer in Ledgerly")
    assert outcome.decision in (Decision.APPROVED, Decision.PENDING_APPROVAL), outcome.message
    said = ("This extends the grant you held until the end of 2099-01-15 (UTC): it has no end now."
            if outcome.decision is Decision.APPROVED else
            "This would extend the grant you hold until the end of 2099-01-15 (UTC) (no end if approved).")
    assert outcome.message.endswith(said), outcome.message
    fresh = ask(app, "tess", "I need Editor in WikiWiki")  # not held: no such note
    assert "extend" not in fresh.message
