"""Arbitrary cells in an org bundle: every import either succeeds or reports file:line problems, and a failed
import changes nothing."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakes.bundles import rules_org
from validators.errors import ImportRowError

pytestmark = pytest.mark.integration

CELLS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "'; DROP TABLE users; --", "\u202e", "true", "0", "|||", "a|b", "x" * 20_000,
                     "2025-13-45", "ana", "boss", "ldg-viewer", "\"quoted\"", "line\nbreak"]),
)
FILES = ["users.csv", "roles.csv", "applications.csv", "user_roles.csv", "sod_rules.csv", "eligibility.csv",
         "access_history.csv", "prerequisites.csv"]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rules_org(tmp_path_factory.mktemp("fuzz") / "org")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=st.sampled_from(FILES), row=st.integers(0, 5), column=st.integers(0, 10), cell=CELLS)
def test_any_cell_imports_or_is_reported_and_nothing_changes(app_factory, base: Path, tmp_path: Path, file: str,
                                                            row: int, column: int, cell: str) -> None:
    app = getattr(test_any_cell_imports_or_is_reported_and_nothing_changes, "_app", None)
    if app is None:
        app = app_factory()
        app.import_bundle(base)
        test_any_cell_imports_or_is_reported_and_nothing_changes._app = app  # type: ignore[attr-defined]
    folder = tmp_path / f"case{abs(hash((file, row, column, cell)))}"
    shutil.copytree(base, folder)
    path = folder / file
    rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
    target = rows[1 + row % (len(rows) - 1)] if len(rows) > 1 else rows[0]
    target[column % len(target)] = cell
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    with app.database.connection() as conn:
        before = conn.execute("SELECT version, (SELECT count(*) FROM users) AS users, "
                              "(SELECT count(*) FROM audit_log) AS audit FROM catalog_meta").fetchone()
    try:
        app.import_bundle(folder)
    except ImportRowError as error:
        assert error.problems and all(":" in problem for problem in error.problems)
        with app.database.connection() as conn:
            after = conn.execute("SELECT version, (SELECT count(*) FROM users) AS users, "
                                 "(SELECT count(*) FROM audit_log) AS audit FROM catalog_meta").fetchone()
        assert after == before
    else:
        outcome = app.service.handle("boss", "I need Editor in WikiWiki").outcome
        assert outcome.request_id.startswith("R-")
    finally:
        app.import_bundle(base)
