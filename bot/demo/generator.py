"""A deterministic generator of synthetic org bundles in AskIAM's import format.

The same code writes the built-in demo org (the default `OrgSize`), the generated data that tests use and the
large bundles of the benchmark. Everything is driven by `random.Random` streams seeded from `OrgSize.seed`, so a
seed always gives byte-identical files, and history rows are streamed to disk in chunks.

The data has the shape a confidence model can learn from: every role "belongs" to one or a few departments
(sometimes narrowed to job titles or to senior people), grants follow those departments, teams share a few extra
roles, and past decisions approve requests from the role's departments far more often than the rest.
"""

from __future__ import annotations

import csv
import logging
import random
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

log = logging.getLogger(__name__)

COMPANY = "Larkspur"
EMAIL_DOMAIN = "larkspur.example"
ASKIAM_APP_ID = "askiam"
DELEGATE_ROLE_ID = "askiam-delegate"
DEFAULT_AS_OF = date(2026, 11, 1)
HISTORY_DAYS = 730
LIST_SEPARATOR = "|"

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


# --------------------------------------------------------------------------------------------------------------
# Directory vocabulary


@dataclass(frozen=True)
class _DeptSpec:
    name: str
    code: str
    weight: float
    contractor_share: float
    ic_titles: tuple[tuple[str, int, float], ...]  # title, level (0 junior .. 3 staff), weight
    manager_title: str
    director_title: str
    head_title: str


def _dept(name: str, code: str, weight: float, contractors: float, titles: str, manager: str, director: str,
          head: str) -> _DeptSpec:
    """A department from a compact 'Title:level:weight;...' list of individual-contributor titles."""
    parsed: list[tuple[str, int, float]] = []
    for item in titles.split(";"):
        title, level, weight_text = item.split(":")
        parsed.append((title.strip(), int(level), float(weight_text)))
    return _DeptSpec(name, code, weight, contractors, tuple(parsed), manager, director, head)


_EXECUTIVE = "Executive"
_CORE_DEPARTMENTS: tuple[_DeptSpec, ...] = (
    _dept("Engineering", "ENG", 20, 0.28,
          "Associate Software Engineer:0:2;Software Engineer:1:5;Senior Software Engineer:2:4;"
          "Staff Software Engineer:3:1;Site Reliability Engineer:1:2;Senior Site Reliability Engineer:2:1;"
          "Platform Engineer:1:1.5;QA Engineer:1:1",
          "Engineering Manager", "Director of Engineering", "VP of Engineering"),
    _dept("Finance", "FIN", 6, 0.12,
          "Accounts Payable Specialist:0:2;Staff Accountant:1:3;Senior Accountant:2:2;Financial Analyst:1:2;"
          "Senior Financial Analyst:2:1;Payroll Accountant:1:1;Billing Specialist:0:1",
          "Accounting Manager", "Director of Finance", "Chief Financial Officer"),
    _dept("HR", "HRS", 4, 0.10,
          "HR Coordinator:0:2;HR Generalist:1:3;Senior HR Business Partner:2:2;Recruiter:1:2;Senior Recruiter:2:1;"
          "Talent Acquisition Partner:1:1;Compensation Analyst:2:1",
          "HR Manager", "Director of People", "Chief People Officer"),
    _dept("Sales", "SAL", 13, 0.15,
          "Sales Development Representative:0:4;Account Executive:1:5;Senior Account Executive:2:3;"
          "Sales Engineer:1:2;Sales Operations Analyst:1:1;Enterprise Account Director:3:1",
          "Sales Manager", "Regional Sales Director", "VP of Sales"),
    _dept("Data", "DAT", 6, 0.20,
          "Junior Data Analyst:0:1;Data Analyst:1:3;Senior Data Analyst:2:2;Data Engineer:1:2;Senior Data Engineer:2:1;"
          "Data Scientist:2:2;Analytics Engineer:1:1",
          "Analytics Manager", "Director of Data", "Chief Data Officer"),
    _dept("Security", "SEC", 4, 0.12,
          "Security Analyst:1:3;Security Engineer:1:2;Senior Security Engineer:2:2;GRC Analyst:1:1;"
          "Incident Responder:1:1;Principal Security Architect:3:1",
          "Security Operations Manager", "Director of Security", "Chief Information Security Officer"),
    _dept("IT", "ITS", 5, 0.24,
          "IT Support Technician:0:4;Systems Administrator:1:2;IAM Analyst:1:1.5;Senior IAM Engineer:2:1;"
          "Network Engineer:1:1;IT Asset Coordinator:0:1",
          "IT Manager", "Director of IT", "Chief Information Officer"),
    _dept("Legal", "LEG", 2, 0.06,
          "Paralegal:0:2;Legal Counsel:2:2;Senior Corporate Counsel:3:1;Contracts Specialist:1:2;Privacy Analyst:1:1",
          "Legal Operations Manager", "Associate General Counsel", "General Counsel"),
    _dept("Marketing", "MKT", 6, 0.24,
          "Marketing Coordinator:0:2;Marketing Specialist:1:3;Demand Generation Specialist:1:2;"
          "Product Marketing Manager:2:2;Content Strategist:1:1;Brand Designer:1:1",
          "Marketing Manager", "Director of Marketing", "Chief Marketing Officer"),
    _dept("Support", "SUP", 10, 0.30,
          "Support Agent:0:5;Customer Support Specialist:1:4;Technical Support Engineer:1:2;"
          "Senior Support Engineer:2:1.5;Support Operations Analyst:1:1",
          "Support Team Manager", "Director of Customer Support", "VP of Customer Support"),
)
_EXTRA_DEPARTMENTS: tuple[_DeptSpec, ...] = (
    _dept("Operations", "OPS", 6, 0.25,
          "Operations Coordinator:0:2;Operations Analyst:1:3;Senior Operations Analyst:2:1;Logistics Specialist:1:2;"
          "Business Operations Lead:3:1",
          "Operations Manager", "Director of Operations", "Chief Operating Officer"),
    _dept("Product", "PRD", 4, 0.12,
          "Associate Product Manager:0:1;Product Manager:1:3;Senior Product Manager:2:2;Group Product Manager:3:1;"
          "Product Analyst:1:1",
          "Product Management Lead", "Director of Product", "VP of Product"),
    _dept("Procurement", "PRC", 2, 0.10,
          "Procurement Coordinator:0:1;Buyer:1:2;Senior Buyer:2:1;Category Manager:2:1;Sourcing Analyst:1:1",
          "Procurement Manager", "Director of Procurement", "Chief Procurement Officer"),
    _dept("Customer Success", "CSM", 5, 0.15,
          "Customer Success Associate:0:2;Customer Success Manager:1:4;Senior Customer Success Manager:2:2;"
          "Renewals Specialist:1:1;Onboarding Specialist:1:1",
          "Customer Success Team Lead", "Director of Customer Success", "VP of Customer Success"),
    _dept("Design", "DSN", 2, 0.25,
          "Junior Product Designer:0:1;Product Designer:1:3;Senior Product Designer:2:2;UX Researcher:1:1;"
          "Design Systems Lead:3:1",
          "Design Manager", "Director of Design", "VP of Design"),
    _dept("Research", "RES", 3, 0.20,
          "Research Associate:0:2;Research Scientist:1:3;Senior Research Scientist:2:2;Principal Scientist:3:1;"
          "Lab Technician:0:1",
          "Research Manager", "Director of Research", "VP of Research"),
    _dept("Compliance", "CMP", 2, 0.08,
          "Compliance Associate:0:1;Compliance Analyst:1:3;Senior Compliance Analyst:2:1;Regulatory Specialist:1:1",
          "Compliance Manager", "Director of Compliance", "Chief Compliance Officer"),
    _dept("Internal Audit", "AUD", 1, 0.05,
          "Audit Associate:0:1;Internal Auditor:1:3;Senior Internal Auditor:2:1;IT Auditor:1:1",
          "Audit Manager", "Director of Internal Audit", "Chief Audit Executive"),
    _dept("Facilities", "FAC", 2, 0.35,
          "Facilities Coordinator:0:2;Workplace Specialist:1:2;Facilities Technician:1:2;Office Lead:2:1",
          "Facilities Manager", "Director of Workplace", "VP of Workplace"),
    _dept("Partnerships", "PTN", 2, 0.10,
          "Partner Development Associate:0:1;Partner Manager:1:3;Senior Partner Manager:2:1;Alliances Director:3:1",
          "Partnerships Manager", "Director of Partnerships", "VP of Partnerships"),
    _dept("Treasury", "TRS", 1, 0.05,
          "Treasury Associate:0:1;Treasury Analyst:1:2;Senior Treasury Analyst:2:1;Cash Management Specialist:1:1",
          "Treasury Manager", "Director of Treasury", "Treasurer"),
    _dept("Quality Assurance", "QAS", 3, 0.30,
          "QA Associate:0:1;QA Analyst:1:3;Senior QA Analyst:2:1;Test Automation Engineer:1:2",
          "QA Manager", "Director of Quality", "VP of Quality"),
)

_LOCATIONS: tuple[tuple[str, str], ...] = (
    ("Denver", "AMER"), ("Dublin", "EMEA"), ("Bengaluru", "APAC"), ("Chicago", "AMER"), ("Lisbon", "EMEA"),
    ("Warsaw", "EMEA"), ("Montréal", "AMER"), ("Sydney", "APAC"), ("São Paulo", "LATAM"), ("Nairobi", "EMEA"),
    ("Tokyo", "APAC"), ("New York", "AMER"),
)

_FIRST_NAMES = (
    "Aaliyah", "Abdul", "Ada", "Adebayo", "Agnieszka", "Aiko", "Alejandro", "Amara", "Ananya", "Andrés", "Aoife",
    "Arjun", "Astrid", "Beatriz", "Bilal", "Bongani", "Camille", "Carmen", "Chiara", "Chidi", "Daniel", "Daria",
    "Dmitri", "Elif", "Emeka", "Emma", "Erik", "Esther", "Farah", "Fatima", "Felipe", "Finn", "Gabriel", "Grace",
    "Hana", "Hannah", "Hiroshi", "Ibrahim", "Inês", "Isaac", "Ivana", "Jakub", "Jia", "Joaquín", "Jonas", "José",
    "Julia", "Kai", "Karim", "Katarzyna", "Kenji", "Kwame", "Laila", "Lars", "Leila", "Liam", "Lina", "Lucas",
    "Lucía", "Maeve", "Mai", "Malik", "Marco", "Mariam", "Mateo", "Maya", "Mehmet", "Mei", "Mia", "Miguel", "Mina",
    "Mohammed", "Nadia", "Naveen", "Nia", "Nikolai", "Noah", "Noor", "Oluwaseun", "Oscar", "Paolo", "Pooja", "Priya",
    "Rafael", "Rania", "Ravi", "Rosa", "Ruth", "Saanvi", "Samir", "Santiago", "Sara", "Seán", "Sipho", "Siobhan",
    "Søren", "Tariq", "Thandiwe", "Théo", "Tomás", "Valentina", "Vikram", "Wei", "Yara", "Yusuf", "Zainab", "Zoë",
    "Zofia",
)
_LAST_NAMES = (
    "Abara", "Acheampong", "Adeyemi", "Alvarado", "Andersen", "Anand", "Baptiste", "Barros", "Bergström", "Bianchi",
    "Brennan", "Castillo", "Chakraborty", "Chowdhury", "Costa", "Dąbrowski", "Delgado", "Dimitrov", "Doyle",
    "Eriksen", "Esposito", "Farouk", "Ferreira", "Fitzgerald", "Fonseca", "Gallagher", "Gómez", "Haddad",
    "Halvorsen", "Hashemi", "Hoang", "Horvat", "Huang", "Ibarra", "Iyer", "Jankowski", "Jovanović", "Kamau",
    "Karimi", "Kaur", "Kiplagat", "Kovács", "Kowalczyk", "Kruger", "Lambert", "Larsen", "Lindqvist", "Lopes",
    "Mahlangu", "Marchetti", "Mbatha", "Mendoza", "Nakamura", "Narayan", "Ndlovu", "Nguyen", "Nwosu", "O'Connor",
    "Okonkwo", "Olsen", "Ortega", "Osei", "Pereira", "Petrov", "Pham", "Quispe", "Rahman", "Ramírez", "Rao",
    "Reyes", "Rossi", "Ruiz", "Sato", "Schneider", "Sharma", "Smith-Okafor", "Sokolov", "Suleiman", "Suzuki",
    "Tanaka", "Tran", "Tshabalala", "van der Merwe", "Varga", "Vasquez", "Wallace", "Watanabe", "Weber",
    "Wiśniewski", "Yamamoto", "Yilmaz", "Zhou", "Zieliński",
)

# --------------------------------------------------------------------------------------------------------------
# Catalog vocabulary

_TIER_GRANT = {"universal": 0.96, "baseline": 0.93, "common": 0.5, "occasional": 0.3, "specialist": 0.16,
               "niche": 0.04, "rare": 0.04, "named": 0.0}


@dataclass(frozen=True)
class _RoleSpec:
    slug: str
    name: str
    aliases: tuple[str, ...]
    departments: tuple[str, ...]  # ("*",) means everyone
    tier: str
    privileged: bool
    senior: bool
    titles: tuple[str, ...]
    eligible_departments: tuple[str, ...]
    employees_only: bool
    regions: tuple[str, ...]
    requires: str
    description: str


def _items(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(LIST_SEPARATOR) if part.strip())


def _role(slug: str, name: str, aliases: str, departments: str, tier: str, description: str, *,
          privileged: bool = False, senior: bool = False, titles: str = "", eligible: str = "",
          employees_only: bool = False, regions: str = "", requires: str = "") -> _RoleSpec:
    return _RoleSpec(slug, name, _items(aliases), _items(departments), tier, privileged, senior, _items(titles),
                     _items(eligible), employees_only, _items(regions), requires, description)


@dataclass(frozen=True)
class _AppSpec:
    app_id: str
    name: str
    aliases: tuple[str, ...]
    owner_department: str
    description: str
    roles: tuple[_RoleSpec, ...]
    sod: tuple[tuple[str, str, str], ...] = ()
    home: tuple[str, ...] = ()
    domain: str = ""


_ASKIAM = _AppSpec(
    ASKIAM_APP_ID, "AskIAM", ("Ask IAM", "access assistant", "access bot"), "Security",
    "Chat assistant that checks access requests against the rules and records every decision.",
    (
        _role("delegate", "Access Delegate", "delegate|request delegate|on-behalf requester", "IT|Security", "named",
              "May submit access requests on behalf of anyone in the directory.", privileged=True,
              employees_only=True),
        _role("auditor", "Audit Reader", "audit log reader|decision auditor", "Security|IT", "named",
              "Reads the decision and audit log of every access request.", privileged=True,
              eligible="Security|IT|Legal|Internal Audit"),
        _role("admin", "Administrator", "AskIAM admin|bot admin", "IT", "named",
              "Imports org bundles, manages delegates and tunes the auto-approval threshold.", privileged=True,
              employees_only=True),
    ),
)

_CURATED: tuple[_AppSpec, ...] = (
    _AppSpec(
        "netsuite", "NetSuite", ("NS", "NetSuite ERP", "the ERP"), "Finance",
        "Cloud ERP for the general ledger, payables, receivables and the month-end close.",
        (
            _role("viewer", "Viewer", "read only|NS viewer", "Finance|Procurement", "baseline",
                  "Read financial records and run saved searches."),
            _role("ap-clerk", "AP Clerk", "accounts payable clerk|bill entry|AP entry", "Finance", "common",
                  "Enter and edit vendor bills and credits.", titles="Payable|Accountant|Billing"),
            _role("gl-accountant", "GL Accountant", "general ledger|journal entry|JE", "Finance", "common",
                  "Post and edit journal entries.", titles="Accountant|Analyst"),
            _role("payment-approver", "Payment Approver", "AP approver|bill approver|payment release", "Finance",
                  "specialist", "Approve vendor bills and release payment runs.", privileged=True, senior=True,
                  eligible="Finance"),
            _role("ar-specialist", "AR Specialist", "receivables|collections|AR", "Finance", "common",
                  "Apply customer payments and manage collections.", titles="Billing|Accountant|Analyst"),
            _role("fixed-assets", "Fixed Assets Accountant", "fixed assets|depreciation", "Finance", "specialist",
                  "Register fixed assets and run depreciation.", titles="Accountant"),
            _role("administrator", "Administrator", "NS admin|NetSuite admin|admin", "Finance", "rare",
                  "Configure roles, workflows and integrations.", privileged=True, employees_only=True,
                  requires="viewer"),
            _role("vendor-maintenance", "Vendor Maintenance", "vendor master|supplier setup|vendor bank details",
                  "Finance|Procurement", "specialist", "Create vendors and change their bank and remittance details.",
                  privileged=True, eligible="Finance|Procurement"),
            _role("controller", "Controller", "period close|close manager", "Finance", "rare",
                  "Close accounting periods and approve large journal entries.", privileged=True, senior=True,
                  employees_only=True, requires="viewer"),
        ),
        sod=(
            ("ap-clerk", "payment-approver", "Whoever enters a vendor bill must not approve its payment."),
            ("vendor-maintenance", "payment-approver",
             "Changing a vendor's bank details and releasing payments to that vendor is a toxic combination."),
            ("gl-accountant", "controller", "Journal entries are posted and approved by different people."),
        ),
    ),
    _AppSpec(
        "bamboohr", "BambooHR", ("Bamboo", "BHR", "the HRIS"), "HR",
        "HR information system: employee records, time off, compensation and payroll exports.",
        (
            _role("self-service", "Employee Self-Service", "ESS|my profile|time off", "*", "universal",
                  "View and update one's own profile, time off and documents."),
            _role("hr-generalist", "HR Generalist", "HR user|people ops", "HR", "baseline",
                  "Maintain employee records across the company."),
            _role("compensation-manager", "Compensation Manager", "comp manager|salary changes|comp", "HR",
                  "specialist", "Change salaries, bonuses and equity grants.", privileged=True, senior=True,
                  eligible="HR"),
            _role("recruiter", "Recruiter", "hiring|requisitions", "HR", "common",
                  "Open requisitions and move candidates through hiring.", titles="Recruit|Talent"),
            _role("payroll-processor", "Payroll Processor", "payroll|pay run", "HR|Finance", "specialist",
                  "Export payroll inputs and submit pay runs.", privileged=True, eligible="HR|Finance",
                  titles="Payroll|HR|Compensation|Accountant"),
            _role("hr-reporting", "HR Reporting", "people analytics|headcount reports", "HR|Data", "specialist",
                  "Run headcount, attrition and diversity reports."),
            _role("administrator", "Administrator", "BambooHR admin|HRIS admin", "HR", "rare",
                  "Configure fields, workflows and access levels.", privileged=True, employees_only=True,
                  requires="hr-generalist"),
        ),
        sod=(("payroll-processor", "compensation-manager", "Whoever changes pay must not also submit payroll."),),
    ),
    _AppSpec(
        "okta", "Okta", ("SSO", "the identity provider", "IdP"), "IT",
        "Single sign-on and multi-factor authentication for every company application.",
        (
            _role("end-user", "End User", "SSO user|okta user", "*", "universal", "Sign in to assigned applications."),
            _role("read-only-admin", "Read-Only Administrator", "RO admin|okta read only", "Security|IT", "specialist",
                  "View the identity configuration and system log without changing it."),
            _role("help-desk-admin", "Help Desk Administrator", "password reset|help desk admin|MFA reset", "IT",
                  "common", "Reset passwords and MFA factors for other people.", titles="Technician|Systems|IAM",
                  eligible="IT"),
            _role("group-admin", "Group Administrator", "group membership|groups admin", "IT|HR", "specialist",
                  "Manage membership of directory groups."),
            _role("app-admin", "Application Administrator", "app admin|SSO app admin", "IT|Security", "specialist",
                  "Add applications and change their sign-on settings.", privileged=True, employees_only=True,
                  titles="IAM|Systems|Security", requires="read-only-admin"),
            _role("reports-viewer", "Reports Viewer", "sign-in reports|okta reports", "Security|IT", "specialist",
                  "Read sign-in and provisioning reports."),
            _role("super-admin", "Super Administrator", "okta super admin|SA|org admin", "IT|Security", "rare",
                  "Full control of the identity provider, including other administrators.", privileged=True,
                  senior=True, employees_only=True, requires="app-admin"),
        ),
    ),
    _AppSpec(
        "gitlab", "GitLab", ("git", "repos", "source control"), "Engineering",
        "Source code hosting, merge requests and CI/CD pipelines.",
        (
            _role("developer", "Developer", "dev|push access|write access", "Engineering", "baseline",
                  "Push branches and open merge requests."),
            _role("reporter", "Reporter", "read access|read only|clone", "Data|Security", "common",
                  "Clone repositories and read issues."),
            _role("maintainer", "Maintainer", "merge rights|maintain", "Engineering", "specialist",
                  "Merge to protected branches and manage project settings.", senior=True, requires="developer"),
            _role("security-auditor", "Security Auditor", "code scanning|vulnerability reports", "Security", "common",
                  "Read vulnerability reports and audit events."),
            _role("planner", "Planner", "issues|boards|epics", "Product|Support", "specialist",
                  "Plan work with issues, boards and epics."),
            _role("ci-admin", "CI/CD Administrator", "runner admin|pipelines admin", "Engineering", "rare",
                  "Manage shared runners and pipeline secrets.", privileged=True, titles="Reliability|Platform",
                  requires="developer"),
            _role("owner", "Owner", "group owner|org owner", "Engineering", "rare",
                  "Administer the top-level group and its members.", privileged=True, senior=True,
                  employees_only=True, requires="maintainer"),
        ),
    ),
    _AppSpec(
        "servicenow", "ServiceNow", ("SNOW", "SN", "the service desk"), "IT",
        "IT service management: incidents, requests, changes and the asset database.",
        (
            _role("requester", "Requester", "portal user|self-service portal", "*", "universal",
                  "Raise incidents and service requests."),
            _role("fulfiller", "Fulfiller", "ITIL|ITIL user|agent", "IT|Security", "baseline",
                  "Work incidents and requests assigned to one's group."),
            _role("change-requester", "Change Requester", "RFC|change request|raise changes", "Engineering|IT",
                  "common", "Raise change requests for production systems.",
                  titles="Reliability|Platform|Systems|Network|Software"),
            _role("change-approver", "Change Approver", "CAB|CAB member|change board", "IT|Engineering",
                  "specialist", "Approve or reject production change requests.", privileged=True, senior=True,
                  employees_only=True),
            _role("asset-manager", "Asset Manager", "CMDB|hardware assets", "IT|Finance", "specialist",
                  "Maintain hardware and software asset records."),
            _role("administrator", "Administrator", "SN admin|platform admin", "IT", "rare",
                  "Administer the ServiceNow instance.", privileged=True, employees_only=True, requires="fulfiller"),
        ),
        sod=(("change-requester", "change-approver", "The engineer who raises a change must not approve it."),),
    ),
    _AppSpec(
        "gcp-prod", "Google Cloud Production", ("GCP prod", "prod project", "production cloud"), "Engineering",
        "The production Google Cloud organisation that runs customer-facing services.",
        (
            _role("viewer", "Viewer", "read only|prod viewer", "Engineering|Security", "baseline",
                  "Read production resources, logs and metrics."),
            _role("operator", "Operator", "deployer|prod deploy|deploy access", "Engineering", "common",
                  "Deploy services and restart workloads in production.", titles="Reliability|Platform",
                  requires="viewer"),
            _role("security-reviewer", "Security Reviewer", "security command center|SCC", "Security", "common",
                  "Review security findings and firewall rules."),
            _role("billing-viewer", "Billing Viewer", "cloud costs|billing", "Finance|Engineering", "specialist",
                  "Read cloud invoices and cost reports."),
            _role("owner", "Owner", "prod admin|project owner|prod owner", "Engineering", "rare",
                  "Full administrative control of production projects.", privileged=True, senior=True,
                  employees_only=True, titles="Reliability|Platform", requires="operator"),
        ),
    ),
    _AppSpec(
        "hubspot", "HubSpot", ("CRM", "HS", "the CRM"), "Sales",
        "Customer relationship management for the sales pipeline and marketing campaigns.",
        (
            _role("sales-user", "Sales User", "sales seat|CRM user|deals", "Sales", "baseline",
                  "Work contacts, companies and deals."),
            _role("marketing-user", "Marketing User", "marketing seat|campaigns|marketing hub", "Marketing",
                  "baseline", "Build emails, forms and campaigns."),
            _role("service-user", "Service User", "service hub|customer tickets", "Support|Sales", "specialist",
                  "Read customer records and log service conversations."),
            _role("sales-manager", "Sales Manager", "forecasting|pipeline manager|forecast", "Sales", "specialist",
                  "Manage forecasts, quotas and team pipelines.", senior=True),
            _role("contact-export", "Contact Export", "export contacts|bulk export|list export", "Marketing|Sales",
                  "specialist", "Export contact lists containing personal data.", privileged=True,
                  eligible="Marketing|Sales"),
            _role("super-admin", "Super Admin", "CRM admin|HubSpot admin|portal admin", "Sales|IT", "rare",
                  "Manage users, integrations and account settings.", privileged=True, employees_only=True),
        ),
    ),
    _AppSpec(
        "zendesk", "Zendesk", ("ZD", "support desk", "the helpdesk"), "Support",
        "Customer support ticketing and help centre.",
        (
            _role("agent", "Agent", "support agent|ticket agent", "Support", "baseline",
                  "Answer and resolve customer tickets."),
            _role("light-agent", "Light Agent", "internal notes|collaborator|read tickets", "Engineering|Sales",
                  "specialist", "Read tickets and add internal notes."),
            _role("team-lead", "Team Lead", "supervisor|queue lead", "Support", "specialist",
                  "Manage queues, macros and agent assignments.", senior=True),
            _role("eu-queue", "EU Ticket Access", "EU tickets|GDPR queue|EU queue", "Support", "specialist",
                  "Work tickets from customers in the European Union; the data stays in the EU.", regions="EMEA"),
            _role("explore-analyst", "Explore Analyst", "Explore|support reporting", "Support|Data", "specialist",
                  "Build support dashboards and reports."),
            _role("administrator", "Administrator", "ZD admin|Zendesk admin", "Support", "rare",
                  "Configure the help desk, triggers and integrations.", privileged=True, employees_only=True,
                  requires="agent"),
        ),
    ),
    _AppSpec(
        "looker", "Looker", ("BI", "dashboards", "Looker BI"), "Data",
        "Business intelligence dashboards and self-service exploration of the data warehouse.",
        (
            _role("viewer", "Viewer", "dashboards|read only|view dashboards", "Data|Finance|Marketing", "baseline",
                  "View shared dashboards and scheduled reports."),
            _role("explorer", "Explorer", "explore|ad hoc queries", "Data|Finance", "common",
                  "Build ad-hoc queries on curated explores.", requires="viewer"),
            _role("developer", "LookML Developer", "LookML|model developer", "Data", "common",
                  "Change LookML models and deploy them.", titles="Engineer|Analytics"),
            _role("pii-reader", "PII Reader", "personal data|sensitive data|PII", "Data|Security", "specialist",
                  "Query explores that expose personal data.", privileged=True, eligible="Data|Security|HR",
                  requires="explorer"),
            _role("curator", "Content Curator", "folders|boards|content admin", "Data|Marketing", "specialist",
                  "Organise shared folders and boards."),
            _role("admin", "Admin", "Looker admin|instance admin", "Data", "rare",
                  "Administer connections, users and permissions.", privileged=True, employees_only=True,
                  requires="developer"),
        ),
    ),
    _AppSpec(
        "confluence", "Confluence", ("wiki", "Confluence Cloud", "docs"), "IT",
        "Company wiki and team documentation spaces.",
        (
            _role("reader", "Reader", "view|wiki reader", "*", "universal", "Read pages in open spaces."),
            _role("contributor", "Contributor", "editor|write access|edit pages", "Engineering|Data|IT", "common",
                  "Create and edit pages in team spaces."),
            _role("legal-space", "Legal Space Editor", "legal wiki|contracts space", "Legal", "baseline",
                  "Edit the restricted legal space.", eligible="Legal"),
            _role("space-admin", "Space Administrator", "space admin", "IT|Engineering", "specialist",
                  "Manage permissions of a space.", requires="contributor"),
            _role("site-admin", "Site Administrator", "confluence admin|site admin", "IT", "rare",
                  "Administer the whole site, including restricted spaces.", privileged=True, employees_only=True,
                  requires="space-admin"),
        ),
    ),
    _AppSpec(
        "coupa", "Coupa", ("procurement", "P2P", "purchasing"), "Finance",
        "Procure-to-pay: requisitions, purchase orders, suppliers and contracts.",
        (
            _role("requisitioner", "Requisitioner", "purchase request|req|requisition", "*", "universal",
                  "Raise purchase requisitions."),
            _role("buyer", "Buyer", "PO creator|purchasing agent|purchase orders", "Procurement|Finance", "common",
                  "Turn approved requisitions into purchase orders."),
            _role("contract-reviewer", "Contract Reviewer", "contracts|CLM|contract review", "Legal", "common",
                  "Review supplier contracts before signature."),
            _role("po-approver", "PO Approver", "purchase order approver|approve POs", "Finance|Procurement",
                  "specialist", "Approve purchase orders above the requester's limit.", privileged=True,
                  senior=True, eligible="Finance|Procurement"),
            _role("supplier-manager", "Supplier Manager", "supplier onboarding|supplier records",
                  "Procurement|Finance", "specialist", "Onboard suppliers and maintain their records."),
            _role("administrator", "Administrator", "Coupa admin", "Finance|IT", "rare",
                  "Configure approval chains and integrations.", privileged=True, employees_only=True),
        ),
        sod=(
            ("buyer", "po-approver", "Purchase orders are raised and approved by different people."),
            ("supplier-manager", "po-approver", "Onboarding a supplier and approving purchases from it are separated."),
        ),
    ),
    _AppSpec(
        "datadog", "Datadog", ("DD", "monitoring", "APM"), "Engineering",
        "Monitoring, logs and application performance traces.",
        (
            _role("read-only", "Read Only", "viewer|dashboards", "Engineering|Support", "baseline",
                  "View dashboards, monitors and traces."),
            _role("standard", "Standard", "standard user|monitors", "Engineering", "common",
                  "Create dashboards and monitors.", requires="read-only"),
            _role("log-reader", "Sensitive Logs Reader", "log archives|raw logs", "Security|Engineering",
                  "specialist", "Read unredacted log archives.", privileged=True, eligible="Security|Engineering"),
            _role("admin", "Admin", "Datadog admin|DD admin", "Engineering", "rare",
                  "Manage users, API keys and integrations.", privileged=True, employees_only=True,
                  requires="standard"),
        ),
    ),
    _AppSpec(
        "ironclad", "Ironclad", ("CLM", "contract workflows"), "Legal",
        "Contract drafting, negotiation and signature workflows.",
        (
            _role("requester", "Requester", "contract request|NDA request", "Sales|Legal|Procurement", "common",
                  "Request NDAs and standard contracts."),
            _role("legal-reviewer", "Legal Reviewer", "review|redlines", "Legal", "baseline",
                  "Review and redline contracts."),
            _role("drafter", "Contract Drafter", "drafting|templates", "Legal|Sales", "specialist",
                  "Draft contracts from templates."),
            _role("signatory", "Signatory", "signer|e-signature authority", "Legal|Finance", "specialist",
                  "Sign contracts on behalf of the company.", privileged=True, senior=True, employees_only=True),
            _role("workflow-admin", "Workflow Administrator", "Ironclad admin|workflow designer", "Legal", "rare",
                  "Design contract workflows and templates.", privileged=True, requires="legal-reviewer"),
        ),
        sod=(("drafter", "signatory", "The person who drafts a contract must not sign it for the company."),),
    ),
    _AppSpec(
        "databricks", "Databricks", ("DBX", "lakehouse", "notebooks"), "Data",
        "Lakehouse notebooks, jobs and the governed data catalog.",
        (
            _role("workspace-user", "Workspace User", "notebooks|workspace", "Data|Engineering", "baseline",
                  "Run notebooks on shared clusters."),
            _role("data-engineer", "Data Engineer", "jobs|pipelines|ETL", "Data", "common",
                  "Schedule jobs and write to curated schemas.", titles="Engineer", requires="workspace-user"),
            _role("catalog-steward", "Catalog Steward", "data steward|unity catalog|table grants", "Data|Security",
                  "specialist", "Grant access to tables in the data catalog.", privileged=True),
            _role("pii-access", "PII Access", "restricted tables|personal data", "Data", "specialist",
                  "Read tables classified as restricted personal data.", privileged=True, eligible="Data|Security",
                  requires="workspace-user"),
            _role("workspace-admin", "Workspace Admin", "DBX admin|databricks admin", "Data", "rare",
                  "Administer workspaces, clusters and tokens.", privileged=True, employees_only=True,
                  requires="workspace-user"),
        ),
        sod=(("catalog-steward", "pii-access", "Whoever grants access to restricted tables must not also read them."),),
    ),
    _AppSpec(
        "crowdstrike", "CrowdStrike Falcon", ("Falcon", "EDR", "CrowdStrike"), "Security",
        "Endpoint detection and response on every laptop and server.",
        (
            _role("analyst", "Falcon Analyst", "analyst|detections", "Security", "baseline",
                  "Triage detections and investigate hosts."),
            _role("endpoint-viewer", "Endpoint Viewer", "device status|host view", "IT", "common",
                  "See sensor status and host details."),
            _role("responder", "Real Time Responder", "RTR|remote response|live response", "Security", "specialist",
                  "Open remote shells on hosts during an incident.", privileged=True, senior=True,
                  requires="analyst"),
            _role("admin", "Falcon Administrator", "falcon admin|EDR admin", "Security", "rare",
                  "Manage prevention policies and users.", privileged=True, employees_only=True, requires="analyst"),
        ),
    ),
    _AppSpec(
        "pagerduty", "PagerDuty", ("PD", "on-call", "paging"), "Engineering",
        "On-call schedules, paging and incident response.",
        (
            _role("responder", "Responder", "on-call|paged", "Engineering|IT", "common",
                  "Receive pages and acknowledge incidents."),
            _role("observer", "Observer", "stakeholder|status updates", "Support|Sales", "specialist",
                  "Follow incidents and status updates."),
            _role("manager", "Manager", "schedules|escalation policies", "Engineering", "specialist",
                  "Manage schedules and escalation policies.", senior=True, requires="responder"),
            _role("account-owner", "Account Owner", "PD owner|PagerDuty admin", "Engineering", "rare",
                  "Owns the account, billing and SSO settings.", privileged=True, employees_only=True,
                  requires="manager"),
        ),
    ),
    _AppSpec(
        "greenhouse", "Greenhouse", ("ATS", "recruiting", "GH"), "HR",
        "Applicant tracking: job openings, candidates and interview feedback.",
        (
            _role("interviewer", "Interviewer", "interview kits|scorecards", "Engineering|Sales", "common",
                  "Read interview kits and submit scorecards."),
            _role("recruiter", "Recruiter", "recruiting|sourcing", "HR", "common",
                  "Manage candidates and schedule interviews.", titles="Recruit|Talent"),
            _role("hiring-manager", "Hiring Manager", "job admin|hiring", "Engineering|Sales", "specialist",
                  "Manage the openings of one's own team.", senior=True),
            _role("offer-approver", "Offer Approver", "offers|approve offers", "HR|Finance", "specialist",
                  "Approve job offers and their compensation.", privileged=True, senior=True, eligible="HR|Finance"),
            _role("site-admin", "Site Admin", "greenhouse admin", "HR", "rare",
                  "Administer users, permissions and integrations.", privileged=True, employees_only=True,
                  requires="recruiter"),
        ),
        sod=(("recruiter", "offer-approver", "The recruiter who prepares an offer must not approve it."),),
    ),
    _AppSpec(
        "azure-devops", "Azure DevOps", ("ADO", "Azure Boards", "DevOps"), "Engineering",
        "Boards, repositories and release pipelines of the platform teams.",
        (
            _role("basic", "Basic", "contributor|basic access", "Engineering", "baseline",
                  "Work items, repositories and builds."),
            _role("stakeholder", "Stakeholder", "boards read|work items", "Product|Support", "common",
                  "Read boards and comment on work items."),
            _role("pipeline-editor", "Pipeline Editor", "pipelines|build definitions", "Engineering", "specialist",
                  "Edit build and release pipeline definitions.", titles="Reliability|Platform"),
            _role("release-approver", "Release Approver", "release gate|pipeline approval", "Engineering",
                  "specialist", "Approve releases to production stages.", privileged=True, senior=True),
            _role("project-admin", "Project Administrator", "project admin|ADO admin", "Engineering", "rare",
                  "Administer projects and their permissions.", privileged=True, employees_only=True,
                  requires="basic"),
        ),
        sod=(("pipeline-editor", "release-approver",
              "Editing a release pipeline and approving its releases are separated."),),
    ),
    _AppSpec(
        "marketo", "Marketo", ("Marketo Engage", "marketing automation"), "Marketing",
        "Marketing automation: email programs, lead scoring and landing pages.",
        (
            _role("marketer", "Marketing User", "campaigns|email programs", "Marketing", "baseline",
                  "Build email programs and landing pages."),
            _role("analytics-user", "Analytics User", "revenue attribution|reports", "Marketing|Data", "specialist",
                  "Read attribution and program reports."),
            _role("email-approver", "Email Approver", "send approval|campaign approver", "Marketing", "specialist",
                  "Approve large email sends.", privileged=True, senior=True),
            _role("admin", "Admin", "Marketo admin", "Marketing", "rare", "Administer the Marketo instance.",
                  privileged=True, employees_only=True),
        ),
    ),
    _AppSpec(
        "figma", "Figma", ("design files", "FigJam"), "Marketing",
        "Design files, prototypes and whiteboards.",
        (
            _role("viewer", "Viewer", "view files|comment", "Product|Engineering", "common",
                  "View and comment on design files."),
            _role("editor", "Editor", "design seat|edit files", "Design|Marketing", "baseline",
                  "Create and edit design files."),
            _role("org-admin", "Organization Admin", "figma admin", "Design|Marketing", "rare",
                  "Manage the organisation, teams and seats.", privileged=True, employees_only=True),
        ),
    ),
    _AppSpec(
        "1password", "1Password", ("1P", "password manager", "vaults"), "Security",
        "Team password manager with shared vaults.",
        (
            _role("member", "Member", "personal vault", "*", "universal", "Use a personal vault and shared vaults."),
            _role("vault-manager", "Vault Manager", "shared vaults|vault admin", "IT|Security", "specialist",
                  "Create shared vaults and manage who can open them.", privileged=True),
            _role("owner", "Owner", "1P owner|password manager admin", "Security", "rare",
                  "Owns the account and its recovery settings.", privileged=True, senior=True, employees_only=True),
        ),
    ),
    _AppSpec(
        "jamf", "Jamf Pro", ("Jamf", "MDM", "device management"), "IT",
        "Laptop management: enrolment, patches and remote wipe.",
        (
            _role("technician", "Technician", "helpdesk|enrolment", "IT", "baseline",
                  "Enrol devices and push software.", titles="Technician|Systems|Asset"),
            _role("auditor", "Auditor", "read only|device inventory", "IT|Security", "common",
                  "Read the device inventory and compliance status."),
            _role("administrator", "Administrator", "Jamf admin|MDM admin", "IT", "rare",
                  "Manage configuration profiles and remote wipe.", privileged=True, employees_only=True,
                  requires="technician"),
        ),
    ),
    _AppSpec(
        "expensify", "Expensify", ("expenses", "expense reports"), "Finance",
        "Expense reports, corporate cards and reimbursements.",
        (
            _role("submitter", "Submitter", "expense submitter|submit expenses", "*", "universal",
                  "Submit expense reports."),
            _role("auditor", "Expense Auditor", "expense audit|policy review", "Finance", "common",
                  "Review expense reports against the travel policy."),
            _role("reimbursement-admin", "Reimbursement Admin", "reimbursements|payouts", "Finance", "specialist",
                  "Release reimbursements to employees.", privileged=True, senior=True, eligible="Finance"),
        ),
        sod=(("auditor", "reimbursement-admin",
              "The person who audits expense reports must not release their reimbursement."),),
    ),
    _AppSpec(
        "terraform-cloud", "Terraform Cloud", ("TFC", "Terraform", "infrastructure as code"), "Engineering",
        "Infrastructure-as-code workspaces, runs and policy checks.",
        (
            _role("plan", "Plan", "read|plan only", "Engineering|Security", "common",
                  "Queue plans and read workspace state."),
            _role("write", "Write", "apply|workspace write", "Engineering", "common",
                  "Apply runs to workspaces.", titles="Reliability|Platform", requires="plan"),
            _role("policy-manager", "Policy Manager", "sentinel policies|policy sets", "Security", "specialist",
                  "Change the policy sets that gate every run.", privileged=True),
            _role("org-owner", "Organization Owner", "TFC owner|org owner", "Engineering", "rare",
                  "Owns the organisation, teams and tokens.", privileged=True, employees_only=True, requires="write"),
        ),
        sod=(("write", "policy-manager",
              "Engineers who apply infrastructure changes must not change the policies that gate them."),),
    ),
    _AppSpec(
        "stripe", "Stripe Dashboard", ("Stripe", "payments dashboard"), "Finance",
        "Card payments, refunds and payouts for customer invoices.",
        (
            _role("view-only", "View Only", "read only|payments view", "Finance|Support", "common",
                  "See payments, disputes and payouts."),
            _role("refund-analyst", "Refund Analyst", "refunds|issue refunds", "Support|Finance", "specialist",
                  "Issue refunds to customers.", privileged=True),
            _role("developer", "Developer", "API keys|webhooks", "Engineering", "specialist",
                  "Manage API keys and webhooks.", privileged=True, titles="Software|Platform"),
            _role("administrator", "Administrator", "Stripe admin|account admin", "Finance", "rare",
                  "Manage team members and bank accounts.", privileged=True, senior=True, employees_only=True,
                  requires="view-only"),
        ),
    ),
)

_CROSS_SOD: tuple[tuple[str, str, str, str, str], ...] = (
    ("gcp-prod", "owner", "servicenow", "change-approver",
     "Administering production and approving production changes is forbidden for the same person."),
    ("netsuite", "vendor-maintenance", "coupa", "po-approver",
     "Maintaining vendor bank details and approving purchase orders to vendors is a toxic combination."),
    ("bamboohr", "payroll-processor", "expensify", "reimbursement-admin",
     "Paying salaries and releasing reimbursements are held by different people."),
)

# Generated applications: (domain, home departments, fallback department, what it is about)
_DOMAINS: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("Billing", ("Finance", "Sales"), "Finance", "invoicing and subscription billing"),
    ("Payments", ("Finance", "Treasury"), "Finance", "payment processing and settlement"),
    ("Ledger", ("Finance",), "Finance", "sub-ledger postings and reconciliations"),
    ("Inventory", ("Operations", "Procurement"), "Finance", "stock levels and warehouse inventory"),
    ("Logistics", ("Operations",), "Support", "shipments, carriers and delivery tracking"),
    ("Analytics", ("Data",), "Data", "reporting datasets and metrics"),
    ("Forecasting", ("Data", "Finance"), "Data", "demand and revenue forecasts"),
    ("Pricing", ("Sales", "Finance"), "Sales", "price books and discount rules"),
    ("Onboarding", ("HR", "IT"), "HR", "new-hire onboarding tasks"),
    ("Payroll", ("HR", "Finance"), "HR", "payroll calculations and payslips"),
    ("Ticketing", ("Support", "IT"), "Support", "customer and internal tickets"),
    ("Identity", ("IT", "Security"), "IT", "accounts and entitlements"),
    ("Monitoring", ("Engineering", "IT"), "Engineering", "service health and alerts"),
    ("Deployments", ("Engineering",), "Engineering", "release and deployment pipelines"),
    ("Contracts", ("Legal", "Procurement"), "Legal", "contract records and renewals"),
    ("Claims", ("Finance", "Support"), "Finance", "customer claims and credits"),
    ("Campaigns", ("Marketing",), "Marketing", "marketing campaigns and audiences"),
    ("Recruiting", ("HR",), "HR", "job openings and candidates"),
    ("Scheduling", ("Operations", "Support"), "Support", "shift and appointment scheduling"),
    ("Knowledge", ("Support", "Product"), "Support", "help articles and internal knowledge"),
    ("Controls", ("Compliance", "Legal"), "Legal", "controls, evidence and attestations"),
    ("Audit", ("Internal Audit", "Security"), "Security", "audit trails and findings"),
    ("Research", ("Research", "Data"), "Data", "experiments and research datasets"),
    ("Studio", ("Design", "Product"), "Marketing", "design assets and prototypes"),
    ("Partners", ("Partnerships", "Sales"), "Sales", "partner accounts and referrals"),
    ("Treasury", ("Treasury", "Finance"), "Finance", "cash positions and bank accounts"),
    ("Testing", ("Quality Assurance", "Engineering"), "Engineering", "test plans and results"),
    ("Workplace", ("Facilities", "Operations"), "HR", "desks, badges and office services"),
    ("Renewals", ("Customer Success", "Sales"), "Sales", "renewals and customer health"),
    ("Vendors", ("Procurement", "Finance"), "Finance", "supplier records and risk reviews"),
    ("Records", ("Legal", "Operations"), "Legal", "document storage and retention"),
    ("Assets", ("IT", "Finance"), "IT", "hardware and software assets"),
)
_PREFIXES = (
    "Atlas", "Beacon", "Cobalt", "Cedar", "Delta", "Ember", "Falcon", "Fjord", "Granite", "Harbor", "Helix", "Iris",
    "Juniper", "Kestrel", "Lumen", "Meridian", "Mosaic", "Nimbus", "Onyx", "Orion", "Pioneer", "Prism", "Quartz",
    "Raven", "Sable", "Sequoia", "Sierra", "Solstice", "Summit", "Tamarack", "Tundra", "Umber", "Vantage", "Vertex",
    "Willow", "Yarrow", "Zenith", "Zephyr", "Aurora", "Basalt",
)
_AREAS = (
    "Reports", "Workflows", "Integrations", "Templates", "Schedules", "Exports", "Forecasts", "Settings", "Archive",
    "Notifications", "Budgets", "Mappings", "Dashboards", "Rules", "Imports", "Queues", "Accounts", "Catalog",
)

# --------------------------------------------------------------------------------------------------------------
# Small helpers

_SPECIAL_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ß": "ss", "æ": "ae", "Æ": "AE",
                                  "đ": "d", "Đ": "D", "ı": "i"})


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    return "".join(ch for ch in decomposed if ch.isascii() and not unicodedata.combining(ch))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _ascii(text).lower()).strip("-")


def _login(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "", _ascii(text).lower()).strip("-")


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


def _join(values: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(values)


def _listing(items: Sequence[str], limit: int) -> str:
    if not items:
        return "none at present"
    shown = list(items[:limit])
    if len(items) > limit:
        shown.append(f"{len(items) - limit} more listed in the rules catalog")
    if len(shown) <= 2:
        return " and ".join(shown)
    return "; ".join(shown[:-1]) + "; and " + shown[-1]


# --------------------------------------------------------------------------------------------------------------
# The org being built


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


class _Org:
    def __init__(self, size: OrgSize, as_of: date) -> None:
        self.size = size
        self.as_of = as_of
        extra = min(len(_EXTRA_DEPARTMENTS), max(0, (size.users - 300) // 400))
        self.depts: list[_DeptSpec] = [
            _DeptSpec(_EXECUTIVE, "EXE", 0, 0, (("Executive Assistant", 1, 1.0),), "", "", "Chief Executive Officer"),
            *_CORE_DEPARTMENTS, *_EXTRA_DEPARTMENTS[:extra],
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
        hq, hq_region = _LOCATIONS[0]

        def person(dept: int, title: str, level: int, manager: int, contractor: bool, status: str,
                   location: tuple[str, str], cost_center: str) -> None:
            first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
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

    def _build_department(self, rng: random.Random, dept: int, spec: _DeptSpec, count: int) -> None:
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
                homes[team[i]] = _LOCATIONS[0] if i == 0 else rng.choice(_LOCATIONS)
            location = homes[team[i]] if i == 0 or rng.random() < 0.8 else rng.choice(_LOCATIONS)
            cost_center = f"{spec.code}-{1000 + 10 * (team[i] % 50)}"
            manager = 0 if i == 0 else base + parent
            first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
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
            first, last = _login(user.first), _login(user.last)
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
        specs: list[_AppSpec] = [_ASKIAM, *_CURATED[: size.applications - 1]]
        specs.extend(self._generated_apps(rng, size.applications - len(specs)))
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

    def _generated_apps(self, rng: random.Random, count: int) -> list[_AppSpec]:
        combos = [(prefix, domain) for prefix in _PREFIXES for domain in range(len(_DOMAINS))]
        rng.shuffle(combos)
        used_aliases: set[str] = set()
        apps: list[_AppSpec] = []
        for k in range(count):
            prefix, domain_index = combos[k % len(combos)]
            domain, home, fallback, about = _DOMAINS[domain_index]
            round_ = k // len(combos)
            name = f"{prefix} {domain}" + (f" {round_ + 1}" if round_ else "")
            acronym = f"{prefix[0]}{domain[:2]}".upper() + (str(round_ + 1) if round_ else "")
            aliases = [alias for alias in (acronym, f"{prefix}{domain}") if alias not in used_aliases][:2]
            if len(aliases) < 2 and rng.random() < 0.5:
                aliases.append(f"{domain} ({prefix})")
            used_aliases.update(aliases)
            present = [name_ for name_ in home if name_ in self.dept_index] or [fallback]
            description = f"In-house system for {about}, used mostly by {' and '.join(present)}."
            apps.append(_AppSpec(_slug(name), name, tuple(aliases), present[0], description, (), (),
                                 tuple(present), about))
        return apps

    def _generic_roles(self, rng: random.Random, spec: _AppSpec, count: int,
                       taken: set[str]) -> tuple[list[_RoleSpec], list[tuple[str, str, str]]]:
        """Role templates for a generated app (or to top up a curated one), with their SoD pairs."""
        home = _join(spec.home or (spec.owner_department,))
        first = (spec.home or (spec.owner_department,))[0]
        last = (spec.home or (spec.owner_department,))[-1]
        about = spec.domain or spec.description.rstrip(".").lower()
        auditors = _join(name for name in ("Internal Audit", "Compliance", "Security") if name in self.dept_index)
        restricted = rng.random() < 0.5
        base = [
            _role("viewer", "Viewer", "read only|view", home, "occasional", f"Read-only access to {about}."),
            _role("editor", "Editor", "edit|write access", first, "specialist", f"Create and change {about} records."),
            _role("administrator", "Administrator", f"{spec.name} admin|admin", first, "rare",
                  f"Administer {spec.name}: users, settings and integrations.", privileged=True,
                  employees_only=rng.random() < 0.6, requires="viewer"),
            _role("analyst", "Analyst", "reports|reporting", last, "specialist", f"Run reports on {about}."),
            _role("operator", "Operator", "operations|run jobs", first, "specialist",
                  f"Run and monitor scheduled jobs for {about}."),
            _role("approver", "Approver", "approvals|sign-off", first, "specialist",
                  f"Approve changes to {about}.", privileged=rng.random() < 0.5, senior=True,
                  eligible=home if restricted else "", requires="viewer" if rng.random() < 0.5 else ""),
            _role("auditor", "Auditor", "audit|audit trail", auditors, "niche", f"Read the audit trail of {about}."),
        ]
        sod: list[tuple[str, str, str]] = []
        if rng.random() < 0.8:
            sod.append(("editor", "approver", f"Whoever changes {about} records must not approve the change."))
        areas = list(_AREAS)
        rng.shuffle(areas)
        extended: list[_RoleSpec] = list(base)
        for n, area in enumerate(areas * 50):
            if len(extended) >= count + len(taken):
                break
            number = "" if n < len(areas) else f" {n // len(areas) + 1}"
            label = f"{area}{number}"
            extended.append(_role(_slug(f"{label} viewer"), f"{label} Viewer", f"{label.lower()} read", first,
                                  "niche", f"Read {area.lower()} in {spec.name}."))
            extended.append(_role(_slug(f"{label} editor"), f"{label} Editor", f"{label.lower()} edit", first,
                                  "niche", f"Change {area.lower()} in {spec.name}."))
            if n % 2 == 0:
                extended.append(_role(_slug(f"{label} approver"), f"{label} Approver", f"{label.lower()} approval",
                                      first, "niche", f"Approve changes to {area.lower()} in {spec.name}.",
                                      privileged=rng.random() < 0.3, requires="viewer"))
                if rng.random() < 0.6:
                    sod.append((_slug(f"{label} editor"), _slug(f"{label} approver"),
                                f"{area} in {spec.name} are changed and approved by different people."))
        chosen = [role for role in extended if role.slug not in taken and role.name not in taken]
        return chosen[:count], sod

    def _add_app(self, rng: random.Random, spec: _AppSpec, quota: int) -> None:
        owner_dept = self.dept_index.get(spec.owner_department, 1)
        home = tuple(self._present(spec.home)) or (owner_dept,)
        app = _App(len(self.apps), spec.app_id, spec.name, spec.aliases, self._owner_for(rng, owner_dept),
                   spec.description, home, spec.domain)
        self.apps.append(app)
        role_specs = list(spec.roles[:quota])
        sod_specs = list(spec.sod)
        if len(role_specs) < quota:
            taken = {role.slug for role in role_specs} | {role.name for role in role_specs}
            more, more_sod = self._generic_roles(rng, spec, quota - len(role_specs), taken)
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

    def _add_role(self, app: _App, spec: _RoleSpec, by_slug: dict[str, int]) -> None:
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
        for app_a, slug_a, app_b, slug_b, description in _CROSS_SOD:
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
        plan = [(index, _TIER_GRANT["universal"]) for index in self.universal
                if self.eligible(user, self.roles[index])]
        for index in self.dept_roles[user.dept]:
            role = self.roles[index]
            if not self.eligible(user, role):
                continue
            p = _TIER_GRANT[role.tier]
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
              ((a.app_id, a.name, _join(a.aliases), self.users[a.owner].user_id, a.description) for a in self.apps))
        table("roles.csv", ROLE_COLUMNS,
              ((r.role_id, self.apps[r.app].app_id, r.name, _join(r.aliases), "true" if r.privileged else "false",
                r.description) for r in roles))
        table("sod_rules.csv", SOD_COLUMNS,
              ((rule_id, roles[a].role_id, roles[b].role_id, text) for rule_id, a, b, text in self.sod))
        table("prerequisites.csv", PREREQUISITE_COLUMNS,
              ((r.role_id, roles[r.requires].role_id) for r in roles if r.requires >= 0))
        table("eligibility.csv", ELIGIBILITY_COLUMNS,
              ((roles[index].role_id, attribute, _join(values)) for index, attribute, values in self.eligibility))

    def label(self, index: int) -> str:
        role = self.roles[index]
        return f"{self.apps[role.app].name} {role.name}"


# --------------------------------------------------------------------------------------------------------------
# Policies


def _policies(org: _Org, count: int) -> list[tuple[str, str]]:
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
        ]),
        ("Segregation of Duties Standard", [
            "Some pairs of roles would let one person both start a transaction and approve or hide it. These pairs "
            "are toxic combinations: nobody may hold both roles at the same time, whichever was granted first.",
            f"The combinations enforced today are {_listing(sod, 6)}.",
            "A request that would create a toxic combination is refused. The person must first give up the "
            "conflicting role. Exceptions are never granted through an access request; they go to the Internal "
            "Controls committee, which documents a compensating control.",
        ]),
        ("Privileged Access Policy", [
            "Privileged roles can change configuration, move money, manage other people's access or read "
            f"sensitive personal data. Examples include {_listing(privileged, 6)}.",
            "A privileged role is never approved automatically, however many peers hold it. The application owner "
            "reviews each request, and the grant is time-limited where the application supports it.",
            "Several roles, privileged ones above all, build on a lower role of the same application that the "
            f"person must already hold: {_listing(prereqs, 5)}.",
        ]),
        ("Contractor and Temporary Staff Access", [
            "Contractors and temporary staff receive only the access named in their statement of work. Their "
            "grants carry an end date that matches the engagement, and the sponsoring manager confirms the access "
            "every quarter.",
            "Roles reserved for employees are never granted to contractors. They include "
            f"{_listing(employee_only, 6)}.",
            "When an engagement ends the account is deactivated on the last working day and pending requests for "
            "that person are refused.",
        ]),
        ("Data Classification and Handling", [
            "Information is classified as Public, Internal, Confidential or Restricted. Personal data about "
            "employees and customers, bank details and credentials are Restricted.",
            "Roles that expose Restricted data or move money are limited to the departments that need them: "
            f"{_listing(restricted, 6)}.",
            *([f"Customer data of the European Union stays in the region: {_listing(regional, 3)}."]
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
            + (f"; the rules forbid {_listing(production_sod, 2)}." if production_sod else "."),
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
            f"to Finance and, where stated, Procurement or HR: {_listing(finance_only, 5)}.",
            "Read-only finance roles are available to Finance staff on request and are usually approved "
            "automatically. Approval roles always need a human decision and a segregation-of-duties check.",
        ]),
        ("Application Ownership Standard", [
            "Every application has one owner who decides who may use it and reviews its privileged roles. Owners "
            f"include {_listing(owners, 8)}.",
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


def _generated_page(org: _Org, rng: random.Random, kind: str, target: int) -> tuple[str, str]:
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
            f"{opening} Most of the team works with {_listing(baseline, 5) if baseline else 'the company-wide tools'}.",
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
            f"{_listing(described, 5)}.",
            *([f"People often use other words for these roles: {_listing(nicknames, 4)}."] if nicknames else []),
            f"Questions about {app.name} go to its owner, {owner.display_name}.",
        ]
        return title, "\n\n".join(paragraphs)
    if kind == "review":
        title = f"{app.name} Access Review Procedure"
        privileged = [r.name for r in app_roles if r.privileged]
        paragraphs = [
            f"{owner.display_name} owns {app.name} and runs its access review. Every quarter the owner receives "
            "the list of people and roles and confirms or removes each grant.",
            (f"Privileged roles in {app.name} ({_listing(privileged, 4)}) are reviewed every month, and a grant "
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
        f"It offers the roles {_listing(names, 6)}.",
    ]
    conflicts = [f"{roles[a].name} with {roles[b].name}" for _, a, b, _ in org.sod
                 if roles[a].app == app.index and roles[b].app == app.index]
    if conflicts:
        paragraphs.append(f"In {app.name} nobody may hold {_listing(conflicts, 3)}.")
    needs = [f"{r.name} requires {roles[r.requires].name}" for r in app_roles if r.requires >= 0]
    if needs:
        paragraphs.append(f"Some roles build on others: {_listing(needs, 3)}.")
    limits = [f"{roles[i].name} is limited to {', '.join(values)}" for i, attribute, values in org.eligibility
              if roles[i].app == app.index and attribute != "employment_type"]
    if limits:
        paragraphs.append(f"Eligibility: {_listing(limits, 3)}.")
    paragraphs.append(rng.choice((
        "Requests from the departments that use the application every day are routine; others need the owner's "
        "approval.",
        f"People outside {depts} need a business reason, which the owner checks before approving.",
    )))
    return title, "\n\n".join(paragraphs)


def _write_policies(org: _Org, folder: Path, count: int) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.md"):
        stale.unlink()
    names: set[str] = set()
    for title, body in _policies(org, count):
        name = _slug(title) or "policy"
        candidate, n = name, 1
        while candidate in names:
            n += 1
            candidate = f"{name}-{n}"
        names.add(candidate)
        (folder / f"{candidate}.md").write_text(f"# {title}\n\n{body}\n", encoding="utf-8")
    return len(names)


# --------------------------------------------------------------------------------------------------------------
# Public API


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


def generate_bundle(folder: Path, size: OrgSize = OrgSize(), *, as_of: date = DEFAULT_AS_OF) -> GeneratedOrg:
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
    org = _Org(size, as_of)
    org.build_users()
    org.build_catalog()
    org.build_teams()
    org.choose_demo()
    org.write_users(folder / "users.csv")
    org.write_catalog(folder)
    grants = org.write_grants(folder / "user_roles.csv")
    history = org.write_history(folder / "access_history.csv")
    policies = _write_policies(org, folder / "policies", size.policies)
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
