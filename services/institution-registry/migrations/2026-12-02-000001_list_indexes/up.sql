-- The lists page by a sort key and an id (keyset pagination): each reads
-- its page from an index, however long the table grows; the review queue
-- (one status) from its own.
CREATE INDEX institutions_applied ON institutions (city, applied_at, id);
CREATE INDEX institutions_status_applied ON institutions (city, status, applied_at, id);
CREATE INDEX brands_created ON brands (city, created_at, id);
