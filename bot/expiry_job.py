"""The scheduled Lambda that denies requests left pending longer than ASKIAM_APPROVAL_EXPIRY_DAYS.

Each expired request is decided DENIED (EXPIRED) with its audit record and an `access_request.expired` event, as
`askiam approvals expire` does; the schedule makes that happen on time even when no approver opens the queue.
"""

from __future__ import annotations

from typing import Any

from bot.bootstrap import Application
from bot.scheduled_jobs import run_job


def _expire(app: Application) -> int:
    return len(app.approvals.expire())


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    return {"expired": run_job("expiry", context, _expire)}
