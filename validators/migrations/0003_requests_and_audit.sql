-- Requests, their checks and evidence, decisions, the hash-chained audit log and the event outbox.

CREATE SEQUENCE request_number_seq START 1000;

CREATE TABLE requests (
    request_id      text PRIMARY KEY,
    created_at      timestamptz NOT NULL DEFAULT now(),
    requester_id    text NOT NULL,
    target_id       text,
    app_id          text,
    role_id         text,
    channel         text NOT NULL,
    text            text NOT NULL,
    status          text NOT NULL,
    reason          text NOT NULL,
    confidence      double precision,
    message         text NOT NULL,
    entities        jsonb NOT NULL DEFAULT '{}',
    conversation_id text,
    idempotency_key text UNIQUE
);
CREATE INDEX requests_pending_idx ON requests (target_id, role_id) WHERE status = 'PENDING_APPROVAL';
CREATE INDEX requests_requester_idx ON requests (requester_id, created_at DESC);

CREATE TABLE request_checks (
    request_id text NOT NULL REFERENCES requests (request_id),
    position   smallint NOT NULL,
    name       text NOT NULL,
    passed     boolean NOT NULL,
    detail     text NOT NULL,
    data       jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (request_id, position)
);

CREATE TABLE request_evidence (
    request_id  text NOT NULL REFERENCES requests (request_id),
    position    smallint NOT NULL,
    evidence_id text NOT NULL,
    kind        text NOT NULL,
    summary     text NOT NULL,
    score       double precision,
    source      text,
    PRIMARY KEY (request_id, position)
);

CREATE TABLE request_decisions (
    request_id text NOT NULL REFERENCES requests (request_id),
    decided_at timestamptz NOT NULL DEFAULT now(),
    decision   text NOT NULL,
    reason     text NOT NULL,
    decided_by text NOT NULL,
    comment    text NOT NULL DEFAULT ''
);
CREATE INDEX request_decisions_request_idx ON request_decisions (request_id, decided_at);

CREATE TABLE audit_log (
    seq          bigint PRIMARY KEY,
    created_at   timestamptz NOT NULL,
    event_type   text NOT NULL,
    request_id   text,
    requester_id text,
    target_id    text,
    app_id       text,
    role_id      text,
    decision     text,
    reason       text,
    channel      text,
    -- the canonical JSON that the hash covers; the columns above are copies for querying, checked by verify
    payload      text NOT NULL,
    prev_hash    text NOT NULL,
    hash         text NOT NULL
);
CREATE INDEX audit_log_request_idx ON audit_log (request_id);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC);

-- The chain head, locked by every append so that records link in one order.
CREATE TABLE audit_head (
    id   smallint PRIMARY KEY CHECK (id = 1),
    seq  bigint NOT NULL,
    hash text NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

CREATE TABLE outbox (
    event_id     bigserial PRIMARY KEY,
    request_id   text NOT NULL,
    event_type   text NOT NULL,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished_idx ON outbox (event_id) WHERE published_at IS NULL;

CREATE TABLE conversations (
    conversation_id text PRIMARY KEY,
    requester_id    text NOT NULL,
    state           jsonb NOT NULL,
    turns           integer NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
