"""`audit report` filtered by how requests ended (decision, reason, approver): every section speaks of the same
requests (a real PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.bundles import rules_org
from validators.audit_query import AuditFilter
from validators.audit_reports import report

pytestmark = pytest.mark.integration


@pytest.fixture
def app(app_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    application = app_factory(auto_approve_threshold=0.0, auto_approve_min_history=0)
    application.import_bundle(rules_org(tmp_path / "org"))
    assert application.service.handle("rui", "I need Viewer in WikiWiki").outcome.reason.value == "AUTO_APPROVED"
    for who in ("rui", "ana"):  # privileged: decided by the owner
        pending = application.service.handle(who, "I need the Administrator role in Ledgerly").outcome
        assert application.approvals.decide(pending.request_id, "own", True, "ok", "cli").granted
    return application


def test_filtered_by_an_approvers_reason_the_top_roles_are_those_requests_roles(app) -> None:  # type: ignore[no-untyped-def]
    found = report(app.database, AuditFilter(reason="APPROVED_BY_APPROVER"))
    assert (found.outcomes.requests, found.outcomes.approved) == (2, 2)
    assert [(row.role_id, row.requests, row.approved) for row in found.top_roles] == [("ldg-admin", 2, 2)]
    assert (found.auto_approval.decided, found.auto_approval.auto_approved) == (2, 0)


def test_filtered_by_the_approver_and_by_approved(app) -> None:  # type: ignore[no-untyped-def]
    by_owner = report(app.database, AuditFilter(approver="own"))
    assert [row.role_id for row in by_owner.top_roles] == ["ldg-admin"]
    approved = report(app.database, AuditFilter(decision="APPROVED"))
    assert approved.outcomes.approved == 3
    assert (approved.auto_approval.decided, approved.auto_approval.auto_approved) == (3, 1)
    assert sorted((row.role_id, row.requests) for row in approved.top_roles) == [("ldg-admin", 2), ("wiki-viewer", 1)]


def test_unfiltered_and_filtered_by_person_as_before(app) -> None:  # type: ignore[no-untyped-def]
    everything = report(app.database, AuditFilter())
    assert everything.outcomes.requests == 3 and everything.auto_approval.decided == 3
    ana = report(app.database, AuditFilter(requester_id="ana"))
    assert [row.role_id for row in ana.top_roles] == ["ldg-admin"]


def test_a_role_asked_for_while_held_is_counted_as_already_held_in_the_top_roles(app) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):  # ana holds Journal Poster
        assert app.service.handle("ana", "I need Journal Poster in Ledgerly").outcome.reason.value == "ALREADY_GRANTED"
    roles = {row.role_id: row for row in report(app.database, AuditFilter()).top_roles}
    poster = roles["ldg-poster"]
    assert (poster.requests, poster.already_granted, poster.approved, poster.denied, poster.pending) == (2, 2, 0, 0, 0)
    # every role's requests add up to its outcomes
    for row in roles.values():
        assert row.requests == row.approved + row.denied + row.pending + row.withdrawn + row.already_granted, row
