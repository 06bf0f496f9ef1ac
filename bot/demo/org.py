"""The org being generated: people, applications, roles and rules built from `bot.demo.vocabulary`, and the CSV
files of the import format written from them. Every random choice comes from a stream seeded by phase."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bot.demo.vocabulary import (
    ASKIAM,
    CORE_DEPARTMENTS,
    CROSS_SOD,
    CURATED,
    EMAIL_DOMAIN,
    EXECUTIVE,
    EXTRA_DEPARTMENTS,
    FIRST_NAMES,
    LAST_NAMES,
    LOCATIONS,
    TIER_GRANT,
    AppSpec,
    DeptSpec,
    RoleSpec,
    generated_apps,
    generic_roles,
)
from bot.demo.wording import joined, login

HISTORY_DAYS = 730

USER_COLUMNS = ("user_id", "email", "display_name", "status", "employment_type", "department", "title",
                "manager_id", "location", "cost_center", "region")
APPLICATION_COLUMNS = ("app_id", "name", "aliases", "owner_id", "description")
ROLE_COLUMNS = ("role_id", "app_id", "name", "aliases", "privileged", "description")
GRANT_COLUMNS = ("user_id", "role_id", "granted_at", "expires_at", "status")
SOD_COLUMNS = ("rule_id", "role_a", "role_b", "description")
PREREQUISITE_COLUMNS = ("role_id", "requires_role_id")
ELIGIBILITY_COLUMNS = ("role_id", "attribute", "allowed_values")
HISTORY_COLUMNS = ("request_id", "user_id", "role_id", "decision", "decided_at", "decided_by")

_CHUNK = 20_000


@dataclass(frozen=True)
class OrgSize:
    """How big the generated org is; the defaults are the built-in demo org."""

    users: int = 300
    applications: int = 12
    roles: int = 60
    history: int = 4000
    policies: int = 10
    seed: int = 7


def _apportion(total: int, weights: Sequence[float], minimum: int) -> list[int]:
    """Split total into len(weights) integers of at least minimum, proportional to weights (largest remainder)."""
    spare = total - minimum * len(weights)
    weight_sum = sum(weights)
    raw = [spare * weight / weight_sum for weight in weights]
    counts = [int(value) for value in raw]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - raw[i], i))
    for i in order[: spare - sum(counts)]:
        counts[i] += 1
    return [count + minimum for count in counts]


@dataclass(slots=True)
class _User:
    index: int
    first: str
    last: str
    display_name: str
    dept: int
    title: str
    level: int
    manager: int
    contractor: bool
    status: str
    location: str
    region: str
    cost_center: str
    user_id: str = ""
    reports: int = 0


@dataclass(slots=True)
class _App:
    index: int
    app_id: str
    name: str
    aliases: tuple[str, ...]
    owner: int
    description: str
    home: tuple[int, ...]
    domain: str


@dataclass(slots=True)
class _Role:
    index: int
    role_id: str
    app: int
    slug: str
    name: str
    aliases: tuple[str, ...]
    privileged: bool
    depts: frozenset[int]
    universal: bool
    tier: str
    senior: bool
    titles: tuple[str, ...]
    elig: tuple[tuple[str, frozenset[str]], ...]
    description: str
    owner: int = 0
    requires: int = -1
    depth: int = 0
    conflicts: tuple[int, ...] = ()


class Org:
    """An org under construction: `build_users`, `build_catalog`, `build_teams` and `choose_demo` in that order,
    then the `write_*` methods write the bundle's files."""

    def __init__(self, size: OrgSize, as_of: date) -> None:
        self.size = size
        self.as_of = as_of
        extra = min(len(EXTRA_DEPARTMENTS), max(0, (size.users - 300) // 400))
        self.depts: list[DeptSpec] = [
            DeptSpec(EXECUTIVE, "EXE", 0, 0, (("Executive Assistant", 1, 1.0),), "", "", "Chief Executive Officer"),
            *CORE_DEPARTMENTS, *EXTRA_DEPARTMENTS[:extra],
        ]
        self.dept_index = {spec.name: i for i, spec in enumerate(self.depts)}
        self.users: list[_User] = []
        self.apps: list[_App] = []
        self.roles: list[_Role] = []
        self.sod: list[tuple[str, int, int, str]] = []
        self.eligibility: list[tuple[int, str, tuple[str, ...]]] = []
        self.dept_roles: list[list[int]] = []
        self.universal: list[int] = []
        self.team_extras: dict[int, tuple[int, ...]] = {}
        self.lenient: set[int] = set()
        self.forced_in: dict[int, list[int]] = {}
        self.forced_out: dict[int, set[int]] = {}
        self.demo_users: dict[str, str] = {}
        self.picks: dict[str, int] = {}
        self._plans: dict[tuple[int, str, bool, str], list[tuple[int, float]]] = {}
        self._requires: list[tuple[int, int]] = []
        self._managers: dict[int, list[int]] = {}
        self._role_ids: set[str] = set()

    def rng(self, phase: str) -> random.Random:
        return random.Random(f"askiam-demo:{self.size.seed}:{phase}")

    # ---------------------------------------------------------------------------------------------- directory

    def build_users(self) -> None:
        rng = self.rng("users")
        n = self.size.users
        hq, hq_region = LOCATIONS[0]

        def person(dept: int, title: str, level: int, manager: int, contractor: bool, status: str,
                   location: tuple[str, str], cost_center: str) -> None:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            self.users.append(_User(len(self.users), first, last, self._display(rng, first, last), dept, title,
                                    level, manager, contractor, status, location[0], location[1], cost_center))

        person(0, "Chief Executive Officer", 6, -1, False, "active", (hq, hq_region), "EXE-1000")
        person(0, "Chief of Staff", 4, 0, False, "active", (hq, hq_region), "EXE-1000")
        if n >= 200:
            person(0, "Executive Assistant", 1, 0, False, "active", (hq, hq_region), "EXE-1000")
        sizes = _apportion(n - len(self.users), [spec.weight for spec in self.depts[1:]], 3)
        for offset, (spec, count) in enumerate(zip(self.depts[1:], sizes, strict=True)):
            self._build_department(rng, offset + 1, spec, count)
        for user in self.users:
            if user.manager >= 0:
                self.users[user.manager].reports += 1
        self._ensure_variety()
        self._name_users(rng)

    def _ensure_variety(self) -> None:
        """Tiny orgs still get at least two contractors and someone inactive and suspended."""
        leaves = [u for u in reversed(self.users) if not u.reports and u.manager > 0]
        contractors = [u for u in leaves if u.contractor]
        for user in leaves:
            if len(contractors) >= 2:
                break
            if not user.contractor and user.status == "active":
                user.contractor = True
                contractors.append(user)
        for status in ("inactive", "suspended"):
            if not any(u.status == status for u in self.users):
                spare = next(u for u in leaves if u.status == "active" and not u.contractor)
                spare.status = status

    def _display(self, rng: random.Random, first: str, last: str) -> str:
        """Big directories use middle initials, as real ones do, so that most (not all) names are unique."""
        if self.size.users > 2000 and rng.random() < 0.75:
            return f"{first} {rng.choice('ABCDEFGHJKLMNPRSTVW')}. {last}"
        return f"{first} {last}"

    def _build_department(self, rng: random.Random, dept: int, spec: DeptSpec, count: int) -> None:
        span = rng.randint(4, 7)
        base = len(self.users)
        depth = [0] * count
        team = [0] * count
        homes: dict[int, tuple[str, str]] = {}
        titles = [title for title, _, _ in spec.ic_titles]
        levels = {title: level for title, level, _ in spec.ic_titles}
        weights = [weight for _, _, weight in spec.ic_titles]
        for i in range(count):
            parent = (i - 1) // span if i else -1
            if i:
                depth[i] = depth[parent] + 1
                team[i] = i if depth[i] == 1 else team[parent]
            has_reports = span * i + 1 < count
            if i == 0:
                title, level = spec.head_title, 5
            elif has_reports:
                director = depth[i] == 1 and count >= 4 * span * span
                title, level = (spec.director_title, 4) if director else (spec.manager_title, 3)
            else:
                title = rng.choices(titles, weights)[0]
                level = levels[title]
            leaf = i > 0 and not has_reports
            contractor = leaf and rng.random() < spec.contractor_share
            status = "active"
            if leaf:
                draw = rng.random()
                status = "inactive" if draw < 0.03 else "suspended" if draw < 0.045 else "active"
            if team[i] not in homes:
                homes[team[i]] = LOCATIONS[0] if i == 0 else rng.choice(LOCATIONS)
            location = homes[team[i]] if i == 0 or rng.random() < 0.8 else rng.choice(LOCATIONS)
            cost_center = f"{spec.code}-{1000 + 10 * (team[i] % 50)}"
            manager = 0 if i == 0 else base + parent
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            self.users.append(_User(len(self.users), first, last, self._display(rng, first, last), dept, title,
                                    level, manager, contractor, status, location[0], location[1], cost_center))

    def _name_users(self, rng: random.Random) -> None:
        """Force a few exact namesakes, then give everyone a unique login and email."""
        n = len(self.users)
        for _ in range(max(3, n // 150)):
            target = rng.randrange(n // 2, n)
            source = self.users[rng.randrange(1, n // 2)]
            user = self.users[target]
            user.first, user.last, user.display_name = source.first, source.last, source.display_name
        taken: set[str] = set()
        for user in self.users:
            first, last = login(user.first), login(user.last)
            short = f"{first[:1]}{last}"
            candidate, suffix = short, 1
            if candidate in taken:
                candidate = f"{first}.{last}"
            while candidate in taken:
                suffix += 1
                candidate = f"{short}{suffix}"
            taken.add(candidate)
            user.user_id = candidate

    # ---------------------------------------------------------------------------------------------- catalog

    def _present(self, names: Iterable[str]) -> list[int]:
        return [self.dept_index[name] for name in names if name in self.dept_index]

    def _owner_for(self, rng: random.Random, dept: int) -> int:
        if not self._managers:
            for u in self.users:
                if u.reports and u.status == "active" and not u.contractor and u.index != 0:
                    self._managers.setdefault(u.dept, []).append(u.index)
        managers = self._managers.get(dept, [])
        if managers:
            return rng.choice(managers[: max(3, len(managers) // 3)])
        return 0

    def build_catalog(self) -> None:
        rng = self.rng("catalog")
        size = self.size
        askiam_roles = 3 if size.roles >= 500 else 2
        specs: list[AppSpec] = [ASKIAM, *CURATED[: size.applications - 1]]
        specs.extend(generated_apps(rng, size.applications - len(specs), self.dept_index))
        weights = [float(min(6, max(4, len(spec.roles)))) if spec.roles else rng.choice((6.0, 8.0, 10.0, 12.0, 14.0))
                   for spec in specs[1:]]
        quotas = [askiam_roles, *_apportion(size.roles - askiam_roles, weights, 5)] if len(specs) > 1 \
            else [size.roles]
        for spec, quota in zip(specs, quotas, strict=True):
            self._add_app(rng, spec, quota)
        self._link_rules()
        self.dept_roles = [[] for _ in self.depts]
        for role in self.roles:
            if role.universal:
                self.universal.append(role.index)
            elif role.tier != "named":
                for dept in sorted(role.depts):
                    self.dept_roles[dept].append(role.index)

    def _add_app(self, rng: random.Random, spec: AppSpec, quota: int) -> None:
        owner_dept = self.dept_index.get(spec.owner_department, 1)
        home = tuple(self._present(spec.home)) or (owner_dept,)
        app = _App(len(self.apps), spec.app_id, spec.name, spec.aliases, self._owner_for(rng, owner_dept),
                   spec.description, home, spec.domain)
        self.apps.append(app)
        role_specs = list(spec.roles[:quota])
        sod_specs = list(spec.sod)
        if len(role_specs) < quota:
            taken = {role.slug for role in role_specs} | {role.name for role in role_specs}
            more, more_sod = generic_roles(rng, spec, quota - len(role_specs), taken, self.dept_index)
            role_specs.extend(more)
            sod_specs.extend(more_sod)
        by_slug: dict[str, int] = {}
        for role_spec in role_specs:
            self._add_role(app, role_spec, by_slug)
        for slug_a, slug_b, description in sod_specs:
            if slug_a in by_slug and slug_b in by_slug:
                self.sod.append(("", by_slug[slug_a], by_slug[slug_b], description))
        self._requires.extend((by_slug[s.slug], by_slug[s.requires]) for s in role_specs
                              if s.requires and s.requires in by_slug and s.requires != s.slug)

    def _add_role(self, app: _App, spec: RoleSpec, by_slug: dict[str, int]) -> None:
        role_id, n = f"{app.app_id}-{spec.slug}", 1
        while role_id in self._role_ids:
            n += 1
            role_id = f"{app.app_id}-{spec.slug}-{n}"
        self._role_ids.add(role_id)
        universal = spec.departments == ("*",)
        eligible_depts = self._present(spec.eligible_departments)
        depts = set(self._present(spec.departments)) if not universal else set()
        if eligible_depts:
            depts &= set(eligible_depts)
        if not depts and not universal:
            depts = set(eligible_depts or app.home)
        elig: list[tuple[str, frozenset[str]]] = []
        if eligible_depts:
            elig.append(("department", frozenset(self.depts[d].name for d in eligible_depts)))
        if spec.employees_only:
            elig.append(("employment_type", frozenset({"employee"})))
        if spec.regions:
            elig.append(("region", frozenset(spec.regions)))
        role = _Role(len(self.roles), role_id, app.index, spec.slug, spec.name, spec.aliases, spec.privileged,
                     frozenset(depts), universal, spec.tier, spec.senior, tuple(t.lower() for t in spec.titles),
                     tuple(elig), spec.description, owner=app.owner)
        by_slug[spec.slug] = role.index
        self.roles.append(role)
        for attribute, values in elig:
            self.eligibility.append((role.index, attribute, tuple(sorted(values))))

    def _link_rules(self) -> None:
        for role_index, required in self._requires:
            self.roles[role_index].requires = required
        for role in self.roles:
            depth, current, seen = 0, role, {role.index}
            while current.requires >= 0 and current.requires not in seen:
                seen.add(current.requires)
                current = self.roles[current.requires]
                depth += 1
            role.depth = depth
        by_key = {(self.apps[role.app].app_id, role.slug): role.index for role in self.roles}
        for app_a, slug_a, app_b, slug_b, description in CROSS_SOD:
            if (app_a, slug_a) in by_key and (app_b, slug_b) in by_key:
                self.sod.append(("", by_key[(app_a, slug_a)], by_key[(app_b, slug_b)], description))
        conflicts: dict[int, list[int]] = {}
        rules: list[tuple[str, int, int, str]] = []
        seen_pairs: set[tuple[int, int]] = set()
        for _, a, b, description in self.sod:
            pair = (min(a, b), max(a, b))
            if a == b or pair in seen_pairs or self._chain(a, b) or self._chain(b, a):
                continue
            if self.roles[a].universal or self.roles[b].universal:
                continue
            seen_pairs.add(pair)
            rules.append((f"sod-{len(rules) + 1:03d}", a, b, description))
            conflicts.setdefault(a, []).append(b)
            conflicts.setdefault(b, []).append(a)
        self.sod = rules
        for role_index, others in conflicts.items():
            self.roles[role_index].conflicts = tuple(sorted(others))

    def _chain(self, role: int, other: int) -> bool:
        """Whether other is (transitively) a prerequisite of role."""
        current = self.roles[role].requires
        steps = 0
        while current >= 0 and steps < 20:
            if current == other:
                return True
            current = self.roles[current].requires
            steps += 1
        return False

    # ---------------------------------------------------------------------------------------------- people x roles

    def attribute(self, user: _User, name: str) -> str:
        if name == "department":
            return self.depts[user.dept].name
        if name == "employment_type":
            return "contractor" if user.contractor else "employee"
        if name == "region":
            return user.region
        if name == "location":
            return user.location
        if name == "title":
            return user.title
        return ""

    def eligible(self, user: _User, role: _Role) -> bool:
        return all(self.attribute(user, name) in allowed for name, allowed in role.elig)

    @staticmethod
    def title_fits(user: _User, role: _Role) -> bool:
        if not role.titles:
            return True
        title = user.title.lower()
        return any(keyword in title for keyword in role.titles)

    def build_teams(self) -> None:
        rng = self.rng("teams")
        pool = [role.index for role in self.roles if not role.privileged and not role.universal and not role.elig
                and role.requires < 0 and not role.conflicts and role.tier != "named"]
        for user in self.users:
            if not user.reports or user.index == 0:
                continue
            if pool and rng.random() < 0.5:
                self.team_extras[user.index] = (rng.choice(pool),)
            if rng.random() < 0.2:
                self.lenient.add(user.index)

    # ---------------------------------------------------------------------------------------------- demo picks

    def choose_demo(self) -> None:
        rng = self.rng("demo")
        counts: dict[str, int] = {}
        for user in self.users:
            counts[user.display_name] = counts.get(user.display_name, 0) + 1
        used: set[int] = set()

        def ordinary(user: _User) -> bool:
            return (user.status == "active" and counts[user.display_name] == 1 and user.manager > 0
                    and user.index not in used)

        def choose(*pools: list[_User]) -> _User:
            pool = next((p for p in pools if p), None)
            if pool is None:
                raise RuntimeError("the generated directory is too small for the demo people")
            person = rng.choice(pool)
            used.add(person.index)
            return person

        staff = [u for u in self.users if not u.contractor and not u.reports]
        finance = [u for u in staff if u.dept == self.dept_index["Finance"]]
        employee = choose([u for u in finance if ordinary(u) and "accountant" in u.title.lower() and u.level < 2
                           and self.users[u.manager].reports >= 2],
                          [u for u in finance if ordinary(u)], [u for u in staff if ordinary(u)])
        manager = self.users[employee.manager]
        used.add(manager.index)
        colleagues = [u for u in self.users if u.manager == manager.index and ordinary(u)]
        colleague = choose(colleagues) if colleagues else None
        it_staff = [u for u in self.users if u.dept == self.dept_index["IT"] and not u.contractor]
        security_staff = [u for u in self.users if u.dept == self.dept_index["Security"] and not u.contractor]
        delegate = choose([u for u in it_staff if ordinary(u) and "iam" in u.title.lower().split()],
                          [u for u in it_staff if ordinary(u)], [u for u in security_staff if ordinary(u)],
                          [u for u in self.users if ordinary(u) and not u.contractor])
        contractors = [u for u in self.users if ordinary(u) and u.contractor]
        contractor = choose([u for u in contractors if u.dept == self.dept_index["Engineering"]], contractors)
        inactive = choose([u for u in self.users if u.status == "inactive" and counts[u.display_name] == 1
                           and u.index not in used],
                          [u for u in self.users if u.status != "active" and u.index not in used])
        namesakes = [u for u in self.users if counts[u.display_name] > 1 and u.status == "active"
                     and u.index not in used]
        self.demo_users = {"employee": employee.user_id, "manager": manager.user_id, "delegate": delegate.user_id,
                           "contractor": contractor.user_id, "inactive": inactive.user_id}
        if colleague is not None:
            self.demo_users["colleague"] = colleague.user_id
        if namesakes:
            self.demo_users["namesake"] = rng.choice(namesakes).user_id
        self._choose_roles(employee, contractor)
        self._assign_named(rng, delegate)

    def _choose_roles(self, employee: _User, contractor: _User) -> None:
        roles = self.roles

        def chain(role: _Role) -> list[int]:
            found, current = [role.index], role
            while current.requires >= 0:
                current = roles[current.requires]
                found.append(current.index)
            return found

        def clashes(role: _Role, held: Iterable[int]) -> bool:
            return any(other in role.conflicts for other in held)

        in_dept = set(self.dept_roles[employee.dept])
        held: list[int] = []
        sod_pair = (-1, -1)
        best = -1
        for _, a, b, _ in self.sod:
            for x, y in ((a, b), (b, a)):
                first = roles[x]
                needed = chain(first)
                if not all(self.eligible(employee, roles[i]) for i in needed):
                    continue
                if any(clashes(roles[i], needed) for i in needed) or y in needed:
                    continue
                score = 2 * (x in in_dept) + (not first.privileged) + (roles[y].privileged and y in in_dept)
                if score > best:
                    best, sod_pair, held = score, (x, y), needed
        if sod_pair[0] < 0:
            raise RuntimeError("the generated catalog has no usable segregation-of-duties rule")
        avoid = set(held) | {sod_pair[1]}

        def pick(candidates: Iterable[_Role], what: str) -> _Role:
            chosen = next(iter(candidates), None)
            if chosen is None:
                raise RuntimeError(f"the generated catalog has no {what} for the demo")
            return chosen

        def free(role: _Role) -> bool:
            return role.index not in avoid and not clashes(role, held) and role.tier != "named"

        ordered = sorted(roles, key=lambda r: (r.index not in in_dept, r.index))
        prerequisite = pick(sorted((r for r in roles if free(r) and r.requires >= 0 and r.requires not in avoid
                                    and r.requires not in held and self.eligible(employee, r)
                                    and self.eligible(employee, roles[r.requires])),
                                   key=lambda r: (r.privileged, r.index not in in_dept, r.index)), "prerequisite")
        avoid |= {prerequisite.index, prerequisite.requires}
        not_eligible = pick((r for r in roles if free(r) and r.elig and not self.eligible(employee, r)
                             and r.requires < 0 and any(name == "department" for name, _ in r.elig)),
                            "eligibility rule")
        avoid.add(not_eligible.index)
        privileged = pick((r for r in ordered if free(r) and r.privileged and self.eligible(employee, r)
                           and (r.requires < 0 or r.requires in held)), "privileged role")
        avoid.add(privileged.index)
        rank = {"baseline": 0, "universal": 1, "common": 2}
        common = pick(sorted((r for r in roles if free(r) and not r.privileged and r.requires < 0 and not r.conflicts
                              and self.eligible(employee, r) and self.title_fits(employee, r) and not r.senior
                              and (r.universal or r.index in in_dept)),
                             key=lambda r: (rank.get(r.tier, 3), r.index)), "common role")
        avoid.add(common.index)
        extras = set(self.team_extras.get(employee.manager, ()))
        unusual = pick((r for r in roles if free(r) and not r.privileged and r.requires < 0 and not r.universal
                        and employee.dept not in r.depts and r.index not in extras and not r.conflicts
                        and self.eligible(employee, r) and r.tier in ("specialist", "niche")), "unusual role")
        avoid.add(unusual.index)
        targets = [common, unusual, privileged, prerequisite, not_eligible]
        self.forced_in[employee.index] = held
        self.forced_out[employee.index] = (avoid | {c for r in targets for c in r.conflicts}) - set(held)
        employee_only = pick((r for r in sorted(roles, key=lambda r: (r.tier == "named", r.index))
                              if ("employment_type", frozenset({"employee"})) in r.elig and r.requires < 0
                              and all(self.attribute(contractor, name) in allowed
                                      for name, allowed in r.elig if name != "employment_type")),
                             "employee-only role")
        self.forced_out[contractor.index] = {employee_only.index, *employee_only.conflicts}
        self.picks = {"sod_a": sod_pair[0], "sod_b": sod_pair[1], "common": common.index,
                      "unusual": unusual.index, "privileged": privileged.index, "prerequisite": prerequisite.index,
                      "required": prerequisite.requires, "not_eligible": not_eligible.index,
                      "employee_only": employee_only.index}

    def _assign_named(self, rng: random.Random, delegate: _User) -> None:
        """The AskIAM roles are held by a handful of named people only."""
        by_slug = {role.slug: role.index for role in self.roles if role.app == 0}
        it_dept, security = self.dept_index["IT"], self.dept_index["Security"]
        demo = {self.users[0].index} | {u.index for u in self.users if u.user_id in self.demo_users.values()}
        pool_it = [u.index for u in self.users if u.dept == it_dept and u.status == "active" and not u.contractor
                   and u.index not in demo]
        pool_sec = [u.index for u in self.users if u.dept == security and u.status == "active"
                    and not u.contractor and u.index not in demo]
        n = self.size.users
        extra_delegates = 0 if n < 100 else 1 if n < 5000 else 2
        holders = {"delegate": [delegate.index, *rng.sample(pool_it, min(extra_delegates, len(pool_it)))]}
        remaining = [u for u in pool_it if u not in holders["delegate"]]
        holders["admin"] = rng.sample(remaining, min(1, len(remaining)))
        holders["auditor"] = rng.sample(pool_sec, min(2 if n >= 1000 else 1, len(pool_sec)))
        for slug, people in holders.items():
            if slug not in by_slug:
                continue
            for person in people:
                self.forced_in.setdefault(person, []).append(by_slug[slug])

    # ---------------------------------------------------------------------------------------------- grants

    def _plan(self, user: _User) -> list[tuple[int, float]]:
        key = (user.dept, user.title, user.contractor, user.region)
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        plan = [(index, TIER_GRANT["universal"]) for index in self.universal
                if self.eligible(user, self.roles[index])]
        for index in self.dept_roles[user.dept]:
            role = self.roles[index]
            if not self.eligible(user, role):
                continue
            p = TIER_GRANT[role.tier]
            if not self.title_fits(user, role):
                p *= 0.1
            if role.senior and user.level < 2:
                p *= 0.15
            if user.contractor and role.privileged:
                p *= 0.3
            plan.append((index, p))
        self._plans[key] = plan
        return plan

    def _settle(self, wanted: Iterable[int], forced: Sequence[int], banned: set[int]) -> list[int]:
        """The grants a person ends up with: prerequisites first, never an SoD conflict."""
        held: set[int] = set()
        for index in forced:
            held.add(index)
        roles = self.roles
        for index in sorted({i for i in wanted if i not in banned and i not in held},
                            key=lambda i: (roles[i].depth, i)):
            role = roles[index]
            if role.requires >= 0 and role.requires not in held:
                continue
            if any(other in held for other in role.conflicts):
                continue
            held.add(index)
        return sorted(held)

    def write_grants(self, path: Path) -> int:
        rng = self.rng("grants")
        rnd = rng.random
        as_of = self.as_of
        granted_days = [(as_of - timedelta(days=d)).isoformat() for d in range(1600)]
        expiry_days = [(as_of + timedelta(days=d)).isoformat() for d in range(400)]
        pool = [role.index for role in self.roles if not role.privileged and not role.universal
                and role.tier != "named"]
        count = 0
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(GRANT_COLUMNS)
            rows: list[tuple[str, str, str, str, str]] = []
            for user in self.users:
                wanted = [index for index, p in self._plan(user) if rnd() < p]
                for index in self.team_extras.get(user.manager, ()):
                    if rnd() < 0.75 and self.eligible(user, self.roles[index]):
                        wanted.append(index)
                if pool and rnd() < 0.3:
                    index = pool[int(rnd() * len(pool))]
                    if self.eligible(user, self.roles[index]):
                        wanted.append(index)
                held = self._settle(wanted, self.forced_in.get(user.index, ()), self.forced_out.get(user.index, set()))
                engagement_end = expiry_days[30 + int(rnd() * 330)] if user.contractor else ""
                for index in held:
                    role = self.roles[index]
                    granted = granted_days[7 + int(rnd() * 1500)]
                    expires = ""
                    if user.contractor and rnd() < 0.8:
                        expires = engagement_end
                    elif role.privileged and rnd() < 0.25 or rnd() < 0.01:
                        expires = expiry_days[30 + int(rnd() * 150)]
                    rows.append((user.user_id, role.role_id, granted, expires, "active"))
                if len(rows) >= _CHUNK:
                    writer.writerows(rows)
                    count += len(rows)
                    rows.clear()
            writer.writerows(rows)
            count += len(rows)
        return count

    # ---------------------------------------------------------------------------------------------- history

    def approval(self, user: _User, role: _Role) -> float:
        """How likely a past request of user for role was approved."""
        if role.elig and not self.eligible(user, role):
            return 0.03
        if role.universal:
            p = 0.97
        elif user.dept in role.depts:
            p = 0.95 if self.title_fits(user, role) else 0.55
            if role.senior and user.level < 2:
                p = 0.45
            if role.privileged:
                p *= 0.8
        elif role.index in self.team_extras.get(user.manager, ()):
            p = 0.9
        elif role.privileged:
            p = 0.02
        else:
            p = 0.3 if user.manager in self.lenient else 0.08
        if user.contractor and role.privileged:
            p *= 0.5
        return p

    def write_history(self, path: Path) -> int:
        rng = self.rng("history")
        rnd = rng.random
        n = self.size.history
        users, roles = self.users, self.roles
        n_users, n_roles = len(users), len(roles)
        span = HISTORY_DAYS * 86400
        start_day = self.as_of - timedelta(days=HISTORY_DAYS)
        days = [(start_day + timedelta(days=d)).isoformat() for d in range(HISTORY_DAYS + 1)]
        slot = max(1, span // max(1, n))
        width = max(6, len(str(n)))
        universal = self.universal
        fallback = next((u.index for u in users if u.dept == self.dept_index["IT"] and u.reports), 1)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(HISTORY_COLUMNS)
            for chunk_start in range(0, n, _CHUNK):
                rows: list[tuple[str, str, str, str, str, str]] = []
                for i in range(chunk_start, min(n, chunk_start + _CHUNK)):
                    user = users[int(rnd() * n_users)]
                    draw = rnd()
                    pool = self.dept_roles[user.dept]
                    extras = self.team_extras.get(user.manager)
                    if draw < 0.5 and pool:
                        role = roles[pool[int(rnd() * len(pool))]]
                    elif draw < 0.6 and extras:
                        role = roles[extras[int(rnd() * len(extras))]]
                    elif draw < 0.68 and universal:
                        role = roles[universal[int(rnd() * len(universal))]]
                    else:
                        role = roles[int(rnd() * n_roles)]
                    approved = rnd() < self.approval(user, role)
                    by_owner = role.privileged or user.manager < 0 or rnd() < 0.2
                    approver = role.owner if by_owner else user.manager
                    if approver == user.index:
                        approver = user.manager if user.manager >= 0 else fallback
                    moment = min(span - 1, (i * span) // n + int(rnd() * slot))
                    day, second = divmod(moment, 86400)
                    second = 8 * 3600 + second * 10 // 24
                    hour, rest = divmod(second, 3600)
                    stamp = f"{days[day]}T{hour:02d}:{rest // 60:02d}:{rest % 60:02d}Z"
                    rows.append((f"req-{i + 1:0{width}d}", user.user_id, role.role_id,
                                 "approved" if approved else "denied", stamp, users[approver].user_id))
                writer.writerows(rows)
        return n

    # ---------------------------------------------------------------------------------------------- other files

    def write_users(self, path: Path) -> None:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(USER_COLUMNS)
            writer.writerows(
                (u.user_id, f"{u.user_id}@{EMAIL_DOMAIN}", u.display_name, u.status,
                 "contractor" if u.contractor else "employee", self.depts[u.dept].name, u.title,
                 self.users[u.manager].user_id if u.manager >= 0 else "", u.location, u.cost_center, u.region)
                for u in self.users
            )

    def write_catalog(self, folder: Path) -> None:
        def table(name: str, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
            with (folder / name).open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(header)
                writer.writerows(rows)

        roles = self.roles
        table("applications.csv", APPLICATION_COLUMNS,
              ((a.app_id, a.name, joined(a.aliases), self.users[a.owner].user_id, a.description) for a in self.apps))
        table("roles.csv", ROLE_COLUMNS,
              ((r.role_id, self.apps[r.app].app_id, r.name, joined(r.aliases), "true" if r.privileged else "false",
                r.description) for r in roles))
        table("sod_rules.csv", SOD_COLUMNS,
              ((rule_id, roles[a].role_id, roles[b].role_id, text) for rule_id, a, b, text in self.sod))
        table("prerequisites.csv", PREREQUISITE_COLUMNS,
              ((r.role_id, roles[r.requires].role_id) for r in roles if r.requires >= 0))
        table("eligibility.csv", ELIGIBILITY_COLUMNS,
              ((roles[index].role_id, attribute, joined(values)) for index, attribute, values in self.eligibility))

    def label(self, index: int) -> str:
        role = self.roles[index]
        return f"{self.apps[role.app].name} {role.name}"
