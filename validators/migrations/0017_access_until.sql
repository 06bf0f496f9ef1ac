-- Access asked for a time ("for two weeks", "until Friday"): the end is kept with the request, so that an approval
-- days later grants until that end (the grant's expires_at) and a request whose end has passed is never granted.
ALTER TABLE requests ADD COLUMN access_until timestamptz;
-- A person's own requests, asked for in the chat ("status of my requests"): those made by them use
-- requests_requester_idx, those made for them this one.
CREATE INDEX requests_target_idx ON requests (target_id, created_at DESC);
