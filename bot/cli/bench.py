"""`askiam bench`: a synthetic org of a chosen size in a database of its own, and the figures of `ask` on it."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.bootstrap import Application
from bot.cli.output import EXIT_OK, EXIT_USAGE, err, out
from bot.cli.scratch import scratch_application


def cmd_bench(app: Application, args: argparse.Namespace) -> int:
    """Runs in a database of its own (a new embedded server in a temporary home), never the one in use."""
    from bot.bench import BenchOptions, run_bench  # noqa: PLC0415
    from bot.bench_curve import parse_sizes  # noqa: PLC0415
    from bot.demo.generator import OrgSize  # noqa: PLC0415

    try:
        curve = parse_sizes(args.curve) if args.curve else ()
    except ValueError as exc:
        err(f"askiam: --curve: {exc}")
        return EXIT_USAGE
    if any(history > args.history for history in curve):
        err(f"askiam: --curve: the sizes are samples of the org's history, at most --history ({args.history})")
        return EXIT_USAGE
    size = OrgSize(users=args.users, applications=args.applications, roles=args.roles, history=args.history,
                   policies=args.policies, seed=args.seed)
    options = BenchOptions(size=size, requests=args.requests, warmup=args.warmup, concurrency=args.concurrency,
                           concurrent_requests=args.concurrent_requests, workers=args.workers, curve=curve,
                           curve_requests=args.curve_requests, plans=not args.no_plans)
    with scratch_application(app, "bench", rate_limit_per_minute=None) as bench_app:
        result = run_bench(bench_app, options)
    if args.json:
        out(json.dumps(result))
    else:
        for key, value in result.items():
            if key == "plans":  # every statement's plan: --json has them
                value = {name: value[name] for name in ("statements", "full_scans", "all_indexed") if name in value}
            out(f"{key:>26}: {json.dumps(value) if isinstance(value, dict | list) else value}")
    return EXIT_OK


def add_commands(commands: Any) -> None:
    p = commands.add_parser("bench", help="build a synthetic org in its own database and measure requests")
    p.add_argument("--users", type=int, default=50_000)
    p.add_argument("--apps", "--applications", dest="applications", type=int, default=200)
    p.add_argument("--roles", type=int, default=2000)
    p.add_argument("--history", type=int, default=1_000_000, help="past decisions")
    p.add_argument("--policies", type=int, default=500, help="policy pages")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--requests", type=int, default=300, help="measured one at a time (and as many sequentially)")
    p.add_argument("--warmup", type=int, default=30)
    p.add_argument("--concurrency", type=int, default=8, help="concurrent requesters")
    p.add_argument("--concurrent-requests", type=int, default=800, help="requests sent by the concurrent requesters")
    p.add_argument("--workers", choices=("processes", "threads"), default="processes",
                   help="a process per requester (as each concurrent Lambda invocation), or threads in this one")
    p.add_argument("--curve", default="", metavar="SIZES",
                   help="also measure latency at these history sizes (comma-separated samples of the org's history, "
                        "each a full re-import); the full size is added")
    p.add_argument("--curve-requests", type=int, default=100, help="requests measured at each history size")
    p.add_argument("--no-plans", action="store_true", help="skip EXPLAIN ANALYZE of the request's statements")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_bench)
