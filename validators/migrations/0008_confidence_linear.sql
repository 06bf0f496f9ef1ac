-- The linear score's weight of each evidence group value (validators/confidence_linear.py), stored beside its
-- counts so that one lookup reads both. 0 for a value the last fit did not see.
ALTER TABLE role_stats ADD COLUMN weight double precision NOT NULL DEFAULT 0;
ALTER TABLE role_attribute_stats ADD COLUMN weight double precision NOT NULL DEFAULT 0;
ALTER TABLE attribute_stats ADD COLUMN weight double precision NOT NULL DEFAULT 0;
ALTER TABLE attribute_pair_stats ADD COLUMN weight double precision NOT NULL DEFAULT 0;
