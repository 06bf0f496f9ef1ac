"""`askiam index rebuild`: re-ingest the vector indexes (past decisions, policy passages and the catalog's stored
query vectors) from PostgreSQL, the system of record, with a progress bar on standard error."""

from __future__ import annotations

import argparse
from typing import Any

from bot.bootstrap import Application
from bot.cli.output import EXIT_OK, out
from bot.cli.progress import ProgressBar


def cmd_index_rebuild(app: Application, args: argparse.Namespace) -> int:
    history, policies = args.only in (None, "history"), args.only in (None, "policies")
    app.ensure_indexes()
    with app.database.connection() as conn:
        row = conn.execute("SELECT count(*) AS n FROM access_history").fetchone()
    history_bar = ProgressBar("past decisions", int(row["n"]) if row else 0)
    policy_bar = ProgressBar("policy passages", 0)
    rebuilt = app.rebuild_indexes(history=history, policies=policies, history_progress=history_bar.update,
                                  policy_progress=policy_bar.update)
    for bar, used in ((history_bar, history), (policy_bar, policies)):
        if used:
            bar.finish()
    index = app.settings.vector_index
    parts = []
    if history:
        seconds = rebuilt.seconds["index_history"]
        parts.append(f"{rebuilt.history:,} past decisions in {seconds:.1f} s "
                     f"({rebuilt.history / seconds if seconds else 0:,.0f}/s)")
    if policies:
        parts.append(f"{rebuilt.passages:,} policy passages and {rebuilt.queries:,} query vectors in "
                     f"{rebuilt.seconds['index_policies']:.1f} s")
    out(f"rebuilt the {index} index: " + "; ".join(parts))
    return EXIT_OK


def add_commands(subparsers: Any) -> None:
    """Register `index rebuild` on the `askiam` sub-command parser."""
    parser = subparsers.add_parser("index", help="vector index commands")
    commands = parser.add_subparsers(dest="index_command", required=True)
    p = commands.add_parser("rebuild", help="re-ingest the vector indexes from PostgreSQL")
    p.add_argument("--only", choices=("history", "policies"), help="rebuild one index only (default: both)")
    p.set_defaults(handler=cmd_index_rebuild)
