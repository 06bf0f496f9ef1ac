"""The rules org with an auditor: the role `askiam-auditor` in the AskIAM app, held by Aud Itor ('audra')."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.fakes.bundles import USER_COLUMNS, rules_org, user

AUDITOR = "audra"


def _append(path: Path, row: dict[str, str]) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        columns = next(csv.reader(handle))
    with path.open("a", newline="", encoding="utf-8") as handle:
        csv.DictWriter(handle, fieldnames=columns).writerow(row)


def console_org(folder: Path) -> Path:
    """`rules_org` plus an auditor; nobody else holds the auditor role."""
    rules_org(folder)
    auditor = user(AUDITOR, "Aud Itor", dept="Risk", title="Internal Auditor", manager="boss")
    _append(folder / "users.csv", {column: auditor[column] for column in USER_COLUMNS})
    _append(folder / "roles.csv", {"role_id": "askiam-auditor", "app_id": "askiam", "name": "Auditor",
                                   "aliases": "", "privileged": "true", "description": "Read the audit log"})
    _append(folder / "user_roles.csv", {"user_id": AUDITOR, "role_id": "askiam-auditor",
                                        "granted_at": "2025-01-01", "expires_at": "", "status": "active"})
    return folder
