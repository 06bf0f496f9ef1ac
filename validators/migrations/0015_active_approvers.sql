-- Approvers must be active people. A request whose application owner has left (or is suspended) goes to the
-- owner's manager, as one the owner cannot decide already did: before, a privileged request of an application
-- whose owner had left had no approver and waited until it expired. This view is still the rule's only copy.
CREATE OR REPLACE VIEW request_approvers AS
SELECT candidates.request_id, candidates.approver_id, candidates.capacity FROM (
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
    WHERE o.manager_id IS NOT NULL AND (a.owner_id IN (r.requester_id, r.target_id) OR o.status <> 'active')
) candidates
JOIN users approver ON approver.user_id = candidates.approver_id AND approver.status = 'active'
WHERE candidates.approver_id <> candidates.requester_id AND candidates.approver_id <> candidates.target_id;
