"""`askiam audit ...`: verify the chain and its signed checkpoints, sign a checkpoint, query, export and report."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot import when
from bot.bootstrap import Application
from bot.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, err, out, quantity, visible


def parse_when(text: str) -> datetime:
    """`bot.when.parse_when` as an argparse type: a usage error for text that is not a time."""
    try:
        return when.parse_when(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _key_path(app: Application, args: argparse.Namespace) -> Path:
    return app.checkpoint_key_path(Path(args.key) if args.key else None)


def _signer(app: Application, args: argparse.Namespace, *, create: bool = False) -> Any:
    """The checkpoint signer: --key FILE, else the configured KMS key, else the key file (None if there is none)."""
    return app.checkpoint_signer(Path(args.key) if args.key else None, create=create)


def _trusted_keys(app: Application, args: argparse.Namespace) -> dict[str, Any] | None:
    """Keys from outside the database: --public-key files and the signing key; None when there are none."""
    from validators.audit_keys import read_public_key, trusted  # noqa: PLC0415

    keys = [read_public_key(Path(path)) for path in args.public_key or []]
    local = _signer(app, args)
    if local is not None:
        keys.append(local.public_key)
    return trusted(keys) or None


def _witness(args: argparse.Namespace, app: Application | None = None) -> Path | None:
    if args.witness:
        return Path(args.witness)
    return app.settings.audit_witness_path if app is not None else None


def _broken(report: Any) -> int:
    if report.first_bad_seq is None:  # every record links; the log misses what the requests say was written
        out(f"audit log BROKEN: {report.problem} ({quantity(report.records, 'record')} verified)")
        return EXIT_FAILED
    if report.bad_checkpoint and report.first_bad_seq <= report.records:
        # Rewritten and rehashed: the records link to each other, but not to what a checkpoint signed.
        out(f"audit log BROKEN from record {report.first_bad_seq}: {report.problem} "
            f"({quantity(report.records, 'record')} link to each other, not to what was signed)")
        return EXIT_FAILED
    out(f"audit log BROKEN at record {report.first_bad_seq}: {report.problem} "
        f"({quantity(report.records, 'record')} verified before it)")
    return EXIT_FAILED


def _checkpoint_line(report: Any) -> str:
    if report.key_source == "none":
        return "checkpoints: none yet (`askiam audit checkpoint` signs the chain head)"
    latest = report.latest_checkpoint
    where = f"; the latest at record {latest.seq}, signed {latest.signed_at:%Y-%m-%d %H:%M:%S}Z by key " \
            f"{latest.key_id}" if latest else ""
    if report.key_source == "database":
        return (f"checkpoints: {report.checkpoints} verified with public keys read from the database only{where} "
                "(pass --public-key FILE for evidence against a database administrator)")
    return f"checkpoints: {report.checkpoints} verified with trusted keys{where}"


def _audit_failed(exc: Exception) -> int:
    """The message, and the exit code: a key given or configured that cannot be used is input to fix (2); anything
    else stopped the check (1)."""
    from validators.audit_errors import AuditKeyError  # noqa: PLC0415

    err(f"askiam: {exc}")
    return EXIT_USAGE if isinstance(exc, AuditKeyError) else EXIT_FAILED


def cmd_verify(app: Application, args: argparse.Namespace) -> int:
    """Verify everything; when this host signs checkpoints (its key file exists), sign the head just verified."""
    from validators import audit  # noqa: PLC0415
    from validators.audit_errors import AuditError  # noqa: PLC0415
    from validators.audit_keys import load_signing_key  # noqa: PLC0415

    try:
        trusted_keys = _trusted_keys(app, args)
        report = audit.verify(app.database, trusted_keys=trusted_keys, witness=_witness(args, app))
    except AuditError as exc:
        return _audit_failed(exc)
    if not report.ok:
        return _broken(report)
    out(f"audit log OK: {quantity(report.records, 'record')}, chain head {report.head_hash}")
    out(_checkpoint_line(report))
    # Only a key file on this host signs here; a KMS key signs through `audit checkpoint` (its scheduled function).
    key = None if args.no_checkpoint else load_signing_key(_key_path(app, args))
    if key is not None:
        signed = audit.sign_verified(app.database, key, report, _witness(args, app))
        if signed is not None and signed != report.latest_checkpoint:  # else this head was signed already
            out(f"checkpoint signed at record {signed.seq} by key {signed.key_id}")
    return EXIT_OK


def verified_line(report: Any) -> str:
    """What a checkpoint's walk verified, and what it took on trust: a walk from the latest checkpoint checks the
    records from it on; those before it were checked when it was signed, and an edit to them since is found only by
    a walk of the whole chain. Said, so that "signed" never reads as "the whole log is intact"."""
    first, last = report.walked_from, report.records
    span = f"records {first} to {last}" if first < last else f"record {last}"
    if first <= 1:
        return f"verified: the whole chain, {span}"
    start = report.latest_checkpoint
    when = f" ({start.signed_at:%Y-%m-%d %H:%M:%S}Z)" if start is not None and start.seq == first else ""
    return (f"verified: {span}; records before {first} were verified when the checkpoint at record {first} was "
            f"signed{when}; `askiam audit verify` (or `audit checkpoint --full`) walks the whole chain")


def cmd_checkpoint(app: Application, args: argparse.Namespace) -> int:
    """Verify from the latest good checkpoint (or from genesis with --full) and sign the head."""
    from validators import audit  # noqa: PLC0415
    from validators.audit_errors import AuditError  # noqa: PLC0415
    from validators.audit_keys import SigningKey, public_key_path  # noqa: PLC0415

    try:
        key = _signer(app, args, create=True)
        result = audit.checkpoint(app.database, key, trusted_keys=_trusted_keys(app, args), witness=_witness(args, app),
                                  full=args.full)
    except AuditError as exc:
        return _audit_failed(exc)
    if not result.report.ok:
        return _broken(result.report)
    signed = result.checkpoint
    if signed is None:
        out("nothing to sign: the audit log is empty")
        return EXIT_OK
    if result.signed_now:
        out(f"checkpoint signed: record {signed.seq}, head {signed.head_hash}, key {signed.key_id}, "
            f"at {signed.signed_at:%Y-%m-%d %H:%M:%S}Z")
    else:
        out(f"nothing new to sign: the chain head, record {signed.seq}, was signed already (key {signed.key_id}, "
            f"at {signed.signed_at:%Y-%m-%d %H:%M:%S}Z)")
    out(verified_line(result.report))
    where = public_key_path(key.path) if isinstance(key, SigningKey) else "`askiam audit public-key`"
    out(f"public key: {where} (also in the table audit_signing_keys)")
    return EXIT_OK


def cmd_public_key(app: Application, args: argparse.Namespace) -> int:
    from validators.audit_errors import AuditError  # noqa: PLC0415

    try:
        key = _signer(app, args)
    except AuditError as exc:
        return _audit_failed(exc)
    if key is None:
        err(f"askiam: no signing key at {_key_path(app, args)}; `askiam audit checkpoint` creates one")
        return EXIT_FAILED
    out(f"# key id {key.key_id}")
    out(key.public_pem.rstrip("\n"))
    return EXIT_OK


def _filter(app: Application, args: argparse.Namespace) -> Any:
    """The filter, people, applications and roles read as the ids the log records ("Hannah Bergström",
    "HBERGSTROM", "BambooHR" as well as the ids); a name nobody or several have is a usage error."""
    from validators.audit_names import with_recorded_ids  # noqa: PLC0415
    from validators.audit_query import AuditFilter  # noqa: PLC0415

    return with_recorded_ids(app.database, AuditFilter(
        target_id=args.user, requester_id=args.requester, approver=args.approver, app_id=args.app, role_id=args.role,
        decision=args.decision, reason=args.reason, channel=args.channel, event_type=args.event,
        request_id=args.request, since=args.since, until=args.until))


def _invalid_filter(exc: ValueError) -> int:
    said = str(exc.errors()[0]["msg"]) if isinstance(exc, ValidationError) else str(exc)
    err(f"askiam: invalid filter: {said.removeprefix('Value error, ')}")
    return EXIT_USAGE


def _record_line(record: Any) -> str:
    fields = [f"#{record.seq}", f"{record.created_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z", record.event_type,
              record.request_id or "-"]
    # A refused attempt: who tried (no decision was taken, so nobody "decided_by"), and the conversation it named.
    attempted_by, conversation = record.details.get("attempted_by"), record.details.get("conversation_id")
    for name, value in (("requester", record.requester_id), ("target", record.target_id),
                        ("role", f"{record.app_id}/{record.role_id}" if record.role_id else None),
                        ("decision", "/".join(v for v in (record.decision, record.reason) if v) or None),
                        ("decided_by", record.approver), ("withdrawn_by", record.withdrawn_by),
                        ("attempted_by", attempted_by if isinstance(attempted_by, str) else None),
                        ("conversation", conversation if isinstance(conversation, str) else None),
                        ("channel", record.channel)):
        if value:
            fields.append(f"{name}={visible(value)}")
    # Free text, quoted: why the approver could decide ("application owner"), their comment, and what a refused
    # attempt called and why it was refused.
    for name in ("capacity", "comment", "route", "why"):
        value = record.details.get(name)
        if isinstance(value, str) and value:
            quoted = visible(value).replace('"', '\\"')
            fields.append(f'{name}="{quoted}"')
    return " ".join(fields)


def _questions(counted: Any) -> str:
    """"11 questions answered, 1 clarifying question": the messages that asked for no access, in counts and reports
    alike (every message gets a request id; only access requests are requests)."""
    return (f"{quantity(counted.questions_answered, 'question answered', 'questions answered')}, "
            f"{quantity(counted.clarifying_questions, 'clarifying question')}")


def _about(counted: Any) -> str:
    """"3 access requests, 11 questions answered, 1 clarifying question, 2 refused attempts": what counted records
    are about."""
    return (f"{quantity(counted.requests, 'access request')}, {_questions(counted)}, "
            f"{quantity(counted.refused_attempts, 'refused attempt')}")


def cmd_query(app: Application, args: argparse.Namespace) -> int:
    from validators.audit_errors import InvalidCursorError  # noqa: PLC0415
    from validators.audit_query import count, query  # noqa: PLC0415

    try:
        selected = _filter(app, args)
    except ValueError as exc:  # a ValidationError, or a name nobody or several have
        return _invalid_filter(exc)
    if args.count:
        counted = count(app.database, selected)
        # records, and the requests they are about (a request has one record when filed, more when decided later)
        summary = f"{quantity(counted.records, 'record')}, about {_about(counted)}"
        out(counted.model_dump_json() if args.json else summary)
        return EXIT_OK
    if not 1 <= args.limit <= 1000:
        err("askiam: --limit must be between 1 and 1000")
        return EXIT_USAGE
    try:
        page = query(app.database, selected, args.limit, args.cursor)
    except InvalidCursorError as exc:
        err(f"askiam: {exc}")
        return EXIT_USAGE
    if args.json:
        out(page.model_dump_json())
        return EXIT_OK
    for record in page.records:
        out(_record_line(record))
    more = f"; older ones with --cursor {page.next_cursor}" if page.next_cursor else ""
    out(f"{quantity(len(page.records), 'record')}{more}")
    return EXIT_OK


def cmd_export(app: Application, args: argparse.Namespace) -> int:
    from validators.audit_query import export  # noqa: PLC0415

    try:
        selected = _filter(app, args)
    except ValueError as exc:  # a ValidationError, or a name nobody or several have
        return _invalid_filter(exc)
    if args.out in (None, "-"):
        written = export(app.database, selected, args.format, sys.stdout)
        sys.stdout.flush()
        err(f"exported {quantity(written, 'record')} ({args.format})")
        return EXIT_OK
    with open(args.out, "w", encoding="utf-8", newline="") as stream:
        written = export(app.database, selected, args.format, stream)
    out(f"exported {quantity(written, 'record')} ({args.format}) to {args.out}")
    return EXIT_OK


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    for limit, unit, size in ((120, "s", 1), (7200, "min", 60), (172800, "h", 3600)):
        if seconds < limit:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds / 86400:.1f} d"


def _many(count: int, noun: str) -> str:
    """"1 request", "2 requests"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def render_report(result: Any) -> list[str]:
    """The report as lines of text, the sections in the order auditors ask."""
    window = (f"{result.filter.since:%Y-%m-%d %H:%M}Z" if result.filter.since else "the beginning") + " to " + (
        f"{result.filter.until:%Y-%m-%d %H:%M}Z" if result.filter.until else "now")
    outcomes, auto, latency = result.outcomes, result.auto_approval, result.time_to_decision
    lines = [f"audit report, {window}",
             f"outcomes: {_many(outcomes.requests, 'access request')}: {outcomes.approved} approved, "
             f"{outcomes.denied} denied, {outcomes.pending} pending, {outcomes.withdrawn} withdrawn, "
             f"{outcomes.already_granted} already held" + (f", {outcomes.other} other" if outcomes.other else "")
             + f"; approved/(approved+denied) {_share(outcomes.approved_share)}",
             f"not requests for access: {_questions(outcomes)}; "
             f"{_many(outcomes.refused_attempts, 'refused attempt')}",
             f"auto-approval: {auto.auto_approved} of {_many(auto.decided, 'decided request')} ({_share(auto.rate)})",
             f"time to decision: median {_duration(latency.median_seconds)} over "
             f"{_many(latency.decisions, 'decision')}; "
             f"decided by an approver: median {_duration(latency.median_by_approver_seconds)} over "
             f"{latency.by_approver}",
             f"decisions per {result.bucket} (each decision on a request: its filing, then any approver's or expiry):"]
    periods: dict[str, list[str]] = {}
    for item in result.over_time:
        periods.setdefault(item.period.isoformat(), []).append(f"{item.decision} {item.count}")
    lines += [f"  {period}  {'  '.join(counts)}" for period, counts in periods.items()] or ["  (none)"]
    lines.append("top requested roles:")
    lines += [f"  {role.app_id}/{role.role_id}  {_many(role.requests, 'request')} (approved {role.approved}, denied "
              f"{role.denied}, pending {role.pending}" + (f", withdrawn {role.withdrawn}" if role.withdrawn else "")
              + (f", already held {role.already_granted}" if role.already_granted else "")
              + ")" for role in result.top_roles] or ["  (none)"]
    lines.append(f"privileged grants: {result.privileged_grants_total}")
    lines += [f"  {grant.created_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z  {grant.target_id} got "
              f"{grant.app_id}/{grant.role_id}, approved by {grant.approver} ({grant.request_id}, asked by "
              f"{grant.requester_id})" for grant in result.privileged_grants]
    lines.append(f"SoD denials: {result.sod_denials_total}")
    lines += [f"  {denial.created_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z  {denial.target_id}: "
              f"{denial.app_id}/{denial.role_id} ({denial.request_id}): {denial.detail or ''}".rstrip(": ")
              for denial in result.sod_denials]
    return lines


def cmd_report(app: Application, args: argparse.Namespace) -> int:
    from validators.audit_reports import report  # noqa: PLC0415

    try:
        selected = _filter(app, args)
    except ValueError as exc:  # a ValidationError, or a name nobody or several have
        return _invalid_filter(exc)
    result = report(app.database, selected, args.bucket, top=args.top, listed=args.listed)
    if args.json:
        out(result.model_dump_json())
        return EXIT_OK
    for line in render_report(result):
        out(line)
    return EXIT_OK


def _add_filters(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters (all given must match)")
    group.add_argument("--user", help="the person the access is for (target user id)")
    group.add_argument("--requester", help="who asked (user id)")
    group.add_argument("--approver", help="who decided: 'askiam' or an approver's user id")
    group.add_argument("--app", help="application id")
    group.add_argument("--role", help="role id")
    group.add_argument("--decision", help="APPROVED, DENIED, PENDING_APPROVAL, ALREADY_GRANTED, NEEDS_CLARIFICATION")
    group.add_argument("--reason", help="e.g. AUTO_APPROVED, SOD_CONFLICT, PRIVILEGED_ROLE")
    group.add_argument("--channel", help="where it came from: api (the HTTP API, the web chat and the console), lex, "
                                         "cli (askiam ask), cli-chat (askiam chat), cli-approvals (askiam approvals: "
                                         "approvers' decisions and refused attempts), system (scheduled jobs: "
                                         "expiry), import, bench")
    group.add_argument("--event", help="event type, e.g. access_request.decided")
    group.add_argument("--request", help="request id")
    group.add_argument("--since", type=parse_when, help="from (inclusive): 2025-06-01, this-week, 7d, ...")
    group.add_argument("--until", type=parse_when, help="to (exclusive), same forms as --since")


def _add_key_options(parser: argparse.ArgumentParser, *, trust: bool = True) -> None:
    parser.add_argument("--key", metavar="FILE",
                        help="the checkpoint signing key (default $ASKIAM_HOME/audit/signing-key.pem)")
    if trust:
        parser.add_argument("--public-key", metavar="FILE", action="append",
                            help="trust checkpoints signed with this public key (PEM); repeatable")
        parser.add_argument("--witness", metavar="FILE",
                            help="a file of checkpoint copies kept outside the database (appended to on signing)")


def add_commands(subparsers: Any) -> None:
    """Register `audit verify|checkpoint|public-key|query|export|report` under `askiam`."""
    parser = subparsers.add_parser("audit", help="audit log commands")
    sub = parser.add_subparsers(dest="audit_command", required=True)

    p = sub.add_parser("verify", help="walk the hash chain and check the signed checkpoints")
    _add_key_options(p)
    p.add_argument("--no-checkpoint", action="store_true", help="do not sign the verified head")
    p.set_defaults(handler=cmd_verify)

    p = sub.add_parser("checkpoint", help="verify the records from the last checkpoint on and sign the chain head "
                                          "(says which records it verified; --full: all of them)")
    _add_key_options(p)
    p.add_argument("--full", action="store_true", help="verify the whole chain first, not only the new records")
    p.set_defaults(handler=cmd_checkpoint)

    p = sub.add_parser("public-key", help="print the checkpoint signing key's public half, for auditors")
    _add_key_options(p, trust=False)
    p.set_defaults(handler=cmd_public_key)

    p = sub.add_parser("query", help="matching audit records, newest first, a page at a time")
    _add_filters(p)
    p.add_argument("--limit", type=int, default=50, help="records per page (1-1000)")
    p.add_argument("--cursor", help="the cursor printed with the previous page")
    p.add_argument("--count", action="store_true",
                   help="only count the records, and the access requests, questions answered and clarifying "
                        "questions they are about")
    p.add_argument("--json", action="store_true", help="print the page as one JSON object")
    p.set_defaults(handler=cmd_query)

    p = sub.add_parser("export", help="write every matching record as CSV or JSON Lines, streamed")
    _add_filters(p)
    p.add_argument("--format", choices=["csv", "jsonl"], required=True)
    p.add_argument("--out", metavar="FILE", help="write here instead of to standard output")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("report", help="outcomes, auto-approval rate, top roles, privileged grants, SoD denials")
    _add_filters(p)
    p.add_argument("--bucket", choices=["day", "week"], default="day", help="period of the decisions over time")
    p.add_argument("--top", type=int, default=10, help="how many roles to list")
    p.add_argument("--listed", type=int, default=100, help="how many privileged grants and SoD denials to list")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(handler=cmd_report)
