"""`askiam approvals ...`: the approver's queue and decisions."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.bootstrap import Application
from bot.cli.output import EXIT_OK, EXIT_USAGE, err, out

EXPIRING_SOON = timedelta(days=2)
# Everything `askiam approvals` records (a decision, a refused attempt, a requester check) is on this channel, so an
# auditor can tell approvers' command-line decisions from requests made with `askiam ask` (channel `cli`).
CHANNEL = "cli-approvals"


def cmd_list(app: Application, args: argparse.Namespace) -> int:
    from validators.approvals import with_id  # noqa: PLC0415

    app.service.requester(args.as_user, CHANNEL, "(approvals list)")
    app.approvals.expire()
    items = app.approvals.pending_for(args.as_user)
    now = datetime.now(UTC)
    if args.json:
        for item in items:
            out(json.dumps({**item.__dict__, "created_at": item.created_at.isoformat(),
                            "expires_at": item.expires_at.isoformat(),
                            "access_until": item.access_until.isoformat() if item.access_until else None,
                            "held_until": item.held_until.isoformat() if item.held_until else None,
                            "expiring_soon": item.expires_at - now < EXPIRING_SOON}))
        return EXIT_OK
    if not items:
        out(f"No requests are waiting for {args.as_user}.")
        return EXIT_OK
    for item in items:
        soon = "  EXPIRES SOON" if item.expires_at - now < EXPIRING_SOON else ""
        confidence = "n/a" if item.confidence is None else f"{item.confidence:.0%}"
        until = f" until {item.access_until.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if item.access_until else ""
        asker = with_id(item.requester_name, item.requester_id)
        out(f"{item.request_id}  {item.described()}{until}{_held(item)} (asked by {asker}), "
            f"{item.reason}, confidence {confidence}, you decide as {item.capacity}, "
            f"expires {item.expires_at:%Y-%m-%d}{soon}")
    return EXIT_OK


def _held(item: Any) -> str:
    """", an extension: holds it until ...": what the person holds of the role now, as the API's and console's
    checks say it; an approval of an extension moves the end of a grant already there."""
    if not item.held:
        return ""
    if item.held_until is None:
        return ", already held with no end"
    return f", an extension: holds it until {item.held_until.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def cmd_decide(app: Application, args: argparse.Namespace) -> int:
    from validators.approvals import ReviewError  # noqa: PLC0415

    app.service.requester(args.as_user, CHANNEL, f"(decide {args.request_id})")
    app.approvals.expire()
    try:
        result = app.approvals.decide(args.request_id, args.as_user, args.action == "approve", args.comment or "",
                                      CHANNEL)
    except ReviewError as exc:
        err(f"askiam: {exc.code}: {exc}")
        return EXIT_USAGE
    verdict = result.verdict
    failed = [check.detail for check in result.checks if not check.passed]
    line: dict[str, Any] = {"request_id": result.request_id, "decision": verdict.decision.value,
                            "reason": verdict.reason.value, "granted": result.granted, "checks_failed": failed}
    if args.json:
        out(json.dumps(line))
        return EXIT_OK
    said = f"{result.request_id}: {verdict.decision.value} ({verdict.reason.value})"
    if result.granted:
        said += "; the role was granted"
    elif args.action == "approve":
        # The checks run again at approval overruled the approval: say so, not just "DENIED".
        said += "; your approval did not stand, nothing was granted" + (f": {'; '.join(failed)}" if failed else "")
    out(said)
    return EXIT_OK


def cmd_expire(app: Application, args: argparse.Namespace) -> int:
    expired = app.approvals.expire()
    out(f"expired {len(expired)} request(s)" + (f": {', '.join(expired)}" if expired else ""))
    return EXIT_OK


def add_commands(commands: Any) -> None:
    parser = commands.add_parser("approvals", help="the approver's queue and decisions")
    sub = parser.add_subparsers(dest="approvals_command", required=True)
    listing = sub.add_parser("list", help="requests waiting for you")
    listing.add_argument("--as", dest="as_user", required=True)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list)
    decide = sub.add_parser("decide", help="approve or deny a pending request")
    decide.add_argument("request_id")
    decide.add_argument("action", choices=["approve", "deny"])
    decide.add_argument("--as", dest="as_user", required=True)
    decide.add_argument("--comment", default="")
    decide.add_argument("--json", action="store_true")
    decide.set_defaults(handler=cmd_decide)
    expire = sub.add_parser("expire", help="deny requests pending past the expiry")
    expire.set_defaults(handler=cmd_expire)
