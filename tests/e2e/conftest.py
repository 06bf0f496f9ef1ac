"""The local server on a free port, in a thread, serving a test application with the rules org."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.bundles import rules_org


@pytest.fixture
def rules_app(app_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    application = app_factory()
    application.import_bundle(rules_org(tmp_path / "org"))
    return application


@pytest.fixture
def server_url(rules_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from bot.api.local_server import serving

    with serving(rules_app) as url:
        yield url
