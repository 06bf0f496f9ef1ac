-- Indexes for the statements every request runs, checked with EXPLAIN ANALYZE at 50,000 people and 1,000,000 past
-- decisions (`askiam bench` reports any full scan of a large table).

-- Understanding looks a named person up by email, folded display name or user id in one statement
-- (validators/directory.py find_people); the first two had indexes, and without this one the OR read the whole
-- users table on every request (about 50 ms at 50,000 people).
CREATE INDEX IF NOT EXISTS users_user_id_folded_idx ON users (lower(user_id));

-- The approval confidence counts how many of the requester's peers hold the role (validators/confidence_stats.py
-- fetch_peers): one probe per peer for (role, peer). With the role first, the probes for one role walk one narrow
-- range of the index instead of the whole primary key (about 6 ms -> 3 ms for a 600-person peer group).
CREATE INDEX IF NOT EXISTS user_roles_role_user_idx ON user_roles (role_id, user_id);
