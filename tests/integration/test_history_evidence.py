"""Similar past decisions from the pgvector history index: within a role, and across an application when the role
has none of its own (a new role still gets evidence an approver can read)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.demo.generator import OrgSize, generate_bundle
from validators.confidence import SqlConfidenceEstimator
from validators.importer import rebuild_history_stats

pytestmark = pytest.mark.integration


def test_application_neighbours_stay_in_the_application_and_back_a_role_without_history(
        app_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    org = generate_bundle(tmp_path / "org", OrgSize(users=300, applications=5, roles=30, history=5000, seed=9))
    app = app_factory()
    app.import_bundle(org.folder)
    catalog = app.service.vocabulary().catalog
    with app.database.connection() as conn:
        busiest = conn.execute(
            "SELECT r.app_id, h.role_id, count(*) AS n FROM access_history h JOIN roles r USING (role_id) "
            "GROUP BY r.app_id, h.role_id ORDER BY n DESC, h.role_id LIMIT 1").fetchone()
        user_id = conn.execute("SELECT user_id FROM users WHERE status = 'active' ORDER BY user_id LIMIT 1"
                               ).fetchone()["user_id"]
    person = app.service.ports.directory.get_person(user_id)
    role = catalog.roles[busiest["role_id"]]

    found = app.history_index.similar_in_application(role.app_id, person.profile(), 15)
    assert len(found) == 15
    assert {catalog.roles[n.role_id].app_id for n in found} == {role.app_id}
    assert [n.similarity for n in found] == sorted((n.similarity for n in found), reverse=True)
    estimator = SqlConfidenceEstimator(app.database, app.history_index, 25)
    assert not [e for e in estimator.estimate(person, role).evidence if e.kind == "similar_in_application"]

    # The role's own history goes: no similar decisions for it, so the application's stand in.
    with app.database.connection() as conn, conn.transaction():
        conn.execute("DELETE FROM access_history WHERE role_id = %s", (role.role_id,))
        rebuild_history_stats(conn)
    app.rebuild_indexes(policies=False)
    assert app.history_index.similar(role.role_id, person.profile(), 25) == []
    evidence = estimator.estimate(person, role).evidence
    stand_in = [e for e in evidence if e.kind == "similar_in_application"]
    assert len(stand_in) == 1 and "other roles in this application" in stand_in[0].summary
    assert not [e for e in evidence if e.kind in ("similar_requests", "past_decision")]


def test_evidence_says_how_alike_the_counted_requesters_are_and_names_managers(  # type: ignore[no-untyped-def]
        app_factory, tmp_path: Path) -> None:
    from validators.confidence import CLOSE_SIMILARITY, SIMILAR_THRESHOLD

    org = generate_bundle(tmp_path / "org", OrgSize(users=300, applications=5, roles=30, history=5000, seed=9))
    app = app_factory()
    app.import_bundle(org.folder)
    catalog = app.service.vocabulary().catalog
    directory = app.service.ports.directory
    estimator = SqlConfidenceEstimator(app.database, app.history_index, 25)
    with app.database.connection() as conn:
        asked = conn.execute("SELECT DISTINCT user_id, role_id FROM access_history ORDER BY user_id, role_id "
                             "LIMIT 60").fetchall()
    worded = {"close": 0, "partly": 0, "manager": 0}
    for row in asked:
        person = directory.get_person(row["user_id"])
        role = catalog.roles[row["role_id"]]
        similar = [n for n in app.history_index.similar(role.role_id, person.profile(), 25)
                   if n.similarity >= SIMILAR_THRESHOLD]
        evidence = estimator.estimate(person, role).evidence
        [line] = [e.summary for e in evidence if e.kind == "similar_requests"] or [None]
        if similar:
            close = min(n.similarity for n in similar) >= CLOSE_SIMILARITY
            worded["close" if close else "partly"] += 1
            assert line is not None and ("similar past requests" in line) is close, line
            assert ("sharing" in line) is not close and f"of {len(similar)} " in line, line
        factors = " ".join(e.summary for e in evidence if e.kind == "history_factor")
        assert "manager_id" not in factors, factors  # every manager is in the directory
        if "with manager " in factors:
            manager = directory.get_person(person.manager_id or "")
            assert f"with manager {manager.display_name} ({manager.user_id})" in factors
            worded["manager"] += 1
    assert all(worded.values()), worded  # each wording was seen
