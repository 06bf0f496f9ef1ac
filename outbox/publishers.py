"""Event publishers: JSON Lines on disk (local) and Amazon EventBridge (AWS)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.ports import OutboxEvent

EVENT_SOURCE = "askiam"
_EVENTBRIDGE_BATCH = 10  # PutEvents takes at most 10 entries


class PublishError(Exception):
    """Some events were not accepted; they stay in the outbox."""


def event_document(event: OutboxEvent) -> dict[str, Any]:
    return {"event_id": event.event_id, "request_id": event.request_id, "event_type": event.event_type,
            "created_at": event.created_at, **event.payload}


class JsonlPublisher:
    """Appends one JSON object a line to a file, flushed and fsynced before the batch is acknowledged."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def check_writable(self) -> None:
        """Raise OSError now if the file cannot be appended to, whether or not any event is waiting."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._path.open("a", encoding="utf-8"):
            pass

    def publish(self, events: Sequence[OutboxEvent]) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._path.open("a", encoding="utf-8") as handle:
            for event in events:
                handle.write(json.dumps(event_document(event), ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


class EventBridgePublisher:
    """PutEvents to a bus; a partial failure raises so the whole batch is retried (subscribers de-duplicate)."""

    def __init__(self, bus_name: str, client: Any = None) -> None:
        self._bus_name = bus_name
        if client is None:
            import boto3  # noqa: PLC0415 - only the AWS path needs it

            client = boto3.client("events")
        self._client = client

    def publish(self, events: Sequence[OutboxEvent]) -> None:
        for start in range(0, len(events), _EVENTBRIDGE_BATCH):
            chunk = events[start: start + _EVENTBRIDGE_BATCH]
            response = self._client.put_events(Entries=[{
                "Source": EVENT_SOURCE,
                "DetailType": event.event_type,
                "Detail": json.dumps(event_document(event), ensure_ascii=False),
                "EventBusName": self._bus_name,
                "Resources": [],
            } for event in chunk])
            failed = int(response.get("FailedEntryCount", 0))
            if failed:
                codes = {entry.get("ErrorCode") for entry in response.get("Entries", []) if entry.get("ErrorCode")}
                raise PublishError(f"EventBridge rejected {failed} of {len(chunk)} events: {sorted(codes)}")
