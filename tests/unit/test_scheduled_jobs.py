"""The scheduled functions' runner and the local servers' periodic job: pure logic, with fakes."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import pytest

from bot import scheduled_jobs
from bot.periodic import Periodic

WAIT_S = 10.0  # how long a test waits for the other thread before failing; never a measured time


class RecordingTelemetry:
    def __init__(self) -> None:
        self.begun: list[object] = []
        self.spans: list[str] = []
        self.errors: list[str] = []

    def begin(self, context: object) -> None:
        self.begun.append(context)

    def span(self, name: str) -> Any:
        self.spans.append(name)
        return _NullContext()

    def error(self, component: str) -> None:
        self.errors.append(component)


class _NullContext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.fixture
def fake_app():  # type: ignore[no-untyped-def]
    app = SimpleNamespace(telemetry=RecordingTelemetry())
    scheduled_jobs.use_application(app)  # type: ignore[arg-type]
    yield app
    scheduled_jobs.use_application(None)


def test_a_job_runs_traced_and_returns_its_count(fake_app) -> None:  # type: ignore[no-untyped-def]
    context = object()
    assert scheduled_jobs.run_job("expiry", context, lambda app: 3 if app is fake_app else -1) == 3
    assert fake_app.telemetry.begun == [context] and fake_app.telemetry.spans == ["expiry"]
    assert fake_app.telemetry.errors == []


def test_a_failing_job_fails_the_invocation_and_is_counted(fake_app) -> None:  # type: ignore[no-untyped-def]
    def broken(app: object) -> int:
        raise RuntimeError("database unreachable")

    with pytest.raises(RuntimeError, match="database unreachable"):
        scheduled_jobs.run_job("expiry", None, broken)
    assert fake_app.telemetry.errors == ["expiry"]


def test_the_relay_without_an_event_bus_fails_rather_than_publishing_nowhere(fake_app) -> None:  # type: ignore[no-untyped-def]
    from outbox.publisher import lambda_handler

    fake_app.settings = SimpleNamespace(event_bus_name=None)
    with pytest.raises(RuntimeError, match="ASKIAM_EVENT_BUS_NAME"):
        lambda_handler({}, None)
    assert fake_app.telemetry.errors == ["outbox"]


def test_a_periodic_job_runs_at_once_again_after_a_failure_and_stops() -> None:
    runs: list[int] = []
    third_run = threading.Event()

    def job() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("first run fails")
        if len(runs) >= 3:
            third_run.set()

    periodic = Periodic("test-job", 0.01, job)
    periodic.start()
    assert third_run.wait(WAIT_S), runs  # the failure did not end the loop
    periodic.stop()
    assert not periodic._thread.is_alive()
    stopped_at = len(runs)
    threading.Event().wait(0.1)  # ten intervals
    assert len(runs) == stopped_at  # nothing runs once stopped


def test_a_periodic_job_needs_a_positive_interval() -> None:
    with pytest.raises(ValueError, match="positive"):
        Periodic("never", 0, lambda: None)
