"""Relaying the outbox: events written with each decision are published and then marked, at least once."""

from __future__ import annotations

import json
import logging

from bot.ports import EventPublisher, OutboxEvent
from validators.db import Database

log = logging.getLogger(__name__)


def relay(database: Database, publisher: EventPublisher, batch: int = 100, max_batches: int = 1000) -> int:
    """Publish unpublished events in order; returns how many were published.

    Each batch is locked (SKIP LOCKED, so relays can run side by side), published, and marked in one transaction:
    if publishing fails the batch stays unpublished and the error propagates. A crash after publishing and before
    the mark re-sends that batch, so subscribers de-duplicate on `event_id` (delivery is at least once).
    """
    published = 0
    for _ in range(max_batches):
        with database.connection() as conn, conn.transaction():
            rows = conn.execute(
                "SELECT event_id, request_id, event_type, payload, created_at::text AS created_at FROM outbox "
                "WHERE published_at IS NULL ORDER BY event_id LIMIT %s FOR UPDATE SKIP LOCKED", (batch,),
            ).fetchall()
            if not rows:
                break
            events = [OutboxEvent(event_id=row["event_id"], request_id=row["request_id"],
                                  event_type=row["event_type"],
                                  payload=row["payload"] if isinstance(row["payload"], dict)
                                  else json.loads(row["payload"]),
                                  created_at=row["created_at"]) for row in rows]
            publisher.publish(events)
            conn.execute("UPDATE outbox SET published_at = now() WHERE event_id = ANY(%s)",
                         ([event.event_id for event in events],))
            published += len(events)
    log.info("published %d outbox events", published)
    return published


def pending_count(database: Database) -> int:
    with database.connection() as conn:
        row = conn.execute("SELECT count(*) AS n FROM outbox WHERE published_at IS NULL").fetchone()
    return int(row["n"]) if row else 0
