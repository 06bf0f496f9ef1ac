"""The `askiam` command line: import, ask, chat, demo, db, audit, bench, index and the rest."""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.bootstrap import Application, build
from bot.cli.output import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    err,
    out,
    quantity,
    visible,
)
from bot.conversation import ConversationState
from bot.domain import Outcome
from bot.errors import AskIamError, ConversationTooLongError, InvalidRequestError
from bot.ports import ApprovalGrant
from bot.settings import Settings
from bot.user_ids import operator_user_id

log = logging.getLogger("askiam")

def cmd_import(app: Application, args: argparse.Namespace) -> int:
    report = app.import_bundle(Path(args.folder))
    counts = [quantity(report.users, "person", "people"), quantity(report.applications, "application"),
              quantity(report.roles, "role"), quantity(report.grants, "grant"), quantity(report.rules, "rule"),
              quantity(report.history, "past decision"),
              f"{quantity(report.policies, 'policy', 'policies')} ({quantity(report.passages, 'passage')})"]
    out(f"imported {args.folder}: {', '.join(counts)}; catalog version {report.catalog_version}")
    if report.sod_breaches or report.prerequisite_breaches:
        out("warning: the imported grants break the catalog's own rules (imported as they are; new requests are "
            "checked against the rules):")
        if report.sod_breaches:
            out(f"  {quantity(report.sod_breaches, 'person holds', 'people hold')} both roles of a "
                f"segregation-of-duties rule: {_listed(report.sod_breaches_named, report.sod_breaches)}")
        if report.prerequisite_breaches:
            out(f"  {quantity(report.prerequisite_breaches, 'grant lacks', 'grants lack')} a prerequisite: "
                f"{_listed(report.prerequisite_breaches_named, report.prerequisite_breaches)}")
    if report.lapsed_grants:
        out(f"warning: {quantity(report.lapsed_grants, 'grant is', 'grants are')} listed as held but already ended "
            f"(not held: requests for them are decided as for anyone without them): "
            f"{_listed(report.lapsed_grants_named, report.lapsed_grants)}")
    if report.ownerless_applications:
        out(f"warning: {quantity(report.ownerless_applications, 'application has', 'applications have')} no active "
            f"owner: {_listed(report.ownerless_applications_named, report.ownerless_applications)}; their requests "
            "go to the owner's manager when active, else to nobody until they expire")
    if report.kept_grants or report.reverted_grants or report.dropped_grants:
        out("grants made by approval since the export:")
        for count, named, what in (
                (report.kept_grants, report.kept_named, "kept (not in the bundle, or it lists an older grant that "
                                                        "ends sooner)"),
                (report.reverted_grants, report.reverted_named, "reverted to the bundle's (it marks them not held, "
                                                                "or recorded them after the approval)"),
                (report.dropped_grants, report.dropped_named, "removed (the person or the role is no longer in the "
                                                              "bundle)")):
            if count:
                out(f"  {count} {what}: {_listed([_grant_named(grant) for grant in named], count)}")
    metrics = report.model_metrics
    auc, ece = metrics.get("auc", float("nan")), metrics.get("ece", float("nan"))
    if metrics and auc == auc and ece == ece:  # NaN: nothing held out could be scored
        out(f"approval confidence fitted on {quantity(int(metrics.get('samples', 0)), 'past decision')} "
            f"(held-out AUC {auc:.3f}, calibration error {ece:.3f})")
    else:
        out(f"approval confidence: {quantity(report.history, 'past decision')}, too few (or all of one outcome) to "
            "fit a model; each role's approval rate stands in until more history is imported")
    return EXIT_OK


# An import's summary names this many of each kind, then says how many more there are.
_NAMED_IN_SUMMARY = 5


def _listed(names: Sequence[str], total: int) -> str:
    """The first few names of a count, then "and N more" for the rest."""
    shown = [visible(name) for name in names[:_NAMED_IN_SUMMARY]]
    left = total - len(shown)
    return "; ".join(shown) + (f"; and {left} more" if left > 0 else "")


def _grant_named(grant: ApprovalGrant) -> str:
    end = f"until {grant.until}" if grant.until else "no end"
    return f"{grant.request_id} ({grant.user_id}, {grant.role_id}, {end}" + (
        f"; the bundle: {grant.bundle})" if grant.bundle else ")")


def _render(outcome: Outcome, as_json: bool) -> str:
    if as_json:
        return json.dumps(outcome.public_dict(), ensure_ascii=False)
    return f"[{outcome.decision.value} / {outcome.reason.value}] {outcome.message}"


def cmd_ask(app: Application, args: argparse.Namespace) -> int:
    if args.jsonl is not None and (args.text is not None or args.as_user):
        err("askiam ask: --jsonl reads the requester and the text from each line; give either --jsonl FILE or "
            "--as USER_ID and the text")
        return EXIT_USAGE
    if args.jsonl is not None:
        return _ask_jsonl(app, args.jsonl)
    if not args.as_user or args.text is None:
        err("askiam ask: give --as USER_ID and the request text, or --jsonl FILE")
        return EXIT_USAGE
    try:
        turn = app.service.handle(args.as_user, args.text, channel="cli")
    except AskIamError as exc:
        if args.json:  # --json answers in JSON whatever happens: a script reads one object either way
            out(json.dumps({"error": {"code": exc.code, "message": str(exc)}}, ensure_ascii=False))
        raise  # the message on stderr and the exit code, as for every command (`_report`)
    out(_render(turn.outcome, args.json))
    return EXIT_OK


def _lines(source: str) -> Iterator[str]:
    if source == "-":
        yield from sys.stdin
        return
    with open(source, encoding="utf-8", errors="replace") as handle:
        yield from handle


def _ask_jsonl(app: Application, source: str) -> int:
    """One result a line; exit 1 when any line was an error (every line is still answered)."""
    failed = 0
    for number, line in enumerate(_lines(source), 1):
        # A blank line is answered too (as an error), so that results stay one to one with the lines read.
        result = _ask_one_line(app, line, number)
        failed += "error" in result
        out(json.dumps(result, ensure_ascii=False))
    if failed:
        err(f"askiam ask: {failed} line(s) were errors (their results say why)")
    return EXIT_FAILED if failed else EXIT_OK


def _ask_one_line(app: Application, line: str, number: int) -> dict[str, Any]:
    if not line.strip():
        return _error("INVALID_JSON", f"line {number}: empty", number)
    try:
        pairs = json.loads(line, object_pairs_hook=list)
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        return _error("INVALID_JSON", f"line {number}: not JSON ({getattr(exc, 'msg', 'too deep or too long')})",
                      number)
    # With `list` as the hook an object reads as its (key, value) pairs, a key given twice included.
    is_object = isinstance(pairs, list) and all(isinstance(pair, tuple) for pair in pairs)
    item = dict(pairs) if is_object else {}
    if not is_object or sorted(key for key, _ in pairs) != ["as", "text"] or \
            not all(isinstance(value, str) for value in item.values()):
        return _error("INVALID_REQUEST", f"line {number}: expected an object with the string fields 'as' and "
                                         "'text', each once, and no others", number)
    try:
        turn = app.service.handle(operator_user_id(app.service.ports.directory, item["as"]), item["text"],
                                  channel="cli")
    except AskIamError as exc:
        return _error(exc.code, str(exc), number)
    return turn.outcome.public_dict()


def _error(code: str, message: str, line: int) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}, "line": line}


def chat_loop(app: Application, user_id: str, reader: Callable[[str], str]) -> int:
    """An interactive conversation; a reply to a question continues the same request."""
    person = app.service.requester(user_id, "cli-chat", "(chat opened)")
    out(f"AskIAM: Hello {person.display_name}. What access do you need? (type 'quit' to leave)")
    state: ConversationState | None = None
    while True:
        try:
            text = reader("you> ")
        except EOFError:
            out()
            return EXIT_OK
        if text.strip().lower() in {"quit", "exit", "bye", ":q"}:
            return EXIT_OK
        if not text.strip():
            continue
        try:
            turn = app.service.handle(user_id, text, channel="cli-chat", state=state)
        except ConversationTooLongError as exc:
            state = None  # the next message starts afresh
            out(f"AskIAM: {exc}")
            continue
        except InvalidRequestError as exc:
            out(f"AskIAM: {exc}")
            continue
        state = turn.state
        outcome = turn.outcome
        out(f"AskIAM [{outcome.decision.value}]: {outcome.message}")
        for item in outcome.evidence[:4]:
            out(f"    - {item.kind}: {item.summary[:160]}")


def cmd_chat(app: Application, args: argparse.Namespace) -> int:
    return chat_loop(app, args.as_user, input)


def cmd_demo(app: Application, args: argparse.Namespace) -> int:
    from bot.demo.loader import ensure_demo_org, other_org_loaded  # noqa: PLC0415

    imported = None if args.reset else other_org_loaded(app)
    if imported:
        err(f"askiam demo: this database holds the org imported from {imported}; the demo org would replace it "
            "(its people, grants and history). Nothing was changed. Run `askiam demo --reset` to replace it, or set "
            "ASKIAM_HOME to another folder for a demo of its own.")
        return EXIT_USAGE
    demo = ensure_demo_org(app, reset=args.reset)
    user = args.as_user or demo.default_user
    out(f"Demo org loaded ({demo.summary}). Database: {app.database_url}")
    out("Try these as the demo users:")
    for line in demo.suggestions:
        out(f"  {line}")
    if args.no_chat:
        return EXIT_OK
    return chat_loop(app, user, input)


def cmd_serve(app: Application, args: argparse.Namespace) -> int:
    from bot.api.local_server import serve  # noqa: PLC0415

    if app.is_empty():
        from bot.demo.loader import ensure_demo_org  # noqa: PLC0415

        demo = ensure_demo_org(app)
        out(f"No org was loaded, so the demo org is ({demo.summary}).")

    def ready(url: str) -> None:
        base = url.rstrip("/")
        out(f"AskIAM is listening: web chat at {base}/, OpenAPI at {base}/openapi.json. Ctrl-C stops it.")

    try:
        serve(app, host=args.host, port=args.port, on_ready=ready)
    except socket.gaierror as exc:  # a host that is no address and no name this machine resolves
        err(f"askiam serve: cannot listen on {args.host}:{args.port}: {args.host!r} is not an address or a host "
            f"name this machine knows ({exc.strerror}). Use for example --host 127.0.0.1.")
        return EXIT_USAGE
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES):
            raise
        err(f"askiam serve: cannot listen on {args.host}:{args.port}: {exc.strerror}. Choose another with --port "
            "(or --host).")
        return EXIT_USAGE
    return EXIT_OK


def _port(text: str) -> int:
    """A TCP port for argparse: refused with a usage error (exit 2) outside 0-65535, like a port that is no number."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port: {text!r} (a number from 0 to 65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port: {port} (a number from 0 to 65535)")
    return port


def cmd_lex_export(app: Application, args: argparse.Namespace) -> int:
    from lex.export import export_bot  # noqa: PLC0415

    path = export_bot(app, Path(args.out))
    out(f"wrote the Lex V2 bot definition for catalog version {app.service.vocabulary().catalog.version} to {path}")
    return EXIT_OK


def cmd_db(app: Application, args: argparse.Namespace) -> int:
    target = app.located_database  # printed without connecting: the database may be down
    out(target.url)
    if target.embedded:
        err("The embedded PostgreSQL runs only while an askiam command uses it: `askiam db psql` opens a shell on "
            "it, or keep `askiam serve` running while you use this URL.")
    return EXIT_OK


def cmd_db_psql(app: Application, args: argparse.Namespace) -> int:
    from bot.cli.psql import run_psql  # noqa: PLC0415

    return run_psql(app.database_target, args.psql_args)


def cmd_db_migrate(app: Application, args: argparse.Namespace) -> int:
    applied = app.migrate()
    out(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else "; schema up to date"))
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="askiam", description="Chat-first access-request validator.")
    commands = root.add_subparsers(dest="command", required=True)

    p = commands.add_parser("import", help="load an org bundle (all or nothing)")
    p.add_argument("folder")
    p.set_defaults(handler=cmd_import)

    p = commands.add_parser("ask", help="handle one request, or many with --jsonl")
    p.add_argument("--as", dest="as_user", help="the authenticated requester's user id")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.add_argument("--jsonl", metavar="FILE", help="one {\"as\", \"text\"} object a line ('-' for stdin)")
    p.add_argument("text", nargs="?")
    p.set_defaults(handler=cmd_ask)

    p = commands.add_parser("chat", help="an interactive conversation")
    p.add_argument("--as", dest="as_user", required=True)
    p.set_defaults(handler=cmd_chat)

    p = commands.add_parser("demo", help="load the built-in demo org and chat")
    p.add_argument("--as", dest="as_user")
    p.add_argument("--reset", action="store_true", help="reload the demo org even if one is loaded")
    p.add_argument("--no-chat", action="store_true", help="load and print the suggestions only")
    p.set_defaults(handler=cmd_demo)

    p = commands.add_parser("db", help="database commands")
    db = p.add_subparsers(dest="db_command", required=True)
    db.add_parser("url", help="print the URL of the database in use").set_defaults(handler=cmd_db)
    db.add_parser("migrate", help="apply schema migrations (run once per deployment in AWS)").set_defaults(
        handler=cmd_db_migrate)
    psql = db.add_parser("psql", help="a psql shell on the database in use (the embedded one stays up meanwhile)")
    psql.add_argument("psql_args", nargs="*", help="passed on to psql as they are, e.g. -c 'SELECT 1'")
    psql.set_defaults(handler=cmd_db_psql)

    p = commands.add_parser("serve", help="the HTTP API and the web chat on this machine")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=_port, default=8080, help="0 to 65535 (0: any free port)")
    p.set_defaults(handler=cmd_serve)

    p = commands.add_parser("lex", help="Amazon Lex V2 bot commands")
    lex = p.add_subparsers(dest="lex_command", required=True)
    export = lex.add_parser("export", help="write the bot definition, slot values generated from the catalog")
    export.add_argument("--out", default=".", help="folder to write askiam-lex-bot.json into")
    export.set_defaults(handler=cmd_lex_export)

    from bot.cli import approvals, audit, bench, confidence, events, index, loadtest  # noqa: PLC0415

    audit.add_commands(commands)
    bench.add_commands(commands)
    confidence.add_commands(commands)
    approvals.add_commands(commands)
    events.add_commands(commands)
    index.add_commands(commands)
    loadtest.add_commands(commands)
    return root


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """The parsed command line; what follows `db psql` is psql's own (argparse would read `-c` as ours)."""
    given = list(sys.argv[1:] if argv is None else argv)
    if given[:2] == ["db", "psql"] and given[2:3] not in (["-h"], ["--help"]):
        args = parser().parse_args(given[:2])
        args.psql_args = given[2:]
        return args
    return parser().parse_args(given)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]).upper()
        err(f"askiam: invalid setting{' ASKIAM_' + where if where else ''}: "
            f"{str(first['msg']).removeprefix('Value error, ')}")
        return EXIT_USAGE
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = build(settings)
    _stop_on_sigterm()
    try:
        if getattr(args, "as_user", None):  # "--as HBERGSTROM", "--as hb@corp.example": the directory's hbergstrom
            args.as_user = operator_user_id(app.service.ports.directory, args.as_user)
        code: int = args.handler(app, args)
        return code
    except KeyboardInterrupt:
        err("askiam: interrupted before it finished; every change is one transaction, so nothing was half-written")
        return EXIT_FAILED
    except Exception as exc:  # the one place that turns any failure into a message instead of a traceback
        return _report(exc)
    finally:
        app.close()


def _stop_on_sigterm() -> None:
    """`kill` (SIGTERM) ends a command the way Ctrl-C does: through its clean-up, so that the embedded PostgreSQL
    it started is stopped instead of left running."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _report(exc: Exception) -> int:
    from bot.errors import RequesterError, ServiceUnavailableError  # noqa: PLC0415
    from validators.errors import ImportIncompleteError, ImportRowError, StoreUnavailableError  # noqa: PLC0415

    if isinstance(exc, ImportRowError):
        err(f"askiam: import failed: {exc}")
        return EXIT_USAGE
    if isinstance(exc, ImportIncompleteError):
        log.debug("import incomplete", exc_info=exc)
        err(f"askiam: import incomplete: {exc}")
        return EXIT_FAILED
    if isinstance(exc, StoreUnavailableError | ServiceUnavailableError):
        err(f"askiam: {exc}. Nothing was changed; please try again.")
        return EXIT_UNAVAILABLE
    if isinstance(exc, RequesterError):
        err(f"askiam: refused: {exc}")
        return EXIT_REFUSED
    if isinstance(exc, AskIamError):
        err(f"askiam: {exc}")
        return EXIT_USAGE
    if isinstance(exc, BrokenPipeError):  # the reader went away (`askiam audit query | head`): nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so that the exit's flush cannot fail
        return EXIT_OK
    if isinstance(exc, OSError) and exc.filename is not None:  # a path given on the command line
        err(f"askiam: {exc.filename}: {exc.strerror or exc}")
        return EXIT_USAGE
    log.debug("unexpected failure", exc_info=exc)
    err(f"askiam: unexpected error ({type(exc).__name__}: {exc}). Set ASKIAM_LOG_LEVEL=DEBUG for details.")
    return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
