"""Write a synthetic org bundle: `python -m bot.demo OUT_DIR [--users N ...]` (the defaults are the demo org)."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bot.demo.generator import DEFAULT_AS_OF, DEMO_SIZE, OrgSize, generate_bundle

log = logging.getLogger("bot.demo")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.demo", description="Write a synthetic AskIAM org bundle.")
    parser.add_argument("out_dir", type=Path, help="folder to write the bundle into (created if missing)")
    for name in ("users", "applications", "roles", "history", "policies", "seed"):
        flags = ["--apps", "--applications"] if name == "applications" else [f"--{name}"]  # as `askiam bench` spells it
        parser.add_argument(*flags, dest=name, type=int, default=getattr(DEMO_SIZE, name),
                            help=f"default {getattr(DEMO_SIZE, name)}")
    parser.add_argument("--as-of", type=date.fromisoformat, default=DEFAULT_AS_OF,
                        help=f"the day the bundle describes (YYYY-MM-DD), default {DEFAULT_AS_OF.isoformat()}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, write the bundle and report what was written.

    Parameters
    ----------
    argv
        The command-line arguments without the program name; `sys.argv[1:]` when None.

    Returns
    -------
    int
        The process exit code: 0 on success, 2 when the size is invalid.
    """
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    size = OrgSize(users=args.users, applications=args.applications, roles=args.roles, history=args.history,
                   policies=args.policies, seed=args.seed)
    started = time.perf_counter()
    try:
        org = generate_bundle(args.out_dir, size, as_of=args.as_of)
    except ValueError as exc:
        log.error("cannot generate the bundle: %s", exc)
        return 2
    elapsed = time.perf_counter() - started
    for role, user_id in org.demo_users.items():
        log.info("demo %s: %s", role, user_id)
    log.info("SoD pair %s / %s; privileged %s; prerequisite %s needs %s; not eligible %s; employee-only %s",
             *org.sod_pair, org.privileged_role, *org.prerequisite, org.eligibility_role, org.employee_only_role)
    sys.stdout.write(f"{org.folder}: {org.users} users, {org.applications} applications, {org.roles} roles, "
                     f"{org.grants} grants, {org.history} decisions, {org.policies} policies in {elapsed:.1f}s\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
