"""What the request path reads instead of recomputing: peer groups copied onto grants, stored policy answers, and
pooled connections that skip a transaction or a liveness check. Each is checked against the plain computation."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from bot.demo.generator import OrgSize, generate_bundle
from retrieval.policies import Passage
from validators import db as db_module
from validators.confidence_stats import Requester, ScoreRequest, fetch_peers

pytestmark = pytest.mark.integration

# The peer counts as they were computed before the copies existed: a join of grants and people.
REFERENCE_PEERS_SQL = """
SELECT
  (SELECT count(*) FROM users u JOIN user_roles r ON r.user_id = u.user_id AND r.role_id = %(role)s
     AND r.status = 'active' AND (r.expires_at IS NULL OR r.expires_at > now())
   WHERE u.department = %(department)s AND u.title = %(title)s AND u.user_id <> %(user)s
     AND u.status = 'active') AS peer_holders,
  (SELECT count(*) FROM users u WHERE u.department = %(department)s AND u.title = %(title)s
     AND u.user_id <> %(user)s AND u.status = 'active') AS peers,
  (SELECT count(*) FROM users u JOIN user_roles r ON r.user_id = u.user_id AND r.role_id = %(role)s
     AND r.status = 'active' AND (r.expires_at IS NULL OR r.expires_at > now())
   WHERE u.manager_id = %(manager)s AND u.user_id <> %(user)s AND u.status = 'active') AS team_holders,
  (SELECT count(*) FROM users u WHERE u.manager_id = %(manager)s AND u.user_id <> %(user)s
     AND u.status = 'active') AS team
"""


@pytest.fixture
def generated_app(app_factory: Any, tmp_path: Path) -> Any:
    app = app_factory(rate_limit_per_minute=None)
    bundle = generate_bundle(tmp_path / "org", OrgSize(users=600, applications=8, roles=60, history=3000,
                                                       policies=12, seed=31))
    app.import_bundle(bundle.folder)
    return app


def _reference_peers(conn: psycopg.Connection[Any], request: ScoreRequest) -> list[float]:
    requester = request.requester
    assert requester is not None
    row = conn.execute(REFERENCE_PEERS_SQL, {"role": request.role_id, "department": requester.department,
                                             "title": requester.title, "manager": requester.manager_id,
                                             "user": requester.user_id}).fetchone()
    assert row is not None
    return [float(row[name]) for name in ("peer_holders", "peers", "team_holders", "team")]


def _sample_requests(conn: psycopg.Connection[Any], count: int, seed: int) -> list[ScoreRequest]:
    people = conn.execute("SELECT user_id, department, title, manager_id FROM users ORDER BY user_id").fetchall()
    roles = [row["role_id"] for row in conn.execute("SELECT role_id FROM roles ORDER BY role_id").fetchall()]
    rng = random.Random(seed)
    return [ScoreRequest(rng.choice(roles), {}, Requester(p["user_id"], p["department"], p["title"], p["manager_id"]))
            for p in rng.sample(people, count)]


def test_peer_counts_match_the_join_after_import_and_after_changes(generated_app: Any) -> None:
    with generated_app.database.connection() as conn:
        requests = _sample_requests(conn, 80, seed=5)
        assert fetch_peers(conn, requests).tolist() == [_reference_peers(conn, r) for r in requests]
        # Some holders move, leave or get a new manager; some grants lapse or are added by hand in SQL.
        movers = [row["user_id"] for row in conn.execute(
            "SELECT DISTINCT user_id FROM user_roles ORDER BY user_id LIMIT 40").fetchall()]
        conn.execute("UPDATE users SET department = 'Moved', title = 'Mover' WHERE user_id = ANY(%s)", (movers[:15],))
        conn.execute("UPDATE users SET status = 'suspended' WHERE user_id = ANY(%s)", (movers[15:25],))
        conn.execute("UPDATE users SET manager_id = %s WHERE user_id = ANY(%s)", (movers[0], movers[25:40]))
        conn.execute("UPDATE user_roles SET expires_at = now() - interval '1 day' WHERE user_id = ANY(%s)",
                     (movers[30:35],))
        conn.execute("INSERT INTO user_roles (user_id, role_id) SELECT u.user_id, r.role_id FROM users u, roles r "
                     "WHERE u.user_id = ANY(%s) ON CONFLICT DO NOTHING", (movers[:3],))
        conn.commit()
        stale = conn.execute(
            "SELECT count(*) AS n FROM user_roles r JOIN users u USING (user_id) "
            "WHERE r.holder_department IS DISTINCT FROM u.department OR r.holder_title IS DISTINCT FROM u.title "
            "OR r.holder_manager_id IS DISTINCT FROM u.manager_id "
            "OR r.holder_active IS DISTINCT FROM (u.status = 'active')").fetchone()
        assert stale is not None and stale["n"] == 0
        requests = _sample_requests(conn, 80, seed=6) + [
            ScoreRequest(role, {}, Requester("someone-new", "Moved", "Mover", movers[0]))
            for role in ("r-none", *[r.role_id for r in _sample_requests(conn, 5, seed=7)])]
        peers = fetch_peers(conn, requests)
        assert peers.tolist() == [_reference_peers(conn, r) for r in requests]
        moved = conn.execute("SELECT count(*) AS n FROM users WHERE department = 'Moved' AND status = 'active'"
                             ).fetchone()
        assert moved is not None and moved["n"] >= 10
        assert peers[80:, 1].tolist() == [moved["n"]] * 6  # the movers form a peer group of their own


def test_a_granted_request_copies_its_holder(generated_app: Any) -> None:
    with generated_app.database.connection() as conn:
        person = conn.execute("SELECT user_id, department, title, manager_id FROM users WHERE status = 'active' "
                              "ORDER BY user_id LIMIT 1").fetchone()
        conn.execute("DELETE FROM user_roles WHERE user_id = %s", (person["user_id"],))
        conn.execute("INSERT INTO user_roles (user_id, role_id, source) SELECT %s, role_id, 'test' FROM roles "
                     "ORDER BY role_id LIMIT 2", (person["user_id"],))
        rows = conn.execute("SELECT holder_department, holder_title, holder_manager_id, holder_active "
                            "FROM user_roles WHERE user_id = %s", (person["user_id"],)).fetchall()
    assert len(rows) == 2
    assert all(row == {"holder_department": person["department"], "holder_title": person["title"],
                       "holder_manager_id": person["manager_id"], "holder_active": True} for row in rows)


def test_stored_policy_answers_equal_a_live_search_and_go_with_the_passages(generated_app: Any) -> None:
    index = generated_app.policy_index
    with generated_app.database.connection() as conn:
        keys = [row["query_key"] for row in conn.execute(
            "SELECT query_key FROM vector_policy_query ORDER BY query_key").fetchall()]
        stored = conn.execute("SELECT count(DISTINCT query_key) AS n FROM vector_policy_answer").fetchone()
    assert keys and stored is not None and stored["n"] == len(keys)
    for key in random.Random(3).sample(keys, min(60, len(keys))):
        for k in (1, 3, 10):
            answered = index.search_by_key(key, k)
            live = _live_search(generated_app, key, k)
            assert [p.passage_id for p in answered] == [p.passage_id for p in live]
            # pgvector computes in single precision; the stored answers in double.
            assert [p.score for p in answered] == pytest.approx([p.score for p in live], abs=1e-4)
    assert index.search_by_key("no-such-key", 3) is None

    # New passages without new queries (never done by the product, which stores both): no stale answer is read.
    assert list(generated_app.policy_index.documents())
    index.replace_all([Passage(passage_id="only#1", document="only.md", title="Only", text="the only passage")],
                      generated_app.embedder.embed(["the only passage"]), generated_app.embedder.model_id)
    assert [p.passage_id for p in index.search_by_key(keys[0], 3)] == ["only#1"]


def _live_search(app: Any, key: str, k: int) -> list[Any]:
    from bot.ports import PolicyPassage

    with app.database.connection() as conn:
        rows = conn.execute(
            "WITH q AS (SELECT embedding FROM vector_policy_query WHERE query_key = %s) "
            "SELECT p.passage_id, 1 - (p.embedding <=> q.embedding) AS score FROM q, LATERAL (SELECT * FROM "
            "vector_policy ORDER BY embedding <=> q.embedding, passage_id LIMIT %s) p", (key, k)).fetchall()
    return [PolicyPassage(passage_id=r["passage_id"], document="", title="", text="", score=float(r["score"]))
            for r in rows]


def test_reading_connections_go_back_transactional(fresh_database_url: str) -> None:
    with psycopg.connect(fresh_database_url, autocommit=True) as admin:
        admin.execute("CREATE TABLE t (x int)")
        admin.execute("GRANT ALL ON t TO PUBLIC")  # the pool may run as the application role
    database = db_module.Database(fresh_database_url, pool_size=1)
    try:
        with database.reading() as conn:
            assert conn.autocommit
            conn.execute("INSERT INTO t VALUES (1)")  # committed at once
        with pytest.raises(RuntimeError), database.connection() as conn:
            assert not conn.autocommit
            conn.execute("INSERT INTO t VALUES (2)")
            raise RuntimeError("rolled back with its transaction")
        with database.reading() as conn:
            values = [row["x"] for row in conn.execute("SELECT x FROM t").fetchall()]
        assert values == [1]
    finally:
        database.close()


def test_a_connection_is_checked_only_after_it_was_idle(fresh_database_url: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    checks: list[int] = []
    real_check = ConnectionPool.check_connection
    monkeypatch.setattr(ConnectionPool, "check_connection",
                        staticmethod(lambda conn: (checks.append(1), real_check(conn))[1]))
    clock = [1_000_000.0]
    monkeypatch.setattr(db_module.time, "time", lambda: clock[0])
    database = db_module.Database(fresh_database_url, pool_size=1)
    try:
        for _ in range(5):
            with database.reading() as conn:
                conn.execute("SELECT 1")
        first = len(checks)
        assert first <= 1  # a brand-new connection may be checked once; reuse within the window is not
        clock[0] += db_module.CHECK_AFTER_IDLE_S + 1
        with database.reading() as conn:
            conn.execute("SELECT 1")
        assert len(checks) == first + 1
        # A connection the server closed while idle is found by the check and replaced, not handed out.
        with database.reading() as conn:
            pid = conn.execute("SELECT pg_backend_pid() AS pid").fetchone()["pid"]  # type: ignore[index]
        with psycopg.connect(fresh_database_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        clock[0] += db_module.CHECK_AFTER_IDLE_S + 1
        with database.reading() as conn:
            assert conn.execute("SELECT pg_backend_pid() AS pid").fetchone()["pid"] != pid  # type: ignore[index]
    finally:
        database.close()


def test_an_import_leaves_fresh_statistics_though_the_application_role_owns_no_table(generated_app: Any) -> None:
    with generated_app.database.connection() as conn:
        role = conn.execute("SELECT current_user AS name").fetchone()
        analyzed = {row["relname"] for row in conn.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL").fetchall()}
        owners = {row["tableowner"] for row in conn.execute(
            "SELECT tableowner FROM pg_tables WHERE tablename IN ('users', 'vector_history')").fetchall()}
    assert role is not None and role["name"] not in owners  # the pool runs as a role that owns nothing
    assert {"users", "user_roles", "access_history", "role_stats", "attribute_pair_stats", "vector_history",
            "vector_policy_answer"} <= analyzed
    with pytest.raises(psycopg.errors.InsufficientPrivilege), generated_app.database.connection() as conn:
        conn.execute("SELECT askiam_analyze('audit_log')")  # only the tables the function names


def test_pooled_connections_plan_prepared_statements_once(generated_app: Any) -> None:
    with generated_app.database.reading() as conn:
        row = conn.execute("SELECT current_setting('plan_cache_mode') AS mode").fetchone()
    assert row["mode"] == db_module.PLAN_CACHE_MODE == "force_generic_plan"


def test_the_generic_plan_of_every_request_statement_is_checked(generated_app: Any) -> None:
    from bot.bench import _requests as bench_requests  # noqa: PLC0415
    from bot.bootstrap import build  # noqa: PLC0415
    from validators.query_plans import RecordingDatabase, Statement, explain  # noqa: PLC0415

    probe = build(generated_app.settings.model_copy(update={"database_url": generated_app.database_url}))
    try:
        recording = RecordingDatabase(probe.database)
        probe.__dict__["database"] = recording
        [(person, text)] = bench_requests(probe, 1, seed=3)
        probe.service.handle(person, text)
        statements = recording.statements
        plans = explain(probe.database, statements)
    finally:
        probe.close()
    with_parameters = [plan for plan, statement in zip(plans, statements, strict=True) if statement.params]
    assert len(with_parameters) >= 10
    assert not [scan for plan in plans for scan in plan.generic_scans if scan.startswith("(no generic plan")]
    assert [scan for plan in plans for scan in plan.unexpected_scans] == []

    # A statement that reads a large table whole is caught in its generic plan as well.
    class _SameConnection:
        def __init__(self, conn: Any) -> None:
            self._conn = conn

        def connection(self) -> Any:
            from contextlib import nullcontext  # noqa: PLC0415

            return nullcontext(self._conn)

    with generated_app.database.connection() as conn:
        conn.execute("CREATE TEMP TABLE wide AS SELECT n, mod(n, 7) AS k FROM generate_series(1, 5000) AS n")
        conn.execute("ANALYZE wide")
        [plan] = explain(_SameConnection(conn), [Statement("SELECT count(*) FROM wide WHERE k = %s", (3,))])
    assert plan.scans and plan.generic_scans
    assert any(scan.endswith("in the generic plan") for scan in plan.unexpected_scans)


def test_array_literals_carry_every_text_and_number_unchanged(postgres_url: str) -> None:
    """The confidence lookup sends its keys as one array literal each: texts with quotes, backslashes, braces,
    commas, blanks, "NULL" or nothing at all arrive as they were, and None arrives as NULL."""
    rng = random.Random(7)
    alphabet = 'ab ,{}"\\\'\tNULé€\U0001f600\n'
    texts: list[str | None] = ["", "NULL", "null", " padded ", '"', "\\", "{}", "a,b", "ROLE_TITLE=117905"] + [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(300)]
    texts[10:10] = [None, "NULL", None]
    numbers = [0, -1, 2**31 - 1, -(2**31)] + [rng.randint(-10**6, 10**6) for _ in range(100)]
    with psycopg.connect(postgres_url) as conn:
        got_texts, got_numbers = conn.execute(
            "SELECT %s::text[], %s::int[]", (db_module.text_array(texts), db_module.int_array(numbers))).fetchone()
        empty = conn.execute("SELECT %s::text[], %s::int[]",
                             (db_module.text_array([]), db_module.int_array([]))).fetchone()
    assert got_texts == texts
    assert got_numbers == numbers
    assert empty == ([], [])
