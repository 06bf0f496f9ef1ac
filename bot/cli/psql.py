"""`askiam db psql`: PostgreSQL's own shell on the database in use, signed in as AskIAM is."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

from bot.cli.output import EXIT_USAGE, err
from validators.db_auth import DatabaseTarget


def find_psql() -> Path | None:
    """The psql of the pgserver wheel (it matches the embedded server), else the one on PATH."""
    try:
        from pgserver._commands import POSTGRES_BIN_PATH  # noqa: PLC0415 - the local extra, absent in Lambda

        bundled: Path | None = Path(POSTGRES_BIN_PATH) / "psql"
    except ImportError:
        bundled = None
    if bundled is not None and bundled.is_file():
        return bundled
    found = shutil.which("psql")
    return Path(found) if found else None


def run_psql(target: DatabaseTarget, arguments: list[str]) -> int:
    """Run psql on `target` until it exits and return its exit code; the password, when the sign-in needs one
    (a secret, an IAM token), goes through the environment, never the command line."""
    psql = find_psql()
    if psql is None:
        err("askiam db psql: psql was not found; install the 'local' extra or PostgreSQL's client, "
            "or use the URL of `askiam db url`")
        return EXIT_USAGE
    environment = dict(os.environ)
    if target.password is not None:
        environment["PGPASSWORD"] = target.password()
    extra = arguments[1:] if arguments[:1] == ["--"] else arguments
    # Ctrl-C belongs to psql (it cancels the running query); this process only waits for psql to exit.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return subprocess.run([str(psql), target.url, *extra], env=environment, check=False).returncode
    finally:
        signal.signal(signal.SIGINT, previous)
