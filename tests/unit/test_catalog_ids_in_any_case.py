"""Catalog ids typed in any case: the one id they name, never a guess between ids told apart by case alone."""

from __future__ import annotations

from bot.domain import Application, Role
from bot.ports import Catalog

CATALOG = Catalog(
    version=1,
    applications={app.app_id: app for app in (Application(app_id="harbor", name="Harbor"),
                                              Application(app_id="Prism", name="Prism Analytics"),
                                              Application(app_id="PRISM", name="Prism Legacy"))},
    roles={role.role_id: role for role in (Role(role_id="harbor-dev", app_id="harbor", name="Developer"),)},
)


def test_an_id_in_another_case_is_the_catalogs_id() -> None:
    assert CATALOG.application_by_id("HARBOR") == CATALOG.applications["harbor"]
    assert CATALOG.role_by_id("Harbor-Dev") == CATALOG.roles["harbor-dev"]


def test_an_id_nothing_has_in_any_case_is_none() -> None:
    assert CATALOG.application_by_id("starship") is None
    assert CATALOG.role_by_id("harbor-devs") is None


def test_ids_told_apart_by_case_alone_need_their_exact_case() -> None:
    assert CATALOG.application_by_id("PRISM").name == "Prism Legacy"  # type: ignore[union-attr]
    assert CATALOG.application_by_id("Prism").name == "Prism Analytics"  # type: ignore[union-attr]
    assert CATALOG.application_by_id("prism") is None
