-- The catalog version the approval confidence was fitted for. An import writes the catalog, then indexes and
-- fits; stopped in between (killed, out of memory), the catalog is new and the model still the old org's. The
-- estimator compares the two and, until they match again, lets no request be approved without a person.
ALTER TABLE confidence_model ADD COLUMN catalog_version bigint;
UPDATE confidence_model SET catalog_version = (SELECT version FROM catalog_meta WHERE id = 1);
