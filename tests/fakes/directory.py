"""An in-memory Directory for unit tests of request understanding (no database)."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process

from bot.domain import Application, Person, Role
from bot.ports import Catalog
from bot.understanding.text import fold


class MemoryDirectory:
    def __init__(self, people: Sequence[Person]) -> None:
        self.people = {person.user_id: person for person in people}

    def get_person(self, user_id: str) -> Person | None:
        return self.people.get(user_id)

    def find_people(self, *, emails: Sequence[str], names: Sequence[str], user_ids: Sequence[str]) -> list[Person]:
        return sorted((p for p in self.people.values()
                       if p.email.casefold() in emails or fold(p.display_name) in names
                       or p.user_id.casefold() in {u.casefold() for u in user_ids}), key=lambda p: p.user_id)

    def suggest_people(self, phrase: str, limit: int = 5, manager_id: str | None = None) -> list[Person]:
        choices = {p.user_id: fold(p.display_name) for p in self.people.values()
                   if manager_id is None or p.manager_id == manager_id}
        return [self.people[key] for _, _, key in
                process.extract(fold(phrase), choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=60)]

    def reports_of(self, manager_id: str, limit: int = 8) -> list[Person]:
        return sorted((p for p in self.people.values() if p.manager_id == manager_id and p.is_active),
                      key=lambda p: (p.display_name, p.user_id))[:limit]


def person(user_id: str, name: str, **fields: str) -> Person:
    return Person(user_id=user_id, email=f"{user_id}@unit.test", display_name=name, status="active", **fields)


def catalog() -> Catalog:
    apps = [Application(app_id="crm", name="Orbit CRM", aliases=("Orbit", "CRM")),
            Application(app_id="hr", name="PeopleHub", aliases=("PH", "people hub")),
            Application(app_id="s4", name="Finanz S/4", aliases=("S4", "Finanz"))]
    roles = [Role(role_id="crm-rep", app_id="crm", name="Sales Rep", aliases=("standard user",)),
             Role(role_id="crm-admin", app_id="crm", name="System Administrator", aliases=("admin", "sys admin"),
                  privileged=True),
             Role(role_id="crm-viewer", app_id="crm", name="Viewer", aliases=("read only",)),
             Role(role_id="hr-analyst", app_id="hr", name="HR Analyst", aliases=("hr reporting",)),
             Role(role_id="hr-viewer", app_id="hr", name="Viewer"),
             Role(role_id="s4-clerk", app_id="s4", name="AP Clerk", aliases=("accounts payable clerk",)),
             Role(role_id="s4-approver", app_id="s4", name="AP Approver", aliases=("invoice approver",))]
    return Catalog(version=1, applications={a.app_id: a for a in apps}, roles={r.role_id: r for r in roles})
