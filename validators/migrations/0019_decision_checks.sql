-- The hard checks as an approver's decision ran them again (under the request's lock): a request denied at approval
-- by a check that failed then must not read, to the requester or an API client, as having passed every check at
-- filing. NULL where no checks ran (the filing's are in request_checks; an expiry and a withdrawal run none) and on
-- decisions recorded before this column, which keep only `checks_failed`.
ALTER TABLE request_decisions ADD COLUMN checks jsonb;
