"""The synthetic org generator: determinism, referential integrity, rule consistency and learnable history."""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.demo.__main__ import main
from bot.demo.generator import DELEGATE_ROLE_ID, GeneratedOrg, OrgSize, generate_bundle

REPO = Path(__file__).resolve().parents[2]
CSV_FILES = ("users.csv", "applications.csv", "roles.csv", "user_roles.csv", "sod_rules.csv", "prerequisites.csv",
             "eligibility.csv", "access_history.csv")
SMALL = OrgSize(users=200, history=500, seed=3)
CATALOG_HEAVY = OrgSize(users=1500, applications=40, roles=400, history=3000, policies=60, seed=11)


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _digests(folder: Path) -> dict[str, str]:
    paths = [folder / name for name in CSV_FILES] + sorted((folder / "policies").glob("*.md"))
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}


@dataclass
class Loaded:
    users: dict[str, dict[str, str]]
    apps: dict[str, dict[str, str]]
    roles: dict[str, dict[str, str]]
    grants: list[dict[str, str]]
    sod: list[dict[str, str]]
    prereqs: list[dict[str, str]]
    eligibility: list[dict[str, str]]
    history: list[dict[str, str]]
    held: dict[str, set[str]] = field(default_factory=dict)
    conflicts: dict[str, set[str]] = field(default_factory=dict)
    requires: dict[str, set[str]] = field(default_factory=dict)
    rules: dict[str, list[tuple[str, set[str]]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.held = defaultdict(set)
        for grant in self.grants:
            self.held[grant["user_id"]].add(grant["role_id"])
        self.conflicts = defaultdict(set)
        for rule in self.sod:
            self.conflicts[rule["role_a"]].add(rule["role_b"])
            self.conflicts[rule["role_b"]].add(rule["role_a"])
        self.requires = defaultdict(set)
        for prereq in self.prereqs:
            self.requires[prereq["role_id"]].add(prereq["requires_role_id"])
        self.rules = defaultdict(list)
        for row in self.eligibility:
            self.rules[row["role_id"]].append((row["attribute"], set(row["allowed_values"].split("|"))))

    def eligible(self, user_id: str, role_id: str) -> bool:
        user = self.users[user_id]
        return all(user[attribute] in allowed for attribute, allowed in self.rules[role_id])

    def outcome(self, user_id: str, role_id: str) -> str:
        """The first hard check that fails for a self-request, in the product's order (authorization aside)."""
        held = self.held[user_id]
        if self.users[user_id]["status"] != "active":
            return "USER_INACTIVE"
        if role_id in held:
            return "ALREADY_GRANTED"
        if self.conflicts[role_id] & held:
            return "SOD_CONFLICT"
        if self.requires[role_id] - held:
            return "PREREQUISITE_MISSING"
        if not self.eligible(user_id, role_id):
            return "NOT_ELIGIBLE"
        return "PRIVILEGED_ROLE" if self.roles[role_id]["privileged"] == "true" else "PASSES_CHECKS"


def _load(folder: Path) -> Loaded:
    return Loaded(
        users={row["user_id"]: row for row in _rows(folder, "users.csv")},
        apps={row["app_id"]: row for row in _rows(folder, "applications.csv")},
        roles={row["role_id"]: row for row in _rows(folder, "roles.csv")},
        grants=_rows(folder, "user_roles.csv"),
        sod=_rows(folder, "sod_rules.csv"),
        prereqs=_rows(folder, "prerequisites.csv"),
        eligibility=_rows(folder, "eligibility.csv"),
        history=_rows(folder, "access_history.csv"),
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[GeneratedOrg, Loaded]:
    org = generate_bundle(tmp_path_factory.mktemp("demo"))
    return org, _load(org.folder)


@pytest.fixture(scope="module")
def heavy(tmp_path_factory: pytest.TempPathFactory) -> tuple[GeneratedOrg, Loaded]:
    org = generate_bundle(tmp_path_factory.mktemp("heavy"), CATALOG_HEAVY)
    return org, _load(org.folder)


@pytest.fixture(params=["demo", "heavy"])
def bundle(request: pytest.FixtureRequest) -> tuple[GeneratedOrg, Loaded]:
    result: tuple[GeneratedOrg, Loaded] = request.getfixturevalue(request.param)
    return result


# ------------------------------------------------------------------------------------------------ determinism


def test_same_seed_gives_identical_bytes(tmp_path: Path, demo: tuple[GeneratedOrg, Loaded]) -> None:
    again = generate_bundle(tmp_path / "again")
    assert _digests(again.folder) == _digests(demo[0].folder)
    assert replace(again, folder=demo[0].folder) == demo[0]


def test_different_seed_gives_a_different_org(tmp_path: Path, demo: tuple[GeneratedOrg, Loaded]) -> None:
    other = generate_bundle(tmp_path / "other", OrgSize(seed=8))
    first, second = _digests(demo[0].folder), _digests(other.folder)
    for name in ("users.csv", "user_roles.csv", "access_history.csv", "applications.csv"):
        assert first[name] != second[name], name


def test_output_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    expected = _digests(generate_bundle(tmp_path / "here", SMALL).folder)
    script = (
        "import hashlib, sys\n"
        "from pathlib import Path\n"
        "from bot.demo.generator import OrgSize, generate_bundle\n"
        f"org = generate_bundle(Path(sys.argv[1]), OrgSize(users={SMALL.users}, history={SMALL.history}, "
        f"seed={SMALL.seed}))\n"
    )
    for hash_seed in ("1", "4242"):
        out = tmp_path / f"hash{hash_seed}"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", script, str(out)], cwd=REPO, env=env, check=True, timeout=60)
        assert _digests(out) == expected


def test_rewriting_a_folder_replaces_the_policies(tmp_path: Path) -> None:
    generate_bundle(tmp_path, OrgSize(users=100, history=10, policies=12))
    org = generate_bundle(tmp_path, OrgSize(users=100, history=10, policies=3))
    assert len(list((tmp_path / "policies").glob("*.md"))) == org.policies == 3


# ------------------------------------------------------------------------------------------------ integrity


def test_counts_match_the_files(bundle: tuple[GeneratedOrg, Loaded]) -> None:
    org, data = bundle
    assert (len(data.users), len(data.apps), len(data.roles)) == (org.users, org.applications, org.roles)
    assert (len(data.grants), len(data.history), len(data.sod)) == (org.grants, org.history, org.sod_rules)
    assert (len(data.prereqs), len(data.eligibility)) == (org.prerequisites, org.eligibility)
    assert len(list((org.folder / "policies").glob("*.md"))) == org.policies


def test_references_exist_and_ids_are_unique(bundle: tuple[GeneratedOrg, Loaded]) -> None:
    org, data = bundle
    users = list(_rows(org.folder, "users.csv"))
    assert len({u["user_id"] for u in users}) == len(users)
    assert len({u["email"].casefold() for u in users}) == len(users)
    assert len(data.apps) == len(_rows(org.folder, "applications.csv"))
    assert len(data.roles) == len(_rows(org.folder, "roles.csv"))
    tops = [u for u in users if not u["manager_id"]]
    assert len(tops) == 1
    for user in users:
        assert user["manager_id"] == "" or user["manager_id"] in data.users
        assert user["manager_id"] != user["user_id"]
    for app in data.apps.values():
        assert data.users[app["owner_id"]]["status"] == "active"
    names = Counter((role["app_id"], role["name"].casefold()) for role in data.roles.values())
    assert max(names.values()) == 1
    assert len({role["name"] for role in data.roles.values()}) < len(data.roles)  # names repeat across apps
    for role in data.roles.values():
        assert role["app_id"] in data.apps
        assert role["privileged"] in {"true", "false"}
    for grant in data.grants:
        assert grant["user_id"] in data.users and grant["role_id"] in data.roles
    assert len({(g["user_id"], g["role_id"]) for g in data.grants}) == len(data.grants)
    for rule in data.sod:
        assert {rule["role_a"], rule["role_b"]} <= data.roles.keys() and rule["role_a"] != rule["role_b"]
    for prereq in data.prereqs:
        assert prereq["role_id"] in data.roles and prereq["requires_role_id"] in data.roles
        assert data.roles[prereq["role_id"]]["app_id"] == data.roles[prereq["requires_role_id"]]["app_id"]
    for row in data.eligibility:
        assert row["role_id"] in data.roles and row["attribute"] in users[0]
    assert len({h["request_id"] for h in data.history}) == len(data.history)
    for past in data.history:
        assert past["user_id"] in data.users and past["role_id"] in data.roles
        assert past["decided_by"] in data.users and past["decided_by"] != past["user_id"]
        assert past["decision"] in {"approved", "denied"}


def test_manager_chain_reaches_the_top_without_cycles(demo: tuple[GeneratedOrg, Loaded]) -> None:
    _, data = demo
    for user_id in data.users:
        seen = {user_id}
        current = data.users[user_id]["manager_id"]
        while current:
            assert current not in seen
            seen.add(current)
            current = data.users[current]["manager_id"]


def test_grants_respect_the_orgs_own_rules(bundle: tuple[GeneratedOrg, Loaded]) -> None:
    _, data = bundle
    assert data.sod and data.prereqs and data.eligibility
    for user_id, held in data.held.items():
        for role_id in held:
            assert not data.conflicts[role_id] & held, (user_id, role_id)
            assert data.requires[role_id] <= held, (user_id, role_id)
            assert data.eligible(user_id, role_id), (user_id, role_id)


def test_validator_accepts_the_bundle(bundle: tuple[GeneratedOrg, Loaded]) -> None:
    pytest.importorskip("pydantic")
    bundle_module = pytest.importorskip("validators.bundle")
    org, data = bundle
    parsed = bundle_module.read_bundle(org.folder)
    assert len(parsed.users) == org.users and len(parsed.history) == org.history
    assert len(parsed.policies) == org.policies
    assert all("region" in user.attributes for user in parsed.users)


# ------------------------------------------------------------------------------------------------ realism


def test_directory_looks_like_a_company(bundle: tuple[GeneratedOrg, Loaded]) -> None:
    org, data = bundle
    users = list(data.users.values())
    header = (org.folder / "users.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:10] == ["user_id", "email", "display_name", "status", "employment_type", "department", "title",
                           "manager_id", "location", "cost_center"]
    assert "region" in header
    departments = {u["department"] for u in users}
    assert {"Engineering", "Finance", "HR", "Sales", "Data", "Security", "IT", "Legal", "Marketing",
            "Support"} <= departments
    contractors = sum(u["employment_type"] == "contractor" for u in users) / len(users)
    assert 0.08 <= contractors <= 0.25
    statuses = Counter(u["status"] for u in users)
    assert statuses["inactive"] and statuses["suspended"]
    assert statuses["active"] / len(users) > 0.9
    names = Counter(u["display_name"] for u in users)
    assert max(names.values()) >= 2  # display names are not unique, on purpose
    assert len(names) > 0.8 * len(users)
    assert len({u["title"] for u in users if u["department"] == "Engineering"}) >= 4
    privileged = sum(r["privileged"] == "true" for r in data.roles.values()) / len(data.roles)
    assert 0.1 <= privileged <= 0.3
    assert all(1 <= len(app["aliases"].split("|")) <= 3 for app in data.apps.values())
    assert all(len(r["aliases"].split("|")) <= 3 for r in data.roles.values())
    assert any(g["expires_at"] for g in data.grants)


def test_askiam_and_its_delegates(bundle: tuple[GeneratedOrg, Loaded]) -> None:
    org, data = bundle
    assert data.apps["askiam"]["name"] == "AskIAM"
    delegate_role = data.roles[DELEGATE_ROLE_ID]
    assert delegate_role["app_id"] == "askiam" and delegate_role["privileged"] == "true"
    holders = [g["user_id"] for g in data.grants if g["role_id"] == DELEGATE_ROLE_ID]
    assert 1 <= len(holders) <= 3
    assert org.demo_users["delegate"] in holders


def test_demo_people_are_what_they_claim(demo: tuple[GeneratedOrg, Loaded]) -> None:
    org, data = demo
    people = org.demo_users
    assert {"employee", "manager", "delegate", "contractor", "inactive"} <= people.keys()
    assert len(set(people.values())) == len(people)
    employee, manager = data.users[people["employee"]], data.users[people["manager"]]
    assert employee["status"] == "active" and employee["employment_type"] == "employee"
    assert employee["manager_id"] == manager["user_id"]
    assert any(u["manager_id"] == manager["user_id"] for u in data.users.values())
    assert data.users[people["colleague"]]["manager_id"] == manager["user_id"]
    assert data.users[people["contractor"]]["employment_type"] == "contractor"
    assert data.users[people["contractor"]]["status"] == "active"
    assert data.users[people["inactive"]]["status"] in {"inactive", "suspended"}
    names = Counter(u["display_name"] for u in data.users.values())
    assert names[data.users[people["namesake"]]["display_name"]] >= 2
    assert names[employee["display_name"]] == 1


def test_demo_roles_give_one_clear_outcome_each(bundle: tuple[GeneratedOrg, Loaded]) -> None:
    org, data = bundle
    employee = org.demo_users["employee"]
    assert org.sod_pair[0] in data.held[employee]
    assert {org.sod_pair[0], org.sod_pair[1]} in [{r["role_a"], r["role_b"]} for r in data.sod]
    assert data.outcome(employee, org.sod_pair[1]) == "SOD_CONFLICT"
    assert data.roles[org.privileged_role]["privileged"] == "true"
    assert data.outcome(employee, org.privileged_role) == "PRIVILEGED_ROLE"
    assert org.prerequisite[1] in data.requires[org.prerequisite[0]]
    assert data.outcome(employee, org.prerequisite[0]) == "PREREQUISITE_MISSING"
    assert data.rules[org.eligibility_role]
    assert data.outcome(employee, org.eligibility_role) == "NOT_ELIGIBLE"
    assert data.outcome(employee, org.common_role) == "PASSES_CHECKS"
    assert data.outcome(employee, org.unusual_role) == "PASSES_CHECKS"
    assert data.outcome(org.demo_users["contractor"], org.employee_only_role) == "NOT_ELIGIBLE"
    assert data.outcome(org.demo_users["inactive"], org.common_role) == "USER_INACTIVE"
    assert data.outcome(org.demo_users["delegate"], DELEGATE_ROLE_ID) == "ALREADY_GRANTED"

    department = data.users[employee]["department"]
    peers = [u for u, row in data.users.items() if row["department"] == department and u != employee]
    share = {role: sum(role in data.held[p] for p in peers) / len(peers) for role in (org.common_role,
                                                                                      org.unusual_role)}
    assert share[org.common_role] >= 0.75
    assert share[org.unusual_role] <= 0.15


def test_history_is_learnable(bundle: tuple[GeneratedOrg, Loaded]) -> None:
    """Holders of a role come from few departments, and requests from those departments are approved far more."""
    org, data = bundle
    by_department: dict[str, Counter[str]] = defaultdict(Counter)
    for grant in data.grants:
        by_department[grant["role_id"]][data.users[grant["user_id"]]["department"]] += 1
    home: dict[str, set[str]] = {}
    concentration = []
    for role_id, counts in by_department.items():
        total = sum(counts.values())
        if total > len(data.users) / 2:  # company-wide roles (single sign-on, the wiki) belong to everyone
            continue
        top = [department for department, _ in counts.most_common(2)]
        home[role_id] = set(top)
        concentration.append(sum(counts[d] for d in top) / total)
    assert sum(concentration) / len(concentration) > 0.8
    tally = {True: [0, 0], False: [0, 0]}
    for past in data.history:
        if past["role_id"] in home:
            inside = data.users[past["user_id"]]["department"] in home[past["role_id"]]
            tally[inside][0] += past["decision"] == "approved"
            tally[inside][1] += 1
    inside_rate, outside_rate = (tally[side][0] / tally[side][1] for side in (True, False))
    assert inside_rate >= 0.7
    assert outside_rate <= 0.4
    assert inside_rate - outside_rate >= 0.4

    privileged = [h["decision"] == "approved" for h in data.history if data.roles[h["role_id"]]["privileged"] == "true"]
    ordinary = [h["decision"] == "approved" for h in data.history if data.roles[h["role_id"]]["privileged"] == "false"]
    assert sum(privileged) / len(privileged) < sum(ordinary) / len(ordinary)

    start = datetime.combine(org.as_of - timedelta(days=730), datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(org.as_of, datetime.min.time(), tzinfo=UTC)
    stamps = [datetime.fromisoformat(h["decided_at"].replace("Z", "+00:00")) for h in data.history]
    assert all(start <= stamp < end for stamp in stamps)
    assert stamps == sorted(stamps)


def test_policies_describe_the_generated_rules(bundle: tuple[GeneratedOrg, Loaded]) -> None:
    org, data = bundle
    pages = {path.name: path.read_text(encoding="utf-8") for path in (org.folder / "policies").glob("*.md")}
    assert len(pages) == org.policies
    for name, text in pages.items():
        assert text.startswith("# ") and "\n\n" in text, name
        assert 250 <= len(text) <= 1800, (name, len(text))
    assert len(set(pages.values())) == len(pages)
    sod = pages["segregation-of-duties-standard.md"]
    first = data.sod[0]
    for role_id in (first["role_a"], first["role_b"]):
        role = data.roles[role_id]
        assert f"{data.apps[role['app_id']]['name']} {role['name']}" in sod
    joined = "\n".join(pages.values())
    for topic in ("least privilege", "privileged", "contractor", "restricted", "production", "quarter"):
        assert topic in joined.lower(), topic


def test_a_catalog_heavy_org_generates_apps_and_pages(heavy: tuple[GeneratedOrg, Loaded]) -> None:
    org, data = heavy
    curated = {"netsuite", "okta", "servicenow", "gitlab", "confluence"}
    assert curated <= data.apps.keys()
    generated = [app for app in data.apps.values() if "used mostly by" in app["description"]]
    assert generated
    pages = {path.stem for path in (org.folder / "policies").glob("*.md")}
    assert any(page.startswith("requesting-access-to-") for page in pages)
    assert any(page.endswith("-access-handbook") for page in pages)


# ------------------------------------------------------------------------------------------------ size and CLI


def test_medium_size_streams_to_disk(tmp_path: Path) -> None:
    org = generate_bundle(tmp_path, OrgSize(users=5000, history=100_000))
    assert org.users == 5000 and org.history == 100_000
    with (tmp_path / "access_history.csv").open(encoding="utf-8") as handle:
        assert sum(1 for _ in handle) == 100_001
    with (tmp_path / "users.csv").open(encoding="utf-8") as handle:
        assert sum(1 for _ in handle) == 5001
    assert org.grants > 5000


@pytest.mark.parametrize("size", [OrgSize(users=39), OrgSize(applications=2), OrgSize(roles=20)])
def test_too_small_sizes_are_refused(tmp_path: Path, size: OrgSize) -> None:
    with pytest.raises(ValueError):
        generate_bundle(tmp_path, size)


def test_command_line_writes_a_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "cli"), "--users", "120", "--history", "50", "--policies", "4", "--seed", "5"]) == 0
    summary = capsys.readouterr().out
    assert "120 users" in summary and summary.count("\n") == 1
    assert len(_rows(tmp_path / "cli", "access_history.csv")) == 50
    assert main([str(tmp_path / "bad"), "--users", "5"]) == 2
