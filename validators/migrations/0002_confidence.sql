-- Aggregates of the access history that the approval confidence reads, rebuilt on every import.

CREATE TABLE role_stats (
    role_id  text PRIMARY KEY,
    approved integer NOT NULL,
    denied   integer NOT NULL
);

CREATE TABLE role_attribute_stats (
    role_id   text NOT NULL,
    attribute text NOT NULL,
    value     text NOT NULL,
    approved  integer NOT NULL,
    denied    integer NOT NULL,
    PRIMARY KEY (role_id, attribute, value)
);

-- The fitted confidence model (weights and calibration), one row.
CREATE TABLE confidence_model (
    id        smallint PRIMARY KEY CHECK (id = 1),
    params    jsonb NOT NULL,
    fitted_at timestamptz NOT NULL DEFAULT now()
);
