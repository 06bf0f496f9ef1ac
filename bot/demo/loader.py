"""Loading the built-in demo org (generated, shipped with the product) and suggesting what to ask."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bot.bootstrap import Application
from bot.decision import decide, first_failure
from bot.demo.generator import DEMO_SIZE, GeneratedOrg, generate_bundle
from bot.domain import Decision

DEMO_FOLDER_NAME = "demo-org"
# The people the demo suggests, in the order suggested: the web chat offers them first.
DEMO_PEOPLE_FILE = "demo-people.json"


@dataclass(frozen=True)
class DemoOrg:
    default_user: str
    summary: str
    suggestions: list[str]


def _loaded_source(app: Application) -> str:
    with app.database.connection() as conn:
        row = conn.execute("SELECT source FROM catalog_meta WHERE id = 1").fetchone()
    return str(row["source"]) if row else ""


def _demo_folder(app: Application) -> Path:
    """Where the demo bundle is generated; the org's recorded source when the demo org is the one loaded."""
    return app.settings.home / DEMO_FOLDER_NAME


def other_org_loaded(app: Application) -> str | None:
    """Where the org the database holds was imported from, when it is not the demo org (None when it is, or when
    nothing is loaded)."""
    source = _loaded_source(app)
    if not source or source == str(_demo_folder(app)) or app.is_empty():
        return None
    return source


def ensure_demo_org(app: Application, reset: bool = False) -> DemoOrg:
    """Generate the demo bundle (deterministic) and import it unless it is what the database already holds."""
    folder = _demo_folder(app)
    generated = generate_bundle(folder, DEMO_SIZE)
    if reset or _loaded_source(app) != str(folder):
        app.import_bundle(folder)
    suggestions, people = _suggestions(app, generated)
    (app.settings.home / DEMO_PEOPLE_FILE).write_text(json.dumps(people), encoding="utf-8")
    return DemoOrg(default_user=generated.demo_users["employee"],
                   summary=f"{generated.users} people, {generated.applications} applications, "
                           f"{generated.roles} roles, {generated.history} past decisions",
                   suggestions=suggestions)


def featured_people(app: Application) -> list[str]:
    """The user ids the demo suggested, while the demo org is the one loaded; otherwise none."""
    path = app.settings.home / DEMO_PEOPLE_FILE
    if _loaded_source(app) != str(_demo_folder(app)) or not path.is_file():
        return []
    try:
        people = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [person for person in people if isinstance(person, str)] if isinstance(people, list) else []


def _suggestions(app: Application, org: GeneratedOrg) -> tuple[list[str], list[str]]:
    """Lines to try, and the people they name in order (then the demo's other people)."""
    catalog = app.service.vocabulary().catalog

    def name(role_id: str) -> str:
        role = catalog.roles[role_id]
        return f"{role.name} in {catalog.applications[role.app_id].name}"

    employee = org.demo_users["employee"]
    approvable = _approved_on_its_own(app, employee, [org.common_role, *sorted(catalog.roles)])
    common = ((f"as {approvable[0]}: I need {name(approvable[1])}",
               f"(peers hold it: auto-approval, confidence {approvable[2]:.0%})") if approvable else
              (f"as {employee}: I need {name(org.common_role)}", "(peers hold it; the confidence decides)"))
    tries = [
        common,
        (f"as {employee}: I need {name(org.unusual_role)}", "(unusual: sent to an approver)"),
        (f"as {employee}: I need {name(org.sod_pair[1])}", "(segregation-of-duties conflict)"),
        (f"as {employee}: I need {name(org.prerequisite[0])}", "(prerequisite missing)"),
        (f"as {employee}: I need {name(org.eligibility_role)}", "(not eligible)"),
        (f"as {employee}: I need {name(org.privileged_role)}", "(privileged: owner approves)"),
        (f"as {employee}: I need admin access", "(which application? a clarifying question)"),
    ]
    width = max(len(request) for request, _ in tries) + 3
    lines = [request.ljust(width) + note for request, note in tries]
    manager = org.demo_users.get("manager")
    if manager:
        lines.append(f"as {manager}: (a manager) ask for one of your reports by name or email")
    named = [approvable[0]] if approvable else []
    people = [*named, employee, *([manager] if manager else []), *org.demo_users.values()]
    return lines, list(dict.fromkeys(people))


def _approved_on_its_own(app: Application, employee: str, role_ids: list[str],
                         max_people: int = 40) -> tuple[str, str, float] | None:
    """A (person, role, confidence) the service would approve on its own now: the employee first, then people of
    the employee's department. The hint says what the product will do (the same checks, confidence and rule), not
    what the generator meant a role to be."""
    ports = app.service.ports
    catalog = app.service.vocabulary().catalog
    first = ports.directory.get_person(employee)
    if first is None:
        return None
    with app.database.reading() as conn:
        colleagues = [row["user_id"] for row in conn.execute(
            "SELECT user_id FROM users WHERE department = %s AND status = 'active' AND user_id <> %s "
            "ORDER BY user_id LIMIT %s", (first.department, employee, max_people - 1)).fetchall()]
    threshold = app.settings.auto_approve_threshold
    for person in [first, *filter(None, map(ports.directory.get_person, colleagues))]:
        user_id = person.user_id
        for role_id in role_ids:
            role = catalog.roles.get(role_id)
            if role is None or role.privileged:
                continue
            checks = ports.rules.run_checks(user_id, user_id, role_id)
            if first_failure(checks) is not None:
                continue  # a hard check fails: no confidence could approve it
            confidence = ports.confidence.estimate(person, role).probability
            if decide(checks, role, confidence, threshold).decision is Decision.APPROVED:
                return user_id, role_id, confidence
    return None
