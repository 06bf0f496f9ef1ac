"""The scheduled Lambda that relays the outbox to EventBridge."""

from __future__ import annotations

from typing import Any

from bot.bootstrap import Application
from bot.scheduled_jobs import run_job
from outbox.publishers import EventBridgePublisher


def _relay(app: Application) -> int:
    bus = app.settings.event_bus_name
    if not bus:
        raise RuntimeError("ASKIAM_EVENT_BUS_NAME is not set")
    from validators.outbox import relay  # noqa: PLC0415

    published: int = relay(app.database, EventBridgePublisher(bus))
    return published


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    # A failure is raised again so the invocation fails (and is retried); the events stay in the outbox.
    return {"published": run_job("outbox", context, _relay)}
