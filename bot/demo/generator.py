"""A deterministic generator of synthetic org bundles in AskIAM's import format.

The same code writes the built-in demo org (the default `OrgSize`), the generated data that tests use and the
large bundles of the benchmark. Everything is driven by `random.Random` streams seeded from `OrgSize.seed`, so a
seed always gives byte-identical files, and history rows are streamed to disk in chunks.

The data has the shape a confidence model can learn from: every role "belongs" to one or a few departments
(sometimes narrowed to job titles or to senior people), grants follow those departments, teams share a few extra
roles, and past decisions approve requests from the role's departments far more often than the rest.

The words come from `bot.demo.vocabulary`, the org is built and written by `bot.demo.org`, its policy pages by
`bot.demo.policies`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.demo.org import Org, OrgSize
from bot.demo.policies import write_policies
from bot.demo.vocabulary import DELEGATE_ROLE_ID

__all__ = ["DEFAULT_AS_OF", "DELEGATE_ROLE_ID", "DEMO_SIZE", "GeneratedOrg", "OrgSize", "generate_bundle"]

log = logging.getLogger(__name__)

DEFAULT_AS_OF = date(2026, 11, 1)
DEMO_SIZE = OrgSize()


@dataclass(frozen=True)
class GeneratedOrg:
    """What `generate_bundle` wrote, with a few ids chosen so that demos and tests have something to ask for.

    The ids are chosen so that the demo employee (`demo_users["employee"]`) gets one clear outcome per field:
    `sod_pair[1]` is denied for a segregation-of-duties conflict (the employee holds `sod_pair[0]`),
    `privileged_role` goes to an approver because it is privileged, `prerequisite[0]` is denied because the
    employee lacks `prerequisite[1]`, `eligibility_role` is denied because the employee is not eligible,
    `common_role` is what nearly all of the employee's peers hold (the candidate for auto-approval) and
    `unusual_role` is what nobody in their department holds (low confidence). `employee_only_role` is denied for
    `demo_users["contractor"]` because contractors are not eligible.
    """

    folder: Path
    as_of: date
    users: int
    applications: int
    roles: int
    grants: int
    sod_rules: int
    prerequisites: int
    eligibility: int
    history: int
    policies: int
    demo_users: dict[str, str]
    sod_pair: tuple[str, str]
    privileged_role: str
    prerequisite: tuple[str, str]
    eligibility_role: str
    employee_only_role: str
    common_role: str
    unusual_role: str
    delegate_role: str = DELEGATE_ROLE_ID



def _check(size: OrgSize) -> None:
    if size.users < 40:
        raise ValueError("users must be at least 40")
    if size.applications < 3:
        raise ValueError("applications must be at least 3 (AskIAM and two others)")
    least = max(20, 3 + 5 * (size.applications - 1))
    if size.roles < least:
        raise ValueError(f"roles must be at least {least} for {size.applications} applications")
    if size.history < 0 or size.policies < 0:
        raise ValueError("history and policies cannot be negative")


def generate_bundle(folder: Path, size: OrgSize = DEMO_SIZE, *, as_of: date = DEFAULT_AS_OF) -> GeneratedOrg:
    """Write a synthetic org bundle into folder.

    Parameters
    ----------
    folder
        Where users.csv, applications.csv, roles.csv, user_roles.csv, sod_rules.csv, prerequisites.csv,
        eligibility.csv, access_history.csv and policies/*.md are written; created if missing, files overwritten.
    size
        How many people, applications, roles, past decisions and policy pages, and the seed. The default is the
        built-in demo org.
    as_of
        The day the bundle describes: past decisions fall in the two years before it, grants start before it
        and temporary grants expire after it. Fixed by default so that a seed always gives the same bytes.

    Returns
    -------
    GeneratedOrg
        The counts written and the ids of demo people and roles (see `GeneratedOrg`).

    Raises
    ------
    ValueError
        If the size is too small to hold the demo cases.
    """
    _check(size)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    org = Org(size, as_of)
    org.build_users()
    org.build_catalog()
    org.build_teams()
    org.choose_demo()
    org.write_users(folder / "users.csv")
    org.write_catalog(folder)
    grants = org.write_grants(folder / "user_roles.csv")
    history = org.write_history(folder / "access_history.csv")
    policies = write_policies(org, folder / "policies", size.policies)
    roles, picks = org.roles, org.picks
    result = GeneratedOrg(
        folder=folder, as_of=as_of, users=len(org.users), applications=len(org.apps), roles=len(roles),
        grants=grants, sod_rules=len(org.sod), prerequisites=sum(1 for r in roles if r.requires >= 0),
        eligibility=len(org.eligibility), history=history, policies=policies, demo_users=dict(org.demo_users),
        sod_pair=(roles[picks["sod_a"]].role_id, roles[picks["sod_b"]].role_id),
        privileged_role=roles[picks["privileged"]].role_id,
        prerequisite=(roles[picks["prerequisite"]].role_id, roles[picks["required"]].role_id),
        eligibility_role=roles[picks["not_eligible"]].role_id,
        employee_only_role=roles[picks["employee_only"]].role_id,
        common_role=roles[picks["common"]].role_id,
        unusual_role=roles[picks["unusual"]].role_id,
    )
    log.info("generated org bundle in %s: %d users, %d applications, %d roles, %d grants, %d SoD rules, "
             "%d prerequisites, %d eligibility rules, %d past decisions, %d policies", folder, result.users,
             result.applications, result.roles, result.grants, result.sod_rules, result.prerequisites,
             result.eligibility, result.history, result.policies)
    return result
