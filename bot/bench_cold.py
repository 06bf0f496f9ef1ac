"""The cold start of a Lambda handler: import it, build the application and read the catalog in a fresh Python
process against the bench database, then answer one request; the median of a few runs."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from typing import Any

HANDLERS = ("lex.handler", "bot.api.handler")

# Runs in the fresh process. The clock starts before the handler module is imported: what a Lambda's init phase
# does (the interpreter's own start is reported apart, as `interpreter_ms`).
_SCRIPT = """
import json, sys, time
started = time.perf_counter()
import {module}
imported = time.perf_counter()
from bot.bootstrap import build
app = build()
app.service.vocabulary()
initialised = time.perf_counter()
if len(sys.argv) > 2:
    app.service.handle(sys.argv[1], sys.argv[2], channel="bench")
answered = time.perf_counter()
sys.stdout.write(json.dumps({{"import_ms": (imported - started) * 1000, "init_ms": (initialised - imported) * 1000,
                             "first_request_ms": (answered - initialised) * 1000}}))
app.close()
"""
_EMPTY = "import time; started = time.perf_counter()"


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=120, check=True)
    return done.stdout


def interpreter_ms(runs: int = 3) -> float:
    """A bare interpreter's start and exit, for scale."""
    import time  # noqa: PLC0415

    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        _run(["-c", _EMPTY], dict(os.environ))
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 1)


def _bytecode_env(cache: str) -> dict[str, str]:
    """An environment whose processes read and write bytecode in `cache`, whatever this shell says
    (PYTHONDONTWRITEBYTECODE would make every start compile every module from source)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": cache}


def cold_start(database_url: str, module: str, asks: list[tuple[str, str]]) -> dict[str, float]:
    """One fresh process per (requester, text) in `asks`; the medians of import, init and the first request.

    Measured as deployed: the Lambda artifact ships its bytecode (infra/Makefile), so a first, unmeasured start
    compiles everything into a scratch cache that the measured starts read."""
    with tempfile.TemporaryDirectory(prefix="askiam-bytecode-") as cache:
        env = {**_bytecode_env(cache), "ASKIAM_DATABASE_URL": database_url, "ASKIAM_ENV": "aws",
               "ASKIAM_MIGRATE_ON_START": "false"}
        script = _SCRIPT.format(module=module)
        _run(["-c", script], env)  # imports and initialises, asks nothing
        runs: list[dict[str, Any]] = [json.loads(_run(["-c", script, requester, text], env))
                                      for requester, text in asks]
    for run in runs:
        run["cold_start_ms"] = run["import_ms"] + run["init_ms"]
    return {key: round(statistics.median(run[key] for run in runs), 1)
            for key in ("cold_start_ms", "import_ms", "init_ms", "first_request_ms")}
