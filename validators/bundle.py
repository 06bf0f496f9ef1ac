"""Reading and validating an org bundle (a folder of CSV files and policies/*.md) before anything is written."""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.time_zones import end_of_day, zone_named
from bot.understanding.text import fold, name_key
from validators.errors import ImportRowError
from validators.user_columns import STANDARD_USER_COLUMNS

LIST_SEPARATOR = "|"
MAX_CELL_CHARS = 10_000
MAX_POLICY_BYTES = 2_000_000
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,127}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(LIST_SEPARATOR) if part.strip())


def _check_id(value: str) -> str:
    value = value.strip()
    if not _ID.match(value):
        raise ValueError(f"'{value[:60]}' is not a valid id (letters, digits and ._@:+- only, at most 128)")
    return value


class Row(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)


RowT = TypeVar("RowT", bound=Row)
# A row as read: its line, the row and its cells as written.
_Parsed = tuple[int, RowT, dict[str, str]]


class UserRow(Row):
    user_id: str
    email: str
    display_name: str = Field(min_length=1, max_length=200)
    status: str
    employment_type: str = ""
    department: str = ""
    title: str = ""
    manager_id: str | None = None
    location: str = ""
    time_zone: str = ""

    _id = field_validator("user_id")(_check_id)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError(f"'{value[:60]}' is not an email address")
        return value

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        value = value.lower()
        if value not in {"active", "inactive", "suspended"}:
            raise ValueError(f"status must be active, inactive or suspended, not '{value[:30]}'")
        return value

    @field_validator("manager_id", mode="before")
    @classmethod
    def _manager(cls, value: str | None) -> str | None:
        return _check_id(value) if value and value.strip() else None

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        if value and zone_named(value) is None:
            raise ValueError(f"time_zone '{value[:40]}' is not an IANA time zone (such as Europe/Berlin or "
                             "America/New_York); leave it empty for UTC")
        return value


class ApplicationRow(Row):
    app_id: str
    name: str = Field(min_length=1, max_length=200)
    aliases: tuple[str, ...] = ()
    owner_id: str | None = None
    description: str = ""

    _id = field_validator("app_id")(_check_id)

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases(cls, value: str) -> tuple[str, ...]:
        return _split(value or "")

    @field_validator("owner_id", mode="before")
    @classmethod
    def _owner(cls, value: str | None) -> str | None:
        return _check_id(value) if value and value.strip() else None


class RoleRow(Row):
    role_id: str
    app_id: str
    name: str = Field(min_length=1, max_length=200)
    aliases: tuple[str, ...] = ()
    privileged: bool
    description: str = ""

    _ids = field_validator("role_id", "app_id")(_check_id)

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases(cls, value: str) -> tuple[str, ...]:
        return _split(value or "")

    @field_validator("privileged", mode="before")
    @classmethod
    def _privileged(cls, value: str) -> bool:
        text = (value or "").strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"privileged must be true or false, not '{text[:30]}'")


def _timestamp(value: str | None) -> datetime | None:
    """A date or timestamp; one without an offset is on UTC (a date alone: the start of that day in UTC, until
    `_ends_on_their_clock` reads an end given as a date)."""
    if value is None or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"'{value[:40]}' is not an ISO date or timestamp") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _date_only(value: str | None) -> date | None:
    """The day a cell names when it gives no time of day ("2026-12-18"), else None."""
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


# A grant is held while active (and unexpired); the other statuses record a grant that is not held.
GRANT_STATUSES = ("active", "suspended", "revoked", "expired", "inactive")


class UserRoleRow(Row):
    user_id: str
    role_id: str
    granted_at: datetime | None = None
    expires_at: datetime | None = None
    status: str = "active"

    _ids = field_validator("user_id", "role_id")(_check_id)
    _dates = field_validator("granted_at", "expires_at", mode="before")(_timestamp)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: str | None) -> str:
        status = (value or "active").strip().lower() or "active"
        if status not in GRANT_STATUSES:
            # A status outside the list would silently count as not held, and a held role's SoD rules with it.
            raise ValueError(f"must be one of {', '.join(GRANT_STATUSES)} (empty: active), not "
                             f"'{status[:30]}'")
        return status


class SodRuleRow(Row):
    rule_id: str
    role_a: str
    role_b: str
    description: str = ""

    _ids = field_validator("rule_id", "role_a", "role_b")(_check_id)


class PrerequisiteRow(Row):
    role_id: str
    requires_role_id: str

    _ids = field_validator("role_id", "requires_role_id")(_check_id)


class EligibilityRow(Row):
    role_id: str
    attribute: str = Field(min_length=1, max_length=100)
    allowed_values: tuple[str, ...]

    _id = field_validator("role_id")(_check_id)

    @field_validator("allowed_values", mode="before")
    @classmethod
    def _values(cls, value: str) -> tuple[str, ...]:
        values = _split(value or "")
        if not values:
            raise ValueError("allowed_values is empty")
        return values


class HistoryRow(Row):
    request_id: str
    user_id: str
    role_id: str
    decision: bool
    decided_at: datetime | None = None
    decided_by: str | None = None

    _ids = field_validator("request_id", "user_id", "role_id")(_check_id)
    _date = field_validator("decided_at", mode="before")(_timestamp)

    @field_validator("decision", mode="before")
    @classmethod
    def _decision(cls, value: str) -> bool:
        text = (value or "").strip().lower()
        if text in {"approved", "approve", "1", "true"}:
            return True
        if text in {"denied", "deny", "rejected", "0", "false"}:
            return False
        raise ValueError(f"decision must be approved or denied, not '{text[:30]}'")


@dataclass(frozen=True)
class ParsedUser:
    row: UserRow
    attributes: dict[str, str]


@dataclass(frozen=True)
class PolicyDocument:
    document: str
    title: str
    body: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body.encode("utf-8")).hexdigest()


@dataclass
class Bundle:
    users: list[ParsedUser] = field(default_factory=list)
    applications: list[ApplicationRow] = field(default_factory=list)
    roles: list[RoleRow] = field(default_factory=list)
    user_roles: list[UserRoleRow] = field(default_factory=list)
    sod_rules: list[SodRuleRow] = field(default_factory=list)
    prerequisites: list[PrerequisiteRow] = field(default_factory=list)
    eligibility: list[EligibilityRow] = field(default_factory=list)
    history: list[HistoryRow] = field(default_factory=list)
    policies: list[PolicyDocument] = field(default_factory=list)
    source: str = ""

    def folded_eligibility(self) -> list[tuple[EligibilityRow, list[str]]]:
        return [(row, [fold(value) for value in row.allowed_values]) for row in self.eligibility]


REQUIRED_FILES = ("users.csv", "applications.csv", "roles.csv")
OPTIONAL_FILES = ("user_roles.csv", "sod_rules.csv", "prerequisites.csv", "eligibility.csv", "access_history.csv")
_REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "users.csv": ("user_id", "email", "display_name", "status"),
    "applications.csv": ("app_id", "name"),
    "roles.csv": ("role_id", "app_id", "name", "privileged"),
    "user_roles.csv": ("user_id", "role_id"),
    "sod_rules.csv": ("rule_id", "role_a", "role_b"),
    "prerequisites.csv": ("role_id", "requires_role_id"),
    "eligibility.csv": ("role_id", "attribute", "allowed_values"),
    "access_history.csv": ("request_id", "user_id", "role_id", "decision"),
}


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []
        # Files that could not be read as a whole (missing, no header, missing columns): the other files' references
        # to them would each be reported again, by the thousand.
        self.unread_files: set[str] = set()

    def add(self, file: str, line: int, message: str) -> None:
        self.items.append(f"{file}:{line}: {message}")

    def add_unread(self, file: str, line: int, message: str) -> None:
        self.add(file, line, message)
        self.unread_files.add(file)


def _rows(path: Path, problems: _Problems) -> Iterator[tuple[int, dict[str, str]]]:
    """CSV rows with the line each starts on; structural problems are recorded, not raised.

    Quoting is read strictly: a quoted field never closed would otherwise swallow every later row into one cell,
    silently. A file that cannot be read to its end is reported at the line where reading stopped and counted as
    unread (other files' references to it are not reported again)."""
    name = path.name
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        problems.add_unread(name, 0, f"cannot read: {exc.strerror}")
        return
    with handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader, None)
        except UnicodeDecodeError:
            problems.add_unread(name, *_not_utf8(path))
            return
        except csv.Error as exc:
            problems.add_unread(name, 1, f"unreadable header: {_csv_problem(exc)}")
            return
        if header is None:
            problems.add_unread(name, 1, "the file is empty (a header row is required)")
            return
        header = [column.strip() for column in header]
        if not _header_usable(name, header, problems):
            return
        start = reader.line_num + 1
        try:
            for cells in reader:
                line, start = start, reader.line_num + 1
                problem = _row_problem(cells, header)
                if problem is None:
                    yield line, dict(zip(header, cells, strict=True))
                elif problem:
                    problems.add(name, line, problem)
        except UnicodeDecodeError:
            problems.add_unread(name, *_not_utf8(path))
        except csv.Error as exc:
            problems.add_unread(name, start, f"{_csv_problem(exc)}; the rest of the file was not read")


def _header_usable(name: str, header: list[str], problems: _Problems) -> bool:
    missing = [column for column in _REQUIRED_COLUMNS[name] if column not in header]
    if missing:
        problems.add_unread(name, 1, f"missing column(s): {', '.join(missing)}{_header_hint(header, missing)}")
        return False
    duplicates = sorted({column for column in header if header.count(column) > 1})
    if duplicates:
        problems.add_unread(name, 1, f"duplicate column(s): {', '.join(duplicates)}")
        return False
    return True


def _header_hint(header: list[str], missing: list[str]) -> str:
    """Why the header may lack the columns: another separator, or names in another case."""
    if len(header) == 1:
        for separator, called in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
            if separator in header[0]:
                return f" (the header reads as one column: the file seems separated by {called}; use commas)"
    cased = {column.lower(): column for column in header}
    renamed = [f"{cased[column]} -> {column}" for column in missing if column in cased]
    if renamed:
        return f" (column names are lower case: {', '.join(renamed)})"
    return ""


def _row_problem(cells: list[str], header: list[str]) -> str | None:
    """What is wrong with a row (None: nothing; "": a blank row, skipped)."""
    if not any(cell.strip() for cell in cells):
        return ""
    if len(cells) != len(header):
        return f"expected {len(header)} cells, found {len(cells)}"
    if any(len(cell) > MAX_CELL_CHARS for cell in cells):
        return f"a cell is longer than {MAX_CELL_CHARS} characters"
    if any("\x00" in cell for cell in cells):
        return "a cell contains a NUL character"
    for cell in cells:
        # A field whose quote closes rows later holds those rows as text: they would be lost without a word.
        later_lines = cell.split("\n")[1:]
        if any(line.count(",") >= len(header) - 1 >= 1 for line in later_lines):
            return ("a quoted field starting on this line runs over the next lines, which read like rows of their "
                    "own: is a closing quote (\") missing?")
    return None


def _csv_problem(error: csv.Error) -> str:
    text = str(error)
    if "unexpected end of data" in text:
        return "a quoted field starting on this line is never closed (a closing quote \" is missing)"
    if "expected after" in text:
        return ("a quote (\") in a quoted field is followed by other text: a quote inside a field must be doubled "
                "(\"\")")
    if "field larger than field limit" in text:
        return f"a cell is far longer than {MAX_CELL_CHARS} characters"
    return text


def _not_utf8(path: Path) -> tuple[int, str]:
    """Where a file stops being UTF-8 text: its line, and what to do about it."""
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return 1, "UTF-16 text (it starts with a UTF-16 byte-order mark): save it as UTF-8"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        return line, (f"not UTF-8 text (byte 0x{data[exc.start]:02x}; a file saved as Latin-1 or Windows-1252?): "
                      "save it as UTF-8")
    return 1, "not UTF-8 text: save it as UTF-8"  # pragma: no cover - the reader found a byte the whole file lacks


def _explain(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def _parse(folder: Path, name: str, model: type[RowT], problems: _Problems,
           rejected: list[dict[str, str]] | None = None) -> list[tuple[int, RowT, dict[str, str]]]:
    """The valid rows; each invalid one is a problem, and its cells go to `rejected` when given."""
    path = folder / name
    if not path.exists():
        if name in REQUIRED_FILES:
            problems.add_unread(name, 0, "required file is missing")
        return []
    parsed: list[tuple[int, RowT, dict[str, str]]] = []
    for line, cells in _rows(path, problems):
        try:
            parsed.append((line, model.model_validate(cells), cells))
        except ValidationError as exc:
            problems.add(name, line, _explain(exc))
            if rejected is not None:
                rejected.append(cells)
    return parsed


_CASE_INSENSITIVE_KEYS = ("email", "user_id")


def _duplicates(rows: Sequence[tuple[int, Row, dict[str, str]]], key: str, file: str, problems: _Problems) -> None:
    # People are looked up by email and by id ignoring case ("give ZOE.K ..."): two that differ only in case are one.
    ignore_case = key in _CASE_INSENSITIVE_KEYS
    seen: dict[str, int] = {}
    for line, _, cells in rows:
        value = cells[key].strip()
        folded = value.casefold() if ignore_case else value
        if folded in seen:
            how = ", compared ignoring case" if ignore_case else ""
            problems.add(file, line, f"duplicate {key} '{value}' (first on line {seen[folded]}{how})")
        else:
            seen[folded] = line


def read_bundle(folder: Path) -> Bundle:
    """Parse and cross-check a bundle; raise ImportRowError listing every problem as `file:line: what`."""
    problems = _Problems()
    if not folder.is_dir():
        raise ImportRowError([f"{folder}: not a folder"])
    # Rows already reported as invalid still define their ids: a row referring to one is not reported again.
    rejected: dict[str, list[dict[str, str]]] = {"user_id": [], "app_id": [], "role_id": []}
    users = _parse(folder, "users.csv", UserRow, problems, rejected["user_id"])
    apps = _parse(folder, "applications.csv", ApplicationRow, problems, rejected["app_id"])
    roles = _parse(folder, "roles.csv", RoleRow, problems, rejected["role_id"])
    grants = _ends_on_their_clock(_parse(folder, "user_roles.csv", UserRoleRow, problems), users)
    sod = _parse(folder, "sod_rules.csv", SodRuleRow, problems)
    prereqs = _parse(folder, "prerequisites.csv", PrerequisiteRow, problems)
    eligibility = _parse(folder, "eligibility.csv", EligibilityRow, problems)
    history = _parse(folder, "access_history.csv", HistoryRow, problems)

    # A header with no rows under it, from an export that failed half-way, would replace the whole org with none.
    for name, rows, what in (("users.csv", users, "person"), ("applications.csv", apps, "application"),
                             ("roles.csv", roles, "role")):
        if not rows and name not in problems.unread_files and not any(i.startswith(f"{name}:") for i in problems.items):
            problems.add_unread(name, 2, f"no rows: an org needs at least one {what} (a header alone would remove "
                                         "them all)")
    _duplicates(users, "user_id", "users.csv", problems)
    _duplicates(users, "email", "users.csv", problems)
    _duplicates(apps, "app_id", "applications.csv", problems)
    _duplicates(roles, "role_id", "roles.csv", problems)
    _duplicates(sod, "rule_id", "sod_rules.csv", problems)
    _duplicates(history, "request_id", "access_history.csv", problems)

    if problems.unread_files:
        raise ImportRowError(problems.items, notes=["references between the files are checked once "
                                                    f"{', '.join(sorted(problems.unread_files))} can be read"])
    reported = {key: {str(cells.get(key) or "").strip() for cells in rows} for key, rows in rejected.items()}
    _check_references(users, apps, roles, grants, sod, prereqs, eligibility, history, problems, reported)
    _check_consistency(users, apps, roles, grants, prereqs, problems)
    policies = _read_policies(folder / "policies", problems)
    if problems.items:
        raise ImportRowError(problems.items)

    parsed_users = [
        ParsedUser(row, {key: value.strip() for key, value in cells.items() if value is not None and value.strip()})
        for _, row, cells in users
    ]
    return Bundle(
        users=parsed_users,
        applications=[row for _, row, _ in apps],
        roles=[row for _, row, _ in roles],
        user_roles=[row for _, row, _ in grants],
        sod_rules=[row for _, row, _ in sod],
        prerequisites=[row for _, row, _ in prereqs],
        eligibility=[row for _, row, _ in eligibility],
        history=[row for _, row, _ in history],
        policies=policies,
        source=str(folder),
    )


def _ends_on_their_clock(grants: list[_Parsed[UserRoleRow]],
                         users: list[_Parsed[UserRow]]) -> list[_Parsed[UserRoleRow]]:
    """Grants whose `expires_at` is a date alone, ending at the last second of that day on the person's clock (their
    `time_zone`, UTC when empty), as the same date typed in the chat does: the system of record's "until
    2026-12-18" includes that day. A value with a time keeps it; `granted_at` is never moved (a date alone is the
    start of that day)."""
    zones = {user.user_id: user.time_zone for _, user, _ in users}
    read: list[_Parsed[UserRoleRow]] = []
    for line, grant, cells in grants:
        day = _date_only(cells.get("expires_at"))
        if day is not None:
            grant = grant.model_copy(update={"expires_at": end_of_day(day, zones.get(grant.user_id))})
        read.append((line, grant, cells))
    return read


def _check_references(users: list[Any], apps: list[Any], roles: list[Any], grants: list[Any], sod: list[Any],
                      prereqs: list[Any], eligibility: list[Any], history: list[Any], problems: _Problems,
                      reported: dict[str, set[str]]) -> None:
    """Every id a row refers to must exist in the bundle (ids of rows reported invalid count as existing); a few
    rules must make sense on their own."""
    user_ids = {row.user_id for _, row, _ in users} | reported["user_id"]
    app_ids = {row.app_id for _, row, _ in apps} | reported["app_id"]
    role_ids = {row.role_id for _, row, _ in roles} | reported["role_id"]
    user_columns = set(next((cells.keys() for _, _, cells in users), ())) | set(STANDARD_USER_COLUMNS)

    def refer(file: str, line: int, kind: str, value: str | None, known: set[str]) -> None:
        if value is not None and value not in known:
            problems.add(file, line, f"unknown {kind} '{value}'")

    for line, user, _ in users:
        refer("users.csv", line, "manager_id", user.manager_id, user_ids)
    for line, app, _ in apps:
        refer("applications.csv", line, "owner_id", app.owner_id, user_ids)
    for line, role, _ in roles:
        refer("roles.csv", line, "app_id", role.app_id, app_ids)
    granted: dict[tuple[str, str], int] = {}
    for line, grant, _ in grants:
        key = (grant.user_id, grant.role_id)
        if key in granted:
            problems.add("user_roles.csv", line, f"duplicate grant of {grant.role_id} to {grant.user_id} "
                                                 f"(first on line {granted[key]})")
        granted.setdefault(key, line)
        refer("user_roles.csv", line, "user_id", grant.user_id, user_ids)
        refer("user_roles.csv", line, "role_id", grant.role_id, role_ids)
    for line, rule, _ in sod:
        refer("sod_rules.csv", line, "role_a", rule.role_a, role_ids)
        refer("sod_rules.csv", line, "role_b", rule.role_b, role_ids)
        if rule.role_a == rule.role_b:
            problems.add("sod_rules.csv", line, "role_a and role_b are the same role")
    for line, prereq, _ in prereqs:
        refer("prerequisites.csv", line, "role_id", prereq.role_id, role_ids)
        refer("prerequisites.csv", line, "requires_role_id", prereq.requires_role_id, role_ids)
        if prereq.role_id == prereq.requires_role_id:
            problems.add("prerequisites.csv", line, "a role cannot require itself")
    for line, rule_row, _ in eligibility:
        refer("eligibility.csv", line, "role_id", rule_row.role_id, role_ids)
        if rule_row.attribute not in user_columns:
            problems.add("eligibility.csv", line, f"attribute '{rule_row.attribute}' is not a column of users.csv")
    for line, past, _ in history:
        refer("access_history.csv", line, "user_id", past.user_id, user_ids)
        refer("access_history.csv", line, "role_id", past.role_id, role_ids)


def _check_consistency(users: list[Any], apps: list[Any], roles: list[Any], grants: list[Any], prereqs: list[Any],
                       problems: _Problems) -> None:
    """Rules that refer to existing ids but could never work: names no request could tell apart, a prerequisite
    cycle (none of its roles could ever be granted), managers in a circle, a grant that expires before it starts."""
    named: dict[str, tuple[str, int]] = {}
    for line, app, _ in apps:
        key = name_key(app.name)
        if key in named:
            problems.add("applications.csv", line, f"name '{app.name}' is also the name of {named[key][0]} (line "
                                                   f"{named[key][1]}): a request could not tell them apart")
        named.setdefault(key, (app.app_id, line))
    for line, app, _ in apps:
        # An alias may be shared by applications (the role asked for tells them apart), but not be another's name.
        for alias in app.aliases:
            owner = named.get(name_key(alias))
            if owner is not None and owner[0] != app.app_id:
                problems.add("applications.csv", line, f"alias '{alias}' is the name of {owner[0]} (line {owner[1]}): "
                                                       "a request naming it could mean either")
    role_named: dict[tuple[str, str], tuple[str, int]] = {}
    for line, role, _ in roles:
        role_key = (role.app_id, name_key(role.name))
        if role_key in role_named:
            first_id, first_line = role_named[role_key]
            problems.add("roles.csv", line, f"name '{role.name}' is also the name of {first_id} (line {first_line}) "
                                            f"in {role.app_id}: a request could not tell them apart")
        role_named.setdefault(role_key, (role.role_id, line))
    for line, grant, _ in grants:
        if grant.granted_at and grant.expires_at and grant.expires_at <= grant.granted_at:
            problems.add("user_roles.csv", line, "expires_at is not after granted_at")
    requires: dict[str, list[tuple[str, int]]] = {}
    for line, prereq, _ in prereqs:
        requires.setdefault(prereq.role_id, []).append((prereq.requires_role_id, line))
    for cycle, line in _cycles({role: [needed for needed, _ in edges] for role, edges in requires.items()},
                               {(role, needed): line for role, edges in requires.items() for needed, line in edges}):
        problems.add("prerequisites.csv", line, f"prerequisites go round in a circle ({' -> '.join(cycle)}): none "
                                                "of these roles could ever be granted")
    for line, user, _ in users:
        if user.manager_id == user.user_id:
            # Their own manager could ask for and approve their own access, as a circle of two could.
            problems.add("users.csv", line, "manager_id is the person themselves")
    managers = {user.user_id: [user.manager_id] for _, user, _ in users
                if user.manager_id and user.manager_id != user.user_id}
    lines = {(user.user_id, user.manager_id): line for line, user, _ in users}
    for cycle, line in _cycles(managers, lines):
        problems.add("users.csv", line, f"managers go round in a circle ({' -> '.join(cycle)}): each could ask "
                                        "for and approve the others' access")


def _cycles(edges: dict[str, list[str]], lines: dict[tuple[str, str], int]) -> list[tuple[list[str], int]]:
    """Each cycle of the graph once, as its nodes (first repeated at the end) and the line of its closing edge."""
    found: list[tuple[list[str], int]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(edges):
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            targets = edges.get(node, [])
            if index < len(targets):
                stack.append((node, index + 1))
                target = targets[index]
                if state.get(target) == 1:
                    cycle = path[path.index(target):] + [target]
                    found.append((cycle, lines.get((node, target), 0)))
                elif not state.get(target):
                    stack.append((target, 0))
            else:
                state[node] = 2
                path.pop()
    return found


def _read_policies(folder: Path, problems: _Problems) -> list[PolicyDocument]:
    if not folder.is_dir():
        return []
    documents: list[PolicyDocument] = []
    for path in sorted(folder.glob("*.md")):
        name = f"policies/{path.name}"
        if path.stat().st_size > MAX_POLICY_BYTES:
            problems.add(name, 0, f"larger than {MAX_POLICY_BYTES} bytes")
            continue
        try:
            body = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            problems.add(name, 1, f"not UTF-8 text: {exc.reason}")
            continue
        if "\x00" in body:
            problems.add(name, 1, "contains a NUL character")
            continue
        title = next((line.lstrip("# ").strip() for line in body.splitlines() if line.strip()), path.stem)
        documents.append(PolicyDocument(document=path.stem, title=title[:200], body=body))
    return documents
