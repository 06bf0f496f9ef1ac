-- The auditors' side of the audit log: indexes for its queries, and signed checkpoints of the chain head.

-- Queries filter on one column and page newest first on seq (keyset), so each index ends with seq: the first page
-- and every next one read the index in order and stop after `limit` rows.
CREATE INDEX audit_log_target_seq_idx ON audit_log (target_id, seq DESC);
CREATE INDEX audit_log_requester_seq_idx ON audit_log (requester_id, seq DESC);
CREATE INDEX audit_log_app_seq_idx ON audit_log (app_id, seq DESC);
CREATE INDEX audit_log_role_seq_idx ON audit_log (role_id, seq DESC);
CREATE INDEX audit_log_decision_seq_idx ON audit_log (decision, seq DESC);
CREATE INDEX audit_log_reason_seq_idx ON audit_log (reason, seq DESC);
CREATE INDEX audit_log_channel_seq_idx ON audit_log (channel, seq DESC);
CREATE INDEX audit_log_event_seq_idx ON audit_log (event_type, seq DESC);
-- A payload's details as jsonb, or NULL when PostgreSQL cannot read the payload as jsonb: Python's json writes NaN
-- and \u0000, which jsonb refuses, and an append must never fail because of what a person typed.
CREATE FUNCTION audit_details(payload text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN payload::jsonb -> 'details';
EXCEPTION WHEN data_exception THEN
    RETURN NULL;
END;
$$;
-- Who decided lives only in the hashed payload (askiam, or the approver's user id); an expression index rather than
-- a column keeps the payload the single copy. validators/audit_query.py uses exactly this expression.
CREATE INDEX audit_log_approver_seq_idx ON audit_log ((audit_details(payload) ->> 'decided_by'), seq DESC);

-- Signed checkpoints: "the chain had reached record `seq` with hash `head_hash`", signed with an Ed25519 key that
-- lives outside the database. A rebuilt chain or a truncated tail no longer matches a checkpoint, and a database
-- administrator cannot sign a new one.
CREATE TABLE audit_checkpoints (
    seq       bigint NOT NULL,
    head_hash text NOT NULL,
    signed_at timestamptz NOT NULL,
    signature text NOT NULL,   -- base64 Ed25519 signature of validators.audit_checkpoints.signed_message
    key_id    text NOT NULL,
    PRIMARY KEY (seq, key_id)
);
CREATE INDEX audit_checkpoints_seq_idx ON audit_checkpoints (seq DESC);

-- The public halves of the signing keys, for auditors to read. verify never trusts this table when it is given a
-- key from outside the database (the key file, or --public-key): whoever can write here could add a key of theirs.
CREATE TABLE audit_signing_keys (
    key_id     text PRIMARY KEY,
    algorithm  text NOT NULL,
    public_key text NOT NULL,  -- PEM SubjectPublicKeyInfo
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION audit_table_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_table_is_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_table_is_append_only();
CREATE TRIGGER audit_signing_keys_no_update BEFORE UPDATE OR DELETE ON audit_signing_keys
    FOR EACH ROW EXECUTE FUNCTION audit_table_is_append_only();
CREATE TRIGGER audit_signing_keys_no_truncate BEFORE TRUNCATE ON audit_signing_keys
    FOR EACH STATEMENT EXECUTE FUNCTION audit_table_is_append_only();

-- The default privileges of 0004 grant UPDATE and DELETE on new tables; these two are append-only like audit_log.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'askiam_app') THEN
        GRANT SELECT, INSERT ON audit_checkpoints, audit_signing_keys TO askiam_app;
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_checkpoints, audit_signing_keys FROM askiam_app;
    END IF;
END;
$$;
