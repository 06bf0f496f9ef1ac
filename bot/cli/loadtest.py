"""`askiam loadtest`: concurrent requesters through the local HTTP server, then an account of every decision."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.bootstrap import Application
from bot.cli.output import EXIT_FAILED, EXIT_OK, out
from bot.cli.scratch import scratch_application


def run(app: Application, requests: int, concurrency: int, soak_seconds: float) -> dict[str, Any]:
    """Load a generated org, serve it on loopback, send the load (then the soak), and account for it."""
    from bot.api.local_server import serving  # noqa: PLC0415
    from bot.bench import _requests  # noqa: PLC0415
    from bot.demo.generator import OrgSize, generate_bundle  # noqa: PLC0415
    from bot.loadtest import account, rss_mb, run_load  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="askiam-load-org-") as folder:
        generate_bundle(Path(folder), OrgSize(users=2000, applications=20, roles=150, history=20_000, policies=20))
        app.import_bundle(Path(folder))
    with app.database.connection() as conn:
        row = conn.execute("SELECT seq FROM audit_head WHERE id = 1").fetchone()
    since = int(row["seq"]) if row else 0
    # One list of distinct (person, role) pairs, split between the load and the soak: a pair asked twice would
    # (rightly) be answered with the request still pending from the first time.
    pairs = _requests(app, requests + (100_000 if soak_seconds > 0 else 0), seed=11)
    work, more = pairs[:requests], pairs[requests:]
    report: dict[str, Any] = {}
    with serving(app) as url:
        load = run_load(url, work, concurrency)
        report["load"] = {**load.summary(), "concurrency": concurrency}
        report["account"] = account(app, load, since)
        if soak_seconds > 0:
            memory = [rss_mb()]
            soak_started = time.monotonic()
            soaked = run_load(url, more, concurrency, deadline_s=soak_seconds)
            memory.append(rss_mb())
            report["soak"] = {**soaked.summary(), "seconds": round(time.monotonic() - soak_started, 1),
                              "rss_start_mb": memory[0], "rss_end_mb": memory[-1],
                              "rss_growth_mb": round(memory[-1] - memory[0], 1)}
            report["soak_account"] = account(app, soaked, since)
    return report


def cmd_loadtest(app: Application, args: argparse.Namespace) -> int:
    with scratch_application(app, "load", env="local", rate_limit_per_minute=None) as load_app:
        report = run(load_app, args.requests, args.concurrency, args.soak_seconds)
    out(json.dumps(report, indent=None if args.json else 2))
    accounts = [report["account"], *([report["soak_account"]] if "soak_account" in report else [])]
    return EXIT_OK if all(a["lost"] == 0 and a["chain_ok"] for a in accounts) else EXIT_FAILED


def add_commands(commands: Any) -> None:
    parser = commands.add_parser("loadtest", help="concurrent requesters through the local HTTP server (loopback)")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--soak-seconds", type=float, default=0.0, help="then keep sending for this long")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=cmd_loadtest)
