"""Small org bundles written by tests, with people, apps and rules that no shared fixture has."""

from __future__ import annotations

import csv
from pathlib import Path

USER_COLUMNS = ["user_id", "email", "display_name", "status", "employment_type", "department", "title", "manager_id",
                "location", "cost_center", "clearance"]


def user(user_id: str, name: str, *, status: str = "active", kind: str = "employee", dept: str = "Ops",
         title: str = "Analyst", manager: str = "", location: str = "Lisbon",
         clearance: str = "basic") -> dict[str, str]:
    return {"user_id": user_id, "email": f"{user_id}@corp.test", "display_name": name, "status": status,
            "employment_type": kind, "department": dept, "title": title, "manager_id": manager,
            "location": location, "cost_center": "CC-9", "clearance": clearance}


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)


def rules_org(folder: Path) -> Path:
    """An org where each hard rule has a case: the 'Ledgerly' app with SoD, prerequisites and eligibility."""
    folder.mkdir(parents=True, exist_ok=True)
    users = [
        user("boss", "Quinn Marlowe", dept="Finance", title="Director"),
        user("ana", "Ana Ferreira", dept="Finance", title="Accountant", manager="boss"),
        user("rui", "Rui Costa", dept="Finance", title="Accountant", manager="boss"),
        user("tess", "Tess Okoro", dept="Sales", title="Account Executive", manager="boss", kind="contractor"),
        user("gone", "Gil Santos", dept="Finance", title="Accountant", manager="boss", status="suspended"),
        user("dele", "Dara Lind", dept="IT", title="Access Coordinator", manager="boss"),
        user("pat1", "Pat Rivera", dept="Ops", title="Planner", manager="boss"),
        user("pat2", "Pat Rivera", dept="Legal", title="Counsel", manager="boss"),
        user("own", "Olu Bankole", dept="IT", title="App Owner"),
    ]
    for number in range(1, 13):
        users.append(user(f"fin{number}", f"Finn Member{number}", dept="Finance", title="Accountant", manager="boss"))
    write_csv(folder / "users.csv", USER_COLUMNS, users)
    write_csv(folder / "applications.csv", ["app_id", "name", "aliases", "owner_id", "description"], [
        {"app_id": "ledgerly", "name": "Ledgerly", "aliases": "LDG|the ledger", "owner_id": "own",
         "description": "General ledger"},
        {"app_id": "wikiwiki", "name": "WikiWiki", "aliases": "wiki", "owner_id": "own", "description": "Wiki"},
        {"app_id": "askiam", "name": "AskIAM", "aliases": "", "owner_id": "own", "description": "Access"},
    ])
    write_csv(folder / "roles.csv", ["role_id", "app_id", "name", "aliases", "privileged", "description"], [
        {"role_id": "ldg-poster", "app_id": "ledgerly", "name": "Journal Poster", "aliases": "poster",
         "privileged": "false", "description": "Post journal entries"},
        {"role_id": "ldg-approver", "app_id": "ledgerly", "name": "Journal Approver", "aliases": "approver",
         "privileged": "false", "description": "Approve journal entries"},
        {"role_id": "ldg-viewer", "app_id": "ledgerly", "name": "Viewer", "aliases": "read only",
         "privileged": "false", "description": "Read the ledger"},
        {"role_id": "ldg-closer", "app_id": "ledgerly", "name": "Period Closer", "aliases": "",
         "privileged": "false", "description": "Close accounting periods"},
        {"role_id": "ldg-admin", "app_id": "ledgerly", "name": "Administrator", "aliases": "admin",
         "privileged": "true", "description": "Administer Ledgerly"},
        {"role_id": "wiki-editor", "app_id": "wikiwiki", "name": "Editor", "aliases": "",
         "privileged": "false", "description": "Edit pages"},
        {"role_id": "wiki-viewer", "app_id": "wikiwiki", "name": "Viewer", "aliases": "",
         "privileged": "false", "description": "Read pages"},
        {"role_id": "askiam-delegate", "app_id": "askiam", "name": "Access Delegate", "aliases": "delegate",
         "privileged": "true", "description": "Request for others"},
    ])
    grants = [{"user_id": "ana", "role_id": "ldg-poster"}, {"user_id": "dele", "role_id": "askiam-delegate"},
              {"user_id": "rui", "role_id": "ldg-viewer"}]
    grants += [{"user_id": f"fin{n}", "role_id": "ldg-viewer"} for n in range(1, 13)]
    write_csv(folder / "user_roles.csv", ["user_id", "role_id", "granted_at", "expires_at", "status"],
              [{**g, "granted_at": "2025-01-01", "expires_at": "", "status": "active"} for g in grants])
    write_csv(folder / "sod_rules.csv", ["rule_id", "role_a", "role_b", "description"], [
        {"rule_id": "sod-journal", "role_a": "ldg-poster", "role_b": "ldg-approver",
         "description": "Who posts a journal entry must not approve it."}])
    write_csv(folder / "prerequisites.csv", ["role_id", "requires_role_id"],
              [{"role_id": "ldg-closer", "requires_role_id": "ldg-viewer"}])
    write_csv(folder / "eligibility.csv", ["role_id", "attribute", "allowed_values"], [
        {"role_id": "ldg-approver", "attribute": "department", "allowed_values": "Finance"},
        {"role_id": "ldg-closer", "attribute": "clearance", "allowed_values": "basic|high"},
        {"role_id": "ldg-admin", "attribute": "employment_type", "allowed_values": "employee"}])
    history = []
    for number in range(60):
        member = f"fin{number % 12 + 1}"
        history.append({"request_id": f"p{number}", "user_id": member, "role_id": "ldg-viewer",
                        "decision": "approved", "decided_at": "2025-02-01T09:00:00Z", "decided_by": "boss"})
        history.append({"request_id": f"q{number}", "user_id": "tess" if number % 2 else "pat2",
                        "role_id": "ldg-viewer", "decision": "denied", "decided_at": "2025-02-01T09:00:00Z",
                        "decided_by": "boss"})
    write_csv(folder / "access_history.csv",
              ["request_id", "user_id", "role_id", "decision", "decided_at", "decided_by"], history)
    (folder / "policies").mkdir(exist_ok=True)
    (folder / "policies" / "ledger-duties.md").write_text(
        "# Ledger Duties Rule\nNobody may both post journal entries and approve them: posting and approving "
        "journals are separated duties.\n\nThe Journal Approver role is limited to the Finance department.\n")
    (folder / "policies" / "office.md").write_text(
        "# Office Plants\nPlants in the office are watered on Fridays by the facilities team.\n")
    return folder


def international_org(folder: Path) -> Path:
    """`rules_org` with people whose names no ASCII pattern reads (Łukasz, 王伟, O'Brien, Mary-Jane), an id with a
    dash, someone whose name is a role's (Vic Editor), and a role whose eligibility names accented places written
    in capitals."""
    rules_org(folder)
    with (folder / "users.csv").open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=USER_COLUMNS)
        for row in (user("lwis", "Łukasz Wiśniewski", manager="boss", location="Zürich"),
                    user("wwang", "王伟", manager="boss", location="São Paulo"),
                    user("sobrien", "Siobhán O'Brien", manager="boss"),
                    user("mjw", "Mary-Jane Watson", manager="boss"),
                    user("lukasz-w", "Lukas Weber", manager="boss"),
                    user("veditor", "Vic Editor", manager="boss")):
            writer.writerow(row)
    with (folder / "roles.csv").open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(["wiki-translator", "wikiwiki", "Translator", "", "false", "Translate pages"])
    with (folder / "eligibility.csv").open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(["wiki-translator", "location", "ZÜRICH|SAO PAULO"])
    return folder
