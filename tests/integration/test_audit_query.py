"""Auditors' queries and reports on a real PostgreSQL: every filter, keyset pages, counts, the classic questions."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from bot.errors import RequesterError
from tests.conftest import make_app
from tests.fakes.bundles import rules_org
from validators import audit
from validators.approvals import ReviewError
from validators.audit_errors import InvalidCursorError
from validators.audit_query import APPROVER_SQL, AuditFilter, count, iter_records, query
from validators.audit_reports import report

pytestmark = pytest.mark.integration

REQUESTS = [
    ("ana", "I need Editor in WikiWiki", "cli"),              # auto-approved (threshold 0)
    ("ana", "I need the approver role in Ledgerly", "web"),   # DENIED, SOD_CONFLICT
    ("ana", "I need admin access", "cli"),                    # NEEDS_CLARIFICATION
    ("rui", "I need admin in Ledgerly", "web"),               # PENDING_APPROVAL, PRIVILEGED_ROLE -> approved by own
    ("tess", "I need admin in Ledgerly", "cli"),              # DENIED, NOT_ELIGIBLE
    ("rui", "I need Viewer in WikiWiki", "cli"),              # auto-approved
]


@pytest.fixture(scope="module")
def audited(postgres_url: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One org and one set of decisions for the read-only tests of this module (an import takes seconds)."""
    name = f"askiam_audit_query_{os.getpid()}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = psycopg.conninfo.make_conninfo(postgres_url, dbname=name)
    folder = tmp_path_factory.mktemp("audit-query")
    # Whatever passes the checks and is not privileged is approved on its own: the report needs automatic approvals.
    app = make_app(url, folder, auto_approve_threshold=0.0, auto_approve_min_history=0)
    app.import_bundle(rules_org(folder / "org"))
    outcomes = [app.service.handle(who, text, channel=channel).outcome for who, text, channel in REQUESTS]
    with pytest.raises(RequesterError):
        app.service.handle("nobody", "I need Editor in WikiWiki")
    privileged = outcomes[3]
    assert (privileged.decision.value, privileged.reason.value) == ("PENDING_APPROVAL", "PRIVILEGED_ROLE")
    app.approvals.decide(privileged.request_id, "own", True, "ok for quarter close", "cli")
    yield app, outcomes, url
    app.close()


def test_each_filter_selects_its_records_newest_first(audited) -> None:  # type: ignore[no-untyped-def]
    app, outcomes, _ = audited
    everything = query(app.database, AuditFilter(), limit=100)
    assert [r.seq for r in everything.records] == list(range(9, 0, -1)) and everything.next_cursor is None
    assert everything.records[-1].event_type == "catalog.imported"  # the import that loaded the org comes first
    by = {
        "target_id": AuditFilter(target_id="rui"), "requester_id": AuditFilter(requester_id="tess"),
        "approver": AuditFilter(approver="own"), "app_id": AuditFilter(app_id="ledgerly"),
        "role_id": AuditFilter(role_id="ldg-admin"), "decision": AuditFilter(decision="denied"),
        "reason": AuditFilter(reason="SOD_CONFLICT"), "channel": AuditFilter(channel="web"),
        "event_type": AuditFilter(event_type="access_request.refused"),
        "imports": AuditFilter(event_type="catalog.imported"),
    }
    for field, selected in by.items():
        records = query(app.database, selected, limit=100).records
        expected = [r for r in everything.records if _matches(r, selected)]
        assert records == expected and records, field
    rui = query(app.database, AuditFilter(target_id="rui"), limit=100).records
    assert [r.event_type for r in rui] == ["access_request.approved", "access_request.decided",
                                            "access_request.decided"]
    approved_by_owner = query(app.database, AuditFilter(approver="own"), limit=100).records
    assert [(r.request_id, r.decision, r.reason) for r in approved_by_owner] == [
        (outcomes[3].request_id, "APPROVED", "APPROVED_BY_APPROVER")]
    assert approved_by_owner[0].details["comment"] == "ok for quarter close"
    combined = query(app.database, AuditFilter(requester_id="ana", channel="cli", approver="askiam"), limit=100)
    assert [r.request_id for r in combined.records] == [outcomes[2].request_id, outcomes[0].request_id]


def _matches(record, selected: AuditFilter) -> bool:  # type: ignore[no-untyped-def]
    values = selected.model_dump(exclude_none=True)
    return all((record.approver if field == "approver" else getattr(record, field)) == value
               for field, value in values.items())


def test_time_range_is_since_inclusive_until_exclusive(audited) -> None:  # type: ignore[no-untyped-def]
    app, _, _ = audited
    records = query(app.database, AuditFilter(), limit=100).records
    third = records[-3]
    window = query(app.database, AuditFilter(since=third.created_at, until=records[1].created_at), limit=100)
    assert [r.seq for r in window.records] == list(range(records[1].seq - 1, third.seq - 1, -1))
    assert query(app.database, AuditFilter(until=records[-1].created_at)).records == []  # before the first record


def test_pages_are_stable_while_records_are_appended(app_factory) -> None:  # type: ignore[no-untyped-def]
    app = app_factory()
    _append(app, 8)
    first = query(app.database, AuditFilter(), limit=3)
    assert [r.seq for r in first.records] == [8, 7, 6] and first.next_cursor
    _append(app, 2)  # records 9 and 10 arrive between two pages
    second = query(app.database, AuditFilter(), limit=3, cursor=first.next_cursor)
    third = query(app.database, AuditFilter(), limit=3, cursor=second.next_cursor)
    assert [r.seq for r in second.records] == [5, 4, 3] and [r.seq for r in third.records] == [2, 1]
    assert third.next_cursor is None
    exact = query(app.database, AuditFilter(), limit=10)
    assert len(exact.records) == 10 and exact.next_cursor is None  # a full last page says there is no next one
    with pytest.raises(InvalidCursorError):
        query(app.database, AuditFilter(), cursor="not-a-cursor")
    with pytest.raises(ValueError, match="limit"):
        query(app.database, AuditFilter(), limit=0)


def _append(app, n: int) -> None:  # type: ignore[no-untyped-def]
    with app.database.connection() as conn, conn.transaction():
        for _ in range(n):
            audit.append(conn, {"event_type": "test.event", "requester_id": "ana", "details": {"decided_by": "x"}})


def test_how_many_requests_from_a_person_this_week(audited) -> None:  # type: ignore[no-untyped-def]
    app, _, _ = audited
    monday = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    monday -= timedelta(days=monday.weekday())
    counted = count(app.database, AuditFilter(requester_id="ana", since=monday))
    # Two access requests; "I need admin access" was answered with a question, which is no request for access.
    assert (counted.records, counted.requests, counted.clarifying_questions) == (3, 2, 1)
    rui = count(app.database, AuditFilter(requester_id="rui"))
    assert (rui.records, rui.requests) == (3, 2)  # his privileged request has two records: routed, then approved


def test_the_filters_use_the_indexes(audited) -> None:  # type: ignore[no-untyped-def]
    _, _, url = audited
    with psycopg.connect(url) as conn:
        conn.execute("SET enable_seqscan = off")
        for condition, index in ((f"{APPROVER_SQL} = 'own'", "audit_log_approver_seq_idx"),
                                 ("target_id = 'rui'", "audit_log_target_seq_idx"),
                                 ("role_id = 'x'", "audit_log_role_seq_idx")):
            plan = "\n".join(row[0] for row in conn.execute(
                f"EXPLAIN SELECT seq FROM audit_log WHERE {condition} ORDER BY seq DESC LIMIT 51"))
            assert index in plan, plan


def test_streaming_every_record_matches_the_pages(audited) -> None:  # type: ignore[no-untyped-def]
    app, _, _ = audited
    streamed = list(iter_records(app.database, AuditFilter(decision="APPROVED"), batch=1))
    assert streamed == query(app.database, AuditFilter(decision="APPROVED"), limit=100).records


def test_the_report_answers_the_classic_questions(audited) -> None:  # type: ignore[no-untyped-def]
    app, outcomes, _ = audited
    result = report(app.database, AuditFilter(since=datetime.now(UTC) - timedelta(days=7)), "week")
    auto = [o for o in outcomes if o.reason.value == "AUTO_APPROVED"]
    assert len(auto) == 2
    # approved/denied ratio, each request once with its latest outcome: 2 auto + 1 approved by the owner; 2 denied
    assert (result.outcomes.approved, result.outcomes.denied, result.outcomes.other) == (3, 2, 0)
    assert (result.outcomes.requests, result.outcomes.clarifying_questions) == (5, 1)  # the question is no request
    assert result.outcomes.approved_share == pytest.approx(3 / 5)
    # auto-approval rate among requests decided when asked (the clarification is not a decision)
    assert (result.auto_approval.auto_approved, result.auto_approval.decided) == (2, 5)
    # who accessed privileged roles, and who approved it
    assert [(g.target_id, g.role_id, g.approver) for g in result.privileged_grants] == [("rui", "ldg-admin", "own")]
    assert result.privileged_grants_total == 1
    assert [(d.target_id, d.role_id) for d in result.sod_denials] == [("ana", "ldg-approver")]
    assert result.sod_denials[0].detail == ("conflicts with Journal Poster in Ledgerly, already held "
                                            "(Who posts a journal entry must not approve it.)")
    # ldg-admin: rui's approved by the owner after being sent for approval (its latest outcome), tess's denied
    top = result.top_roles[0]
    assert (top.role_id, top.requests, top.approved, top.denied, top.pending) == ("ldg-admin", 2, 1, 1, 0)
    # five decided when asked, one approval; the clarifying question and the refusal decide nothing
    assert sum(item.count for item in result.over_time) == 6
    assert {item.period.weekday() for item in result.over_time} == {0}
    latency = result.time_to_decision
    assert latency.decisions == 5 and latency.by_approver == 1  # the clarification is not a decision
    assert latency.median_seconds is not None and latency.median_by_approver_seconds is not None
    assert latency.median_by_approver_seconds >= latency.median_seconds >= 0
    nothing = report(app.database, AuditFilter(until=datetime(2000, 1, 1, tzinfo=UTC)))
    assert nothing.outcomes.requests == 0 and nothing.auto_approval.rate is None
    assert nothing.time_to_decision.median_seconds is None


def test_a_report_for_one_approver(audited) -> None:  # type: ignore[no-untyped-def]
    app, _, _ = audited
    result = report(app.database, AuditFilter(approver="own"))
    assert result.outcomes.approved == 1 and result.time_to_decision.decisions == 1


def test_payloads_jsonb_cannot_read_are_still_appended_listed_and_verified(app_factory) -> None:  # type: ignore[no-untyped-def]
    app = app_factory()
    with app.database.connection() as conn, conn.transaction():
        audit.append(conn, {"event_type": "access_request.decided", "requester_id": "ana", "decision": "DENIED",
                            "details": {"decided_by": "askiam", "confidence": float("nan"), "text": "a\x00b"}})
        audit.append(conn, {"event_type": "access_request.decided", "requester_id": "ana", "decision": "DENIED",
                            "details": {"decided_by": "askiam"}})
    assert audit.verify(app.database).ok
    records = query(app.database, AuditFilter(requester_id="ana")).records
    assert [r.seq for r in records] == [2, 1] and records[1].details["text"] == "a\x00b"
    assert [r.seq for r in query(app.database, AuditFilter(approver="askiam")).records] == [2]
    assert report(app.database, AuditFilter()).outcomes.requests == 0


@pytest.mark.parametrize(("typed", "recorded"), [
    ({"target_id": "ANA"}, {"target_id": "ana"}), ({"target_id": "Ana Ferreira"}, {"target_id": "ana"}),
    ({"requester_id": "ana@corp.test"}, {"requester_id": "ana"}), ({"approver": "Olu Bankole"}, {"approver": "own"}),
    ({"approver": "askiam"}, {"approver": "askiam"}),
    ({"app_id": "WikiWiki"}, {"app_id": "wikiwiki"}), ({"app_id": "LEDGERLY"}, {"app_id": "ledgerly"}),
    ({"role_id": "Journal Approver"}, {"role_id": "ldg-approver"}),
    ({"role_id": "Viewer in WikiWiki"}, {"role_id": "wiki-viewer"}),
    ({"requester_id": "nobody"}, {"requester_id": "nobody"}),  # in no directory, but the log records them
    ({"requester_id": "NOBODY"}, {"requester_id": "nobody"}),
    # Part of a name exactly one person has: a surname, a first name.
    ({"target_id": "Ferreira"}, {"target_id": "ana"}), ({"approver": "bankole"}, {"approver": "own"}),
    ({"app_id": "the ledger"}, {"app_id": "ledgerly"}),  # an alias
])
def test_people_applications_and_roles_may_be_given_by_name_or_in_any_case(  # type: ignore[no-untyped-def]
        audited, typed: dict[str, str], recorded: dict[str, str]) -> None:
    from validators.audit_names import with_recorded_ids

    app, _, _ = audited
    selected = with_recorded_ids(app.database, AuditFilter(**typed))
    assert selected == AuditFilter(**recorded)
    assert count(app.database, selected).records == count(app.database, AuditFilter(**recorded)).records


def test_a_name_several_have_is_refused_with_their_ids(audited) -> None:  # type: ignore[no-untyped-def]
    from validators.audit_names import AmbiguousFilterError, with_recorded_ids

    app, _, _ = audited
    with pytest.raises(AmbiguousFilterError, match=r"names 2: .*\(ldg-viewer\).*\(wiki-viewer\); give the id"):
        with_recorded_ids(app.database, AuditFilter(role_id="Viewer"))
    with pytest.raises(AmbiguousFilterError, match=r"\(pat1\).*\(pat2\)"):
        with_recorded_ids(app.database, AuditFilter(target_id="Pat Rivera"))


@pytest.mark.parametrize(("typed", "refused"), [
    ({"target_id": "nobody at all"}, "user 'nobody at all': nobody by that id, email or name is known"),
    ({"requester_id": "ghost@corp.test"}, "requester 'ghost@corp.test': nobody by that id, email or name is known"),
    ({"approver": "Olu Bankolé-Smith"}, "approver 'Olu Bankolé-Smith': nobody by that id"),
    ({"app_id": "Nope"}, "app 'Nope': no application by that id, name or alias is known"),
    ({"role_id": "Nope"}, "role 'Nope': no role by that id or name is known"),
])
def test_a_value_that_names_nobody_is_refused_not_answered_with_no_records(  # type: ignore[no-untyped-def]
        audited, typed: dict[str, str], refused: str) -> None:
    from validators.audit_names import UnknownFilterError, with_recorded_ids

    app, _, _ = audited
    with pytest.raises(UnknownFilterError, match=re.escape(refused)):
        with_recorded_ids(app.database, AuditFilter(**typed))


def test_part_of_a_name_several_people_have_is_refused_with_their_ids(audited) -> None:  # type: ignore[no-untyped-def]
    from validators.audit_names import AmbiguousFilterError, with_recorded_ids

    app, _, _ = audited
    with pytest.raises(AmbiguousFilterError, match=r"^user 'Rivera' names 2: Pat Rivera \(pat1\), Pat Rivera "
                                                   r"\(pat2\); give the id$"):
        with_recorded_ids(app.database, AuditFilter(target_id="Rivera"))
    with pytest.raises(AmbiguousFilterError, match=r"^requester 'finn' names 12: .*\(fin1\).* and 7 more; give"):
        with_recorded_ids(app.database, AuditFilter(requester_id="finn"))


def test_people_removed_and_applications_and_roles_renamed_since_are_found_by_what_the_log_recorded(  # type: ignore[no-untyped-def]
        app_factory, tmp_path: Path) -> None:
    from validators.audit_names import with_recorded_ids

    app = app_factory(auto_approve_threshold=0.0, auto_approve_min_history=0)
    folder = rules_org(tmp_path / "org")
    app.import_bundle(folder)
    asked = app.service.handle("tess", "I need the Editor role in WikiWiki").outcome
    assert asked.role_id == "wiki-editor", asked.message
    # Tess leaves; WikiWiki becomes TeamWiki and its Editor role Page Editor.
    for name in ("users.csv", "user_roles.csv", "access_history.csv"):
        lines = (folder / name).read_text().splitlines()
        (folder / name).write_text("\n".join(line for line in lines if not line.startswith("tess,")
                                             and ",tess," not in line) + "\n")
    for name, old, new in (("applications.csv", "wikiwiki,WikiWiki,", "wikiwiki,TeamWiki,"),
                           ("roles.csv", "wiki-editor,wikiwiki,Editor,", "wiki-editor,wikiwiki,Page Editor,")):
        (folder / name).write_text((folder / name).read_text().replace(old, new, 1))
    app.import_bundle(folder)
    for typed, recorded in (({"target_id": "tess"}, {"target_id": "tess"}),
                            ({"requester_id": "TESS"}, {"requester_id": "tess"}),
                            ({"target_id": "Tess Okoro"}, {"target_id": "tess"}),
                            ({"app_id": "WikiWiki"}, {"app_id": "wikiwiki"}),
                            ({"app_id": "TeamWiki"}, {"app_id": "wikiwiki"}),
                            ({"role_id": "Page Editor"}, {"role_id": "wiki-editor"}),
                            ({"role_id": "Editor"}, {"role_id": "wiki-editor"})):
        selected = with_recorded_ids(app.database, AuditFilter(**typed))
        assert selected == AuditFilter(**recorded), typed
        assert count(app.database, selected).records >= 1, typed


def test_a_role_and_application_may_be_given_in_any_case(audited) -> None:  # type: ignore[no-untyped-def]
    from validators.audit_names import with_recorded_ids

    app, _, _ = audited
    assert with_recorded_ids(app.database, AuditFilter(role_id="viewer IN wikiwiki")).role_id == "wiki-viewer"


def test_access_requests_are_counted_apart_from_questions_alike_in_counts_and_reports(app_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = app_factory()
    app.import_bundle(rules_org(tmp_path / "org"))
    asked = app.service.handle("ana", "I need the approver role in Ledgerly").outcome  # an access request, denied
    answered = [app.service.handle("ana", text).outcome for text in (
        f"status of {asked.request_id}", "what access do I have?", "ok thanks")]
    assert {o.reason.value for o in answered} == {"NOTHING_REQUESTED"}
    clarified = app.service.handle("ana", "I need admin access").outcome  # which application? asked back
    assert clarified.reason.value == "AMBIGUOUS_OR_MISSING_ENTITY"
    with pytest.raises(ReviewError):  # an id that never existed, named by a refused attempt to decide it
        app.approvals.decide("R-9999", "boss", True, "", "cli-approvals")
    everything = count(app.database, AuditFilter())
    assert (everything.requests, everything.questions_answered, everything.clarifying_questions) == (1, 3, 1)
    assert everything.records == 1 + 1 + 3 + 1 + 1  # the import, the request, three answers, a question, a refusal
    by_ana = count(app.database, AuditFilter(requester_id="ana"))
    assert (by_ana.records, by_ana.requests, by_ana.questions_answered, by_ana.clarifying_questions) == (5, 1, 3, 1)
    nothing = count(app.database, AuditFilter(request_id="R-9999"))
    assert (nothing.records, nothing.requests, nothing.questions_answered, nothing.clarifying_questions) == (1, 0, 0, 0)
    # The report counts the same requests as the query, and the same questions.
    for selected in (AuditFilter(), AuditFilter(requester_id="ana")):
        outcomes = report(app.database, selected).outcomes
        counted = count(app.database, selected)
        assert (outcomes.requests, outcomes.questions_answered, outcomes.clarifying_questions) == (
            counted.requests, counted.questions_answered, counted.clarifying_questions)
        assert (outcomes.denied, outcomes.other) == (1, 0)
    assert {item.decision for item in report(app.database, AuditFilter()).over_time} == {"DENIED"}
    assert [role.role_id for role in report(app.database, AuditFilter()).top_roles] == ["ldg-approver"]


def test_a_withdrawal_is_no_approvers_decision(app_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = app_factory()
    app.import_bundle(rules_org(tmp_path / "org"))
    mine = app.service.handle("boss", "I need the Viewer role in Ledgerly").outcome  # boss withdraws his own
    assert mine.decision.value == "PENDING_APPROVAL"
    app.approvals.withdraw(mine.request_id, "boss", "api")
    theirs = app.service.handle("tess", "I need the Viewer role in Ledgerly").outcome  # boss decides as manager
    app.approvals.decide(theirs.request_id, "boss", False, "not now", "api")
    decided = query(app.database, AuditFilter(approver="boss")).records
    assert [(record.request_id, record.event_type) for record in decided] == [
        (theirs.request_id, "access_request.denied")]
    assert count(app.database, AuditFilter(approver="boss")).records == 1
    assert report(app.database, AuditFilter(approver="boss")).outcomes.denied == 1
    (withdrawal,) = query(app.database, AuditFilter(event_type="access_request.withdrawn")).records
    assert (withdrawal.approver, withdrawal.withdrawn_by) == (None, "boss")
