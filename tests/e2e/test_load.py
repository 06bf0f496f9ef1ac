"""Load and a short soak through the local HTTP server on loopback, bounded in count and time, then an account:
every request answered once, one decision and one audit record each, the chain intact, memory bounded."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bench import _requests
from bot.demo.generator import OrgSize, generate_bundle
from bot.loadtest import account, rss_mb, run_load

pytestmark = pytest.mark.integration


@pytest.fixture
def loaded_app(app_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    app = app_factory(rate_limit_per_minute=None)
    generate_bundle(tmp_path / "org", OrgSize(users=400, applications=12, roles=60, history=4000, policies=10,
                                              seed=3))
    app.import_bundle(tmp_path / "org")
    return app


def test_concurrent_requesters_lose_nothing(loaded_app) -> None:  # type: ignore[no-untyped-def]
    from bot.api.local_server import serving

    work = _requests(loaded_app, 240, seed=5)
    with serving(loaded_app) as url:
        result = run_load(url, work, concurrency=8, deadline_s=300)
    report = account(loaded_app, result, since_seq=0)
    assert result.sent == len(work) and result.errors == {}, result.errors
    assert report["answered"] == report["distinct_request_ids"] == report["stored_requests"] == len(work)
    assert report["audit_records_for_them"] == len(work) and report["lost"] == 0
    assert report["chain_ok"] and report["chain_records"] == len(work) + 1  # and the import's own record


def test_a_short_soak_keeps_memory_bounded(loaded_app) -> None:  # type: ignore[no-untyped-def]
    from bot.api.local_server import serving

    warm, soak = _requests(loaded_app, 1100, seed=9)[:100], _requests(loaded_app, 1100, seed=9)[100:]
    with serving(loaded_app) as url:
        run_load(url, warm, concurrency=4, deadline_s=120)
        before = rss_mb()
        result = run_load(url, soak, concurrency=4, deadline_s=15)
        after = rss_mb()
    assert result.sent > 50 and result.errors == {}
    assert after - before < 100, f"resident memory grew from {before} MB to {after} MB"
    assert account(loaded_app, result, since_seq=0)["lost"] == 0
