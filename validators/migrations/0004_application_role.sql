-- The role the application runs as: it may read and write the store but never rewrite the audit log.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'askiam_app') THEN
        CREATE ROLE askiam_app NOLOGIN;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cannot create role askiam_app; the audit log stays protected by its triggers only';
END;
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'askiam_app') THEN
        GRANT USAGE ON SCHEMA public TO askiam_app;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO askiam_app;
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM askiam_app;
        GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO askiam_app;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO askiam_app;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO askiam_app;
    END IF;
END;
$$;
