"""Which grants made by approval a re-import keeps, reverts or drops, and how its summary names them (pure logic)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.cli.main import _listed
from validators.approved_grants import reconcile
from validators.bundle import UserRoleRow

APPROVED_AT = datetime(2026, 12, 5, 9, 35, tzinfo=UTC)
APPROVED_END = datetime(2027, 2, 3, 9, 35, tzinfo=UTC)


def _approved(end: datetime | None = APPROVED_END, *, user: str = "isolberg", role: str = "vmm") -> dict[str, Any]:
    return {"user_id": user, "role_id": role, "granted_at": APPROVED_AT, "expires_at": end, "status": "active",
            "source": "request:R-1000"}


def _listed_row(granted_at: str = "", expires_at: str = "2026-12-30", status: str = "active") -> UserRoleRow:
    return UserRoleRow.model_validate({"user_id": "isolberg", "role_id": "vmm", "granted_at": granted_at,
                                       "expires_at": expires_at, "status": status})


def _sorted(approved: dict[str, Any], row: UserRoleRow | None) -> tuple[list[str], list[str], list[str]]:
    listed = {} if row is None else {("isolberg", "vmm"): row}
    result = reconcile([approved], listed, {"isolberg"}, {"vmm"})
    assert [grant["source"] for grant in result.kept] == [f"request:{g.request_id}" for g in result.kept_named]
    return ([g.request_id for g in result.kept_named], [g.request_id for g in result.reverted_named],
            [g.request_id for g in result.dropped_named])


@pytest.mark.parametrize(("row", "expected"), [
    # Recorded before the approval (or undated: it could be as old as any export), ending sooner: an extension the
    # export predates, kept.
    (_listed_row("2026-06-01"), "kept"),
    (_listed_row(""), "kept"),
    (_listed_row("2026-06-01", expires_at="2026-12-01"), "kept"),
    # Recorded after the approval, ending sooner: the system of record has seen it and decided otherwise.
    (_listed_row("2026-12-06"), "reverted"),
    # Marked not held, whenever recorded: never brought back.
    (_listed_row("2026-06-01", status="revoked"), "reverted"),
    (_listed_row("", status="expired"), "reverted"),
    (_listed_row("2026-06-01", status="suspended"), "reverted"),
    # The bundle's grant lasts as long or longer: it stands, nothing lost.
    (_listed_row("2026-06-01", expires_at="2027-02-03T09:35:00Z"), "neither"),
    (_listed_row("2026-06-01", expires_at=""), "neither"),
    (None, "kept"),
])
def test_an_approval_outlasting_an_older_record_is_kept_and_a_revocation_always_wins(
        row: UserRoleRow | None, expected: str) -> None:
    kept, reverted, dropped = _sorted(_approved(), row)
    assert dropped == []
    assert (kept, reverted) == {"kept": (["R-1000"], []), "reverted": ([], ["R-1000"]), "neither": ([], [])}[expected]


def test_an_approval_without_an_end_outlasts_a_dated_grant_but_not_a_later_record() -> None:
    assert _sorted(_approved(None), _listed_row("2026-06-01"))[0] == ["R-1000"]
    assert _sorted(_approved(None), _listed_row("2026-12-24"))[1] == ["R-1000"]


def test_a_grant_whose_person_or_role_left_the_bundle_is_dropped_and_named() -> None:
    result = reconcile([_approved(user="gone"), _approved(role="retired")], {}, {"isolberg"}, {"vmm"})
    assert result.kept == [] and [(g.user_id, g.role_id) for g in result.dropped_named] == [("gone", "vmm"),
                                                                                          ("isolberg", "retired")]


def test_a_summary_names_the_first_few_and_counts_the_rest() -> None:
    names = [f"person{number}" for number in range(1, 8)]
    assert _listed(names[:2], 2) == "person1; person2"
    assert _listed(names, 30) == "person1; person2; person3; person4; person5; and 25 more"
    assert _listed(["evil\x1b[31m"], 1) == "evil\\x1b[31m"
