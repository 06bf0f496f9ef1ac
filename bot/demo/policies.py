"""The policy pages of a generated org: hand-written core documents first, then pages per application and
department, as Markdown files."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from bot.demo.org import Org
from bot.demo.vocabulary import COMPANY, DELEGATE_ROLE_ID
from bot.demo.wording import listing, slug


def _policies(org: Org, count: int) -> list[tuple[str, str]]:
    """(title, body) pairs: hand-written core documents first, then generated per-application and department pages."""
    rng = org.rng("policies")
    roles, apps, users = org.roles, org.apps, org.users
    company = COMPANY
    sod = [f"{org.label(a)} with {org.label(b)}" for _, a, b, _ in org.sod]
    privileged = [org.label(r.index) for r in roles if r.privileged and r.tier != "named"]
    prereqs = [f"{org.label(r.index)} requires {roles[r.requires].name}"
               for r in sorted(roles, key=lambda r: (not r.privileged, r.index)) if r.requires >= 0]
    employee_only = [org.label(r.index) for r in roles if ("employment_type", frozenset({"employee"})) in r.elig]
    restricted = [f"{org.label(index)} ({', '.join(values)})" for index, attribute, values in org.eligibility
                  if attribute == "department" and roles[index].privileged]
    regional = [f"{org.label(index)} ({', '.join(values)})" for index, attribute, values in org.eligibility
                if attribute == "region"]
    finance_only = [org.label(index) for index, attribute, values in org.eligibility
                    if attribute == "department" and "Finance" in values and roles[index].privileged]
    delegate = next((r for r in roles if r.role_id == DELEGATE_ROLE_ID), None)
    delegate_label = org.label(delegate.index) if delegate else "AskIAM Access Delegate"
    production = max((r for r in roles if apps[r.app].app_id == "gcp-prod"), key=lambda r: (r.depth, -r.index),
                     default=None)
    production_chain: list[str] = []
    while production is not None:
        production_chain.append(production.name)
        production = roles[production.requires] if production.requires >= 0 else None
    production_app = next((a.name for a in apps if a.app_id == "gcp-prod"), "")
    production_sod = [f"{org.label(a)} with {org.label(b)}" for _, a, b, _ in org.sod
                      if "gcp-prod" in (apps[roles[a].app].app_id, apps[roles[b].app].app_id)]
    owners = [f"{a.name} ({users[a.owner].display_name}, {org.depts[users[a.owner].dept].name})" for a in apps[:8]]

    core: list[tuple[str, list[str]]] = [
        ("Least Privilege Access Policy", [
            f"{company} grants access to its systems on a need-to-know basis. Every request names the person who "
            "needs the access, the application and the exact role, and the smallest role that lets the person do "
            "their job is the one that is granted.",
            "Access that is routine for a team, meaning that most colleagues with the same department and job title "
            "already hold it and that similar requests were approved before, may be approved automatically by "
            "AskIAM. Anything unusual goes to a human: the requester's manager or the owner of the application.",
            "People may ask for access for themselves. Managers may ask on behalf of their direct reports, and "
            "access delegates may ask on behalf of anyone. Requests for people whose account is inactive or "
            "suspended are refused.",
            "Access grows one step at a time: several roles, privileged ones above all, build on a lower role of "
            f"the same application that the person must already hold: {listing(prereqs, 12)}.",
        ]),
        ("Segregation of Duties Standard", [
            "Some pairs of roles would let one person both start a transaction and approve or hide it. These pairs "
            "are toxic combinations: nobody may hold both roles at the same time, whichever was granted first.",
            f"The combinations enforced today are {listing(sod, 6)}.",
            "A request that would create a toxic combination is refused. The person must first give up the "
            "conflicting role. Exceptions are never granted through an access request; they go to the Internal "
            "Controls committee, which documents a compensating control.",
        ]),
        ("Privileged Access Policy", [
            "Privileged roles can change configuration, move money, manage other people's access or read "
            f"sensitive personal data. Examples include {listing(privileged, 6)}.",
            "A privileged role is never approved automatically, however many peers hold it. The application owner "
            "reviews each request, and the grant is time-limited where the application supports it.",
        ]),
        ("Contractor and Temporary Staff Access", [
            "Contractors and temporary staff receive only the access named in their statement of work. Their "
            "grants carry an end date that matches the engagement, and the sponsoring manager confirms the access "
            "every quarter.",
            "Roles reserved for employees are never granted to contractors. They include "
            f"{listing(employee_only, 6)}.",
            "When an engagement ends the account is deactivated on the last working day and pending requests for "
            "that person are refused.",
        ]),
        ("Data Classification and Handling", [
            "Information is classified as Public, Internal, Confidential or Restricted. Personal data about "
            "employees and customers, bank details and credentials are Restricted.",
            "Roles that expose Restricted data or move money are limited to the departments that need them: "
            f"{listing(restricted, 6)}.",
            *([f"Customer data of the European Union stays in the region: {listing(regional, 3)}."]
              if regional else []),
            "Restricted data may not be copied to personal devices. Each grant of a role that reads Restricted "
            "data is reviewed every ninety days by the data owner.",
        ]),
        ("Production Environment Access", [
            "Production systems run the services that customers use. Engineers get read-only visibility of "
            "production by default; the ability to deploy or change production is limited to the engineers who "
            "operate those services, normally site reliability and platform engineers.",
            (f"In {production_app}, " + ", ".join(f"{a} requires {b}" for a, b in
                                                  zip(production_chain, production_chain[1:], strict=False))
             + ": each step is granted only to someone who already holds the one below it."
             if len(production_chain) > 1 else
             "Production roles build on each other: deployment rights require read access first."),
            "Production changes follow the change process in the service desk. Whoever administers production may "
            "not also approve production changes"
            + (f"; the rules forbid {listing(production_sod, 2)}." if production_sod else "."),
        ]),
        ("Access Recertification Procedure", [
            "Managers confirm the access of their direct reports every quarter. Application owners review every "
            "privileged grant each month and every grant of a Restricted-data role every ninety days.",
            "Access that is no longer needed is removed within five working days of the review. People who move "
            "to another team keep their old access for at most thirty days.",
            "Every access decision, automatic or manual, is written to the AskIAM audit log with the requester, "
            "the decision, the reason and the approver. The log is kept for seven years.",
        ]),
        ("Joiner, Mover and Leaver Standard", [
            "New joiners receive the baseline access of their department on their first day: single sign-on, "
            "the wiki, the service desk portal and the applications that nearly everyone in their team uses.",
            "When someone changes department, access tied to the old department is reviewed by the new manager "
            "and removed unless it is still needed.",
            "Leavers are deactivated in the directory on their last day; their grants are revoked automatically "
            "and their requests are refused from that moment.",
        ]),
        ("Requesting Access on Behalf of Others", [
            "Anyone may request access for themselves in AskIAM. Managers may request access for their direct "
            "reports, so that a new team member can be set up before their first day.",
            f"Members of the {delegate_label} role may request access on behalf of any person in the directory. "
            "The role is held by a few people in the identity team and is itself privileged.",
            "Requests for anybody else are refused, whatever the reason given. The decision always checks the "
            "person who will receive the access, not the person who asked.",
        ]),
        ("Emergency Access Procedure", [
            "During a declared incident the on-call lead may ask for emergency access. The request names the "
            "incident, the system and the time needed, which is at most eight hours.",
            "Emergency access never bypasses segregation of duties or eligibility rules. It is logged like any "
            "other decision and reviewed by the security team on the next working day.",
        ]),
        ("Financial Systems Access Policy", [
            "Roles that approve or release payments, maintain vendors or close accounting periods are restricted "
            f"to Finance and, where stated, Procurement or HR: {listing(finance_only, 5)}.",
            "Read-only finance roles are available to Finance staff on request and are usually approved "
            "automatically. Approval roles always need a human decision and a segregation-of-duties check.",
        ]),
        ("Application Ownership Standard", [
            "Every application has one owner who decides who may use it and reviews its privileged roles. Owners "
            f"include {listing(owners, 8)}.",
            "The owner approves requests that are not routine, keeps role descriptions accurate and tells the "
            "identity team when roles are added or retired.",
        ]),
    ]
    pages: list[tuple[str, str]] = []
    for title, paragraphs in core[:count]:
        pages.append((title, "\n\n".join(paragraphs)))
    kinds: list[tuple[str, int]] = []
    for app in apps:
        kinds += [("app", app.index), ("guide", app.index)]
        if app.index + 1 < len(org.depts):
            kinds.append(("dept", app.index + 1))
        kinds.append(("review", app.index))
    k = 0
    while len(pages) < count:
        kind, target = kinds[k % len(kinds)]
        round_ = k // len(kinds)
        k += 1
        title, body = _generated_page(org, rng, kind, target)
        if round_:
            effective = org.as_of - timedelta(days=91 * round_)
            title = f"{title} (Revision {round_ + 1})"
            body += (f"\n\nRevision {round_ + 1} took effect on {effective.isoformat()} and replaced the earlier "
                     "text after the quarterly access review.")
        pages.append((title, body))
    return pages


def _generated_page(org: Org, rng: random.Random, kind: str, target: int) -> tuple[str, str]:
    roles, users = org.roles, org.users
    if kind == "dept":
        dept = org.depts[target]
        baseline = [org.label(i) for i in org.dept_roles[target] if roles[i].tier in ("baseline", "common")]
        title = f"{dept.name} Access Handbook"
        opening = rng.choice((
            f"This handbook explains how people in {dept.name} get the access they need.",
            f"New members of {dept.name} can use this page to find the access their colleagues already have.",
        ))
        paragraphs = [
            f"{opening} Most of the team works with {listing(baseline, 5) if baseline else 'the company-wide tools'}.",
            f"Requests for these roles from {dept.name} are routine and usually approved quickly. Roles outside "
            f"the usual set of {dept.name} go to the application owner, who asks the manager for the business reason.",
            "Ask in AskIAM with the application and the role, for example 'I need the viewer role in the "
            "reporting tool'. Managers may ask on behalf of their direct reports.",
        ]
        return title, "\n\n".join(paragraphs)
    app = org.apps[target]
    app_roles = [r for r in roles if r.app == app.index]
    owner = users[app.owner]
    names = [f"{r.name}{' (privileged)' if r.privileged else ''}" for r in app_roles]
    if kind == "guide":
        title = f"Requesting Access to {app.name}"
        aliases = f" (also called {', '.join(app.aliases)})" if app.aliases else ""
        described = [f"{r.name}: {r.description[:1].lower()}{r.description[1:].rstrip('.')}" for r in app_roles]
        nicknames = [f"'{r.aliases[0]}' means {r.name}" for r in app_roles if r.aliases]
        paragraphs = [
            f"To get access to {app.name}{aliases}, ask AskIAM for the role you need. The roles are "
            f"{listing(described, 5)}.",
            *([f"People often use other words for these roles: {listing(nicknames, 4)}."] if nicknames else []),
            f"Questions about {app.name} go to its owner, {owner.display_name}.",
        ]
        return title, "\n\n".join(paragraphs)
    if kind == "review":
        title = f"{app.name} Access Review Procedure"
        privileged = [r.name for r in app_roles if r.privileged]
        paragraphs = [
            f"{owner.display_name} owns {app.name} and runs its access review. Every quarter the owner receives "
            "the list of people and roles and confirms or removes each grant.",
            (f"Privileged roles in {app.name} ({listing(privileged, 4)}) are reviewed every month, and a grant "
             "that nobody confirms is removed after ten working days." if privileged else
             f"{app.name} has no privileged roles; its grants are reviewed with the quarterly cycle."),
            "Removals are recorded in the audit log with the reviewer and the date.",
        ]
        return title, "\n\n".join(paragraphs)
    title = f"{app.name} Access Standard"
    depts = ", ".join(org.depts[d].name for d in app.home)
    used_by = "" if "used mostly by" in app.description else f" and used mostly by {depts}"
    paragraphs = [
        f"{app.name}: {app.description} It is owned by {owner.display_name}{used_by}. "
        f"It offers the roles {listing(names, 6)}.",
    ]
    conflicts = [f"{roles[a].name} with {roles[b].name}" for _, a, b, _ in org.sod
                 if roles[a].app == app.index and roles[b].app == app.index]
    if conflicts:
        paragraphs.append(f"In {app.name} nobody may hold {listing(conflicts, 3)}.")
    needs = [f"{r.name} requires {roles[r.requires].name}" for r in app_roles if r.requires >= 0]
    if needs:
        paragraphs.append(f"Some roles build on others: {listing(needs, 3)}.")
    limits = [f"{roles[i].name} is limited to {', '.join(values)}" for i, attribute, values in org.eligibility
              if roles[i].app == app.index and attribute != "employment_type"]
    if limits:
        paragraphs.append(f"Eligibility: {listing(limits, 3)}.")
    paragraphs.append(rng.choice((
        "Requests from the departments that use the application every day are routine; others need the owner's "
        "approval.",
        f"People outside {depts} need a business reason, which the owner checks before approving.",
    )))
    return title, "\n\n".join(paragraphs)


def write_policies(org: Org, folder: Path, count: int) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.md"):
        stale.unlink()
    names: set[str] = set()
    for title, body in _policies(org, count):
        name = slug(title) or "policy"
        candidate, n = name, 1
        while candidate in names:
            n += 1
            candidate = f"{name}-{n}"
        names.add(candidate)
        (folder / f"{candidate}.md").write_text(f"# {title}\n\n{body}\n", encoding="utf-8")
    return len(names)
