-- Eligibility compares a person's attribute with the allowed values as both are folded in Python at import (case,
-- accents, compatibility forms): "Zürich" in users.csv matches "Zurich" or "ZÜRICH" in eligibility.csv. SQL's
-- lower() alone left accented values unmatched. Until the next import, rows get their values lower-cased here.
ALTER TABLE users ADD COLUMN folded_attributes jsonb NOT NULL DEFAULT '{}'::jsonb;
UPDATE users SET folded_attributes = (
    SELECT coalesce(jsonb_object_agg(key, lower(value)), '{}'::jsonb) FROM jsonb_each_text(attributes)
);
