"""The scheduled Lambda that relays the outbox to EventBridge."""

from __future__ import annotations

from functools import cache
from typing import Any

from bot.bootstrap import Application, build, lambda_telemetry
from outbox.publishers import EventBridgePublisher


@cache
def _application() -> Application:
    return build(telemetry=lambda_telemetry())


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    app = _application()
    app.telemetry.begin(context)
    try:
        bus = app.settings.event_bus_name
        if not bus:
            raise RuntimeError("ASKIAM_EVENT_BUS_NAME is not set")
        from validators.outbox import relay  # noqa: PLC0415

        with app.telemetry.span("outbox"):
            published = relay(app.database, EventBridgePublisher(bus))
    except Exception:
        # Raised again so the invocation fails (and is retried); the events stay in the outbox.
        app.telemetry.error("outbox")
        raise
    return {"published": published}
