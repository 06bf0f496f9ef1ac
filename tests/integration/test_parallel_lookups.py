"""A request's three lookups run on threads of their own, or one after the other in the calling thread while every
processor is busy (ASKIAM_PARALLEL_LOOKUPS=auto), and either way give the same answer."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.bench import _requests
from bot.demo.generator import OrgSize, generate_bundle
from bot.service import AccessRequestService
from tests.conftest import make_app

pytestmark = pytest.mark.integration


class _ThreadSpy:
    """Records which thread ran each confidence lookup."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.threads: list[int] = []

    def estimate(self, *args: Any) -> Any:
        self.threads.append(threading.get_ident())
        return self._inner.estimate(*args)


@pytest.fixture
def org_app(app_factory: Any, tmp_path: Path) -> Any:
    app = app_factory(rate_limit_per_minute=None)
    bundle = generate_bundle(tmp_path / "org", OrgSize(users=300, applications=6, roles=30, history=1500,
                                                       policies=6, seed=17))
    app.import_bundle(bundle.folder)
    return app


def _service(app: Any, spy: _ThreadSpy, **options: Any) -> AccessRequestService:
    ports = dataclasses.replace(app.service.ports, confidence=spy)
    return AccessRequestService(ports, app.executor, 0.95, 5.0, rate_limit=None, **options)


@pytest.mark.parametrize(("options", "in_parallel"), [
    ({"parallel": True}, True),
    ({"parallel": False}, False),
    ({"parallel": True, "cpu_busy": lambda: False}, True),
    ({"parallel": True, "cpu_busy": lambda: True}, False),
])
def test_the_lookups_run_where_the_mode_says(org_app: Any, options: dict[str, Any], in_parallel: bool) -> None:
    spy = _ThreadSpy(org_app.service.ports.confidence)
    service = _service(org_app, spy, **options)
    turns = [service.handle(requester, text) for requester, text in _requests(org_app, 4, seed=3)]

    decided = [turn for turn in turns if turn.outcome.checks]
    assert decided, [turn.outcome.message for turn in turns]
    assert all(turn.timings.parallel is in_parallel for turn in decided)
    caller = threading.get_ident()
    assert len(spy.threads) == len(decided)
    assert all((thread != caller) is in_parallel for thread in spy.threads)
    # The confidence arrived either way: it is part of the answer's evidence.
    assert all(turn.outcome.confidence is not None for turn in decided)


def test_parallel_or_not_the_same_request_gets_the_same_answer(postgres_url: str, tmp_path: Path) -> None:
    answers = []
    for parallel in (True, False):
        name = f"askiam_parallel_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        app = make_app(psycopg.conninfo.make_conninfo(postgres_url, dbname=name), tmp_path,
                       rate_limit_per_minute=None)
        try:
            bundle = generate_bundle(tmp_path / f"org-{parallel}", OrgSize(users=200, applications=5, roles=25,
                                                                            history=1000, policies=5, seed=23))
            app.import_bundle(bundle.folder)
            service = app.service.with_parallelism(parallel)
            turns = [service.handle(requester, text) for requester, text in _requests(app, 5, seed=3)]
        finally:
            app.close()
        answers.append([(turn.outcome.decision, turn.outcome.reason, turn.outcome.confidence,
                         [(check.name, check.passed) for check in turn.outcome.checks],
                         [item.evidence_id for item in turn.outcome.evidence]) for turn in turns])
    assert any(checks for *_, checks, _ in answers[0])
    assert answers[0] == answers[1]


def test_the_setting_picks_the_mode(app_factory: Any) -> None:
    never = app_factory(parallel_lookups="never").service
    always = app_factory(parallel_lookups="always").service
    auto = app_factory(parallel_lookups="auto").service
    assert (never._parallel, never._cpu_busy) == (False, None)  # noqa: SLF001 - the wiring is what is tested
    assert (always._parallel, always._cpu_busy) == (True, None)  # noqa: SLF001
    assert auto._parallel and auto._cpu_busy is not None  # noqa: SLF001
