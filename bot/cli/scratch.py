"""A database of its own for commands that must never touch the one in use (bench, loadtest, confidence)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.bootstrap import Application, build


@contextmanager
def scratch_application(app: Application, name: str, **overrides: object) -> Iterator[Application]:
    """An application like `app` on a new embedded PostgreSQL in a temporary home. On the way out the application
    is closed, its server stopped (before its files go: a server whose data folder is deleted under it keeps
    running) and the home removed."""
    from validators.db import stop_embedded  # noqa: PLC0415 - adapters load only when used

    with tempfile.TemporaryDirectory(prefix=f"askiam-{name}-home-") as home:
        scratch = build(app.settings.model_copy(update={"home": Path(home), "database_url": None, **overrides}))
        try:
            yield scratch
        finally:
            scratch.close()
            stop_embedded(Path(home))
