-- The rules store: people, catalog, grants and rules, as loaded from an org bundle.

CREATE TABLE catalog_meta (
    id          smallint PRIMARY KEY CHECK (id = 1),
    version     bigint NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    source      text NOT NULL DEFAULT ''
);
INSERT INTO catalog_meta (id, version, source) VALUES (1, 0, 'empty');

CREATE TABLE users (
    user_id          text PRIMARY KEY,
    email            text NOT NULL,
    display_name     text NOT NULL,
    folded_name      text NOT NULL,
    status           text NOT NULL CHECK (status IN ('active', 'inactive', 'suspended')),
    employment_type  text NOT NULL DEFAULT '',
    department       text NOT NULL DEFAULT '',
    title            text NOT NULL DEFAULT '',
    manager_id       text,
    location         text NOT NULL DEFAULT '',
    -- every column of users.csv, standard and extra, by name: eligibility rules and similarity read this
    attributes       jsonb NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX users_email_idx ON users (lower(email));
CREATE INDEX users_folded_name_idx ON users (folded_name);
CREATE INDEX users_manager_idx ON users (manager_id);
CREATE INDEX users_peer_idx ON users (department, title);

CREATE TABLE applications (
    app_id      text PRIMARY KEY,
    name        text NOT NULL,
    aliases     text[] NOT NULL DEFAULT '{}',
    owner_id    text,
    description text NOT NULL DEFAULT ''
);

CREATE TABLE roles (
    role_id     text PRIMARY KEY,
    app_id      text NOT NULL REFERENCES applications (app_id),
    name        text NOT NULL,
    aliases     text[] NOT NULL DEFAULT '{}',
    privileged  boolean NOT NULL,
    description text NOT NULL DEFAULT ''
);
CREATE INDEX roles_app_idx ON roles (app_id);

CREATE TABLE user_roles (
    user_id    text NOT NULL REFERENCES users (user_id),
    role_id    text NOT NULL REFERENCES roles (role_id),
    granted_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    status     text NOT NULL DEFAULT 'active',
    source     text NOT NULL DEFAULT 'import',
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role_idx ON user_roles (role_id);

CREATE TABLE sod_rules (
    rule_id     text PRIMARY KEY,
    role_a      text NOT NULL REFERENCES roles (role_id),
    role_b      text NOT NULL REFERENCES roles (role_id),
    description text NOT NULL DEFAULT ''
);
CREATE INDEX sod_rules_a_idx ON sod_rules (role_a);
CREATE INDEX sod_rules_b_idx ON sod_rules (role_b);

CREATE TABLE prerequisites (
    role_id          text NOT NULL REFERENCES roles (role_id),
    requires_role_id text NOT NULL REFERENCES roles (role_id),
    PRIMARY KEY (role_id, requires_role_id)
);

CREATE TABLE eligibility (
    role_id        text NOT NULL REFERENCES roles (role_id),
    attribute      text NOT NULL,
    allowed_values text[] NOT NULL,
    -- folded copies, so that "finance" and "Finance" are one department
    allowed_folded text[] NOT NULL,
    PRIMARY KEY (role_id, attribute)
);

CREATE TABLE access_history (
    history_id  text PRIMARY KEY,
    user_id     text,
    role_id     text NOT NULL,
    approved    boolean NOT NULL,
    decided_at  timestamptz,
    decided_by  text,
    -- the requester's attributes as known when the history was loaded
    attributes  jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX access_history_role_idx ON access_history (role_id);

CREATE TABLE policy_documents (
    document text PRIMARY KEY,
    title    text NOT NULL,
    body     text NOT NULL,
    sha256   text NOT NULL
);
