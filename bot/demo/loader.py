"""Loading the built-in demo org (generated, shipped with the product) and suggesting what to ask."""

from __future__ import annotations

from dataclasses import dataclass

from bot.bootstrap import Application
from bot.demo.generator import DEMO_SIZE, GeneratedOrg, generate_bundle

DEMO_FOLDER_NAME = "demo-org"


@dataclass(frozen=True)
class DemoOrg:
    default_user: str
    summary: str
    suggestions: list[str]


def _loaded_source(app: Application) -> str:
    with app.database.connection() as conn:
        row = conn.execute("SELECT source FROM catalog_meta WHERE id = 1").fetchone()
    return str(row["source"]) if row else ""


def ensure_demo_org(app: Application, reset: bool = False) -> DemoOrg:
    """Generate the demo bundle (deterministic) and import it unless it is what the database already holds."""
    folder = app.settings.home / DEMO_FOLDER_NAME
    generated = generate_bundle(folder, DEMO_SIZE)
    if reset or _loaded_source(app) != str(folder):
        app.import_bundle(folder)
    return DemoOrg(default_user=generated.demo_users["employee"],
                   summary=f"{generated.users} people, {generated.applications} applications, "
                           f"{generated.roles} roles, {generated.history} past decisions",
                   suggestions=_suggestions(app, generated))


def _suggestions(app: Application, org: GeneratedOrg) -> list[str]:
    catalog = app.service.vocabulary().catalog

    def name(role_id: str) -> str:
        role = catalog.roles[role_id]
        return f"{role.name} in {catalog.applications[role.app_id].name}"

    employee = org.demo_users["employee"]
    lines = [
        f"as {employee}: I need {name(org.common_role)}            (peers hold it: auto-approval)",
        f"as {employee}: I need {name(org.unusual_role)}           (unusual: sent to an approver)",
        f"as {employee}: I need {name(org.sod_pair[1])}            (segregation-of-duties conflict)",
        f"as {employee}: I need {name(org.prerequisite[0])}        (prerequisite missing)",
        f"as {employee}: I need {name(org.eligibility_role)}       (not eligible)",
        f"as {employee}: I need {name(org.privileged_role)}        (privileged: owner approves)",
        f"as {employee}: I need admin access                       (which application? a clarifying question)",
    ]
    manager = org.demo_users.get("manager")
    if manager:
        lines.append(f"as {manager}: (a manager) ask for one of your reports by name or email")
    return lines
