-- Who may decide a pending request: the application's owner always; the target's manager unless the role is
-- privileged. Nobody decides a request they made or one for themselves. This view is the only copy of the rule.
CREATE VIEW request_approvers AS
SELECT request_id, approver_id, capacity FROM (
    SELECT r.request_id, r.requester_id, r.target_id, a.owner_id AS approver_id, 'application owner' AS capacity
    FROM requests r JOIN applications a ON a.app_id = r.app_id
    WHERE a.owner_id IS NOT NULL
    UNION ALL
    SELECT r.request_id, r.requester_id, r.target_id, u.manager_id, 'manager'
    FROM requests r JOIN users u ON u.user_id = r.target_id JOIN roles ro ON ro.role_id = r.role_id
    WHERE u.manager_id IS NOT NULL AND NOT ro.privileged
) candidates
WHERE approver_id <> requester_id AND approver_id <> target_id;

CREATE INDEX requests_status_created_idx ON requests (status, created_at);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'askiam_app') THEN
        GRANT SELECT ON request_approvers TO askiam_app;
    END IF;
END;
$$;
