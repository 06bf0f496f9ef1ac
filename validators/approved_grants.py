"""Grants AskIAM made by approval, against a re-imported bundle's record of the same grants.

The bundle is an export of the system of record, which may not show an approval made here yet. What the data can
tell about "since the export": the approval's time (the grant's `granted_at`, written when it was decided) and the
bundle row's `granted_at` (when the system of record recorded its grant). A bundle row recorded before the approval
may be the export of the grant as it was before the approval (an extension's shorter end), so the approval's grant
is kept when it lasts longer. A bundle row recorded at or after the approval has seen it: the bundle wins, and so
does a row that marks the grant not held (revoked, expired, suspended, inactive), whenever it was recorded, so that
nothing the system of record took away on purpose comes back.

Ends compare as moments: a bundle's end given as a date alone is the end of that day on the person's clock (read so
by validators.bundle), as an approval's "until 2026-12-18" is, so the export of a grant approved here is no shorter
than the grant itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.ports import ApprovalGrant
from validators.bundle import UserRoleRow


@dataclass
class Reconciled:
    """The approval-made grants sorted by what the import does with them: `kept` (the rows to write instead of
    the bundle's, or beside it), `reverted` (the bundle's row replaces a longer one), `dropped` (the person or the
    role is no longer in the bundle). Grants the bundle itself records as long or longer are none of these."""

    kept: list[dict[str, Any]] = field(default_factory=list)
    kept_named: list[ApprovalGrant] = field(default_factory=list)
    reverted_named: list[ApprovalGrant] = field(default_factory=list)
    dropped_named: list[ApprovalGrant] = field(default_factory=list)


def reconcile(approved: Iterable[Mapping[str, Any]], listed: Mapping[tuple[str, str], UserRoleRow],
              people: set[str], role_ids: set[str]) -> Reconciled:
    """Sort the active approval-made grants (rows of user_roles) against the bundle's grants, keyed by
    (user_id, role_id)."""
    result = Reconciled()
    for grant in approved:
        row = listed.get((grant["user_id"], grant["role_id"]))
        if grant["user_id"] not in people or grant["role_id"] not in role_ids:
            result.dropped_named.append(_named(grant, ""))
        elif row is None:
            result.kept.append(dict(grant))
            result.kept_named.append(_named(grant, ""))
        elif row.status != "active":
            result.reverted_named.append(_named(grant, row.status))
        elif _ends_later(grant["expires_at"], row.expires_at):
            if _recorded_before(row.granted_at, grant["granted_at"]):
                result.kept.append(dict(grant))
                result.kept_named.append(_named(grant, _described(row)))
            else:
                result.reverted_named.append(_named(grant, _described(row)))
    return result


def _ends_later(approved_end: datetime | None, listed_end: datetime | None) -> bool:
    """Whether the approval's end is later than the bundle's (no end is the latest of all)."""
    if approved_end is None:
        return listed_end is not None
    return listed_end is not None and _utc(approved_end) > _utc(listed_end)


def _recorded_before(listed_at: datetime | None, approved_at: datetime) -> bool:
    """Whether the bundle's record of the grant predates the approval; a row without a date could be as old as
    any export, so it does."""
    return listed_at is None or _utc(listed_at) < _utc(approved_at)


def _utc(moment: datetime) -> datetime:
    """A date without a zone is on UTC, as a bundle's are (validators.bundle gives them UTC when read)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _described(row: UserRoleRow) -> str:
    end = f"until {_shown(row.expires_at)}" if row.expires_at else "no end"
    return f"{end}, recorded {_shown(row.granted_at)}" if row.granted_at else end


def _shown(moment: datetime | None) -> str:
    return "" if moment is None else f"{_utc(moment).astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _named(grant: Mapping[str, Any], bundle: str) -> ApprovalGrant:
    end = grant["expires_at"]
    return ApprovalGrant(request_id=str(grant["source"]).removeprefix("request:"), user_id=grant["user_id"],
                         role_id=grant["role_id"], until=_shown(end) if end else None, bundle=bundle)
