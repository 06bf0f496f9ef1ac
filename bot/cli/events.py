"""`askiam events publish`: relay decision events from the outbox (to a JSON Lines file locally)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.bootstrap import Application
from bot.cli.output import EXIT_OK, out


def cmd_publish(app: Application, args: argparse.Namespace) -> int:
    from outbox.publishers import EventBridgePublisher, JsonlPublisher  # noqa: PLC0415
    from validators.outbox import relay  # noqa: PLC0415

    publisher: Any
    if args.to:
        publisher = JsonlPublisher(Path(args.to))
        target = args.to
    elif app.settings.event_bus_name:
        publisher = EventBridgePublisher(app.settings.event_bus_name)
        target = f"EventBridge bus {app.settings.event_bus_name}"
    else:
        path = app.settings.home / "events.jsonl"
        publisher, target = JsonlPublisher(path), str(path)
    if isinstance(publisher, JsonlPublisher):
        publisher.check_writable()  # a path that cannot be written is an error even with nothing to send
    count = relay(app.database, publisher)
    out(f"published {count} event(s) to {target}")
    return EXIT_OK


def add_commands(commands: Any) -> None:
    parser = commands.add_parser("events", help="decision events")
    sub = parser.add_subparsers(dest="events_command", required=True)
    publish = sub.add_parser("publish", help="send unpublished outbox events (JSON Lines file, or EventBridge)")
    publish.add_argument("--to", help="a JSON Lines file (default: $ASKIAM_HOME/events.jsonl, or the bus if set)")
    publish.set_defaults(handler=cmd_publish)
