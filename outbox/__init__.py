"""Decision-event publishers: adapters that carry outbox events to subscribers (a file locally, EventBridge in AWS)."""
