-- Fresh planner statistics after a bulk write. The application role does not own the tables, and PostgreSQL lets
-- only the owner ANALYZE a table: the ANALYZE after an import or an index rebuild was skipped with a warning, and
-- the request path ran on guessed statistics until autovacuum came by. This function runs it as the owner, for the
-- tables named here only.
CREATE FUNCTION askiam_analyze(target text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF target NOT IN ('users', 'user_roles', 'access_history', 'history_attributes', 'role_stats', 'role_attribute_stats',
                      'attribute_stats', 'attribute_pair_stats', 'vector_history', 'vector_policy',
                      'vector_policy_query', 'vector_policy_answer') THEN
        RAISE EXCEPTION 'askiam_analyze does not analyze %', target USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE format('ANALYZE %I', target);
END
$$;

REVOKE ALL ON FUNCTION askiam_analyze(text) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'askiam_app') THEN
        GRANT EXECUTE ON FUNCTION askiam_analyze(text) TO askiam_app;
    END IF;
END;
$$;
