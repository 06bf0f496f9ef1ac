"""The hard checks, as one SQL query against the rules store. This is the only copy of these rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain import CheckName, CheckResult
from bot.evidence import RoleRules
from bot.understanding.time_limits import shown_end
from validators.db import Database

# Every check is computed every time, in one round trip. A grant counts while it is active and unexpired.
CHECKS_SQL = """
WITH target AS (
    SELECT user_id, status, manager_id, display_name, attributes, folded_attributes FROM users
    WHERE user_id = %(target)s
), held AS (
    SELECT role_id, expires_at FROM user_roles
    WHERE user_id = %(target)s AND status = 'active' AND (expires_at IS NULL OR expires_at > now())
)
SELECT
    (SELECT status FROM target) AS target_status,
    (SELECT status FROM users WHERE user_id = %(requester)s) AS requester_status,
    (SELECT display_name FROM target) AS target_name,
    (SELECT attributes ->> 'time_zone' FROM target) AS target_time_zone,
    (SELECT display_name FROM users WHERE user_id = %(requester)s) AS requester_name,
    %(requester)s = %(target)s AS is_self,
    coalesce((SELECT manager_id FROM target) = %(requester)s, false) AS is_manager,
    EXISTS (
        SELECT 1 FROM user_roles
        WHERE user_id = %(requester)s AND role_id = %(delegate_role)s AND status = 'active'
          AND (expires_at IS NULL OR expires_at > now())
    ) AS requester_is_delegate,
    -- Held already, for as long as asked: a grant ending more than a day sooner may be extended by a new request
    -- (asked again minutes later, "for 2 weeks" ends minutes later too: that is no extension).
    EXISTS (SELECT 1 FROM held WHERE role_id = %(role)s AND (expires_at IS NULL OR
            (%(until)s::timestamptz IS NOT NULL AND expires_at >= %(until)s::timestamptz - interval '1 day')))
        AS already_granted,
    (SELECT expires_at FROM held WHERE role_id = %(role)s) AS held_until,
    (
        SELECT coalesce(jsonb_agg(jsonb_build_object(
            'rule_id', s.rule_id,
            'held_role_id', CASE WHEN s.role_a = %(role)s THEN s.role_b ELSE s.role_a END,
            'held_role_name', (SELECT r.name || ' in ' || a.name FROM roles r JOIN applications a USING (app_id)
                               WHERE r.role_id = CASE WHEN s.role_a = %(role)s THEN s.role_b ELSE s.role_a END),
            'description', s.description) ORDER BY s.rule_id), '[]'::jsonb)
        FROM sod_rules s
        WHERE (s.role_a = %(role)s AND s.role_b IN (SELECT role_id FROM held))
           OR (s.role_b = %(role)s AND s.role_a IN (SELECT role_id FROM held))
    ) AS sod_conflicts,
    (
        SELECT coalesce(jsonb_agg(jsonb_build_object('role_id', p.requires_role_id, 'name', r.name || ' in ' || a.name)
                                  ORDER BY p.requires_role_id), '[]'::jsonb)
        FROM prerequisites p LEFT JOIN roles r ON r.role_id = p.requires_role_id
        LEFT JOIN applications a ON a.app_id = r.app_id
        WHERE p.role_id = %(role)s AND p.requires_role_id NOT IN (SELECT role_id FROM held)
    ) AS missing_prerequisites,
    -- A prerequisite held until sooner than the access asked for would end: the role would outlive it.
    (
        SELECT coalesce(jsonb_agg(jsonb_build_object('role_id', p.requires_role_id, 'name', r.name || ' in ' || a.name,
                                                     'until', h.expires_at) ORDER BY p.requires_role_id), '[]'::jsonb)
        FROM prerequisites p JOIN held h ON h.role_id = p.requires_role_id
        LEFT JOIN roles r ON r.role_id = p.requires_role_id LEFT JOIN applications a ON a.app_id = r.app_id
        WHERE p.role_id = %(role)s AND h.expires_at IS NOT NULL
          AND (%(until)s::timestamptz IS NULL OR h.expires_at < %(until)s::timestamptz)
    ) AS short_prerequisites,
    (
        SELECT coalesce(jsonb_agg(jsonb_build_object(
            'attribute', e.attribute,
            'allowed', to_jsonb(e.allowed_values),
            'actual', t.attributes ->> e.attribute) ORDER BY e.attribute), '[]'::jsonb)
        FROM eligibility e CROSS JOIN target t
        WHERE e.role_id = %(role)s
          AND NOT (coalesce(t.folded_attributes ->> e.attribute, '') = ANY (e.allowed_folded))
    ) AS failed_eligibility
"""


class SqlRulesChecker:
    """Evaluates the hard checks in PostgreSQL."""

    def __init__(self, database: Database, delegate_role_id: str) -> None:
        self._database = database
        self._delegate_role_id = delegate_role_id

    def run_checks(self, requester_id: str, target_id: str, role_id: str,
                   until: datetime | None = None) -> list[CheckResult]:
        with self._database.reading() as conn:
            return self.run_checks_in(conn, requester_id, target_id, role_id, until)

    def run_checks_in(self, conn: Any, requester_id: str, target_id: str, role_id: str,
                      until: datetime | None = None) -> list[CheckResult]:
        """The checks inside a caller's transaction (an approval re-checks under the lock it holds). `until`: the
        end of the access asked for (None: no end), which a grant held until sooner does not cover."""
        params = {"requester": requester_id, "target": target_id, "role": role_id,
                  "delegate_role": self._delegate_role_id, "until": until}
        row = conn.execute(CHECKS_SQL, params).fetchone()
        assert row is not None
        return interpret(row, requester_id, target_id, self._delegate_role_id)


def interpret(row: dict[str, Any], requester_id: str, target_id: str, delegate_role_id: str) -> list[CheckResult]:
    """Turn the query's row into check results with human-readable details."""
    is_self = bool(row["is_self"])
    is_manager = bool(row["is_manager"])
    # Whoever asks must still be active when the request is decided (an approval comes days later).
    requester_status = row.get("requester_status") or "unknown"
    authorized = requester_status == "active" and (is_self or is_manager or bool(row["requester_is_delegate"]))
    # Named, not "you": the same check is read by the requester, by approvers (when it runs again) and by auditors;
    # by the directory's name, the id where there is none (the audit record keeps both ids).
    requester = row.get("requester_name") or requester_id
    target = row.get("target_name") or target_id
    if requester_status != "active":
        why = f"the requester {requester} is {requester_status}"
    elif is_self:
        why = f"{requester} asks for themselves"
    elif is_manager:
        why = f"{requester} is {target}'s manager"
    elif row["requester_is_delegate"]:
        why = f"{requester} holds the {delegate_role_id} role"
    else:
        why = f"{requester} is neither {target}'s manager nor an access delegate"
    status = row["target_status"] or "unknown"
    sod = row["sod_conflicts"]
    missing = [required["role_id"] for required in row["missing_prerequisites"]]
    missing_names = [required["name"] or required["role_id"] for required in row["missing_prerequisites"]]
    ineligible = row["failed_eligibility"]
    short = row.get("short_prerequisites") or []
    held_until = row.get("held_until")
    # On the target's clock, as their grants were given: "until the end of 2026-12-18 (America/Los_Angeles)".
    zone = row.get("target_time_zone") or ""
    held = f" until {shown_end(held_until, zone)}" if held_until else ""
    if row["already_granted"]:
        granted = f"{target} already holds this role{held}"
    elif held_until:
        granted = f"{target} holds this role{held}: this would extend it"
    else:
        granted = f"{target} does not hold this role yet"
    return [
        CheckResult(name=CheckName.AUTHORIZED_FOR_TARGET, passed=authorized, detail=why,
                    data={"self": is_self, "manager": is_manager, "delegate": bool(row["requester_is_delegate"])}),
        CheckResult(name=CheckName.TARGET_ACTIVE, passed=status == "active",
                    detail=f"{target} is {status}", data={"status": status}),
        CheckResult(name=CheckName.NOT_ALREADY_GRANTED, passed=not row["already_granted"], detail=granted,
                    data={"held_until": held_until.isoformat() if held_until else None}),
        CheckResult(name=CheckName.NO_SOD_CONFLICT, passed=not sod,
                    detail="; ".join(f"conflicts with {c.get('held_role_name') or c['held_role_id']}, already held "
                                     f"({c['description'] or c['rule_id']})" for c in sod)
                    or "no segregation-of-duties conflict",
                    data={"conflicts": sod}),
        CheckResult(name=CheckName.PREREQUISITES_MET, passed=not missing and not short,
                    detail=_prerequisites_detail(missing_names, short, zone), data={"missing": missing,
                    "held_only_until": {item["role_id"]: item["until"] for item in short}}),
        CheckResult(name=CheckName.ELIGIBLE, passed=not ineligible,
                    detail="; ".join(f"{e['attribute']} is '{e['actual'] or 'not set'}', allowed: "
                                     f"{', '.join(e['allowed'])}" for e in ineligible) or "eligible",
                    data={"failed": ineligible}),
    ]


def static_role_rules(database: Database) -> dict[str, RoleRules]:
    """Each role's SoD partners, prerequisites and eligibility attributes, as loaded."""
    rules: dict[str, dict[str, set[str]]] = {}

    def slot(role_id: str, kind: str) -> set[str]:
        return rules.setdefault(role_id, {"sod": set(), "pre": set(), "elig": set()})[kind]

    with database.connection() as conn:
        for row in conn.execute("SELECT role_a, role_b FROM sod_rules").fetchall():
            slot(row["role_a"], "sod").add(row["role_b"])
            slot(row["role_b"], "sod").add(row["role_a"])
        for row in conn.execute("SELECT role_id, requires_role_id FROM prerequisites").fetchall():
            slot(row["role_id"], "pre").add(row["requires_role_id"])
        for row in conn.execute("SELECT role_id, attribute FROM eligibility").fetchall():
            slot(row["role_id"], "elig").add(row["attribute"])
    return {role_id: RoleRules(sod_partners=tuple(sorted(kinds["sod"])), prerequisites=tuple(sorted(kinds["pre"])),
                               eligibility_attributes=tuple(sorted(kinds["elig"])))
            for role_id, kinds in rules.items()}


def _prerequisites_detail(missing_names: list[str], short: list[dict[str, Any]], zone: str = "") -> str:
    """'requires Viewer in Looker first'; or, for one held until sooner than the access asked for would last (the
    role would outlive it), until when it is held (on `zone`'s clock, the target's) and what to ask."""
    if missing_names:
        return f"requires {', '.join(missing_names)} first"
    if not short:
        return "all prerequisites held"
    first = min(short, key=lambda item: item["until"])
    ends = shown_end(datetime.fromisoformat(first["until"]), zone)
    names = ", ".join(item["name"] or item["role_id"] for item in short)
    return (f"requires {names} for as long as this access, and it is held only until {ends}: ask until then, or "
            f"extend it first")
