"""Shared test setup: a real PostgreSQL started once per test session, and one fresh database per use."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SAMPLE_ORG = SHARED / "fixtures" / "org-sample"
SAMPLE_REQUESTS = SHARED / "fixtures" / "requests-sample.jsonl"
_counter = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a real PostgreSQL server: ASKIAM_TEST_DATABASE_URL if set, else an embedded one started here."""
    given = os.environ.get("ASKIAM_TEST_DATABASE_URL")
    if given:
        yield given
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    # Not under pytest's own temporary folder: that is private to root, and the server runs as its own user.
    folder = Path(tempfile.mkdtemp(prefix="askiam-test-pg-"))
    folder.chmod(0o755)
    server = pgserver.get_server(folder / "pgdata", cleanup_mode="delete")
    yield server.get_uri()
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


def _database_url(server_url: str, name: str) -> str:
    return psycopg.conninfo.make_conninfo(server_url, dbname=name)


@pytest.fixture
def fresh_database_url(postgres_url: str) -> str:
    """A new, empty database on the test server for one test."""
    name = f"askiam_t{os.getpid()}_{next(_counter)}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return _database_url(postgres_url, name)


def make_app(database_url: str, home: Path, **overrides: object):  # type: ignore[no-untyped-def]
    from bot.bootstrap import build
    from bot.settings import Settings

    settings = Settings(home=home, database_url=database_url, **overrides)  # type: ignore[arg-type]
    return build(settings)


@pytest.fixture
def app_factory(fresh_database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Build applications on one fresh database; every one built is closed at the end of the test."""
    built = []

    def factory(**overrides: object):  # type: ignore[no-untyped-def]
        app = make_app(fresh_database_url, tmp_path, **overrides)
        built.append(app)
        return app

    yield factory
    for app in built:
        app.close()


@pytest.fixture
def sample_app(app_factory):  # type: ignore[no-untyped-def]
    """An application with the shared sample org imported."""
    if not SAMPLE_ORG.exists():
        pytest.skip("../shared/fixtures/org-sample is not beside the project")
    app = app_factory()
    app.import_bundle(SAMPLE_ORG)
    return app


@pytest.fixture
def rules_app(app_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    """An application with `tests.fakes.bundles.rules_org` imported (each hard rule has a case there)."""
    from tests.fakes.bundles import rules_org

    app = app_factory()
    app.import_bundle(rules_org(tmp_path / "org"))
    return app
