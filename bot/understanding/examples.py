"""The requests the answers give as examples, taken from the org's own catalog: "I need the Viewer role in
Looker" on one org, "I need the Reader role in Imaging Archive" on another. An example that names an application
the org does not have would be the first thing a new user copies, and it would fail.

The role shown is one anyone could ask for (not privileged), preferably a read-only one by its name, and only one
that the request's reading resolves back to exactly itself, so that every example works as written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.domain import Role
from bot.ports import Catalog

# Words of role names that read as everyday, low-risk access; the first found sets the preference.
_EVERYDAY = ("viewer", "reader", "read", "read-only", "user", "member", "basic", "standard", "employee", "guest")
# At most this many roles are tried (each is read as a request once, when the catalog is loaded).
_TRIED = 40


@dataclass(frozen=True)
class Examples:
    """`request`: "I need the Viewer role in Looker"; `with_end`: the same application, another role, for two
    weeks; `someone_else`: "... needs Viewer in Looker" (for a report, the name goes first); `application`: the
    application's name, for "what roles does Looker have?"."""

    request: str
    with_end: str
    someone_else: str
    application: str

    @classmethod
    def generic(cls) -> Examples:
        """For a catalog with no role anyone could ask for (or none yet)."""
        return cls("I need the <role> role in <application>", "I need <role> in <application> for two weeks",
                   "... needs <role> in <application>", "<application>")


def examples_of(catalog: Catalog, resolves_to: Callable[[str], Role | None]) -> Examples:
    """The examples for this catalog; `resolves_to` reads a request's text and gives the role it names, if one."""
    candidates = _candidates(catalog)
    chosen = _first_understood(candidates, resolves_to,
                               lambda role: f"I need the {role.name} role in {catalog.applications[role.app_id].name}")
    if chosen is None:
        return Examples.generic()
    app = catalog.applications[chosen.app_id]
    siblings = [role for role in candidates if role.app_id == app.app_id and role.role_id != chosen.role_id]
    second = _first_understood(siblings, resolves_to, lambda role: f"I need {role.name} in {app.name}") or chosen
    return Examples(request=f"I need the {chosen.name} role in {app.name}",
                    with_end=f"I need {second.name} in {app.name} for two weeks",
                    someone_else=f"... needs {chosen.name} in {app.name}", application=app.name)


def _candidates(catalog: Catalog) -> list[Role]:
    """Roles anyone could ask for: everyday ones first, then short names (easy to type), then by name."""
    def rank(role: Role) -> tuple[int, int, int, str, str]:
        words = role.name.casefold().split()
        app_name = catalog.applications[role.app_id].name
        everyday = next((index for index, word in enumerate(_EVERYDAY) if word in words), len(_EVERYDAY))
        return everyday, len(words), len(app_name.split()), app_name.casefold(), role.name.casefold()

    askable = [role for role in catalog.roles.values() if not role.privileged and role.app_id in catalog.applications]
    return sorted(askable, key=rank)


def _first_understood(roles: list[Role], resolves_to: Callable[[str], Role | None],
                      text_of: Callable[[Role], str]) -> Role | None:
    for role in roles[:_TRIED]:
        found = resolves_to(text_of(role))
        if found is not None and found.role_id == role.role_id:
            return role
    return None
