-- A request the application's owner cannot decide (they asked, or it is for them) goes to the owner's manager.
-- Before, an owner's own request for a privileged role of their application had no approver at all: it waited
-- until it expired. The rest of the rule is unchanged; this view is still its only copy.
CREATE OR REPLACE VIEW request_approvers AS
SELECT request_id, approver_id, capacity FROM (
    SELECT r.request_id, r.requester_id, r.target_id, a.owner_id AS approver_id, 'application owner' AS capacity
    FROM requests r JOIN applications a ON a.app_id = r.app_id
    WHERE a.owner_id IS NOT NULL
    UNION ALL
    SELECT r.request_id, r.requester_id, r.target_id, u.manager_id, 'manager'
    FROM requests r JOIN users u ON u.user_id = r.target_id JOIN roles ro ON ro.role_id = r.role_id
    WHERE u.manager_id IS NOT NULL AND NOT ro.privileged
    UNION ALL
    SELECT r.request_id, r.requester_id, r.target_id, o.manager_id, 'manager of the application owner'
    FROM requests r JOIN applications a ON a.app_id = r.app_id JOIN users o ON o.user_id = a.owner_id
    WHERE o.manager_id IS NOT NULL AND a.owner_id IN (r.requester_id, r.target_id)
) candidates
WHERE approver_id <> requester_id AND approver_id <> target_id;
