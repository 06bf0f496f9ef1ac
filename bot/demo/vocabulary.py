"""The words a generated org is made of: departments and their titles, places, names, and the applications
and roles of the catalog (curated ones, and templates for as many more as a size asks for)."""

from __future__ import annotations

import random
from collections.abc import Container
from dataclasses import dataclass

from bot.demo.wording import LIST_SEPARATOR, joined, slug

COMPANY = "Larkspur"
EMAIL_DOMAIN = "larkspur.example"
ASKIAM_APP_ID = "askiam"
DELEGATE_ROLE_ID = "askiam-delegate"

# --------------------------------------------------------------------------------------------------------------
# Directory vocabulary


@dataclass(frozen=True)
class DeptSpec:
    name: str
    code: str
    weight: float
    contractor_share: float
    ic_titles: tuple[tuple[str, int, float], ...]  # title, level (0 junior .. 3 staff), weight
    manager_title: str
    director_title: str
    head_title: str


def _dept(name: str, code: str, weight: float, contractors: float, titles: str, manager: str, director: str,
          head: str) -> DeptSpec:
    """A department from a compact 'Title:level:weight;...' list of individual-contributor titles."""
    parsed: list[tuple[str, int, float]] = []
    for item in titles.split(";"):
        title, level, weight_text = item.split(":")
        parsed.append((title.strip(), int(level), float(weight_text)))
    return DeptSpec(name, code, weight, contractors, tuple(parsed), manager, director, head)


EXECUTIVE = "Executive"
CORE_DEPARTMENTS: tuple[DeptSpec, ...] = (
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
EXTRA_DEPARTMENTS: tuple[DeptSpec, ...] = (
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

LOCATIONS: tuple[tuple[str, str], ...] = (
    ("Denver", "AMER"), ("Dublin", "EMEA"), ("Bengaluru", "APAC"), ("Chicago", "AMER"), ("Lisbon", "EMEA"),
    ("Warsaw", "EMEA"), ("Montréal", "AMER"), ("Sydney", "APAC"), ("São Paulo", "LATAM"), ("Nairobi", "EMEA"),
    ("Tokyo", "APAC"), ("New York", "AMER"),
)

FIRST_NAMES = (
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
LAST_NAMES = (
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

TIER_GRANT = {"universal": 0.96, "baseline": 0.93, "common": 0.5, "occasional": 0.3, "specialist": 0.16,
               "niche": 0.04, "rare": 0.04, "named": 0.0}


@dataclass(frozen=True)
class RoleSpec:
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
          employees_only: bool = False, regions: str = "", requires: str = "") -> RoleSpec:
    return RoleSpec(slug, name, _items(aliases), _items(departments), tier, privileged, senior, _items(titles),
                     _items(eligible), employees_only, _items(regions), requires, description)


@dataclass(frozen=True)
class AppSpec:
    app_id: str
    name: str
    aliases: tuple[str, ...]
    owner_department: str
    description: str
    roles: tuple[RoleSpec, ...]
    sod: tuple[tuple[str, str, str], ...] = ()
    home: tuple[str, ...] = ()
    domain: str = ""


ASKIAM = AppSpec(
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

CURATED: tuple[AppSpec, ...] = (
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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
    AppSpec(
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

CROSS_SOD: tuple[tuple[str, str, str, str, str], ...] = (
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


def generated_apps(rng: random.Random, count: int, departments: Container[str]) -> list[AppSpec]:
    """Specs of `count` in-house applications beyond the curated ones, homed in the departments the org has."""
    combos = [(prefix, domain) for prefix in _PREFIXES for domain in range(len(_DOMAINS))]
    rng.shuffle(combos)
    used_aliases: set[str] = set()
    apps: list[AppSpec] = []
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
        present = [name_ for name_ in home if name_ in departments] or [fallback]
        description = f"In-house system for {about}, used mostly by {' and '.join(present)}."
        apps.append(AppSpec(slug(name), name, tuple(aliases), present[0], description, (), (),
                             tuple(present), about))
    return apps


def generic_roles(rng: random.Random, spec: AppSpec, count: int, taken: set[str],
                  departments: Container[str]) -> tuple[list[RoleSpec], list[tuple[str, str, str]]]:
    """Role templates for a generated app (or to top up a curated one), with their SoD pairs."""
    home = joined(spec.home or (spec.owner_department,))
    first = (spec.home or (spec.owner_department,))[0]
    last = (spec.home or (spec.owner_department,))[-1]
    about = spec.domain or spec.description.rstrip(".").lower()
    auditors = joined(name for name in ("Internal Audit", "Compliance", "Security") if name in departments)
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
    extended: list[RoleSpec] = list(base)
    for n, area in enumerate(areas * 50):
        if len(extended) >= count + len(taken):
            break
        number = "" if n < len(areas) else f" {n // len(areas) + 1}"
        label = f"{area}{number}"
        extended.append(_role(slug(f"{label} viewer"), f"{label} Viewer", f"{label.lower()} read", first,
                              "niche", f"Read {area.lower()} in {spec.name}."))
        extended.append(_role(slug(f"{label} editor"), f"{label} Editor", f"{label.lower()} edit", first,
                              "niche", f"Change {area.lower()} in {spec.name}."))
        if n % 2 == 0:
            extended.append(_role(slug(f"{label} approver"), f"{label} Approver", f"{label.lower()} approval",
                                  first, "niche", f"Approve changes to {area.lower()} in {spec.name}.",
                                  privileged=rng.random() < 0.3, requires="viewer"))
            if rng.random() < 0.6:
                sod.append((slug(f"{label} editor"), slug(f"{label} approver"),
                            f"{area} in {spec.name} are changed and approved by different people."))
    chosen = [role for role in extended if role.slug not in taken and role.name not in taken]
    return chosen[:count], sod
