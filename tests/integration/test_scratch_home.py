"""Commands that work in a database of their own (bench, loadtest, confidence) leave no server behind."""

from __future__ import annotations

import time
from pathlib import Path

import psutil

from bot.cli.scratch import scratch_application
from tests.conftest import make_app


def _servers_under(folder: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if "postgres" in cmdline and str(folder) in cmdline:
            found.append(process)
    return found


def test_the_scratch_server_is_stopped_before_its_home_is_removed(fresh_database_url: str, tmp_path: Path) -> None:
    app = make_app(fresh_database_url, tmp_path)
    try:
        with scratch_application(app, "test") as scratch:
            home = scratch.settings.home
            assert scratch.is_empty()  # the embedded server is up and migrated
            assert _servers_under(home), "the embedded server should run while the scratch application is in use"
        deadline = time.monotonic() + 10
        while _servers_under(home) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _servers_under(home), "the embedded server outlived its temporary home"
        assert not home.exists()
    finally:
        app.close()
