"""The scheduled Lambda that relays the outbox to EventBridge."""

from __future__ import annotations

from functools import cache
from typing import Any

from bot.bootstrap import Application, build
from outbox.publishers import EventBridgePublisher


@cache
def _application() -> Application:
    return build()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    app = _application()
    bus = app.settings.event_bus_name
    if not bus:
        raise RuntimeError("ASKIAM_EVENT_BUS_NAME is not set")
    from validators.outbox import relay  # noqa: PLC0415

    return {"published": relay(app.database, EventBridgePublisher(bus))}
