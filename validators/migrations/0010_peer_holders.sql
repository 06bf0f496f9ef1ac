-- Peer shares from one index range each (validators/confidence_stats.py fetch_peers).
--
-- "How many people with the requester's department and title hold this role" was a join: one probe of the grants
-- per peer. For a large peer group and a role most people hold (1,500 peers, 48,000 holders at 50,000 people) that
-- cost 10-14 ms of PostgreSQL per request, and about 3 ms on average. Each grant now carries its holder's peer
-- group, so the count reads one narrow range of one index: about 0.4 ms for that same group.
--
-- The copies are kept by triggers, so every writer (import, decision, approval, or SQL by hand) keeps them true:
-- a grant takes its holder's values when written; a person's change of department, title, manager or status is
-- copied onto their grants.

ALTER TABLE user_roles
    ADD COLUMN holder_department text,
    ADD COLUMN holder_title      text,
    ADD COLUMN holder_manager_id text,
    ADD COLUMN holder_active     boolean;

CREATE FUNCTION user_roles_take_holder() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT u.department, u.title, u.manager_id, u.status = 'active'
      INTO NEW.holder_department, NEW.holder_title, NEW.holder_manager_id, NEW.holder_active
      FROM users u WHERE u.user_id = NEW.user_id;
    RETURN NEW;
END
$$;

CREATE TRIGGER user_roles_take_holder BEFORE INSERT OR UPDATE OF user_id ON user_roles
    FOR EACH ROW EXECUTE FUNCTION user_roles_take_holder();

CREATE FUNCTION users_give_holder() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE user_roles
       SET holder_department = NEW.department, holder_title = NEW.title, holder_manager_id = NEW.manager_id,
           holder_active = NEW.status = 'active'
     WHERE user_id = NEW.user_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_give_holder AFTER UPDATE OF department, title, manager_id, status ON users
    FOR EACH ROW
    WHEN (OLD.department IS DISTINCT FROM NEW.department OR OLD.title IS DISTINCT FROM NEW.title
          OR OLD.manager_id IS DISTINCT FROM NEW.manager_id OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION users_give_holder();

UPDATE user_roles r
   SET holder_department = u.department, holder_title = u.title, holder_manager_id = u.manager_id,
       holder_active = u.status = 'active'
  FROM users u
 WHERE u.user_id = r.user_id;

CREATE INDEX user_roles_peer_holders_idx ON user_roles (role_id, holder_department, holder_title)
    INCLUDE (user_id, status, expires_at, holder_active);
CREATE INDEX user_roles_team_holders_idx ON user_roles (role_id, holder_manager_id)
    INCLUDE (user_id, status, expires_at, holder_active);
-- The peer and team totals, read from the index alone once the table is vacuumed.
DROP INDEX IF EXISTS users_peer_idx;
CREATE INDEX users_peer_idx ON users (department, title) INCLUDE (user_id, status);
DROP INDEX IF EXISTS users_manager_idx;
CREATE INDEX users_manager_idx ON users (manager_id) INCLUDE (user_id, status);
-- Its one reader was the per-peer probe above.
DROP INDEX IF EXISTS user_roles_role_user_idx;
