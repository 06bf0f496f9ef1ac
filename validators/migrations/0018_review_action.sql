-- What the approver chose, beside what was decided: an approval that the hard checks, run again at approval, turn
-- into a denial must not read as the approver's denial. `action` is 'approve' or 'deny' for an approver's decision
-- (NULL for the filing, an expiry or a withdrawal); `checks_failed` the details of the checks that did not pass then.
ALTER TABLE request_decisions ADD COLUMN action text CHECK (action IN ('approve', 'deny'));
ALTER TABLE request_decisions ADD COLUMN checks_failed text NOT NULL DEFAULT '';
