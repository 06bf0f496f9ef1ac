"""Stored values shown in a terminal cannot recolour, move or reorder what it shows (pure logic)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from bot.cli.audit import _record_line
from bot.cli.output import visible


def test_control_characters_and_direction_marks_are_written_as_escapes() -> None:
    assert visible("evil\x1b[31mRED") == "evil\\x1b[31mRED"
    assert visible("ok\u202eX\r") == "ok\\u202eX\\r"
    assert visible("Łukasz Wiśniewski 王伟") == "Łukasz Wiśniewski 王伟"


def test_an_audit_line_escapes_what_was_stored() -> None:
    record = SimpleNamespace(seq=7, created_at=datetime(2026, 12, 4, tzinfo=UTC), event_type="access_request.refused",
                             request_id=None, requester_id="evil\x1b[31mRED", target_id=None, app_id=None,
                             role_id=None, decision=None, reason=None, approver=None, withdrawn_by=None, channel="cli",
                             details={"comment": 'ok\u202e"gnp.exe'})
    line = _record_line(record)
    assert "\x1b" not in line and "requester=evil\\x1b[31mRED" in line
    assert "\u202e" not in line and line.endswith('comment="ok\\u202e\\"gnp.exe"')  # the comment too, quoted
