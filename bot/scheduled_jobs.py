"""How the scheduled Lambda functions run a job: the application built once per process, the job traced, and a
failure raised again so the invocation fails, is retried by the schedule, and counts in the function's Errors."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from bot.bootstrap import Application, build, lambda_telemetry

_lock = threading.Lock()
_application: Application | None = None


def use_application(app: Application | None) -> None:
    """Run jobs on this application from now on (tests); None goes back to building one on first use."""
    global _application
    with _lock:
        _application = app


def _current() -> Application:
    global _application
    with _lock:
        if _application is None:
            _application = build(telemetry=lambda_telemetry())
        return _application


def run_job(name: str, context: Any, job: Callable[[Application], int]) -> int:
    """Run `job` (which returns how many things it handled) as one traced invocation named `name`."""
    app = _current()
    app.telemetry.begin(context)
    try:
        with app.telemetry.span(name):
            return job(app)
    except Exception:
        app.telemetry.error(name)
        raise
