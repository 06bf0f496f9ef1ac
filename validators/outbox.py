"""Relaying the outbox: events written with each decision are published and then marked, at least once."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.domain import Decision
from bot.ports import EventPublisher, OutboxEvent
from bot.when import iso_utc
from validators.db import Database

log = logging.getLogger(__name__)

# The details of a decision that a subscriber acts on, carried in its event beside the request's ids: who decided
# (and why they could), what they chose, their comment, whether the role was granted. The end of a grant goes as
# `access_until`: provisioning must tell a time-limited grant from a permanent one. The rest of the record (the
# words typed, entities, checks, evidence) stays in the audit log.
EVENT_DETAILS: dict[str, Any] = {"decided_by": None, "capacity": None, "action": None, "comment": "", "granted": False}


def is_event(decision: Decision) -> bool:
    """Whether an answer is a decision on access, which subscribers get: a question answered in the chat ("status
    of R-1", "what access do I have?") or one asked back (which role? who?) decides nothing, and is audited only."""
    return decision is not Decision.NEEDS_CLARIFICATION


def enqueue(conn: Any, event: Mapping[str, Any], access_until: datetime | None) -> None:
    """Write a decision's event to the outbox, in the decision's transaction (`event`: its audit record)."""
    details = event.get("details") or {}
    payload = {key: value for key, value in event.items() if key != "details"}
    payload.update({name: details.get(name, default) for name, default in EVENT_DETAILS.items()})
    payload["access_until"] = iso_utc(access_until)
    conn.execute("INSERT INTO outbox (request_id, event_type, payload) VALUES (%s, %s, %s)",
                 (event["request_id"], event["event_type"], json.dumps(payload)))


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
                "SELECT event_id, request_id, event_type, payload, created_at FROM outbox "
                "WHERE published_at IS NULL ORDER BY event_id LIMIT %s FOR UPDATE SKIP LOCKED", (batch,),
            ).fetchall()
            if not rows:
                break
            events = [OutboxEvent(event_id=row["event_id"], request_id=row["request_id"],
                                  event_type=row["event_type"],
                                  payload=row["payload"] if isinstance(row["payload"], dict)
                                  else json.loads(row["payload"]),
                                  created_at=iso_utc(row["created_at"]) or "") for row in rows]
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
