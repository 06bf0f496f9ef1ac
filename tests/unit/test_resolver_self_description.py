"""What a requester says they are ("As a route planner, ...", "I work in the Route Planner team") may be an
application's name as well: where the rest of the request names another application, the description is not read
as a second one; where it names none, or where the description names a role, it stays."""

from __future__ import annotations

import pytest

from bot.domain import Application, Role
from bot.ports import Catalog
from bot.understanding.resolver import CatalogVocabulary, resolve
from tests.fakes.directory import MemoryDirectory, person

ME = person("ola", "Ola Nordmann")


def _catalog() -> Catalog:
    apps = [Application(app_id="route", name="Route Planner", aliases=("routing",)),
            Application(app_id="fleet", name="Fleet", aliases=()),
            Application(app_id="depot", name="Depot Hub", aliases=())]
    roles = [Role(role_id="route-planner", app_id="route", name="Planner"),
             Role(role_id="route-viewer", app_id="route", name="Viewer"),
             Role(role_id="fleet-viewer", app_id="fleet", name="Viewer"),
             Role(role_id="fleet-dispatcher", app_id="fleet", name="Dispatcher"),
             Role(role_id="depot-clerk", app_id="depot", name="Clerk")]
    return Catalog(version=1, applications={a.app_id: a for a in apps}, roles={r.role_id: r for r in roles})


VOCAB = CatalogVocabulary.build(_catalog())


def understand(text: str):  # type: ignore[no-untyped-def]
    return resolve(text, ME, VOCAB, MemoryDirectory([ME]))


@pytest.mark.parametrize(("text", "role_id"), [
    ("As a route planner I need Viewer in Fleet", "fleet-viewer"),
    ("I'm a route planner, I need Viewer in Fleet", "fleet-viewer"),
    ("I am a Route Planner and need the Fleet Viewer role", "fleet-viewer"),
    ("I work in the Route Planner team and need Fleet Viewer", "fleet-viewer"),
    ("as a depot hub lead I need Dispatcher in Fleet please", "fleet-dispatcher"),
    # a description naming a role, not an application, is the role asked for
    ("add me to Fleet as a dispatcher", "fleet-dispatcher"),
    # a description is the only application named: it is the application
    ("As a Route Planner user I need Viewer", "route-viewer"),
])
def test_a_description_of_the_requester_is_not_a_second_application(text: str, role_id: str) -> None:
    resolved = understand(text)
    assert resolved.is_complete, resolved.clarification
    assert resolved.role is not None and resolved.role.role_id == role_id


def test_two_applications_each_with_its_role_are_still_two_requests() -> None:
    resolved = understand("I need Planner in Route Planner and Viewer in Fleet")
    assert resolved.role is None and resolved.clarification is not None
