-- More aggregates of the access history for the approval confidence, rebuilt on every import with the others:
-- approval counts per attribute value (any role) and per pair of attribute values (any role), and the
-- attributes the model reads.

CREATE TABLE attribute_stats (
    attribute text NOT NULL,
    value     text NOT NULL,
    approved  integer NOT NULL,
    denied    integer NOT NULL,
    PRIMARY KEY (attribute, value)
);

-- attribute_a < attribute_b in code-point order (COLLATE "C"), so each pair is stored once.
CREATE TABLE attribute_pair_stats (
    attribute_a text NOT NULL,
    value_a     text NOT NULL,
    attribute_b text NOT NULL,
    value_b     text NOT NULL,
    approved    integer NOT NULL,
    denied      integer NOT NULL,
    PRIMARY KEY (attribute_a, value_a, attribute_b, value_b)
);

CREATE TABLE history_attributes (
    attribute text PRIMARY KEY,
    position  integer NOT NULL,
    paired    boolean NOT NULL,
    coverage  integer NOT NULL
);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'askiam_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON attribute_stats, attribute_pair_stats, history_attributes
            TO askiam_app;
    END IF;
END;
$$;
